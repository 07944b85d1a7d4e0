//! Rust identifiers from the names a document uses: shared by the model
//! builder (`ir`), which names everything it generates, and the validator,
//! which warns about names that would collide.

use std::collections::BTreeSet;

const KEYWORDS: &[&str] = &[
    "as", "break", "const", "continue", "crate", "else", "enum", "extern", "false", "fn", "for",
    "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut", "pub", "ref", "return",
    "self", "Self", "static", "struct", "super", "trait", "true", "type", "unsafe", "use", "where",
    "while", "async", "await", "dyn", "abstract", "become", "box", "do", "final", "macro",
    "override", "priv", "typeof", "unsized", "virtual", "yield", "try", "gen",
];

/// The words of a name, lower-cased, acronym-aware: `ListDDoSConnection`
/// → `list ddos connection`, `ListVPCs` → `list vpcs`, `IoTDevice` →
/// `iot device`, `HTTPServer` → `http server`, `getById` → `get by id`.
/// Anything but ASCII letters and digits separates words (identifiers stay
/// ASCII; the wire name is kept by serde).
pub fn words(name: &str) -> Vec<String> {
    let mut out = Vec::new();
    for part in name.split(|c: char| !c.is_ascii_alphanumeric()) {
        let c: Vec<char> = part.chars().collect();
        let upper = |i: usize| c.get(i).is_some_and(char::is_ascii_uppercase);
        let lower = |i: usize| c.get(i).is_some_and(char::is_ascii_lowercase);
        // An upper-case letter that starts a capitalised word (`Device`).
        let starts_word = |i: usize| upper(i) && lower(i + 1);
        // The one lower-case letter inside an acronym: after two capitals
        // (`DDoS`), or between single capitals before a new word or the end
        // (`IoTDevice`, but not `ById` or `IsOK`).
        let acronym_lower = |j: usize| {
            lower(j)
                && j > 0
                && upper(j - 1)
                && !lower(j + 1)
                && !starts_word(j + 1)
                && ((j > 1 && upper(j - 2))
                    || (upper(j + 1) && (!upper(j + 2) || starts_word(j + 2))))
        };
        let mut word = String::new();
        for i in 0..c.len() {
            let boundary = i > 0
                && upper(i)
                && if upper(i - 1) {
                    // Inside an upper-case run: `HTTPServer` splits before
                    // `Server`; `VPCs` (plural) and `DDoS` stay whole.
                    let plural = c.get(i + 1) == Some(&'s') && !lower(i + 2);
                    lower(i + 1) && !plural && !acronym_lower(i + 1)
                } else {
                    // After a lower-case letter or a digit.
                    !acronym_lower(i - 1)
                };
            if boundary && !word.is_empty() {
                out.push(std::mem::take(&mut word));
            }
            word.push(c[i].to_ascii_lowercase());
        }
        if !word.is_empty() {
            out.push(word);
        }
    }
    out
}

/// A snake_case identifier for `name`, never a keyword, never starting with a digit.
pub fn snake_ident(name: &str) -> String {
    let mut s = words(name).join("_");
    if s.is_empty() {
        s = "value".into();
    }
    if s.starts_with(|c: char| c.is_ascii_digit()) {
        s = format!("n{s}");
    }
    if KEYWORDS.contains(&s.as_str()) {
        s.push('_');
    }
    s
}

/// An UpperCamelCase identifier for `name`.
pub fn camel_ident(name: &str) -> String {
    let mut s: String = words(name)
        .iter()
        .map(|w| {
            let mut chars = w.chars();
            chars
                .next()
                .map(|f| f.to_ascii_uppercase().to_string() + chars.as_str())
                .unwrap_or_default()
        })
        .collect();
    if s.is_empty() {
        s = "Value".into();
    }
    if s.starts_with(|c: char| c.is_ascii_digit()) {
        s = format!("V{s}");
    }
    if s == "Self" {
        s = "SelfValue".into();
    }
    s
}

/// Methods every value may have through the traits it implements or that
/// are in scope everywhere (`Clone`, `Default`, `Into`, `Validate`, …), and
/// the methods of the standard traits clippy expects to be implemented rather
/// than imitated (`should_implement_trait`: `add`, `sub`, `next`, `hash`,
/// `from_str`, …). A generated inherent method of one of these names would
/// shadow the trait's at every call site, or fail `clippy -D warnings`.
pub(crate) const TAKEN_METHODS: &[&str] = &[
    "new",
    "default",
    "clone",
    "clone_from",
    "clone_into",
    "eq",
    "ne",
    "cmp",
    "partial_cmp",
    "hash",
    "fmt",
    "to_string",
    "to_owned",
    "serialize",
    "deserialize",
    "check",
    "validate_as",
    "into",
    "try_into",
    "from",
    "try_from",
    "from_str",
    "from_iter",
    "into_iter",
    "next",
    "as_ref",
    "as_mut",
    "borrow",
    "borrow_mut",
    "deref",
    "deref_mut",
    "index",
    "index_mut",
    "drop",
    "type_id",
    "add",
    "sub",
    "mul",
    "div",
    "rem",
    "neg",
    "not",
    "bitand",
    "bitor",
    "bitxor",
    "shl",
    "shr",
];

/// The builder-style setters for `fields` (Rust names, in order), on a type
/// whose own methods are `own`: a field's own name, or `with_…` where that
/// is one of [`TAKEN_METHODS`]; numbered if still taken (the type's own
/// methods first, then the fields keeping their names, then the renamed).
pub(crate) fn setter_names(own: &[&str], fields: &[&str]) -> Vec<String> {
    let renamed = |f: &str| TAKEN_METHODS.contains(&f);
    // The fields keeping their names go first, so that they win.
    let mut order: Vec<usize> = (0..fields.len()).collect();
    order.sort_by_key(|&i| renamed(fields[i]));
    let mut names: Vec<String> = own.iter().map(|n| (*n).to_owned()).collect();
    names.extend(order.iter().map(|&i| {
        let f = fields[i];
        if renamed(f) {
            format!("with_{}", f.trim_end_matches('_'))
        } else {
            f.to_owned()
        }
    }));
    dedupe(&mut names);
    let mut out = vec![String::new(); fields.len()];
    for (i, name) in order.into_iter().zip(names.into_iter().skip(own.len())) {
        out[i] = name;
    }
    out
}

/// Makes each name in a list unique by numbering repeats.
pub(crate) fn dedupe(names: &mut [String]) {
    let mut seen = BTreeSet::new();
    for name in names.iter_mut() {
        if !seen.insert(name.clone()) {
            let mut i = 2;
            while seen.contains(&format!("{name}{i}")) {
                i += 1;
            }
            *name = format!("{name}{i}");
            seen.insert(name.clone());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn setters_give_way_to_taken_methods_and_own_names_win() {
        let names = setter_names(
            &["new", "send"],
            &["sub", "total", "with_sub", "send2", "new"],
        );
        assert_eq!(
            names,
            ["with_sub2", "total", "with_sub", "send2", "with_new"]
        );
    }

    #[test]
    fn identifiers_are_idiomatic_and_safe() {
        assert_eq!(snake_ident("DeleteAsset"), "delete_asset");
        assert_eq!(snake_ident("type"), "type_");
        assert_eq!(snake_ident("2fa"), "n2fa");
        assert_eq!(camel_ident("error_code"), "ErrorCode");
        assert_eq!(camel_ident("4xx"), "V4xx");
        assert_eq!(camel_ident("Self"), "SelfValue");
        assert_eq!(
            snake_ident("ListDDoSConnectionNumber"),
            "list_ddos_connection_number"
        );
        assert_eq!(snake_ident("ListVPCsByTag"), "list_vpcs_by_tag");
        assert_eq!(snake_ident("ListIoTDevices"), "list_iot_devices");
        assert_eq!(snake_ident("getHTTPServer"), "get_http_server");
        assert_eq!(snake_ident("ShowByIdAndName"), "show_by_id_and_name");
        assert_eq!(snake_ident("IPv4Address"), "ipv4_address");
        assert_eq!(snake_ident("X-Request-Id"), "x_request_id");
        assert_eq!(snake_ident("v2Beta"), "v2_beta");
        assert_eq!(snake_ident("self"), "self_");
        assert_eq!(snake_ident("名称"), "value");
        assert_eq!(snake_ident("already_snake_case"), "already_snake_case");
        assert_eq!(
            camel_ident("ListDDoSConnectionNumber"),
            "ListDdosConnectionNumber"
        );
        assert_eq!(camel_ident("TaurusDB"), "TaurusDb");
        assert_eq!(camel_ident("RDS"), "Rds");
        let mut names = vec!["a".to_owned(), "a".to_owned(), "a2".to_owned()];
        dedupe(&mut names);
        assert_eq!(names, ["a", "a2", "a22"]);
    }
}
