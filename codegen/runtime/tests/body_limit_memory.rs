//! `client`: reading a response body that never ends takes memory bounded
//! by the configured limit, measured by a counting allocator. The only test
//! in its binary, so nothing else allocates meanwhile.
#![cfg(feature = "client")]

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use codegen_runtime::client::{ClientConfig, Error, Operation};
use reqwest::Method;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// The system allocator, keeping the bytes in use and their peak.
struct Counting;

static IN_USE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

fn grew(by: usize) {
    let now = IN_USE.fetch_add(by, Ordering::Relaxed) + by;
    PEAK.fetch_max(now, Ordering::Relaxed);
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        grew(layout.size());
        System.alloc(layout)
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        IN_USE.fetch_sub(layout.size(), Ordering::Relaxed);
        System.dealloc(ptr, layout)
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        grew(layout.size());
        System.alloc_zeroed(layout)
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if new_size >= layout.size() {
            grew(new_size - layout.size());
        } else {
            IN_USE.fetch_sub(layout.size() - new_size, Ordering::Relaxed);
        }
        System.realloc(ptr, layout, new_size)
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

const MIB: usize = 1 << 20;

#[tokio::test]
async fn an_endless_body_is_read_in_bounded_memory() {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("local addr"));
    // The server's buffer, allocated before the measurement starts.
    let chunk = vec![b'x'; 256 << 10];
    let server = tokio::spawn(async move {
        let (mut stream, _) = listener.accept().await.expect("accept");
        let mut buf = [0u8; 4096];
        let mut head = Vec::new();
        while !head.windows(4).any(|w| w == b"\r\n\r\n") {
            let n = stream.read(&mut buf).await.expect("read");
            assert!(n > 0, "the client closed early");
            head.extend_from_slice(&buf[..n]);
        }
        stream
            .write_all(b"HTTP/1.1 200 OK\r\ncontent-type: application/octet-stream\r\n\r\n")
            .await
            .expect("head");
        let mut sent = 0usize;
        while stream.write_all(&chunk).await.is_ok() {
            sent += chunk.len();
        }
        sent
    });

    let config = ClientConfig::new(&url)
        .with_timeout(Duration::from_secs(60))
        .with_max_response_body(4 * MIB);
    let call = config
        .request(Operation::new("Test", Method::GET, "/big"), "/big")
        .expect("a request");
    let before = IN_USE.load(Ordering::Relaxed);
    PEAK.store(before, Ordering::Relaxed);
    let outcome = tokio::time::timeout(Duration::from_secs(20), config.execute::<()>(call))
        .await
        .expect("the call ends");
    let peak = PEAK.load(Ordering::Relaxed) - before;
    match outcome {
        Err(Error::BodyTooLarge { limit, .. }) => assert_eq!(limit, 4 * MIB),
        other => panic!("expected BodyTooLarge, got {other:?}"),
    }
    let sent = tokio::time::timeout(Duration::from_secs(20), server)
        .await
        .expect("the server stops once the client hangs up")
        .expect("server task");
    assert!(sent >= 4 * MIB, "the server sent only {sent} bytes");
    // The body up to the limit, doubled at most by the vector's growth, plus
    // the client's own buffers.
    assert!(
        peak < 12 * MIB,
        "reading a body capped at 4 MiB took {} KiB at its peak",
        peak >> 10
    );
}
