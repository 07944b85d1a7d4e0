//! Constructs seen in real documents (each fixture in
//! `fixtures/real-world/` names where): generation works around each with a
//! located warning, and `strict` refuses it. That the generated crates
//! compile (and pass clippy) is checked by `compile_fixtures.rs`.

use std::path::{Path, PathBuf};

use codegen::diagnostic::Rule;
use codegen::{CrateOptions, GenerateError, Generated, Input};

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

fn generate(fixture: &str, strict: bool) -> Result<Generated, GenerateError> {
    let spec = format!("codegen/tests/fixtures/real-world/{fixture}");
    let path = workspace().join(&spec);
    let document = codegen::load_document(&path, &spec).expect("the fixture loads");
    let input = Input {
        module: codegen::module_name(&path),
        source: spec.clone(),
        document,
    };
    let mut opts = CrateOptions::standalone("real-world", "");
    opts.strict = strict;
    codegen::generate(&[input], &opts, "test")
}

/// (rule, pointer, line) of a warning.
type Found = (Rule, String, usize);
/// A summary as (operations, generated, degraded, skipped).
type Counts = (usize, usize, usize, usize);

/// Every warning, and the summary.
fn warnings(fixture: &str) -> (Vec<Found>, Counts) {
    let generated = generate(fixture, false).unwrap_or_else(|e| panic!("{fixture}: {e}"));
    for w in &generated.warnings {
        assert!(!w.is_error(), "{w}");
        assert!(w.file.ends_with(fixture), "{w}");
        eprintln!("{w}");
    }
    let s = generated.summary;
    (
        generated
            .warnings
            .iter()
            .map(|w| (w.rule, w.pointer.clone(), w.position.line))
            .collect(),
        (s.operations, s.generated, s.degraded, s.skipped),
    )
}

/// Strict refuses the fixture (the lint rules or the worked-around
/// constructs, now errors), located in the fixture.
fn strict_refuses(fixture: &str) {
    match generate(fixture, true) {
        Err(GenerateError::Spec(problems)) => {
            assert!(!problems.is_empty());
            assert!(problems
                .iter()
                .all(|p| p.is_error() && p.file.ends_with(fixture)));
        }
        Err(e) => panic!("{fixture}: {e}"),
        Ok(_) => panic!("{fixture}: strict generated"),
    }
}

fn check(fixture: &str, expected: &[(Rule, &str, usize)], summary: Counts) {
    let expected: Vec<Found> = expected
        .iter()
        .map(|(r, p, l)| (*r, (*p).to_owned(), *l))
        .collect();
    let (found, got) = warnings(fixture);
    assert_eq!(found, expected, "{fixture}");
    assert_eq!(
        got, summary,
        "{fixture}: (operations, generated, degraded, skipped)"
    );
    if expected.is_empty() {
        // Nothing worked around: strict generates the same.
        generate(fixture, true).unwrap_or_else(|e| panic!("{fixture} (strict): {e}"));
    } else {
        strict_refuses(fixture);
    }
}

#[test]
fn media_types_without_schema_are_untyped_bodies() {
    check(
        "schemaless-body.yaml",
        &[
            (
                Rule::BodyWithoutSchema,
                "/paths/~1v2~1{project_id}~1groups/post/requestBody/content/application~1json",
                14,
            ),
            (
                Rule::BodyWithoutSchema,
                "/paths/~1v2~1{project_id}~1groups/post/responses/200/content/application~1json",
                21,
            ),
        ],
        (1, 1, 1, 0),
    );
}

#[test]
fn allof_members_that_are_not_objects() {
    check("allof-required.yaml", &[], (1, 1, 0, 0));
}

#[test]
fn alias_types_are_read_as_real_types() {
    check(
        "alias-types.yaml",
        &[
            (Rule::TypeCoerced, "/components/schemas/Thing/type", 20),
            (
                Rule::TypeCoerced,
                "/components/schemas/Thing/properties/count/type",
                22,
            ),
            (
                Rule::TypeCoerced,
                "/components/schemas/Thing/properties/name/type",
                23,
            ),
            (
                Rule::TypeCoerced,
                "/components/schemas/Thing/properties/size/type",
                24,
            ),
            (
                Rule::TypeCoerced,
                "/components/schemas/Thing/properties/ratio/type",
                25,
            ),
            (
                Rule::TypeCoerced,
                "/components/schemas/Thing/properties/total/type",
                26,
            ),
            (
                Rule::TypeCoerced,
                "/components/schemas/Thing/properties/data/type",
                27,
            ),
            (
                Rule::TypeCoerced,
                "/components/schemas/Thing/properties/policy/type",
                28,
            ),
        ],
        (1, 1, 0, 0),
    );
}

#[test]
fn enum_values_are_converted_to_their_type() {
    check(
        "enum-numbers.yaml",
        &[
            (
                Rule::EnumCoerced,
                "/paths/~1v1~1jobs/get/parameters/0/schema/enum",
                15,
            ),
            (
                Rule::EnumCoerced,
                "/paths/~1v1~1jobs/get/parameters/1/schema/enum",
                20,
            ),
        ],
        (1, 1, 1, 0),
    );
}

#[test]
fn path_parameters_are_synthesized_or_ignored() {
    check(
        "path-params.yaml",
        &[
            (
                Rule::PathParamUndeclared,
                "/paths/~1v1~1{project_id}~1servers~1{server_id}/delete",
                8,
            ),
            (
                Rule::PathParamUnused,
                "/paths/~1v1~1{project_id}~1servers~1{server_id}/delete/parameters/1",
                12,
            ),
        ],
        (1, 1, 1, 0),
    );
}

#[test]
fn bad_statuses_and_dangling_references() {
    check(
        "statuses-and-refs.yaml",
        &[
            (
                Rule::UnresolvedRef,
                "/paths/~1v1~1tokens/post/requestBody/content/application~1json/schema/$ref",
                14,
            ),
            (
                Rule::UnresolvedRef,
                "/paths/~1v1~1tokens/post/responses/400/$ref",
                19,
            ),
            (
                Rule::InvalidStatus,
                "/paths/~1v1~1tokens/post/responses/888",
                20,
            ),
        ],
        (1, 1, 1, 0),
    );
}

#[test]
fn names_read_well_and_never_collide() {
    check("names.yaml", &[], (5, 5, 0, 0));
    // Setters never shadow `new`, `Default::default`, `Clone::clone` or
    // `Into::into`; a field's own name wins over a renamed setter.
    let files = generate("names.yaml", false).unwrap().files;
    let types = &files[std::path::Path::new("src/names/types.rs")];
    for setter in [
        "pub fn new(self_: impl Into<String>) -> Self",
        "pub fn with_new(mut self",
        "pub fn with_new2(mut self",
        "pub fn with_default(mut self",
        "pub fn with_clone(mut self",
        "pub fn with_into(mut self",
        "pub fn type_(mut self",
        "pub fn total(mut self",
    ] {
        assert!(types.contains(setter), "no `{setter}` in:\n{types}");
    }
    for shadowing in ["pub fn default(", "pub fn clone(", "pub fn into("] {
        assert!(!types.contains(shadowing), "`{shadowing}` in:\n{types}");
    }
}

#[test]
fn standard_trait_method_names_give_way() {
    check("trait-names.yaml", &[], (8, 8, 0, 0));
    let files = generate("trait-names.yaml", false).unwrap().files;
    let types = &files[std::path::Path::new("src/trait_names/types.rs")];
    let client = &files[std::path::Path::new("src/trait_names/client.rs")];
    // Model setters and request-builder setters alike: `with_…`, and a
    // field of that name keeps it.
    for setter in [
        "sub2", "add", "next", "not", "neg", "from_str", "hash", "eq", "cmp", "deref", "sub",
    ] {
        let model = format!("pub fn with_{setter}(mut self, value:");
        assert!(types.contains(&model), "no `{model}` in:\n{types}");
        let builder = format!("pub fn with_{setter}(mut self, ");
        assert!(client.contains(&builder), "no `{builder}` in:\n{client}");
    }
    // Operations: a trailing underscore, as keywords have.
    for method in [
        "pub fn add_(&self",
        "pub fn cmp_(&self",
        "pub fn sub_(&self",
        "pub fn next_(&self",
        "pub fn clone_(&self",
        "pub fn new_(&self",
        "pub fn config_(&self",
        "pub fn hash_(&self",
        "pub fn new(base_url",
        "pub fn config(&self) -> &ClientConfig",
    ] {
        assert!(client.contains(method), "no `{method}` in:\n{client}");
    }
    for name in [
        "sub", "add", "next", "not", "neg", "from_str", "hash", "eq", "cmp", "deref", "clone",
    ] {
        let shadowing = format!("pub fn {name}(");
        assert!(!types.contains(&shadowing), "`{shadowing}` in:\n{types}");
        assert!(!client.contains(&shadowing), "`{shadowing}` in:\n{client}");
    }
}

#[test]
fn number_bounds_become_valid_literals() {
    check("number-bounds.yaml", &[], (1, 1, 0, 0));
}

#[test]
fn documents_without_operations_are_types_only() {
    check("no-operations.yaml", &[], (0, 0, 0, 0));
    let files = generate("no-operations.yaml", false).unwrap().files;
    let names: Vec<String> = files.keys().map(|p| p.display().to_string()).collect();
    assert!(
        names.contains(&"src/no_operations/types.rs".to_owned()),
        "{names:?}"
    );
    assert!(
        !names
            .iter()
            .any(|n| n.starts_with("src/no_operations/client")),
        "{names:?}"
    );
    assert!(
        !names
            .iter()
            .any(|n| n.starts_with("src/no_operations/server")),
        "{names:?}"
    );
}

#[test]
fn reference_cycles_are_left_out_with_the_loop_named() {
    let op = "/paths/~1v1~1items/get";
    check(
        "ref-cycle.yaml",
        &[
            (Rule::RefCycle, &format!("{op}/parameters/0/$ref"), 12),
            (
                Rule::RefCycle,
                &format!("{op}/responses/200/content/application~1json/schema/$ref"),
                19,
            ),
            (Rule::RefCycle, &format!("{op}/responses/404/$ref"), 21),
            (Rule::RefCycle, "/components/parameters/A/$ref", 25),
            (Rule::RefCycle, "/components/parameters/B/$ref", 27),
            (Rule::RefCycle, "/components/responses/NotFound/$ref", 30),
            (Rule::RefCycle, "/components/schemas/Loop/$ref", 33),
        ],
        (1, 1, 1, 0),
    );
    let generated = generate("ref-cycle.yaml", false).expect("generates");
    let parameter = &generated.warnings[0];
    assert_eq!(
        parameter.message,
        "`#/components/parameters/A` leads to references that only lead to each other \
         (#/components/parameters/A -> #/components/parameters/B -> #/components/parameters/A): \
         the parameter is left out"
    );
    // The parameter is left out, not read as one without a name or location.
    assert!(generated
        .warnings
        .iter()
        .all(|w| !w.message.contains("needs `in`")));
    let client = generated
        .files
        .iter()
        .find(|(path, _)| path.ends_with("client.rs"))
        .map(|(_, text)| text.as_str())
        .expect("a client");
    assert!(client.contains("limit"), "the other parameter is kept");
    // Strict refuses the document with the validator's rule.
    match generate("ref-cycle.yaml", true) {
        Err(GenerateError::Spec(problems)) => {
            assert!(problems.iter().any(|p| p.rule == Rule::RefCycle
                && p.pointer == "/components/parameters/A/$ref"
                && p.message.contains("never reach a parameter")));
        }
        Err(e) => panic!("{e}"),
        Ok(_) => panic!("strict generated"),
    }
}
