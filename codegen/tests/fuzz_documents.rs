//! Property tests: mutated documents go through load → validate → generate
//! without panicking, and every problem comes back as a located diagnostic.
//!
//! The seeds are the documents in `specs/` and the construct fixtures; each
//! case applies a few random mutations (a value replaced by another JSON
//! type, a key removed, a `$ref` pointed elsewhere, a string made huge or
//! strange, a subtree duplicated) to the JSON tree, then runs the pipeline
//! leniently and strictly. CI runs the default number of cases
//! (`PROPTEST_CASES`, 64 here); a longer run:
//! `PROPTEST_CASES=5000 cargo test --release -p codegen --test fuzz_documents`.

use std::path::{Path, PathBuf};

use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use serde_json::Value;

use codegen::{CrateOptions, GenerateError, Input};

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// The seed documents as JSON values.
fn seeds() -> Vec<(String, Value)> {
    let root = workspace();
    let mut out = Vec::new();
    for dir in ["specs", "codegen/tests/fixtures/constructs"] {
        for path in codegen::spec_files(&root.join(dir)).unwrap() {
            let name = path.strip_prefix(&root).unwrap().display().to_string();
            let doc = codegen::load_document(&path, &name).expect("a seed loads");
            out.push((name, doc.value));
        }
    }
    out
}

/// One mutation, chosen by `pick` (an index into the tree's nodes) and `how`.
#[derive(Clone, Debug)]
struct Mutation {
    pick: usize,
    how: u8,
    text: String,
}

fn mutation() -> impl Strategy<Value = Mutation> {
    (
        any::<usize>(),
        0u8..9,
        prop_oneof![
            Just(String::new()),
            "[a-zA-Z{}/#~._-]{0,12}",
            Just("#/components/schemas/Missing".to_owned()),
            Just("#/paths".to_owned()),
            Just("\u{0}\u{1F600}\u{202E}é".to_owned()),
        ],
    )
        .prop_map(|(pick, how, text)| Mutation { pick, how, text })
}

/// Every pointer in the tree, in a stable order.
fn pointers(value: &Value, at: String, out: &mut Vec<String>) {
    out.push(at.clone());
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                pointers(
                    v,
                    format!("{at}/{}", k.replace('~', "~0").replace('/', "~1")),
                    out,
                );
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                pointers(v, format!("{at}/{i}"), out);
            }
        }
        _ => {}
    }
}

fn apply(doc: &mut Value, m: &Mutation) {
    let mut all = Vec::new();
    pointers(doc, String::new(), &mut all);
    let target = all[m.pick % all.len()].clone();
    let copy = doc.pointer(&target).cloned().unwrap_or(Value::Null);
    let Some(node) = doc.pointer_mut(&target) else {
        return;
    };
    *node = match m.how {
        0 => Value::Null,
        1 => Value::from(m.text.clone()),
        2 => Value::from(-1),
        3 => Value::Bool(true),
        4 => Value::Array(vec![copy.clone(), copy]),
        5 => serde_json::json!({ "$ref": m.text }),
        6 => Value::from("x".repeat(100_000)),
        7 => match copy {
            Value::Object(mut map) => {
                if let Some(first) = map.keys().next().cloned() {
                    map.shift_remove(&first);
                }
                Value::Object(map)
            }
            other => other,
        },
        _ => serde_json::json!({ "type": m.text, "enum": [1, "a", null], "allOf": [copy] }),
    };
}

fn run(name: &str, doc: &Value) {
    let text = serde_json::to_string_pretty(doc).unwrap();
    let file = format!("{name}.json");
    // Validation: every problem located in this file.
    for d in codegen::check_str(&file, &text) {
        assert_eq!(d.file, file);
        assert!(d.position.line >= 1 && d.position.column >= 1, "{d}");
        assert!(d.message.len() < 100_000 + 1_000, "an unbounded message");
    }
    let Some(document) = codegen::load::load_str(&file, &text).document else {
        return;
    };
    for strict in [false, true] {
        let input = Input {
            module: "fuzzed".into(),
            source: file.clone(),
            document: document.clone(),
        };
        let mut opts = CrateOptions::standalone("fuzzed", "");
        opts.strict = strict;
        match codegen::generate(&[input], &opts, "test") {
            Ok(generated) => assert!(generated.files.keys().any(|p| p.ends_with("lib.rs"))),
            Err(GenerateError::Spec(problems)) => {
                assert!(!problems.is_empty());
                assert!(problems.iter().all(|p| p.file == file));
            }
            // Tokens that do not parse as Rust are a generator bug.
            Err(GenerateError::Format(e)) => panic!("{name}: generated invalid Rust: {e}"),
        }
    }
}

#[test]
fn mutated_documents_never_panic() {
    let seeds = seeds();
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(64);
    let mut runner = TestRunner::new(Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    });
    let strategy = (0..seeds.len(), proptest::collection::vec(mutation(), 1..4));
    runner
        .run(&strategy, |(seed, mutations)| {
            let (name, doc) = &seeds[seed];
            let mut doc = doc.clone();
            for m in &mutations {
                apply(&mut doc, m);
            }
            run(name, &doc);
            Ok(())
        })
        .unwrap();
}
