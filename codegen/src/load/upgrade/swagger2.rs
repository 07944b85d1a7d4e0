//! Swagger 2.0 → the OpenAPI 3.0 shape, node by node, each converted node
//! remembering where the user wrote it.
//!
//! | Swagger 2.0 | becomes |
//! |---|---|
//! | `host`, `basePath`, `schemes` | `servers` (one per scheme) |
//! | `definitions`, `parameters`, `responses`, `securityDefinitions` | `components/schemas`, `parameters`, `responses`, `securitySchemes` |
//! | an `in: body` parameter | `requestBody`, one media type per `consumes` |
//! | `in: formData` parameters | one object `requestBody`: `multipart/form-data` when a part is a `type: file` or `consumes` says so, else `application/x-www-form-urlencoded` |
//! | a parameter's `type`, `format`, `items`, `enum`, bounds … | its `schema` |
//! | `collectionFormat` `csv`, `ssv`, `pipes`, `multi` | `style` and `explode` (`tsv` has no 3.0 style: a note) |
//! | a response's `schema`, `headers`, `examples` | `content` (one media type per `produces`), header schemas, media type examples |
//! | `type: file`, `x-nullable`, `discriminator: name` | `format: binary`, `nullable`, `discriminator: {propertyName}` |
//!
//! Shared `body` and `formData` parameters have no 3.0 component: each use
//! is converted in place.

use serde_json::{json, Map, Value};

use super::Trail;
use crate::diagnostic::{cut, Rule};
use crate::openapi::{join, unescape_token, METHODS};

/// Keys of a Swagger 2.0 non-body parameter (or items, or header) that
/// describe its value: they go to the 3.0 `schema`.
const SCHEMA_KEYS: [&str; 18] = [
    "type",
    "format",
    "items",
    "default",
    "maximum",
    "exclusiveMaximum",
    "minimum",
    "exclusiveMinimum",
    "maxLength",
    "minLength",
    "pattern",
    "maxItems",
    "minItems",
    "uniqueItems",
    "enum",
    "multipleOf",
    "x-nullable",
    "example",
];

/// Converts a Swagger 2.0 document.
pub(super) fn convert(root: &Value) -> (Value, Trail) {
    let mut c = Converter {
        root,
        trail: Trail::default(),
        consumes: media_list(root.get("consumes")).unwrap_or_default(),
        produces: media_list(root.get("produces")).unwrap_or_default(),
    };
    let mut out = Map::new();
    out.insert("openapi".into(), json!("3.0.3"));
    c.trail.moved("/openapi", "/swagger");
    let Some(src) = root.as_object() else {
        return (Value::Object(out), c.trail);
    };
    for (k, v) in src {
        match k.as_str() {
            "swagger"
            | "host"
            | "basePath"
            | "schemes"
            | "consumes"
            | "produces"
            | "paths"
            | "definitions"
            | "parameters"
            | "responses"
            | "securityDefinitions"
            | "components" => {}
            _ => {
                out.insert(k.clone(), v.clone());
            }
        }
        if k == "info" {
            // `servers` follows `info`, as 3.0 documents are written.
            if let Some(servers) = c.servers() {
                out.insert("servers".into(), servers);
            }
        }
    }
    if !out.contains_key("servers") {
        if let Some(servers) = c.servers() {
            out.insert("servers".into(), servers);
        }
    }
    out.insert("paths".into(), c.paths());
    let mut components = c.components();
    // Components already in the 3.0 place: schemas that bundling hoisted out
    // of other files.
    if let Some(Value::Object(bundled)) = src.get("components") {
        for (kind, entries) in bundled {
            match (components.get_mut(kind), entries) {
                (Some(Value::Object(mine)), Value::Object(more)) => {
                    for (name, v) in more {
                        mine.entry(name.clone()).or_insert_with(|| v.clone());
                    }
                }
                _ => {
                    components.insert(kind.clone(), entries.clone());
                }
            }
        }
    }
    if !components.is_empty() {
        out.insert("components".into(), Value::Object(components));
    }
    let mut value = Value::Object(out);
    fix_schemas_and_refs(&mut value);
    (value, c.trail)
}

struct Converter<'a> {
    root: &'a Value,
    trail: Trail,
    consumes: Vec<String>,
    produces: Vec<String>,
}

/// A `consumes` or `produces` list (`None` when absent, so that an
/// operation's own list can override the document's).
fn media_list(v: Option<&Value>) -> Option<Vec<String>> {
    let list = v?.as_array()?;
    Some(
        list.iter()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect(),
    )
}

/// What an operation's parameters become.
#[derive(Default)]
struct Inputs {
    /// Every other parameter, converted, and where it was written.
    params: Vec<(Value, String)>,
    /// `in: body`: the parameter and where it was written.
    body: Option<(Value, String)>,
    /// `in: formData`: each parameter and where it was written.
    form: Vec<(Value, String)>,
}

impl Converter<'_> {
    fn servers(&mut self) -> Option<Value> {
        let host = self.root.get("host").and_then(Value::as_str);
        let base = self
            .root
            .get("basePath")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let base = if base == "/" { "" } else { base };
        let Some(host) = host.filter(|h| !h.is_empty()) else {
            if base.is_empty() {
                return None;
            }
            self.trail.moved("/servers/0", "/basePath");
            return Some(json!([{ "url": base }]));
        };
        let schemes: Vec<&str> = self
            .root
            .get("schemes")
            .and_then(Value::as_array)
            .map(|l| l.iter().filter_map(Value::as_str).collect())
            .filter(|l: &Vec<&str>| !l.is_empty())
            .unwrap_or_else(|| vec!["https"]);
        // The secure scheme first: it is the default server.
        let mut schemes: Vec<&str> = schemes
            .into_iter()
            .filter(|s| matches!(*s, "http" | "https"))
            .collect();
        schemes.sort_by_key(|s| *s != "https");
        schemes.dedup();
        if schemes.is_empty() {
            schemes.push("https");
        }
        let servers: Vec<Value> = schemes
            .iter()
            .enumerate()
            .map(|(i, scheme)| {
                self.trail.moved(&format!("/servers/{i}"), "/host");
                json!({ "url": format!("{scheme}://{host}{base}") })
            })
            .collect();
        Some(Value::Array(servers))
    }

    fn paths(&mut self) -> Value {
        let mut out = Map::new();
        let Some(paths) = self.root.get("paths").and_then(Value::as_object) else {
            return Value::Object(out);
        };
        for (template, item) in paths {
            let ptr = join("/paths", template);
            let Some(item) = item.as_object() else {
                out.insert(template.clone(), item.clone());
                continue;
            };
            // Path-level body and form parameters go to each operation.
            let shared = self.inputs(item.get("parameters"), &join(&ptr, "parameters"));
            let mut new_item = Map::new();
            for (k, v) in item {
                let at = join(&ptr, k);
                if METHODS.contains(&k.as_str()) {
                    new_item.insert(k.clone(), self.operation(v, &at, &shared));
                } else if k == "parameters" {
                    new_item.insert(k.clone(), self.param_list(&shared.params, &at));
                } else {
                    new_item.insert(k.clone(), v.clone());
                }
            }
            out.insert(template.clone(), Value::Object(new_item));
        }
        Value::Object(out)
    }

    /// Keeps a converted parameter list, recording where each entry was.
    fn param_list(&mut self, params: &[(Value, String)], at: &str) -> Value {
        for (i, (_, was)) in params.iter().enumerate() {
            self.trail.moved(&format!("{at}/{i}"), was);
        }
        Value::Array(params.iter().map(|(p, _)| p.clone()).collect())
    }

    /// Sorts a parameter list into plain parameters (converted), the body
    /// and the form fields, each with where it was written. Shared body and form parameters are
    /// resolved and converted in place.
    fn inputs(&mut self, list: Option<&Value>, at: &str) -> Inputs {
        let mut inputs = Inputs::default();
        for (i, p) in list
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .enumerate()
        {
            let mut ptr = format!("{at}/{i}");
            let mut param = p;
            if let Some(r) = p.get("$ref").and_then(Value::as_str) {
                let target = r
                    .strip_prefix("#/parameters/")
                    .and_then(|name| self.root.get("parameters")?.get(unescape_token(name)));
                match target {
                    Some(t) if matches!(location(t), "body" | "formData") => {
                        ptr = r.trim_start_matches('#').to_owned();
                        param = t;
                    }
                    _ => {
                        inputs.params.push((p.clone(), ptr));
                        continue;
                    }
                }
            }
            match location(param) {
                "body" => {
                    if inputs.body.is_some() {
                        self.trail.note(
                            &ptr,
                            Rule::InvalidDocument,
                            "an operation has at most one `in: body` parameter: this one is left out",
                        );
                    } else {
                        inputs.body = Some((param.clone(), ptr));
                    }
                }
                "formData" => inputs.form.push((param.clone(), ptr)),
                _ => {
                    let p = self.parameter(param, &ptr);
                    inputs.params.push((p, ptr));
                }
            }
        }
        inputs
    }

    /// A non-body parameter: its value keys move into `schema`, its
    /// `collectionFormat` becomes a style.
    fn parameter(&mut self, p: &Value, ptr: &str) -> Value {
        let Some(src) = p.as_object() else {
            return p.clone();
        };
        let mut out = Map::new();
        let mut schema = Map::new();
        for (k, v) in src {
            if SCHEMA_KEYS.contains(&k.as_str()) && !src.contains_key("schema") {
                schema.insert(k.clone(), v.clone());
            } else if k != "collectionFormat" {
                out.insert(k.clone(), v.clone());
            }
        }
        if !schema.is_empty() {
            // The example of a parameter is the parameter's, not its schema's.
            if let Some(example) = schema.shift_remove("example") {
                out.insert("example".into(), example);
            }
            out.insert("schema".into(), Value::Object(schema));
        }
        let is_array = src.get("type").and_then(Value::as_str) == Some("array");
        if is_array {
            let format = src
                .get("collectionFormat")
                .and_then(Value::as_str)
                .unwrap_or("csv");
            let loc = location(p);
            let style = match (loc, format) {
                ("query", "csv") => Some(("form", false)),
                ("query", "multi") => Some(("form", true)),
                ("query", "ssv") => Some(("spaceDelimited", false)),
                ("query", "pipes") => Some(("pipeDelimited", false)),
                ("path" | "header", "csv") => Some(("simple", false)),
                _ => None,
            };
            match style {
                Some((style, explode)) => {
                    out.insert("style".into(), json!(style));
                    out.insert("explode".into(), json!(explode));
                }
                None => self.trail.note(
                    &join(ptr, "collectionFormat"),
                    Rule::Unsupported,
                    format!(
                        "`collectionFormat: {}` has no OpenAPI 3 style for a {loc} parameter: the default style is used",
                        cut(format)
                    ),
                ),
            }
        }
        Value::Object(out)
    }

    fn operation(&mut self, op: &Value, at: &str, shared: &Inputs) -> Value {
        let Some(src) = op.as_object() else {
            return op.clone();
        };
        let consumes = media_list(src.get("consumes")).unwrap_or_else(|| self.consumes.clone());
        let produces = media_list(src.get("produces")).unwrap_or_else(|| self.produces.clone());
        let own = self.inputs(src.get("parameters"), &join(at, "parameters"));
        // The body: the operation's own, else the path's; a `requestBody`
        // already written (some published 2.0 documents mix it in) wins.
        let mut body = if src.contains_key("requestBody") {
            None
        } else {
            self.request_body(&own, shared, &consumes, at)
        };
        let mut out = Map::new();
        for (k, v) in src {
            match k.as_str() {
                "consumes" | "produces" | "schemes" => {}
                "parameters" => {
                    let params = self.param_list(&own.params, &join(at, "parameters"));
                    if params.as_array().is_some_and(|l| !l.is_empty()) {
                        out.insert(k.clone(), params);
                    }
                    // The body goes where its parameters were written.
                    if let Some(body) = body.take() {
                        out.insert("requestBody".into(), body);
                    }
                }
                "responses" => {
                    out.insert(k.clone(), self.responses(v, &join(at, k), &produces));
                }
                _ => {
                    out.insert(k.clone(), v.clone());
                }
            }
        }
        if let Some(body) = body {
            out.insert("requestBody".into(), body);
        }
        Value::Object(out)
    }

    fn request_body(
        &mut self,
        own: &Inputs,
        shared: &Inputs,
        consumes: &[String],
        at: &str,
    ) -> Option<Value> {
        let now = join(at, "requestBody");
        if let Some((p, was)) = own.body.as_ref().or(shared.body.as_ref()) {
            let mut media: Vec<&str> = consumes.iter().map(String::as_str).collect();
            media.retain(|m| !is_form(m));
            if media.is_empty() {
                media.push("application/json");
            }
            let schema = p.get("schema").cloned().unwrap_or_else(|| json!({}));
            let mut content = Map::new();
            for m in media {
                self.trail.moved(
                    &join(&join(&join(&now, "content"), m), "schema"),
                    &join(was, "schema"),
                );
                content.insert(m.to_owned(), json!({ "schema": schema }));
            }
            let mut body = Map::new();
            if let Some(d) = p.get("description") {
                body.insert("description".into(), d.clone());
            }
            body.insert("content".into(), Value::Object(content));
            if p.get("required") == Some(&Value::Bool(true)) {
                body.insert("required".into(), json!(true));
            }
            self.trail.moved(&now, was);
            return Some(Value::Object(body));
        }
        // Form fields: the operation's own override the path's by name.
        let mut fields: Vec<&(Value, String)> = own.form.iter().collect();
        for f in &shared.form {
            let name = f.0.get("name");
            if !own.form.iter().any(|o| o.0.get("name") == name) {
                fields.push(f);
            }
        }
        if fields.is_empty() {
            return None;
        }
        let multipart = fields
            .iter()
            .any(|(p, _)| p.get("type").and_then(Value::as_str) == Some("file"))
            || (consumes.iter().any(|m| m.starts_with("multipart/"))
                && !consumes
                    .iter()
                    .any(|m| m.starts_with("application/x-www-form-urlencoded")));
        let media = if multipart {
            "multipart/form-data"
        } else {
            "application/x-www-form-urlencoded"
        };
        let schema_at = join(&join(&join(&now, "content"), media), "schema");
        let mut properties = Map::new();
        let mut required = Vec::new();
        let mut encoding = Map::new();
        for (p, was) in fields {
            let Some(name) = p.get("name").and_then(Value::as_str) else {
                continue;
            };
            let param = self.parameter(p, was);
            let mut schema = param.get("schema").cloned().unwrap_or_else(|| json!({}));
            if let (Some(d), Some(s)) = (p.get("description"), schema.as_object_mut()) {
                s.insert("description".into(), d.clone());
            }
            self.trail
                .moved(&join(&join(&schema_at, "properties"), name), was);
            properties.insert(name.to_owned(), schema);
            if p.get("required") == Some(&Value::Bool(true)) {
                required.push(json!(name));
            }
            if let Some(style) = param.get("style") {
                encoding.insert(
                    name.to_owned(),
                    json!({ "style": style, "explode": param.get("explode").cloned().unwrap_or(json!(false)) }),
                );
            }
        }
        let mut schema = Map::new();
        schema.insert("type".into(), json!("object"));
        schema.insert("properties".into(), Value::Object(properties));
        let any_required = !required.is_empty();
        if any_required {
            schema.insert("required".into(), Value::Array(required));
        }
        let mut media_object = Map::new();
        media_object.insert("schema".into(), Value::Object(schema));
        if !encoding.is_empty() {
            media_object.insert("encoding".into(), Value::Object(encoding));
        }
        let mut body = Map::new();
        body.insert(
            "content".into(),
            Value::Object(Map::from_iter([(
                media.to_owned(),
                Value::Object(media_object),
            )])),
        );
        if any_required {
            body.insert("required".into(), json!(true));
        }
        Some(Value::Object(body))
    }

    fn responses(&mut self, responses: &Value, at: &str, produces: &[String]) -> Value {
        let Some(src) = responses.as_object() else {
            return responses.clone();
        };
        let mut out = Map::new();
        for (status, r) in src {
            let r_at = join(at, status);
            out.insert(status.clone(), self.response(r, &r_at, &r_at, produces));
        }
        Value::Object(out)
    }

    /// A response, converted from `was` to sit at `now`.
    fn response(&mut self, r: &Value, now: &str, was: &str, produces: &[String]) -> Value {
        let Some(src) = r.as_object() else {
            return r.clone();
        };
        if src.contains_key("$ref") {
            return r.clone();
        }
        let mut out = Map::new();
        out.insert(
            "description".into(),
            src.get("description").cloned().unwrap_or_else(|| json!("")),
        );
        for (k, v) in src {
            match k.as_str() {
                "description" | "schema" | "examples" => {}
                "headers" => {
                    let mut headers = Map::new();
                    for (name, h) in v.as_object().into_iter().flatten() {
                        let h_was = join(&join(was, "headers"), name);
                        let h_now = join(&join(now, "headers"), name);
                        let mut converted = self.parameter(h, &h_was);
                        if let Some(m) = converted.as_object_mut() {
                            // A header object has neither a name nor a location.
                            m.shift_remove("name");
                            m.shift_remove("in");
                            m.shift_remove("style");
                            m.shift_remove("explode");
                        }
                        self.trail.moved(&h_now, &h_was);
                        headers.insert(name.clone(), converted);
                    }
                    out.insert(k.clone(), Value::Object(headers));
                }
                _ => {
                    out.insert(k.clone(), v.clone());
                }
            }
        }
        if let Some(schema) = src.get("schema") {
            let examples = src.get("examples").and_then(Value::as_object);
            let mut media: Vec<&str> = produces.iter().map(String::as_str).collect();
            if media.is_empty() {
                media.push("application/json");
            }
            let mut content = Map::new();
            for m in media {
                let mut media_object = Map::new();
                media_object.insert("schema".into(), schema.clone());
                self.trail.moved(
                    &join(&join(&join(now, "content"), m), "schema"),
                    &join(was, "schema"),
                );
                if let Some(example) = examples.and_then(|e| e.get(m)) {
                    media_object.insert("example".into(), example.clone());
                    self.trail.moved(
                        &join(&join(&join(now, "content"), m), "example"),
                        &join(&join(was, "examples"), m),
                    );
                }
                content.insert(m.to_owned(), Value::Object(media_object));
            }
            out.insert("content".into(), Value::Object(content));
        }
        Value::Object(out)
    }

    fn components(&mut self) -> Map<String, Value> {
        let mut components = Map::new();
        if let Some(defs) = self.root.get("definitions").and_then(Value::as_object) {
            for name in defs.keys() {
                self.trail.moved(
                    &join("/components/schemas", name),
                    &join("/definitions", name),
                );
            }
            components.insert("schemas".into(), Value::Object(defs.clone()));
        }
        if let Some(params) = self.root.get("parameters").and_then(Value::as_object) {
            let mut out = Map::new();
            for (name, p) in params {
                // Body and form parameters are converted where they are used.
                if matches!(location(p), "body" | "formData") {
                    continue;
                }
                let was = join("/parameters", name);
                self.trail
                    .moved(&join("/components/parameters", name), &was);
                out.insert(name.clone(), self.parameter(p, &was));
            }
            if !out.is_empty() {
                components.insert("parameters".into(), Value::Object(out));
            }
        }
        if let Some(responses) = self.root.get("responses").and_then(Value::as_object) {
            let mut out = Map::new();
            let produces = self.produces.clone();
            for (name, r) in responses {
                let was = join("/responses", name);
                let now = join("/components/responses", name);
                self.trail.moved(&now, &was);
                out.insert(name.clone(), self.response(r, &now, &was, &produces));
            }
            components.insert("responses".into(), Value::Object(out));
        }
        if let Some(schemes) = self
            .root
            .get("securityDefinitions")
            .and_then(Value::as_object)
        {
            let mut out = Map::new();
            for (name, s) in schemes {
                let was = join("/securityDefinitions", name);
                self.trail
                    .moved(&join("/components/securitySchemes", name), &was);
                out.insert(name.clone(), self.security_scheme(s, &was));
            }
            components.insert("securitySchemes".into(), Value::Object(out));
        }
        components
    }

    fn security_scheme(&mut self, s: &Value, was: &str) -> Value {
        let Some(src) = s.as_object() else {
            return s.clone();
        };
        let mut out = Map::new();
        let kind = src.get("type").and_then(Value::as_str).unwrap_or_default();
        for (k, v) in src {
            match (kind, k.as_str()) {
                ("basic", "type") => {
                    out.insert("type".into(), json!("http"));
                    out.insert("scheme".into(), json!("basic"));
                }
                ("oauth2", "flow" | "authorizationUrl" | "tokenUrl" | "scopes") => {}
                _ => {
                    out.insert(k.clone(), v.clone());
                }
            }
        }
        if kind == "oauth2" {
            let flow = src.get("flow").and_then(Value::as_str).unwrap_or_default();
            let name = match flow {
                "implicit" => "implicit",
                "password" => "password",
                "application" => "clientCredentials",
                "accessCode" => "authorizationCode",
                other => {
                    self.trail.note(
                        &join(was, "flow"),
                        Rule::InvalidDocument,
                        format!("unknown OAuth 2 flow `{}`", cut(other)),
                    );
                    return Value::Object(out);
                }
            };
            let mut f = Map::new();
            for key in ["authorizationUrl", "tokenUrl"] {
                if let Some(v) = src.get(key) {
                    f.insert(key.into(), v.clone());
                }
            }
            f.insert(
                "scopes".into(),
                src.get("scopes").cloned().unwrap_or_else(|| json!({})),
            );
            out.insert(
                "flows".into(),
                Value::Object(Map::from_iter([(name.to_owned(), Value::Object(f))])),
            );
        }
        Value::Object(out)
    }
}

fn location(p: &Value) -> &str {
    p.get("in").and_then(Value::as_str).unwrap_or_default()
}

fn is_form(media: &str) -> bool {
    let m = media.to_ascii_lowercase();
    m.starts_with("application/x-www-form-urlencoded") || m.starts_with("multipart/")
}

/// Swagger 2.0's schema dialect and reference targets, everywhere in the
/// converted tree except inside examples and vendor extensions: `#/definitions/`
/// (and `#/parameters/`, `#/responses/`) references point at components,
/// `type: file` is a binary string, `x-nullable` is `nullable`, and a
/// `discriminator` names its property in an object.
fn fix_schemas_and_refs(value: &mut Value) {
    match value {
        Value::Object(map) => {
            if let Some(Value::String(r)) = map.get_mut("$ref") {
                for (from, to) in [
                    ("#/definitions/", "#/components/schemas/"),
                    ("#/parameters/", "#/components/parameters/"),
                    ("#/responses/", "#/components/responses/"),
                ] {
                    if let Some(rest) = r.strip_prefix(from) {
                        *r = format!("{to}{rest}");
                        break;
                    }
                }
            }
            if map.get("type").and_then(Value::as_str) == Some("file") {
                map.insert("type".into(), json!("string"));
                map.insert("format".into(), json!("binary"));
            }
            if let Some(nullable) = map.shift_remove("x-nullable") {
                if !map.contains_key("nullable") {
                    map.insert("nullable".into(), nullable);
                }
            }
            if let Some(Value::String(property)) = map.get("discriminator") {
                let property = property.clone();
                map.insert("discriminator".into(), json!({ "propertyName": property }));
            }
            for (k, v) in map.iter_mut() {
                if k == "example" || k == "examples" || k.starts_with("x-") {
                    continue;
                }
                fix_schemas_and_refs(v);
            }
        }
        Value::Array(list) => list.iter_mut().for_each(fix_schemas_and_refs),
        _ => {}
    }
}
