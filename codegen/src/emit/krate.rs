//! The crate around the generated modules: `lib.rs`, each API's `mod.rs`,
//! and `Cargo.toml`.

use proc_macro2::TokenStream;
use quote::quote;

use super::{doc, ident, paragraphs};
use crate::ir::Api;

/// Dependencies of every generated crate, pinned to the versions it is tested with.
const DEPENDENCIES: &str = r#"axum = { version = "0.8", default-features = false, features = ["http1", "query", "tokio"], optional = true }
hex = { version = "0.4", optional = true }
hmac = { version = "0.12", optional = true }
percent-encoding = { version = "2.3", optional = true }
reqwest = { version = "0.13", default-features = false, features = ["rustls", "http2"], optional = true }
serde = { version = "1.0.200", features = ["derive"] }
serde_json = { version = "1.0.120", features = ["preserve_order"] }
serde_path_to_error = { version = "0.1", optional = true }
sha2 = { version = "0.10", default-features = false, optional = true }
tokio = { version = "1.40", features = ["net", "rt", "sync", "time"], optional = true }

[dev-dependencies]
tokio = { version = "1.40", features = ["macros", "rt-multi-thread", "net", "sync", "time"] }
"#;

/// What the crate is called and how it is built.
#[derive(Clone, Debug)]
pub struct CrateOptions {
    pub name: String,
    pub description: String,
    /// Adds an empty `[workspace]` so the crate builds on its own anywhere.
    pub standalone: bool,
}

pub fn lib_rs(apis: &[Api], description: &str, hand_written: &[&str]) -> TokenStream {
    let features: Vec<&str> = apis.iter().map(|a| a.module.as_str()).collect();
    let hand = hand_written.iter().map(|m| {
        let m = ident(m);
        quote! {
            /// Written by hand (not generated); needs the `server` feature and every API's feature.
            #[cfg(all(feature = "server", #(feature = #features),*))]
            pub mod #m;
        }
    });
    let modules = apis.iter().map(|api| {
        let m = ident(&api.module);
        let feature = &api.module;
        let d = format!(" {} ({}).", api.title.trim(), api.version.trim());
        quote! {
            #[doc = #d]
            #[cfg(feature = #feature)]
            pub mod #m;
        }
    });
    let d = format!(" {description}");
    quote! {
        #![doc = #d]
        #![doc = ""]
        #![doc = " Each API is a module behind a feature of the same name. Its `types`"]
        #![doc = " are always built; its `client` needs the `client` feature, its `server`"]
        #![doc = " stubs the `server` feature."]

        pub mod runtime;
        #(#modules)*
        #(#hand)*
    }
}

pub fn api_mod_rs(api: &Api) -> TokenStream {
    let d = doc(paragraphs(&[
        Some(&format!("{} ({})", api.title.trim(), api.version.trim())),
        api.description.as_deref(),
    ])
    .as_deref());
    quote! {
        #d

        pub mod types;
        #[cfg(feature = "client")]
        pub mod client;

        #[cfg(feature = "server")]
        pub mod server;

        #[cfg(feature = "client")]
        pub use client::Client;
    }
}

pub fn cargo_toml(apis: &[Api], opts: &CrateOptions, header: &str) -> String {
    let mut features = String::new();
    let all: Vec<String> = apis.iter().map(|a| format!("\"{}\"", a.module)).collect();
    features.push_str(&format!(
        "default = [\"client\", \"server\", {}]\n",
        all.join(", ")
    ));
    features.push_str("client = [\"dep:reqwest\", \"dep:percent-encoding\", \"dep:hex\", \"dep:hmac\", \"dep:sha2\"]\n");
    features.push_str("server = [\"dep:axum\", \"dep:serde_path_to_error\", \"dep:tokio\", \"dep:percent-encoding\", \"dep:hex\", \"dep:hmac\", \"dep:sha2\"]\n");
    for api in apis {
        features.push_str(&format!("{} = []\n", api.module));
    }
    let workspace = if opts.standalone {
        "\n[workspace]\n"
    } else {
        ""
    };
    let description = opts.description.replace('\\', "\\\\").replace('"', "\\\"");
    format!(
        "{header}\n[package]\nname = \"{}\"\nversion = \"0.1.0\"\nedition = \"2021\"\nrust-version = \"1.85\"\ndescription = \"{description}\"\npublish = false\n\n[features]\n{features}\n[dependencies]\n{DEPENDENCIES}{workspace}",
        opts.name
    )
}
