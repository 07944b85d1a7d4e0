//! OpenAPI document (Swagger 2.0, OpenAPI 3.0, 3.1 or 3.2) → validated model → Rust tokens → formatted source.
//!
//! The pipeline, one module per stage, run by [`generate`]:
//! [`load`] → [`validate`] → `ir` → `emit` → `format`, then [`write`] puts
//! the files on disk (or compares them with what is there). Shared
//! knowledge of OpenAPI documents lives in `openapi`. Beside the pipeline,
//! [`diff`] lists what changed between two loaded versions of a document,
//! and [`rust_api`] what that does to the generated crate's public Rust API. Nothing here knows any
//! particular API: it works from the document alone. See ARCHITECTURE.md.

pub mod diagnostic;
pub mod diff;
mod emit;
mod format;
mod ir;
pub mod load;
mod naming;
mod openapi;
mod pointer;
mod repair;
pub mod rust_api;
mod validate;
pub mod write;

/// The runtime (`codegen/runtime/`) as generated crates receive it: the
/// sources a standalone crate embeds, the dependencies it declares, and the
/// signing algorithms it implements.
pub mod runtime {
    pub use crate::emit::krate::{
        Signing, CLIENT_RUNTIME_DEPENDENCIES, DEPENDENCIES, RUNTIME_MODULES,
        SERVER_RUNTIME_DEPENDENCIES, SIGNINGS,
    };

    /// The runtime crate's `lib.rs`, embedded as `src/runtime/mod.rs`.
    pub const LIB: &str = crate::emit::krate::RUNTIME_LIB_SOURCE;
}

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use diagnostic::{Diagnostic, Position, Rule};
pub use emit::krate::CrateOptions;
pub use format::FormatError;
use load::Document;

/// One document to generate, and the module it becomes.
pub struct Input {
    /// The Rust module (and cargo feature) the API is generated into.
    pub module: String,
    /// How the source is named in headers (a path relative to the workspace).
    pub source: String,
    pub document: Document,
}

/// A generated crate: its files by relative path, and the problems found in
/// the documents that did not stop generation.
pub struct Generated {
    pub files: BTreeMap<PathBuf, String>,
    pub warnings: Vec<Diagnostic>,
    pub summary: Summary,
    /// Where the time went, stage by stage.
    pub timings: Timings,
}

/// Time spent in each stage of [`generate`] (loading happens before it).
#[derive(Clone, Copy, Debug, Default)]
pub struct Timings {
    pub validate: std::time::Duration,
    pub repair: std::time::Duration,
    pub ir: std::time::Duration,
    pub emit: std::time::Duration,
    pub format: std::time::Duration,
}

/// What became of the operations of the documents.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    /// Operations in the documents.
    pub operations: usize,
    /// Operations generated (some of them degraded).
    pub generated: usize,
    /// Generated operations with a warning inside them (a type read as
    /// another, an untyped body, a synthesized parameter, ...).
    pub degraded: usize,
    /// Operations left out, each with a located warning saying why.
    pub skipped: usize,
}

impl std::fmt::Display for Summary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} operation(s): {} generated ({} degraded), {} skipped",
            self.operations, self.generated, self.degraded, self.skipped
        )
    }
}

/// Everything that can stop generation.
#[derive(Debug, thiserror::Error)]
pub enum GenerateError {
    /// The documents have problems (validation or unsupported constructs).
    #[error("{}", display_all(.0))]
    Spec(Vec<Diagnostic>),
    /// The generator produced invalid Rust (a generator bug), or could not
    /// format it.
    #[error(transparent)]
    Format(#[from] FormatError),
}

fn display_all(diagnostics: &[Diagnostic]) -> String {
    diagnostics
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("\n")
}

/// The whole pipeline: validates and models every input, then emits and
/// formats one crate. `command` is the command that regenerates it, quoted
/// in every file header.
pub fn generate(
    inputs: &[Input],
    opts: &CrateOptions,
    command: &str,
) -> Result<Generated, GenerateError> {
    let mut apis = Vec::new();
    let mut problems = Vec::new();
    let mut warnings = Vec::new();
    let mut summary = Summary::default();
    let mut timings = Timings::default();
    let mut clock = std::time::Instant::now();
    let mut lap = |slot: &mut std::time::Duration| {
        let now = std::time::Instant::now();
        *slot += now - clock;
        clock = now;
    };
    for input in inputs {
        let doc = &input.document;
        let ops = openapi::operations(doc);
        // Strict: every lint applies. Lenient: only what makes the document
        // unreadable as OpenAPI 3.0; the rest is repaired with warnings.
        let lint = if opts.strict {
            validate::validate(doc, &ops)
        } else {
            validate::check_version(doc)
        };
        let (errors, rest): (Vec<Diagnostic>, Vec<Diagnostic>) = lint
            .into_iter()
            .partition(|d| d.is_error() && (!opts.strict || d.rule.blocks_generation()));
        warnings.extend(rest);
        lap(&mut timings.validate);
        if !errors.is_empty() {
            problems.extend(errors);
            continue;
        }
        // Webhooks are operations too (OpenAPI 3.1 `webhooks`).
        let mut sites = ops;
        sites.extend(openapi::webhooks(doc));
        let repaired = repair::repair(doc, &sites);
        let ops = openapi::operations(&repaired.document);
        let hooks = openapi::webhooks(&repaired.document);
        lap(&mut timings.repair);
        let built = match ir::build(&repaired.document, &ops, &hooks, &input.module) {
            Ok(built) => built,
            Err(diags) => {
                problems.extend(diags);
                continue;
            }
        };
        lap(&mut timings.ir);
        let unknown = unknown_signings(&built.api, doc);
        if !unknown.is_empty() {
            problems.extend(unknown);
            continue;
        }
        // What the upgrade from the document's own version could not carry
        // over exactly counts as worked around too.
        let mut worked_around = doc.notes().to_vec();
        worked_around.extend(repaired.warnings);
        worked_around.extend(built.warnings);
        summary.operations += ops.len() + hooks.len() + repaired.left_out;
        summary.skipped += built.skipped + repaired.left_out;
        summary.generated += built.api.operations.len() + built.api.webhooks.len();
        // An operation is degraded when a warning sits at or below it: the
        // warnings' pointers, sorted once, are looked up per operation.
        let at: std::collections::BTreeSet<&str> =
            worked_around.iter().map(|w| w.pointer.as_str()).collect();
        summary.degraded += built
            .api
            .all_operations()
            .filter(|op| {
                let op = op.pointer.as_str();
                at.range(op..)
                    .take_while(|p| p.starts_with(op))
                    .any(|p| pointer::is_within(p, op))
            })
            .count();
        if opts.strict {
            problems.extend(worked_around.into_iter().map(Diagnostic::into_error));
        } else {
            warnings.extend(worked_around);
        }
        apis.push((built.api, input.source.as_str()));
    }
    if !problems.is_empty() {
        diagnostic::sort(&mut problems);
        return Err(GenerateError::Spec(problems));
    }
    diagnostic::sort(&mut warnings);
    let emitted = emit::krate::files(&apis, opts, command);
    lap(&mut timings.emit);
    let (files, spent) = render(emitted)?;
    lap(&mut timings.format);
    // The API modules are emitted while formatting, on the same threads:
    // their emitting time moves from `format` to `emit`.
    timings.emit += spent.emit;
    timings.format = timings.format.saturating_sub(spent.emit);
    Ok(Generated {
        files,
        warnings,
        summary,
        timings,
    })
}

/// Time spent emitting and formatting, summed over the threads of [`render`].
#[derive(Default)]
struct Spent {
    emit: std::time::Duration,
}

/// Emits what is still to emit and formats every file, on as many threads
/// as the machine runs at once (at most one per file). Each thread takes the
/// next file not taken yet ([`emit::krate::files`] lists the largest first);
/// the text of a file depends on nothing but the file, so the output is the
/// same whatever thread formats what. A failure reports the first file (in
/// path order) that failed.
fn render(
    emitted: Vec<emit::krate::File<'_>>,
) -> Result<(BTreeMap<PathBuf, String>, Spent), FormatError> {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Mutex;

    let mut files = BTreeMap::new();
    let mut jobs = Vec::new();
    for file in emitted {
        match file.body {
            emit::krate::Body::Text(text) => {
                files.insert(file.path, format!("{}{text}", file.header));
            }
            // Tokens stay on this thread: format them here.
            emit::krate::Body::Rust(tokens) => {
                let text =
                    format::format_file(&file.path.display().to_string(), tokens, &file.header)?;
                files.insert(file.path, text);
            }
            emit::krate::Body::Emit(emit) => jobs.push((file.path, file.header, emit)),
        }
    }
    let next = AtomicUsize::new(0);
    let done = Mutex::new(Vec::with_capacity(jobs.len()));
    let work = || {
        let mut spent = std::time::Duration::ZERO;
        loop {
            let i = next.fetch_add(1, Ordering::Relaxed);
            let Some((path, header, emit)) = jobs.get(i) else {
                return spent;
            };
            let started = std::time::Instant::now();
            let tokens = emit();
            spent += started.elapsed();
            let text = format::format_file(&path.display().to_string(), tokens, header);
            done.lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .push((i, text));
        }
    };
    let threads = std::thread::available_parallelism()
        .map_or(1, std::num::NonZeroUsize::get)
        .min(jobs.len());
    let mut spent = Spent::default();
    if threads <= 1 {
        spent.emit += work();
    } else {
        std::thread::scope(|scope| {
            let helpers: Vec<_> = (1..threads).map(|_| scope.spawn(work)).collect();
            spent.emit += work();
            for helper in helpers {
                match helper.join() {
                    Ok(time) => spent.emit += time,
                    Err(panic) => std::panic::resume_unwind(panic),
                }
            }
        });
    }
    let mut done = done
        .into_inner()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    done.sort_by_key(|(i, _)| *i);
    let mut failed: Option<(PathBuf, FormatError)> = None;
    for ((_, text), (path, _, _)) in done.into_iter().zip(jobs) {
        match text {
            Ok(text) => {
                files.insert(path, text);
            }
            Err(e) => {
                if failed.as_ref().is_none_or(|(first, _)| path < *first) {
                    failed = Some((path, e));
                }
            }
        }
    }
    match failed {
        Some((_, e)) => Err(e),
        None => Ok((files, spent)),
    }
}

/// The `x-signing` algorithms of `api` the runtime does not implement.
fn unknown_signings(api: &ir::Api, document: &Document) -> Vec<Diagnostic> {
    let known: Vec<&str> = emit::krate::SIGNINGS.iter().map(|s| s.algorithm).collect();
    api.security_schemes
        .iter()
        .filter_map(|scheme| {
            let algorithm = scheme.signing.as_deref()?;
            if emit::krate::signing(algorithm).is_some() {
                return None;
            }
            let pointer = format!(
                "/components/securitySchemes/{}/x-signing",
                pointer::escape_token(&scheme.name)
            );
            Some(document.diagnostic(
                &pointer,
                Rule::Unsupported,
                format!(
                    "request signing `{algorithm}` is not supported (supported: {})",
                    known.join(", ")
                ),
            ))
        })
        .collect()
}

/// The OpenAPI documents (`*.yaml`, `*.yml`, `*.json`) directly in `dir`, sorted.
pub fn spec_files(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .unwrap_or_default();
        if path.is_file() && matches!(ext, "yaml" | "yml" | "json") {
            files.push(path);
        }
    }
    files.sort();
    Ok(files)
}

/// Loads and validates one document, naming it `name` in diagnostics, with
/// the files its `$ref`s point to ([`load::load_path`]).
/// `Err` means the file could not be read at all.
pub fn check_file(path: &Path, name: &str) -> Result<Vec<Diagnostic>, load::Unreadable> {
    Ok(check_loaded(load::load_path(path, name)?))
}

/// Loads and validates a document held in memory (references to other files
/// cannot be followed: there is no directory to resolve them against).
pub fn check_str(name: &str, text: &str) -> Vec<Diagnostic> {
    check_loaded(load::load_str(name, text))
}

fn check_loaded(loaded: load::Loaded) -> Vec<Diagnostic> {
    let mut problems = loaded.problems;
    if let Some(doc) = &loaded.document {
        problems.extend(doc.notes().iter().cloned());
        problems.extend(validate::validate(doc, &openapi::operations(doc)));
    }
    diagnostic::sort(&mut problems);
    problems
}

/// Loads a document for generation, with the files its `$ref`s point to;
/// `Err` holds the problems that stop it.
pub fn load_document(path: &Path, name: &str) -> Result<Document, Vec<Diagnostic>> {
    let loaded = load::load_path(path, name).map_err(|e| {
        vec![Diagnostic::new(
            name,
            Position { line: 1, column: 1 },
            "",
            Rule::Syntax,
            format!("cannot read: {}", e.source),
        )]
    })?;
    let errors: Vec<Diagnostic> = loaded
        .problems
        .into_iter()
        .filter(Diagnostic::is_error)
        .collect();
    match loaded.document {
        Some(doc) if errors.is_empty() => Ok(doc),
        _ => Err(errors),
    }
}

/// The module name for a spec file: its stem in snake_case.
pub fn module_name(path: &Path) -> String {
    ir::snake_ident(path.file_stem().and_then(|s| s.to_str()).unwrap_or("api"))
}
