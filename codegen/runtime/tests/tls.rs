//! `client`: TLS with rustls and the `ring` crypto provider, against a
//! rustls server on 127.0.0.1 whose certificate is issued by a test CA
//! (`fixtures/tls/`: `ca.pem`, and `server.pem` with its key `server.key`
//! for IP 127.0.0.1, valid 2000-2100, made with `openssl ca`). The
//! default client refuses the certificate (no trust store has the CA); the
//! runtime's builder with the CA added accepts it, so the builder's TLS
//! settings still apply.
#![cfg(feature = "client")]

use std::io::{Read, Write};
use std::net::TcpListener;
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use codegen_runtime::client::{ClientConfig, Error, Operation, RawResponse, RetryPolicy};
use reqwest::Method;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

const CA: &[u8] = include_bytes!("fixtures/tls/ca.pem");
const CERT: &[u8] = include_bytes!("fixtures/tls/server.pem");
const KEY: &[u8] = include_bytes!("fixtures/tls/server.key");

/// A TLS server for one connection: it reads a request head and answers
/// `200` with a JSON body. Returns its `https` URL and what it saw: the
/// request head, or the TLS error that ended the connection.
fn serve_once() -> (String, JoinHandle<Result<String, String>>) {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("protocol versions")
        .with_no_client_auth()
        .with_single_cert(
            vec![CertificateDer::from_pem_slice(CERT).expect("certificate")],
            PrivateKeyDer::from_pem_slice(KEY).expect("key"),
        )
        .expect("server config");
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("https://{}", listener.local_addr().expect("local addr"));
    let server = std::thread::spawn(move || {
        let (tcp, _) = listener.accept().map_err(|e| e.to_string())?;
        tcp.set_read_timeout(Some(Duration::from_secs(5)))
            .map_err(|e| e.to_string())?;
        let tls = rustls::ServerConnection::new(Arc::new(config)).map_err(|e| e.to_string())?;
        let mut stream = rustls::StreamOwned::new(tls, tcp);
        let mut head = Vec::new();
        let mut buf = [0u8; 1024];
        while !head.windows(4).any(|w| w == b"\r\n\r\n") {
            let n = stream.read(&mut buf).map_err(|e| e.to_string())?;
            if n == 0 {
                return Err("closed before a request".to_owned());
            }
            head.extend_from_slice(&buf[..n]);
        }
        let body = r#"{"done":true}"#;
        let answer = format!(
            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
            body.len()
        );
        stream
            .write_all(answer.as_bytes())
            .and_then(|()| stream.flush())
            .map_err(|e| e.to_string())?;
        stream.conn.send_close_notify();
        let _ = stream.flush();
        Ok(String::from_utf8_lossy(&head).into_owned())
    });
    (url, server)
}

async fn call(config: &ClientConfig) -> Result<RawResponse, Error<String>> {
    let mut request = config.request(
        Operation::new("Test", Method::POST, "/v1/p/things/delete"),
        "/v1/p/things/delete",
    )?;
    request.json("application/json", &serde_json::json!({ "ids": ["a"] }))?;
    tokio::time::timeout(Duration::from_secs(10), config.execute(request))
        .await
        .expect("the call ends within 10 s")
}

#[tokio::test]
async fn the_default_client_refuses_a_certificate_no_trusted_root_issued() {
    let (url, server) = serve_once();
    // One attempt: a failed handshake counts as a connection failure, which
    // is retried, and the server takes only one connection.
    let config = ClientConfig::new(&url).with_retry(RetryPolicy::none());
    let err = call(&config)
        .await
        .expect_err("the test CA is in no trust store");
    assert!(matches!(err, Error::Transport(_)), "{err:?}");
    let chain = format!("{err:?}");
    assert!(chain.contains("UnknownIssuer"), "{chain}");
    let seen = server.join().expect("the server thread");
    assert!(seen.is_err(), "the server read a request: {seen:?}");
}

#[tokio::test]
async fn the_runtime_builder_with_the_ca_added_completes_the_handshake() {
    let (url, server) = serve_once();
    let ca = reqwest::Certificate::from_pem(CA).expect("CA certificate");
    let http = ClientConfig::http_client_builder()
        .tls_certs_merge([ca])
        .build()
        .expect("an HTTP client");
    let raw = call(&ClientConfig::new(&url).with_http_client(http))
        .await
        .expect("a verified TLS connection");
    assert_eq!(raw.status.as_u16(), 200);
    assert_eq!(raw.body, br#"{"done":true}"#);
    let head = server
        .join()
        .expect("the server thread")
        .expect("a request");
    assert!(
        head.starts_with("POST /v1/p/things/delete HTTP/1.1\r\n"),
        "{head}"
    );
}
