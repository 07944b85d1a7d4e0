//! `server`: what the generated server stubs share.
#![cfg(feature = "server")]

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use axum::body::{Body, Bytes, HttpBody};
use axum::http::{HeaderMap, HeaderValue, Method, Request, StatusCode, Uri};
use codegen_runtime::server::{
    authenticate_body, authenticate_head, error_body, json_body, new_request_id,
    optional_json_body, optional_query_string_form, optional_query_string_json, parse_json,
    query_string_form, query_string_json, raw_body, raw_stream, read_body, serve,
    serve_with_shutdown, status, AuthError, Authenticate, ErrorField, HeaderTokens, Limits,
    Problem, RequestParts, Role, UNAUTHENTICATED,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

const DETAIL: &[ErrorField] = &[
    ErrorField::Text("error_code", Role::Code, Some(6)),
    ErrorField::Text("error_msg", Role::Message, None),
];
const BODY: &[ErrorField] = &[
    ErrorField::Text("error_code", Role::Code, Some(12)),
    ErrorField::Text("error_msg", Role::Message, None),
    ErrorField::Text("error_detail", Role::Detail, None),
    ErrorField::Text("request_id", Role::RequestId, None),
    ErrorField::List("details", DETAIL),
    ErrorField::Text("note", Role::Message, None),
];

#[test]
fn without_a_detail_slot_the_message_names_the_field() {
    let p = Problem::new(StatusCode::BAD_REQUEST, "bad type").with_field("instance_id");
    let body = error_body(DETAIL, &p, "rid");
    assert_eq!(body["error_msg"], "bad type (at `instance_id`)");
    let p = Problem::new(StatusCode::BAD_REQUEST, "`instance_id` is bad").with_field("instance_id");
    assert_eq!(
        error_body(DETAIL, &p, "rid")["error_msg"],
        "`instance_id` is bad"
    );
}

#[test]
fn without_a_message_slot_the_detail_is_the_message() {
    // An RFC 9457-like body, `code` and `detail` alone: the detail says
    // what went wrong and where, never the field's name alone.
    const CODE_DETAIL: &[ErrorField] = &[
        ErrorField::Text("code", Role::Code, None),
        ErrorField::Text("detail", Role::Detail, None),
    ];
    let p = Problem::new(StatusCode::BAD_REQUEST, "a number out of range").with_field("limit");
    assert_eq!(
        error_body(CODE_DETAIL, &p, "rid"),
        serde_json::json!({
            "code": "HTTP.400",
            "detail": "a number out of range (at `limit`)"
        })
    );
    let p = Problem::new(StatusCode::NOT_FOUND, "no such route");
    assert_eq!(
        error_body(CODE_DETAIL, &p, "rid")["detail"],
        "no such route"
    );
}

#[test]
fn a_nested_error_object_is_filled_as_the_body_would_be() {
    // `{"error": {"code": …, "message": …}}`, as OpenStack-style and many
    // JSON APIs answer, and a request id beside it.
    const INNER: &[ErrorField] = &[
        ErrorField::Text("code", Role::Code, None),
        ErrorField::Text("message", Role::Message, None),
    ];
    const OUTER: &[ErrorField] = &[
        ErrorField::Object("error", INNER),
        ErrorField::Text("request_id", Role::RequestId, None),
    ];
    let p = Problem::new(StatusCode::BAD_REQUEST, "must be at most 10").with_field("limit");
    assert_eq!(
        error_body(OUTER, &p, "rid"),
        serde_json::json!({
            "error": {"code": "HTTP.400", "message": "must be at most 10 (at `limit`)"},
            "request_id": "rid"
        })
    );
}

#[test]
fn error_bodies_follow_their_table() {
    let p = Problem::new(StatusCode::BAD_REQUEST, "bad").with_field("ids[0]");
    let body = error_body(BODY, &p, "rid");
    assert_eq!(
        body,
        serde_json::json!({
            "error_code": "HTTP.400",
            "error_msg": "bad",
            "error_detail": "ids[0]",
            "request_id": "rid",
            "details": [{"error_code": "HTTP.4", "error_msg": "bad"}],
            "note": "bad"
        })
    );
    // Key order is the table's.
    let keys: Vec<&String> = body.as_object().unwrap().keys().collect();
    assert_eq!(
        keys,
        [
            "error_code",
            "error_msg",
            "error_detail",
            "request_id",
            "details",
            "note"
        ]
    );
    // Without a field at fault, the detail repeats the message.
    let p = Problem::new(StatusCode::UNAUTHORIZED, "no credentials");
    assert_eq!(
        error_body(BODY, &p, "rid")["error_detail"],
        "no credentials"
    );
}

#[test]
fn statuses_without_constants() {
    assert_eq!(status::<299>().as_u16(), 299);
    assert_eq!(status::<202>(), StatusCode::ACCEPTED);
}

#[derive(Debug, serde::Deserialize)]
#[allow(dead_code)]
struct Req {
    ids: Vec<String>,
    n: u8,
}

#[test]
fn json_errors_name_the_field() {
    let e = parse_json::<Req>(br#"{"ids": ["a", 3], "n": 1}"#).unwrap_err();
    assert_eq!(e.field.as_deref(), Some("ids[1]"));
    let e = parse_json::<Req>(br#"{"ids": []}"#).unwrap_err();
    assert_eq!(e.field.as_deref(), Some("n"));
    let e = parse_json::<Req>(br#"{"ids": [], "n": 300}"#).unwrap_err();
    assert_eq!(e.field.as_deref(), Some("n"));
    let e = parse_json::<Req>(b"{").unwrap_err();
    assert_eq!(e.status, StatusCode::BAD_REQUEST);
    assert!(parse_json::<Req>(br#"{"ids": [], "n": 1} x"#).is_err());
    assert!(parse_json::<Req>(br#"{"ids": [], "n": 1}"#).is_ok());
}

/// What an `in: querystring` form parameter reads into.
#[derive(Debug, PartialEq, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Filter {
    species: Option<Species>,
    #[serde(rename = "minAge")]
    min_age: Option<i32>,
    #[serde(default)]
    tags: Vec<String>,
    near: Option<Point>,
    name: Option<String>,
}

#[derive(Debug, PartialEq, serde::Deserialize)]
enum Species {
    #[serde(rename = "cat")]
    Cat,
    #[serde(rename = "dog")]
    Dog,
}

#[derive(Debug, PartialEq, serde::Deserialize)]
struct Point {
    x: f64,
    y: f64,
}

#[test]
fn form_query_strings_read_as_their_type() {
    let uri = |q: &str| q.parse::<Uri>().unwrap();
    let filter: Filter = query_string_form(
        &uri("/p?species=dog&minAge=3&tags=a&tags=b+c&near=%7B%22x%22%3A1%2C%22y%22%3A2%7D"),
        "filter",
    )
    .unwrap();
    assert_eq!(
        filter,
        Filter {
            species: Some(Species::Dog),
            min_age: Some(3),
            tags: vec!["a".into(), "b c".into()],
            near: Some(Point { x: 1.0, y: 2.0 }),
            name: None,
        }
    );
    // One value of a list is a list of one; no query string, no properties.
    let one: Filter = query_string_form(&uri("/p?tags=x"), "filter").unwrap();
    assert_eq!(one.tags, ["x"]);
    let none: Filter = query_string_form(&uri("/p"), "filter").unwrap();
    assert_eq!(none.min_age, None);
    assert!(matches!(
        optional_query_string_form::<Filter>(&uri("/p"), "filter"),
        Ok(None)
    ));
    // What does not fit is a 400 naming the key.
    for (query, field, says) in [
        ("minAge=old", "minAge", "`old` is not an integer"),
        ("minAge=1&minAge=2", "minAge", "expected one value, got 2"),
        ("species=bird", "species", "unknown variant `bird`"),
        ("near=%7B", "near", "EOF"),
    ] {
        let e = query_string_form::<Filter>(&uri(&format!("/p?{query}")), "filter").unwrap_err();
        assert_eq!(e.status, StatusCode::BAD_REQUEST, "{query}");
        assert_eq!(e.field.as_deref(), Some(field), "{query}");
        assert!(e.message.contains(says), "{query}: {}", e.message);
    }
    let e = query_string_form::<Filter>(&uri("/p?colour=red"), "filter").unwrap_err();
    assert!(
        e.message.contains("unknown field `colour`"),
        "{}",
        e.message
    );
}

#[test]
fn json_query_strings_are_percent_encoded_json() {
    let uri = |q: &str| q.parse::<Uri>().unwrap();
    let point: Point =
        query_string_json(&uri("/p?%7B%22x%22%3A1.5%2C%22y%22%3A-2%7D"), "at").unwrap();
    assert_eq!(point, Point { x: 1.5, y: -2.0 });
    let e = query_string_json::<Point>(&uri("/p"), "at").unwrap_err();
    assert_eq!(e.message, "the query string `at` is required");
    assert!(matches!(
        optional_query_string_json::<Point>(&uri("/p"), "at"),
        Ok(None)
    ));
    for bad in ["%7B%22x%22", "%ZZ", "%FF"] {
        let e = query_string_json::<Point>(&uri(&format!("/p?{bad}")), "at").unwrap_err();
        assert_eq!(e.status, StatusCode::BAD_REQUEST, "{bad}");
        assert_eq!(e.field.as_deref(), Some("at"), "{bad}");
    }
}

/// A struct as the generator writes it (see `validation::ObjectOnly`).
#[derive(Debug, serde::Deserialize)]
#[serde(remote = "Self")]
struct Obj {
    #[allow(dead_code)]
    ids: Vec<String>,
}

impl<'de> serde::Deserialize<'de> for Obj {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Self::deserialize(codegen_runtime::validation::ObjectOnly(deserializer))
    }
}

#[test]
fn object_bodies_refuse_arrays() {
    let mut headers = HeaderMap::new();
    headers.insert(
        axum::http::header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    let bad = StatusCode::BAD_REQUEST;
    let e = json_body::<Obj>(&headers, br#" [["a"]]"#, bad).unwrap_err();
    assert_eq!(e.status, StatusCode::BAD_REQUEST);
    assert!(
        e.message
            .contains("invalid type: sequence, expected struct Obj"),
        "{}",
        e.message
    );
    assert!(json_body::<Obj>(&headers, br#"{"ids": []}"#, bad).is_ok());
    assert!(matches!(
        optional_json_body::<Obj>(&headers, b"", bad),
        Ok(None)
    ));
    let e =
        json_body::<Req>(&HeaderMap::new(), b"{}", StatusCode::UNSUPPORTED_MEDIA_TYPE).unwrap_err();
    assert_eq!(e.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
}

#[test]
fn a_required_raw_body_is_missing_only_without_bytes_and_type() {
    let e = raw_body(&HeaderMap::new(), &Bytes::new()).unwrap_err();
    assert_eq!(e.status, StatusCode::BAD_REQUEST);
    assert_eq!(e.message, "a request body is required");
    // An empty body that says what it is: an empty file.
    let mut typed = HeaderMap::new();
    typed.insert(
        axum::http::header::CONTENT_TYPE,
        HeaderValue::from_static("application/octet-stream"),
    );
    assert_eq!(raw_body(&typed, &Bytes::new()).unwrap(), Bytes::new());
    let data = Bytes::from_static(b"<Delete/>");
    assert_eq!(raw_body(&HeaderMap::new(), &data).unwrap(), data);
}

#[tokio::test]
async fn a_required_stream_is_missing_only_without_bytes_and_type() {
    use codegen_runtime::stream::ByteStream;
    let e = raw_stream(&HeaderMap::new(), ByteStream::from(Bytes::new())).unwrap_err();
    assert_eq!(e.status, StatusCode::BAD_REQUEST);
    assert_eq!(e.message, "a request body is required");
    let mut typed = HeaderMap::new();
    typed.insert(
        axum::http::header::CONTENT_TYPE,
        HeaderValue::from_static("application/octet-stream"),
    );
    let empty = raw_stream(&typed, ByteStream::from(Bytes::new())).unwrap();
    assert_eq!(empty.collect_limited(16).await.unwrap(), Bytes::new());
    // A stream of unknown length is a body: its reader finds what it holds.
    let chunks =
        ByteStream::from_stream(futures_util::stream::iter(vec![Ok::<_, std::io::Error>(
            Bytes::from_static(b"<Delete/>"),
        )]));
    let read = raw_stream(&HeaderMap::new(), chunks).unwrap();
    assert_eq!(
        read.collect_limited(16).await.unwrap(),
        Bytes::from_static(b"<Delete/>")
    );
}

#[test]
fn tokens_and_request_ids() {
    let auth = HeaderTokens::new("token", "X-Auth-Token", ["t1".to_owned()]);
    assert!(!format!("{auth:?}").contains("t1"));
    let (method, uri) = (Method::POST, Uri::from_static("/x"));
    let mut headers = HeaderMap::new();
    let parts = |h: &HeaderMap| {
        auth.authenticate(&RequestParts {
            method: &method,
            uri: &uri,
            headers: h,
            body: b"",
        })
    };
    assert_eq!(parts(&headers), Err(AuthError::Missing));
    headers.insert("x-auth-token", HeaderValue::from_static("nope"));
    assert!(matches!(parts(&headers), Err(AuthError::Invalid(_))));
    headers.insert("x-auth-token", HeaderValue::from_static("t1"));
    assert_eq!(parts(&headers).unwrap().principal, "t1");
    // Sent twice, even with the same value: refused, not first-wins.
    headers.append("x-auth-token", HeaderValue::from_static("t1"));
    assert!(matches!(parts(&headers), Err(AuthError::Invalid(_))));
    let a = new_request_id();
    let b = new_request_id();
    assert_ne!(a, b);
    assert_eq!(a.len(), 32);
}

#[test]
fn every_refusal_reads_the_same() {
    let auth = HeaderTokens::new("token", "X-Auth-Token", ["t1".to_owned()]);
    let refusal = |value: Option<&'static [u8]>| {
        let mut request = Request::post("/x");
        if let Some(v) = value {
            request = request.header("x-auth-token", HeaderValue::from_bytes(v).unwrap());
        }
        let (parts, body) = request.body(Body::empty()).unwrap().into_parts();
        authenticate_head(&auth, &parts, &body, "rid").unwrap_err()
    };
    for p in [
        refusal(None),
        refusal(Some(b"nope")),
        refusal(Some(b"t\xff")),
    ] {
        assert_eq!(p.status, StatusCode::UNAUTHORIZED);
        assert_eq!(p.message, UNAUTHENTICATED);
        assert_eq!(p.field, None);
    }
    // Accepted from the head: the body is not needed.
    let (parts, body) = Request::post("/x")
        .header("x-auth-token", "t1")
        .body(Body::from("{}"))
        .unwrap()
        .into_parts();
    let verdict = authenticate_head(&auth, &parts, &body, "rid").unwrap();
    assert_eq!(
        authenticate_body(verdict, b"", "rid").unwrap().principal,
        "t1"
    );
}

/// A body that yields its frames in order, then ends (or stalls).
struct Scripted {
    frames: VecDeque<Result<Bytes, &'static str>>,
    stall: bool,
}

impl HttpBody for Scripted {
    type Data = Bytes;
    type Error = Box<dyn std::error::Error + Send + Sync>;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
    ) -> Poll<Option<Result<hyper::body::Frame<Bytes>, Self::Error>>> {
        match self.frames.pop_front() {
            Some(Ok(bytes)) => Poll::Ready(Some(Ok(hyper::body::Frame::data(bytes)))),
            Some(Err(e)) => Poll::Ready(Some(Err(e.into()))),
            // Never woken: only the timeout ends the wait.
            None if self.stall => Poll::Pending,
            None => Poll::Ready(None),
        }
    }
}

fn scripted(frames: &[Result<&'static str, &'static str>], stall: bool) -> Body {
    Body::new(Scripted {
        frames: frames
            .iter()
            .map(|f| f.map(|s| Bytes::from_static(s.as_bytes())))
            .collect(),
        stall,
    })
}

#[tokio::test]
async fn bodies_are_read_within_their_limits() {
    let limits = Limits {
        body_limit: 10,
        body_read_timeout: Duration::from_millis(200),
        ..Limits::default()
    };
    let read = |body: Body| async move { read_body(body, &limits).await };
    assert_eq!(
        &read(Body::from("0123456789")).await.unwrap()[..],
        b"0123456789"
    );
    assert_eq!(
        &read(scripted(&[Ok("01234"), Ok("56789")], false))
            .await
            .unwrap()[..],
        b"0123456789"
    );
    // Larger than the limit, known from the framing or found reading.
    assert_eq!(
        read(Body::from("0123456789a")).await.unwrap_err().status,
        StatusCode::PAYLOAD_TOO_LARGE
    );
    let e = read(scripted(&[Ok("012345"), Ok("6789a")], false))
        .await
        .unwrap_err();
    assert_eq!(e.status, StatusCode::PAYLOAD_TOO_LARGE);
    // Broken framing is no size problem.
    let e = read(scripted(&[Ok("01"), Err("invalid chunk size")], false))
        .await
        .unwrap_err();
    assert_eq!(e.status, StatusCode::BAD_REQUEST);
    assert_eq!(e.message, "the request body is malformed or incomplete");
    // A body that stops arriving, even after a start.
    let started = Instant::now();
    let e = tokio::time::timeout(Duration::from_secs(5), read(scripted(&[Ok("01")], true)))
        .await
        .expect("read_body gives up on its own")
        .unwrap_err();
    assert_eq!(e.status, StatusCode::REQUEST_TIMEOUT);
    assert!(started.elapsed() >= Duration::from_millis(200));
}

/// A router answering `GET /` with `ok`, served by `serve_with_shutdown`
/// with `limits` until the returned sender fires.
async fn start(
    limits: Limits,
) -> (
    SocketAddr,
    tokio::sync::oneshot::Sender<()>,
    tokio::task::JoinHandle<std::io::Result<()>>,
) {
    let router = axum::Router::new().route("/", axum::routing::get(|| async { "ok" }));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        serve_with_shutdown(listener, router, &limits, async move {
            let _ = stopped.await;
        })
        .await
    });
    (addr, stop, task)
}

const GET: &[u8] = b"GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";

async fn get(stream: &mut TcpStream) -> String {
    stream.write_all(GET).await.unwrap();
    let mut answer = Vec::new();
    tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut answer))
        .await
        .expect("an answer in time")
        .unwrap();
    String::from_utf8_lossy(&answer).into_owned()
}

#[tokio::test]
async fn serve_cuts_off_slow_and_idle_connections() {
    let (addr, stop, task) = start(Limits {
        header_read_timeout: Duration::from_millis(300),
        ..Limits::default()
    })
    .await;
    // A head trickled a byte every 50 ms.
    let (mut read, mut write) = TcpStream::connect(addr).await.unwrap().into_split();
    let started = Instant::now();
    let trickle = tokio::spawn(async move {
        let _ = write.write_all(b"GET / HTTP/1.1\r\nX-Slow: ").await;
        for _ in 0..200 {
            if write.write_all(b"a").await.is_err() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    });
    let mut answer = Vec::new();
    let closed = tokio::time::timeout(Duration::from_secs(3), read.read_to_end(&mut answer)).await;
    trickle.abort();
    assert!(closed.is_ok(), "still open after 3 s of trickling");
    assert!(started.elapsed() >= Duration::from_millis(250));
    // A connection that never says anything.
    let mut idle = TcpStream::connect(addr).await.unwrap();
    let closed = tokio::time::timeout(Duration::from_secs(3), idle.read_to_end(&mut answer)).await;
    assert!(closed.is_ok(), "an idle connection stayed open");
    // A prompt client is served.
    let mut prompt = TcpStream::connect(addr).await.unwrap();
    assert!(get(&mut prompt).await.starts_with("HTTP/1.1 200 "));
    // A head over the limit, sent at once: 431, just under it: served.
    for (size, status) in [(70 * 1024, "431"), (60 * 1024, "200")] {
        let mut big = TcpStream::connect(addr).await.unwrap();
        let head = format!(
            "GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nX-Big: {}\r\n\r\n",
            "a".repeat(size)
        );
        let _ = big.write_all(head.as_bytes()).await;
        let mut answer = Vec::new();
        let _ = tokio::time::timeout(Duration::from_secs(5), big.read_to_end(&mut answer))
            .await
            .expect("an answer in time");
        let answer = String::from_utf8_lossy(&answer);
        assert!(
            answer.starts_with(&format!("HTTP/1.1 {status} ")),
            "{size}: {answer}"
        );
    }
    stop.send(()).unwrap();
    tokio::time::timeout(Duration::from_secs(5), task)
        .await
        .expect("serve returns once shut down")
        .unwrap()
        .unwrap();
}

#[tokio::test]
async fn serve_limits_connections() {
    let (addr, stop, task) = start(Limits {
        max_connections: 2,
        ..Limits::default()
    })
    .await;
    let first = TcpStream::connect(addr).await.unwrap();
    let mut second = TcpStream::connect(addr).await.unwrap();
    assert!(get(&mut second).await.starts_with("HTTP/1.1 200 "));
    drop(second);
    let held = TcpStream::connect(addr).await.unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    // Two connections are open: a third waits.
    let mut third = TcpStream::connect(addr).await.unwrap();
    third.write_all(GET).await.unwrap();
    let mut answer = Vec::new();
    let early =
        tokio::time::timeout(Duration::from_millis(500), third.read_to_end(&mut answer)).await;
    assert!(early.is_err(), "served beyond the limit: {answer:?}");
    drop(first);
    tokio::time::timeout(Duration::from_secs(5), third.read_to_end(&mut answer))
        .await
        .expect("served once a place is free")
        .unwrap();
    assert!(String::from_utf8_lossy(&answer).starts_with("HTTP/1.1 200 "));
    drop(held);
    stop.send(()).unwrap();
    tokio::time::timeout(Duration::from_secs(5), task)
        .await
        .unwrap()
        .unwrap()
        .unwrap();
}

#[tokio::test]
async fn serve_runs_until_the_task_ends() {
    let router = axum::Router::new().route("/", axum::routing::get(|| async { "ok" }));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let limits = Limits::default();
    let task = tokio::spawn(async move { serve(listener, router, &limits).await });
    let mut client = TcpStream::connect(addr).await.unwrap();
    assert!(get(&mut client).await.ends_with("ok"));
    assert!(!task.is_finished());
    task.abort();
}

#[tokio::test]
async fn a_local_server_answers_until_shut_down() {
    use codegen_runtime::server::serve_local;

    let router = axum::Router::new().route("/ping", axum::routing::get(|| async { "pong" }));
    let (base_url, handle) = serve_local(router).await.expect("a local server");
    assert!(base_url.starts_with("http://127.0.0.1:"), "{base_url}");
    let addr: SocketAddr = base_url["http://".len()..].parse().expect("an address");
    let ask = |addr: SocketAddr| async move {
        let mut stream = TcpStream::connect(addr).await?;
        stream
            .write_all(b"GET /ping HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            .await?;
        let mut answer = String::new();
        stream.read_to_string(&mut answer).await?;
        Ok::<_, std::io::Error>(answer)
    };
    let answer = ask(addr).await.expect("an answer");
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.ends_with("pong"), "{answer}");
    tokio::time::timeout(Duration::from_secs(5), handle.shutdown())
        .await
        .expect("the server stops in time")
        .expect("the server ends cleanly");
    assert!(
        ask(addr).await.is_err(),
        "the port is closed after shutdown"
    );
}

#[tokio::test]
async fn dropping_the_handle_stops_the_server() {
    use codegen_runtime::server::serve_local;

    let router = axum::Router::new().route("/ping", axum::routing::get(|| async { "pong" }));
    let (base_url, handle) = serve_local(router).await.expect("a local server");
    let addr: SocketAddr = base_url["http://".len()..].parse().expect("an address");
    drop(handle);
    let deadline = Instant::now() + Duration::from_secs(5);
    while TcpStream::connect(addr).await.is_ok() {
        assert!(
            Instant::now() < deadline,
            "still accepting after the handle was dropped"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[test]
fn error_text_is_what_the_error_body_holds() {
    use codegen_runtime::server::{error_body, error_text, not_implemented, ErrorField, Role};

    let problem = not_implemented(StatusCode::NOT_IMPLEMENTED, "DeleteThing");
    assert_eq!(problem.code, "HTTP.501");
    assert_eq!(
        problem.message,
        "the operation DeleteThing is not implemented by this server"
    );
    const FIELDS: &[ErrorField] = &[
        ErrorField::Text("error_code", Role::Code, None),
        ErrorField::Text("error_msg", Role::Message, Some(20)),
        ErrorField::Text("detail", Role::Detail, None),
        ErrorField::Text("request_id", Role::RequestId, None),
    ];
    let body = error_body(FIELDS, &problem, "rid-1");
    for field in FIELDS {
        let ErrorField::Text(name, role, max) = *field else {
            unreachable!("only text fields above")
        };
        assert_eq!(
            body[name],
            serde_json::Value::String(error_text(role, max, &problem, "rid-1")),
            "{name}"
        );
    }
    assert_eq!(body["error_msg"], "the operation Delete");
}

#[test]
fn header_bytes_that_are_not_ascii_read_as_latin_1() {
    let mut headers = HeaderMap::new();
    headers.append("cookie", HeaderValue::from_static("a=1; b=two%20words"));
    assert_eq!(
        codegen_runtime::server::cookies(&headers),
        vec![
            ("a".to_owned(), "1".to_owned()),
            ("b".to_owned(), "two words".to_owned())
        ]
    );
    // RFC 9110's obs-text: each byte the ISO-8859-1 character it stands for,
    // so the parameter's schema (a pattern, say) judges the value.
    headers.append(
        "cookie",
        HeaderValue::from_bytes(b"session=\xd7\xf8").unwrap(),
    );
    assert_eq!(
        codegen_runtime::server::cookies(&headers)[2],
        ("session".to_owned(), "\u{d7}\u{f8}".to_owned())
    );
    headers.append("x-token", HeaderValue::from_bytes(b"caf\xe9").unwrap());
    assert_eq!(
        codegen_runtime::server::header(&headers, "x-token").as_deref(),
        Some("caf\u{e9}")
    );
}

#[test]
fn an_integer_may_be_written_with_a_zero_fraction() {
    #[derive(Debug, PartialEq, serde::Deserialize)]
    struct Item {
        count: u8,
    }
    assert_eq!(
        parse_json::<Item>(br#"{"count": 3.0}"#).unwrap(),
        Item { count: 3 }
    );
    // A fraction, or a value out of range, is still refused, on the bytes sent.
    let problem = parse_json::<Item>(br#"{"count": 3.5}"#).unwrap_err();
    assert_eq!(problem.status, StatusCode::BAD_REQUEST);
    assert!(problem.message.contains("3.5"), "{}", problem.message);
    assert!(parse_json::<Item>(br#"{"count": 300.0}"#).is_err());
}

#[test]
fn the_value_at_fault_is_named_not_a_whole_float_before_it() {
    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Item {
        count: u8,
        small: i8,
    }
    // `3.0` is a fine `count`; `300` is what no `i8` holds.
    let problem = parse_json::<Item>(br#"{"count": 3.0, "small": 300}"#).unwrap_err();
    assert_eq!(problem.status, StatusCode::BAD_REQUEST);
    assert_eq!(problem.field.as_deref(), Some("small"));
    assert!(problem.message.contains("300"), "{}", problem.message);
    // The position would be one in a document written again: left out.
    assert!(
        !problem.message.contains(" at line "),
        "{}",
        problem.message
    );
    // Without a whole float, the position in the bytes sent stays.
    let problem = parse_json::<Item>(br#"{"count": 3, "small": 300}"#).unwrap_err();
    assert!(
        problem.message.contains(" at line 1 column "),
        "{}",
        problem.message
    );
}

#[test]
fn segments_with_literal_text_are_taken_apart() {
    use codegen_runtime::server::split_segments;
    let seg = |v: &[&str]| v.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
    assert_eq!(
        split_segments(
            &seg(&["rdm_shop_app", "7"]),
            &[&["rdm_", "_app"], &["", ""]]
        )
        .unwrap(),
        vec!["shop", "7"]
    );
    assert_eq!(
        split_segments(&seg(&["a.b.c"]), &[&["", ".", ""]]).unwrap(),
        vec!["a", "b.c"]
    );
    assert_eq!(
        split_segments(&seg(&["rack_ó_left"]), &[&["rack_", "_", ""]]).unwrap(),
        vec!["ó", "left"]
    );
    for (segment, shape) in [
        ("rdm_shop_web", &["rdm_", "_app"][..]),
        ("rdm__app", &["rdm_", "_app"][..]),
        ("x.", &["", ".", ""][..]),
    ] {
        let problem = split_segments(&seg(&[segment]), &[shape]).unwrap_err();
        assert_eq!(problem.status, StatusCode::NOT_FOUND, "{segment}");
    }
}
