//! Property test: arbitrary requests — bytes and mutated JSON bodies, odd
//! content types, methods, paths and credentials — into every route of the
//! generated server (served by the reference implementation over loopback).
//! Nothing panics, every request gets an answer, and a client mistake is
//! never answered 5xx.
//!
//! CI runs 96 cases; a longer run:
//! `PROPTEST_CASES=5000 cargo test --release -p reference-server --test fuzz_routes`.

use std::net::SocketAddr;
use std::time::Duration;

use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use reference_server::{Data, ReferenceServer, Settings};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const PROJECT: &str = "29dfe82ada564ac2b927e1ff036d9a9b";

/// The five operations: (method, path).
fn routes() -> Vec<(&'static str, String)> {
    vec![
        (
            "POST",
            format!("/v2/{PROJECT}/instances/{{id}}/assets/delete"),
        ),
        ("POST", format!("/v2/{PROJECT}/desktops/batch-delete")),
        ("POST", format!("/v1/{PROJECT}/secrets/batch-delete")),
        (
            "POST",
            format!("/v2/{PROJECT}/desktops/{{id}}/volumes/batch-delete"),
        ),
        ("DELETE", format!("/v1/{PROJECT}/audit/instance")),
    ]
}

#[derive(Clone, Debug)]
struct Case {
    route: usize,
    method: Option<&'static str>,
    segment: String,
    token: Option<String>,
    content_type: Option<&'static str>,
    body: Vec<u8>,
    duplicate_token: bool,
}

fn json_body() -> impl Strategy<Value = Vec<u8>> {
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::from),
        any::<i64>().prop_map(serde_json::Value::from),
        "[a-z0-9-]{0,40}".prop_map(serde_json::Value::from),
        Just(serde_json::Value::from("x".repeat(5000))),
    ];
    let value = leaf.prop_recursive(3, 24, 6, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..6).prop_map(serde_json::Value::from),
            proptest::collection::btree_map(
                prop_oneof![
                    Just("desktop_ids".to_owned()),
                    Just("volume_ids".to_owned()),
                    Just("secrets".to_owned()),
                    Just("instance_id".to_owned()),
                    Just("apps".to_owned()),
                    Just("tasks".to_owned()),
                    Just("id".to_owned()),
                    Just("delete_users".to_owned()),
                    "[a-z_]{1,10}",
                ],
                inner,
                0..5,
            )
            .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
        ]
    });
    value.prop_map(|v| serde_json::to_vec(&v).unwrap())
}

fn case() -> impl Strategy<Value = Case> {
    (
        0..5usize,
        prop_oneof![
            Just(None),
            Just(Some("GET")),
            Just(Some("PUT")),
            Just(Some("PATCH")),
        ],
        prop_oneof![
            "[a-zA-Z0-9._~-]{0,20}",
            Just("..".to_owned()),
            Just("%2F".to_owned())
        ],
        prop_oneof![
            Just(Some("reference-token".to_owned())),
            Just(None),
            "[ -~]{0,30}".prop_map(Some),
        ],
        prop_oneof![
            Just(Some("application/json")),
            Just(Some("application/json; charset=utf-8")),
            Just(Some("text/plain")),
            Just(None),
        ],
        prop_oneof![json_body(), proptest::collection::vec(any::<u8>(), 0..300)],
        proptest::bool::weighted(0.1),
    )
        .prop_map(
            |(route, method, segment, token, content_type, body, duplicate_token)| Case {
                route,
                method,
                segment,
                token,
                content_type,
                body,
                duplicate_token,
            },
        )
}

/// Sends one raw HTTP/1.1 request and returns the status code.
async fn send(addr: SocketAddr, c: &Case) -> u16 {
    let (method, template) = &routes()[c.route];
    let method = c.method.unwrap_or(method);
    let path = template.replace("{id}", &c.segment);
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {}\r\n",
        c.body.len()
    );
    if let Some(t) = &c.token {
        if t.bytes().all(|b| (0x20..0x7f).contains(&b)) {
            head.push_str(&format!("X-Auth-Token: {t}\r\n"));
            if c.duplicate_token {
                head.push_str(&format!("X-Auth-Token: {t}\r\n"));
            }
        }
    }
    if let Some(ct) = c.content_type {
        head.push_str(&format!("Content-Type: {ct}\r\n"));
    }
    head.push_str("\r\n");
    let mut stream = TcpStream::connect(addr).await.expect("connect");
    stream.write_all(head.as_bytes()).await.expect("write head");
    // The server may answer (and close) before reading the body.
    let _ = stream.write_all(&c.body).await;
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer).await;
    let text = String::from_utf8_lossy(&answer);
    let status = text
        .strip_prefix("HTTP/1.1 ")
        .and_then(|rest| rest.get(..3))
        .and_then(|code| code.parse().ok());
    status.unwrap_or_else(|| panic!("no HTTP answer to {c:?}: {text:?}"))
}

#[test]
fn arbitrary_requests_get_answers_and_never_5xx() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let server = runtime.block_on(async {
        ReferenceServer::start(
            "127.0.0.1:0".parse().unwrap(),
            Data::default(),
            Settings::default(),
        )
        .await
        .expect("the reference server starts")
    });
    let addr: SocketAddr = server
        .url()
        .trim_start_matches("http://")
        .parse()
        .expect("an address");
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(96);
    let mut runner = TestRunner::new(Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    });
    runner
        .run(&case(), |c| {
            let status = runtime.block_on(async {
                tokio::time::timeout(Duration::from_secs(10), send(addr, &c))
                    .await
                    .unwrap_or_else(|_| panic!("no answer within 10 s to {c:?}"))
            });
            prop_assert!(
                (200..500).contains(&status),
                "status {status} for a client's request: {c:?}"
            );
            Ok(())
        })
        .unwrap();
    drop(server);
}
