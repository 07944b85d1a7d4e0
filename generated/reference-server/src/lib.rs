//! An in-memory reference implementation of the five operations, written by
//! hand over the generated server stubs: ROMA `DeleteAsset`, Workspace
//! `BatchDeleteDesktops` and `DeleteDesktopVolumes`, CSMS
//! `BatchDeleteSecrets` and DBSS `DeleteInstancesNew`.
//!
//! One [`Reference`](crate::Reference) implements each service's generated `server::Api`
//! trait over shared state behind a [`std::sync::Mutex`]; [`router`](crate::router) serves
//! all four services from one [`axum::Router`], and
//! [`ReferenceServer::start`](crate::ReferenceServer::start) runs it on a socket with the runtime's
//! [`serve_with_shutdown`](huaweicloud_batch_delete::runtime::server::serve_with_shutdown),
//! under [`Settings::limits`](crate::Settings::limits) (by default a 10 s header read timeout,
//! a 30 s body read timeout, 1,024 connections at once, 64 KiB request
//! heads and 1 MiB bodies). The generated layer answers missing or refused
//! credentials (401, before the body is read, in one wording whatever the
//! reason), oversized bodies (413), bodies that do not arrive in time
//! (408), malformed requests and broken body framing (400), unknown paths
//! (404) and wrong methods (405) before any code here runs.
//!
//! # Authentication
//!
//! Every service accepts either of two kinds of credentials
//! ([`AnyOf`](huaweicloud_batch_delete::runtime::server::AnyOf)):
//!
//! - a token in `X-Auth-Token` (each service's generated `token_tokens`):
//!   the data's [`Data::tokens`](crate::Data::tokens) and
//!   [`Settings::extra_tokens`](crate::Settings::extra_tokens);
//! - an AK/SK signature (`Authorization: SDK-HMAC-SHA256 Access=…`, as the
//!   official SDKs sign, checked by
//!   [`AkSkVerifier`](huaweicloud_batch_delete::runtime::signing::AkSkVerifier)) by one of
//!   [`Settings::access_keys`](crate::Settings::access_keys). By
//!   default that is one pair for local use: access key
//!   `REFERENCEAK0000000001`, secret key
//!   `reference-secret-key-0000000000000000001`
//!   ([`DEFAULT_ACCESS_KEY`](crate::DEFAULT_ACCESS_KEY),
//!   [`DEFAULT_SECRET_KEY`](crate::DEFAULT_SECRET_KEY)).
//!
//! A request with neither gets 401, as does one whose token is unknown or
//! whose signature does not verify (unknown access key, wrong secret key,
//! an `X-Sdk-Date` more than 15 minutes off, a changed body, …). The
//! caller of a signed request is its access key: the user
//! [`Data::access_keys`](crate::Data::access_keys) maps it to
//! (which may be read-only), or else a full-access user of its own name.
//! ROMA's one-job-per-user rule counts jobs by that user, so a token and an
//! access key mapped to the same user share one job.
//!
//! # Behaviour
//!
//! Every operation first refuses a read-only token (403), then answers with
//! an injected fault when [`Data::faults`](crate::Data::faults) names its operation id or any id
//! in its path or body, then applies its rules. Deletions are permanent: a
//! second deletion of the same resource answers 404. Error bodies use each
//! service's schema and a code in its style: `WKS.0404` (at most 12
//! characters), `ROMA.00000404` (with `request_id`), `CSMS.0404`,
//! `DBSS.0404` (with `details`). The field at fault is in Workspace's
//! `error_detail`, ROMA's `error_details`, CSMS's `error_msg` and DBSS's
//! `details[].error_msg`.
//!
//! - **Workspace `BatchDeleteDesktops`** (202): all or nothing. An unknown
//!   project or desktop id, or an empty one: 404; a desktop already being
//!   deleted: 409. Accepted desktops are *deleting* for
//!   [`Data::desktop_job_ms`](crate::Data::desktop_job_ms) (409 meanwhile), then gone (404). Desktops
//!   marked `deleting` in the data stay so.
//! - **Workspace `DeleteDesktopVolumes`** (200): the data disks must belong
//!   to the desktop (404 otherwise, also for an empty id); a deleting desktop:
//!   409. Without `volume_ids` every data disk of the desktop is deleted.
//! - **ROMA `DeleteAsset`** (200 with a 32-hex-digit `job_id`): an unknown
//!   project or instance: 404; one job per user: while the caller's last
//!   job runs ([`Data::roma_job_ms`](crate::Data::roma_job_ms)), 409;
//!   unknown application or task ids, and entries without an id (or with
//!   an empty one): 404. Assets are removed when the job is created. `DeleteAsset` documents no 5xx, so a fault of 500/502/504
//!   answers 400.
//! - **CSMS `BatchDeleteSecrets`** (200): deletes every secret bound to
//!   `instance_id` (and `instance_type`, when given); `total` counts the
//!   matches, `success_secrets` names the deleted ones, `failed_secrets` the
//!   ones whose [`Secret::fail_reason`](crate::Secret::fail_reason) is set (they are kept). No
//!   (or an empty) `instance_id`, or no secret bound to the instance (of
//!   that type): 404.
//! - **DBSS `DeleteInstancesNew`** (200 `{"result": "success"}`): an unknown
//!   id: 404; a pay-per-use instance with tasks or a yearly/monthly instance
//!   that is not faulty: 400 with `details` naming the precondition.
//!
//! A request the schema accepts never gets 400 from these rules (only the
//! DBSS preconditions answer 400, for instances that exist); what the schema
//! refuses gets 400 from the generated layer. Statuses no rule produces
//! (400 for the other operations, 401 and 5xx from the handler, CSMS
//! 502/504) come from faults. A fault's status must be one of
//! [`FAULT_STATUSES`](crate::FAULT_STATUSES); one the operation
//! does not document becomes its 500 (its 400 for ROMA).
//!
//! # The default data set
//!
//! [`Data::default()`](crate::Data::default):
//!
//! - No access keys: an accepted access key (by default
//!   `REFERENCEAK0000000001`, see above) is a user of its own name.
//! - Tokens: `reference-token` (user `reference-user`),
//!   `reference-token-2` (user `reference-user-2`), and
//!   `reference-readonly-token` (user `reference-viewer`, read-only: 403).
//! - Job durations: 2000 ms for ROMA jobs and desktop deletions.
//! - Faults: `fault-00000000000000000000000400` → 400, and likewise `…401`,
//!   `…403`, `…404`, `…409`, `…500`, `…502`, `…504` (see [`fault_id`](crate::fault_id): 32
//!   characters, valid as every id of every operation).
//! - One project, `29dfe82ada564ac2b927e1ff036d9a9b`, holding:
//!   - desktops `1d81c1dc-312b-4621-b778-bac3a1336442` (data disks
//!     `8a6c7a76-5476-4e13-827d-c331b829e245`,
//!     `2e49af66-7e7d-4c04-a6a6-0cc094b67009`),
//!     `34e25501-fd50-42b5-97ca-f4c5bb7b09b0` (none),
//!     `3ec05f83-b8a3-4c72-857f-b33f55943320` (data disk
//!     `5f0c3a2e-9b1d-4e7a-8c6f-1a2b3c4d5e6f`) and
//!     `7c2b9e4a-6d1f-4a3b-9e8c-5f4d3c2b1a09` (already deleting, data disk
//!     `9d8c7b6a-5f4e-4d3c-8b2a-1f0e9d8c7b6a`);
//!   - ROMA instance `ed07b2f0-b1bb-4d32-a5ab-01d4eb5c3b0e` with
//!     applications `b1e6b1e6-4f3f-4a80-bb45-f4b9039f95a3`,
//!     `b2e6b145-4f3f-4a80-aa45-f4b8029f95a4` and tasks
//!     `b2e6a45612344a80aa45f4b8029f95a4`,
//!     `1234566484f3f4a80aa45f4b00005a42`;
//!   - CSMS secrets `secretName1`, `secretName2` and `secretName3` (fails:
//!     pending deletion) bound to RDS instance
//!     `4f6e1c2d8a9b4c7d9e0f1a2b3c4d5e6fin01`, and `apig-app-secret` bound
//!     to APIG instance `a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d`;
//!   - DBSS audit instances `75abd6de-657b-444b-a867-c740ad2b66ec`
//!     (pay-per-use, no tasks: deletable),
//!     `86bce7ef-768c-455c-b978-d851be3c77fd` (pay-per-use with tasks: 400),
//!     `97cdf8f0-879d-466d-ca89-e962cf4d88ae` (yearly/monthly, healthy: 400)
//!     and `a8de09a1-98ae-477e-8b9a-fa73d05e99bf` (yearly/monthly, faulty:
//!     deletable).
//!
//! The constants of [`data`](crate::data) name these ids. As JSON (what
//! [`Data::from_file`](crate::Data::from_file) reads; [`Data::to_json`](crate::Data::to_json) writes it):
//!
//! ```json
//! {
//!   "tokens": {"reference-token": {"user": "reference-user", "read_only": false}},
//!   "access_keys": {"REFERENCEAK0000000001": {"user": "reference-user"}},
//!   "projects": {
//!     "29dfe82ada564ac2b927e1ff036d9a9b": {
//!       "desktops": [{"id": "d1", "volumes": ["v1"], "deleting": false}],
//!       "roma_instances": [{"id": "i1", "apps": ["a1"], "tasks": ["t1"]}],
//!       "secrets": [{"name": "s1", "instance_id": "rds1", "instance_type": "RDS",
//!                    "fail_reason": null}],
//!       "audit_instances": [{"id": "75abd6de-657b-444b-a867-c740ad2b66ec",
//!                            "charging_mode": "pay_per_use",
//!                            "has_tasks": false, "faulty": false}]
//!     }
//!   },
//!   "faults": {"fault-00000000000000000000000500": 500, "DeleteAsset": 403},
//!   "roma_job_ms": 2000,
//!   "desktop_job_ms": 2000
//! }
//! ```
//!
//! Every key but `id`, `name`, `user` and `charging_mode` may be left out.

mod api;
pub mod data;
mod store;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::http::{StatusCode, Uri};
use axum::response::Response;

pub use api::Reference;
pub use data::{
    fault_id, AuditInstance, ChargingMode, Data, DataError, Desktop, Project, RomaInstance, Secret,
    TokenInfo, DEFAULT_ACCESS_KEY, DEFAULT_SECRET_KEY, DEFAULT_TOKEN, FAULT_STATUSES,
};

use huaweicloud_batch_delete::runtime::server::{
    self as rt, AnyOf, Authenticate, HeaderTokens, Limits, ServerConfig,
};
use huaweicloud_batch_delete::runtime::signing::AkSkVerifier;
use huaweicloud_batch_delete::{csms, dbss, roma, workspace};

/// How the server is run, besides its data.
#[derive(Clone, Debug)]
pub struct Settings {
    /// Tokens accepted besides the data's own; each stands for a full-access
    /// user named after the token.
    pub extra_tokens: Vec<String>,
    /// Accepted AK/SK pairs `(access key, secret key)` for signed requests
    /// (`SDK-HMAC-SHA256`). By default one pair for local use:
    /// ([`DEFAULT_ACCESS_KEY`], [`DEFAULT_SECRET_KEY`]). Who an access key
    /// stands for is the data's ([`Data::access_keys`]).
    pub access_keys: Vec<(String, String)>,
    /// Body and connection limits (the runtime's defaults:
    /// [`Limits::default`]).
    pub limits: Limits,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            extra_tokens: Vec::new(),
            access_keys: vec![(DEFAULT_ACCESS_KEY.to_owned(), DEFAULT_SECRET_KEY.to_owned())],
            limits: Limits::default(),
        }
    }
}

impl Reference {
    /// A reference implementation holding `data`.
    pub fn new(data: Data) -> Self {
        Reference {
            store: Arc::new(store::Store::new(data)),
        }
    }

    /// The current state (for tests and inspection).
    pub fn snapshot(&self) -> Data {
        self.store.snapshot()
    }

    /// The four services' routes, served by this implementation.
    ///
    /// The generated routers each end in a fallback, and axum refuses to
    /// merge two routers with fallbacks, so they are chained instead: a
    /// request no route of one matches falls through to the next, and one
    /// no service serves gets a 404 whose body (`error_code`, `error_msg`)
    /// fits every service's error schema.
    pub fn router(&self, settings: &Settings) -> axum::Router {
        let mut tokens = self.store.tokens();
        tokens.extend(settings.extra_tokens.iter().cloned());
        let keys: HashMap<String, String> = settings.access_keys.iter().cloned().collect();
        let aksk: Arc<dyn Authenticate> = Arc::new(AkSkVerifier::new(keys));
        // Every service: its token scheme, or else an AK/SK signature.
        let config = |token: HeaderTokens| ServerConfig {
            auth: Arc::new(AnyOf(vec![Arc::new(token), aksk.clone()])),
            limits: settings.limits,
        };
        let ws = workspace::server::router(
            self.clone(),
            config(workspace::server::token_tokens(tokens.clone())),
        );
        let roma = roma::server::router(
            self.clone(),
            config(roma::server::token_tokens(tokens.clone())),
        );
        let csms = csms::server::router(
            self.clone(),
            config(csms::server::token_tokens(tokens.clone())),
        );
        let dbss = dbss::server::router(self.clone(), config(dbss::server::token_tokens(tokens)));
        ws.fallback_service(
            roma.fallback_service(csms.fallback_service(dbss.fallback(unknown_route))),
        )
    }
}

/// A 404 for a path no service serves.
async fn unknown_route(uri: Uri) -> Response {
    let request_id = rt::new_request_id();
    let body = serde_json::json!({
        "error_code": "HTTP.404",
        "error_msg": format!("no operation is served at {}", uri.path()),
    });
    rt::with_request_id(rt::json_response(StatusCode::NOT_FOUND, &body), &request_id)
}

/// All four services over `data`, accepting the data's tokens and the
/// default AK/SK pair, with the default limits.
pub fn router(data: Data) -> axum::Router {
    Reference::new(data).router(&Settings::default())
}

/// Runs the reference implementation on a socket.
pub struct ReferenceServer;

impl ReferenceServer {
    /// Binds `addr` (port 0 picks a free port) and serves [`router`] on it
    /// with the runtime's `serve_with_shutdown` (so [`Settings::limits`]
    /// hold for connections too) in a background task until the returned
    /// handle is stopped or dropped.
    pub async fn start(
        addr: SocketAddr,
        data: Data,
        settings: Settings,
    ) -> std::io::Result<RunningServer> {
        let reference = Reference::new(data);
        let app = reference.router(&settings);
        let listener = tokio::net::TcpListener::bind(addr).await?;
        let addr = listener.local_addr()?;
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let limits = settings.limits;
        let task = tokio::spawn(async move {
            rt::serve_with_shutdown(listener, app, &limits, async move {
                let _ = stopped.await;
            })
            .await
        });
        Ok(RunningServer {
            addr,
            reference,
            stop: Some(stop),
            task: Some(task),
        })
    }
}

/// A server started by [`ReferenceServer::start`]. Dropping it stops the
/// server too (without waiting).
pub struct RunningServer {
    addr: SocketAddr,
    reference: Reference,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
}

impl RunningServer {
    /// The address the server listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://<addr>`, a base URL for the generated clients.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The implementation behind the server (for [`Reference::snapshot`]).
    pub fn reference(&self) -> &Reference {
        &self.reference
    }

    /// Waits until the server ends (it only ends on an I/O error or when
    /// stopped from elsewhere).
    pub async fn wait(mut self) -> std::io::Result<()> {
        match self.task.take() {
            Some(task) => task.await.unwrap_or(Ok(())),
            None => Ok(()),
        }
    }

    /// Stops accepting connections, lets requests in flight finish (for at
    /// most five seconds) and waits for the server to end.
    pub async fn stop(mut self) -> std::io::Result<()> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        let Some(mut task) = self.task.take() else {
            return Ok(());
        };
        match tokio::time::timeout(Duration::from_secs(5), &mut task).await {
            Ok(joined) => joined.unwrap_or(Ok(())),
            Err(_) => {
                task.abort();
                Ok(())
            }
        }
    }
}

impl Drop for RunningServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

impl std::fmt::Debug for RunningServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RunningServer")
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}

// The README's snippets compile as doc tests of this crate, the workspace's
// hand-written crate that depends on the generated one, so they cannot drift
// from the API they show.
#[cfg(doctest)]
#[doc = include_str!("../../../README.md")]
pub struct ReadmeDoctests;
