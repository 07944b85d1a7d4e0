//! What generated clients share: configuration, request building, sending,
//! and the typed outcome of a call.
//!
//! An outcome is decided by the status code alone: a documented success gives
//! an [`ApiResponse`] with the typed body; a documented error status gives
//! [`Error::Api`] with that status's own typed body; anything else is a
//! separate variant that keeps the raw bytes.
//!
//! Around each call: a [`RetryPolicy`] decides which failed attempts are
//! tried again (by default only connection failures, which never reached the
//! server); every attempt is built afresh from the call's bytes and
//! authenticated again (a signature gets a fresh date); [`Interceptor`]s see
//! each attempt's request and response; and a `tracing` span per call
//! records the operation, method, path template, URL path, attempts, status,
//! request id and duration, never a credential, a query string or a body.
//!
//! A binary body streams ([`ByteStream`]): a request body is sent from
//! bytes, a file or any stream of bytes, and a binary response is handed to
//! the caller once its headers are in, its body read as the caller reads
//! it. Only bodies the client buffers and decodes (JSON, text, forms, error
//! bodies) are held by the body limit
//! ([`ClientConfig::with_max_response_body`]); for a streamed response the
//! total timeout covers the call up to the response headers, and the stream
//! has an idle timeout between chunks of its own
//! ([`ClientConfig::with_stream_idle_timeout`]).
//!
//! Hooks are a small trait here rather than a middleware stack such as
//! `reqwest-middleware`: the HTTP client callers configure stays a plain
//! `reqwest::Client`, and a hook sees what only this runtime knows (the
//! operation id and path template, the attempt number).

use std::borrow::Cow;
use std::convert::Infallible;
use std::fmt;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant, SystemTime};

use backon::{BackoffBuilder, ExponentialBuilder, Retryable};
use bytes::Bytes;
use tracing::field::Empty;
use tracing::Instrument;

use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use reqwest::header::{
    HeaderMap, HeaderName, HeaderValue, CONTENT_LENGTH, CONTENT_TYPE, COOKIE, RETRY_AFTER,
};
use reqwest::{Method, StatusCode, Url};
use serde::de::DeserializeOwned;
use serde::Serialize;

pub use super::stream::{ByteStream, ByteStreamError, ByteStreamErrorKind};

/// A boxed, sendable future.
pub type BoxFuture<'a, T> = std::pin::Pin<Box<dyn std::future::Future<Output = T> + Send + 'a>>;

/// How an operation turns the response to its call into its outcome.
pub type Decode<T, E> = fn(RawResponse) -> Result<ApiResponse<T>, Error<E>>;

/// How an operation whose response body may stream
/// ([`Call::stream_response`]) turns the response into its outcome: the
/// response (its body empty when it streams) and the stream, when the
/// status was one that streams.
pub type StreamDecode<T, E> =
    fn(RawResponse, Option<ByteStream>) -> Result<ApiResponse<T>, Error<E>>;

/// What one attempt received: the response, and its body as a stream when
/// the call streams that status.
type Received = (RawResponse, Option<ByteStream>);

/// A request on its way: what a request builder's `send()` (and its
/// `.await`) gives. Awaiting it sends the request (the part that is the
/// same for every operation: retries, authentication, limits, spans) and
/// decodes the answer with the operation's own `decode`; a request that
/// could not be built resolves to that error without sending anything.
///
/// One type for every operation, so a generated client holds no async
/// function of its own.
#[must_use = "a request does nothing until it is awaited"]
pub struct Sending<'a, T, E> {
    state: SendingState<'a, T, E>,
}

enum SendingState<'a, T, E> {
    Sent {
        future: BoxFuture<'a, Result<Received, Untyped>>,
        decode: Decoder<T, E>,
    },
    /// The request could not be built; `None` once that was returned.
    Refused(Option<Error<E>>),
}

/// An operation's decoding function, of either kind.
enum Decoder<T, E> {
    Buffered(Decode<T, E>),
    Streamed(StreamDecode<T, E>),
}

impl<'a, T, E> Sending<'a, T, E> {
    /// Sends `call` with `config` when awaited, and decodes the response
    /// with `decode`; or, when the call could not be built, resolves to
    /// its error.
    pub fn new(
        config: &'a ClientConfig,
        call: Result<Call, Error<E>>,
        decode: Decode<T, E>,
    ) -> Self {
        Self::start(config, call, Decoder::Buffered(decode))
    }

    /// [`new`](Self::new) for a call whose response body may stream
    /// ([`Call::stream_response`]): `decode` receives the stream beside
    /// the response.
    pub fn streaming(
        config: &'a ClientConfig,
        call: Result<Call, Error<E>>,
        decode: StreamDecode<T, E>,
    ) -> Self {
        Self::start(config, call, Decoder::Streamed(decode))
    }

    fn start(
        config: &'a ClientConfig,
        call: Result<Call, Error<E>>,
        decode: Decoder<T, E>,
    ) -> Self {
        let state = match call {
            Ok(call) => SendingState::Sent {
                future: Box::pin(config.execute_untyped(call)),
                decode,
            },
            Err(error) => SendingState::Refused(Some(error)),
        };
        Sending { state }
    }
}

impl<T, E> std::future::Future for Sending<'_, T, E> {
    type Output = Result<ApiResponse<T>, Error<E>>;

    fn poll(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Self::Output> {
        use std::task::Poll;
        match &mut self.get_mut().state {
            SendingState::Sent { future, decode } => match future.as_mut().poll(cx) {
                Poll::Ready(Ok((response, stream))) => Poll::Ready(match decode {
                    Decoder::Buffered(decode) => decode(response),
                    Decoder::Streamed(decode) => decode(response, stream),
                }),
                Poll::Ready(Err(error)) => Poll::Ready(Err(error.widen())),
                Poll::Pending => Poll::Pending,
            },
            SendingState::Refused(error) => match error.take() {
                Some(error) => Poll::Ready(Err(error)),
                None => panic!("`Sending` polled after it completed"),
            },
        }
    }
}

impl<T, E> fmt::Debug for Sending<'_, T, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = match self.state {
            SendingState::Sent { .. } => "sent",
            SendingState::Refused(_) => "refused",
        };
        f.debug_struct("Sending").field("state", &state).finish()
    }
}

use super::auth::{AuthError, Authenticator, NoAuth};
use super::metadata::ErrorMetadata;
use super::style::{In, Param, StyleError};
use super::validation::ValidationError;

/// The header carrying the server's id for a request.
pub const REQUEST_ID_HEADER: &str = "x-request-id";

/// How long the default HTTP client waits for a connection to open.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// How long one request may take from start to the last byte of the
/// response body, unless configured otherwise. The official Huawei Cloud
/// SDKs use 60 to 120 seconds; this is the lower end.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);

/// The largest response body read, unless configured otherwise: 16 MiB.
/// A streamed (binary) response body is not held by it.
pub const DEFAULT_MAX_RESPONSE_BODY: usize = 16 << 20;

/// How long a streamed response body may go without a chunk, unless
/// configured otherwise: 30 seconds.
pub const DEFAULT_STREAM_IDLE_TIMEOUT: Duration = Duration::from_secs(30);

/// The request timeout given to `reqwest` for a call whose response
/// streams: in effect none (reqwest's would bound the body), as the call's
/// own timeout bounds it up to the response headers.
const NO_TRANSPORT_TIMEOUT: Duration = Duration::from_secs(100 * 365 * 24 * 3600);

/// Where and how a client sends its requests. Cheap to clone; clones share
/// one connection pool.
///
/// The defaults protect the caller from a misbehaving server or network:
/// a connect timeout ([`DEFAULT_CONNECT_TIMEOUT`]), a total timeout per
/// request ([`DEFAULT_TIMEOUT`]), a cap on the response body read
/// ([`DEFAULT_MAX_RESPONSE_BODY`]), and redirects never followed, so
/// credentials go to the configured host only.
#[derive(Clone, Debug)]
pub struct ClientConfig {
    base_url: String,
    /// `base_url` parsed once (or why it cannot be a base), so that a call
    /// only appends its path.
    base: Result<Url, String>,
    http: Http,
    auth: Arc<dyn Authenticator>,
    timeout: Duration,
    connect_timeout: Duration,
    max_response_body: usize,
    stream_idle_timeout: Duration,
    retry: RetryPolicy,
    interceptors: Vec<Arc<dyn Interceptor>>,
}

/// Makes sure rustls has a process-wide crypto provider: when none is
/// installed yet, installs `ring`'s
/// ([`rustls::crypto::ring::default_provider`]). A provider the application
/// installed earlier (such as `aws-lc-rs`, for post-quantum key exchange or
/// FIPS) is kept and used. Cheap and idempotent;
/// [`ClientConfig::http_client_builder`] calls it.
///
/// `reqwest` is built without a provider of its own (its `aws-lc-rs` one
/// compiles a large C library; unless another dependency turns on
/// reqwest's `rustls` feature), and then panics when asked to build a
/// client while the process has none.
pub fn install_crypto_provider() {
    if rustls::crypto::CryptoProvider::get_default().is_none() {
        // Losing a race to another thread's installation is fine: either
        // way the process has a provider. rustls 0.23.48 deprecates `ring`'s
        // provider (it has no post-quantum key exchange); it stays the
        // default here because `aws-lc-rs` compiles a large C library, and
        // an application that wants post-quantum key exchange installs
        // that provider first (see above).
        #[allow(deprecated)]
        let provider = rustls::crypto::ring::default_provider();
        let _ = provider.install_default();
    }
}

/// The HTTP client requests go through.
#[derive(Clone, Debug)]
enum Http {
    /// Built from [`ClientConfig::http_client_builder`] on first use; the
    /// clones of one configuration share it. A build failure is kept and
    /// reported by every call.
    Default(Arc<OnceLock<Result<reqwest::Client, String>>>),
    /// Given by the caller.
    Caller(reqwest::Client),
}

impl ClientConfig {
    /// A configuration for `base_url` (scheme, host and optional path prefix)
    /// with the default HTTP client (rustls, no redirects), the default
    /// limits and no credentials.
    pub fn new(base_url: impl Into<String>) -> Self {
        let mut base_url = base_url.into();
        while base_url.ends_with('/') {
            base_url.pop();
        }
        let base = match Url::parse(&base_url) {
            Ok(url) if url.cannot_be_a_base() => Err(format!(
                "invalid base URL `{base_url}`: it cannot have a path"
            )),
            Ok(url) if url.query().is_some() || url.fragment().is_some() => Err(format!(
                "invalid base URL `{base_url}`: it has a query or fragment"
            )),
            Ok(url) => Ok(url),
            Err(e) => Err(format!("invalid base URL `{base_url}`: {e}")),
        };
        ClientConfig {
            base_url,
            base,
            http: Http::Default(Arc::default()),
            auth: Arc::new(NoAuth),
            timeout: DEFAULT_TIMEOUT,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            max_response_body: DEFAULT_MAX_RESPONSE_BODY,
            stream_idle_timeout: DEFAULT_STREAM_IDLE_TIMEOUT,
            retry: RetryPolicy::default(),
            interceptors: Vec::new(),
        }
    }

    /// A `reqwest` client builder with the defaults of this runtime: no
    /// redirects, a connect timeout of [`DEFAULT_CONNECT_TIMEOUT`], a total
    /// timeout of [`DEFAULT_TIMEOUT`] and rustls, which verifies servers
    /// against the platform's trust store (no OpenSSL). It first calls
    /// [`install_crypto_provider`], so the client it builds has a rustls
    /// crypto provider. Extend it (proxy, user agent, pool settings, extra
    /// root certificates) and pass the client to
    /// [`with_http_client`](Self::with_http_client):
    ///
    /// ```ignore
    /// let http = ClientConfig::http_client_builder()
    ///     .proxy(reqwest::Proxy::https("http://proxy.example:3128")?)
    ///     .user_agent("my-tool/1.0")
    ///     .build()?;
    /// let config = ClientConfig::new(base_url)
    ///     .with_http_client(http)
    ///     .with_timeout(Duration::from_secs(30));
    /// ```
    ///
    /// Keep the redirect policy: a followed redirect would carry the
    /// request's credentials to whatever host the `Location` names.
    pub fn http_client_builder() -> reqwest::ClientBuilder {
        install_crypto_provider();
        reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(DEFAULT_CONNECT_TIMEOUT)
            .timeout(DEFAULT_TIMEOUT)
            .tls_backend_rustls()
    }

    /// Uses a caller-built HTTP client (proxies, user agent, connection
    /// pools), best started from [`http_client_builder`](Self::http_client_builder).
    ///
    /// - TLS: `reqwest` is built with rustls but without a crypto provider
    ///   of its own; building a client from `reqwest::Client::builder()`
    ///   panics unless the process has one. `http_client_builder` installs
    ///   one; otherwise call [`install_crypto_provider`] first (or install
    ///   your own, as an application may).
    /// - Redirects: build it with `redirect(reqwest::redirect::Policy::none())`
    ///   (as `http_client_builder` does). The API documents no redirects; a
    ///   followed one carries credentials such as an `X-Auth-Token` header to
    ///   the host the `Location` names. A response that arrives from another
    ///   origin (scheme, host, port) than the request's is refused with
    ///   [`Error::Redirected`], never decoded, but by then the credentials
    ///   have been sent.
    /// - Timeouts: the configuration's total timeout
    ///   ([`with_timeout`](Self::with_timeout), [`DEFAULT_TIMEOUT`] unless
    ///   set) bounds every request and replaces a `timeout` set on the
    ///   client's builder; the connect timeout is the client's own
    ///   ([`with_connect_timeout`](Self::with_connect_timeout) configures
    ///   only the default client).
    pub fn with_http_client(mut self, http: reqwest::Client) -> Self {
        self.http = Http::Caller(http);
        self
    }

    /// Bounds each request, from its start to the last byte of the response
    /// body (default [`DEFAULT_TIMEOUT`], 60 seconds). Applies to a
    /// caller-built client too.
    ///
    /// A response body that streams ([`ByteStream`]) is not bounded by it:
    /// there it covers the request up to the response headers, and the
    /// stream has its own idle timeout
    /// ([`with_stream_idle_timeout`](Self::with_stream_idle_timeout)).
    ///
    /// The timeout bounds each attempt, not the call: with retries, a call
    /// takes at most `max_attempts` times the timeout plus the waits
    /// between attempts ([`RetryPolicy`]). An attempt that times out after
    /// connecting is not retried (the server may have acted on it).
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// How long the default HTTP client waits for a connection to open
    /// (default [`DEFAULT_CONNECT_TIMEOUT`], 10 seconds). A caller-built
    /// client keeps the connect timeout of its own builder.
    pub fn with_connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        if let Http::Default(_) = self.http {
            // A fresh default client, built with this timeout.
            self.http = Http::Default(Arc::default());
        }
        self
    }

    /// The largest response body read, in bytes (default
    /// [`DEFAULT_MAX_RESPONSE_BODY`], 16 MiB). The body is read chunk by
    /// chunk and reading stops as soon as it is over the limit, with
    /// [`Error::BodyTooLarge`]; a larger `Content-Length` fails at once.
    ///
    /// It holds the bodies the client reads whole and decodes (JSON, text,
    /// forms, every error body), not a binary response, which streams
    /// ([`ByteStream`]; [`ByteStream::collect_limited`] reads one whole
    /// within a limit of the caller's).
    pub fn with_max_response_body(mut self, bytes: usize) -> Self {
        self.max_response_body = bytes;
        self
    }

    /// How long a streamed response body ([`ByteStream`]) may go without a
    /// chunk (default [`DEFAULT_STREAM_IDLE_TIMEOUT`], 30 seconds): the
    /// timer starts when the response headers are in and restarts with
    /// every chunk; when it runs out the stream yields
    /// [`ByteStreamErrorKind::IdleTimeout`] and ends, closing the
    /// connection. A slow but steady download is never cut off.
    pub fn with_stream_idle_timeout(mut self, timeout: Duration) -> Self {
        self.stream_idle_timeout = timeout;
        self
    }

    /// The idle timeout of streamed response bodies.
    pub fn stream_idle_timeout(&self) -> Duration {
        self.stream_idle_timeout
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

    /// Which failed attempts are tried again, how often and how long to
    /// wait (default [`RetryPolicy::default`]: connection failures only).
    pub fn with_retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// Adds a hook that sees every attempt's request and response, after
    /// those added before it.
    pub fn with_interceptor(mut self, interceptor: impl Interceptor + 'static) -> Self {
        self.interceptors.push(Arc::new(interceptor));
        self
    }

    /// The retry policy.
    pub fn retry_policy(&self) -> &RetryPolicy {
        &self.retry
    }

    /// A non-secret value that comes with the configured credentials
    /// (`"project_id"`, `"domain_id"`), as [`Authenticator::credential`]
    /// gives it; `None` without credentials or without that value.
    pub fn credential(&self, name: &str) -> Option<&str> {
        self.auth.credential(name)
    }

    /// `value` if set, else the credentials' `name`; a [`BuildError`]
    /// saying that `what` (`` the path parameter
    /// `project_id` ``) is missing when neither is there.
    pub fn credential_or<'v>(
        &'v self,
        value: Option<&'v str>,
        name: &str,
        what: &str,
    ) -> Result<&'v str, BuildError> {
        value.or_else(|| self.credential(name)).ok_or_else(|| {
            BuildError(format!(
                "{what} is not set and the credentials carry no `{name}`"
            ))
        })
    }

    /// The URL every request path is appended to.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The total timeout of each request.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// The connect timeout of the default HTTP client.
    pub fn connect_timeout(&self) -> Duration {
        self.connect_timeout
    }

    /// The largest response body read, in bytes.
    pub fn max_response_body(&self) -> usize {
        self.max_response_body
    }

    /// Starts a request for `operation`, the `{name}` placeholders of its
    /// template filled in order with `params`, each percent-encoded (see
    /// [`encode_path`]).
    pub fn start(&self, operation: Operation, params: &[&str]) -> Result<Call, BuildError> {
        let encoded: Vec<String> = params.iter().map(|p| encode_path(p)).collect();
        self.start_encoded(operation, &encoded)
    }

    /// Starts a request for `operation`, the `{name}` placeholders of its
    /// template filled in order with `values`, each already written as its
    /// parameter's style says ([`Param::path_value`](super::style::Param::path_value)).
    pub fn start_encoded(
        &self,
        operation: Operation,
        params: &[String],
    ) -> Result<Call, BuildError> {
        let mut path = String::with_capacity(operation.template.len());
        let mut params = params.iter();
        let mut rest = operation.template;
        while let Some(open) = rest.find('{') {
            let Some(len) = rest[open..].find('}') else {
                break;
            };
            let Some(value) = params.next() else {
                return Err(BuildError(format!(
                    "a value is missing for `{}` in `{}`",
                    &rest[open..open + len + 1],
                    operation.template
                )));
            };
            path.push_str(&rest[..open]);
            path.push_str(value);
            rest = &rest[open + len + 1..];
        }
        path.push_str(rest);
        if params.next().is_some() {
            return Err(BuildError(format!(
                "more values than placeholders in `{}`",
                operation.template
            )));
        }
        self.request(operation, &path)
    }

    /// Starts a request for `operation` to `path` (its template expanded,
    /// each parameter encoded) below the base URL.
    pub fn request(&self, operation: Operation, path: &str) -> Result<Call, BuildError> {
        let base = self.base.as_ref().map_err(|e| BuildError(e.clone()))?;
        let prefix = base.path().trim_end_matches('/');
        let mut full = String::with_capacity(prefix.len() + path.len());
        full.push_str(prefix);
        full.push_str(path);
        let mut url = base.clone();
        url.set_path(&full);
        // `.` and `..` path parameters would be resolved away by URL parsing
        // and reach another endpoint.
        if !url.path().ends_with(path) {
            return Err(BuildError(format!(
                "a path parameter in `{path}` would change the endpoint (`.` and `..` cannot be sent)"
            )));
        }
        Ok(Call {
            operation,
            url,
            headers: HeaderMap::new(),
            content_type: None,
            body: None,
            stream: None,
            stream_statuses: &[],
        })
    }

    /// Sends a call: each attempt is built from the call, passed to the
    /// interceptors, authenticated, sent, and its response body read up to
    /// the configured limit within the configured timeout; failed attempts
    /// are retried as the [`RetryPolicy`] says. A status the policy retries
    /// that is still there after the last attempt is returned as a response.
    ///
    /// A call that asked for its response to stream
    /// ([`Call::stream_response`]) is read whole here, as any other; use
    /// [`Sending::streaming`] to receive the stream.
    pub async fn execute<E>(&self, mut call: Call) -> Result<RawResponse, Error<E>> {
        call.stream_statuses = &[];
        match self.execute_untyped(call).await {
            Ok((response, _)) => Ok(response),
            Err(error) => Err(error.widen()),
        }
    }

    /// [`execute`](Self::execute) before its errors are typed: the same for
    /// every operation, so it is compiled once rather than once per error
    /// type.
    async fn execute_untyped(&self, call: Call) -> Result<Received, Untyped> {
        let http = self.http_client()?;
        let operation = &call.operation;
        let span = tracing::info_span!(
            "request",
            operation = operation.id,
            method = %operation.method,
            template = operation.template,
            path = call.url.path(),
            attempts = Empty,
            status = Empty,
            request_id = Empty,
            duration_ms = Empty,
        );
        let started = Instant::now();
        let attempts = AtomicU32::new(0);
        let policy = &self.retry;
        let outcome = (|| {
            let attempt = attempts.fetch_add(1, Ordering::Relaxed) + 1;
            // Boxed: the retry machinery around it stays small, and so
            // does each allocation.
            Box::pin(self.attempt(http, &call, attempt))
        })
        .retry(policy.backoff())
        // A one-shot body went with the first attempt: nothing is retried.
        .when(|failure| {
            call.is_replayable()
                && match failure {
                    Failure::Status(..) => true,
                    Failure::Error(error) => is_connect_failure(error),
                }
        })
        .adjust(|failure, delay| match failure {
            Failure::Status(received) => policy.delay_for(&received.0, delay),
            Failure::Error(_) => delay,
        })
        .notify(|failure, delay| {
            let reason = match failure {
                Failure::Status(received) => received.0.status.as_u16().to_string(),
                Failure::Error(_) => "connection failed".to_owned(),
            };
            tracing::debug!(reason, delay_ms = millis(delay), "retrying");
        })
        .instrument(span.clone())
        .await;
        span.record("attempts", attempts.load(Ordering::Relaxed));
        span.record("duration_ms", millis(started.elapsed()));
        let received = match outcome {
            Ok(received) => received,
            Err(Failure::Status(received)) => *received,
            Err(Failure::Error(error)) => return Err(error),
        };
        record_response(&span, &received.0);
        Ok(received)
    }

    /// One attempt of a call, in its own span.
    async fn attempt(
        &self,
        http: &reqwest::Client,
        call: &Call,
        attempt: u32,
    ) -> Result<Received, Failure> {
        let span = tracing::debug_span!(
            "attempt",
            attempt,
            status = Empty,
            request_id = Empty,
            error = Empty
        );
        let info = CallInfo {
            operation: &call.operation,
            attempt,
        };
        let outcome = self.send(http, call, &info).instrument(span.clone()).await;
        match &outcome {
            Ok((response, _)) => {
                record_response(&span, response);
                for hook in &self.interceptors {
                    hook.on_response(response, &info);
                }
            }
            Err(error) => {
                span.record("error", error_kind(error));
                if let Error::Transport(e) | Error::Timeout { source: e, .. } = error {
                    for hook in &self.interceptors {
                        hook.on_transport_error(e, &info);
                    }
                }
            }
        }
        match outcome {
            Ok(received)
                if self
                    .retry
                    .retries(&call.operation.method, received.0.status) =>
            {
                Err(Failure::Status(Box::new(received)))
            }
            Ok(received) => Ok(received),
            Err(error) => Err(Failure::Error(error)),
        }
    }

    /// Builds, authenticates and sends one attempt, then reads the response
    /// body up to the configured limit, all within the configured timeout;
    /// or, for a status the call streams, hands the body on as a stream
    /// once the headers are in (the timeout then covers the headers).
    async fn send(
        &self,
        http: &reqwest::Client,
        call: &Call,
        info: &CallInfo<'_>,
    ) -> Result<Received, Untyped> {
        let mut request = reqwest::Request::new(call.operation.method.clone(), call.url.clone());
        // Room for what the interceptors and the credentials add, so that
        // adding them does not grow the map.
        let headers = request.headers_mut();
        headers.reserve(call.headers.len() + 4);
        for (name, value) in &call.headers {
            headers.append(name, value.clone());
        }
        if let Some(content_type) = &call.content_type {
            headers.insert(CONTENT_TYPE, content_type.clone());
        }
        if let Some(body) = &call.body {
            *request.body_mut() = Some(body.clone().into());
        } else if let Some(stream) = &call.stream {
            let body = stream.for_attempt().ok_or_else(|| {
                Error::InvalidRequest(
                    "the one-shot request body was already sent; it cannot be sent again"
                        .to_owned(),
                )
            })?;
            match body {
                Streamed::Bytes(body) => {
                    if let Some(len) = body.len() {
                        request
                            .headers_mut()
                            .insert(CONTENT_LENGTH, HeaderValue::from(len));
                    }
                    *request.body_mut() = Some(reqwest::Body::wrap_stream(body));
                }
                Streamed::Form(form) => {
                    let form = form
                        .into_reqwest()
                        .map_err(|e| Error::InvalidRequest(e.to_string()))?;
                    // reqwest writes a form only through a request builder:
                    // its body and headers (the boundary, and the length
                    // when every part's is known) are taken from one.
                    let mut built = http
                        .request(Method::POST, call.url.clone())
                        .multipart(form)
                        .build()
                        .map_err(|e| Error::InvalidRequest(e.to_string()))?;
                    for name in [CONTENT_TYPE, CONTENT_LENGTH] {
                        if let Some(value) = built.headers_mut().remove(&name) {
                            request.headers_mut().insert(name, value);
                        }
                    }
                    *request.body_mut() = built.body_mut().take();
                }
            }
        }
        let streams = !call.stream_statuses.is_empty();
        *request.timeout_mut() = Some(if streams {
            NO_TRANSPORT_TIMEOUT
        } else {
            self.timeout
        });
        for hook in &self.interceptors {
            hook.on_request(&mut request, info);
        }
        // The URL as the interceptors left it, before credentials (which
        // may add a query parameter) are added.
        let from: Cow<'_, Url> = if self.interceptors.is_empty() {
            Cow::Borrowed(&call.url)
        } else {
            Cow::Owned(request.url().clone())
        };
        self.auth.authenticate(&mut request).map_err(Error::Auth)?;
        let started = Instant::now();
        let response = if streams {
            match tokio::time::timeout(self.timeout, http.execute(request)).await {
                Ok(response) => response,
                Err(_) => {
                    return Err(Error::ResponseTimeout {
                        after: self.timeout,
                    })
                }
            }
        } else {
            http.execute(request).await
        };
        let mut response = response.map_err(|e| self.transport(e, &from, started))?;
        let status = response.status();
        // Only a client that follows redirects gets here with another origin.
        if !same_origin(response.url(), &from) {
            return Err(Error::Redirected {
                from: Box::new(from.into_owned()),
                to: Box::new(response.url().clone()),
                status,
            });
        }
        let headers = std::mem::take(response.headers_mut());
        if call.streams(status) {
            let len = response.content_length();
            let url = from.into_owned();
            let chunks = ResponseChunks {
                body: Box::pin(response.bytes_stream()),
                url,
            };
            let stream =
                ByteStream::from_chunks(chunks, len).with_idle_timeout(self.stream_idle_timeout);
            let response = RawResponse {
                status,
                headers,
                body: Vec::new(),
            };
            return Ok((response, Some(stream)));
        }
        let limit = self.max_response_body;
        let too_large = |status, headers| Error::BodyTooLarge {
            status,
            headers,
            limit,
        };
        let declared = response.content_length();
        if declared.is_some_and(|n| n > limit as u64) {
            return Err(too_large(status, headers));
        }
        let mut body = Vec::with_capacity(declared.map_or(0, |n| n as usize));
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|e| self.transport(e, &from, started))?
        {
            if chunk.len() > limit - body.len() {
                return Err(too_large(status, headers));
            }
            body.extend_from_slice(&chunk);
        }
        let response = RawResponse {
            status,
            headers,
            body,
        };
        Ok((response, None))
    }

    /// The HTTP client to send with: the caller's, or the default one, built
    /// on first use.
    fn http_client(&self) -> Result<&reqwest::Client, Untyped> {
        match &self.http {
            Http::Caller(http) => Ok(http),
            Http::Default(cell) => cell
                .get_or_init(|| {
                    Self::http_client_builder()
                        .connect_timeout(self.connect_timeout)
                        .build()
                        .map_err(|e| error_chain(&e))
                })
                .as_ref()
                .map_err(|e| {
                    Error::InvalidRequest(format!("the default HTTP client cannot be built: {e}"))
                }),
        }
    }

    /// Sorts a `reqwest` failure: a timeout names the limit that ran out.
    fn transport(&self, error: reqwest::Error, url: &Url, started: Instant) -> Untyped {
        // Errors reading the body come without the URL.
        let error = match error.url() {
            Some(_) => error,
            None => error.with_url(url.clone()),
        };
        if !error.is_timeout() {
            return Error::Transport(error);
        }
        let elapsed = started.elapsed();
        let after = if error.is_connect() && matches!(self.http, Http::Default(_)) {
            self.connect_timeout
        } else if elapsed >= self.timeout {
            self.timeout
        } else {
            // A limit of a caller-built client: say how long it took.
            Duration::from_millis(elapsed.as_millis().try_into().unwrap_or(u64::MAX))
        };
        Error::Timeout {
            after,
            source: error,
        }
    }
}

/// What a generated method tells the runtime about its operation: for
/// tracing, hooks and the retry policy (which looks at the method).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Operation {
    /// The document's `operationId`.
    pub id: &'static str,
    /// The HTTP method.
    pub method: Method,
    /// The path template as documented (`/v2/{project_id}/things`): the
    /// span records it rather than the ids a path carries.
    pub template: &'static str,
}

impl Operation {
    /// An operation as its generated method describes it.
    pub const fn new(id: &'static str, method: Method, template: &'static str) -> Self {
        Operation {
            id,
            method,
            template,
        }
    }

    /// A `GET` operation.
    pub const fn get(id: &'static str, template: &'static str) -> Self {
        Self::new(id, Method::GET, template)
    }

    /// A `PUT` operation.
    pub const fn put(id: &'static str, template: &'static str) -> Self {
        Self::new(id, Method::PUT, template)
    }

    /// A `POST` operation.
    pub const fn post(id: &'static str, template: &'static str) -> Self {
        Self::new(id, Method::POST, template)
    }

    /// A `DELETE` operation.
    pub const fn delete(id: &'static str, template: &'static str) -> Self {
        Self::new(id, Method::DELETE, template)
    }

    /// A `OPTIONS` operation.
    pub const fn options(id: &'static str, template: &'static str) -> Self {
        Self::new(id, Method::OPTIONS, template)
    }

    /// A `HEAD` operation.
    pub const fn head(id: &'static str, template: &'static str) -> Self {
        Self::new(id, Method::HEAD, template)
    }

    /// A `PATCH` operation.
    pub const fn patch(id: &'static str, template: &'static str) -> Self {
        Self::new(id, Method::PATCH, template)
    }

    /// A `TRACE` operation.
    pub const fn trace(id: &'static str, template: &'static str) -> Self {
        Self::new(id, Method::TRACE, template)
    }

    /// An operation with a method that has no constant of its own: OpenAPI
    /// 3.2's `QUERY`, or a method of `additionalOperations` (`COPY`,
    /// `PURGE`), sent as written. A [`BuildError`] when `method` is not an
    /// HTTP method name.
    pub fn other(
        id: &'static str,
        method: &'static str,
        template: &'static str,
    ) -> Result<Self, BuildError> {
        let method = Method::from_bytes(method.as_bytes())
            .map_err(|_| BuildError(format!("`{method}` is not an HTTP method name")))?;
        Ok(Self::new(id, method, template))
    }
}

/// What a hook knows about the attempt it sees.
#[derive(Clone, Copy, Debug)]
pub struct CallInfo<'a> {
    /// The operation being called.
    pub operation: &'a Operation,
    /// 1 for the first attempt, 2 for the first retry, and so on.
    pub attempt: u32,
}

/// A hook on every attempt of every call (`ClientConfig::with_interceptor`).
///
/// `on_request` runs before the authenticator, so a header it adds is
/// signed with the rest, and it never sees the credentials. `on_response`
/// sees each response with its whole body, a retried one too;
/// `on_transport_error` each attempt that got no response (a timeout among
/// them). Hooks cannot fail a call: they observe and decorate.
///
/// A small trait rather than a middleware stack (`reqwest-middleware`): the
/// HTTP client a caller configures stays a plain `reqwest::Client`, and a
/// hook gets the operation id, path template and attempt number.
pub trait Interceptor: Send + Sync + fmt::Debug {
    /// Called with each attempt's request before it is authenticated and sent.
    fn on_request(&self, request: &mut reqwest::Request, info: &CallInfo<'_>) {
        let _ = (request, info);
    }

    /// Called with each response received, its body read.
    fn on_response(&self, response: &RawResponse, info: &CallInfo<'_>) {
        let _ = (response, info);
    }

    /// Called for each attempt that failed without a response.
    fn on_transport_error(&self, error: &reqwest::Error, info: &CallInfo<'_>) {
        let _ = (error, info);
    }
}

/// The statuses worth retrying when the caller opts in: too many requests
/// and the gateway and availability errors of a service that is busy or
/// restarting.
pub const TRANSIENT_STATUSES: [u16; 4] = [429, 502, 503, 504];

/// The methods whose requests may be sent twice without harm, whose
/// statuses [`RetryPolicy::retry_statuses`] retries unless told otherwise.
/// `POST` and `DELETE` are not among them: a delete of these APIs is not
/// idempotent; name them with [`RetryPolicy::retry_methods`] to retry them.
pub const IDEMPOTENT_METHODS: [Method; 4] =
    [Method::GET, Method::HEAD, Method::OPTIONS, Method::PUT];

/// Which failed attempts a client tries again, how many times, and how long
/// it waits in between. Retries use `backon`'s exponential backoff with
/// jitter.
///
/// What is retried, exactly:
///
/// - **Connection failures**, for every method: the connection was refused,
///   the host name did not resolve, or connecting timed out. Nothing reached
///   the server. A failure after connecting (a reset, a timeout waiting for
///   the response, a body cut short) is never retried: the server may have
///   acted on the request.
/// - **Statuses**, only those named with [`retry_statuses`](Self::retry_statuses)
///   (none by default; [`TRANSIENT_STATUSES`] is the usual choice), and only
///   for the methods in [`methods`](Self::methods): [`IDEMPOTENT_METHODS`]
///   unless [`retry_methods`](Self::retry_methods) says otherwise.
///
/// The wait before retry `n` is `min_delay × 2ⁿ⁻¹` plus a random jitter of up
/// to as much again, at most `max_delay`. A retried status's `Retry-After`
/// (seconds or an HTTP date) is waited instead when longer, but never more
/// than `max_delay`. When the attempts run out on a retried status, that
/// response is the call's outcome, as if there had been no retry.
///
/// Every attempt is sent afresh: the body is already bytes, and the
/// authenticator signs each attempt again (a new `X-Sdk-Date`). The total
/// timeout ([`ClientConfig::with_timeout`]) bounds each attempt.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    max_attempts: u32,
    min_delay: Duration,
    max_delay: Duration,
    statuses: Vec<StatusCode>,
    methods: Vec<Method>,
}

impl Default for RetryPolicy {
    /// Connection failures only, 3 attempts in all, waits from 100 ms up to
    /// 20 s: what [`ClientConfig::new`] uses.
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 3,
            min_delay: Duration::from_millis(100),
            max_delay: Duration::from_secs(20),
            statuses: Vec::new(),
            methods: IDEMPOTENT_METHODS.to_vec(),
        }
    }
}

impl RetryPolicy {
    /// One attempt: nothing is retried.
    pub fn none() -> Self {
        RetryPolicy::default().with_max_attempts(1)
    }

    /// How many attempts a call makes at most, the first included (at
    /// least 1).
    pub fn with_max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts.max(1);
        self
    }

    /// The wait before the first retry, and the longest wait (backoff,
    /// jitter and `Retry-After` included).
    pub fn with_delays(mut self, min: Duration, max: Duration) -> Self {
        self.min_delay = min;
        self.max_delay = max.max(min);
        self
    }

    /// Also retries these statuses (for the methods in
    /// [`methods`](Self::methods)), e.g. [`TRANSIENT_STATUSES`]. Codes that
    /// are not HTTP statuses are ignored.
    pub fn retry_statuses(mut self, statuses: impl IntoIterator<Item = u16>) -> Self {
        for code in statuses {
            if let Ok(status) = StatusCode::from_u16(code) {
                if !self.statuses.contains(&status) {
                    self.statuses.push(status);
                }
            }
        }
        self
    }

    /// The methods whose statuses are retried, replacing
    /// [`IDEMPOTENT_METHODS`]. Name `POST` or `DELETE` only for operations
    /// that are safe to repeat.
    pub fn retry_methods(mut self, methods: impl IntoIterator<Item = Method>) -> Self {
        self.methods = methods.into_iter().collect();
        self
    }

    /// Attempts in all, the first included.
    pub fn max_attempts(&self) -> u32 {
        self.max_attempts
    }

    /// The wait before the first retry, before jitter.
    pub fn min_delay(&self) -> Duration {
        self.min_delay
    }

    /// The longest wait between attempts, `Retry-After` included.
    pub fn max_delay(&self) -> Duration {
        self.max_delay
    }

    /// The statuses retried.
    pub fn statuses(&self) -> &[StatusCode] {
        &self.statuses
    }

    /// The methods whose statuses are retried.
    pub fn methods(&self) -> &[Method] {
        &self.methods
    }

    /// Whether a response with `status` to a `method` request is retried.
    pub fn retries(&self, method: &Method, status: StatusCode) -> bool {
        self.statuses.contains(&status) && self.methods.contains(method)
    }

    fn backoff(&self) -> backon::ExponentialBackoff {
        ExponentialBuilder::new()
            .with_jitter()
            .with_factor(2.0)
            .with_min_delay(self.min_delay)
            .with_max_delay(self.max_delay)
            .with_max_times(self.max_attempts.saturating_sub(1) as usize)
            .build()
    }

    /// The wait before retrying `response`: the backoff's, or the
    /// `Retry-After` when longer, at most `max_delay`. `None` (no attempts
    /// left) stays `None`.
    fn delay_for(&self, response: &RawResponse, backoff: Option<Duration>) -> Option<Duration> {
        let backoff = backoff?;
        let wanted = match retry_after(&response.headers, SystemTime::now()) {
            Some(after) => after.max(backoff),
            None => backoff,
        };
        Some(wanted.min(self.max_delay))
    }
}

/// The wait a `Retry-After` header asks for: delta-seconds or an HTTP date
/// (a date in the past: no wait). `None` when absent or unreadable.
pub fn retry_after(headers: &HeaderMap, now: SystemTime) -> Option<Duration> {
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let date = httpdate::parse_http_date(value).ok()?;
    Some(date.duration_since(now).unwrap_or(Duration::ZERO))
}

/// Why an attempt did not give the call's outcome.
enum Failure {
    /// A response with a status the policy retries (and its stream, when
    /// the call streams it).
    Status(Box<Received>),
    Error(Untyped),
}

/// A response body as [`ByteStream`] chunks: a transport error becomes an
/// [`ByteStreamErrorKind::Io`] error naming the URL's origin and path.
struct ResponseChunks {
    body: std::pin::Pin<Box<dyn futures_core::Stream<Item = reqwest::Result<Bytes>> + Send>>,
    url: Url,
}

impl futures_core::Stream for ResponseChunks {
    type Item = Result<Bytes, ByteStreamError>;

    fn poll_next(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Self::Item>> {
        let this = self.get_mut();
        this.body.as_mut().poll_next(cx).map(|item| {
            item.map(|chunk| {
                chunk.map_err(|e| {
                    ByteStreamError::new(
                        ByteStreamErrorKind::Io,
                        format!(
                            "the response body from {} could not be read",
                            without_query(&this.url)
                        ),
                        Some(Box::new(e)),
                    )
                })
            })
        })
    }
}

/// Whether a failure is a connection that never opened: refused, a name
/// that did not resolve, a connect timeout. Nothing reached the server.
fn is_connect_failure(error: &Untyped) -> bool {
    match error {
        Error::Transport(e) | Error::Timeout { source: e, .. } => e.is_connect(),
        _ => false,
    }
}

/// A failure's kind, for the attempt's span (never its text, which can
/// quote a URL).
fn error_kind(error: &Untyped) -> &'static str {
    match error {
        Error::Validation(_) => "validation",
        Error::InvalidRequest(_) => "invalid_request",
        Error::Auth(_) => "auth",
        Error::Api(_) => "api",
        Error::UnexpectedStatus(_) => "unexpected_status",
        Error::Decode { .. } => "decode",
        Error::Redirected { .. } => "redirected",
        Error::ResponseTimeout { .. } => "timeout",
        Error::BodyTooLarge { .. } => "body_too_large",
        Error::Timeout { source, .. } if source.is_connect() => "connect_timeout",
        Error::Timeout { .. } => "timeout",
        Error::Transport(e) if e.is_connect() => "connect",
        Error::Transport(_) => "transport",
    }
}

/// Records a response's status and request id on `span` (looked up only
/// when the span is enabled).
fn record_response(span: &tracing::Span, response: &RawResponse) {
    if span.is_disabled() {
        return;
    }
    span.record("status", response.status.as_u16());
    if let Some(id) = response.request_id() {
        span.record("request_id", id);
    }
}

/// Whether two URLs have the same origin (scheme, host and port), without
/// building either origin.
fn same_origin(a: &Url, b: &Url) -> bool {
    a.scheme() == b.scheme()
        && a.host() == b.host()
        && a.port_or_known_default() == b.port_or_known_default()
}

fn millis(d: Duration) -> u64 {
    d.as_millis().try_into().unwrap_or(u64::MAX)
}

/// A request being assembled by a generated method.
#[derive(Debug)]
pub struct Call {
    operation: Operation,
    url: Url,
    headers: HeaderMap,
    /// The body's media type, kept apart from `headers` (which then stay
    /// empty, and unallocated, for most calls).
    content_type: Option<HeaderValue>,
    /// Shared by the attempts: each sends it without copying.
    body: Option<Bytes>,
    /// A body that streams (from a file or a stream), when `body` is not
    /// set.
    stream: Option<CallStream>,
    /// The statuses (ranges, inclusive) whose response body streams.
    stream_statuses: &'static [(u16, u16)],
}

/// A request body that streams: a file, replayed by every attempt, or a
/// one-shot stream, which the first attempt takes. (In a mutex, as a
/// stream need not be `Sync` and a call is shared by its attempts.)
#[derive(Debug)]
enum CallStream {
    Replayable(std::sync::Mutex<Streamed>),
    OneShot(std::sync::Mutex<Option<Streamed>>),
}

/// What streams: bytes, or a form with parts that may.
#[derive(Debug)]
enum Streamed {
    Bytes(ByteStream),
    Form(super::multipart::Form),
}

impl Streamed {
    fn replay(&self) -> Option<Streamed> {
        match self {
            Streamed::Bytes(b) => b.replay().map(Streamed::Bytes),
            Streamed::Form(f) => f.replay().map(Streamed::Form),
        }
    }
}

impl CallStream {
    /// The body of the next attempt; `None` once a one-shot body is gone.
    fn for_attempt(&self) -> Option<Streamed> {
        match self {
            CallStream::Replayable(stream) => stream.lock().ok()?.replay(),
            CallStream::OneShot(cell) => cell.lock().ok()?.take(),
        }
    }
}

impl Call {
    /// The request's method.
    pub fn method(&self) -> &Method {
        &self.operation.method
    }

    /// The operation the request is for.
    pub fn operation(&self) -> &Operation {
        &self.operation
    }

    /// The URL the request goes to, query included.
    pub fn url(&self) -> &Url {
        &self.url
    }

    /// The header parameters set so far (the body's `Content-Type` is
    /// [`content_type`](Self::content_type); credentials are added when the
    /// call is sent).
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// The body's `Content-Type`, once a body is set.
    pub fn content_type(&self) -> Option<&HeaderValue> {
        self.content_type.as_ref()
    }

    /// The body set so far, if any, when it is bytes in memory (not a
    /// body that streams).
    pub fn body(&self) -> Option<&[u8]> {
        self.body.as_deref()
    }

    /// Whether the body can be sent again by a retry: no body, bytes, or a
    /// file; not a one-shot stream.
    pub fn is_replayable(&self) -> bool {
        !matches!(self.stream, Some(CallStream::OneShot(_)))
    }

    /// Whether the response body of `status` streams.
    fn streams(&self, status: StatusCode) -> bool {
        let code = status.as_u16();
        self.stream_statuses
            .iter()
            .any(|&(lo, hi)| (lo..=hi).contains(&code))
    }

    /// Asks for the response body of the statuses in `statuses` (ranges,
    /// inclusive: `&[(200, 200)]`) as a [`ByteStream`], handed on once the
    /// headers are in (see [`Sending::streaming`]). The configured timeout
    /// then covers the call up to the response headers, and the stream has
    /// the configured idle timeout; the body limit does not apply to it.
    pub fn stream_response(&mut self, statuses: &'static [(u16, u16)]) {
        self.stream_statuses = statuses;
    }

    /// Asks for `media_type` in the response (`Accept`): a sequential
    /// media type, which some servers send only when asked for.
    pub fn accept(&mut self, media_type: &'static str) {
        self.headers.insert(
            reqwest::header::ACCEPT,
            HeaderValue::from_static(media_type),
        );
    }

    /// Sends `body` with `content_type`, as it streams: bytes in memory as
    /// [`bytes`](Self::bytes) would; a file ([`ByteStream::from_path`])
    /// with its `Content-Length`, read again from its start by each
    /// attempt; any other stream ([`ByteStream::from_stream`]) once, with
    /// chunked framing: a call with such a body is **never retried**,
    /// whatever the [`RetryPolicy`] says, since what was sent cannot be
    /// sent again.
    ///
    /// Sending the body comes before the response headers, so the
    /// configured total timeout ([`ClientConfig::with_timeout`]) bounds the
    /// upload: raise it for uploads that take longer.
    ///
    /// A streamed body cannot be hashed for a signature: AK/SK signing
    /// (`SDK-HMAC-SHA256`) sends `X-Sdk-Content-Sha256: UNSIGNED-PAYLOAD`
    /// for it, as it does for every body that is not JSON.
    pub fn stream(&mut self, content_type: &'static str, body: ByteStream) {
        self.content_type = Some(HeaderValue::from_static(content_type));
        if let Some(bytes) = body.as_bytes() {
            self.body = Some(bytes.clone());
            self.stream = None;
        } else {
            self.body = None;
            self.stream = Some(if body.is_replayable() {
                CallStream::Replayable(std::sync::Mutex::new(Streamed::Bytes(body)))
            } else {
                CallStream::OneShot(std::sync::Mutex::new(Some(Streamed::Bytes(body))))
            });
        }
    }

    /// Appends one `name=value` query pair (form encoding).
    pub fn query(&mut self, name: &str, value: &str) {
        self.url.query_pairs_mut().append_pair(name, value);
    }

    /// Writes a query, header or cookie parameter's `value` as `param`
    /// says (see [`style`](super::style)); a `null` value is not sent.
    pub fn param<T: Serialize + ?Sized>(
        &mut self,
        param: &Param,
        value: &T,
    ) -> Result<(), BuildError> {
        match param.location {
            In::Query => {
                let pairs = param.query_pairs(value)?;
                if pairs.is_empty() {
                    return Ok(());
                }
                let mut query = self.url.query().unwrap_or_default().to_owned();
                for (k, v) in pairs {
                    if !query.is_empty() {
                        query.push('&');
                    }
                    query.push_str(&k);
                    query.push('=');
                    query.push_str(&v);
                }
                self.url.set_query(Some(&query));
            }
            In::Header => {
                if let Some(text) = param.header_value(value)? {
                    let name = HeaderName::try_from(param.name).map_err(|_| {
                        BuildError(format!("`{}` is not a header name", param.name))
                    })?;
                    let value = HeaderValue::try_from(text).map_err(|_| {
                        BuildError(format!(
                            "header `{}` has a value that cannot be sent",
                            param.name
                        ))
                    })?;
                    self.headers.append(name, value);
                }
            }
            In::Cookie => {
                let pairs = param.cookie_pairs(value)?;
                if pairs.is_empty() {
                    return Ok(());
                }
                let mut cookie = self
                    .headers
                    .get(COOKIE)
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or_default()
                    .to_owned();
                for (k, v) in pairs {
                    if !cookie.is_empty() {
                        cookie.push_str("; ");
                    }
                    cookie.push_str(&k);
                    cookie.push('=');
                    cookie.push_str(&v);
                }
                let value = HeaderValue::try_from(cookie)
                    .map_err(|_| BuildError(format!("cookie `{}` cannot be sent", param.name)))?;
                self.headers.insert(COOKIE, value);
            }
            In::Path => {
                return Err(BuildError(format!(
                    "`{}` is a path parameter: it fills the template",
                    param.name
                )))
            }
        }
        Ok(())
    }

    /// Sets the whole query string from `value`, a flat object, form-encoded
    /// as a form body is (an OpenAPI 3.2 `in: querystring` parameter of
    /// `application/x-www-form-urlencoded`): `a=1&tags=x&tags=y`.
    pub fn query_string_form<T: Serialize + ?Sized>(
        &mut self,
        value: &T,
    ) -> Result<(), BuildError> {
        let value = serde_json::to_value(value)
            .map_err(|e| BuildError(format!("the query string cannot be serialized: {e}")))?;
        let pairs = form_pairs(&value)
            .ok_or_else(|| BuildError("a form query string must be an object".to_owned()))?;
        let encoded: Vec<String> = pairs
            .iter()
            .map(|(k, v)| format!("{}={}", form_encode(k), form_encode(v)))
            .collect();
        self.set_query_string(&encoded.join("&"));
        Ok(())
    }

    /// Sets the whole query string to `value` as JSON text, percent-encoded
    /// (an OpenAPI 3.2 `in: querystring` parameter of `application/json`).
    pub fn query_string_json<T: Serialize + ?Sized>(
        &mut self,
        value: &T,
    ) -> Result<(), BuildError> {
        let json = serde_json::to_string(value)
            .map_err(|e| BuildError(format!("the query string cannot be serialized: {e}")))?;
        const UNRESERVED: &AsciiSet = &NON_ALPHANUMERIC
            .remove(b'-')
            .remove(b'.')
            .remove(b'_')
            .remove(b'~');
        self.set_query_string(&utf8_percent_encode(&json, UNRESERVED).to_string());
        Ok(())
    }

    fn set_query_string(&mut self, query: &str) {
        self.url.set_query(Some(query).filter(|q| !q.is_empty()));
    }

    /// Sets a header.
    pub fn header(&mut self, name: &'static str, value: &str) -> Result<(), BuildError> {
        let value = HeaderValue::try_from(value)
            .map_err(|_| BuildError(format!("header `{name}` has a value that cannot be sent")))?;
        self.headers.append(HeaderName::from_static(name), value);
        Ok(())
    }

    /// Serializes `body` as the JSON request body with `content_type`.
    pub fn json<T: Serialize + ?Sized>(
        &mut self,
        content_type: &'static str,
        body: &T,
    ) -> Result<(), BuildError> {
        let bytes = serde_json::to_vec(body)
            .map_err(|e| BuildError(format!("the request body cannot be serialized: {e}")))?;
        self.content_type = Some(HeaderValue::from_static(content_type));
        self.body = Some(bytes.into());
        Ok(())
    }

    /// Sends `body`, an object, as an `application/x-www-form-urlencoded`
    /// body. A property named in `fields` (its `encoding` entry) is written
    /// as that parameter says, as a query's would be; any other is written
    /// as `form` does, exploded: an array as repeated keys, an object as
    /// JSON text.
    pub fn form<T: Serialize + ?Sized>(
        &mut self,
        content_type: &'static str,
        body: &T,
        fields: &[Param],
    ) -> Result<(), BuildError> {
        let value = serde_json::to_value(body)
            .map_err(|e| BuildError(format!("the request body cannot be serialized: {e}")))?;
        let serde_json::Value::Object(props) = &value else {
            return Err(BuildError("a form body must be an object".to_owned()));
        };
        let mut encoded: Vec<String> = Vec::with_capacity(props.len());
        for (k, v) in props {
            match fields.iter().find(|f| f.name == k) {
                Some(field) => encoded.extend(
                    field
                        .query_pairs(v)?
                        .into_iter()
                        .map(|(k, v)| format!("{k}={v}")),
                ),
                None => {
                    let mut pairs = Vec::new();
                    push_form_pairs(k, v, &mut pairs);
                    encoded.extend(
                        pairs
                            .iter()
                            .map(|(k, v)| format!("{}={}", form_encode(k), form_encode(v))),
                    );
                }
            }
        }
        self.content_type = Some(HeaderValue::from_static(content_type));
        self.body = Some(encoded.join("&").into());
        Ok(())
    }

    /// Sends a `multipart/form-data` body, written by `reqwest`'s
    /// multipart encoder (the boundary and each part's headers); a file
    /// part streams. As with [`stream`](Self::stream), a form with a
    /// one-shot stream in it is sent once and never retried; bytes and
    /// files are sent again by each attempt. AK/SK signing sends
    /// `UNSIGNED-PAYLOAD` for it, as for every body that streams.
    pub fn multipart(&mut self, form: super::multipart::Form) {
        self.body = None;
        self.stream = Some(if form.is_replayable() {
            CallStream::Replayable(std::sync::Mutex::new(Streamed::Form(form)))
        } else {
            CallStream::OneShot(std::sync::Mutex::new(Some(Streamed::Form(form))))
        });
    }

    /// Sends raw bytes with `content_type`.
    pub fn bytes(&mut self, content_type: &'static str, body: &[u8]) -> Result<(), BuildError> {
        self.content_type = Some(HeaderValue::from_static(content_type));
        self.body = Some(body.to_vec().into());
        Ok(())
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
    let mut pairs = Vec::new();
    for (k, v) in value.as_object()? {
        push_form_pairs(k, v, &mut pairs);
    }
    Some(pairs)
}

/// The form pairs of one property, as [`form_pairs`] writes them.
fn push_form_pairs(k: &str, v: &serde_json::Value, pairs: &mut Vec<(String, String)>) {
    use serde_json::Value;
    let scalar = |v: &Value| match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    match v {
        Value::Null => {}
        Value::Array(items) => pairs.extend(items.iter().map(|i| (k.to_owned(), scalar(i)))),
        other => pairs.push((k.to_owned(), scalar(other))),
    }
}

/// A JSON body as `T`; where it does not read, read again with numbers that
/// have a fraction of zero written as integers (`3.0` is an integer to JSON
/// Schema). When that fails too, its error is the one returned: the first
/// could be a `3.0` that was right, in front of the value that is wrong.
fn decode_json<T: DeserializeOwned>(body: &[u8]) -> Result<T, serde_json::Error> {
    serde_json::from_slice(body).or_else(|error| match super::validation::integral_numbers(body) {
        Some(fixed) => serde_json::from_slice(&fixed),
        None => Err(error),
    })
}

/// Percent-encodes one path segment: everything but RFC 3986 unreserved
/// characters is escaped, `/` included.
pub fn encode_path(value: &str) -> String {
    let mut encoded = String::with_capacity(value.len());
    write_encoded_path(&mut encoded, value);
    encoded
}

/// Appends `value` to `out` as [`encode_path`] encodes it.
fn write_encoded_path(out: &mut String, value: &str) {
    const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
        .remove(b'-')
        .remove(b'.')
        .remove(b'_')
        .remove(b'~');
    out.extend(utf8_percent_encode(value, SEGMENT));
}

/// A response as received: status, headers and the whole body.
#[derive(Clone, PartialEq, Eq)]
pub struct RawResponse {
    /// The status code.
    pub status: StatusCode,
    /// The response headers.
    pub headers: HeaderMap,
    /// The body as received.
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
        match decode_json(&self.body) {
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

    /// A documented success whose body streams: `stream`, or, when the body
    /// was read whole ([`ClientConfig::execute`]), those bytes as one.
    pub fn stream<E>(
        self,
        stream: Option<ByteStream>,
    ) -> Result<ApiResponse<ByteStream>, Error<E>> {
        let body = self.body_stream(stream);
        Ok(self.with_body(body))
    }

    /// A documented success whose body is a stream of server-sent events,
    /// each event's data decoded with `decode`
    /// ([`json_item`](super::sequence::json_item), or
    /// [`text_item`](super::sequence::text_item) for text): the events
    /// arrive as the server sends them, and one that does not decode is an
    /// error item while the stream goes on.
    pub fn events<T, E>(
        self,
        stream: Option<ByteStream>,
        decode: super::sequence::DecodeItem<T>,
    ) -> Result<ApiResponse<super::sequence::Events<T>>, Error<E>> {
        let body = self.body_stream(stream);
        Ok(self.with_body(super::sequence::Events::new(body, decode)))
    }

    /// A documented success whose body is a sequence of JSON records
    /// (JSON Lines, or a JSON text sequence as `format` says), each decoded
    /// as it arrives.
    pub fn records<T: DeserializeOwned, E>(
        self,
        stream: Option<ByteStream>,
        format: super::sequence::RecordFormat,
    ) -> Result<ApiResponse<super::sequence::Records<T>>, Error<E>> {
        let body = self.body_stream(stream);
        Ok(self.with_body(super::sequence::Records::new(body, format)))
    }

    /// The body's stream: `stream`, or the bytes read whole as one.
    fn body_stream(&self, stream: Option<ByteStream>) -> ByteStream {
        match stream {
            Some(stream) => stream,
            None => ByteStream::from(self.body.clone()),
        }
    }

    /// A documented success whose body is kept as bytes.
    pub fn bytes<E>(self) -> Result<ApiResponse<Vec<u8>>, Error<E>> {
        let body = self.body.clone();
        Ok(self.with_body(body))
    }

    /// A documented error status whose body is kept as bytes.
    pub fn error_bytes<E>(self, variant: fn(Vec<u8>) -> E) -> Error<E> {
        let body = self.body.clone();
        Error::Api(Box::new(self.with_body(variant(body))))
    }

    /// A documented error status with a text body, wrapped by `variant`.
    pub fn error_text<E>(self, variant: fn(String) -> E) -> Error<E> {
        let body = String::from_utf8_lossy(&self.body).into_owned();
        Error::Api(Box::new(self.with_body(variant(body))))
    }

    /// A documented error status with a JSON body, wrapped by `variant`.
    pub fn error<T: DeserializeOwned, E>(self, variant: fn(T) -> E) -> Error<E> {
        match decode_json(&self.body) {
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
    /// The status code (one the spec documents).
    pub status: StatusCode,
    /// The response headers.
    pub headers: HeaderMap,
    /// The `X-Request-Id` response header, for support requests and logs.
    pub request_id: Option<String>,
    /// The decoded body.
    pub body: T,
}

impl<T> ApiResponse<T> {
    /// The decoded body, without the rest.
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
    /// The server variable.
    pub variable: &'static str,
    /// The value given for it.
    pub value: String,
    /// The values the spec allows.
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
    /// The server answered with a status the spec does not document (a
    /// redirect among them: the default client follows none).
    UnexpectedStatus(Box<RawResponse>),
    /// The body of a documented status did not match its schema.
    Decode {
        /// The response as received.
        response: Box<RawResponse>,
        /// Why decoding failed.
        source: serde_json::Error,
    },
    /// A caller-built HTTP client followed a redirect to another origin
    /// (scheme, host, port); `status` is that origin's answer, which is not
    /// the API's and was not read. Build the client with
    /// `redirect::Policy::none()` ([`ClientConfig::http_client_builder`]):
    /// a followed redirect carries the request's credentials along.
    Redirected {
        /// The URL of the request.
        from: Box<Url>,
        /// Where the redirect led.
        to: Box<Url>,
        /// The other origin's status.
        status: StatusCode,
    },
    /// The response body was over the configured limit
    /// ([`ClientConfig::with_max_response_body`]); reading stopped there.
    BodyTooLarge {
        /// The status code.
        status: StatusCode,
        /// The response headers.
        headers: HeaderMap,
        /// The limit, in bytes.
        limit: usize,
    },
    /// No response headers within `after`, the total timeout
    /// ([`ClientConfig::with_timeout`]), for a call whose response body
    /// streams (where the timeout covers the call up to the headers).
    ResponseTimeout {
        /// The limit that ran out.
        after: Duration,
    },
    /// No complete response within `after`: the total timeout
    /// ([`ClientConfig::with_timeout`]), the connect timeout (when
    /// `source.is_connect()`), or a limit of a caller-built client.
    Timeout {
        /// The limit that ran out.
        after: Duration,
        /// The transport's error.
        source: reqwest::Error,
    },
    /// The request could not be sent or the response not read (connection
    /// refused or reset, DNS, TLS).
    Transport(reqwest::Error),
}

/// Why a request could not be built, before anything was sent: a base URL
/// that cannot take a path, a path parameter that would change the
/// endpoint, a header value that cannot be sent, a body that cannot be
/// serialized, a credential value that is missing. It becomes
/// [`Error::InvalidRequest`] (through `?`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BuildError(String);

impl BuildError {
    /// What is wrong.
    pub fn message(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for BuildError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for BuildError {}

impl From<StyleError> for BuildError {
    fn from(e: StyleError) -> Self {
        BuildError(format!("parameter {e}"))
    }
}

impl<E> From<StyleError> for Error<E> {
    fn from(e: StyleError) -> Self {
        BuildError::from(e).into()
    }
}

impl<E> From<BuildError> for Error<E> {
    fn from(error: BuildError) -> Self {
        Error::InvalidRequest(error.0)
    }
}

impl<E> From<super::multipart::PartError> for Error<E> {
    fn from(error: super::multipart::PartError) -> Self {
        Error::InvalidRequest(error.to_string())
    }
}

/// An [`Error`] of the part of a call that is the same for every operation,
/// before a documented error status can be decoded.
type Untyped = Error<Infallible>;

impl Untyped {
    /// The same error as one of an operation's.
    fn widen<E>(self) -> Error<E> {
        match self {
            Error::Validation(e) => Error::Validation(e),
            Error::InvalidRequest(e) => Error::InvalidRequest(e),
            Error::Auth(e) => Error::Auth(e),
            Error::Api(response) => match response.body {},
            Error::UnexpectedStatus(r) => Error::UnexpectedStatus(r),
            Error::Decode { response, source } => Error::Decode { response, source },
            Error::Redirected { from, to, status } => Error::Redirected { from, to, status },
            Error::BodyTooLarge {
                status,
                headers,
                limit,
            } => Error::BodyTooLarge {
                status,
                headers,
                limit,
            },
            Error::Timeout { after, source } => Error::Timeout { after, source },
            Error::ResponseTimeout { after } => Error::ResponseTimeout { after },
            Error::Transport(e) => Error::Transport(e),
        }
    }
}

impl<E> Error<E> {
    /// The HTTP status, when a response of the API arrived.
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            Error::Api(r) => Some(r.status),
            Error::UnexpectedStatus(r) | Error::Decode { response: r, .. } => Some(r.status),
            Error::BodyTooLarge { status, .. } => Some(*status),
            _ => None,
        }
    }
}

impl<E: ErrorMetadata> Error<E> {
    /// The server's request id, when a response arrived with one: the
    /// `X-Request-Id` header, else the one a documented error body carries.
    pub fn request_id(&self) -> Option<&str> {
        match self {
            Error::Api(r) => r.request_id.as_deref().or_else(|| r.body.request_id()),
            Error::UnexpectedStatus(r) | Error::Decode { response: r, .. } => r.request_id(),
            Error::BodyTooLarge { headers, .. } => {
                headers.get(REQUEST_ID_HEADER).and_then(|v| v.to_str().ok())
            }
            _ => None,
        }
    }

    /// The service's error code of a documented error body (`WKS.0409`).
    pub fn code(&self) -> Option<&str> {
        match self {
            Error::Api(r) => r.body.code(),
            _ => None,
        }
    }

    /// The message of a documented error body.
    pub fn message(&self) -> Option<&str> {
        match self {
            Error::Api(r) => r.body.message(),
            _ => None,
        }
    }
}

impl<E> From<ValidationError> for Error<E> {
    fn from(e: ValidationError) -> Self {
        Error::Validation(e)
    }
}

/// An API error reads `409 WKS.0409: desktop is being deleted (request id
/// 3f2a…)`: the status number, the body as its type displays it (code and
/// message for a generated error enum), the request id when there is one.
impl<E: fmt::Display + ErrorMetadata> fmt::Display for Error<E> {
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
                let body = r.body.to_string();
                let body = body.trim();
                if body.is_empty() {
                    write!(f, "{}", r.status)?;
                } else {
                    write!(f, "{} {body}", r.status.as_u16())?;
                }
                id(f, self.request_id())
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
            Error::Redirected { from, to, status } => write!(
                f,
                "the HTTP client followed a redirect from {} to another origin, {}, which answered {status}; \
                 that answer is not the API's (the request's credentials went along: \
                 build the client with redirect::Policy::none())",
                origin(from),
                without_query(to),
            ),
            Error::BodyTooLarge { status, limit, .. } => {
                write!(
                    f,
                    "the server answered {status} with a response body over {}, \
                     the configured limit; reading stopped there",
                    size(*limit)
                )?;
                id(f, self.request_id())
            }
            Error::ResponseTimeout { after } => write!(
                f,
                "the server sent no response headers within {}",
                duration(*after)
            ),
            Error::Timeout { after, source } => {
                let host = host(source);
                if source.is_connect() {
                    write!(
                        f,
                        "could not connect to {host}: timed out after {}",
                        duration(*after)
                    )
                } else {
                    write!(
                        f,
                        "the request to {host} timed out after {} without a complete response",
                        duration(*after)
                    )
                }
            }
            Error::Transport(e) => {
                let host = host(e);
                let cause = cause(e);
                if e.is_connect() {
                    write!(f, "could not connect to {host}: {cause}")
                } else if e.is_body() || e.is_decode() {
                    write!(f, "the response from {host} could not be read: {cause}")
                } else {
                    write!(f, "the request to {host} failed: {cause}")
                }
            }
        }
    }
}

impl<E: fmt::Debug + fmt::Display + ErrorMetadata> std::error::Error for Error<E> {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Validation(e) => Some(e),
            Error::Auth(e) => Some(e),
            Error::Decode { source, .. } => Some(source),
            Error::Timeout { source, .. } | Error::Transport(source) => Some(source),
            _ => None,
        }
    }
}

/// `host:port` of the URL a `reqwest` error concerns.
fn host(e: &reqwest::Error) -> String {
    match e.url() {
        Some(url) => match (url.host_str(), url.port_or_known_default()) {
            (Some(host), Some(port)) => format!("{host}:{port}"),
            (Some(host), None) => host.to_owned(),
            _ => without_query(url),
        },
        None => "the server".to_owned(),
    }
}

/// `scheme://host:port` of a URL.
fn origin(url: &Url) -> String {
    url.origin().ascii_serialization()
}

/// A URL without its query and fragment, which may carry secrets.
fn without_query(url: &Url) -> String {
    format!("{}{}", origin(url), url.path())
}

/// The most specific cause of a `reqwest` error: the innermost error of its
/// source chain, an I/O error in plain words.
fn cause(e: &reqwest::Error) -> String {
    let mut innermost: &(dyn std::error::Error + 'static) = e;
    while let Some(next) = innermost.source() {
        innermost = next;
    }
    match innermost.downcast_ref::<std::io::Error>() {
        Some(io) => io_words(io),
        None => innermost.to_string(),
    }
}

/// An I/O error in plain words, with the OS error code when there is one.
fn io_words(e: &std::io::Error) -> String {
    use std::io::ErrorKind;
    let words = match e.kind() {
        ErrorKind::ConnectionRefused => "connection refused",
        ErrorKind::ConnectionReset => "connection reset by the server",
        ErrorKind::ConnectionAborted => "connection aborted",
        ErrorKind::NotConnected => "not connected",
        ErrorKind::AddrNotAvailable => "address not available",
        ErrorKind::BrokenPipe => "connection closed by the server while sending",
        ErrorKind::UnexpectedEof => "connection closed before the response was complete",
        ErrorKind::TimedOut => "timed out",
        _ => return e.to_string(),
    };
    match e.raw_os_error() {
        Some(code) => format!("{words} (os error {code})"),
        None => words.to_owned(),
    }
}

/// Every message of an error's source chain, joined.
fn error_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut text = e.to_string();
    let mut next = e.source();
    while let Some(source) = next {
        let message = source.to_string();
        if !text.contains(&message) {
            text.push_str(": ");
            text.push_str(&message);
        }
        next = source.source();
    }
    text
}

/// A duration as a person writes it: `60 s`, `300 ms`, `1.5 s`.
fn duration(d: Duration) -> String {
    let ms = d.as_millis();
    if ms < 1000 {
        format!("{ms} ms")
    } else if ms % 1000 == 0 {
        format!("{} s", ms / 1000)
    } else {
        let text = format!("{:.3}", d.as_secs_f64());
        format!("{} s", text.trim_end_matches('0'))
    }
}

/// A byte count as a person writes it: `16 MiB`, `64 KiB`, `1000 bytes`.
fn size(bytes: usize) -> String {
    const KIB: usize = 1 << 10;
    const MIB: usize = 1 << 20;
    const GIB: usize = 1 << 30;
    match bytes {
        0 => "0 bytes".to_owned(),
        b if b % GIB == 0 => format!("{} GiB", b / GIB),
        b if b % MIB == 0 => format!("{} MiB", b / MIB),
        b if b % KIB == 0 => format!("{} KiB", b / KIB),
        1 => "1 byte".to_owned(),
        b => format!("{b} bytes"),
    }
}
