//! Sequential media types: a body that is a sequence of items, read (and
//! written) one item at a time as the bytes arrive.
//!
//! - `text/event-stream`: server-sent events, read as the WHATWG HTML
//!   standard's "Interpreting an event stream" says ([`EventDecoder`]), each
//!   event's `data` decoded into the item type ([`Events`]);
//! - `application/jsonl`, `application/x-ndjson` (one JSON text per line)
//!   and `application/json-seq` (RFC 7464: each JSON text after an ASCII
//!   record separator): [`Records`].
//!
//! An item that does not decode is an [`ItemError::Decode`] naming its
//! position (the index of the event or record in the stream, from 0), and
//! the stream goes on; a failure of the body itself ends it.

use std::collections::VecDeque;
use std::fmt;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use futures_core::Stream;
use serde::de::DeserializeOwned;

/// A boxed error of the byte stream underneath (the connection, an idle
/// timeout).
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// A byte stream that items are read from.
pub type ByteChunks = Pin<Box<dyn Stream<Item = Result<Bytes, BoxError>> + Send>>;

/// Why an item of a sequence could not be read.
#[derive(Debug)]
pub enum ItemError {
    /// The body failed (a connection error, an idle timeout): the stream
    /// ends after this item.
    Body(BoxError),
    /// One item did not decode into its type; the stream goes on.
    Decode {
        /// The item's position in the stream, from 0 (events or records,
        /// counting those that decoded).
        index: u64,
        /// The item's text as received.
        text: String,
        /// What the decoder said.
        source: serde_json::Error,
    },
}

impl fmt::Display for ItemError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ItemError::Body(e) => write!(f, "the response body failed: {e}"),
            ItemError::Decode {
                index,
                text,
                source,
            } => {
                let shown: String = text.chars().take(120).collect();
                let more = if shown.len() < text.len() { "…" } else { "" };
                write!(
                    f,
                    "item {index} does not decode: {source} (in `{shown}{more}`)"
                )
            }
        }
    }
}

impl std::error::Error for ItemError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ItemError::Body(e) => Some(e.as_ref()),
            ItemError::Decode { source, .. } => Some(source),
        }
    }
}

/// How an item's text becomes its type: as JSON, or (for a string item
/// type) as the text itself.
pub type DecodeItem<T> = fn(&str) -> Result<T, serde_json::Error>;

/// Decodes an item as JSON.
pub fn json_item<T: DeserializeOwned>(text: &str) -> Result<T, serde_json::Error> {
    serde_json::from_str(text)
}

/// Takes an item's text as it is (an event whose `data` is plain text).
pub fn text_item(text: &str) -> Result<String, serde_json::Error> {
    Ok(text.to_owned())
}

// ---------------------------------------------------------------------------
// Server-sent events

/// One server-sent event, its `data` decoded.
#[derive(Clone, Debug, PartialEq)]
pub struct Event<T> {
    /// The event type (`event:` field); `None` for the default, `message`.
    pub event: Option<String>,
    /// The last event ID when the event was dispatched (`id:` fields
    /// persist until the next one, as the standard says); `None` when empty.
    pub id: Option<String>,
    /// The reconnection time the server set in this event's fields, if any.
    pub retry: Option<Duration>,
    /// The event's data.
    pub data: T,
}

impl<T> Event<T> {
    /// An event of the default type with `data` only.
    pub fn new(data: T) -> Self {
        Event {
            event: None,
            id: None,
            retry: None,
            data,
        }
    }

    /// Sets the event type.
    pub fn with_event(mut self, event: impl Into<String>) -> Self {
        self.event = Some(event.into());
        self
    }

    /// Sets the event ID.
    pub fn with_id(mut self, id: impl Into<String>) -> Self {
        self.id = Some(id.into());
        self
    }

    /// Sets the reconnection time.
    pub fn with_retry(mut self, retry: Duration) -> Self {
        self.retry = Some(retry);
        self
    }
}

/// The event-stream parser of the WHATWG HTML standard ("Interpreting an
/// event stream"), fed bytes as they arrive: lines end with CRLF, LF or CR
/// (a CRLF split between chunks included); one leading byte-order mark is
/// skipped; text that is not UTF-8 is read with replacement characters;
/// comments (`:` first) are skipped; `data` lines are joined with LF; an
/// `id` holding NUL is ignored; `retry` is read only when all digits; an
/// event is dispatched at a blank line, unless its data is empty. What is
/// left when the stream ends, without its blank line, is discarded.
#[derive(Debug, Default)]
pub struct EventDecoder {
    /// Bytes of a line not yet ended.
    line: Vec<u8>,
    /// The last chunk ended with CR: an LF first in the next one is part of
    /// that line ending.
    after_cr: bool,
    /// Whether the start of the stream (and its byte-order mark) is past.
    started: bool,
    data: String,
    /// Whether a `data` field was seen since the last dispatch (the data
    /// buffer holds a trailing LF per line).
    has_data: bool,
    event: String,
    last_id: String,
    /// The reconnection time last set by the stream.
    retry: Option<Duration>,
    /// The reconnection time set in the fields of the event being read.
    retry_of_event: Option<Duration>,
    ready: VecDeque<Event<String>>,
}

impl EventDecoder {
    /// A parser at the start of a stream.
    pub fn new() -> Self {
        EventDecoder::default()
    }

    /// Reads `chunk`; complete events are then returned by
    /// [`EventDecoder::next_event`].
    pub fn feed(&mut self, mut chunk: &[u8]) {
        if chunk.is_empty() {
            return;
        }
        if !self.started {
            // The byte-order mark may itself arrive in pieces.
            let bom = b"\xEF\xBB\xBF";
            let have = self.line.len();
            let take = (bom.len() - have).min(chunk.len());
            if bom[have..have + take] == chunk[..take] {
                if have + take < bom.len() {
                    self.line.extend_from_slice(&chunk[..take]);
                    return;
                }
                self.line.clear();
                chunk = &chunk[take..];
            }
            // Not a byte-order mark: what was held is text of the line.
            self.started = true;
        }
        if self.after_cr {
            self.after_cr = false;
            if let Some(rest) = chunk.strip_prefix(b"\n") {
                chunk = rest;
            }
        }
        while let Some(end) = memchr::memchr2(b'\n', b'\r', chunk) {
            let (head, rest) = chunk.split_at(end);
            let crlf = rest.len() > 1 && rest[0] == b'\r' && rest[1] == b'\n';
            if rest[0] == b'\r' && rest.len() == 1 {
                self.after_cr = true;
            }
            if self.line.is_empty() {
                self.line_ended(head);
            } else {
                self.line.extend_from_slice(head);
                let line = std::mem::take(&mut self.line);
                self.line_ended(&line);
                self.line = line;
                self.line.clear();
            }
            chunk = &rest[if crlf { 2 } else { 1 }..];
        }
        self.line.extend_from_slice(chunk);
    }

    /// The next complete event, if one is.
    pub fn next_event(&mut self) -> Option<Event<String>> {
        self.ready.pop_front()
    }

    /// The reconnection time the stream last set, if any.
    pub fn retry(&self) -> Option<Duration> {
        self.retry
    }

    fn line_ended(&mut self, line: &[u8]) {
        if line.is_empty() {
            self.dispatch();
            return;
        }
        if line[0] == b':' {
            return;
        }
        let (name, value) = match line.iter().position(|&b| b == b':') {
            Some(i) => {
                let value = &line[i + 1..];
                (&line[..i], value.strip_prefix(b" ").unwrap_or(value))
            }
            None => (line, &line[line.len()..]),
        };
        match name {
            b"data" => {
                push_text(&mut self.data, value);
                self.data.push('\n');
                self.has_data = true;
            }
            b"event" => {
                self.event.clear();
                push_text(&mut self.event, value);
            }
            b"id" if !value.contains(&0) => {
                self.last_id.clear();
                push_text(&mut self.last_id, value);
            }
            b"retry" if !value.is_empty() && value.iter().all(u8::is_ascii_digit) => {
                // All digits: only a value past u64 fails, and is ignored.
                if let Ok(ms) = std::str::from_utf8(value).unwrap_or("").parse::<u64>() {
                    self.retry = Some(Duration::from_millis(ms));
                    self.retry_of_event = self.retry;
                }
            }
            _ => {}
        }
    }

    fn dispatch(&mut self) {
        let retry = self.retry_of_event.take();
        if !self.has_data {
            self.event.clear();
            return;
        }
        self.has_data = false;
        let mut data = std::mem::take(&mut self.data);
        data.pop(); // the LF after the last data line
        let event = std::mem::take(&mut self.event);
        self.ready.push_back(Event {
            event: (!event.is_empty()).then_some(event),
            id: (!self.last_id.is_empty()).then(|| self.last_id.clone()),
            retry,
            data,
        });
    }
}

/// Appends `bytes` as UTF-8 text, invalid sequences replaced.
fn push_text(out: &mut String, bytes: &[u8]) {
    match std::str::from_utf8(bytes) {
        Ok(text) => out.push_str(text),
        Err(_) => out.push_str(&String::from_utf8_lossy(bytes)),
    }
}

/// A typed stream of server-sent events, read from a byte stream: each
/// event's `data` decoded as the item type.
pub struct Events<T> {
    body: Option<ByteChunks>,
    // Boxed: it is most of the stream's size, and a response enum holds the stream.
    decoder: Box<EventDecoder>,
    decode: DecodeItem<T>,
    index: u64,
}

impl<T> Events<T> {
    /// Reads events from `body`, decoding each event's data with `decode`
    /// ([`json_item`], or [`text_item`] for plain-text data).
    pub fn new<S, E>(body: S, decode: DecodeItem<T>) -> Self
    where
        S: Stream<Item = Result<Bytes, E>> + Send + 'static,
        E: Into<BoxError>,
    {
        Events {
            body: Some(boxed(body)),
            decoder: Box::default(),
            decode,
            index: 0,
        }
    }

    /// The reconnection time the stream last set (`retry:`), if any: how
    /// long to wait before reconnecting with the last event's `id`.
    pub fn retry(&self) -> Option<Duration> {
        self.decoder.retry()
    }

    /// The next event, as it arrives; `None` once the stream has ended.
    /// (The same as `StreamExt::next`, without needing `futures`.)
    pub async fn next(&mut self) -> Option<Result<Event<T>, ItemError>> {
        std::future::poll_fn(|cx| Pin::new(&mut *self).poll_next(cx)).await
    }
}

impl<T> fmt::Debug for Events<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Events")
            .field("index", &self.index)
            .field("ended", &self.body.is_none())
            .finish_non_exhaustive()
    }
}

impl<T> Stream for Events<T> {
    type Item = Result<Event<T>, ItemError>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        loop {
            if let Some(event) = this.decoder.next_event() {
                let index = this.index;
                this.index += 1;
                return Poll::Ready(Some(match (this.decode)(&event.data) {
                    Ok(data) => Ok(Event {
                        event: event.event,
                        id: event.id,
                        retry: event.retry,
                        data,
                    }),
                    Err(source) => Err(ItemError::Decode {
                        index,
                        text: event.data,
                        source,
                    }),
                }));
            }
            let Some(body) = this.body.as_mut() else {
                return Poll::Ready(None);
            };
            match body.as_mut().poll_next(cx) {
                Poll::Ready(Some(Ok(chunk))) => this.decoder.feed(&chunk),
                Poll::Ready(Some(Err(e))) => {
                    this.body = None;
                    return Poll::Ready(Some(Err(ItemError::Body(e))));
                }
                // An event without its blank line is discarded.
                Poll::Ready(None) => this.body = None,
                Poll::Pending => return Poll::Pending,
            }
        }
    }
}

fn boxed<S, E>(body: S) -> ByteChunks
where
    S: Stream<Item = Result<Bytes, E>> + Send + 'static,
    E: Into<BoxError>,
{
    Box::pin(MapErr(Box::pin(body)))
}

/// A byte stream with its errors boxed.
struct MapErr<S>(Pin<Box<S>>);

impl<S, E> Stream for MapErr<S>
where
    S: Stream<Item = Result<Bytes, E>>,
    E: Into<BoxError>,
{
    type Item = Result<Bytes, BoxError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.0
            .as_mut()
            .poll_next(cx)
            .map(|item| item.map(|r| r.map_err(Into::into)))
    }
}

// ---------------------------------------------------------------------------
// JSON Lines and JSON text sequences

/// How the records of a body are delimited.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RecordFormat {
    /// `application/jsonl`, `application/x-ndjson`: one JSON text per line
    /// (LF, a CR before it ignored); blank lines are skipped, and the last
    /// line needs no LF.
    Lines,
    /// `application/json-seq` (RFC 7464): each JSON text after an ASCII
    /// record separator (0x1E), up to the next one; the LF that ends it and
    /// empty records are skipped.
    JsonSeq,
}

impl RecordFormat {
    /// The format of `media_type` (parameters ignored), if it is one.
    pub fn of(media_type: &str) -> Option<RecordFormat> {
        let essence = media_type.split(';').next().unwrap_or("").trim();
        if essence.eq_ignore_ascii_case("application/jsonl")
            || essence.eq_ignore_ascii_case("application/x-ndjson")
            || essence.eq_ignore_ascii_case("application/x-jsonlines")
        {
            Some(RecordFormat::Lines)
        } else if essence.eq_ignore_ascii_case("application/json-seq") {
            Some(RecordFormat::JsonSeq)
        } else {
            None
        }
    }

    fn delimiter(self) -> u8 {
        match self {
            RecordFormat::Lines => b'\n',
            RecordFormat::JsonSeq => 0x1E,
        }
    }
}

/// A typed stream of JSON records (JSON Lines or a JSON text sequence),
/// read from a byte stream.
pub struct Records<T> {
    body: Option<ByteChunks>,
    format: RecordFormat,
    buf: Vec<u8>,
    /// Where the unread part of `buf` starts.
    start: usize,
    /// How far `buf` was searched for a delimiter.
    scanned: usize,
    index: u64,
    decode: fn(&[u8]) -> Result<T, serde_json::Error>,
}

impl<T: DeserializeOwned> Records<T> {
    /// Reads records of `format` from `body`, each decoded as JSON.
    pub fn new<S, E>(body: S, format: RecordFormat) -> Self
    where
        S: Stream<Item = Result<Bytes, E>> + Send + 'static,
        E: Into<BoxError>,
    {
        Records {
            body: Some(boxed(body)),
            format,
            buf: Vec::new(),
            start: 0,
            scanned: 0,
            index: 0,
            decode: json_record::<T>,
        }
    }
}

impl<T> Records<T> {
    /// The next record, as it arrives; `None` once the stream has ended.
    /// (The same as `StreamExt::next`, without needing `futures`.)
    pub async fn next(&mut self) -> Option<Result<T, ItemError>> {
        std::future::poll_fn(|cx| Pin::new(&mut *self).poll_next(cx)).await
    }
}

impl<T> fmt::Debug for Records<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Records")
            .field("format", &self.format)
            .field("index", &self.index)
            .field("ended", &self.body.is_none())
            .finish_non_exhaustive()
    }
}

impl<T> Records<T> {
    /// The next complete record in the buffer (`at_end`: the body ended, so
    /// what is left is one too), as a range of `buf`, blank ones skipped.
    fn next_record(&mut self, at_end: bool) -> Option<(usize, usize)> {
        let delimiter = self.format.delimiter();
        loop {
            let found =
                memchr::memchr(delimiter, &self.buf[self.scanned..]).map(|i| self.scanned + i);
            let (record, next) = match found {
                Some(end) => ((self.start, end), end + 1),
                None if at_end && self.start < self.buf.len() => {
                    ((self.start, self.buf.len()), self.buf.len())
                }
                None => {
                    self.scanned = self.buf.len();
                    return None;
                }
            };
            self.start = next;
            self.scanned = next;
            let (from, to) = trim(&self.buf, record);
            if from < to {
                return Some((from, to));
            }
        }
    }

    fn decoded(&mut self, (from, to): (usize, usize)) -> Result<T, ItemError> {
        let index = self.index;
        self.index += 1;
        let bytes = &self.buf[from..to];
        (self.decode)(bytes).map_err(|source| ItemError::Decode {
            index,
            text: String::from_utf8_lossy(bytes).into_owned(),
            source,
        })
    }
}

/// Decodes a record as JSON.
fn json_record<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, serde_json::Error> {
    serde_json::from_slice(bytes)
}

/// `range` of `buf` without the whitespace JSON allows around a text.
fn trim(buf: &[u8], (mut from, mut to): (usize, usize)) -> (usize, usize) {
    let space = |b: u8| matches!(b, b' ' | b'\t' | b'\n' | b'\r');
    while from < to && space(buf[from]) {
        from += 1;
    }
    while to > from && space(buf[to - 1]) {
        to -= 1;
    }
    (from, to)
}

impl<T> Stream for Records<T> {
    type Item = Result<T, ItemError>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        loop {
            let at_end = this.body.is_none();
            if let Some(range) = this.next_record(at_end) {
                return Poll::Ready(Some(this.decoded(range)));
            }
            if at_end {
                return Poll::Ready(None);
            }
            // Keep the buffer to the unread part.
            if this.start > 0 {
                this.buf.drain(..this.start);
                this.scanned -= this.start;
                this.start = 0;
            }
            let Some(body) = this.body.as_mut() else {
                return Poll::Ready(None);
            };
            match body.as_mut().poll_next(cx) {
                Poll::Ready(Some(Ok(chunk))) => this.buf.extend_from_slice(&chunk),
                Poll::Ready(Some(Err(e))) => {
                    this.body = None;
                    this.buf.clear();
                    this.start = 0;
                    this.scanned = 0;
                    return Poll::Ready(Some(Err(ItemError::Body(e))));
                }
                Poll::Ready(None) => this.body = None,
                Poll::Pending => return Poll::Pending,
            }
        }
    }
}

// ---------------------------------------------------------------------------
// Writing sequences (server stubs)

/// What a server handler returns for a `text/event-stream` reply: events
/// as they are ready, from any stream of [`Event`]s. The stub writes each
/// one as it comes, with a keep-alive comment while none does
/// (`KEEP_ALIVE`, 15 s); the reply ends when the stream does.
pub struct EventSource<T>(Pin<Box<dyn Stream<Item = Event<T>> + Send>>);

/// What a server handler returns for a JSON Lines or JSON text sequence
/// reply: the records as they are ready, from any stream of items, each
/// written as it comes.
pub struct RecordSource<T>(Pin<Box<dyn Stream<Item = T> + Send>>);

macro_rules! source {
    ($name:ident, $item:ty, $what:literal) => {
        impl<T> $name<T> {
            #[doc = concat!("The ", $what, " `stream` yields, as they come.")]
            pub fn new(stream: impl Stream<Item = $item> + Send + 'static) -> Self {
                $name(Box::pin(stream))
            }

            #[doc = concat!("The ", $what, " of `items`, all ready.")]
            pub fn ready(items: impl IntoIterator<Item = $item>) -> Self
            where
                T: Send + 'static,
            {
                let items: VecDeque<$item> = items.into_iter().collect();
                Self::new(Ready(items))
            }
        }

        impl<T> fmt::Debug for $name<T> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_struct(stringify!($name)).finish_non_exhaustive()
            }
        }

        impl<T> Stream for $name<T> {
            type Item = $item;

            fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<$item>> {
                self.0.as_mut().poll_next(cx)
            }
        }
    };
}

source!(EventSource, Event<T>, "events");
source!(RecordSource, T, "records");

/// Items all ready, as a stream.
struct Ready<I>(VecDeque<I>);

impl<I> Unpin for Ready<I> {}

impl<I> Stream for Ready<I> {
    type Item = I;

    fn poll_next(mut self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Option<I>> {
        Poll::Ready(self.0.pop_front())
    }
}

/// How an item becomes the text of an event's data or a record: as JSON,
/// or (a string item type) as the text itself.
pub type EncodeItem<T> = fn(&T) -> Result<String, serde_json::Error>;

/// Encodes an item as JSON.
pub fn json_text<T: serde::Serialize>(item: &T) -> Result<String, serde_json::Error> {
    serde_json::to_string(item)
}

/// An item that is text, as it is.
// `&String`: this is an `EncodeItem<String>`, a `fn(&T)`.
#[allow(clippy::ptr_arg)]
pub fn plain_text(item: &String) -> Result<String, serde_json::Error> {
    Ok(item.clone())
}

#[cfg(feature = "server")]
pub use writing::{event_stream_response, records_response, KEEP_ALIVE};

#[cfg(feature = "server")]
mod writing {
    use super::*;
    use axum::body::Body;
    use axum::http::{header, HeaderValue};
    use axum::response::sse::{Event as SseEvent, KeepAlive, Sse};
    use axum::response::{IntoResponse, Response};

    /// How often an idle event stream sends a keep-alive comment.
    pub const KEEP_ALIVE: Duration = Duration::from_secs(15);

    /// A `text/event-stream` response of `events`, each one's data written
    /// with `encode`, with a keep-alive comment every [`KEEP_ALIVE`] while
    /// no event is sent. Line breaks in data become `data:` lines of their
    /// own (CRLF and CR read as LF, as a reader would); CR, LF and NUL,
    /// which an event type or an ID cannot hold, are left out of them. An
    /// item that cannot be encoded ends the stream.
    pub fn event_stream_response<S, T>(events: S, encode: EncodeItem<T>) -> Response
    where
        S: Stream<Item = Event<T>> + Send + 'static,
        T: 'static,
    {
        let stream = Written {
            items: Box::pin(events),
            write: move |event: Event<T>| -> Result<SseEvent, serde_json::Error> {
                let data = encode(&event.data)?;
                let data = if data.contains('\r') {
                    data.replace("\r\n", "\n").replace('\r', "\n")
                } else {
                    data
                };
                let mut out = SseEvent::default().data(data);
                if let Some(name) = &event.event {
                    out = out.event(field_value(name));
                }
                if let Some(id) = &event.id {
                    out = out.id(field_value(id));
                }
                if let Some(retry) = event.retry {
                    out = out.retry(retry);
                }
                Ok(out)
            },
        };
        Sse::new(stream)
            .keep_alive(KeepAlive::new().interval(KEEP_ALIVE))
            .into_response()
    }

    /// A response of JSON records (`media_type`, JSON Lines or a JSON text
    /// sequence as `format` says), one per item, written as they come. An
    /// item that cannot be encoded ends the body with an error (the
    /// connection is closed before its end).
    pub fn records_response<S, T>(items: S, format: RecordFormat, media_type: &str) -> Response
    where
        S: Stream<Item = T> + Send + 'static,
        T: serde::Serialize + 'static,
    {
        let stream = Written {
            items: Box::pin(items),
            write: move |item: T| -> Result<Bytes, serde_json::Error> {
                let mut out = Vec::with_capacity(128);
                if format == RecordFormat::JsonSeq {
                    out.push(0x1E);
                }
                serde_json::to_writer(&mut out, &item)?;
                out.push(b'\n');
                Ok(Bytes::from(out))
            },
        };
        let mut response = Response::new(Body::from_stream(stream));
        let value = HeaderValue::from_str(media_type)
            .unwrap_or_else(|_| HeaderValue::from_static("application/jsonl"));
        response.headers_mut().insert(header::CONTENT_TYPE, value);
        response
    }

    /// What an event type or ID can hold: no CR, LF or NUL.
    fn field_value(text: &str) -> String {
        text.chars()
            .filter(|c| !matches!(c, '\r' | '\n' | '\0'))
            .collect()
    }

    /// `items`, each written by `write`; the first item `write` refuses is
    /// the last, as an error.
    struct Written<T, F> {
        items: Pin<Box<dyn Stream<Item = T> + Send>>,
        write: F,
    }

    impl<T, F, O> Stream for Written<T, F>
    where
        F: FnMut(T) -> Result<O, serde_json::Error> + Unpin,
    {
        type Item = Result<O, serde_json::Error>;

        fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
            let this = self.get_mut();
            this.items
                .as_mut()
                .poll_next(cx)
                .map(|item| item.map(&mut this.write))
        }
    }
}
