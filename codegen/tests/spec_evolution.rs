//! Adding an optional property to a spec must not break callers of the
//! generated crate. `fixtures/evolution/v2.yaml` is `v1.yaml` plus one
//! optional property in the request body and one in the response (checked
//! here); both become standalone crates, and the same caller
//! (`fixtures/evolution/caller.rs`, which builds a request with `new` and
//! setters and reads a response) must build and run against each.
//!
//! The callers use only the crate's types (no `client` or `server` feature),
//! build offline against the workspace's `Cargo.lock` and share the target
//! directory of `compile_fixtures.rs` (`target/fixture-crates`).

use std::path::{Path, PathBuf};
use std::process::Command;

use codegen::write;
use codegen::{CrateOptions, Input};
use serde_json::Value;

const FIXTURES: &str = "codegen/tests/fixtures/evolution";

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("codegen lives in the workspace")
        .to_path_buf()
}

fn load(root: &Path, file: &str) -> codegen::load::Document {
    let spec = format!("{FIXTURES}/{file}");
    codegen::load_document(&root.join(&spec), &spec)
        .unwrap_or_else(|problems| panic!("{spec} does not load: {problems:#?}"))
}

/// Removes the property `name` of the component schema `schema`, which
/// must be there and not required.
fn remove_optional(doc: &mut Value, schema: &str, name: &str) {
    let schema = &mut doc["components"]["schemas"][schema];
    let required = schema["required"].as_array().cloned().unwrap_or_default();
    assert!(
        !required.contains(&Value::from(name)),
        "{name} must be optional"
    );
    let removed = schema["properties"]
        .as_object_mut()
        .and_then(|p| p.remove(name));
    assert!(removed.is_some(), "v2 has no property {name}");
}

#[test]
fn v2_is_v1_plus_two_optional_properties() {
    let root = workspace();
    let v1 = load(&root, "v1.yaml").value;
    let mut v2 = load(&root, "v2.yaml").value;
    remove_optional(&mut v2, "CreateThing", "note");
    remove_optional(&mut v2, "Thing", "created_at");
    v2["info"] = v1["info"].clone();
    assert_eq!(
        v1, v2,
        "v2.yaml may differ from v1.yaml only by the two properties"
    );
}

/// Writes the crate generated from `file` into `dir` (as the crate `things`
/// with the module `things`, whatever the file is called).
fn generate(root: &Path, file: &str, dir: &Path) {
    let spec = format!("{FIXTURES}/{file}");
    let input = Input {
        module: "things".to_owned(),
        source: spec.clone(),
        document: load(root, file),
    };
    let opts = CrateOptions::standalone("things", format!("Generated from {spec}."));
    let command = format!("cargo xtask codegen --spec {spec} --out things");
    let generated = codegen::generate(&[input], &opts, &command)
        .unwrap_or_else(|e| panic!("{spec} does not generate:\n{e}"));
    write::write_crate(dir, &generated.files, write::Foreign::Refuse).expect("write the crate");
}

/// A binary crate running `caller.rs` against the generated crate in `lib`.
fn caller(root: &Path, lib: &Path, dir: &Path) {
    std::fs::create_dir_all(dir.join("src")).expect("create the caller");
    let manifest = format!(
        r#"[package]
name = "caller"
version = "0.0.0"
edition = "2021"
publish = false

[dependencies]
things = {{ path = {lib:?}, default-features = false, features = ["things"] }}
serde_json = "1"

[workspace]
"#,
        lib = lib.display().to_string()
    );
    std::fs::write(dir.join("Cargo.toml"), manifest).expect("write Cargo.toml");
    std::fs::copy(
        root.join(FIXTURES).join("caller.rs"),
        dir.join("src/main.rs"),
    )
    .expect("copy the caller");
    std::fs::copy(root.join("Cargo.lock"), dir.join("Cargo.lock")).expect("copy Cargo.lock");
}

#[test]
fn callers_of_v1_build_and_run_against_v2() {
    let root = workspace();
    let tmp = tempfile::tempdir().expect("a temporary directory");
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let target = root.join("target/fixture-crates");
    let mut failures = Vec::new();
    for version in ["v1", "v2"] {
        let lib = tmp.path().join(version).join("things");
        generate(&root, &format!("{version}.yaml"), &lib);
        let dir = tmp.path().join(version).join("caller");
        caller(&root, &lib, &dir);
        let output = Command::new(&cargo)
            .args(["run", "--offline", "--quiet"])
            .current_dir(&dir)
            .env("CARGO_TARGET_DIR", &target)
            .output()
            .expect("run cargo");
        if !output.status.success() {
            eprintln!(
                "{version}:\n{}{}",
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr)
            );
            failures.push(version);
        }
    }
    assert!(
        failures.is_empty(),
        "the caller fails against {failures:?} (cargo's output is above)"
    );
}
