//! The authentication seam: every request passes through an
//! [`Authenticator`] after it is fully built and before it is sent, so a
//! scheme that signs the whole request (method, URL, headers, body) plugs in
//! without any change to generated code.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use reqwest::header::{HeaderName, HeaderValue};

/// Adds credentials to a finished request.
pub trait Authenticator: Send + Sync + fmt::Debug {
    /// Adds the credentials to `request` (headers, a signature), or says
    /// why it cannot.
    fn authenticate(&self, request: &mut reqwest::Request) -> Result<(), AuthError>;

    /// A non-secret value that comes with the credentials, by name:
    /// `"project_id"` and `"domain_id"` for Huawei Cloud credentials. A
    /// generated method fills a path parameter marked `x-credential: NAME`
    /// the caller leaves out with it. `None` by default.
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

/// Reads one environment variable, as `std::env::var` does.
pub type VarLookup = dyn Fn(&str) -> Result<String, std::env::VarError> + Send + Sync;

/// Where credentials and endpoint overrides are looked up: environment
/// variables and the home directory. [`Environment::process`] reads the
/// process's own; [`Environment::new`] takes both from the caller, so that
/// a test never depends on (or changes) the real ones.
#[derive(Clone)]
pub struct Environment {
    var: Arc<VarLookup>,
    home: Option<PathBuf>,
}

impl Environment {
    /// The process environment; the home directory is `HOME`, else
    /// `USERPROFILE` (Windows).
    pub fn process() -> Self {
        let home = ["HOME", "USERPROFILE"]
            .iter()
            .filter_map(std::env::var_os)
            .find(|v| !v.is_empty())
            .map(PathBuf::from);
        Environment {
            var: Arc::new(|name| std::env::var(name)),
            home,
        }
    }

    /// Variables read through `var`, and `home` as the home directory
    /// (`None`: there is none).
    pub fn new(
        var: impl Fn(&str) -> Result<String, std::env::VarError> + Send + Sync + 'static,
        home: Option<PathBuf>,
    ) -> Self {
        Environment {
            var: Arc::new(var),
            home,
        }
    }

    /// The value of `name`; unset and empty are both `Ok(None)`, a value
    /// that is not Unicode is `Err(())`.
    #[allow(clippy::result_unit_err)]
    pub fn var(&self, name: &str) -> Result<Option<String>, ()> {
        match (self.var)(name) {
            Ok(v) if v.is_empty() => Ok(None),
            Ok(v) => Ok(Some(v)),
            Err(std::env::VarError::NotPresent) => Ok(None),
            Err(std::env::VarError::NotUnicode(_)) => Err(()),
        }
    }

    /// The home directory, if known.
    pub fn home(&self) -> Option<&Path> {
        self.home.as_deref()
    }

    /// The file named by the variable `variable`, else `default` below the
    /// home directory; `None` when neither is known. The flag says whether
    /// the variable named it (so that a missing file is an error).
    pub(crate) fn file(
        &self,
        variable: &str,
        default: &str,
    ) -> Result<Option<(PathBuf, bool)>, ()> {
        if let Some(path) = self.var(variable)? {
            return Ok(Some((PathBuf::from(path), true)));
        }
        Ok(self.home().map(|home| (home.join(default), false)))
    }
}

impl fmt::Debug for Environment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Environment")
            .field("home", &self.home)
            .finish_non_exhaustive()
    }
}
