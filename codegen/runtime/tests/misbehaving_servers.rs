//! `client`: the runtime against servers that misbehave on 127.0.0.1 —
//! servers that never answer, answer without end, redirect to another
//! origin, or are not there. Every call runs under an outer timeout, so a
//! client that hangs fails its test instead of hanging it.
#![cfg(feature = "client")]

use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use codegen_runtime::auth::ApiKeyHeader;
use codegen_runtime::client::{
    install_crypto_provider, ClientConfig, Error, Operation, RawResponse, DEFAULT_CONNECT_TIMEOUT,
    DEFAULT_MAX_RESPONSE_BODY, DEFAULT_TIMEOUT,
};
use reqwest::Method;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

/// The longest any call under test may take.
const LIMIT: Duration = Duration::from_secs(5);

/// The short total timeout the tests configure.
const SHORT: Duration = Duration::from_millis(300);

const TOKEN: &str = "s3cr3t";

async fn bounded<F: Future>(what: &str, f: F) -> F::Output {
    tokio::time::timeout(LIMIT, f)
        .await
        .unwrap_or_else(|_| panic!("{what} took longer than {LIMIT:?}"))
}

fn token() -> ApiKeyHeader {
    ApiKeyHeader::new("X-Auth-Token", TOKEN).unwrap()
}

/// One POST with a JSON body through `config`.
async fn call(config: &ClientConfig) -> Result<RawResponse, Error<String>> {
    let mut request = config.request(
        Operation::new("Test", Method::POST, "/v1/p/things/delete"),
        "/v1/p/things/delete",
    )?;
    request.json("application/json", &serde_json::json!({ "ids": ["a"] }))?;
    bounded("the call", config.execute(request)).await
}

/// Reads a request head; `None` if the client closed first.
async fn read_head(stream: &mut TcpStream) -> Option<String> {
    let mut raw = Vec::new();
    let mut buf = [0u8; 4096];
    while !raw.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = stream.read(&mut buf).await.ok()?;
        if n == 0 {
            return None;
        }
        raw.extend_from_slice(&buf[..n]);
    }
    Some(String::from_utf8_lossy(&raw).into_owned())
}

async fn listen() -> (TcpListener, String) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("local addr"));
    (listener, url)
}

/// Accepts connections and reads their requests, but never answers.
async fn stalled() -> String {
    let (listener, url) = listen().await;
    tokio::spawn(async move {
        let mut open = Vec::new();
        while let Ok((mut stream, _)) = listener.accept().await {
            let _ = read_head(&mut stream).await;
            open.push(stream);
        }
    });
    url
}

/// The heads of the requests a server received, in order.
type Received = Arc<Mutex<Vec<String>>>;

/// Answers each connection with `head` followed by `body`, then, with
/// `stall`, keeps the connection open without sending more.
async fn answering(head: String, body: Vec<u8>, stall: bool) -> (String, Received) {
    let (listener, url) = listen().await;
    let received = Received::default();
    let log = received.clone();
    tokio::spawn(async move {
        let mut open = Vec::new();
        while let Ok((mut stream, _)) = listener.accept().await {
            let Some(request) = read_head(&mut stream).await else {
                continue;
            };
            log.lock().unwrap().push(request);
            let _ = stream.write_all(head.as_bytes()).await;
            let _ = stream.write_all(&body).await;
            if stall {
                open.push(stream);
            } else {
                let _ = stream.shutdown().await;
            }
        }
    });
    (url, received)
}

/// A complete response with a body.
fn response(status: &str, extra: &str, body: &str) -> (String, Vec<u8>) {
    (
        format!(
            "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\
             x-request-id: rid-1\r\nconnection: close\r\n{extra}\r\n",
            body.len()
        ),
        body.as_bytes().to_vec(),
    )
}

/// Answers 200 with a body that never ends (no length, no chunking: the
/// body runs until the connection closes). Gives the bytes it managed to
/// send once the client hung up.
async fn endless() -> (String, JoinHandle<u64>) {
    let (listener, url) = listen().await;
    let task = tokio::spawn(async move {
        let (mut stream, _) = listener.accept().await.expect("accept");
        read_head(&mut stream).await.expect("a request");
        let head =
            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\nx-request-id: rid-1\r\n\r\n";
        stream.write_all(head.as_bytes()).await.expect("head");
        let chunk = vec![b' '; 64 << 10];
        let mut sent = 0u64;
        while stream.write_all(&chunk).await.is_ok() {
            sent += chunk.len() as u64;
        }
        sent
    });
    (url, task)
}

/// Fails if a connection reaches `listener` within a short wait.
async fn assert_no_connection(listener: &TcpListener, case: &str) {
    let accepted = tokio::time::timeout(Duration::from_millis(300), listener.accept()).await;
    assert!(accepted.is_err(), "{case}: a connection reached the server");
}

#[test]
fn the_defaults_bound_every_call() {
    let config = ClientConfig::new("http://127.0.0.1:1");
    assert_eq!(config.timeout(), Duration::from_secs(60));
    assert_eq!(config.timeout(), DEFAULT_TIMEOUT);
    assert_eq!(config.connect_timeout(), Duration::from_secs(10));
    assert_eq!(config.connect_timeout(), DEFAULT_CONNECT_TIMEOUT);
    assert_eq!(config.max_response_body(), 16 << 20);
    assert_eq!(config.max_response_body(), DEFAULT_MAX_RESPONSE_BODY);
    let config = config
        .with_timeout(SHORT)
        .with_connect_timeout(Duration::from_secs(2))
        .with_max_response_body(1000);
    assert_eq!(config.timeout(), SHORT);
    assert_eq!(config.connect_timeout(), Duration::from_secs(2));
    assert_eq!(config.max_response_body(), 1000);
}

/// Checks a timeout error: the variant, its wording and its source.
fn assert_timed_out(outcome: Result<RawResponse, Error<String>>, url: &str, after: &str) {
    let err = outcome.expect_err("a server that never answers");
    let text = err.to_string();
    let host = url.trim_start_matches("http://");
    assert_eq!(
        text,
        format!("the request to {host} timed out after {after} without a complete response")
    );
    let source = std::error::Error::source(&err).expect("the reqwest error is the source");
    assert!(source
        .downcast_ref::<reqwest::Error>()
        .is_some_and(reqwest::Error::is_timeout));
    assert_eq!(err.status(), None);
    assert!(matches!(err, Error::Timeout { .. }), "{err:?}");
}

#[tokio::test]
async fn a_server_that_never_answers_times_out_with_the_default_client() {
    let url = stalled().await;
    let config = ClientConfig::new(&url).with_timeout(SHORT);
    let started = Instant::now();
    let outcome = call(&config).await;
    assert!(started.elapsed() < Duration::from_secs(3));
    assert_timed_out(outcome, &url, "300 ms");
}

#[tokio::test]
async fn a_server_that_never_answers_times_out_with_a_caller_built_client() {
    let url = stalled().await;
    // As the README builds it.
    let http = ClientConfig::http_client_builder()
        .user_agent("batch-tool/1.0")
        .build()
        .unwrap();
    let config = ClientConfig::new(&url)
        .with_http_client(http)
        .with_timeout(SHORT);
    assert_timed_out(call(&config).await, &url, "300 ms");

    // A client built without any timeout is still bounded by the config's.
    install_crypto_provider();
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let config = ClientConfig::new(&url)
        .with_http_client(http)
        .with_timeout(Duration::from_millis(1500));
    assert_timed_out(call(&config).await, &url, "1.5 s");
}

#[tokio::test]
async fn a_body_that_stops_midway_times_out() {
    let head = "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n";
    let (url, _) = answering(head.into(), b"{\"ids\":".to_vec(), true).await;
    let config = ClientConfig::new(&url).with_timeout(SHORT);
    assert_timed_out(call(&config).await, &url, "300 ms");
}

#[tokio::test]
async fn an_endless_body_stops_at_the_limit() {
    let (url, server) = endless().await;
    let config = ClientConfig::new(&url)
        .with_timeout(Duration::from_secs(30))
        .with_max_response_body(64 << 10);
    let err = call(&config).await.expect_err("an endless body");
    assert_eq!(
        err.to_string(),
        "the server answered 200 OK with a response body over 64 KiB, the configured limit; \
         reading stopped there (request id rid-1)"
    );
    assert_eq!(err.status().map(|s| s.as_u16()), Some(200));
    assert_eq!(err.request_id(), Some("rid-1"));
    match &err {
        Error::BodyTooLarge { limit, .. } => assert_eq!(*limit, 64 << 10),
        other => panic!("expected BodyTooLarge, got {other:?}"),
    }
    drop(err);
    // The client hung up: the server stops, having sent a bounded amount.
    let sent = bounded("the server", server).await.expect("server task");
    assert!(sent < 64 << 20, "the server sent {sent} bytes");
}

#[tokio::test]
async fn a_declared_length_over_the_limit_fails_before_the_body_arrives() {
    // 200 MB announced, nothing sent: the call fails at once, not at the timeout.
    let head = "HTTP/1.1 200 OK\r\ncontent-length: 200000000\r\n\r\n";
    let (url, _) = answering(head.into(), Vec::new(), true).await;
    let config = ClientConfig::new(&url).with_timeout(Duration::from_secs(30));
    let err = call(&config).await.expect_err("too large");
    assert!(
        err.to_string()
            .contains("with a response body over 16 MiB, the configured limit"),
        "{err}"
    );
    assert!(matches!(err, Error::BodyTooLarge { .. }), "{err:?}");
}

#[tokio::test]
async fn a_body_at_the_limit_is_read_whole() {
    let body = "x".repeat(1000);
    for (limit, ok) in [(1000, true), (999, false)] {
        // Announced length, then a body without one.
        let (head, bytes) = response("200 OK", "", &body);
        let (url, _) = answering(head, bytes, false).await;
        let config = ClientConfig::new(&url).with_max_response_body(limit);
        let outcome = call(&config).await;
        assert_eq!(outcome.is_ok(), ok, "{limit}: {outcome:?}");

        let head = "HTTP/1.1 200 OK\r\nconnection: close\r\n\r\n".to_owned();
        let (url, _) = answering(head, body.clone().into_bytes(), false).await;
        let config = ClientConfig::new(&url).with_max_response_body(limit);
        match call(&config).await {
            Ok(raw) if ok => assert_eq!(raw.body, body.as_bytes()),
            Err(Error::BodyTooLarge { .. }) if !ok => {}
            other => panic!("{limit}, no length: {other:?}"),
        }
    }
}

/// A first server redirecting to a second one, on another port and so
/// another origin; gives the first URL, the second listener and its URL.
async fn redirect_to_another_origin(status: &str) -> (String, TcpListener, String) {
    let (second, second_url) = listen().await;
    let (head, body) = response(status, &format!("location: {second_url}/steal\r\n"), "{}");
    let (first_url, _) = answering(head, body, false).await;
    (first_url, second, second_url)
}

#[tokio::test]
async fn the_default_client_returns_a_redirect_as_its_status() {
    for status in ["302 Found", "307 Temporary Redirect"] {
        let (url, second, _) = redirect_to_another_origin(status).await;
        let config = ClientConfig::new(&url).with_auth(token());
        let raw = call(&config).await.expect("the redirect itself");
        assert_eq!(raw.status.as_str(), &status[..3]);
        assert_no_connection(&second, status).await;
    }
}

#[tokio::test]
async fn the_runtime_client_builder_follows_no_redirect() {
    let (url, second, _) = redirect_to_another_origin("302 Found").await;
    let http = ClientConfig::http_client_builder()
        .user_agent("batch-tool/1.0")
        .build()
        .unwrap();
    let config = ClientConfig::new(&url)
        .with_http_client(http)
        .with_auth(token());
    let raw = call(&config).await.expect("the redirect itself");
    assert_eq!(raw.status.as_u16(), 302);
    // The credential header never reaches the other origin.
    assert_no_connection(&second, "http_client_builder").await;
}

#[tokio::test]
async fn a_caller_client_that_follows_a_redirect_to_another_origin_is_refused() {
    let (second_url, second) = {
        let (head, body) = response("200 OK", "", r#"{"job_id":"not-mine"}"#);
        answering(head, body, false).await
    };
    let (head, body) = response(
        "302 Found",
        &format!("location: {second_url}/steal?x=1\r\n"),
        "{}",
    );
    let (url, _) = answering(head, body, false).await;
    install_crypto_provider();
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::limited(5))
        .build()
        .unwrap();
    let config = ClientConfig::new(&url)
        .with_http_client(http)
        .with_auth(token());
    let err = call(&config)
        .await
        .expect_err("another origin's answer is no success");
    // The other origin did get the request, credential included: why
    // the error says so, and why clients should follow no redirects.
    let leaked = second.lock().unwrap().clone();
    assert_eq!(leaked.len(), 1, "{leaked:?}");
    assert!(
        leaked[0]
            .to_ascii_lowercase()
            .contains("x-auth-token: s3cr3t"),
        "{leaked:?}"
    );
    assert_eq!(err.status(), None);
    assert_eq!(
        err.to_string(),
        format!(
            "the HTTP client followed a redirect from {url} to another origin, {second_url}/steal, \
             which answered 200 OK; that answer is not the API's (the request's credentials went \
             along: build the client with redirect::Policy::none())"
        )
    );
    match err {
        Error::Redirected { from, to, status } => {
            assert_eq!(from.as_str(), format!("{url}/v1/p/things/delete"));
            assert_eq!(to.as_str(), format!("{second_url}/steal?x=1"));
            assert_eq!(status.as_u16(), 200);
        }
        other => panic!("expected Redirected, got {other:?}"),
    }
}

#[tokio::test]
async fn a_redirect_within_the_origin_may_be_followed_by_a_caller_client() {
    let (listener, url) = listen().await;
    tokio::spawn(async move {
        for (head, body) in [
            response("307 Temporary Redirect", "location: /moved\r\n", "{}"),
            response("200 OK", "", r#"{"done":true}"#),
        ] {
            let (mut stream, _) = listener.accept().await.expect("accept");
            read_head(&mut stream).await.expect("a request");
            stream.write_all(head.as_bytes()).await.expect("head");
            stream.write_all(&body).await.expect("body");
            let _ = stream.shutdown().await;
        }
    });
    install_crypto_provider();
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::limited(5))
        .build()
        .unwrap();
    let config = ClientConfig::new(&url).with_http_client(http);
    let raw = call(&config).await.expect("same origin");
    assert_eq!(raw.status.as_u16(), 200);
    assert_eq!(raw.body, br#"{"done":true}"#);
}

#[tokio::test]
async fn a_refused_connection_says_so() {
    // A port that was just free: nothing listens there any more.
    let url = listen().await.1;
    let err = call(&ClientConfig::new(&url))
        .await
        .expect_err("nothing listens");
    let host = url.trim_start_matches("http://");
    let text = err.to_string();
    assert!(
        text.starts_with(&format!("could not connect to {host}: connection refused")),
        "{text}"
    );
    assert!(std::error::Error::source(&err).is_some());
    assert!(matches!(err, Error::Transport(_)), "{err:?}");
}
