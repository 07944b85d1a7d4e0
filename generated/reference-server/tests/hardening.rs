//! The reference server under hostile clients, over raw HTTP/1.1: slow or
//! stalled connections, broken body framing, credentials that probe which
//! access keys exist, and repeated credential headers.
//!
//! Every network step runs under a timeout, so a hang fails a test.

use std::future::Future;
use std::net::SocketAddr;
use std::time::{Duration, Instant, SystemTime};

use huaweicloud_batch_delete::runtime::server::Limits;
use huaweicloud_batch_delete::runtime::signing::{format_sdk_date, hex_sha256, Message};
use reference_server::data as d;
use reference_server::{Data, ReferenceServer, RunningServer, Settings};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

mod wire;
use wire::{parse, Raw};

/// The longest any single network step may take.
const LIMIT: Duration = Duration::from_secs(10);

async fn within<F: Future>(f: F) -> F::Output {
    tokio::time::timeout(LIMIT, f)
        .await
        .expect("a network step timed out")
}

async fn start_with(limits: Limits) -> RunningServer {
    let addr: SocketAddr = "127.0.0.1:0".parse().unwrap();
    let data = Data {
        roma_job_ms: 0,
        desktop_job_ms: 0,
        ..Data::default()
    };
    let settings = Settings {
        limits,
        ..Settings::default()
    };
    within(ReferenceServer::start(addr, data, settings))
        .await
        .expect("the reference server starts")
}

async fn start() -> RunningServer {
    start_with(Limits::default()).await
}

const P: &str = d::PROJECT_ID;

fn desktops_path() -> String {
    format!("/v2/{P}/desktops/batch-delete")
}

fn assets_path() -> String {
    format!("/v2/{P}/instances/{}/assets/delete", d::ROMA_INSTANCE)
}

impl Raw {
    /// The body with the request id blanked out.
    fn body_without_request_id(&self) -> String {
        let id = self.header("x-request-id").expect("X-Request-Id is sent");
        String::from_utf8_lossy(&self.body).replace(id, "")
    }
}

/// Writes `request` (all of it; the server may stop reading, which is
/// fine), then reads until the server closes the connection.
async fn exchange(addr: SocketAddr, request: &[u8]) -> Option<Raw> {
    let mut stream = within(TcpStream::connect(addr)).await.unwrap();
    let _ = within(stream.write_all(request)).await;
    let mut bytes = Vec::new();
    let _ = within(stream.read_to_end(&mut bytes)).await;
    parse(&bytes)
}

/// A request head with `Connection: close`, the given headers, and
/// `Content-Length` unless `Transfer-Encoding` is among them.
fn head(method: &str, path: &str, headers: &[(&str, &str)], length: Option<usize>) -> String {
    let mut head = format!("{method} {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n");
    for (n, v) in headers {
        head.push_str(&format!("{n}: {v}\r\n"));
    }
    if let Some(length) = length {
        head.push_str(&format!("Content-Length: {length}\r\n"));
    }
    head.push_str("\r\n");
    head
}

fn request(path: &str, headers: &[(&str, &str)], body: &[u8]) -> Vec<u8> {
    let mut bytes = head("POST", path, headers, Some(body.len())).into_bytes();
    bytes.extend_from_slice(body);
    bytes
}

const JSON: (&str, &str) = ("Content-Type", "application/json");
const TOKEN: (&str, &str) = ("X-Auth-Token", d::DEFAULT_TOKEN);
const DESKTOPS_BODY: &str = r#"{"desktop_ids": ["34e25501-fd50-42b5-97ca-f4c5bb7b09b0"]}"#;
const ASSETS_BODY: &str = r#"{"apps": [], "tasks": [{"id": "b2e6a45612344a80aa45f4b8029f95a4"}]}"#;

// ---------------------------------------------------------------------------
// Slow and stalled clients
// ---------------------------------------------------------------------------

#[tokio::test]
async fn a_trickling_request_head_is_cut_off() {
    let server = start_with(Limits {
        header_read_timeout: Duration::from_millis(300),
        ..Limits::default()
    })
    .await;
    let mut stream = within(TcpStream::connect(server.addr())).await.unwrap();
    let started = Instant::now();
    within(stream.write_all(b"POST / HTTP/1.1\r\nHost: localhost\r\nX-Slow: "))
        .await
        .unwrap();
    // One byte every 50 ms: the head never ends, but bytes keep coming.
    let (mut read, mut write) = stream.into_split();
    let trickle = tokio::spawn(async move {
        for _ in 0..200 {
            if write.write_all(b"a").await.is_err() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    });
    let mut bytes = Vec::new();
    let closed = tokio::time::timeout(Duration::from_secs(3), read.read_to_end(&mut bytes)).await;
    trickle.abort();
    assert!(
        closed.is_ok(),
        "the connection was still open after 3 s of trickling"
    );
    let elapsed = started.elapsed();
    assert!(elapsed >= Duration::from_millis(250), "{elapsed:?}");
    // Either closed outright or after a 408.
    if let Some(r) = parse(&bytes) {
        assert_eq!(r.status, 408, "{r:?}");
    }
    server.stop().await.unwrap();
}

#[tokio::test]
async fn a_stalled_body_is_answered_408() {
    let server = start_with(Limits {
        body_read_timeout: Duration::from_millis(300),
        ..Limits::default()
    })
    .await;
    let mut stream = within(TcpStream::connect(server.addr())).await.unwrap();
    let mut bytes = head("POST", &desktops_path(), &[JSON, TOKEN], Some(100)).into_bytes();
    bytes.extend_from_slice(b"{\"desktop_");
    within(stream.write_all(&bytes)).await.unwrap();
    let mut answer = Vec::new();
    let done = tokio::time::timeout(Duration::from_secs(3), stream.read_to_end(&mut answer)).await;
    assert!(done.is_ok(), "no answer 3 s into a stalled body");
    let r = parse(&answer).expect("an answer");
    assert_eq!(r.status, 408, "{r:?}");
    server.stop().await.unwrap();
}

#[tokio::test]
async fn connections_beyond_the_limit_wait() {
    let server = start_with(Limits {
        max_connections: 2,
        ..Limits::default()
    })
    .await;
    let addr = server.addr();
    // Two connections that say nothing hold both places.
    let idle_1 = within(TcpStream::connect(addr)).await.unwrap();
    let idle_2 = within(TcpStream::connect(addr)).await.unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    let mut third = within(TcpStream::connect(addr)).await.unwrap();
    within(third.write_all(&request(
        &desktops_path(),
        &[JSON, ("X-Auth-Token", "wrong")],
        DESKTOPS_BODY.as_bytes(),
    )))
    .await
    .unwrap();
    let mut answer = Vec::new();
    let early =
        tokio::time::timeout(Duration::from_millis(500), third.read_to_end(&mut answer)).await;
    assert!(early.is_err(), "a third connection was served: {answer:?}");
    // One place frees up: the waiting connection is served.
    drop(idle_1);
    within(third.read_to_end(&mut answer)).await.unwrap();
    assert_eq!(parse(&answer).expect("an answer").status, 401);
    drop(idle_2);
    server.stop().await.unwrap();
}

// ---------------------------------------------------------------------------
// Body framing
// ---------------------------------------------------------------------------

/// A chunked request with `body` as its (raw) chunked encoding.
fn chunked(path: &str, body: &[u8]) -> Vec<u8> {
    let mut bytes = head(
        "POST",
        path,
        &[JSON, TOKEN, ("Transfer-Encoding", "chunked")],
        None,
    )
    .into_bytes();
    bytes.extend_from_slice(body);
    bytes
}

#[tokio::test]
async fn malformed_chunked_framing_is_a_400() {
    let server = start().await;
    let addr = server.addr();
    // A chunk size that is not hex.
    let r = exchange(addr, &chunked(&desktops_path(), b"zz\r\n{}\r\n0\r\n\r\n")).await;
    let r = r.expect("an answer");
    assert_eq!(r.status, 400, "{r:?}");
    assert!(r.header("x-request-id").is_some());
    // A chunk longer than its size says.
    let r = exchange(
        addr,
        &chunked(&desktops_path(), b"2\r\n{}}}}}}}\r\n0\r\n\r\n"),
    )
    .await;
    assert_eq!(r.expect("an answer").status, 400);
    // A well-formed chunked body is served.
    let body = format!("{:x}\r\n{DESKTOPS_BODY}\r\n0\r\n\r\n", DESKTOPS_BODY.len());
    let r = exchange(addr, &chunked(&desktops_path(), body.as_bytes())).await;
    assert_eq!(r.expect("an answer").status, 202);
    server.stop().await.unwrap();
}

/// Sends `request`, closes the sending side, and reads the answer: a 400
/// or nothing (the connection closed), never a 413.
async fn truncated(addr: SocketAddr, request: &[u8]) {
    let mut stream = within(TcpStream::connect(addr)).await.unwrap();
    within(stream.write_all(request)).await.unwrap();
    within(stream.shutdown()).await.unwrap();
    let mut bytes = Vec::new();
    let _ = within(stream.read_to_end(&mut bytes)).await;
    if let Some(r) = parse(&bytes) {
        assert_eq!(r.status, 400, "{r:?}");
    }
}

#[tokio::test]
async fn truncated_bodies_are_400_or_closed() {
    let server = start().await;
    let addr = server.addr();
    // A chunk cut short, and a chunked body without its last chunk.
    truncated(addr, &chunked(&desktops_path(), b"40\r\n{\"desktop_ids\"")).await;
    truncated(addr, &chunked(&desktops_path(), b"2\r\n{}\r\n")).await;
    // Fewer bytes than Content-Length.
    let mut bytes = head("POST", &desktops_path(), &[JSON, TOKEN], Some(100)).into_bytes();
    bytes.extend_from_slice(b"{\"desktop_ids\": []");
    truncated(addr, &bytes).await;
    server.stop().await.unwrap();
}

#[tokio::test]
async fn bodies_up_to_the_limit_are_read_and_larger_ones_refused_unread() {
    let server = start().await;
    let limit = Limits::default().body_limit;
    // Exactly the limit (JSON padded with spaces), through a read buffer
    // much smaller than the body.
    let mut body = DESKTOPS_BODY.as_bytes().to_vec();
    body.resize(limit, b' ');
    let r = exchange(
        server.addr(),
        &request(&desktops_path(), &[JSON, TOKEN], &body),
    )
    .await;
    assert_eq!(r.expect("an answer").status, 202);
    // One byte more, declared: 413 from the head alone (the body is never
    // sent).
    let mut stream = within(TcpStream::connect(server.addr())).await.unwrap();
    let bytes = head("POST", &desktops_path(), &[JSON, TOKEN], Some(limit + 1));
    within(stream.write_all(bytes.as_bytes())).await.unwrap();
    let mut answer = Vec::new();
    within(stream.read_to_end(&mut answer)).await.unwrap();
    assert_eq!(parse(&answer).expect("an answer").status, 413);
    server.stop().await.unwrap();
}

// ---------------------------------------------------------------------------
// Credentials
// ---------------------------------------------------------------------------

/// An AK/SK-signed request for `path` with `body`, signed by `ak`/`sk` at
/// `at`, listing `extra_signed` among the signed headers without sending it.
fn signed(
    path: &str,
    body: &str,
    ak: &str,
    sk: &str,
    at: SystemTime,
    extra_signed: Option<&str>,
) -> Vec<u8> {
    let date = format_sdk_date(at).unwrap();
    let mut signed_headers = vec![
        ("content-type".to_owned(), "application/json".to_owned()),
        ("host".to_owned(), "localhost".to_owned()),
        ("x-sdk-date".to_owned(), date.clone()),
    ];
    if let Some(extra) = extra_signed {
        signed_headers.push((extra.to_owned(), "absent".to_owned()));
        signed_headers.sort();
    }
    let payload = hex_sha256(body.as_bytes());
    let message = Message {
        method: "POST",
        path,
        query: "",
        date: &date,
        headers: &signed_headers,
        payload_hash: &payload,
    };
    let authorization = message.sign(sk).authorization(ak);
    let mut bytes = format!(
        "POST {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\
         Content-Type: application/json\r\nX-Sdk-Date: {date}\r\n\
         Authorization: {authorization}\r\nContent-Length: {}\r\n\r\n",
        body.len()
    )
    .into_bytes();
    bytes.extend_from_slice(body.as_bytes());
    bytes
}

#[tokio::test]
async fn every_credential_failure_reads_the_same() {
    let server = start().await;
    let addr = server.addr();
    let now = SystemTime::now();
    let (ak, sk) = (d::DEFAULT_ACCESS_KEY, d::DEFAULT_SECRET_KEY);
    for (path, body) in [
        (desktops_path(), DESKTOPS_BODY),
        (assets_path(), ASSETS_BODY),
    ] {
        // The pair itself works.
        let r = exchange(addr, &signed(&path, body, ak, sk, now, None)).await;
        let r = r.expect("an answer");
        assert!(matches!(r.status, 200 | 202), "{r:?}");
        let failures = [
            (
                "unknown access key",
                signed(&path, body, "UNKNOWNAK00000000001", sk, now, None),
            ),
            (
                "wrong secret key",
                signed(&path, body, ak, "wrong-secret", now, None),
            ),
            (
                "stale date",
                signed(&path, body, ak, sk, now - Duration::from_secs(3600), None),
            ),
            (
                "missing signed header",
                signed(&path, body, ak, sk, now, Some("x-project-id")),
            ),
            (
                "unknown token",
                request(&path, &[JSON, ("X-Auth-Token", "wrong")], body.as_bytes()),
            ),
            ("no credentials", request(&path, &[JSON], body.as_bytes())),
        ];
        let mut first: Option<(&str, String)> = None;
        for (what, bytes) in &failures {
            let r = exchange(addr, bytes).await.expect("an answer");
            assert_eq!(r.status, 401, "{what}: {r:?}");
            let text = r.body_without_request_id();
            match &first {
                None => first = Some((what, text)),
                Some((other, expected)) => {
                    assert_eq!(&text, expected, "{what} reads differently from {other}")
                }
            }
        }
    }
    server.stop().await.unwrap();
}

#[tokio::test]
async fn repeated_credential_headers_are_refused() {
    let server = start().await;
    let addr = server.addr();
    let path = desktops_path();
    let body = DESKTOPS_BODY.as_bytes();
    for tokens in [
        [d::DEFAULT_TOKEN, "wrong"],
        ["wrong", d::DEFAULT_TOKEN],
        [d::DEFAULT_TOKEN, d::DEFAULT_TOKEN],
    ] {
        let headers = [
            JSON,
            ("X-Auth-Token", tokens[0]),
            ("X-Auth-Token", tokens[1]),
        ];
        let r = exchange(addr, &request(&path, &headers, body)).await;
        assert_eq!(r.expect("an answer").status, 401, "{tokens:?}");
    }
    // A good signature with a second Authorization header beside it.
    let good = signed(
        &path,
        DESKTOPS_BODY,
        d::DEFAULT_ACCESS_KEY,
        d::DEFAULT_SECRET_KEY,
        SystemTime::now(),
        None,
    );
    let text = String::from_utf8(good).unwrap();
    for extra in [
        "Authorization: Bearer x\r\n",
        "Authorization: SDK-HMAC-SHA256 Access=A, SignedHeaders=host, Signature=00\r\n",
    ] {
        let doubled = text.replacen(
            "Connection: close\r\n",
            &format!("Connection: close\r\n{extra}"),
            1,
        );
        let r = exchange(addr, doubled.as_bytes()).await;
        assert_eq!(r.expect("an answer").status, 401, "{extra}");
    }
    // One of each is fine.
    let r = exchange(addr, &request(&path, &[JSON, TOKEN], body)).await;
    assert_eq!(r.expect("an answer").status, 202);
    server.stop().await.unwrap();
}
