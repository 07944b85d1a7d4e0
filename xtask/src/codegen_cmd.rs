//! `cargo xtask codegen [--check] [--spec FILE --out DIR]`

use std::path::PathBuf;
use std::process::ExitCode;

pub fn run(_check: bool, _spec: Option<PathBuf>, _out: Option<PathBuf>) -> ExitCode {
    eprintln!("error: code generation is not implemented yet");
    ExitCode::from(2)
}
