//! Stage 2b: repair. Real documents carry defects that a strict reading
//! would refuse although their meaning is clear enough to generate from:
//! miscased or alias types (`Integer`, `long`, `Object`), enum values that
//! contradict their type, media types without a schema, status codes outside
//! the HTTP range, references to components that do not exist, `not`.
//! This stage rewrites a copy of the document into plain OpenAPI 3.0, and
//! reports every change as a located warning, so that nothing is degraded
//! silently. Pointers do not move: values are replaced in place, and keys
//! are renamed only in a response map.
//!
//! Everything here works from the JSON tree and the operations found by
//! [`crate::openapi::operations`].

use serde_json::{Map, Value};

use crate::diagnostic::{cut, ref_loop_text, Diagnostic, Rule, QUOTE_MAX};
use crate::load::{Document, RefFailure};
use crate::openapi::{is_false_schema, is_json, join, OperationSite, METHODS};

/// The repaired document and what was changed.
pub struct Repaired {
    pub document: Document,
    pub warnings: Vec<Diagnostic>,
    /// Operations left out (a reference that stands for the whole operation
    /// does not resolve), each with a warning.
    pub left_out: usize,
}

/// One change, applied after the walk (which reads the original).
enum Edit {
    Set(String, Value),
    /// Adds (or replaces) `key` in the object at the pointer.
    Insert(String, String, Value),
    Remove(String, String),
    Rename {
        map: String,
        from: String,
        to: String,
    },
}

struct Repairer<'a> {
    doc: &'a Document,
    edits: Vec<Edit>,
    warnings: Vec<Diagnostic>,
    left_out: usize,
}

/// Repairs `doc`; `ops` are its operations.
pub fn repair(doc: &Document, ops: &[OperationSite<'_>]) -> Repaired {
    let mut r = Repairer {
        doc,
        edits: Vec::new(),
        warnings: Vec::new(),
        left_out: 0,
    };
    r.walk(&doc.value, "", Ctx::Other);
    for op in ops {
        r.statuses(op);
    }
    let mut document = doc.clone();
    for edit in r.edits {
        apply(&mut document.value, edit);
    }
    Repaired {
        document,
        warnings: r.warnings,
        left_out: r.left_out,
    }
}

fn apply(root: &mut Value, edit: Edit) {
    match edit {
        Edit::Set(pointer, value) => {
            if let Some(slot) = root.pointer_mut(&pointer) {
                *slot = value;
            }
        }
        Edit::Insert(pointer, key, value) => {
            if let Some(Value::Object(map)) = root.pointer_mut(&pointer) {
                map.insert(key, value);
            }
        }
        Edit::Remove(pointer, key) => {
            if let Some(Value::Object(map)) = root.pointer_mut(&pointer) {
                map.shift_remove(&key);
            }
        }
        Edit::Rename { map, from, to } => {
            if let Some(Value::Object(m)) = root.pointer_mut(&map) {
                if let Some(v) = m.shift_remove(&from) {
                    m.insert(to, v);
                }
            }
        }
    }
}

/// What the value being walked is.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Ctx {
    Other,
    Schema,
    /// A map of name → schema (`properties`, `components/schemas`).
    Schemas,
    /// A map of media type → media type object.
    Content,
}

/// The types OpenAPI 3.0 knows.
const TYPES: [&str; 6] = ["string", "integer", "number", "boolean", "array", "object"];

/// The real type (and a format, when the alias implies one) for a type name
/// that documents use but OpenAPI does not define.
fn alias(name: &str) -> Option<(&'static str, Option<&'static str>)> {
    Some(match name.to_ascii_lowercase().as_str() {
        "string" | "str" | "text" | "char" | "uuid" | "password" | "byte" => ("string", None),
        "date" => ("string", Some("date")),
        "datetime" | "date-time" | "timestamp" => ("string", Some("date-time")),
        "file" | "binary" | "blob" => ("string", Some("binary")),
        "integer" | "int" | "int32" | "short" => ("integer", Some("int32")),
        "long" | "int64" | "bigint" | "biginteger" => ("integer", Some("int64")),
        "number" | "double" | "decimal" | "bigdecimal" | "numeric" => ("number", None),
        "float" => ("number", Some("float")),
        "boolean" | "bool" => ("boolean", None),
        "array" | "list" => ("array", None),
        "object" | "map" | "json" | "dict" => ("object", None),
        _ => return None,
    })
}

impl Repairer<'_> {
    fn warn(&mut self, pointer: &str, rule: Rule, message: impl Into<String>) {
        let d = self.doc.diagnostic(pointer, rule, message).into_warning();
        self.warnings.push(d);
    }

    fn walk(&mut self, value: &Value, pointer: &str, ctx: Ctx) {
        match ctx {
            Ctx::Schema => self.schema(value, pointer),
            Ctx::Schemas => {
                for (name, s) in value.as_object().into_iter().flatten() {
                    self.walk(s, &join(pointer, name), Ctx::Schema);
                }
            }
            Ctx::Content => {
                for (media, m) in value.as_object().into_iter().flatten() {
                    let m_ptr = join(pointer, media);
                    if !m.is_object() {
                        continue;
                    }
                    if m.get("schema").is_none() && is_json(media) {
                        self.warn(
                            &m_ptr,
                            Rule::BodyWithoutSchema,
                            format!(
                                "`{}` has no schema: the body is untyped (`serde_json::Value`)",
                                cut(media)
                            ),
                        );
                        if let Value::Object(map) = m {
                            let mut map = map.clone();
                            map.insert("schema".into(), Value::Object(Map::new()));
                            self.edits
                                .push(Edit::Set(m_ptr.clone(), Value::Object(map)));
                        }
                    }
                    self.walk(m, &m_ptr, Ctx::Other);
                }
            }
            Ctx::Other => match value {
                Value::Object(map) => {
                    if let Some(r) = map.get("$ref") {
                        self.reference(r, pointer, false);
                        return;
                    }
                    for (k, v) in map {
                        let child = join(pointer, k);
                        match k.as_str() {
                            // The `default` response, not a default value.
                            "default" if pointer.ends_with("/responses") => {
                                self.walk(v, &child, Ctx::Other);
                            }
                            "example" | "examples" | "default" | "enum" => {
                                if k == "examples" {
                                    // Media type and parameter examples may be references.
                                    for (name, ex) in v.as_object().into_iter().flatten() {
                                        if let Some(r) = ex.get("$ref") {
                                            self.reference(r, &join(&child, name), false);
                                        }
                                    }
                                }
                            }
                            "schema" => self.walk(v, &child, Ctx::Schema),
                            "schemas" if pointer == "/components" => {
                                self.walk(v, &child, Ctx::Schemas);
                            }
                            "content" if v.is_object() => self.walk(v, &child, Ctx::Content),
                            _ if k.starts_with("x-") => {}
                            _ => self.walk(v, &child, Ctx::Other),
                        }
                    }
                }
                Value::Array(items) => {
                    for (i, v) in items.iter().enumerate() {
                        self.walk(v, &format!("{pointer}/{i}"), Ctx::Other);
                    }
                }
                _ => {}
            },
        }
    }

    /// A `$ref` that does not resolve (or loops) is replaced by an empty
    /// object: an untyped schema, or an empty parameter/response/body.
    fn reference(&mut self, r: &Value, pointer: &str, schema: bool) {
        let ref_ptr = join(pointer, "$ref");
        let Some(target) = r.as_str() else {
            self.warn(
                &ref_ptr,
                Rule::UnresolvedRef,
                "`$ref` must be a string; ignored",
            );
            self.edits
                .push(Edit::Set(pointer.to_owned(), Value::Object(Map::new())));
            return;
        };
        let node = self.doc.value.pointer(pointer).unwrap_or(&Value::Null);
        if self.doc.follow_refs(node, pointer).is_some() {
            return;
        }
        // A parameter (in a list, or a component) is left as it is: the
        // model leaves out a parameter whose reference does not resolve
        // (replacing it would make one without a name or a location).
        let parameter = !schema
            && pointer.rsplit_once('/').is_some_and(|(parent, last)| {
                (parent.ends_with("/parameters") && last.parse::<usize>().is_ok())
                    || parent == "/components/parameters"
            });
        // An operation that is only a reference (as in documents that keep
        // each operation in its own file): nothing is known of it.
        let operation = !schema
            && pointer
                .strip_prefix("/paths/")
                .and_then(|rest| rest.split_once('/'))
                .is_some_and(|(_, method)| METHODS.contains(&method));
        let what = if schema {
            "the value is untyped (`serde_json::Value`)"
        } else if parameter {
            "the parameter is left out"
        } else if operation {
            "the operation is left out"
        } else {
            "it is left out"
        };
        match self.doc.ref_failure(node, pointer) {
            Some(RefFailure::Loop(chain)) => {
                let chain: Vec<&str> = chain.iter().map(String::as_str).collect();
                self.warn(
                    &ref_ptr,
                    Rule::RefCycle,
                    format!(
                        "`{}` leads to references that only lead to each other ({}): {what}",
                        cut(target),
                        ref_loop_text(&chain, QUOTE_MAX)
                    ),
                );
            }
            Some(RefFailure::Unresolved(r)) if r != target => self.warn(
                &ref_ptr,
                Rule::UnresolvedRef,
                format!(
                    "`{}` leads to `{}`, which does not resolve: {what}",
                    cut(target),
                    cut(&r)
                ),
            ),
            Some(RefFailure::TooLong) => self.warn(
                &ref_ptr,
                Rule::UnresolvedRef,
                format!(
                    "`{}` starts a chain of more than 32 references: {what}",
                    cut(target)
                ),
            ),
            _ => {
                let message = match self.doc.dangling(&ref_ptr) {
                    // A reference to another file the loader left as it is.
                    Some(why) => format!("`{}` cannot be followed ({why}): {what}", cut(target)),
                    None => format!("`{}` does not resolve: {what}", cut(target)),
                };
                self.warn(&ref_ptr, Rule::UnresolvedRef, message);
            }
        }
        if parameter {
            return;
        }
        if operation {
            if let Some((path_item, method)) = pointer.rsplit_once('/') {
                self.edits
                    .push(Edit::Remove(path_item.to_owned(), method.to_owned()));
                self.left_out += 1;
            }
            return;
        }
        let replacement = if pointer.contains("/responses/") && !schema {
            serde_json::json!({ "description": format!("unresolved reference `{}`", cut(target)) })
        } else {
            Value::Object(Map::new())
        };
        self.edits.push(Edit::Set(pointer.to_owned(), replacement));
    }

    fn schema(&mut self, s: &Value, pointer: &str) {
        let Some(obj) = s.as_object() else {
            if s != &Value::Bool(true) {
                self.warn(
                    pointer,
                    Rule::Unsupported,
                    "a schema must be a mapping: the value is untyped (`serde_json::Value`)",
                );
            }
            self.edits
                .push(Edit::Set(pointer.to_owned(), Value::Object(Map::new())));
            return;
        };
        if let Some(r) = obj.get("$ref") {
            self.reference(r, pointer, true);
            return;
        }
        let typ = self.schema_type(obj, pointer);
        if let Some(values) = obj.get("enum") {
            self.enum_values(values, typ.as_deref(), obj, pointer);
        }
        if obj.contains_key("not") {
            self.warn(
                &join(pointer, "not"),
                Rule::Unsupported,
                "`not` is ignored: the type is not narrowed by it",
            );
            self.edits
                .push(Edit::Remove(pointer.to_owned(), "not".into()));
        }
        if obj.get("required").is_some_and(|r| !r.is_array()) {
            self.warn(
                &join(pointer, "required"),
                Rule::InvalidDocument,
                "`required` must be a list of property names; ignored",
            );
            self.edits
                .push(Edit::Remove(pointer.to_owned(), "required".into()));
        }
        for (k, v) in obj {
            let child = join(pointer, k);
            match k.as_str() {
                "properties" => self.walk(v, &child, Ctx::Schemas),
                // `items: {not: {}}` closes a tuple (`items: false`): it is
                // what the model reads, not a `not` to drop.
                "items" if obj.contains_key("prefixItems") && is_false_schema(v) => {}
                "items" | "additionalProperties" if v.is_object() => self.schema(v, &child),
                "allOf" | "oneOf" | "anyOf" | "prefixItems" => {
                    for (i, m) in v.as_array().into_iter().flatten().enumerate() {
                        self.schema(m, &format!("{child}/{i}"));
                    }
                }
                _ => {}
            }
        }
    }

    /// Normalises `type`; returns the type in effect.
    fn schema_type(&mut self, obj: &Map<String, Value>, pointer: &str) -> Option<String> {
        let t_ptr = join(pointer, "type");
        match obj.get("type") {
            None => None,
            Some(Value::String(t)) if TYPES.contains(&t.as_str()) => Some(t.clone()),
            Some(Value::String(t)) => {
                if let Some((real, format)) = alias(t) {
                    let mut msg = format!("type `{}` is read as `{real}`", cut(t));
                    self.edits
                        .push(Edit::Set(t_ptr.clone(), Value::String(real.into())));
                    if let Some(f) = format.filter(|_| !obj.contains_key("format")) {
                        msg.push_str(&format!(" with format `{f}`"));
                        self.edits
                            .push(Edit::Set(join(pointer, "format"), Value::String(f.into())));
                    }
                    self.warn(&t_ptr, Rule::TypeCoerced, msg);
                    Some(real.to_owned())
                } else {
                    self.warn(
                        &t_ptr,
                        Rule::TypeCoerced,
                        format!(
                            "unknown type `{}`: the value is untyped (`serde_json::Value`)",
                            cut(t)
                        ),
                    );
                    self.edits
                        .push(Edit::Remove(pointer.to_owned(), "type".into()));
                    None
                }
            }
            Some(Value::Array(list)) => {
                // `type: [string, "null"]`, as OpenAPI 3.1 writes it.
                let real: Vec<&str> = list
                    .iter()
                    .filter_map(Value::as_str)
                    .filter(|t| *t != "null")
                    .collect();
                let nullable = list.iter().any(|t| t == "null");
                if nullable {
                    self.edits
                        .push(Edit::Set(join(pointer, "nullable"), Value::Bool(true)));
                }
                match real.as_slice() {
                    [one] if TYPES.contains(one) => {
                        self.warn(
                            &t_ptr,
                            Rule::TypeCoerced,
                            format!(
                                "a list of types is read as `{one}`{}",
                                if nullable { " (nullable)" } else { "" }
                            ),
                        );
                        self.edits
                            .push(Edit::Set(t_ptr, Value::String((*one).into())));
                        Some((*one).to_owned())
                    }
                    _ => {
                        self.warn(
                            &t_ptr,
                            Rule::TypeCoerced,
                            "a list of several types: the value is untyped (`serde_json::Value`)",
                        );
                        self.edits
                            .push(Edit::Remove(pointer.to_owned(), "type".into()));
                        None
                    }
                }
            }
            Some(_) => {
                self.warn(
                    &t_ptr,
                    Rule::TypeCoerced,
                    "`type` must be a string: the value is untyped (`serde_json::Value`)",
                );
                self.edits
                    .push(Edit::Remove(pointer.to_owned(), "type".into()));
                None
            }
        }
    }

    /// Makes `enum` values agree with the schema's type: numbers in a string
    /// enum become strings, strings in a numeric enum become numbers when
    /// they are numbers (and are dropped otherwise), and an enum without a
    /// type gets the type its values share.
    fn enum_values(
        &mut self,
        values: &Value,
        typ: Option<&str>,
        obj: &Map<String, Value>,
        pointer: &str,
    ) {
        let e_ptr = join(pointer, "enum");
        let Some(list) = values.as_array() else {
            self.warn(&e_ptr, Rule::EnumCoerced, "`enum` must be a list; ignored");
            self.edits
                .push(Edit::Remove(pointer.to_owned(), "enum".into()));
            return;
        };
        let scalars = || list.iter().filter(|v| !v.is_null());
        let typ = match typ {
            Some(t) => t.to_owned(),
            None if obj.contains_key("properties") || obj.contains_key("items") => return,
            None => {
                let inferred = if scalars().all(Value::is_string) {
                    "string"
                } else if scalars().all(|v| v.is_i64() || v.is_u64()) {
                    "integer"
                } else if scalars().all(Value::is_number) {
                    "number"
                } else if scalars().all(Value::is_boolean) {
                    "boolean"
                } else {
                    "string"
                };
                if inferred != "string" || !scalars().all(Value::is_string) {
                    self.warn(
                        &e_ptr,
                        Rule::EnumCoerced,
                        format!("an enum without a type is read as type `{inferred}`"),
                    );
                }
                self.edits.push(Edit::Set(
                    join(pointer, "type"),
                    Value::String(inferred.into()),
                ));
                inferred.to_owned()
            }
        };
        let fits = |v: &Value| match typ.as_str() {
            "string" => v.is_string(),
            "integer" => v.is_i64() || v.is_u64(),
            "number" => v.is_number(),
            "boolean" => v.is_boolean(),
            _ => true,
        };
        if list.iter().all(|v| v.is_null() || fits(v)) {
            return;
        }
        let mut fixed = Vec::new();
        let mut dropped = 0;
        for v in list {
            let coerced = match (typ.as_str(), v) {
                (_, v) if v.is_null() || fits(v) => Some(v.clone()),
                ("string", Value::Number(n)) => Some(Value::String(n.to_string())),
                ("string", Value::Bool(b)) => Some(Value::String(b.to_string())),
                ("integer", Value::String(s)) => s.trim().parse::<i64>().ok().map(Value::from),
                ("number", Value::String(s)) => s
                    .trim()
                    .parse::<f64>()
                    .ok()
                    .and_then(serde_json::Number::from_f64)
                    .map(Value::Number),
                ("boolean", Value::String(s)) => s.trim().parse::<bool>().ok().map(Value::Bool),
                _ => None,
            };
            match coerced {
                Some(c) if !fixed.contains(&c) => fixed.push(c),
                Some(_) => {}
                None => dropped += 1,
            }
        }
        let mut msg = format!("enum values that are not of type `{typ}` are converted");
        if dropped > 0 {
            msg.push_str(&format!(" ({dropped} that cannot be are dropped)"));
        }
        self.warn(&e_ptr, Rule::EnumCoerced, msg);
        if fixed.iter().all(Value::is_null) {
            self.edits
                .push(Edit::Remove(pointer.to_owned(), "enum".into()));
        } else {
            self.edits.push(Edit::Set(e_ptr, Value::Array(fixed)));
        }
    }

    /// Status keys outside 100–599 (or not numbers at all) are read as
    /// `default`, unless the operation has one already (then they go).
    fn statuses(&mut self, op: &OperationSite<'_>) {
        let responses_ptr = join(&op.pointer, "responses");
        let documented = op
            .op
            .get("responses")
            .and_then(Value::as_object)
            .is_some_and(|r| r.keys().any(|k| !k.starts_with("x-")));
        // An operation that is only a reference that does not resolve is
        // left out whole (see above): nothing to add to it.
        if !documented && op.op.get("$ref").is_none() {
            // OpenAPI 3.1 lets an operation document no response at all.
            self.warn(
                &op.pointer,
                Rule::NoSuccessResponse,
                "no response is documented: any status is read as `default`, without a typed body",
            );
            let default =
                serde_json::json!({ "description": "Any response: the operation documents none." });
            self.edits
                .push(if op.op.get("responses").is_some_and(Value::is_object) {
                    Edit::Insert(responses_ptr, "default".into(), default)
                } else {
                    Edit::Insert(
                        op.pointer.clone(),
                        "responses".into(),
                        serde_json::json!({ "default": default }),
                    )
                });
            return;
        }
        let Some(responses) = op.op.get("responses").and_then(Value::as_object) else {
            return;
        };
        let mut has_default = responses.contains_key("default");
        for key in responses.keys() {
            if key.starts_with("x-") || crate::ir::status::parse_status(key).is_some() {
                continue;
            }
            let at = join(&responses_ptr, key);
            if has_default {
                self.warn(
                    &at,
                    Rule::InvalidStatus,
                    format!("`{}` is not an HTTP status; the operation already has `default`, so this response is left out", cut(key)),
                );
                self.edits
                    .push(Edit::Remove(responses_ptr.clone(), key.clone()));
            } else {
                self.warn(
                    &at,
                    Rule::InvalidStatus,
                    format!("`{}` is not an HTTP status: read as `default`", cut(key)),
                );
                self.edits.push(Edit::Rename {
                    map: responses_ptr.clone(),
                    from: key.clone(),
                    to: "default".into(),
                });
                has_default = true;
            }
        }
    }
}
