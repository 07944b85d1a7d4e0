//! Stage 5: format. Tokens are parsed back with `syn` (proving they are valid
//! Rust), printed with `prettyplease`, then given rustfmt's exact layout so
//! the checked-in output passes `cargo fmt --check`. rustfmt is required:
//! without it the layout would differ from machine to machine, so a missing
//! or failing rustfmt is an error, never a silent fallback.

use std::io::Write;
use std::process::{Command, Stdio};

use proc_macro2::TokenStream;

/// A formatting failure: the generator produced something that is not Rust.
#[derive(Debug, thiserror::Error)]
#[error("{file}: {message}")]
pub struct FormatError {
    pub file: String,
    pub message: String,
}

/// Formats one generated file and prefixes `header` (comment lines).
pub fn format_file(file: &str, tokens: TokenStream, header: &str) -> Result<String, FormatError> {
    let parsed: syn::File = syn::parse2(tokens).map_err(|e| FormatError {
        file: file.to_owned(),
        message: format!("generated tokens are not valid Rust: {e}"),
    })?;
    let pretty = space_items(&prettyplease::unparse(&parsed));
    let text = format!("{header}\n{pretty}");
    rustfmt(&text).map_err(|message| FormatError {
        file: file.to_owned(),
        message,
    })
}

/// Puts a blank line between consecutive items, as people write them
/// (prettyplease packs them together).
fn space_items(text: &str) -> String {
    const STARTS: [&str; 14] = [
        "///", "#[", "#!", "pub ", "pub(", "fn ", "impl", "const ", "struct ", "enum ", "use ",
        "mod ", "async ", "type ",
    ];
    let lines: Vec<&str> = text.lines().collect();
    let mut out = String::with_capacity(text.len() + text.len() / 8);
    for (i, line) in lines.iter().enumerate() {
        out.push_str(line);
        out.push('\n');
        let Some(next) = lines.get(i + 1) else {
            continue;
        };
        let indent = |l: &str| l.len() - l.trim_start().len();
        let (cur, nxt) = (line.trim_start(), next.trim_start());
        let ends_item = !cur.starts_with("//")
            && (cur == "}"
                || cur.ends_with(" {}")
                || (cur.ends_with(';') && !cur.starts_with("use "))
                || (cur.starts_with("use ") && !nxt.starts_with("use ")));
        if ends_item && indent(line) == indent(next) && STARTS.iter().any(|s| nxt.starts_with(s)) {
            out.push('\n');
        }
    }
    out
}

/// Runs `rustfmt` (from the active toolchain, or `$RUSTFMT`) over `source`.
fn rustfmt(source: &str) -> Result<String, String> {
    let program = std::env::var_os("RUSTFMT").unwrap_or_else(|| "rustfmt".into());
    let mut child = Command::new(&program)
        .args(["--edition", "2021", "--emit", "stdout", "--quiet"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| {
            format!(
                "cannot run `{}` to format generated code ({e}); install it with `rustup component add rustfmt` or point RUSTFMT at it",
                program.to_string_lossy()
            )
        })?;
    let mut stdin = child.stdin.take().ok_or("rustfmt has no stdin")?;
    let input = source.to_owned();
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
    let output = child
        .wait_with_output()
        .map_err(|e| format!("rustfmt failed: {e}"))?;
    let written = writer.join().map_err(|_| "rustfmt input thread panicked")?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        return Err(format!(
            "rustfmt rejected the generated code: {}",
            stderr.trim()
        ));
    }
    written.map_err(|e| format!("cannot write to rustfmt: {e}"))?;
    String::from_utf8(output.stdout).map_err(|e| format!("rustfmt wrote invalid UTF-8: {e}"))
}
