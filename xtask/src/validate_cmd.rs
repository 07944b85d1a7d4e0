//! `cargo xtask validate [--format json] [FILE…]`
//!
//! Exit status: 0 clean (warnings allowed), 1 problems found, 2 unusable input.

use std::path::PathBuf;
use std::process::ExitCode;

use codegen::diagnostic::Diagnostic;

use crate::{workspace_root, Format};

pub fn run(format: Format, files: Vec<PathBuf>) -> ExitCode {
    let root = workspace_root();
    let files = if files.is_empty() {
        match codegen::spec_files(&root.join("specs")) {
            Ok(files) => files
                .into_iter()
                .map(|f| f.strip_prefix(&root).map(PathBuf::from).unwrap_or(f))
                .collect(),
            Err(e) => {
                eprintln!("error: cannot list specs/: {e}");
                return ExitCode::from(2);
            }
        }
    } else {
        files
    };
    // Relative names resolve against the workspace root when run through
    // `cargo xtask` from elsewhere in the tree.
    let mut all: Vec<Diagnostic> = Vec::new();
    let mut unusable = false;
    for file in &files {
        let path = if file.exists() || file.is_absolute() {
            file.clone()
        } else {
            root.join(file)
        };
        match codegen::check_file(&path, &file.display().to_string()) {
            Ok(diags) => all.extend(diags),
            Err(e) => {
                eprintln!("error: {e}");
                unusable = true;
            }
        }
    }
    match format {
        Format::Text => {
            for d in &all {
                println!("{d}");
            }
            let errors = all.iter().filter(|d| d.is_error()).count();
            let warnings = all.len() - errors;
            eprintln!(
                "{} file(s) checked: {errors} error(s), {warnings} warning(s)",
                files.len()
            );
        }
        Format::Json => {
            let out = serde_json::json!({ "files": files, "problems": all });
            println!(
                "{}",
                serde_json::to_string_pretty(&out).expect("diagnostics serialize")
            );
        }
    }
    if unusable {
        ExitCode::from(2)
    } else if all.iter().any(Diagnostic::is_error) {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}
