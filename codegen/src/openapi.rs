//! What every stage knows about OpenAPI 3.0 documents as JSON trees: HTTP
//! methods, path templates, media types, status keys, and the
//! one walk over `paths` that finds the operations (with their effective
//! parameters) — done once per document and shared by the validator and the
//! model builder.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::load::Document;
pub use crate::pointer::{escape_token, join, pointer_tokens, serde_path_pointer, unescape_token};

/// The HTTP methods a path item may hold, in the order the document model uses.
pub const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// The path item fields holding an operation: OpenAPI 3.0's [`METHODS`],
/// then 3.2's `query`. Other methods are keys of `additionalOperations`.
pub const ITEM_METHODS: [&str; 9] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace", "query",
];

/// Why `method` (as sent) cannot be an operation's method: it is not an
/// HTTP token (RFC 9110: letters, digits and ``!#$%&'*+-.^_`|~``), or it is
/// the method of a path item field (`GET`, `QUERY`, …), which
/// `additionalOperations` must not repeat.
pub fn additional_method_problem(method: &str) -> Option<String> {
    let token = !method.is_empty()
        && method
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b));
    if !token {
        return Some(format!(
            "`{}` is not an HTTP method name (a token of letters, digits and ``!#$%&'*+-.^_`|~``)",
            crate::diagnostic::cut(method)
        ));
    }
    let field = method.to_ascii_lowercase();
    (ITEM_METHODS.contains(&field.as_str()) && method == method.to_ascii_uppercase()).then(|| {
        format!("`{method}` has a path item field of its own (`{field}`), which `additionalOperations` must not repeat")
    })
}

/// The `{name}` parameters of a path template, in order.
pub fn template_names(template: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut rest = template;
    while let Some(start) = rest.find('{') {
        let Some(len) = rest[start..].find('}') else {
            break;
        };
        names.push(rest[start + 1..start + len].to_owned());
        rest = &rest[start + len + 1..];
    }
    names
}

/// The lower-case essence of a media type (`application/json; charset=utf-8`
/// → `application/json`).
pub fn media_essence(media: &str) -> String {
    media
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase()
}

/// True for media types whose bodies are JSON.
pub fn is_json(media: &str) -> bool {
    let essence = media_essence(media);
    essence == "application/json"
        || (essence.starts_with("application/") && essence.ends_with("+json"))
}

/// Whether a body of `media` with `schema` is binary, so that it streams
/// rather than being read whole: a `format: binary` string, or any media
/// type that is not JSON, text or another textual format
/// (`application/octet-stream`, `image/png`, `application/pdf`, `*/*`).
/// Textual ones (`text/*`, XML, YAML, forms, multipart, JSON Lines and the
/// other sequential types) are not.
pub fn is_binary(media: &str, schema: Option<&Value>) -> bool {
    let essence = media_essence(media);
    if is_json(&essence) || essence.starts_with("text/") || essence.starts_with("multipart/") {
        return false;
    }
    if schema
        .and_then(|s| s.get("format"))
        .and_then(Value::as_str)
        .is_some_and(|f| f == "binary")
    {
        return true;
    }
    let textual = essence.contains("json")
        || essence.contains("xml")
        || essence.contains("yaml")
        || essence.contains("javascript")
        || essence == "application/x-www-form-urlencoded"
        || essence == "application/graphql";
    !textual
}

/// Whether a schema accepts nothing: `false`, or `{not: {}}` (how the
/// loader writes `false` in the shape OpenAPI 3.0 can say).
pub fn is_false_schema(schema: &Value) -> bool {
    match schema {
        Value::Bool(b) => !b,
        Value::Object(map) => {
            map.len() == 1
                && map
                    .get("not")
                    .and_then(Value::as_object)
                    .is_some_and(serde_json::Map::is_empty)
        }
        _ => false,
    }
}

/// A non-blank string value.
pub fn text(v: Option<&Value>) -> Option<String> {
    v.and_then(Value::as_str)
        .map(str::to_owned)
        .filter(|s| !s.trim().is_empty())
}

/// The extension on a server variable naming the service whose region
/// overrides (environment variables, regions file) apply to it.
pub const REGION_OVERRIDE: &str = "x-region-override";

/// The `x-region-override` of a server variable: `None` without one, the
/// service name, or why the value is not one (a name of ASCII letters,
/// digits and `_` that starts with a letter: it becomes part of an
/// environment variable's name).
pub fn region_override(variable: &Value) -> Option<Result<String, String>> {
    let value = variable.get(REGION_OVERRIDE)?;
    let valid = value.as_str().filter(|name| {
        name.starts_with(|c: char| c.is_ascii_alphabetic())
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
    });
    Some(match valid {
        Some(name) => Ok(name.to_owned()),
        None => Err(format!(
            "`{REGION_OVERRIDE}` must be a service name of ASCII letters, digits and `_` starting with a letter (it becomes part of environment variable names), not {}",
            crate::diagnostic::cut(&value.to_string())
        )),
    })
}

/// A `security` list: alternatives, each a set of scheme names.
pub fn security_list(v: Option<&Value>) -> Option<Vec<Vec<String>>> {
    let list = v?.as_array()?;
    Some(
        list.iter()
            .map(|req| {
                req.as_object()
                    .into_iter()
                    .flatten()
                    .map(|(k, _)| k.clone())
                    .collect()
            })
            .collect(),
    )
}

/// One operation as it sits in the document.
#[derive(Clone, Debug)]
pub struct OperationSite<'a> {
    /// The path template (the key under `paths`); for a webhook, the path a
    /// receiver serves it at unless told otherwise ([`webhook_path`]).
    pub template: String,
    /// The webhook's name (its key under `webhooks`), for a webhook.
    pub webhook: Option<String>,
    /// The method as sent: the upper-case name of a path item field
    /// (`GET`, `QUERY`), or an `additionalOperations` key as written.
    pub method: String,
    /// Whether the method is a key of `additionalOperations` (checked by
    /// [`additional_method_problem`] before use).
    pub additional: bool,
    /// Where the operation object is (after following a path item `$ref`).
    pub pointer: String,
    pub op: &'a Value,
    /// The parameters in effect: the path item's, overridden by the
    /// operation's own (by name and location), in declaration order, each
    /// resolved through `$ref`s with the pointer where it is written.
    pub params: Vec<ParamSite<'a>>,
}

/// One parameter in effect for an operation.
#[derive(Clone, Debug)]
pub struct ParamSite<'a> {
    /// The parameter object (`$ref`s followed; the reference itself when it
    /// does not resolve).
    pub value: &'a Value,
    /// Where the parameter is written (the list entry).
    pub pointer: String,
    /// Where the parameter object is (the `$ref` target when there is one).
    pub target: String,
    /// False when a `$ref` on the way did not resolve or looped.
    pub resolved: bool,
}

impl ParamSite<'_> {
    pub fn name(&self) -> &str {
        self.value
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or_default()
    }

    pub fn location(&self) -> &str {
        self.value
            .get("in")
            .and_then(Value::as_str)
            .unwrap_or_default()
    }
}

/// Every operation of `doc`, in document order (paths; in each path item
/// the fields of [`ITEM_METHODS`], then `additionalOperations`). A path
/// item may be a `$ref` (to `#/components/pathItems/…`, say).
pub fn operations(doc: &Document) -> Vec<OperationSite<'_>> {
    let mut ops = Vec::new();
    let Some(paths) = doc.value.get("paths").and_then(Value::as_object) else {
        return ops;
    };
    for (template, item) in paths {
        if template.starts_with("x-") {
            continue;
        }
        let Some((item, item_pointer)) = doc.follow_refs(item, &join("/paths", template)) else {
            continue;
        };
        ops.extend(item_operations(doc, item, &item_pointer, template, None));
    }
    ops
}

/// Every webhook operation of `doc` (OpenAPI 3.1 `webhooks`: path items
/// keyed by a name, the API calling its user), in document order, as
/// [`operations`] lists those of `paths`.
pub fn webhooks(doc: &Document) -> Vec<OperationSite<'_>> {
    let mut ops = Vec::new();
    let Some(hooks) = doc.value.get("webhooks").and_then(Value::as_object) else {
        return ops;
    };
    for (name, item) in hooks {
        if name.starts_with("x-") {
            continue;
        }
        let Some((item, item_pointer)) = doc.follow_refs(item, &join("/webhooks", name)) else {
            continue;
        };
        let path = webhook_path(name);
        ops.extend(item_operations(doc, item, &item_pointer, &path, Some(name)));
    }
    ops
}

/// The path a receiver serves the webhook `name` at unless told otherwise:
/// `/` and the name, every character but letters, digits and `-._~`
/// percent-encoded (`order.created` → `/order.created`).
pub fn webhook_path(name: &str) -> String {
    let mut path = String::from("/");
    for b in name.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            path.push(char::from(b));
        } else {
            path.push_str(&format!("%{b:02X}"));
        }
    }
    path
}

/// The operations of one path item at `item_pointer`, for `template` (and
/// the webhook `webhook`).
fn item_operations<'a>(
    doc: &'a Document,
    item: &'a Value,
    item_pointer: &str,
    template: &str,
    webhook: Option<&str>,
) -> Vec<OperationSite<'a>> {
    let fields = ITEM_METHODS.iter().map(|m| {
        (
            m.to_ascii_uppercase(),
            item.get(*m),
            join(item_pointer, m),
            false,
        )
    });
    let additional_ptr = join(item_pointer, "additionalOperations");
    let additional = item
        .get("additionalOperations")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .map(|(m, op)| (m.clone(), Some(op), join(&additional_ptr, m), true));
    let mut ops = Vec::new();
    for (method, op, pointer, additional) in fields.chain(additional) {
        let Some(op) = op.filter(|o| o.is_object()) else {
            continue;
        };
        let params = effective_params(doc, item, item_pointer, op, &pointer);
        ops.push(OperationSite {
            template: template.to_owned(),
            webhook: webhook.map(str::to_owned),
            method,
            additional,
            pointer,
            op,
            params,
        });
    }
    ops
}

fn effective_params<'a>(
    doc: &'a Document,
    item: &'a Value,
    item_pointer: &str,
    op: &'a Value,
    op_pointer: &str,
) -> Vec<ParamSite<'a>> {
    let mut by_key: BTreeMap<(String, String), usize> = BTreeMap::new();
    let mut out: Vec<ParamSite<'a>> = Vec::new();
    for (holder, holder_ptr) in [(item, item_pointer), (op, op_pointer)] {
        for (i, p) in holder
            .get("parameters")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .enumerate()
        {
            let pointer = format!("{holder_ptr}/parameters/{i}");
            let site = match doc.follow_refs(p, &pointer) {
                Some((value, target)) => ParamSite {
                    value,
                    pointer,
                    target,
                    resolved: true,
                },
                None => ParamSite {
                    value: p,
                    target: pointer.clone(),
                    pointer,
                    resolved: false,
                },
            };
            let key = (site.name().to_owned(), site.location().to_owned());
            if let Some(&at) = by_key.get(&key) {
                out[at] = site
            } else {
                by_key.insert(key, out.len());
                out.push(site);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_and_media_types() {
        assert_eq!(template_names("/v1/{a}/x/{b}"), ["a", "b"]);
        assert_eq!(template_names("/v1/{a"), Vec::<String>::new());
        assert!(is_json("application/json; charset=utf-8"));
        assert!(is_json("application/problem+json"));
        assert!(!is_json("text/plain"));
        assert_eq!(media_essence(" Text/Plain ; q=1"), "text/plain");
    }

    #[test]
    fn webhooks_are_served_at_their_name() {
        assert_eq!(webhook_path("newPet"), "/newPet");
        assert_eq!(webhook_path("order.created"), "/order.created");
        assert_eq!(webhook_path("a b/{c}"), "/a%20b%2F%7Bc%7D");
        assert_eq!(webhook_path("ä"), "/%C3%A4");
        assert!(template_names(&webhook_path("{x}")).is_empty());
    }

    #[test]
    fn additional_methods_are_tokens_without_a_field_of_their_own() {
        for ok in ["COPY", "PURGE", "M-SEARCH", "get", "Query"] {
            assert_eq!(additional_method_problem(ok), None, "{ok}");
        }
        for bad in ["", "CO PY", "LIST()", "Ä", "a/b"] {
            let why = additional_method_problem(bad).unwrap();
            assert!(why.contains("not an HTTP method name"), "{bad}: {why}");
        }
        for taken in ["GET", "QUERY", "TRACE"] {
            let why = additional_method_problem(taken).unwrap();
            assert!(why.contains("field of its own"), "{taken}: {why}");
        }
    }
}
