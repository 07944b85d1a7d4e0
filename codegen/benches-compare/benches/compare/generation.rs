//! Generation: ours against progenitor on the same document, and ours on
//! synthetic documents of growing size.
//!
//! Both sides start from the document's text in memory and end with the
//! formatted Rust source in memory; nothing is written to disk. Ours is
//! `codegen::load::load_str` then `codegen::generate` with the options of
//! `cargo xtask codegen --spec` (a standalone crate: `Cargo.toml`, the API
//! modules and the embedded runtime, formatted with prettyplease).
//! Progenitor is `serde_json` (or `serde_yaml`) into `openapiv3::OpenAPI`,
//! `Generator::new(&GenerationSettings::default()).generate_tokens(..)`,
//! then either prettyplease (`syn::parse2` + `prettyplease::unparse`, as
//! its README's `build.rs` does) or what `cargo progenitor` 0.15.1 does:
//! `rustfmt` through `rustfmt-wrapper` and `space_out_items`.

use std::path::{Path, PathBuf};
use std::time::Instant;

use codegen::{CrateOptions, Input};
use progenitor_impl::{GenerationSettings, Generator};

use crate::stats::{median, secs, Paired};
use crate::synthetic;

/// A document to generate from.
pub struct Doc {
    /// As printed and as named in diagnostics.
    pub name: String,
    pub text: String,
    /// The generated module's name (from the file stem, as `cargo xtask codegen --spec`).
    pub module: String,
    yaml: bool,
}

impl Doc {
    pub fn read(path: &Path, name: String) -> Result<Doc, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        let yaml = matches!(
            path.extension().and_then(|e| e.to_str()),
            Some("yaml" | "yml")
        );
        Ok(Doc {
            name,
            text,
            module: codegen::module_name(path),
            yaml,
        })
    }

    fn synthetic(ops: usize) -> Doc {
        Doc {
            name: format!("synthetic-{ops}.json"),
            text: synthetic::document(ops),
            module: "synthetic".to_owned(),
            yaml: false,
        }
    }
}

/// Ours: load, then generate a standalone crate. Returns the bytes of source.
pub fn ours(doc: &Doc) -> Result<usize, String> {
    let loaded = codegen::load::load_str(&doc.name, &doc.text);
    if !loaded.problems.is_empty() {
        let problems: Vec<String> = loaded.problems.iter().map(ToString::to_string).collect();
        return Err(problems.join("\n"));
    }
    let document = loaded.document.ok_or("the document did not load")?;
    let name = doc.module.replace('_', "-");
    let opts = CrateOptions::standalone(name, format!("A client generated from {}.", doc.name));
    let input = Input {
        module: doc.module.clone(),
        source: doc.name.clone(),
        document,
    };
    let generated = codegen::generate(&[input], &opts, "benchmark").map_err(|e| e.to_string())?;
    Ok(generated.files.values().map(String::len).sum())
}

/// How progenitor's output is formatted.
#[derive(Clone, Copy)]
pub enum Format {
    /// `prettyplease::unparse`, in process (as ours).
    Prettyplease,
    /// `rustfmt` in a child process with `cargo progenitor`'s settings, then
    /// `space_out_items`, as `cargo progenitor` 0.15.1 does.
    Rustfmt,
}

/// Progenitor: parse, generate tokens, format. Returns the bytes of source.
pub fn progenitor(doc: &Doc, format: Format) -> Result<usize, String> {
    let spec: openapiv3::OpenAPI = if doc.yaml {
        serde_yaml::from_str(&doc.text).map_err(|e| format!("not an OpenAPI 3.0 document: {e}"))?
    } else {
        serde_json::from_str(&doc.text).map_err(|e| format!("not an OpenAPI 3.0 document: {e}"))?
    };
    let mut generator = Generator::new(&GenerationSettings::default());
    let tokens = generator
        .generate_tokens(&spec)
        .map_err(|e| format!("progenitor refuses it: {e}"))?;
    let source = match format {
        Format::Prettyplease => {
            let file: syn::File = syn::parse2(tokens)
                .map_err(|e| format!("progenitor's output does not parse: {e}"))?;
            prettyplease::unparse(&file)
        }
        Format::Rustfmt => {
            let config = rustfmt_wrapper::config::Config {
                normalize_doc_attributes: Some(true),
                wrap_comments: Some(true),
                ..Default::default()
            };
            let formatted = rustfmt_wrapper::rustfmt_config(config, tokens.to_string())
                .map_err(|e| format!("rustfmt failed: {e:?}"))?;
            progenitor_impl::space_out_items(formatted)
                .map_err(|e| format!("space_out_items failed: {e}"))?
        }
    };
    Ok(source.len())
}

fn timed(f: impl FnOnce() -> Result<usize, String>) -> Result<(f64, usize), String> {
    let start = Instant::now();
    let bytes = f()?;
    Ok((secs(start.elapsed()), bytes))
}

/// Ours against progenitor on `doc`, `runs` pairs for each formatter.
pub fn compare(label: &str, doc: &Doc, runs: usize) {
    let ops = count_operations(doc);
    println!(
        "\n## {label}: {} ({} bytes, {ops} operations)",
        doc.name,
        doc.text.len()
    );
    // One untimed run of each side: errors are reported, caches are warm.
    let ours_bytes = match timed(|| ours(doc)) {
        Ok((_, bytes)) => bytes,
        Err(e) => {
            println!("{label}: ours fails on {}:\n{e}", doc.name);
            return;
        }
    };
    for (format, how) in [
        (Format::Prettyplease, "progenitor (prettyplease)"),
        (Format::Rustfmt, "progenitor (rustfmt, as cargo progenitor)"),
    ] {
        let theirs_bytes = match timed(|| progenitor(doc, format)) {
            Ok((_, bytes)) => bytes,
            Err(e) => {
                println!("{label}: {how} fails on {}: {e}", doc.name);
                continue;
            }
        };
        let paired = Paired::run(
            runs,
            || timed(|| ours(doc)).map_or(f64::NAN, |(t, _)| t),
            || timed(|| progenitor(doc, format)).map_or(f64::NAN, |(t, _)| t),
        );
        let (lo, hi) = paired.pair_range();
        println!(
            "{label}: ours {:.3} s, {how} {:.3} s, ratio {:.2}x (time, lower is better; median of {runs} paired runs; pairs {lo:.2}x..{hi:.2}x; output {ours_bytes} vs {theirs_bytes} bytes)",
            median(&paired.ours),
            median(&paired.baseline),
            paired.ratio(),
        );
    }
}

/// Ours on synthetic documents of `sizes` operations: time per operation,
/// and the per-operation time of each size over that of the first.
pub fn scaling(sizes: &[usize], runs: usize) {
    println!("\n## generation scaling (ours, synthetic documents)");
    let mut first: Option<(usize, f64)> = None;
    for &ops in sizes {
        let doc = Doc::synthetic(ops);
        // Fewer runs for the largest, each is long.
        let n = if ops >= 10_000 { runs.min(3) } else { runs };
        let mut times = Vec::with_capacity(n);
        let mut bytes = 0;
        for _ in 0..n {
            match timed(|| ours(&doc)) {
                Ok((t, b)) => {
                    times.push(t);
                    bytes = b;
                }
                Err(e) => {
                    println!("scaling: ours fails on {ops} operations:\n{e}");
                    return;
                }
            }
        }
        let total = median(&times);
        let per_op = total / ops as f64;
        let (base_ops, base) = *first.get_or_insert((ops, per_op));
        println!(
            "scaling {ops:>6} ops: {total:.3} s, {:.1} µs/op, per-op ratio to {base_ops} ops {:.2}x (linearity: 1.00x is linear; median of {n} runs; {bytes} bytes)",
            per_op * 1e6,
            per_op / base,
        );
    }
}

fn count_operations(doc: &Doc) -> usize {
    let value: Option<serde_json::Value> = if doc.yaml {
        serde_yaml::from_str(&doc.text).ok()
    } else {
        serde_json::from_str(&doc.text).ok()
    };
    const METHODS: [&str; 8] = [
        "get", "put", "post", "delete", "options", "head", "patch", "trace",
    ];
    value
        .as_ref()
        .and_then(|v| v.get("paths"))
        .and_then(|p| p.as_object())
        .map_or(0, |paths| {
            paths
                .values()
                .filter_map(|item| item.as_object())
                .map(|item| {
                    item.keys()
                        .filter(|k| METHODS.contains(&k.as_str()))
                        .count()
                })
                .sum()
        })
}

/// The largest OpenAPI document among the repository's fixtures and specs
/// (by size), relative to the repository root.
pub fn largest_fixture(root: &Path) -> Option<PathBuf> {
    let mut best: Option<(u64, PathBuf)> = None;
    let mut stack = vec![root.join("codegen/tests/fixtures"), root.join("specs")];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            let ext = path.extension().and_then(|e| e.to_str());
            if !matches!(ext, Some("json" | "yaml" | "yml")) {
                continue;
            }
            let Ok(text) = std::fs::read_to_string(&path) else {
                continue;
            };
            // Only OpenAPI documents (not data files).
            if !text.contains("openapi") || !text.contains("paths") {
                continue;
            }
            let size = text.len() as u64;
            if best
                .as_ref()
                .is_none_or(|(s, p)| size > *s || (size == *s && path < *p))
            {
                best = Some((size, path));
            }
        }
    }
    best.map(|(_, path)| path)
}
