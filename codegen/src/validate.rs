//! Stage 2: validate. Checks a loaded document against the rules in
//! [`Rule`], reporting every problem found (not only the first), each located by
//! JSON pointer and source position.
//!
//! The checks work on the raw JSON tree so that every problem can be pinned to
//! the exact node it concerns.

use std::collections::{BTreeSet, HashMap};

use serde_json::{Map, Value};

use crate::diagnostic::{self, cut, cut_to, ref_loop_text, Diagnostic, Rule};
use crate::load::Document;
use crate::naming::{camel_ident, snake_ident};
use crate::openapi::{self, is_json, join, pointer_tokens, OperationSite, METHODS};
use crate::pointer::is_within;

/// The longest pointer quoted in a message, in characters.
const POINTER_MAX: usize = 200;

/// Runs every rule over `doc`. Diagnostics come back sorted.
pub fn validate(doc: &Document, ops: &[OperationSite<'_>]) -> Vec<Diagnostic> {
    let mut v = Validator {
        doc,
        ops,
        out: Vec::new(),
        refs: Vec::new(),
    };
    // References to other files the loader could not follow, where they are
    // written (each copy of them is left unresolved in the document).
    v.out.extend(doc.unresolved().iter().cloned());
    if v.check_version() {
        v.check_refs(&doc.value, "");
        v.check_ref_cycles();
        v.check_operations();
        v.check_security();
        v.check_servers();
        v.check_credentials();
        v.check_examples();
        v.check_unused_components();
        v.check_model();
        v.check_meta_schema();
    }
    diagnostic::sort(&mut v.out);
    v.out.dedup();
    v.out
}

/// Only the version rule: is this an OpenAPI 3.0 document at all? (What
/// generation needs before it reads a document leniently.)
pub fn check_version(doc: &Document) -> Vec<Diagnostic> {
    let mut v = Validator {
        doc,
        ops: &[],
        out: Vec::new(),
        refs: Vec::new(),
    };
    v.check_version();
    v.out
}

struct Validator<'a> {
    doc: &'a Document,
    ops: &'a [OperationSite<'a>],
    out: Vec<Diagnostic>,
    /// Every node holding a local `$ref` that resolves: (its pointer, the
    /// target's pointer), in document order.
    refs: Vec<(String, String)>,
}

impl<'a> Validator<'a> {
    fn report(&mut self, pointer: &str, rule: Rule, message: impl Into<String>) {
        let d = self.doc.diagnostic(pointer, rule, message);
        self.out.push(d);
    }

    fn root(&self) -> &'a Value {
        &self.doc.value
    }

    /// Follows `$ref` chains (local only) and returns the target with its pointer.
    fn deref(&self, value: &'a Value, pointer: &str) -> Option<(&'a Value, String)> {
        self.doc.follow_refs(value, pointer)
    }

    fn check_version(&mut self) -> bool {
        let root = self.root();
        if !root.is_object() {
            self.report(
                "",
                Rule::InvalidDocument,
                "an OpenAPI document must be a mapping",
            );
            return false;
        }
        if crate::load::Version::of(root).is_some() {
            return true;
        }
        let supported = "supported: Swagger 2.0, OpenAPI 3.0.x, 3.1.x and 3.2.x";
        match (root.get("openapi"), root.get("swagger")) {
            (Some(Value::String(v)), _) => {
                self.report(
                    "/openapi",
                    Rule::InvalidDocument,
                    format!(
                        "OpenAPI version `{}` is not supported ({supported})",
                        cut(v)
                    ),
                );
            }
            (Some(_), _) => {
                self.report(
                    "/openapi",
                    Rule::InvalidDocument,
                    "`openapi` must be a string such as \"3.1.0\"",
                );
            }
            (None, Some(v)) => {
                self.report(
                    "/swagger",
                    Rule::InvalidDocument,
                    format!(
                        "Swagger version {} is not supported ({supported}): write `swagger: \"2.0\"`",
                        cut(&v.to_string())
                    ),
                );
            }
            (None, None) => {
                self.report(
                    "",
                    Rule::InvalidDocument,
                    format!("missing `openapi` version field ({supported})"),
                );
            }
        }
        false
    }

    /// Every `$ref` must be local and resolve.
    fn check_refs(&mut self, value: &Value, pointer: &str) {
        match value {
            Value::Object(map) => {
                for (k, v) in map {
                    let child = join(pointer, k);
                    if k == "$ref" {
                        match v.as_str() {
                            // Reported by the loader, where it is written.
                            Some(_) if self.doc.dangling(&child).is_some() => {}
                            Some(r) if !r.starts_with('#') => self.report(
                                &child,
                                Rule::UnresolvedRef,
                                format!("`{}` refers to another file, which cannot be followed here: load the document from its file so that references resolve against its directory", cut(r)),
                            ),
                            Some(r) if self.doc.resolve_ref(r).is_none() => {
                                self.report(&child, Rule::UnresolvedRef, format!("`{}` does not resolve", cut(r)));
                            }
                            Some(r) => self.refs.push((pointer.to_owned(), canonical(r))),
                            None => self.report(&child, Rule::UnresolvedRef, "`$ref` must be a string"),
                        }
                    } else if k == "properties"
                        // The `default` response, not a default value.
                        || (k == "default" && pointer.ends_with("/responses"))
                        || !matches!(k.as_str(), "example" | "examples" | "default" | "enum")
                    {
                        self.check_refs(v, &child);
                    } else if k == "examples"
                        && !(pointer.ends_with("/schema") || pointer.contains("/properties/"))
                    {
                        // Media type and parameter `examples` may hold `$ref`s.
                        for (name, ex) in v.as_object().into_iter().flatten() {
                            if let Some(Value::String(r)) = ex.get("$ref") {
                                let at = join(&join(&child, name), "$ref");
                                if self.doc.dangling(&at).is_some() {
                                    continue; // reported by the loader
                                }
                                if self.doc.resolve_ref(r).is_none() {
                                    self.report(
                                        &at,
                                        Rule::UnresolvedRef,
                                        format!("`{}` does not resolve", cut(r)),
                                    );
                                } else {
                                    self.refs.push((join(&child, name), canonical(r)));
                                }
                            }
                        }
                    }
                }
            }
            Value::Array(items) => {
                for (i, v) in items.iter().enumerate() {
                    self.check_refs(v, &format!("{pointer}/{i}"));
                }
            }
            _ => {}
        }
    }

    /// `$ref`s that lead only to each other never reach an object: each
    /// such loop is reported once, at the reference of the loop written
    /// first. (A schema that refers to itself through `properties` or
    /// `items` is a recursive type, not a loop: the chain stops at an object
    /// that is not a reference.)
    fn check_ref_cycles(&mut self) {
        let refs = std::mem::take(&mut self.refs);
        let next: HashMap<&str, &str> = refs
            .iter()
            .map(|(at, target)| (at.as_str(), target.as_str()))
            .collect();
        let order: HashMap<&str, usize> = refs
            .iter()
            .enumerate()
            .map(|(i, (at, _))| (at.as_str(), i))
            .collect();
        // 0: not seen, 1: on the chain being followed, 2: done.
        let mut state: HashMap<&str, u8> = HashMap::new();
        let mut cycles: Vec<Vec<&str>> = Vec::new();
        for (start, _) in &refs {
            let mut chain: Vec<&str> = Vec::new();
            let mut at = start.as_str();
            loop {
                match state.get(at).copied().unwrap_or(0) {
                    2 => break,
                    1 => {
                        let from = chain.iter().position(|p| *p == at).unwrap_or(0);
                        cycles.push(chain[from..].to_vec());
                        break;
                    }
                    _ => {}
                }
                state.insert(at, 1);
                chain.push(at);
                match next.get(at) {
                    Some(target) if next.contains_key(target) => at = target,
                    _ => break,
                }
            }
            for p in chain {
                state.insert(p, 2);
            }
        }
        for mut cycle in cycles {
            // Start the loop at the reference written first.
            let first = (0..cycle.len())
                .min_by_key(|&i| order.get(cycle[i]).copied().unwrap_or(usize::MAX))
                .unwrap_or(0);
            cycle.rotate_left(first);
            let what = referent(cycle[0]);
            self.report(
                &join(cycle[0], "$ref"),
                Rule::RefCycle,
                format!(
                    "these references only lead to each other and never reach {what}: {}",
                    ref_loop_text(&cycle, POINTER_MAX)
                ),
            );
        }
    }

    fn check_operations(&mut self) {
        let mut ids: HashMap<String, String> = HashMap::new();
        // Rust method and type names → (operationId, pointer) first given them.
        let mut methods: HashMap<String, (String, String)> = HashMap::new();
        let mut types: HashMap<String, (String, String)> = HashMap::new();
        let ops = self.ops;
        for op in ops {
            let what = format!("{} {}", op.method.to_uppercase(), cut(&op.template));
            // operationId
            match op.op.get("operationId").and_then(Value::as_str) {
                None => self.report(
                    &op.pointer,
                    Rule::OperationIdMissing,
                    format!("{what} has no operationId"),
                ),
                Some(id) => {
                    let id_ptr = join(&op.pointer, "operationId");
                    if let Some(first) = ids.get(id) {
                        let first = cut_to(first, POINTER_MAX);
                        self.report(
                            &id_ptr,
                            Rule::OperationIdDuplicate,
                            format!("operationId `{}` is already used at {first}", cut(id)),
                        );
                    } else {
                        ids.insert(id.to_owned(), id_ptr.clone());
                        self.check_name_collision(id, &id_ptr, &mut methods, &mut types);
                    }
                }
            }

            // Path template versus declared path parameters.
            let in_template = openapi::template_names(&op.template);
            let params: Vec<_> = op.params.iter().filter(|p| p.resolved).collect();
            let declared: BTreeSet<&str> = params
                .iter()
                .filter(|p| p.location() == "path")
                .map(|p| p.name())
                .collect();
            for name in &in_template {
                if !declared.contains(name.as_str()) {
                    self.report(
                        &op.pointer,
                        Rule::PathParamUndeclared,
                        format!("path template `{}` uses `{{{name}}}` but {} declares no path parameter `{name}`", cut(&op.template), op.method.to_uppercase(), name = cut(name)),
                    );
                }
            }
            for p in &params {
                if p.location() == "path" {
                    let name = p.name();
                    if !in_template.iter().any(|t| t == name) {
                        self.report(
                            &p.pointer,
                            Rule::PathParamUnused,
                            format!(
                                "path parameter `{}` does not appear in `{}`",
                                cut(name),
                                cut(&op.template)
                            ),
                        );
                    }
                }
            }

            // Responses.
            let responses_ptr = join(&op.pointer, "responses");
            let responses = op.op.get("responses").and_then(Value::as_object);
            let has_success = responses.is_some_and(|r| r.keys().any(|k| k.starts_with('2')));
            // `responses` that is not a mapping is an invalid-document problem.
            let malformed = responses.is_none() && op.op.get("responses").is_some();
            if !has_success && !malformed {
                self.report(
                    if responses.is_some() {
                        &responses_ptr
                    } else {
                        &op.pointer
                    },
                    Rule::NoSuccessResponse,
                    format!("{what} documents no 2xx response"),
                );
            }
            for (status, resp) in responses.into_iter().flatten() {
                let ptr = join(&responses_ptr, status);
                if let Some((resp, ptr)) = self.deref(resp, &ptr) {
                    self.check_content_schemas(resp, &ptr, "response");
                }
            }
            if let Some(body) = op.op.get("requestBody") {
                let ptr = join(&op.pointer, "requestBody");
                if let Some((body, ptr)) = self.deref(body, &ptr) {
                    self.check_content_schemas(body, &ptr, "request");
                }
            }
        }
    }

    /// Different operationIds that become the same Rust method or type name
    /// (`getFoo` and `GetFoo` are both `get_foo`): generation numbers the
    /// later one, so the warning says which name to expect.
    fn check_name_collision(
        &mut self,
        id: &str,
        id_ptr: &str,
        methods: &mut HashMap<String, (String, String)>,
        types: &mut HashMap<String, (String, String)>,
    ) {
        let method = snake_ident(id);
        let type_name = camel_ident(id);
        let clash = match (methods.get(&method), types.get(&type_name)) {
            (Some((other, at)), _) => Some((other, at, format!("the method `{}`", cut(&method)))),
            (None, Some((other, at))) => {
                Some((other, at, format!("the types `{}…`", cut(&type_name))))
            }
            (None, None) => None,
        };
        if let Some((other, at, name)) = clash {
            let message = format!(
                "operationId `{}` becomes {name} in Rust, as `{}` at {} does: the generated names are numbered in document order",
                cut(id),
                cut(other),
                cut_to(at, POINTER_MAX)
            );
            self.report(id_ptr, Rule::OperationIdCollision, message);
        }
        let entry = (id.to_owned(), id_ptr.to_owned());
        methods.entry(method).or_insert_with(|| entry.clone());
        types.entry(type_name).or_insert(entry);
    }

    fn check_content_schemas(&mut self, holder: &Value, pointer: &str, what: &str) {
        for (media, m) in holder
            .get("content")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            if is_json(media) && m.get("schema").is_none() {
                self.report(
                    &join(&join(pointer, "content"), media),
                    Rule::BodyWithoutSchema,
                    format!("{what} body `{}` has no schema", cut(media)),
                );
            }
        }
    }

    fn check_security(&mut self) {
        let schemes: BTreeSet<String> = self
            .root()
            .pointer("/components/securitySchemes")
            .and_then(Value::as_object)
            .map(|m| m.keys().cloned().collect())
            .unwrap_or_default();
        let mut lists = vec![("/security".to_owned(), self.root().get("security"))];
        for op in self.ops {
            lists.push((join(&op.pointer, "security"), op.op.get("security")));
        }
        for (ptr, list) in lists {
            for (i, req) in list
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .enumerate()
            {
                for name in req.as_object().into_iter().flatten().map(|(k, _)| k) {
                    if !schemes.contains(name) {
                        self.report(
                            &join(&format!("{ptr}/{i}"), name),
                            Rule::UndefinedSecurityScheme,
                            format!("security requirement names `{}`, which is not in components/securitySchemes", cut(name)),
                        );
                    }
                }
            }
        }
    }

    /// `x-region-override` on server variables: a service name, on at most
    /// one variable of a server.
    fn check_servers(&mut self) {
        let servers = self.root().get("servers").and_then(Value::as_array);
        for (i, server) in servers.into_iter().flatten().enumerate() {
            let variables = server.get("variables").and_then(Value::as_object);
            let mut first: Option<&str> = None;
            for (name, variable) in variables.into_iter().flatten() {
                let pointer = format!(
                    "/servers/{i}/variables/{}/{}",
                    openapi::escape_token(name),
                    openapi::REGION_OVERRIDE
                );
                match openapi::region_override(variable) {
                    None => {}
                    Some(Err(message)) => self.report(&pointer, Rule::Unsupported, message),
                    Some(Ok(_)) => match first {
                        Some(other) => self.report(
                            &pointer,
                            Rule::Unsupported,
                            format!(
                                "only one variable of a server may carry `{}` (`{}` already does)",
                                openapi::REGION_OVERRIDE,
                                cut(other)
                            ),
                        ),
                        None => first = Some(name),
                    },
                }
            }
        }
    }

    /// `x-credential` (the credential value a parameter defaults to) is a
    /// string, on a path or query parameter: on every parameter an
    /// operation uses and every one in `components/parameters`.
    fn check_credentials(&mut self) {
        let mut sites: Vec<(String, &'a Value)> = Vec::new();
        for op in self.ops {
            for p in op.params.iter().filter(|p| p.resolved) {
                sites.push((p.target.clone(), p.value));
            }
        }
        if let Some(map) = self
            .root()
            .pointer("/components/parameters")
            .and_then(Value::as_object)
        {
            for (name, p) in map {
                sites.push((join("/components/parameters", name), p));
            }
        }
        let mut seen = BTreeSet::new();
        for (ptr, p) in sites {
            let Some(credential) = p.get("x-credential") else {
                continue;
            };
            if !seen.insert(ptr.clone()) {
                continue;
            }
            let at = join(&ptr, "x-credential");
            let location = p.get("in").and_then(Value::as_str).unwrap_or("");
            if !credential.is_string() {
                self.report(
                    &at,
                    Rule::InvalidCredential,
                    format!(
                        "`x-credential` must be a string naming a credential value (such as `project_id`), not `{}`",
                        cut(&credential.to_string())
                    ),
                );
            } else if !matches!(location, "path" | "query") {
                self.report(
                    &at,
                    Rule::InvalidCredential,
                    format!(
                        "`x-credential` applies only to path and query parameters, not to a `{}` parameter",
                        cut(location)
                    ),
                );
            }
        }
    }

    /// Every example is checked against the schema that governs it.
    fn check_examples(&mut self) {
        let mut checks: Vec<(String, Value, String)> = Vec::new(); // (schema pointer, example, example pointer)
        let mut schema_sites: Vec<String> = Vec::new();
        collect_schema_sites(self.root(), "", &mut schema_sites);
        for site in &schema_sites {
            let Some(schema) = self.root().pointer(site) else {
                continue;
            };
            collect_schema_examples(schema, site, &mut checks);
        }
        collect_holder_examples(self, self.root(), "", &mut checks);

        if checks.is_empty() {
            return;
        }
        // The document is converted and registered once; each schema's
        // validator is compiled from a root that only refers into it, so the
        // cost of a compilation follows the schema reached, not the document.
        // A document that refers outside itself (already an error) is checked
        // the way it always was, schema by schema over a copy of the whole, so
        // the library reports the unreachable resource in its own words.
        let converted = to_json_schema(self.root());
        // Each version's schemas are checked in its own dialect.
        let draft = if self.doc.version().json_schema_2020() {
            jsonschema::Draft::Draft202012
        } else {
            jsonschema::Draft::Draft7
        };
        let shared = (!refers_outside(&converted)).then(|| {
            jsonschema::Registry::new()
                .draft(draft)
                .retrieve_known_draft_meta_schemas(false)
                .add(DOCUMENT_URI, &converted)
                .and_then(jsonschema::RegistryBuilder::prepare)
                .map_err(|e| e.to_string())
        });
        let mut validators: HashMap<String, Result<jsonschema::Validator, String>> = HashMap::new();
        for (schema_ptr, example, example_ptr) in checks {
            let validator = validators
                .entry(schema_ptr.clone())
                .or_insert_with(|| match &shared {
                    Some(Ok(registry)) => shared_validator(registry, &schema_ptr, draft),
                    Some(Err(e)) => Err(e.clone()),
                    None => standalone_validator(&converted, &schema_ptr, draft),
                });
            match validator {
                Ok(v) => {
                    for err in v.iter_errors(&example) {
                        let at = format!("{example_ptr}{}", err.instance_path().as_str());
                        self.out.push(self.doc.diagnostic(
                            &at,
                            Rule::InvalidExample,
                            format!(
                                "example does not match its schema ({}): {}",
                                cut_to(&self.doc.origin(&schema_ptr), POINTER_MAX),
                                cut_to(&err.masked().to_string(), 300)
                            ),
                        ));
                    }
                }
                Err(e) => {
                    let msg = format!(
                        "the schema at {} cannot be used to check examples: {}",
                        cut_to(&schema_ptr, POINTER_MAX),
                        cut_to(e, 300)
                    );
                    self.out
                        .push(self.doc.diagnostic(&example_ptr, Rule::InvalidExample, msg));
                }
            }
        }
    }

    fn check_unused_components(&mut self) {
        let Some(components) = self.root().get("components").and_then(Value::as_object) else {
            return;
        };
        let mut refs = BTreeSet::new();
        collect_refs(self.root(), &mut refs);
        let mut used_schemes = BTreeSet::new();
        let mut lists = vec![self.root().get("security")];
        for op in self.ops {
            lists.push(op.op.get("security"));
        }
        for req in lists
            .into_iter()
            .flatten()
            .filter_map(Value::as_array)
            .flatten()
        {
            used_schemes.extend(
                req.as_object()
                    .into_iter()
                    .flatten()
                    .map(|(k, _)| k.clone()),
            );
        }
        for (kind, entries) in components {
            if kind.starts_with("x-") {
                continue;
            }
            for name in entries.as_object().into_iter().flatten().map(|(k, _)| k) {
                let pointer = join(&join("/components", kind), name);
                let used = if kind == "securitySchemes" {
                    used_schemes.contains(name)
                } else {
                    refs.contains(&format!("#{pointer}"))
                };
                if !used {
                    self.report(
                        &pointer,
                        Rule::UnusedComponent,
                        format!("components/{}/{} is never referenced", cut(kind), cut(name)),
                    );
                }
            }
        }
    }

    /// The document must also deserialize as an OpenAPI 3.0 model; a mismatch
    /// is reported where the deserializer stopped.
    fn check_model(&mut self) {
        if self.doc.version() != crate::load::Version::OpenApi30 {
            return;
        }
        if let Err(e) = model_from_value(&self.doc.value) {
            let (pointer, message) = self.refine_model_error(e.pointer, e.message);
            self.report(&pointer, Rule::InvalidDocument, cut_to(&message, 300));
        }
    }

    /// A Swagger 2.0, OpenAPI 3.1 or 3.2 document, as the user wrote it, must
    /// satisfy its version's published meta-schema (`codegen/meta-schemas/`);
    /// each violation is reported where it is.
    fn check_meta_schema(&mut self) {
        let Some(validator) = meta_schema(self.doc.version()) else {
            return;
        };
        let validator = match validator {
            Ok(v) => v,
            Err(e) => {
                self.out.push(self.doc.diagnostic_in_original(
                    "",
                    Rule::InvalidDocument,
                    format!(
                        "the meta-schema of {} does not compile: {e}",
                        self.doc.version().name()
                    ),
                ));
                return;
            }
        };
        let mut found: Vec<Diagnostic> = Vec::new();
        for err in validator.iter_errors(self.doc.original()) {
            let at = err.instance_path().as_str().to_owned();
            // The deepest failure under a place says the most.
            if found
                .iter()
                .any(|d| d.pointer != at && is_within(&d.pointer, &at))
            {
                continue;
            }
            found.retain(|d| d.pointer == at || !is_within(&at, &d.pointer));
            if found.len() >= 50 {
                break;
            }
            found.push(self.doc.diagnostic_in_original(
                &at,
                Rule::InvalidDocument,
                format!(
                    "not a valid {} document: {}",
                    self.doc.version().name(),
                    cut_to(&err.masked().to_string(), 300)
                ),
            ));
        }
        self.out.extend(found);
    }

    /// `openapiv3` reads path items and responses through flattened maps, in
    /// which the deserializer loses its place: a mistake inside one is reported
    /// at `/paths` or at `…/responses`. Reading each entry on its own finds it.
    fn refine_model_error(&self, mut pointer: String, mut message: String) -> (String, String) {
        while let Some(map) = self.root().pointer(&pointer).and_then(Value::as_object) {
            let tokens = pointer_tokens(&pointer);
            let found = match tokens.as_slice() {
                [paths] if paths == "paths" => {
                    first_model_error::<openapiv3::PathItem>(map, |k| k.starts_with('/'))
                }
                [paths, _, method, responses]
                    if paths == "paths"
                        && METHODS.contains(&method.as_str())
                        && responses == "responses" =>
                {
                    first_model_error::<openapiv3::Response>(map, |k| !k.starts_with("x-"))
                }
                _ => None,
            };
            let Some((suffix, inner)) = found else { break };
            pointer.push_str(&suffix);
            message = inner;
        }
        (pointer, message)
    }
}

/// A local reference's target as a canonical JSON pointer (`#/a/b` → `/a/b`).
fn canonical(reference: &str) -> String {
    let pointer = reference.strip_prefix('#').unwrap_or(reference);
    pointer_tokens(pointer)
        .iter()
        .fold(String::new(), |at, token| join(&at, token))
}

/// What the object at `pointer` would be, had its references not looped.
fn referent(pointer: &str) -> &'static str {
    let tokens = pointer_tokens(pointer);
    let kind = match tokens.as_slice() {
        [components, kind, ..] if components == "components" => kind.as_str(),
        [paths, _] if paths == "paths" => return "a path item",
        _ => {
            let parent = tokens.iter().rev().nth(1).map_or("", String::as_str);
            let last = tokens.last().map_or("", String::as_str);
            match (parent, last) {
                ("parameters", _) => "parameters",
                ("responses", _) => "responses",
                ("headers", _) => "headers",
                ("examples", _) => "examples",
                (_, "requestBody") => "requestBodies",
                (_, "schema" | "items" | "additionalProperties")
                | ("properties" | "allOf" | "oneOf" | "anyOf", _) => "schemas",
                _ => "",
            }
        }
    };
    match kind {
        "schemas" => "a schema",
        "parameters" => "a parameter",
        "responses" => "a response",
        "requestBodies" => "a request body",
        "headers" => "a header",
        "examples" => "an example",
        "securitySchemes" => "a security scheme",
        "links" => "a link",
        "callbacks" => "a callback",
        _ => "an object",
    }
}

/// The first entry of `map` (among those `keep` selects, `$ref`s aside) that
/// does not deserialize as `T`: the pointer below `map` and the message.
fn first_model_error<T: serde::de::DeserializeOwned>(
    map: &Map<String, Value>,
    keep: impl Fn(&str) -> bool,
) -> Option<(String, String)> {
    for (key, value) in map
        .iter()
        .filter(|(k, v)| keep(k) && v.get("$ref").is_none())
    {
        if let Err(e) = serde_path_to_error::deserialize::<_, T>(value) {
            let pointer = format!("{}{}", join("", key), openapi::serde_path_pointer(e.path()));
            return Some((
                pointer,
                format!("not a valid OpenAPI 3.0 document: {}", e.inner()),
            ));
        }
    }
    None
}

/// Every pointer at which a schema object sits (not following `$ref`).
fn collect_schema_sites(value: &Value, pointer: &str, out: &mut Vec<String>) {
    let Value::Object(map) = value else {
        if let Value::Array(items) = value {
            for (i, v) in items.iter().enumerate() {
                collect_schema_sites(v, &format!("{pointer}/{i}"), out);
            }
        }
        return;
    };
    for (k, v) in map {
        let child = join(pointer, k);
        match k.as_str() {
            "example" | "examples" | "default" | "enum" => {}
            "schema" if v.is_object() => collect_schema_tree(v, &child, out),
            "schemas" if pointer == "/components" => {
                for (name, s) in v.as_object().into_iter().flatten() {
                    collect_schema_tree(s, &join(&child, name), out);
                }
            }
            _ => collect_schema_sites(v, &child, out),
        }
    }
}

/// A schema and all its subschemas.
fn collect_schema_tree(schema: &Value, pointer: &str, out: &mut Vec<String>) {
    let Value::Object(map) = schema else { return };
    out.push(pointer.to_owned());
    for (k, v) in map {
        let child = join(pointer, k);
        match k.as_str() {
            "properties" => {
                for (name, s) in v.as_object().into_iter().flatten() {
                    collect_schema_tree(s, &join(&child, name), out);
                }
            }
            "items" | "additionalProperties" | "not" => collect_schema_tree(v, &child, out),
            "allOf" | "oneOf" | "anyOf" => {
                for (i, s) in v.as_array().into_iter().flatten().enumerate() {
                    collect_schema_tree(s, &format!("{child}/{i}"), out);
                }
            }
            _ => {}
        }
    }
}

fn collect_schema_examples(schema: &Value, pointer: &str, out: &mut Vec<(String, Value, String)>) {
    if let Some(ex) = schema.get("example") {
        out.push((pointer.to_owned(), ex.clone(), join(pointer, "example")));
    }
    if let Some(d) = schema.get("default") {
        out.push((pointer.to_owned(), d.clone(), join(pointer, "default")));
    }
}

/// Media-type and parameter `example`/`examples` (with `$ref`s to
/// components/examples followed), paired with the schema beside them.
fn collect_holder_examples(
    v: &Validator<'_>,
    value: &Value,
    pointer: &str,
    out: &mut Vec<(String, Value, String)>,
) {
    let Value::Object(map) = value else {
        if let Value::Array(items) = value {
            for (i, item) in items.iter().enumerate() {
                collect_holder_examples(v, item, &format!("{pointer}/{i}"), out);
            }
        }
        return;
    };
    let in_schema = pointer.contains("/schema") || pointer.starts_with("/components/schemas");
    if !in_schema {
        if let Some(schema) = map.get("schema").filter(|s| s.is_object()) {
            let schema_ptr = match schema.get("$ref").and_then(Value::as_str) {
                Some(r) if v.doc.resolve_ref(r).is_some() => r.trim_start_matches('#').to_owned(),
                Some(_) => String::new(),
                None => join(pointer, "schema"),
            };
            if !schema_ptr.is_empty() {
                if let Some(ex) = map.get("example") {
                    out.push((schema_ptr.clone(), ex.clone(), join(pointer, "example")));
                }
                for (name, ex) in map
                    .get("examples")
                    .and_then(Value::as_object)
                    .into_iter()
                    .flatten()
                {
                    let ex_ptr = join(&join(pointer, "examples"), name);
                    if let Some((ex, ex_ptr)) = v.deref(ex, &ex_ptr) {
                        if let Some(value) = ex.get("value") {
                            out.push((schema_ptr.clone(), value.clone(), join(&ex_ptr, "value")));
                        }
                    }
                }
            }
        }
    }
    for (k, child) in map {
        if matches!(
            k.as_str(),
            "example" | "examples" | "default" | "enum" | "schema"
        ) {
            continue;
        }
        if pointer.is_empty() && k == "components" {
            // Component schemas are handled as schema sites; the other
            // components hold parameters, headers, responses, bodies.
            for (kind, entries) in child.as_object().into_iter().flatten() {
                if kind != "schemas" && kind != "examples" {
                    collect_holder_examples(v, entries, &join("/components", kind), out);
                }
            }
            continue;
        }
        collect_holder_examples(v, child, &join(pointer, k), out);
    }
}

fn collect_refs(value: &Value, out: &mut BTreeSet<String>) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                if k == "$ref" {
                    if let Some(r) = v.as_str() {
                        out.insert(r.to_owned());
                    }
                } else {
                    collect_refs(v, out);
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|v| collect_refs(v, out)),
        _ => {}
    }
}

/// Rewrites the OpenAPI 3.0 schema dialect into JSON Schema draft 7 throughout
/// a document: `nullable` becomes a `null` type, boolean `exclusiveMinimum` and
/// `exclusiveMaximum` become numeric, and annotations that are not keywords go.
pub fn to_json_schema(value: &Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut out = Map::new();
            for (k, v) in map {
                match k.as_str() {
                    // Examples and other literal values are data, not schemas.
                    "example" | "examples" | "default" | "enum" => {
                        out.insert(k.clone(), v.clone());
                    }
                    "nullable" | "discriminator" | "xml" | "externalDocs" => {}
                    "properties" => {
                        let props = v.as_object().into_iter().flatten();
                        let props = props
                            .map(|(name, s)| (name.clone(), to_json_schema(s)))
                            .collect();
                        out.insert(k.clone(), Value::Object(props));
                    }
                    _ => {
                        out.insert(k.clone(), to_json_schema(v));
                    }
                }
            }
            if map.get("nullable") == Some(&Value::Bool(true)) {
                if let Some(Value::String(t)) = out.get("type").cloned() {
                    out.insert(
                        "type".into(),
                        Value::Array(vec![Value::String(t), Value::String("null".into())]),
                    );
                }
                if let Some(Value::Array(values)) = out.get_mut("enum") {
                    if !values.contains(&Value::Null) {
                        values.push(Value::Null);
                    }
                }
            }
            for (flag, bound) in [
                ("exclusiveMinimum", "minimum"),
                ("exclusiveMaximum", "maximum"),
            ] {
                match out.get(flag) {
                    Some(Value::Bool(true)) => {
                        if let Some(b) = out.remove(bound) {
                            out.insert(flag.into(), b);
                        } else {
                            out.remove(flag);
                        }
                    }
                    Some(Value::Bool(false)) => {
                        out.remove(flag);
                    }
                    _ => {}
                }
            }
            Value::Object(out)
        }
        Value::Array(items) => Value::Array(items.iter().map(to_json_schema).collect()),
        other => other.clone(),
    }
}

/// The URI the converted document is registered under for example checks:
/// the one a schema without an id gets, so that messages naming it read the
/// same as for a schema compiled on its own.
const DOCUMENT_URI: &str = "json-schema:///";

/// The base URI of the one-reference roots compiled against the document.
const CHECK_ROOT_URI: &str = "json-schema:///example-check";

/// A validator for the schema at `pointer` in the document held by `registry`.
fn shared_validator(
    registry: &jsonschema::Registry<'_>,
    pointer: &str,
    draft: jsonschema::Draft,
) -> Result<jsonschema::Validator, String> {
    let root = serde_json::json!({ "$ref": format!("{DOCUMENT_URI}#{}", fragment(pointer)) });
    jsonschema::options()
        .with_draft(draft)
        .should_validate_formats(true)
        .with_base_uri(CHECK_ROOT_URI)
        .with_registry(registry)
        .build(&root)
        .map_err(|e| e.to_string())
}

/// A validator for the schema at `pointer` compiled over its own copy of the
/// whole converted document: its cost grows with the document.
fn standalone_validator(
    converted: &Value,
    pointer: &str,
    draft: jsonschema::Draft,
) -> Result<jsonschema::Validator, String> {
    let mut root = converted.clone();
    if let Value::Object(map) = &mut root {
        map.insert(
            "$ref".into(),
            Value::String(format!("#{}", fragment(pointer))),
        );
    }
    jsonschema::options()
        .with_draft(draft)
        .should_validate_formats(true)
        .build(&root)
        .map_err(|e| e.to_string())
}

/// True when `value` holds a `$ref` that is not local, or an `$id` or
/// `$schema` that could make one resolve elsewhere. Literal values (examples,
/// defaults, enums) are data and are not looked into.
fn refers_outside(value: &Value) -> bool {
    match value {
        Value::Object(map) => map.iter().any(|(k, v)| match k.as_str() {
            "$ref" => !v.as_str().is_some_and(|r| r.starts_with('#')),
            "$id" | "$schema" => true,
            "example" | "examples" | "default" | "enum" => false,
            "properties" => v
                .as_object()
                .into_iter()
                .flatten()
                .any(|(_, s)| refers_outside(s)),
            _ => refers_outside(v),
        }),
        Value::Array(items) => items.iter().any(refers_outside),
        _ => false,
    }
}

/// Percent-encodes a JSON pointer for use as a URI fragment (RFC 6901 §6).
fn fragment(pointer: &str) -> String {
    let mut out = String::with_capacity(pointer.len());
    for b in pointer.bytes() {
        let keep = b.is_ascii_alphanumeric() || b"-._~!$&'()*+,;=:@/?".contains(&b);
        if keep {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The compiled meta-schema of `version`; `None` for OpenAPI 3.0, which is
/// checked by its typed model.
fn meta_schema(
    version: crate::load::Version,
) -> Option<Result<&'static jsonschema::Validator, &'static str>> {
    use crate::load::Version;
    use std::sync::OnceLock;
    static SWAGGER2: OnceLock<Result<jsonschema::Validator, String>> = OnceLock::new();
    static OPENAPI31: OnceLock<Result<jsonschema::Validator, String>> = OnceLock::new();
    static OPENAPI32: OnceLock<Result<jsonschema::Validator, String>> = OnceLock::new();
    let (cell, text, draft) = match version {
        Version::OpenApi30 => return None,
        Version::Swagger2 => (
            &SWAGGER2,
            include_str!("../meta-schemas/swagger-2.0.json"),
            jsonschema::Draft::Draft4,
        ),
        Version::OpenApi31 => (
            &OPENAPI31,
            include_str!("../meta-schemas/openapi-3.1.json"),
            jsonschema::Draft::Draft202012,
        ),
        Version::OpenApi32 => (
            &OPENAPI32,
            include_str!("../meta-schemas/openapi-3.2.json"),
            jsonschema::Draft::Draft202012,
        ),
    };
    let compiled = cell.get_or_init(|| {
        let schema: Value = serde_json::from_str(text).map_err(|e| e.to_string())?;
        jsonschema::options()
            .with_draft(draft)
            .build(&schema)
            .map_err(|e| e.to_string())
    });
    Some(compiled.as_ref().map_err(String::as_str))
}

/// Where and why a document failed to deserialize as OpenAPI 3.0.
struct ModelError {
    pointer: String,
    message: String,
}

/// Deserializes the typed OpenAPI 3.0 model (`openapiv3`), reporting the
/// failing location as a JSON pointer. This is a lint of the document's
/// shape; the model builder reads the JSON tree, not this model.
fn model_from_value(value: &Value) -> Result<openapiv3::OpenAPI, ModelError> {
    serde_path_to_error::deserialize(value).map_err(|e| ModelError {
        pointer: openapi::serde_path_pointer(e.path()),
        message: format!("not a valid OpenAPI 3.0 document: {}", e.inner()),
    })
}
