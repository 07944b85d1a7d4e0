//! `cargo xtask codegen [--check] [--spec FILE --out DIR]`
//!
//! Without `--spec`, regenerates `generated/` from every document in `specs/`.
//! With `--check`, writes nothing and fails with a diff when the output on
//! disk differs from what the specs produce.
//!
//! Only files codegen wrote are replaced or deleted (see `codegen::write`):
//! files it did not write in `Cargo.toml` or `src/` refuse the write (exit 1,
//! nothing changed); with `--force` they are kept and reported, unless one is
//! where a generated file goes.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use codegen::write::{self, Foreign, Stale, WriteError};
use codegen::{CrateOptions, Input};

use crate::workspace_root;

/// The crate generated from `specs/`.
const CRATE_NAME: &str = "huaweicloud-batch-delete";
/// Its version. A change to `specs/` that breaks callers (a breaking spec
/// change, or a public Rust API change that needs a major release) comes
/// with a SemVer-incompatible bump here, which CI checks
/// (`cargo xtask diff --base REV --fail-on unbumped`).
pub const CRATE_VERSION: &str = "0.1.0";
/// The runtime crate, as a path from `generated/`.
const RUNTIME_PATH: &str = "../codegen/runtime";
/// What the tests in `generated/tests/` need beside an async runtime: the
/// generator's document loader (the `codegen` crate at `codegen`, a path
/// from the generated crate) and a JSON Schema validator, to check canned
/// responses against the specs.
fn test_dependencies(codegen: &str) -> Vec<(String, String)> {
    vec![
        ("codegen".to_owned(), format!("{{ path = \"{codegen}\" }}")),
        (
            "jsonschema".to_owned(),
            r#"{ version = "0.61", default-features = false }"#.to_owned(),
        ),
        (
            "proptest".to_owned(),
            r#"{ version = "1", default-features = false, features = ["std"] }"#.to_owned(),
        ),
    ]
}
const CRATE_DESCRIPTION: &str =
    "Typed clients and models for Huawei Cloud batch-delete APIs, generated from the OpenAPI documents in specs/.";

/// What `cargo xtask codegen` writes, and from what.
pub struct Args {
    pub check: bool,
    pub force: bool,
    pub strict: bool,
    /// One document, for a standalone crate at `out`.
    pub spec: Option<PathBuf>,
    /// Another folder of documents than `specs/`, for the crate `specs/`
    /// gives (same name, version and options) at `out`.
    pub specs: Option<PathBuf>,
    pub out: Option<PathBuf>,
}

pub fn run(args: Args) -> ExitCode {
    let Args {
        check,
        force,
        strict,
        spec,
        specs,
        out,
    } = args;
    let root = workspace_root();
    let started = Instant::now();
    let (inputs, dir, opts, command) = if let (Some(spec), Some(out)) = (spec, out.clone()) {
        let name = codegen::module_name(&spec).replace('_', "-");
        let mut opts =
            CrateOptions::standalone(name, format!("A client generated from {}.", spec.display()));
        opts.strict = strict;
        let command = format!(
            "cargo xtask codegen --spec {} --out {}",
            spec.display(),
            out.display()
        );
        (vec![spec], out, opts, command)
    } else {
        let folder = specs.clone().unwrap_or_else(|| root.join("specs"));
        let specs_files = match codegen::spec_files(&folder) {
            Ok(files) => files,
            Err(e) => {
                eprintln!("error: cannot list {}: {e}", folder.display());
                return ExitCode::from(2);
            }
        };
        // Outside generated/, the workspace's crates are named by full path.
        let (runtime, codegen_crate) = match &out {
            Some(_) => (
                root.join("codegen").join("runtime").display().to_string(),
                root.join("codegen").display().to_string(),
            ),
            None => (RUNTIME_PATH.to_owned(), "../codegen".to_owned()),
        };
        let mut opts = CrateOptions::in_workspace(CRATE_NAME, CRATE_DESCRIPTION, runtime);
        opts.version = CRATE_VERSION.to_owned();
        opts.dev_dependencies = test_dependencies(&codegen_crate);
        // Our own specs are held to every rule.
        opts.strict = true;
        (
            specs_files,
            out.unwrap_or_else(|| root.join("generated")),
            opts,
            "cargo xtask codegen".to_owned(),
        )
    };

    let mut loaded = Vec::new();
    let mut failed = false;
    for path in &inputs {
        let name = path
            .strip_prefix(&root)
            .unwrap_or(path)
            .display()
            .to_string();
        match codegen::load_document(path, &name) {
            Ok(document) => loaded.push(Input {
                module: codegen::module_name(path),
                source: name,
                document,
            }),
            Err(problems) => {
                failed = true;
                for p in problems {
                    eprintln!("{p}");
                }
            }
        }
    }
    if failed {
        return ExitCode::from(1);
    }
    let loaded_in = started.elapsed();
    let (files, summary, timings) = match codegen::generate(&loaded, &opts, &command) {
        Ok(generated) => {
            for w in &generated.warnings {
                eprintln!("{w}");
            }
            (generated.files, generated.summary, generated.timings)
        }
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(1);
        }
    };
    let lines: usize = files.values().map(|t| t.lines().count()).sum();
    if check {
        return check_fresh(&dir, &files);
    }
    let foreign = if force {
        Foreign::Keep
    } else {
        Foreign::Refuse
    };
    let written = match write::write_crate(&dir, &files, foreign) {
        Ok(written) => written,
        Err(e @ WriteError::InTheWay { forced, .. }) => {
            eprintln!("error: {e}");
            if forced {
                eprintln!(
                    "hint: move them away; `--force` never overwrites a file codegen did not write"
                );
            } else {
                eprintln!("hint: write into an empty directory or move them away; `--force` replaces the files codegen wrote before and keeps these, unless one is where a generated file goes");
            }
            return ExitCode::from(1);
        }
        Err(e) => {
            eprintln!("error: cannot write {}: {e}", dir.display());
            return ExitCode::from(2);
        }
    };
    if !written.kept.is_empty() {
        eprint!(
            "warning: kept {} file(s) codegen did not write:\n{}",
            written.kept.len(),
            write::bounded_list(&dir, &written.kept)
        );
    }
    if !written.removed.is_empty() {
        eprint!(
            "removed {} file(s) codegen wrote before and no longer produces:\n{}",
            written.removed.len(),
            write::bounded_list(&dir, &written.removed)
        );
    }
    eprintln!(
        "generated {} file(s), {lines} line(s) in {} from {} spec(s) in {:.2?} (load {:.2?}, validate {:.2?}, repair {:.2?}, model {:.2?}, emit {:.2?}, format {:.2?}); {summary}",
        files.len(),
        dir.display(),
        loaded.len(),
        started.elapsed(),
        loaded_in,
        timings.validate,
        timings.repair,
        timings.ir,
        timings.emit,
        timings.format,
    );
    ExitCode::SUCCESS
}

fn check_fresh(dir: &Path, files: &std::collections::BTreeMap<PathBuf, String>) -> ExitCode {
    let stale = match write::compare_crate(dir, files) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: cannot read {}: {e}", dir.display());
            return ExitCode::from(2);
        }
    };
    if stale.is_empty() {
        eprintln!("{} is up to date", dir.display());
        return ExitCode::SUCCESS;
    }
    for s in &stale {
        match s {
            Stale::Missing(p) => println!("missing: {}", dir.join(p).display()),
            Stale::Extra(p) => println!("not generated any more: {}", dir.join(p).display()),
            Stale::Foreign(p) => println!("not written by codegen: {}", dir.join(p).display()),
            Stale::Changed {
                path,
                on_disk,
                expected,
            } => {
                let name = dir.join(path).display().to_string();
                let diff = similar::TextDiff::from_lines(on_disk, expected);
                print!(
                    "{}",
                    diff.unified_diff().context_radius(3).header(
                        &format!("{name} (on disk)"),
                        &format!("{name} (from specs)")
                    )
                );
            }
        }
    }
    eprintln!(
        "error: {} is stale ({} file(s)); run `cargo xtask codegen`",
        dir.display(),
        stale.len()
    );
    ExitCode::from(1)
}
