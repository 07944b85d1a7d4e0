//! Stage 6: write. Puts a generated crate (a map of relative paths to
//! contents) on disk, or compares it with what is there. Filesystem work
//! only: the crate is produced by [`crate::generate`].

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

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
