//! The crate around the generated modules: `lib.rs`, each API's `mod.rs`,
//! and `Cargo.toml`.

use proc_macro2::TokenStream;
use quote::quote;

use std::path::PathBuf;

use super::{client, ident, paragraphs, server, types};
use crate::ir::Api;

/// The runtime crate (`codegen/runtime/`): its package and library names.
pub const RUNTIME_PACKAGE: &str = "codegen-runtime";
pub const RUNTIME_LIB: &str = "codegen_runtime";

/// A request-signing algorithm the runtime implements, named by the
/// `x-signing` extension of a security scheme.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Signing {
    /// The `x-signing` value.
    pub algorithm: &'static str,
    /// The feature that builds it, in the runtime and in a generated crate.
    pub feature: &'static str,
    /// The runtime module that implements it.
    pub module: &'static str,
    /// What it needs, from [`DEPENDENCIES`], when the runtime is embedded.
    pub dependencies: &'static [&'static str],
    /// The module's client credentials type (an `Authenticator`), built
    /// with `new(ak, sk)`.
    pub credentials: &'static str,
    /// The module's server verifier (an `Authenticate`), built with
    /// `new(keys)` from a `KeyStore`.
    pub verifier: &'static str,
}

/// Every signing algorithm the runtime implements.
pub const SIGNINGS: &[Signing] = &[Signing {
    algorithm: "SDK-HMAC-SHA256",
    feature: "sdk-hmac-sha256",
    module: "signing",
    dependencies: &["hex", "hmac", "percent-encoding", "sha2"],
    credentials: "AkSk",
    verifier: "AkSkVerifier",
}];

/// The signing algorithm named `algorithm`, if the runtime implements it.
pub fn signing(algorithm: &str) -> Option<&'static Signing> {
    SIGNINGS.iter().find(|s| s.algorithm == algorithm)
}

/// The signing algorithms the APIs' security schemes name, in [`SIGNINGS`]
/// order (unknown names are left out: generation refuses them earlier).
pub fn signings(apis: &[Api]) -> Vec<&'static Signing> {
    SIGNINGS
        .iter()
        .filter(|s| {
            apis.iter()
                .flat_map(|a| &a.security_schemes)
                .any(|scheme| scheme.signing.as_deref() == Some(s.algorithm))
        })
        .collect()
}

/// What the runtime's `client` part needs besides `reqwest`, from
/// [`DEPENDENCIES`], when the runtime is embedded: retries with backoff,
/// request bodies shared by the attempts, `Retry-After` dates, path encoding, rustls's `ring` crypto provider (the
/// default HTTP client installs it when the process has none), the regions
/// file's YAML, a span per call, streams of events and records
/// (`futures-core`'s `Stream`, `memchr` to find their delimiters), and
/// binary bodies as streams (`tokio`'s files and timers, `tokio-util`'s
/// readers between streams and `AsyncRead`).
pub const CLIENT_RUNTIME_DEPENDENCIES: &[&str] = &[
    "backon",
    "bytes",
    "futures-core",
    "httpdate",
    "memchr",
    "percent-encoding",
    "rustls",
    "saphyr-parser",
    "tokio",
    "tokio-util",
    "tracing",
];

/// What the runtime's `server` part needs besides `axum`, from
/// [`DEPENDENCIES`], when the runtime is embedded: body reading with limits,
/// the connection-level server, logging of refused credentials,
/// percent-decoding of styled parameters, streams of events and records
/// (`bytes`, `futures-core`, `memchr`), binary bodies as streams
/// (`tokio-util`), and `multipart/form-data` bodies (`multer`).
pub const SERVER_RUNTIME_DEPENDENCIES: &[&str] = &[
    "bytes",
    "futures-core",
    "http-body-util",
    "hyper",
    "hyper-util",
    "memchr",
    "multer",
    "percent-encoding",
    "serde_path_to_error",
    "tokio",
    "tokio-util",
    "tracing",
];

/// Dependencies a generated crate may need, by name, pinned to the versions
/// it is tested with. The runtime's own lines are the same as in
/// `codegen/runtime/Cargo.toml`.
pub const DEPENDENCIES: &[(&str, &str)] = &[
    (
        "axum",
        r#"{ version = "0.8", default-features = false, features = ["http1", "query", "tokio"], optional = true }"#,
    ),
    (
        "backon",
        r#"{ version = "1.6", default-features = false, features = ["std", "tokio-sleep"], optional = true }"#,
    ),
    ("bytes", r#"{ version = "1", optional = true }"#),
    ("fancy-regex", r#""0.20""#),
    ("futures-core", r#"{ version = "0.3", optional = true }"#),
    ("hex", r#"{ version = "0.4", optional = true }"#),
    ("hmac", r#"{ version = "0.12", optional = true }"#),
    ("http-body-util", r#"{ version = "0.1", optional = true }"#),
    ("httpdate", r#"{ version = "1.0", optional = true }"#),
    ("memchr", r#"{ version = "2.7", optional = true }"#),
    ("multer", r#"{ version = "3.1", optional = true }"#),
    (
        "hyper",
        r#"{ version = "1.12", features = ["http1", "server"], optional = true }"#,
    ),
    (
        "hyper-util",
        r#"{ version = "0.1.10", features = ["http1", "server", "server-graceful", "service", "tokio"], optional = true }"#,
    ),
    (
        "percent-encoding",
        r#"{ version = "2.3", optional = true }"#,
    ),
    (
        "reqwest",
        r#"{ version = "0.13", default-features = false, features = ["multipart", "rustls-no-provider", "stream"], optional = true }"#,
    ),
    (
        "rustls",
        r#"{ version = "0.23", default-features = false, features = ["ring", "std", "tls12"], optional = true }"#,
    ),
    ("saphyr-parser", r#"{ version = "0.3", optional = true }"#),
    ("serde", r#"{ version = "1.0.200", features = ["derive"] }"#),
    (
        "serde_json",
        r#"{ version = "1.0.120", features = ["preserve_order"] }"#,
    ),
    (
        "serde_path_to_error",
        r#"{ version = "0.1", optional = true }"#,
    ),
    (
        "sha2",
        r#"{ version = "0.10", default-features = false, optional = true }"#,
    ),
    (
        "tokio",
        r#"{ version = "1.40", features = ["fs", "io-util", "macros", "net", "rt", "sync", "time"], optional = true }"#,
    ),
    (
        "tokio-util",
        r#"{ version = "0.7", default-features = false, features = ["io"], optional = true }"#,
    ),
    (
        "tracing",
        r#"{ version = "0.1", default-features = false, features = ["std"], optional = true }"#,
    ),
];

/// What a generated crate's tests need whatever else they use: an async
/// runtime with sockets, for client tests against a local HTTP server.
pub const DEV_DEPENDENCIES: &[(&str, &str)] = &[(
    "tokio",
    r#"{ version = "1.40", features = ["io-util", "macros", "net", "rt-multi-thread", "time"] }"#,
)];

/// The runtime crate's library root, embedded as `src/runtime/mod.rs`.
pub const RUNTIME_LIB_SOURCE: &str = include_str!("../../runtime/src/lib.rs");

/// The runtime crate's modules, embedded beside it: (file name, source).
/// A module that needs a signing feature ([`SIGNINGS`]: the signing module
/// itself, the credentials built on it) is embedded only for a crate whose
/// documents name its algorithm.
pub const RUNTIME_MODULES: &[(&str, &str)] = &[
    ("auth.rs", include_str!("../../runtime/src/auth.rs")),
    ("client.rs", include_str!("../../runtime/src/client.rs")),
    (
        "credentials.rs",
        include_str!("../../runtime/src/credentials.rs"),
    ),
    ("metadata.rs", include_str!("../../runtime/src/metadata.rs")),
    (
        "multipart.rs",
        include_str!("../../runtime/src/multipart.rs"),
    ),
    ("region.rs", include_str!("../../runtime/src/region.rs")),
    ("sequence.rs", include_str!("../../runtime/src/sequence.rs")),
    ("server.rs", include_str!("../../runtime/src/server.rs")),
    ("signing.rs", include_str!("../../runtime/src/signing.rs")),
    ("stream.rs", include_str!("../../runtime/src/stream.rs")),
    ("style.rs", include_str!("../../runtime/src/style.rs")),
    (
        "validation.rs",
        include_str!("../../runtime/src/validation.rs"),
    ),
];

/// The embedded runtime for a crate using `signings`: `src/runtime/` file
/// names and sources, `mod.rs` declaring only the modules that are there.
pub fn runtime_files(signings: &[&Signing]) -> Vec<(String, String)> {
    let left_out: Vec<&Signing> = SIGNINGS.iter().filter(|s| !signings.contains(s)).collect();
    // A declaration is a `#[cfg(...)]` line and a `pub mod NAME;` line; it
    // goes, with its file, when the cfg names a left-out feature.
    let mut lib = String::new();
    let mut dropped: Vec<String> = Vec::new();
    let mut lines = RUNTIME_LIB_SOURCE.split_inclusive('\n').peekable();
    while let Some(line) = lines.next() {
        let needs_left_out = line.starts_with("#[cfg(")
            && left_out
                .iter()
                .any(|s| line.contains(&format!("feature = \"{}\"", s.feature)));
        let module = lines
            .peek()
            .and_then(|next| next.trim().strip_prefix("pub mod "))
            .and_then(|rest| rest.strip_suffix(';'));
        match module {
            Some(module) if needs_left_out => {
                dropped.push(format!("{module}.rs"));
                lines.next();
            }
            _ => lib.push_str(line),
        }
    }
    let mut files = vec![("mod.rs".to_owned(), lib)];
    for (name, source) in RUNTIME_MODULES {
        if dropped.iter().any(|d| d == name) {
            continue;
        }
        files.push(((*name).to_owned(), (*source).to_owned()));
    }
    files
}

/// One file of the crate, before formatting.
pub struct File<'a> {
    pub path: PathBuf,
    /// Comment lines that open the file.
    pub header: String,
    pub body: Body<'a>,
}

pub enum Body<'a> {
    /// Rust to format.
    Rust(TokenStream),
    /// Rust to format, emitted when asked: tokens cannot move between
    /// threads, so each file is emitted on the thread that formats it.
    Emit(Box<dyn Fn() -> TokenStream + Send + Sync + 'a>),
    /// Text written as it is.
    Text(String),
}

/// Every file of the crate for `apis` (each with the document it came from).
/// `command` regenerates the crate and is quoted in every header. The API
/// modules are [`Body::Emit`], the largest first.
pub fn files<'a>(apis: &'a [(Api, &str)], opts: &CrateOptions, command: &str) -> Vec<File<'a>> {
    let header = |from: &str| {
        format!("// @generated by codegen from {from}. Do not edit by hand.\n// Regenerate with `{command}`.\n")
    };
    let sources: Vec<&str> = apis.iter().map(|(_, s)| *s).collect();
    let all_header = header(&sources.join(", "));
    let api_list: Vec<Api> = apis.iter().map(|(a, _)| a.clone()).collect();
    let mut out = vec![
        File {
            path: PathBuf::from("Cargo.toml"),
            header: String::new(),
            body: Body::Text(cargo_toml(&api_list, opts, &all_header.replace("//", "#"))),
        },
        File {
            path: PathBuf::from("src/lib.rs"),
            header: all_header.clone(),
            body: Body::Rust(lib_rs(&api_list, opts)),
        },
    ];
    if opts.runtime_path.is_none() {
        for (name, source) in runtime_files(&signings(&api_list)) {
            let original = if name == "mod.rs" { "lib.rs" } else { &name };
            out.push(File {
                path: PathBuf::from(format!("src/runtime/{name}")),
                header: format!(
                    "// @generated by codegen: a copy of codegen/runtime/src/{original}. Edit the original.\n\n"
                ),
                body: Body::Text(source),
            });
        }
    }
    for (api, source) in apis {
        let dir = PathBuf::from("src").join(&api.module);
        let reg = std::sync::Arc::new(types::Registry::new(api));
        let module = |emit: fn(&Api, &types::Registry) -> TokenStream| {
            let reg = std::sync::Arc::clone(&reg);
            Body::Emit(Box::new(move || emit(api, &reg)))
        };
        let mut parts = Vec::new();
        // A document without operations or webhooks describes types only.
        if !api.operations.is_empty() || !api.webhooks.is_empty() {
            parts.push(("server.rs", module(server::server_module)));
            parts.push(("client.rs", module(client::client_module)));
        }
        parts.push(("types.rs", module(types::types_module)));
        parts.push(("mod.rs", Body::Rust(api_mod_rs(api))));
        for (file, body) in parts {
            out.push(File {
                path: dir.join(file),
                header: header(source),
                body,
            });
        }
    }
    out
}

/// What the crate is called and how it is built.
#[derive(Clone, Debug)]
pub struct CrateOptions {
    pub name: String,
    /// The crate's version (`0.1.0` unless set): whoever publishes the
    /// crate bumps it, as `cargo xtask diff --fail-on unbumped` asks.
    pub version: String,
    pub description: String,
    /// Adds an empty `[workspace]` so the crate builds on its own anywhere.
    pub standalone: bool,
    /// Where the runtime comes from: `None` embeds its sources as
    /// `src/runtime/`; `Some(path)` depends on the runtime crate at `path`
    /// (relative to the generated crate), for a crate inside its workspace.
    pub runtime_path: Option<String>,
    /// Further `[dev-dependencies]` beside [`DEV_DEPENDENCIES`], for tests
    /// kept in the crate's directory: (name, TOML value).
    pub dev_dependencies: Vec<(String, String)>,
    /// Refuse instead of working around: every validation rule applies, and
    /// any degradation or left-out operation stops generation.
    pub strict: bool,
}

impl CrateOptions {
    /// A crate that needs nothing outside its directory: the runtime
    /// embedded, and its own `[workspace]`.
    pub fn standalone(name: impl Into<String>, description: impl Into<String>) -> Self {
        CrateOptions {
            name: name.into(),
            version: "0.1.0".to_owned(),
            description: description.into(),
            standalone: true,
            runtime_path: None,
            dev_dependencies: Vec::new(),
            strict: false,
        }
    }

    /// A member of the workspace that holds the runtime crate at
    /// `runtime_path` (relative to the generated crate).
    pub fn in_workspace(
        name: impl Into<String>,
        description: impl Into<String>,
        runtime_path: impl Into<String>,
    ) -> Self {
        CrateOptions {
            name: name.into(),
            version: "0.1.0".to_owned(),
            description: description.into(),
            standalone: false,
            runtime_path: Some(runtime_path.into()),
            dev_dependencies: Vec::new(),
            strict: false,
        }
    }
}

/// `src/lib.rs`: the runtime (embedded as a module, or the runtime crate
/// re-exported as `runtime`) and one module per API.
fn lib_rs(apis: &[Api], opts: &CrateOptions) -> TokenStream {
    let modules = apis.iter().map(|api| {
        let m = ident(&api.module);
        let feature = &api.module;
        quote! {
            #[cfg(feature = #feature)]
            pub mod #m;
        }
    });
    let runtime = if opts.runtime_path.is_some() {
        let lib = ident(RUNTIME_LIB);
        quote! { pub use #lib as runtime; }
    } else {
        quote! { pub mod runtime; }
    };
    let d = format!(" {}", opts.description);
    quote! {
        #![doc = #d]
        #![doc = ""]
        #![doc = " Each API is a module behind a feature of the same name. Its `types`"]
        #![doc = " are always built; its `client` needs the `client` feature, its `server`"]
        #![doc = " stubs the `server` feature."]
        #![warn(missing_docs)]

        #runtime

        /// The `reqwest` the clients are built on, so that callers configuring
        /// an HTTP client need not match its version.
        #[cfg(feature = "client")]
        pub use reqwest;

        /// The `axum` the server stubs are built on, so that callers serving or
        /// merging the routers need not match its version.
        #[cfg(feature = "server")]
        pub use axum;

        #(#modules)*
    }
}

fn api_mod_rs(api: &Api) -> TokenStream {
    // The module's own (inner) docs: the title, then the description.
    let text = paragraphs(&[
        Some(&format!("{} ({}).", api.title.trim(), api.version.trim())),
        api.description.as_deref(),
    ]);
    let lines = text
        .as_deref()
        .map(super::prose::doc_lines)
        .unwrap_or_default();
    let d = quote! { #( #![doc = #lines] )* };
    let (client_doc, server_doc) = match (api.operations.is_empty(), api.webhooks.is_empty()) {
        (false, true) => (
            " The `reqwest` client: one method per operation.",
            " The `axum` server stubs: the `Api` trait to implement and its router.",
        ),
        (false, false) => (
            " The `reqwest` client: one method per operation, and `WebhookSender`, one per webhook.",
            " The `axum` server stubs: the `Api` trait to implement and its router, and the `Webhooks` trait a receiver implements and its router.",
        ),
        _ => (
            " `WebhookSender`: one method per webhook.",
            " The `axum` server stubs: the `Webhooks` trait a receiver implements and its router.",
        ),
    };
    let client_use = (!api.operations.is_empty()).then(|| {
        quote! {
            #[cfg(feature = "client")]
            pub use client::Client;
        }
    });
    let operations = (!api.operations.is_empty() || !api.webhooks.is_empty()).then(|| {
        quote! {
            #[doc = #client_doc]
            #[cfg(feature = "client")]
            #[rustfmt::skip]
            pub mod client;

            #[doc = #server_doc]
            #[cfg(feature = "server")]
            #[rustfmt::skip]
            pub mod server;

            #client_use
        }
    });
    quote! {
        #d

        // Generated code keeps the generator's layout (prettyplease):
        // `cargo fmt` leaves these files alone.
        /// The request and response models, with their constraint checks.
        #[rustfmt::skip]
        pub mod types;
        #operations
    }
}

/// `Cargo.toml`. The crate's own dependencies are those its generated code
/// uses (`serde`, `serde_json`; `reqwest` for `client`, `axum` for
/// `server`) plus the runtime: the runtime crate, or, when it is embedded,
/// the runtime's dependencies for what is built.
fn cargo_toml(apis: &[Api], opts: &CrateOptions, header: &str) -> String {
    let quoted = |items: &[String]| {
        items
            .iter()
            .map(|i| format!("\"{i}\""))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let signings = signings(apis);
    let signing_features: Vec<String> = signings.iter().map(|s| s.feature.to_owned()).collect();
    // What `client`, `server` and each signing feature turn on in the runtime.
    let runtime = |part: &str, embedded: &[&str]| -> Vec<String> {
        match opts.runtime_path {
            Some(_) => vec![format!("{RUNTIME_PACKAGE}/{part}")],
            None => embedded.iter().map(|d| format!("dep:{d}")).collect(),
        }
    };
    let mut names: Vec<&str> = vec!["serde", "serde_json", "reqwest", "axum"];
    if opts.runtime_path.is_none() {
        // Validation (always embedded) checks `pattern`s.
        names.push("fancy-regex");
        names.extend(CLIENT_RUNTIME_DEPENDENCIES);
        names.extend(SERVER_RUNTIME_DEPENDENCIES);
        names.extend(signings.iter().flat_map(|s| s.dependencies.iter().copied()));
    }

    let mut features = String::new();
    let mut default = vec!["client".to_owned(), "server".to_owned()];
    default.extend(apis.iter().map(|a| a.module.clone()));
    features.push_str(&format!("default = [{}]\n", quoted(&default)));
    let mut client = runtime("client", CLIENT_RUNTIME_DEPENDENCIES);
    client.push("dep:reqwest".into());
    client.extend(signing_features.iter().cloned());
    features.push_str(&format!("client = [{}]\n", quoted(&client)));
    // HTTP/2 (ALPN `h2`) is the caller's choice: a REST API answers over
    // HTTP/1.1 too, and leaving `h2` out makes a cold build smaller.
    features.push_str("http2 = [\"reqwest?/http2\"]\n");
    let mut server = runtime("server", SERVER_RUNTIME_DEPENDENCIES);
    server.push("dep:axum".into());
    server.extend(signing_features.iter().cloned());
    features.push_str(&format!("server = [{}]\n", quoted(&server)));
    for s in &signings {
        let on = runtime(s.feature, s.dependencies);
        features.push_str(&format!("{} = [{}]\n", s.feature, quoted(&on)));
    }
    for api in apis {
        features.push_str(&format!("{} = []\n", api.module));
    }

    let mut dependencies: Vec<(String, String)> = DEPENDENCIES
        .iter()
        .filter(|(name, _)| names.contains(name))
        .map(|(name, line)| ((*name).to_owned(), (*line).to_owned()))
        .collect();
    if let Some(path) = &opts.runtime_path {
        let path = path.replace('\\', "/").replace('"', "\\\"");
        dependencies.push((
            RUNTIME_PACKAGE.to_owned(),
            format!("{{ path = \"{path}\", default-features = false }}"),
        ));
    }
    dependencies.sort();
    let mut dev_dependencies: Vec<(String, String)> = DEV_DEPENDENCIES
        .iter()
        .map(|(name, line)| ((*name).to_owned(), (*line).to_owned()))
        .chain(opts.dev_dependencies.iter().cloned())
        .collect();
    dev_dependencies.sort();
    let lines = |deps: &[(String, String)]| -> String {
        deps.iter()
            .map(|(name, line)| format!("{name} = {line}\n"))
            .collect()
    };
    let (dependencies, dev_dependencies) = (lines(&dependencies), lines(&dev_dependencies));

    let workspace = if opts.standalone {
        "\n[workspace]\n"
    } else {
        ""
    };
    let description = opts.description.replace('\\', "\\\\").replace('"', "\\\"");
    format!(
        "{header}\n[package]\nname = \"{}\"\nversion = \"{}\"\nedition = \"2021\"\nrust-version = \"1.85\"\ndescription = \"{description}\"\npublish = false\n\n[features]\n{features}\n[dependencies]\n{dependencies}\n[dev-dependencies]\n{dev_dependencies}{workspace}",
        opts.name, opts.version
    )
}
