//! `cargo xtask diff`: text and JSON output, `--fail-on breaking`, exit
//! status 2 with a located message for unusable input, `git:REV:path`
//! (one file and several), and `--base` over a folder of documents.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives in the workspace")
        .to_path_buf()
}

fn fixture(name: &str, side: &str) -> String {
    format!("codegen/tests/fixtures/diff/{name}/{side}.yaml")
}

fn xtask(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_xtask"))
        .current_dir(dir)
        .arg("diff")
        .args(args)
        .output()
        .expect("xtask runs")
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn text_output_names_level_parties_rule_and_both_locations() {
    let (old, new) = (
        fixture("request-max-length-decreased", "old"),
        fixture("request-max-length-decreased", "new"),
    );
    let out = xtask(&workspace(), &[&old, &new]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 3, "{text}");
    let line = lines[0];
    assert!(
        line.starts_with("breaking     client        request-max-length-decreased  POST /things: "),
        "{line}"
    );
    let pointer = "/components/schemas/NewThing/properties/name/maxLength";
    assert!(
        line.ends_with(&format!("{old}:27:11#{pointer} → {new}:27:11#{pointer}")),
        "{line}"
    );
    assert_eq!(
        lines[1],
        "1 change(s): 1 breaking (1 for clients, 0 for servers), 0 non-breaking, 0 info"
    );
    // A tighter constraint is checked at send time: no public Rust item changes.
    assert_eq!(
        lines[2],
        "Rust API: 0 change(s) (0 major, 0 minor): the generated crate needs a patch release"
    );
}

#[test]
fn the_rust_api_section_names_each_change_and_the_bump() {
    let name = "response-enum-value-added";
    let (old, new) = (fixture(name, "old"), fixture(name, "new"));
    let out = xtask(&workspace(), &[&old, &new]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains("Rust API of the generated crate:\n"),
        "{text}"
    );
    assert!(
        text.lines()
            .any(|l| l.starts_with("minor  enum-variant-added")
                && l.contains("  new::types::ThingState::Broken  ")),
        "{text}"
    );
    assert!(
        text.ends_with(
            "Rust API: 1 change(s) (0 major, 1 minor): the generated crate needs a minor release\n"
        ),
        "{text}"
    );
    let out = xtask(&workspace(), &[&old, &new, "--format", "json"]);
    let json: Value = serde_json::from_str(&stdout(&out)).expect("JSON");
    assert_eq!(json["rust"]["bump"], "minor");
    let change = &json["rust"]["changes"][0];
    assert_eq!(change["rule"], "enum-variant-added");
    assert_eq!(change["bump"], "minor");
    assert_eq!(change["path"], "new::types::ThingState::Broken");
    assert_eq!(json["rust"]["unavailable"], Value::Array(Vec::new()));
}

#[test]
fn fail_on_major_exits_1_only_when_the_generated_crate_needs_a_major_release() {
    let run = |name: &str| {
        let (old, new) = (fixture(name, "old"), fixture(name, "new"));
        let out = xtask(&workspace(), &[&old, &new, "--fail-on", "major"]);
        out.status.code()
    };
    assert_eq!(run("request-property-added-required"), Some(1));
    assert_eq!(run("operation-removed"), Some(1));
    assert_eq!(run("operation-added"), Some(0));
    assert_eq!(run("response-enum-value-added"), Some(0));
    assert_eq!(run("request-max-length-decreased"), Some(0));
}

#[test]
fn json_output_has_every_field() {
    let out = xtask(
        &workspace(),
        &[
            &fixture("parameter-became-optional", "old"),
            &fixture("parameter-became-optional", "new"),
            "--format",
            "json",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let json: Value = serde_json::from_str(&stdout(&out)).expect("JSON");
    let change = &json["changes"][0];
    assert_eq!(change["rule"], "parameter-became-optional");
    assert_eq!(change["level"], "breaking");
    assert_eq!(change["for"], serde_json::json!(["server"]));
    assert_eq!(change["operation"], "GET /things");
    assert_eq!(
        change["old"]["pointer"],
        "/paths/~1things/get/parameters/2/required"
    );
    assert_eq!(change["old"]["line"], 24);
    assert_eq!(change["new"]["pointer"], "/paths/~1things/get/parameters/2");
    assert_eq!(json["summary"]["breaking_for_servers"], 1);
    assert_eq!(
        json["compared"][0]["old"],
        fixture("parameter-became-optional", "old")
    );
}

#[test]
fn fail_on_breaking_exits_1_only_for_breaking_changes() {
    let run = |name: &str, fail: bool| {
        let (old, new) = (fixture(name, "old"), fixture(name, "new"));
        let mut args = vec![old.as_str(), new.as_str()];
        if fail {
            args.extend(["--fail-on", "breaking"]);
        }
        xtask(&workspace(), &args).status.code()
    };
    assert_eq!(run("request-property-became-required", true), Some(1));
    assert_eq!(run("request-property-became-required", false), Some(0));
    assert_eq!(run("request-property-added-optional", true), Some(0));
    assert_eq!(run("operation-deprecated", true), Some(0));
}

#[test]
fn unusable_input_exits_2_with_a_located_message() {
    let dir = tempfile::tempdir().unwrap();
    let broken = dir.path().join("broken.yaml");
    std::fs::write(&broken, "openapi: 3.0.3\ninfo: {title: t\npaths: {}\n").unwrap();
    let good = workspace().join(fixture("server-added", "old"));
    let out = xtask(dir.path(), &["broken.yaml", good.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains("broken.yaml:3:"), "{err}");
    assert!(err.contains("syntax"), "{err}");
    let out = xtask(dir.path(), &["missing.yaml", good.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("missing.yaml: no such file"),
        "{}",
        stderr(&out)
    );
    let out = xtask(dir.path(), &["git:HEAD", good.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("expected git:REV:path"),
        "{}",
        stderr(&out)
    );
}

/// A git repository in a temporary folder, with `specs/` committed.
struct Repo {
    dir: tempfile::TempDir,
}

impl Repo {
    fn new() -> Option<Repo> {
        let dir = tempfile::tempdir().unwrap();
        let repo = Repo { dir };
        repo.git(&["init", "-q"])?;
        Some(repo)
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn git(&self, args: &[&str]) -> Option<()> {
        let status = Command::new("git")
            .current_dir(self.path())
            .args(["-c", "user.name=t", "-c", "user.email=t@example.com"])
            .args(args)
            .status()
            .ok()?;
        status.success().then_some(())
    }

    fn put(&self, path: &str, text: &str) {
        let full = self.path().join(path);
        std::fs::create_dir_all(full.parent().unwrap()).unwrap();
        std::fs::write(full, text).unwrap();
    }

    fn copy(&self, from: &str, to: &str) {
        self.put(
            to,
            &std::fs::read_to_string(workspace().join(from)).unwrap(),
        );
    }

    fn commit(&self) {
        self.git(&["add", "-A"]).expect("git add");
        self.git(&["commit", "-q", "-m", "specs"])
            .expect("git commit");
    }
}

#[test]
fn git_revisions_are_read_with_the_files_they_refer_to() {
    let Some(repo) = Repo::new() else {
        eprintln!("git is not available: skipped");
        return;
    };
    let name = "multifile-response-property-became-optional";
    // The old version at HEAD; the working tree then holds the new one.
    repo.copy(&fixture(name, "old"), "api/api.yaml");
    repo.copy(
        &format!("codegen/tests/fixtures/diff/{name}/old/models.yaml"),
        "api/old/models.yaml",
    );
    repo.commit();
    repo.copy(
        &format!("codegen/tests/fixtures/diff/{name}/new/models.yaml"),
        "api/old/models.yaml",
    );
    let out = xtask(
        repo.path(),
        &[
            "git:HEAD:api/api.yaml",
            "api/api.yaml",
            "--fail-on",
            "breaking",
        ],
    );
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("response-property-became-optional"), "{text}");
    // Located in the other file, at the revision.
    assert!(
        text.contains("git:HEAD:api/old/models.yaml:5:7#/Thing/required/1 → api/old/models.yaml:"),
        "{text}"
    );
    // The same revision on both sides: nothing changed.
    let out = xtask(
        repo.path(),
        &["git:HEAD:api/api.yaml", "git:HEAD:api/api.yaml"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stdout(&out).starts_with("0 change(s)"), "{}", stdout(&out));
    // A revision or a path that does not exist.
    let out = xtask(repo.path(), &["git:nope:api/api.yaml", "api/api.yaml"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("git:nope:api/api.yaml"),
        "{}",
        stderr(&out)
    );
    let out = xtask(repo.path(), &["git:HEAD:api/missing.yaml", "api/api.yaml"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn base_compares_every_document_of_the_folder_with_its_revision() {
    let Some(repo) = Repo::new() else {
        eprintln!("git is not available: skipped");
        return;
    };
    repo.copy(
        &fixture("request-enum-value-removed", "old"),
        "specs/things.yaml",
    );
    repo.copy(&fixture("server-added", "old"), "specs/gone.yaml");
    repo.copy(&fixture("server-added", "old"), "specs/same.yaml");
    repo.commit();
    repo.copy(
        &fixture("request-enum-value-removed", "new"),
        "specs/things.yaml",
    );
    std::fs::remove_file(repo.path().join("specs/gone.yaml")).unwrap();
    repo.copy(&fixture("server-added", "old"), "specs/added.yaml");
    let specs = repo.path().join("specs");
    let out = xtask(
        repo.path(),
        &[
            "--base",
            "HEAD",
            "--specs",
            specs.to_str().unwrap(),
            "--format",
            "json",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let json: Value = serde_json::from_str(&stdout(&out)).expect("JSON");
    let rules: Vec<(&str, &str)> = json["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["rule"].as_str().unwrap(), c["message"].as_str().unwrap()))
        .collect();
    assert_eq!(
        rules,
        [
            ("document-added", "specs/added.yaml was added"),
            ("document-removed", "specs/gone.yaml was removed"),
            (
                "request-enum-value-removed",
                "request body (application/json), property `kind`: enum value `chair` was removed"
            ),
        ],
        "{json:#}"
    );
    assert_eq!(json["compared"].as_array().unwrap().len(), 4);
    assert_eq!(json["compared"][1]["old"], "git:HEAD:specs/gone.yaml");
    assert_eq!(json["compared"][1]["new"], Value::Null);
    let removed = &json["changes"][1];
    assert_eq!(removed["old"]["file"], "git:HEAD:specs/gone.yaml");
    assert_eq!(removed["level"], "breaking");
    // The Rust-level view, over every document: the removed one's module
    // is gone, the added one's is new, and a removed enum value is a
    // removed variant.
    let rust: Vec<(&str, &str, &str)> = json["rust"]["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["rule"].as_str().unwrap(),
                c["bump"].as_str().unwrap(),
                c["path"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(json["rust"]["bump"], "major", "{json:#}");
    assert!(
        rust.contains(&("item-removed", "major", "gone::types")),
        "{rust:?}"
    );
    assert!(
        rust.contains(&("item-added", "minor", "added::types")),
        "{rust:?}"
    );
    assert!(
        rust.iter()
            .any(|(rule, _, path)| *rule == "enum-variant-removed" && path.starts_with("things::")),
        "{rust:?}"
    );
    assert!(
        !rust.iter().any(|(_, _, path)| path.starts_with("same::")),
        "{rust:?}"
    );
    // --fail-on breaking over the folder.
    let out = xtask(
        repo.path(),
        &[
            "--base",
            "HEAD",
            "--specs",
            specs.to_str().unwrap(),
            "--fail-on",
            "breaking",
        ],
    );
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
}

#[test]
fn the_rules_are_listed() {
    let out = xtask(&workspace(), &["--list-rules", "--format", "json"]);
    assert_eq!(out.status.code(), Some(0));
    let rules: Value = serde_json::from_str(&stdout(&out)).unwrap();
    let ids: Vec<&str> = rules
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert!(ids.contains(&"response-enum-value-added"));
    assert!(ids.contains(&"operation-removed"));
}

/// A generated crate's manifest, as the generator writes it, at `version`.
fn manifest(version: &str) -> String {
    format!(
        "# @generated by codegen\n[package]\nname = \"things\"\nversion = \"{version}\"\nedition = \"2021\"\n\n[dependencies]\nserde = {{ version = \"1.0.200\" }}\n"
    )
}

#[test]
fn fail_on_unbumped_wants_an_incompatible_version_for_a_breaking_change() {
    let Some(repo) = Repo::new() else {
        eprintln!("git is not available: skipped");
        return;
    };
    repo.copy(
        &fixture("request-enum-value-removed", "old"),
        "specs/things.yaml",
    );
    repo.put("generated/Cargo.toml", &manifest("0.3.1"));
    repo.commit();
    let specs = repo.path().join("specs");
    let specs = specs.to_str().unwrap();
    let check = |format: &str| {
        xtask(
            repo.path(),
            &[
                "--base",
                "HEAD",
                "--specs",
                specs,
                "--fail-on",
                "unbumped",
                "--format",
                format,
            ],
        )
    };
    // Nothing changed: nothing to bump.
    let out = check("text");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("things went 0.3.1 -> 0.3.1: no change above needs"),
        "{}",
        stdout(&out)
    );

    // A breaking change, with a compatible bump only: refused, naming the
    // version it needs.
    repo.copy(
        &fixture("request-enum-value-removed", "new"),
        "specs/things.yaml",
    );
    repo.put("generated/Cargo.toml", &manifest("0.3.2"));
    let out = check("text");
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("request-enum-value-removed"), "{text}");
    assert!(
        text.contains("things went 0.3.1 -> 0.3.2, but the breaking changes above need a SemVer-incompatible release (0.4.0)"),
        "{text}"
    );
    let out = check("json");
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let json: Value = serde_json::from_str(&stdout(&out)).expect("JSON");
    assert_eq!(json["version"]["old"], "0.3.1");
    assert_eq!(json["version"]["new"], "0.3.2");
    assert_eq!(json["version"]["major_needed"], true);
    assert_eq!(json["version"]["incompatible_bump"], false);

    // The same change with 0.4.0: accepted.
    repo.put("generated/Cargo.toml", &manifest("0.4.0"));
    let out = check("text");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("things went 0.3.1 -> 0.4.0: a SemVer-incompatible release"),
        "{}",
        stdout(&out)
    );

    // Without --base it cannot know the old version; a bad revision is an
    // error, not a pass.
    let out = xtask(
        repo.path(),
        &[
            &fixture("request-enum-value-removed", "old"),
            &fixture("request-enum-value-removed", "new"),
            "--fail-on",
            "unbumped",
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("needs --base REV"),
        "{}",
        stderr(&out)
    );
    let out = xtask(
        repo.path(),
        &["--base", "nope", "--specs", specs, "--fail-on", "unbumped"],
    );
    assert_eq!(out.status.code(), Some(2), "{}", stdout(&out));
}
