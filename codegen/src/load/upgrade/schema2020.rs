//! OpenAPI 3.1 and 3.2 Schema Objects (JSON Schema 2020-12) → the schema
//! shape the model reads (OpenAPI 3.0's), rewritten in place.
//!
//! | 2020-12 | becomes |
//! |---|---|
//! | `type: [T, "null"]`, `enum` with `null`, `anyOf`/`oneOf` with a `null` member | `T` with `nullable: true` |
//! | `type: [A, B]` | `oneOf: [{type: A, …}, {type: B, …}]` (an untagged union), each with its own keywords |
//! | `const: v` | `enum: [v]` |
//! | `examples: [a, …]` | `example: a` |
//! | `exclusiveMinimum: n` (a number) | `minimum: n, exclusiveMinimum: true` |
//! | `$ref` beside other keywords | `allOf: [{$ref}]` beside them |
//! | `$ref` to an `$id`, an `$anchor`, or `$self` | a local JSON pointer (before bundling: [`resolve_ids`]) |
//! | `contentEncoding: base64` / a binary `contentMediaType` | `format: byte` / `format: binary` |
//! | `true` / `false` | `{}` / `{not: {}}` (a `false` property is left out) |
//! | `unevaluatedProperties` (no `additionalProperties`) | `additionalProperties` |
//! | one `patternProperties` pattern on a map | `additionalProperties` of that schema (keys unchecked: a note) |
//!
//! Kept as they are, with a note where generated code does not check them:
//! `prefixItems` (tuples, read by the model), `$defs` (reached by pointer),
//! `propertyNames`, `dependentRequired`, `dependentSchemas`,
//! `unevaluatedItems`, `if`/`then`/`else`, `contains`; `$dynamicRef` is
//! resolved statically to its `$dynamicAnchor`.

use std::collections::HashMap;

use serde_json::{json, Map, Value};

use super::{Trail, Version};
use crate::diagnostic::{cut, Rule};
use crate::openapi::join;

/// The dialects whose schemas this reads as they are meant.
const DIALECTS: [&str; 4] = [
    "https://spec.openapis.org/oas/3.1/dialect/base",
    "https://spec.openapis.org/oas/3.1/dialect/2024-11-10",
    "https://spec.openapis.org/oas/3.2/dialect/2025-09-17",
    "https://json-schema.org/draft/2020-12/schema",
];

/// Keywords that only say something about one JSON type: when a type list
/// becomes a union, each goes to the member of its type.
const STRING_KEYWORDS: [&str; 5] = [
    "minLength",
    "maxLength",
    "pattern",
    "contentEncoding",
    "contentMediaType",
];
const NUMBER_KEYWORDS: [&str; 5] = [
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "multipleOf",
];
const ARRAY_KEYWORDS: [&str; 6] = [
    "items",
    "prefixItems",
    "minItems",
    "maxItems",
    "uniqueItems",
    "contains",
];
const OBJECT_KEYWORDS: [&str; 7] = [
    "properties",
    "required",
    "additionalProperties",
    "patternProperties",
    "minProperties",
    "maxProperties",
    "propertyNames",
];

/// Rewrites the schemas of a 3.1 or 3.2 document in place.
pub(super) fn normalize(root: &mut Value, trail: &mut Trail) {
    if let Some(dialect) = root.get("jsonSchemaDialect").and_then(Value::as_str) {
        if !DIALECTS.contains(&dialect) {
            trail.note(
                "/jsonSchemaDialect",
                Rule::Unsupported,
                format!(
                    "schemas are read as JSON Schema 2020-12 (the OpenAPI dialect), not as `{}`",
                    cut(dialect)
                ),
            );
        }
    }
    let mut dynamic = HashMap::new();
    dynamic_anchors(root, "", &mut dynamic);
    let mut n = Normalizer { trail, dynamic };
    n.document(root, "");
}

struct Normalizer<'t> {
    trail: &'t mut Trail,
    /// `$dynamicAnchor` name → the pointer of the first schema that has it.
    dynamic: HashMap<String, String>,
}

impl Normalizer<'_> {
    /// Walks the document's objects (not its schemas) to each schema.
    fn document(&mut self, v: &mut Value, ptr: &str) {
        match v {
            Value::Object(map) => {
                for (k, child) in map.iter_mut() {
                    if skipped(k) {
                        continue;
                    }
                    let at = join(ptr, k);
                    if k == "schema" || k == "itemSchema" {
                        self.schema(child, &at);
                    } else if k == "schemas" && ptr == "/components" {
                        if let Value::Object(schemas) = child {
                            for (name, s) in schemas.iter_mut() {
                                self.schema(s, &join(&at, name));
                            }
                        }
                    } else {
                        self.document(child, &at);
                    }
                }
            }
            Value::Array(list) => {
                for (i, child) in list.iter_mut().enumerate() {
                    self.document(child, &format!("{ptr}/{i}"));
                }
            }
            _ => {}
        }
    }

    fn schema(&mut self, v: &mut Value, ptr: &str) {
        if let Value::Bool(b) = v {
            *v = if *b { json!({}) } else { json!({ "not": {} }) };
            return;
        }
        let Value::Object(map) = v else {
            return;
        };
        // `false` properties may not be present: they are not fields.
        if let Some(Value::Object(props)) = map.get_mut("properties") {
            props.retain(|_, p| *p != Value::Bool(false));
        }
        // Null members, seen before they are rewritten.
        let null_members: Vec<(&'static str, Vec<usize>)> = ["anyOf", "oneOf"]
            .into_iter()
            .filter_map(|key| {
                let list = map.get(key)?.as_array()?;
                let nulls: Vec<usize> = list
                    .iter()
                    .enumerate()
                    .filter(|(_, m)| is_null(m))
                    .map(|(i, _)| i)
                    .collect();
                (!nulls.is_empty()).then_some((key, nulls))
            })
            .collect();
        self.children(map, ptr);
        self.dynamic_ref(map, ptr);
        self.type_list(map, ptr);
        const_and_enum(map);
        if let Some(Value::Array(examples)) = map.get("examples") {
            if let Some(first) = examples.first().cloned() {
                map.entry("example").or_insert(first);
            }
            map.shift_remove("examples");
        }
        exclusive_bounds(map);
        content(map);
        for (key, nulls) in null_members {
            self.drop_null_members(map, ptr, key, &nulls);
        }
        self.ref_siblings(map, ptr);
        self.unchecked(map, ptr);
    }

    /// Normalizes every subschema.
    fn children(&mut self, map: &mut Map<String, Value>, ptr: &str) {
        for (k, child) in map.iter_mut() {
            let at = join(ptr, k);
            match k.as_str() {
                "properties" | "patternProperties" | "$defs" | "definitions"
                | "dependentSchemas" => {
                    if let Value::Object(m) = child {
                        for (name, s) in m.iter_mut() {
                            self.schema(s, &join(&at, name));
                        }
                    }
                }
                "allOf" | "anyOf" | "oneOf" | "prefixItems" => {
                    if let Value::Array(list) = child {
                        for (i, s) in list.iter_mut().enumerate() {
                            self.schema(s, &format!("{at}/{i}"));
                        }
                    }
                }
                "items"
                | "additionalProperties"
                | "not"
                | "contains"
                | "if"
                | "then"
                | "else"
                | "propertyNames"
                | "unevaluatedProperties"
                | "unevaluatedItems"
                // `additionalProperties: false` and `items: false` keep their
                // 3.0 meaning.
                | "contentSchema"
                    if !child.is_boolean() =>
                {
                    self.schema(child, &at);
                }
                _ => {}
            }
        }
    }

    /// `$dynamicRef` resolved statically to the first `$dynamicAnchor` of its
    /// name.
    fn dynamic_ref(&mut self, map: &mut Map<String, Value>, ptr: &str) {
        let Some(r) = map.shift_remove("$dynamicRef") else {
            return;
        };
        let at = join(ptr, "$dynamicRef");
        let name = r.as_str().and_then(|r| r.rsplit_once('#')).map(|(_, n)| n);
        match name.and_then(|n| self.dynamic.get(n)) {
            Some(target) if !map.contains_key("$ref") => {
                map.insert("$ref".into(), json!(format!("#{target}")));
                self.trail.note(
                    &at,
                    Rule::Unsupported,
                    "`$dynamicRef` is resolved statically: to the first `$dynamicAnchor` of its name",
                );
            }
            _ => self.trail.note(
                &at,
                Rule::Unsupported,
                format!(
                    "`$dynamicRef` {} names no `$dynamicAnchor`: it is ignored",
                    cut(&r.to_string())
                ),
            ),
        }
    }

    /// `type: [..]`: one type (and `null`) is that type, nullable; several
    /// are a union with a member per type.
    fn type_list(&mut self, map: &mut Map<String, Value>, ptr: &str) {
        let types: Vec<String> = match map.get("type") {
            Some(Value::Array(list)) => list
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect(),
            Some(Value::String(t)) if t == "null" => vec![t.clone()],
            _ => return,
        };
        let nullable = types.iter().any(|t| t == "null");
        let mut rest: Vec<String> = types.into_iter().filter(|t| t != "null").collect();
        rest.dedup();
        if nullable {
            map.insert("nullable".into(), json!(true));
        }
        match rest.as_slice() {
            [] => {
                map.shift_remove("type");
            }
            [one] => {
                map.insert("type".into(), json!(one));
            }
            _ if map.contains_key("oneOf") || map.contains_key("anyOf") => {
                self.trail.note(
                    &join(ptr, "type"),
                    Rule::Unsupported,
                    "a list of types beside `oneOf`/`anyOf` is read as any JSON value",
                );
                map.shift_remove("type");
            }
            _ => {
                map.shift_remove("type");
                let format = map.get("format").and_then(Value::as_str).map(str::to_owned);
                let numeric_format = format
                    .as_deref()
                    .is_some_and(|f| matches!(f, "int32" | "int64" | "float" | "double"));
                let mut members = Vec::new();
                for (i, t) in rest.iter().enumerate() {
                    let mut member = Map::new();
                    member.insert("type".into(), json!(t));
                    let own: &[&str] = match t.as_str() {
                        "string" => &STRING_KEYWORDS,
                        "number" | "integer" => &NUMBER_KEYWORDS,
                        "array" => &ARRAY_KEYWORDS,
                        "object" => &OBJECT_KEYWORDS,
                        _ => &[],
                    };
                    for k in own {
                        if let Some(v) = map.get(*k) {
                            member.insert((*k).into(), v.clone());
                        }
                    }
                    let takes_format = match t.as_str() {
                        "string" => !numeric_format,
                        "number" | "integer" => numeric_format,
                        _ => false,
                    };
                    if let (true, Some(f)) = (takes_format, &format) {
                        member.insert("format".into(), json!(f));
                    }
                    self.trail
                        .moved(&format!("{ptr}/oneOf/{i}"), &format!("{ptr}/type/{i}"));
                    members.push(Value::Object(member));
                }
                for k in STRING_KEYWORDS
                    .iter()
                    .chain(&NUMBER_KEYWORDS)
                    .chain(&ARRAY_KEYWORDS)
                    .chain(&OBJECT_KEYWORDS)
                    .chain(&["format"])
                {
                    map.shift_remove(*k);
                }
                map.insert("oneOf".into(), Value::Array(members));
            }
        }
    }

    /// `anyOf`/`oneOf` without their `null` members; one member left is the
    /// type itself, nullable.
    fn drop_null_members(
        &mut self,
        map: &mut Map<String, Value>,
        ptr: &str,
        key: &str,
        nulls: &[usize],
    ) {
        let Some(Value::Array(list)) = map.get_mut(key) else {
            return;
        };
        let mut kept = Vec::new();
        for (i, m) in std::mem::take(list).into_iter().enumerate() {
            if !nulls.contains(&i) {
                kept.push((i, m));
            }
        }
        map.insert("nullable".into(), json!(true));
        match kept.len() {
            0 => {
                map.shift_remove(key);
            }
            1 if !map.contains_key("allOf") => {
                map.shift_remove(key);
                let (i, member) = kept.pop().expect("one member");
                let from = format!("{}/{i}", join(ptr, key));
                match member {
                    Value::Object(m) if m.contains_key("$ref") => {
                        self.trail.moved(&join(ptr, "allOf/0"), &from);
                        map.insert("allOf".into(), json!([Value::Object(m)]));
                    }
                    Value::Object(m) => {
                        for (k, v) in m {
                            if k == "nullable" || map.contains_key(&k) {
                                continue;
                            }
                            self.trail.moved(&join(ptr, &k), &join(&from, &k));
                            map.insert(k, v);
                        }
                    }
                    _ => {}
                }
            }
            _ => {
                // The members keep their place in the user's list.
                for (at, (i, _)) in kept.iter().enumerate() {
                    self.trail.moved(
                        &format!("{}/{at}", join(ptr, key)),
                        &format!("{}/{i}", join(ptr, key)),
                    );
                }
                map.insert(
                    key.to_owned(),
                    Value::Array(kept.into_iter().map(|(_, m)| m).collect()),
                );
            }
        }
    }

    /// A `$ref` beside other keywords: the reference becomes an `allOf`
    /// member, so the keywords beside it (a description, a default, more
    /// properties) apply too.
    fn ref_siblings(&mut self, map: &mut Map<String, Value>, ptr: &str) {
        if !map.contains_key("$ref") || map.len() == 1 || map.contains_key("allOf") {
            return;
        }
        let only_ref_and_extensions = map.keys().all(|k| k == "$ref" || k.starts_with("x-"));
        if only_ref_and_extensions {
            return;
        }
        let r = map.shift_remove("$ref").expect("checked");
        self.trail.moved(&join(ptr, "allOf/0"), ptr);
        // Beside annotations alone, a one-member `allOf` is still the
        // referenced type; beside other keywords, they merge.
        map.insert("allOf".into(), json!([{ "$ref": r }]));
    }

    /// Keywords generated code does not check, each a note; those with a
    /// 3.0 form are rewritten.
    fn unchecked(&mut self, map: &mut Map<String, Value>, ptr: &str) {
        if let Some(u) = map.shift_remove("unevaluatedProperties") {
            if map.contains_key("additionalProperties") {
                self.trail.note(
                    &join(ptr, "unevaluatedProperties"),
                    Rule::Unsupported,
                    "`unevaluatedProperties` beside `additionalProperties` is not checked",
                );
            } else {
                self.trail.moved(
                    &join(ptr, "additionalProperties"),
                    &join(ptr, "unevaluatedProperties"),
                );
                map.insert("additionalProperties".into(), u);
            }
        }
        if let Some(Value::Object(patterns)) = map.get("patternProperties") {
            let at = join(ptr, "patternProperties");
            let is_map =
                !map.contains_key("properties") && !map.contains_key("additionalProperties");
            if is_map && patterns.len() == 1 {
                let (pattern, schema) = patterns.iter().next().expect("one");
                let (pattern, schema) = (pattern.clone(), schema.clone());
                self.trail
                    .moved(&join(ptr, "additionalProperties"), &join(&at, &pattern));
                self.trail.note(
                    &at,
                    Rule::Unsupported,
                    format!(
                        "a map: its keys are not checked against `{}`",
                        cut(&pattern)
                    ),
                );
                map.insert("additionalProperties".into(), schema);
                map.entry("type").or_insert(json!("object"));
            } else {
                self.trail.note(
                    &at,
                    Rule::Unsupported,
                    "`patternProperties` beside other properties is not typed: matching properties are kept as extra properties only when `additionalProperties` allows them",
                );
            }
        }
        for (key, what) in [
            ("propertyNames", "property names are not checked"),
            (
                "dependentRequired",
                "dependent required properties are not checked",
            ),
            ("dependentSchemas", "dependent schemas are not checked"),
            ("unevaluatedItems", "`unevaluatedItems` is not checked"),
            (
                "if",
                "`if`/`then`/`else` is not checked: the type is the schema without them",
            ),
            ("contains", "`contains` is not checked"),
        ] {
            if map.contains_key(key) {
                self.trail.note(&join(ptr, key), Rule::Unsupported, what);
            }
        }
    }
}

/// Keys whose values are not OpenAPI objects: examples and extensions.
fn skipped(key: &str) -> bool {
    key == "example" || key == "examples" || key.starts_with("x-")
}

/// Keywords whose values are literal data, never schemas or references.
fn is_literal(key: &str) -> bool {
    matches!(key, "enum" | "const" | "default")
}

/// Whether a schema admits only `null`.
fn is_null(s: &Value) -> bool {
    match s.get("type") {
        Some(Value::String(t)) => t == "null",
        Some(Value::Array(list)) => list.iter().all(|t| t == "null") && !list.is_empty(),
        _ => {
            s.get("const") == Some(&Value::Null)
                || s.get("enum").is_some_and(|e| *e == json!([null]))
        }
    }
}

/// `const` as a one-value `enum`; `null` in an `enum` as `nullable`.
fn const_and_enum(map: &mut Map<String, Value>) {
    if let Some(c) = map.shift_remove("const") {
        if c.is_null() {
            map.insert("nullable".into(), json!(true));
        } else if !map.contains_key("enum") {
            map.insert("enum".into(), json!([c]));
        }
    }
    if let Some(Value::Array(values)) = map.get_mut("enum") {
        if values.iter().any(Value::is_null) {
            values.retain(|v| !v.is_null());
            let empty = values.is_empty();
            if empty {
                map.shift_remove("enum");
            }
            map.insert("nullable".into(), json!(true));
        }
    }
}

/// Numeric `exclusiveMinimum`/`exclusiveMaximum` as a bound and a flag.
fn exclusive_bounds(map: &mut Map<String, Value>) {
    for (exclusive, bound, tighter) in [
        ("exclusiveMinimum", "minimum", std::cmp::Ordering::Greater),
        ("exclusiveMaximum", "maximum", std::cmp::Ordering::Less),
    ] {
        let Some(limit) = map.get(exclusive).and_then(Value::as_f64) else {
            continue;
        };
        let limit_value = map.shift_remove(exclusive).expect("checked");
        let keep_inclusive = map
            .get(bound)
            .and_then(Value::as_f64)
            .and_then(|b| b.partial_cmp(&limit))
            .is_some_and(|o| o == tighter);
        if !keep_inclusive {
            map.insert(bound.into(), limit_value);
            map.insert(exclusive.into(), json!(true));
        }
    }
}

/// `contentEncoding`/`contentMediaType` of a string as its 3.0 `format`.
fn content(map: &mut Map<String, Value>) {
    if map.contains_key("format") {
        return;
    }
    let encoding = map.get("contentEncoding").and_then(Value::as_str);
    let media = map.get("contentMediaType").and_then(Value::as_str);
    let format = match (encoding, media) {
        (Some(e), _) if e.starts_with("base64") => "byte",
        (None, Some(m)) if is_binary_media(m) => "binary",
        _ => return,
    };
    map.insert("format".into(), json!(format));
}

/// Whether a media type's content is bytes rather than text.
fn is_binary_media(media: &str) -> bool {
    let m = media.to_ascii_lowercase();
    !(m.starts_with("text/")
        || m.contains("json")
        || m.contains("xml")
        || m.starts_with("application/x-www-form-urlencoded"))
}

/// Every `$dynamicAnchor` in the document, by name.
fn dynamic_anchors(v: &Value, ptr: &str, out: &mut HashMap<String, String>) {
    match v {
        Value::Object(map) => {
            if let Some(name) = map.get("$dynamicAnchor").and_then(Value::as_str) {
                out.entry(name.to_owned()).or_insert_with(|| ptr.to_owned());
            }
            for (k, child) in map {
                if !skipped(k) {
                    dynamic_anchors(child, &join(ptr, k), out);
                }
            }
        }
        Value::Array(list) => {
            for (i, child) in list.iter().enumerate() {
                dynamic_anchors(child, &format!("{ptr}/{i}"), out);
            }
        }
        _ => {}
    }
}

/// Rewrites the `$ref`s of a 3.1 or 3.2 file that name a schema by its
/// `$id`, an `$anchor`, or the document's own `$self` URI into local JSON
/// pointers, so that bundling reads them as the local references they are.
/// Runs on the file as parsed, before bundling; other versions are left
/// alone.
pub(crate) fn resolve_ids(root: &mut Value) {
    if !Version::of(root).is_some_and(Version::json_schema_2020) {
        return;
    }
    let base = root
        .get("$self")
        .and_then(Value::as_str)
        .map(|s| strip_fragment(s).to_owned())
        .unwrap_or_default();
    let mut ids = Ids::default();
    if !base.is_empty() {
        ids.resources.insert(base.clone(), String::new());
    }
    ids.collect(root, "", &base);
    if ids.resources.is_empty() && ids.anchors.is_empty() {
        return;
    }
    ids.rewrite(root, &base, "");
}

#[derive(Default)]
struct Ids {
    /// Absolute resource URI → its pointer.
    resources: HashMap<String, String>,
    /// (resource URI, anchor) → pointer.
    anchors: HashMap<(String, String), String>,
}

impl Ids {
    fn collect(&mut self, v: &Value, ptr: &str, base: &str) {
        match v {
            Value::Object(map) => {
                let mut base = base.to_owned();
                if let Some(id) = map.get("$id").and_then(Value::as_str) {
                    base = strip_fragment(&resolve_uri(&base, id)).to_owned();
                    self.resources.insert(base.clone(), ptr.to_owned());
                }
                if let Some(anchor) = map.get("$anchor").and_then(Value::as_str) {
                    self.anchors
                        .insert((base.clone(), anchor.to_owned()), ptr.to_owned());
                }
                for (k, child) in map {
                    if !skipped(k) && !is_literal(k) {
                        self.collect(child, &join(ptr, k), &base);
                    }
                }
            }
            Value::Array(list) => {
                for (i, child) in list.iter().enumerate() {
                    self.collect(child, &format!("{ptr}/{i}"), base);
                }
            }
            _ => {}
        }
    }

    fn rewrite(&self, v: &mut Value, base: &str, ptr: &str) {
        match v {
            Value::Object(map) => {
                let mut base = base.to_owned();
                if let Some(id) = map.get("$id").and_then(Value::as_str) {
                    base = strip_fragment(&resolve_uri(&base, id)).to_owned();
                }
                if let Some(Value::String(r)) = map.get_mut("$ref") {
                    if let Some(local) = self.local(&base, r) {
                        *r = local;
                    }
                }
                for (k, child) in map.iter_mut() {
                    if !skipped(k) && !is_literal(k) {
                        self.rewrite(child, &base, &join(ptr, k));
                    }
                }
            }
            Value::Array(list) => {
                for (i, child) in list.iter_mut().enumerate() {
                    self.rewrite(child, base, &format!("{ptr}/{i}"));
                }
            }
            _ => {}
        }
    }

    /// The local reference (`#/…`) that `r`, written where `base` is the
    /// resource URI, stands for; `None` when it is not one of this file's.
    fn local(&self, base: &str, r: &str) -> Option<String> {
        let (uri, fragment) = match r.split_once('#') {
            Some((u, f)) => (u, Some(f)),
            None => (r, None),
        };
        if uri.is_empty() && base.is_empty() {
            // A plain local reference, or an anchor of the document.
            let f = fragment?;
            if f.starts_with('/') || f.is_empty() {
                return None;
            }
            return self
                .anchors
                .get(&(String::new(), f.to_owned()))
                .map(|p| format!("#{p}"));
        }
        let resource = if uri.is_empty() {
            base.to_owned()
        } else {
            resolve_uri(base, uri)
        };
        let at = self.resources.get(&resource)?;
        match fragment {
            None | Some("") => Some(format!("#{at}")),
            Some(f) if f.starts_with('/') => Some(format!("#{at}{f}")),
            Some(anchor) => self
                .anchors
                .get(&(resource, anchor.to_owned()))
                .map(|p| format!("#{p}")),
        }
    }
}

fn strip_fragment(uri: &str) -> &str {
    uri.split('#').next().unwrap_or_default()
}

/// `reference` resolved against `base` (RFC 3986, without dot segments).
fn resolve_uri(base: &str, reference: &str) -> String {
    let has_scheme = reference
        .split_once(':')
        .is_some_and(|(s, _)| !s.is_empty() && !s.contains('/'));
    if has_scheme || base.is_empty() {
        return reference.to_owned();
    }
    if let Some(rest) = reference.strip_prefix("//") {
        let scheme = base.split_once(':').map_or("", |(s, _)| s);
        return format!("{scheme}://{rest}");
    }
    if reference.starts_with('/') {
        // Scheme and authority of the base.
        let origin_end = base
            .find("://")
            .map(|i| i + 3)
            .and_then(|start| base[start..].find('/').map(|j| start + j))
            .unwrap_or(base.len());
        return format!("{}{reference}", &base[..origin_end]);
    }
    match base.rfind('/') {
        Some(i) => format!("{}{reference}", &base[..=i]),
        None => reference.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolves_relative_uris() {
        assert_eq!(
            resolve_uri("https://example.com/schemas/a.json", "b.json"),
            "https://example.com/schemas/b.json"
        );
        assert_eq!(
            resolve_uri("https://example.com/schemas/a.json", "/c"),
            "https://example.com/c"
        );
        assert_eq!(resolve_uri("", "urn:x"), "urn:x");
    }

    #[test]
    fn ids_and_anchors_become_pointers() {
        let mut doc = json!({
            "openapi": "3.1.0",
            "$self": "https://example.com/api/openapi.json",
            "components": {"schemas": {
                "Pet": {"$id": "https://example.com/schemas/pet", "type": "object",
                        "$defs": {"Name": {"$anchor": "name", "type": "string"}}},
                "Owner": {"type": "object", "properties": {
                    "pet": {"$ref": "https://example.com/schemas/pet"},
                    "name": {"$ref": "https://example.com/schemas/pet#name"},
                    "self": {"$ref": "openapi.json#/components/schemas/Pet"}
                }}
            }}
        });
        resolve_ids(&mut doc);
        let props = &doc["components"]["schemas"]["Owner"]["properties"];
        assert_eq!(props["pet"]["$ref"], "#/components/schemas/Pet");
        assert_eq!(props["name"]["$ref"], "#/components/schemas/Pet/$defs/Name");
        assert_eq!(props["self"]["$ref"], "#/components/schemas/Pet");
    }
}
