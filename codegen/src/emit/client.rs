//! The async `reqwest` client: one method per operation.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::types::{success_type, Registry};
use super::{doc, ident, kind_tokens, paragraphs};
use crate::ir::{
    Api, Kind, Location, Operation, Param, Response, ResponseBody, SecurityKind, Status, Ty,
};

pub fn client_module(api: &Api, reg: &Registry<'_>) -> TokenStream {
    let servers = servers(api);
    let auth = auth_helpers(api);
    let methods = api.operations.iter().map(|op| method(op, reg));
    let title = format!(" A client for {}.", api.title.trim());
    quote! {
        use crate::runtime::client::{ApiResponse, ClientConfig, Error};
        use crate::runtime::validation::Checker;
        use super::types::{self, *};

        #servers
        #auth

        #[doc = #title]
        ///
        /// Cheap to clone; clones share one connection pool.
        #[derive(Clone, Debug)]
        pub struct Client {
            config: ClientConfig,
        }

        impl Client {
            /// A client for `base_url` with a default HTTP client and no credentials.
            pub fn new(base_url: impl Into<String>) -> Self {
                Client { config: ClientConfig::new(base_url) }
            }

            /// A client from a full configuration (HTTP client, credentials).
            pub fn with_config(config: ClientConfig) -> Self {
                Client { config }
            }

            pub fn config(&self) -> &ClientConfig {
                &self.config
            }

            #(#methods)*
        }
    }
}

fn servers(api: &Api) -> TokenStream {
    let Some(server) = api.servers.first() else {
        return TokenStream::new();
    };
    let mut out = TokenStream::new();
    let mut default_url = server.url.clone();
    for v in &server.variables {
        default_url = default_url.replace(&format!("{{{}}}", v.name), &v.default);
    }
    let url_doc = paragraphs(&[
        Some("The URL of the first server in the spec for the given variables."),
        server.description.as_deref(),
        Some(&format!("`{}`", server.url)),
    ]);
    let url_doc = doc(url_doc.as_deref());
    out.extend(quote! {
        /// The first server in the spec, with every variable at its default.
        pub const DEFAULT_SERVER_URL: &str = #default_url;
    });
    if server.variables.is_empty() {
        return out;
    }
    let mut args = Vec::new();
    let mut checks = Vec::new();
    for v in &server.variables {
        let rust = ident(&v.rust);
        let konst = format_ident!("{}_VALUES", v.rust.to_uppercase());
        let values = &v.values;
        let name = &v.name;
        let vdoc = doc(paragraphs(&[
            v.description.as_deref(),
            Some(&format!(
                "The allowed values of the `{name}` server variable (empty: any)."
            )),
        ])
        .as_deref());
        out.extend(quote! { #vdoc pub const #konst: &[&str] = &[#(#values),*]; });
        args.push(quote! { #rust: &str });
        checks.push(quote! {
            let #rust = crate::runtime::client::server_variable(#name, #rust, #konst)?;
            url = url.replace(concat!("{", #name, "}"), &#rust);
        });
    }
    let template = &server.url;
    let arg_names: Vec<_> = server.variables.iter().map(|v| ident(&v.rust)).collect();
    out.extend(quote! {
        #url_doc
        pub fn server_url(#(#args),*) -> Result<String, crate::runtime::client::ServerError> {
            let mut url = String::from(#template);
            #(#checks)*
            Ok(url)
        }

        impl Client {
            /// A client for the spec's first server with the given variables.
            pub fn for_server(#(#args),*) -> Result<Self, crate::runtime::client::ServerError> {
                Ok(Client::new(server_url(#(#arg_names),*)?))
            }
        }
    });
    out
}

fn auth_helpers(api: &Api) -> TokenStream {
    let mut out = TokenStream::new();
    for s in &api.security_schemes {
        if let SecurityKind::HeaderKey { header } = &s.kind {
            let f = format_ident!("{}_auth", s.rust.trim_end_matches('_'));
            let d = doc(paragraphs(&[
                Some(&format!(
                    "Credentials for the `{}` scheme: the value is sent in the `{header}` header.",
                    s.name
                )),
                s.description.as_deref(),
            ])
            .as_deref());
            out.extend(quote! {
                #d
                pub fn #f(value: &str) -> Result<crate::runtime::auth::ApiKeyHeader, crate::runtime::auth::AuthError> {
                    crate::runtime::auth::ApiKeyHeader::new(#header, value)
                }
            });
        }
    }
    out
}

/// How a parameter is passed to the method.
fn param_type(p: &Param) -> TokenStream {
    let base = match &p.ty.kind {
        Kind::String => quote! { &str },
        Kind::Array(item) => {
            let item = kind_tokens(&item.kind);
            quote! { &[#item] }
        }
        other => kind_tokens(other),
    };
    if p.required {
        base
    } else {
        quote! { Option<#base> }
    }
}

/// An expression turning a scalar parameter value (`value`, of the method's
/// argument type, dereferenced) into a `&str`-compatible string.
fn to_text(kind: &Kind, value: TokenStream) -> TokenStream {
    match kind {
        Kind::String => quote! { #value },
        Kind::Named(_) => quote! { #value.as_str() },
        _ => quote! { &#value.to_string() },
    }
}

fn method(op: &Operation, reg: &Registry<'_>) -> TokenStream {
    let name = ident(&op.rust);
    let mut args = Vec::new();
    let mut checks = Vec::new();
    let mut builders = Vec::new();
    let mut arg_docs = Vec::new();
    for p in &op.params {
        let rust = ident(&p.rust);
        let t = param_type(p);
        args.push(quote! { #rust: #t });
        if let Some(d) = &p.doc {
            arg_docs.push(format!("- `{}`: {}", p.rust, d.trim().replace('\n', " ")));
        }
        let field = &p.name;
        let plain = Ty {
            nullable: false,
            ..p.ty.clone()
        };
        let body = reg.checks(&plain, quote!(value), quote!(#field));
        if !body.is_empty() {
            checks.push(if p.required {
                quote! { { let value = &#rust; #body } }
            } else {
                quote! { if let Some(value) = &#rust { #body } }
            });
        }
        let wire = &p.name;
        let add = |value: TokenStream| -> TokenStream {
            match p.location {
                Location::Query => match &p.ty.kind {
                    Kind::Array(item) => {
                        let text = to_text(&item.kind, quote!(item));
                        quote! { for item in #value { call.query(#wire, #text); } }
                    }
                    k => {
                        let text = to_text(k, quote!(#value));
                        quote! { call.query(#wire, #text); }
                    }
                },
                Location::Header => {
                    let lower = wire.to_ascii_lowercase();
                    let text = to_text(&p.ty.kind, quote!(#value));
                    quote! { call.header(#lower, #text)?; }
                }
                Location::Path => TokenStream::new(),
            }
        };
        if p.location != Location::Path {
            builders.push(if p.required {
                add(quote!(#rust))
            } else {
                let inner = add(quote!(value));
                quote! { if let Some(value) = #rust { #inner } }
            });
        }
    }

    // The path, with each parameter percent-encoded.
    let mut fmt = String::new();
    let mut fmt_args = Vec::new();
    let mut rest = op.path.as_str();
    while let Some(start) = rest.find('{') {
        let Some(len) = rest[start..].find('}') else {
            break;
        };
        fmt.push_str(&rest[..start].replace('{', "{{").replace('}', "}}"));
        fmt.push_str("{}");
        let pname = &rest[start + 1..start + len];
        let p = op
            .params
            .iter()
            .find(|p| p.location == Location::Path && p.name == pname)
            .expect("path parameters are validated");
        let rust = ident(&p.rust);
        let text = to_text(&p.ty.kind, quote!(#rust));
        fmt_args.push(quote! { crate::runtime::client::encode_path(#text) });
        rest = &rest[start + len + 1..];
    }
    fmt.push_str(&rest.replace('{', "{{").replace('}', "}}"));
    let path = if fmt_args.is_empty() {
        quote! { #fmt }
    } else {
        quote! { &format!(#fmt, #(#fmt_args),*) }
    };

    if let Some(body) = &op.body {
        let t = kind_tokens(&body.ty.kind);
        let t = if body.ty.nullable {
            quote! { Option<#t> }
        } else {
            t
        };
        let content_type = &body.content_type;
        let body_checks = reg.checks(&body.ty, quote!(body), quote!(""));
        if body.required {
            args.push(quote! { body: &#t });
            if !body_checks.is_empty() {
                checks.push(body_checks);
            }
            builders.push(quote! { call.json(#content_type, body)?; });
        } else {
            args.push(quote! { body: Option<&#t> });
            if !body_checks.is_empty() {
                checks.push(quote! { if let Some(body) = body { #body_checks } });
            }
            builders.push(quote! { if let Some(body) = body { call.json(#content_type, body)?; } });
        }
        if let Some(d) = &body.doc {
            arg_docs.push(format!("- `body`: {}", d.trim().replace('\n', " ")));
        }
    }

    let method_ident = format_ident!("{}", op.method);
    let success = success_type(op);
    let error = format_ident!("{}Error", op.type_name);
    let arms = response_arms(op);
    let line = format!("`{} {}`", op.method, op.path);
    let args_doc = (!arg_docs.is_empty()).then(|| format!("Arguments:\n\n{}", arg_docs.join("\n")));
    let docs = doc(paragraphs(&[
        op.summary.as_deref(),
        op.description.as_deref(),
        Some(&line),
        args_doc.as_deref(),
    ])
    .as_deref());
    let deprecated = op.deprecated.then(|| quote! { #[deprecated] });
    let too_many = (args.len() > 6).then(|| quote! { #[allow(clippy::too_many_arguments)] });
    let check_block = if checks.is_empty() {
        TokenStream::new()
    } else {
        quote! {
            let mut checker = Checker::new();
            #(#checks)*
            checker.finish()?;
        }
    };
    let mutability = if builders.is_empty() {
        TokenStream::new()
    } else {
        quote!(mut)
    };
    quote! {
        #docs
        #deprecated
        #too_many
        pub async fn #name(&self, #(#args),*) -> Result<ApiResponse<#success>, Error<types::#error>> {
            #check_block
            let #mutability call = self.config.request(reqwest::Method::#method_ident, #path)?;
            #(#builders)*
            let response = self.config.execute(call).await?;
            match response.status.as_u16() {
                #(#arms)*
            }
        }
    }
}

/// `match` arms from status code to outcome: exact codes first, then ranges,
/// then `default`, then undocumented.
fn response_arms(op: &Operation) -> Vec<TokenStream> {
    let successes: Vec<&Response> = op.successes().collect();
    let single = successes.len() == 1;
    let success_enum = format_ident!("{}Success", op.type_name);
    let error_enum = format_ident!("{}Error", op.type_name);
    let mut ordered: Vec<&Response> = op.responses.iter().collect();
    ordered.sort_by_key(|r| match r.status {
        Status::Code(_) => 0,
        Status::Range(_) => 1,
        Status::Default => 2,
    });
    let mut arms = Vec::new();
    for r in ordered {
        let pattern = match r.status {
            Status::Code(c) => {
                let c = proc_macro2::Literal::u16_unsuffixed(c);
                quote! { #c }
            }
            Status::Range(d) => {
                let (lo, hi) = (
                    proc_macro2::Literal::u16_unsuffixed(d * 100),
                    proc_macro2::Literal::u16_unsuffixed(d * 100 + 99),
                );
                quote! { #lo..=#hi }
            }
            Status::Default => quote! { _ },
        };
        let var = ident(&r.variant);
        let outcome = if r.status.is_success() {
            let read = match &r.body {
                Some(ResponseBody::Json(_)) => quote! { response.json() },
                Some(ResponseBody::Text) => quote! { response.text() },
                None => quote! { response.empty() },
            };
            if single {
                read
            } else if r.body.is_some() {
                quote! { #read.map(|r| r.map(types::#success_enum::#var)) }
            } else {
                quote! { #read.map(|r| r.map(|()| types::#success_enum::#var)) }
            }
        } else {
            match &r.body {
                Some(ResponseBody::Json(_)) => {
                    quote! { Err(response.error(types::#error_enum::#var)) }
                }
                Some(ResponseBody::Text) => {
                    quote! { Err(response.error_text(types::#error_enum::#var)) }
                }
                None => quote! { Err(response.error_empty(types::#error_enum::#var)) },
            }
        };
        arms.push(quote! { #pattern => #outcome, });
    }
    if !op.responses.iter().any(|r| r.status == Status::Default) {
        arms.push(quote! { _ => Err(Error::UnexpectedStatus(Box::new(response))), });
    }
    arms
}
