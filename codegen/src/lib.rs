//! OpenAPI 3.0 document → validated model → Rust tokens → formatted source.
//!
//! The pipeline, one module per stage:
//! [`load`] → [`validate`] → [`ir`] → [`emit`] → [`format`] → [`write`].
//! Nothing here knows any particular API: it works from the document alone.

pub mod diagnostic;
pub mod emit;
pub mod format;
pub mod ir;
pub mod load;
pub mod validate;
pub mod write;

pub use ir::model_from_value;

use std::path::{Path, PathBuf};

use diagnostic::Diagnostic;

/// The OpenAPI documents (`*.yaml`, `*.yml`, `*.json`) directly in `dir`, sorted.
pub fn spec_files(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .unwrap_or_default();
        if path.is_file() && matches!(ext, "yaml" | "yml" | "json") {
            files.push(path);
        }
    }
    files.sort();
    Ok(files)
}

/// Loads and validates one document, naming it `name` in diagnostics, with
/// the files its `$ref`s point to ([`load::load_path`]).
/// `Err` means the file could not be read at all.
pub fn check_file(path: &Path, name: &str) -> Result<Vec<Diagnostic>, load::Unreadable> {
    Ok(check_loaded(load::load_path(path, name)?))
}

/// Loads and validates a document held in memory (references to other files
/// cannot be followed: there is no directory to resolve them against).
pub fn check_str(name: &str, text: &str) -> Vec<Diagnostic> {
    check_loaded(load::load_str(name, text))
}

fn check_loaded(loaded: load::Loaded) -> Vec<Diagnostic> {
    let mut problems = loaded.problems;
    if let Some(doc) = &loaded.document {
        problems.extend(validate::validate(doc));
    }
    diagnostic::sort(&mut problems);
    problems
}

/// Loads a document for generation, with the files its `$ref`s point to;
/// `Err` holds the problems that stop it.
pub fn load_document(path: &Path, name: &str) -> Result<load::Document, Vec<Diagnostic>> {
    let loaded = load::load_path(path, name).map_err(|e| {
        vec![Diagnostic::new(
            name,
            load::Position { line: 1, column: 1 },
            "",
            diagnostic::Rule::Syntax,
            format!("cannot read: {}", e.source),
        )]
    })?;
    let errors: Vec<Diagnostic> = loaded
        .problems
        .into_iter()
        .filter(Diagnostic::is_error)
        .collect();
    match loaded.document {
        Some(doc) if errors.is_empty() => Ok(doc),
        _ => Err(errors),
    }
}

/// The module name for a spec file: its stem in snake_case.
pub fn module_name(path: &Path) -> String {
    ir::snake_ident(path.file_stem().and_then(|s| s.to_str()).unwrap_or("api"))
}
