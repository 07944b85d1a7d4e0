//! `stream`: binary bodies as [`ByteStream`]s — made from bytes, files and
//! streams, read as chunks, `AsyncRead`, a bounded buffer or a file; the
//! idle timeout; and how the client and the server use them (a streamed
//! response is not held by the body limit, its headers are bounded by the
//! total timeout; a request body that streams is signed with
//! `UNSIGNED-PAYLOAD`; the server's limit holds as an upload is read).
#![cfg(all(feature = "client", feature = "server"))]

use std::future::Future;
use std::time::Duration;

use bytes::Bytes;
use codegen_runtime::client::{
    ApiResponse, ByteStream, ByteStreamErrorKind, ClientConfig, Error, Operation, RawResponse,
    Sending,
};
use futures_util::StreamExt;
use reqwest::Method;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

const LIMIT: Duration = Duration::from_secs(10);

async fn bounded<F: Future>(what: &str, f: F) -> F::Output {
    tokio::time::timeout(LIMIT, f)
        .await
        .unwrap_or_else(|_| panic!("{what} took longer than {LIMIT:?}"))
}

fn pattern(n: usize) -> Vec<u8> {
    (0..n).map(|i| (i * 7 % 256) as u8).collect()
}

fn scratch(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("runtime-stream-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

async fn all(mut stream: ByteStream) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(chunk) = stream.next().await {
        out.extend_from_slice(&chunk.expect("a chunk"));
    }
    out
}

#[tokio::test]
async fn bytes_are_one_replayable_chunk() {
    let stream = ByteStream::from(b"hello".to_vec());
    assert_eq!(stream.len(), Some(5));
    assert!(stream.is_replayable());
    let again = stream.replay().expect("bytes replay");
    assert_eq!(all(stream).await, b"hello");
    assert_eq!(all(again).await, b"hello");
    assert!(ByteStream::from(&b""[..]).is_empty());
    assert_eq!(all(ByteStream::default()).await, b"");

    let e = ByteStream::from(Bytes::from_static(b"0123456789"))
        .collect_limited(9)
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ByteStreamErrorKind::TooLarge);
    let ok = ByteStream::from("0123456789")
        .collect_limited(10)
        .await
        .unwrap();
    assert_eq!(ok, "0123456789");
}

#[tokio::test]
async fn a_file_knows_its_length_and_replays() {
    let dir = scratch("file");
    let data = pattern(200_000);
    let path = dir.join("in.bin");
    std::fs::write(&path, &data).unwrap();

    let stream = ByteStream::from_path(&path).await.unwrap();
    assert_eq!(stream.len(), Some(200_000));
    assert!(stream.is_replayable());
    let again = stream.replay().unwrap();
    // Read in chunks of at most FILE_CHUNK.
    let mut chunks = 0;
    let mut read = Vec::new();
    let mut s = stream;
    while let Some(c) = s.next().await {
        let c = c.unwrap();
        assert!(c.len() <= codegen_runtime::stream::FILE_CHUNK);
        chunks += 1;
        read.extend_from_slice(&c);
    }
    assert!(chunks > 1, "{chunks}");
    assert_eq!(read, data);

    let out = dir.join("out.bin");
    assert_eq!(again.write_to(&out).await.unwrap(), 200_000);
    assert_eq!(std::fs::read(&out).unwrap(), data);

    // A file that is gone names its path.
    let e = ByteStream::from_path(dir.join("missing.bin"))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ByteStreamErrorKind::Io);
    assert!(e.to_string().contains("missing.bin"), "{e}");
    std::fs::remove_dir_all(&dir).ok();
}

#[tokio::test]
async fn any_stream_is_one_shot_and_its_errors_are_kept() {
    let chunks = futures_util::stream::iter([
        Ok(Bytes::from_static(b"ab")),
        Ok(Bytes::from_static(b"cd")),
        Err(std::io::Error::new(std::io::ErrorKind::BrokenPipe, "gone")),
    ]);
    let stream = ByteStream::from_stream(chunks);
    assert!(!stream.is_replayable());
    assert!(stream.replay().is_none());
    assert_eq!(stream.len(), None);
    let mut stream = stream;
    assert_eq!(stream.next().await.unwrap().unwrap(), "ab");
    assert_eq!(stream.next().await.unwrap().unwrap(), "cd");
    let e = stream.next().await.unwrap().unwrap_err();
    assert_eq!(e.kind(), ByteStreamErrorKind::Io);
    let source = std::error::Error::source(&e).expect("the cause is kept");
    assert_eq!(source.to_string(), "gone");
    assert!(stream.next().await.is_none(), "an error ends the stream");
}

#[tokio::test]
async fn async_read_gives_the_bytes_and_the_errors() {
    let data = pattern(100_000);
    let chunks = futures_util::stream::iter(
        data.chunks(999)
            .map(|c| Ok::<_, std::io::Error>(Bytes::copy_from_slice(c)))
            .collect::<Vec<_>>(),
    );
    let mut read = Vec::new();
    ByteStream::from_stream(chunks)
        .into_async_read()
        .read_to_end(&mut read)
        .await
        .unwrap();
    assert_eq!(read, data);

    let never = futures_util::stream::pending::<Result<Bytes, std::io::Error>>();
    let stream = ByteStream::from_stream(never).with_idle_timeout(Duration::from_millis(50));
    let e = bounded("the read", stream.into_async_read().read_to_end(&mut read))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), std::io::ErrorKind::TimedOut);
}

#[tokio::test]
async fn the_idle_timeout_restarts_with_every_chunk() {
    // Five chunks 40 ms apart pass a 150 ms idle timeout (200 ms in all).
    let chunks = futures_util::stream::iter(0..5).then(|i| async move {
        tokio::time::sleep(Duration::from_millis(40)).await;
        Ok::<_, std::io::Error>(Bytes::from(vec![i as u8; 10]))
    });
    let stream = ByteStream::from_stream(chunks).with_idle_timeout(Duration::from_millis(150));
    assert_eq!(bounded("the stream", all(stream)).await.len(), 50);

    let stalled = futures_util::stream::iter([Ok::<_, std::io::Error>(Bytes::from_static(b"x"))])
        .chain(futures_util::stream::pending());
    let mut stream = ByteStream::from_stream(stalled).with_idle_timeout(Duration::from_millis(50));
    assert_eq!(stream.next().await.unwrap().unwrap(), "x");
    let e = bounded("the stream", stream.next())
        .await
        .unwrap()
        .unwrap_err();
    assert!(e.is_timeout(), "{e}");
    assert!(stream.next().await.is_none());
}

/// A server that answers every request on its connection with `head` and
/// then `body_len` bytes, after `delay`.
async fn serve(head: &'static str, body_len: usize, delay: Duration) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut buf = vec![0u8; 64 * 1024];
                let _ = socket.read(&mut buf).await;
                tokio::time::sleep(delay).await;
                let head = format!("{head}content-length: {body_len}\r\n\r\n");
                if socket.write_all(head.as_bytes()).await.is_err() {
                    return;
                }
                let chunk = vec![b'z'; 16 * 1024];
                let mut left = body_len;
                while left > 0 {
                    let n = left.min(chunk.len());
                    if socket.write_all(&chunk[..n]).await.is_err() {
                        return;
                    }
                    left -= n;
                }
            });
        }
    });
    format!("http://{addr}")
}

fn streamed(
    response: RawResponse,
    stream: Option<ByteStream>,
) -> Result<ApiResponse<ByteStream>, Error<String>> {
    response.stream(stream)
}

fn download(config: &ClientConfig) -> Sending<'_, ByteStream, String> {
    let operation = Operation::new("Download", Method::GET, "/file");
    let call = config.request(operation, "/file").map(|mut call| {
        call.stream_response(&[(200, 299)]);
        call
    });
    Sending::streaming(config, call.map_err(Error::from), streamed)
}

#[tokio::test]
async fn a_streamed_response_is_not_held_by_the_body_limit() {
    let base = serve(
        "HTTP/1.1 200 OK\r\ncontent-type: application/octet-stream\r\n",
        1 << 20,
        Duration::ZERO,
    )
    .await;
    let config = ClientConfig::new(&base).with_max_response_body(1024);
    let response = bounded("the call", download(&config))
        .await
        .expect("streamed");
    assert_eq!(response.body.len(), Some(1 << 20));
    assert_eq!(bounded("the body", all(response.body)).await.len(), 1 << 20);

    // The same call read whole is held by the limit, as before.
    let operation = Operation::new("Download", Method::GET, "/file");
    let mut call = config.request(operation, "/file").unwrap();
    call.stream_response(&[(200, 299)]);
    let e = bounded("the call", config.execute::<String>(call))
        .await
        .unwrap_err();
    assert!(
        matches!(e, Error::BodyTooLarge { limit: 1024, .. }),
        "{e:?}"
    );
}

#[tokio::test]
async fn the_total_timeout_covers_a_streamed_call_up_to_its_headers() {
    let base = serve("HTTP/1.1 200 OK\r\n", 10, Duration::from_secs(3)).await;
    let config = ClientConfig::new(&base).with_timeout(Duration::from_millis(200));
    let e = bounded("the call", download(&config)).await.unwrap_err();
    assert!(
        matches!(e, Error::ResponseTimeout { after } if after == Duration::from_millis(200)),
        "{e:?}"
    );
}

#[tokio::test]
async fn a_long_download_outlives_the_total_timeout() {
    // Headers at once, then a body slower than the total timeout but never
    // idle for long: 8 chunks 100 ms apart against a 300 ms total timeout.
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let (mut socket, _) = listener.accept().await.unwrap();
        let mut buf = vec![0u8; 4096];
        let _ = socket.read(&mut buf).await;
        socket
            .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 8\r\n\r\n")
            .await
            .unwrap();
        for _ in 0..8 {
            tokio::time::sleep(Duration::from_millis(100)).await;
            socket.write_all(b"x").await.unwrap();
        }
    });
    let config = ClientConfig::new(format!("http://{addr}"))
        .with_timeout(Duration::from_millis(300))
        .with_stream_idle_timeout(Duration::from_secs(2));
    let response = bounded("the call", download(&config))
        .await
        .expect("headers");
    assert_eq!(bounded("the body", all(response.body)).await, b"xxxxxxxx");
}

#[test]
fn a_streamed_body_is_signed_unsigned() {
    use codegen_runtime::auth::Authenticator;
    use codegen_runtime::signing::{AkSk, UNSIGNED_PAYLOAD};

    let chunks = futures_util::stream::iter([Ok::<_, std::io::Error>(Bytes::from_static(b"data"))]);
    let mut request = reqwest::Request::new(Method::PUT, "http://h/files/a".parse().unwrap());
    request.headers_mut().insert(
        reqwest::header::CONTENT_TYPE,
        reqwest::header::HeaderValue::from_static("application/octet-stream"),
    );
    *request.body_mut() = Some(reqwest::Body::wrap_stream(ByteStream::from_stream(chunks)));
    AkSk::new("AK", "SK")
        .authenticate(&mut request)
        .expect("signed");
    assert_eq!(request.headers()["x-sdk-content-sha256"], UNSIGNED_PAYLOAD);
    assert!(request.headers().contains_key("authorization"));
}

#[tokio::test]
async fn the_server_limit_holds_as_an_upload_is_read() {
    use axum::body::Body;
    use codegen_runtime::server::{stream_body, Limits};

    let limits = Limits {
        body_limit: 1000,
        ..Limits::default()
    };
    // Within the limit: every byte, no problem.
    let (stream, upload) = stream_body(Body::from(vec![1u8; 1000]), &limits).unwrap();
    assert_eq!(stream.len(), Some(1000));
    assert_eq!(all(stream).await.len(), 1000);
    assert!(upload.problem().is_none());

    // A known length over it: 413 before anything is read.
    let problem = stream_body(Body::from(vec![1u8; 1001]), &limits).unwrap_err();
    assert_eq!(problem.status, 413);

    // A stream that crosses it: the crossing chunk is an error, and 413.
    let chunks = futures_util::stream::iter(
        (0..10).map(|_| Ok::<_, std::io::Error>(Bytes::from(vec![2u8; 300]))),
    );
    let (mut stream, upload) = stream_body(Body::from_stream(chunks), &limits).unwrap();
    let mut got = 0;
    let error = loop {
        match stream.next().await.expect("an error before the end") {
            Ok(c) => got += c.len(),
            Err(e) => break e,
        }
    };
    assert_eq!(got, 900);
    assert_eq!(error.kind(), ByteStreamErrorKind::TooLarge);
    assert_eq!(upload.problem().expect("crossed").status, 413);
}

/// The generator sizes enum variants that hold a stream with this figure
/// (`emit::size::BYTE_STREAM_SIZE`).
#[test]
#[cfg(target_pointer_width = "64")]
fn a_stream_is_as_large_as_the_generator_assumes() {
    assert_eq!(std::mem::size_of::<ByteStream>(), 80);
}
