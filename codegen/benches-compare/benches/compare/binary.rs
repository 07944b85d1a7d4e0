//! Binary bodies that stream: a large download written to a file and a
//! large upload read from a file (1 GiB unless `COMPARE_BINARY_BYTES`
//! says otherwise), through the client generated from
//! `codegen/tests/fixtures/constructs/streams.yaml`, against raw `reqwest`
//! (`bytes_stream` written chunk by chunk; a body wrapped around a file
//! reader), both against the same hand-written axum server on loopback.
//!
//! Each transfer runs in a child process of its own (a small crate this
//! section generates and builds in release: the generated crate and a
//! `main.rs` with the four transfers), which reports its time and its peak
//! resident memory (`VmHWM` of `/proc/self/status`), so that neither side's
//! memory is counted in the other's, nor the server's in either.
//!
//! The crates and the files go to `COMPARE_BINARY_DIR` (default
//! `target/binary-bench` of the repository; a tmpfs such as `/dev/shm`
//! keeps the files off the disk). The files are deleted at the end.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use axum::body::Body;
use axum::extract::Path as UrlPath;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use futures_util::StreamExt;

use crate::stats::{median, Paired};

/// The chunk the server sends a download in.
const CHUNK: usize = 64 * 1024;

/// The child's `main.rs`: one transfer, named by its arguments, then its
/// bytes, seconds and peak resident memory (KiB) on one line.
const DRIVER: &str = r#"
use std::time::Instant;

use futures_util::StreamExt;
use streams::runtime::client::{ByteStream, ClientConfig};
use streams::runtime::server as rt;
use streams::streams::client::Client;
use streams::streams::{server, types};
use tokio::io::AsyncWriteExt;

fn peak_rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

/// The generated server with an `Api` that streams `size` bytes out for
/// every download and drains every upload, counting it.
#[derive(Clone)]
struct Serve {
    size: u64,
}

impl server::Api for Serve {
    async fn download_file(
        &self,
        _context: rt::RequestContext,
        _name: String,
    ) -> server::DownloadFileReply {
        const CHUNK: usize = 64 * 1024;
        let chunk = bytes::Bytes::from(vec![0x5a; CHUNK]);
        let full = (self.size / CHUNK as u64) as usize;
        let rest = (self.size % CHUNK as u64) as usize;
        let tail = chunk.slice(..rest);
        let chunks = futures_util::stream::iter(
            std::iter::repeat_n(chunk, full)
                .chain((rest > 0).then_some(tail))
                .map(Ok::<_, streams::runtime::stream::ByteStreamError>),
        );
        server::DownloadFileReply::Ok(ByteStream::from_chunks(chunks, Some(self.size)))
    }

    async fn upload_file(
        &self,
        _context: rt::RequestContext,
        name: String,
        mut body: ByteStream,
    ) -> server::UploadFileReply {
        let mut n = 0u64;
        while let Some(chunk) = body.next().await {
            n += chunk.expect("a chunk").len() as u64;
        }
        server::UploadFileReply::Created(types::Stored::new(name, n as i64))
    }

    async fn file_info(&self, _context: rt::RequestContext, name: String) -> server::FileInfoReply {
        server::FileInfoReply::Ok(types::Stored::new(name, 0))
    }
}

/// `serve SIZE`: the generated server on a loopback port (printed), until
/// stdin closes; then its peak resident memory (KiB).
async fn serve(size: u64) {
    let config = rt::ServerConfig::new(rt::AllowAll).with_body_limit(usize::MAX);
    let (base, handle) = rt::serve_local(server::router(Serve { size }, config))
        .await
        .expect("the server starts");
    println!("{base}");
    tokio::task::spawn_blocking(|| {
        let mut line = String::new();
        while std::io::stdin().read_line(&mut line).map(|n| n > 0).unwrap_or(false) {}
    })
    .await
    .ok();
    handle.shutdown().await.ok();
    println!("{}", peak_rss_kib());
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args[1] == "serve" {
        return serve(args[2].parse().expect("a size")).await;
    }
    let (mode, base, file) = (args[1].as_str(), args[2].as_str(), args[3].as_str());
    streams::runtime::client::install_crypto_provider();
    let config = ClientConfig::new(base).with_timeout(std::time::Duration::from_secs(600));
    let client = Client::with_config(config);
    let raw = reqwest::Client::new();
    let started = Instant::now();
    let bytes: u64 = match mode {
        "ours-download" => {
            let response = client.download_file("big").await.expect("the download");
            response.into_body().write_to(file).await.expect("written")
        }
        "raw-download" => {
            let response = raw.get(format!("{base}/files/big")).send().await.expect("the download");
            assert_eq!(response.status(), 200);
            let mut body = response.bytes_stream();
            let mut out = tokio::fs::File::create(file).await.expect("created");
            let mut n = 0u64;
            while let Some(chunk) = body.next().await {
                let chunk = chunk.expect("a chunk");
                out.write_all(&chunk).await.expect("written");
                n += chunk.len() as u64;
            }
            out.flush().await.expect("flushed");
            n
        }
        "ours-upload" => {
            let body = ByteStream::from_path(file).await.expect("the file");
            let stored = client.upload_file("up", body).await.expect("the upload");
            stored.body.size as u64
        }
        "raw-upload" => {
            let f = tokio::fs::File::open(file).await.expect("the file");
            let len = f.metadata().await.expect("its length").len();
            let body = reqwest::Body::wrap_stream(tokio_util::io::ReaderStream::with_capacity(f, 64 * 1024));
            let response = raw
                .put(format!("{base}/files/up"))
                .header("content-type", "application/octet-stream")
                .header("content-length", len)
                .body(body)
                .send()
                .await
                .expect("the upload");
            assert_eq!(response.status(), 201);
            let stored: serde_json::Value =
                serde_json::from_slice(&response.bytes().await.expect("the answer")).expect("JSON");
            stored["size"].as_u64().expect("a size")
        }
        other => panic!("unknown mode {other}"),
    };
    let secs = started.elapsed().as_secs_f64();
    println!("{bytes} {secs} {}", peak_rss_kib());
}
"#;

/// Generates the fixture's crate and the driver beside it, builds the
/// driver in release, and returns its executable.
fn build_driver(root: &Path, dir: &Path) -> Result<PathBuf, String> {
    let spec = "codegen/tests/fixtures/constructs/streams.yaml";
    let document = codegen::load_document(&root.join(spec), spec)
        .map_err(|p| format!("{spec} does not load: {p:?}"))?;
    let input = codegen::Input {
        module: "streams".into(),
        source: spec.into(),
        document,
    };
    let opts = codegen::CrateOptions::standalone("streams", "The binary-streams benchmark's API.");
    let generated = codegen::generate(&[input], &opts, "benchmark").map_err(|e| e.to_string())?;
    let api = dir.join("streams");
    codegen::write::write_crate(&api, &generated.files, codegen::write::Foreign::Keep)
        .map_err(|e| e.to_string())?;
    let driver = dir.join("driver");
    std::fs::create_dir_all(driver.join("src")).map_err(|e| e.to_string())?;
    std::fs::write(
        driver.join("Cargo.toml"),
        r#"[package]
name = "binary-driver"
version = "0.0.0"
edition = "2021"
publish = false

[workspace]

[dependencies]
futures-util = { version = "0.3", default-features = false, features = ["std"] }
reqwest = { version = "0.13", default-features = false, features = ["rustls-no-provider", "stream"] }
serde_json = "1"
bytes = "1"
streams = { path = "../streams", default-features = false, features = ["client", "server", "streams"] }
tokio = { version = "1.40", features = ["fs", "io-util", "macros", "rt"] }
tokio-util = { version = "0.7", default-features = false, features = ["io"] }
"#,
    )
    .map_err(|e| e.to_string())?;
    std::fs::write(driver.join("src/main.rs"), DRIVER).map_err(|e| e.to_string())?;
    std::fs::copy(root.join("Cargo.lock"), driver.join("Cargo.lock")).map_err(|e| e.to_string())?;
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let status = Command::new(cargo)
        .args(["build", "--release", "--offline", "--quiet"])
        .current_dir(&driver)
        .env("CARGO_TARGET_DIR", dir.join("target"))
        .status()
        .map_err(|e| e.to_string())?;
    if !status.success() {
        return Err("the driver does not build".into());
    }
    Ok(dir.join("target/release/binary-driver"))
}

/// The loopback server both sides talk to: `GET /files/{name}` streams
/// `size` bytes in 64 KiB chunks, `PUT /files/{name}` reads the body to its
/// end and answers 201 with its size.
fn router(size: u64) -> axum::Router {
    let chunk = bytes::Bytes::from(vec![0x5a; CHUNK]);
    axum::Router::new().route(
        "/files/{name}",
        get(move || {
            let chunk = chunk.clone();
            async move {
                let full = (size / CHUNK as u64) as usize;
                let rest = (size % CHUNK as u64) as usize;
                let tail = chunk.slice(..rest);
                let chunks = futures_util::stream::iter(
                    std::iter::repeat_n(chunk, full)
                        .chain((rest > 0).then_some(tail))
                        .map(Ok::<_, std::io::Error>),
                );
                let mut response = Response::new(Body::from_stream(chunks));
                response.headers_mut().insert(
                    header::CONTENT_TYPE,
                    header::HeaderValue::from_static("application/octet-stream"),
                );
                response
                    .headers_mut()
                    .insert(header::CONTENT_LENGTH, header::HeaderValue::from(size));
                response
            }
        })
        .put(|UrlPath(name): UrlPath<String>, body: Body| async move {
            let mut stream = body.into_data_stream();
            let mut n = 0u64;
            while let Some(chunk) = stream.next().await {
                match chunk {
                    Ok(c) => n += c.len() as u64,
                    Err(_) => return StatusCode::BAD_REQUEST.into_response(),
                }
            }
            (
                StatusCode::CREATED,
                [(header::CONTENT_TYPE, "application/json")],
                serde_json::json!({ "name": name, "size": n }).to_string(),
            )
                .into_response()
        }),
    )
}

/// One transfer in a child: (bytes per second, peak RSS in MiB).
fn transfer(driver: &Path, mode: &str, base: &str, file: &Path, size: u64) -> (f64, f64) {
    let output = Command::new(driver)
        .args([mode, base, &file.display().to_string()])
        .output()
        .expect("the driver runs");
    assert!(
        output.status.success(),
        "{mode} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let line = String::from_utf8_lossy(&output.stdout);
    let fields: Vec<f64> = line
        .split_whitespace()
        .map(|f| f.parse().expect("a number"))
        .collect();
    assert_eq!(fields[0] as u64, size, "{mode} moved {} bytes", fields[0]);
    (fields[0] / fields[1], fields[2] / 1024.0)
}

pub fn run(runtime: &tokio::runtime::Runtime, root: &Path, runs: usize) {
    let size = crate::stats::env_count("COMPARE_BINARY_BYTES", 1 << 30) as u64;
    let dir = std::env::var_os("COMPARE_BINARY_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target/binary-bench"));
    println!(
        "\n## binary bodies: {} MiB down to a file and up from a file, {runs} pairs (in {})",
        size >> 20,
        dir.display()
    );
    let driver = match build_driver(root, &dir) {
        Ok(d) => d,
        Err(e) => {
            println!("binary: {e}");
            return;
        }
    };
    let listener = runtime
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .expect("a loopback port");
    let base = format!("http://{}", listener.local_addr().unwrap());
    runtime.spawn(async move { axum::serve(listener, router(size)).await });
    std::thread::sleep(Duration::from_millis(50));

    let upload_file = dir.join("upload.bin");
    {
        use std::io::Write;
        let mut f = std::fs::File::create(&upload_file).expect("the upload file");
        let block = vec![0xa5u8; 1 << 20];
        let mut left = size as usize;
        while left > 0 {
            let n = left.min(block.len());
            f.write_all(&block[..n]).expect("written");
            left -= n;
        }
    }
    let download_file = dir.join("download.bin");

    for (what, ours, raw, file) in [
        (
            "download to a file",
            "ours-download",
            "raw-download",
            &download_file,
        ),
        (
            "upload from a file",
            "ours-upload",
            "raw-upload",
            &upload_file,
        ),
    ] {
        let mut rss_ours = Vec::new();
        let mut rss_raw = Vec::new();
        let paired = Paired::run(
            runs,
            || {
                let (rate, rss) = transfer(&driver, ours, &base, file, size);
                rss_ours.push(rss);
                rate
            },
            || {
                let (rate, rss) = transfer(&driver, raw, &base, file, size);
                rss_raw.push(rss);
                rate
            },
        );
        let (lo, hi) = paired.pair_range();
        let max = |v: &[f64]| v.iter().copied().fold(0.0, f64::max);
        println!(
            "{what}: ours {:.0} MiB/s vs raw reqwest {:.0} MiB/s: {:.2}x (pairs {lo:.2}x..{hi:.2}x); \
             peak RSS ours {:.1} MiB (max {:.1}), raw {:.1} MiB (max {:.1})",
            median(&paired.ours) / (1 << 20) as f64,
            median(&paired.baseline) / (1 << 20) as f64,
            paired.ratio(),
            median(&rss_ours),
            max(&rss_ours),
            median(&rss_raw),
            max(&rss_raw),
        );
    }
    generated_server(&driver, &download_file, &upload_file, size);
    std::fs::remove_file(&upload_file).ok();
    std::fs::remove_file(&download_file).ok();
}

/// The generated server (in a child of its own) streaming `size` bytes out
/// and taking `size` bytes in, through the generated client: its
/// throughput each way and its peak resident memory over both.
fn generated_server(driver: &Path, download_file: &Path, upload_file: &Path, size: u64) {
    use std::io::{BufRead, BufReader};
    use std::process::Stdio;
    let mut child = Command::new(driver)
        .args(["serve", &size.to_string()])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("the server runs");
    let mut out = BufReader::new(child.stdout.take().expect("its stdout"));
    let mut base = String::new();
    out.read_line(&mut base).expect("its address");
    let base = base.trim().to_owned();
    let (down, _) = transfer(driver, "ours-download", &base, download_file, size);
    let (up, _) = transfer(driver, "ours-upload", &base, upload_file, size);
    drop(child.stdin.take());
    let mut rss = String::new();
    out.read_line(&mut rss).expect("its peak memory");
    child.wait().ok();
    let rss: f64 = rss.trim().parse::<f64>().unwrap_or(0.0) / 1024.0;
    println!(
        "generated server: {} MiB out at {:.0} MiB/s, {} MiB in at {:.0} MiB/s; peak RSS {rss:.1} MiB",
        size >> 20,
        down / (1 << 20) as f64,
        size >> 20,
        up / (1 << 20) as f64,
    );
}
