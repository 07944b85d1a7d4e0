//! `codegen::rust_api` over fixture pairs of `fixtures/diff/`: the version
//! bump each spec change needs in the generated crate, under Cargo's SemVer
//! rules, and the Rust-level changes that say why.

use std::path::{Path, PathBuf};

use codegen::load::Document;
use codegen::rust_api::{self, Bump, RustChange};

const FIXTURES: &str = "codegen/tests/fixtures/diff";
const MODULE: &str = "things";

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("codegen lives in the workspace")
        .to_path_buf()
}

fn load(relative: &str) -> Document {
    codegen::load_document(&workspace().join(relative), relative)
        .unwrap_or_else(|problems| panic!("{relative} does not load: {problems:#?}"))
}

fn compare(old: &Document, new: &Document) -> Vec<RustChange> {
    let old = rust_api::surface(old, MODULE).expect("the old document generates");
    let new = rust_api::surface(new, MODULE).expect("the new document generates");
    rust_api::compare(&old, &new)
}

fn pair(name: &str) -> Vec<RustChange> {
    compare(
        &load(&format!("{FIXTURES}/{name}/old.yaml")),
        &load(&format!("{FIXTURES}/{name}/new.yaml")),
    )
}

/// Whether a change of rule `rule` at a path ending in `tail` (with
/// `bump`) is among `changes`.
fn has(changes: &[RustChange], rule: &str, tail: &str, bump: Bump) -> bool {
    changes
        .iter()
        .any(|c| c.rule == rule && c.path.ends_with(tail) && c.bump == bump)
}

fn show(changes: &[RustChange]) -> String {
    changes
        .iter()
        .map(|c| format!("{} {} {}: {}", c.bump, c.rule, c.path, c.message))
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn the_same_document_needs_a_patch_release() {
    let doc = load(&format!("{FIXTURES}/operation-added/new.yaml"));
    let changes = compare(&doc, &doc);
    assert!(changes.is_empty(), "{}", show(&changes));
    assert_eq!(Bump::of(&changes), Bump::Patch);
}

#[test]
fn a_description_change_needs_a_patch_release() {
    let relative = format!("{FIXTURES}/operation-added/old.yaml");
    let text = std::fs::read_to_string(workspace().join(&relative)).expect("fixture");
    let edited = text.replace(
        "description: The things.",
        "description: Every thing there is.",
    );
    assert_ne!(text, edited);
    let old = load(&relative);
    let new = codegen::load::load_str("edited.yaml", &edited)
        .document
        .expect("the edited document loads");
    let changes = compare(&old, &new);
    assert!(changes.is_empty(), "{}", show(&changes));
    assert_eq!(Bump::of(&changes), Bump::Patch);
}

#[test]
fn a_new_required_request_property_needs_a_major_release() {
    let changes = pair("request-property-added-required");
    assert_eq!(Bump::of(&changes), Bump::Major, "{}", show(&changes));
    // A new public field of an exhaustive struct breaks struct literals,
    // and the constructor takes one more argument.
    assert!(
        has(&changes, "struct-field-added", "::color", Bump::Major),
        "{}",
        show(&changes)
    );
    assert!(
        has(&changes, "fn-signature-changed", "::new", Bump::Major),
        "{}",
        show(&changes)
    );
    assert!(changes
        .iter()
        .all(|c| c.path.starts_with("things::types::")));
}

#[test]
fn a_new_enum_value_in_a_response_needs_a_minor_release() {
    let changes = pair("response-enum-value-added");
    assert_eq!(Bump::of(&changes), Bump::Minor, "{}", show(&changes));
    assert!(
        has(&changes, "enum-variant-added", "::Broken", Bump::Minor),
        "{}",
        show(&changes)
    );
}

#[test]
fn a_new_enum_value_in_a_request_needs_a_major_release() {
    // Only requests reach the enum: it stays exhaustive.
    let changes = pair("request-enum-value-added");
    assert_eq!(Bump::of(&changes), Bump::Major, "{}", show(&changes));
    assert!(
        changes
            .iter()
            .any(|c| c.rule == "enum-variant-added" && c.bump == Bump::Major),
        "{}",
        show(&changes)
    );
}

#[test]
fn a_new_operation_needs_a_minor_release() {
    let changes = pair("operation-added");
    assert_eq!(Bump::of(&changes), Bump::Minor, "{}", show(&changes));
    // The client method, and the server trait's method, which has a
    // default body.
    assert!(
        has(
            &changes,
            "fn-added",
            "client::Client::delete_things",
            Bump::Minor
        ),
        "{}",
        show(&changes)
    );
    assert!(
        has(
            &changes,
            "trait-method-added-with-default",
            "server::Api::delete_things",
            Bump::Minor
        ),
        "{}",
        show(&changes)
    );
}

#[test]
fn a_removed_operation_needs_a_major_release() {
    let changes = pair("operation-removed");
    assert_eq!(Bump::of(&changes), Bump::Major, "{}", show(&changes));
    assert!(
        has(
            &changes,
            "fn-removed",
            "client::Client::delete_thing",
            Bump::Major
        ),
        "{}",
        show(&changes)
    );
    assert!(
        has(
            &changes,
            "trait-method-removed",
            "server::Api::delete_thing",
            Bump::Major
        ),
        "{}",
        show(&changes)
    );
}

#[test]
fn a_type_change_needs_a_major_release() {
    let changes = pair("response-type-changed");
    assert_eq!(Bump::of(&changes), Bump::Major, "{}", show(&changes));
    assert!(
        changes.iter().any(|c| c.rule == "field-type-changed"),
        "{}",
        show(&changes)
    );
}

#[test]
fn nested_items_of_a_removed_item_are_not_listed_again() {
    let changes = pair("operation-removed");
    for c in &changes {
        let parent = c.path.rsplit_once("::").map_or("", |(p, _)| p);
        assert!(
            !changes
                .iter()
                .any(|o| o.path == parent && o.rule == "item-removed"),
            "{} is inside a removed item\n{}",
            c.path,
            show(&changes)
        );
    }
}

#[test]
#[ignore = "prints the changes of every fixture pair"]
fn print_every_pair() {
    let mut names: Vec<String> = std::fs::read_dir(workspace().join(FIXTURES))
        .expect("fixtures/diff exists")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    for name in names {
        let dir = workspace().join(FIXTURES).join(&name);
        if !dir.join("old.yaml").is_file() {
            continue;
        }
        let changes = pair(&name);
        println!("== {name}: {}\n{}", Bump::of(&changes), show(&changes));
    }
}
