//! Stage 3: the model (IR). Turns a validated document into resolved
//! operations and a registry of named types. Emitters read only this.
//!
//! The model is built from the document's JSON tree (not from a typed
//! OpenAPI model) so that a construct it cannot represent is refused with the
//! exact JSON pointer (and so line and column) where it sits. One module per
//! concern: this one holds the model types and the entry point;
//! [`crate::naming`] makes identifiers, [`operations`] reads operations, parameters,
//! bodies and responses, [`schemas`] turns schemas into types, [`status`]
//! knows status codes, and [`cycles`] boxes what would make a type infinite.

mod cycles;
mod direction;
mod operations;
mod schemas;
pub mod status;

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde_json::Value;

use crate::diagnostic::{Diagnostic, Rule};
use crate::load::Document;
use crate::openapi::{escape_token, text, OperationSite};

pub use crate::naming::{camel_ident, snake_ident};
pub use schemas::integer_range;

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
    /// The webhooks (OpenAPI 3.1): requests the API sends to its user, who
    /// serves them. Modelled as operations, each with `webhook` set.
    pub webhooks: Vec<Operation>,
    /// Which way each named type crosses the wire, by name.
    pub usage: BTreeMap<String, Usage>,
}

impl Api {
    /// The operations, then the webhooks: everything with types of its own.
    pub fn all_operations(&self) -> impl Iterator<Item = &Operation> {
        self.operations.iter().chain(&self.webhooks)
    }

    /// Which way values of the named type cross the wire.
    pub fn usage(&self, name: &str) -> Usage {
        self.usage.get(name).copied().unwrap_or_default()
    }
}

/// Which way values of a named type cross the wire (`direction`): a type
/// nothing reaches has neither.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Usage {
    /// A request body or a parameter reaches it: the client writes it and
    /// the server reads it.
    pub request: bool,
    /// A response body reaches it: the server writes it and the client
    /// reads it.
    pub response: bool,
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
    /// `x-region-override`: the service name region overrides use for this
    /// variable (at most one variable of a server has one).
    pub region_override: Option<String>,
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
    /// A fixed-length array whose positions have types of their own
    /// (`prefixItems` closed by `items: false` or `maxItems`): a Rust tuple,
    /// which serde reads and writes as a JSON array of exactly that length.
    /// (A boxed slice rather than a `Vec`: it keeps `Kind`, and so `Ty`, as
    /// small as before.)
    Tuple(Box<[Ty]>),
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
    /// A number's `multipleOf` (positive).
    pub multiple_of: Option<f64>,
    /// A string's `pattern` (checked when `fancy-regex` reads it) and
    /// `format` (documented, not checked) (boxed:
    /// most types have neither, and `Ty` is in every model node).
    pub text: Option<Box<TextRules>>,
}

/// What a string schema says about its text beyond its length.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct TextRules {
    pub pattern: Option<String>,
    /// Whether `pattern` is checked: `fancy-regex` reads it.
    pub checked: bool,
    /// `uuid`, `date-time`, …
    pub format: Option<String>,
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
    /// The field's properties sit in the object itself (`#[serde(flatten)]`):
    /// the `oneOf`/`anyOf` written beside an object's `properties`.
    pub flatten: bool,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Enum {
    pub name: String,
    pub doc: Option<String>,
    pub values: Vec<EnumValue>,
    /// The index of the value the schema's `default` names.
    pub default: Option<usize>,
    /// The variant that keeps a value the document does not list, as
    /// received: set when responses carry the enum (`direction`).
    pub unknown: Option<String>,
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
    /// The variant that keeps an object whose tag the document does not
    /// list, as received: set when the union has a discriminator and
    /// responses carry it (`direction`).
    pub unknown: Option<String>,
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
    /// Where the operation is in the document.
    pub pointer: String,
    /// The webhook's name, when the operation is a webhook (then `path` is
    /// where a receiver serves it unless told otherwise).
    pub webhook: Option<String>,
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
    Cookie,
    /// The whole query string (OpenAPI 3.2 `in: querystring`), one typed
    /// value encoded as its `content` says.
    QueryString(QueryEncoding),
}

/// How a parameter's value is written: a serialization style of the
/// specification, or JSON text (a parameter described by `content`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ParamStyle {
    Simple,
    Label,
    Matrix,
    Form,
    SpaceDelimited,
    PipeDelimited,
    DeepObject,
    Json,
}

impl ParamStyle {
    /// The style a location uses when the document names none.
    pub fn default_for(location: Location) -> ParamStyle {
        match location {
            Location::Path | Location::Header => ParamStyle::Simple,
            _ => ParamStyle::Form,
        }
    }

    /// The style named `name` (OpenAPI 3.2's `cookie` is `form` as cookies
    /// write it), if it is one.
    pub fn parse(name: &str) -> Option<ParamStyle> {
        Some(match name {
            "simple" => ParamStyle::Simple,
            "label" => ParamStyle::Label,
            "matrix" => ParamStyle::Matrix,
            "form" | "cookie" => ParamStyle::Form,
            "spaceDelimited" => ParamStyle::SpaceDelimited,
            "pipeDelimited" => ParamStyle::PipeDelimited,
            "deepObject" => ParamStyle::DeepObject,
            _ => return None,
        })
    }

    /// Whether a parameter at `location` may use the style.
    pub fn allowed_in(self, location: Location) -> bool {
        use ParamStyle::*;
        matches!(
            (location, self),
            (_, Json)
                | (Location::Path, Simple | Label | Matrix)
                | (
                    Location::Query,
                    Form | SpaceDelimited | PipeDelimited | DeepObject
                )
                | (Location::Header, Simple)
                | (Location::Cookie, Form)
        )
    }
}

/// How an `in: querystring` parameter is the query string.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum QueryEncoding {
    /// `application/x-www-form-urlencoded`: an object's properties as pairs.
    Form,
    /// A JSON media type: the JSON text, percent-encoded.
    Json,
}

impl Location {
    /// The location as the spec's `in` names it.
    pub fn name(self) -> &'static str {
        match self {
            Location::Path => "path",
            Location::Query => "query",
            Location::Header => "header",
            Location::Cookie => "cookie",
            Location::QueryString(_) => "querystring",
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Param {
    pub name: String,
    pub rust: String,
    pub location: Location,
    pub required: bool,
    pub doc: Option<String>,
    pub ty: Ty,
    /// How the value is written: a style, or JSON text (`content`).
    pub style: ParamStyle,
    /// Whether arrays and objects are exploded (`k=a&k=b`, not `k=a,b`).
    pub explode: bool,
    /// Whether a query value keeps RFC 3986's reserved characters.
    pub allow_reserved: bool,
    /// `allowEmptyValue`: a query parameter may be sent as `name=` with an
    /// empty value (otherwise a server refuses one, as the spec says).
    pub allow_empty_value: bool,
    /// The credential value that fills the parameter when the caller
    /// leaves it unset (the extension `x-credential`, on a string path or
    /// query parameter); the client then takes it as optional.
    pub credential: Option<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct RequestBody {
    pub required: bool,
    pub doc: Option<String>,
    pub content_type: String,
    pub encoding: Encoding,
    /// A form body's properties that its `encoding` object writes in a
    /// style of their own, or as JSON text; the others are written as
    /// `form` (exploded) would, objects as JSON text.
    pub form_fields: Vec<FormField>,
}

/// A `multipart/form-data` body: a struct of its parts (the schema's
/// properties), or, for a schema without properties, a form the caller
/// builds part by part.
#[derive(Clone, Debug, PartialEq)]
pub struct MultipartForm {
    /// The form struct's name (`…Form`); `None` without properties.
    pub name: Option<String>,
    pub doc: Option<String>,
    pub parts: Vec<FormPart>,
}

/// One property of a multipart body: a part (or, for an array of values or
/// files, one part per item).
#[derive(Clone, Debug, PartialEq)]
pub struct FormPart {
    /// The part's name on the wire.
    pub name: String,
    /// The struct field's name.
    pub rust: String,
    pub doc: Option<String>,
    pub required: bool,
    pub kind: PartKind,
    /// The `encoding` entry's `contentType` (the first of a list).
    pub content_type: Option<String>,
    /// The headers the `encoding` entry documents.
    pub headers: Vec<String>,
}

/// What a multipart property holds, and so how it is written.
#[derive(Clone, Debug, PartialEq)]
pub enum PartKind {
    /// A value written as text (a string, number, boolean or enum).
    Text(Ty),
    /// An array of such values: one text part per item.
    Texts(Ty),
    /// A value written as JSON text (an object, an array of objects, or
    /// any value its `contentType` says is JSON).
    Json(Ty),
    /// A file (`format: binary`; in 3.1, a `contentMediaType`).
    File,
    /// An array of files: one part per file.
    Files,
}

/// How one property of a form body is written (its `encoding` entry).
#[derive(Clone, Debug, PartialEq)]
pub struct FormField {
    pub name: String,
    pub style: ParamStyle,
    pub explode: bool,
    pub allow_reserved: bool,
}

/// How a request body goes on the wire, chosen from the media types offered:
/// JSON first, then a form, then multipart, then raw bytes.
#[derive(Clone, Debug, PartialEq)]
pub enum Encoding {
    Json(Ty),
    /// `application/x-www-form-urlencoded` from a flat typed object.
    Form(Ty),
    /// `multipart/form-data`.
    Multipart(Box<MultipartForm>),
    /// A binary media type (`openapi::is_binary`): a body that streams.
    Binary,
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
    Json(Box<Ty>),
    Text,
    /// A binary media type (`openapi::is_binary`) of a success: the body
    /// streams. Its media type, as a server sends it. (A binary error body
    /// is `Bytes`: error bodies are read whole.)
    Binary(String),
    /// A sequential media type of a success (server-sent events, JSON
    /// Lines, a JSON text sequence): the items stream, each of type `item`
    /// (3.2's `itemSchema`, else the media type's `schema` read as one
    /// item). Its media type, as a server sends it. (An error body of such
    /// a type is read whole, as `Text` or `Bytes`.)
    Sequence {
        kind: Sequence,
        media: String,
        item: Box<Ty>,
    },
    /// Any other media type: the raw bytes.
    Bytes,
}

impl ResponseBody {
    /// Whether the body streams (is handed on as it arrives): binary and
    /// sequential media types.
    pub fn streams(&self) -> bool {
        matches!(
            self,
            ResponseBody::Binary(_) | ResponseBody::Sequence { .. }
        )
    }
}

/// How the items of a sequential body are framed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sequence {
    /// `text/event-stream`: each item is an event's `data`.
    Events,
    /// `application/jsonl`, `application/x-ndjson`: one JSON text a line.
    Lines,
    /// `application/json-seq` (RFC 7464).
    JsonSeq,
}

impl Sequence {
    /// The framing of `media`, if it is a sequential media type.
    pub fn of(media: &str) -> Option<Sequence> {
        match crate::openapi::media_essence(media).as_str() {
            "text/event-stream" => Some(Sequence::Events),
            "application/jsonl" | "application/x-ndjson" | "application/x-jsonlines" => {
                Some(Sequence::Lines)
            }
            "application/json-seq" => Some(Sequence::JsonSeq),
            _ => None,
        }
    }
}

/// A model, and what was worked around to build it.
pub struct Built {
    pub api: Api,
    /// Degradations and left-out operations, each located.
    pub warnings: Vec<Diagnostic>,
    /// How many operations were left out.
    pub skipped: usize,
}

/// Builds the model of `doc` as module `module` from its operations `ops`
/// and webhooks `hooks` (see [`crate::openapi::operations`] and
/// [`crate::openapi::webhooks`]), or every problem that stops it.
pub fn build(
    doc: &Document,
    ops: &[OperationSite<'_>],
    hooks: &[OperationSite<'_>],
    module: &str,
) -> Result<Built, Vec<Diagnostic>> {
    let mut b = Builder {
        doc,
        errors: Vec::new(),
        warnings: Vec::new(),
        skipped: 0,
        credential_headers: BTreeSet::new(),
        types: Vec::new(),
        by_ref: HashMap::new(),
        // Names the generated code uses unqualified beside the spec's types.
        used_names: [
            "String",
            "Vec",
            "Option",
            "Box",
            "Result",
            "Some",
            "None",
            "Ok",
            "Err",
            "Checker",
            "Validate",
            "Self",
            "Into",
            "IntoIterator",
            "Iterator",
        ]
        .map(str::to_owned)
        .into(),
    };
    let root = &doc.value;
    let info = root.get("info");
    let title = text(info.and_then(|i| i.get("title"))).unwrap_or_else(|| module.to_owned());
    let version = text(info.and_then(|i| i.get("version"))).unwrap_or_default();
    let description = text(info.and_then(|i| i.get("description")));
    // Operations and webhooks share the names of methods and types.
    let sites: Vec<OperationSite<'_>> = ops.iter().chain(hooks).cloned().collect();
    if !hooks.is_empty() {
        // The enum naming the webhooks, beside the spec's types.
        b.used_names.insert("Webhook".to_owned());
    }
    b.reserve_operation_names(&sites);
    let servers = b.servers();
    let security_schemes = b.security_schemes();
    b.credential_headers = security_schemes
        .iter()
        .filter_map(|s| match &s.kind {
            SecurityKind::HeaderKey { header } => Some(header.to_ascii_lowercase()),
            SecurityKind::Other { .. } => None,
        })
        .collect();
    let (webhooks, operations): (Vec<Operation>, Vec<Operation>) = b
        .operations(&sites)
        .into_iter()
        .partition(|op| op.webhook.is_some());
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
    cycles::break_cycles(&mut types);
    let usage = direction::usage(&types, operations.iter().chain(&webhooks));
    direction::tolerate(&mut types, &usage);
    Ok(Built {
        api: Api {
            module: module.to_owned(),
            title,
            version,
            description,
            servers,
            security_schemes,
            types,
            operations,
            webhooks,
            usage,
        },
        warnings: b.warnings,
        skipped: b.skipped,
    })
}

/// The state of one model build, shared by the [`operations`] and
/// [`schemas`] halves.
struct Builder<'a> {
    doc: &'a Document,
    errors: Vec<Diagnostic>,
    warnings: Vec<Diagnostic>,
    /// Operations left out (their problems are in `warnings`).
    skipped: usize,
    /// Lower-case names of the headers API-key security schemes send.
    credential_headers: BTreeSet<String>,
    /// Registered types in a stable order, keyed by name.
    types: Vec<(String, TypeDef)>,
    /// `$ref` → the Ty it stands for.
    by_ref: HashMap<String, Ty>,
    used_names: BTreeSet<String>,
}

impl<'a> Builder<'a> {
    /// A construct worked around: reported as a located warning.
    fn warn(&mut self, pointer: &str, rule: Rule, message: impl Into<String>) {
        let d = self.doc.diagnostic(pointer, rule, message).into_warning();
        self.warnings.push(d);
    }

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
}
