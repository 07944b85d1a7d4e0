//! `cargo xtask validate` as a user runs it: exit status, text and JSON output.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives in the workspace")
        .to_path_buf()
}

/// The path of a fixture as an argument: `…/xtask/../codegen/tests/fixtures/{name}`.
fn fixture(name: &str) -> String {
    format!(
        "{}/../codegen/tests/fixtures/{name}",
        env!("CARGO_MANIFEST_DIR")
    )
}

fn validate_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_xtask"))
        .arg("validate")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("xtask runs")
}

fn validate(args: &[&str]) -> Output {
    validate_in(&workspace_root(), args)
}

fn stdout(out: &Output) -> String {
    String::from_utf8(out.stdout.clone()).expect("UTF-8 stdout")
}

fn stderr(out: &Output) -> String {
    String::from_utf8(out.stderr.clone()).expect("UTF-8 stderr")
}

#[test]
fn valid_document_exits_zero() {
    let out = validate(&[&fixture("valid/minimal.yaml")]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
    assert_eq!(stdout(&out), "");
    assert!(
        stderr(&out).contains("1 file(s) checked: 0 error(s), 0 warning(s)"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn invalid_document_exits_one_and_names_the_line() {
    let file = fixture("invalid/path-param-unused.yaml");
    let out = validate(&[&file]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
    let text = stdout(&out);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 1, "{text}");
    assert_eq!(
        lines[0],
        format!("{file}:10:11: /paths/~1items/get/parameters/0: path-param-unused: path parameter `id` does not appear in `/items`")
    );
    assert!(
        stderr(&out).contains("1 error(s), 0 warning(s)"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn relative_names_resolve_against_the_workspace_root() {
    let name = "codegen/tests/fixtures/invalid/operation-id-missing.yaml";
    let expected =
        format!("{name}:7:5: /paths/~1a/get: operation-id-missing: GET /a has no operationId\n");
    let from_root = validate(&[name]);
    assert_eq!(from_root.status.code(), Some(1));
    assert_eq!(stdout(&from_root), expected);
    // Run from somewhere else, the same name still finds the file.
    let elsewhere = validate_in(&workspace_root().join("xtask/src"), &[name]);
    assert_eq!(elsewhere.status.code(), Some(1), "{}", stderr(&elsewhere));
    assert_eq!(stdout(&elsewhere), expected);
}

#[test]
fn syntax_errors_are_problems_not_unreadable_input() {
    for name in ["invalid/syntax.yaml", "invalid/syntax-json.json"] {
        let out = validate(&[&fixture(name)]);
        assert_eq!(
            out.status.code(),
            Some(1),
            "{name}: {}{}",
            stdout(&out),
            stderr(&out)
        );
        assert!(
            stdout(&out).contains(": /: syntax: "),
            "{name}: {}",
            stdout(&out)
        );
    }
}

#[test]
fn warnings_alone_exit_zero() {
    let file = fixture("invalid/unused-component.yaml");
    let out = validate(&[&file]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
    assert_eq!(
        stdout(&out),
        format!("{file}:14:5: /components/schemas/Orphan: unused-component: warning: components/schemas/Orphan is never referenced\n")
    );
    assert!(
        stderr(&out).contains("0 error(s), 1 warning(s)"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn every_file_is_reported() {
    let a = fixture("invalid/operation-id-missing.yaml");
    let b = fixture("invalid/no-success-response.yaml");
    let out = validate(&[&a, &fixture("valid/minimal.yaml"), &b]);
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    assert!(
        text.contains(&format!("{a}:7:5: /paths/~1a/get: operation-id-missing: ")),
        "{text}"
    );
    assert!(
        text.contains(&format!(
            "{b}:9:7: /paths/~1a/get/responses: no-success-response: "
        )),
        "{text}"
    );
    assert!(
        stderr(&out).contains("3 file(s) checked: 2 error(s), 0 warning(s)"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn missing_file_exits_two() {
    let missing = fixture("valid/does-not-exist.yaml");
    let out = validate(&[&missing]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
    assert!(
        stderr(&out).contains("does-not-exist.yaml"),
        "{}",
        stderr(&out)
    );
    // Unreadable input wins over problems found in other files.
    let out = validate(&[&fixture("invalid/path-param-unused.yaml"), &missing]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stdout(&out).contains("path-param-unused"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn json_format_lists_problems() {
    let file = fixture("invalid/multiple-problems.yaml");
    let out = validate(&["--format", "json", &file]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let json: serde_json::Value = serde_json::from_str(&stdout(&out)).expect("stdout is JSON");
    assert_eq!(json["files"], serde_json::json!([file]));
    let problems = json["problems"].as_array().expect("a problems array");
    let rules: Vec<&str> = problems
        .iter()
        .map(|p| p["rule"].as_str().expect("rule is a string"))
        .collect();
    assert_eq!(
        rules,
        [
            "path-param-undeclared",
            "operation-id-missing",
            "unresolved-ref",
            "undefined-security-scheme",
            "no-success-response"
        ]
    );
    for p in problems {
        let mut keys: Vec<&str> = p
            .as_object()
            .expect("an object")
            .keys()
            .map(String::as_str)
            .collect();
        keys.sort_unstable();
        assert_eq!(
            keys,
            ["column", "file", "line", "message", "pointer", "rule", "severity"]
        );
        assert_eq!(p["file"], file.as_str());
        assert_eq!(p["severity"], "error");
        assert!(
            p["line"].as_u64().is_some() && p["column"].as_u64().is_some(),
            "{p}"
        );
    }
    assert_eq!(problems[4]["pointer"], "/paths/~1other/post/responses");
    assert_eq!(problems[4]["line"], 20);
    assert_eq!(problems[4]["column"], 7);
}

#[test]
fn json_format_on_a_clean_file() {
    let out = validate(&["--format", "json", &fixture("valid/minimal.yaml")]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let json: serde_json::Value = serde_json::from_str(&stdout(&out)).expect("stdout is JSON");
    assert_eq!(json["problems"], serde_json::json!([]));
}

#[test]
fn bytes_that_are_not_utf8_are_a_located_problem() {
    let file = fixture("invalid/syntax-utf8.yaml");
    let out = validate(&[&file]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
    let text = stdout(&out);
    assert!(
        text.starts_with(&format!(
            "{file}:3:14: /: syntax: the file is not UTF-8: byte 0xE9"
        )),
        "{text}"
    );
    assert!(
        stderr(&out).contains("1 file(s) checked: 1 error(s), 0 warning(s)"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn an_alias_bomb_is_refused_at_the_alias() {
    let file = fixture("invalid/syntax-alias-bomb.yaml");
    let started = std::time::Instant::now();
    let out = validate(&[&file]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
    assert_eq!(
        stdout(&out),
        format!("{file}:7:32: /f/6: syntax: the document expands past 500000 nodes through aliases (each alias copies its anchor's whole value)\n")
    );
    // Expanded, it would take minutes and gigabytes; refused, it takes
    // moments (the bound is generous for a debug build on a busy machine).
    assert!(
        started.elapsed() < std::time::Duration::from_secs(30),
        "{:?}",
        started.elapsed()
    );
}

#[test]
fn surrogate_pairs_in_json_are_characters() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let path = dir.path().join("emoji.json");
    // What Python's json.dump writes for a title with an emoji.
    std::fs::write(
        &path,
        r##"{"openapi": "3.0.3", "info": {"title": "Smile \ud83d\ude00", "version": "1"}, "paths": {}, "x-bad": {"$ref": "#/nowhere"}}"##,
    )
    .unwrap();
    let out = validate(&[path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    // Loaded, and positions after the escape are those of the file.
    let text = stdout(&out);
    let column = r#"{"openapi": "3.0.3", "info": {"title": "Smile \ud83d\ude00", "version": "1"}, "paths": {}, "x-bad": {"#.len() + 1;
    assert!(
        text.contains(&format!(":1:{column}: /x-bad/$ref: unresolved-ref: ")),
        "{text}"
    );
}
