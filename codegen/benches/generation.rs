//! How checking and generating scale with the size of a document.
//!
//! Synthetic documents of 100, 1,000 and 10,000 operations, each operation
//! with a request body schema and a response schema that carry one example
//! each and share one component schema, are measured through the public API:
//!
//! - `check`: `codegen::check_str` (load and validate), as `cargo xtask validate`;
//! - `generate`: load, then `codegen::write::generate`, as `cargo xtask codegen --spec`.
//!
//! Both should grow linearly: the reported throughput (operations per second)
//! should stay roughly flat from one size to the next.
//!
//! ```sh
//! cargo bench -p codegen --bench generation            # criterion, a few minutes
//! GENERATION_BENCH=once cargo bench -p codegen --bench generation
//! ```
//!
//! With `GENERATION_BENCH=once` each size is run once and a table is printed
//! instead, with the time per operation and generation split into its stages
//! (load, validate, IR, emit, format). `GENERATION_BENCH_OPS=100,1000` picks
//! the sizes.
//!
//! Generating 10,000 operations writes ~70 MB of Rust and takes tens of
//! seconds a run: in the criterion run it is measured only with
//! `GENERATION_BENCH_LARGE=1` (the `once` table always includes it).

use std::time::{Duration, Instant};

use criterion::{criterion_group, BenchmarkId, Criterion, SamplingMode, Throughput};

use codegen::diagnostic::Diagnostic;
use codegen::{CrateOptions, Generated, Input};

#[path = "support/synthetic.rs"]
mod synthetic;
use synthetic::document;

const SIZES: [usize; 3] = [100, 1_000, 10_000];

/// The sizes to run: `GENERATION_BENCH_OPS=100,1000` picks some, all by default.
fn sizes() -> Vec<usize> {
    match std::env::var("GENERATION_BENCH_OPS") {
        Ok(list) => list
            .split(',')
            .map(|n| {
                n.trim()
                    .replace('_', "")
                    .parse()
                    .expect("GENERATION_BENCH_OPS: numbers separated by commas")
            })
            .collect(),
        Err(_) => SIZES.to_vec(),
    }
}
const NAME: &str = "synthetic.json";
const MODULE: &str = "synthetic";

fn load(text: &str) -> codegen::load::Document {
    let loaded = codegen::load::load_str(NAME, text);
    assert!(loaded.problems.is_empty(), "{:#?}", loaded.problems);
    loaded.document.expect("the synthetic document loads")
}

fn options() -> CrateOptions {
    CrateOptions::standalone(MODULE, "A synthetic API.")
}

/// Load and generate, as `cargo xtask codegen --spec` does.
fn generate(text: &str) -> Generated {
    let input = Input {
        module: MODULE.to_owned(),
        source: NAME.to_owned(),
        document: load(text),
    };
    match codegen::generate(&[input], &options(), "bench") {
        Ok(generated) => generated,
        Err(e) => panic!("the synthetic document does not generate:\n{e}"),
    }
}

/// Whether generation of `ops` operations is measured (see the module docs).
fn generates(ops: usize) -> bool {
    let run = ops < 10_000
        || std::env::var_os("GENERATION_BENCH_LARGE").is_some()
        || std::env::var("GENERATION_BENCH").as_deref() == Ok("once");
    if !run {
        eprintln!("generate/{ops}: skipped; set GENERATION_BENCH_LARGE=1 to run it");
    }
    run
}

/// Load and validate, as `cargo xtask validate` does.
fn check(text: &str) -> Vec<Diagnostic> {
    codegen::check_str(NAME, text)
}

fn bench(c: &mut Criterion) {
    for ops in sizes() {
        let text = document(ops);
        // Only a clean document measures the whole pipeline.
        let problems = check(&text);
        assert!(problems.is_empty(), "{problems:#?}");

        let mut group = c.benchmark_group("check");
        configure(&mut group, ops);
        group.bench_with_input(BenchmarkId::from_parameter(ops), &text, |b, text| {
            b.iter(|| check(text))
        });
        group.finish();

        if !generates(ops) {
            continue;
        }
        let mut group = c.benchmark_group("generate");
        configure(&mut group, ops);
        group.bench_with_input(BenchmarkId::from_parameter(ops), &text, |b, text| {
            b.iter(|| generate(text))
        });
        group.finish();
    }
}

fn configure(
    group: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
    ops: usize,
) {
    group
        .throughput(Throughput::Elements(ops as u64))
        .sampling_mode(SamplingMode::Flat)
        .sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(if ops >= 10_000 { 10 } else { 3 }));
}

/// Each size once, each stage timed on its own.
fn once() {
    println!(
        "{:>7} {:>8} {:>8} {:>8} {:>8} {:>8} {:>8} {:>11} {:>9} {:>10} {:>11} {:>11}",
        "ops",
        "load s",
        "valid. s",
        "repair s",
        "ir s",
        "emit s",
        "format s",
        "bytes",
        "check s",
        "generate s",
        "check µs/op",
        "gen. µs/op"
    );
    for ops in sizes() {
        let text = document(ops);
        let start = Instant::now();
        let problems = check(&text);
        let check_time = start.elapsed();
        assert!(problems.is_empty(), "{problems:#?}");
        let start = Instant::now();
        load(&text);
        let load_time = start.elapsed();
        let per_op = |d: Duration| d.as_secs_f64() * 1e6 / ops as f64;
        if !generates(ops) {
            println!(
                "{ops:>7} {:>8.3} {:>8} {:>8} {:>8} {:>8} {:>8} {:>11} {:>9.3} {:>10} {:>11.1} {:>11}",
                load_time.as_secs_f64(),
                "-",
                "-",
                "-",
                "-",
                "-",
                "-",
                check_time.as_secs_f64(),
                "-",
                per_op(check_time),
                "-",
            );
            continue;
        }
        let start = Instant::now();
        let generated = generate(&text);
        let generate_time = start.elapsed();
        let t = generated.timings;
        let bytes: usize = generated.files.values().map(String::len).sum();
        println!(
            "{ops:>7} {:>8.3} {:>8.3} {:>8.3} {:>8.3} {:>8.3} {:>8.3} {bytes:>11} {:>9.3} {:>10.3} {:>11.1} {:>11.1}",
            load_time.as_secs_f64(),
            t.validate.as_secs_f64(),
            t.repair.as_secs_f64(),
            t.ir.as_secs_f64(),
            t.emit.as_secs_f64(),
            t.format.as_secs_f64(),
            check_time.as_secs_f64(),
            generate_time.as_secs_f64(),
            per_op(check_time),
            per_op(generate_time),
        );
    }
}

criterion_group!(benches, bench);

fn main() {
    if std::env::var("GENERATION_BENCH").as_deref() == Ok("once") {
        once();
        return;
    }
    benches();
    Criterion::default().configure_from_args().final_summary();
}
