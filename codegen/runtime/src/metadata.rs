//! What an API error body says about itself: its error code, message and
//! request id, read through one trait whatever the body's schema.
//!
//! A generated crate implements [`ErrorMetadata`] for every operation's enum
//! of documented error statuses, from the properties whose names say what
//! they hold (`error_code`, `errorMsg`, `message`, `request_id`, ...). A body
//! without such properties answers `None`. The client's `Error` reads it for
//! `code()`, `message()` and its `Display`.

use std::fmt;

/// The error code, message and request id an error body carries.
pub trait ErrorMetadata {
    /// The service's error code (`WKS.0409`), if the body has one.
    fn code(&self) -> Option<&str> {
        None
    }

    /// The human-readable message, if the body has one.
    fn message(&self) -> Option<&str> {
        None
    }

    /// The request id the body carries, if any (the `X-Request-Id` header is
    /// the client's first choice).
    fn request_id(&self) -> Option<&str> {
        None
    }
}

/// A text body is its own message.
impl ErrorMetadata for String {
    fn message(&self) -> Option<&str> {
        (!self.trim().is_empty()).then_some(self.as_str())
    }
}

/// A body without content says nothing.
impl ErrorMetadata for () {}

/// No documented error statuses.
impl ErrorMetadata for std::convert::Infallible {}

impl<T: ErrorMetadata + ?Sized> ErrorMetadata for Box<T> {
    fn code(&self) -> Option<&str> {
        (**self).code()
    }
    fn message(&self) -> Option<&str> {
        (**self).message()
    }
    fn request_id(&self) -> Option<&str> {
        (**self).request_id()
    }
}

/// Writes an error body for people: `CODE: message`, the code or the message
/// alone when only one is there, and the body as compact JSON when it has
/// neither.
pub fn write_error<T: serde::Serialize + fmt::Debug>(
    f: &mut fmt::Formatter<'_>,
    metadata: &dyn ErrorMetadata,
    body: &T,
) -> fmt::Result {
    match describe(metadata) {
        Some(text) => f.write_str(&text),
        None => super::validation::write_json(f, body),
    }
}

/// `CODE: message`, `CODE`, `message`, or `None` when the body has neither.
pub fn describe(metadata: &dyn ErrorMetadata) -> Option<String> {
    fn present(s: Option<&str>) -> Option<&str> {
        s.map(str::trim).filter(|s| !s.is_empty())
    }
    match (present(metadata.code()), present(metadata.message())) {
        (Some(code), Some(message)) => Some(format!("{code}: {message}")),
        (Some(code), None) => Some(code.to_owned()),
        (None, Some(message)) => Some(message.to_owned()),
        (None, None) => None,
    }
}
