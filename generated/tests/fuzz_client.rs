//! Property test: arbitrary answers — statuses, headers and body bytes,
//! truncated or not — from a local server into the generated clients'
//! response decoders. Nothing panics; every outcome is a typed success, a
//! documented error, or an `Error` variant that keeps what was received.
//!
//! CI runs 96 cases; a longer run:
//! `PROPTEST_CASES=5000 cargo test --release -p huaweicloud-batch-delete --test fuzz_client`.

use std::time::Duration;

use huaweicloud_batch_delete::runtime::client::{ClientConfig, Error};
use huaweicloud_batch_delete::{dbss, workspace};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

#[derive(Clone, Debug)]
struct Answer {
    status: u16,
    content_type: Option<&'static str>,
    body: Vec<u8>,
    /// Claim more bytes than are sent (a truncated body).
    truncated: bool,
    extra_header: Option<(String, String)>,
}

fn answer() -> impl Strategy<Value = Answer> {
    let body = prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..200),
        Just(br#"{"job_id":"j"}"#.to_vec()),
        Just(br#"{"error_code":"WKS.0409","error_msg":"busy"}"#.to_vec()),
        Just(br#"{"error_code":12,"error_msg":null}"#.to_vec()),
        Just(b"[]".to_vec()),
        Just(br#"{"result":"success"}"#.to_vec()),
    ];
    (
        prop_oneof![
            Just(200u16),
            Just(202),
            Just(204),
            Just(400),
            Just(401),
            Just(404),
            Just(409),
            Just(500),
            100u16..600,
        ],
        prop_oneof![
            Just(Some("application/json")),
            Just(Some("text/plain")),
            Just(None)
        ],
        body,
        proptest::bool::weighted(0.2),
        proptest::option::weighted(
            0.3,
            ("[A-Za-z-]{1,12}", "[ -~]{0,40}").prop_map(|(k, v)| (k, v)),
        ),
    )
        .prop_map(
            |(status, content_type, body, truncated, extra_header)| Answer {
                status,
                content_type,
                body,
                truncated,
                extra_header,
            },
        )
}

/// Serves `answer` once on a fresh listener; returns its URL.
async fn serve(a: Answer) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        let Ok((mut stream, _)) = listener.accept().await else {
            return;
        };
        let mut buf = vec![0u8; 64 * 1024];
        let _ = tokio::time::timeout(Duration::from_millis(500), stream.read(&mut buf)).await;
        let length = a.body.len() + if a.truncated { 10 } else { 0 };
        let mut head = format!(
            "HTTP/1.1 {} X\r\nContent-Length: {length}\r\nConnection: close\r\n",
            a.status
        );
        if let Some(ct) = a.content_type {
            head.push_str(&format!("Content-Type: {ct}\r\n"));
        }
        if let Some((k, v)) = &a.extra_header {
            head.push_str(&format!("{k}: {v}\r\n"));
        }
        head.push_str("\r\n");
        let _ = stream.write_all(head.as_bytes()).await;
        let _ = stream.write_all(&a.body).await;
        let _ = stream.shutdown().await;
    });
    url
}

fn config(url: String) -> ClientConfig {
    ClientConfig::new(url).with_timeout(Duration::from_secs(5))
}

/// What every error must keep: a status for API and unexpected answers.
fn check<
    E: std::fmt::Debug + std::fmt::Display + huaweicloud_batch_delete::runtime::ErrorMetadata,
>(
    outcome: &Result<impl std::fmt::Debug, Error<E>>,
    a: &Answer,
) {
    if let Err(e) = outcome {
        // Display never panics and says something.
        assert!(!e.to_string().is_empty());
        if let Error::Api(api) = e {
            assert_eq!(api.status.as_u16(), a.status);
        }
    }
}

#[test]
fn arbitrary_answers_decode_or_fail_typed() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
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
        .run(&(answer(), any::<bool>()), |(a, which)| {
            runtime.block_on(async {
                let url = serve(a.clone()).await;
                let call = async {
                    if which {
                        let client = workspace::Client::with_config(config(url));
                        let body = workspace::types::DeleteDesktopsReq {
                            desktop_ids: vec!["d-1".into()],
                            delete_users: false,
                            email_notification: false,
                            is_force_delete: false,
                        };
                        let outcome = client
                            .batch_delete_desktops(body.clone())
                            .project_id("29dfe82ada564ac2b927e1ff036d9a9b")
                            .await;
                        check(&outcome, &a);
                    } else {
                        let client = dbss::Client::with_config(config(url));
                        let body = dbss::types::DeleteInstanceDemandRequest {
                            id: "0123456789abcdef0123456789abcdef".into(),
                            delete_publicip: None,
                            delete_volume: None,
                        };
                        let outcome = client
                            .delete_instances_new(body.clone())
                            .project_id("29dfe82ada564ac2b927e1ff036d9a9b")
                            .await;
                        check(&outcome, &a);
                    }
                };
                tokio::time::timeout(Duration::from_secs(10), call)
                    .await
                    .unwrap_or_else(|_| panic!("no outcome within 10 s for {a:?}"));
            });
            Ok(())
        })
        .unwrap();
}
