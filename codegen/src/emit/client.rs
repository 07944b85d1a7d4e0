//! The async `reqwest` client: one method per operation.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::size::Sizes;
use super::types::{success_type, Registry};
use super::{doc, ident, kind_tokens_in, paragraphs, ty_tokens_in};
use crate::ir::{
    Api, Encoding, Kind, Location, Operation, Param, QueryEncoding, Response, ResponseBody,
    SecurityKind, Sequence, Status,
};

pub fn client_module(api: &Api, reg: &Registry<'_>) -> TokenStream {
    let auth = auth_helpers(api);
    let (methods, mut builders): (Vec<TokenStream>, Vec<TokenStream>) =
        api.operations.iter().map(|op| method(op, reg)).unzip();
    let (hook_methods, hook_builders): (Vec<TokenStream>, Vec<TokenStream>) =
        api.webhooks.iter().map(|op| method(op, reg)).unzip();
    builders.extend(hook_builders);
    // The servers' helpers make `Client`s.
    let servers = (!api.operations.is_empty()).then(|| servers(api));
    let client = (!api.operations.is_empty()).then(|| {
        let title = format!(" A client for {}.", api.title.trim());
        quote! {
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

                /// The configuration requests are sent with.
                pub fn config(&self) -> &ClientConfig {
                    &self.config
                }

                #(#methods)*
            }
        }
    });
    let sender = (!api.webhooks.is_empty()).then(|| webhook_sender(api, &hook_methods));
    let builder_doc = match (client.is_some(), sender.is_some()) {
        (true, true) => " The request of each operation and webhook, returned by its [`Client`] or [`WebhookSender`] method:",
        (false, true) => " The request of each webhook, returned by its [`WebhookSender`] method:",
        _ => " The request of each operation, returned by its [`Client`] method:",
    };
    let module = |types_use: TokenStream| {
        quote! {
            use crate::runtime::client::{ApiResponse, ClientConfig, Error};
            #types_use

            #servers
            #auth

            #client
            #sender

            #[doc = #builder_doc]
            /// optional inputs are set on it, and `.send().await` (or `.await`)
            /// sends it.
            pub mod builder {
                use super::*;
                use crate::runtime::client as runtime;

                #(#builders)*
            }
        }
    };
    // `types` is imported only when something names it.
    let without = module(TokenStream::new());
    if super::names_types_module(&without) {
        module(quote! { use super::types; })
    } else {
        without
    }
}

/// `WebhookSender`: sends the webhooks to a receiver, each at the path
/// chosen for it, through the same request builders as the operations.
fn webhook_sender(api: &Api, methods: &[TokenStream]) -> TokenStream {
    let title = format!(
        " Sends the webhooks of {} to a receiver, as the API does: for a provider of these webhooks, or to test a receiver.",
        api.title.trim()
    );
    quote! {
        #[doc = #title]
        ///
        /// Each webhook goes to the receiver's base URL joined with the path
        /// chosen for it: its [`default_path`](types::Webhook::default_path)
        /// (`/` and its name), unless [`with_paths`](Self::with_paths) says
        /// otherwise. Cheap to clone; clones share one connection pool.
        #[derive(Clone)]
        pub struct WebhookSender {
            config: ClientConfig,
            path_for: std::sync::Arc<dyn Fn(types::Webhook) -> String + Send + Sync>,
        }

        impl std::fmt::Debug for WebhookSender {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.debug_struct("WebhookSender")
                    .field("config", &self.config)
                    .finish_non_exhaustive()
            }
        }

        impl WebhookSender {
            /// A sender to the receiver at `base_url`, each webhook at its
            /// default path, with a default HTTP client and no credentials.
            pub fn new(base_url: impl Into<String>) -> Self {
                WebhookSender::with_config(ClientConfig::new(base_url))
            }

            /// A sender from a full configuration (HTTP client, credentials).
            pub fn with_config(config: ClientConfig) -> Self {
                WebhookSender {
                    config,
                    path_for: std::sync::Arc::new(|hook: types::Webhook| hook.default_path().to_owned()),
                }
            }

            /// Sends each webhook to the path `path_for` gives it below the
            /// base URL (starting with `/`, as it appears in URLs; empty: the
            /// base URL itself), as the receiver's `webhook_routes` serves it.
            pub fn with_paths(mut self, path_for: impl Fn(types::Webhook) -> String + Send + Sync + 'static) -> Self {
                self.path_for = std::sync::Arc::new(path_for);
                self
            }

            /// The configuration requests are sent with.
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
        let placeholder = format!("{{{name}}}");
        checks.push(quote! {
            let #rust = crate::runtime::client::server_variable(#name, #rust, #konst)?;
            url = url.replace(#placeholder, &#rust);
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
    out.extend(region_chain(server));
    out
}

/// `region_endpoint` and `Client::for_region` for a server whose region
/// variable carries `x-region-override`: the runtime's region chain
/// (environment, regions file, then the server's own list), with the other
/// variables at their defaults.
fn region_chain(server: &crate::ir::Server) -> TokenStream {
    let Some(region) = server
        .variables
        .iter()
        .find(|v| v.region_override.is_some())
    else {
        return TokenStream::new();
    };
    let service = region.region_override.as_deref().unwrap_or_default();
    let mut template = server.url.clone();
    for v in server.variables.iter().filter(|v| v.name != region.name) {
        template = template.replace(&format!("{{{}}}", v.name), &v.default);
    }
    let name = &region.name;
    let konst = format_ident!("{}_VALUES", region.rust.to_uppercase());
    let endpoint_doc = doc(paragraphs(&[
        Some(&format!(
            "The endpoint of region `region`, found by the runtime's region chain \
             (`runtime::region`) for the service `{service}`: an override in the \
             environment, else one in the regions file, else the spec's server URL with \
             `{{{name}}}` set to the region, when it is one of `{konst}`."
        )),
        Some(
            "An override may name any region ID; another ID is refused with the known ones listed.",
        ),
    ])
    .as_deref());
    quote! {
        /// The service name region overrides use (`x-region-override`).
        pub const REGION_SERVICE: &str = #service;

        #endpoint_doc
        pub fn region_endpoint(region: &str) -> Result<String, crate::runtime::region::RegionError> {
            crate::runtime::region::endpoint(
                REGION_SERVICE,
                region,
                &crate::runtime::region::Builtin {
                    template: #template,
                    variable: #name,
                    regions: #konst,
                },
            )
        }

        impl Client {
            /// A client for `region`, its endpoint found as
            /// [`region_endpoint`] does.
            pub fn for_region(region: &str) -> Result<Self, crate::runtime::region::RegionError> {
                Ok(Client::new(region_endpoint(region)?))
            }
        }
    }
}

fn auth_helpers(api: &Api) -> TokenStream {
    let mut out = TokenStream::new();
    for s in &api.security_schemes {
        let f = format_ident!("{}_auth", s.rust.trim_end_matches('_'));
        let signing = s.signing.as_deref().and_then(super::krate::signing);
        if let Some(signing) = signing {
            let module = ident(signing.module);
            let credentials = ident(signing.credentials);
            let d = doc(paragraphs(&[
                Some(&format!(
                    "Credentials for the `{}` scheme: every request is signed with `{}` by the access key `ak` and the secret key `sk` (never sent).",
                    s.name, signing.algorithm
                )),
                Some(&format!("Optional: `.with_project_id(id)` sends the project ID (`X-Project-Id`) and is what a parameter marked `x-credential: project_id` defaults to; `.with_security_token(token)` sends the security token of temporary credentials. `runtime::{}::{}::from_env()` reads all four from the environment.", signing.module, signing.credentials)),
                s.description.as_deref(),
            ])
            .as_deref());
            out.extend(quote! {
                #d
                pub fn #f(ak: impl Into<String>, sk: impl Into<String>) -> crate::runtime::#module::#credentials {
                    crate::runtime::#module::#credentials::new(ak, sk)
                }
            });
        } else if let SecurityKind::HeaderKey { header } = &s.kind {
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

/// A parameter's value as `send` reads it (`&str`, `&[T]`, `&T`, or a
/// scalar by value).
fn borrowed(kind: &Kind, reg: &Registry<'_>) -> TokenStream {
    match kind {
        Kind::String => quote! { &str },
        Kind::Array(item) => {
            let item = kind_tokens_in(&item.kind, Some(&ident("types")));
            quote! { &[#item] }
        }
        Kind::Named(n) if !reg.is_copy_enum(n) => {
            let t = kind_tokens_in(kind, Some(&ident("types")));
            quote! { &#t }
        }
        other => kind_tokens_in(other, Some(&ident("types"))),
    }
}

/// Whether `send` borrows the stored value (rather than moving it out).
fn is_borrowed(kind: &Kind, reg: &Registry<'_>) -> bool {
    match kind {
        Kind::String | Kind::Array(_) => true,
        Kind::Named(n) => !reg.is_copy_enum(n),
        _ => false,
    }
}

/// How the builder stores a parameter, and the type its setter or
/// positional argument takes (with the conversion into the stored type).
fn stored(kind: &Kind) -> (TokenStream, TokenStream, bool) {
    let t = kind_tokens_in(kind, Some(&ident("types")));
    match kind {
        Kind::String => (quote! { String }, quote! { impl Into<String> }, true),
        Kind::Array(item) => {
            let item = kind_tokens_in(&item.kind, Some(&ident("types")));
            (
                quote! { Vec<#item> },
                quote! { impl Into<Vec<#item>> },
                true,
            )
        }
        _ => (t.clone(), t, false),
    }
}

/// The body as the builder stores it, as `send` borrows it, how it goes
/// on the wire and its constraint checks (on `body`).
struct BodyShape {
    stored: TokenStream,
    borrowed: TokenStream,
    send: TokenStream,
    checks: TokenStream,
    /// Whether `send` takes the body by value (a stream) rather than
    /// borrowing it.
    moved: bool,
}

fn body_shape(body: &crate::ir::RequestBody, reg: &Registry<'_>) -> BodyShape {
    let content_type = &body.content_type;
    match &body.encoding {
        Encoding::Json(ty) | Encoding::Form(ty) => {
            let stored = ty_tokens_in(ty, Some(&ident("types")));
            // Borrowed as `&str` and `&[T]` rather than `&String` and `&Vec<T>`.
            let borrowed = match &ty.kind {
                Kind::String if !ty.nullable => quote! { str },
                Kind::Array(item) if !ty.nullable => {
                    let item = ty_tokens_in(item, Some(&ident("types")));
                    quote! { [#item] }
                }
                _ => stored.clone(),
            };
            let send = if matches!(body.encoding, Encoding::Json(_)) {
                quote! { call.json(#content_type, body)?; }
            } else {
                let fields = body
                    .form_fields
                    .iter()
                    .map(|f| super::form_field(f, &quote!(crate::runtime)));
                quote! { call.form(#content_type, body, &[#(#fields),*])?; }
            };
            BodyShape {
                stored,
                borrowed,
                send,
                checks: reg.checks(ty, quote!(body), quote!("")),
                moved: false,
            }
        }
        Encoding::Multipart(form) => {
            let (stored, send) = match &form.name {
                Some(name) => {
                    let name = ident(name);
                    let parts = form.parts.iter().map(write_part);
                    (
                        quote! { types::#name },
                        quote! {
                            let mut form = crate::runtime::multipart::Form::new();
                            #(#parts)*
                            call.multipart(form);
                        },
                    )
                }
                None => (
                    quote! { crate::runtime::multipart::Form },
                    quote! { call.multipart(body); },
                ),
            };
            let checks = super::types::form_part_checks(form, reg);
            BodyShape {
                borrowed: stored.clone(),
                stored,
                send,
                checks: quote! { #(#checks)* },
                moved: true,
            }
        }
        Encoding::Bytes => BodyShape {
            stored: quote! { Vec<u8> },
            borrowed: quote! { [u8] },
            send: quote! { call.bytes(#content_type, body)?; },
            checks: TokenStream::new(),
            moved: false,
        },
        Encoding::Binary => BodyShape {
            stored: quote! { crate::runtime::client::ByteStream },
            borrowed: quote! { crate::runtime::client::ByteStream },
            send: quote! { call.stream(#content_type, body); },
            checks: TokenStream::new(),
            moved: true,
        },
    }
}

/// Writes one part of a form struct `body` into `form`.
fn write_part(p: &crate::ir::FormPart) -> TokenStream {
    use crate::ir::PartKind;
    let name = &p.name;
    let f = ident(&p.rust);
    let ct = match &p.content_type {
        Some(ct) => quote! { Some(#ct) },
        None => quote! { None },
    };
    match (&p.kind, p.required) {
        // `null` and `None` write no part.
        (PartKind::Text(_) | PartKind::Texts(_), _) => {
            quote! { form.text(#name, &body.#f, #ct)?; }
        }
        (PartKind::Json(_), true) => quote! { form.json(#name, &body.#f, #ct)?; },
        (PartKind::Json(_), false) => quote! {
            if let Some(value) = &body.#f {
                form.json(#name, value, #ct)?;
            }
        },
        (PartKind::File, true) => quote! { form.file(#name, body.#f, #ct); },
        (PartKind::File, false) => quote! {
            if let Some(file) = body.#f {
                form.file(#name, file, #ct);
            }
        },
        (PartKind::Files, true) => quote! {
            for file in body.#f {
                form.file(#name, file, #ct);
            }
        },
        (PartKind::Files, false) => quote! {
            for file in body.#f.into_iter().flatten() {
                form.file(#name, file, #ct);
            }
        },
    }
}

/// What the body argument says about itself in the docs.
fn body_doc(body: &crate::ir::RequestBody) -> Option<String> {
    let content_type = &body.content_type;
    let mut body_doc = body.doc.as_deref().map(|d| d.trim().replace('\n', " "));
    match &body.encoding {
        Encoding::Multipart(form) => {
            let how = match &form.name {
                Some(name) => format!(
                    "a [`types::{name}`], whose file parts stream (`FilePart::from_path`, or bytes)"
                ),
                None => "parts the caller adds to a `runtime::multipart::Form`".to_owned(),
            };
            body_doc = Some(format!(
                "{} (`multipart/form-data`: {how})",
                body_doc.unwrap_or_else(|| "The form".into())
            ));
        }
        Encoding::Bytes => {
            body_doc = Some(format!(
                "{} (sent as `{content_type}`)",
                body_doc.unwrap_or_else(|| "The body".into())
            ));
        }
        Encoding::Binary => {
            body_doc = Some(format!(
                "{} (sent as `{content_type}`, as it streams: bytes, `ByteStream::from_path` (a file, with its length) or `ByteStream::from_stream` (sent once: never retried))",
                body_doc.unwrap_or_else(|| "The body".into())
            ));
        }
        _ => {}
    }
    body_doc
}

/// Whether the method takes the parameter positionally (required, and not
/// filled from the credentials).
fn positional(p: &Param) -> bool {
    p.required && p.credential.is_none()
}

/// The `Client` method of an operation and its request builder (for the
/// `builder` module).
fn method(op: &Operation, reg: &Registry<'_>) -> (TokenStream, TokenStream) {
    let name = ident(&op.rust);
    let builder_name = ident(&op.type_name);
    let mut args = Vec::new();
    let mut inits = Vec::new();
    let mut fields = Vec::new();
    let mut setters = Vec::new();
    let mut bindings = Vec::new();
    let mut checks = Vec::new();
    let mut builders = Vec::new();
    let mut arg_docs = Vec::new();
    let mut option_docs = Vec::new();
    // The setters of optional inputs never shadow the builder's own methods
    // or a method every value has.
    let optional: Vec<&str> = op
        .params
        .iter()
        .filter(|p| !positional(p))
        .map(|p| p.rust.as_str())
        .collect();
    let mut own = vec!["send", "prepare", "decode", "into_future"];
    if op.body.is_some() {
        own.push("body");
    }
    let mut setter_names = crate::naming::setter_names(&own, &optional).into_iter();
    for p in &op.params {
        let rust = ident(&p.rust);
        let (store, input, into) = stored(&p.ty.kind);
        let convert = if into {
            quote! { #rust.into() }
        } else {
            quote! { #rust }
        };
        let mut text = p.doc.as_deref().map(|d| d.trim().replace('\n', " "));
        if let Location::QueryString(encoding) = p.location {
            let how = match encoding {
                QueryEncoding::Form => "Sent as the whole query string, form-encoded.",
                QueryEncoding::Json => "Sent as the whole query string, as percent-encoded JSON.",
            };
            text = Some(
                paragraphs(&[text.as_deref(), Some(how)])
                    .unwrap_or_default()
                    .replace("\n\n", " "),
            );
        }
        let borrowed_ty = borrowed(&p.ty.kind, reg);
        let by_ref = is_borrowed(&p.ty.kind, reg);
        if positional(p) {
            args.push(quote! { #rust: #input });
            inits.push(if into {
                quote! { #rust: #convert }
            } else {
                quote! { #rust }
            });
            fields.push(quote! { pub(super) #rust: #store, });
            if let Some(d) = &text {
                arg_docs.push(format!("- `{}`: {d}", p.rust));
            }
            bindings.push(if by_ref {
                quote! { let #rust: #borrowed_ty = &self.#rust; }
            } else {
                quote! { let #rust = self.#rust; }
            });
        } else {
            inits.push(quote! { #rust: None });
            fields.push(quote! { pub(super) #rust: Option<#store>, });
            let fallback = format!("The `{}` {} parameter.", p.name, p.location.name());
            let setter_doc = paragraphs(&[
                Some(text.as_deref().unwrap_or(&fallback)),
                p.credential
                    .as_ref()
                    .map(|c| format!("Unset, it is the credentials' `{c}`."))
                    .as_deref(),
            ]);
            let setter_doc = doc(setter_doc.as_deref());
            let setter_name = setter_names.next().expect("a setter per optional input");
            let setter = ident(&setter_name);
            setters.push(quote! {
                #setter_doc
                pub fn #setter(mut self, #rust: #input) -> Self {
                    self.#rust = Some(#convert);
                    self
                }
            });
            option_docs.push(format!(
                "- `.{}(…)`{}",
                setter_name,
                text.as_deref()
                    .map(|d| format!(": {d}"))
                    .unwrap_or_default()
            ));
            bindings.push(if let Some(credential) = p.credential.as_ref().filter(|_| !p.required) {
                quote! {
                    let #rust: Option<&str> = self.#rust.as_deref().or_else(|| self.config.credential(#credential));
                }
            } else if let Some(credential) = &p.credential {
                let wire = &p.name;
                let what = format!("the {} parameter `{wire}`", p.location.name());
                quote! {
                    let #rust: &str = self.config.credential_or(self.#rust.as_deref(), #credential, #what)?;
                }
            } else if by_ref {
                // `String` and `Vec<T>` dereference to `str` and `[T]`.
                let view = if matches!(p.ty.kind, Kind::String | Kind::Array(_)) {
                    quote!(as_deref)
                } else {
                    quote!(as_ref)
                };
                quote! { let #rust: Option<#borrowed_ty> = self.#rust.#view(); }
            } else {
                quote! { let #rust = self.#rust; }
            });
        }
        checks.extend(reg.param_checks_bound(p, &rust, by_ref));
        let present = p.required;
        let add = |value: TokenStream| -> TokenStream {
            let value = if by_ref {
                value
            } else {
                quote! { &#value }
            };
            match p.location {
                Location::QueryString(encoding) => match encoding {
                    QueryEncoding::Form => quote! { call.query_string_form(#value)?; },
                    QueryEncoding::Json => quote! { call.query_string_json(#value)?; },
                },
                Location::Path => TokenStream::new(),
                Location::Query | Location::Header | Location::Cookie => {
                    let konst = super::style_const(p);
                    quote! { call.param(&Self::#konst, #value)?; }
                }
            }
        };
        if p.location != Location::Path {
            builders.push(if present {
                add(quote!(#rust))
            } else {
                let inner = add(quote!(value));
                quote! { if let Some(value) = #rust { #inner } }
            });
        }
    }

    // The path parameters in template order, as text the runtime encodes.
    let mut path_args = Vec::new();
    let mut rest = op.path.as_str();
    while let Some(start) = rest.find('{') {
        let Some(len) = rest[start..].find('}') else {
            break;
        };
        let pname = &rest[start + 1..start + len];
        let p = op
            .params
            .iter()
            .find(|p| p.location == Location::Path && p.name == pname)
            .expect("path parameters are validated");
        let rust = ident(&p.rust);
        let konst = super::style_const(p);
        let value = if is_borrowed(&p.ty.kind, reg) {
            quote!(#rust)
        } else {
            quote!(&#rust)
        };
        path_args.push(quote! { Self::#konst.path_value(#value)? });
        rest = &rest[start + len + 1..];
    }

    if let Some(body) = &op.body {
        let BodyShape {
            stored,
            borrowed,
            send,
            checks: body_checks,
            moved,
        } = body_shape(body, reg);
        let d = body_doc(body);
        if body.required {
            args.push(quote! { body: impl Into<#stored> });
            inits.push(quote! { body: body.into() });
            fields.push(quote! { pub(super) body: #stored, });
            bindings.push(if moved {
                quote! { let body = self.body; }
            } else {
                quote! { let body: &#borrowed = &self.body; }
            });
            if !body_checks.is_empty() {
                checks.push(body_checks);
            }
            builders.push(send);
            if let Some(d) = d {
                arg_docs.push(format!("- `body`: {d}"));
            }
        } else {
            inits.push(quote! { body: None });
            fields.push(quote! { pub(super) body: Option<#stored>, });
            let setter_doc = doc(Some(d.as_deref().unwrap_or("The request body.")));
            setters.push(quote! {
                #setter_doc
                pub fn body(mut self, body: impl Into<#stored>) -> Self {
                    self.body = Some(body.into());
                    self
                }
            });
            option_docs.push(format!(
                "- `.body(…)`{}",
                d.as_deref().map(|d| format!(": {d}")).unwrap_or_default()
            ));
            let view = if borrowed.to_string() == stored.to_string() {
                quote!(as_ref)
            } else {
                quote!(as_deref)
            };
            bindings.push(if moved {
                quote! { let body = self.body; }
            } else {
                quote! { let body: Option<&#borrowed> = self.body.#view(); }
            });
            if !body_checks.is_empty() {
                // A body moved into the call is only borrowed here.
                let body_ref = if moved { quote!(&body) } else { quote!(body) };
                checks.push(quote! { if let Some(body) = #body_ref { #body_checks } });
            }
            builders.push(quote! { if let Some(body) = body { #send } });
        }
    }

    let (op_id, template) = (&op.id, &op.path);
    // `reqwest` names the methods of OpenAPI 3.0 as constants; another
    // (`QUERY`, a method of `additionalOperations`) is parsed when sent.
    let param_items = op
        .params
        .iter()
        .filter(|p| !matches!(p.location, Location::QueryString(_)))
        .map(|p| super::style_item(p, &quote!(crate::runtime)));
    let (operation_item, operation) = if super::is_standard_method(&op.method) {
        let method_ident = format_ident!("{}", op.method.to_ascii_lowercase());
        (
            quote! {
                const OPERATION: runtime::Operation = runtime::Operation::#method_ident(#op_id, #template);
            },
            quote! { Self::OPERATION },
        )
    } else {
        let method = &op.method;
        let d =
            format!(" The operation: `{method}` has no `reqwest` constant, so it is parsed here.");
        (
            quote! {
                #[doc = #d]
                fn operation() -> Result<runtime::Operation, runtime::BuildError> {
                    runtime::Operation::other(#op_id, #method, #template)
                }
            },
            quote! { Self::operation()? },
        )
    };
    let success = success_type(op);
    let error = format_ident!("{}Error", op.type_name);
    let output = quote! { Result<ApiResponse<#success>, Error<types::#error>> };
    let sending = quote! { runtime::Sending<'a, #success, types::#error> };
    let arms = response_arms(op, reg);
    let dispatch = match arms.as_slice() {
        // Only `default`: no match needed.
        [(None, outcome)] => outcome.clone(),
        _ => {
            let arms = arms.iter().map(|(pattern, outcome)| {
                if let Some(p) = pattern {
                    quote! { #p => #outcome, }
                } else {
                    quote! { _ => #outcome, }
                }
            });
            quote! { match response.status.as_u16() { #(#arms)* } }
        }
    };
    let line = super::request_line(op);
    let args_doc = (!arg_docs.is_empty()).then(|| format!("Arguments:\n\n{}", arg_docs.join("\n")));
    let options_doc = (!option_docs.is_empty()).then(|| {
        format!(
            "Optional, on the returned request:\n\n{}",
            option_docs.join("\n")
        )
    });
    let send_doc = format!(
        "Returns the request: `.send().await` (or `.await`) sends it. See [`builder::{}`].",
        op.type_name
    );
    let docs = doc(paragraphs(&[
        op.summary.as_deref(),
        op.description.as_deref(),
        Some(&line),
        args_doc.as_deref(),
        options_doc.as_deref(),
        Some(&send_doc),
    ])
    .as_deref());
    let deprecated = op.deprecated.then(|| quote! { #[deprecated] });
    let too_many = (args.len() > 6).then(|| quote! { #[allow(clippy::too_many_arguments)] });
    // An exact status inside a documented range (`404` and `4XX`) is matched first, on purpose.
    let overlap = op.responses.iter().any(|r| match r.status {
        Status::Code(c) => op
            .responses
            .iter()
            .any(|o| o.status == Status::Range(c / 100)),
        _ => false,
    });
    let overlap = overlap.then(|| quote! { #[allow(clippy::match_overlapping_arm)] });
    let check_block = if checks.is_empty() {
        TokenStream::new()
    } else {
        quote! {
            let mut checker = crate::runtime::validation::Checker::new();
            #(#checks)*
            checker.finish()?;
        }
    };
    // Successes whose body streams: asked for when the call is built, and
    // handed to `decode` beside the response.
    let streamed: Vec<TokenStream> = op
        .successes()
        .filter(|r| r.body.as_ref().is_some_and(ResponseBody::streams))
        .filter_map(|r| {
            let (lo, hi) = match r.status {
                Status::Code(c) => (c, c),
                Status::Range(d) => (d * 100, d * 100 + 99),
                Status::Default => return None,
            };
            let (lo, hi) = (
                proc_macro2::Literal::u16_unsuffixed(lo),
                proc_macro2::Literal::u16_unsuffixed(hi),
            );
            Some(quote! { (#lo, #hi) })
        })
        .collect();
    let streams = !streamed.is_empty();
    if streams {
        builders.push(quote! { call.stream_response(&[#(#streamed),*]); });
    }
    // A sequential media type is asked for: some servers send events only
    // to a client that accepts them.
    if let Some(media) = op.successes().find_map(|r| match &r.body {
        Some(ResponseBody::Sequence { media, .. }) => Some(media),
        _ => None,
    }) {
        builders.push(quote! { call.accept(#media); });
    }
    let (new_sending, decode_params) = if streams {
        (
            quote! { runtime::Sending::streaming },
            quote! { response: runtime::RawResponse, stream: Option<runtime::ByteStream> },
        )
    } else {
        (
            quote! { runtime::Sending::new },
            quote! { response: runtime::RawResponse },
        )
    };
    let mutability = if builders.is_empty() {
        TokenStream::new()
    } else {
        quote!(mut)
    };
    // A webhook goes to the path its sender was given for it.
    let (path_init, path_field, start) = if op.webhook.is_some() {
        let var = ident(&op.type_name);
        (
            quote! { path: (self.path_for)(types::Webhook::#var), },
            quote! { pub(super) path: String, },
            quote! { self.config.request(#operation, &self.path)? },
        )
    } else {
        (
            TokenStream::new(),
            TokenStream::new(),
            quote! { self.config.start_encoded(#operation, &[#(#path_args),*])? },
        )
    };
    let client_method = quote! {
        #docs
        #deprecated
        #too_many
        pub fn #name(&self, #(#args),*) -> builder::#builder_name<'_> {
            builder::#builder_name { config: &self.config, #path_init #(#inits),* }
        }
    };
    let struct_doc = match &op.webhook {
        Some(hook) => format!(
            " The `{hook}` webhook (`{}`), from [`WebhookSender::{}`]: set what is optional, then `.send().await` (or `.await`).",
            op.method, op.rust
        ),
        None => format!(
            " A `{}` request (`{} {}`), from [`Client::{}`]: set what is optional, then `.send().await` (or `.await`).",
            op.id, op.method, op.path, op.rust
        ),
    };
    let builder = quote! {
        #[doc = #struct_doc]
        #[must_use = "a request does nothing until it is sent with `.send().await` or `.await`"]
        #[derive(Debug)]
        pub struct #builder_name<'a> {
            pub(super) config: &'a ClientConfig,
            #path_field
            #(#fields)*
        }

        impl<'a> #builder_name<'a> {
            #operation_item
            #(#param_items)*

            #(#setters)*

            /// Checks the request against the spec's constraints and sends it
            /// when awaited; the answer is decoded by its status.
            pub fn send(self) -> #sending {
                let config = self.config;
                #new_sending(config, self.prepare(), Self::decode)
            }

            /// Checks the request against the spec's constraints and builds it.
            fn prepare(self) -> Result<runtime::Call, Error<types::#error>> {
                #(#bindings)*
                #check_block
                let #mutability call = #start;
                #(#builders)*
                Ok(call)
            }

            /// The outcome the response's status documents.
            #overlap
            fn decode(#decode_params) -> #output {
                #dispatch
            }
        }

        impl<'a> std::future::IntoFuture for #builder_name<'a> {
            type Output = #output;
            type IntoFuture = #sending;

            fn into_future(self) -> Self::IntoFuture {
                self.send()
            }
        }
    };
    (client_method, builder)
}

/// From status code to outcome, in match order: exact codes first, then
/// ranges, then `default` or undocumented (pattern `None`: any other status).
fn response_arms(op: &Operation, reg: &Registry<'_>) -> Vec<(Option<TokenStream>, TokenStream)> {
    let boxed = Sizes::new(reg).boxed_outcomes(op);
    let successes: Vec<&Response> = op.successes().collect();
    let single = successes.len() == 1;
    let success_enum = format_ident!("{}Success", op.type_name);
    let error_enum = format_ident!("{}Error", op.type_name);
    let mut ordered: Vec<(&Response, bool)> = op.responses.iter().zip(boxed).collect();
    ordered.sort_by_key(|(r, _)| match r.status {
        Status::Code(_) => 0,
        Status::Range(_) => 1,
        Status::Default => 2,
    });
    let mut arms = Vec::new();
    for (r, boxed) in ordered {
        let pattern = match r.status {
            Status::Code(c) => {
                let c = proc_macro2::Literal::u16_unsuffixed(c);
                Some(quote! { #c })
            }
            Status::Range(d) => {
                let (lo, hi) = (
                    proc_macro2::Literal::u16_unsuffixed(d * 100),
                    proc_macro2::Literal::u16_unsuffixed(d * 100 + 99),
                );
                Some(quote! { #lo..=#hi })
            }
            Status::Default => None,
        };
        let var = ident(&r.variant);
        // The variant's constructor, boxing a large body (see `size`).
        let wrap = |e: &proc_macro2::Ident| {
            if boxed {
                quote! { |body| types::#e::#var(Box::new(body)) }
            } else {
                quote! { types::#e::#var }
            }
        };
        let outcome = if r.status.is_success() {
            let read = match &r.body {
                // Named when the variant alone cannot tell the compiler the type.
                Some(ResponseBody::Json(ty)) if !single => {
                    let t = ty_tokens_in(ty, Some(&ident("types")));
                    quote! { response.json::<#t, _>() }
                }
                Some(ResponseBody::Json(_)) => quote! { response.json() },
                Some(ResponseBody::Text) => quote! { response.text() },
                Some(ResponseBody::Bytes) => quote! { response.bytes() },
                Some(ResponseBody::Binary(_)) => quote! { response.stream(stream) },
                Some(ResponseBody::Sequence { kind, item, .. }) => {
                    let t = ty_tokens_in(item, Some(&ident("types")));
                    match kind {
                        Sequence::Events if item.kind == Kind::String => quote! {
                            response.events(stream, crate::runtime::sequence::text_item)
                        },
                        Sequence::Events => quote! {
                            response.events(stream, crate::runtime::sequence::json_item::<#t>)
                        },
                        Sequence::Lines => quote! {
                            response.records::<#t, _>(stream, crate::runtime::sequence::RecordFormat::Lines)
                        },
                        Sequence::JsonSeq => quote! {
                            response.records::<#t, _>(stream, crate::runtime::sequence::RecordFormat::JsonSeq)
                        },
                    }
                }
                None => quote! { response.empty() },
            };
            if single {
                read
            } else if r.body.is_some() {
                let wrap = wrap(&success_enum);
                quote! { #read.map(|r| r.map(#wrap)) }
            } else {
                quote! { #read.map(|r| r.map(|()| types::#success_enum::#var)) }
            }
        } else {
            match &r.body {
                Some(ResponseBody::Json(_)) => {
                    let wrap = wrap(&error_enum);
                    quote! { Err(response.error(#wrap)) }
                }
                Some(ResponseBody::Text) => {
                    quote! { Err(response.error_text(types::#error_enum::#var)) }
                }
                // (Error bodies are read whole: never a stream.)
                Some(
                    ResponseBody::Bytes | ResponseBody::Binary(_) | ResponseBody::Sequence { .. },
                ) => {
                    quote! { Err(response.error_bytes(types::#error_enum::#var)) }
                }
                None => quote! { Err(response.error_empty(types::#error_enum::#var)) },
            }
        };
        arms.push((pattern, outcome));
    }
    if !op.responses.iter().any(|r| r.status == Status::Default) {
        arms.push((
            None,
            quote! { Err(Error::UnexpectedStatus(Box::new(response))) },
        ));
    }
    arms
}
