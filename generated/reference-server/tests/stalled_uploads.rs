//! Unauthenticated uploads are refused from the request head: a hundred
//! clients announcing 1 MiB bodies without credentials each get 401 before
//! sending a byte of the body, and the server's memory does not grow with
//! what they send afterwards.
//!
//! A test binary of its own, so that no other test's allocations blur the
//! resident-set measurement (the server runs in this process).

use std::net::SocketAddr;
use std::time::Duration;

use reference_server::data as d;
use reference_server::{Data, ReferenceServer, Settings};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const CLIENTS: usize = 100;
const BODY: usize = 1024 * 1024;

/// This process's resident set in KiB (Linux), `None` elsewhere.
fn rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stalled_unauthenticated_uploads_are_refused_unread() {
    let addr: SocketAddr = "127.0.0.1:0".parse().unwrap();
    let server = ReferenceServer::start(addr, Data::default(), Settings::default())
        .await
        .unwrap();
    let path = format!("/v2/{}/desktops/batch-delete", d::PROJECT_ID);
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n\
         Content-Length: {BODY}\r\n\r\n"
    );
    let before = rss_kib();

    // Every client sends its head, then stalls.
    let mut streams = Vec::new();
    for _ in 0..CLIENTS {
        let mut s = tokio::time::timeout(Duration::from_secs(5), TcpStream::connect(server.addr()))
            .await
            .expect("connect in time")
            .unwrap();
        s.write_all(head.as_bytes()).await.unwrap();
        streams.push(s);
    }
    // Each is answered 401 without its body.
    for s in &mut streams {
        let mut answer = vec![0; 4096];
        let n = tokio::time::timeout(Duration::from_secs(5), s.read(&mut answer))
            .await
            .expect("a 401 before the body was sent")
            .unwrap();
        let text = String::from_utf8_lossy(&answer[..n]);
        assert!(text.starts_with("HTTP/1.1 401 "), "{text}");
    }
    // Sending the bodies now changes nothing on the server's side.
    let body = vec![b' '; BODY];
    for s in &mut streams {
        let _ = tokio::time::timeout(Duration::from_secs(2), s.write_all(&body)).await;
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    if let (Some(before), Some(after)) = (before, rss_kib()) {
        let grown = after.saturating_sub(before);
        assert!(grown < 64 * 1024, "the resident set grew by {grown} KiB");
    }
    drop(streams);
    server.stop().await.unwrap();
}
