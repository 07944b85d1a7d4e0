//! Stage 3: the model (IR). Turns a validated document into resolved
//! operations and a registry of named types. Emitters read only this.
//!
//! The builder works on the document's JSON tree so that a construct it cannot
//! represent is refused with the exact JSON pointer (and so line and column)
//! where it sits.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use heck::{ToSnakeCase, ToUpperCamelCase};
use serde_json::Value;

use crate::diagnostic::{Diagnostic, Rule};
use crate::load::{escape_token, Document};
use crate::validate::{is_json, template_names, METHODS};

/// One API: what one document describes.
#[derive(Clone, Debug, PartialEq)]
pub struct Api {
    /// The Rust module the API is generated into.
    pub module: String,
    pub title: String,
    pub version: String,
    pub description: Option<String>,
    pub servers: Vec<Server>,
    pub security_schemes: Vec<SecurityScheme>,
    pub types: Vec<TypeDef>,
    pub operations: Vec<Operation>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Server {
    pub url: String,
    pub description: Option<String>,
    pub variables: Vec<ServerVariable>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ServerVariable {
    pub name: String,
    pub rust: String,
    pub default: String,
    pub values: Vec<String>,
    pub description: Option<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct SecurityScheme {
    pub name: String,
    pub rust: String,
    pub description: Option<String>,
    pub kind: SecurityKind,
    /// The request-signing algorithm the scheme names with the vendor
    /// extension `x-signing` (a non-string value as JSON text).
    pub signing: Option<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum SecurityKind {
    /// An `apiKey` sent in a header.
    HeaderKey { header: String },
    /// Something the caller must supply through a custom authenticator.
    Other { kind: String },
}

/// A type as used at one place: its shape plus the constraints that apply there.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Ty {
    pub kind: Kind,
    pub constraints: Constraints,
    pub nullable: bool,
}

#[derive(Clone, Debug, PartialEq, Default)]
pub enum Kind {
    String,
    /// A Rust integer type name (`i32`, `i64`, `u64`, …).
    Integer(&'static str),
    /// `f32` or `f64`.
    Number(&'static str),
    Boolean,
    Array(Box<Ty>),
    /// A string-keyed map.
    Map(Box<Ty>),
    /// Any JSON value.
    #[default]
    Any,
    /// A type from the registry.
    Named(String),
}

#[derive(Clone, Debug, PartialEq, Default)]
pub struct Constraints {
    pub min_length: Option<usize>,
    pub max_length: Option<usize>,
    pub min_items: Option<usize>,
    pub max_items: Option<usize>,
    pub unique_items: bool,
    pub min_properties: Option<usize>,
    pub max_properties: Option<usize>,
    /// Bound and whether it is exclusive.
    pub minimum: Option<(f64, bool)>,
    pub maximum: Option<(f64, bool)>,
    /// The allowed values of a numeric `enum` (empty: any value).
    pub allowed: Vec<f64>,
}

impl Constraints {
    pub fn is_empty(&self) -> bool {
        *self == Constraints::default()
    }
}

/// A named type in the registry.
#[derive(Clone, Debug, PartialEq)]
pub enum TypeDef {
    Struct(Struct),
    Enum(Enum),
    Union(Union),
}

impl TypeDef {
    pub fn name(&self) -> &str {
        match self {
            TypeDef::Struct(s) => &s.name,
            TypeDef::Enum(e) => &e.name,
            TypeDef::Union(u) => &u.name,
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Struct {
    pub name: String,
    pub doc: Option<String>,
    pub fields: Vec<Field>,
    /// Extra properties: `additionalProperties` beside `properties`.
    pub additional: Option<Ty>,
    /// `additionalProperties: false`.
    pub deny_unknown: bool,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Field {
    pub json: String,
    pub rust: String,
    pub doc: Option<String>,
    pub ty: Ty,
    pub required: bool,
    /// A literal default for an optional field of a scalar or enum type.
    pub default: Option<Value>,
    /// Boxed to break a cycle of directly nested types.
    pub boxed: bool,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Enum {
    pub name: String,
    pub doc: Option<String>,
    pub values: Vec<EnumValue>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct EnumValue {
    pub value: String,
    pub variant: String,
    pub doc: Option<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Union {
    pub name: String,
    pub doc: Option<String>,
    pub variants: Vec<UnionVariant>,
    /// The property that names the variant, and which value selects which variant.
    pub discriminator: Option<Discriminator>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct UnionVariant {
    pub name: String,
    pub ty: Ty,
    pub boxed: bool,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Discriminator {
    pub property: String,
    /// (value, index into variants)
    pub mapping: Vec<(String, usize)>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Operation {
    pub id: String,
    /// snake_case method name.
    pub rust: String,
    /// UpperCamelCase prefix for the operation's own types.
    pub type_name: String,
    /// Upper-case HTTP method.
    pub method: String,
    pub path: String,
    pub summary: Option<String>,
    pub description: Option<String>,
    pub deprecated: bool,
    pub params: Vec<Param>,
    pub body: Option<RequestBody>,
    pub responses: Vec<Response>,
    /// Alternatives, each a set of scheme names (empty: no credentials needed).
    pub security: Vec<Vec<String>>,
}

impl Operation {
    pub fn successes(&self) -> impl Iterator<Item = &Response> {
        self.responses.iter().filter(|r| r.status.is_success())
    }

    pub fn errors(&self) -> impl Iterator<Item = &Response> {
        self.responses.iter().filter(|r| !r.status.is_success())
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Location {
    Path,
    Query,
    Header,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Param {
    pub name: String,
    pub rust: String,
    pub location: Location,
    pub required: bool,
    pub doc: Option<String>,
    pub ty: Ty,
    /// Arrays in a query: `k=a&k=b` when true, `k=a,b` when false.
    pub explode: bool,
}

#[derive(Clone, Debug, PartialEq)]
pub struct RequestBody {
    pub required: bool,
    pub doc: Option<String>,
    pub content_type: String,
    pub encoding: Encoding,
}

/// How a request body goes on the wire, chosen from the media types offered:
/// JSON first, then a form, then multipart, then raw bytes.
#[derive(Clone, Debug, PartialEq)]
pub enum Encoding {
    Json(Ty),
    /// `application/x-www-form-urlencoded` from a flat typed object.
    Form(Ty),
    /// `multipart/form-data`, built by the caller; the documented parts.
    Multipart(Vec<String>),
    /// Any other media type, sent as given.
    Bytes,
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Status {
    Code(u16),
    /// `4XX` and friends: the first digit.
    Range(u16),
    Default,
}

impl Status {
    pub fn is_success(&self) -> bool {
        match self {
            Status::Code(c) => (200..300).contains(c),
            Status::Range(d) => *d == 2,
            Status::Default => false,
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Response {
    pub status: Status,
    /// The variant name for this status (`Ok`, `NotFound`, `Status4xx`, `Default`).
    pub variant: String,
    pub description: String,
    pub body: Option<ResponseBody>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum ResponseBody {
    Json(Ty),
    Text,
    /// Any other media type: the raw bytes.
    Bytes,
}

/// Builds the model of `doc` as module `module`, or every problem that stops it.
pub fn build(doc: &Document, module: &str) -> Result<Api, Vec<Diagnostic>> {
    let mut b = Builder {
        doc,
        errors: Vec::new(),
        types: Vec::new(),
        by_ref: HashMap::new(),
        // Names the generated code uses unqualified beside the spec's types.
        used_names: [
            "String", "Vec", "Option", "Box", "Result", "Some", "None", "Ok", "Err", "Checker",
            "Validate", "Self",
        ]
        .map(str::to_owned)
        .into(),
    };
    let root = &doc.value;
    let info = root.get("info");
    let title = text(info.and_then(|i| i.get("title"))).unwrap_or_else(|| module.to_owned());
    let version = text(info.and_then(|i| i.get("version"))).unwrap_or_default();
    let description = text(info.and_then(|i| i.get("description")));
    b.reserve_operation_names();
    let servers = b.servers();
    let security_schemes = b.security_schemes();
    let operations = b.operations();
    // Named component schemas are all generated, used or not, in document order.
    if let Some(schemas) = root
        .pointer("/components/schemas")
        .and_then(Value::as_object)
    {
        for name in schemas.keys() {
            let r = format!("#/components/schemas/{}", escape_token(name));
            b.resolve_ref(&r);
        }
    }
    if !b.errors.is_empty() {
        crate::diagnostic::sort(&mut b.errors);
        b.errors.dedup();
        return Err(b.errors);
    }
    let mut types = b.types.into_iter().map(|(_, t)| t).collect::<Vec<_>>();
    break_cycles(&mut types);
    Ok(Api {
        module: module.to_owned(),
        title,
        version,
        description,
        servers,
        security_schemes,
        types,
        operations,
    })
}

fn text(v: Option<&Value>) -> Option<String> {
    v.and_then(Value::as_str)
        .map(str::to_owned)
        .filter(|s| !s.trim().is_empty())
}

fn join(base: &str, token: &str) -> String {
    format!("{base}/{}", escape_token(token))
}

const KEYWORDS: &[&str] = &[
    "as", "break", "const", "continue", "crate", "else", "enum", "extern", "false", "fn", "for",
    "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut", "pub", "ref", "return",
    "self", "Self", "static", "struct", "super", "trait", "true", "type", "unsafe", "use", "where",
    "while", "async", "await", "dyn", "abstract", "become", "box", "do", "final", "macro",
    "override", "priv", "typeof", "unsized", "virtual", "yield", "try", "gen",
];

/// A snake_case identifier for `name`, never a keyword, never starting with a digit.
pub fn snake_ident(name: &str) -> String {
    let mut s = name.to_snake_case();
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
    let mut s = name.to_upper_camel_case();
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

/// Makes each name in a list unique by numbering repeats.
fn dedupe(names: &mut [String]) {
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

struct Builder<'a> {
    doc: &'a Document,
    errors: Vec<Diagnostic>,
    /// Registered types in a stable order, keyed by name.
    types: Vec<(String, TypeDef)>,
    /// `$ref` → the Ty it stands for.
    by_ref: HashMap<String, Ty>,
    used_names: BTreeSet<String>,
}

impl<'a> Builder<'a> {
    fn unsupported(&mut self, pointer: &str, message: impl Into<String>) {
        let d = self.doc.diagnostic(pointer, Rule::Unsupported, message);
        self.errors.push(d);
    }

    /// Follows `$ref`s; a reference that does not resolve (already reported by
    /// the validator) leaves the value as it is.
    fn resolve(&self, value: &'a Value, pointer: &str) -> (&'a Value, String) {
        self.doc
            .follow_refs(value, pointer)
            .unwrap_or_else(|| (value, pointer.to_owned()))
    }

    /// A fresh type name based on `wanted`.
    fn claim_name(&mut self, wanted: &str) -> String {
        let base = camel_ident(wanted);
        let mut name = base.clone();
        let mut i = 2;
        while self.used_names.contains(&name) {
            name = format!("{base}{i}");
            i += 1;
        }
        self.used_names.insert(name.clone());
        name
    }

    fn register(&mut self, def: TypeDef) {
        self.types.push((def.name().to_owned(), def));
    }

    /// Keeps the names of every operation's outcome enums (`…Success`,
    /// `…Error`) from the spec's own types, which give way instead.
    fn reserve_operation_names(&mut self) {
        let doc = self.doc;
        for (template, item) in doc
            .value
            .get("paths")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            let (item, _) = self.resolve(item, &join("/paths", template));
            for method in METHODS {
                if let Some(id) = text(item.get(method).and_then(|op| op.get("operationId"))) {
                    let type_name = camel_ident(&id);
                    self.used_names.insert(format!("{type_name}Success"));
                    self.used_names.insert(format!("{type_name}Error"));
                }
            }
        }
    }

    fn servers(&mut self) -> Vec<Server> {
        let mut out = Vec::new();
        for s in self
            .doc
            .value
            .get("servers")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let url = text(s.get("url")).unwrap_or_else(|| "/".into());
            let mut variables = Vec::new();
            for (name, v) in s
                .get("variables")
                .and_then(Value::as_object)
                .into_iter()
                .flatten()
            {
                variables.push(ServerVariable {
                    name: name.clone(),
                    rust: snake_ident(name),
                    default: text(v.get("default")).unwrap_or_default(),
                    values: v
                        .get("enum")
                        .and_then(Value::as_array)
                        .into_iter()
                        .flatten()
                        .filter_map(Value::as_str)
                        .map(str::to_owned)
                        .collect(),
                    description: text(v.get("description")),
                });
            }
            out.push(Server {
                url,
                description: text(s.get("description")),
                variables,
            });
        }
        out
    }

    fn security_schemes(&mut self) -> Vec<SecurityScheme> {
        let mut out = Vec::new();
        let schemes = self
            .doc
            .value
            .pointer("/components/securitySchemes")
            .and_then(Value::as_object);
        for (name, s) in schemes.into_iter().flatten() {
            let (s, _) = self.resolve(s, "");
            let kind = match (
                s.get("type").and_then(Value::as_str),
                s.get("in").and_then(Value::as_str),
            ) {
                (Some("apiKey"), Some("header")) => SecurityKind::HeaderKey {
                    header: text(s.get("name")).unwrap_or_default(),
                },
                (kind, _) => SecurityKind::Other {
                    kind: kind.unwrap_or("unknown").to_owned(),
                },
            };
            out.push(SecurityScheme {
                name: name.clone(),
                rust: snake_ident(name),
                description: text(s.get("description")),
                kind,
                signing: s
                    .get("x-signing")
                    .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_owned)),
            });
        }
        out
    }

    fn operations(&mut self) -> Vec<Operation> {
        let mut ops = Vec::new();
        let doc = self.doc;
        let global_security = security_list(doc.value.get("security"));
        for (template, item) in doc
            .value
            .get("paths")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            let (item, item_ptr) = self.resolve(item, &join("/paths", template));
            for method in METHODS {
                let Some(op) = item.get(method).filter(|o| o.is_object()) else {
                    continue;
                };
                let pointer = join(&item_ptr, method);
                if let Some(op) = self.operation(
                    template,
                    method,
                    item,
                    &item_ptr,
                    op,
                    &pointer,
                    &global_security,
                ) {
                    ops.push(op);
                }
            }
        }
        let mut names: Vec<String> = ops.iter().map(|o| o.rust.clone()).collect();
        dedupe(&mut names);
        for (op, name) in ops.iter_mut().zip(names) {
            op.rust = name;
        }
        ops
    }

    #[allow(clippy::too_many_arguments)]
    fn operation(
        &mut self,
        template: &str,
        method: &str,
        item: &'a Value,
        item_ptr: &str,
        op: &'a Value,
        pointer: &str,
        global_security: &Option<Vec<Vec<String>>>,
    ) -> Option<Operation> {
        let Some(id) = text(op.get("operationId")) else {
            self.unsupported(
                pointer,
                "an operation needs an operationId to name its method",
            );
            return None;
        };
        let type_name = camel_ident(&id);
        let mut params: Vec<Param> = Vec::new();
        let mut seen: BTreeMap<(String, &'static str), usize> = BTreeMap::new();
        for (holder, holder_ptr) in [(item, item_ptr.to_owned()), (op, pointer.to_owned())] {
            for (i, p) in holder
                .get("parameters")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .enumerate()
            {
                let (p, p_ptr) = self.resolve(p, &format!("{holder_ptr}/parameters/{i}"));
                if let Some(param) = self.param(p, &p_ptr, &type_name) {
                    let key = (param.name.clone(), location_name(param.location));
                    match seen.get(&key) {
                        Some(&at) => params[at] = param,
                        None => {
                            seen.insert(key, params.len());
                            params.push(param);
                        }
                    }
                }
            }
        }
        // Path parameters in template order first, then the rest as declared.
        let order = template_names(template);
        params.sort_by_key(|p| match p.location {
            Location::Path => order
                .iter()
                .position(|n| *n == p.name)
                .unwrap_or(usize::MAX),
            _ => usize::MAX,
        });
        // The method's own names come first so that a parameter gives way.
        let mut reserved = vec!["call", "checker"];
        if op.get("requestBody").is_some() {
            reserved.push("body");
        }
        let mut names: Vec<String> = reserved.iter().map(|n| (*n).to_owned()).collect();
        names.extend(params.iter().map(|p| p.rust.clone()));
        dedupe(&mut names);
        for (p, n) in params
            .iter_mut()
            .zip(names.into_iter().skip(reserved.len()))
        {
            p.rust = n;
        }

        let body = match op.get("requestBody") {
            Some(b) => {
                let (b, b_ptr) = self.resolve(b, &join(pointer, "requestBody"));
                self.request_body(b, &b_ptr, &type_name)
            }
            None => None,
        };
        let responses_ptr = join(pointer, "responses");
        let mut responses = Vec::new();
        for (status, r) in op
            .get("responses")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            let s_ptr = join(&responses_ptr, status);
            let status = match parse_status(status) {
                Some(s) => s,
                None => {
                    self.unsupported(
                        &s_ptr,
                        format!("`{status}` is not a status code, a range like 4XX, or `default`"),
                    );
                    continue;
                }
            };
            let (r, r_ptr) = self.resolve(r, &s_ptr);
            let variant = status_variant(&status);
            let hint = format!("{type_name}{variant}Response");
            let body = self.response_body(r, &r_ptr, &hint);
            responses.push(Response {
                status,
                variant,
                description: text(r.get("description")).unwrap_or_default(),
                body,
            });
        }
        responses.sort_by(|a, b| a.status.cmp(&b.status));
        let security = security_list(op.get("security"))
            .or_else(|| global_security.clone())
            .unwrap_or_default();
        Some(Operation {
            rust: snake_ident(&id),
            id,
            type_name,
            method: method.to_uppercase(),
            path: template.to_owned(),
            summary: text(op.get("summary")),
            description: text(op.get("description")),
            deprecated: op.get("deprecated") == Some(&Value::Bool(true)),
            params,
            body,
            responses,
            security,
        })
    }

    fn param(&mut self, p: &'a Value, ptr: &str, op_type: &str) -> Option<Param> {
        let name = text(p.get("name")).unwrap_or_default();
        let location = match p.get("in").and_then(Value::as_str) {
            Some("path") => Location::Path,
            Some("query") => Location::Query,
            Some("header") => Location::Header,
            Some(other) => {
                self.unsupported(
                    &join(ptr, "in"),
                    format!("`{other}` parameters are not supported (only path, query and header)"),
                );
                return None;
            }
            None => {
                self.unsupported(ptr, "a parameter needs `in`");
                return None;
            }
        };
        if p.get("content").is_some() {
            self.unsupported(
                &join(ptr, "content"),
                "parameters described by `content` are not supported; use `schema`",
            );
            return None;
        }
        let style = p.get("style").and_then(Value::as_str);
        let explode = p.get("explode").and_then(Value::as_bool);
        let Some(schema) = p.get("schema") else {
            self.unsupported(ptr, "a parameter needs a `schema`");
            return None;
        };
        let ty = self.ty(
            schema,
            &join(ptr, "schema"),
            &format!("{op_type}{}", camel_ident(&name)),
        )?;
        let scalar = |k: &Kind| {
            matches!(
                k,
                Kind::String | Kind::Integer(_) | Kind::Number(_) | Kind::Boolean
            ) || self.is_scalar_named(k)
        };
        let ok = match (&location, &ty.kind) {
            (Location::Query, Kind::Array(inner)) => scalar(&inner.kind),
            (_, k) => scalar(k),
        };
        if !ok {
            self.unsupported(&join(ptr, "schema"), format!("parameter `{name}` must be a string, number, boolean or string enum (or, in a query, an array of them)"));
            return None;
        }
        if matches!(style, Some(s) if !matches!((location, s), (Location::Path, "simple") | (Location::Query, "form") | (Location::Header, "simple")))
        {
            self.unsupported(
                &join(ptr, "style"),
                format!(
                    "parameter style `{}` is not supported here",
                    style.unwrap_or_default()
                ),
            );
            return None;
        }
        Some(Param {
            rust: snake_ident(&name),
            required: location == Location::Path || p.get("required") == Some(&Value::Bool(true)),
            name,
            location,
            doc: text(p.get("description")),
            ty,
            explode: explode.unwrap_or(true),
        })
    }

    /// A named type that stands for one scalar: a string enum, or a union
    /// whose every variant is a scalar.
    fn is_scalar_named(&self, kind: &Kind) -> bool {
        let Kind::Named(n) = kind else { return false };
        match self
            .types
            .iter()
            .find(|(name, _)| name == n)
            .map(|(_, t)| t)
        {
            Some(TypeDef::Enum(_)) => true,
            Some(TypeDef::Union(u)) => u.variants.iter().all(|v| {
                matches!(
                    v.ty.kind,
                    Kind::String | Kind::Integer(_) | Kind::Number(_) | Kind::Boolean
                ) || self.is_scalar_named(&v.ty.kind)
            }),
            _ => false,
        }
    }

    fn request_body(&mut self, b: &'a Value, ptr: &str, op_type: &str) -> Option<RequestBody> {
        let content = b.get("content").and_then(Value::as_object);
        let Some(content) = content.filter(|c| !c.is_empty()) else {
            self.unsupported(
                ptr,
                "a request body needs at least one media type in `content`",
            );
            return None;
        };
        let essence = |m: &str| {
            m.split(';')
                .next()
                .unwrap_or_default()
                .trim()
                .to_ascii_lowercase()
        };
        let pick = content
            .iter()
            .find(|(m, _)| is_json(m))
            .or_else(|| {
                content
                    .iter()
                    .find(|(m, _)| essence(m) == "application/x-www-form-urlencoded")
            })
            .or_else(|| {
                content
                    .iter()
                    .find(|(m, _)| essence(m) == "multipart/form-data")
            })
            .or_else(|| content.iter().next());
        let (media, m) = pick?;
        let m_ptr = join(&join(ptr, "content"), media);
        let schema_ptr = join(&m_ptr, "schema");
        let hint = format!("{op_type}Body");
        let encoding = if is_json(media) {
            Encoding::Json(self.ty(m.get("schema")?, &schema_ptr, &hint)?)
        } else if essence(media) == "application/x-www-form-urlencoded" {
            let Some(schema) = m.get("schema") else {
                self.unsupported(&m_ptr, "a form body needs a schema");
                return None;
            };
            Encoding::Form(self.ty(schema, &schema_ptr, &hint)?)
        } else if essence(media) == "multipart/form-data" {
            let (schema, _) = match m.get("schema") {
                Some(s) => self.resolve(s, &schema_ptr),
                None => (&Value::Null, schema_ptr.clone()),
            };
            let parts = schema
                .get("properties")
                .and_then(Value::as_object)
                .into_iter()
                .flatten()
                .map(|(name, p)| match text(p.get("description")) {
                    Some(d) => format!("`{name}`: {d}"),
                    None => format!("`{name}`"),
                })
                .collect();
            Encoding::Multipart(parts)
        } else {
            Encoding::Bytes
        };
        let content_type = if media.contains('*') {
            "application/octet-stream".to_owned()
        } else {
            media.clone()
        };
        Some(RequestBody {
            required: b.get("required") == Some(&Value::Bool(true)),
            doc: text(b.get("description")),
            content_type,
            encoding,
        })
    }

    fn response_body(&mut self, r: &'a Value, ptr: &str, hint: &str) -> Option<ResponseBody> {
        let content = r.get("content").and_then(Value::as_object)?;
        if content.is_empty() {
            return None;
        }
        if let Some((media, m)) = content.iter().find(|(m, _)| is_json(m)) {
            let m_ptr = join(&join(ptr, "content"), media);
            let schema = m.get("schema")?;
            return self
                .ty(schema, &join(&m_ptr, "schema"), hint)
                .map(ResponseBody::Json);
        }
        if content.keys().any(|m| m.starts_with("text/")) {
            return Some(ResponseBody::Text);
        }
        Some(ResponseBody::Bytes)
    }

    /// The Ty for a component reference, registering the component on first use.
    fn resolve_ref(&mut self, r: &str) -> Option<Ty> {
        if let Some(t) = self.by_ref.get(r) {
            return Some(t.clone());
        }
        let Some(target) = self.doc.resolve_ref(r) else {
            // The validator reports unresolved references.
            return None;
        };
        let pointer = r.trim_start_matches('#').to_owned();
        let component = r
            .strip_prefix("#/components/schemas/")
            .map(crate::load::unescape_token);
        match component {
            Some(name) if self.needs_name(target) => {
                let type_name = self.claim_name(&name);
                let ty = Ty {
                    kind: Kind::Named(type_name.clone()),
                    ..Ty::default()
                };
                self.by_ref.insert(r.to_owned(), ty.clone());
                self.define(target, &pointer, type_name)?;
                Some(ty)
            }
            _ => {
                let hint = component
                    .unwrap_or_else(|| pointer.rsplit('/').next().unwrap_or("Value").to_owned());
                // Guard against a reference cycle through unnamed schemas.
                self.by_ref.insert(r.to_owned(), Ty::default());
                let ty = self.ty(target, &pointer, &hint);
                match &ty {
                    Some(t) => self.by_ref.insert(r.to_owned(), t.clone()),
                    None => self.by_ref.remove(r),
                };
                ty
            }
        }
    }

    /// Whether a schema becomes a named type (an object with properties, an
    /// enum, a union) rather than a plain Rust type.
    fn needs_name(&self, s: &Value) -> bool {
        if s.get("$ref").is_some() {
            return false;
        }
        if s.get("properties").is_some() {
            return true;
        }
        if let Some(all) = s.get("allOf").and_then(Value::as_array) {
            // A lone `allOf: [$ref]` is the referenced type itself.
            return !(all.len() == 1 && s.get("properties").is_none());
        }
        if s.get("oneOf").is_some() || s.get("anyOf").is_some() {
            return true;
        }
        s.get("enum").is_some()
            && s.get("type")
                .and_then(Value::as_str)
                .is_none_or(|t| t == "string")
    }

    /// Converts a schema (or `$ref`) at `ptr`; inline named types take `hint`.
    fn ty(&mut self, s: &'a Value, ptr: &str, hint: &str) -> Option<Ty> {
        if let Some(r) = s.get("$ref").and_then(Value::as_str) {
            return self.resolve_ref(r);
        }
        let Some(obj) = s.as_object() else {
            self.unsupported(ptr, "a schema must be a mapping");
            return None;
        };
        let nullable = obj.get("nullable") == Some(&Value::Bool(true));
        for unsupported in ["not"] {
            if obj.contains_key(unsupported) {
                self.unsupported(
                    &join(ptr, unsupported),
                    format!("`{unsupported}` schemas are not supported"),
                );
                return None;
            }
        }
        if self.needs_name(s) {
            let name = self.claim_name(
                &text(obj.get("title"))
                    .filter(|_| false)
                    .unwrap_or_else(|| hint.to_owned()),
            );
            self.define(s, ptr, name.clone())?;
            return Some(Ty {
                kind: Kind::Named(name),
                constraints: Constraints::default(),
                nullable,
            });
        }
        if let Some(all) = obj.get("allOf").and_then(Value::as_array) {
            // A lone reference, possibly with a description beside it.
            let mut t = self.ty(&all[0], &join(ptr, "allOf/0"), hint)?;
            t.nullable |= nullable;
            return Some(t);
        }
        let mut c = Constraints::default();
        let usize_of = |k: &str| obj.get(k).and_then(Value::as_u64).map(|n| n as usize);
        c.min_length = usize_of("minLength");
        c.max_length = usize_of("maxLength");
        c.min_items = usize_of("minItems");
        c.max_items = usize_of("maxItems");
        c.min_properties = usize_of("minProperties");
        c.max_properties = usize_of("maxProperties");
        c.unique_items = obj.get("uniqueItems") == Some(&Value::Bool(true));
        let flag = |k: &str| obj.get(k) == Some(&Value::Bool(true));
        c.minimum = obj
            .get("minimum")
            .and_then(Value::as_f64)
            .map(|m| (m, flag("exclusiveMinimum")));
        c.maximum = obj
            .get("maximum")
            .and_then(Value::as_f64)
            .map(|m| (m, flag("exclusiveMaximum")));
        let format = obj
            .get("format")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let typ = obj.get("type").and_then(Value::as_str);
        let kind = match typ {
            Some("string") => Kind::String,
            Some("boolean") => Kind::Boolean,
            Some("integer") => {
                let t = integer_type(format, &c);
                drop_vacuous_bounds(t, &mut c);
                c.allowed = numeric_enum(obj);
                let (lo, hi) = integer_range(t);
                c.allowed
                    .retain(|v| v.fract() == 0.0 && *v >= lo as f64 && *v <= hi as f64);
                Kind::Integer(t)
            }
            Some("number") => {
                c.allowed = numeric_enum(obj);
                Kind::Number(if format == "float" { "f32" } else { "f64" })
            }
            Some("array") => {
                let items = match obj.get("items") {
                    Some(items) => self.ty(items, &join(ptr, "items"), &format!("{hint}Item"))?,
                    None => Ty::default(),
                };
                Kind::Array(Box::new(items))
            }
            Some("object") | None if obj.contains_key("additionalProperties") || typ.is_some() => {
                match obj.get("additionalProperties") {
                    Some(Value::Bool(false)) => Kind::Map(Box::default()),
                    Some(Value::Bool(true)) | None => Kind::Map(Box::default()),
                    Some(schema) => Kind::Map(Box::new(self.ty(
                        schema,
                        &join(ptr, "additionalProperties"),
                        &format!("{hint}Value"),
                    )?)),
                }
            }
            None => Kind::Any,
            Some(other) => {
                self.unsupported(&join(ptr, "type"), format!("unknown schema type `{other}`"));
                return None;
            }
        };
        Some(Ty {
            kind,
            constraints: c,
            nullable,
        })
    }

    /// Registers the named type `name` for the schema at `ptr`.
    fn define(&mut self, s: &'a Value, ptr: &str, name: String) -> Option<()> {
        let doc = text(s.get("description")).or_else(|| text(s.get("title")));
        if let Some(values) = s.get("enum").and_then(Value::as_array) {
            if s.get("properties").is_none() {
                let def = self.string_enum(values, ptr, &name, doc, &[])?;
                self.register(TypeDef::Enum(def));
                return Some(());
            }
        }
        let union = s
            .get("oneOf")
            .map(|v| (v, "oneOf"))
            .or_else(|| s.get("anyOf").map(|v| (v, "anyOf")));
        if let Some((variants, key)) = union {
            let def = self.union(s, variants, &join(ptr, key), &name, doc)?;
            self.register(def);
            return Some(());
        }
        let mut fields = Vec::new();
        let mut required = BTreeSet::new();
        let mut additional = None;
        let mut deny_unknown = false;
        self.collect_object(
            s,
            ptr,
            &name,
            &mut fields,
            &mut required,
            &mut additional,
            &mut deny_unknown,
        )?;
        for f in &mut fields {
            f.required = required.contains(&f.json);
            if f.required || !is_simple_default(&f.ty) {
                f.default = None;
            }
        }
        // The field for extra properties keeps its name; a property gives way.
        let reserved = usize::from(additional.is_some());
        let mut names: Vec<String> = vec!["additional_properties".to_owned(); reserved];
        names.extend(fields.iter().map(|f| f.rust.clone()));
        dedupe(&mut names);
        for (f, n) in fields.iter_mut().zip(names.into_iter().skip(reserved)) {
            f.rust = n;
        }
        self.register(TypeDef::Struct(Struct {
            name,
            doc,
            fields,
            additional,
            deny_unknown,
        }));
        Some(())
    }

    /// Gathers the properties of an object schema, merging `allOf` members.
    #[allow(clippy::too_many_arguments)]
    fn collect_object(
        &mut self,
        s: &'a Value,
        ptr: &str,
        name: &str,
        fields: &mut Vec<Field>,
        required: &mut BTreeSet<String>,
        additional: &mut Option<Ty>,
        deny_unknown: &mut bool,
    ) -> Option<()> {
        let (s, ptr) = self.resolve(s, ptr);
        if let Some(all) = s.get("allOf").and_then(Value::as_array) {
            for (i, member) in all.iter().enumerate() {
                let m_ptr = format!("{}/{i}", join(&ptr, "allOf"));
                let (m, m_ptr) = self.resolve(member, &m_ptr);
                let is_object = m.get("properties").is_some()
                    || m.get("allOf").is_some()
                    || m.get("type").and_then(Value::as_str) == Some("object");
                if !is_object {
                    self.unsupported(&m_ptr, "allOf members must be object schemas");
                    return None;
                }
                self.collect_object(m, &m_ptr, name, fields, required, additional, deny_unknown)?;
            }
        }
        if s.get("oneOf").is_some() || s.get("anyOf").is_some() {
            self.unsupported(&ptr, "oneOf/anyOf inside allOf is not supported");
            return None;
        }
        for r in s
            .get("required")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
        {
            required.insert(r.to_owned());
        }
        for (prop, schema) in s
            .get("properties")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            let p_ptr = join(&join(&ptr, "properties"), prop);
            let ty = self.ty(schema, &p_ptr, &format!("{name}{}", camel_ident(prop)))?;
            let (resolved, _) = self.resolve(schema, &p_ptr);
            let field = Field {
                json: prop.clone(),
                rust: snake_ident(prop),
                doc: text(schema.get("description")).or_else(|| text(resolved.get("description"))),
                ty,
                required: false,
                default: schema
                    .get("default")
                    .or_else(|| resolved.get("default"))
                    .cloned(),
                boxed: false,
            };
            match fields.iter().position(|f| f.json == *prop) {
                Some(i) => fields[i] = field,
                None => fields.push(field),
            }
        }
        match s.get("additionalProperties") {
            Some(Value::Bool(false)) => *deny_unknown = true,
            Some(Value::Bool(true)) => *additional = Some(Ty::default()),
            Some(schema) if schema.is_object() => {
                let t = self.ty(
                    schema,
                    &join(&ptr, "additionalProperties"),
                    &format!("{name}Value"),
                )?;
                *additional = Some(t);
            }
            _ => {}
        }
        Some(())
    }

    fn string_enum(
        &mut self,
        values: &[Value],
        ptr: &str,
        name: &str,
        doc: Option<String>,
        docs: &[Option<String>],
    ) -> Option<Enum> {
        let mut out = Vec::new();
        for (i, v) in values.iter().enumerate() {
            match v {
                Value::String(s) => out.push(EnumValue {
                    value: s.clone(),
                    variant: camel_ident(s),
                    doc: docs.get(i).cloned().flatten(),
                }),
                Value::Null => {}
                _ => {
                    self.unsupported(
                        &format!("{}/{i}", join(ptr, "enum")),
                        format!("enum `{name}`: only string enums are supported"),
                    );
                    return None;
                }
            }
        }
        if out.is_empty() {
            self.unsupported(
                &join(ptr, "enum"),
                "an enum needs at least one string value",
            );
            return None;
        }
        let mut variants: Vec<String> = out.iter().map(|v| v.variant.clone()).collect();
        dedupe(&mut variants);
        for (v, n) in out.iter_mut().zip(variants) {
            v.variant = n;
        }
        Some(Enum {
            name: name.to_owned(),
            doc,
            values: out,
        })
    }

    fn union(
        &mut self,
        s: &'a Value,
        variants: &'a Value,
        ptr: &str,
        name: &str,
        doc: Option<String>,
    ) -> Option<TypeDef> {
        let Some(list) = variants.as_array().filter(|l| !l.is_empty()) else {
            self.unsupported(ptr, "oneOf/anyOf needs a non-empty list of schemas");
            return None;
        };
        if s.get("properties").is_some() {
            self.unsupported(ptr, "oneOf/anyOf beside properties is not supported");
            return None;
        }
        // A union of string enums (often one value each, documented) is one enum.
        let resolved: Vec<&Value> = list.iter().map(|v| self.resolve(v, "").0).collect();
        let all_string_enums = resolved.iter().all(|v| {
            v.get("enum").is_some()
                && v.get("type")
                    .and_then(Value::as_str)
                    .is_none_or(|t| t == "string")
        });
        if all_string_enums {
            let mut values = Vec::new();
            let mut docs = Vec::new();
            for v in &resolved {
                for e in v
                    .get("enum")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                {
                    values.push(e.clone());
                    docs.push(text(v.get("description")));
                }
            }
            let e = self.string_enum(&values, ptr, name, doc, &docs)?;
            return Some(TypeDef::Enum(e));
        }
        let mut out = Vec::new();
        for (i, v) in list.iter().enumerate() {
            let v_ptr = format!("{ptr}/{i}");
            let variant_name = match v.get("$ref").and_then(Value::as_str) {
                Some(r) => camel_ident(r.rsplit('/').next().unwrap_or("Variant")),
                None => text(v.get("title"))
                    .or_else(|| tag_value(v))
                    .map(|t| camel_ident(&t))
                    .unwrap_or_else(|| match v.get("type").and_then(Value::as_str) {
                        Some(t @ ("string" | "integer" | "number" | "boolean" | "array")) => {
                            camel_ident(t)
                        }
                        _ => format!("Variant{i}"),
                    }),
            };
            let hint = format!("{name}{variant_name}");
            let ty = self.ty(v, &v_ptr, &hint)?;
            out.push(UnionVariant {
                name: variant_name,
                ty,
                boxed: false,
            });
        }
        let mut names: Vec<String> = out.iter().map(|v| v.name.clone()).collect();
        dedupe(&mut names);
        for (v, n) in out.iter_mut().zip(names) {
            v.name = n;
        }
        let discriminator = match s.get("discriminator") {
            Some(d) => {
                let property = text(d.get("propertyName"))?;
                let mut mapping = Vec::new();
                let explicit = d.get("mapping").and_then(Value::as_object);
                for (i, v) in list.iter().enumerate() {
                    let Some(r) = v.get("$ref").and_then(Value::as_str) else {
                        self.unsupported(
                            &format!("{ptr}/{i}"),
                            "with a discriminator, every variant must be a $ref",
                        );
                        return None;
                    };
                    let mut values: Vec<String> = explicit
                        .into_iter()
                        .flatten()
                        .filter(|(_, target)| target.as_str() == Some(r))
                        .map(|(k, _)| k.clone())
                        .collect();
                    if values.is_empty() {
                        values.push(r.rsplit('/').next().unwrap_or_default().to_owned());
                    }
                    mapping.extend(values.into_iter().map(|value| (value, i)));
                }
                Some(Discriminator { property, mapping })
            }
            None => None,
        };
        Some(TypeDef::Union(Union {
            name: name.to_owned(),
            doc,
            variants: out,
            discriminator,
        }))
    }
}

/// The single value of a `type`-like property that an inline object variant
/// pins with a one-value enum, used to name the variant.
fn tag_value(v: &Value) -> Option<String> {
    let props = v.get("properties")?.as_object()?;
    props.values().find_map(|p| {
        let e = p.get("enum")?.as_array()?;
        (e.len() == 1)
            .then(|| e[0].as_str().map(str::to_owned))
            .flatten()
    })
}

fn is_simple_default(ty: &Ty) -> bool {
    !ty.nullable
        && matches!(
            ty.kind,
            Kind::String | Kind::Integer(_) | Kind::Number(_) | Kind::Boolean | Kind::Named(_)
        )
}

fn integer_type(format: &str, c: &Constraints) -> &'static str {
    match format {
        "int8" => "i8",
        "int16" => "i16",
        "int32" => "i32",
        "uint8" => "u8",
        "uint16" => "u16",
        "uint32" => "u32",
        "uint64" => "u64",
        "uint" => "u64",
        _ if c.minimum.is_some_and(|(m, _)| m >= 0.0) && format == "uint" => "u64",
        _ => "i64",
    }
}

/// The numbers listed in a schema's `enum`.
fn numeric_enum(obj: &serde_json::Map<String, Value>) -> Vec<f64> {
    obj.get("enum")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_f64)
        .collect()
}

/// The values a Rust integer type can hold.
pub fn integer_range(t: &str) -> (i128, i128) {
    match t {
        "i8" => (i8::MIN.into(), i8::MAX.into()),
        "i16" => (i16::MIN.into(), i16::MAX.into()),
        "i32" => (i32::MIN.into(), i32::MAX.into()),
        "u8" => (0, u8::MAX.into()),
        "u16" => (0, u16::MAX.into()),
        "u32" => (0, u32::MAX.into()),
        "u64" => (0, u64::MAX.into()),
        _ => (i64::MIN.into(), i64::MAX.into()),
    }
}

/// Drops a bound that the integer type `t` already guarantees (a minimum
/// below its smallest value, a maximum above its largest), which could not
/// be written as a literal of the type either.
fn drop_vacuous_bounds(t: &str, c: &mut Constraints) {
    let (lo, hi) = integer_range(t);
    if c.minimum.is_some_and(|(m, _)| m < lo as f64) {
        c.minimum = None;
    }
    if c.maximum.is_some_and(|(m, _)| m > hi as f64) {
        c.maximum = None;
    }
}

fn location_name(l: Location) -> &'static str {
    match l {
        Location::Path => "path",
        Location::Query => "query",
        Location::Header => "header",
    }
}

fn security_list(v: Option<&Value>) -> Option<Vec<Vec<String>>> {
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

fn parse_status(s: &str) -> Option<Status> {
    if s == "default" {
        return Some(Status::Default);
    }
    if s.len() == 3 && s[1..].eq_ignore_ascii_case("xx") {
        let d = s[..1].parse::<u16>().ok().filter(|d| (1..=5).contains(d))?;
        return Some(Status::Range(d));
    }
    s.parse::<u16>()
        .ok()
        .filter(|c| (100..600).contains(c))
        .map(Status::Code)
}

/// `Ok`, `NotFound`, `Status418`, `Status4xx`, `Default`.
fn status_variant(s: &Status) -> String {
    match s {
        Status::Code(c) => match reason(*c) {
            Some(r) => camel_ident(r),
            None => format!("Status{c}"),
        },
        Status::Range(d) => format!("Status{d}xx"),
        Status::Default => "Default".into(),
    }
}

/// Reason phrases of the registered status codes a spec is likely to use.
pub fn reason(code: u16) -> Option<&'static str> {
    Some(match code {
        200 => "OK",
        201 => "Created",
        202 => "Accepted",
        203 => "Non-Authoritative Information",
        204 => "No Content",
        206 => "Partial Content",
        207 => "Multi-Status",
        300 => "Multiple Choices",
        301 => "Moved Permanently",
        302 => "Found",
        303 => "See Other",
        304 => "Not Modified",
        307 => "Temporary Redirect",
        308 => "Permanent Redirect",
        400 => "Bad Request",
        401 => "Unauthorized",
        402 => "Payment Required",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        406 => "Not Acceptable",
        408 => "Request Timeout",
        409 => "Conflict",
        410 => "Gone",
        411 => "Length Required",
        412 => "Precondition Failed",
        413 => "Payload Too Large",
        415 => "Unsupported Media Type",
        422 => "Unprocessable Entity",
        423 => "Locked",
        428 => "Precondition Required",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => return None,
    })
}

/// Boxes struct fields and union variants that would otherwise make a type
/// contain itself.
fn break_cycles(types: &mut [TypeDef]) {
    // Direct (unboxed, not behind Vec/Map) edges between named types.
    fn direct(ty: &Ty) -> Option<&str> {
        match &ty.kind {
            Kind::Named(n) => Some(n),
            _ => None,
        }
    }
    let index: HashMap<String, usize> = types
        .iter()
        .enumerate()
        .map(|(i, t)| (t.name().to_owned(), i))
        .collect();
    let edges = |t: &TypeDef| -> Vec<String> {
        match t {
            TypeDef::Struct(s) => s
                .fields
                .iter()
                .filter(|f| !f.boxed)
                .filter_map(|f| direct(&f.ty))
                .map(str::to_owned)
                .collect(),
            TypeDef::Union(u) => u
                .variants
                .iter()
                .filter(|v| !v.boxed)
                .filter_map(|v| direct(&v.ty))
                .map(str::to_owned)
                .collect(),
            TypeDef::Enum(_) => Vec::new(),
        }
    };
    let reaches = |types: &[TypeDef], from: &str, to: &str| -> bool {
        let mut stack = vec![from.to_owned()];
        let mut seen = BTreeSet::new();
        while let Some(n) = stack.pop() {
            if n == to {
                return true;
            }
            if !seen.insert(n.clone()) {
                continue;
            }
            if let Some(&i) = index.get(&n) {
                stack.extend(edges(&types[i]));
            }
        }
        false
    };
    for i in 0..types.len() {
        let me = types[i].name().to_owned();
        let targets: Vec<(usize, String)> = match &types[i] {
            TypeDef::Struct(s) => s
                .fields
                .iter()
                .enumerate()
                .filter_map(|(j, f)| direct(&f.ty).map(|n| (j, n.to_owned())))
                .collect(),
            TypeDef::Union(u) => u
                .variants
                .iter()
                .enumerate()
                .filter_map(|(j, v)| direct(&v.ty).map(|n| (j, n.to_owned())))
                .collect(),
            TypeDef::Enum(_) => Vec::new(),
        };
        for (j, target) in targets {
            if reaches(types, &target, &me) {
                match &mut types[i] {
                    TypeDef::Struct(s) => s.fields[j].boxed = true,
                    TypeDef::Union(u) => u.variants[j].boxed = true,
                    TypeDef::Enum(_) => {}
                }
            }
        }
    }
}

/// Where and why a document failed to deserialize as OpenAPI 3.0.
pub struct ModelError {
    pub pointer: String,
    pub message: String,
}

/// Deserializes the typed OpenAPI model, reporting the failing location as a
/// JSON pointer. This is the structural gate every document passes before a
/// model is built from it.
pub fn model_from_value(value: &Value) -> Result<openapiv3::OpenAPI, ModelError> {
    serde_path_to_error::deserialize(value).map_err(|e| {
        let mut pointer = String::new();
        for segment in e.path().iter() {
            use serde_path_to_error::Segment;
            match segment {
                Segment::Seq { index } => pointer.push_str(&format!("/{index}")),
                Segment::Map { key } => {
                    pointer.push('/');
                    pointer.push_str(&escape_token(key));
                }
                Segment::Enum { .. } | Segment::Unknown => {}
            }
        }
        ModelError {
            pointer,
            message: format!("not a valid OpenAPI 3.0 document: {}", e.inner()),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_are_idiomatic_and_safe() {
        assert_eq!(snake_ident("DeleteAsset"), "delete_asset");
        assert_eq!(snake_ident("type"), "type_");
        assert_eq!(snake_ident("2fa"), "n2fa");
        assert_eq!(camel_ident("error_code"), "ErrorCode");
        assert_eq!(camel_ident("4xx"), "V4xx");
        assert_eq!(camel_ident("Self"), "SelfValue");
        let mut names = vec!["a".to_owned(), "a".to_owned(), "a2".to_owned()];
        dedupe(&mut names);
        assert_eq!(names, ["a", "a2", "a22"]);
    }

    #[test]
    fn statuses() {
        assert_eq!(parse_status("404"), Some(Status::Code(404)));
        assert_eq!(parse_status("4XX"), Some(Status::Range(4)));
        assert_eq!(parse_status("default"), Some(Status::Default));
        assert_eq!(parse_status("abc"), None);
        assert_eq!(status_variant(&Status::Code(404)), "NotFound");
        assert_eq!(status_variant(&Status::Code(299)), "Status299");
        assert!(Status::Range(2).is_success());
    }
}
