//! What generated clients share: configuration, request building, sending,
//! and the typed outcome of a call.
//!
//! An outcome is decided by the status code alone: a documented success gives
//! an [`ApiResponse`] with the typed body; a documented error status gives
//! [`Error::Api`] with that status's own typed body; anything else is a
//! separate variant that keeps the raw bytes.

use std::fmt;
use std::sync::Arc;

use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use reqwest::header::{HeaderMap, HeaderName, HeaderValue, CONTENT_TYPE};
use reqwest::{Method, StatusCode, Url};
use serde::de::DeserializeOwned;
use serde::Serialize;

use super::auth::{AuthError, Authenticator, NoAuth};
use super::validation::ValidationError;

/// The header carrying the server's id for a request.
pub const REQUEST_ID_HEADER: &str = "x-request-id";

/// Where and how a client sends its requests. Cheap to clone.
#[derive(Clone, Debug)]
pub struct ClientConfig {
    base_url: String,
    http: reqwest::Client,
    auth: Arc<dyn Authenticator>,
}

impl ClientConfig {
    /// A configuration for `base_url` (scheme, host and optional path prefix)
    /// with a default HTTP client (rustls) and no credentials.
    pub fn new(base_url: impl Into<String>) -> Self {
        let mut base_url = base_url.into();
        while base_url.ends_with('/') {
            base_url.pop();
        }
        ClientConfig {
            base_url,
            http: default_http_client(),
            auth: Arc::new(NoAuth),
        }
    }

    /// Uses a caller-built HTTP client (timeouts, proxies, connection pools).
    ///
    /// Build it with `redirect(reqwest::redirect::Policy::none())`: the API
    /// documents no redirects, and a followed redirect would carry credentials
    /// and turn an undocumented status into a success.
    pub fn with_http_client(mut self, http: reqwest::Client) -> Self {
        self.http = http;
        self
    }

    /// Applies `auth` to every request.
    pub fn with_auth(mut self, auth: impl Authenticator + 'static) -> Self {
        self.auth = Arc::new(auth);
        self
    }

    /// Applies a shared authenticator to every request.
    pub fn with_shared_auth(mut self, auth: Arc<dyn Authenticator>) -> Self {
        self.auth = auth;
        self
    }

    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// Starts a request to `path` (already expanded and encoded) below the base URL.
    pub fn request<E>(&self, method: Method, path: &str) -> Result<Call, Error<E>> {
        let url = format!("{}{}", self.base_url, path);
        let url = Url::parse(&url)
            .map_err(|e| Error::InvalidRequest(format!("invalid URL `{url}`: {e}")))?;
        // `.` and `..` path parameters would be resolved away by URL parsing
        // and reach another endpoint.
        if !url.path().ends_with(path) {
            return Err(Error::InvalidRequest(format!(
                "a path parameter in `{path}` would change the endpoint (`.` and `..` cannot be sent)"
            )));
        }
        Ok(Call {
            method,
            url,
            headers: HeaderMap::new(),
            body: None,
        })
    }

    /// Authenticates and sends a request, then reads the whole response.
    pub async fn execute<E>(&self, call: Call) -> Result<RawResponse, Error<E>> {
        let mut request = reqwest::Request::new(call.method, call.url);
        *request.headers_mut() = call.headers;
        if let Some(body) = call.body {
            *request.body_mut() = Some(body.into());
        }
        self.auth.authenticate(&mut request).map_err(Error::Auth)?;
        let response = self.http.execute(request).await.map_err(Error::Transport)?;
        let status = response.status();
        let headers = response.headers().clone();
        let body = response.bytes().await.map_err(Error::Transport)?.to_vec();
        Ok(RawResponse {
            status,
            headers,
            body,
        })
    }
}

/// The default HTTP client: rustls, a connect timeout, and no redirects (the
/// API documents none; following one would forward credentials and hide an
/// undocumented status).
fn default_http_client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(std::time::Duration::from_secs(10))
        .build()
        .unwrap_or_else(|_| reqwest::Client::new())
}

/// A request being assembled by a generated method.
#[derive(Debug)]
pub struct Call {
    method: Method,
    url: Url,
    headers: HeaderMap,
    body: Option<Vec<u8>>,
}

impl Call {
    /// The request's method.
    pub fn method(&self) -> &Method {
        &self.method
    }

    /// The URL the request goes to, query included.
    pub fn url(&self) -> &Url {
        &self.url
    }

    /// The headers set so far (credentials are added when it is sent).
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// The body set so far, if any.
    pub fn body(&self) -> Option<&[u8]> {
        self.body.as_deref()
    }

    /// Appends one `name=value` query pair (form encoding).
    pub fn query(&mut self, name: &str, value: &str) {
        self.url.query_pairs_mut().append_pair(name, value);
    }

    /// Sets a header.
    pub fn header<E>(&mut self, name: &'static str, value: &str) -> Result<(), Error<E>> {
        let value = HeaderValue::try_from(value).map_err(|_| {
            Error::InvalidRequest(format!("header `{name}` has a value that cannot be sent"))
        })?;
        self.headers.append(HeaderName::from_static(name), value);
        Ok(())
    }

    /// Serializes `body` as the JSON request body with `content_type`.
    pub fn json<T: Serialize + ?Sized, E>(
        &mut self,
        content_type: &'static str,
        body: &T,
    ) -> Result<(), Error<E>> {
        let bytes = serde_json::to_vec(body).map_err(|e| {
            Error::InvalidRequest(format!("the request body cannot be serialized: {e}"))
        })?;
        self.headers
            .insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
        self.body = Some(bytes);
        Ok(())
    }

    /// Sends `body`, a flat object, as an `application/x-www-form-urlencoded` body.
    pub fn form<T: Serialize + ?Sized, E>(
        &mut self,
        content_type: &'static str,
        body: &T,
    ) -> Result<(), Error<E>> {
        let value = serde_json::to_value(body).map_err(|e| {
            Error::InvalidRequest(format!("the request body cannot be serialized: {e}"))
        })?;
        let pairs = form_pairs(&value)
            .ok_or_else(|| Error::InvalidRequest("a form body must be an object".to_owned()))?;
        let encoded: Vec<String> = pairs
            .iter()
            .map(|(k, v)| format!("{}={}", form_encode(k), form_encode(v)))
            .collect();
        self.headers
            .insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
        self.body = Some(encoded.join("&").into_bytes());
        Ok(())
    }

    /// Sends a `multipart/form-data` body.
    pub fn multipart<E>(&mut self, body: &Multipart) -> Result<(), Error<E>> {
        let (boundary, bytes) = body.encode();
        let value = HeaderValue::try_from(format!("multipart/form-data; boundary={boundary}"))
            .map_err(|_| Error::InvalidRequest("invalid multipart boundary".to_owned()))?;
        self.headers.insert(CONTENT_TYPE, value);
        self.body = Some(bytes);
        Ok(())
    }

    /// Sends raw bytes with `content_type`.
    pub fn bytes<E>(&mut self, content_type: &'static str, body: &[u8]) -> Result<(), Error<E>> {
        self.headers
            .insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
        self.body = Some(body.to_vec());
        Ok(())
    }
}

/// One part of a `multipart/form-data` body.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Part {
    name: String,
    file_name: Option<String>,
    content_type: Option<String>,
    data: Vec<u8>,
}

/// A `multipart/form-data` body, built part by part.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Multipart {
    parts: Vec<Part>,
}

impl Multipart {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a text field.
    pub fn text(mut self, name: &str, value: &str) -> Self {
        self.parts.push(Part {
            name: name.to_owned(),
            file_name: None,
            content_type: None,
            data: value.as_bytes().to_vec(),
        });
        self
    }

    /// Adds a file.
    pub fn file(mut self, name: &str, file_name: &str, content_type: &str, data: Vec<u8>) -> Self {
        self.parts.push(Part {
            name: name.to_owned(),
            file_name: Some(file_name.to_owned()),
            content_type: Some(content_type.to_owned()),
            data,
        });
        self
    }

    /// The encoded body with a boundary that occurs in no part.
    fn encode(&self) -> (String, Vec<u8>) {
        let mut n: u64 = 0x5eed;
        let boundary = loop {
            let candidate = format!("----multipart-boundary-{n:016x}");
            let clash = self.parts.iter().any(|p| {
                p.data
                    .windows(candidate.len())
                    .any(|w| w == candidate.as_bytes())
            });
            if !clash {
                break candidate;
            }
            n = n
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
        };
        let quote = |s: &str| s.replace('\\', "\\\\").replace('"', "\\\"");
        let mut body = Vec::new();
        for p in &self.parts {
            body.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
            let mut disposition = format!(
                "Content-Disposition: form-data; name=\"{}\"",
                quote(&p.name)
            );
            if let Some(f) = &p.file_name {
                disposition.push_str(&format!("; filename=\"{}\"", quote(f)));
            }
            body.extend_from_slice(disposition.as_bytes());
            body.extend_from_slice(b"\r\n");
            if let Some(ct) = &p.content_type {
                body.extend_from_slice(format!("Content-Type: {ct}\r\n").as_bytes());
            }
            body.extend_from_slice(b"\r\n");
            body.extend_from_slice(&p.data);
            body.extend_from_slice(b"\r\n");
        }
        body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
        (boundary, body)
    }
}

/// `application/x-www-form-urlencoded` encoding of one key or value.
fn form_encode(value: &str) -> String {
    const FORM: &AsciiSet = &NON_ALPHANUMERIC
        .remove(b'*')
        .remove(b'-')
        .remove(b'.')
        .remove(b'_')
        .remove(b' ');
    utf8_percent_encode(value, FORM)
        .to_string()
        .replace(' ', "+")
}

/// Flattens a JSON object into form pairs: scalars as text, arrays as
/// repeated keys, nested objects as JSON text, nulls left out.
fn form_pairs(value: &serde_json::Value) -> Option<Vec<(String, String)>> {
    use serde_json::Value;
    let scalar = |v: &Value| match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    let mut pairs = Vec::new();
    for (k, v) in value.as_object()? {
        match v {
            Value::Null => {}
            Value::Array(items) => pairs.extend(items.iter().map(|i| (k.clone(), scalar(i)))),
            other => pairs.push((k.clone(), scalar(other))),
        }
    }
    Some(pairs)
}

/// Percent-encodes one path segment: everything but RFC 3986 unreserved
/// characters is escaped, `/` included.
pub fn encode_path(value: &str) -> String {
    const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
        .remove(b'-')
        .remove(b'.')
        .remove(b'_')
        .remove(b'~');
    utf8_percent_encode(value, SEGMENT).to_string()
}

/// A response as received: status, headers and the whole body.
#[derive(Clone, PartialEq, Eq)]
pub struct RawResponse {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl RawResponse {
    /// The server's `X-Request-Id`, if it sent one.
    pub fn request_id(&self) -> Option<&str> {
        self.headers
            .get(REQUEST_ID_HEADER)
            .and_then(|v| v.to_str().ok())
    }

    /// A documented success with a JSON body.
    pub fn json<T: DeserializeOwned, E>(self) -> Result<ApiResponse<T>, Error<E>> {
        match serde_json::from_slice(&self.body) {
            Ok(body) => Ok(self.with_body(body)),
            Err(source) => Err(Error::Decode {
                response: Box::new(self),
                source,
            }),
        }
    }

    /// A documented success without a body (whatever was sent is ignored).
    pub fn empty<E>(self) -> Result<ApiResponse<()>, Error<E>> {
        Ok(self.with_body(()))
    }

    /// A documented success with a text body.
    pub fn text<E>(self) -> Result<ApiResponse<String>, Error<E>> {
        let body = String::from_utf8_lossy(&self.body).into_owned();
        Ok(self.with_body(body))
    }

    /// A documented success whose body is kept as bytes.
    pub fn bytes<E>(self) -> Result<ApiResponse<Vec<u8>>, Error<E>> {
        let body = self.body.clone();
        Ok(self.with_body(body))
    }

    /// A documented error status whose body is kept as bytes.
    pub fn error_bytes<E>(self, variant: impl FnOnce(Vec<u8>) -> E) -> Error<E> {
        let body = self.body.clone();
        Error::Api(Box::new(self.with_body(variant(body))))
    }

    /// A documented error status with a text body, wrapped by `variant`.
    pub fn error_text<E>(self, variant: impl FnOnce(String) -> E) -> Error<E> {
        let body = String::from_utf8_lossy(&self.body).into_owned();
        Error::Api(Box::new(self.with_body(variant(body))))
    }

    /// A documented error status with a JSON body, wrapped by `variant`.
    pub fn error<T: DeserializeOwned, E>(self, variant: impl FnOnce(T) -> E) -> Error<E> {
        match serde_json::from_slice(&self.body) {
            Ok(body) => Error::Api(Box::new(self.with_body(variant(body)))),
            Err(source) => Error::Decode {
                response: Box::new(self),
                source,
            },
        }
    }

    /// A documented error status without a body.
    pub fn error_empty<E>(self, error: E) -> Error<E> {
        Error::Api(Box::new(self.with_body(error)))
    }

    fn with_body<T>(self, body: T) -> ApiResponse<T> {
        let request_id = self.request_id().map(str::to_owned);
        ApiResponse {
            status: self.status,
            headers: self.headers,
            request_id,
            body,
        }
    }
}

impl fmt::Debug for RawResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RawResponse")
            .field("status", &self.status)
            .field("headers", &self.headers)
            .field("body", &String::from_utf8_lossy(&self.body))
            .finish()
    }
}

/// A decoded response: the typed body plus what came with it.
#[derive(Clone, Debug, PartialEq)]
pub struct ApiResponse<T> {
    pub status: StatusCode,
    pub headers: HeaderMap,
    /// The `X-Request-Id` response header, for support requests and logs.
    pub request_id: Option<String>,
    pub body: T,
}

impl<T> ApiResponse<T> {
    pub fn into_body(self) -> T {
        self.body
    }

    /// The same response with its body transformed.
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> ApiResponse<U> {
        ApiResponse {
            status: self.status,
            headers: self.headers,
            request_id: self.request_id,
            body: f(self.body),
        }
    }
}

/// A server URL could not be built from the given variables.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServerError {
    pub variable: &'static str,
    pub value: String,
    pub allowed: &'static [&'static str],
}

impl fmt::Display for ServerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "`{}` is not a known value for server variable `{}` (expected one of: {})",
            self.value,
            self.variable,
            self.allowed.join(", ")
        )
    }
}

impl std::error::Error for ServerError {}

/// Checks one server variable against its allowed values (none: anything goes).
pub fn server_variable(
    variable: &'static str,
    value: &str,
    allowed: &'static [&'static str],
) -> Result<String, ServerError> {
    if allowed.is_empty() || allowed.contains(&value) {
        Ok(value.to_owned())
    } else {
        Err(ServerError {
            variable,
            value: value.to_owned(),
            allowed,
        })
    }
}

impl<T> std::ops::Deref for ApiResponse<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.body
    }
}

/// Why a call failed. `E` is the operation's enum of documented error statuses.
#[derive(Debug)]
pub enum Error<E> {
    /// The request broke a constraint of the spec; nothing was sent.
    Validation(ValidationError),
    /// The request could not be built (a bad base URL or header value).
    InvalidRequest(String),
    /// The authenticator refused to apply credentials; nothing was sent.
    Auth(AuthError),
    /// The server answered with a documented error status.
    Api(Box<ApiResponse<E>>),
    /// The server answered with a status the spec does not document.
    UnexpectedStatus(Box<RawResponse>),
    /// The body of a documented status did not match its schema.
    Decode {
        response: Box<RawResponse>,
        source: serde_json::Error,
    },
    /// The request could not be sent or the response not read.
    Transport(reqwest::Error),
}

impl<E> Error<E> {
    /// The HTTP status, when a response arrived.
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            Error::Api(r) => Some(r.status),
            Error::UnexpectedStatus(r) | Error::Decode { response: r, .. } => Some(r.status),
            _ => None,
        }
    }

    /// The server's request id, when a response arrived with one.
    pub fn request_id(&self) -> Option<&str> {
        match self {
            Error::Api(r) => r.request_id.as_deref(),
            Error::UnexpectedStatus(r) | Error::Decode { response: r, .. } => r.request_id(),
            _ => None,
        }
    }
}

impl<E> From<ValidationError> for Error<E> {
    fn from(e: ValidationError) -> Self {
        Error::Validation(e)
    }
}

impl<E: fmt::Display> fmt::Display for Error<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let id = |f: &mut fmt::Formatter<'_>, id: Option<&str>| match id {
            Some(id) => write!(f, " (request id {id})"),
            None => Ok(()),
        };
        match self {
            Error::Validation(e) => write!(f, "{e}"),
            Error::InvalidRequest(m) => write!(f, "the request cannot be built: {m}"),
            Error::Auth(e) => write!(f, "{e}"),
            Error::Api(r) => {
                write!(f, "the server answered {}: {}", r.status, r.body)?;
                id(f, r.request_id.as_deref())
            }
            Error::UnexpectedStatus(r) => {
                write!(
                    f,
                    "the server answered {}, which the API does not document: {}",
                    r.status,
                    String::from_utf8_lossy(&r.body)
                )?;
                id(f, r.request_id())
            }
            Error::Decode { response, source } => {
                write!(
                    f,
                    "the {} response body does not match the API: {source}",
                    response.status
                )?;
                id(f, response.request_id())
            }
            Error::Transport(e) => write!(f, "the request failed: {e}"),
        }
    }
}

impl<E: fmt::Debug + fmt::Display> std::error::Error for Error<E> {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Validation(e) => Some(e),
            Error::Auth(e) => Some(e),
            Error::Decode { source, .. } => Some(source),
            Error::Transport(e) => Some(e),
            _ => None,
        }
    }
}
