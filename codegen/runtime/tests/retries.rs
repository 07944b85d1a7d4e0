//! `client`: retries, hooks and the per-attempt timeout, against scripted
//! servers on 127.0.0.1 — a port that refuses, then accepts; servers that
//! answer a sequence of statuses. Every call runs under an outer timeout.
#![cfg(feature = "client")]

use std::future::Future;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use codegen_runtime::auth::{AuthError, Authenticator};
use codegen_runtime::client::{
    retry_after, CallInfo, ClientConfig, Error, Interceptor, Operation, RawResponse, RetryPolicy,
    IDEMPOTENT_METHODS, TRANSIENT_STATUSES,
};
use codegen_runtime::signing::AkSk;
use reqwest::header::{HeaderMap, HeaderValue, RETRY_AFTER};
use reqwest::{Method, StatusCode};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// The longest any call under test may take.
const LIMIT: Duration = Duration::from_secs(10);

const BODY: &str = r#"{"ids":["a"]}"#;

async fn bounded<F: Future>(what: &str, f: F) -> F::Output {
    tokio::time::timeout(LIMIT, f)
        .await
        .unwrap_or_else(|_| panic!("{what} took longer than {LIMIT:?}"))
}

/// Short waits, so the tests do not sleep for nothing.
fn quick(policy: RetryPolicy) -> RetryPolicy {
    policy.with_delays(Duration::from_millis(10), Duration::from_millis(40))
}

/// One `method` call with a JSON body through `config`.
async fn call(config: &ClientConfig, method: Method) -> Result<RawResponse, Error<String>> {
    let operation = Operation::new("DeleteThings", method, "/v1/{project_id}/things");
    let mut request = config.request(operation, "/v1/p1/things")?;
    request.json("application/json", &serde_json::json!({ "ids": ["a"] }))?;
    bounded("the call", config.execute(request)).await
}

/// A request as received: its head and body.
#[derive(Clone, Debug)]
struct Received {
    head: String,
    body: String,
}

type Log = Arc<Mutex<Vec<Received>>>;

/// Reads one request (head, then a `content-length` body); `None` if the
/// client closed first.
async fn read_request(stream: &mut TcpStream) -> Option<Received> {
    let mut raw = Vec::new();
    let mut buf = [0u8; 4096];
    let end = loop {
        if let Some(i) = raw.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        let n = stream.read(&mut buf).await.ok()?;
        if n == 0 {
            return None;
        }
        raw.extend_from_slice(&buf[..n]);
    };
    let head = String::from_utf8_lossy(&raw[..end]).into_owned();
    let length = head
        .lines()
        .find_map(|l| {
            let (name, value) = l.split_once(':')?;
            name.eq_ignore_ascii_case("content-length")
                .then(|| value.trim().parse::<usize>().ok())?
        })
        .unwrap_or(0);
    while raw.len() < end + length {
        let n = stream.read(&mut buf).await.ok()?;
        if n == 0 {
            return None;
        }
        raw.extend_from_slice(&buf[..n]);
    }
    let body = String::from_utf8_lossy(&raw[end..end + length]).into_owned();
    Some(Received { head, body })
}

/// A complete response: `status` line text, extra header lines, a JSON body.
fn response(status: &str, extra: &str) -> String {
    let body = r#"{"code":"x"}"#;
    format!(
        "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\
         x-request-id: rid-{}\r\nconnection: close\r\n{extra}\r\n{body}",
        body.len(),
        status.split(' ').next().unwrap_or("0"),
    )
}

/// Serves `listener`: the n-th request gets `script[n]`, later ones the
/// last entry; each after `delay`.
fn serve_on(listener: TcpListener, script: Vec<String>, delay: Duration) -> Log {
    let log = Log::default();
    let seen = log.clone();
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            let Some(request) = read_request(&mut stream).await else {
                continue;
            };
            let n = {
                let mut seen = seen.lock().unwrap();
                seen.push(request);
                seen.len() - 1
            };
            let answer = script[n.min(script.len() - 1)].clone();
            tokio::time::sleep(delay).await;
            let _ = stream.write_all(answer.as_bytes()).await;
            let _ = stream.shutdown().await;
        }
    });
    log
}

async fn scripted(script: Vec<String>) -> (String, Log) {
    scripted_slowly(script, Duration::ZERO).await
}

async fn scripted_slowly(script: Vec<String>, delay: Duration) -> (String, Log) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("local addr"));
    (url, serve_on(listener, script, delay))
}

/// A port nothing listens on (bound, then released).
fn free_port() -> std::net::SocketAddr {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.local_addr().expect("local addr")
}

/// What a hook saw, attempt by attempt.
#[derive(Clone, Debug, Default)]
struct Seen(Arc<Mutex<Vec<String>>>);

impl Seen {
    fn events(&self) -> Vec<String> {
        self.0.lock().unwrap().clone()
    }
}

impl Interceptor for Seen {
    fn on_request(&self, request: &mut reqwest::Request, info: &CallInfo<'_>) {
        let value = HeaderValue::from(info.attempt);
        request.headers_mut().insert("x-hook-attempt", value);
        self.0.lock().unwrap().push(format!(
            "request {} {} {}",
            info.operation.id, info.operation.method, info.attempt
        ));
    }

    fn on_response(&self, response: &RawResponse, info: &CallInfo<'_>) {
        self.0.lock().unwrap().push(format!(
            "response {} {}",
            info.attempt,
            response.status.as_u16()
        ));
    }

    fn on_transport_error(&self, error: &reqwest::Error, info: &CallInfo<'_>) {
        let kind = if error.is_connect() {
            "connect"
        } else {
            "other"
        };
        self.0
            .lock()
            .unwrap()
            .push(format!("error {} {kind}", info.attempt));
    }
}

#[test]
fn the_default_policy_retries_connection_failures_only() {
    let policy = RetryPolicy::default();
    assert_eq!(policy.max_attempts(), 3);
    assert!(policy.statuses().is_empty());
    assert_eq!(policy.methods(), &IDEMPOTENT_METHODS[..]);
    assert_eq!(ClientConfig::new("http://h").retry_policy(), &policy);
    for status in [429, 500, 502, 503, 504] {
        let status = StatusCode::from_u16(status).unwrap();
        assert!(!policy.retries(&Method::GET, status), "{status}");
    }

    let transient = RetryPolicy::default().retry_statuses(TRANSIENT_STATUSES);
    let unavailable = StatusCode::SERVICE_UNAVAILABLE;
    for method in [Method::GET, Method::HEAD, Method::OPTIONS, Method::PUT] {
        assert!(transient.retries(&method, unavailable), "{method}");
    }
    // Deletes of these APIs are not idempotent: only by name.
    for method in [Method::POST, Method::DELETE, Method::PATCH] {
        assert!(!transient.retries(&method, unavailable), "{method}");
    }
    assert!(!transient.retries(&Method::GET, StatusCode::INTERNAL_SERVER_ERROR));
    let posts = transient.retry_methods([Method::POST]);
    assert!(posts.retries(&Method::POST, unavailable));
    assert!(!posts.retries(&Method::GET, unavailable));

    assert_eq!(RetryPolicy::none().max_attempts(), 1);
    assert_eq!(
        RetryPolicy::default().with_max_attempts(0).max_attempts(),
        1
    );
}

#[tokio::test]
async fn a_refused_connection_is_retried_until_the_server_is_there() {
    let addr = free_port();
    let server = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(50)).await;
        let listener = TcpListener::bind(addr).await.expect("bind the port again");
        serve_on(listener, vec![response("200 OK", "")], Duration::ZERO)
    });
    let seen = Seen::default();
    // The first attempt finds nothing; the retry, at least 300 ms later, a server.
    let policy =
        RetryPolicy::default().with_delays(Duration::from_millis(300), Duration::from_millis(300));
    let config = ClientConfig::new(format!("http://{addr}"))
        .with_retry(policy)
        .with_interceptor(seen.clone());
    let response = call(&config, Method::POST)
        .await
        .expect("the retry succeeds");
    assert_eq!(response.status, StatusCode::OK);
    let log = server.await.expect("server");
    assert_eq!(log.lock().unwrap().len(), 1);
    assert_eq!(
        seen.events(),
        [
            "request DeleteThings POST 1",
            "error 1 connect",
            "request DeleteThings POST 2",
            "response 2 200",
        ]
    );
}

#[tokio::test]
async fn connection_retries_stop_at_max_attempts() {
    let addr = free_port();
    let seen = Seen::default();
    let config = ClientConfig::new(format!("http://{addr}"))
        .with_retry(quick(RetryPolicy::default().with_max_attempts(4)))
        .with_interceptor(seen.clone());
    let error = call(&config, Method::POST).await.unwrap_err();
    assert!(
        matches!(&error, Error::Transport(e) if e.is_connect()),
        "{error:?}"
    );
    let errors: Vec<String> = seen
        .events()
        .into_iter()
        .filter(|e| e.starts_with("error"))
        .collect();
    assert_eq!(
        errors,
        [
            "error 1 connect",
            "error 2 connect",
            "error 3 connect",
            "error 4 connect"
        ]
    );

    let seen = Seen::default();
    let config = ClientConfig::new(format!("http://{addr}"))
        .with_retry(RetryPolicy::none())
        .with_interceptor(seen.clone());
    call(&config, Method::GET).await.unwrap_err();
    assert_eq!(
        seen.events(),
        ["request DeleteThings GET 1", "error 1 connect"]
    );
}

#[tokio::test]
async fn a_dropped_connection_is_not_retried() {
    // Accepts, reads the request and hangs up without an answer: the server
    // may have acted on it.
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("http://{}", listener.local_addr().unwrap());
    let count = Arc::new(AtomicU32::new(0));
    let counted = count.clone();
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            let _ = read_request(&mut stream).await;
            counted.fetch_add(1, Ordering::SeqCst);
            drop(stream);
        }
    });
    let config = ClientConfig::new(url).with_retry(quick(
        RetryPolicy::default()
            .retry_statuses(TRANSIENT_STATUSES)
            .retry_methods([Method::GET]),
    ));
    let error = call(&config, Method::GET).await.unwrap_err();
    assert!(matches!(error, Error::Transport(_)), "{error:?}");
    assert_eq!(count.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn a_500_on_a_post_is_retried_only_when_configured() {
    let failing = || vec![response("500 Internal Server Error", "")];

    // The default policy: one request, its 500 the outcome.
    let (url, log) = scripted(failing()).await;
    let config = ClientConfig::new(url);
    let response = call(&config, Method::POST).await.expect("a response");
    assert_eq!(response.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(log.lock().unwrap().len(), 1);

    // The status named, but POST is not an idempotent method.
    let (url, log) = scripted(failing()).await;
    let config =
        ClientConfig::new(url).with_retry(quick(RetryPolicy::default().retry_statuses([500])));
    call(&config, Method::POST).await.expect("a response");
    assert_eq!(log.lock().unwrap().len(), 1);

    // Status and method named: every attempt, then the last 500 as the outcome.
    let (url, log) = scripted(failing()).await;
    let policy = quick(
        RetryPolicy::default()
            .retry_statuses([500])
            .retry_methods([Method::POST])
            .with_max_attempts(3),
    );
    let config = ClientConfig::new(url).with_retry(policy);
    let response = call(&config, Method::POST).await.expect("a response");
    assert_eq!(response.status, StatusCode::INTERNAL_SERVER_ERROR);
    let log = log.lock().unwrap();
    assert_eq!(log.len(), 3);
    // The body went out with every attempt.
    assert!(log.iter().all(|r| r.body == BODY), "{log:?}");
}

#[tokio::test]
async fn retry_after_seconds_are_waited_for() {
    let (url, log) = scripted(vec![
        response("503 Service Unavailable", "retry-after: 1\r\n"),
        response("200 OK", ""),
    ])
    .await;
    let policy = RetryPolicy::default()
        .retry_statuses(TRANSIENT_STATUSES)
        .retry_methods([Method::POST])
        .with_delays(Duration::from_millis(10), Duration::from_secs(5));
    let config = ClientConfig::new(url).with_retry(policy);
    let started = Instant::now();
    let response = call(&config, Method::POST).await.expect("a response");
    let elapsed = started.elapsed();
    assert_eq!(response.status, StatusCode::OK);
    assert_eq!(log.lock().unwrap().len(), 2);
    assert!(
        elapsed >= Duration::from_millis(950),
        "waited only {elapsed:?}"
    );
    assert!(elapsed < Duration::from_secs(5), "waited {elapsed:?}");
}

#[tokio::test]
async fn retry_after_is_capped_by_the_max_delay() {
    let (url, log) = scripted(vec![
        response("429 Too Many Requests", "retry-after: 3600\r\n"),
        response("200 OK", ""),
    ])
    .await;
    let policy = RetryPolicy::default()
        .retry_statuses(TRANSIENT_STATUSES)
        .with_delays(Duration::from_millis(10), Duration::from_millis(200));
    let config = ClientConfig::new(url).with_retry(policy);
    let started = Instant::now();
    let response = call(&config, Method::PUT).await.expect("a response");
    assert_eq!(response.status, StatusCode::OK);
    assert_eq!(log.lock().unwrap().len(), 2);
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
}

#[test]
fn retry_after_reads_seconds_and_http_dates() {
    let header = |v: &'static str| {
        let mut h = HeaderMap::new();
        h.insert(RETRY_AFTER, HeaderValue::from_static(v));
        h
    };
    // Sun, 06 Nov 1994 08:49:37 GMT
    let date = UNIX_EPOCH + Duration::from_secs(784_111_777);
    let now = date - Duration::from_secs(5);
    assert_eq!(
        retry_after(&header("120"), now),
        Some(Duration::from_secs(120))
    );
    assert_eq!(
        retry_after(&header("Sun, 06 Nov 1994 08:49:37 GMT"), now),
        Some(Duration::from_secs(5))
    );
    // A date already past: no wait.
    assert_eq!(
        retry_after(&header("Sun, 06 Nov 1994 08:49:37 GMT"), SystemTime::now()),
        Some(Duration::ZERO)
    );
    assert_eq!(retry_after(&header("soon"), now), None);
    assert_eq!(retry_after(&header("-1"), now), None);
    assert_eq!(retry_after(&HeaderMap::new(), now), None);
}

/// Signs by numbering: each call of `authenticate` sets the next number.
#[derive(Debug, Default)]
struct Numbering(AtomicU32);

impl Authenticator for Numbering {
    fn authenticate(&self, request: &mut reqwest::Request) -> Result<(), AuthError> {
        let n = self.0.fetch_add(1, Ordering::SeqCst) + 1;
        request
            .headers_mut()
            .insert("x-signature", HeaderValue::from(n));
        Ok(())
    }
}

fn header_values<'a>(head: &'a str, name: &str) -> Vec<&'a str> {
    head.lines()
        .filter_map(|l| {
            let (n, v) = l.split_once(':')?;
            n.eq_ignore_ascii_case(name).then_some(v.trim())
        })
        .collect()
}

#[tokio::test]
async fn every_attempt_is_signed_again_and_seen_by_the_hooks() {
    let unavailable = response("503 Service Unavailable", "");
    let (url, log) = scripted(vec![
        unavailable.clone(),
        unavailable,
        response("200 OK", ""),
    ])
    .await;
    let seen = Seen::default();
    let policy = quick(
        RetryPolicy::default()
            .retry_statuses([503])
            .retry_methods([Method::POST]),
    );
    let config = ClientConfig::new(url)
        .with_retry(policy)
        .with_auth(Numbering::default())
        .with_interceptor(seen.clone());
    let response = call(&config, Method::POST).await.expect("a response");
    assert_eq!(response.status, StatusCode::OK);
    let log = log.lock().unwrap();
    let signatures: Vec<&str> = log
        .iter()
        .flat_map(|r| header_values(&r.head, "x-signature"))
        .collect();
    assert_eq!(signatures, ["1", "2", "3"]);
    let hooked: Vec<&str> = log
        .iter()
        .flat_map(|r| header_values(&r.head, "x-hook-attempt"))
        .collect();
    assert_eq!(hooked, ["1", "2", "3"]);
    assert_eq!(
        seen.events(),
        [
            "request DeleteThings POST 1",
            "response 1 503",
            "request DeleteThings POST 2",
            "response 2 503",
            "request DeleteThings POST 3",
            "response 3 200",
        ]
    );
}

#[tokio::test]
async fn an_aksk_signature_is_made_afresh_for_each_attempt() {
    let (url, log) = scripted(vec![
        response("502 Bad Gateway", ""),
        response("200 OK", ""),
    ])
    .await;
    let policy = quick(
        RetryPolicy::default()
            .retry_statuses([502])
            .retry_methods([Method::POST]),
    );
    let config = ClientConfig::new(url)
        .with_retry(policy)
        .with_auth(AkSk::new("AK0000000000000001", "secret-key-not-to-be-seen"));
    call(&config, Method::POST).await.expect("a response");
    let log = log.lock().unwrap();
    assert_eq!(log.len(), 2);
    for r in log.iter() {
        // One date and one signature per attempt: the second attempt does
        // not carry the first one's headers along.
        assert_eq!(header_values(&r.head, "x-sdk-date").len(), 1, "{}", r.head);
        let authorization = header_values(&r.head, "authorization");
        assert_eq!(authorization.len(), 1, "{}", r.head);
        assert!(authorization[0].starts_with("SDK-HMAC-SHA256 Access=AK0000000000000001"));
        assert_eq!(r.body, BODY);
    }
}

#[tokio::test]
async fn the_timeout_bounds_each_attempt_not_the_call() {
    // Each answer takes 250 ms; three attempts take longer than the 400 ms
    // timeout together, but none alone.
    let unavailable = response("503 Service Unavailable", "");
    let (url, log) = scripted_slowly(
        vec![unavailable.clone(), unavailable, response("200 OK", "")],
        Duration::from_millis(250),
    )
    .await;
    let policy = quick(
        RetryPolicy::default()
            .retry_statuses([503])
            .retry_methods([Method::POST]),
    );
    let config = ClientConfig::new(url)
        .with_retry(policy)
        .with_timeout(Duration::from_millis(400));
    let started = Instant::now();
    let outcome = call(&config, Method::POST).await.expect("a response");
    assert_eq!(outcome.status, StatusCode::OK);
    assert_eq!(log.lock().unwrap().len(), 3);
    assert!(started.elapsed() > Duration::from_millis(400));

    // An attempt over the timeout fails the call: a timeout after
    // connecting is not retried.
    let (url, log) = scripted_slowly(vec![response("200 OK", "")], Duration::from_secs(2)).await;
    let config = ClientConfig::new(url)
        .with_retry(quick(
            RetryPolicy::default()
                .retry_statuses([503])
                .retry_methods([Method::POST]),
        ))
        .with_timeout(Duration::from_millis(300));
    let error = call(&config, Method::POST).await.unwrap_err();
    assert!(matches!(error, Error::Timeout { .. }), "{error:?}");
    assert_eq!(log.lock().unwrap().len(), 1);
}

#[test]
fn a_call_can_run_on_any_thread() {
    fn assert_send<T: Send>(_: &T) {}
    let config = ClientConfig::new("http://127.0.0.1:9")
        .with_retry(RetryPolicy::default().retry_statuses(TRANSIENT_STATUSES))
        .with_interceptor(Seen::default());
    let operation = Operation::new("DeleteThings", Method::POST, "/v1/{project_id}/things");
    let request = config.request(operation, "/v1/p1/things").unwrap();
    let future = config.execute::<String>(request);
    assert_send(&future);
}
