//! `cargo xtask diff OLD NEW`, `cargo xtask diff --base REV`: every change
//! between two versions of a document, classified (see `codegen::diff`).
//!
//! Each side is a file or `git:REV:path` (the file at that revision, with
//! the files its `$ref`s name fetched from the same revision). Exit status:
//! 0, or 1 with `--fail-on breaking` when a change is breaking (with
//! `--fail-on major` when the generated crate needs a major release); 2 when
//! an input cannot be read or loaded.
//!
//! After the spec-level changes comes the Rust-level view
//! (`codegen::rust_api`): each version generated in process, the public API
//! of the module it becomes compared, and the version bump that needs.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use codegen::diff::{self, Change, Summary};
use codegen::load::Document;
use codegen::rust_api::{self, Bump, RustChange};

use crate::{workspace_root, Format};

/// When the command fails.
#[derive(Clone, Copy, clap::ValueEnum)]
pub enum FailOn {
    /// Exit 1 when any change is breaking (for clients or servers).
    Breaking,
    /// Exit 1 when the generated crate's public Rust API needs a major
    /// release (2 when it cannot be generated from a version).
    Major,
    /// With `--base`: exit 1 when a breaking change, or a change to the
    /// generated crate's public API that needs a major release, comes
    /// without a SemVer-incompatible bump of that crate's version
    /// (`generated/Cargo.toml` at REV against the working tree).
    Unbumped,
}

/// An input that could not be used, with what to print.
struct Failure(Vec<String>);

impl Failure {
    fn one(message: String) -> Failure {
        Failure(vec![message])
    }
}

pub struct Args {
    pub old: Option<String>,
    pub new: Option<String>,
    pub base: Option<String>,
    /// The folder `--base` compares (default: the workspace's `specs/`).
    pub specs: Option<PathBuf>,
    pub format: Format,
    pub fail_on: Option<FailOn>,
    pub list_rules: bool,
}

pub fn run(args: Args) -> ExitCode {
    if args.list_rules {
        list_rules(args.format);
        return ExitCode::SUCCESS;
    }
    let root = workspace_root();
    let result = match (&args.base, &args.old, &args.new) {
        (Some(base), None, None) => {
            let specs = args.specs.clone().unwrap_or_else(|| root.join("specs"));
            compare_specs(&root, &specs, base)
        }
        (None, Some(old), Some(new)) => compare_pair(&root, old, new).map(|(changes, rust)| {
            vec![Compared {
                old: Some(old.clone()),
                new: Some(new.clone()),
                changes,
                rust,
            }]
        }),
        _ => Err(Failure::one(
            "give OLD and NEW (each a file or git:REV:path), or --base REV".to_owned(),
        )),
    };
    let compared = match result {
        Ok(compared) => compared,
        Err(Failure(lines)) => {
            for line in lines {
                eprintln!("{line}");
            }
            return ExitCode::from(2);
        }
    };
    let versions = match (args.fail_on, &args.base) {
        (Some(FailOn::Unbumped), Some(base)) => {
            let specs = args.specs.clone().unwrap_or_else(|| root.join("specs"));
            match crate_versions(&specs, base) {
                Ok(v) => Some(v),
                Err(e) => {
                    eprintln!("error: {e}");
                    return ExitCode::from(2);
                }
            }
        }
        (Some(FailOn::Unbumped), None) => {
            eprintln!("error: --fail-on unbumped compares the version of the crate the specs folder gives: it needs --base REV");
            return ExitCode::from(2);
        }
        _ => None,
    };
    let all: Vec<&Change> = compared.iter().flat_map(|c| &c.changes).collect();
    let owned: Vec<Change> = all.iter().map(|c| (*c).clone()).collect();
    let summary = Summary::of(&owned);
    let rust: Vec<&RustChange> = compared
        .iter()
        .filter_map(|c| c.rust.as_ref().ok())
        .flatten()
        .collect();
    let bump = rust.iter().map(|c| c.bump).max().unwrap_or_default();
    let unavailable: Vec<&Compared> = compared.iter().filter(|c| c.rust.is_err()).collect();
    // What callers of the generated crate see break: a breaking change to
    // the API, or to the crate's public Rust API.
    let needs_major = summary.breaking > 0 || bump == Bump::Major;
    for c in &unavailable {
        if let Err(e) = &c.rust {
            eprintln!(
                "warning: {}: the Rust-level view is left out: {e}",
                c.new.as_deref().or(c.old.as_deref()).unwrap_or_default()
            );
        }
    }
    match args.format {
        Format::Text => {
            for c in &all {
                println!("{}", line(c));
            }
            println!("{summary}");
            if !rust.is_empty() {
                println!("Rust API of the generated crate:");
            }
            for c in &rust {
                println!(
                    "{:<6} {:<31} {}  {}",
                    c.bump.name(),
                    c.rule,
                    c.path,
                    c.message
                );
            }
            println!("{}", rust_summary(&rust, bump, unavailable.len()));
            if let Some(v) = &versions {
                println!("{}", v.line(needs_major));
            }
        }
        Format::Json => {
            let out = serde_json::json!({
                "compared": compared
                    .iter()
                    .map(|c| serde_json::json!({ "old": c.old, "new": c.new }))
                    .collect::<Vec<_>>(),
                "changes": all,
                "summary": summary,
                "version": versions.as_ref().map(|v| serde_json::json!({
                    "crate": v.package,
                    "old": v.old.as_ref().map(ToString::to_string),
                    "new": v.new.to_string(),
                    "major_needed": needs_major,
                    "incompatible_bump": v.incompatible(),
                })),
                "rust": {
                    "changes": rust,
                    "bump": bump,
                    "unavailable": unavailable
                        .iter()
                        .map(|c| serde_json::json!({
                            "old": c.old,
                            "new": c.new,
                            "error": c.rust.as_ref().err(),
                        }))
                        .collect::<Vec<_>>(),
                },
            });
            println!(
                "{}",
                serde_json::to_string_pretty(&out).expect("changes serialize")
            );
        }
    }
    match args.fail_on {
        Some(FailOn::Breaking) if summary.breaking > 0 => ExitCode::from(1),
        Some(FailOn::Major) if bump == Bump::Major => ExitCode::from(1),
        // A version that does not generate leaves the bump unknown.
        Some(FailOn::Major) if !unavailable.is_empty() => ExitCode::from(2),
        Some(FailOn::Unbumped)
            if needs_major && !versions.as_ref().is_some_and(Versions::incompatible) =>
        {
            ExitCode::from(1)
        }
        // Unknown Rust-level changes may need a major release.
        Some(FailOn::Unbumped)
            if !unavailable.is_empty()
                && !versions.as_ref().is_some_and(Versions::incompatible) =>
        {
            ExitCode::from(2)
        }
        _ => ExitCode::SUCCESS,
    }
}

/// The version of the crate `specs/` gives, at the base revision and now.
struct Versions {
    package: String,
    /// `None` when the crate is not at the base revision (it is new).
    old: Option<semver::Version>,
    new: semver::Version,
}

impl Versions {
    /// Whether the new version is one Cargo never takes for the old one
    /// (`^old` does not match it) and is greater: a major release, or a
    /// minor one below 1.0. A crate that is new needs no bump.
    fn incompatible(&self) -> bool {
        let Some(old) = &self.old else {
            return true;
        };
        let caret =
            semver::VersionReq::parse(&format!("^{old}")).expect("a version is a requirement");
        self.new > *old && !caret.matches(&self.new)
    }

    fn line(&self, needs_major: bool) -> String {
        let Some(old) = &self.old else {
            return format!("Version: {} {} is new", self.package, self.new);
        };
        let went = format!("{} went {old} -> {}", self.package, self.new);
        match (needs_major, self.incompatible()) {
            (true, true) => format!("Version: {went}: a SemVer-incompatible release, as the breaking changes need"),
            (true, false) => format!(
                "Version: {went}, but the breaking changes above need a SemVer-incompatible release ({}): set CRATE_VERSION in xtask/src/codegen_cmd.rs and run `cargo xtask codegen`",
                next_major(old)
            ),
            (false, _) => format!("Version: {went}: no change above needs a SemVer-incompatible release"),
        }
    }
}

/// The first version SemVer-incompatible with `v`, as Cargo reads it.
fn next_major(v: &semver::Version) -> semver::Version {
    match (v.major, v.minor) {
        (0, 0) => semver::Version::new(0, 0, v.patch + 1),
        (0, minor) => semver::Version::new(0, minor + 1, 0),
        (major, _) => semver::Version::new(major + 1, 0, 0),
    }
}

/// The `[package]` name and version of the manifest `text`. The manifest is
/// one the generator wrote, so a line scan is enough: `name = "…"` and
/// `version = "…"` inside `[package]`.
fn package_version(text: &str) -> Result<(String, semver::Version), String> {
    let mut in_package = false;
    let (mut name, mut version) = (None, None);
    for line in text.lines().map(str::trim) {
        if line.starts_with('[') {
            in_package = line == "[package]";
            continue;
        }
        if !in_package {
            continue;
        }
        let Some((key, value)) = line.split_once('=') else {
            continue;
        };
        let value = value.trim().trim_matches('"').to_owned();
        match key.trim() {
            "name" => name = Some(value),
            "version" => version = Some(value),
            _ => {}
        }
    }
    let name = name.ok_or("no `name` in its [package]")?;
    let version = version.ok_or("no `version` in its [package]")?;
    let parsed = semver::Version::parse(&version)
        .map_err(|e| format!("version `{version}` is not a SemVer version: {e}"))?;
    Ok((name, parsed))
}

/// The version of the crate the documents in `specs` give (`generated/`
/// beside that folder) at `rev` and in the working tree.
fn crate_versions(specs: &Path, rev: &str) -> Result<Versions, String> {
    let root = std::fs::canonicalize(specs)
        .map_err(|e| format!("{}: {e}", specs.display()))?
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default();
    let manifest = root.join("generated").join("Cargo.toml");
    let now =
        std::fs::read_to_string(&manifest).map_err(|e| format!("{}: {e}", manifest.display()))?;
    let (package, new) =
        package_version(&now).map_err(|e| format!("{}: {e}", manifest.display()))?;
    let top = toplevel(&root)?;
    let canonical =
        std::fs::canonicalize(&manifest).map_err(|e| format!("{}: {e}", manifest.display()))?;
    let in_repo = canonical
        .strip_prefix(&top)
        .map_err(|_| format!("{} is not inside {}", manifest.display(), top.display()))?
        .to_string_lossy()
        .replace('\\', "/");
    let old = match git(&top, &["show", &format!("{rev}:{in_repo}")]) {
        Ok(text) => Some(
            package_version(&String::from_utf8_lossy(&text))
                .map_err(|e| format!("{in_repo} at {rev}: {e}"))?
                .1,
        ),
        // Not there at the base: the crate is new. Anything else (a bad
        // revision) is an error.
        Err(_)
            if git(
                &top,
                &["rev-parse", "--verify", &format!("{rev}^{{commit}}")],
            )
            .is_ok() =>
        {
            None
        }
        Err(e) => return Err(format!("{in_repo} at {rev}: {e}")),
    };
    Ok(Versions { package, old, new })
}

/// The Rust-level summary line: how many changes of each class, and the
/// release the generated crate needs.
fn rust_summary(changes: &[&RustChange], bump: Bump, unavailable: usize) -> String {
    let count = |b: Bump| changes.iter().filter(|c| c.bump == b).count();
    let mut line = format!(
        "Rust API: {} change(s) ({} major, {} minor): the generated crate needs a {bump} release",
        changes.len(),
        count(Bump::Major),
        count(Bump::Minor),
    );
    if unavailable > 0 {
        line.push_str(&format!(
            " (at least; {unavailable} document(s) could not be generated)"
        ));
    }
    line
}

/// One change as a line of text: level, whom it breaks, rule, operation
/// and message, then where it is in the old and the new document.
fn line(c: &Change) -> String {
    let whom = if c.breaks.is_empty() {
        "-".to_owned()
    } else {
        c.breaks
            .iter()
            .map(|p| p.name())
            .collect::<Vec<_>>()
            .join("+")
    };
    let place = |l: &Option<diff::Location>| {
        l.as_ref()
            .map_or_else(|| "-".to_owned(), ToString::to_string)
    };
    let message = match &c.operation {
        Some(op) => format!("{op}: {}", c.message),
        None => c.message.clone(),
    };
    format!(
        "{:<12} {:<13} {}  {message}  {} → {}",
        c.level.name(),
        whom,
        c.rule,
        place(&c.old),
        place(&c.new)
    )
}

fn list_rules(format: Format) {
    match format {
        Format::Text => {
            for r in diff::RULES {
                let whom = r
                    .breaks
                    .iter()
                    .map(|p| p.name())
                    .collect::<Vec<_>>()
                    .join("+");
                println!(
                    "{:<40} {:<12} {:<13} {}",
                    r.id,
                    r.level.name(),
                    if whom.is_empty() { "-" } else { &whom },
                    r.summary
                );
            }
        }
        Format::Json => println!(
            "{}",
            serde_json::to_string_pretty(diff::RULES).expect("rules serialize")
        ),
    }
}

/// The changes between one pair of documents (either side may be absent
/// with `--base`: a document added or removed).
struct Compared {
    old: Option<String>,
    new: Option<String>,
    changes: Vec<Change>,
    /// The changes to the generated module's public Rust API, or why there
    /// are none to tell (a version that does not generate).
    rust: RustView,
}

/// The changes to a generated module's public Rust API, or why there are
/// none to tell.
type RustView = Result<Vec<RustChange>, String>;

fn compare_pair(
    root: &Path,
    old_spec: &str,
    new_spec: &str,
) -> Result<(Vec<Change>, RustView), Failure> {
    let old = load(root, old_spec)?;
    let new = load(root, new_spec)?;
    // Both sides become the module the new file would be generated into.
    let module = module_of(new_spec);
    Ok((
        diff::diff(&old, &new),
        rust_changes(Some(&old), Some(&new), &module),
    ))
}

/// The module a document given as `spec` (a file or `git:REV:path`) is
/// generated into.
fn module_of(spec: &str) -> String {
    let path = spec
        .strip_prefix("git:")
        .and_then(|rest| rest.split_once(':'))
        .map_or(spec, |(_, path)| path);
    codegen::module_name(Path::new(path))
}

/// The Rust-level changes from `old` to `new` (an absent side has no public
/// API), both generated as the module `module`.
fn rust_changes(old: Option<&Document>, new: Option<&Document>, module: &str) -> RustView {
    let surface = |doc: Option<&Document>, side: &str| match doc {
        None => Ok(rust_api::Surface::default()),
        Some(doc) => rust_api::surface(doc, module)
            .map_err(|e| format!("the {side} version does not generate: {e}")),
    };
    Ok(rust_api::compare(
        &surface(old, "old")?,
        &surface(new, "new")?,
    ))
}

/// Every document in the folder `specs` at `rev` against the working tree.
fn compare_specs(root: &Path, specs: &Path, rev: &str) -> Result<Vec<Compared>, Failure> {
    let shown = specs.display();
    let top = toplevel(specs)
        .map_err(|e| Failure::one(format!("error: {shown}: not in a git repository: {e}")))?;
    let canonical =
        std::fs::canonicalize(specs).map_err(|e| Failure::one(format!("error: {shown}: {e}")))?;
    let folder = canonical
        .strip_prefix(&top)
        .map(|p| p.to_string_lossy().replace('\\', "/"))
        .map_err(|_| Failure::one(format!("error: {shown} is not inside {}", top.display())))?;
    let listing = git(
        &top,
        &["ls-tree", "--name-only", rev, "--", &format!("{folder}/")],
    )
    .map_err(|e| Failure::one(format!("error: cannot list {folder}/ at {rev}: {e}")))?;
    let is_doc = |name: &str| {
        Path::new(name)
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| matches!(e, "yaml" | "yml" | "json"))
    };
    let at_rev: BTreeSet<String> = String::from_utf8_lossy(&listing)
        .lines()
        .filter(|name| is_doc(name))
        .map(str::to_owned)
        .collect();
    let now: BTreeSet<String> = codegen::spec_files(specs)
        .map_err(|e| Failure::one(format!("error: cannot list {shown}: {e}")))?
        .into_iter()
        .filter_map(|f| {
            let name = f.file_name()?.to_string_lossy().into_owned();
            Some(format!("{folder}/{name}"))
        })
        .collect();
    // The working tree's files are named as git names them (from the
    // repository root) when that is where the workspace is, else in full.
    let file = |name: &str| top.join(name);
    let display = |name: &str| {
        if top == std::fs::canonicalize(root).unwrap_or_default() {
            name.to_owned()
        } else {
            file(name).display().to_string()
        }
    };
    let mut compared = Vec::new();
    let mut failures = Vec::new();
    for name in at_rev.union(&now) {
        let old_name = format!("git:{rev}:{name}");
        let new_name = display(name);
        let old = || load_git(&top, &old_name, rev, name);
        let new = || load_file(&file(name), &new_name);
        let module = module_of(name);
        let result = match (at_rev.contains(name), now.contains(name)) {
            (true, true) => old()
                .and_then(|o| new().map(|n| (o, n)))
                .map(|(o, n)| Compared {
                    changes: diff::diff(&o, &n),
                    rust: rust_changes(Some(&o), Some(&n), &module),
                    old: Some(old_name.clone()),
                    new: Some(new_name.clone()),
                }),
            (true, false) => old().map(|doc| Compared {
                rust: rust_changes(Some(&doc), None, &module),
                changes: vec![diff::document_change(
                    "document-removed",
                    &doc,
                    format!("{name} was removed"),
                )],
                old: Some(old_name.clone()),
                new: None,
            }),
            _ => new().map(|doc| Compared {
                rust: rust_changes(None, Some(&doc), &module),
                changes: vec![diff::document_change(
                    "document-added",
                    &doc,
                    format!("{name} was added"),
                )],
                old: None,
                new: Some(new_name.clone()),
            }),
        };
        match result {
            Ok(c) => compared.push(c),
            Err(Failure(lines)) => failures.extend(lines),
        }
    }
    if failures.is_empty() {
        Ok(compared)
    } else {
        Err(Failure(failures))
    }
}

/// The top folder of the git work tree `dir` is in.
fn toplevel(dir: &Path) -> Result<PathBuf, String> {
    let out = git(dir, &["rev-parse", "--show-toplevel"])?;
    let top = PathBuf::from(String::from_utf8_lossy(&out).trim());
    std::fs::canonicalize(&top).map_err(|e| format!("{}: {e}", top.display()))
}

/// Loads one side: a file (relative to the current directory, else the
/// workspace root), or `git:REV:path`.
fn load(root: &Path, spec: &str) -> Result<Document, Failure> {
    if let Some(rest) = spec.strip_prefix("git:") {
        let Some((rev, path)) = rest.split_once(':') else {
            return Err(Failure::one(format!(
                "error: {spec}: expected git:REV:path (a revision, a colon, a path from the repository root)"
            )));
        };
        // The repository of the current directory, else the workspace's.
        let top = toplevel(Path::new("."))
            .or_else(|_| toplevel(root))
            .map_err(|e| Failure::one(format!("error: {spec}: not in a git repository: {e}")))?;
        return load_git(&top, spec, rev, path);
    }
    let file = PathBuf::from(spec);
    let path = if file.exists() || file.is_absolute() {
        file
    } else {
        root.join(file)
    };
    if !path.is_file() {
        return Err(Failure::one(format!("error: {spec}: no such file")));
    }
    load_file(&path, spec)
}

fn load_file(path: &Path, name: &str) -> Result<Document, Failure> {
    codegen::load_document(path, name).map_err(|problems| {
        let mut lines: Vec<String> = problems.iter().map(ToString::to_string).collect();
        lines.push(format!("error: {name} cannot be loaded"));
        Failure(lines)
    })
}

/// The document at `path` in revision `rev`: the file and every file its
/// references name, read with `git show` into a temporary directory laid
/// out as the repository is, then loaded from there (named `git:REV:…`).
/// `top` is the repository's top folder; `path` is relative to it.
fn load_git(top: &Path, spec: &str, rev: &str, path: &str) -> Result<Document, Failure> {
    let path = normalize(path.trim_start_matches("./"))
        .ok_or_else(|| Failure::one(format!("error: {spec}: the path leaves the repository")))?;
    let dir = tempfile::tempdir()
        .map_err(|e| Failure::one(format!("error: {spec}: no temporary directory: {e}")))?;
    let mut queue = vec![path.clone()];
    let mut seen = BTreeSet::from([path.clone()]);
    while let Some(file) = queue.pop() {
        let text = match git(top, &["show", &format!("{rev}:{file}")]) {
            Ok(text) => text,
            // The root must be there; a file it names that is not is
            // reported by the loader where the reference is written.
            Err(e) if file == path => {
                return Err(Failure::one(format!("error: {spec}: {e}")));
            }
            Err(_) => continue,
        };
        let target = dir.path().join(&file);
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent)
                .map_err(|e| Failure::one(format!("error: {spec}: {e}")))?;
        }
        std::fs::write(&target, &text).map_err(|e| Failure::one(format!("error: {spec}: {e}")))?;
        let parent = file.rfind('/').map_or("", |i| &file[..i]);
        for referenced in codegen::load::referenced_files(&file, &String::from_utf8_lossy(&text)) {
            if Path::new(&referenced).is_absolute() {
                continue;
            }
            let joined = if parent.is_empty() {
                referenced
            } else {
                format!("{parent}/{referenced}")
            };
            if let Some(joined) = normalize(&joined) {
                if seen.insert(joined.clone()) {
                    queue.push(joined);
                }
            }
        }
    }
    load_file(&dir.path().join(&path), spec)
}

/// `a/./b/../c` as `a/c`; `None` when it climbs above the start.
fn normalize(path: &str) -> Option<String> {
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            _ => parts.push(part),
        }
    }
    Some(parts.join("/"))
}

/// Runs git in `dir`: its standard output, or its error message.
fn git(dir: &Path, args: &[&str]) -> Result<Vec<u8>, String> {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .output()
        .map_err(|e| format!("cannot run git: {e}"))?;
    if out.status.success() {
        Ok(out.stdout)
    } else {
        Err(String::from_utf8_lossy(&out.stderr).trim().to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn versions(old: &str, new: &str) -> Versions {
        Versions {
            package: "p".to_owned(),
            old: Some(semver::Version::parse(old).unwrap()),
            new: semver::Version::parse(new).unwrap(),
        }
    }

    #[test]
    fn an_incompatible_bump_is_one_cargo_never_takes_for_the_old_version() {
        for (old, new) in [("0.1.0", "0.2.0"), ("1.4.2", "2.0.0"), ("0.0.3", "0.0.4")] {
            assert!(versions(old, new).incompatible(), "{old} -> {new}");
        }
        for (old, new) in [
            ("0.1.0", "0.1.0"),
            ("0.1.0", "0.1.7"),
            ("1.4.2", "1.5.0"),
            ("2.0.0", "1.0.0"),
        ] {
            assert!(!versions(old, new).incompatible(), "{old} -> {new}");
        }
        assert_eq!(
            next_major(&semver::Version::new(0, 1, 3)).to_string(),
            "0.2.0"
        );
        assert_eq!(
            next_major(&semver::Version::new(1, 1, 3)).to_string(),
            "2.0.0"
        );
    }

    #[test]
    fn reads_the_package_version_of_a_manifest() {
        let text = "# @generated\n[package]\nname = \"x-y\"\nversion = \"0.3.1\"\n\n[dependencies]\nversion = \"9\"\n";
        let (name, version) = package_version(text).unwrap();
        assert_eq!(
            (name.as_str(), version.to_string().as_str()),
            ("x-y", "0.3.1")
        );
        assert!(package_version("[package]\nname = \"x\"\nversion = \"one\"\n").is_err());
        assert!(package_version("[dependencies]\nversion = \"1.0.0\"\n").is_err());
    }

    #[test]
    fn normalizes_paths_within_the_repository() {
        assert_eq!(
            normalize("specs/./a/../b.yaml").as_deref(),
            Some("specs/b.yaml")
        );
        assert_eq!(normalize("../x.yaml"), None);
    }
}
