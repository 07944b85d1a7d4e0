//! Stage 5: format. Tokens are parsed back with `syn` (proving they are valid
//! Rust) and printed with `prettyplease`, in process: the layout depends on
//! nothing but the tokens (no rustfmt, whose version differs from machine to
//! machine, and no subprocess per file). The module files that hold the
//! generated code are declared `#[rustfmt::skip]` (see `emit::krate`), so
//! `cargo fmt --check` accepts the crate as it is generated.

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
    Ok(format!("{header}\n{pretty}"))
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
