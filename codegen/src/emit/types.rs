//! Models: structs, enums and unions from the type registry, their
//! constraint checks (shared by client and server), and each operation's
//! success and error enums.

use std::collections::{HashMap, HashSet};

use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use serde_json::Value;

use super::error_body::{named_roles, Property, Role};
use super::prose::{code, mentions, mentions_number};
use super::size::Sizes;
use super::{doc, ident, kind_tokens, number_literal, opt_usize, paragraphs, ty_tokens};
use crate::ir::{
    Api, Constraints, Encoding, Enum, Field, FormPart, Kind, MultipartForm, Operation, PartKind,
    Response, ResponseBody, Sequence, Struct, Ty, TypeDef, Union,
};

/// The runtime's `validation::Format` variant for a schema's `format`, when
/// it checks that format (on what a server receives).
fn format_variant(format: &str) -> Option<&'static str> {
    Some(match format {
        "date" => "Date",
        "date-time" => "DateTime",
        "time" => "Time",
        "uuid" => "Uuid",
        "ipv4" => "Ipv4",
        "ipv6" => "Ipv6",
        "uri" => "Uri",
        _ => return None,
    })
}

/// The constraints of `ty` that can fail: only those that apply to its kind,
/// and without the ones every value meets (a lower bound of 0 on a length,
/// an item or a property count; an inclusive bound at the end of an integer
/// type's range).
fn effective(ty: &Ty) -> Constraints {
    let c = &ty.constraints;
    let positive = |n: Option<usize>| n.filter(|n| *n > 0);
    match &ty.kind {
        Kind::String => Constraints {
            min_length: positive(c.min_length),
            max_length: c.max_length,
            // Only a pattern that is checked, and a format the runtime
            // knows, are constraints here.
            text: c
                .text
                .as_ref()
                .map(|t| crate::ir::TextRules {
                    pattern: t.pattern.clone().filter(|_| t.checked),
                    checked: t.checked,
                    format: t.format.clone().filter(|f| format_variant(f).is_some()),
                })
                .filter(|t| t.pattern.is_some() || t.format.is_some())
                .map(Box::new),
            ..Constraints::default()
        },
        Kind::Array(_) => Constraints {
            min_items: positive(c.min_items),
            max_items: c.max_items,
            unique_items: c.unique_items,
            ..Constraints::default()
        },
        Kind::Map(_) => Constraints {
            min_properties: positive(c.min_properties),
            max_properties: c.max_properties,
            ..Constraints::default()
        },
        Kind::Integer(t) => {
            let (lo, hi) = crate::ir::integer_range(t);
            // The bound as `number_literal` writes it.
            let at = |v: f64| (v as i128).clamp(lo, hi);
            Constraints {
                minimum: c
                    .minimum
                    .map(|b| whole_bound(b, f64::ceil))
                    .filter(|(v, exclusive)| *exclusive || at(*v) != lo),
                maximum: c
                    .maximum
                    .map(|b| whole_bound(b, f64::floor))
                    .filter(|(v, exclusive)| *exclusive || at(*v) != hi),
                allowed: c.allowed.clone(),
                // Every integer is a multiple of 1 (and of 1/n).
                multiple_of: c.multiple_of.filter(|m| (1.0 / m).fract() != 0.0),
                ..Constraints::default()
            }
        }
        Kind::Number(_) => Constraints {
            minimum: c.minimum,
            maximum: c.maximum,
            allowed: c.allowed.clone(),
            multiple_of: c.multiple_of,
            ..Constraints::default()
        },
        // A tuple's length is its type; its members check themselves.
        Kind::Boolean | Kind::Any | Kind::Named(_) | Kind::Tuple(_) => Constraints::default(),
    }
}

/// An integer's bound with a fraction, as the inclusive bound on the
/// integers it lets through (`round` is `ceil` for a minimum, `floor` for a
/// maximum): at least (or more than) 0.001 is at least 1, at most 9.5 at
/// most 9. The literal of an integer bound is cut toward zero, which would
/// let 0 through a minimum of 0.001.
fn whole_bound((value, exclusive): (f64, bool), round: fn(f64) -> f64) -> (f64, bool) {
    if value.is_finite() && value.fract() != 0.0 {
        (round(value), false)
    } else {
        (value, exclusive)
    }
}

/// What a constraint note restates: when the description already names all
/// of it, the note is left out.
enum Evidence {
    Number(f64),
    Text(String),
}

/// One constraint as a phrase (`at most 64 characters`), with what it says.
struct Phrase {
    text: String,
    evidence: Vec<Evidence>,
}

impl Phrase {
    fn new(text: String, evidence: Vec<Evidence>) -> Self {
        Phrase { text, evidence }
    }

    /// Whether `prose` already says this.
    fn said_in(&self, prose: &str) -> bool {
        self.evidence.iter().all(|e| match e {
            Evidence::Number(n) => mentions_number(prose, *n),
            Evidence::Text(t) => mentions(prose, t),
        })
    }
}

/// `lo to hi NOUNs`, `at most hi NOUNs`, … for a count.
fn count_phrase(min: Option<usize>, max: Option<usize>, noun: &str) -> Option<Phrase> {
    let plural = |n: usize| {
        if n == 1 {
            noun.to_owned()
        } else {
            format!("{noun}s")
        }
    };
    let (text, numbers) = match (min, max) {
        (Some(a), Some(b)) if a == b => (format!("exactly {a} {}", plural(a)), vec![a]),
        (Some(a), Some(b)) => (format!("{a} to {b} {}", plural(b)), vec![a, b]),
        (Some(a), None) => (format!("at least {a} {}", plural(a)), vec![a]),
        (None, Some(b)) => (format!("at most {b} {}", plural(b)), vec![b]),
        (None, None) => return None,
    };
    let evidence = numbers
        .into_iter()
        .map(|n| Evidence::Number(n as f64))
        .collect();
    Some(Phrase::new(text, evidence))
}

/// A numeric bound as the docs write it: integers without a fraction.
fn number_text(kind: &Kind, v: f64) -> String {
    match kind {
        Kind::Integer(t) => {
            let (lo, hi) = crate::ir::integer_range(t);
            ((v as i128).clamp(lo, hi)).to_string()
        }
        _ => v.to_string(),
    }
}

/// The checkable constraints of `ty` and its `pattern` and `format`, as
/// phrases; an array's or a map's own items get one phrase of their own.
fn phrases(ty: &Ty) -> Vec<Phrase> {
    let c = effective(ty);
    let mut out = Vec::new();
    match &ty.kind {
        Kind::String => {
            out.extend(count_phrase(c.min_length, c.max_length, "character"));
            let rules = ty.constraints.text.as_deref();
            if let Some(p) = rules.and_then(|r| r.pattern.as_ref()) {
                let text = format!("matches {}", code(p));
                out.push(Phrase::new(text, vec![Evidence::Text(p.clone())]));
            }
            if let Some(f) = rules.and_then(|r| r.format.as_ref()) {
                let text = format!("a {} string", code(f));
                out.push(Phrase::new(text, vec![Evidence::Text(f.clone())]));
            }
        }
        Kind::Integer(_) | Kind::Number(_) => {
            let n = |v: f64| number_text(&ty.kind, v);
            let text = match (c.minimum, c.maximum) {
                (Some((a, false)), Some((b, false))) => Some(format!("{} to {}", n(a), n(b))),
                (min, max) => {
                    let lower = min.map(|(a, ex)| {
                        if ex {
                            format!("greater than {}", n(a))
                        } else {
                            format!("at least {}", n(a))
                        }
                    });
                    let upper = max.map(|(b, ex)| {
                        if ex {
                            format!("less than {}", n(b))
                        } else {
                            format!("at most {}", n(b))
                        }
                    });
                    match (lower, upper) {
                        (Some(l), Some(u)) => Some(format!("{l} and {u}")),
                        (l, u) => l.or(u),
                    }
                }
            };
            if let Some(text) = text {
                let evidence = [c.minimum, c.maximum]
                    .into_iter()
                    .flatten()
                    .map(|(v, _)| Evidence::Number(v))
                    .collect();
                out.push(Phrase::new(text, evidence));
            }
            if !c.allowed.is_empty() {
                let values: Vec<String> =
                    c.allowed.iter().map(|v| format!("`{}`", n(*v))).collect();
                let evidence = c.allowed.iter().map(|v| Evidence::Number(*v)).collect();
                out.push(Phrase::new(
                    format!("one of {}", values.join(", ")),
                    evidence,
                ));
            }
            if let Some(m) = c.multiple_of {
                out.push(Phrase::new(
                    format!("a multiple of {}", n(m)),
                    vec![Evidence::Number(m)],
                ));
            }
        }
        Kind::Array(item) => {
            out.extend(count_phrase(c.min_items, c.max_items, "item"));
            if c.unique_items {
                out.push(Phrase::new(
                    "no duplicate items".to_owned(),
                    vec![Evidence::Text("duplicate".to_owned())],
                ));
            }
            out.extend(nested_phrase("each item", item));
        }
        Kind::Map(value) => {
            out.extend(count_phrase(c.min_properties, c.max_properties, "entry"));
            out.extend(nested_phrase("each value", value));
        }
        Kind::Tuple(members) => {
            for (i, member) in members.iter().enumerate() {
                // Named as the violations name them (`field[0]`).
                out.extend(nested_phrase(&format!("`[{i}]`"), member));
            }
        }
        Kind::Boolean | Kind::Any | Kind::Named(_) => {}
    }
    out
}

/// The phrases of an array's item or a map's value, as one phrase.
fn nested_phrase(head: &str, inner: &Ty) -> Option<Phrase> {
    let inner = phrases(inner);
    (!inner.is_empty()).then(|| {
        let texts: Vec<&str> = inner.iter().map(|p| p.text.as_str()).collect();
        let text = format!("{head}: {}", texts.join(", "));
        Phrase::new(text, inner.into_iter().flat_map(|p| p.evidence).collect())
    })
}

/// `text` with its first letter upper-cased and a closing period.
fn sentence(text: &str) -> String {
    let mut chars = text.chars();
    let first = chars.next().map(|c| c.to_uppercase().collect::<String>());
    format!("{}{}.", first.unwrap_or_default(), chars.as_str())
}

/// The docs of a field: its description (or a plain line naming it), then
/// every constraint and the default the description does not already state.
fn field_doc(f: &Field) -> String {
    let prose = f.doc.as_deref().unwrap_or_default();
    let mut notes: Vec<String> = phrases(&f.ty)
        .into_iter()
        .filter(|p| !p.said_in(prose))
        .map(|p| sentence(&p.text))
        .collect();
    if let Some(d) = f.default.as_ref().filter(|_| !f.required) {
        let plain = d.as_str().map_or_else(|| d.to_string(), str::to_owned);
        let said = mentions(prose, "default") && mentions(prose, &plain);
        if !said {
            notes.push(format!("Defaults to {}.", code(&d.to_string())));
        }
    }
    let notes = (!notes.is_empty()).then(|| notes.join(" "));
    match f.doc.as_deref() {
        Some(d) => paragraphs(&[Some(d), notes.as_deref()]).unwrap_or_default(),
        None => {
            let head = format!("The `{}` property.", f.json);
            paragraphs(&[Some(&head), notes.as_deref()]).unwrap_or_default()
        }
    }
}

/// Looks types up by name and knows which need constraint checks and which
/// appear in request bodies.
pub struct Registry<'a> {
    types: HashMap<&'a str, &'a TypeDef>,
    needs: HashMap<&'a str, bool>,
    requested: HashSet<&'a str>,
}

impl<'a> Registry<'a> {
    pub fn new(api: &'a Api) -> Self {
        let types: HashMap<&str, &TypeDef> = api.types.iter().map(|t| (t.name(), t)).collect();
        // A value kept by a tolerant reader (`Unknown`) is a violation in a
        // request the server reads: such types check themselves.
        let needs = api
            .types
            .iter()
            .map(|t| {
                let tolerant = match t {
                    TypeDef::Enum(e) => e.unknown.is_some(),
                    TypeDef::Union(u) => u.unknown.is_some(),
                    TypeDef::Struct(_) => false,
                };
                (t.name(), tolerant && api.usage(t.name()).request)
            })
            .collect();
        let mut reg = Registry {
            needs,
            types,
            requested: HashSet::new(),
        };
        for op in api.all_operations() {
            if let Some(body) = &op.body {
                if let Encoding::Json(ty) | Encoding::Form(ty) = &body.encoding {
                    reg.mark_requested(ty);
                }
            }
            // A whole query string is read like a body.
            for p in &op.params {
                if matches!(p.location, crate::ir::Location::QueryString(_)) {
                    reg.mark_requested(&p.ty);
                }
            }
        }
        // Fixpoint: a type needs checks if anything inside it does.
        loop {
            let mut changed = false;
            for t in &api.types {
                let now = match t {
                    TypeDef::Struct(s) => {
                        s.fields.iter().any(|f| reg.needs(&f.ty))
                            || s.additional.as_ref().is_some_and(|a| reg.needs(a))
                    }
                    TypeDef::Union(u) => u.variants.iter().any(|v| reg.needs(&v.ty)),
                    TypeDef::Enum(_) => false,
                };
                if now && !reg.needs[t.name()] {
                    reg.needs.insert(t.name(), true);
                    changed = true;
                }
            }
            if !changed {
                break reg;
            }
        }
    }

    /// Marks the named types `ty` reaches as parts of a request body.
    fn mark_requested(&mut self, ty: &'a Ty) {
        match &ty.kind {
            Kind::Array(item) | Kind::Map(item) => self.mark_requested(item),
            Kind::Tuple(members) => {
                for m in members {
                    self.mark_requested(m);
                }
            }
            Kind::Named(n) => {
                let Some(def) = self.get(n) else { return };
                if !self.requested.insert(def.name()) {
                    return;
                }
                match def {
                    TypeDef::Struct(s) => {
                        for f in &s.fields {
                            self.mark_requested(&f.ty);
                        }
                        if let Some(a) = &s.additional {
                            self.mark_requested(a);
                        }
                    }
                    TypeDef::Union(u) => {
                        for v in &u.variants {
                            self.mark_requested(&v.ty);
                        }
                    }
                    TypeDef::Enum(_) => {}
                }
            }
            _ => {}
        }
    }

    /// Whether values of the named type are read from request bodies (by
    /// the server).
    pub fn is_requested(&self, name: &str) -> bool {
        self.requested.contains(name)
    }

    /// Whether a value of this type can break a constraint.
    pub fn needs(&self, ty: &Ty) -> bool {
        if !effective(ty).is_empty() {
            return true;
        }
        match &ty.kind {
            Kind::Array(item) | Kind::Map(item) => self.needs(item),
            Kind::Tuple(members) => members.iter().any(|m| self.needs(m)),
            Kind::Named(n) => self.needs.get(n.as_str()).copied().unwrap_or(false),
            _ => false,
        }
    }

    /// Whether values of the named type can break a constraint (only those
    /// implement `Validate`).
    pub fn needs_checks(&self, name: &str) -> bool {
        self.needs.get(name).copied().unwrap_or(false)
    }

    /// Whether `name` is a string enum (a type with `as_str` and `Display`).
    pub fn is_enum(&self, name: &str) -> bool {
        matches!(self.get(name), Some(TypeDef::Enum(_)))
    }

    /// Whether `name` is a closed string enum: a `Copy` type (a tolerant
    /// one keeps the text of an unknown value, so is not).
    pub fn is_copy_enum(&self, name: &str) -> bool {
        matches!(self.get(name), Some(TypeDef::Enum(e)) if e.unknown.is_none())
    }

    /// The definition of a named type.
    pub fn def(&self, name: &str) -> Option<&'a TypeDef> {
        self.get(name)
    }

    fn get(&self, name: &str) -> Option<&'a TypeDef> {
        self.types.get(name).copied()
    }

    /// Statements checking `value` (an expression of type `&T`) reported
    /// under `field` (an expression of type `&F` where `F` is a
    /// `FieldPath`: a name, or a path spelled out only on a violation).
    pub fn checks(&self, ty: &Ty, value: TokenStream, field: TokenStream) -> TokenStream {
        self.checks_at(ty, &CheckedValue::Ref(value), field)
    }

    /// Statements checking `value` reported under `field` (an expression of
    /// type `&str`).
    fn checks_at(&self, ty: &Ty, value: &CheckedValue, field: TokenStream) -> TokenStream {
        if !self.needs(ty) {
            return TokenStream::new();
        }
        let (by_ref, copied) = (value.by_ref(), value.copied());
        if ty.nullable {
            let inner = Ty {
                nullable: false,
                ..ty.clone()
            };
            let body = self.checks(&inner, quote!(value), field);
            return quote! { if let Some(value) = #by_ref { #body } };
        }
        let c = &effective(ty);
        let mut out = TokenStream::new();
        match &ty.kind {
            Kind::String => {
                if c.min_length.is_some() || c.max_length.is_some() {
                    let (min, max) = (opt_usize(c.min_length), opt_usize(c.max_length));
                    out.extend(quote! { checker.length(#field, #by_ref, #min, #max); });
                }
                if let Some(p) = c.text.as_ref().and_then(|t| t.pattern.as_ref()) {
                    out.extend(quote! {
                        checker.pattern(#field, #by_ref, {
                            static PATTERN: crate::runtime::validation::Pattern =
                                crate::runtime::validation::Pattern::new(#p);
                            &PATTERN
                        });
                    });
                }
                let format = c.text.as_ref().and_then(|t| t.format.as_deref());
                if let Some(variant) = format.and_then(format_variant) {
                    let variant = format_ident!("{variant}");
                    out.extend(quote! {
                        checker.format(#field, #by_ref, crate::runtime::validation::Format::#variant);
                    });
                }
            }
            Kind::Integer(_) | Kind::Number(_) => {
                let bound = |b: Option<(f64, bool)>| {
                    if let Some((v, exclusive)) = b {
                        let lit = number_literal(&ty.kind, v);
                        quote! { Some((#lit, #exclusive)) }
                    } else {
                        quote! { None }
                    }
                };
                if c.minimum.is_some() || c.maximum.is_some() {
                    let (min, max) = (bound(c.minimum), bound(c.maximum));
                    out.extend(quote! { checker.range(#field, #copied, #min, #max); });
                }
                if !c.allowed.is_empty() {
                    let values = c.allowed.iter().map(|v| number_literal(&ty.kind, *v));
                    out.extend(quote! { checker.one_of(#field, #copied, &[#(#values),*]); });
                }
                if let Some(m) = c.multiple_of {
                    let m = proc_macro2::Literal::f64_suffixed(m);
                    let value = match ty.kind {
                        Kind::Number("f64") => copied.clone(),
                        Kind::Number(_) => quote! { f64::from(#copied) },
                        _ => quote! { #copied as f64 },
                    };
                    out.extend(quote! { checker.multiple_of(#field, #value, #m); });
                }
            }
            Kind::Array(item) => {
                let value = value.expr();
                if c.min_items.is_some() || c.max_items.is_some() {
                    let (min, max) = (opt_usize(c.min_items), opt_usize(c.max_items));
                    out.extend(quote! { checker.items(#field, #value.len(), #min, #max); });
                }
                if c.unique_items {
                    out.extend(quote! { checker.unique(#field, #by_ref); });
                }
                let inner = self.checks(item, quote!(value), quote!(field));
                if !inner.is_empty() {
                    out.extend(quote! {
                        for (i, value) in #value.iter().enumerate() {
                            let field = &crate::runtime::validation::Index(#field, i);
                            #inner
                        }
                    });
                }
            }
            Kind::Map(item) => {
                if c.min_properties.is_some() || c.max_properties.is_some() {
                    let (min, max) = (opt_usize(c.min_properties), opt_usize(c.max_properties));
                    let value = value.expr();
                    out.extend(quote! { checker.properties(#field, #value.len(), #min, #max); });
                }
                let inner = self.checks(item, quote!(value), quote!(field));
                if !inner.is_empty() {
                    out.extend(quote! {
                        for (key, value) in #by_ref {
                            let field = &crate::runtime::validation::Key(#field, key);
                            #inner
                        }
                    });
                }
            }
            Kind::Tuple(members) => {
                let value = value.expr();
                for (i, member) in members.iter().enumerate() {
                    let index = proc_macro2::Literal::usize_unsuffixed(i);
                    let member_value = CheckedValue::Place(quote!(#value.#index));
                    let inner = self.checks_at(member, &member_value, quote!(field));
                    if !inner.is_empty() {
                        out.extend(quote! {
                            {
                                let field = &crate::runtime::validation::Index(#field, #index);
                                #inner
                            }
                        });
                    }
                }
            }
            Kind::Named(_) => out.extend(quote! { checker.nested(#field, #by_ref); }),
            Kind::Boolean | Kind::Any => {}
        }
        out
    }

    /// Checks on a parameter bound to `binding` (an owned value when
    /// required, an `Option` otherwise), reported under the parameter's
    /// name.
    pub fn param_checks(
        &self,
        p: &crate::ir::Param,
        binding: &proc_macro2::Ident,
    ) -> Option<TokenStream> {
        self.param_checks_bound(p, binding, false)
    }

    /// [`Self::param_checks`] for a binding that is a reference (`&str`,
    /// `&[T]`) when `by_ref`.
    pub fn param_checks_bound(
        &self,
        p: &crate::ir::Param,
        binding: &proc_macro2::Ident,
        by_ref: bool,
    ) -> Option<TokenStream> {
        // The properties of a whole query string are named as its keys.
        let field = match p.location {
            crate::ir::Location::QueryString(_) => "",
            _ => &p.name,
        };
        let plain = Ty {
            nullable: false,
            ..p.ty.clone()
        };
        let body = if p.required {
            let value = if by_ref {
                CheckedValue::Ref(quote!(#binding))
            } else {
                CheckedValue::Place(quote!(#binding))
            };
            self.checks_at(&plain, &value, quote!(#field))
        } else {
            let body = self.checks(&plain, quote!(value), quote!(#field));
            if body.is_empty() {
                body
            } else {
                quote! { if let Some(value) = &#binding { #body } }
            }
        };
        (!body.is_empty()).then_some(body)
    }

    /// Checks on the field `rust` (`json` on the wire) of `self` in a
    /// `Validate` impl, reported under `field` joined with `json`.
    fn field_checks(
        &self,
        ty: &Ty,
        rust: &proc_macro2::Ident,
        json: &str,
        is_option: bool,
    ) -> TokenStream {
        let plain = Ty {
            nullable: false,
            ..ty.clone()
        };
        let value = if is_option {
            CheckedValue::Ref(quote!(value))
        } else {
            CheckedValue::Place(quote!(self.#rust))
        };
        let body = self.checks_at(&plain, &value, quote!(field));
        if body.is_empty() {
            return body;
        }
        // The joined name is built once, inline where a single check uses it.
        // Indented by 8 in `check`, 12 inside `if let`.
        let indent = if is_option { 12 } else { 8 };
        let inline = Some(self.checks_at(&plain, &value, quote!(&Join(field, #json))))
            .filter(|inline| count_ident(&body, "field") == 1 && fits_one_line(inline, indent));
        let single = inline.is_some();
        let body = match inline {
            Some(inline) => inline,
            None => quote! { let field = &Join(field, #json); #body },
        };
        if is_option {
            quote! { if let Some(value) = &self.#rust { #body } }
        } else if single {
            body
        } else {
            quote! { { #body } }
        }
    }

    /// A Rust expression for a literal default, if it can be expressed.
    pub(super) fn default_expr(&self, ty: &Ty, value: &Value) -> Option<TokenStream> {
        Some(match (&ty.kind, value) {
            (Kind::String, Value::String(s)) => quote! { #s.to_owned() },
            (Kind::Boolean, Value::Bool(b)) => quote! { #b },
            (Kind::Integer(_), Value::Number(n)) if n.is_i64() || n.is_u64() => {
                number_literal(&ty.kind, n.as_f64()?)
            }
            (Kind::Number(_), Value::Number(n)) => number_literal(&ty.kind, n.as_f64()?),
            (Kind::Named(name), Value::String(s)) => match self.get(name)? {
                TypeDef::Enum(e) => {
                    let v = e.values.iter().find(|v| v.value == *s)?;
                    let (t, v) = (ident(name), ident(&v.variant));
                    quote! { #t::#v }
                }
                _ => return None,
            },
            _ => return None,
        })
    }
}

/// The `types` module of an API: every named type and every operation's
/// outcome enums.
pub fn types_module(api: &Api, reg: &Registry<'_>) -> TokenStream {
    let sizes = Sizes::new(reg);
    let mut out = TokenStream::new();
    for t in &api.types {
        out.extend(match t {
            TypeDef::Struct(s) => struct_def(s, reg),
            TypeDef::Enum(e) => enum_def(e, reg),
            TypeDef::Union(u) => union_def(u, reg, &sizes),
        });
    }
    let ops: Vec<&Operation> = api.all_operations().collect();
    let owners = error_enum_owners(&ops, &sizes);
    // For each owner, the later operations whose error names alias its enum.
    let mut sharing: Vec<Vec<&Operation>> = vec![Vec::new(); ops.len()];
    for (op, owner) in ops.iter().zip(&owners) {
        if let Some(owner) = owner {
            sharing[*owner].push(op);
        }
    }
    for ((op, owner), sharing) in ops.iter().zip(&owners).zip(&sharing) {
        let shared = owner.map(|o| ops[o]);
        out.extend(outcome_enums(op, reg, &sizes, shared, sharing));
        if let Some(form) = op.body.as_ref().and_then(|b| match &b.encoding {
            Encoding::Multipart(form) => Some(form),
            _ => None,
        }) {
            out.extend(form_def(op, form, reg));
        }
    }
    out.extend(webhook_enum(api));
    let mut imports = Vec::new();
    if api
        .types
        .iter()
        .any(|t| matches!(t, TypeDef::Struct(_)) && reg.needs_checks(t.name()))
    {
        imports.push(quote!(Join));
    }
    if api.types.iter().any(|t| reg.needs_checks(t.name())) {
        imports.extend([quote!(Checker), quote!(Validate)]);
    }
    let imports =
        (!imports.is_empty()).then(|| quote! { use crate::runtime::validation::{#(#imports),*}; });
    let write_error = (count_ident(&out, "write_error") > 0)
        .then(|| quote! { use crate::runtime::metadata::write_error; });
    quote! {
        #write_error
        #imports
        #out
    }
}

/// The struct of a `multipart/form-data` body: a field per part, files as
/// `FilePart`s that stream; `new` takes the required parts, a setter each
/// optional one. Neither `Clone` nor serde: it exists with the client or
/// the server, which write and read it part by part.
fn form_def(op: &Operation, form: &MultipartForm, reg: &Registry<'_>) -> TokenStream {
    let Some(name) = &form.name else {
        return TokenStream::new();
    };
    let name = ident(name);
    let file = quote! { crate::runtime::multipart::FilePart };
    let part_ty = |p: &FormPart| match &p.kind {
        PartKind::Text(ty) | PartKind::Json(ty) => ty_tokens(ty),
        PartKind::Texts(ty) => {
            let t = ty_tokens(ty);
            quote! { Vec<#t> }
        }
        PartKind::File => file.clone(),
        PartKind::Files => quote! { Vec<#file> },
    };
    let mut fields = Vec::new();
    let mut params = Vec::new();
    let mut inits = Vec::new();
    let mut setters = Vec::new();
    for p in &form.parts {
        let f = ident(&p.rust);
        let t = part_ty(p);
        let mut d = p.doc.clone().unwrap_or_default().trim().to_owned();
        if !d.is_empty() {
            d.push_str("\n\n");
        }
        d.push_str(&format!("The part `{}`", p.name));
        match &p.kind {
            PartKind::Texts(_) | PartKind::Files => d.push_str(" (one part per item)"),
            PartKind::Json(_) => d.push_str(" (JSON text)"),
            _ => {}
        }
        if let Some(ct) = &p.content_type {
            d.push_str(&format!(", sent as `{ct}`"));
        }
        if !p.headers.is_empty() {
            let names: Vec<String> = p.headers.iter().map(|h| format!("`{h}`")).collect();
            d.push_str(&format!(
                ", with the header(s) {} (`FilePart::with_header`)",
                names.join(", ")
            ));
        }
        d.push('.');
        let d = doc(Some(&d));
        if p.required {
            fields.push(quote! { #d pub #f: #t, });
            let (param, value) = match &p.kind {
                PartKind::File => (quote! { impl Into<#file> }, quote! { #f.into() }),
                PartKind::Text(ty) | PartKind::Json(ty) if !ty.nullable => {
                    let (param, value) = argument(ty, false, reg);
                    (param, value(quote!(#f)))
                }
                _ => (t.clone(), quote!(#f)),
            };
            params.push(quote! { #f: #param });
            inits.push(quote! { #f: #value });
        } else {
            fields.push(quote! { #d pub #f: Option<#t>, });
            inits.push(quote! { #f: None });
            let sd = doc(Some(&format!("Sets the part `{}`.", p.name)));
            let (param, value) = match &p.kind {
                PartKind::File => (quote! { impl Into<#file> }, quote! { value.into() }),
                PartKind::Text(ty) | PartKind::Json(ty) if !ty.nullable => {
                    let (param, value) = argument(ty, false, reg);
                    (param, value(quote!(value)))
                }
                _ => (t.clone(), quote!(value)),
            };
            setters.push(quote! {
                #sd
                #[must_use]
                pub fn #f(mut self, value: #param) -> Self {
                    self.#f = Some(#value);
                    self
                }
            });
        }
    }
    let mut d = format!("The `multipart/form-data` body of `{}`.", op.id);
    if let Some(extra) = &form.doc {
        d = format!("{}\n\n{d}", extra.trim());
    }
    let d = doc(Some(&d));
    let new_doc = doc(Some(
        "A form with the required parts; the optional ones are unset.",
    ));
    let allow = (params.len() > 7).then(|| quote! { #[allow(clippy::too_many_arguments)] });
    // Every part optional: an empty form is a form.
    let default = params.is_empty().then(|| {
        quote! {
            #[cfg(any(feature = "client", feature = "server"))]
            impl Default for #name {
                fn default() -> Self {
                    Self::new()
                }
            }
        }
    });
    quote! {
        #d
        #[cfg(any(feature = "client", feature = "server"))]
        #[derive(Debug)]
        pub struct #name {
            #(#fields)*
        }

        #[cfg(any(feature = "client", feature = "server"))]
        impl #name {
            #new_doc
            #allow
            pub fn new(#(#params),*) -> Self {
                Self { #(#inits),* }
            }

            #(#setters)*
        }

        #default
    }
}

/// The constraint checks of a form struct `body`'s text and JSON parts, as
/// of a JSON body's properties (each named by its part), for the client
/// before it sends and the server once it has read the form.
pub fn form_part_checks(form: &MultipartForm, reg: &Registry<'_>) -> Vec<TokenStream> {
    if form.name.is_none() {
        return Vec::new();
    }
    let mut out = Vec::new();
    for p in &form.parts {
        let n = &p.name;
        let f = ident(&p.rust);
        let (ty, many) = match &p.kind {
            PartKind::Text(ty) | PartKind::Json(ty) => (ty, false),
            PartKind::Texts(ty) => (ty, true),
            PartKind::File | PartKind::Files => continue,
        };
        let checks = reg.checks(ty, quote!(value), quote!(#n));
        if checks.is_empty() {
            continue;
        }
        out.push(match (many, p.required) {
            (false, true) => quote! { { let value = &body.#f; #checks } },
            (false, false) => quote! { if let Some(value) = &body.#f { #checks } },
            (true, true) => quote! { for value in &body.#f { #checks } },
            (true, false) => quote! { for value in body.#f.iter().flatten() { #checks } },
        });
    }
    out
}

fn struct_def(s: &Struct, reg: &Registry<'_>) -> TokenStream {
    let name = ident(&s.name);
    let fallback = format!("The `{}` object.", s.name);
    let docs = doc(Some(s.doc.as_deref().unwrap_or(&fallback)));
    let mut fields = Vec::new();
    let mut default_fns = Vec::new();
    // How `new()` or `Default` sets each field, and the setters.
    let mut inits = Vec::new();
    let mut params = Vec::new();
    let mut setters = Vec::new();
    let setter_names = setter_names(s);
    let mut checks = Vec::new();
    for f in &s.fields {
        let rust = ident(&f.rust);
        let json = &f.json;
        let mut attrs = Vec::new();
        if f.flatten {
            attrs.push(quote! { flatten });
        } else if f.rust != f.json {
            attrs.push(quote! { rename = #json });
        }
        let mut inner = kind_tokens(&f.ty.kind);
        if f.boxed {
            inner = quote! { Box<#inner> };
        }
        let default = f.default.as_ref().and_then(|d| reg.default_expr(&f.ty, d));
        let is_option = default.is_none() && (!f.required || f.ty.nullable);
        let (param, value) = argument(&f.ty, f.boxed, reg);
        if f.required {
            // A required field: an argument of `new()`, `Option<T>` when it
            // may be null.
            if f.ty.nullable {
                let t = kind_tokens(&f.ty.kind);
                params.push(quote! { #rust: Option<#t> });
                inits.push(if f.boxed {
                    quote! { #rust: #rust.map(Box::new), }
                } else {
                    quote! { #rust, }
                });
            } else {
                let value = value(quote!(#rust));
                params.push(quote! { #rust: #param });
                // `field: field` is written `field`.
                if rust == value.to_string() {
                    inits.push(quote! { #rust, });
                } else {
                    inits.push(quote! { #rust: #value, });
                }
            }
        } else {
            let setter = ident(&setter_names[&f.rust]);
            let value = value(quote!(value));
            let (set, init) = if default.is_some() {
                let fn_name = default_fn_name(s, f);
                (quote! { #value }, quote! { #rust: #fn_name(), })
            } else {
                (quote! { Some(#value) }, quote! { #rust: None, })
            };
            inits.push(init);
            let d = format!(" Sets `{}`.", f.rust);
            setters.push(quote! {
                #[doc = #d]
                pub fn #setter(mut self, value: #param) -> Self {
                    self.#rust = #set;
                    self
                }
            });
        }
        let field_ty = if let Some(expr) = default {
            let fn_name = default_fn_name(s, f);
            let fn_path = fn_name.to_string();
            attrs.push(quote! { default = #fn_path });
            default_fns.push(quote! { fn #fn_name() -> #inner { #expr } });
            inner.clone()
        } else if !f.required {
            attrs.push(quote! { default, skip_serializing_if = "Option::is_none" });
            if !f.ty.nullable && reg.is_requested(&s.name) {
                // A request may leave the property out, but a `null` is a
                // value of the wrong type (responses stay lenient).
                attrs.push(quote! { deserialize_with = "crate::runtime::validation::not_null" });
            }
            quote! { Option<#inner> }
        } else if f.ty.nullable {
            quote! { Option<#inner> }
        } else {
            inner.clone()
        };
        let fdoc = doc(Some(&field_doc(f)));
        let serde = (!attrs.is_empty()).then(|| quote! { #[serde(#(#attrs),*)] });
        fields.push(quote! { #fdoc #serde pub #rust: #field_ty, });

        let body = reg.field_checks(&f.ty, &rust, json, is_option);
        if !body.is_empty() {
            checks.push(body);
        }
    }
    if let Some(extra) = &s.additional {
        let t = ty_tokens(extra);
        fields.push(quote! {
            /// Properties beyond the declared ones.
            #[serde(flatten)]
            pub additional_properties: std::collections::BTreeMap<String, #t>,
        });
        inits.push(quote! { additional_properties: std::collections::BTreeMap::new(), });
        let body = reg.checks(extra, quote!(value), quote!(field));
        if !body.is_empty() {
            checks.push(quote! {
                for (key, value) in &self.additional_properties {
                    let field = &Join(field, key);
                    #body
                }
            });
        }
    }
    let deny = s
        .deny_unknown
        .then(|| quote! { #[serde(deny_unknown_fields)] });
    let validate = (!checks.is_empty()).then(|| {
        quote! {
            impl Validate for #name {
                fn check(&self, field: &str, checker: &mut Checker) {
                    #(#checks)*
                }
            }
        }
    });
    // Required fields make `new()`; without any, `Default` (derived when
    // every field starts empty) stands in for it.
    let mut derive_default = None;
    let mut default_impl = None;
    let mut new_fn = None;
    if !params.is_empty() {
        let d = if setters.is_empty() {
            " Builds the value from its fields."
        } else {
            " Builds the value from its required fields; the others are unset or at their spec defaults."
        };
        let many = (params.len() > 7).then(|| quote! { #[allow(clippy::too_many_arguments)] });
        new_fn = Some(quote! {
            #[doc = #d]
            #many
            pub fn new(#(#params),*) -> Self {
                Self { #(#inits)* }
            }
        });
    } else if default_fns.is_empty() {
        derive_default = Some(quote!(Default,));
    } else {
        default_impl = Some(quote! {
            impl Default for #name {
                fn default() -> Self {
                    Self { #(#inits)* }
                }
            }
        });
    }
    let methods = (new_fn.is_some() || !setters.is_empty()).then(|| {
        quote! {
            impl #name {
                #new_fn
                #(#setters)*
            }
        }
    });
    // serde's derive alone would also read an array as the fields in order:
    // the derived code is kept as inherent functions (`remote = "Self"`) and
    // the trait impls read through `ObjectOnly`, which takes only an object.
    quote! {
        #docs
        #[derive(Clone, Debug, #derive_default PartialEq, serde::Serialize, serde::Deserialize)]
        #[serde(remote = "Self")]
        #deny
        pub struct #name {
            #(#fields)*
        }

        impl<'de> serde::Deserialize<'de> for #name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                Self::deserialize(crate::runtime::validation::ObjectOnly(deserializer))
            }
        }

        impl serde::Serialize for #name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                Self::serialize(self, serializer)
            }
        }

        #(#default_fns)*

        #default_impl
        #methods
        #validate
    }
}

/// The function giving a field's spec default.
fn default_fn_name(s: &Struct, f: &Field) -> proc_macro2::Ident {
    format_ident!(
        "default_{}_{}",
        heck::AsSnakeCase(&s.name).to_string(),
        f.rust.trim_end_matches('_')
    )
}

/// The setter of each optional field, by field name: the field's own name,
/// or `with_…` where that would shadow a method every value has
/// (`naming::TAKEN_METHODS`); numbered if still taken (a field's own name
/// goes first).
fn setter_names(s: &Struct) -> HashMap<String, String> {
    let optional: Vec<&str> = s
        .fields
        .iter()
        .filter(|f| !f.required)
        .map(|f| f.rust.as_str())
        .collect();
    let names = crate::naming::setter_names(&["new"], &optional);
    optional.into_iter().map(str::to_owned).zip(names).collect()
}

/// The parameter type a constructor or setter takes for a value of `ty`
/// (without its nullability), and how it becomes the stored value: `T` for
/// `Copy` scalars and enums, `impl Into<T>` for the rest (so `&str` fills a
/// `String`), boxed where the field is.
fn argument(
    ty: &Ty,
    boxed: bool,
    reg: &Registry<'_>,
) -> (TokenStream, impl Fn(TokenStream) -> TokenStream) {
    let t = kind_tokens(&ty.kind);
    let copy = match &ty.kind {
        Kind::Integer(_) | Kind::Number(_) | Kind::Boolean => true,
        Kind::Named(n) => reg.is_enum(n),
        _ => false,
    };
    let param = if copy {
        t
    } else {
        quote! { impl Into<#t> }
    };
    let value = move |v: TokenStream| {
        let v = if copy {
            v
        } else {
            quote! { #v.into() }
        };
        if boxed {
            quote! { Box::new(#v) }
        } else {
            v
        }
    };
    (param, value)
}

fn enum_def(e: &Enum, reg: &Registry<'_>) -> TokenStream {
    let name = ident(&e.name);
    let fallback = format!("The values of `{}`.", e.name);
    let docs = doc(Some(e.doc.as_deref().unwrap_or(&fallback)));
    let tolerant = e.unknown.as_deref().map(ident);
    let variants = e.values.iter().enumerate().map(|(i, v)| {
        let var = ident(&v.variant);
        let value = &v.value;
        // The wire value, unless the description already gives it.
        let wire = format!("Serialized as {}.", code(value));
        let wire = v
            .doc
            .as_deref()
            .is_none_or(|d| !d.contains(value.as_str()))
            .then_some(wire.as_str());
        let vdoc = doc(paragraphs(&[v.doc.as_deref(), wire]).as_deref());
        let default = (e.default == Some(i)).then(|| quote! { #[default] });
        // A tolerant enum reads and writes itself (below).
        let rename = e
            .unknown
            .is_none()
            .then(|| quote! { #[serde(rename = #value)] });
        quote! { #vdoc #default #rename #var, }
    });
    let derive_default = e.default.is_some().then(|| quote!(Default,));
    let arms = e.values.iter().map(|v| {
        let var = ident(&v.variant);
        let value = &v.value;
        quote! { Self::#var => #value, }
    });
    let all = e.values.iter().map(|v| ident(&v.variant));
    let Some(unknown) = tolerant else {
        return quote! {
            #docs
            // Two lists, each on one line.
            #[derive(Clone, Copy, Debug, #derive_default PartialEq, Eq, Hash, PartialOrd, Ord)]
            #[derive(serde::Serialize, serde::Deserialize)]
            pub enum #name {
                #(#variants)*
            }

            impl #name {
                /// Every value, in the order the spec lists them.
                pub const ALL: &'static [Self] = &[#(Self::#all),*];

                /// The value as it appears on the wire.
                pub fn as_str(self) -> &'static str {
                    match self {
                        #(#arms)*
                    }
                }
            }

            impl std::fmt::Display for #name {
                fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                    f.write_str(self.as_str())
                }
            }
        };
    };
    // Read from responses: a value the spec does not list is kept, not
    // refused, and written back as it came.
    let reads = e.values.iter().map(|v| {
        let var = ident(&v.variant);
        let value = &v.value;
        quote! { #value => Self::#var, }
    });
    let validate = reg.needs_checks(&e.name).then(|| {
        quote! {
            impl Validate for #name {
                fn check(&self, field: &str, checker: &mut Checker) {
                    if let Self::#unknown(value) = self {
                        checker.unknown_value(field, value, Self::ALL);
                    }
                }
            }
        }
    });
    let note = format!(
        " A value the spec does not list is kept in [`{}`](Self::{}); match with a wildcard arm.",
        unknown, unknown
    );
    quote! {
        #docs
        #[doc = ""]
        #[doc = #note]
        #[derive(Clone, Debug, #derive_default PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[non_exhaustive]
        pub enum #name {
            #(#variants)*
            /// A value this version of the spec does not list, kept as received
            /// and sent back unchanged.
            #unknown(String),
        }

        impl #name {
            /// Every value the spec lists, in its order.
            pub const ALL: &'static [Self] = &[#(Self::#all),*];

            /// The value as it appears on the wire.
            pub fn as_str(&self) -> &str {
                match self {
                    #(#arms)*
                    Self::#unknown(value) => value,
                }
            }
        }

        impl std::fmt::Display for #name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl serde::Serialize for #name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for #name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let value = String::deserialize(deserializer)?;
                Ok(match value.as_str() {
                    #(#reads)*
                    _ => Self::#unknown(value),
                })
            }
        }

        #validate
    }
}

fn union_def(u: &Union, reg: &Registry<'_>, sizes: &Sizes<'_>) -> TokenStream {
    let name = ident(&u.name);
    let fallback = format!("One of the shapes of `{}`.", u.name);
    let docs = doc(Some(u.doc.as_deref().unwrap_or(&fallback)));
    // Boxed to break a cycle, or because the variant is large (see `size`).
    let boxed: Vec<bool> = u
        .variants
        .iter()
        .zip(sizes.boxed_union_variants(u))
        .map(|(v, large)| v.boxed || large)
        .collect();
    let variants = u.variants.iter().zip(&boxed).map(|(v, boxed)| {
        let var = ident(&v.name);
        let mut t = ty_tokens(&v.ty);
        if *boxed {
            t = quote! { Box<#t> };
        }
        let d = format!(" {}", variant_doc(&v.ty));
        quote! { #[doc = #d] #var(#t), }
    });
    // Read from responses: an object whose tag the spec does not list is
    // kept whole, and written back as it came.
    let unknown = u.unknown.as_deref().map(ident);
    let (unknown_variant, non_exhaustive) = match &unknown {
        Some(var) => (
            quote! {
                /// An object whose tag this version of the spec does not list, kept
                /// as received and sent back unchanged.
                #var(serde_json::Value),
            },
            quote! { #[non_exhaustive] },
        ),
        None => (TokenStream::new(), TokenStream::new()),
    };
    let tags: Vec<&String> = u
        .discriminator
        .iter()
        .flat_map(|d| d.mapping.iter().map(|(v, _)| v))
        .collect();
    let unknown_check = unknown.as_ref().zip(u.discriminator.as_ref()).map(|(var, d)| {
        let property = &d.property;
        quote! { Self::#var(value) => { checker.unknown_tag(field, #property, value, &[#(#tags),*]); } }
    });
    let check_arms = u.variants.iter().map(|v| {
        let var = ident(&v.name);
        let body = reg.checks(&v.ty, quote!(value), quote!(field));
        if body.is_empty() {
            quote! { Self::#var(_) => {} }
        } else {
            quote! { Self::#var(value) => { #body } }
        }
    });
    let validate = reg.needs_checks(&u.name).then(|| {
        quote! {
            impl Validate for #name {
                fn check(&self, field: &str, checker: &mut Checker) {
                    match self { #(#check_arms)* #unknown_check }
                }
            }
        }
    });
    let scalar = u.variants.iter().all(|v| match &v.ty.kind {
        Kind::String | Kind::Integer(_) | Kind::Number(_) | Kind::Boolean => !v.ty.nullable,
        Kind::Named(n) => reg.is_enum(n) && !v.ty.nullable,
        _ => false,
    });
    let display = scalar.then(|| {
        let arms = u.variants.iter().map(|v| {
            let var = ident(&v.name);
            quote! { Self::#var(value) => write!(f, "{value}"), }
        });
        let unknown = unknown
            .as_ref()
            .map(|var| quote! { Self::#var(value) => write!(f, "{value}"), });
        quote! {
            impl std::fmt::Display for #name {
                fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                    match self { #(#arms)* #unknown }
                }
            }
        }
    });
    let validate = quote! { #validate #display };
    match &u.discriminator {
        None => quote! {
            #docs
            #[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
            #[serde(untagged)]
            pub enum #name {
                #(#variants)*
            }
            #validate
        },
        Some(d) => {
            let property = &d.property;
            let arms = d.mapping.iter().map(|(value, i)| {
                let var = ident(&u.variants[*i].name);
                let wrap = if boxed[*i] { quote! { |v| Self::#var(Box::new(v)) } } else { quote! { Self::#var } };
                quote! { #value => serde_json::from_value(value).map(#wrap).map_err(serde::de::Error::custom), }
            });
            let names = &tags;
            let other = match &unknown {
                Some(var) => quote! { _ => Ok(Self::#var(value)), },
                None => quote! {
                    other => Err(serde::de::Error::unknown_variant(other, &[#(#names),*])),
                },
            };
            let selects = match &unknown {
                Some(var) => {
                    let d = format!(
                        " The `{property}` property selects the variant; an object with a tag the spec does not list is kept in [`{var}`](Self::{var}), so match with a wildcard arm."
                    );
                    quote! { #[doc = #d] }
                }
                None => quote! {
                    #[doc = concat!(" The `", #property, "` property selects the variant.")]
                },
            };
            quote! {
                #docs
                #[doc = ""]
                #selects
                #[derive(Clone, Debug, PartialEq, serde::Serialize)]
                #[serde(untagged)]
                #non_exhaustive
                pub enum #name {
                    #(#variants)*
                    #unknown_variant
                }

                impl<'de> serde::Deserialize<'de> for #name {
                    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                        let value = serde_json::Value::deserialize(deserializer)?;
                        let tag = value
                            .get(#property)
                            .and_then(serde_json::Value::as_str)
                            .ok_or_else(|| serde::de::Error::missing_field(#property))?
                            .to_owned();
                        match tag.as_str() {
                            #(#arms)*
                            #other
                        }
                    }
                }
                #validate
            }
        }
    }
}

/// The doc line of a union variant holding a `ty`.
fn variant_doc(ty: &Ty) -> String {
    let what = match &ty.kind {
        Kind::String => "A string".to_owned(),
        Kind::Integer(_) => "An integer".to_owned(),
        Kind::Number(_) => "A number".to_owned(),
        Kind::Boolean => "A boolean".to_owned(),
        Kind::Array(_) => "An array".to_owned(),
        Kind::Map(_) => "An object of arbitrary properties".to_owned(),
        Kind::Tuple(members) if members.len() == 1 => {
            "A tuple: an array of exactly 1 item".to_owned()
        }
        Kind::Tuple(members) => format!("A tuple: an array of exactly {} items", members.len()),
        Kind::Any => "Any JSON value".to_owned(),
        Kind::Named(n) => format!("A [`{n}`]"),
    };
    if ty.nullable {
        format!("{what}, or `null`.")
    } else {
        format!("{what}.")
    }
}

/// The Rust type of a response body, if it has one.
pub fn response_body_tokens(
    r: &Response,
    module: Option<&proc_macro2::Ident>,
) -> Option<TokenStream> {
    r.body.as_ref().map(|b| match b {
        ResponseBody::Json(ty) => super::ty_tokens_in(ty, module),
        ResponseBody::Text => quote! { String },
        ResponseBody::Bytes => quote! { Vec<u8> },
        ResponseBody::Binary(_) => quote! { crate::runtime::stream::ByteStream },
        ResponseBody::Sequence { kind, item, .. } => {
            let item = super::ty_tokens_in(item, module);
            if *kind == Sequence::Events {
                quote! { crate::runtime::sequence::Events<#item> }
            } else {
                quote! { crate::runtime::sequence::Records<#item> }
            }
        }
    })
}

/// The name of an operation's success type: its single body type, `()`, or
/// the generated `…Success` enum.
pub fn success_type(op: &Operation) -> TokenStream {
    let successes: Vec<&Response> = op.successes().collect();
    if successes.len() == 1 {
        response_body_tokens(successes[0], Some(&ident("types"))).unwrap_or_else(|| quote! { () })
    } else {
        let name = format_ident!("{}Success", op.type_name);
        quote! { types::#name }
    }
}

fn status_doc(r: &Response, boxed: bool) -> TokenStream {
    let head = match &r.status {
        crate::ir::Status::Code(c) => format!("`{c}`"),
        crate::ir::Status::Range(d) => format!("`{d}XX`"),
        crate::ir::Status::Default => "Any other status (`default`)".to_owned(),
    };
    let text = if r.description.is_empty() {
        head
    } else {
        format!("{head}: {}", r.description.trim())
    };
    let note = boxed.then_some(super::size::BOXED_NOTE);
    doc(paragraphs(&[Some(&text), note]).as_deref())
}

/// For each operation, the earlier operation whose error enum it shares,
/// if any: operations whose documented errors are the same (statuses,
/// variants, body types, boxing and descriptions) get one enum, declared
/// for the first of them, and the others' `…Error` names are aliases of it.
/// An API whose operations all answer the same error body then compiles one
/// error type (with its `Display`, `Error` and `ErrorMetadata` impls, and
/// the runtime's generic code over it) instead of one per operation.
fn error_enum_owners(ops: &[&Operation], sizes: &Sizes<'_>) -> Vec<Option<usize>> {
    let mut first: std::collections::HashMap<Vec<String>, usize> = std::collections::HashMap::new();
    ops.iter()
        .enumerate()
        .map(|(i, op)| {
            let boxed = sizes.boxed_outcomes(op);
            let key: Vec<String> = op
                .responses
                .iter()
                .zip(boxed)
                .filter(|(r, _)| !r.status.is_success())
                .map(|(r, boxed)| {
                    let body = response_body_tokens(r, None).map(|t| t.to_string());
                    format!(
                        "{:?}\u{0}{}\u{0}{boxed}\u{0}{body:?}\u{0}{}",
                        r.status,
                        r.variant,
                        r.description.trim()
                    )
                })
                .collect();
            match first.entry(key) {
                std::collections::hash_map::Entry::Occupied(owner) => Some(*owner.get()),
                std::collections::hash_map::Entry::Vacant(slot) => {
                    slot.insert(i);
                    None
                }
            }
        })
        .collect()
}

/// `Webhook`: one variant per webhook operation, naming it for the server's
/// `webhook_routes` and the client's `WebhookSender`, which choose where
/// each is served; nothing without webhooks.
fn webhook_enum(api: &Api) -> TokenStream {
    if api.webhooks.is_empty() {
        return TokenStream::new();
    }
    let variants = api.webhooks.iter().map(|op| {
        let var = ident(&op.type_name);
        let name = op.webhook.as_deref().unwrap_or_default();
        let head = format!("The `{name}` webhook (`{}`).", op.method);
        let d = doc(paragraphs(&[Some(&head), op.summary.as_deref()]).as_deref());
        quote! { #d #var, }
    });
    let all = api.webhooks.iter().map(|op| ident(&op.type_name));
    let arms = |value: &dyn Fn(&Operation) -> String| -> Vec<TokenStream> {
        api.webhooks
            .iter()
            .map(|op| {
                let var = ident(&op.type_name);
                let v = value(op);
                quote! { Self::#var => #v, }
            })
            .collect()
    };
    let names = arms(&|op| op.webhook.clone().unwrap_or_default());
    let methods = arms(&|op| op.method.clone());
    let paths = arms(&|op| op.path.clone());
    let d = format!(
        " The webhooks of {}: the requests the API sends to a receiver its user runs.",
        api.title.trim()
    );
    quote! {
        #[doc = #d]
        ///
        /// The server's `webhook_routes` and the client's `WebhookSender` take a
        /// function from a webhook to the path it is served at; by default each
        /// is at its [`default_path`](Self::default_path).
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Webhook {
            #(#variants)*
        }

        impl Webhook {
            /// Every webhook, in the order the spec lists them.
            pub const ALL: &'static [Self] = &[#(Self::#all),*];

            /// The webhook's name in the spec.
            pub fn name(self) -> &'static str {
                match self { #(#names)* }
            }

            /// The method the webhook is sent with.
            pub fn method(self) -> &'static str {
                match self { #(#methods)* }
            }

            /// Where a receiver serves the webhook unless told otherwise: `/` and
            /// its name, percent-encoded where a path needs it.
            pub fn default_path(self) -> &'static str {
                match self { #(#paths)* }
            }
        }
    }
}

/// An operation's `…Success` enum (when it has several successes) and its
/// `…Error` enum, or an alias of `shared`'s when the errors are the same;
/// `sharing` are the later operations whose error names alias this one's.
fn outcome_enums(
    op: &Operation,
    reg: &Registry<'_>,
    sizes: &Sizes<'_>,
    shared: Option<&Operation>,
    sharing: &[&Operation],
) -> TokenStream {
    let mut out = TokenStream::new();
    let boxed = sizes.boxed_outcomes(op);
    let is_boxed = |r: &Response| {
        op.responses
            .iter()
            .position(|o| std::ptr::eq(o, r))
            .is_some_and(|i| boxed[i])
    };
    let successes: Vec<&Response> = op.successes().collect();
    if successes.len() != 1 {
        let name = format_ident!("{}Success", op.type_name);
        let variants = successes.iter().map(|r| variant_decl(r, is_boxed(r)));
        let d = format!(" The documented successes of `{}`.", op.id);
        // A body that streams is neither `Clone` nor `PartialEq`, and
        // exists with the client or the server only.
        let streams = successes
            .iter()
            .any(|r| r.body.as_ref().is_some_and(ResponseBody::streams));
        let (cfg, derive) = if streams {
            (
                quote! { #[cfg(any(feature = "client", feature = "server"))] },
                quote! { #[derive(Debug)] },
            )
        } else {
            (
                TokenStream::new(),
                quote! { #[derive(Clone, Debug, PartialEq)] },
            )
        };
        out.extend(quote! {
            #[doc = #d]
            #cfg
            #derive
            pub enum #name { #(#variants)* }
        });
    }
    let name = format_ident!("{}Error", op.type_name);
    if let Some(owner) = shared {
        let target = format_ident!("{}Error", owner.type_name);
        let d = format!(
            " The documented error statuses of `{}`: the same as `{}`'s, so the same type.",
            op.id, owner.id
        );
        out.extend(quote! {
            #[doc = #d]
            pub type #name = #target;
        });
        return out;
    }
    let errors: Vec<&Response> = op.errors().collect();
    let variants = errors.iter().map(|r| variant_decl(r, is_boxed(r)));
    // What a variant holds: arms with the same outcome over the same body
    // type share one or-pattern.
    let holds: Vec<String> = errors
        .iter()
        .map(|r| {
            let t = response_body_tokens(r, None).map(|t| t.to_string());
            format!("{} {t:?}", is_boxed(r))
        })
        .collect();
    let arms = merge_arms(errors.iter().zip(&holds).map(|(r, holds)| {
        let var = ident(&r.variant);
        match &r.body {
            Some(ResponseBody::Json(_)) => (
                quote! { Self::#var(body) },
                holds,
                quote! { write_error(f, self, body) },
            ),
            Some(ResponseBody::Text) => (
                quote! { Self::#var(body) },
                holds,
                quote! { f.write_str(body) },
            ),
            // (Error bodies are read whole: never a stream.)
            Some(ResponseBody::Bytes | ResponseBody::Binary(_) | ResponseBody::Sequence { .. }) => {
                (
                    quote! { Self::#var(body) },
                    holds,
                    quote! { write!(f, "{} bytes", body.len()) },
                )
            }
            None => {
                let text = if r.description.is_empty() {
                    r.variant.clone()
                } else {
                    r.description.trim().to_owned()
                };
                (quote! { Self::#var }, holds, quote! { f.write_str(#text) })
            }
        }
    }));
    let d = match sharing {
        [] => format!(
            " The documented error statuses of `{}`, each with its own body.",
            op.id
        ),
        [other] => format!(
            " The documented error statuses of `{}` and of `{}`, each with its own body.",
            op.id, other.id
        ),
        others => format!(
            " The documented error statuses of `{}` and of {} other operations with the same errors, each with its own body.",
            op.id,
            others.len()
        ),
    };
    let (f, display) = if errors.is_empty() {
        (quote!(_f), quote! { match *self {} })
    } else {
        (quote!(f), quote! { match self { #(#arms)* } })
    };
    let metadata = error_metadata(&name, &errors, &holds, reg);
    out.extend(quote! {
        #[doc = #d]
        #[derive(Clone, Debug, PartialEq)]
        pub enum #name { #(#variants)* }

        impl std::fmt::Display for #name {
            fn fmt(&self, #f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                #display
            }
        }

        impl std::error::Error for #name {}

        #metadata
    });
    out
}

/// `ErrorMetadata` for an operation's error enum: each method reads the
/// string property of the variant's body whose name gives it the role
/// (`error_code`, `errorMsg`, `request_id`, ...); a text body is its own
/// message; anything else answers `None`.
fn error_metadata(
    name: &proc_macro2::Ident,
    errors: &[&Response],
    holds: &[String],
    reg: &Registry<'_>,
) -> TokenStream {
    let getter = |role: Role| -> Option<TokenStream> {
        let read: Vec<(TokenStream, &String, TokenStream)> = errors
            .iter()
            .zip(holds)
            .filter_map(|(r, holds)| {
                let var = ident(&r.variant);
                let read = match &r.body {
                    Some(ResponseBody::Json(ty)) => role_read(ty, role, reg)?,
                    Some(ResponseBody::Text) if role == Role::Message => {
                        quote! { Some(body.as_str()) }
                    }
                    _ => return None,
                };
                Some((quote! { Self::#var(body) }, holds, read))
            })
            .collect();
        if read.is_empty() {
            return None;
        }
        let covered = read.len();
        let arms = merge_arms(read.into_iter());
        let method = format_ident!(
            "{}",
            match role {
                Role::Code => "code",
                Role::Message => "message",
                _ => "request_id",
            }
        );
        let rest = (covered < errors.len()).then(|| quote! { _ => None, });
        Some(quote! {
            fn #method(&self) -> Option<&str> {
                match self { #(#arms)* #rest }
            }
        })
    };
    let methods: Vec<TokenStream> = [Role::Code, Role::Message, Role::RequestId]
        .into_iter()
        .filter_map(getter)
        .collect();
    quote! {
        impl crate::runtime::metadata::ErrorMetadata for #name {
            #(#methods)*
        }
    }
}

/// How to read the string with `role` from `body` (a `&T` of type `ty`),
/// as an `Option<&str>`, if the body is a struct with such a property, or
/// holds an object with one (`{"error": {"code": …, "message": …}}`).
fn role_read(ty: &crate::ir::Ty, role: Role, reg: &Registry<'_>) -> Option<TokenStream> {
    if ty.nullable {
        return None;
    }
    Some(match role_read_in(ty, role, reg, quote! { body }, 0)? {
        Read::Always(e) => quote! { Some(#e) },
        Read::Maybe(e) => e,
    })
}

/// An expression reading a string: a `&str`, or an `Option<&str>`.
enum Read {
    Always(TokenStream),
    Maybe(TokenStream),
}

/// [`role_read`] from the place `base` of type `ty`, at `depth` objects
/// down (at most two).
fn role_read_in(
    ty: &crate::ir::Ty,
    role: Role,
    reg: &Registry<'_>,
    base: TokenStream,
    depth: usize,
) -> Option<Read> {
    let Kind::Named(n) = &ty.kind else {
        return None;
    };
    let Some(TypeDef::Struct(s)) = reg.def(n) else {
        return None;
    };
    let properties: Vec<Property<'_>> = s
        .fields
        .iter()
        .map(|f| Property {
            name: &f.json,
            text: matches!(f.ty.kind, Kind::String) && !f.boxed,
            required: f.required,
        })
        .collect();
    let roles = named_roles(&properties);
    let with = |wanted: Role| {
        s.fields
            .iter()
            .zip(&roles)
            .find(|(_, r)| **r == Some(wanted))
            .map(|(f, _)| f)
    };
    let is_option = |field: &crate::ir::Field| {
        let defaulted = field
            .default
            .as_ref()
            .and_then(|d| reg.default_expr(&field.ty, d))
            .is_some();
        !defaulted && (!field.required || field.ty.nullable)
    };
    // A body without a message property says what went wrong in its
    // detail (`{code, detail}`, as RFC 9457's `detail`).
    let found = match with(role) {
        None if role == Role::Message => with(Role::Detail),
        found => found,
    };
    if let Some(field) = found {
        let rust = ident(&field.rust);
        return Some(if is_option(field) {
            Read::Maybe(quote! { #base.#rust.as_deref() })
        } else {
            Read::Always(quote! { #base.#rust.as_str() })
        });
    }
    // Else the first object property that holds one.
    if depth >= 2 {
        return None;
    }
    s.fields.iter().find_map(|field| {
        let rust = ident(&field.rust);
        if !is_option(field) {
            return role_read_in(&field.ty, role, reg, quote! { #base.#rust }, depth + 1);
        }
        Some(
            match role_read_in(&field.ty, role, reg, quote! { body }, depth + 1)? {
                Read::Always(e) => Read::Maybe(quote! { #base.#rust.as_ref().map(|body| #e) }),
                Read::Maybe(e) => Read::Maybe(quote! { #base.#rust.as_ref().and_then(|body| #e) }),
            },
        )
    })
}

/// Match arms from (pattern, what the pattern binds, outcome), in order:
/// arms with the same outcome over the same bound type become one
/// or-pattern, where the first of them stood.
fn merge_arms<'a>(
    arms: impl Iterator<Item = (TokenStream, &'a String, TokenStream)>,
) -> Vec<TokenStream> {
    let mut merged: Vec<(Vec<TokenStream>, String, TokenStream)> = Vec::new();
    for (pattern, holds, outcome) in arms {
        let key = format!("{holds} {outcome}");
        match merged.iter_mut().find(|(_, k, _)| *k == key) {
            Some((patterns, _, _)) => patterns.push(pattern),
            None => merged.push((vec![pattern], key, outcome)),
        }
    }
    merged
        .into_iter()
        .map(|(patterns, _, outcome)| quote! { #(#patterns)|* => #outcome, })
        .collect()
}

fn variant_decl(r: &Response, boxed: bool) -> TokenStream {
    let var = ident(&r.variant);
    let d = status_doc(r, boxed);
    match response_body_tokens(r, None) {
        Some(t) if boxed => quote! { #d #var(Box<#t>), },
        Some(t) => quote! { #d #var(#t), },
        None => quote! { #d #var, },
    }
}

/// A value a check reads: an expression of type `&T`, or a place of type
/// `T` (a field, an owned binding) borrowed where a reference is needed.
enum CheckedValue {
    Ref(TokenStream),
    Place(TokenStream),
}

impl CheckedValue {
    /// An expression of type `&T`.
    fn by_ref(&self) -> TokenStream {
        match self {
            CheckedValue::Ref(e) => e.clone(),
            CheckedValue::Place(p) => quote! { &#p },
        }
    }

    /// The value itself (for `Copy` numbers).
    fn copied(&self) -> TokenStream {
        match self {
            CheckedValue::Ref(e) => quote! { *#e },
            CheckedValue::Place(p) => p.clone(),
        }
    }

    /// The expression as written, for method calls (auto-referenced).
    fn expr(&self) -> TokenStream {
        match self {
            CheckedValue::Ref(e) | CheckedValue::Place(e) => e.clone(),
        }
    }
}

/// How often the identifier `name` occurs in `tokens`, nested groups included.
fn count_ident(tokens: &TokenStream, name: &str) -> usize {
    tokens
        .clone()
        .into_iter()
        .map(|t| match t {
            proc_macro2::TokenTree::Ident(i) if i == name => 1,
            proc_macro2::TokenTree::Group(g) => count_ident(&g.stream(), name),
            _ => 0,
        })
        .sum()
}

/// Whether a statement is short enough for the formatter to keep it on
/// one line at `indent` (its margin is 89 columns): spaces between tokens
/// are counted after commas only, as it prints them.
fn fits_one_line(statement: &TokenStream, indent: usize) -> bool {
    let text = statement.to_string();
    let compact = text.chars().filter(|c| *c != ' ').count() + text.matches(',').count();
    indent + compact <= 89
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(doc: Option<&str>, ty: Ty, default: Option<Value>) -> Field {
        Field {
            flatten: false,
            json: "ids".into(),
            rust: "ids".into(),
            doc: doc.map(str::to_owned),
            ty,
            required: false,
            default,
            boxed: false,
        }
    }

    fn string(min: Option<usize>, max: Option<usize>) -> Ty {
        Ty {
            kind: Kind::String,
            constraints: Constraints {
                min_length: min,
                max_length: max,
                ..Constraints::default()
            },
            nullable: false,
        }
    }

    fn array(item: Ty, min: Option<usize>, max: Option<usize>) -> Ty {
        Ty {
            kind: Kind::Array(Box::new(item)),
            constraints: Constraints {
                min_items: min,
                max_items: max,
                ..Constraints::default()
            },
            nullable: false,
        }
    }

    #[test]
    fn constraints_the_description_states_are_not_repeated() {
        let ty = array(string(None, Some(255)), Some(1), Some(100));
        let f = field(
            Some("IDs. 1 to 100 IDs, each at most 255 characters."),
            ty.clone(),
            None,
        );
        assert_eq!(
            field_doc(&f),
            "IDs. 1 to 100 IDs, each at most 255 characters."
        );
        // Only a constraint whose every number the description gives is
        // left out.
        let f = field(Some("IDs, at most 100."), ty.clone(), None);
        assert_eq!(
            field_doc(&f),
            "IDs, at most 100.\n\n1 to 100 items. Each item: at most 255 characters."
        );
        let f = field(None, ty, None);
        assert_eq!(
            field_doc(&f),
            "The `ids` property.\n\n1 to 100 items. Each item: at most 255 characters."
        );
    }

    #[test]
    fn tuple_members_are_documented_by_position() {
        let member = Ty {
            kind: Kind::Integer("i32"),
            constraints: Constraints {
                minimum: Some((1.0, false)),
                ..Constraints::default()
            },
            nullable: false,
        };
        let tuple = Ty {
            kind: Kind::Tuple([string(None, Some(8)), member, string(None, None)].into()),
            ..Ty::default()
        };
        let f = field(None, array(tuple.clone(), None, None), None);
        assert_eq!(
            field_doc(&f),
            "The `ids` property.\n\nEach item: `[0]`: at most 8 characters, `[1]`: at least 1."
        );
        assert_eq!(variant_doc(&tuple), "A tuple: an array of exactly 3 items.");
    }

    #[test]
    fn patterns_formats_bounds_and_defaults_are_written_out() {
        let mut ty = string(Some(1), Some(1));
        ty.constraints.text = Some(Box::new(crate::ir::TextRules {
            pattern: Some("^[a-z`]$".into()),
            checked: true,
            format: Some("uuid".into()),
        }));
        let f = field(Some("A letter."), ty, Some(Value::from("a")));
        assert_eq!(
            field_doc(&f),
            "A letter.\n\nExactly 1 character. Matches `` ^[a-z`]$ ``. A `uuid` string. Defaults to `\"a\"`."
        );
        let ty = Ty {
            kind: Kind::Integer("i32"),
            constraints: Constraints {
                minimum: Some((0.0, true)),
                maximum: Some((10.0, false)),
                allowed: vec![2.0, 4.0],
                ..Constraints::default()
            },
            nullable: false,
        };
        let f = field(Some("The default is 4."), ty, Some(Value::from(4)));
        assert_eq!(
            field_doc(&f),
            "The default is 4.\n\nGreater than 0 and at most 10. One of `2`, `4`."
        );
    }

    #[test]
    fn fractional_bounds_of_an_integer_are_the_integers_within() {
        let ty = |minimum, maximum| Ty {
            kind: Kind::Integer("i64"),
            constraints: Constraints {
                minimum: Some(minimum),
                maximum: Some(maximum),
                ..Constraints::default()
            },
            nullable: false,
        };
        // At least 0.001 is at least 1 (not 0, as a literal cut toward
        // zero would say); at most 9.5 is at most 9; exclusive or not.
        let c = effective(&ty((0.001, false), (9.5, false)));
        assert_eq!(
            (c.minimum, c.maximum),
            (Some((1.0, false)), Some((9.0, false)))
        );
        let c = effective(&ty((-1.5, true), (-0.5, true)));
        assert_eq!(
            (c.minimum, c.maximum),
            (Some((-1.0, false)), Some((-1.0, false)))
        );
        // Whole bounds keep their exclusiveness.
        let c = effective(&ty((0.0, true), (10.0, true)));
        assert_eq!(
            (c.minimum, c.maximum),
            (Some((0.0, true)), Some((10.0, true)))
        );
    }
}
