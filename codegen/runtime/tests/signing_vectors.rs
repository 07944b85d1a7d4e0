//! AK/SK request signing (`signing`, feature `sdk-hmac-sha256`) against the
//! Huawei Cloud SDK's own signatures.
//!
//! `fixtures/sign_vectors.json` holds request-signing vectors produced by the
//! signer of the official Python SDK (`huaweicloudsdkcore` 3.1.219,
//! `huaweicloudsdkcore/signer/signer.py`, algorithm `SDK-HMAC-SHA256`) for
//! the operations of `specs/`, with a fixed `X-Sdk-Date`.
//!
//! Every vector is reproduced byte for byte three ways:
//! - by the pure core (canonical URI, query, headers, payload hash,
//!   canonical request, string to sign, signature, `Authorization`);
//! - by the client's `Authenticator` on a real request sent over TCP to a tiny
//!   raw HTTP/1.1 server (the headers as they arrive on the wire);
//! - by the server's `AkSkVerifier`, which accepts the SDK's request and the
//!   one our client sent, and refuses them once tampered with.
//!
//! Then requests signed with the real clock, and the verifier's refusals. (A
//! generated operation signed live is in the generated crate's
//! `tests/client_wire.rs`.)
#![cfg(all(feature = "client", feature = "server", feature = "sdk-hmac-sha256"))]

use std::collections::HashMap;
use std::time::{Duration, SystemTime};

use codegen_runtime::client::{ClientConfig, Operation};
use codegen_runtime::server::{AuthError, Identity};
use codegen_runtime::signing::{self, AkSk, AkSkVerifier, AuthorizationError, Message, Received};
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// The longest any single network step may take.
const LIMIT: Duration = Duration::from_secs(10);

/// The `X-Sdk-Date` of every vector.
const VECTOR_DATE: &str = "20240102T030405Z";

/// The names of the vectors in the fixture, in order: all must be there and
/// all must be checked.
const VECTOR_NAMES: &[&str] = &[
    "workspace_batch_delete_desktops",
    "workspace_delete_desktop_volumes_with_query_and_sts_token",
    "dbss_delete_instances_new",
    "roma_delete_asset_local_mock_host",
    "csms_batch_delete_secrets_generic",
    "empty_body_get",
];

fn at_vector_date() -> SystemTime {
    signing::parse_sdk_date(VECTOR_DATE).expect("the vector date parses")
}

// ---------------------------------------------------------------------------
// The vectors
// ---------------------------------------------------------------------------

/// One vector, with the request rebuilt as the SDK had it at signing time.
#[derive(Clone)]
struct Vector {
    raw: Value,
    name: String,
    ak: String,
    sk: String,
    project_id: Option<String>,
    security_token: Option<String>,
    method: String,
    host: String,
    /// The path as sent (percent-encoded).
    resource_path: String,
    /// The decoded query pairs, expanded as the SDK expands them (a list is
    /// sorted and repeated, a boolean is `true`/`false`), in the vector's order.
    query_pairs: Vec<(String, String)>,
    /// The headers set before signing, as given (`Content-Type`, `X-Sdk-Date`).
    headers_before: Vec<(String, String)>,
    body: Option<String>,
    /// `final_uri`: path and query as the SDK sent them.
    final_uri: String,
    /// `final_headers`: every header the SDK sent.
    final_headers: Vec<(String, String)>,
}

fn text(v: &Value, what: &str) -> String {
    v.as_str()
        .unwrap_or_else(|| panic!("{what} is not a string: {v}"))
        .to_owned()
}

fn scalar(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        other => panic!("unexpected query value {other}"),
    }
}

fn pairs(v: &Value, what: &str) -> Vec<(String, String)> {
    v.as_object()
        .unwrap_or_else(|| panic!("{what} is not an object"))
        .iter()
        .map(|(k, v)| (k.clone(), text(v, what)))
        .collect()
}

fn load() -> Vec<Vector> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/sign_vectors.json"
    );
    let json: Value = serde_json::from_str(
        &std::fs::read_to_string(path).expect("read fixtures/sign_vectors.json"),
    )
    .expect("sign_vectors.json is JSON");
    assert_eq!(json["algorithm"], "SDK-HMAC-SHA256");
    let vectors: Vec<Vector> = json["vectors"]
        .as_array()
        .expect("vectors")
        .iter()
        .map(|raw| {
            let name = text(&raw["name"], "name");
            let i = &raw["inputs"];
            let optional = |v: &Value| v.as_str().map(str::to_owned);
            let mut query_pairs = Vec::new();
            for pair in i["query_params"].as_array().expect("query_params") {
                let key = text(&pair[0], "a query key");
                match &pair[1] {
                    Value::Array(items) => {
                        let mut values: Vec<String> = items.iter().map(scalar).collect();
                        values.sort();
                        for v in values {
                            query_pairs.push((key.clone(), v));
                        }
                    }
                    v => query_pairs.push((key.clone(), scalar(v))),
                }
            }
            Vector {
                name,
                ak: text(&i["ak"], "ak"),
                sk: text(&i["sk"], "sk"),
                project_id: optional(&i["project_id"]),
                security_token: optional(&i["security_token"]),
                method: text(&i["method"], "method"),
                host: text(&i["host"], "host"),
                resource_path: text(&i["resource_path"], "resource_path"),
                query_pairs,
                headers_before: pairs(&i["headers_before_signing"], "headers_before_signing"),
                body: optional(&i["body"]),
                final_uri: text(&raw["final_uri"], "final_uri"),
                final_headers: pairs(&raw["final_headers"], "final_headers"),
                raw: raw.clone(),
            }
        })
        .collect();
    let names: Vec<&str> = vectors.iter().map(|v| v.name.as_str()).collect();
    assert_eq!(names, VECTOR_NAMES);
    vectors
}

impl Vector {
    /// A field of the vector's expected output, if it gives one.
    fn expected(&self, field: &str) -> Option<&str> {
        self.raw.get(field).and_then(Value::as_str)
    }

    fn body_bytes(&self) -> &[u8] {
        self.body.as_deref().unwrap_or_default().as_bytes()
    }

    fn date(&self) -> String {
        self.header_before("x-sdk-date")
            .expect("every vector presets X-Sdk-Date")
    }

    fn header_before(&self, name: &str) -> Option<String> {
        self.headers_before
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.clone())
    }

    fn credentials(&self) -> AkSk {
        AkSk {
            ak: self.ak.clone(),
            sk: self.sk.clone(),
            project_id: self.project_id.clone(),
            domain_id: None,
            security_token: self.security_token.clone(),
        }
    }

    /// Every header present when the SDK signs: those set before signing,
    /// `X-Project-Id`, `X-Security-Token`, and `Host`.
    fn headers_at_signing(&self) -> Vec<(String, String)> {
        let mut headers = self.headers_before.clone();
        if let Some(p) = &self.project_id {
            headers.push(("X-Project-Id".into(), p.clone()));
        }
        if let Some(t) = &self.security_token {
            headers.push(("X-Security-Token".into(), t.clone()));
        }
        headers.push(("Host".into(), self.host.clone()));
        headers
    }

    /// The query as the SDK sent it.
    fn final_query(&self) -> &str {
        self.final_uri.split_once('?').map_or("", |(_, q)| q)
    }

    fn keys(&self) -> HashMap<String, String> {
        HashMap::from([(self.ak.clone(), self.sk.clone())])
    }
}

fn verifier(keys: HashMap<String, String>) -> AkSkVerifier<HashMap<String, String>> {
    AkSkVerifier::new(keys).with_clock(at_vector_date)
}

fn borrowed(headers: &[(String, String)]) -> Vec<(&str, &str)> {
    headers
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect()
}

fn assert_invalid(result: Result<Identity, AuthError>, secret: &str, what: &str) {
    match result {
        Err(AuthError::Invalid(why)) => {
            assert!(
                !why.contains(secret),
                "{what}: the reason shows the SK: {why}"
            );
        }
        other => panic!("{what}: expected Invalid, got {other:?}"),
    }
}

// ---------------------------------------------------------------------------
// 1. The pure core
// ---------------------------------------------------------------------------

#[test]
fn the_core_reproduces_every_vector() {
    for v in load() {
        let name = &v.name;
        let canonical = v.expected("canonical_request").expect("canonical_request");
        let lines: Vec<&str> = canonical.split('\n').collect();

        // Canonical URI and query string.
        assert_eq!(
            signing::canonical_uri(&v.resource_path),
            lines[1],
            "{name}: canonical URI"
        );
        assert_eq!(
            signing::canonical_query_pairs(v.query_pairs.iter().map(|(k, x)| (k, x))),
            lines[2],
            "{name}: canonical query from the SDK's parameters"
        );
        assert_eq!(
            signing::canonical_query(v.final_query()),
            lines[2],
            "{name}: canonical query from the query sent"
        );

        // Signed headers and their canonical form.
        let all = v.headers_at_signing();
        let names = signing::signed_header_names(all.iter().map(|(n, _)| n.as_str()));
        let headers: Vec<(String, String)> = names
            .iter()
            .map(|n| {
                let value = all
                    .iter()
                    .find(|(m, _)| m.eq_ignore_ascii_case(n))
                    .map(|(_, x)| x.clone())
                    .expect("a signed header has a value");
                (n.clone(), value)
            })
            .collect();
        if let Some(expected) = v.expected("signed_headers") {
            assert_eq!(names.join(";"), expected, "{name}: signed headers");
        }
        let canonical_headers = signing::canonical_headers(&headers);
        assert!(
            canonical.contains(&format!("\n{canonical_headers}\n")),
            "{name}: canonical headers {canonical_headers:?}"
        );

        // Payload hash.
        let payload = signing::payload_hash(v.body_bytes(), None);
        assert_eq!(
            payload,
            v.raw["inputs"]["body_sha256"]
                .as_str()
                .expect("body_sha256"),
            "{name}: payload hash"
        );
        assert_eq!(
            Some(&payload.as_str()),
            lines.last(),
            "{name}: payload line"
        );

        // The whole signature.
        let date = v.date();
        let message = Message {
            method: &v.method,
            path: &v.resource_path,
            query: v.final_query(),
            date: &date,
            headers: &headers,
            payload_hash: &payload,
        };
        let signed = message.sign(&v.sk);
        assert_eq!(
            signed.canonical_request, canonical,
            "{name}: canonical request"
        );
        if let Some(expected) = v.expected("string_to_sign") {
            assert_eq!(signed.string_to_sign, expected, "{name}: string to sign");
            assert_eq!(
                signing::string_to_sign(&date, canonical),
                expected,
                "{name}: string to sign from the expected canonical request"
            );
        }
        if let Some(expected) = v.expected("signature") {
            assert_eq!(signed.signature, expected, "{name}: signature");
            assert_eq!(
                signing::signature(&v.sk, &signed.string_to_sign),
                expected,
                "{name}: signature"
            );
            assert!(signing::verify_signature(
                &v.sk,
                &signed.string_to_sign,
                expected
            ));
        }
        let authorization = signed.authorization(&v.ak);
        if let Some(expected) = v.expected("authorization") {
            assert_eq!(authorization, expected, "{name}: Authorization");
        }
        let final_auth = v
            .final_headers
            .iter()
            .find(|(n, _)| n == "Authorization")
            .map(|(_, x)| x.as_str());
        assert_eq!(
            final_auth,
            Some(authorization.as_str()),
            "{name}: final Authorization"
        );

        // And the header parses back.
        let parsed = signing::parse_authorization(&authorization).expect("parses");
        assert_eq!(parsed.access_key, v.ak);
        assert_eq!(parsed.signed_headers, names);
        assert_eq!(parsed.signature, signed.signature);
    }
}

#[test]
fn the_verifier_accepts_every_sdk_request_and_refuses_it_tampered() {
    for v in load() {
        let name = &v.name;
        assert_eq!(
            v.date(),
            VECTOR_DATE,
            "{name}: the clock below assumes this date"
        );
        let headers = borrowed(&v.final_headers);
        let received = |target: &str, headers: &[(&str, &str)], body: &[u8]| {
            verifier(v.keys()).verify(&Received {
                method: &v.method,
                target,
                headers,
                body,
            })
        };
        assert_eq!(
            received(&v.final_uri, &headers, v.body_bytes()),
            Ok(Identity {
                scheme: "aksk".into(),
                principal: v.ak.clone(),
            }),
            "{name}"
        );
        // The method is signed.
        let other_method = if v.method == "GET" { "HEAD" } else { "GET" };
        assert_invalid(
            verifier(v.keys()).verify(&Received {
                method: other_method,
                target: &v.final_uri,
                headers: &headers,
                body: v.body_bytes(),
            }),
            &v.sk,
            &format!("{name}: method"),
        );
        // The body is signed (an empty body gains one).
        let mut body = v.body_bytes().to_vec();
        match body.first_mut() {
            Some(b) => *b ^= 0x20,
            None => body.extend_from_slice(b"{}"),
        }
        assert_invalid(
            received(&v.final_uri, &headers, &body),
            &v.sk,
            &format!("{name}: body"),
        );
        // So are the path, the query, and every header.
        let (path, query) = v.final_uri.split_once('?').unwrap_or((&v.final_uri, ""));
        assert_invalid(
            received(&format!("{path}x?{query}"), &headers, v.body_bytes()),
            &v.sk,
            &format!("{name}: path"),
        );
        assert_invalid(
            received(&format!("{path}?{query}&k=v"), &headers, v.body_bytes()),
            &v.sk,
            &format!("{name}: query"),
        );
        for (i, (header, _)) in v.final_headers.iter().enumerate() {
            if header == "Authorization" {
                continue;
            }
            let mut changed = v.final_headers.clone();
            changed[i].1.push('0');
            assert_invalid(
                received(&v.final_uri, &borrowed(&changed), v.body_bytes()),
                &v.sk,
                &format!("{name}: header {header}"),
            );
            let mut removed = v.final_headers.clone();
            removed.remove(i);
            assert_invalid(
                received(&v.final_uri, &borrowed(&removed), v.body_bytes()),
                &v.sk,
                &format!("{name}: without {header}"),
            );
        }
    }
}

// ---------------------------------------------------------------------------
// A raw HTTP/1.1 server that records one request
// ---------------------------------------------------------------------------

/// One request exactly as it arrived.
#[derive(Debug, Clone)]
struct Recorded {
    method: String,
    target: String,
    /// Names as received, values trimmed, in order.
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Recorded {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    fn as_received<'a>(&'a self, headers: &'a [(&'a str, &'a str)]) -> Received<'a> {
        Received {
            method: &self.method,
            target: &self.target,
            headers,
            body: &self.body,
        }
    }
}

/// Serves one request with `status` and `body`; gives the base URL and the
/// task yielding what arrived.
async fn serve_once(
    status: u16,
    body: &'static str,
) -> (String, tokio::task::JoinHandle<Recorded>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("local addr"));
    let task = tokio::spawn(async move {
        let (mut stream, _) = listener.accept().await.expect("accept");
        let mut raw = Vec::new();
        let mut chunk = [0u8; 4096];
        let head_len = loop {
            if let Some(i) = raw.windows(4).position(|w| w == b"\r\n\r\n") {
                break i + 4;
            }
            let n = stream.read(&mut chunk).await.expect("read the head");
            assert!(n > 0, "the client closed early");
            raw.extend_from_slice(&chunk[..n]);
        };
        let head = String::from_utf8(raw[..head_len - 4].to_vec()).expect("a UTF-8 head");
        let mut lines = head.split("\r\n");
        let mut request_line = lines.next().expect("a request line").split(' ');
        let method = request_line.next().expect("a method").to_owned();
        let target = request_line.next().expect("a target").to_owned();
        let headers: Vec<(String, String)> = lines
            .map(|line| {
                let (n, v) = line.split_once(':').expect("a header line");
                (n.to_owned(), v.trim().to_owned())
            })
            .collect();
        let length: usize = headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case("content-length"))
            .map_or(0, |(_, v)| v.parse().expect("a numeric content-length"));
        while raw.len() < head_len + length {
            let n = stream.read(&mut chunk).await.expect("read the body");
            assert!(n > 0, "the client closed before the whole body");
            raw.extend_from_slice(&chunk[..n]);
        }
        let reply = format!(
            "HTTP/1.1 {status} Canned\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
            body.len()
        );
        stream.write_all(reply.as_bytes()).await.expect("write");
        let _ = stream.shutdown().await;
        Recorded {
            method,
            target,
            headers,
            body: raw[head_len..head_len + length].to_vec(),
        }
    });
    (url, task)
}

/// A `&'static str` for a header name or content type (the client's `Call`
/// takes static names).
fn leak(s: String) -> &'static str {
    Box::leak(s.into_boxed_str())
}

// ---------------------------------------------------------------------------
// 2. The client's Authenticator, over the wire
// ---------------------------------------------------------------------------

/// Sends the vector's request with `AkSk` through the generated runtime's
/// client (the `X-Sdk-Date` and `Host` preset as in the vector) and records
/// what arrives.
async fn send_vector(v: &Vector, credentials: AkSk) -> Recorded {
    let (url, server) = serve_once(200, "{}").await;
    let config = ClientConfig::new(url).with_auth(credentials);
    let mut call = config
        .request(
            Operation::new("Vector", v.method.parse().expect("a method"), "/"),
            &v.resource_path,
        )
        .expect("a request");
    for (k, x) in &v.query_pairs {
        call.query(k, x);
    }
    call.header("host", &v.host).expect("host");
    for (n, x) in &v.headers_before {
        let n = n.to_ascii_lowercase();
        if n == "content-type" && v.body.is_some() {
            continue;
        }
        call.header(leak(n), x).expect("a header");
    }
    if let Some(body) = &v.body {
        let ct = v
            .header_before("content-type")
            .expect("a body has a content type");
        call.bytes(leak(ct), body.as_bytes()).expect("a body");
    }
    let response = tokio::time::timeout(LIMIT, config.execute::<()>(call))
        .await
        .expect("the call finishes")
        .expect("the call succeeds");
    assert_eq!(response.status.as_u16(), 200);
    tokio::time::timeout(LIMIT, server)
        .await
        .expect("the server finishes")
        .expect("the server task")
}

#[tokio::test]
async fn the_client_sends_exactly_what_the_sdk_sends() {
    for v in load() {
        let name = &v.name;
        let recorded = send_vector(&v, v.credentials()).await;
        // Every header the SDK sent arrives with the same value, the
        // Authorization header included.
        for (header, value) in &v.final_headers {
            assert_eq!(
                recorded.header(header),
                Some(value.as_str()),
                "{name}: {header} (received {:?})",
                recorded.headers
            );
        }
        // reqwest adds `accept` and `content-length`; nothing else.
        for (header, _) in &recorded.headers {
            let expected = v
                .final_headers
                .iter()
                .any(|(n, _)| n.eq_ignore_ascii_case(header));
            assert!(
                expected
                    || ["accept", "content-length"].contains(&header.to_ascii_lowercase().as_str()),
                "{name}: unexpected header {header}"
            );
        }
        assert_eq!(recorded.method, v.method);
        assert_eq!(recorded.body, v.body_bytes(), "{name}: body");
        // The path is sent as the SDK sends it; the query is form-encoded
        // here (`+`, `%7E`) but canonically the same.
        let (path, query) = recorded
            .target
            .split_once('?')
            .unwrap_or((&recorded.target, ""));
        let (sdk_path, sdk_query) = v.final_uri.split_once('?').unwrap_or((&v.final_uri, ""));
        assert_eq!(path, sdk_path, "{name}: path");
        assert_eq!(
            signing::canonical_query(query),
            signing::canonical_query(sdk_query),
            "{name}: query {query}"
        );
        // And the verifier accepts what arrived.
        let headers = borrowed(&recorded.headers);
        assert_eq!(
            verifier(v.keys())
                .verify(&recorded.as_received(&headers))
                .map(|i| i.principal),
            Ok(v.ak.clone()),
            "{name}: verify what arrived"
        );
    }
}

#[tokio::test]
async fn a_preset_authorization_header_is_sent_unsigned() {
    let v = load().remove(0);
    let (url, server) = serve_once(200, "{}").await;
    let config = ClientConfig::new(url).with_auth(v.credentials());
    let mut call = config
        .request(Operation::new("Test", reqwest::Method::GET, "/x"), "/x")
        .unwrap();
    call.header("authorization", "Bearer t").unwrap();
    config.execute::<()>(call).await.expect("sent");
    let recorded = server.await.unwrap();
    assert_eq!(recorded.header("authorization"), Some("Bearer t"));
    assert_eq!(recorded.header("x-project-id"), v.project_id.as_deref());
    assert_eq!(recorded.header("x-sdk-date"), None);
    // Such a request is not an SDK-HMAC-SHA256 one: credentials are missing.
    let headers = borrowed(&recorded.headers);
    assert_eq!(
        verifier(v.keys()).verify(&recorded.as_received(&headers)),
        Err(AuthError::Missing)
    );
}

// ---------------------------------------------------------------------------
// 3. The real clock, and the verifier's refusals
// ---------------------------------------------------------------------------

#[tokio::test]
async fn a_request_signed_more_than_15_minutes_ago_is_refused() {
    let v = load().remove(0);
    let keys = || HashMap::from([(v.ak.clone(), v.sk.clone())]);
    for (minutes_ago, accepted) in [(16u64, false), (14, true)] {
        let date =
            signing::format_sdk_date(SystemTime::now() - Duration::from_secs(minutes_ago * 60))
                .unwrap();
        let mut old = v.clone();
        for (n, x) in &mut old.headers_before {
            if n.eq_ignore_ascii_case("x-sdk-date") {
                *x = date.clone();
            }
        }
        let recorded = send_vector(&old, old.credentials()).await;
        assert_eq!(recorded.header("x-sdk-date"), Some(date.as_str()));
        let headers = borrowed(&recorded.headers);
        let result = AkSkVerifier::new(keys()).verify(&recorded.as_received(&headers));
        if accepted {
            assert_eq!(
                result.map(|i| i.principal),
                Ok(v.ak.clone()),
                "{minutes_ago} min"
            );
        } else {
            assert_invalid(result, &v.sk, &format!("{minutes_ago} min"));
        }
    }
}

#[test]
fn other_schemes_are_not_this_one() {
    assert_eq!(
        signing::parse_authorization("Bearer abc"),
        Err(AuthorizationError::OtherScheme)
    );
    let missing = verifier(HashMap::new()).verify(&Received {
        method: "GET",
        target: "/",
        headers: &[("Authorization", "Basic dTpw")],
        body: b"",
    });
    assert_eq!(missing, Err(AuthError::Missing));
}
