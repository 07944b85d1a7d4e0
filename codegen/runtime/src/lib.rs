//! The runtime shared by every generated API module: request validation,
//! authentication, the client's error and response types, and what the
//! server stubs need.
//!
//! Written by hand. A generated crate inside this workspace depends on this
//! crate (as its `runtime` module); a standalone generated crate embeds these
//! files as `src/runtime/`, so it builds on its own. The modules therefore
//! refer to each other through `super::`, never through the crate root.
//!
//! Features: `client` (the `reqwest` client side, with the region chain;
//! with a signing feature too, the credential chain), `server` (what the axum
//! server stubs need), and one per request-signing algorithm a document can
//! name with `x-signing` on a security scheme (an embedded copy holds only
//! those its documents name).

#![warn(missing_docs)]

#[cfg(feature = "client")]
pub mod auth;
#[cfg(feature = "client")]
pub mod client;
#[cfg(all(feature = "client", feature = "sdk-hmac-sha256"))]
pub mod credentials;
pub mod metadata;
#[cfg(any(feature = "client", feature = "server"))]
pub mod multipart;
#[cfg(feature = "client")]
pub mod region;
#[cfg(any(feature = "client", feature = "server"))]
pub mod sequence;
#[cfg(feature = "server")]
pub mod server;
#[cfg(feature = "sdk-hmac-sha256")]
pub mod signing;
#[cfg(any(feature = "client", feature = "server"))]
pub mod stream;
#[cfg(any(feature = "client", feature = "server"))]
pub mod style;
pub mod validation;

pub use metadata::ErrorMetadata;
pub use validation::{Validate, ValidationError, Violation};
