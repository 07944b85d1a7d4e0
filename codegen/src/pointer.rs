//! JSON pointers (RFC 6901): how every stage names a place in a document.

/// Escapes one JSON pointer reference token (RFC 6901).
pub fn escape_token(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

/// Unescapes one JSON pointer reference token (RFC 6901).
pub fn unescape_token(token: &str) -> String {
    token.replace("~1", "/").replace("~0", "~")
}

/// A JSON pointer one token below `base`.
/// Whether the node at `pointer` is the node at `ancestor` or lies below it.
pub fn is_within(pointer: &str, ancestor: &str) -> bool {
    pointer
        .strip_prefix(ancestor)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
}

pub fn join(base: &str, token: &str) -> String {
    format!("{base}/{}", escape_token(token))
}

/// The unescaped tokens of a pointer (`/a/b~1c` → `a`, `b/c`).
pub fn pointer_tokens(pointer: &str) -> Vec<String> {
    pointer.split('/').skip(1).map(unescape_token).collect()
}

/// The JSON pointer of the place a `serde_path_to_error` error names.
pub fn serde_path_pointer(path: &serde_path_to_error::Path) -> String {
    use serde_path_to_error::Segment;
    let mut pointer = String::new();
    for segment in path {
        match segment {
            Segment::Seq { index } => pointer.push_str(&format!("/{index}")),
            Segment::Map { key } => pointer = join(&pointer, key),
            Segment::Enum { .. } | Segment::Unknown => {}
        }
    }
    pointer
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pointers_round_trip() {
        assert_eq!(join("/paths", "/a/{b}"), "/paths/~1a~1{b}");
        assert_eq!(
            pointer_tokens("/paths/~1a~1{b}/x~0y"),
            ["paths", "/a/{b}", "x~y"]
        );
    }
}
