//! Stage 6: write. Assembles a whole crate (generated modules plus the
//! runtime, embedded or depended on) as a map of relative paths to contents,
//! then writes it to disk or compares it with what is there.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::diagnostic::{Diagnostic, Rule};
use crate::emit::krate::{self, CrateOptions, Signing};
use crate::emit::{client, server, types};
use crate::format::{format_file, FormatError};
use crate::ir::Api;
use crate::load::{escape_token, Document};

/// The runtime crate's library root, embedded as `src/runtime/mod.rs`.
pub const RUNTIME_LIB: &str = include_str!("../runtime/src/lib.rs");

/// The runtime crate's modules, embedded beside it: (file name, source).
/// A signing module ([`krate::SIGNINGS`]) is embedded only for a crate whose
/// documents name its algorithm.
pub const RUNTIME_MODULES: &[(&str, &str)] = &[
    ("auth.rs", include_str!("../runtime/src/auth.rs")),
    ("client.rs", include_str!("../runtime/src/client.rs")),
    ("server.rs", include_str!("../runtime/src/server.rs")),
    ("signing.rs", include_str!("../runtime/src/signing.rs")),
    (
        "validation.rs",
        include_str!("../runtime/src/validation.rs"),
    ),
];

/// The embedded runtime for a crate using `signings`: `src/runtime/` file
/// names and sources, `mod.rs` declaring only the modules that are there.
pub fn runtime_files(signings: &[&Signing]) -> Vec<(String, String)> {
    let left_out: Vec<&Signing> = krate::SIGNINGS
        .iter()
        .filter(|s| !signings.contains(s))
        .collect();
    let mut lib = RUNTIME_LIB.to_owned();
    for s in &left_out {
        let declaration = format!(
            "#[cfg(feature = \"{}\")]\npub mod {};\n",
            s.feature, s.module
        );
        lib = lib.replacen(&declaration, "", 1);
    }
    let mut files = vec![("mod.rs".to_owned(), lib)];
    for (name, source) in RUNTIME_MODULES {
        if left_out.iter().any(|s| format!("{}.rs", s.module) == *name) {
            continue;
        }
        files.push(((*name).to_owned(), (*source).to_owned()));
    }
    files
}

/// The `x-signing` algorithms of `api` the runtime does not implement.
fn unknown_signings(api: &Api, document: &Document) -> Vec<Diagnostic> {
    let known: Vec<&str> = krate::SIGNINGS.iter().map(|s| s.algorithm).collect();
    api.security_schemes
        .iter()
        .filter_map(|scheme| {
            let algorithm = scheme.signing.as_deref()?;
            if krate::signing(algorithm).is_some() {
                return None;
            }
            let pointer = format!(
                "/components/securitySchemes/{}/x-signing",
                escape_token(&scheme.name)
            );
            Some(document.diagnostic(
                &pointer,
                Rule::Unsupported,
                format!(
                    "request signing `{algorithm}` is not supported (supported: {})",
                    known.join(", ")
                ),
            ))
        })
        .collect()
}

/// One document to generate, and the module it becomes.
pub struct Input {
    pub module: String,
    /// How the source is named in headers (a path relative to the workspace).
    pub source: String,
    pub document: Document,
}

/// Everything that can stop generation.
#[derive(Debug)]
pub enum GenerateError {
    /// The document has problems (validation or unsupported constructs).
    Spec(Vec<Diagnostic>),
    /// The generator produced invalid Rust (a generator bug).
    Format(FormatError),
}

impl std::fmt::Display for GenerateError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            GenerateError::Spec(diags) => {
                for (i, d) in diags.iter().enumerate() {
                    if i > 0 {
                        writeln!(f)?;
                    }
                    write!(f, "{d}")?;
                }
                Ok(())
            }
            GenerateError::Format(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for GenerateError {}

/// A generated crate: its files by relative path, and the problems found in
/// the specs that did not stop generation.
pub struct Generated {
    pub files: BTreeMap<PathBuf, String>,
    pub warnings: Vec<Diagnostic>,
}

/// Generates a crate from `inputs`. `command` is the command that regenerates
/// it, quoted in every file header.
pub fn generate(
    inputs: &[Input],
    opts: &CrateOptions,
    command: &str,
) -> Result<Generated, GenerateError> {
    let mut apis = Vec::new();
    let mut problems = Vec::new();
    let mut warnings = Vec::new();
    for input in inputs {
        let diags = crate::validate::validate(&input.document);
        let (errors, rest): (Vec<Diagnostic>, Vec<Diagnostic>) = diags
            .into_iter()
            .partition(|d| d.is_error() && d.rule.blocks_generation());
        warnings.extend(rest);
        if !errors.is_empty() {
            problems.extend(errors);
            continue;
        }
        match crate::ir::build(&input.document, &input.module) {
            Ok(api) => {
                let unknown = unknown_signings(&api, &input.document);
                if unknown.is_empty() {
                    apis.push((api, input.source.clone()));
                } else {
                    problems.extend(unknown);
                }
            }
            Err(diags) => problems.extend(diags),
        }
    }
    if !problems.is_empty() {
        return Err(GenerateError::Spec(problems));
    }
    let sources: Vec<&str> = apis.iter().map(|(_, s)| s.as_str()).collect();
    let header = |from: &str| {
        format!("// @generated by codegen from {from}. Do not edit by hand.\n// Regenerate with `{command}`.\n")
    };
    let all_header = header(&sources.join(", "));
    let mut files = BTreeMap::new();
    let api_list: Vec<Api> = apis.iter().map(|(a, _)| a.clone()).collect();
    files.insert(
        PathBuf::from("Cargo.toml"),
        krate::cargo_toml(&api_list, opts, &all_header.replace("//", "#")),
    );
    let lib = format_file("src/lib.rs", krate::lib_rs(&api_list, opts), &all_header)
        .map_err(GenerateError::Format)?;
    files.insert(PathBuf::from("src/lib.rs"), lib);
    if opts.runtime_path.is_none() {
        for (name, source) in runtime_files(&krate::signings(&api_list)) {
            let original = if name == "mod.rs" { "lib.rs" } else { &name };
            let h = format!(
                "// @generated by codegen: a copy of codegen/runtime/src/{original}. Edit the original.\n\n"
            );
            files.insert(
                PathBuf::from(format!("src/runtime/{name}")),
                format!("{h}{source}"),
            );
        }
    }
    for (api, source) in &apis {
        let h = header(source);
        let dir = PathBuf::from("src").join(&api.module);
        let reg = types::Registry::new(api);
        let parts = [
            ("mod.rs", krate::api_mod_rs(api)),
            ("types.rs", types::types_module(api, &reg)),
            ("client.rs", client::client_module(api, &reg)),
            ("server.rs", server::server_module(api, &reg)),
        ];
        for (file, tokens) in parts {
            let path = dir.join(file);
            let text = format_file(&path.display().to_string(), tokens, &h)
                .map_err(GenerateError::Format)?;
            files.insert(path, text);
        }
    }
    Ok(Generated { files, warnings })
}

/// Writes `files` below `dir`, removing generated files that are no longer
/// produced (anything under `src/` not in the set). Nothing else in `dir`
/// is touched.
pub fn write_crate(dir: &Path, files: &BTreeMap<PathBuf, String>) -> std::io::Result<()> {
    for stale in existing_files(dir)? {
        if !files.contains_key(&stale) {
            std::fs::remove_file(dir.join(&stale))?;
        }
    }
    for (path, text) in files {
        let full = dir.join(path);
        if let Some(parent) = full.parent() {
            std::fs::create_dir_all(parent)?;
        }
        if std::fs::read_to_string(&full).ok().as_deref() != Some(text.as_str()) {
            std::fs::write(&full, text)?;
        }
    }
    Ok(())
}

/// One difference between the expected crate and the one on disk.
#[derive(Debug, PartialEq, Eq)]
pub enum Stale {
    Missing(PathBuf),
    Extra(PathBuf),
    Changed {
        path: PathBuf,
        on_disk: String,
        expected: String,
    },
}

/// Compares `files` with the generator's files below `dir` (`Cargo.toml`
/// and `src/`).
pub fn compare_crate(dir: &Path, files: &BTreeMap<PathBuf, String>) -> std::io::Result<Vec<Stale>> {
    let mut out = Vec::new();
    for path in existing_files(dir)? {
        if !files.contains_key(&path) {
            out.push(Stale::Extra(path));
        }
    }
    for (path, expected) in files {
        match std::fs::read_to_string(dir.join(path)) {
            Ok(on_disk) if on_disk == *expected => {}
            Ok(on_disk) => out.push(Stale::Changed {
                path: path.clone(),
                on_disk,
                expected: expected.clone(),
            }),
            Err(_) => out.push(Stale::Missing(path.clone())),
        }
    }
    Ok(out)
}

/// Files the generator owns below `dir`: `Cargo.toml` and everything in
/// `src/`. Anything else there (tests, other crates) belongs to others.
fn existing_files(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    if dir.join("Cargo.toml").is_file() {
        out.push(PathBuf::from("Cargo.toml"));
    }
    let mut stack = vec![PathBuf::from("src")];
    while let Some(rel) = stack.pop() {
        let full = dir.join(&rel);
        if !full.is_dir() {
            continue;
        }
        for entry in std::fs::read_dir(&full)? {
            let entry = entry?;
            let child = rel.join(entry.file_name());
            if entry.file_type()?.is_dir() {
                stack.push(child);
            } else {
                out.push(child);
            }
        }
    }
    out.sort();
    Ok(out)
}
