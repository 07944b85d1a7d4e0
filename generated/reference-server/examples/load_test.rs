//! A load test of the reference server on loopback: the five operations,
//! called through the generated clients, from CONCURRENCY tasks at once,
//! REQUESTS calls in all. Prints the count of errors (transport failures,
//! undocumented statuses and 5xx), latency percentiles, throughput, and the
//! process's resident memory before and after.
//!
//! ```sh
//! cargo run --release -p reference-server --example load_test -- [REQUESTS] [CONCURRENCY]
//! ```
//!
//! Defaults: 10,000 requests at concurrency 64. The exit status is 1 when
//! any request failed.

use std::sync::Arc;
use std::time::{Duration, Instant};

use huaweicloud_batch_delete::runtime::client::{ClientConfig, Error};
use huaweicloud_batch_delete::{csms, dbss, roma, workspace};
use reference_server::{Data, ReferenceServer, Settings};
use tokio::sync::Semaphore;

const PROJECT: &str = "29dfe82ada564ac2b927e1ff036d9a9b";

/// Resident memory of this process in KiB (Linux), if known.
fn rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// True for an answer the spec documents (a success or a documented error).
fn documented<T, E>(outcome: &Result<T, Error<E>>) -> bool {
    match outcome {
        Ok(_) => true,
        Err(Error::Api(api)) => api.status.as_u16() < 500,
        Err(_) => false,
    }
}

/// One client per service, built once and shared (clones share a pool).
struct Clients {
    workspace: workspace::Client,
    csms: csms::Client,
    roma: roma::Client,
    dbss: dbss::Client,
}

impl Clients {
    fn new(url: &str, token: &str) -> Self {
        let config = ClientConfig::new(url.to_owned())
            .with_auth(workspace::client::token_auth(token).expect("a token"));
        Clients {
            workspace: workspace::Client::with_config(config.clone()),
            csms: csms::Client::with_config(config.clone()),
            roma: roma::Client::with_config(config.clone()),
            dbss: dbss::Client::with_config(config),
        }
    }
}

async fn call(i: usize, clients: &Clients) -> bool {
    let missing = format!("missing-{i}");
    match i % 5 {
        0 => {
            let c = &clients.workspace;
            let body = workspace::types::DeleteDesktopsReq {
                desktop_ids: vec![missing],
                delete_users: false,
                email_notification: false,
                is_force_delete: false,
            };
            documented(
                &c.batch_delete_desktops(body.clone())
                    .project_id(PROJECT)
                    .await,
            )
        }
        1 => {
            let c = &clients.workspace;
            let body = workspace::types::DeleteVolumesReq {
                volume_ids: Some(vec![missing.clone()]),
            };
            documented(
                &c.delete_desktop_volumes(missing, body.clone())
                    .project_id(PROJECT)
                    .await,
            )
        }
        2 => {
            let c = &clients.csms;
            let body = csms::types::BatchDeleteSecretsRequest {
                instance_id: Some(missing),
                instance_type: None,
            };
            documented(
                &c.batch_delete_secrets(body.clone())
                    .project_id(PROJECT)
                    .await,
            )
        }
        3 => {
            let c = &clients.roma;
            let body = roma::types::AssetOperateRequest {
                apps: Vec::new(),
                tasks: Vec::new(),
            };
            documented(
                &c.delete_asset(missing, body.clone())
                    .project_id(PROJECT)
                    .await,
            )
        }
        _ => {
            let c = &clients.dbss;
            let body = dbss::types::DeleteInstanceDemandRequest {
                id: format!("{missing:0>32}"),
                delete_publicip: None,
                delete_volume: None,
            };
            documented(
                &c.delete_instances_new(body.clone())
                    .project_id(PROJECT)
                    .await,
            )
        }
    }
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let mut args = std::env::args().skip(1);
    let requests: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(10_000);
    let concurrency: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(64);
    let server = ReferenceServer::start(
        "127.0.0.1:0".parse().expect("an address"),
        Data::default(),
        Settings::default(),
    )
    .await
    .expect("the reference server starts");
    let clients = Arc::new(Clients::new(&server.url(), "reference-token"));
    let before = rss_kib();
    let gate = Arc::new(Semaphore::new(concurrency));
    let started = Instant::now();
    let mut tasks = Vec::with_capacity(requests);
    for i in 0..requests {
        let permit = gate
            .clone()
            .acquire_owned()
            .await
            .expect("the gate is open");
        let clients = clients.clone();
        tasks.push(tokio::spawn(async move {
            let t = Instant::now();
            let ok = call(i, &clients).await;
            drop(permit);
            (ok, t.elapsed())
        }));
    }
    let mut latencies: Vec<Duration> = Vec::with_capacity(requests);
    let mut errors = 0;
    for task in tasks {
        let (ok, latency) = task.await.expect("a request task");
        errors += usize::from(!ok);
        latencies.push(latency);
    }
    let elapsed = started.elapsed();
    let after = rss_kib();
    latencies.sort();
    let at = |q: f64| latencies[((latencies.len() as f64 * q) as usize).min(latencies.len() - 1)];
    let kib = |v: Option<u64>| {
        v.map_or("unknown".to_owned(), |k| {
            format!("{:.1} MiB", k as f64 / 1024.0)
        })
    };
    println!(
        "{requests} requests at concurrency {concurrency} in {elapsed:.2?} ({:.0} req/s): {errors} error(s); latency p50 {:.2?}, p99 {:.2?}, max {:.2?}; RSS before {}, after {}",
        requests as f64 / elapsed.as_secs_f64(),
        at(0.50),
        at(0.99),
        latencies.last().copied().unwrap_or_default(),
        kib(before),
        kib(after),
    );
    drop(server);
    if errors == 0 {
        std::process::ExitCode::SUCCESS
    } else {
        std::process::ExitCode::FAILURE
    }
}
