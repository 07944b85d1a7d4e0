//! What generated axum server stubs share: authentication, the request
//! context handed to handlers, request ids, body reading, error bodies
//! built from the spec's own error schemas, and [`serve`], which runs a
//! router with the connection limits of [`Limits`].

use std::collections::HashSet;
use std::fmt;
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::body::{Body, HttpBody};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};

use super::style::{self, Param, StyleError};

/// The response header carrying the request id.
pub const REQUEST_ID_HEADER: &str = "x-request-id";

/// The message of every 401 the generated layer sends, whatever the reason
/// (no credentials, an unknown token or access key, a wrong signature, a
/// stale date, …): the reason goes to the log (`tracing`, at debug level),
/// never to the client, so that answers do not tell which credentials exist.
pub const UNAUTHENTICATED: &str = "the credentials are missing or invalid";

/// Who made a request, as established by an [`Authenticate`] implementation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Identity {
    /// The security scheme that accepted the credentials (`token`, `aksk`, …).
    pub scheme: String,
    /// The caller: a token's owner, an access key, …
    pub principal: String,
}

/// What a handler knows about the request besides its typed inputs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RequestContext {
    /// The id sent back in `X-Request-Id`.
    pub request_id: String,
    /// The authenticated caller (`None` for operations without security).
    pub identity: Option<Identity>,
}

/// The request head as an authenticator sees it, before the body is read.
#[derive(Clone, Copy, Debug)]
pub struct RequestHead<'a> {
    /// The method.
    pub method: &'a Method,
    /// The request target.
    pub uri: &'a Uri,
    /// The headers.
    pub headers: &'a HeaderMap,
    /// The body's length when the framing tells it (`Content-Length`, or no
    /// body at all); `None` when it is only known once read (chunked).
    pub body_length: Option<u64>,
}

/// The whole request as received: the head and the body.
#[derive(Clone, Copy, Debug)]
pub struct RequestParts<'a> {
    /// The method.
    pub method: &'a Method,
    /// The request target.
    pub uri: &'a Uri,
    /// The headers.
    pub headers: &'a HeaderMap,
    /// The body, read in full.
    pub body: &'a [u8],
}

impl<'a> RequestParts<'a> {
    /// The head, with the body's length known.
    pub fn head(&self) -> RequestHead<'a> {
        RequestHead {
            method: self.method,
            uri: self.uri,
            headers: self.headers,
            body_length: Some(self.body.len() as u64),
        }
    }
}

/// Why credentials were refused. The reason is for logs only: clients get
/// [`UNAUTHENTICATED`] whatever it is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AuthError {
    /// No credentials of any accepted kind.
    Missing,
    /// Credentials were present but wrong, or ambiguous (a credential header
    /// sent twice).
    Invalid(String),
}

impl fmt::Display for AuthError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AuthError::Missing => f.write_str("no credentials were sent"),
            AuthError::Invalid(why) => write!(f, "the credentials were refused: {why}"),
        }
    }
}

impl std::error::Error for AuthError {}

/// The rest of a credential check, given the body.
type FinishFn = dyn FnOnce(&[u8]) -> Result<Identity, AuthError> + Send;

/// The part of a credential check that needs the body (a signature over the
/// body's hash), prepared from the head.
pub struct BodyCheck(Box<FinishFn>);

impl BodyCheck {
    /// The check to run on the body once it is read.
    pub fn new(check: impl FnOnce(&[u8]) -> Result<Identity, AuthError> + Send + 'static) -> Self {
        BodyCheck(Box::new(check))
    }

    /// Finishes the check with the body as received.
    pub fn finish(self, body: &[u8]) -> Result<Identity, AuthError> {
        (self.0)(body)
    }
}

impl fmt::Debug for BodyCheck {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("BodyCheck(..)")
    }
}

/// What the request head established.
#[derive(Debug)]
pub enum HeadVerdict {
    /// The head alone proves who the caller is.
    Accepted(Identity),
    /// Everything the head carries checks out; the body decides the rest.
    NeedsBody(BodyCheck),
}

/// Checks a request's credentials. The generated layer calls it for every
/// operation that declares security, before any handler runs: first
/// [`authenticate_head`](Authenticate::authenticate_head), before the body
/// is read (a refusal there means the body is never read), then, when the
/// head asks for it, the [`BodyCheck`] with the body.
///
/// An implementation refuses a credential header that is sent more than
/// once rather than picking one of the values.
pub trait Authenticate: Send + Sync + 'static {
    /// Checks everything the request head can tell.
    fn authenticate_head(&self, head: &RequestHead<'_>) -> Result<HeadVerdict, AuthError>;

    /// Checks a whole request: the head, then the body when it is needed.
    fn authenticate(&self, request: &RequestParts<'_>) -> Result<Identity, AuthError> {
        match self.authenticate_head(&request.head())? {
            HeadVerdict::Accepted(identity) => Ok(identity),
            HeadVerdict::NeedsBody(check) => check.finish(request.body),
        }
    }
}

/// Accepts requests carrying one of a set of tokens in a header (sent once).
#[derive(Clone)]
pub struct HeaderTokens {
    scheme: String,
    header: String,
    tokens: HashSet<String>,
}

impl HeaderTokens {
    /// Accepts any of `tokens` in `header`, for the security scheme `scheme`.
    pub fn new(scheme: &str, header: &str, tokens: impl IntoIterator<Item = String>) -> Self {
        HeaderTokens {
            scheme: scheme.to_owned(),
            header: header.to_ascii_lowercase(),
            tokens: tokens.into_iter().collect(),
        }
    }
}

impl fmt::Debug for HeaderTokens {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HeaderTokens")
            .field("scheme", &self.scheme)
            .field("header", &self.header)
            .field("tokens", &format_args!("<{} redacted>", self.tokens.len()))
            .finish()
    }
}

impl Authenticate for HeaderTokens {
    fn authenticate_head(&self, head: &RequestHead<'_>) -> Result<HeadVerdict, AuthError> {
        let mut values = head.headers.get_all(self.header.as_str()).iter();
        let Some(value) = values.next() else {
            return Err(AuthError::Missing);
        };
        if values.next().is_some() {
            return Err(AuthError::Invalid(format!(
                "`{}` is sent more than once",
                self.header
            )));
        }
        let token = value
            .to_str()
            .map_err(|_| AuthError::Invalid(format!("`{}` is not text", self.header)))?;
        if self.tokens.contains(token) {
            Ok(HeadVerdict::Accepted(Identity {
                scheme: self.scheme.clone(),
                principal: token.to_owned(),
            }))
        } else {
            Err(AuthError::Invalid(format!("unknown `{}`", self.header)))
        }
    }
}

/// Tries several authenticators in turn; the first to accept wins. A request
/// with no credentials for any of them is `Missing`; otherwise the first
/// refusal of credentials that were present is reported.
///
/// From the head, an authenticator that needs the body keeps its place: a
/// later one that accepts from the head wins only if no earlier one accepts
/// once the body is there.
pub struct AnyOf(pub Vec<Arc<dyn Authenticate>>);

impl Authenticate for AnyOf {
    fn authenticate_head(&self, head: &RequestHead<'_>) -> Result<HeadVerdict, AuthError> {
        let mut refusal = None;
        let mut pending: Vec<BodyCheck> = Vec::new();
        for a in &self.0 {
            match a.authenticate_head(head) {
                Ok(HeadVerdict::Accepted(identity)) if pending.is_empty() => {
                    return Ok(HeadVerdict::Accepted(identity))
                }
                Ok(HeadVerdict::Accepted(identity)) => {
                    return Ok(HeadVerdict::NeedsBody(BodyCheck::new(move |body| {
                        for check in pending {
                            if let Ok(earlier) = check.finish(body) {
                                return Ok(earlier);
                            }
                        }
                        Ok(identity)
                    })));
                }
                Ok(HeadVerdict::NeedsBody(check)) => pending.push(check),
                Err(AuthError::Missing) => {}
                Err(e) => {
                    refusal.get_or_insert(e);
                }
            }
        }
        if pending.is_empty() {
            return Err(refusal.unwrap_or(AuthError::Missing));
        }
        Ok(HeadVerdict::NeedsBody(BodyCheck::new(move |body| {
            let mut refusal = refusal;
            for check in pending {
                match check.finish(body) {
                    Ok(identity) => return Ok(identity),
                    Err(e) => {
                        refusal.get_or_insert(e);
                    }
                }
            }
            Err(refusal.unwrap_or(AuthError::Missing))
        })))
    }
}

/// Accepts every request (for tests and local tools).
#[derive(Clone, Copy, Debug, Default)]
pub struct AllowAll;

impl Authenticate for AllowAll {
    fn authenticate_head(&self, _head: &RequestHead<'_>) -> Result<HeadVerdict, AuthError> {
        Ok(HeadVerdict::Accepted(Identity {
            scheme: "none".into(),
            principal: "anonymous".into(),
        }))
    }
}

/// How much a client may ask of the server, and for how long. The body
/// limits hold in the generated handlers wherever the router is served; the
/// connection limits hold when it is served with [`serve`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// How long a client may take to send a request head (request line and
    /// headers), counted from when the server starts waiting for it; also
    /// how long an idle keep-alive connection stays open. A connection over
    /// it is closed. Default: 10 s.
    pub header_read_timeout: Duration,
    /// How long reading a request body may take in all; over it: 408 and the
    /// connection is closed. Default: 30 s.
    pub body_read_timeout: Duration,
    /// How many connections are served at once; further ones wait (in the
    /// listener's backlog) until one closes. Default: 1,024 (at least 1).
    pub max_connections: usize,
    /// The largest request head (request line and headers); a larger one
    /// gets 431 and the connection is closed. Default: 64 KiB.
    pub max_header_bytes: usize,
    /// The largest request body; larger ones get 413. Default: 1 MiB.
    pub body_limit: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            header_read_timeout: Duration::from_secs(10),
            body_read_timeout: Duration::from_secs(30),
            max_connections: 1024,
            max_header_bytes: 64 * 1024,
            body_limit: 1024 * 1024,
        }
    }
}

/// How the generated layer behaves.
#[derive(Clone)]
pub struct ServerConfig {
    /// Checks every request's credentials.
    pub auth: Arc<dyn Authenticate>,
    /// Body and connection limits ([`Limits::default`] unless set).
    pub limits: Limits,
}

impl ServerConfig {
    /// Checks credentials with `auth`, within the default limits.
    pub fn new(auth: impl Authenticate) -> Self {
        ServerConfig {
            auth: Arc::new(auth),
            limits: Limits::default(),
        }
    }

    /// The largest accepted request body.
    pub fn with_body_limit(mut self, bytes: usize) -> Self {
        self.limits.body_limit = bytes;
        self
    }

    /// Replaces every body and connection limit.
    pub fn with_limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }
}

impl fmt::Debug for ServerConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServerConfig")
            .field("limits", &self.limits)
            .finish_non_exhaustive()
    }
}

/// Serves `router` on `listener` (HTTP/1.1) with the connection limits of
/// `limits` until the process ends or the listener fails for good. See
/// [`serve_with_shutdown`].
pub async fn serve(
    listener: tokio::net::TcpListener,
    router: axum::Router,
    limits: &Limits,
) -> std::io::Result<()> {
    serve_with_shutdown(listener, router, limits, std::future::pending()).await
}

/// Serves `router` on `listener` (HTTP/1.1) until `shutdown` completes,
/// then stops accepting, lets the connections finish what they are doing
/// and returns.
///
/// Unlike `axum::serve`, it applies the connection limits of `limits`:
/// hyper's header read timeout ([`Limits::header_read_timeout`], which also
/// closes idle keep-alive connections), its request head size limit
/// ([`Limits::max_header_bytes`]), and at most [`Limits::max_connections`]
/// connections at once (a semaphore around accepting: further clients wait
/// in the listener's backlog). The body limits are the handlers' own.
///
/// Accepting errors that concern one connection are skipped; others (such
/// as running out of file descriptors) pause accepting for a second.
pub async fn serve_with_shutdown(
    listener: tokio::net::TcpListener,
    router: axum::Router,
    limits: &Limits,
    shutdown: impl Future<Output = ()> + Send,
) -> std::io::Result<()> {
    use hyper_util::rt::{TokioIo, TokioTimer};

    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout)
        .max_header_size(limits.max_header_bytes);
    let service = hyper_util::service::TowerToHyperService::new(router);
    let permits = Arc::new(tokio::sync::Semaphore::new(limits.max_connections.max(1)));
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let permit = tokio::select! {
            biased;
            () = &mut shutdown => break,
            permit = permits.clone().acquire_owned() => match permit {
                Ok(permit) => permit,
                Err(_) => break,
            },
        };
        let accepted = tokio::select! {
            biased;
            () = &mut shutdown => break,
            accepted = listener.accept() => accepted,
        };
        let stream = match accepted {
            Ok((stream, _)) => stream,
            Err(e) if is_connection_error(&e) => continue,
            Err(e) => {
                tracing::error!(error = %e, "accepting a connection failed; retrying in 1 s");
                tokio::select! {
                    () = &mut shutdown => break,
                    () = tokio::time::sleep(Duration::from_secs(1)) => continue,
                }
            }
        };
        let _ = stream.set_nodelay(true);
        let connection =
            graceful.watch(http.serve_connection(TokioIo::new(stream), service.clone()));
        tokio::spawn(async move {
            if let Err(e) = connection.await {
                tracing::debug!(error = %e, "a connection ended with an error");
            }
            drop(permit);
        });
    }
    drop(listener);
    graceful.shutdown().await;
    Ok(())
}

/// A server started by [`serve_local`]. Dropping it asks the server to stop
/// (it finishes in the background); [`shutdown`](Self::shutdown) stops it
/// and waits until it has.
#[derive(Debug)]
pub struct ServerHandle {
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
}

impl ServerHandle {
    /// Stops accepting, lets open connections finish, and waits for the
    /// server to end.
    pub async fn shutdown(mut self) -> std::io::Result<()> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        match self.task.take() {
            Some(task) => task.await.map_err(std::io::Error::other)?,
            None => Ok(()),
        }
    }
}

impl Drop for ServerHandle {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// Serves `router` with [`serve_with_shutdown`] and the default [`Limits`]
/// on a free port of 127.0.0.1, in a task of the current Tokio runtime:
/// for tests that need a real server (a mock of an API). Returns the base
/// URL (`http://127.0.0.1:PORT`) and the handle that stops it.
pub async fn serve_local(router: axum::Router) -> std::io::Result<(String, ServerHandle)> {
    let listener = tokio::net::TcpListener::bind((std::net::Ipv4Addr::LOCALHOST, 0)).await?;
    let base_url = format!("http://{}", listener.local_addr()?);
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        let limits = Limits::default();
        serve_with_shutdown(listener, router, &limits, async {
            let _ = stopped.await;
        })
        .await
    });
    Ok((
        base_url,
        ServerHandle {
            stop: Some(stop),
            task: Some(task),
        },
    ))
}

/// Runs `handle` (the handling of one request) inside a `tracing` span
/// `request` carrying the request id, the method, the route template it
/// matched (when one did) and, once answered, the status.
pub async fn traced(
    method: &Method,
    route: Option<&'static str>,
    request_id: &str,
    handle: impl Future<Output = Response>,
) -> Response {
    use tracing::Instrument;

    let span = tracing::info_span!(
        "request",
        request_id,
        method = %method,
        route = tracing::field::Empty,
        status = tracing::field::Empty,
    );
    if let Some(route) = route {
        span.record("route", route);
    }
    let response = handle.instrument(span.clone()).await;
    span.record("status", response.status().as_u16());
    response
}

/// Runs a handler's work (`serve`: `Err` is an error response) in the
/// request's span (see [`traced`]) and adds the request id to whichever
/// response it gives: what every generated operation handler does.
pub async fn respond(
    method: Method,
    route: &'static str,
    request_id: &str,
    serve: impl Future<Output = Result<Response, Response>>,
) -> Response {
    let response = traced(&method, Some(route), request_id, async {
        match serve.await {
            Ok(response) | Err(response) => response,
        }
    })
    .await;
    with_request_id(response, request_id)
}

/// Whether an accept error concerns only the connection being accepted.
fn is_connection_error(e: &std::io::Error) -> bool {
    use std::io::ErrorKind;
    matches!(
        e.kind(),
        ErrorKind::ConnectionRefused | ErrorKind::ConnectionAborted | ErrorKind::ConnectionReset
    )
}

/// A fresh request id: 32 hex digits, unique within the process.
pub fn new_request_id() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    // A splitmix64 step scatters the counter so ids do not look sequential.
    let mut z = (now as u64) ^ n.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^= z >> 31;
    // Spelled out by hand: `format!` costs a measurable share of a request.
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut id = String::with_capacity(32);
    for word in [z, n] {
        for shift in (0..16).rev() {
            id.push(char::from(HEX[((word >> (shift * 4)) & 0xf) as usize]));
        }
    }
    id
}

/// Adds `X-Request-Id` to a response.
pub fn with_request_id(mut response: Response, request_id: &str) -> Response {
    if let Ok(v) = HeaderValue::from_str(request_id) {
        response.headers_mut().insert(REQUEST_ID_HEADER, v);
    }
    response
}

/// A JSON response.
pub fn json_response<T: serde::Serialize>(status: StatusCode, body: &T) -> Response {
    match serde_json::to_vec(body) {
        Ok(bytes) => {
            let mut r = (status, bytes).into_response();
            r.headers_mut().insert(
                axum::http::header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            );
            r
        }
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

/// The status `CODE`, checked when the program is compiled: a code outside
/// `100..=999` does not build. For statuses without a named constant.
pub const fn status<const CODE: u16>() -> StatusCode {
    const {
        match StatusCode::from_u16(CODE) {
            Ok(status) => status,
            Err(_) => panic!("a status code is a number from 100 to 999"),
        }
    }
}

/// A problem the generated layer found before a handler ran.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    /// The status to answer with.
    pub status: StatusCode,
    /// A short machine-readable code, `HTTP.<status>`.
    pub code: String,
    /// What is wrong, for people.
    pub message: String,
    /// The field at fault, when there is one (`desktop_ids[3]`).
    pub field: Option<String>,
}

impl Problem {
    /// A problem answered with `status`; the code follows from it.
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        Problem {
            status,
            code: format!("HTTP.{}", status.as_u16()),
            message: message.into(),
            field: None,
        }
    }

    /// The same problem, naming the field at fault.
    pub fn with_field(mut self, field: impl Into<String>) -> Self {
        self.field = Some(field.into());
        self
    }
}

/// What a string property of an error body receives. The generator decides
/// it once per error schema, from the property names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// The problem's code (`HTTP.400`).
    Code,
    /// The message. When the body has no [`Role::Detail`] property, the
    /// message names the field at fault.
    Message,
    /// The field at fault, or the message when there is none. When the body
    /// has no [`Role::Message`] property, it is the message (naming the
    /// field), as RFC 9457's `detail` is: a body of `code` and `detail`
    /// alone still says what went wrong.
    Detail,
    /// The request id.
    RequestId,
}

/// One property of an error body that the generated layer fills; the
/// schema's other properties are left out.
#[derive(Clone, Copy, Debug)]
pub enum ErrorField {
    /// A string: its name, what it receives and its `maxLength` (longer
    /// text is cut).
    Text(&'static str, Role, Option<usize>),
    /// An array of objects: its name and the properties of its one entry.
    List(&'static str, &'static [ErrorField]),
    /// An object (`{"error": {"code": …, "message": …}}`): its name and its
    /// properties, filled the same way.
    Object(&'static str, &'static [ErrorField]),
}

/// Builds an error body from the generated table of its properties; a list
/// gets one entry filled the same way, a nested object its properties.
pub fn error_body(fields: &[ErrorField], problem: &Problem, request_id: &str) -> serde_json::Value {
    let has_detail = has_role(fields, Role::Detail);
    let has_message = has_role(fields, Role::Message);
    // Without a slot for the field at fault, or with that slot holding the
    // message, the message names the field.
    let message = match (&problem.field, has_detail && has_message) {
        (Some(field), false) if !problem.message.contains(field.as_str()) => {
            format!("{} (at `{field}`)", problem.message)
        }
        _ => problem.message.clone(),
    };
    let text = Text {
        problem,
        message: &message,
        request_id,
        detail_is_message: !has_message,
    };
    fill(fields, &text)
}

/// Whether a property of `fields`, or of an entry of a list among them,
/// receives `role`.
fn has_role(fields: &[ErrorField], role: Role) -> bool {
    fields.iter().any(|f| match *f {
        ErrorField::Text(_, r, _) => r == role,
        ErrorField::List(_, inner) | ErrorField::Object(_, inner) => has_role(inner, role),
    })
}

/// What the roles of one error body receive.
struct Text<'a> {
    problem: &'a Problem,
    message: &'a str,
    request_id: &'a str,
    /// The body has no message property: the detail takes the message.
    detail_is_message: bool,
}

fn fill(fields: &[ErrorField], text: &Text<'_>) -> serde_json::Value {
    let mut map = serde_json::Map::new();
    for f in fields {
        match *f {
            ErrorField::Text(name, role, max) => {
                map.insert(
                    name.to_owned(),
                    serde_json::Value::String(role_text(role, max, text)),
                );
            }
            ErrorField::List(name, item) => {
                map.insert(
                    name.to_owned(),
                    serde_json::Value::Array(vec![fill(item, text)]),
                );
            }
            ErrorField::Object(name, inner) => {
                map.insert(name.to_owned(), fill(inner, text));
            }
        }
    }
    serde_json::Value::Object(map)
}

fn role_text(role: Role, max: Option<usize>, text: &Text<'_>) -> String {
    let value = match role {
        Role::Code => &text.problem.code,
        Role::Message => text.message,
        Role::Detail if text.detail_is_message => text.message,
        Role::Detail => text.problem.field.as_deref().unwrap_or(text.message),
        Role::RequestId => text.request_id,
    };
    truncate(value, max)
}

/// What a string property with `role` (and `maxLength` `max`) receives in
/// an error body for `problem`, a problem without a field at fault: what
/// [`error_body`] puts there, for generated code that builds a typed error
/// body.
pub fn error_text(role: Role, max: Option<usize>, problem: &Problem, request_id: &str) -> String {
    let text = Text {
        problem,
        message: &problem.message,
        request_id,
        detail_is_message: true,
    };
    role_text(role, max, &text)
}

/// The problem an `Api` method answers by default when a server does not
/// implement the operation `operation`.
pub fn not_implemented(status: StatusCode, operation: &str) -> Problem {
    Problem::new(
        status,
        format!("the operation {operation} is not implemented by this server"),
    )
}

fn truncate(text: &str, max: Option<usize>) -> String {
    match max {
        Some(max) => text.chars().take(max).collect(),
        None => text.to_owned(),
    }
}

/// An error response with a body built by [`error_body`].
pub fn problem_response(fields: &[ErrorField], problem: &Problem, request_id: &str) -> Response {
    json_response(problem.status, &error_body(fields, problem, request_id))
}

/// Reads the whole body, within [`Limits::body_limit`] and
/// [`Limits::body_read_timeout`]: a declared `Content-Length` over the limit
/// is a 413 before anything is read, as is a body that turns out larger; a
/// body that does not arrive in time is a 408; broken framing (a malformed
/// chunk, a body cut short) is a 400.
///
/// The timeout covers the whole body, not each read: a client trickling a
/// byte at a time is cut off all the same. It needs a Tokio runtime with
/// time enabled.
pub async fn read_body(body: Body, limits: &Limits) -> Result<axum::body::Bytes, Problem> {
    use http_body_util::BodyExt;

    let limit = limits.body_limit;
    let too_large = || {
        Problem::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("the request body is larger than {limit} bytes"),
        )
    };
    if body.size_hint().lower() > limit as u64 {
        return Err(too_large());
    }
    let collect = http_body_util::Limited::new(body, limit).collect();
    match tokio::time::timeout(limits.body_read_timeout, collect).await {
        Ok(Ok(collected)) => Ok(collected.to_bytes()),
        Ok(Err(e)) if e.is::<http_body_util::LengthLimitError>() => Err(too_large()),
        Ok(Err(e)) => {
            tracing::debug!(error = %e, "the request body could not be read");
            Err(Problem::new(
                StatusCode::BAD_REQUEST,
                "the request body is malformed or incomplete",
            ))
        }
        Err(_) => Err(Problem::new(
            StatusCode::REQUEST_TIMEOUT,
            format!(
                "the request body did not arrive within {} ms",
                limits.body_read_timeout.as_millis()
            ),
        )),
    }
}

/// What the generated layer keeps of a request body that streams to its
/// handler ([`stream_body`]): whether the body crossed the limit while the
/// handler read it, in which case the layer answers 413 instead of the
/// handler's response.
#[derive(Debug)]
pub struct Upload {
    exceeded: Arc<std::sync::atomic::AtomicBool>,
    limit: usize,
}

impl Upload {
    /// The 413 to answer with, when the body crossed the limit.
    pub fn problem(&self) -> Option<Problem> {
        self.exceeded
            .load(Ordering::Relaxed)
            .then(|| too_large(self.limit))
    }
}

fn too_large(limit: usize) -> Problem {
    Problem::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        format!("the request body is larger than {limit} bytes"),
    )
}

/// Opens a request body as a [`ByteStream`] for a handler, without reading
/// it: [`Limits::body_limit`] holds as it is read (a declared
/// `Content-Length` over it is a 413 at once; otherwise the chunk that
/// crosses it ends the stream with [`ByteStreamErrorKind::TooLarge`], and
/// [`Upload::problem`] turns the handler's answer into a 413), and
/// [`Limits::body_read_timeout`] is the longest wait for each chunk (a
/// body that streams may take as long as it keeps arriving). Broken
/// framing is an [`ByteStreamErrorKind::Io`] error of the stream.
///
/// [`ByteStream`]: super::stream::ByteStream
/// [`ByteStreamErrorKind::TooLarge`]: super::stream::ByteStreamErrorKind::TooLarge
/// [`ByteStreamErrorKind::Io`]: super::stream::ByteStreamErrorKind::Io
pub fn stream_body(
    body: Body,
    limits: &Limits,
) -> Result<(super::stream::ByteStream, Upload), Problem> {
    let limit = limits.body_limit;
    let hint = body.size_hint();
    if hint.lower() > limit as u64 {
        return Err(too_large(limit));
    }
    let exceeded = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let chunks = LimitedChunks {
        body: body.into_data_stream(),
        left: limit as u64,
        limit: limit as u64,
        exceeded: exceeded.clone(),
        done: false,
    };
    let stream = super::stream::ByteStream::from_chunks(chunks, hint.exact())
        .with_idle_timeout(limits.body_read_timeout);
    Ok((stream, Upload { exceeded, limit }))
}

/// A request body's chunks, ending with an error at the chunk that crosses
/// the limit.
struct LimitedChunks {
    body: axum::body::BodyDataStream,
    left: u64,
    limit: u64,
    exceeded: Arc<std::sync::atomic::AtomicBool>,
    done: bool,
}

impl futures_core::Stream for LimitedChunks {
    type Item = Result<bytes::Bytes, super::stream::ByteStreamError>;

    fn poll_next(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Self::Item>> {
        use super::stream::ByteStreamError;
        use std::task::Poll;

        let this = self.get_mut();
        if this.done {
            return Poll::Ready(None);
        }
        match std::pin::Pin::new(&mut this.body).poll_next(cx) {
            Poll::Ready(Some(Ok(chunk))) => {
                let n = chunk.len() as u64;
                if n > this.left {
                    this.done = true;
                    this.exceeded.store(true, Ordering::Relaxed);
                    return Poll::Ready(Some(Err(ByteStreamError::too_large(this.limit))));
                }
                this.left -= n;
                Poll::Ready(Some(Ok(chunk)))
            }
            Poll::Ready(Some(Err(e))) => {
                this.done = true;
                Poll::Ready(Some(Err(ByteStreamError::from_source(Box::new(e)))))
            }
            Poll::Ready(None) => {
                this.done = true;
                Poll::Ready(None)
            }
            Poll::Pending => Poll::Pending,
        }
    }
}

/// Finishes what [`authenticate_head`] started for a body that streams:
/// when the head alone decides, the stream is handed on unread; when the
/// credentials cover the body's hash (a signature without
/// `UNSIGNED-PAYLOAD`), the body is read whole within the body limit to
/// check it, and handed on from memory.
pub async fn authenticate_stream(
    verdict: HeadVerdict,
    body: super::stream::ByteStream,
    limits: &Limits,
    request_id: &str,
) -> Result<(Identity, super::stream::ByteStream), Problem> {
    match verdict {
        HeadVerdict::Accepted(identity) => Ok((identity, body)),
        HeadVerdict::NeedsBody(check) => {
            let bytes =
                body.collect_limited(limits.body_limit)
                    .await
                    .map_err(|e| match e.kind() {
                        super::stream::ByteStreamErrorKind::TooLarge => {
                            too_large(limits.body_limit)
                        }
                        super::stream::ByteStreamErrorKind::IdleTimeout => Problem::new(
                            StatusCode::REQUEST_TIMEOUT,
                            "the request body stopped arriving",
                        ),
                        _ => Problem::new(
                            StatusCode::BAD_REQUEST,
                            "the request body is malformed or incomplete",
                        ),
                    })?;
            let identity = check
                .finish(&bytes)
                .map_err(|e| unauthenticated(&e, request_id))?;
            Ok((identity, bytes.into()))
        }
    }
}

/// `response` (a streamed reply another helper wrote, such as
/// [`event_stream_response`](super::sequence::event_stream_response)) with
/// `status`.
pub fn with_status(status: StatusCode, mut response: Response) -> Response {
    *response.status_mut() = status;
    response
}

/// A response whose body streams from `body`, with `content_type` (and a
/// `Content-Length` when the stream knows its length). An error of the
/// stream ends the response early (the connection is closed, so the client
/// sees a body cut short, never a complete one).
pub fn stream_response(
    status: StatusCode,
    content_type: &'static str,
    body: super::stream::ByteStream,
) -> Response {
    let len = body.len();
    let mut response = Response::new(Body::from_stream(body));
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(
        axum::http::header::CONTENT_TYPE,
        HeaderValue::from_static(content_type),
    );
    if let Some(len) = len {
        headers.insert(axum::http::header::CONTENT_LENGTH, HeaderValue::from(len));
    }
    response
}

/// A credential refusal as the client sees it: 401 with [`UNAUTHENTICATED`].
/// The reason is logged with the request id.
fn unauthenticated(error: &AuthError, request_id: &str) -> Problem {
    tracing::debug!(request_id, reason = %error, "credentials refused");
    Problem::new(StatusCode::UNAUTHORIZED, UNAUTHENTICATED)
}

/// Runs the configured authenticator over the request head, before the body
/// is read; a refusal is a 401.
pub fn authenticate_head(
    auth: &dyn Authenticate,
    parts: &axum::http::request::Parts,
    body: &Body,
    request_id: &str,
) -> Result<HeadVerdict, Problem> {
    let head = RequestHead {
        method: &parts.method,
        uri: &parts.uri,
        headers: &parts.headers,
        body_length: body.size_hint().exact(),
    };
    auth.authenticate_head(&head)
        .map_err(|e| unauthenticated(&e, request_id))
}

/// Finishes what [`authenticate_head`] started, with the body; a refusal is
/// a 401.
pub fn authenticate_body(
    verdict: HeadVerdict,
    body: &[u8],
    request_id: &str,
) -> Result<Identity, Problem> {
    match verdict {
        HeadVerdict::Accepted(identity) => Ok(identity),
        HeadVerdict::NeedsBody(check) => check
            .finish(body)
            .map_err(|e| unauthenticated(&e, request_id)),
    }
}

/// The path parameters, percent-decoded, in template order.
pub async fn path_params(
    parts: &mut axum::http::request::Parts,
    expected: usize,
) -> Result<Vec<String>, Problem> {
    use axum::extract::{FromRequestParts, RawPathParams};
    let raw = RawPathParams::from_request_parts(parts, &())
        .await
        .map_err(|e| Problem::new(StatusCode::BAD_REQUEST, e.body_text()))?;
    let values: Vec<String> = raw.iter().map(|(_, v)| v.to_owned()).collect();
    if values.len() == expected {
        Ok(values)
    } else {
        Err(Problem::new(
            StatusCode::NOT_FOUND,
            "no operation is served at this path",
        ))
    }
}

/// The path parameters of a template whose segments hold literal text
/// beside their parameters: `segments` are the route's values, one per
/// segment that holds parameters, and `shapes` the literal text around and
/// between each segment's parameters (`rdm_{app}_app`: `["rdm_", "_app"]`).
/// Each parameter takes the text up to the next literal piece (the last,
/// up to the segment's end) and is never empty. A segment that does not
/// have its shape is a path no operation serves: 404.
pub fn split_segments(segments: &[String], shapes: &[&[&str]]) -> Result<Vec<String>, Problem> {
    let unserved = || Problem::new(StatusCode::NOT_FOUND, "no operation is served at this path");
    let mut values = Vec::new();
    for (segment, pieces) in segments.iter().zip(shapes) {
        let (first, rest) = pieces.split_first().ok_or_else(unserved)?;
        let mut text = segment.strip_prefix(first).ok_or_else(unserved)?;
        for (i, piece) in rest.iter().enumerate() {
            let end = if i + 1 == rest.len() {
                // The last piece ends the segment.
                text.len()
                    .checked_sub(piece.len())
                    .filter(|end| text[*end..] == **piece)
            } else {
                // Past the parameter's first character: it is never empty.
                let first = text.chars().next().map_or(1, char::len_utf8);
                text.get(first..)
                    .and_then(|t| t.find(piece))
                    .map(|at| at + first)
            };
            let end = end.filter(|end| *end > 0).ok_or_else(unserved)?;
            values.push(text[..end].to_owned());
            text = &text[end + piece.len()..];
        }
    }
    Ok(values)
}

/// The query string as decoded pairs, in order.
pub fn query_pairs(uri: &Uri) -> Result<Vec<(String, String)>, Problem> {
    axum::extract::Query::<Vec<(String, String)>>::try_from_uri(uri)
        .map(|q| q.0)
        .map_err(|e| {
            Problem::new(
                StatusCode::BAD_REQUEST,
                format!("the query string is invalid: {e}"),
            )
        })
}

/// A required `in: querystring` parameter (OpenAPI 3.2) whose query string
/// is a form (`application/x-www-form-urlencoded`): the object its pairs
/// make, each key a property, its value text read as the property's type
/// asks, a key given more than once a list, a property of object type JSON
/// text (as the client writes each). No query string is an object without
/// properties. A value that does not fit is a 400 naming the key.
pub fn query_string_form<T: serde::de::DeserializeOwned>(
    uri: &Uri,
    name: &str,
) -> Result<T, Problem> {
    let pairs = query_pairs(uri)?;
    style::from_form(&pairs, &[])
        .map_err(|e| form_problem(format!("the query string `{name}` is invalid"), e))
}

/// A form that does not make its type: a 400 naming the property at fault
/// (the one serde says is missing, when that is the fault).
fn form_problem(what: String, e: StyleError) -> Problem {
    let field = if e.name.is_empty() {
        missing_field(&e.message)
    } else {
        Some(e.name)
    };
    let problem = Problem::new(StatusCode::BAD_REQUEST, format!("{what}: {}", e.message));
    match field {
        Some(f) => problem.with_field(f),
        None => problem,
    }
}

/// An optional `in: querystring` form parameter: absent when the request
/// has no query string, else as [`query_string_form`].
pub fn optional_query_string_form<T: serde::de::DeserializeOwned>(
    uri: &Uri,
    name: &str,
) -> Result<Option<T>, Problem> {
    match uri.query() {
        None | Some("") => Ok(None),
        Some(_) => query_string_form(uri, name).map(Some),
    }
}

/// A required `in: querystring` parameter (OpenAPI 3.2) whose query string
/// is JSON text, percent-encoded.
pub fn query_string_json<T: serde::de::DeserializeOwned>(
    uri: &Uri,
    name: &str,
) -> Result<T, Problem> {
    optional_query_string_json(uri, name)?.ok_or_else(|| missing_param("query string", name))
}

/// An optional `in: querystring` JSON parameter: absent when the request
/// has no query string.
pub fn optional_query_string_json<T: serde::de::DeserializeOwned>(
    uri: &Uri,
    name: &str,
) -> Result<Option<T>, Problem> {
    let Some(query) = uri.query().filter(|q| !q.is_empty()) else {
        return Ok(None);
    };
    let invalid = |why: &dyn fmt::Display| {
        Problem::new(
            StatusCode::BAD_REQUEST,
            format!("the query string `{name}` is invalid: {why}"),
        )
        .with_field(name)
    };
    let text = percent_decode(query).ok_or_else(|| invalid(&"it is not percent-encoded UTF-8"))?;
    serde_json::from_str(&text)
        .map(Some)
        .map_err(|e| invalid(&e))
}

/// `text` with its `%XX` escapes decoded; `None` when one is broken or the
/// result is not UTF-8.
fn percent_decode(text: &str) -> Option<String> {
    let mut bytes = Vec::with_capacity(text.len());
    let mut rest = text.as_bytes();
    while let Some((&b, tail)) = rest.split_first() {
        if b == b'%' {
            let hex = tail.get(..2)?;
            let hex = std::str::from_utf8(hex).ok()?;
            bytes.push(u8::from_str_radix(hex, 16).ok()?);
            rest = &tail[2..];
        } else {
            bytes.push(b);
            rest = tail;
        }
    }
    String::from_utf8(bytes).ok()
}

/// A path parameter, read from its decoded text as `param` says; a value
/// that does not fit is a 400 naming the parameter.
pub fn path_param<T: serde::de::DeserializeOwned>(param: &Param, text: &str) -> Result<T, Problem> {
    param.from_path(text).map_err(|e| styled_problem(param, &e))
}

/// A query parameter from the decoded pairs ([`style::decode_query`]);
/// `others` are the operation's other query parameters. `None` when absent.
pub fn query_param<T: serde::de::DeserializeOwned>(
    param: &Param,
    pairs: &[(String, String)],
    others: &[&str],
) -> Result<Option<T>, Problem> {
    param
        .from_query(pairs, others)
        .map_err(|e| styled_problem(param, &e))
}

/// A header parameter, if the request has it.
pub fn header_param<T: serde::de::DeserializeOwned>(
    param: &Param,
    headers: &HeaderMap,
) -> Result<Option<T>, Problem> {
    let text = header(headers, param.name);
    param
        .from_header(text.as_deref())
        .map_err(|e| styled_problem(param, &e))
}

/// A cookie parameter from the request's cookies ([`cookies`]); `others`
/// are the operation's other cookie parameters. `None` when absent.
pub fn cookie_param<T: serde::de::DeserializeOwned>(
    param: &Param,
    cookies: &[(String, String)],
    others: &[&str],
) -> Result<Option<T>, Problem> {
    param
        .from_cookies(cookies, others)
        .map_err(|e| styled_problem(param, &e))
}

/// The request's query pairs, decoded.
pub fn query_params(uri: &Uri) -> Vec<(String, String)> {
    style::decode_query(uri.query().unwrap_or_default())
}

/// The request's cookies, decoded, from every `Cookie` header (bytes that
/// are not visible ASCII read as ISO-8859-1, as for every header a
/// parameter is read from, so the parameter's schema judges them).
pub fn cookies(headers: &HeaderMap) -> Vec<(String, String)> {
    let texts: Vec<std::borrow::Cow<'_, str>> = headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .map(|v| field_text(v.as_bytes()))
        .collect();
    style::decode_cookies(texts.iter().map(|t| t.as_ref()))
}

/// A required parameter's value, or a 400 naming it.
pub fn required<T>(param: &Param, value: Option<T>) -> Result<T, Problem> {
    value.ok_or_else(|| missing_param(param.location.describe(), param.name))
}

fn styled_problem(param: &Param, e: &StyleError) -> Problem {
    Problem::new(
        StatusCode::BAD_REQUEST,
        format!(
            "the {} `{}` is invalid: {}",
            param.location.describe(),
            param.name,
            e.message
        ),
    )
    .with_field(param.name)
}

/// A required parameter that is absent.
pub fn missing_param(kind: &str, name: &str) -> Problem {
    Problem::new(
        StatusCode::BAD_REQUEST,
        format!("the {kind} `{name}` is required"),
    )
    .with_field(name)
}

/// A header parameter's text, if present.
pub fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<std::borrow::Cow<'a, str>> {
    headers.get(name).map(|v| field_text(v.as_bytes()))
}

/// A header field's value as text: visible ASCII as it is, and any other
/// byte (RFC 9110's obs-text) as the ISO-8859-1 character it stands for,
/// as HTTP's history reads it (and other servers do), never a refusal of
/// a value the parameter's schema may well allow.
fn field_text(bytes: &[u8]) -> std::borrow::Cow<'_, str> {
    match std::str::from_utf8(bytes) {
        Ok(text) if bytes.is_ascii() => std::borrow::Cow::Borrowed(text),
        _ => std::borrow::Cow::Owned(bytes.iter().map(|b| char::from(*b)).collect()),
    }
}

/// A required JSON body: present, declared as JSON (else `unsupported`, the
/// status the spec documents for it or 400), and well-formed.
pub fn json_body<T: serde::de::DeserializeOwned>(
    headers: &HeaderMap,
    bytes: &[u8],
    unsupported: StatusCode,
) -> Result<T, Problem> {
    if bytes.is_empty() {
        return Err(Problem::new(
            StatusCode::BAD_REQUEST,
            "a request body is required",
        ));
    }
    if !is_json_content_type(headers) {
        return Err(Problem::new(
            unsupported,
            "the request body must be JSON (Content-Type: application/json)",
        ));
    }
    parse_json(bytes)
}

/// A required body of another media type (bytes, multipart): refused with
/// 400 when absent, that is empty and without a `Content-Type`; an empty
/// body that declares its type (an empty file, say) is one.
pub fn raw_body(
    headers: &HeaderMap,
    bytes: &axum::body::Bytes,
) -> Result<axum::body::Bytes, Problem> {
    if bytes.is_empty() && !headers.contains_key(axum::http::header::CONTENT_TYPE) {
        return Err(Problem::new(
            StatusCode::BAD_REQUEST,
            "a request body is required",
        ));
    }
    Ok(bytes.clone())
}

/// A required request body that streams: refused, as [`raw_body`] refuses
/// one in memory, when nothing is sent (known to be empty, and no
/// `Content-Type`); an empty body that declares its type is one.
pub fn raw_stream(
    headers: &HeaderMap,
    stream: super::stream::ByteStream,
) -> Result<super::stream::ByteStream, Problem> {
    if stream.is_empty() && !headers.contains_key(axum::http::header::CONTENT_TYPE) {
        return Err(Problem::new(
            StatusCode::BAD_REQUEST,
            "a request body is required",
        ));
    }
    Ok(stream)
}

/// A `multipart/form-data` body, read from its stream into a form (within
/// the body limit: crossing it is a 413). Another media type is
/// `unsupported` (the status the spec documents for it, or 400); a body
/// that is not well-formed multipart, or stops arriving, is a 400 or 408.
/// `None` when no body was sent (empty, and no `Content-Type`): the stub
/// says whether one is required.
pub async fn multipart_body(
    headers: &HeaderMap,
    body: super::stream::ByteStream,
    limits: &Limits,
    unsupported: StatusCode,
) -> Result<Option<super::multipart::Form>, Problem> {
    use super::multipart::{Form, FormReadError};
    let Some(content_type) = headers.get(axum::http::header::CONTENT_TYPE) else {
        if body.is_empty() {
            return Ok(None);
        }
        return Err(Problem::new(
            unsupported,
            "the request body must be multipart/form-data",
        ));
    };
    let content_type = content_type.to_str().unwrap_or_default();
    let essence = content_type.split(';').next().unwrap_or_default().trim();
    if !essence.eq_ignore_ascii_case("multipart/form-data") {
        return Err(Problem::new(
            unsupported,
            "the request body must be multipart/form-data",
        ));
    }
    match Form::read(content_type, body).await {
        Ok(form) => Ok(Some(form)),
        Err(FormReadError::TooLarge) => Err(too_large(limits.body_limit)),
        Err(FormReadError::Stalled) => Err(Problem::new(
            StatusCode::REQUEST_TIMEOUT,
            "the request body stopped arriving",
        )),
        Err(FormReadError::NotMultipart(e) | FormReadError::Malformed(e)) => Err(Problem::new(
            StatusCode::BAD_REQUEST,
            format!("the request body is not a well-formed multipart/form-data body: {e}"),
        )),
    }
}

/// The answer to a request without the body the operation requires.
pub fn body_required() -> Problem {
    Problem::new(StatusCode::BAD_REQUEST, "a request body is required")
}

/// A part of a form that is absent or does not read as its type: 400,
/// naming the part.
impl From<super::multipart::PartError> for Problem {
    fn from(error: super::multipart::PartError) -> Self {
        Problem::new(StatusCode::BAD_REQUEST, error.to_string()).with_field(error.part)
    }
}

/// An optional JSON body: absent when empty.
pub fn optional_json_body<T: serde::de::DeserializeOwned>(
    headers: &HeaderMap,
    bytes: &[u8],
    unsupported: StatusCode,
) -> Result<Option<T>, Problem> {
    if bytes.is_empty() {
        Ok(None)
    } else {
        json_body(headers, bytes, unsupported).map(Some)
    }
}

/// A required `application/x-www-form-urlencoded` body: present, declared
/// as a form (else `unsupported`), each property read as its `encoding`
/// entry in `fields` says, or as `form` does ([`style::from_form`]). A
/// property that does not fit is a 400 naming it.
pub fn form_body<T: serde::de::DeserializeOwned>(
    headers: &HeaderMap,
    bytes: &[u8],
    fields: &[Param],
    unsupported: StatusCode,
) -> Result<T, Problem> {
    let essence = headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|ct| ct.split(';').next())
        .map(|e| e.trim().to_ascii_lowercase());
    if essence.as_deref() != Some("application/x-www-form-urlencoded") {
        return Err(Problem::new(
            unsupported,
            "the request body must be a form (Content-Type: application/x-www-form-urlencoded)",
        ));
    }
    let text = std::str::from_utf8(bytes)
        .map_err(|_| Problem::new(StatusCode::BAD_REQUEST, "the form body is not UTF-8 text"))?;
    style::from_form(&style::decode_query(text), fields)
        .map_err(|e| form_problem("the form body is invalid".to_owned(), e))
}

/// An optional form body: absent when empty.
pub fn optional_form_body<T: serde::de::DeserializeOwned>(
    headers: &HeaderMap,
    bytes: &[u8],
    fields: &[Param],
    unsupported: StatusCode,
) -> Result<Option<T>, Problem> {
    if bytes.is_empty() {
        Ok(None)
    } else {
        form_body(headers, bytes, fields, unsupported).map(Some)
    }
}

/// Broken constraints as a 400 naming the first field at fault.
pub fn invalid(error: super::validation::ValidationError) -> Problem {
    let field = error.first().field.clone();
    let problem = Problem::new(StatusCode::BAD_REQUEST, error.to_string());
    if field.is_empty() {
        problem
    } else {
        problem.with_field(field)
    }
}

/// Whether a `Content-Type` header names JSON (`application/json`, `…+json`,
/// with any parameters).
pub fn is_json_content_type(headers: &HeaderMap) -> bool {
    let Some(ct) = headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let essence = ct
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    essence == "application/json"
        || (essence.starts_with("application/") && essence.ends_with("+json"))
}

/// Parses a JSON body, naming the field at fault on failure.
///
/// A body that parses is read once, without tracking where the parser is;
/// only a body that fails is read again, tracking the path, to name the
/// field at fault (the same error: parsing is deterministic).
pub fn parse_json<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Result<T, Problem> {
    match serde_json::from_slice(bytes) {
        Ok(value) => Ok(value),
        // `3.0` is an integer to JSON Schema: read again with such numbers
        // written as integers. When that fails too, its failure is the one
        // reported: on the bytes sent, the first error could be a `3.0`
        // that was right, in front of the value that is wrong.
        Err(_) => match super::validation::integral_numbers(bytes) {
            Some(fixed) => match serde_json::from_slice(&fixed) {
                Ok(value) => Ok(value),
                Err(_) => parse_json_tracked(&fixed).map_err(without_position),
            },
            None => parse_json_tracked(bytes),
        },
    }
}

/// `problem` without serde's ` at line L column C`: for a document written
/// again, where the position is not one in the bytes sent.
fn without_position(mut problem: Problem) -> Problem {
    if let Some(at) = problem.message.rfind(" at line ") {
        let rest = &problem.message[at + " at line ".len()..];
        let position = rest.split_once(" column ").is_some_and(|(line, column)| {
            line.bytes().all(|b| b.is_ascii_digit())
                && !column.is_empty()
                && column.bytes().all(|b| b.is_ascii_digit())
        });
        if position {
            problem.message.truncate(at);
        }
    }
    problem
}

/// [`parse_json`]'s slow path: the parse again, tracking the path.
fn parse_json_tracked<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Result<T, Problem> {
    let invalid = |e: &dyn fmt::Display| {
        Problem::new(
            StatusCode::BAD_REQUEST,
            format!("the request body is invalid: {e}"),
        )
    };
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize::<_, T>(&mut de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        let field = if path == "." {
            missing_field(&inner.to_string())
        } else {
            Some(path)
        };
        let problem = invalid(&inner);
        match field {
            Some(f) => problem.with_field(f),
            None => problem,
        }
    })?;
    de.end().map_err(|e| invalid(&e))?;
    Ok(value)
}

/// serde reports a missing field at its parent; recover its name.
fn missing_field(message: &str) -> Option<String> {
    let rest = message.strip_prefix("missing field `")?;
    Some(rest[..rest.find('`')?].to_owned())
}
