//! Client overhead: each of the five operations through the generated
//! client against the same request sent with raw reqwest (same method, URL,
//! headers and JSON body bytes, the response body parsed into the same
//! type), both against an in-process axum server that answers the
//! operation's documented success status with a fixed body.

use std::sync::{Arc, Mutex};
use std::time::Instant;

use axum::body::Bytes;
use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use huaweicloud_batch_delete::runtime::client::ClientConfig;
use huaweicloud_batch_delete::{csms, dbss, roma, workspace};
use reqwest::Method;
use tokio::sync::Semaphore;

use crate::stats::{median, Paired};

pub const PROJECT: &str = "29dfe82ada564ac2b927e1ff036d9a9b";
pub const TOKEN: &str = "benchmark-token";
const DESKTOP: &str = "desktop-0001";
const INSTANCE: &str = "instance-0001";

/// One of the five operations: how it is called both ways, and how the
/// server answers it.
#[derive(Clone, Copy, Debug)]
pub enum Op {
    BatchDeleteDesktops,
    DeleteDesktopVolumes,
    BatchDeleteSecrets,
    DeleteAsset,
    DeleteInstancesNew,
}

pub const OPS: [Op; 5] = [
    Op::BatchDeleteDesktops,
    Op::DeleteDesktopVolumes,
    Op::BatchDeleteSecrets,
    Op::DeleteAsset,
    Op::DeleteInstancesNew,
];

impl Op {
    fn name(self) -> &'static str {
        match self {
            Op::BatchDeleteDesktops => "workspace BatchDeleteDesktops",
            Op::DeleteDesktopVolumes => "workspace DeleteDesktopVolumes",
            Op::BatchDeleteSecrets => "csms BatchDeleteSecrets",
            Op::DeleteAsset => "roma DeleteAsset",
            Op::DeleteInstancesNew => "dbss DeleteInstancesNew",
        }
    }

    fn method(self) -> Method {
        match self {
            Op::DeleteInstancesNew => Method::DELETE,
            _ => Method::POST,
        }
    }

    fn path(self) -> String {
        match self {
            Op::BatchDeleteDesktops => format!("/v2/{PROJECT}/desktops/batch-delete"),
            Op::DeleteDesktopVolumes => {
                format!("/v2/{PROJECT}/desktops/{DESKTOP}/volumes/batch-delete")
            }
            Op::BatchDeleteSecrets => format!("/v1/{PROJECT}/secrets/batch-delete"),
            Op::DeleteAsset => format!("/v2/{PROJECT}/instances/{INSTANCE}/assets/delete"),
            Op::DeleteInstancesNew => format!("/v1/{PROJECT}/audit/instance"),
        }
    }

    /// The documented success status and a body of its schema.
    fn success(self) -> (StatusCode, &'static str) {
        match self {
            Op::BatchDeleteDesktops => (StatusCode::ACCEPTED, r#"{"job_id":"job-0001"}"#),
            Op::DeleteDesktopVolumes => (StatusCode::OK, r#"{"job_id":"job-0002"}"#),
            Op::BatchDeleteSecrets => (
                StatusCode::OK,
                r#"{"total":2,"success_secrets":["secret-1","secret-2"],"failed_secrets":[]}"#,
            ),
            Op::DeleteAsset => (StatusCode::OK, r#"{"job_id":"job-0003"}"#),
            Op::DeleteInstancesNew => (StatusCode::OK, r#"{"result":"success"}"#),
        }
    }
}

/// The request bodies, built once, shared by both sides.
pub struct Bodies {
    desktops: workspace::types::DeleteDesktopsReq,
    volumes: workspace::types::DeleteVolumesReq,
    secrets: csms::types::BatchDeleteSecretsRequest,
    asset: roma::types::AssetOperateRequest,
    instance: dbss::types::DeleteInstanceDemandRequest,
}

impl Bodies {
    pub fn new() -> Bodies {
        Bodies {
            desktops: workspace::types::DeleteDesktopsReq {
                desktop_ids: (0..10).map(|i| format!("desktop-{i:04}")).collect(),
                delete_users: false,
                email_notification: true,
                is_force_delete: false,
            },
            volumes: workspace::types::DeleteVolumesReq {
                volume_ids: Some((0..5).map(|i| format!("volume-{i:04}")).collect()),
            },
            secrets: csms::types::BatchDeleteSecretsRequest {
                instance_id: Some("rds-instance-0001".to_owned()),
                instance_type: None,
            },
            asset: roma::types::AssetOperateRequest {
                apps: Vec::new(),
                tasks: Vec::new(),
            },
            instance: dbss::types::DeleteInstanceDemandRequest {
                id: format!("{:0>32}", "1"),
                delete_publicip: Some(true),
                delete_volume: Some(true),
            },
        }
    }

    /// The JSON body bytes of `op`'s request, as the raw side sends them:
    /// like the generated side, it builds the body (a clone of the prepared
    /// one) for each call, then serializes it.
    fn json(&self, op: Op) -> Vec<u8> {
        let bytes = match op {
            Op::BatchDeleteDesktops => serde_json::to_vec(&self.desktops.clone()),
            Op::DeleteDesktopVolumes => serde_json::to_vec(&self.volumes.clone()),
            Op::BatchDeleteSecrets => serde_json::to_vec(&self.secrets.clone()),
            Op::DeleteAsset => serde_json::to_vec(&self.asset.clone()),
            Op::DeleteInstancesNew => serde_json::to_vec(&self.instance.clone()),
        };
        bytes.expect("the request bodies serialize")
    }
}

/// One client per service (clones of one configuration share a pool).
pub struct Ours {
    workspace: workspace::Client,
    csms: csms::Client,
    roma: roma::Client,
    dbss: dbss::Client,
}

impl Ours {
    pub fn new(url: &str) -> Ours {
        let config = ClientConfig::new(url.to_owned())
            .with_auth(workspace::client::token_auth(TOKEN).expect("a token"));
        Ours {
            workspace: workspace::Client::with_config(config.clone()),
            csms: csms::Client::with_config(config.clone()),
            roma: roma::Client::with_config(config.clone()),
            dbss: dbss::Client::with_config(config),
        }
    }

    /// One call through the generated client; true on the typed success.
    /// The body is cloned into each request builder, as a caller building
    /// a request per call would.
    pub async fn call(&self, op: Op, b: &Bodies) -> bool {
        match op {
            Op::BatchDeleteDesktops => self
                .workspace
                .batch_delete_desktops(b.desktops.clone())
                .project_id(PROJECT)
                .await
                .is_ok(),
            Op::DeleteDesktopVolumes => self
                .workspace
                .delete_desktop_volumes(DESKTOP, b.volumes.clone())
                .project_id(PROJECT)
                .await
                .is_ok(),
            Op::BatchDeleteSecrets => self
                .csms
                .batch_delete_secrets(b.secrets.clone())
                .project_id(PROJECT)
                .await
                .is_ok(),
            Op::DeleteAsset => self
                .roma
                .delete_asset(INSTANCE, b.asset.clone())
                .project_id(PROJECT)
                .await
                .is_ok(),
            Op::DeleteInstancesNew => self
                .dbss
                .delete_instances_new(b.instance.clone())
                .project_id(PROJECT)
                .await
                .is_ok(),
        }
    }
}

/// The same requests by hand with reqwest.
pub struct Raw {
    http: reqwest::Client,
    base: String,
}

impl Raw {
    pub fn new(url: &str) -> Raw {
        Raw {
            // The generated client's default HTTP client settings.
            http: ClientConfig::http_client_builder()
                .build()
                .expect("an HTTP client"),
            base: url.trim_end_matches('/').to_owned(),
        }
    }

    /// The same request: serialize the body, send, check the status, parse
    /// the body into the same response type.
    pub async fn call(&self, op: Op, b: &Bodies) -> bool {
        let url = format!("{}{}", self.base, op.path());
        let sent = self
            .http
            .request(op.method(), url)
            .header("content-type", "application/json")
            .header("x-auth-token", TOKEN)
            .body(b.json(op))
            .send()
            .await;
        let Ok(response) = sent else { return false };
        if response.status() != op.success().0.as_u16() {
            return false;
        }
        let Ok(bytes) = response.bytes().await else {
            return false;
        };
        match op {
            Op::BatchDeleteDesktops => {
                serde_json::from_slice::<workspace::types::BatchDeleteDesktopsResponse>(&bytes)
                    .is_ok()
            }
            Op::DeleteDesktopVolumes => {
                serde_json::from_slice::<workspace::types::DeleteDesktopVolumesResponse>(&bytes)
                    .is_ok()
            }
            Op::BatchDeleteSecrets => {
                serde_json::from_slice::<csms::types::BatchDeleteSecretsResponse>(&bytes).is_ok()
            }
            Op::DeleteAsset => {
                serde_json::from_slice::<roma::types::DeleteAssetResponse>(&bytes).is_ok()
            }
            Op::DeleteInstancesNew => {
                serde_json::from_slice::<dbss::types::DeleteInstancesNewResponse>(&bytes).is_ok()
            }
        }
    }
}

/// A request as the server saw it.
#[derive(Clone, Debug, PartialEq)]
struct Seen {
    method: String,
    uri: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

#[derive(Default)]
struct Recorder {
    on: std::sync::atomic::AtomicBool,
    seen: Mutex<Vec<Seen>>,
}

/// The in-process server: every operation's route answers its success
/// status and body at once. Returns its base URL.
async fn start_server(recorder: Arc<Recorder>) -> String {
    let mut router = axum::Router::new();
    for op in OPS {
        let (status, body) = op.success();
        let recorder = recorder.clone();
        let method = axum::routing::MethodFilter::try_from(op.method()).expect("a method");
        router = router.route(
            &op.path(),
            axum::routing::on(method, move |request: Request| {
                let recorder = recorder.clone();
                async move {
                    if recorder.on.load(std::sync::atomic::Ordering::Relaxed) {
                        let (parts, body) = request.into_parts();
                        let bytes = axum::body::to_bytes(body, 1 << 20)
                            .await
                            .unwrap_or_default();
                        let mut headers: Vec<(String, String)> = parts
                            .headers
                            .iter()
                            .map(|(k, v)| {
                                (
                                    k.to_string(),
                                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                                )
                            })
                            .collect();
                        headers.sort();
                        recorder.seen.lock().expect("the recorder").push(Seen {
                            method: parts.method.to_string(),
                            uri: parts.uri.to_string(),
                            headers,
                            body: bytes.to_vec(),
                        });
                    } else {
                        // Read the body as any server would.
                        let _ = axum::body::to_bytes(request.into_body(), 1 << 20).await;
                    }
                    answer(status, body)
                }
            }),
        );
    }
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a loopback port");
    let url = format!("http://{}", listener.local_addr().expect("an address"));
    tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    url
}

fn answer(status: StatusCode, body: &'static str) -> Response {
    let mut response = (status, Bytes::from_static(body.as_bytes())).into_response();
    response.headers_mut().insert(
        axum::http::header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
        .headers_mut()
        .insert("x-request-id", HeaderValue::from_static("req-0001"));
    response
}

/// `requests` calls of `op` (or of all five in turn) at `concurrency`;
/// requests per second, or NaN when any call failed.
async fn throughput<F, Fut>(requests: usize, concurrency: usize, call: F) -> f64
where
    F: Fn(usize) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = bool> + Send,
{
    let call = Arc::new(call);
    let gate = Arc::new(Semaphore::new(concurrency));
    let started = Instant::now();
    let mut tasks = Vec::with_capacity(requests);
    for i in 0..requests {
        let permit = gate
            .clone()
            .acquire_owned()
            .await
            .expect("the gate is open");
        let call = call.clone();
        tasks.push(tokio::spawn(async move {
            let ok = call(i).await;
            drop(permit);
            ok
        }));
    }
    let mut failed = 0;
    for task in tasks {
        failed += usize::from(!task.await.unwrap_or(false));
    }
    let elapsed = started.elapsed().as_secs_f64();
    if failed > 0 {
        eprintln!("client: {failed} of {requests} calls failed");
        return f64::NAN;
    }
    requests as f64 / elapsed
}

pub fn run(runtime: &tokio::runtime::Runtime, requests: usize, concurrency: usize, runs: usize) {
    println!("\n## client overhead (generated client vs raw reqwest, in-process server)");
    let recorder = Arc::new(Recorder::default());
    let url = runtime.block_on(start_server(recorder.clone()));
    let ours = Arc::new(Ours::new(&url));
    let raw = Arc::new(Raw::new(&url));
    let bodies = Arc::new(Bodies::new());

    // First: both sides send the same request for every operation.
    recorder
        .on
        .store(true, std::sync::atomic::Ordering::Relaxed);
    for op in OPS {
        let (a, b) =
            runtime.block_on(async { (ours.call(op, &bodies).await, raw.call(op, &bodies).await) });
        let seen = std::mem::take(&mut *recorder.seen.lock().expect("the recorder"));
        let same = seen.len() == 2 && seen[0] == seen[1];
        if !(a && b && same) {
            println!(
                "client: {}: ours ok {a}, raw ok {b}, same request {same}: {seen:#?}",
                op.name()
            );
            return;
        }
    }
    recorder
        .on
        .store(false, std::sync::atomic::Ordering::Relaxed);
    println!(
        "client: both sides send identical requests (method, URI, headers, body bytes) for all five operations"
    );

    let mut cases: Vec<(String, Option<Op>)> = OPS
        .iter()
        .map(|op| (op.name().to_owned(), Some(*op)))
        .collect();
    cases.push(("all five in turn".to_owned(), None));
    for (name, only) in cases {
        let pick = move |i: usize| only.unwrap_or(OPS[i % OPS.len()]);
        let paired = Paired::run(
            runs,
            || {
                let (ours, bodies) = (ours.clone(), bodies.clone());
                runtime.block_on(throughput(requests, concurrency, move |i| {
                    let (ours, bodies) = (ours.clone(), bodies.clone());
                    async move { ours.call(pick(i), &bodies).await }
                }))
            },
            || {
                let (raw, bodies) = (raw.clone(), bodies.clone());
                runtime.block_on(throughput(requests, concurrency, move |i| {
                    let (raw, bodies) = (raw.clone(), bodies.clone());
                    async move { raw.call(pick(i), &bodies).await }
                }))
            },
        );
        let (lo, hi) = paired.pair_range();
        println!(
            "client {name}: ours {:.0} req/s, raw reqwest {:.0} req/s, ratio {:.2}x (throughput, higher is better; {requests} requests at concurrency {concurrency}; median of {runs} paired runs; pairs {lo:.2}x..{hi:.2}x)",
            median(&paired.ours),
            median(&paired.baseline),
            paired.ratio(),
        );
    }
}
