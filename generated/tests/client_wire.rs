//! The generated clients (`generated/`, crate `huaweicloud-batch-delete`)
//! against a tiny raw HTTP/1.1 server on 127.0.0.1: the exact request each
//! operation puts on the wire, how every status documented in `specs/` is
//! mapped to a typed outcome, what happens with undocumented statuses,
//! undecodable bodies, unreachable, stalled and endless servers and
//! redirects to another origin, that invalid requests are
//! refused before anything is sent, the server URLs, and a request signed
//! with AK/SK (`SDK-HMAC-SHA256`) that the server-side verifier accepts.
//!
//! Every network step runs under a timeout, so a misbehaving client fails a
//! test instead of hanging it.

use std::collections::HashMap;
use std::fmt::{Debug, Display};
use std::future::Future;
use std::path::Path;
use std::time::{Duration, SystemTime};

use huaweicloud_batch_delete::runtime::client::{ApiResponse, ClientConfig, Error};
use huaweicloud_batch_delete::runtime::server::{AuthError, Identity};
use huaweicloud_batch_delete::runtime::signing::{self, AkSk, AkSkVerifier, Received};
use huaweicloud_batch_delete::runtime::ErrorMetadata;
use huaweicloud_batch_delete::{csms, dbss, roma, workspace};
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// The longest any single network step may take.
const LIMIT: Duration = Duration::from_secs(10);

/// The token every client under test is configured with.
const TOKEN: &str = "tok";

// Path parameters holding characters that must be percent-encoded, with
// their expected encodings written out by hand.
const WS_PROJECT: &str = "proj é/1 2";
const WS_PROJECT_ENC: &str = "proj%20%C3%A9%2F1%202";
const WS_DESKTOP: &str = "desk?#%~._-";
const WS_DESKTOP_ENC: &str = "desk%3F%23%25~._-";
const ROMA_PROJECT: &str = WS_PROJECT;
const ROMA_PROJECT_ENC: &str = WS_PROJECT_ENC;
const ROMA_INSTANCE: &str = "inst+&=;:@";
const ROMA_INSTANCE_ENC: &str = "inst%2B%26%3D%3B%3A%40";
/// Exactly 32 characters: CSMS wants exactly 32, DBSS 32 to 64.
const PROJECT_32: &str = "0123456789abcdef0123456789 é/?%x";
const PROJECT_32_ENC: &str = "0123456789abcdef0123456789%20%C3%A9%2F%3F%25x";
const DBSS_INSTANCE: &str = "75abd6de-657b-444b-a867-c740ad2b66ec";

// ---------------------------------------------------------------------------
// The raw HTTP/1.1 server
// ---------------------------------------------------------------------------

/// One request exactly as the server received it.
#[derive(Debug)]
struct Recorded {
    /// Every byte read from the connection.
    raw: Vec<u8>,
    /// Length of the head (request line, headers and the blank line).
    head_len: usize,
    request_line: String,
    /// Names lower-cased, values trimmed, in the order received.
    headers: Vec<(String, String)>,
    body: Vec<u8>,
    /// `host:port` the server listened on.
    authority: String,
}

/// The canned answer.
struct Reply {
    status: u16,
    /// Sent as `X-Request-Id` unless `None`.
    request_id: Option<String>,
    /// Further headers, e.g. `Location`.
    extra: Vec<(&'static str, String)>,
    body: Vec<u8>,
}

impl Reply {
    fn new(status: u16, request_id: &str, body: impl Into<Vec<u8>>) -> Self {
        Reply {
            status,
            request_id: Some(request_id.to_owned()),
            extra: Vec::new(),
            body: body.into(),
        }
    }

    fn with_header(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.extra.push((name, value.into()));
        self
    }

    fn to_bytes(&self) -> Vec<u8> {
        let mut head = format!(
            "HTTP/1.1 {} Canned\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n",
            self.status,
            self.body.len()
        );
        if let Some(id) = &self.request_id {
            head.push_str(&format!("X-Request-Id: {id}\r\n"));
        }
        for (name, value) in &self.extra {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
        head.push_str("\r\n");
        let mut bytes = head.into_bytes();
        bytes.extend_from_slice(&self.body);
        bytes
    }
}

/// Reads one request: the head up to `\r\n\r\n`, then `Content-Length` bytes.
async fn read_request(stream: &mut TcpStream, authority: String) -> Recorded {
    let mut raw = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_len = loop {
        if let Some(i) = raw.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        let n = stream
            .read(&mut chunk)
            .await
            .expect("read the request head");
        assert!(n > 0, "the client closed before ending the head: {raw:?}");
        raw.extend_from_slice(&chunk[..n]);
    };
    let head = std::str::from_utf8(&raw[..head_len - 4]).expect("the head is UTF-8");
    let mut lines = head.split("\r\n");
    let request_line = lines.next().unwrap_or_default().to_owned();
    let headers: Vec<(String, String)> = lines
        .map(|line| {
            let (name, value) = line.split_once(':').expect("a header line has a colon");
            (name.to_ascii_lowercase(), value.trim().to_owned())
        })
        .collect();
    let length: usize = headers
        .iter()
        .find(|(name, _)| name == "content-length")
        .map_or(0, |(_, v)| v.parse().expect("a numeric content-length"));
    while raw.len() < head_len + length {
        let n = stream
            .read(&mut chunk)
            .await
            .expect("read the request body");
        assert!(n > 0, "the client closed before sending the whole body");
        raw.extend_from_slice(&chunk[..n]);
    }
    let body = raw[head_len..head_len + length].to_vec();
    Recorded {
        raw,
        head_len,
        request_line,
        headers,
        body,
        authority,
    }
}

/// Serves exactly one request on 127.0.0.1 with `reply`, then stops
/// listening. Gives the base URL and the task yielding what was received.
async fn serve_once(reply: Reply) -> (String, tokio::task::JoinHandle<Recorded>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let authority = listener.local_addr().expect("local addr").to_string();
    let url = format!("http://{authority}");
    let task = tokio::spawn(async move {
        let (mut stream, _) = listener.accept().await.expect("accept");
        let recorded = read_request(&mut stream, authority).await;
        stream.write_all(&reply.to_bytes()).await.expect("write");
        let _ = stream.shutdown().await;
        recorded
    });
    (url, task)
}

/// Runs `f` under [`LIMIT`].
async fn bounded<F: std::future::IntoFuture>(what: &str, f: F) -> F::Output {
    tokio::time::timeout(LIMIT, f)
        .await
        .unwrap_or_else(|_| panic!("{what} took longer than {LIMIT:?}"))
}

/// One call against a fresh server answering `reply`: the call's outcome and
/// what the server received.
async fn exchange<F, Fut>(reply: Reply, call: F) -> (Fut::Output, Recorded)
where
    F: FnOnce(String) -> Fut,
    Fut: Future,
{
    let (url, server) = serve_once(reply).await;
    let outcome = bounded("the call", call(url)).await;
    let recorded = bounded("the server", server)
        .await
        .expect("the server task panicked");
    (outcome, recorded)
}

/// A listener that must never see a connection: for calls that should be
/// refused before anything is sent.
struct Untouched {
    listener: TcpListener,
    url: String,
}

impl Untouched {
    async fn new() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let url = format!("http://{}", listener.local_addr().expect("local addr"));
        Untouched { listener, url }
    }

    /// Fails if any client connected. A connection made by a finished call
    /// already sits in the accept queue, so a short wait suffices.
    async fn assert_untouched(&self, case: &str) {
        let accepted =
            tokio::time::timeout(Duration::from_millis(50), self.listener.accept()).await;
        assert!(accepted.is_err(), "{case}: a connection reached the server");
    }
}

// ---------------------------------------------------------------------------
// The specs
// ---------------------------------------------------------------------------

fn spec(module: &str) -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../specs")
        .join(format!("{module}.yaml"));
    codegen::load_document(&path, module)
        .unwrap_or_else(|e| panic!("specs/{module}.yaml does not load: {e:?}"))
        .value
}

/// The method (upper case), path template and operation object of `id`.
fn spec_operation<'a>(spec: &'a Value, id: &str) -> (String, String, &'a Value) {
    for (path, item) in spec["paths"].as_object().expect("paths") {
        for (method, op) in item.as_object().expect("path item") {
            if op.get("operationId").and_then(Value::as_str) == Some(id) {
                return (method.to_ascii_uppercase(), path.clone(), op);
            }
        }
    }
    panic!("no operation {id}");
}

/// Every status code the spec documents for `id`, sorted.
fn documented_statuses(module: &str, id: &str) -> Vec<u16> {
    let spec = spec(module);
    let (_, _, op) = spec_operation(&spec, id);
    let mut statuses: Vec<u16> = op["responses"]
        .as_object()
        .expect("responses")
        .keys()
        .map(|k| {
            k.parse()
                .unwrap_or_else(|_| panic!("{id}: unexpected response key {k}"))
        })
        .collect();
    statuses.sort_unstable();
    statuses
}

/// Fails unless `body` matches the JSON schema the spec gives for `status`.
fn assert_body_matches_spec(module: &str, id: &str, status: u16, body: &str) {
    let spec = spec(module);
    let (_, _, op) = spec_operation(&spec, id);
    let mut response = &op["responses"][status.to_string()];
    if let Some(r) = response.get("$ref").and_then(Value::as_str) {
        response = spec
            .pointer(r.trim_start_matches('#'))
            .unwrap_or_else(|| panic!("{r} does not resolve"));
    }
    let schema = response["content"]["application/json"]["schema"].clone();
    assert!(schema.is_object(), "{id} {status}: no JSON schema");
    // The whole document is the root so that `#/components/...` resolves.
    let mut root = spec.clone();
    root.as_object_mut()
        .expect("object")
        .insert("allOf".into(), Value::Array(vec![schema]));
    let validator = jsonschema::draft7::new(&root).expect("the schema compiles");
    let instance: Value = serde_json::from_str(body).expect("the canned body is JSON");
    let errors: Vec<String> = validator
        .iter_errors(&instance)
        .map(|e| e.to_string())
        .collect();
    assert!(
        errors.is_empty(),
        "{id} {status}: the canned body breaks the spec: {errors:?}"
    );
}

// ---------------------------------------------------------------------------
// Clients and request bodies
// ---------------------------------------------------------------------------

fn roma_client(url: String) -> roma::Client {
    roma::Client::with_config(
        ClientConfig::new(url).with_auth(roma::client::token_auth(TOKEN).unwrap()),
    )
}

fn ws_client(url: String) -> workspace::Client {
    workspace::Client::with_config(
        ClientConfig::new(url).with_auth(workspace::client::token_auth(TOKEN).unwrap()),
    )
}

fn csms_client(url: String) -> csms::Client {
    csms::Client::with_config(
        ClientConfig::new(url).with_auth(csms::client::token_auth(TOKEN).unwrap()),
    )
}

fn dbss_client(url: String) -> dbss::Client {
    dbss::Client::with_config(
        ClientConfig::new(url).with_auth(dbss::client::token_auth(TOKEN).unwrap()),
    )
}

fn roma_body() -> roma::types::AssetOperateRequest {
    roma::types::AssetOperateRequest {
        apps: vec![
            roma::types::AssetExportRequestApps {
                id: Some("b1e6b1e6-4f3f-4a80-bb45-f4b9039f95a3".into()),
            },
            roma::types::AssetExportRequestApps { id: None },
        ],
        tasks: vec![roma::types::AssetExportRequestTasks {
            id: Some("b2e6a45612344a80aa45f4b8029f95a4".into()),
        }],
    }
}

/// Built from JSON so that the spec's defaults fill the unset fields.
fn desktops_body(ids: &[&str]) -> workspace::types::DeleteDesktopsReq {
    serde_json::from_value(serde_json::json!({ "desktop_ids": ids })).expect("defaults apply")
}

fn volumes_body(ids: Option<Vec<String>>) -> workspace::types::DeleteVolumesReq {
    workspace::types::DeleteVolumesReq { volume_ids: ids }
}

fn csms_body() -> csms::types::BatchDeleteSecretsRequest {
    csms::types::BatchDeleteSecretsRequest {
        instance_id: Some("rds-instance-1".into()),
        instance_type: Some(csms::types::BatchDeleteSecretsRequestInstanceType::Rds),
    }
}

fn dbss_body(id: &str) -> dbss::types::DeleteInstanceDemandRequest {
    dbss::types::DeleteInstanceDemandRequest {
        id: id.into(),
        delete_publicip: Some(false),
        delete_volume: Some(true),
    }
}

// The five operations, callable any number of times against a base URL.

async fn call_delete_asset(
    url: String,
) -> Result<ApiResponse<roma::types::DeleteAssetResponse>, Error<roma::types::DeleteAssetError>> {
    roma_client(url)
        .delete_asset(ROMA_INSTANCE, roma_body())
        .project_id(ROMA_PROJECT)
        .await
}

async fn call_batch_delete_desktops(
    url: String,
) -> Result<
    ApiResponse<workspace::types::BatchDeleteDesktopsResponse>,
    Error<workspace::types::BatchDeleteDesktopsError>,
> {
    ws_client(url)
        .batch_delete_desktops(desktops_body(&["d-1", "d-2"]))
        .project_id(WS_PROJECT)
        .await
}

async fn call_delete_desktop_volumes(
    url: String,
) -> Result<
    ApiResponse<workspace::types::DeleteDesktopVolumesResponse>,
    Error<workspace::types::DeleteDesktopVolumesError>,
> {
    ws_client(url)
        .delete_desktop_volumes(
            WS_DESKTOP,
            volumes_body(Some(vec!["v-1".into(), "v-2".into()])),
        )
        .project_id(WS_PROJECT)
        .await
}

async fn call_batch_delete_secrets(
    url: String,
) -> Result<
    ApiResponse<csms::types::BatchDeleteSecretsResponse>,
    Error<csms::types::BatchDeleteSecretsError>,
> {
    csms_client(url)
        .batch_delete_secrets(csms_body())
        .project_id(PROJECT_32)
        .await
}

async fn call_delete_instances_new(
    url: String,
) -> Result<
    ApiResponse<dbss::types::DeleteInstancesNewResponse>,
    Error<dbss::types::DeleteInstancesNewError>,
> {
    dbss_client(url)
        .delete_instances_new(dbss_body(DBSS_INSTANCE))
        .project_id(PROJECT_32)
        .await
}

// ---------------------------------------------------------------------------
// 2. The exact request on the wire
// ---------------------------------------------------------------------------

/// The request line, the complete header set (order aside) and the body
/// bytes, with nothing sent beyond the body.
fn assert_wire(rec: &Recorded, method: &str, path: &str, body: &str) {
    assert_eq!(rec.request_line, format!("{method} {path} HTTP/1.1"));
    let mut headers = rec.headers.clone();
    headers.sort();
    let mut expected: Vec<(String, String)> = [
        ("accept", "*/*".to_owned()),
        ("content-length", body.len().to_string()),
        ("content-type", "application/json".to_owned()),
        ("host", rec.authority.clone()),
        ("x-auth-token", TOKEN.to_owned()),
    ]
    .into_iter()
    .map(|(n, v)| (n.to_owned(), v))
    .collect();
    expected.sort();
    assert_eq!(headers, expected, "request headers");
    assert_eq!(String::from_utf8_lossy(&rec.body), body, "request body");
    assert_eq!(
        rec.raw.len(),
        rec.head_len + body.len(),
        "bytes after the body"
    );
}

/// The spec's method and path template for `id`, with `params` substituted.
fn spec_request(module: &str, id: &str, params: &[(&str, &str)]) -> (String, String) {
    let spec = spec(module);
    let (method, mut path, _) = spec_operation(&spec, id);
    for (name, value) in params {
        let placeholder = format!("{{{name}}}");
        assert!(
            path.contains(&placeholder),
            "{id}: no {placeholder} in {path}"
        );
        path = path.replace(&placeholder, value);
    }
    (method, path)
}

#[tokio::test]
async fn roma_delete_asset_request_on_the_wire() {
    let (method, path) = spec_request(
        "roma",
        "DeleteAsset",
        &[
            ("project_id", ROMA_PROJECT_ENC),
            ("instance_id", ROMA_INSTANCE_ENC),
        ],
    );
    assert_eq!(
        (method.as_str(), path.as_str()),
        (
            "POST",
            "/v2/proj%20%C3%A9%2F1%202/instances/inst%2B%26%3D%3B%3A%40/assets/delete"
        )
    );
    let (outcome, rec) = exchange(
        Reply::new(200, "r-1", r#"{"job_id":"j"}"#),
        call_delete_asset,
    )
    .await;
    outcome.expect("200 is a success");
    assert_wire(
        &rec,
        &method,
        &path,
        r#"{"apps":[{"id":"b1e6b1e6-4f3f-4a80-bb45-f4b9039f95a3"},{}],"tasks":[{"id":"b2e6a45612344a80aa45f4b8029f95a4"}]}"#,
    );
}

#[tokio::test]
async fn workspace_batch_delete_desktops_request_on_the_wire() {
    let (method, path) = spec_request(
        "workspace",
        "BatchDeleteDesktops",
        &[("project_id", WS_PROJECT_ENC)],
    );
    assert_eq!(
        (method.as_str(), path.as_str()),
        ("POST", "/v2/proj%20%C3%A9%2F1%202/desktops/batch-delete")
    );
    let (outcome, rec) = exchange(
        Reply::new(202, "r-1", r#"{"job_id":"j"}"#),
        call_batch_delete_desktops,
    )
    .await;
    outcome.expect("202 is a success");
    // The defaults (delete_users false, email_notification true,
    // is_force_delete false) are sent explicitly.
    assert_wire(
        &rec,
        &method,
        &path,
        r#"{"desktop_ids":["d-1","d-2"],"delete_users":false,"email_notification":true,"is_force_delete":false}"#,
    );
}

#[tokio::test]
async fn workspace_delete_desktop_volumes_request_on_the_wire() {
    let (method, path) = spec_request(
        "workspace",
        "DeleteDesktopVolumes",
        &[
            ("project_id", WS_PROJECT_ENC),
            ("desktop_id", WS_DESKTOP_ENC),
        ],
    );
    assert_eq!(
        (method.as_str(), path.as_str()),
        (
            "POST",
            "/v2/proj%20%C3%A9%2F1%202/desktops/desk%3F%23%25~._-/volumes/batch-delete"
        )
    );
    let (outcome, rec) = exchange(
        Reply::new(200, "r-1", r#"{"job_id":"j"}"#),
        call_delete_desktop_volumes,
    )
    .await;
    outcome.expect("200 is a success");
    assert_wire(&rec, &method, &path, r#"{"volume_ids":["v-1","v-2"]}"#);

    // volume_ids is optional: left out, the body is an empty object.
    let (outcome, rec) = exchange(Reply::new(200, "r-2", "{}"), |url| async move {
        ws_client(url)
            .delete_desktop_volumes(WS_DESKTOP, volumes_body(None))
            .project_id(WS_PROJECT)
            .await
    })
    .await;
    assert_eq!(outcome.expect("200 is a success").body.job_id, None);
    assert_wire(&rec, &method, &path, "{}");
}

#[tokio::test]
async fn csms_batch_delete_secrets_request_on_the_wire() {
    let (method, path) = spec_request(
        "csms",
        "BatchDeleteSecrets",
        &[("project_id", PROJECT_32_ENC)],
    );
    assert_eq!(
        (method.as_str(), path.as_str()),
        (
            "POST",
            "/v1/0123456789abcdef0123456789%20%C3%A9%2F%3F%25x/secrets/batch-delete"
        )
    );
    let (outcome, rec) = exchange(Reply::new(200, "r-1", "{}"), call_batch_delete_secrets).await;
    outcome.expect("200 is a success");
    assert_wire(
        &rec,
        &method,
        &path,
        r#"{"instance_id":"rds-instance-1","instance_type":"RDS"}"#,
    );
}

#[tokio::test]
async fn dbss_delete_instances_new_is_a_delete_with_a_json_body() {
    let (method, path) = spec_request(
        "dbss",
        "DeleteInstancesNew",
        &[("project_id", PROJECT_32_ENC)],
    );
    assert_eq!(
        (method.as_str(), path.as_str()),
        (
            "DELETE",
            "/v1/0123456789abcdef0123456789%20%C3%A9%2F%3F%25x/audit/instance"
        )
    );
    let (outcome, rec) = exchange(
        Reply::new(200, "r-1", r#"{"result":"success"}"#),
        call_delete_instances_new,
    )
    .await;
    outcome.expect("200 is a success");
    assert_wire(
        &rec,
        &method,
        &path,
        r#"{"id":"75abd6de-657b-444b-a867-c740ad2b66ec","delete_publicip":false,"delete_volume":true}"#,
    );
}

#[tokio::test]
async fn without_credentials_no_auth_header_is_sent() {
    let (outcome, rec) = exchange(Reply::new(200, "r-1", "{}"), |url| async move {
        csms::Client::new(url)
            .batch_delete_secrets(csms_body())
            .project_id(PROJECT_32)
            .await
    })
    .await;
    outcome.expect("200 is a success");
    let names: Vec<&str> = rec.headers.iter().map(|(n, _)| n.as_str()).collect();
    assert!(!names.contains(&"x-auth-token"), "{names:?}");
    assert!(!names.contains(&"authorization"), "{names:?}");
}

#[tokio::test]
async fn the_aksk_helper_signs_and_fills_the_project_id() {
    let (outcome, rec) = exchange(
        Reply::new(200, "r-1", r#"{"result":"x"}"#),
        |url| async move {
            let credentials = dbss::client::aksk_auth(LIVE_AK, LIVE_SK).with_project_id(PROJECT_32);
            let config = ClientConfig::new(url).with_auth(credentials);
            // No `.project_id(…)`: the path parameter comes from the credentials.
            dbss::Client::with_config(config)
                .delete_instances_new(dbss_body(DBSS_INSTANCE))
                .await
        },
    )
    .await;
    outcome.expect("200 is a success");
    let recorded = Signed::new(&rec);
    assert!(
        recorded.target.starts_with(&format!(
            "/v1/{}/",
            huaweicloud_batch_delete::runtime::client::encode_path(PROJECT_32)
        )),
        "{}",
        recorded.target
    );
    assert_eq!(recorded.header("x-project-id"), Some(PROJECT_32));
    assert!(recorded
        .header("authorization")
        .is_some_and(|a| a.starts_with("SDK-HMAC-SHA256 Access=")));
    assert_eq!(
        recorded.verify(live_keys()),
        Ok(Identity {
            scheme: "aksk".into(),
            principal: LIVE_AK.into(),
        })
    );
}

#[tokio::test]
async fn a_project_id_set_on_the_call_wins_over_the_credentials() {
    let (outcome, rec) = exchange(
        Reply::new(200, "r-1", r#"{"result":"x"}"#),
        |url| async move {
            let credentials = dbss::client::aksk_auth(LIVE_AK, LIVE_SK).with_project_id(PROJECT_32);
            dbss::Client::with_config(ClientConfig::new(url).with_auth(credentials))
                .delete_instances_new(dbss_body(DBSS_INSTANCE))
                .project_id("p".repeat(40))
                .await
        },
    )
    .await;
    outcome.expect("200 is a success");
    let target = rec.request_line.split(' ').nth(1).unwrap_or_default();
    assert!(
        target.starts_with(&format!("/v1/{}/", "p".repeat(40))),
        "{target}"
    );
}

#[tokio::test]
async fn without_a_project_id_anywhere_the_call_fails_before_sending() {
    // Token credentials carry no project ID.
    let config = ClientConfig::new("http://127.0.0.1:9")
        .with_auth(dbss::client::token_auth("t").expect("a valid token"));
    let err = dbss::Client::with_config(config)
        .delete_instances_new(dbss_body(DBSS_INSTANCE))
        .await
        .expect_err("no project ID to send");
    match &err {
        Error::InvalidRequest(m) => {
            assert!(m.contains("`project_id`"), "{m}");
            assert!(m.contains("credentials"), "{m}");
        }
        other => panic!("expected InvalidRequest, got {other:?}"),
    }
    // AK/SK credentials without a project ID: the same.
    let config = ClientConfig::new("http://127.0.0.1:9")
        .with_auth(dbss::client::aksk_auth(LIVE_AK, LIVE_SK));
    let err = dbss::Client::with_config(config)
        .delete_instances_new(dbss_body(DBSS_INSTANCE))
        .send()
        .await
        .expect_err("no project ID to send");
    assert!(matches!(err, Error::InvalidRequest(_)), "{err:?}");
}

/// The credentials of the live signing test.
const LIVE_AK: &str = "HPUALIVEAK0000000001";
const LIVE_SK: &str = "liveSecretKey-do-not-print-000000000001";

fn live_keys() -> HashMap<String, String> {
    HashMap::from([(LIVE_AK.to_owned(), LIVE_SK.to_owned())])
}

/// A recorded request as the AK/SK verifier sees it, to tamper with.
#[derive(Clone, Debug)]
struct Signed {
    method: String,
    target: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Signed {
    fn new(rec: &Recorded) -> Self {
        let mut parts = rec.request_line.split(' ');
        Signed {
            method: parts.next().expect("a method").to_owned(),
            target: parts.next().expect("a target").to_owned(),
            headers: rec.headers.clone(),
            body: rec.body.clone(),
        }
    }

    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    fn verify(&self, keys: HashMap<String, String>) -> Result<Identity, AuthError> {
        let headers: Vec<(&str, &str)> = self
            .headers
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_str()))
            .collect();
        AkSkVerifier::new(keys).verify(&Received {
            method: &self.method,
            target: &self.target,
            headers: &headers,
            body: &self.body,
        })
    }
}

fn assert_invalid(result: Result<Identity, AuthError>, what: &str) {
    match result {
        Err(AuthError::Invalid(why)) => {
            assert!(
                !why.contains(LIVE_SK),
                "{what}: the reason shows the SK: {why}"
            );
        }
        other => panic!("{what}: expected Invalid, got {other:?}"),
    }
}

#[tokio::test]
async fn a_generated_operation_signed_now_verifies_and_tampering_is_refused() {
    let credentials = AkSk::new(LIVE_AK, LIVE_SK)
        .with_project_id("proj")
        .with_security_token("temporary-token");
    let debug = format!("{credentials:?}");
    assert!(
        !debug.contains(LIVE_SK) && !debug.contains("temporary-token"),
        "{debug}"
    );
    let (outcome, rec) = exchange(
        Reply::new(202, "r-1", r#"{"job_id": "j-1"}"#),
        |url| async move {
            let client =
                workspace::Client::with_config(ClientConfig::new(url).with_auth(credentials));
            let body: workspace::types::DeleteDesktopsReq =
                serde_json::from_value(serde_json::json!({ "desktop_ids": ["d 1", "d/2"] }))
                    .expect("a body");
            client
                .batch_delete_desktops(body.clone())
                .project_id("proj é/1")
                .await
        },
    )
    .await;
    match outcome {
        Ok(r) => assert_eq!(r.status.as_u16(), 202),
        Err(Error::Transport(e)) => panic!("transport: {e}"),
        Err(e) => panic!("the call failed: {e:?}"),
    }
    let recorded = Signed::new(&rec);
    let date = recorded.header("x-sdk-date").expect("X-Sdk-Date is sent");
    let signed_at = signing::parse_sdk_date(date).expect("X-Sdk-Date is YYYYMMDDTHHMMSSZ");
    let age = SystemTime::now()
        .duration_since(signed_at)
        .unwrap_or_else(|e| e.duration());
    assert!(age < Duration::from_secs(60), "{date}");
    assert!(recorded
        .header("authorization")
        .unwrap()
        .contains("SignedHeaders=content-type;host;x-project-id;x-sdk-date;x-security-token,"));
    assert!(
        recorded.target.contains("proj%20%C3%A9%2F1"),
        "{}",
        recorded.target
    );

    let verifier = AkSkVerifier::new(live_keys());
    assert!(!format!("{verifier:?}").contains(LIVE_SK));
    assert_eq!(
        recorded.verify(live_keys()),
        Ok(Identity {
            scheme: "aksk".into(),
            principal: LIVE_AK.into(),
        })
    );

    let mut tampered = recorded.clone();
    let at = tampered
        .body
        .windows(3)
        .position(|w| w == b"d 1")
        .expect("the body holds `d 1`");
    tampered.body[at + 2] = b'9';
    assert_invalid(tampered.verify(live_keys()), "body");
    let mut tampered = recorded.clone();
    tampered.target = tampered.target.replace("/desktops/", "/desktopz/");
    assert_invalid(tampered.verify(live_keys()), "path");
    let mut tampered = recorded.clone();
    for (n, v) in &mut tampered.headers {
        if n.eq_ignore_ascii_case("x-project-id") {
            *v = "other".into();
        }
    }
    assert_invalid(tampered.verify(live_keys()), "header");
    let mut tampered = recorded.clone();
    tampered
        .headers
        .retain(|(n, _)| !n.eq_ignore_ascii_case("x-security-token"));
    assert_invalid(tampered.verify(live_keys()), "missing signed header");
    let wrong_sk = HashMap::from([(LIVE_AK.to_owned(), "another-secret".to_owned())]);
    assert_invalid(recorded.verify(wrong_sk), "wrong SK");
    let unknown = HashMap::from([("OTHERAK".to_owned(), LIVE_SK.to_owned())]);
    assert_invalid(recorded.verify(unknown), "unknown AK");
    let mut bare = recorded.clone();
    bare.headers
        .retain(|(n, _)| !n.eq_ignore_ascii_case("authorization"));
    assert_eq!(bare.verify(live_keys()), Err(AuthError::Missing));
}

// ---------------------------------------------------------------------------
// 3. Every documented status of every operation
// ---------------------------------------------------------------------------

/// A documented success: `Ok` with the typed body, the status and the
/// request id of the `X-Request-Id` header.
async fn expect_success<T, E, F, Fut>(
    (module, id): (&str, &str),
    status: u16,
    body: &str,
    expected: T,
    call: F,
) where
    T: Debug + PartialEq,
    E: Debug,
    F: FnOnce(String) -> Fut,
    Fut: Future<Output = Result<ApiResponse<T>, Error<E>>>,
{
    assert_body_matches_spec(module, id, status, body);
    let rid = format!("{id}-{status}-rid");
    let (outcome, _) = exchange(Reply::new(status, &rid, body), call).await;
    let response = outcome.unwrap_or_else(|e| panic!("{id} {status}: {e:?}"));
    assert_eq!(response.status.as_u16(), status, "{id}");
    assert_eq!(response.request_id.as_deref(), Some(rid.as_str()), "{id}");
    assert_eq!(response.body, expected, "{id} {status}");
}

/// A documented error status: `Error::Api` carrying the decoded body in the
/// right variant, the status and the request id.
async fn expect_api_error<T, E, F, Fut>(
    (module, id): (&str, &str),
    status: u16,
    body: &str,
    expected: E,
    call: F,
) where
    T: Debug,
    E: Debug + Display + ErrorMetadata + PartialEq,
    F: FnOnce(String) -> Fut,
    Fut: Future<Output = Result<ApiResponse<T>, Error<E>>>,
{
    assert_body_matches_spec(module, id, status, body);
    let rid = format!("{id}-{status}-rid");
    let (outcome, _) = exchange(Reply::new(status, &rid, body), call).await;
    let err = match outcome {
        Err(e) => e,
        Ok(r) => panic!("{id} {status}: unexpected success {r:?}"),
    };
    assert_eq!(err.status().map(|s| s.as_u16()), Some(status), "{id}");
    assert_eq!(err.request_id(), Some(rid.as_str()), "{id}");
    let text = err.to_string();
    assert!(
        text.contains(&status.to_string()) && text.contains(&rid),
        "{id} {status}: unhelpful message {text:?}"
    );
    assert_std_error(&err);
    match err {
        Error::Api(r) => {
            assert_eq!(r.status.as_u16(), status, "{id}");
            assert_eq!(r.request_id.as_deref(), Some(rid.as_str()), "{id}");
            assert_eq!(r.body, expected, "{id} {status}");
        }
        other => panic!("{id} {status}: expected Error::Api, got {other:?}"),
    }
}

fn assert_std_error<E: std::error::Error>(_: &E) {}

/// Each documented error status with the variant it must map to.
type Cases<Body, E, const N: usize> = [(u16, fn(Body) -> E); N];

/// The statuses a test covers are exactly those the spec documents.
fn assert_covers_spec(module: &str, id: &str, success: u16, errors: &[u16]) {
    let mut covered: Vec<u16> = errors.to_vec();
    covered.push(success);
    covered.sort_unstable();
    assert_eq!(
        covered,
        documented_statuses(module, id),
        "{module} {id}: the test must cover every documented status"
    );
}

#[tokio::test]
async fn roma_delete_asset_maps_every_documented_status() {
    use roma::types::{DeleteAssetError as E, DeleteAssetResponse, ErrorResp};
    const OP: (&str, &str) = ("roma", "DeleteAsset");
    let cases: Cases<ErrorResp, E, 5> = [
        (400, E::BadRequest),
        (401, E::Unauthorized),
        (403, E::Forbidden),
        (404, E::NotFound),
        (409, E::Conflict),
    ];
    assert_covers_spec(OP.0, OP.1, 200, &cases.map(|c| c.0));

    expect_success(
        OP,
        200,
        r#"{"job_id":"ff8080814dbd65d7014dbe0d84db0013"}"#,
        DeleteAssetResponse {
            job_id: Some("ff8080814dbd65d7014dbe0d84db0013".into()),
        },
        call_delete_asset,
    )
    .await;
    for (status, variant) in cases {
        let body = format!(
            r#"{{"error_code":"ROMA.00000{status}","error_msg":"failed {status}","error_details":"details {status}","request_id":"body-{status}"}}"#
        );
        let expected = variant(ErrorResp {
            error_code: Some(format!("ROMA.00000{status}")),
            error_msg: Some(format!("failed {status}")),
            error_details: Some(format!("details {status}")),
            request_id: Some(format!("body-{status}")),
        });
        expect_api_error(OP, status, &body, expected, call_delete_asset).await;
    }
}

fn ws_error(status: u16) -> (String, workspace::types::BaseResponse) {
    let body = format!(
        r#"{{"error_code":"WKS.{status}","error_msg":"failed {status}","error_detail":"detail {status}","encoded_authorization_message":"enc-{status}"}}"#
    );
    let parsed = workspace::types::BaseResponse {
        error_code: Some(format!("WKS.{status}")),
        error_msg: Some(format!("failed {status}")),
        error_detail: Some(format!("detail {status}")),
        encoded_authorization_message: Some(format!("enc-{status}")),
    };
    (body, parsed)
}

#[tokio::test]
async fn workspace_batch_delete_desktops_maps_every_documented_status() {
    use workspace::types::{
        BaseResponse, BatchDeleteDesktopsError as E, BatchDeleteDesktopsResponse,
    };
    const OP: (&str, &str) = ("workspace", "BatchDeleteDesktops");
    let cases: Cases<BaseResponse, E, 6> = [
        (400, E::BadRequest),
        (401, E::Unauthorized),
        (403, E::Forbidden),
        (404, E::NotFound),
        (409, E::Conflict),
        (500, E::InternalServerError),
    ];
    assert_covers_spec(OP.0, OP.1, 202, &cases.map(|c| c.0));

    expect_success(
        OP,
        202,
        r#"{"job_id":"abc85365-0b2e-4b4f-a091-f7db72072d4b"}"#,
        BatchDeleteDesktopsResponse {
            job_id: Some("abc85365-0b2e-4b4f-a091-f7db72072d4b".into()),
        },
        call_batch_delete_desktops,
    )
    .await;
    for (status, variant) in cases {
        let (body, parsed) = ws_error(status);
        expect_api_error(
            OP,
            status,
            &body,
            variant(parsed),
            call_batch_delete_desktops,
        )
        .await;
    }
}

#[tokio::test]
async fn workspace_delete_desktop_volumes_maps_every_documented_status() {
    use workspace::types::{
        BaseResponse, DeleteDesktopVolumesError as E, DeleteDesktopVolumesResponse,
    };
    const OP: (&str, &str) = ("workspace", "DeleteDesktopVolumes");
    let cases: Cases<BaseResponse, E, 6> = [
        (400, E::BadRequest),
        (401, E::Unauthorized),
        (403, E::Forbidden),
        (404, E::NotFound),
        (409, E::Conflict),
        (500, E::InternalServerError),
    ];
    assert_covers_spec(OP.0, OP.1, 200, &cases.map(|c| c.0));

    expect_success(
        OP,
        200,
        r#"{"job_id":"abc85365-0b2e-4b4f-a091-f7db72072d4b"}"#,
        DeleteDesktopVolumesResponse {
            job_id: Some("abc85365-0b2e-4b4f-a091-f7db72072d4b".into()),
        },
        call_delete_desktop_volumes,
    )
    .await;
    for (status, variant) in cases {
        let (body, parsed) = ws_error(status);
        expect_api_error(
            OP,
            status,
            &body,
            variant(parsed),
            call_delete_desktop_volumes,
        )
        .await;
    }
}

#[tokio::test]
async fn csms_batch_delete_secrets_maps_every_documented_status() {
    use csms::types::{
        BatchDeleteSecretsError as E, BatchDeleteSecretsResponse, CsmsError, FailedDeletedSecrets,
    };
    const OP: (&str, &str) = ("csms", "BatchDeleteSecrets");
    let cases: Cases<CsmsError, E, 7> = [
        (400, E::BadRequest),
        (401, E::Unauthorized),
        (403, E::Forbidden),
        (404, E::NotFound),
        (500, E::InternalServerError),
        (502, E::BadGateway),
        (504, E::GatewayTimeout),
    ];
    assert_covers_spec(OP.0, OP.1, 200, &cases.map(|c| c.0));

    expect_success(
        OP,
        200,
        r#"{"total":3,"success_secrets":["secretName1","secretName2"],"failed_secrets":[{"secret_name":"secretName3","error_msg":"CSMS.0107: pending deletion"}]}"#,
        BatchDeleteSecretsResponse {
            total: Some(3),
            success_secrets: Some(vec!["secretName1".into(), "secretName2".into()]),
            failed_secrets: Some(vec![FailedDeletedSecrets {
                secret_name: Some("secretName3".into()),
                error_msg: Some("CSMS.0107: pending deletion".into()),
            }]),
        },
        call_batch_delete_secrets,
    )
    .await;
    for (status, variant) in cases {
        let body = format!(r#"{{"error_code":"CSMS.{status}","error_msg":"failed {status}"}}"#);
        let expected = variant(CsmsError {
            error_code: Some(format!("CSMS.{status}")),
            error_msg: Some(format!("failed {status}")),
        });
        expect_api_error(OP, status, &body, expected, call_batch_delete_secrets).await;
    }
}

#[tokio::test]
async fn dbss_delete_instances_new_maps_every_documented_status() {
    use dbss::types::{
        DbssError, DbssErrorDetail, DeleteInstancesNewError as E, DeleteInstancesNewResponse,
    };
    const OP: (&str, &str) = ("dbss", "DeleteInstancesNew");
    let cases: Cases<DbssError, E, 5> = [
        (400, E::BadRequest),
        (401, E::Unauthorized),
        (403, E::Forbidden),
        (404, E::NotFound),
        (500, E::InternalServerError),
    ];
    assert_covers_spec(OP.0, OP.1, 200, &cases.map(|c| c.0));

    expect_success(
        OP,
        200,
        r#"{"result":"success"}"#,
        DeleteInstancesNewResponse {
            result: Some("success".into()),
        },
        call_delete_instances_new,
    )
    .await;
    for (status, variant) in cases {
        let body = format!(
            r#"{{"details":[{{"error_code":"PDP.{status}","error_msg":"pdp {status}"}}],"encoded_authorization_message":"enc","error_code":"DBSS.{status}","error_msg":"failed {status}"}}"#
        );
        let expected = variant(DbssError {
            details: Some(vec![DbssErrorDetail {
                error_code: Some(format!("PDP.{status}")),
                error_msg: Some(format!("pdp {status}")),
            }]),
            encoded_authorization_message: Some("enc".into()),
            error_code: Some(format!("DBSS.{status}")),
            error_msg: Some(format!("failed {status}")),
        });
        expect_api_error(OP, status, &body, expected, call_delete_instances_new).await;
    }
}

// ---------------------------------------------------------------------------
// 3b. Undocumented statuses, undecodable bodies, unreachable servers
// ---------------------------------------------------------------------------

/// An undocumented status: `Error::UnexpectedStatus` with the raw bytes.
async fn expect_unexpected_status<T, E, F, Fut>(id: &str, status: u16, call: F)
where
    T: Debug,
    E: Debug + Display + ErrorMetadata,
    F: FnOnce(String) -> Fut,
    Fut: Future<Output = Result<ApiResponse<T>, Error<E>>>,
{
    let body = b"I'm a teapot \xff".to_vec();
    let rid = format!("{id}-{status}-rid");
    let (outcome, _) = exchange(Reply::new(status, &rid, body.clone()), call).await;
    let err = match outcome {
        Err(e) => e,
        Ok(r) => panic!("{id} {status}: unexpected success {r:?}"),
    };
    assert_eq!(err.status().map(|s| s.as_u16()), Some(status), "{id}");
    assert_eq!(err.request_id(), Some(rid.as_str()), "{id}");
    let text = err.to_string();
    assert!(
        text.contains(&status.to_string())
            && text.contains(&rid)
            && text.contains("does not document")
            && text.contains("I'm a teapot"),
        "{id} {status}: unhelpful message {text:?}"
    );
    assert_std_error(&err);
    match err {
        Error::UnexpectedStatus(raw) => {
            assert_eq!(raw.status.as_u16(), status);
            assert_eq!(raw.body, body, "{id}: the raw bytes are kept");
            assert_eq!(raw.request_id(), Some(rid.as_str()));
        }
        other => panic!("{id} {status}: expected UnexpectedStatus, got {other:?}"),
    }
}

#[tokio::test]
async fn undocumented_statuses_keep_the_raw_response() {
    expect_unexpected_status("DeleteAsset", 418, call_delete_asset).await;
    expect_unexpected_status("DeleteAsset", 500, call_delete_asset).await;
    expect_unexpected_status("BatchDeleteDesktops", 418, call_batch_delete_desktops).await;
    // A 2xx the spec does not document is not a success either.
    expect_unexpected_status("BatchDeleteDesktops", 200, call_batch_delete_desktops).await;
    expect_unexpected_status("DeleteDesktopVolumes", 418, call_delete_desktop_volumes).await;
    expect_unexpected_status("DeleteDesktopVolumes", 202, call_delete_desktop_volumes).await;
    expect_unexpected_status("BatchDeleteSecrets", 418, call_batch_delete_secrets).await;
    expect_unexpected_status("BatchDeleteSecrets", 409, call_batch_delete_secrets).await;
    expect_unexpected_status("DeleteInstancesNew", 418, call_delete_instances_new).await;
    expect_unexpected_status("DeleteInstancesNew", 503, call_delete_instances_new).await;
}

/// A documented status whose body does not decode: `Error::Decode` with
/// the raw bytes and the serde error as the source.
async fn expect_decode_error<T, E, F, Fut>(id: &str, status: u16, body: &[u8], call: F)
where
    T: Debug,
    E: Debug + Display + ErrorMetadata,
    F: FnOnce(String) -> Fut,
    Fut: Future<Output = Result<ApiResponse<T>, Error<E>>>,
{
    let rid = format!("{id}-{status}-rid");
    let (outcome, _) = exchange(Reply::new(status, &rid, body.to_vec()), call).await;
    let err = match outcome {
        Err(e) => e,
        Ok(r) => panic!("{id} {status}: unexpected success {r:?}"),
    };
    assert_eq!(err.status().map(|s| s.as_u16()), Some(status), "{id}");
    assert_eq!(err.request_id(), Some(rid.as_str()), "{id}");
    let text = err.to_string();
    assert!(
        text.contains(&status.to_string()) && text.contains(&rid),
        "{id} {status}: unhelpful message {text:?}"
    );
    let source = std::error::Error::source(&err).expect("the serde error is the source");
    assert!(!source.to_string().is_empty());
    match err {
        Error::Decode { response, .. } => {
            assert_eq!(response.status.as_u16(), status);
            assert_eq!(response.body, body, "{id}: the raw bytes are kept");
        }
        other => panic!("{id} {status}: expected Decode, got {other:?}"),
    }
}

#[tokio::test]
async fn undecodable_bodies_of_documented_statuses_keep_the_raw_response() {
    // Successes.
    expect_decode_error("DeleteAsset", 200, b"not json", call_delete_asset).await;
    expect_decode_error("BatchDeleteDesktops", 202, b"", call_batch_delete_desktops).await;
    expect_decode_error(
        "DeleteDesktopVolumes",
        200,
        br#"{"job_id":7}"#,
        call_delete_desktop_volumes,
    )
    .await;
    expect_decode_error(
        "BatchDeleteSecrets",
        200,
        br#"{"total":"three"}"#,
        call_batch_delete_secrets,
    )
    .await;
    expect_decode_error(
        "DeleteInstancesNew",
        200,
        b"[1,2]",
        call_delete_instances_new,
    )
    .await;
    // Errors.
    expect_decode_error(
        "DeleteAsset",
        403,
        b"<html>denied</html>",
        call_delete_asset,
    )
    .await;
    expect_decode_error(
        "BatchDeleteDesktops",
        404,
        br#"{"error_code":404}"#,
        call_batch_delete_desktops,
    )
    .await;
    expect_decode_error(
        "DeleteDesktopVolumes",
        500,
        b"oops",
        call_delete_desktop_volumes,
    )
    .await;
    expect_decode_error("BatchDeleteSecrets", 504, b"", call_batch_delete_secrets).await;
    expect_decode_error(
        "DeleteInstancesNew",
        400,
        br#"{"details":{}}"#,
        call_delete_instances_new,
    )
    .await;
}

#[tokio::test]
async fn decoding_tolerates_unknown_fields_and_a_missing_request_id() {
    let reply = Reply {
        status: 200,
        request_id: None,
        extra: Vec::new(),
        body: br#"{"job_id":"j-1","extra":{"nested":[1]}}"#.to_vec(),
    };
    let (outcome, _) = exchange(reply, call_delete_asset).await;
    let response = outcome.expect("extra fields are ignored");
    assert_eq!(response.request_id, None);
    assert_eq!(response.body.job_id.as_deref(), Some("j-1"));

    let reply = Reply {
        status: 409,
        request_id: None,
        extra: Vec::new(),
        body: br#"{"error_code":"WKS.1","future":true}"#.to_vec(),
    };
    let (outcome, _) = exchange(reply, call_batch_delete_desktops).await;
    let err = outcome.expect_err("409 is an error");
    assert_eq!(err.request_id(), None);
    assert!(!err.to_string().contains("request id"), "{err}");
    match err {
        Error::Api(r) => assert_eq!(
            r.body,
            workspace::types::BatchDeleteDesktopsError::Conflict(workspace::types::BaseResponse {
                error_code: Some("WKS.1".into()),
                error_msg: None,
                error_detail: None,
                encoded_authorization_message: None,
            })
        ),
        other => panic!("expected Error::Api, got {other:?}"),
    }
}

#[tokio::test]
async fn an_unreachable_server_is_a_transport_error() {
    // A port that was just free: nothing listens there any more.
    let url = {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        format!("http://{}", listener.local_addr().expect("local addr"))
    };
    let err = bounded("the call", call_delete_instances_new(url.clone()))
        .await
        .expect_err("nothing listens");
    assert_eq!(err.status(), None);
    assert_eq!(err.request_id(), None);
    let text = err.to_string();
    let host = url.trim_start_matches("http://");
    assert!(
        text.starts_with(&format!("could not connect to {host}: connection refused")),
        "{text}"
    );
    assert!(std::error::Error::source(&err).is_some());
    assert_std_error(&err);
    assert!(matches!(err, Error::Transport(_)), "{err:?}");
}

// ---------------------------------------------------------------------------
// 3c. Misbehaving servers: stalled, endless, redirecting elsewhere
// ---------------------------------------------------------------------------

/// A server that accepts connections and reads requests but never answers.
async fn never_answering() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let authority = listener.local_addr().expect("local addr").to_string();
    let url = format!("http://{authority}");
    tokio::spawn(async move {
        let mut open = Vec::new();
        while let Ok((mut stream, _)) = listener.accept().await {
            let _ = read_request(&mut stream, authority.clone()).await;
            open.push(stream);
        }
    });
    url
}

/// The configuration the README shows, against `url`: the runtime's client
/// builder (no redirects) with a proxy for HTTPS and a user agent, a total
/// timeout and a body limit on the configuration.
fn readme_config(url: String, timeout: Duration) -> ClientConfig {
    let http = ClientConfig::http_client_builder()
        .proxy(reqwest::Proxy::https("http://proxy.example:3128").expect("a proxy URL"))
        .user_agent("batch-tool/1.0")
        .build()
        .expect("an HTTP client");
    ClientConfig::new(url)
        .with_http_client(http)
        .with_timeout(timeout)
        .with_max_response_body(4 << 20)
        .with_auth(workspace::client::token_auth(TOKEN).unwrap())
}

#[tokio::test]
async fn a_server_that_never_answers_is_a_worded_timeout() {
    let url = never_answering().await;
    let host = url.trim_start_matches("http://").to_owned();
    let short = Duration::from_millis(300);
    let default =
        workspace::Client::with_config(ClientConfig::new(url.clone()).with_timeout(short));
    let readme = workspace::Client::with_config(readme_config(url, short));
    for (case, client) in [("default", default), ("README", readme)] {
        let err = bounded(
            "the call",
            client
                .batch_delete_desktops(desktops_body(&["d-1"]))
                .project_id(WS_PROJECT),
        )
        .await
        .expect_err("no answer");
        assert_eq!(
            err.to_string(),
            format!("the request to {host} timed out after 300 ms without a complete response"),
            "{case}"
        );
        assert!(std::error::Error::source(&err).is_some(), "{case}");
        assert_std_error(&err);
        match err {
            Error::Timeout { after, .. } => assert_eq!(after, short, "{case}"),
            other => panic!("{case}: expected Timeout, got {other:?}"),
        }
    }
}

#[tokio::test]
async fn the_readme_configuration_sends_its_user_agent() {
    let (outcome, rec) = exchange(
        Reply::new(202, "r-1", r#"{"job_id":"j"}"#),
        |url| async move {
            workspace::Client::with_config(readme_config(url, LIMIT))
                .batch_delete_desktops(desktops_body(&["d-1"]))
                .project_id(WS_PROJECT)
                .await
        },
    )
    .await;
    outcome.expect("a plain HTTP call is not proxied");
    assert!(rec
        .headers
        .contains(&("user-agent".into(), "batch-tool/1.0".into())));
    assert!(rec.headers.contains(&("x-auth-token".into(), TOKEN.into())));
}

/// Answers 200 with a body that never ends; gives the bytes sent before the
/// client hung up.
async fn endless_body() -> (String, tokio::task::JoinHandle<usize>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let authority = listener.local_addr().expect("local addr").to_string();
    let url = format!("http://{authority}");
    let task = tokio::spawn(async move {
        let (mut stream, _) = listener.accept().await.expect("accept");
        read_request(&mut stream, authority).await;
        let head = "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\nX-Request-Id: r-big\r\n\r\n{\"job_id\":\"";
        stream.write_all(head.as_bytes()).await.expect("head");
        let chunk = vec![b'j'; 256 << 10];
        let mut sent = 0;
        while stream.write_all(&chunk).await.is_ok() {
            sent += chunk.len();
        }
        sent
    });
    (url, task)
}

#[tokio::test]
async fn an_endless_body_stops_at_the_default_limit() {
    let (url, server) = endless_body().await;
    let err = bounded("the call", call_delete_instances_new(url))
        .await
        .expect_err("an endless body");
    assert_eq!(
        err.to_string(),
        "the server answered 200 OK with a response body over 16 MiB, the configured limit; \
         reading stopped there (request id r-big)"
    );
    assert_eq!(err.status().map(|s| s.as_u16()), Some(200));
    assert!(matches!(err, Error::BodyTooLarge { .. }), "{err:?}");
    let sent = bounded("the server", server).await.expect("server task");
    assert!(sent >= 16 << 20, "only {sent} bytes were sent");
    assert!(sent < 256 << 20, "{sent} bytes were sent");
}

/// A caller-built client that follows redirects: the answer of another
/// origin is never the operation's outcome.
#[tokio::test]
async fn a_redirect_followed_to_another_origin_is_refused() {
    let (elsewhere, second) = serve_once(Reply::new(202, "r-2", r#"{"job_id":"not-mine"}"#)).await;
    let reply = Reply::new(307, "r-1", "{}").with_header("Location", format!("{elsewhere}/steal"));
    let following = ClientConfig::http_client_builder()
        .redirect(reqwest::redirect::Policy::limited(5))
        .build()
        .expect("an HTTP client");
    let (outcome, first) = exchange(reply, |url| async move {
        let config = ClientConfig::new(url)
            .with_http_client(following)
            .with_auth(workspace::client::token_auth(TOKEN).unwrap());
        workspace::Client::with_config(config)
            .batch_delete_desktops(desktops_body(&["d-1"]))
            .project_id(WS_PROJECT)
            .await
    })
    .await;
    let _ = bounded("the other origin", second).await;
    let err = outcome.expect_err("another origin's 202 is no success");
    assert_eq!(err.status(), None);
    let text = err.to_string();
    assert!(
        text.contains(&format!(
            "followed a redirect from http://{}",
            first.authority
        )) && text.contains(&format!("to another origin, {elsewhere}/steal"))
            && text.contains("redirect::Policy::none()"),
        "{text}"
    );
    match err {
        Error::Redirected { to, status, .. } => {
            assert_eq!(to.as_str(), format!("{elsewhere}/steal"));
            assert_eq!(status.as_u16(), 202);
        }
        other => panic!("expected Redirected, got {other:?}"),
    }
}

#[tokio::test]
async fn the_token_never_appears_in_debug_output() {
    let client = ws_client("http://127.0.0.1:9".into());
    let config = ClientConfig::new("http://127.0.0.1:9")
        .with_auth(workspace::client::token_auth("s3cr3t-token").unwrap());
    assert!(!format!("{config:?}").contains("s3cr3t-token"));
    assert!(format!("{client:?}").contains("<redacted>"));
}

/// The spec documents no 3xx, so a redirect is an undocumented status like
/// any other; following it turns the POST into a GET without a body and
/// reports the answer to that GET as the operation's outcome.
#[tokio::test]
async fn a_redirect_is_an_undocumented_status() {
    let (target, second) = serve_once(Reply::new(200, "r-2", r#"{"job_id":"not-mine"}"#)).await;
    let reply = Reply::new(302, "r-1", "{}").with_header("Location", format!("{target}/elsewhere"));
    let (outcome, first) = exchange(reply, call_delete_asset).await;
    assert!(first.request_line.starts_with("POST "));
    let followed = tokio::time::timeout(Duration::from_millis(500), second).await;
    if let Ok(Ok(rec)) = &followed {
        eprintln!("the redirect was followed with: {}", rec.request_line);
    }
    match outcome {
        Err(Error::UnexpectedStatus(raw)) => assert_eq!(raw.status.as_u16(), 302),
        other => panic!("expected UnexpectedStatus(302), got {other:?}"),
    }
    assert!(followed.is_err(), "the redirect was followed");
}

/// A redirect to another origin must not carry the `X-Auth-Token` along.
/// reqwest strips only `Authorization`, `Cookie` and the like on a
/// cross-origin redirect; the token header goes to whatever host the
/// `Location` names.
#[tokio::test]
async fn credentials_do_not_follow_a_redirect_to_another_origin() {
    let (elsewhere, second) = serve_once(Reply::new(200, "r-2", r#"{"result":"success"}"#)).await;
    let reply = Reply::new(307, "r-1", "{}").with_header("Location", format!("{elsewhere}/steal"));
    let (_, first) = exchange(reply, call_delete_instances_new).await;
    assert!(first
        .headers
        .contains(&("x-auth-token".into(), TOKEN.into())));
    if let Ok(Ok(rec)) = tokio::time::timeout(Duration::from_millis(500), second).await {
        let token: Vec<_> = rec
            .headers
            .iter()
            .filter(|(n, _)| n == "x-auth-token")
            .collect();
        assert!(
            token.is_empty(),
            "{} on another origin received {token:?}",
            rec.request_line
        );
    }
}

/// `.` and `..` are unreserved, so `encode_path` leaves them alone, and URL
/// parsing then removes them as dot segments: the request goes to another
/// path than the operation's. Such values must be refused (or sent
/// literally), never normalised away.
#[tokio::test]
async fn dot_segment_path_parameters_do_not_change_the_endpoint() {
    for desktop_id in [".", ".."] {
        let (url, server) = serve_once(Reply::new(200, "r", "{}")).await;
        let outcome = bounded(
            "the call",
            ws_client(url)
                .delete_desktop_volumes(desktop_id, volumes_body(None))
                .project_id("p"),
        )
        .await;
        match outcome {
            // Refused: then nothing may have been sent.
            Err(Error::InvalidRequest(_) | Error::Validation(_)) => {
                let sent = tokio::time::timeout(Duration::from_millis(200), server).await;
                assert!(
                    sent.is_err(),
                    "desktop_id {desktop_id:?}: refused, yet sent"
                );
            }
            // Sent: then to the operation's own path.
            _ => {
                let rec = bounded("the server", server).await.expect("server task");
                let path = rec.request_line.split(' ').nth(1).unwrap_or_default();
                let segments: Vec<&str> = path.split('/').collect();
                let dots = [".", "..", "%2e", "%2e%2e", ".%2e", "%2e."];
                assert!(
                    segments.len() == 7
                        && segments[..4] == ["", "v2", "p", "desktops"]
                        && !dots.contains(&segments[4].to_ascii_lowercase().as_str())
                        && segments[5..] == ["volumes", "batch-delete"],
                    "desktop_id {desktop_id:?} sent {:?}",
                    rec.request_line
                );
            }
        }
    }
}

// ---------------------------------------------------------------------------
// 4. Client-side validation: refused before anything is sent
// ---------------------------------------------------------------------------

/// The call fails with `Error::Validation` listing exactly `expected`
/// (field, rule) pairs, and the server sees no connection.
async fn expect_refused<T, E, Fut>(
    server: &Untouched,
    case: &str,
    expected: &[(&str, &str)],
    call: Fut,
) where
    T: Debug,
    E: Debug + Display + ErrorMetadata,
    Fut: std::future::IntoFuture<Output = Result<ApiResponse<T>, Error<E>>>,
{
    // A refused call returns at once; one that was sent waits for an answer
    // the untouched server never gives.
    let outcome = tokio::time::timeout(Duration::from_secs(2), call).await;
    server.assert_untouched(case).await;
    let err = match outcome {
        Err(_) => panic!("{case}: the call waited for the server"),
        Ok(Err(e)) => e,
        Ok(Ok(r)) => panic!("{case}: unexpected success {r:?}"),
    };
    assert_eq!(err.status(), None, "{case}");
    let text = err.to_string();
    assert!(text.starts_with("invalid request: "), "{case}: {text}");
    assert!(std::error::Error::source(&err).is_some(), "{case}");
    match err {
        Error::Validation(v) => {
            let got: Vec<(&str, &str)> = v
                .violations
                .iter()
                .map(|v| (v.field.as_str(), v.rule))
                .collect();
            assert_eq!(got, expected, "{case}: {text}");
            for (field, _) in expected {
                assert!(text.contains(field), "{case}: {text} does not name {field}");
            }
        }
        other => panic!("{case}: expected Validation, got {other:?}"),
    }
}

#[tokio::test]
async fn workspace_requests_breaking_constraints_are_not_sent() {
    let server = Untouched::new().await;
    let client = ws_client(server.url.clone());
    let long = "x".repeat(256);
    let hundred_and_one: Vec<String> = (0..101).map(|i| format!("d-{i}")).collect();
    let refs: Vec<&str> = hundred_and_one.iter().map(String::as_str).collect();

    let c = &client;
    expect_refused(
        &server,
        "no desktop ids",
        &[("desktop_ids", "minItems")],
        c.batch_delete_desktops(desktops_body(&[]))
            .project_id(WS_PROJECT),
    )
    .await;
    expect_refused(
        &server,
        "101 desktop ids",
        &[("desktop_ids", "maxItems")],
        c.batch_delete_desktops(desktops_body(&refs))
            .project_id(WS_PROJECT),
    )
    .await;
    expect_refused(
        &server,
        "a 256-character desktop id",
        &[("desktop_ids[0]", "maxLength")],
        c.batch_delete_desktops(desktops_body(&[&long, "ok"]))
            .project_id(WS_PROJECT),
    )
    .await;
    expect_refused(
        &server,
        "the third desktop id too long",
        &[("desktop_ids[2]", "maxLength")],
        c.batch_delete_desktops(desktops_body(&["a", "b", &long]))
            .project_id(WS_PROJECT),
    )
    .await;
    expect_refused(
        &server,
        "a 256-character project id",
        &[("project_id", "maxLength")],
        c.batch_delete_desktops(desktops_body(&["d"]))
            .project_id(&long),
    )
    .await;
    expect_refused(
        &server,
        "every violation at once",
        &[("project_id", "minLength"), ("desktop_ids", "minItems")],
        c.batch_delete_desktops(desktops_body(&[])).project_id(""),
    )
    .await;

    let eleven: Vec<String> = (0..11).map(|i| format!("v-{i}")).collect();
    expect_refused(
        &server,
        "11 volume ids",
        &[("volume_ids", "maxItems")],
        c.delete_desktop_volumes(WS_DESKTOP, volumes_body(Some(eleven)))
            .project_id(WS_PROJECT),
    )
    .await;
    expect_refused(
        &server,
        "an empty volume id list",
        &[("volume_ids", "minItems")],
        c.delete_desktop_volumes(WS_DESKTOP, volumes_body(Some(vec![])))
            .project_id(WS_PROJECT),
    )
    .await;
    expect_refused(
        &server,
        "a 256-character volume id",
        &[("volume_ids[1]", "maxLength")],
        c.delete_desktop_volumes(
            WS_DESKTOP,
            volumes_body(Some(vec!["v".into(), long.clone()])),
        )
        .project_id(WS_PROJECT),
    )
    .await;
    expect_refused(
        &server,
        "an empty desktop id path parameter",
        &[("desktop_id", "minLength")],
        c.delete_desktop_volumes("", volumes_body(None))
            .project_id(WS_PROJECT),
    )
    .await;
    expect_refused(
        &server,
        "a 256-character desktop id path parameter",
        &[("desktop_id", "maxLength")],
        c.delete_desktop_volumes(long, volumes_body(None))
            .project_id(WS_PROJECT),
    )
    .await;
}

#[tokio::test]
async fn roma_requests_breaking_constraints_are_not_sent() {
    use roma::types::{AssetExportRequestApps, AssetExportRequestTasks, AssetOperateRequest};
    let server = Untouched::new().await;
    let client = roma_client(server.url.clone());
    let task = |id: &str| AssetExportRequestTasks {
        id: Some(id.into()),
    };
    let body = |tasks: Vec<AssetExportRequestTasks>| AssetOperateRequest {
        apps: vec![],
        tasks,
    };

    expect_refused(
        &server,
        "a 33-character task id",
        &[("tasks[0].id", "maxLength")],
        client
            .delete_asset(ROMA_INSTANCE, body(vec![task(&"t".repeat(33))]))
            .project_id(ROMA_PROJECT),
    )
    .await;
    expect_refused(
        &server,
        "an empty second task id",
        &[("tasks[1].id", "minLength")],
        client
            .delete_asset(ROMA_INSTANCE, body(vec![task("t"), task("")]))
            .project_id(ROMA_PROJECT),
    )
    .await;
    expect_refused(
        &server,
        "101 tasks",
        &[("tasks", "maxItems")],
        client
            .delete_asset(ROMA_INSTANCE, body(vec![task("t"); 101]))
            .project_id(ROMA_PROJECT),
    )
    .await;
    let apps = AssetOperateRequest {
        apps: vec![AssetExportRequestApps { id: None }; 101],
        tasks: vec![],
    };
    expect_refused(
        &server,
        "101 apps",
        &[("apps", "maxItems")],
        client
            .delete_asset(ROMA_INSTANCE, apps.clone())
            .project_id(ROMA_PROJECT),
    )
    .await;
    expect_refused(
        &server,
        "a 65-character instance id",
        &[("instance_id", "maxLength")],
        client
            .delete_asset("i".repeat(65), body(vec![]))
            .project_id(ROMA_PROJECT),
    )
    .await;
    expect_refused(
        &server,
        "a 65-character project id",
        &[("project_id", "maxLength")],
        client
            .delete_asset(ROMA_INSTANCE, body(vec![]))
            .project_id("p".repeat(65)),
    )
    .await;
}

#[tokio::test]
async fn csms_and_dbss_requests_breaking_constraints_are_not_sent() {
    let server = Untouched::new().await;
    let csms = csms_client(server.url.clone());
    let dbss = dbss_client(server.url.clone());

    expect_refused(
        &server,
        "a 31-character CSMS project id",
        &[("project_id", "minLength")],
        csms.batch_delete_secrets(csms_body())
            .project_id("p".repeat(31)),
    )
    .await;
    expect_refused(
        &server,
        "a 33-character CSMS project id",
        &[("project_id", "maxLength")],
        csms.batch_delete_secrets(csms_body())
            .project_id("p".repeat(33)),
    )
    .await;
    expect_refused(
        &server,
        "a 31-character DBSS instance id",
        &[("id", "minLength")],
        dbss.delete_instances_new(dbss_body(&"i".repeat(31)))
            .project_id(PROJECT_32),
    )
    .await;
    expect_refused(
        &server,
        "a 65-character DBSS instance id",
        &[("id", "maxLength")],
        dbss.delete_instances_new(dbss_body(&"i".repeat(65)))
            .project_id(PROJECT_32),
    )
    .await;
    expect_refused(
        &server,
        "a 65-character DBSS project id",
        &[("project_id", "maxLength")],
        dbss.delete_instances_new(dbss_body(DBSS_INSTANCE))
            .project_id("p".repeat(65)),
    )
    .await;
}

#[tokio::test]
async fn values_at_the_limits_are_sent() {
    // 100 ids of 255 characters each, counted in characters, not bytes.
    let ids: Vec<String> = (0..100)
        .map(|i| format!("{i:03}{}", "é".repeat(252)))
        .collect();
    let refs: Vec<&str> = ids.iter().map(String::as_str).collect();
    let project = "p".repeat(255);
    let (outcome, rec) = exchange(Reply::new(202, "r", "{}"), |url| async move {
        ws_client(url)
            .batch_delete_desktops(desktops_body(&refs))
            .project_id(project)
            .await
    })
    .await;
    outcome.expect("at the limits");
    let sent: Value = serde_json::from_slice(&rec.body).expect("JSON body");
    assert_eq!(sent["desktop_ids"].as_array().map(Vec::len), Some(100));

    let ten: Vec<String> = (0..10).map(|i| format!("v-{i}")).collect();
    let (outcome, _) = exchange(Reply::new(200, "r", "{}"), |url| async move {
        ws_client(url)
            .delete_desktop_volumes("d", volumes_body(Some(ten)))
            .project_id("p")
            .await
    })
    .await;
    outcome.expect("10 volume ids");

    let (outcome, _) = exchange(Reply::new(200, "r", "{}"), |url| async move {
        let body = roma::types::AssetOperateRequest {
            apps: vec![roma::types::AssetExportRequestApps { id: None }; 100],
            tasks: vec![
                roma::types::AssetExportRequestTasks {
                    id: Some("t".repeat(32))
                };
                100
            ],
        };
        roma_client(url)
            .delete_asset("i".repeat(64), body.clone())
            .project_id("p".repeat(64))
            .await
    })
    .await;
    outcome.expect("100 apps, 100 tasks of 32 characters, 64-character ids");

    let (outcome, _) = exchange(Reply::new(200, "r", "{}"), |url| async move {
        dbss_client(url)
            .delete_instances_new(dbss_body(&"i".repeat(32)))
            .project_id("p".repeat(64))
            .await
    })
    .await;
    outcome.expect("a 32-character instance id, a 64-character project id");
}

// ---------------------------------------------------------------------------
// 5. Server URLs
// ---------------------------------------------------------------------------

/// The `region` enum of the spec's first server.
fn spec_regions(module: &str) -> Vec<String> {
    spec(module)["servers"][0]["variables"]["region"]["enum"]
        .as_array()
        .expect("a region enum")
        .iter()
        .map(|v| v.as_str().expect("a string").to_owned())
        .collect()
}

#[test]
fn for_server_builds_the_regional_base_url() {
    assert_eq!(
        roma::Client::for_server("cn-north-4")
            .unwrap()
            .config()
            .base_url(),
        "https://roma.cn-north-4.myhuaweicloud.com"
    );
    assert_eq!(
        workspace::Client::for_server("cn-north-4")
            .unwrap()
            .config()
            .base_url(),
        "https://workspace.cn-north-4.myhuaweicloud.com"
    );
    // CSMS is served from the KMS endpoint.
    assert_eq!(
        csms::Client::for_server("cn-north-4")
            .unwrap()
            .config()
            .base_url(),
        "https://kms.cn-north-4.myhuaweicloud.com"
    );
    assert_eq!(
        csms::Client::for_server("ap-southeast-1")
            .unwrap()
            .config()
            .base_url(),
        "https://kms.ap-southeast-1.myhuaweicloud.com"
    );
    assert_eq!(
        dbss::Client::for_server("cn-north-4")
            .unwrap()
            .config()
            .base_url(),
        "https://dbss.cn-north-4.myhuaweicloud.com"
    );
    // The default server is the one for the default region.
    assert_eq!(
        roma::client::DEFAULT_SERVER_URL,
        "https://roma.cn-north-4.myhuaweicloud.com"
    );
    assert_eq!(
        workspace::client::DEFAULT_SERVER_URL,
        "https://workspace.cn-north-4.myhuaweicloud.com"
    );
    assert_eq!(
        csms::client::DEFAULT_SERVER_URL,
        "https://kms.cn-north-4.myhuaweicloud.com"
    );
    assert_eq!(
        dbss::client::DEFAULT_SERVER_URL,
        "https://dbss.cn-north-4.myhuaweicloud.com"
    );
    // A trailing slash on a hand-given base URL is dropped.
    assert_eq!(
        dbss::Client::new("http://127.0.0.1:1/prefix//")
            .config()
            .base_url(),
        "http://127.0.0.1:1/prefix"
    );
}

#[test]
fn every_region_of_the_spec_is_accepted() {
    // `server_url` is what `for_server` uses; building a client per region
    // would load the TLS roots some 90 times.
    type ServerUrl =
        fn(&str) -> Result<String, huaweicloud_batch_delete::runtime::client::ServerError>;
    let apis: [(&str, &str, &[&str], ServerUrl); 4] = [
        (
            "roma",
            "roma",
            roma::client::REGION_VALUES,
            roma::client::server_url,
        ),
        (
            "workspace",
            "workspace",
            workspace::client::REGION_VALUES,
            workspace::client::server_url,
        ),
        (
            "csms",
            "kms",
            csms::client::REGION_VALUES,
            csms::client::server_url,
        ),
        (
            "dbss",
            "dbss",
            dbss::client::REGION_VALUES,
            dbss::client::server_url,
        ),
    ];
    for (module, host, allowed, server_url) in apis {
        let regions = spec_regions(module);
        assert_eq!(allowed, regions, "{module}: REGION_VALUES follows the spec");
        for region in &regions {
            assert_eq!(
                server_url(region).unwrap(),
                format!("https://{host}.{region}.myhuaweicloud.com")
            );
        }
    }
    assert_eq!(
        dbss::Client::for_server("af-north-1")
            .unwrap()
            .config()
            .base_url(),
        dbss::client::server_url("af-north-1").unwrap()
    );
}

#[test]
fn an_unknown_region_is_a_clear_error() {
    let err = workspace::Client::for_server("mars-1").unwrap_err();
    assert_eq!(err.variable, "region");
    assert_eq!(err.value, "mars-1");
    assert_eq!(err.allowed, workspace::client::REGION_VALUES);
    let text = err.to_string();
    assert!(
        text.starts_with("`mars-1` is not a known value for server variable `region`"),
        "{text}"
    );
    assert!(text.contains("cn-north-4"), "{text}");
    assert_std_error(&err);

    // Known to Workspace, not to ROMA.
    assert!(workspace::Client::for_server("eu-west-101").is_ok());
    assert_eq!(
        roma::Client::for_server("eu-west-101").unwrap_err().value,
        "eu-west-101"
    );
    // No smuggling of another host or path through the variable.
    for bad in [
        "",
        "CN-NORTH-4",
        "cn-north-4.evil.example",
        "cn-north-4/x",
        " cn-north-4",
    ] {
        assert!(csms::Client::for_server(bad).is_err(), "{bad:?}");
        assert!(dbss::Client::for_server(bad).is_err(), "{bad:?}");
    }
}
