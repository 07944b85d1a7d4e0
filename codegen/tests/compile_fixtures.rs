//! The generated code must build, warning-free: every construct fixture and
//! every public spec (and the multi-file fixture) becomes a standalone crate that has to pass
//! `cargo clippy --all-targets -- -D warnings`, and its documentation
//! `cargo doc` with `RUSTDOCFLAGS=-D warnings`.
//!
//! The crates share one target directory (`target/fixture-crates`), so their
//! dependencies compile once; they build offline against the workspace's
//! `Cargo.lock`. Run with `--nocapture` to see generation and build times.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use codegen::write;
use codegen::{CrateOptions, Input};

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("codegen lives in the workspace")
        .to_path_buf()
}

/// One generated crate waiting to be built.
struct Generated {
    spec: String,
    dir: PathBuf,
    public: bool,
    files: usize,
    lines: usize,
    generation: Duration,
}

/// Generates the standalone crate for `spec` (relative to the workspace)
/// below `parent`, as `cargo xtask codegen --spec` would.
fn generate(root: &Path, spec: &str, parent: &Path, public: bool) -> Generated {
    let path = root.join(spec);
    let started = Instant::now();
    let document = codegen::load_document(&path, spec)
        .unwrap_or_else(|problems| panic!("{spec} does not load: {problems:#?}"));
    let module = codegen::module_name(&path);
    let name = module.replace('_', "-");
    let opts = CrateOptions::standalone(name.clone(), format!("A client generated from {spec}."));
    let command = format!("cargo xtask codegen --spec {spec} --out {name}");
    let input = Input {
        module,
        source: spec.to_owned(),
        document,
    };
    let files = match codegen::generate(&[input], &opts, &command) {
        Ok(generated) => generated.files,
        Err(e) => panic!("{spec} does not generate:\n{e}"),
    };
    let generation = started.elapsed();
    let dir = parent.join(&name);
    write::write_crate(&dir, &files, write::Foreign::Refuse).expect("write the crate");
    std::fs::copy(root.join("Cargo.lock"), dir.join("Cargo.lock")).expect("copy Cargo.lock");
    Generated {
        spec: spec.to_owned(),
        dir,
        public,
        files: files.len(),
        lines: files.values().map(|t| t.lines().count()).sum(),
        generation,
    }
}

#[test]
fn generated_crates_pass_clippy() {
    let root = workspace();
    let tmp = tempfile::tempdir().expect("a temporary directory");
    let mut crates = Vec::new();
    // Among the constructs: `large_variants.yaml` (enums whose variants
    // differ widely in size) and `prose.yaml` (descriptions that are loose
    // Markdown).
    for (dir, public) in [
        ("codegen/tests/fixtures/constructs", false),
        ("codegen/tests/fixtures/real-world", false),
        // Swagger 2.0, OpenAPI 3.1 and 3.2 documents.
        ("codegen/tests/fixtures/versions", false),
        // The root of a document spread over several files.
        ("codegen/tests/fixtures/multifile", false),
        ("codegen/tests/fixtures/public", true),
    ] {
        let specs = codegen::spec_files(&root.join(dir)).expect("list the fixtures");
        assert!(!specs.is_empty(), "no fixtures in {dir}");
        for path in specs {
            let spec = path.strip_prefix(&root).unwrap().display().to_string();
            crates.push(generate(&root, &spec, tmp.path(), public));
        }
    }

    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let target = root.join("target/fixture-crates");
    let mut failures = Vec::new();
    let mut report = Vec::new();
    for c in &crates {
        let started = Instant::now();
        let output = Command::new(&cargo)
            .args([
                "clippy",
                "--offline",
                "--all-targets",
                "--",
                "-D",
                "warnings",
            ])
            .current_dir(&c.dir)
            .env("CARGO_TARGET_DIR", &target)
            .output()
            .expect("run cargo clippy");
        // rustdoc must accept the doc comments made from spec prose too
        // (bare URLs, brackets, HTML-like text, code blocks).
        let doc = if output.status.success() {
            Some(
                Command::new(&cargo)
                    .args(["doc", "--offline", "--no-deps"])
                    .current_dir(&c.dir)
                    .env("CARGO_TARGET_DIR", &target)
                    .env("RUSTDOCFLAGS", "-D warnings")
                    .output()
                    .expect("run cargo doc"),
            )
        } else {
            None
        };
        let build = started.elapsed();
        eprintln!(
            "{}: generated {} files, {} lines in {:.2?}; clippy {}; clippy and rustdoc in {:.1?}",
            c.spec,
            c.files,
            c.lines,
            c.generation,
            if output.status.success() {
                "passed"
            } else {
                "FAILED"
            },
            build
        );
        if !output.status.success() {
            eprintln!("{}", String::from_utf8_lossy(&output.stderr));
            failures.push(c.spec.clone());
        }
        if let Some(doc) = doc.filter(|d| !d.status.success()) {
            eprintln!("{}: rustdoc FAILED", c.spec);
            eprintln!("{}", String::from_utf8_lossy(&doc.stderr));
            failures.push(format!("{} (rustdoc)", c.spec));
        }
        if c.public {
            report.push(format!(
                "| {} | {:.0?} | {} | {:.1?} |",
                c.spec, c.generation, c.lines, build
            ));
        }
    }
    eprintln!("\n| public spec | generation | lines | clippy and rustdoc |");
    eprintln!("|---|---|---|---|");
    for line in &report {
        eprintln!("{line}");
    }
    assert!(
        failures.is_empty(),
        "generated code does not pass clippy for: {failures:?} (cargo's output is above)"
    );
}
