//! The authentication seam: every request passes through an
//! [`Authenticator`] after it is fully built and before it is sent, so a
//! scheme that signs the whole request (method, URL, headers, body) plugs in
//! without any change to generated code.

use std::fmt;

use reqwest::header::{HeaderName, HeaderValue};

/// Adds credentials to a finished request.
pub trait Authenticator: Send + Sync + fmt::Debug {
    fn authenticate(&self, request: &mut reqwest::Request) -> Result<(), AuthError>;

    /// A value the credentials carry besides the secret, by name (such as
    /// `project_id`): generated calls fill a parameter marked with the
    /// extension `x-credential: <name>` from it when the caller leaves the
    /// parameter unset. None by default.
    fn credential(&self, name: &str) -> Option<&str> {
        let _ = name;
        None
    }
}

/// Credentials could not be applied.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuthError(pub String);

impl fmt::Display for AuthError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "authentication failed: {}", self.0)
    }
}

impl std::error::Error for AuthError {}

/// Sends requests without credentials.
#[derive(Clone, Copy, Debug, Default)]
pub struct NoAuth;

impl Authenticator for NoAuth {
    fn authenticate(&self, _request: &mut reqwest::Request) -> Result<(), AuthError> {
        Ok(())
    }
}

/// A secret sent verbatim in a header (an `apiKey` scheme `in: header`).
/// The value never appears in `Debug` output.
#[derive(Clone)]
pub struct ApiKeyHeader {
    name: HeaderName,
    value: HeaderValue,
}

impl ApiKeyHeader {
    /// Fails if `name` is not a valid header name or `value` not a valid value.
    pub fn new(name: &str, value: &str) -> Result<Self, AuthError> {
        let name = HeaderName::try_from(name)
            .map_err(|_| AuthError(format!("`{name}` is not a valid header name")))?;
        let mut value = HeaderValue::try_from(value).map_err(|_| {
            AuthError(format!(
                "the value for `{name}` is not a valid header value"
            ))
        })?;
        value.set_sensitive(true);
        Ok(ApiKeyHeader { name, value })
    }
}

impl fmt::Debug for ApiKeyHeader {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ApiKeyHeader")
            .field("name", &self.name)
            .field("value", &"<redacted>")
            .finish()
    }
}

impl Authenticator for ApiKeyHeader {
    fn authenticate(&self, request: &mut reqwest::Request) -> Result<(), AuthError> {
        request
            .headers_mut()
            .insert(self.name.clone(), self.value.clone());
        Ok(())
    }
}
