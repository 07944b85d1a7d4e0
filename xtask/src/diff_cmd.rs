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
        }
        Format::Json => {
            let out = serde_json::json!({
                "compared": compared
                    .iter()
                    .map(|c| serde_json::json!({ "old": c.old, "new": c.new }))
                    .collect::<Vec<_>>(),
                "changes": all,
                "summary": summary,
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
        _ => ExitCode::SUCCESS,
    }
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

    #[test]
    fn normalizes_paths_within_the_repository() {
        assert_eq!(
            normalize("specs/./a/../b.yaml").as_deref(),
            Some("specs/b.yaml")
        );
        assert_eq!(normalize("../x.yaml"), None);
    }
}
