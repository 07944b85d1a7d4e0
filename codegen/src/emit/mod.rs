//! Stage 4: emit. Turns the IR into Rust tokens with `quote`. Reads only
//! [`crate::ir`], never the document.

pub mod client;
mod error_body;
pub mod krate;
pub(crate) mod prose;
pub mod server;
pub mod size;
pub mod types;

use proc_macro2::{Ident, Span, TokenStream};
use quote::{format_ident, quote};

use crate::ir::{Kind, Ty};

/// Whether `method` (as sent) is one of OpenAPI 3.0's eight, which
/// `reqwest` and axum's router name (`QUERY` and the methods of
/// `additionalOperations` are not).
pub fn is_standard_method(method: &str) -> bool {
    crate::openapi::METHODS
        .iter()
        .any(|m| m.eq_ignore_ascii_case(method) && method == method.to_ascii_uppercase())
}

/// How an operation's docs name the request: `` `GET /things` ``, or, for a
/// webhook, its name and method.
pub fn request_line(op: &crate::ir::Operation) -> String {
    match &op.webhook {
        Some(name) => format!(
            "The `{name}` webhook: `{}` to the path the receiver serves it at.",
            op.method
        ),
        None => format!("`{} {}`", op.method, op.path),
    }
}

/// An identifier, raw where needed.
/// The runtime's description of a parameter (`style::Param`): its name,
/// location, style, `explode`, `allowReserved` and `allowEmptyValue`, each
/// named only where it differs from the location's default. `runtime` is the path of the
/// runtime module where the tokens go.
pub fn style_param(p: &crate::ir::Param, runtime: &TokenStream) -> TokenStream {
    style_tokens(
        &p.name,
        p.location,
        p.style,
        p.explode,
        p.allow_reserved,
        p.allow_empty_value,
        runtime,
    )
}

/// [`style_param`] for a form body's property, written as a query's would be.
pub fn form_field(f: &crate::ir::FormField, runtime: &TokenStream) -> TokenStream {
    style_tokens(
        &f.name,
        crate::ir::Location::Query,
        f.style,
        f.explode,
        f.allow_reserved,
        // `allowEmptyValue` is the query's: a form property may be empty.
        true,
        runtime,
    )
}

fn style_tokens(
    name: &str,
    location: crate::ir::Location,
    style: crate::ir::ParamStyle,
    explode: bool,
    allow_reserved: bool,
    allow_empty_value: bool,
    runtime: &TokenStream,
) -> TokenStream {
    use crate::ir::{Location, ParamStyle};
    let location_tokens = match location {
        Location::Path => quote!(Path),
        Location::Header => quote!(Header),
        Location::Cookie => quote!(Cookie),
        Location::Query | Location::QueryString(_) => quote!(Query),
    };
    let mut out =
        quote! { #runtime::style::Param::new(#name, #runtime::style::In::#location_tokens) };
    let style_name = match style {
        ParamStyle::Json => {
            out.extend(quote!(.json()));
            None
        }
        s if s == ParamStyle::default_for(location) => None,
        ParamStyle::Simple => Some(quote!(Simple)),
        ParamStyle::Label => Some(quote!(Label)),
        ParamStyle::Matrix => Some(quote!(Matrix)),
        ParamStyle::Form => Some(quote!(Form)),
        ParamStyle::SpaceDelimited => Some(quote!(SpaceDelimited)),
        ParamStyle::PipeDelimited => Some(quote!(PipeDelimited)),
        ParamStyle::DeepObject => Some(quote!(DeepObject)),
    };
    if let Some(style) = style_name {
        out.extend(quote!(.style(#runtime::style::Style::#style)));
    }
    let default_explode = matches!(location, Location::Query | Location::Cookie);
    if explode != default_explode && style != ParamStyle::Json {
        out.extend(quote!(.explode(#explode)));
    }
    if allow_reserved {
        out.extend(quote!(.allow_reserved()));
    }
    if allow_empty_value && matches!(location, Location::Query) {
        out.extend(quote!(.allow_empty_value()));
    }
    out
}

/// The name of the constant holding a parameter's [`style_param`]:
/// `PROJECT_ID_PARAM` for `project_id`.
pub fn style_const(p: &crate::ir::Param) -> Ident {
    format_ident!("{}_PARAM", heck::AsShoutySnakeCase(&p.rust).to_string())
}

/// The constant `name` holding a parameter's [`style_param`], with a doc line.
pub fn style_item(p: &crate::ir::Param, runtime: &TokenStream) -> TokenStream {
    let name = style_const(p);
    let value = style_param(p, runtime);
    let d = format!(" How `{}` is written in the {}.", p.name, p.location.name());
    quote! {
        #[doc = #d]
        const #name: #runtime::style::Param = #value;
    }
}

pub fn ident(name: &str) -> Ident {
    format_ident!("{}", name)
}

/// `#[doc = …]` lines for a block of spec prose (normalized, see
/// [`prose::doc_lines`]); nothing for `None` or blank text.
pub fn doc(text: Option<&str>) -> TokenStream {
    let lines = text.map(prose::doc_lines).unwrap_or_default();
    quote! { #( #[doc = #lines] )* }
}

/// Joins optional paragraphs into one doc text.
pub fn paragraphs(parts: &[Option<&str>]) -> Option<String> {
    let parts: Vec<&str> = parts
        .iter()
        .flatten()
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
        .collect();
    (!parts.is_empty()).then(|| parts.join("\n\n"))
}

/// The Rust type for a Ty as stored (owned), inside the `types` module.
pub fn ty_tokens(ty: &Ty) -> TokenStream {
    ty_tokens_in(ty, None)
}

pub fn kind_tokens(kind: &Kind) -> TokenStream {
    kind_tokens_in(kind, None)
}

/// The Rust type for a Ty, with named types reached through `module` (for
/// code outside the `types` module).
pub fn ty_tokens_in(ty: &Ty, module: Option<&Ident>) -> TokenStream {
    let inner = kind_tokens_in(&ty.kind, module);
    if ty.nullable {
        quote! { Option<#inner> }
    } else {
        inner
    }
}

pub fn kind_tokens_in(kind: &Kind, module: Option<&Ident>) -> TokenStream {
    match kind {
        Kind::String => quote! { String },
        Kind::Integer(t) | Kind::Number(t) => {
            let t = Ident::new(t, Span::call_site());
            quote! { #t }
        }
        Kind::Boolean => quote! { bool },
        Kind::Array(item) => {
            let item = ty_tokens_in(item, module);
            quote! { Vec<#item> }
        }
        Kind::Tuple(members) => {
            let members = members.iter().map(|m| ty_tokens_in(m, module));
            // `(A,)`: a one-member tuple keeps its comma.
            quote! { (#(#members,)*) }
        }
        Kind::Map(value) => {
            let value = ty_tokens_in(value, module);
            quote! { std::collections::BTreeMap<String, #value> }
        }
        Kind::Any => quote! { serde_json::Value },
        Kind::Named(n) => {
            let n = ident(n);
            if let Some(m) = module {
                quote! { #m::#n }
            } else {
                quote! { #n }
            }
        }
    }
}

/// A numeric literal for a bound, typed to match `kind`.
pub fn number_literal(kind: &Kind, value: f64) -> TokenStream {
    match kind {
        Kind::Integer(t) => {
            // Clamped: a bound or default the type cannot hold is a spec
            // contradiction, and must still be a valid literal.
            let (lo, hi) = crate::ir::integer_range(t);
            let v = (value as i128).clamp(lo, hi);
            let lit: TokenStream = format!("{v}_{t}").parse().expect("integer literal");
            lit
        }
        Kind::Number(t) => {
            // The shortest text that reads back as the same value of the
            // literal's own type (no excess digits), within its range.
            let text = if *t == "f32" {
                #[allow(clippy::cast_possible_truncation)]
                let v = value.clamp(f64::from(f32::MIN), f64::from(f32::MAX)) as f32;
                format!("{v:?}")
            } else {
                format!("{value:?}")
            };
            let lit: TokenStream = format!("{text}_{t}").parse().expect("float literal");
            lit
        }
        _ => quote! { #value },
    }
}

fn opt_usize(v: Option<usize>) -> TokenStream {
    if let Some(n) = v {
        let n = proc_macro2::Literal::usize_unsuffixed(n);
        quote! { Some(#n) }
    } else {
        quote! { None }
    }
}

/// Whether `tokens` use a path through the `types` module (`types::X`):
/// the module is imported only then.
pub fn names_types_module(tokens: &TokenStream) -> bool {
    let mut previous_was_types = false;
    for tree in tokens.clone() {
        match tree {
            proc_macro2::TokenTree::Group(g) => {
                if names_types_module(&g.stream()) {
                    return true;
                }
                previous_was_types = false;
            }
            proc_macro2::TokenTree::Ident(i) => previous_was_types = i == "types",
            proc_macro2::TokenTree::Punct(p) => {
                if previous_was_types
                    && p.as_char() == ':'
                    && p.spacing() == proc_macro2::Spacing::Joint
                {
                    return true;
                }
                previous_was_types = false;
            }
            proc_macro2::TokenTree::Literal(_) => previous_was_types = false,
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_paths_through_the_types_module() {
        assert!(names_types_module(&quote! { fn f(x: types::Pet) {} }));
        assert!(names_types_module(
            &quote! { mod m { const A: Option<types::A> = None; } }
        ));
        assert!(!names_types_module(
            &quote! { fn f(types: u8) -> u8 { types } }
        ));
        assert!(!names_types_module(
            &quote! { use crate::runtime::client::Error; }
        ));
    }
}
