//! The runtime shared by every generated API module: request validation,
//! authentication, the client's error and response types, and what the
//! server stubs need.
//!
//! This module is written by hand and copied verbatim into each generated
//! crate, so a crate generated for any document stands alone.

#[cfg(feature = "client")]
pub mod auth;
#[cfg(feature = "client")]
pub mod client;
#[cfg(feature = "server")]
pub mod server;
#[cfg(any(feature = "client", feature = "server"))]
pub mod signing;
pub mod validation;

pub use validation::{Validate, ValidationError, Violation};
