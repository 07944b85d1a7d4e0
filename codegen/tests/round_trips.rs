//! Generated clients against generated servers over loopback, for the
//! constructs the workspace's own crate (`generated/`, whose round trips
//! live in `generated/tests/`) does not have: tuples, the `QUERY` method and
//! methods of `additionalOperations`, webhooks, `in: querystring`,
//! OpenAPI 3.1's JSON Schema 2020-12 values, every parameter style, and
//! values a newer server sends that the spec does not list.
//!
//! Each test generates the standalone crate of a construct fixture, adds a
//! test file from `fixtures/round-trips/` as the crate's
//! `tests/round_trip.rs`, and runs `cargo test` there. The crates build
//! offline against the workspace's `Cargo.lock` and share the target
//! directory of `compile_fixtures.rs` (`target/fixture-crates`).

use std::path::{Path, PathBuf};
use std::process::Command;

use codegen::write;
use codegen::{CrateOptions, Input};

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("codegen lives in the workspace")
        .to_path_buf()
}

/// Generates the crate of `fixtures/constructs/<fixture>.yaml` with
/// `fixtures/round-trips/<fixture>.rs` as its test, and runs that test.
fn round_trip(fixture: &str) {
    round_trip_in("constructs", fixture);
}

/// [`round_trip`] for the fixture `fixtures/<dir>/<fixture>.yaml`.
fn round_trip_in(dir: &str, fixture: &str) {
    round_trip_with(dir, fixture, &[]);
}

/// [`round_trip_in`] with further `[dev-dependencies]` for the test, as
/// (name, TOML value); they resolve offline against the workspace's
/// `Cargo.lock` like the rest.
fn round_trip_with(dir: &str, fixture: &str, dev_dependencies: &[(&str, &str)]) {
    let root = workspace();
    let spec = format!("codegen/tests/fixtures/{dir}/{fixture}.yaml");
    let document = codegen::load_document(&root.join(&spec), &spec)
        .unwrap_or_else(|problems| panic!("{spec} does not load: {problems:#?}"));
    let name = fixture.replace('_', "-");
    let input = Input {
        module: fixture.to_owned(),
        source: spec.clone(),
        document,
    };
    let mut opts = CrateOptions::standalone(name.clone(), format!("Generated from {spec}."));
    opts.dev_dependencies = dev_dependencies
        .iter()
        .map(|&(name, value)| (name.to_owned(), value.to_owned()))
        .collect();
    let command = format!("cargo xtask codegen --spec {spec} --out {name}");
    let generated = codegen::generate(&[input], &opts, &command)
        .unwrap_or_else(|e| panic!("{spec} does not generate:\n{e}"));

    let tmp = tempfile::tempdir().expect("a temporary directory");
    let dir = tmp.path().join(&name);
    write::write_crate(&dir, &generated.files, write::Foreign::Refuse).expect("write the crate");
    std::fs::copy(root.join("Cargo.lock"), dir.join("Cargo.lock")).expect("copy Cargo.lock");
    std::fs::create_dir_all(dir.join("tests")).expect("create tests/");
    std::fs::copy(
        root.join(format!("codegen/tests/fixtures/round-trips/{fixture}.rs")),
        dir.join("tests/round_trip.rs"),
    )
    .expect("copy the test");

    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let output = Command::new(cargo)
        .args(["test", "--offline", "--test", "round_trip"])
        .current_dir(&dir)
        .env("CARGO_TARGET_DIR", root.join("target/fixture-crates"))
        .output()
        .expect("run cargo test");
    assert!(
        output.status.success(),
        "the round trip of {fixture} fails:\n{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn tuples() {
    round_trip("tuples");
}

#[test]
fn methods() {
    round_trip("methods");
}

#[test]
fn webhooks() {
    round_trip("webhooks");
}

#[test]
fn openapi31_schemas() {
    round_trip_in("versions", "openapi31");
}

#[test]
fn querystring() {
    round_trip("querystring");
}

/// Enum values and a union tag the spec does not list: kept by the client
/// and sent back unchanged, refused by the server in requests.
#[test]
fn tolerant_readers() {
    round_trip("tolerant");
}

/// Every parameter style, exploded and not, in every location: arbitrary
/// values of the generated types, written by the generated client and read
/// back by the generated server (a property test; `PROPTEST_CASES` sets the
/// cases per operation), and values that do not parse refused with a 400
/// naming the parameter.
#[test]
fn styles() {
    round_trip_with(
        "styles",
        "styles",
        &[(
            "proptest",
            r#"{ version = "1", default-features = false, features = ["std"] }"#,
        )],
    );
}

/// An object's properties beside a `oneOf` of objects: one JSON object,
/// both parts checked on each side.
#[test]
fn flattened_alternatives() {
    round_trip("flattened");
}

#[test]
fn binary_streams() {
    round_trip_with(
        "constructs",
        "streams",
        &[
            ("bytes", r#""1""#),
            (
                "futures-util",
                r#"{ version = "0.3", default-features = false, features = ["std"] }"#,
            ),
        ],
    );
}

/// Server-sent events, JSON Lines and JSON text sequences: typed items
/// streamed by the server and read one by one by the client.
#[test]
fn sequences() {
    round_trip_with(
        "constructs",
        "sequences",
        &[(
            "futures-util",
            r#"{ version = "0.3", default-features = false, features = ["std"] }"#,
        )],
    );
}

/// Typed multipart forms: text, array, JSON and file parts written by
/// reqwest's encoder and read by multer, refusals naming the part, the
/// body limit, retries that send a form again.
#[test]
fn multipart_forms() {
    round_trip_with(
        "constructs",
        "multipart",
        &[
            ("bytes", r#""1""#),
            (
                "futures-util",
                r#"{ version = "0.3", default-features = false, features = ["std"] }"#,
            ),
        ],
    );
}
