//! `client`: the span of a call, as a `tracing-subscriber` formatter writes
//! it — what it records, and that no credential, query string or body
//! reaches it.
#![cfg(feature = "client")]

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use codegen_runtime::auth::ApiKeyHeader;
use codegen_runtime::client::{ClientConfig, Error, Operation, RawResponse, RetryPolicy};
use reqwest::Method;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tracing_subscriber::fmt::format::FmtSpan;
use tracing_subscriber::fmt::MakeWriter;

const TOKEN: &str = "tok-5ecret-value";
const QUERY_SECRET: &str = "q-5ecret-value";
const BODY_SECRET: &str = "body-5ecret-value";

/// Everything the formatter writes, kept in memory.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Captured {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for Captured {
    type Writer = Captured;
    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

/// Answers 503 to the first request and 200 to the rest.
async fn server() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        let mut n = 0;
        while let Ok((mut stream, _)) = listener.accept().await {
            let mut raw = Vec::new();
            let mut buf = [0u8; 4096];
            // The head and the small body arrive together or soon after.
            while !String::from_utf8_lossy(&raw).contains(BODY_SECRET) {
                match stream.read(&mut buf).await {
                    Ok(0) | Err(_) => break,
                    Ok(k) => raw.extend_from_slice(&buf[..k]),
                }
            }
            n += 1;
            let status = if n == 1 {
                "503 Service Unavailable"
            } else {
                "200 OK"
            };
            let answer = format!(
                "HTTP/1.1 {status}\r\ncontent-length: 2\r\nx-request-id: rid-{n}\r\n\
                 connection: close\r\n\r\n{{}}"
            );
            let _ = stream.write_all(answer.as_bytes()).await;
            let _ = stream.shutdown().await;
        }
    });
    url
}

async fn call(config: &ClientConfig) -> Result<RawResponse, Error<String>> {
    let operation = Operation::new(
        "BatchDeleteThings",
        Method::POST,
        "/v2/{project_id}/things/batch-delete",
    );
    let mut request = config.request(operation, "/v2/p-42/things/batch-delete")?;
    request.query("token", QUERY_SECRET);
    request.json(
        "application/json",
        &serde_json::json!({ "ids": [BODY_SECRET] }),
    )?;
    tokio::time::timeout(Duration::from_secs(10), config.execute(request))
        .await
        .expect("the call finishes")
}

#[tokio::test]
async fn a_call_has_one_span_with_its_attempts_and_no_secrets() {
    let captured = Captured::default();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(captured.clone())
        .with_max_level(tracing::Level::DEBUG)
        .with_span_events(FmtSpan::CLOSE)
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let url = server().await;
    let config = ClientConfig::new(url)
        .with_auth(ApiKeyHeader::new("X-Auth-Token", TOKEN).unwrap())
        .with_retry(
            RetryPolicy::default()
                .retry_statuses([503])
                .retry_methods([Method::POST])
                .with_delays(Duration::from_millis(10), Duration::from_millis(20)),
        );
    let response = call(&config).await.expect("a response");
    assert_eq!(response.status.as_u16(), 200);

    let text = captured.text();
    let call_span = text
        .lines()
        .rfind(|l| l.contains("request{") && l.contains("close"))
        .unwrap_or_else(|| panic!("no closed call span in:\n{text}"));
    for field in [
        r#"operation="BatchDeleteThings""#,
        "method=POST",
        r#"template="/v2/{project_id}/things/batch-delete""#,
        r#"path="/v2/p-42/things/batch-delete""#,
        "attempts=2",
        "status=200",
        r#"request_id="rid-2""#,
        "duration_ms=",
    ] {
        assert!(
            call_span.contains(field),
            "{field} missing from {call_span}"
        );
    }
    for (attempt, status, id) in [(1, 503, "rid-1"), (2, 200, "rid-2")] {
        let fields = format!(r#"attempt{{attempt={attempt} status={status} request_id="{id}"}}"#);
        assert!(
            text.lines()
                .any(|l| l.contains(&fields) && l.contains("close")),
            "{fields} missing from:\n{text}"
        );
    }
    assert!(text.contains("retrying"), "{text}");
    for secret in [TOKEN, QUERY_SECRET, BODY_SECRET] {
        assert!(!text.contains(secret), "{secret} leaked into:\n{text}");
    }
}
