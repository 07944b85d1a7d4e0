//! Server overhead: `BatchDeleteDesktops` served by the generated router
//! (credentials, body limit, content type, parsing and every constraint
//! checked before a trivial `Api` implementation answers) against a
//! hand-written axum handler that checks the same token, parses the same
//! body into the same type and answers the same status and body. Both are
//! served by the runtime's `serve` with default limits on loopback and
//! driven by the same reqwest load client. A second figure calls both
//! routers in process, without the network, to time the layer alone.

use std::sync::Arc;
use std::time::Instant;

use axum::body::Bytes;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use huaweicloud_batch_delete::runtime::client::ClientConfig;
use huaweicloud_batch_delete::runtime::server::{self, RequestContext, ServerConfig};
use huaweicloud_batch_delete::workspace::{self, types};
use tokio::sync::Semaphore;

use crate::client::{PROJECT, TOKEN};
use crate::stats::{median, Paired};

fn job() -> types::BatchDeleteDesktopsResponse {
    types::BatchDeleteDesktopsResponse {
        job_id: Some("job-0001".to_owned()),
    }
}

/// The trivial implementation behind the generated router.
struct Trivial;

impl workspace::server::Api for Trivial {
    async fn batch_delete_desktops(
        &self,
        _context: RequestContext,
        _project_id: String,
        _body: types::DeleteDesktopsReq,
    ) -> workspace::server::BatchDeleteDesktopsReply {
        workspace::server::BatchDeleteDesktopsReply::Accepted(job())
    }

    async fn delete_desktop_volumes(
        &self,
        _context: RequestContext,
        _project_id: String,
        _desktop_id: String,
        _body: types::DeleteVolumesReq,
    ) -> workspace::server::DeleteDesktopVolumesReply {
        workspace::server::DeleteDesktopVolumesReply::Ok(types::DeleteDesktopVolumesResponse {
            job_id: Some("job-0002".to_owned()),
        })
    }
}

fn generated() -> axum::Router {
    let auth = workspace::server::token_tokens([TOKEN.to_owned()]);
    workspace::server::router(Trivial, ServerConfig::new(auth))
}

/// By hand: the token, the body parsed into the same type, the same answer.
async fn by_hand(
    axum::extract::Path(_project_id): axum::extract::Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let token = headers.get("x-auth-token").map(HeaderValue::as_bytes);
    if token != Some(TOKEN.as_bytes()) {
        return StatusCode::UNAUTHORIZED.into_response();
    }
    match serde_json::from_slice::<types::DeleteDesktopsReq>(&body) {
        Ok(_) => json(StatusCode::ACCEPTED, &job()),
        Err(_) => StatusCode::BAD_REQUEST.into_response(),
    }
}

fn json(status: StatusCode, body: &impl serde::Serialize) -> Response {
    let bytes = serde_json::to_vec(body).expect("a response body serializes");
    let mut response = (status, bytes).into_response();
    response.headers_mut().insert(
        axum::http::header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}

fn hand_written() -> axum::Router {
    axum::Router::new().route(
        "/v2/{project_id}/desktops/batch-delete",
        axum::routing::post(by_hand),
    )
}

async fn start(router: axum::Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a loopback port");
    let url = format!("http://{}", listener.local_addr().expect("an address"));
    tokio::spawn(async move {
        let _ = server::serve(listener, router, &server::Limits::default()).await;
    });
    url
}

/// The load client: the same request to `url`, `requests` times at
/// `concurrency`; requests per second, or NaN when any answer was not 202.
async fn load(
    http: reqwest::Client,
    url: String,
    body: Bytes,
    requests: usize,
    concurrency: usize,
) -> f64 {
    let gate = Arc::new(Semaphore::new(concurrency));
    let started = Instant::now();
    let mut tasks = Vec::with_capacity(requests);
    for _ in 0..requests {
        let permit = gate
            .clone()
            .acquire_owned()
            .await
            .expect("the gate is open");
        let (http, url, body) = (http.clone(), url.clone(), body.clone());
        tasks.push(tokio::spawn(async move {
            let sent = http
                .post(url)
                .header("content-type", "application/json")
                .header("x-auth-token", TOKEN)
                .body(body)
                .send()
                .await;
            let ok = match sent {
                Ok(response) => {
                    response.status() == 202
                        && response
                            .bytes()
                            .await
                            .is_ok_and(|b| b.as_ref() == br#"{"job_id":"job-0001"}"#)
                }
                Err(_) => false,
            };
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
        eprintln!("server: {failed} of {requests} requests failed");
        return f64::NAN;
    }
    requests as f64 / elapsed
}

pub fn run(runtime: &tokio::runtime::Runtime, requests: usize, concurrency: usize, runs: usize) {
    println!("\n## server overhead (generated router vs hand-written axum handler)");
    let ours = runtime.block_on(start(generated()));
    let theirs = runtime.block_on(start(hand_written()));
    let path = format!("/v2/{PROJECT}/desktops/batch-delete");
    let request = types::DeleteDesktopsReq {
        desktop_ids: (0..10).map(|i| format!("desktop-{i:04}")).collect(),
        delete_users: false,
        email_notification: true,
        is_force_delete: false,
    };
    let body = Bytes::from(serde_json::to_vec(&request).expect("the body serializes"));
    let http = ClientConfig::http_client_builder()
        .build()
        .expect("an HTTP client");
    let measure = |base: &str| {
        runtime.block_on(load(
            http.clone(),
            format!("{base}{path}"),
            body.clone(),
            requests,
            concurrency,
        ))
    };
    // Both answer correctly before anything is timed.
    for (name, base) in [("generated", &ours), ("hand-written", &theirs)] {
        if measure_once(runtime, &http, &format!("{base}{path}"), &body).is_err() {
            println!("server: the {name} server does not answer 202 with the job");
            return;
        }
    }
    let paired = Paired::run(runs, || measure(&ours), || measure(&theirs));
    let (lo, hi) = paired.pair_range();
    println!(
        "server BatchDeleteDesktops: generated router {:.0} req/s, hand-written axum {:.0} req/s, ratio {:.2}x (throughput, higher is better; {requests} requests at concurrency {concurrency}; median of {runs} paired runs; pairs {lo:.2}x..{hi:.2}x)",
        median(&paired.ours),
        median(&paired.baseline),
        paired.ratio(),
    );

    // The layer alone, in process: 4x the requests, one at a time.
    let (ours, theirs) = (generated(), hand_written());
    let count = requests * 4;
    let time = |router: &axum::Router| {
        runtime.block_on(in_process(router.clone(), &path, &body, count))
    };
    let paired = Paired::run(runs, || time(&ours), || time(&theirs));
    let (lo, hi) = paired.pair_range();
    println!(
        "server BatchDeleteDesktops in process (no network): generated router {:.1} us/request, hand-written axum {:.1} us/request, ratio {:.2}x (time, lower is better; {count} requests one at a time; median of {runs} paired runs; pairs {lo:.2}x..{hi:.2}x)",
        median(&paired.ours) / 1e3,
        median(&paired.baseline) / 1e3,
        paired.ratio(),
    );
}

fn measure_once(
    runtime: &tokio::runtime::Runtime,
    http: &reqwest::Client,
    url: &str,
    body: &Bytes,
) -> Result<(), ()> {
    let rps = runtime.block_on(load(http.clone(), url.to_owned(), body.clone(), 1, 1));
    if rps.is_nan() {
        Err(())
    } else {
        Ok(())
    }
}

/// The same comparison without the network: each router called in process
/// (`tower_service::Service::call`), one request after the other, so the
/// figure is the cost of the layer alone, without the load client's and
/// the kernel's share; nanoseconds per request.
async fn in_process(router: axum::Router, path: &str, body: &Bytes, requests: usize) -> f64 {
    use axum::body::Body;
    use tower_service::Service;

    let started = Instant::now();
    for _ in 0..requests {
        let request = axum::http::Request::post(path)
            .header("content-type", "application/json")
            .header("content-length", body.len())
            .header("x-auth-token", TOKEN)
            .body(Body::from(body.clone()))
            .expect("a request");
        let response = match router.clone().call(request).await {
            Ok(response) => response,
            Err(never) => match never {},
        };
        let status = response.status();
        let bytes = axum::body::to_bytes(response.into_body(), usize::MAX).await;
        if status != StatusCode::ACCEPTED
            || !bytes.is_ok_and(|b| b.as_ref() == br#"{"job_id":"job-0001"}"#)
        {
            return f64::NAN;
        }
    }
    started.elapsed().as_nanos() as f64 / requests as f64
}
