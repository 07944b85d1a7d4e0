//! Sequential media types: 100,000 server-sent events decoded into typed
//! items through the runtime (`runtime::sequence::Events`), against
//! `eventsource-stream` plus `serde_json` by hand; 100,000 JSON lines
//! through `runtime::sequence::Records`, against splitting lines and
//! `serde_json` by hand. Both sides read the same bytes, in the same 16 KiB
//! chunks, from an in-memory stream: the figures are the decoders' alone.

use std::convert::Infallible;
use std::time::Instant;

use bytes::Bytes;
use eventsource_stream::Eventsource;
use futures_util::stream::{self, StreamExt};
use huaweicloud_batch_delete::runtime::sequence::{json_item, Events, RecordFormat, Records};
use serde::Deserialize;

use crate::stats::{median, Paired};

/// One item, shaped like a streamed chat completion's chunk.
#[derive(Deserialize)]
#[allow(dead_code)]
struct Chunk {
    id: String,
    index: u32,
    delta: Delta,
    finish_reason: Option<String>,
}

#[derive(Deserialize)]
#[allow(dead_code)]
struct Delta {
    role: Option<String>,
    content: String,
}

fn item(i: usize) -> String {
    format!(
        r#"{{"id":"chatcmpl-{i:08}","index":{},"delta":{{"role":null,"content":"token {i} of the answer"}},"finish_reason":null}}"#,
        i % 4
    )
}

fn chunks(text: Vec<u8>) -> Vec<Bytes> {
    let bytes = Bytes::from(text);
    (0..bytes.len())
        .step_by(16 * 1024)
        .map(|at| bytes.slice(at..(at + 16 * 1024).min(bytes.len())))
        .collect()
}

fn body(chunks: &[Bytes]) -> impl futures_util::Stream<Item = Result<Bytes, Infallible>> {
    stream::iter(chunks.to_vec().into_iter().map(Ok))
}

pub fn run(runtime: &tokio::runtime::Runtime, items: usize, runs: usize) {
    // Server-sent events: a type and an id on every tenth event.
    let mut text = Vec::new();
    for i in 0..items {
        if i % 10 == 0 {
            text.extend_from_slice(format!("event: chunk\nid: {i}\n").as_bytes());
        }
        text.extend_from_slice(format!("data: {}\n\n", item(i)).as_bytes());
    }
    let sse = chunks(text);
    let paired = Paired::run(
        runs,
        || {
            let started = Instant::now();
            let n = runtime.block_on(
                Events::<Chunk>::new(body(&sse), json_item)
                    .fold(0usize, |n, e| async move { n + usize::from(e.is_ok()) }),
            );
            assert_eq!(n, items);
            n as f64 / started.elapsed().as_secs_f64()
        },
        || {
            let started = Instant::now();
            let n = runtime.block_on(body(&sse).eventsource().fold(0usize, |n, e| async move {
                let e = e.expect("an event");
                n + usize::from(serde_json::from_str::<Chunk>(&e.data).is_ok())
            }));
            assert_eq!(n, items);
            n as f64 / started.elapsed().as_secs_f64()
        },
    );
    report("server-sent events", "eventsource-stream + serde_json", items, runs, &paired);

    // JSON Lines.
    let mut text = Vec::new();
    for i in 0..items {
        text.extend_from_slice(item(i).as_bytes());
        text.push(b'\n');
    }
    let lines = chunks(text);
    let paired = Paired::run(
        runs,
        || {
            let started = Instant::now();
            let n = runtime.block_on(
                Records::<Chunk>::new(body(&lines), RecordFormat::Lines)
                    .fold(0usize, |n, r| async move { n + usize::from(r.is_ok()) }),
            );
            assert_eq!(n, items);
            n as f64 / started.elapsed().as_secs_f64()
        },
        || {
            let started = Instant::now();
            let n = runtime.block_on(async {
                // By hand: keep what is not a whole line yet, decode the rest.
                let mut pending: Vec<u8> = Vec::new();
                let mut n = 0usize;
                let mut chunks = body(&lines);
                while let Some(Ok(chunk)) = chunks.next().await {
                    pending.extend_from_slice(&chunk);
                    let mut start = 0;
                    while let Some(end) = pending[start..].iter().position(|&b| b == b'\n') {
                        let line = &pending[start..start + end];
                        if !line.is_empty() {
                            n += usize::from(serde_json::from_slice::<Chunk>(line).is_ok());
                        }
                        start += end + 1;
                    }
                    pending.drain(..start);
                }
                n
            });
            assert_eq!(n, items);
            n as f64 / started.elapsed().as_secs_f64()
        },
    );
    report("JSON Lines", "line splitting + serde_json by hand", items, runs, &paired);
}

fn report(what: &str, baseline: &str, items: usize, runs: usize, paired: &Paired) {
    let (lo, hi) = paired.pair_range();
    println!(
        "sequence {what}: ours {:.0} items/s, {baseline} {:.0} items/s, ratio {:.2}x (throughput, higher is better; {items} items in 16 KiB chunks; median of {runs} paired runs; pairs {lo:.2}x..{hi:.2}x)",
        median(&paired.ours),
        median(&paired.baseline),
        paired.ratio(),
    );
}
