//! Side-by-side benchmarks. Every figure is a ratio against a baseline
//! measured in the same run, from paired runs that alternate which side goes
//! first, and medians (see BENCHMARKS.md at the repository root).
//!
//! ```sh
//! cargo bench --manifest-path codegen/benches-compare/Cargo.toml
//! cargo bench --manifest-path codegen/benches-compare/Cargo.toml -- nexus client
//! COMPARE_DOCUMENT=/path/to/api.json cargo bench --manifest-path codegen/benches-compare/Cargo.toml -- document
//! ```
//!
//! Sections (all by default, or those named as arguments):
//!
//! - `nexus`: generation of `codegen/tests/fixtures/public/nexus.json`, ours
//!   against progenitor 0.15.1;
//! - `document`: the same for the largest document among the repository's
//!   fixtures and specs, or `COMPARE_DOCUMENT` (any path);
//! - `scaling`: ours on synthetic documents of 100, 1,000 and 10,000
//!   operations (`COMPARE_SIZES=100,1000` picks sizes), per operation;
//! - `client`: the generated client against raw reqwest;
//! - `server`: the generated router against a hand-written axum handler;
//! - `sequence`: 100,000 server-sent events and 100,000 JSON lines decoded
//!   into typed items by the runtime, against `eventsource-stream` and
//!   line splitting, each with `serde_json`, by hand (`COMPARE_ITEMS`);
//! - `binary`: a 1 GiB download written to a file and a 1 GiB upload read
//!   from a file through the generated client, against raw reqwest, each in
//!   a child process that reports its peak resident memory
//!   (`COMPARE_BINARY_BYTES`, `COMPARE_BINARY_DIR`).
//!
//! `COMPARE_RUNS` (pairs per generation figure, default 7),
//! `COMPARE_NET_RUNS` (pairs per client/server figure, default 7),
//! `COMPARE_REQUESTS` (requests per run, default 5,000) and
//! `COMPARE_CONCURRENCY` (default 32) change the amounts.

mod binary;
mod client;
mod generation;
mod sequence;
mod server;
mod stats;
#[path = "../../../benches/support/synthetic.rs"]
mod synthetic;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use stats::env_count;

const SECTIONS: [&str; 7] = [
    "nexus", "document", "scaling", "client", "server", "sequence", "binary",
];

fn main() -> ExitCode {
    // `cargo bench` passes `--bench`; other arguments name sections.
    let chosen: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    for name in &chosen {
        if !SECTIONS.contains(&name.as_str()) {
            eprintln!(
                "unknown section `{name}`; the sections are {}",
                SECTIONS.join(", ")
            );
            return ExitCode::from(2);
        }
    }
    let wanted = |s: &str| chosen.is_empty() || chosen.iter().any(|c| c == s);
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let root = root.canonicalize().unwrap_or(root);
    let runs = env_count("COMPARE_RUNS", 7);
    let net_runs = env_count("COMPARE_NET_RUNS", 7);
    let requests = env_count("COMPARE_REQUESTS", 5_000);
    let concurrency = env_count("COMPARE_CONCURRENCY", 32);

    println!("# side-by-side benchmarks (ratio = ours / baseline)");
    if cfg!(debug_assertions) {
        println!("warning: a debug build; run with `cargo bench` for release figures");
    }
    if let Ok(load) = std::fs::read_to_string("/proc/loadavg") {
        println!(
            "load average at start: {}",
            load.split_whitespace()
                .take(3)
                .collect::<Vec<_>>()
                .join(" ")
        );
    }

    if wanted("nexus") {
        let path = root.join("codegen/tests/fixtures/public/nexus.json");
        match generation::Doc::read(&path, "codegen/tests/fixtures/public/nexus.json".into()) {
            Ok(doc) => generation::compare("nexus generation", &doc, runs),
            Err(e) => println!("nexus generation: {e}"),
        }
    }
    if wanted("document") {
        let (path, name) = match std::env::var_os("COMPARE_DOCUMENT") {
            Some(p) => {
                let p = PathBuf::from(p);
                let name = p.display().to_string();
                (Some(p), format!("{name} (from COMPARE_DOCUMENT)"))
            }
            None => match generation::largest_fixture(&root) {
                Some(p) => {
                    let rel = p.strip_prefix(&root).unwrap_or(&p).display().to_string();
                    (
                        Some(p),
                        format!("{rel} (the largest document in the repository)"),
                    )
                }
                None => (None, String::new()),
            },
        };
        match path.map(|p| generation::Doc::read(&p, name)) {
            Some(Ok(doc)) => generation::compare("document generation", &doc, runs),
            Some(Err(e)) => println!("document generation: {e}"),
            None => println!("document generation: no document found"),
        }
    }
    if wanted("scaling") {
        let sizes = sizes();
        generation::scaling(&sizes, runs.min(5));
    }
    if wanted("sequence") {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a tokio runtime");
        sequence::run(&runtime, env_count("COMPARE_ITEMS", 100_000), net_runs);
    }
    if wanted("binary") {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .expect("a tokio runtime");
        binary::run(&runtime, &root, net_runs);
    }
    if wanted("client") || wanted("server") {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .expect("a tokio runtime");
        if wanted("client") {
            client::run(&runtime, requests, concurrency, net_runs);
        }
        if wanted("server") {
            server::run(&runtime, requests, concurrency, net_runs);
        }
    }
    if let Ok(load) = std::fs::read_to_string("/proc/loadavg") {
        println!(
            "\nload average at end: {}",
            load.split_whitespace()
                .take(3)
                .collect::<Vec<_>>()
                .join(" ")
        );
    }
    ExitCode::SUCCESS
}

fn sizes() -> Vec<usize> {
    let parsed = std::env::var("COMPARE_SIZES").ok().map(|list| {
        list.split(',')
            .map(|n| n.trim().replace('_', "").parse::<usize>())
            .collect::<Result<Vec<_>, _>>()
    });
    match parsed {
        Some(Ok(sizes)) if !sizes.is_empty() => sizes,
        Some(_) => {
            eprintln!("COMPARE_SIZES: numbers separated by commas; using 100,1000,10000");
            vec![100, 1_000, 10_000]
        }
        None => vec![100, 1_000, 10_000],
    }
}
