//! Models: structs, enums and unions from the type registry, their
//! constraint checks (shared by client and server), and each operation's
//! success and error enums.

use std::collections::{HashMap, HashSet};

use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use serde_json::Value;

use super::error_body::{named_roles, Property, Role};
use super::size::Sizes;
use super::{doc, ident, kind_tokens, number_literal, opt_usize, paragraphs, ty_tokens};
use crate::ir::{
    Api, Constraints, Encoding, Enum, Kind, Operation, Response, ResponseBody, Struct, Ty, TypeDef,
    Union,
};

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
                    .filter(|(v, exclusive)| *exclusive || at(*v) != lo),
                maximum: c
                    .maximum
                    .filter(|(v, exclusive)| *exclusive || at(*v) != hi),
                allowed: c.allowed.clone(),
                ..Constraints::default()
            }
        }
        Kind::Number(_) => Constraints {
            minimum: c.minimum,
            maximum: c.maximum,
            allowed: c.allowed.clone(),
            ..Constraints::default()
        },
        Kind::Boolean | Kind::Any | Kind::Named(_) => Constraints::default(),
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
        let mut reg = Registry {
            needs: types.keys().map(|k| (*k, false)).collect(),
            types,
            requested: HashSet::new(),
        };
        for op in &api.operations {
            if let Some(body) = &op.body {
                if let Encoding::Json(ty) | Encoding::Form(ty) = &body.encoding {
                    reg.mark_requested(ty);
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
            Kind::Named(n) => self.needs.get(n.as_str()).copied().unwrap_or(false),
            _ => false,
        }
    }

    /// Whether values of the named type can break a constraint (only those
    /// implement `Validate`).
    pub fn needs_checks(&self, name: &str) -> bool {
        self.needs.get(name).copied().unwrap_or(false)
    }

    /// Whether `name` is a string enum (a `Copy` type with `as_str`).
    pub fn is_enum(&self, name: &str) -> bool {
        matches!(self.get(name), Some(TypeDef::Enum(_)))
    }

    /// The definition of a named type.
    pub fn def(&self, name: &str) -> Option<&'a TypeDef> {
        self.get(name)
    }

    fn get(&self, name: &str) -> Option<&'a TypeDef> {
        self.types.get(name).copied()
    }

    /// Statements checking `value` (an expression of type `&T`) reported
    /// under `field` (an expression of type `&str`).
    pub fn checks(&self, ty: &Ty, value: TokenStream, field: TokenStream) -> TokenStream {
        if !self.needs(ty) {
            return TokenStream::new();
        }
        if ty.nullable {
            let inner = Ty {
                nullable: false,
                ..ty.clone()
            };
            let body = self.checks(&inner, quote!(value), field);
            return quote! { if let Some(value) = #value { #body } };
        }
        let c = &effective(ty);
        let mut out = TokenStream::new();
        match &ty.kind {
            Kind::String => {
                if c.min_length.is_some() || c.max_length.is_some() {
                    let (min, max) = (opt_usize(c.min_length), opt_usize(c.max_length));
                    out.extend(quote! { checker.length(#field, #value, #min, #max); });
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
                    out.extend(quote! { checker.range(#field, *#value, #min, #max); });
                }
                if !c.allowed.is_empty() {
                    let values = c.allowed.iter().map(|v| number_literal(&ty.kind, *v));
                    out.extend(quote! { checker.one_of(#field, *#value, &[#(#values),*]); });
                }
            }
            Kind::Array(item) => {
                if c.min_items.is_some() || c.max_items.is_some() {
                    let (min, max) = (opt_usize(c.min_items), opt_usize(c.max_items));
                    out.extend(quote! { checker.items(#field, #value.len(), #min, #max); });
                }
                if c.unique_items {
                    out.extend(quote! { checker.unique(#field, #value); });
                }
                let inner = self.checks(item, quote!(value), quote!(field));
                if !inner.is_empty() {
                    out.extend(quote! {
                        for (i, value) in #value.iter().enumerate() {
                            let field = &format!("{}[{i}]", #field);
                            #inner
                        }
                    });
                }
            }
            Kind::Map(item) => {
                if c.min_properties.is_some() || c.max_properties.is_some() {
                    let (min, max) = (opt_usize(c.min_properties), opt_usize(c.max_properties));
                    out.extend(quote! { checker.properties(#field, #value.len(), #min, #max); });
                }
                let inner = self.checks(item, quote!(value), quote!(field));
                if !inner.is_empty() {
                    out.extend(quote! {
                        for (key, value) in #value {
                            let field = &format!("{}.{key}", #field);
                            #inner
                        }
                    });
                }
            }
            Kind::Named(_) => out.extend(quote! { checker.nested(#field, #value); }),
            Kind::Boolean | Kind::Any => {}
        }
        out
    }

    /// Checks on a parameter bound to `binding` (by value when required, an
    /// `Option` otherwise), reported under the parameter's name.
    pub fn param_checks(
        &self,
        p: &crate::ir::Param,
        binding: &proc_macro2::Ident,
    ) -> Option<TokenStream> {
        let field = &p.name;
        let plain = Ty {
            nullable: false,
            ..p.ty.clone()
        };
        let body = self.checks(&plain, quote!(value), quote!(#field));
        (!body.is_empty()).then(|| {
            if p.required {
                quote! { { let value = &#binding; #body } }
            } else {
                quote! { if let Some(value) = &#binding { #body } }
            }
        })
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
            TypeDef::Enum(e) => enum_def(e),
            TypeDef::Union(u) => union_def(u, reg, &sizes),
        });
    }
    for op in &api.operations {
        out.extend(outcome_enums(op, reg, &sizes));
    }
    let mut imports = Vec::new();
    if api.types.iter().any(|t| reg.needs_checks(t.name())) {
        imports.extend([quote!(Checker), quote!(Validate)]);
    }
    let imports =
        (!imports.is_empty()).then(|| quote! { use crate::runtime::validation::{#(#imports),*}; });
    quote! {
        #imports
        #out
    }
}

fn struct_def(s: &Struct, reg: &Registry<'_>) -> TokenStream {
    let name = ident(&s.name);
    let docs = doc(s.doc.as_deref());
    let mut fields = Vec::new();
    let mut default_fns = Vec::new();
    let mut checks = Vec::new();
    for f in &s.fields {
        let rust = ident(&f.rust);
        let json = &f.json;
        let mut attrs = Vec::new();
        if f.rust != f.json {
            attrs.push(quote! { rename = #json });
        }
        let mut inner = kind_tokens(&f.ty.kind);
        if f.boxed {
            inner = quote! { Box<#inner> };
        }
        let default = f.default.as_ref().and_then(|d| reg.default_expr(&f.ty, d));
        let is_option = default.is_none() && (!f.required || f.ty.nullable);
        let field_ty = if let Some(expr) = default {
            let fn_name = format_ident!(
                "default_{}_{}",
                heck::AsSnakeCase(&s.name).to_string(),
                f.rust.trim_end_matches('_')
            );
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
        let default_doc = f
            .default
            .as_ref()
            .filter(|_| !f.required)
            .map(|d| format!("Defaults to `{d}`."));
        let fdoc = doc(paragraphs(&[f.doc.as_deref(), default_doc.as_deref()]).as_deref());
        let serde = (!attrs.is_empty()).then(|| quote! { #[serde(#(#attrs),*)] });
        fields.push(quote! { #fdoc #serde pub #rust: #field_ty, });

        let field_path = quote! { &crate::runtime::validation::join(field, #json) };
        let plain = Ty {
            nullable: false,
            ..f.ty.clone()
        };
        let body = reg.checks(&plain, quote!(value), quote!(field));
        if !body.is_empty() {
            checks.push(if is_option {
                quote! { if let Some(value) = &self.#rust { let field = #field_path; #body } }
            } else {
                quote! { { let value = &self.#rust; let field = #field_path; #body } }
            });
        }
    }
    if let Some(extra) = &s.additional {
        let t = ty_tokens(extra);
        fields.push(quote! {
            /// Properties beyond the declared ones.
            #[serde(flatten)]
            pub additional_properties: std::collections::BTreeMap<String, #t>,
        });
        let body = reg.checks(extra, quote!(value), quote!(field));
        if !body.is_empty() {
            checks.push(quote! {
                for (key, value) in &self.additional_properties {
                    let field = &crate::runtime::validation::join(field, key);
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
    quote! {
        #docs
        #[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
        #deny
        pub struct #name {
            #(#fields)*
        }

        #(#default_fns)*

        #validate
    }
}

fn enum_def(e: &Enum) -> TokenStream {
    let name = ident(&e.name);
    let docs = doc(e.doc.as_deref());
    let variants = e.values.iter().map(|v| {
        let var = ident(&v.variant);
        let value = &v.value;
        let vdoc = doc(v.doc.as_deref());
        quote! { #vdoc #[serde(rename = #value)] #var, }
    });
    let arms = e.values.iter().map(|v| {
        let var = ident(&v.variant);
        let value = &v.value;
        quote! { Self::#var => #value, }
    });
    let all = e.values.iter().map(|v| ident(&v.variant));
    quote! {
        #docs
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
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
    }
}

fn union_def(u: &Union, reg: &Registry<'_>, sizes: &Sizes<'_>) -> TokenStream {
    let name = ident(&u.name);
    let docs = doc(u.doc.as_deref());
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
        quote! { #var(#t), }
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
                    match self { #(#check_arms)* }
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
        quote! {
            impl std::fmt::Display for #name {
                fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                    match self { #(#arms)* }
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
            let names: Vec<&String> = d.mapping.iter().map(|(v, _)| v).collect();
            quote! {
                #docs
                #[doc = ""]
                #[doc = concat!(" The `", #property, "` property selects the variant.")]
                #[derive(Clone, Debug, PartialEq, serde::Serialize)]
                #[serde(untagged)]
                pub enum #name {
                    #(#variants)*
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
                            other => Err(serde::de::Error::unknown_variant(other, &[#(#names),*])),
                        }
                    }
                }
                #validate
            }
        }
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

fn outcome_enums(op: &Operation, reg: &Registry<'_>, sizes: &Sizes<'_>) -> TokenStream {
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
        out.extend(quote! {
            #[doc = #d]
            #[derive(Clone, Debug, PartialEq)]
            pub enum #name { #(#variants)* }
        });
    }
    let name = format_ident!("{}Error", op.type_name);
    let errors: Vec<&Response> = op.errors().collect();
    let variants = errors.iter().map(|r| variant_decl(r, is_boxed(r)));
    let arms = errors.iter().map(|r| {
        let var = ident(&r.variant);
        match &r.body {
            Some(ResponseBody::Json(_)) => {
                quote! { Self::#var(body) => crate::runtime::metadata::write_error(f, self, body), }
            }
            Some(ResponseBody::Text) => quote! { Self::#var(body) => f.write_str(body), },
            Some(ResponseBody::Bytes) => {
                quote! { Self::#var(body) => write!(f, "{} bytes", body.len()), }
            }
            None => {
                let text = if r.description.is_empty() {
                    r.variant.clone()
                } else {
                    r.description.trim().to_owned()
                };
                quote! { Self::#var => f.write_str(#text), }
            }
        }
    });
    let d = format!(
        " The documented error statuses of `{}`, each with its own body.",
        op.id
    );
    let (f, display) = if errors.is_empty() {
        (quote!(_f), quote! { match *self {} })
    } else {
        (quote!(f), quote! { match self { #(#arms)* } })
    };
    let metadata = error_metadata(&name, &errors, reg);
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
    reg: &Registry<'_>,
) -> TokenStream {
    let getter = |role: Role| -> Option<TokenStream> {
        let arms: Vec<TokenStream> = errors
            .iter()
            .filter_map(|r| {
                let var = ident(&r.variant);
                let read = match &r.body {
                    Some(ResponseBody::Json(ty)) => role_read(ty, role, reg)?,
                    Some(ResponseBody::Text) if role == Role::Message => {
                        quote! { Some(body.as_str()) }
                    }
                    _ => return None,
                };
                Some(quote! { Self::#var(body) => #read, })
            })
            .collect();
        if arms.is_empty() {
            return None;
        }
        let method = format_ident!(
            "{}",
            match role {
                Role::Code => "code",
                Role::Message => "message",
                _ => "request_id",
            }
        );
        let rest = (arms.len() < errors.len()).then(|| quote! { _ => None, });
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
/// as an `Option<&str>`, if the body is a struct with such a property.
fn role_read(ty: &crate::ir::Ty, role: Role, reg: &Registry<'_>) -> Option<TokenStream> {
    let Kind::Named(n) = &ty.kind else {
        return None;
    };
    if ty.nullable {
        return None;
    }
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
    let (field, _) = s
        .fields
        .iter()
        .zip(named_roles(&properties))
        .find(|(_, r)| *r == Some(role))?;
    let rust = ident(&field.rust);
    let defaulted = field
        .default
        .as_ref()
        .and_then(|d| reg.default_expr(&field.ty, d))
        .is_some();
    let is_option = !defaulted && (!field.required || field.ty.nullable);
    Some(if is_option {
        quote! { body.#rust.as_deref() }
    } else {
        quote! { Some(body.#rust.as_str()) }
    })
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
