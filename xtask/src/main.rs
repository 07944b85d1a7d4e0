//! Workspace automation: `cargo xtask validate` lints the specs,
//! `cargo xtask codegen` regenerates `generated/` (or checks it is fresh),
//! `cargo xtask diff` lists what changed between two versions of a spec.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

mod codegen_cmd;
mod diff_cmd;
mod validate_cmd;

// Generation allocates millions of small token and syntax-tree nodes; the
// system allocator spent about a third of the time in `malloc` and `free`.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(
    name = "xtask",
    about = "Workspace tasks for the OpenAPI code generator"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Lint OpenAPI documents (default: every document in specs/).
    Validate {
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
        /// Files to check; all of specs/ when none are given.
        files: Vec<PathBuf>,
    },
    /// Regenerate generated/ from specs/, or write a standalone crate for one spec.
    Codegen {
        /// Do not write: fail with a diff when the output on disk is stale.
        #[arg(long)]
        check: bool,
        /// Write even though files codegen did not write are in its
        /// `Cargo.toml` and `src/`: they are kept and reported. Files it wrote
        /// before are replaced; a file it did not write where a generated
        /// file goes still refuses the write.
        #[arg(long, conflicts_with = "check")]
        force: bool,
        /// Generate a standalone crate for this document instead of generated/.
        #[arg(long, requires = "out", conflicts_with = "specs")]
        spec: Option<PathBuf>,
        /// Generate the crate specs/ gives (same name, version, options) from
        /// the documents in this folder instead, into --out: for comparing the
        /// crate a past revision of specs/ gives with this generator.
        #[arg(long, value_name = "DIR", requires = "out")]
        specs: Option<PathBuf>,
        /// Where the crate goes (with --spec or --specs).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Refuse instead of working around (with --spec; specs/ always is):
        /// every validation rule applies, and any degradation or left-out
        /// operation is an error.
        #[arg(long)]
        strict: bool,
    },
    /// List every change between two versions of a document, each named,
    /// classified breaking or not (and for whom), and located in both.
    Diff {
        /// The old document: a file, or `git:REV:path` (the file at a git
        /// revision, path from the repository root).
        #[arg(required_unless_present_any = ["base", "list_rules"], conflicts_with = "base")]
        old: Option<String>,
        /// The new document: a file, or `git:REV:path`.
        #[arg(required_unless_present_any = ["base", "list_rules"], conflicts_with = "base")]
        new: Option<String>,
        /// Compare every document in specs/ at this git revision with the
        /// working tree (documents added or removed are reported as such).
        #[arg(long, value_name = "REV")]
        base: Option<String>,
        /// The folder of documents `--base` compares (default: specs/); the
        /// crate they give is `generated/` beside it.
        #[arg(long, value_name = "DIR", requires = "base")]
        specs: Option<PathBuf>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
        /// Exit 1 when a change of this level is found (`breaking`), or when
        /// the generated crate needs a major release (`major`).
        #[arg(long, value_enum, value_name = "LEVEL")]
        fail_on: Option<diff_cmd::FailOn>,
        /// Print the rules (id, level, whom they break, what they mean) and exit.
        #[arg(long)]
        list_rules: bool,
    },
}

#[derive(Clone, Copy, ValueEnum)]
pub enum Format {
    Text,
    Json,
}

/// The workspace root (the parent of this crate's directory).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives in the workspace")
        .to_path_buf()
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Validate { format, files } => validate_cmd::run(format, files),
        Command::Codegen {
            check,
            force,
            spec,
            specs,
            out,
            strict,
        } => codegen_cmd::run(codegen_cmd::Args {
            check,
            force,
            strict,
            spec,
            specs,
            out,
        }),
        Command::Diff {
            old,
            new,
            base,
            specs,
            format,
            fail_on,
            list_rules,
        } => diff_cmd::run(diff_cmd::Args {
            old,
            new,
            base,
            specs,
            format,
            fail_on,
            list_rules,
        }),
    }
}
