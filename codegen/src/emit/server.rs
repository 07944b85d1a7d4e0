//! axum server stubs: a trait per API with one method per operation, a reply
//! enum per operation that can only carry documented statuses, and a router
//! whose handlers enforce the spec before the trait method runs.

use std::collections::{BTreeMap, BTreeSet};

use proc_macro2::{Ident, Literal, TokenStream};
use quote::{format_ident, quote};

use super::error_body::{roles, Property, Role};
use super::size::Sizes;
use super::types::Registry;
use super::{doc, ident, kind_tokens_in, opt_usize, paragraphs, ty_tokens_in};
use crate::ir::{
    Api, Encoding, Kind, Location, Operation, Param, QueryEncoding, ResponseBody, Sequence, Status,
    TypeDef,
};

fn types_mod() -> Ident {
    ident("types")
}

pub fn server_module(api: &Api, reg: &Registry<'_>) -> TokenStream {
    let sizes = Sizes::new(reg);
    let mut filled = BTreeSet::new();
    let trait_methods: Vec<TokenStream> = api
        .operations
        .iter()
        .map(|op| trait_method(op, reg, &sizes, &mut filled))
        .collect();
    let webhook_methods: Vec<TokenStream> = api
        .webhooks
        .iter()
        .map(|op| trait_method(op, reg, &sizes, &mut filled))
        .collect();
    let not_implemented_bodies: Vec<TokenStream> = filled
        .iter()
        .filter_map(|name| not_implemented_body(name, reg))
        .collect();
    let replies: Vec<TokenStream> = api
        .all_operations()
        .map(|op| reply_enum(op, reg, &sizes))
        .collect();
    let fallback = fallback_body(api, reg);
    let handlers = api
        .all_operations()
        .map(|op| handler(op, reg, fallback.as_deref()))
        .collect::<Vec<_>>();
    let (tables, uses_role) = error_tables(api, reg, fallback.as_deref());
    let role = uses_role.then(|| quote! { use crate::runtime::server::Role; });
    let auth = auth_helpers(api);
    let title = format!(
        " The operations of {}, as a server implements them.",
        api.title.trim()
    );
    let (api_trait, api_routing, api_helpers) = if api.operations.is_empty() {
        Default::default()
    } else {
        api_parts(api, &title, &trait_methods)
    };
    let (webhooks_trait, webhooks_routing, webhooks_helpers) = if api.webhooks.is_empty() {
        Default::default()
    } else {
        webhook_parts(api, &webhook_methods)
    };
    let module = |types_use: TokenStream| {
        quote! {
            use std::sync::Arc;

            use axum::extract::{Request, State};
            use axum::http::StatusCode;
            use axum::response::{IntoResponse, Response};

            use crate::runtime::server::{self, ErrorField, Problem, RequestContext, ServerConfig};
            #role
            #types_use

            #api_trait
            #webhooks_trait

            #(#not_implemented_bodies)*

            #(#replies)*

            #auth

            struct Shared<T> {
                api: T,
                config: ServerConfig,
            }

            #api_routing
            #webhooks_routing

            #tables

            /// An error response in the spec's error body for `problem.status`.
            fn reject(table: &[(u16, &'static [ErrorField])], problem: Problem, request_id: &str) -> Response {
                let fields = table
                    .iter()
                    .find(|(status, _)| *status == problem.status.as_u16())
                    .map_or(FALLBACK_ERROR, |(_, fields)| *fields);
                server::with_request_id(server::problem_response(fields, &problem, request_id), request_id)
            }

            async fn not_found(method: axum::http::Method) -> Response {
                let id = server::new_request_id();
                server::traced(&method, None, &id, async {
                    reject(&[], Problem::new(StatusCode::NOT_FOUND, "no operation is served at this path"), &id)
                })
                .await
            }

            #api_helpers
            #webhooks_helpers

            #(#handlers)*
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

/// The `Api` trait, `router` and `routes`, and `method_not_allowed` and
/// `serve`: what serves the operations of `paths`.
fn api_parts(
    api: &Api,
    title: &str,
    trait_methods: &[TokenStream],
) -> (TokenStream, TokenStream, TokenStream) {
    let routes = routes(api);
    let api_trait = quote! {
        #[doc = #title]
        ///
        /// Each method receives the validated inputs and returns a reply that
        /// can only carry a status the spec documents for that operation.
        ///
        /// A method has a default, so that a server (a mock in a test)
        /// implements only what it needs: it answers in the spec's error body,
        /// saying that the operation is not implemented, with the operation's
        /// documented 501 if any, else 500, else its first documented 5xx
        /// (501 for a `5XX` range), else its first documented 4xx (400 for a
        /// `4XX` range), the first of these whose body the layer can fill; a
        /// method without such a status answers an undocumented 501.
        pub trait Api: Send + Sync + 'static {
            #(#trait_methods)*
        }
    };
    let routing = quote! {
        /// The routes of every operation, served by `api`, answering 404 in the
        /// spec's error body for any other path.
        pub fn router<T: Api>(api: T, config: ServerConfig) -> axum::Router {
            routes(api, config).fallback(not_found)
        }

        /// The routes of every operation without a fallback, to merge with
        /// other routers (axum refuses to merge two that both have one).
        pub fn routes<T: Api>(api: T, config: ServerConfig) -> axum::Router {
            let state = Arc::new(Shared { api, config });
            axum::Router::new()
                #routes
                .with_state(state)
        }
    };
    let helpers = quote! {
        /// 405 with the `Allow` header listing what the path accepts.
        async fn method_not_allowed(method: axum::http::Method, route: &'static str, allow: &'static str) -> Response {
            let id = server::new_request_id();
            server::traced(&method, Some(route), &id, async {
                let mut response = reject(&[], Problem::new(StatusCode::METHOD_NOT_ALLOWED, format!("this path accepts only {allow}")), &id);
                response.headers_mut().insert(axum::http::header::ALLOW, axum::http::HeaderValue::from_static(allow));
                response
            })
            .await
        }

        /// Serves `api` on a free port of 127.0.0.1 until the handle is
        /// dropped or shut down, for tests (a mock that implements only the
        /// methods a test needs): every request is accepted whatever its
        /// credentials, with the default limits. Returns the base URL
        /// (`http://127.0.0.1:PORT`) to give a client. Needs a Tokio runtime.
        pub async fn serve<T: Api>(api: T) -> std::io::Result<(String, server::ServerHandle)> {
            server::serve_local(router(api, ServerConfig::new(server::AllowAll))).await
        }
    };
    (api_trait, routing, helpers)
}

/// The `Webhooks` trait a receiver implements, `webhooks_router` and
/// `webhook_routes`, which mount each webhook at a path the user chooses,
/// and `serve_webhooks`. The handlers, replies and error bodies are the
/// operations' own (see [`handler`]).
fn webhook_parts(
    api: &Api,
    trait_methods: &[TokenStream],
) -> (TokenStream, TokenStream, TokenStream) {
    let title = format!(
        " The webhooks of {}, as a receiver implements them: the requests the API sends to its user.",
        api.title.trim()
    );
    let webhooks_trait = quote! {
        #[doc = #title]
        ///
        /// Each method receives the validated inputs and returns a reply that
        /// can only carry a status the spec documents for that webhook.
        /// [`webhooks_router`] serves them, each at its default path;
        /// [`webhook_routes`] at the paths the receiver chooses.
        ///
        /// A method has a default, so that a receiver (a mock in a test)
        /// implements only what it needs: it answers in the spec's error body,
        /// saying that the webhook is not implemented, with the webhook's
        /// documented 501 if any, else 500, else its first documented 5xx
        /// (501 for a `5XX` range), else its first documented 4xx (400 for a
        /// `4XX` range), the first of these whose body the layer can fill; a
        /// method without such a status answers an undocumented 501.
        pub trait Webhooks: Send + Sync + 'static {
            #(#trait_methods)*
        }
    };
    let routes = api.webhooks.iter().map(|op| {
        let var = ident(&op.type_name);
        let h = format_ident!("handle_{}", op.rust);
        let route = if super::is_standard_method(&op.method) {
            let filter = format_ident!("{}", op.method);
            quote! { axum::routing::on(axum::routing::MethodFilter::#filter, #h::<T>) }
        } else {
            // A method axum's router has no filter for is checked by name.
            let method = &op.method;
            quote! {
                axum::routing::any(|state: State<Arc<Shared<T>>>, request: Request| async move {
                    if request.method().as_str() == #method {
                        #h(state, request).await
                    } else {
                        webhook_method_not_allowed(request.method().clone()).await
                    }
                })
            }
        };
        quote! { .route(&path_for(types::Webhook::#var), #route) }
    });
    let routing = quote! {
        /// The routes of every webhook, served by `hooks`, each at its
        /// [`default_path`](types::Webhook::default_path) (`/` and its name),
        /// answering 404 in the spec's error body for any other path. Nest it
        /// to serve the webhooks under a prefix
        /// (`axum::Router::new().nest("/hooks", webhooks_router(…))`).
        pub fn webhooks_router<T: Webhooks>(hooks: T, config: ServerConfig) -> axum::Router {
            webhook_routes(hooks, config, |hook| hook.default_path().to_owned()).fallback(not_found)
        }

        /// The routes of every webhook, served by `hooks`, each at the path
        /// `path_for` gives it (as it appears in URLs, such as `/hooks/pets`),
        /// without a fallback, to merge with other routers.
        ///
        /// Webhooks given one path share it when their methods differ (a
        /// webhook sent with a method other than OpenAPI 3.0's needs a path of
        /// its own); any other method gets 405 in the spec's error body.
        ///
        /// # Panics
        ///
        /// As axum's router does, when two webhooks with the same method are
        /// given the same path, or a path is not one axum accepts.
        pub fn webhook_routes<T: Webhooks>(
            hooks: T,
            config: ServerConfig,
            path_for: impl Fn(types::Webhook) -> String,
        ) -> axum::Router {
            let state = Arc::new(Shared { api: hooks, config });
            axum::Router::new()
                #(#routes)*
                .method_not_allowed_fallback(webhook_method_not_allowed)
                .with_state(state)
        }
    };
    let helpers = quote! {
        /// 405 for a webhook's path, whose methods are known only once the
        /// paths are chosen: axum adds the `Allow` header.
        async fn webhook_method_not_allowed(method: axum::http::Method) -> Response {
            let id = server::new_request_id();
            server::traced(&method, None, &id, async {
                reject(&[], Problem::new(StatusCode::METHOD_NOT_ALLOWED, format!("this path does not accept {method}")), &id)
            })
            .await
        }

        /// Serves `hooks` on a free port of 127.0.0.1 until the handle is
        /// dropped or shut down, for tests (a receiver that implements only the
        /// webhooks a test needs), as [`webhooks_router`] mounts them: every
        /// request is accepted whatever its credentials, with the default
        /// limits. Returns the base URL (`http://127.0.0.1:PORT`) to give a
        /// `WebhookSender`. Needs a Tokio runtime.
        pub async fn serve_webhooks<T: Webhooks>(hooks: T) -> std::io::Result<(String, server::ServerHandle)> {
            server::serve_local(webhooks_router(hooks, ServerConfig::new(server::AllowAll))).await
        }
    };
    (webhooks_trait, routing, helpers)
}

/// The inputs of an operation in trait-method order: path, query, header
/// parameters, then the body.
fn inputs(op: &Operation) -> Vec<(Ident, TokenStream)> {
    let t = types_mod();
    let mut out = Vec::new();
    for (p, name) in op.params.iter().zip(param_names(op)) {
        let base = kind_tokens_in(&p.ty.kind, Some(&t));
        let ty = if p.required {
            base
        } else {
            quote! { Option<#base> }
        };
        out.push((name, ty));
    }
    if let Some(body) = &op.body {
        let base = match &body.encoding {
            Encoding::Json(ty) | Encoding::Form(ty) => ty_tokens_in(ty, Some(&t)),
            Encoding::Binary => quote! { crate::runtime::stream::ByteStream },
            Encoding::Multipart(form) => match &form.name {
                Some(name) => {
                    let name = ident(name);
                    quote! { #t::#name }
                }
                None => quote! { crate::runtime::multipart::Form },
            },
            Encoding::Bytes => quote! { axum::body::Bytes },
        };
        let ty = if body.required {
            base
        } else {
            quote! { Option<#base> }
        };
        out.push((ident("body"), ty));
    }
    out
}

/// Locals of a handler that a parameter bound after them must not shadow.
const HANDLER_LOCALS: &[&str] = &[
    "bytes",
    "context",
    "cookies",
    "fail",
    "identity",
    "parts",
    "path",
    "query",
    "request_id",
    "response",
    "state",
    "stream",
    "upload",
    "verdict",
];

/// The name each parameter is bound to in its handler and trait method, in
/// `op.params` order: its Rust name, numbered when it is one of the
/// handler's own locals.
fn param_names(op: &Operation) -> Vec<Ident> {
    let mut taken: BTreeSet<String> = op.params.iter().map(|p| p.rust.clone()).collect();
    op.params
        .iter()
        .map(|p| {
            if !HANDLER_LOCALS.contains(&p.rust.as_str()) {
                return ident(&p.rust);
            }
            let mut i = 2;
            while taken.contains(&format!("{}{i}", p.rust)) {
                i += 1;
            }
            let name = format!("{}{i}", p.rust);
            taken.insert(name.clone());
            ident(&name)
        })
        .collect()
}

fn reply_name(op: &Operation) -> Ident {
    format_ident!("{}Reply", op.type_name)
}

fn trait_method(
    op: &Operation,
    reg: &Registry<'_>,
    sizes: &Sizes<'_>,
    filled: &mut BTreeSet<String>,
) -> TokenStream {
    let name = ident(&op.rust);
    let reply = reply_name(op);
    let inputs = inputs(op);
    let args = inputs.iter().map(|(n, t)| quote! { #n: #t });
    let line = super::request_line(op);
    let documented = not_implemented(op, reg, sizes, filled);
    // The undocumented 501, only where no documented response says it.
    let fallback = documented.is_none().then(|| fallback(op, reg)).flatten();
    let default_doc = match &documented {
        Some((status, _)) => format!("Unless implemented, answers {status} in the spec's error body, saying that the operation is not implemented."),
        None => match fallback.as_ref().and_then(|f| f.body.as_ref()) {
            Some(_) => "Unless implemented, answers `501` in the spec's error body, saying that the operation is not implemented (a status the spec does not document here: no documented `501`, `5XX` or `default` response has a body the layer can fill).".to_owned(),
            None => "Unless implemented, answers `501` as text, saying that the operation is not implemented (a status the spec does not document here: no documented `501`, `5XX` or `default` response has a body the layer can fill).".to_owned(),
        },
    };
    let default_doc = Some(default_doc);
    let default = documented.or_else(|| {
        fallback.map(|Fallback { variant: var, body }| {
            let value = match body {
                Some(n) => {
                    let helper = not_implemented_helper(&n);
                    let id = &op.id;
                    filled.insert(n);
                    quote! { #reply::#var(#helper(StatusCode::NOT_IMPLEMENTED, #id, &context)) }
                }
                None => quote! { #reply::#var },
            };
            (String::new(), (quote!(StatusCode::NOT_IMPLEMENTED), value))
        })
    });
    let docs = doc(paragraphs(&[
        op.summary.as_deref(),
        op.description.as_deref(),
        Some(&line),
        default_doc.as_deref(),
    ])
    .as_deref());
    let many = (op.params.len() + usize::from(op.body.is_some()) > 5)
        .then(|| quote! { #[allow(clippy::too_many_arguments)] });
    let signature = quote! {
        fn #name(&self, context: RequestContext, #(#args),*) -> impl std::future::Future<Output = #reply> + Send
    };
    match default {
        None => quote! {
            #docs
            #many
            #signature;
        },
        Some((_, (status, value))) => {
            let unused: Vec<&Ident> = inputs.iter().map(|(n, _)| n).collect();
            let unused = match unused.as_slice() {
                [] => None,
                [one] => Some(quote! { let _ = #one; }),
                many => Some(quote! { let _ = (#(#many),*); }),
            };
            let id = &op.id;
            let text = value.to_string();
            // A text body is the problem's message; a JSON body is filled
            // by a shared function from the context.
            let problem = text.contains("problem . message").then(|| {
                quote! { let problem = server::not_implemented(#status, #id); }
            });
            let context = (!text.contains("& context")).then(|| quote! { let _ = context; });
            quote! {
                #docs
                #many
                #signature {
                    #context
                    #unused
                    #problem
                    std::future::ready(#value)
                }
            }
        }
    }
}

/// The answer an `Api` method gives by default, when a server does not
/// implement it: its status text for the docs, and (status expression,
/// reply expression over `problem` and `request_id`). The status is always
/// `501 Not Implemented`, in the spec's error body where the operation
/// documents one for it: its `501`, else its `5XX` range, else its
/// `default` response, the first of these whose body the generated layer
/// can fill. `None`: no documented response can say it, and the reply
/// enum's undocumented 501 variant does (see [`fallback_variant`]). A
/// documented 4xx or 500 is never used: it would tell the caller that the
/// request or the server is at fault, and a client could not tell "not
/// implemented" from a real rejection.
fn not_implemented(
    op: &Operation,
    reg: &Registry<'_>,
    sizes: &Sizes<'_>,
    filled: &mut BTreeSet<String>,
) -> Option<(String, (TokenStream, TokenStream))> {
    let boxed = sizes.boxed_replies(op);
    let rank = |s: &Status| match s {
        Status::Code(501) => Some(0),
        Status::Range(5) => Some(1),
        Status::Default => Some(2),
        _ => None,
    };
    let mut order: Vec<usize> = (0..op.responses.len())
        .filter(|i| rank(&op.responses[*i].status).is_some())
        .collect();
    order.sort_by_key(|i| rank(&op.responses[*i].status));
    let code = 501;
    for i in order {
        let r = &op.responses[i];
        let body = match &r.body {
            None => None,
            Some(ResponseBody::Text) => Some(quote! { problem.message.clone() }),
            Some(ResponseBody::Bytes) => Some(quote! { problem.message.clone().into_bytes() }),
            // Only successes stream.
            Some(ResponseBody::Binary(_) | ResponseBody::Sequence { .. }) => continue,
            Some(ResponseBody::Json(ty)) => {
                let Kind::Named(n) = &ty.kind else { continue };
                if error_literal(n, reg, 0).is_none() {
                    continue;
                }
                filled.insert(n.clone());
                let helper = not_implemented_helper(n);
                let id = &op.id;
                let status = status_code(code);
                let value = quote! { #helper(#status, #id, &context) };
                Some(if ty.nullable {
                    quote! { Some(#value) }
                } else {
                    value
                })
            }
        };
        let body = match body {
            Some(b) if boxed[i] => Some(quote! { Box::new(#b) }),
            other => other,
        };
        let var = ident(&r.variant);
        let status = status_code(code);
        let reply = reply_name(op);
        let value = match (&r.status, body) {
            (Status::Code(_), Some(b)) => quote! { #reply::#var(#b) },
            (Status::Code(_), None) => quote! { #reply::#var },
            (_, Some(b)) => quote! { #reply::#var(#status, #b) },
            (_, None) => quote! { #reply::#var(#status) },
        };
        return Some((format!("`{code}`"), (status, value)));
    }
    None
}

/// The function that fills the error struct `name` for an operation a
/// server does not implement.
fn not_implemented_helper(name: &str) -> Ident {
    format_ident!(
        "not_implemented_{}",
        crate::naming::snake_ident(name).trim_end_matches('_')
    )
}

/// A function filling the error struct `name` for an `Api` method's
/// default answer, shared by every method answering with that struct.
fn not_implemented_body(name: &str, reg: &Registry<'_>) -> Option<TokenStream> {
    let value = error_literal(name, reg, 0)?;
    let helper = not_implemented_helper(name);
    let Some(TypeDef::Struct(s)) = reg.def(name) else {
        return None;
    };
    let t = ident(&s.name);
    let text = value.to_string();
    // Only the properties the layer fills name the problem and request id.
    let problem = if text.contains("& problem") {
        quote! { let problem = server::not_implemented(status, operation); }
    } else {
        quote! { let _ = (status, operation); }
    };
    let request_id = if text.contains("& problem , request_id") {
        quote! { let request_id = context.request_id.as_str(); }
    } else {
        quote! { let _ = context; }
    };
    let d = format!(
        " The [`types::{}`] an `Api` method answers by default, saying that `operation` is not implemented.",
        s.name
    );
    Some(quote! {
        #[doc = #d]
        fn #helper(status: StatusCode, operation: &str, context: &RequestContext) -> types::#t {
            #problem
            #request_id
            #value
        }
    })
}

/// A value of the error struct `name` with the properties the generated
/// layer fills (as [`error_fields`] lists them) set for `problem` and
/// `request_id`, and the others left out; `None` when a required property
/// would stay empty.
fn error_literal(name: &str, reg: &Registry<'_>, depth: usize) -> Option<TokenStream> {
    let Some(TypeDef::Struct(s)) = reg.def(name) else {
        return None;
    };
    if depth > 8 {
        return None;
    }
    let t = ident(&s.name);
    let mut fields = Vec::new();
    for (f, role) in s.fields.iter().zip(error_roles(s)) {
        let rust = ident(&f.rust);
        let default = f.default.as_ref().and_then(|d| reg.default_expr(&f.ty, d));
        let value = if let Some(role) = role {
            let role = format_ident!("{}", role.runtime_name());
            let max = opt_usize(f.ty.constraints.max_length);
            Some(quote! { server::error_text(server::Role::#role, #max, &problem, request_id) })
        } else if let Some((inner, list)) = filled_nested(name, f, reg) {
            // A list whose entry cannot be filled (or that nests too deep) is
            // left out where it may be; so is an object.
            let item = error_literal(inner, reg, depth + 1);
            if list {
                item.map(|item| quote! { vec![#item] })
            } else {
                item
            }
        } else {
            None
        };
        let value = match value {
            Some(v) => {
                let v = if f.boxed {
                    quote! { Box::new(#v) }
                } else {
                    v
                };
                if default.is_none() && (!f.required || f.ty.nullable) {
                    quote! { Some(#v) }
                } else {
                    v
                }
            }
            None if default.is_none() && (!f.required || f.ty.nullable) => quote! { None },
            None => default?,
        };
        fields.push(quote! { #rust: #value });
    }
    if s.additional.is_some() {
        fields.push(quote! { additional_properties: Default::default() });
    }
    Some(quote! { types::#t { #(#fields),* } })
}

/// The reply variant an `Api` method answers by default when no documented
/// response can say "not implemented" (see [`not_implemented`]): `501`,
/// undocumented for the operation, holding the spec's error body where one
/// of its documented error statuses (5xx first, then 4xx) has a body the
/// layer can fill, else saying it as text.
struct Fallback {
    variant: Ident,
    /// The error struct the variant holds.
    body: Option<String>,
}

fn fallback_variant(op: &Operation, reg: &Registry<'_>, sizes: &Sizes<'_>) -> Option<Fallback> {
    if not_implemented(op, reg, sizes, &mut BTreeSet::new()).is_some() {
        return None;
    }
    fallback(op, reg)
}

/// [`fallback_variant`] for an operation known to need one.
fn fallback(op: &Operation, reg: &Registry<'_>) -> Option<Fallback> {
    let taken = |n: &str| op.responses.iter().any(|r| r.variant == n);
    let variant = [
        "NotImplemented",
        "Unimplemented",
        "UndocumentedNotImplemented",
    ]
    .into_iter()
    .find(|n| !taken(n))
    .map(ident)?;
    let mut errors: Vec<(u16, &crate::ir::Response)> = op
        .responses
        .iter()
        .filter_map(|r| match r.status {
            Status::Code(c) if c >= 400 => Some((c, r)),
            _ => None,
        })
        .collect();
    // 5xx before 4xx, each in the document's order.
    errors.sort_by_key(|(c, _)| *c < 500);
    let body = errors.into_iter().find_map(|(_, r)| match &r.body {
        Some(ResponseBody::Json(ty)) => match &ty.kind {
            Kind::Named(n) if error_literal(n, reg, 0).is_some() => Some(n.clone()),
            _ => None,
        },
        _ => None,
    });
    Some(Fallback { variant, body })
}

fn reply_enum(op: &Operation, reg: &Registry<'_>, sizes: &Sizes<'_>) -> TokenStream {
    let name = reply_name(op);
    let t = types_mod();
    let mut variants = Vec::new();
    let mut arms = Vec::new();
    // A reply with a body that streams is matched by value (the stream is
    // moved into the response); its other variants bind by reference.
    let streams = op
        .responses
        .iter()
        .any(|r| r.body.as_ref().is_some_and(ResponseBody::streams));
    let bind_ref = if streams {
        quote!(ref)
    } else {
        TokenStream::new()
    };
    let bind = &bind_ref;
    let fallback = fallback_variant(op, reg, sizes);
    if let Some(Fallback { variant: var, body }) = &fallback {
        let id = &op.id;
        match body {
            Some(n) => {
                let b = ident(n);
                variants.push(quote! {
                    /// `501`, a status the spec does not document here, in the
                    /// spec's error body: the server does not implement the
                    /// operation (the `Api` method's default, as no documented
                    /// `501`, `5XX` or `default` response has a body the layer
                    /// can fill).
                    #var(#t::#b),
                });
                arms.push(quote! {
                    Self::#var(#bind body) => server::json_response(StatusCode::NOT_IMPLEMENTED, body),
                });
            }
            None => {
                variants.push(quote! {
                    /// `501`, a status the spec does not document here: the server
                    /// does not implement the operation (the `Api` method's default,
                    /// as no documented `501`, `5XX` or `default` response has a body
                    /// the layer can fill).
                    #var,
                });
                arms.push(quote! {
                    Self::#var => (
                        StatusCode::NOT_IMPLEMENTED,
                        [(axum::http::header::CONTENT_TYPE, "text/plain; charset=utf-8")],
                        server::not_implemented(StatusCode::NOT_IMPLEMENTED, #id).message,
                    )
                        .into_response(),
                });
            }
        }
    }
    for (r, boxed) in op.responses.iter().zip(sizes.boxed_replies(op)) {
        let var = ident(&r.variant);
        let d = format!(
            " {}{}",
            match &r.status {
                Status::Code(c) => format!("`{c}`"),
                Status::Range(d) => format!("`{d}XX` (the status is given)"),
                Status::Default => "Any other status (`default`; the status is given)".into(),
            },
            if r.description.is_empty() {
                String::new()
            } else {
                format!(": {}", r.description.trim().replace('\n', " "))
            }
        );
        let body_ty = r.body.as_ref().map(|b| match b {
            ResponseBody::Json(ty) => ty_tokens_in(ty, Some(&t)),
            ResponseBody::Text => quote! { String },
            ResponseBody::Bytes => quote! { Vec<u8> },
            ResponseBody::Binary(_) => quote! { crate::runtime::stream::ByteStream },
            ResponseBody::Sequence { kind, item, .. } => {
                let item = ty_tokens_in(item, Some(&t));
                if *kind == Sequence::Events {
                    quote! { crate::runtime::sequence::EventSource<#item> }
                } else {
                    quote! { crate::runtime::sequence::RecordSource<#item> }
                }
            }
        });
        // A body much larger than the other variants is boxed (see `size`).
        let (body_ty, d) = match body_ty {
            Some(b) if boxed => (
                Some(quote! { Box<#b> }),
                format!("{d}\n\n{}", super::size::BOXED_NOTE),
            ),
            other => (other, d),
        };
        let d = doc(Some(&d));
        let fixed = matches!(r.status, Status::Code(_));
        let status_expr = if let Status::Code(c) = r.status {
            status_code(c)
        } else {
            quote! { *status }
        };
        let respond = |body: TokenStream| match r.body.as_ref() {
            Some(ResponseBody::Json(_)) => quote! { server::json_response(#status_expr, #body) },
            Some(ResponseBody::Text) => quote! {
                (#status_expr, [(axum::http::header::CONTENT_TYPE, "text/plain; charset=utf-8")], #body.clone()).into_response()
            },
            Some(ResponseBody::Bytes) => quote! {
                (#status_expr, [(axum::http::header::CONTENT_TYPE, "application/octet-stream")], #body.clone()).into_response()
            },
            Some(ResponseBody::Binary(content_type)) => quote! {
                server::stream_response(#status_expr, #content_type, #body)
            },
            Some(ResponseBody::Sequence { kind, media, item }) => {
                let write = if *kind == Sequence::Events {
                    let encode = if item.kind == Kind::String {
                        quote! { crate::runtime::sequence::plain_text }
                    } else {
                        quote! { crate::runtime::sequence::json_text }
                    };
                    quote! { crate::runtime::sequence::event_stream_response(#body, #encode) }
                } else {
                    let format = if *kind == Sequence::Lines {
                        quote! { crate::runtime::sequence::RecordFormat::Lines }
                    } else {
                        quote! { crate::runtime::sequence::RecordFormat::JsonSeq }
                    };
                    quote! { crate::runtime::sequence::records_response(#body, #format, #media) }
                };
                quote! { server::with_status(#status_expr, #write) }
            }
            None if !fixed => quote! { status.into_response() },
            None => quote! { #status_expr.into_response() },
        };
        // A body that streams is moved out; the others are borrowed.
        let bind = if r.body.as_ref().is_some_and(ResponseBody::streams) {
            TokenStream::new()
        } else {
            bind_ref.clone()
        };
        match (fixed, body_ty) {
            (true, Some(b)) => {
                variants.push(quote! { #d #var(#b), });
                let out = respond(quote!(body));
                arms.push(quote! { Self::#var(#bind body) => #out, });
            }
            (true, None) => {
                variants.push(quote! { #d #var, });
                let out = respond(TokenStream::new());
                arms.push(quote! { Self::#var => #out, });
            }
            (false, Some(b)) => {
                variants.push(quote! { #d #var(StatusCode, #b), });
                let out = respond(quote!(body));
                arms.push(quote! { Self::#var(#bind_ref status, #bind body) => #out, });
            }
            (false, None) => {
                variants.push(quote! { #d #var(StatusCode), });
                let out = respond(TokenStream::new());
                arms.push(quote! { Self::#var(#bind_ref status) => #out, });
            }
        }
    }
    let d = format!(
        " What `{}` may answer: one variant per documented status.",
        op.id
    );
    // The undocumented 501 carries nothing: the documented variants keep
    // their bodies unboxed (as `size` chose them) beside it, and the lint
    // is allowed where that leaves one body much larger than the rest.
    let extra = fallback.as_ref().map(|f| match &f.body {
        Some(n) => sizes.named(n).size,
        None => 0,
    });
    let allow = extra
        .is_some_and(|extra| sizes.reply_with_fallback_may_lint(op, extra))
        .then(|| quote! { #[allow(clippy::large_enum_variant)] });
    let derive = if streams {
        quote! { #[derive(Debug)] }
    } else {
        quote! { #[derive(Clone, Debug, PartialEq)] }
    };
    let scrutinee = if streams { quote!(self) } else { quote!(&self) };
    quote! {
        #[doc = #d]
        #derive
        #allow
        pub enum #name {
            #(#variants)*
        }

        impl IntoResponse for #name {
            fn into_response(self) -> Response {
                match #scrutinee {
                    #(#arms)*
                }
            }
        }
    }
}

/// The `http` crate's named constants for registered statuses.
const STATUS_CONSTANTS: &[(u16, &str)] = &[
    (100, "CONTINUE"),
    (101, "SWITCHING_PROTOCOLS"),
    (102, "PROCESSING"),
    (103, "EARLY_HINTS"),
    (200, "OK"),
    (201, "CREATED"),
    (202, "ACCEPTED"),
    (203, "NON_AUTHORITATIVE_INFORMATION"),
    (204, "NO_CONTENT"),
    (205, "RESET_CONTENT"),
    (206, "PARTIAL_CONTENT"),
    (207, "MULTI_STATUS"),
    (208, "ALREADY_REPORTED"),
    (226, "IM_USED"),
    (300, "MULTIPLE_CHOICES"),
    (301, "MOVED_PERMANENTLY"),
    (302, "FOUND"),
    (303, "SEE_OTHER"),
    (304, "NOT_MODIFIED"),
    (305, "USE_PROXY"),
    (307, "TEMPORARY_REDIRECT"),
    (308, "PERMANENT_REDIRECT"),
    (400, "BAD_REQUEST"),
    (401, "UNAUTHORIZED"),
    (402, "PAYMENT_REQUIRED"),
    (403, "FORBIDDEN"),
    (404, "NOT_FOUND"),
    (405, "METHOD_NOT_ALLOWED"),
    (406, "NOT_ACCEPTABLE"),
    (407, "PROXY_AUTHENTICATION_REQUIRED"),
    (408, "REQUEST_TIMEOUT"),
    (409, "CONFLICT"),
    (410, "GONE"),
    (411, "LENGTH_REQUIRED"),
    (412, "PRECONDITION_FAILED"),
    (413, "PAYLOAD_TOO_LARGE"),
    (414, "URI_TOO_LONG"),
    (415, "UNSUPPORTED_MEDIA_TYPE"),
    (416, "RANGE_NOT_SATISFIABLE"),
    (417, "EXPECTATION_FAILED"),
    (418, "IM_A_TEAPOT"),
    (421, "MISDIRECTED_REQUEST"),
    (422, "UNPROCESSABLE_ENTITY"),
    (423, "LOCKED"),
    (424, "FAILED_DEPENDENCY"),
    (425, "TOO_EARLY"),
    (426, "UPGRADE_REQUIRED"),
    (428, "PRECONDITION_REQUIRED"),
    (429, "TOO_MANY_REQUESTS"),
    (431, "REQUEST_HEADER_FIELDS_TOO_LARGE"),
    (451, "UNAVAILABLE_FOR_LEGAL_REASONS"),
    (500, "INTERNAL_SERVER_ERROR"),
    (501, "NOT_IMPLEMENTED"),
    (502, "BAD_GATEWAY"),
    (503, "SERVICE_UNAVAILABLE"),
    (504, "GATEWAY_TIMEOUT"),
    (505, "HTTP_VERSION_NOT_SUPPORTED"),
    (506, "VARIANT_ALSO_NEGOTIATES"),
    (507, "INSUFFICIENT_STORAGE"),
    (508, "LOOP_DETECTED"),
    (510, "NOT_EXTENDED"),
    (511, "NETWORK_AUTHENTICATION_REQUIRED"),
];

/// A `StatusCode` expression for `code`: the named constant of a registered
/// status, else `server::status::<CODE>()`, which is checked when the
/// generated crate compiles (the IR holds only codes in `100..600`).
fn status_code(code: u16) -> TokenStream {
    if let Ok(i) = STATUS_CONSTANTS.binary_search_by_key(&code, |(c, _)| *c) {
        let name = format_ident!("{}", STATUS_CONSTANTS[i].1);
        quote! { StatusCode::#name }
    } else {
        let code = Literal::u16_unsuffixed(code);
        quote! { server::status::<#code>() }
    }
}

fn auth_helpers(api: &Api) -> TokenStream {
    let mut out = TokenStream::new();
    for s in &api.security_schemes {
        let name = &s.name;
        let signing = s.signing.as_deref().and_then(super::krate::signing);
        if let Some(signing) = signing {
            let f = format_ident!("{}_verifier", s.rust.trim_end_matches('_'));
            let module = ident(signing.module);
            let verifier = ident(signing.verifier);
            let d = format!(
                " Accepts the `{name}` scheme: requests signed with `{}` by an access key of `keys` (access key to secret key, such as a `HashMap<String, String>`); the caller's identity is the access key. The verifier's own settings (clock skew, unsigned payloads) stay available on the returned value.",
                signing.algorithm
            );
            out.extend(quote! {
                #[doc = #d]
                pub fn #f<K: crate::runtime::#module::KeyStore>(keys: K) -> crate::runtime::#module::#verifier<K> {
                    crate::runtime::#module::#verifier::new(keys)
                }
            });
        } else if let crate::ir::SecurityKind::HeaderKey { header } = &s.kind {
            let f = format_ident!("{}_tokens", s.rust.trim_end_matches('_'));
            let d =
                format!(" Accepts the `{name}` scheme: one of `tokens` in the `{header}` header.");
            out.extend(quote! {
                #[doc = #d]
                pub fn #f(tokens: impl IntoIterator<Item = String>) -> server::HeaderTokens {
                    server::HeaderTokens::new(#name, #header, tokens)
                }
            });
        }
    }
    out
}

/// `.route(path, on(...).on(...).fallback(method_not_allowed))` per path, with
/// parameters renamed by position so templates that differ only in parameter
/// names share one route.
fn routes(api: &Api) -> TokenStream {
    let mut by_path: BTreeMap<String, Vec<&Operation>> = BTreeMap::new();
    for op in &api.operations {
        by_path.entry(axum_path(&op.path)).or_default().push(op);
    }
    let mut out = TokenStream::new();
    for (path, ops) in by_path {
        let allow = ops
            .iter()
            .map(|op| op.method.as_str())
            .collect::<Vec<_>>()
            .join(", ");
        let route = &ops[0].path;
        let not_allowed = quote! { method_not_allowed(method, #route, #allow) };
        let (standard, other): (Vec<&Operation>, Vec<&Operation>) = ops
            .iter()
            .partition(|op| super::is_standard_method(&op.method));
        // Methods axum's router has no filter for (`QUERY`, those of
        // `additionalOperations`) reach the fallback, which dispatches them
        // by name; any other method gets 405 there.
        let fallback = if other.is_empty() {
            quote! { |method: axum::http::Method| #not_allowed }
        } else {
            let arms = other.iter().map(|op| {
                let method = &op.method;
                let h = format_ident!("handle_{}", op.rust);
                quote! { #method => #h(state, request).await, }
            });
            quote! {
                |state: State<Arc<Shared<T>>>, request: Request| async move {
                    match request.method().as_str() {
                        #(#arms)*
                        _ => {
                            let method = request.method().clone();
                            #not_allowed.await
                        }
                    }
                }
            }
        };
        let mut chain = TokenStream::new();
        for (i, op) in standard.iter().enumerate() {
            let filter = format_ident!("{}", op.method);
            let h = format_ident!("handle_{}", op.rust);
            chain.extend(if i == 0 {
                quote! { axum::routing::on(axum::routing::MethodFilter::#filter, #h::<T>) }
            } else {
                quote! { .on(axum::routing::MethodFilter::#filter, #h::<T>) }
            });
        }
        let chain = if standard.is_empty() {
            quote! { axum::routing::any(#fallback) }
        } else {
            quote! { #chain.fallback(#fallback) }
        };
        out.extend(quote! { .route(#path, #chain) });
    }
    out
}

/// `/a/{x}/b/{y}` → `/a/{p0}/b/{p1}`. A segment that holds literal text
/// beside its parameters (`rdm_{app}_app`), which the router cannot match
/// in part, is one route parameter as a whole; [`segment_shapes`] says how
/// the handler takes it apart.
fn axum_path(template: &str) -> String {
    let mut i = 0;
    template
        .split('/')
        .map(|segment| {
            if segment.contains('{') {
                let out = format!("{{p{i}}}");
                i += 1;
                out
            } else {
                segment.to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// For each segment of `template` that holds parameters, its literal text
/// around and between them (`rdm_{app}_app` → `["rdm_", "_app"]`, `{x}` →
/// `["", ""]`); `None` when every such segment is a parameter alone (the
/// route's parameters are then the template's, in order).
fn segment_shapes(template: &str) -> Option<Vec<Vec<String>>> {
    let shapes: Vec<Vec<String>> = template
        .split('/')
        .filter(|segment| segment.contains('{'))
        .map(|segment| {
            let mut pieces = Vec::new();
            let mut rest = segment;
            while let Some(start) = rest.find('{') {
                pieces.push(rest[..start].to_owned());
                rest = rest[start..]
                    .find('}')
                    .map_or("", |end| &rest[start + end + 1..]);
            }
            pieces.push(rest.to_owned());
            pieces
        })
        .collect();
    shapes
        .iter()
        .any(|pieces| pieces.len() != 2 || !pieces.iter().all(String::is_empty))
        .then_some(shapes)
}

/// The named struct an error response's JSON body is, if it is one.
fn error_struct<'r>(r: &'r crate::ir::Response, reg: &Registry<'_>) -> Option<&'r str> {
    let Some(ResponseBody::Json(ty)) = &r.body else {
        return None;
    };
    let Kind::Named(n) = &ty.kind else {
        return None;
    };
    matches!(reg.def(n), Some(TypeDef::Struct(_))).then_some(n.as_str())
}

/// The error body for statuses an operation does not document: the struct
/// the most error responses use (the first by name on a tie).
fn fallback_body(api: &Api, reg: &Registry<'_>) -> Option<String> {
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for op in api.all_operations() {
        for r in op.errors() {
            if let Some(n) = error_struct(r, reg) {
                *counts.entry(n).or_default() += 1;
            }
        }
    }
    counts
        .iter()
        .max_by_key(|(n, c)| (**c, std::cmp::Reverse(**n)))
        .map(|(n, _)| (*n).to_owned())
}

/// The documented statuses of an operation whose error body is not the
/// fallback, with that body's struct.
fn error_entries<'o>(
    op: &'o Operation,
    reg: &Registry<'_>,
    fallback: Option<&str>,
) -> Vec<(u16, &'o str)> {
    op.errors()
        .filter_map(|r| {
            let Status::Code(c) = r.status else {
                return None;
            };
            error_struct(r, reg)
                .filter(|n| Some(*n) != fallback)
                .map(|n| (c, n))
        })
        .collect()
}

/// The name of an operation's status → error body table, when it has one.
fn errors_const(op: &Operation, reg: &Registry<'_>, fallback: Option<&str>) -> Option<Ident> {
    (!error_entries(op, reg, fallback).is_empty())
        .then(|| format_ident!("{}_ERRORS", op.rust.to_uppercase()))
}

/// The error body tables: one per struct an error body uses (the fallback
/// and those reached from an operation's table), then each operation's
/// status → table list where it differs from the fallback. Also whether
/// they name a `Role`.
fn error_tables(api: &Api, reg: &Registry<'_>, fallback: Option<&str>) -> (TokenStream, bool) {
    let mut used: Vec<String> = Vec::new();
    if let Some(n) = fallback {
        collect_tables(n, reg, &mut used);
    }
    for op in api.all_operations() {
        for (_, n) in error_entries(op, reg, fallback) {
            collect_tables(n, reg, &mut used);
        }
    }
    let mut out = TokenStream::new();
    let mut uses_role = fallback.is_none();
    for n in &used {
        let Some(TypeDef::Struct(s)) = reg.def(n) else {
            continue;
        };
        let konst = table_name(n);
        let fields = error_fields(n, s, reg);
        uses_role |= fields.iter().any(|(text, _)| *text);
        let fields = fields.into_iter().map(|(_, f)| f);
        out.extend(quote! { const #konst: &[ErrorField] = &[#(#fields),*]; });
    }
    out.extend(match fallback {
        Some(n) => {
            let t = table_name(n);
            quote! {
                /// The error body for statuses an operation does not document.
                const FALLBACK_ERROR: &[ErrorField] = #t;
            }
        }
        None => quote! {
            /// The error body for statuses an operation does not document.
            const FALLBACK_ERROR: &[ErrorField] = &[
                ErrorField::Text("code", Role::Code, None),
                ErrorField::Text("message", Role::Message, None),
            ];
        },
    });
    for op in api.all_operations() {
        let Some(konst) = errors_const(op, reg, fallback) else {
            continue;
        };
        let entries = error_entries(op, reg, fallback).into_iter().map(|(c, n)| {
            let c = Literal::u16_unsuffixed(c);
            let t = table_name(n);
            quote! { (#c, #t) }
        });
        out.extend(quote! { const #konst: &[(u16, &[ErrorField])] = &[#(#entries),*]; });
    }
    (out, uses_role)
}

/// The properties of an error struct the layer fills, in schema order, with
/// the role each string receives (and whether the entry is a string).
fn error_fields(
    owner: &str,
    s: &crate::ir::Struct,
    reg: &Registry<'_>,
) -> Vec<(bool, TokenStream)> {
    s.fields
        .iter()
        .zip(error_roles(s))
        .filter_map(|(f, role)| {
            let name = &f.json;
            if let Some(role) = role {
                let role = format_ident!("{}", role.runtime_name());
                let max = opt_usize(f.ty.constraints.max_length);
                return Some((true, quote! { ErrorField::Text(#name, Role::#role, #max) }));
            }
            let (inner, list) = filled_nested(owner, f, reg)?;
            let t = table_name(inner);
            Some((
                false,
                if list {
                    quote! { ErrorField::List(#name, #t) }
                } else {
                    quote! { ErrorField::Object(#name, #t) }
                },
            ))
        })
        .collect()
}

/// The struct a property of type `ty` holds, and whether as a list's
/// entry (else as an object).
fn nested_struct<'t>(ty: &'t crate::ir::Ty, reg: &Registry<'_>) -> Option<(&'t str, bool)> {
    if let Some(inner) = list_item_struct(ty, reg) {
        return Some((inner, true));
    }
    let Kind::Named(n) = &ty.kind else {
        return None;
    };
    matches!(reg.def(n), Some(TypeDef::Struct(_))).then_some((n.as_str(), false))
}

/// [`nested_struct`] for a property of error struct `owner`, unless that
/// struct's table would nest `owner`'s again: the tables are constants,
/// which cannot refer to each other in a cycle. What it keeps never forms
/// a cycle, so walking it ends.
fn nested<'t>(owner: &str, ty: &'t crate::ir::Ty, reg: &Registry<'_>) -> Option<(&'t str, bool)> {
    let (inner, list) = nested_struct(ty, reg)?;
    let back = inner_structs(inner, reg).iter().any(|n| n == owner);
    (!back).then_some((inner, list))
}

/// [`nested`] for field `f` of error struct `owner`, as the table and the
/// default body fill it: an optional object in which nothing would be
/// filled is left out.
fn filled_nested<'f>(
    owner: &str,
    f: &'f crate::ir::Field,
    reg: &Registry<'_>,
) -> Option<(&'f str, bool)> {
    let (inner, list) = nested(owner, &f.ty, reg)?;
    (list || f.required || fills_text(inner, reg)).then_some((inner, list))
}

/// Every struct an error table for struct `name` would nest, transitively,
/// `name` itself included.
fn inner_structs(name: &str, reg: &Registry<'_>) -> Vec<String> {
    let mut out = vec![name.to_owned()];
    let mut i = 0;
    while i < out.len() {
        if let Some(TypeDef::Struct(s)) = reg.def(&out[i]) {
            for f in &s.fields {
                if let Some((n, _)) = nested_struct(&f.ty, reg) {
                    if !out.iter().any(|o| o == n) {
                        out.push(n.to_owned());
                    }
                }
            }
        }
        i += 1;
    }
    out
}

/// The role each property of error struct `s` receives, in order.
fn error_roles(s: &crate::ir::Struct) -> Vec<Option<Role>> {
    let properties: Vec<Property<'_>> = s
        .fields
        .iter()
        .map(|f| Property {
            name: &f.json,
            text: matches!(f.ty.kind, Kind::String),
            required: f.required,
        })
        .collect();
    roles(&properties)
}

/// Whether the table of struct `name` fills some string, itself or in
/// what it nests.
fn fills_text(name: &str, reg: &Registry<'_>) -> bool {
    let Some(TypeDef::Struct(s)) = reg.def(name) else {
        return false;
    };
    error_roles(s).iter().any(Option::is_some)
        || s.fields
            .iter()
            .filter_map(|f| nested(name, &f.ty, reg))
            .any(|(inner, _)| fills_text(inner, reg))
}

/// The struct an array property holds, if it holds one.
fn list_item_struct<'t>(ty: &'t crate::ir::Ty, reg: &Registry<'_>) -> Option<&'t str> {
    let Kind::Array(item) = &ty.kind else {
        return None;
    };
    let Kind::Named(inner) = &item.kind else {
        return None;
    };
    matches!(reg.def(inner), Some(TypeDef::Struct(_))).then_some(inner.as_str())
}

fn collect_tables(name: &str, reg: &Registry<'_>, out: &mut Vec<String>) {
    if out.iter().any(|n| n == name) {
        return;
    }
    let Some(TypeDef::Struct(s)) = reg.def(name) else {
        return;
    };
    // Nested tables first (declaration order reads top-down).
    // Only the tables the entries of `name`'s own refer to.
    for f in &s.fields {
        if let Some((inner, _)) = filled_nested(name, f, reg) {
            collect_tables(inner, reg, out);
        }
    }
    out.push(name.to_owned());
}

fn table_name(type_name: &str) -> Ident {
    format_ident!("{}_FIELDS", heck::AsShoutySnakeCase(type_name).to_string())
}

/// The statement binding parameter `p` to `rust`, read from the request as
/// its style says; `others` are the names of the operation's other
/// parameters in the same location.
fn param_extract(p: &Param, rust: &Ident, position: usize, others: &[&str]) -> TokenStream {
    let name = &p.name;
    let t = kind_tokens_in(&p.ty.kind, Some(&types_mod()));
    let style = super::style_const(p);
    let read = match p.location {
        Location::QueryString(encoding) => {
            let read = match (encoding, p.required) {
                (QueryEncoding::Form, true) => quote!(server::query_string_form),
                (QueryEncoding::Form, false) => quote!(server::optional_query_string_form),
                (QueryEncoding::Json, true) => quote!(server::query_string_json),
                (QueryEncoding::Json, false) => quote!(server::optional_query_string_json),
            };
            let t = if p.required {
                t
            } else {
                quote! { Option<#t> }
            };
            return quote! { let #rust: #t = #read(&parts.uri, #name).map_err(fail)?; };
        }
        Location::Path => {
            let position = Literal::usize_unsuffixed(position);
            return quote! {
                let #rust: #t = server::path_param(&#style, &path[#position]).map_err(fail)?;
            };
        }
        Location::Query => quote! { server::query_param(&#style, &query, &[#(#others),*]) },
        Location::Header => quote! { server::header_param(&#style, &parts.headers) },
        Location::Cookie => quote! { server::cookie_param(&#style, &cookies, &[#(#others),*]) },
    };
    if p.required {
        quote! { let #rust: #t = server::required(&#style, #read.map_err(fail)?).map_err(fail)?; }
    } else {
        quote! { let #rust: Option<#t> = #read.map_err(fail)?; }
    }
}

fn handler(op: &Operation, reg: &Registry<'_>, fallback: Option<&str>) -> TokenStream {
    let h = format_ident!("handle_{}", op.rust);
    let inner = format_ident!("serve_{}", op.rust);
    // A webhook is served at a path its receiver chooses: its spans name it.
    let (route, bound) = match &op.webhook {
        Some(name) => (name, ident("Webhooks")),
        None => (&op.path, ident("Api")),
    };
    let method = ident(&op.rust);
    let errors = if let Some(konst) = errors_const(op, reg, fallback) {
        quote!(#konst)
    } else {
        quote!(&[])
    };
    let names = param_names(op);
    let order = crate::openapi::template_names(&op.path);
    let path_params: Vec<(&Param, &Ident)> = order
        .iter()
        .filter_map(|n| {
            op.params
                .iter()
                .zip(&names)
                .find(|(p, _)| p.location == Location::Path && p.name == *n)
        })
        .collect();
    let mut extract: Vec<TokenStream> = path_params
        .iter()
        .enumerate()
        .map(|(i, (p, name))| param_extract(p, name, i, &[]))
        .collect();
    extract.extend(
        op.params
            .iter()
            .zip(&names)
            .filter(|(p, _)| p.location != Location::Path)
            .map(|(p, name)| {
                let others: Vec<&str> = op
                    .params
                    .iter()
                    .filter(|o| o.location == p.location && o.name != p.name)
                    .map(|o| o.name.as_str())
                    .collect();
                param_extract(p, name, 0, &others)
            }),
    );

    let param_items = op
        .params
        .iter()
        .filter(|p| !matches!(p.location, Location::QueryString(_)))
        .map(|p| super::style_item(p, &quote!(crate::runtime)));
    let path_count = path_params.len();
    let path = (path_count > 0).then(|| match segment_shapes(&op.path) {
        None => {
            let n = Literal::usize_unsuffixed(path_count);
            quote! { let path = server::path_params(&mut parts, #n).await.map_err(fail)?; }
        }
        Some(shapes) => {
            let n = Literal::usize_unsuffixed(shapes.len());
            let shapes = shapes.iter().map(|pieces| quote! { &[#(#pieces),*] });
            quote! {
                let path = server::path_params(&mut parts, #n).await.map_err(fail)?;
                let path = server::split_segments(&path, &[#(#shapes),*]).map_err(fail)?;
            }
        }
    });
    let query = op
        .params
        .iter()
        .any(|p| p.location == Location::Query)
        .then(|| {
            quote! { let query = server::query_params(&parts.uri); }
        });
    let cookies = op
        .params
        .iter()
        .any(|p| p.location == Location::Cookie)
        .then(|| {
            quote! { let cookies = server::cookies(&parts.headers); }
        });

    // Constraint checks on parameters and the JSON body.
    let mut checks = Vec::new();
    for (p, rust) in op.params.iter().zip(&names) {
        checks.extend(reg.param_checks(p, rust));
    }
    let body_step = op.body.as_ref().map(|b| match &b.encoding {
        Encoding::Json(ty) | Encoding::Form(ty) => {
            let t = ty_tokens_in(ty, Some(&types_mod()));
            // A body of another media type gets 415 where the spec documents
            // it, else 400.
            let unsupported = if op.errors().any(|r| r.status == Status::Code(415)) {
                status_code(415)
            } else {
                status_code(400)
            };
            let body_checks = reg.checks(ty, quote!(value), quote!(""));
            if !body_checks.is_empty() {
                checks.push(if b.required {
                    quote! { { let value = &body; #body_checks } }
                } else {
                    quote! { if let Some(value) = &body { #body_checks } }
                });
            }
            let (parse, extra) = match (&b.encoding, b.required) {
                (Encoding::Form(_), required) => {
                    let fields = b
                        .form_fields
                        .iter()
                        .map(|f| super::form_field(f, &quote!(crate::runtime)));
                    let parse = if required {
                        quote!(server::form_body)
                    } else {
                        quote!(server::optional_form_body)
                    };
                    (parse, quote! { &[#(#fields),*], })
                }
                // An object's type refuses an array itself (structs read
                // through `validation::ObjectOnly`, maps as maps).
                (_, true) => (quote!(server::json_body), quote!()),
                (_, false) => (quote!(server::optional_json_body), quote!()),
            };
            let t = if b.required { t } else { quote! { Option<#t> } };
            quote! { let body: #t = #parse(&parts.headers, &bytes, #extra #unsupported).map_err(fail)?; }
        }
        // Bound where the body is opened (below).
        Encoding::Binary | Encoding::Multipart(_) => TokenStream::new(),
        _ if b.required => {
            quote! { let body = server::raw_body(&parts.headers, &bytes).map_err(fail)?; }
        }
        _ => quote! { let body = (!bytes.is_empty()).then(|| bytes.clone()); },
    });
    // A binary body streams to the handler, its limit enforced as it is
    // read: crossing it answers 413 whatever the handler returns. A
    // multipart one is read from its stream part by part.
    let binary = op
        .body
        .as_ref()
        .filter(|b| matches!(b.encoding, Encoding::Binary | Encoding::Multipart(_)));
    if let Some(b) = binary {
        if let Encoding::Multipart(form) = &b.encoding {
            checks.extend(part_checks(form, b.required, reg));
        }
    }
    let check_step = (!checks.is_empty()).then(|| {
        quote! {
            let mut checker = crate::runtime::validation::Checker::incoming();
            #(#checks)*
            checker.finish().map_err(|e| fail(server::invalid(e)))?;
        }
    });
    let secured = !op.security.is_empty() && !op.security.iter().any(std::vec::Vec::is_empty);
    // Credentials are checked from the head before the body is read (a
    // refusal never reads it), and finished with the body when a signature
    // covers it.
    let (check_head, identity) = if secured {
        let identity = if binary.is_some() {
            quote! {
                let (identity, stream) = server::authenticate_stream(verdict, stream, &state.config.limits, request_id).await.map_err(fail)?;
                let identity = Some(identity);
            }
        } else {
            quote! { let identity = Some(server::authenticate_body(verdict, &bytes, request_id).map_err(fail)?); }
        };
        (
            quote! { let verdict = server::authenticate_head(&*state.config.auth, &parts, &body, request_id).map_err(fail)?; },
            identity,
        )
    } else {
        (TokenStream::new(), quote! { let identity = None; })
    };
    let args = inputs(op).into_iter().map(|(n, _)| n);
    // The body is always read (so its limits hold), but kept only when
    // something reads it; likewise the request head.
    // Every parsed body, and a required raw one (its `Content-Type` tells
    // an empty body from none), reads the headers.
    let json_body = matches!(
        op.body.as_ref().map(|b| &b.encoding),
        Some(Encoding::Json(_) | Encoding::Form(_) | Encoding::Multipart(_))
    ) || op.body.as_ref().is_some_and(|b| b.required);
    let needs_bytes = (op.body.is_some() && binary.is_none()) || secured;
    let needs_parts = path_count > 0
        || query.is_some()
        || op
            .params
            .iter()
            .any(|p| matches!(p.location, Location::QueryString(_)))
        || cookies.is_some()
        || op.params.iter().any(|p| p.location == Location::Header)
        || json_body
        || secured;
    let parts_binding = if path_count > 0 {
        quote! { let (mut parts, body) = request.into_parts(); }
    } else if needs_parts {
        quote! { let (parts, body) = request.into_parts(); }
    } else {
        quote! { let (_, body) = request.into_parts(); }
    };
    let read_body = quote! { server::read_body(body, &state.config.limits).await.map_err(fail)? };
    let read_body = if binary.is_some() {
        quote! { let (stream, upload) = server::stream_body(body, &state.config.limits).map_err(fail)?; }
    } else if needs_bytes {
        quote! { let bytes = #read_body; }
    } else {
        quote! { #read_body; }
    };
    let unsupported = if op.errors().any(|r| r.status == Status::Code(415)) {
        status_code(415)
    } else {
        status_code(400)
    };
    let bind_stream = binary.map(|b| {
        if let Encoding::Multipart(form) = &b.encoding {
            return read_form(form, b.required, &unsupported);
        }
        if b.required {
            quote! { let body = server::raw_stream(&parts.headers, stream).map_err(fail)?; }
        } else {
            quote! { let body = (!stream.is_empty()).then_some(stream); }
        }
    });
    let call = quote! { state.api.#method(context, #(#args),*).await.into_response() };
    let answer = if binary.is_some() {
        quote! {
            let response = #call;
            if let Some(problem) = upload.problem() {
                return Err(fail(problem));
            }
            Ok(response)
        }
    } else {
        quote! { Ok(#call) }
    };
    quote! {
        async fn #h<T: #bound>(State(state): State<Arc<Shared<T>>>, request: Request) -> Response {
            let request_id = server::new_request_id();
            let method = request.method().clone();
            server::respond(method, #route, &request_id, #inner(&state, request, &request_id)).await
        }

        /// Enforces the spec, then calls the implementation.
        async fn #inner<T: #bound>(state: &Shared<T>, request: Request, request_id: &str) -> Result<Response, Response> {
            #(#param_items)*
            let fail = |problem: Problem| reject(#errors, problem, request_id);
            #parts_binding
            #check_head
            #read_body
            #identity
            #path
            #query
            #cookies
            #(#extract)*
            #body_step
            #bind_stream
            #check_step
            let context = RequestContext { request_id: request_id.to_owned(), identity };
            #answer
        }
    }
}

/// Binds `body` to the form a multipart request holds: its struct, read
/// part by part (a part that is absent or does not read is a 400 naming
/// it), or the form itself without one.
fn read_form(
    form: &crate::ir::MultipartForm,
    required: bool,
    unsupported: &TokenStream,
) -> TokenStream {
    use crate::ir::PartKind;
    let read = quote! {
        server::multipart_body(&parts.headers, stream, &state.config.limits, #unsupported).await.map_err(fail)?
    };
    let Some(name) = &form.name else {
        return if required {
            quote! { let body = #read.ok_or_else(|| fail(server::body_required()))?; }
        } else {
            quote! { let body = #read; }
        };
    };
    let t = types_mod();
    let name = ident(name);
    let fields = form.parts.iter().map(|p| {
        let f = ident(&p.rust);
        let n = &p.name;
        let take = match (&p.kind, p.required) {
            (PartKind::Text(_), true) => quote!(require_text),
            (PartKind::Text(_), false) => quote!(take_text),
            (PartKind::Texts(_), true) => quote!(require_texts),
            (PartKind::Texts(_), false) => quote!(optional_texts),
            (PartKind::Json(_), true) => quote!(require_json),
            (PartKind::Json(_), false) => quote!(take_json),
            (PartKind::File, true) => quote!(require_file),
            (PartKind::File, false) => quote!(optional_file),
            (PartKind::Files, true) => quote!(require_files),
            (PartKind::Files, false) => quote!(optional_files),
        };
        quote! { #f: form.#take(#n).map_err(part)?, }
    });
    let build = quote! {
        #t::#name { #(#fields)* }
    };
    let part = quote! {
        let part = |e: crate::runtime::multipart::PartError| fail(e.into());
    };
    if required {
        quote! {
            let mut form = #read.ok_or_else(|| fail(server::body_required()))?;
            #part
            let body = #build;
        }
    } else {
        quote! {
            #part
            let body = match #read {
                Some(mut form) => Some(#build),
                None => None,
            };
        }
    }
}

/// [`super::types::form_part_checks`] of a body that may be absent.
fn part_checks(
    form: &crate::ir::MultipartForm,
    required: bool,
    reg: &Registry<'_>,
) -> Vec<TokenStream> {
    super::types::form_part_checks(form, reg)
        .into_iter()
        .map(|one| {
            if required {
                one
            } else {
                quote! { if let Some(body) = &body { #one } }
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_are_named_constants_where_http_has_one() {
        assert!(STATUS_CONSTANTS.windows(2).all(|w| w[0].0 < w[1].0));
        assert_eq!(status_code(202).to_string(), "StatusCode :: ACCEPTED");
        assert_eq!(status_code(418).to_string(), "StatusCode :: IM_A_TEAPOT");
        assert_eq!(
            status_code(299).to_string(),
            "server :: status :: < 299 > ()"
        );
    }

    #[test]
    fn paths_name_parameters_by_position() {
        assert_eq!(axum_path("/a/{x}/b/{y}"), "/a/{p0}/b/{p1}");
        assert_eq!(axum_path("/rdm_{app}_app/x/{id}"), "/{p0}/x/{p1}");
        assert_eq!(segment_shapes("/a/{x}/b/{y}"), None);
        assert_eq!(
            segment_shapes("/rdm_{app}_app/{a}.{b}/{id}"),
            Some(vec![
                vec!["rdm_".to_owned(), "_app".to_owned()],
                vec![String::new(), ".".to_owned(), String::new()],
                vec![String::new(), String::new()],
            ])
        );
        assert_eq!(axum_path("/plain"), "/plain");
    }
}
