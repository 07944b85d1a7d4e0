//! The runtime shared by every generated API module: request validation,
//! authentication and the client's error and response types.
//!
//! This module is written by hand and copied verbatim into each generated
//! crate, so a crate generated for any document stands alone.

#[cfg(feature = "client")]
pub mod auth;
#[cfg(feature = "client")]
pub mod client;
pub mod validation;

pub use validation::{Validate, ValidationError, Violation};
