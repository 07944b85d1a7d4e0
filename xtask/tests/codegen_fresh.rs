//! `generated/` must be exactly what `specs/` produce: a stale checked-in
//! crate fails `cargo test`, not only `cargo xtask codegen --check`.

use std::process::Command;

#[test]
fn generated_crate_is_up_to_date() {
    let out = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(["codegen", "--check"])
        .output()
        .expect("xtask runs");
    assert!(
        out.status.success(),
        "generated/ is stale; run `cargo xtask codegen`.\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn check_reports_a_readable_diff_when_stale() {
    // Generate a standalone crate, edit one file, and check it.
    let dir = tempfile::tempdir().expect("temp dir");
    let spec = concat!(env!("CARGO_MANIFEST_DIR"), "/../specs/dbss.yaml");
    let out_dir = dir.path().join("dbss");
    let run = |check: bool| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_xtask"));
        cmd.args(["codegen", "--spec", spec, "--out"]).arg(&out_dir);
        if check {
            cmd.arg("--check");
        }
        cmd.output().expect("xtask runs")
    };
    assert!(run(false).status.success());
    assert!(run(true).status.success(), "a fresh crate checks clean");

    let types = out_dir.join("src/dbss/types.rs");
    let text = std::fs::read_to_string(&types).unwrap();
    std::fs::write(&types, text.replacen("pub struct", "pub(crate) struct", 1)).unwrap();
    std::fs::write(out_dir.join("src/dbss/extra.rs"), "// not generated\n").unwrap();
    std::fs::remove_file(out_dir.join("src/dbss/mod.rs")).unwrap();

    let out = run(true);
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("-pub(crate) struct"), "{stdout}");
    assert!(stdout.contains("+pub struct"), "{stdout}");
    assert!(
        stdout.contains("not generated any more:") && stdout.contains("extra.rs"),
        "{stdout}"
    );
    assert!(
        stdout.contains("missing:") && stdout.contains("mod.rs"),
        "{stdout}"
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("is stale"));

    // Regenerating repairs everything, including the stray file.
    assert!(run(false).status.success());
    assert!(run(true).status.success());
    assert!(!out_dir.join("src/dbss/extra.rs").exists());
}

#[test]
fn codegen_works_around_with_a_warning_and_strict_refuses() {
    let dir = tempfile::tempdir().expect("temp dir");
    let spec = dir.path().join("broken.yaml");
    std::fs::write(
        &spec,
        "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths:\n  /a:\n    get:\n      operationId: a\n      parameters:\n        - {name: c, in: cookie, schema: {type: string}}\n      responses:\n        '200': {description: ok}\n  /b:\n    get:\n      operationId: b\n      parameters:\n        - {name: s, in: cookie, required: true, schema: {type: string}}\n      responses:\n        '200': {description: ok}\n",
    )
    .unwrap();
    let run = |strict: bool, out: &str| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_xtask"));
        cmd.args(["codegen", "--spec"])
            .arg(&spec)
            .arg("--out")
            .arg(dir.path().join(out));
        if strict {
            cmd.arg("--strict");
        }
        cmd.output().expect("xtask runs")
    };
    // Lenient: the optional cookie parameter is left out with a warning, the
    // operation that needs one is skipped, and the rest is generated.
    let out = run(false, "lenient");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains("broken.yaml:8:21: /paths/~1a/get/parameters/0/in: unsupported: warning: `cookie` parameters are not supported"),
        "{stderr}"
    );
    assert!(
        stderr.contains("broken.yaml:15:21: /paths/~1b/get/parameters/0/in: unsupported: warning: GET /b is left out: `cookie` parameters are not supported"),
        "{stderr}"
    );
    assert!(
        stderr.contains("2 operation(s): 1 generated (1 degraded), 1 skipped"),
        "{stderr}"
    );
    assert!(dir.path().join("lenient/src/lib.rs").is_file());
    // Strict: refused, located, nothing written.
    let out = run(true, "strict");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("broken.yaml:8:21: /paths/~1a/get/parameters/0/in: unsupported: `cookie` parameters are not supported"),
        "{stderr}"
    );
    assert!(
        !dir.path().join("strict").exists(),
        "nothing is written for a refused spec"
    );
}
