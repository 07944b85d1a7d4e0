//! The compatibility matrix: for each kind of spec change, an old client
//! against a new server and a new client against an old server, over
//! loopback, with the generated clients and server stubs on both sides.
//!
//! `fixtures/compat/<kind>/v1.yaml` and `v2.yaml` differ in that one
//! change; `fixtures/compat/README.md` holds the matrix, one row per kind:
//! the change as `codegen::diff` names it, then what happens in each
//! direction (keeps working, or fails clearly and how). This test holds
//! both to it:
//!
//! - the diff between each pair is exactly the rules its row names (so a
//!   pair never drifts into two changes), and it calls a change breaking
//!   for clients exactly where an old client fails against a new server,
//!   but for the departures listed here with their reasons;
//! - every pair becomes two modules (`<kind>_v1`, `<kind>_v2`) of one
//!   standalone crate, and `fixtures/compat/compat.rs`, run as that crate's
//!   test, plays both directions of every row and writes down what it
//!   observed in the matrix's own words; each cell must be what the
//!   table says.
//!
//! One crate for every pair keeps it to one build of the runtime and one
//! `cargo test`; it builds offline against the workspace's `Cargo.lock` in
//! the target directory the other generated crates share
//! (`target/fixture-crates`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use codegen::write;
use codegen::{CrateOptions, Input};

const FIXTURES: &str = "codegen/tests/fixtures/compat";

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("codegen lives in the workspace")
        .to_path_buf()
}

/// One row of the matrix.
#[derive(Debug)]
struct Row {
    kind: String,
    /// The rule ids `codegen::diff` reports between v1 and v2, sorted.
    rules: Vec<String>,
    /// A v1 client against a v2 server.
    old_client: String,
    /// A v2 client against a v1 server.
    new_client: String,
}

/// The text of a cell without the backticks around a whole cell.
fn unquote(cell: &str) -> &str {
    let cell = cell.trim();
    cell.strip_prefix('`')
        .and_then(|c| c.strip_suffix('`'))
        .filter(|c| !c.contains('`'))
        .unwrap_or(cell)
}

/// The rows of the matrix: the table of `README.md` whose header starts
/// with `| change |`.
fn matrix(root: &Path) -> Vec<Row> {
    let path = root.join(FIXTURES).join("README.md");
    let text = std::fs::read_to_string(&path).expect("fixtures/compat/README.md");
    let mut lines = text
        .lines()
        .skip_while(|l| !l.starts_with("| change |"))
        .take_while(|l| l.starts_with('|'));
    let header = lines.next().expect("the matrix's header: `| change | ...`");
    let columns: Vec<&str> = header.trim_matches('|').split('|').map(str::trim).collect();
    assert_eq!(
        columns,
        [
            "change",
            "spec diff",
            "v1 client → v2 server",
            "v2 client → v1 server",
            "why"
        ],
        "the matrix's columns"
    );
    lines.next().expect("the header's separator");
    lines
        .map(|line| {
            let cells: Vec<&str> = line.trim_matches('|').split('|').map(str::trim).collect();
            assert_eq!(cells.len(), columns.len(), "a row of the matrix: {line}");
            let mut rules: Vec<String> =
                cells[1].split(',').map(|r| unquote(r).to_owned()).collect();
            rules.sort();
            Row {
                kind: unquote(cells[0]).to_owned(),
                rules,
                old_client: cells[2].to_owned(),
                new_client: cells[3].to_owned(),
            }
        })
        .collect()
}

/// The kinds of change with a fixture pair: the directories of
/// `fixtures/compat`, sorted.
fn kinds(root: &Path) -> Vec<String> {
    let mut kinds: Vec<String> = std::fs::read_dir(root.join(FIXTURES))
        .expect("fixtures/compat exists")
        .map(|e| e.expect("an entry"))
        .filter(|e| e.file_type().expect("its type").is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    kinds.sort();
    kinds
}

fn spec(kind: &str, version: &str) -> String {
    format!("{FIXTURES}/{kind}/{version}.yaml")
}

fn load(root: &Path, spec: &str) -> codegen::load::Document {
    codegen::load_document(&root.join(spec), spec)
        .unwrap_or_else(|problems| panic!("{spec} does not load: {problems:#?}"))
}

#[test]
fn the_matrix_has_a_row_per_fixture_pair() {
    let root = workspace();
    let rows: Vec<String> = matrix(&root).into_iter().map(|r| r.kind).collect();
    let mut sorted = rows.clone();
    sorted.sort();
    assert_eq!(rows, sorted, "the matrix's rows are in alphabetical order");
    assert_eq!(rows, kinds(&root), "one row per directory of {FIXTURES}");
}

/// Each pair is one change: `codegen::diff` finds exactly the rules its
/// row names (a change an operation's request and response both see is
/// reported for each).
#[test]
fn each_pair_differs_in_the_change_its_row_names() {
    let root = workspace();
    let mut failures = Vec::new();
    for row in matrix(&root) {
        let old = load(&root, &spec(&row.kind, "v1"));
        let new = load(&root, &spec(&row.kind, "v2"));
        let mut found: Vec<String> = codegen::diff::diff(&old, &new)
            .iter()
            .map(|c| c.rule.to_owned())
            .collect();
        found.sort();
        found.dedup();
        if found != row.rules {
            failures.push(format!(
                "{}: the matrix names {:?}, the diff finds {found:?}",
                row.kind, row.rules
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Where the spec diff's "breaking for clients" (an old client against a
/// new server) and the matrix's left-hand column part ways, and why.
const DIFF_DEPARTURES: &[(&str, &str)] = &[
    (
        "operation-renamed",
        "the diff counts the Rust method's name, which callers' code names; the wire is the same",
    ),
    (
        "variant-added",
        "the diff cannot tell a union read by trying each variant, which fails on a new one, \
         from a union with a discriminator, which generated clients read tolerantly",
    ),
];

/// The spec diff calls a change breaking for clients exactly where the
/// matrix has an old client fail against a new server, but for the
/// departures listed in [`DIFF_DEPARTURES`].
#[test]
fn the_diff_breaks_clients_where_old_clients_fail() {
    let root = workspace();
    let mut departures = Vec::new();
    for row in matrix(&root) {
        let old = load(&root, &spec(&row.kind, "v1"));
        let new = load(&root, &spec(&row.kind, "v2"));
        let breaks = codegen::diff::diff(&old, &new)
            .iter()
            .any(|c| c.breaks(codegen::diff::Party::Client));
        let fails = row.old_client.starts_with("fails");
        if breaks != fails {
            departures.push(row.kind);
        }
    }
    let listed: Vec<&str> = DIFF_DEPARTURES.iter().map(|(kind, _)| *kind).collect();
    assert_eq!(
        departures, listed,
        "where the diff's verdict for clients and the v1 client → v2 server column disagree"
    );
}

/// Every cell of the matrix, observed: both directions of every change.
#[test]
fn old_clients_against_new_servers_and_new_clients_against_old_servers() {
    let root = workspace();
    let rows = matrix(&root);
    let mut inputs = Vec::new();
    for row in &rows {
        for version in ["v1", "v2"] {
            let spec = spec(&row.kind, version);
            inputs.push(Input {
                module: format!("{}_{version}", row.kind.replace('-', "_")),
                document: load(&root, &spec),
                source: spec,
            });
        }
    }
    let mut opts = CrateOptions::standalone("compat", format!("Generated from {FIXTURES}."));
    opts.strict = true;
    let command = format!("cargo test -p codegen --test compatibility ({FIXTURES})");
    let generated = codegen::generate(&inputs, &opts, &command)
        .unwrap_or_else(|e| panic!("{FIXTURES} does not generate:\n{e}"));

    let tmp = tempfile::tempdir().expect("a temporary directory");
    let dir = tmp.path().join("compat");
    write::write_crate(&dir, &generated.files, write::Foreign::Refuse).expect("write the crate");
    std::fs::copy(root.join("Cargo.lock"), dir.join("Cargo.lock")).expect("copy Cargo.lock");
    std::fs::create_dir_all(dir.join("tests")).expect("create tests/");
    std::fs::copy(
        root.join(FIXTURES).join("compat.rs"),
        dir.join("tests/compat.rs"),
    )
    .expect("copy the test");

    let observed_file = tmp.path().join("observed.json");
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let output = Command::new(cargo)
        .args(["test", "--offline", "--test", "compat"])
        .current_dir(&dir)
        .env("CARGO_TARGET_DIR", root.join("target/fixture-crates"))
        .env("COMPAT_OBSERVED", &observed_file)
        .output()
        .expect("run cargo test");
    assert!(
        output.status.success(),
        "the compatibility test program fails:\n{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );

    // kind → [v1 client → v2 server, v2 client → v1 server]
    let observed: BTreeMap<String, [String; 2]> = serde_json::from_str(
        &std::fs::read_to_string(&observed_file).expect("the test program's observations"),
    )
    .expect("the observations are JSON");
    let mut failures = Vec::new();
    for row in &rows {
        let Some([old_client, new_client]) = observed.get(&row.kind) else {
            failures.push(format!(
                "{}: the test program plays no such change",
                row.kind
            ));
            continue;
        };
        for (direction, expected, seen) in [
            ("v1 client → v2 server", &row.old_client, old_client),
            ("v2 client → v1 server", &row.new_client, new_client),
        ] {
            if expected != seen {
                failures.push(format!(
                    "{}, {direction}:\n  the matrix says: {expected}\n  observed:         {seen}",
                    row.kind
                ));
            }
        }
    }
    for kind in observed.keys() {
        if !rows.iter().any(|r| &r.kind == kind) {
            failures.push(format!("{kind}: played, but the matrix has no row for it"));
        }
    }
    assert!(
        failures.is_empty(),
        "the compatibility matrix ({FIXTURES}/README.md) does not hold:\n{}",
        failures.join("\n")
    );
}
