//! `multipart`: forms as a generated client writes them and a generated
//! server reads them back. What reqwest writes is read by multer here, two
//! implementations we did not write, so the wire format is theirs.
#![cfg(all(feature = "client", feature = "server"))]

use axum::http::{HeaderMap, HeaderValue, StatusCode};
use codegen_runtime::multipart::{FilePart, Form, PartValue};
use codegen_runtime::server::{multipart_body, stream_body, Limits, Problem};
use codegen_runtime::stream::ByteStream;
use serde::Deserialize;

/// `form` as reqwest encodes it, read back by the server's reader.
async fn round_trip(form: Form, limit: usize) -> Result<Form, Problem> {
    let encoded = reqwest_body(form).await;
    let mut headers = HeaderMap::new();
    headers.insert(
        axum::http::header::CONTENT_TYPE,
        HeaderValue::from_str(&encoded.0).unwrap(),
    );
    let limits = Limits {
        body_limit: limit,
        ..Limits::default()
    };
    // Opened as a stub opens it: the body limit holds as it is read.
    let (body, _upload) = stream_body(axum::body::Body::from(encoded.1), &limits)?;
    multipart_body(&headers, body, &limits, StatusCode::UNSUPPORTED_MEDIA_TYPE)
        .await
        .map(|form| form.expect("a body was sent"))
}

/// The `Content-Type` and bytes reqwest writes for `form`.
async fn reqwest_body(form: Form) -> (String, Vec<u8>) {
    use codegen_runtime::client::{ClientConfig, Operation};
    // The form goes through a call to a local listener that keeps what it
    // receives, as the client sends it.
    let (tx, rx) = tokio::sync::oneshot::channel();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let (mut socket, _) = listener.accept().await.unwrap();
        let mut data = Vec::new();
        let mut buf = [0u8; 65536];
        loop {
            let n = socket.read(&mut buf).await.unwrap();
            data.extend_from_slice(&buf[..n]);
            if let Some(end) = find(&data, b"\r\n\r\n") {
                let head = String::from_utf8_lossy(&data[..end]).to_string();
                let len: usize = head
                    .lines()
                    .find_map(|l| {
                        let (k, v) = l.split_once(':')?;
                        k.eq_ignore_ascii_case("content-length")
                            .then(|| v.trim().parse().unwrap())
                    })
                    .expect("a length");
                if data.len() >= end + 4 + len {
                    let ct = head
                        .lines()
                        .find_map(|l| {
                            let (k, v) = l.split_once(':')?;
                            k.eq_ignore_ascii_case("content-type")
                                .then(|| v.trim().to_owned())
                        })
                        .unwrap();
                    tx.send((ct, data[end + 4..end + 4 + len].to_vec()))
                        .unwrap();
                    socket
                        .write_all(b"HTTP/1.1 204 No Content\r\ncontent-length: 0\r\n\r\n")
                        .await
                        .unwrap();
                    break;
                }
            }
        }
    });
    let config = ClientConfig::new(format!("http://{addr}"));
    let mut call = config
        .request(Operation::new("Test", axum::http::Method::POST, "/"), "/")
        .unwrap();
    call.multipart(form);
    config.execute::<()>(call).await.unwrap();
    rx.await.unwrap()
}

fn find(data: &[u8], needle: &[u8]) -> Option<usize> {
    data.windows(needle.len()).position(|w| w == needle)
}

#[derive(Debug, Deserialize, PartialEq)]
struct Meta {
    author: String,
}

#[tokio::test]
async fn values_files_and_json_survive_the_wire() {
    let mut form = Form::new();
    form.text("title", "a \"quoted\" title\r\nwith a line", None)
        .unwrap();
    form.text("pages", &12, None).unwrap();
    form.text("draft", &true, None).unwrap();
    form.text("tags", &["x", "y, z"], None).unwrap();
    form.text("nothing", &Option::<i32>::None, None).unwrap();
    form.json("meta", &serde_json::json!({"author": "Ann"}), None)
        .unwrap();
    form.file(
        "doc",
        FilePart::new(vec![0u8, 159, 146, 150])
            .with_file_name("ä b\".pdf")
            .with_header("X-Checksum", "abc"),
        Some("application/pdf"),
    );
    form.file("raw", FilePart::new("text as a file"), None);
    let mut back = round_trip(form, 1 << 20).await.unwrap();
    assert_eq!(
        back.require_text::<String>("title").unwrap(),
        "a \"quoted\" title\r\nwith a line"
    );
    assert_eq!(back.require_text::<i32>("pages").unwrap(), 12);
    assert!(back.require_text::<bool>("draft").unwrap());
    assert_eq!(back.require_texts::<String>("tags").unwrap(), ["x", "y, z"]);
    assert_eq!(back.take_text::<i32>("nothing").unwrap(), None);
    assert_eq!(
        back.require_json::<Meta>("meta").unwrap(),
        Meta {
            author: "Ann".into()
        }
    );
    let doc = back.require_file("doc").unwrap();
    assert_eq!(doc.file_name(), Some("ä b\".pdf"));
    assert_eq!(doc.content_type(), Some("application/pdf"));
    assert_eq!(doc.headers(), [("x-checksum".to_owned(), "abc".to_owned())]);
    assert_eq!(
        doc.into_body().collect_limited(16).await.unwrap(),
        vec![0u8, 159, 146, 150]
    );
    let raw = back.require_file("raw").unwrap();
    assert_eq!(raw.content_type(), Some("application/octet-stream"));
    assert!(back.parts().is_empty(), "{:?}", back.parts());
}

#[tokio::test]
async fn a_string_part_stays_text_and_bad_parts_name_themselves() {
    let mut form = Form::new()
        .with_text("s", "\"x\"")
        .with_text("n", "4x")
        .with_text("twice", "1")
        .with_text("twice", "2");
    // Text is text: a string part that looks like JSON is not unquoted.
    assert_eq!(form.require_text::<String>("s").unwrap(), "\"x\"");
    let e = form.require_text::<i32>("n").unwrap_err();
    assert_eq!(e.part, "n");
    assert!(e.to_string().starts_with("part `n`"), "{e}");
    assert!(form
        .take_text::<i32>("twice")
        .unwrap_err()
        .message
        .contains("2 times"));
    let e = form.require_file("absent").unwrap_err();
    assert_eq!(
        (e.part.as_str(), e.message.as_str()),
        ("absent", "is required")
    );
    let problem = Problem::from(e);
    assert_eq!(problem.status, StatusCode::BAD_REQUEST);
    assert_eq!(problem.field.as_deref(), Some("absent"));
}

#[tokio::test]
async fn a_form_over_the_limit_is_a_413_and_other_bodies_are_refused() {
    let mut form = Form::new();
    form.file("big", vec![1u8; 100_000], None);
    let e = round_trip(form, 10_000).await.unwrap_err();
    assert_eq!(e.status, StatusCode::PAYLOAD_TOO_LARGE);

    let limits = Limits::default();
    let mut json = HeaderMap::new();
    json.insert(
        axum::http::header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    let e = multipart_body(
        &json,
        ByteStream::from("{}"),
        &limits,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
    )
    .await
    .unwrap_err();
    assert_eq!(e.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);

    let mut broken = HeaderMap::new();
    broken.insert(
        axum::http::header::CONTENT_TYPE,
        HeaderValue::from_static("multipart/form-data; boundary=xyz"),
    );
    let e = multipart_body(
        &broken,
        ByteStream::from("--xyz\r\nno end"),
        &limits,
        StatusCode::BAD_REQUEST,
    )
    .await
    .unwrap_err();
    assert_eq!(e.status, StatusCode::BAD_REQUEST);
    // Nothing sent at all: no form, for the stub to judge.
    let none = multipart_body(
        &HeaderMap::new(),
        ByteStream::from(""),
        &limits,
        StatusCode::BAD_REQUEST,
    )
    .await
    .unwrap();
    assert!(none.is_none());
}

#[tokio::test]
async fn only_a_form_without_one_shot_streams_replays() {
    let mut form = Form::new();
    form.file("a", vec![1u8, 2], None);
    form.text("t", "x", None).unwrap();
    assert!(form.is_replayable());
    let again = form.replay().expect("bytes replay");
    assert_eq!(again.parts().len(), 2);
    let chunks =
        futures_util::stream::iter([Ok::<_, std::io::Error>(bytes::Bytes::from_static(b"x"))]);
    form.file("s", ByteStream::from_stream(chunks), None);
    assert!(!form.is_replayable());
    assert!(form.replay().is_none());
    assert!(matches!(again.into_parts()[1].value, PartValue::Text(_)));
}
