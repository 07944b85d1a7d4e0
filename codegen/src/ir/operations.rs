//! Operations: servers, security schemes, and per operation its parameters,
//! request body and responses.

use serde_json::Value;

use super::status::{parse_status, status_variant};
use super::{
    Builder, Diagnostic, Encoding, Kind, Location, Operation, Param, ParamStyle, QueryEncoding,
    RequestBody, Response, ResponseBody, SecurityKind, SecurityScheme, Server, ServerVariable, Ty,
    TypeDef,
};
use crate::diagnostic::{cut, cut_message, Rule};
use crate::naming::{camel_ident, dedupe, snake_ident, TAKEN_METHODS};
use crate::openapi::{
    escape_token, is_json, join, media_essence, region_override, security_list, template_names,
    text, OperationSite, REGION_OVERRIDE,
};

impl<'a> Builder<'a> {
    /// Keeps the names of every operation's outcome enums (`…Success`,
    /// `…Error`) from the spec's own types, which give way instead.
    pub(super) fn reserve_operation_names(&mut self, ops: &[OperationSite<'_>]) {
        for site in ops {
            if let Some(id) = text(site.op.get("operationId")) {
                let type_name = camel_ident(&id);
                self.used_names.insert(format!("{type_name}Success"));
                self.used_names.insert(format!("{type_name}Error"));
            }
        }
    }

    pub(super) fn servers(&mut self) -> Vec<Server> {
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
            let mut has_override = false;
            for (name, v) in s
                .get("variables")
                .and_then(Value::as_object)
                .into_iter()
                .flatten()
            {
                let pointer = format!(
                    "/servers/{}/variables/{}/{}",
                    out.len(),
                    escape_token(name),
                    REGION_OVERRIDE
                );
                let region_override = match region_override(v) {
                    None => None,
                    Some(Err(message)) => {
                        self.warn(&pointer, Rule::Unsupported, format!("{message}; ignored"));
                        None
                    }
                    Some(Ok(_)) if has_override => {
                        self.warn(
                            &pointer,
                            Rule::Unsupported,
                            format!("only one variable of a server may carry `{REGION_OVERRIDE}`; ignored"),
                        );
                        None
                    }
                    Some(Ok(service)) => {
                        has_override = true;
                        Some(service)
                    }
                };
                variables.push(ServerVariable {
                    region_override,
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

    pub(super) fn security_schemes(&mut self) -> Vec<SecurityScheme> {
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

    pub(super) fn operations(&mut self, sites: &[OperationSite<'a>]) -> Vec<Operation> {
        let global_security = security_list(self.doc.value.get("security"));
        let mut ops = Vec::new();
        for site in sites {
            if let Some(why) = site
                .additional
                .then(|| crate::openapi::additional_method_problem(&site.method))
                .flatten()
            {
                self.warn(
                    &site.pointer,
                    Rule::Unsupported,
                    format!("{why}: the operation is left out"),
                );
                self.skipped += 1;
                continue;
            }
            let before = self.errors.len();
            // The document's `security` is how callers reach the API; a
            // webhook is the API calling its user, so only its own applies.
            let global = global_security.as_ref().filter(|_| site.webhook.is_none());
            let op = self.operation(site, global);
            if self.errors.len() > before {
                // One operation never costs the others: what stops it is
                // reported, and the rest of the document generates.
                let what = match &site.webhook {
                    Some(name) => format!("the webhook `{}` ({})", cut(name), cut(&site.method)),
                    None => format!("{} {}", cut(&site.method), cut(&site.template)),
                };
                let problems: Vec<Diagnostic> = self.errors.drain(before..).collect();
                for d in problems {
                    let message = cut_message(format!("{what} is left out: {}", d.message));
                    let skipped = Diagnostic { message, ..d }.into_warning();
                    self.warnings.push(skipped);
                }
                self.skipped += 1;
                continue;
            }
            ops.push(op);
        }
        // A method that would shadow one of the client's own (`new`,
        // `config`) or one every value has (`clone`, `into`, `cmp`, …) takes
        // a trailing underscore, as keywords do. Names that collide once
        // cased (`getFoo`/`GetFoo`) are numbered in document order, for
        // methods and for the operation's types.
        let mut names: Vec<String> = ops
            .iter()
            .map(|o| {
                let taken = ["config", "with_config"].contains(&o.rust.as_str())
                    || TAKEN_METHODS.contains(&o.rust.as_str());
                if taken {
                    format!("{}_", o.rust)
                } else {
                    o.rust.clone()
                }
            })
            .collect();
        dedupe(&mut names);
        for (op, name) in ops.iter_mut().zip(names) {
            op.rust = name;
        }
        let mut types: Vec<String> = ops.iter().map(|o| o.type_name.clone()).collect();
        dedupe(&mut types);
        for (op, name) in ops.iter_mut().zip(types) {
            op.type_name = name;
        }
        ops
    }

    pub(super) fn operation(
        &mut self,
        site: &OperationSite<'a>,
        global_security: Option<&Vec<Vec<String>>>,
    ) -> Operation {
        let (template, method, op, pointer) =
            (&site.template, &site.method, site.op, &site.pointer);
        let id = if let Some(id) = text(op.get("operationId")) {
            id
        } else {
            // A webhook is named by its name rather than its path.
            let id = synthesized_id(method, site.webhook.as_deref().unwrap_or(template));
            self.warn(
                pointer,
                Rule::OperationIdMissing,
                format!(
                    "no operationId: the method is named `{}`",
                    cut(&snake_ident(&id))
                ),
            );
            id
        };
        let type_name = camel_ident(&id);
        let order = template_names(template);
        let mut params: Vec<Param> = Vec::new();
        // OpenAPI 3.2: one `querystring` parameter is the whole query string.
        let query_string = site
            .params
            .iter()
            .find(|p| p.resolved && p.location() == "querystring")
            .map(|p| p.pointer.clone());
        for p in &site.params {
            if !p.resolved {
                // A reference that does not resolve or loops: repair has
                // reported it, and the parameter is left out.
                continue;
            }
            if let Some(first) = query_string
                .as_deref()
                .filter(|_| matches!(p.location(), "query" | "querystring"))
            {
                if p.pointer != first {
                    let what = if p.location() == "query" {
                        "a `query` parameter"
                    } else {
                        "a second `querystring` parameter"
                    };
                    self.warn(
                        &p.pointer,
                        Rule::Unsupported,
                        format!(
                            "{what} beside the `querystring` parameter, which is the whole query string: `{}` is left out",
                            cut(p.name())
                        ),
                    );
                    continue;
                }
            }
            if p.location() == "path" && !order.iter().any(|n| n == p.name()) {
                let message = match &site.webhook {
                    Some(_) => format!(
                        "path parameter `{}`: a webhook is sent to the path its receiver chooses, which has no parameters; ignored",
                        cut(p.name())
                    ),
                    None => format!(
                        "path parameter `{}` is not in `{}`: ignored",
                        cut(p.name()),
                        cut(template)
                    ),
                };
                self.warn(&p.pointer, Rule::PathParamUnused, message);
                continue;
            }
            if p.location() == "header" && self.set_by_client(p.name()) {
                // The client sets it itself (content type, credentials).
                continue;
            }
            if let Some(param) = self.param(p.value, &p.target, &type_name) {
                params.push(param);
            }
        }
        for name in &order {
            let declared = params
                .iter()
                .any(|p| p.location == Location::Path && p.name == *name);
            if !declared {
                self.warn(
                    pointer,
                    Rule::PathParamUndeclared,
                    format!(
                        "`{{{}}}` in `{}` is not declared: a string parameter is assumed",
                        cut(name),
                        cut(template)
                    ),
                );
                params.push(Param {
                    name: name.clone(),
                    rust: snake_ident(name),
                    location: Location::Path,
                    required: true,
                    doc: None,
                    ty: super::Ty {
                        kind: Kind::String,
                        ..Default::default()
                    },
                    style: ParamStyle::Simple,
                    explode: false,
                    allow_reserved: false,
                    allow_empty_value: false,
                    credential: None,
                });
            }
        }
        // Path parameters in template order first, then the rest as declared.
        params.sort_by_key(|p| match p.location {
            Location::Path => order
                .iter()
                .position(|n| *n == p.name)
                .unwrap_or(usize::MAX),
            _ => usize::MAX,
        });
        // The method's own names come first so that a parameter gives way.
        let mut reserved = vec![
            "call",
            "checker",
            "config",
            "decode",
            "into_future",
            "prepare",
            "send",
        ];
        if op.get("requestBody").is_some() {
            reserved.push("body");
        }
        if site.webhook.is_some() {
            // A webhook's request holds the path it is sent to.
            reserved.push("path");
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
            // Repair reads keys that are not statuses as `default`.
            let Some(status) = parse_status(status) else {
                continue;
            };
            let (r, r_ptr) = self.resolve(r, &s_ptr);
            let variant = status_variant(&status);
            let hint = format!("{type_name}{variant}Response");
            let mut body = self.response_body(r, &r_ptr, &hint);
            // Error bodies are read whole, whatever their media type.
            if !status.is_success() {
                match body {
                    Some(ResponseBody::Binary(_)) => body = Some(ResponseBody::Bytes),
                    Some(ResponseBody::Sequence { kind, .. }) => {
                        body = Some(if kind == super::Sequence::Events {
                            ResponseBody::Text
                        } else {
                            ResponseBody::Bytes
                        });
                    }
                    _ => {}
                }
            }
            responses.push(Response {
                status,
                variant,
                description: text(r.get("description")).unwrap_or_default(),
                body,
            });
        }
        responses.sort_by(|a, b| a.status.cmp(&b.status));
        let security = security_list(op.get("security"))
            .or_else(|| global_security.cloned())
            .unwrap_or_default();
        Operation {
            pointer: pointer.clone(),
            webhook: site.webhook.clone(),
            rust: snake_ident(&id),
            id,
            type_name,
            method: method.clone(),
            path: template.to_owned(),
            summary: text(op.get("summary")),
            description: text(op.get("description")),
            deprecated: op.get("deprecated") == Some(&Value::Bool(true)),
            params,
            body,
            responses,
            security,
        }
    }

    pub(super) fn param(&mut self, p: &'a Value, ptr: &str, op_type: &str) -> Option<Param> {
        let name = text(p.get("name")).unwrap_or_default();
        let location = match p.get("in").and_then(Value::as_str) {
            Some("path") => Location::Path,
            Some("query") => Location::Query,
            Some("header") => Location::Header,
            Some("cookie") => Location::Cookie,
            Some("querystring") => return self.query_string_param(p, ptr, op_type, name),
            other => {
                let what = match other {
                    Some(o) => {
                        format!(
                            "`in: {}` is not a parameter location (path, query, header, cookie or querystring)",
                            cut(o)
                        )
                    }
                    None => "a parameter needs `in`".to_owned(),
                };
                if p.get("required") == Some(&Value::Bool(true)) {
                    self.unsupported(&join(ptr, "in"), what);
                } else {
                    self.warn(
                        &join(ptr, "in"),
                        Rule::Unsupported,
                        format!("{what}: optional parameter `{}` is left out", cut(&name)),
                    );
                }
                return None;
            }
        };
        let (ty, style) = self.param_type(p, ptr, op_type, &name, location)?;
        let credential = match p.get("x-credential") {
            None => None,
            Some(Value::String(c))
                if matches!(location, Location::Path | Location::Query)
                    && ty.kind == Kind::String =>
            {
                Some(c.clone())
            }
            Some(_) => {
                self.warn(
                    &join(ptr, "x-credential"),
                    Rule::Unsupported,
                    format!(
                        "`x-credential` applies to a string path or query parameter: ignored on `{}`",
                        cut(&name)
                    ),
                );
                None
            }
        };
        Some(Param {
            credential,
            rust: snake_ident(&name),
            required: location == Location::Path || p.get("required") == Some(&Value::Bool(true)),
            name,
            location,
            doc: text(p.get("description")),
            ty,
            explode: p
                .get("explode")
                .and_then(Value::as_bool)
                .unwrap_or(matches!(style, ParamStyle::Form | ParamStyle::DeepObject)),
            allow_reserved: p.get("allowReserved") == Some(&Value::Bool(true)),
            allow_empty_value: p.get("allowEmptyValue") == Some(&Value::Bool(true)),
            style,
        })
    }

    /// A parameter's type and how it is written: from its `schema` and
    /// `style`, or from its `content` (JSON text, or the text of another
    /// media type).
    fn param_type(
        &mut self,
        p: &'a Value,
        ptr: &str,
        op_type: &str,
        name: &str,
        location: Location,
    ) -> Option<(super::Ty, ParamStyle)> {
        let hint = format!("{op_type}{}", camel_ident(name));
        let string = || super::Ty {
            kind: Kind::String,
            ..Default::default()
        };
        if let Some(schema) = p.get("schema") {
            let ty = self.ty(schema, &join(ptr, "schema"), &hint)?;
            let default = ParamStyle::default_for(location);
            let style = match text(p.get("style")) {
                None => default,
                Some(named) => match ParamStyle::parse(&named) {
                    Some(s) if s.allowed_in(location) => s,
                    _ => {
                        self.warn(
                            &join(ptr, "style"),
                            Rule::InvalidDocument,
                            format!(
                                "`{}` is not a style of {} parameters: `{}` is used",
                                cut(&named),
                                location.name(),
                                match default {
                                    ParamStyle::Simple => "simple",
                                    _ => "form",
                                }
                            ),
                        );
                        default
                    }
                },
            };
            return Some((ty, style));
        }
        let content = p.get("content").and_then(Value::as_object);
        let Some((media, m)) = content.and_then(|c| {
            c.iter()
                .find(|(m, _)| is_json(m))
                .or_else(|| c.iter().next())
        }) else {
            self.warn(
                ptr,
                Rule::Unsupported,
                format!(
                    "parameter `{}` has no schema: it is passed as a string",
                    cut(name)
                ),
            );
            return Some((string(), ParamStyle::default_for(location)));
        };
        let schema_ptr = join(&join(&join(ptr, "content"), media), "schema");
        if is_json(media) {
            let ty = match m.get("schema") {
                Some(schema) => self.ty(schema, &schema_ptr, &hint)?,
                None => super::Ty {
                    kind: Kind::Any,
                    ..Default::default()
                },
            };
            return Some((ty, ParamStyle::Json));
        }
        // Another media type (`text/plain`, XML, …): the value is its text.
        let ty = match m.get("schema") {
            Some(schema) => {
                let ty = self.ty(schema, &schema_ptr, &hint)?;
                if matches!(ty.kind, Kind::String) || self.is_scalar_named(&ty.kind) {
                    ty
                } else {
                    string()
                }
            }
            None => string(),
        };
        Some((ty, ParamStyle::default_for(location)))
    }

    /// An `in: querystring` parameter (OpenAPI 3.2): the whole query string,
    /// described by `content`: a form of an object's properties
    /// (`application/x-www-form-urlencoded`, preferred) or JSON text.
    fn query_string_param(
        &mut self,
        p: &'a Value,
        ptr: &str,
        op_type: &str,
        name: String,
    ) -> Option<Param> {
        let required = p.get("required") == Some(&Value::Bool(true));
        let left_out = |b: &mut Self, at: &str, what: &str| -> Option<Param> {
            if required {
                b.unsupported(at, what);
            } else {
                b.warn(
                    at,
                    Rule::Unsupported,
                    format!("{what}: optional parameter `{}` is left out", cut(&name)),
                );
            }
            None
        };
        let content = p.get("content").and_then(Value::as_object);
        let form = content.and_then(|c| {
            c.iter()
                .find(|(m, _)| media_essence(m) == "application/x-www-form-urlencoded")
        });
        let pick = form.map(|m| (m, QueryEncoding::Form)).or_else(|| {
            content
                .and_then(|c| c.iter().find(|(m, _)| is_json(m)))
                .map(|m| (m, QueryEncoding::Json))
        });
        let Some(((media, m), encoding)) = pick else {
            return left_out(
                self,
                ptr,
                "a `querystring` parameter needs `content` of `application/x-www-form-urlencoded` or JSON",
            );
        };
        let schema_ptr = join(&join(&join(ptr, "content"), media), "schema");
        let Some(schema) = m.get("schema") else {
            return left_out(
                self,
                &schema_ptr,
                "a `querystring` parameter needs a schema",
            );
        };
        let ty = self.ty(
            schema,
            &schema_ptr,
            &format!("{op_type}{}", camel_ident(&name)),
        )?;
        let object = match &ty.kind {
            Kind::Map(_) => true,
            Kind::Named(n) => matches!(
                self.types.iter().find(|(t, _)| t == n),
                Some((_, TypeDef::Struct(_)))
            ),
            _ => false,
        };
        if encoding == QueryEncoding::Form && !object {
            return left_out(
                self,
                &schema_ptr,
                "a form query string holds an object's properties, and this schema is not an object",
            );
        }
        Some(Param {
            rust: snake_ident(&name),
            name,
            location: Location::QueryString(encoding),
            required,
            doc: text(p.get("description")),
            ty,
            style: ParamStyle::Form,
            explode: true,
            allow_reserved: false,
            allow_empty_value: true,
            credential: None,
        })
    }

    /// A named type that stands for one scalar: a string enum, or a union
    /// whose every variant is a scalar.
    pub(super) fn is_scalar_named(&self, kind: &Kind) -> bool {
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

    pub(super) fn request_body(
        &mut self,
        b: &'a Value,
        ptr: &str,
        op_type: &str,
    ) -> Option<RequestBody> {
        let content = b.get("content").and_then(Value::as_object);
        let Some(content) = content.filter(|c| !c.is_empty()) else {
            self.warn(
                ptr,
                Rule::Unsupported,
                "a request body without media types in `content` is left out",
            );
            return None;
        };
        let pick = content
            .iter()
            .find(|(m, _)| is_json(m))
            .or_else(|| {
                content
                    .iter()
                    .find(|(m, _)| media_essence(m) == "application/x-www-form-urlencoded")
            })
            .or_else(|| {
                content
                    .iter()
                    .find(|(m, _)| media_essence(m) == "multipart/form-data")
            })
            .or_else(|| content.iter().next());
        let (media, m) = pick?;
        let m_ptr = join(&join(ptr, "content"), media);
        let schema_ptr = join(&m_ptr, "schema");
        let hint = format!("{op_type}Body");
        let mut form_fields = Vec::new();
        let encoding = if is_json(media) {
            Encoding::Json(self.ty(m.get("schema")?, &schema_ptr, &hint)?)
        } else if media_essence(media) == "application/x-www-form-urlencoded" {
            let Some(schema) = m.get("schema") else {
                self.unsupported(&m_ptr, "a form body needs a schema");
                return None;
            };
            form_fields = self.form_fields(m, &m_ptr);
            Encoding::Form(self.ty(schema, &schema_ptr, &hint)?)
        } else if media_essence(media) == "multipart/form-data" {
            Encoding::Multipart(Box::new(self.multipart_form(m, &m_ptr, op_type)))
        } else if crate::openapi::is_binary(
            media,
            m.get("schema").map(|s| self.resolve(s, &schema_ptr).0),
        ) {
            Encoding::Binary
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
            form_fields,
        })
    }

    /// The entries of a form body's `encoding` object that change how a
    /// property is written: a style, `explode` or `allowReserved`, else a
    /// JSON `contentType`.
    fn form_fields(&mut self, m: &'a Value, m_ptr: &str) -> Vec<super::FormField> {
        let mut out = Vec::new();
        let entries = m.get("encoding").and_then(Value::as_object);
        for (name, e) in entries.into_iter().flatten() {
            let e_ptr = join(&join(m_ptr, "encoding"), name);
            let styled = ["style", "explode", "allowReserved"]
                .iter()
                .any(|k| e.get(*k).is_some());
            let style = if styled {
                match text(e.get("style")) {
                    None => ParamStyle::Form,
                    Some(named) => match ParamStyle::parse(&named) {
                        Some(s) if s.allowed_in(Location::Query) => s,
                        _ => {
                            self.warn(
                                &join(&e_ptr, "style"),
                                Rule::InvalidDocument,
                                format!(
                                    "`{}` is not a style of form properties: `form` is used",
                                    cut(&named)
                                ),
                            );
                            ParamStyle::Form
                        }
                    },
                }
            } else if text(e.get("contentType")).is_some_and(|c| is_json(&c)) {
                ParamStyle::Json
            } else {
                continue;
            };
            out.push(super::FormField {
                name: name.clone(),
                explode: e
                    .get("explode")
                    .and_then(Value::as_bool)
                    .unwrap_or(matches!(style, ParamStyle::Form | ParamStyle::DeepObject)),
                allow_reserved: e.get("allowReserved") == Some(&Value::Bool(true)),
                style,
            });
        }
        out
    }

    pub(super) fn response_body(
        &mut self,
        r: &'a Value,
        ptr: &str,
        hint: &str,
    ) -> Option<ResponseBody> {
        let content = r.get("content").and_then(Value::as_object)?;
        if content.is_empty() {
            return None;
        }
        if let Some((media, m)) = content.iter().find(|(m, _)| is_json(m)) {
            let m_ptr = join(&join(ptr, "content"), media);
            let schema = m.get("schema")?;
            return self
                .ty(schema, &join(&m_ptr, "schema"), hint)
                .map(|ty| ResponseBody::Json(Box::new(ty)));
        }
        if let Some((media, m, kind)) = content
            .iter()
            .find_map(|(media, m)| super::Sequence::of(media).map(|k| (media, m, k)))
        {
            let m_ptr = join(&join(ptr, "content"), media);
            let item = self.sequence_item(kind, m, &m_ptr, hint);
            return Some(ResponseBody::Sequence {
                kind,
                media: media.clone(),
                item: Box::new(item),
            });
        }
        if content.keys().any(|m| m.starts_with("text/")) {
            return Some(ResponseBody::Text);
        }
        let (media, m) = content.iter().next()?;
        let schema_ptr = join(&join(&join(ptr, "content"), media), "schema");
        let schema = m.get("schema").map(|s| self.resolve(s, &schema_ptr).0);
        if crate::openapi::is_binary(media, schema) {
            let content_type = if media.contains('*') {
                "application/octet-stream".to_owned()
            } else {
                media.clone()
            };
            return Some(ResponseBody::Binary(content_type));
        }
        Some(ResponseBody::Bytes)
    }
}

impl<'a> Builder<'a> {
    /// The parts of a `multipart/form-data` media type `m` (at `m_ptr`):
    /// its schema's properties, each written as its type and `encoding`
    /// entry say (see [`PartKind`](super::PartKind)).
    fn multipart_form(&mut self, m: &'a Value, m_ptr: &str, op_type: &str) -> super::MultipartForm {
        use super::{FormPart, PartKind};
        let schema_ptr = join(m_ptr, "schema");
        let (schema, schema_at) = match m.get("schema") {
            Some(s) => self.resolve(s, &schema_ptr),
            None => (&Value::Null, schema_ptr.clone()),
        };
        let encoding = m.get("encoding").and_then(Value::as_object);
        let required: Vec<&str> = schema
            .get("required")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .collect();
        let properties = schema.get("properties").and_then(Value::as_object);
        let mut parts = Vec::new();
        for (name, p) in properties.into_iter().flatten() {
            let p_ptr = join(&join(&schema_at, "properties"), name);
            let entry = encoding.and_then(|e| e.get(name));
            let content_type = entry
                .and_then(|e| text(e.get("contentType")))
                .map(|ct| ct.split(',').next().unwrap_or_default().trim().to_owned())
                .filter(|ct| !ct.is_empty() && !ct.contains('*'));
            let headers: Vec<String> = entry
                .and_then(|e| e.get("headers"))
                .and_then(Value::as_object)
                .into_iter()
                .flatten()
                .map(|(h, _)| h.clone())
                .collect();
            let (resolved, _) = self.resolve(p, &p_ptr);
            let binary = |s: &Value| s.get("format").and_then(Value::as_str) == Some("binary");
            let json = content_type.as_deref().is_some_and(is_json);
            let hint = format!("{op_type}Form{}", camel_ident(name));
            let kind = if binary(resolved) {
                PartKind::File
            } else {
                let items = resolved
                    .get("items")
                    .map(|i| self.resolve(i, &join(&p_ptr, "items")).0);
                let Some(ty) = self.ty(p, &p_ptr, &hint) else {
                    continue;
                };
                match (&ty.kind, items) {
                    (Kind::Array(_), Some(i)) if binary(i) => PartKind::Files,
                    _ if json => PartKind::Json(ty),
                    (Kind::Array(inner), _) if is_scalar(inner, self) => {
                        PartKind::Texts(*inner.clone())
                    }
                    (k, _) if is_scalar_kind(k, self) => PartKind::Text(ty),
                    _ => PartKind::Json(ty),
                }
            };
            parts.push(FormPart {
                name: name.clone(),
                rust: snake_ident(name),
                doc: text(resolved.get("description")),
                required: required.contains(&name.as_str()),
                kind,
                content_type,
                headers,
            });
        }
        let mut rust: Vec<String> = parts.iter().map(|p| p.rust.clone()).collect();
        dedupe(&mut rust);
        for (part, rust) in parts.iter_mut().zip(rust) {
            part.rust = rust;
        }
        let name = (!parts.is_empty()).then(|| self.claim_name(&format!("{op_type}Form")));
        super::MultipartForm {
            name,
            doc: text(schema.get("description")),
            parts,
        }
    }

    /// The item type of a sequential media type `m` (at `m_ptr`): 3.2's
    /// `itemSchema`, else its `schema` read as one item. An event's item
    /// is its `data`: of an `itemSchema` describing the event (`data`,
    /// `event`, `id`, `retry`), the `data` property's `contentSchema` (the
    /// JSON it holds) or its own type; of a string schema (a 3.0 document's
    /// usual way to say "a stream"), plain text. Records without a schema
    /// are any JSON value; events, text.
    fn sequence_item(
        &mut self,
        kind: super::Sequence,
        m: &'a Value,
        m_ptr: &str,
        hint: &str,
    ) -> Ty {
        let text = || Ty {
            kind: Kind::String,
            ..Ty::default()
        };
        let events = kind == super::Sequence::Events;
        let hint = if events {
            hint.replace("Response", "Event")
        } else {
            hint.replace("Response", "Item")
        };
        if let Some(item) = m.get("itemSchema") {
            let item_ptr = join(m_ptr, "itemSchema");
            if !events {
                return self.ty(item, &item_ptr, &hint).unwrap_or_default();
            }
            let (event, event_ptr) = self.resolve(item, &item_ptr);
            let Some(data) = event.get("properties").and_then(|p| p.get("data")) else {
                return text();
            };
            let data_ptr = join(&join(&event_ptr, "properties"), "data");
            let (resolved, resolved_ptr) = self.resolve(data, &data_ptr);
            if let Some(inner) = resolved.get("contentSchema") {
                return self
                    .ty(inner, &join(&resolved_ptr, "contentSchema"), &hint)
                    .unwrap_or_default();
            }
            return self.ty(data, &data_ptr, &hint).unwrap_or_else(text);
        }
        let Some(schema) = m.get("schema") else {
            return if events { text() } else { Ty::default() };
        };
        let schema_ptr = join(m_ptr, "schema");
        let (resolved, _) = self.resolve(schema, &schema_ptr);
        if events && resolved.get("type").and_then(Value::as_str) == Some("string") {
            return text();
        }
        self.ty(schema, &schema_ptr, &hint).unwrap_or_default()
    }
}

/// Whether values of `ty` are written as text of their own (a string,
/// number, boolean or string enum), not as JSON.
fn is_scalar(ty: &Ty, b: &Builder<'_>) -> bool {
    is_scalar_kind(&ty.kind, b)
}

fn is_scalar_kind(kind: &Kind, b: &Builder<'_>) -> bool {
    match kind {
        Kind::String | Kind::Integer(_) | Kind::Number(_) | Kind::Boolean => true,
        Kind::Named(n) => b
            .types
            .iter()
            .any(|(_, t)| matches!(t, TypeDef::Enum(e) if &e.name == n)),
        _ => false,
    }
}

/// A method name for an operation without an `operationId`: the method and
/// the path's words (`GET /v1/{project_id}/items` → `get_v1_project_id_items`).
fn synthesized_id(method: &str, template: &str) -> String {
    let mut id = method.to_ascii_lowercase();
    for word in template.split(|c: char| !c.is_ascii_alphanumeric()) {
        if !word.is_empty() {
            id.push('_');
            id.push_str(word);
        }
    }
    id
}

/// Headers the HTTP client sets itself, never a method argument.
const CLIENT_HEADERS: [&str; 6] = [
    "content-type",
    "content-length",
    "host",
    "transfer-encoding",
    "connection",
    "accept-encoding",
];

impl Builder<'_> {
    /// Whether a header parameter is one the client sets itself: framing
    /// headers, and the header of an API-key security scheme (the
    /// authenticator sends it).
    fn set_by_client(&self, header: &str) -> bool {
        let lower = header.to_ascii_lowercase();
        CLIENT_HEADERS.contains(&lower.as_str()) || self.credential_headers.contains(&lower)
    }
}
