//! Sequential media types: server-sent events read as the WHATWG HTML
//! standard says (its own examples, any split of the bytes into chunks, and
//! against `eventsource-stream`, an implementation we did not write), JSON
//! Lines and JSON text sequences, and what the server side writes read back.

use std::convert::Infallible;
use std::time::Duration;

use bytes::Bytes;
use codegen_runtime::sequence::{
    json_item, text_item, Event, EventDecoder, Events, ItemError, RecordFormat, Records,
};
use futures_util::stream::{self, StreamExt};
use proptest::prelude::*;
use serde::{Deserialize, Serialize};

/// Every event `text` holds, read in one piece.
fn events(text: &str) -> Vec<Event<String>> {
    events_in_chunks(&[text.as_bytes()])
}

fn events_in_chunks(chunks: &[&[u8]]) -> Vec<Event<String>> {
    let mut decoder = EventDecoder::new();
    let mut out = Vec::new();
    for chunk in chunks {
        decoder.feed(chunk);
        while let Some(e) = decoder.next_event() {
            out.push(e);
        }
    }
    out
}

fn data(e: &[Event<String>]) -> Vec<&str> {
    e.iter().map(|e| e.data.as_str()).collect()
}

#[test]
fn the_standards_examples() {
    // "The following event stream, once followed by a blank line" ... the
    // data lines joined with LF, the comment skipped.
    let e = events("data: YHOO\ndata: +2\ndata: 10\n\n");
    assert_eq!(data(&e), ["YHOO\n+2\n10"]);
    assert_eq!(e[0].event, None);
    // Four blocks: a comment only (nothing), an event with an id, one
    // that keeps the last id, and one that sets an empty id.
    let e = events(
        ": test stream\n\ndata: first event\nid: 1\n\ndata:second event\nid\n\ndata:  third event\n",
    );
    assert_eq!(data(&e), ["first event", "second event"]);
    assert_eq!(e[0].id.as_deref(), Some("1"));
    assert_eq!(e[1].id, None, "`id` without a value sets an empty id");
    // The third block has no blank line at the end of the stream: discarded.
    // Two events: an empty data, and a data of one LF.
    let e = events("data\n\ndata\ndata\n\ndata:\n");
    assert_eq!(data(&e), ["", "\n"]);
    // One space after the colon is removed, no more.
    let e = events("data:test\n\ndata: test\n\ndata:  test\n\n");
    assert_eq!(data(&e), ["test", "test", " test"]);
}

#[test]
fn fields_line_endings_and_the_byte_order_mark() {
    // CRLF, CR and LF all end lines; the BOM is skipped once.
    let e = events("\u{FEFF}event: add\r\ndata: 1\rid: 7\n\r\n\u{FEFF}data: 0\n\ndata: 2\n\n");
    assert_eq!(e.len(), 2, "{e:?}");
    assert_eq!(e[0].event.as_deref(), Some("add"));
    assert_eq!(e[0].data, "1");
    assert_eq!(e[0].id.as_deref(), Some("7"));
    // A second BOM is text: a field named "\u{FEFF}data", ignored.
    assert_eq!(e[1].data, "2");
    assert_eq!(e[1].event, None, "the event type is reset after dispatch");
    assert_eq!(e[1].id.as_deref(), Some("7"), "the last event id persists");
    // An id holding NUL is ignored; retry only when all digits.
    let e = events("id: a\0b\nretry: 15x\ndata: x\n\nretry: 2500\ndata: y\n\n");
    assert_eq!(e[0].id, None);
    assert_eq!(e[0].retry, None);
    assert_eq!(e[1].retry, Some(Duration::from_millis(2500)));
    // A block without data dispatches nothing, but its event type does
    // not leak into the next one.
    let e = events("event: ping\n\ndata: z\n\n");
    assert_eq!(e.len(), 1);
    assert_eq!(e[0].event, None);
    // Unknown fields are ignored; invalid UTF-8 is replaced.
    let e = events_in_chunks(&[b"foo: bar\ndata: \xff\n\n"]);
    assert_eq!(e[0].data, "\u{FFFD}");
}

#[test]
fn a_crlf_split_between_chunks_is_one_line_ending() {
    let e = events_in_chunks(&[b"data: a\r", b"\ndata: b\r", b"\n\r", b"\n"]);
    assert_eq!(data(&e), ["a\nb"]);
    // The byte-order mark split in three.
    let e = events_in_chunks(&[b"\xEF", b"\xBB", b"\xBFdata: c\n\n"]);
    assert_eq!(data(&e), ["c"]);
    // Half a byte-order mark is text.
    let e = events_in_chunks(&[b"\xEF", b"data: d\n\n"]);
    assert!(e.is_empty(), "the field is named \u{FFFD}data: {e:?}");
}

/// Lines an event stream may hold: each field, comments, blank lines.
fn line() -> impl Strategy<Value = String> {
    let value = "[a-z0-9 :{}\"]{0,8}";
    prop_oneof![
        value.prop_map(|v| format!("data: {v}")),
        value.prop_map(|v| format!("data:{v}")),
        Just("data".to_owned()),
        "[a-z]{1,6}".prop_map(|v| format!("event: {v}")),
        "[a-z0-9]{0,4}".prop_map(|v| format!("id: {v}")),
        "[0-9]{1,5}".prop_map(|v| format!("retry: {v}")),
        value.prop_map(|v| format!(": {v}")),
        Just(String::new()),
        Just(String::new()),
    ]
}

fn stream_text() -> impl Strategy<Value = String> {
    (
        prop::collection::vec(
            (line(), prop_oneof![Just("\n"), Just("\r\n"), Just("\r")]),
            0..40,
        ),
        any::<bool>(),
    )
        .prop_map(|(lines, close)| {
            let mut text: String = lines.iter().map(|(l, end)| format!("{l}{end}")).collect();
            if close {
                text.push_str("\n\n");
            }
            text
        })
}

/// Splits `bytes` at the given points.
fn split<'a>(bytes: &'a [u8], cuts: &[usize]) -> Vec<&'a [u8]> {
    let mut points: Vec<usize> = cuts.iter().map(|c| c % (bytes.len() + 1)).collect();
    points.sort_unstable();
    let mut out = Vec::new();
    let mut at = 0;
    for p in points {
        out.push(&bytes[at..p]);
        at = p;
    }
    out.push(&bytes[at..]);
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn chunk_boundaries_do_not_matter(text in stream_text(), cuts in prop::collection::vec(any::<usize>(), 0..8)) {
        let whole = events(&text);
        let pieces = events_in_chunks(&split(text.as_bytes(), &cuts));
        prop_assert_eq!(whole, pieces);
    }

    #[test]
    fn agrees_with_eventsource_stream(text in stream_text()) {
        // A CR last in the stream ends its line at once, as the standard
        // says; eventsource-stream waits for an LF that may follow. An LF
        // after it (making it a CRLF) leaves our reading as it is.
        let text = format!("{text}\n");
        let ours = events(&text);
        let theirs: Vec<eventsource_stream::Event> = futures_executor(async {
            use eventsource_stream::Eventsource;
            stream::iter([Ok::<_, Infallible>(Bytes::from(text.clone()))])
                .eventsource()
                .filter_map(|e| async move { e.ok() })
                .collect()
                .await
        });
        prop_assert_eq!(ours.len(), theirs.len(), "{:?} vs {:?}", ours, theirs);
        for (a, b) in ours.iter().zip(&theirs) {
            prop_assert_eq!(&a.data, &b.data);
            prop_assert_eq!(a.event.as_deref().unwrap_or("message"), b.event.as_str());
            prop_assert_eq!(a.id.as_deref().unwrap_or(""), b.id.as_str());
        }
    }
}

/// Runs a future to completion on a fresh current-thread runtime.
fn futures_executor<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(f)
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
struct Tick {
    n: u32,
    note: Option<String>,
}

fn body(chunks: &[&'static str]) -> impl futures_core::Stream<Item = Result<Bytes, Infallible>> {
    stream::iter(
        chunks
            .iter()
            .map(|c| Ok(Bytes::from_static(c.as_bytes())))
            .collect::<Vec<_>>(),
    )
}

#[tokio::test]
async fn typed_events_name_the_one_that_does_not_decode_and_go_on() {
    let events: Vec<_> = Events::<Tick>::new(
        body(&[
            "event: tick\nid: 1\ndata: {\"n\": 1}\n\n",
            "data: {\"n\": \"two\"}\n\n",
            "retry: 100\ndata: {\"n\": 3, \"note\": \"x\"}\n\n",
        ]),
        json_item,
    )
    .collect()
    .await;
    assert_eq!(events.len(), 3);
    let first = events[0].as_ref().unwrap();
    assert_eq!(first.event.as_deref(), Some("tick"));
    assert_eq!(first.data, Tick { n: 1, note: None });
    match &events[1] {
        Err(ItemError::Decode { index, text, .. }) => {
            assert_eq!(*index, 1);
            assert_eq!(text, "{\"n\": \"two\"}");
        }
        other => panic!("{other:?}"),
    }
    assert!(events[1]
        .as_ref()
        .unwrap_err()
        .to_string()
        .starts_with("item 1 does not decode"));
    let third = events[2].as_ref().unwrap();
    assert_eq!(third.id.as_deref(), Some("1"));
    assert_eq!(third.retry, Some(Duration::from_millis(100)));
    assert_eq!(third.data.n, 3);
}

#[tokio::test]
async fn a_failing_body_is_the_last_item() {
    let chunks: Vec<Result<Bytes, std::io::Error>> = vec![
        Ok(Bytes::from_static(b"data: a\n\ndata: b")),
        Err(std::io::Error::other("connection reset")),
        Ok(Bytes::from_static(b"\n\n")),
    ];
    let items: Vec<_> = Events::new(stream::iter(chunks), text_item).collect().await;
    assert_eq!(items.len(), 2);
    assert_eq!(items[0].as_ref().unwrap().data, "a");
    assert!(matches!(&items[1], Err(ItemError::Body(e)) if e.to_string() == "connection reset"));
}

#[tokio::test]
async fn json_lines_skip_blank_lines_and_take_a_last_line_without_lf() {
    let items: Vec<_> = Records::<Tick>::new(
        body(&["{\"n\":1}\r\n\n  \n{\"n\"", ":2}\n{oops}\n{\"n\":4}"]),
        RecordFormat::Lines,
    )
    .collect()
    .await;
    assert_eq!(items.len(), 4);
    assert_eq!(items[0].as_ref().unwrap().n, 1);
    assert_eq!(items[1].as_ref().unwrap().n, 2);
    match &items[2] {
        Err(ItemError::Decode { index, text, .. }) => {
            assert_eq!((*index, text.as_str()), (2, "{oops}"))
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(items[3].as_ref().unwrap().n, 4);
}

#[tokio::test]
async fn json_text_sequences_split_at_record_separators() {
    let items: Vec<_> = Records::<Tick>::new(
        body(&[
            "\u{1e}{\"n\":1}\n\u{1e}\u{1e}{\"n\":",
            "2}\n\u{1e}{\"n\":3}",
        ]),
        RecordFormat::JsonSeq,
    )
    .collect()
    .await;
    let ns: Vec<u32> = items.into_iter().map(|i| i.unwrap().n).collect();
    assert_eq!(ns, [1, 2, 3]);
    assert_eq!(
        RecordFormat::of("application/x-ndjson; charset=utf-8"),
        Some(RecordFormat::Lines)
    );
    assert_eq!(
        RecordFormat::of("application/json-seq"),
        Some(RecordFormat::JsonSeq)
    );
    assert_eq!(RecordFormat::of("application/json"), None);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn records_read_back_whatever_the_chunks(
        ticks in prop::collection::vec((any::<u32>(), prop::option::of("[a-z\\n\"\\u{1e}]{0,6}")), 0..20),
        seq in any::<bool>(),
        cuts in prop::collection::vec(any::<usize>(), 0..8),
    ) {
        let ticks: Vec<Tick> = ticks.into_iter().map(|(n, note)| Tick { n, note }).collect();
        let format = if seq { RecordFormat::JsonSeq } else { RecordFormat::Lines };
        let mut text = Vec::new();
        for t in &ticks {
            if seq { text.push(0x1E); }
            serde_json::to_writer(&mut text, t).unwrap();
            text.push(b'\n');
        }
        let chunks: Vec<Result<Bytes, Infallible>> = split(&text, &cuts)
            .into_iter()
            .map(|c| Ok(Bytes::copy_from_slice(c)))
            .collect();
        let read: Vec<Tick> = futures_executor(async {
            Records::<Tick>::new(stream::iter(chunks), format)
                .map(|r| r.unwrap())
                .collect()
                .await
        });
        prop_assert_eq!(read, ticks);
    }
}

#[cfg(feature = "server")]
mod written {
    use super::*;
    use codegen_runtime::sequence::{
        event_stream_response, json_text, plain_text, records_response,
    };
    use http_body_util::BodyExt;

    async fn body_of(response: axum::response::Response) -> (String, Vec<u8>) {
        let content_type = response.headers()[axum::http::header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .to_owned();
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        (content_type, bytes.to_vec())
    }

    #[tokio::test]
    async fn written_events_read_back() {
        let sent = vec![
            Event::new(Tick {
                n: 1,
                note: Some("a\nb".into()),
            })
            .with_event("tick")
            .with_id("1")
            .with_retry(Duration::from_millis(3000)),
            Event::new(Tick { n: 2, note: None }),
            // What an event type or id cannot hold is left out.
            Event::new(Tick { n: 3, note: None })
                .with_event("a\r\nb")
                .with_id("x\0y"),
        ];
        let response = event_stream_response(stream::iter(sent.clone()), json_text);
        let (content_type, bytes) = body_of(response).await;
        assert_eq!(content_type, "text/event-stream");
        let read: Vec<Event<Tick>> = Events::new(
            stream::iter([Ok::<_, Infallible>(Bytes::from(bytes))]),
            json_item,
        )
        .map(|e| e.unwrap())
        .collect()
        .await;
        assert_eq!(read[0], sent[0]);
        assert_eq!(read[1].data, sent[1].data);
        assert_eq!(read[1].id.as_deref(), Some("1"), "the last id persists");
        assert_eq!(read[2].event.as_deref(), Some("ab"));
        assert_eq!(read[2].id.as_deref(), Some("xy"));
    }

    #[tokio::test]
    async fn written_text_events_keep_their_line_breaks() {
        let sent = vec![Event::new("one\r\ntwo\rthree\nfour".to_owned())];
        let (_, bytes) = body_of(event_stream_response(stream::iter(sent), plain_text)).await;
        let read: Vec<_> = Events::new(
            stream::iter([Ok::<_, Infallible>(Bytes::from(bytes))]),
            text_item,
        )
        .collect()
        .await;
        assert_eq!(read[0].as_ref().unwrap().data, "one\ntwo\nthree\nfour");
    }

    #[tokio::test]
    async fn written_records_read_back() {
        for (format, media) in [
            (RecordFormat::Lines, "application/jsonl"),
            (RecordFormat::JsonSeq, "application/json-seq"),
        ] {
            let sent: Vec<Tick> = (0..50)
                .map(|n| Tick {
                    n,
                    note: Some("\u{1e}\n".into()),
                })
                .collect();
            let (content_type, bytes) =
                body_of(records_response(stream::iter(sent.clone()), format, media)).await;
            assert_eq!(content_type, media);
            let read: Vec<Tick> = Records::new(
                stream::iter([Ok::<_, Infallible>(Bytes::from(bytes))]),
                format,
            )
            .map(|r| r.unwrap())
            .collect()
            .await;
            assert_eq!(read, sent);
        }
    }
}

/// The generator sizes enum variants that hold a client's typed stream with
/// these figures (`emit::size::EVENTS_SIZE`, `RECORDS_SIZE`), whatever the
/// item type.
#[test]
#[cfg(target_pointer_width = "64")]
fn typed_streams_are_as_large_as_the_generator_assumes() {
    let events = std::mem::size_of::<Events<serde_json::Value>>();
    let records = std::mem::size_of::<Records<serde_json::Value>>();
    assert_eq!(events, std::mem::size_of::<Events<String>>());
    assert_eq!(records, std::mem::size_of::<Records<String>>());
    assert_eq!((events, records), (40, 80));
}
