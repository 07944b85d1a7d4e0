//! Binary bodies as streams of bytes, on both sides: [`ByteStream`].
//!
//! A client receives a binary response (`application/octet-stream`, any
//! other binary media type, a `format: binary` schema) as a `ByteStream`
//! and sends a binary request body from one; a server stub hands a binary
//! request body to its handler as one and may answer with one. The bytes
//! are never held whole unless the caller asks for it
//! ([`ByteStream::collect_limited`]).
//!
//! A stream is either **replayable** (made from bytes in memory or from a
//! file: it can be sent again, which is what a client's retry does) or
//! **one-shot** (any other stream of bytes, and every body received: it is
//! read once).

use std::fmt;
use std::future::Future;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use futures_core::Stream;

/// A boxed error of the source underneath a stream.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// How many bytes a file is read in at a time: large enough that a
/// stream of a large file costs little per chunk, small enough that a
/// stream holds little memory.
pub const FILE_CHUNK: usize = 64 * 1024;

/// A one-shot source of chunks.
type Chunks = Pin<Box<dyn Stream<Item = Result<Bytes, ByteStreamError>> + Send>>;

/// A body as a stream of [`Bytes`] chunks: `Stream<Item = Result<Bytes,
/// ByteStreamError>>`.
///
/// Made from bytes ([`From`] `Bytes`, `Vec<u8>`, `&'static [u8]`,
/// `String`), from a file ([`from_path`](Self::from_path), which knows its
/// length) or from any stream of bytes ([`from_stream`](Self::from_stream),
/// one-shot); read chunk by chunk as a [`Stream`], or with
/// [`into_async_read`](Self::into_async_read),
/// [`collect_limited`](Self::collect_limited) or
/// [`write_to`](Self::write_to).
///
/// A stream received over the network has an idle timeout between chunks
/// (see the client's `ClientConfig::with_stream_idle_timeout`): when no
/// chunk comes in time it yields [`ByteStreamErrorKind::IdleTimeout`] and
/// ends. Dropping a stream before its end closes the connection it reads
/// from (nothing more is read, and the connection is not reused).
pub struct ByteStream {
    source: Source,
    /// The exact length, when known (bytes, a file, a `Content-Length`).
    len: Option<u64>,
    /// The idle timeout between chunks, and its timer.
    idle: Option<Idle>,
}

struct Idle {
    after: Duration,
    timer: Pin<Box<tokio::time::Sleep>>,
}

enum Source {
    /// Bytes in memory, yielded as one chunk (replayable).
    Bytes(Bytes),
    /// A file: opened on the first read, read [`FILE_CHUNK`] at a time
    /// (replayable from its path).
    File {
        path: PathBuf,
        reader: Option<Box<tokio_util::io::ReaderStream<tokio::fs::File>>>,
    },
    /// Anything else (one-shot).
    Stream(Chunks),
    /// Read to its end, or failed.
    Done,
}

impl ByteStream {
    /// A stream of the file at `path`, which knows its length (so a request
    /// sends it with a `Content-Length`) and can be replayed (a retry reads
    /// the file again from its start). The file is opened here, to learn
    /// its length and fail early, and read [`FILE_CHUNK`] bytes at a time.
    pub async fn from_path(path: impl AsRef<Path>) -> Result<ByteStream, ByteStreamError> {
        let path = path.as_ref().to_path_buf();
        let file = tokio::fs::File::open(&path)
            .await
            .map_err(|e| ByteStreamError::io(format!("cannot open {}", path.display()), e))?;
        let len = file
            .metadata()
            .await
            .map_err(|e| ByteStreamError::io(format!("cannot read {}", path.display()), e))?
            .len();
        Ok(ByteStream {
            source: Source::File {
                reader: Some(Box::new(tokio_util::io::ReaderStream::with_capacity(
                    file, FILE_CHUNK,
                ))),
                path,
            },
            len: Some(len),
            idle: None,
        })
    }

    /// A one-shot stream of whatever `stream` yields; its errors are kept
    /// as the source of an [`ByteStreamErrorKind::Io`] error. A request
    /// body made from one is sent once and never retried.
    pub fn from_stream<S, B, E>(stream: S) -> ByteStream
    where
        S: Stream<Item = Result<B, E>> + Send + 'static,
        B: Into<Bytes>,
        E: Into<BoxError>,
    {
        ByteStream {
            source: Source::Stream(Box::pin(MapChunks(Box::pin(stream)))),
            len: None,
            idle: None,
        }
    }

    /// A one-shot stream whose chunks and errors are already this module's,
    /// of `len` bytes when that is known.
    pub fn from_chunks<S>(stream: S, len: Option<u64>) -> ByteStream
    where
        S: Stream<Item = Result<Bytes, ByteStreamError>> + Send + 'static,
    {
        ByteStream {
            source: Source::Stream(Box::pin(stream)),
            len,
            idle: None,
        }
    }

    /// The same stream, ending with [`ByteStreamErrorKind::IdleTimeout`]
    /// when no chunk arrives within `after` of the previous one (or of the
    /// first poll).
    pub fn with_idle_timeout(mut self, after: Duration) -> ByteStream {
        self.idle = Some(Idle {
            after,
            timer: Box::pin(tokio::time::sleep(after)),
        });
        self
    }

    /// The length in bytes, when it is known (bytes in memory, a file, a
    /// response with a `Content-Length`).
    pub fn len(&self) -> Option<u64> {
        self.len
    }

    /// Whether the stream is known to be empty.
    pub fn is_empty(&self) -> bool {
        self.len == Some(0)
    }

    /// Whether the stream can be read again from its start
    /// ([`replay`](Self::replay)): bytes in memory and files can, any
    /// other stream cannot.
    pub fn is_replayable(&self) -> bool {
        matches!(self.source, Source::Bytes(_) | Source::File { .. })
    }

    /// A fresh copy from the start, for a stream made from bytes or a file;
    /// `None` for a one-shot stream (or bytes already read).
    pub fn replay(&self) -> Option<ByteStream> {
        let source = match &self.source {
            Source::Bytes(b) => Source::Bytes(b.clone()),
            Source::File { path, .. } => Source::File {
                path: path.clone(),
                reader: None,
            },
            _ => return None,
        };
        Some(ByteStream {
            source,
            len: self.len,
            idle: None,
        })
    }

    /// The bytes, when the stream is bytes in memory that have not been
    /// read: what a request signature can hash.
    pub fn as_bytes(&self) -> Option<&Bytes> {
        match &self.source {
            Source::Bytes(b) => Some(b),
            _ => None,
        }
    }

    /// The stream as a [`tokio::io::AsyncRead`], its errors as
    /// [`std::io::Error`]s (whose inner error is the [`ByteStreamError`]).
    pub fn into_async_read(self) -> impl tokio::io::AsyncRead + Send + Unpin + 'static {
        tokio_util::io::StreamReader::new(self)
    }

    /// Reads the whole stream into memory, refusing it
    /// ([`ByteStreamErrorKind::TooLarge`]) as soon as it is over `limit`
    /// bytes (at once when its known length is).
    pub async fn collect_limited(mut self, limit: usize) -> Result<Bytes, ByteStreamError> {
        if self.len.is_some_and(|n| n > limit as u64) {
            return Err(ByteStreamError::too_large(limit as u64));
        }
        if let Source::Bytes(b) = &mut self.source {
            return Ok(std::mem::take(b));
        }
        let mut out = bytes::BytesMut::with_capacity(self.len.map_or(0, |n| n as usize));
        while let Some(chunk) = next(&mut self).await {
            let chunk = chunk?;
            if chunk.len() > limit - out.len() {
                return Err(ByteStreamError::too_large(limit as u64));
            }
            out.extend_from_slice(&chunk);
        }
        Ok(out.freeze())
    }

    /// Writes the stream to a file at `path` (created, or truncated), chunk
    /// by chunk, and returns how many bytes were written. On an error the
    /// file holds what arrived before it.
    pub async fn write_to(mut self, path: impl AsRef<Path>) -> Result<u64, ByteStreamError> {
        use tokio::io::AsyncWriteExt;

        let path = path.as_ref();
        let write_error =
            |e: std::io::Error| ByteStreamError::io(format!("cannot write {}", path.display()), e);
        let mut file = tokio::fs::File::create(path).await.map_err(write_error)?;
        let mut written = 0u64;
        while let Some(chunk) = next(&mut self).await {
            let chunk = chunk?;
            file.write_all(&chunk).await.map_err(write_error)?;
            written += chunk.len() as u64;
        }
        file.flush().await.map_err(write_error)?;
        Ok(written)
    }
}

/// The next chunk of `stream` (`StreamExt::next` without the dependency).
async fn next(stream: &mut ByteStream) -> Option<Result<Bytes, ByteStreamError>> {
    std::future::poll_fn(|cx| Pin::new(&mut *stream).poll_next(cx)).await
}

impl Stream for ByteStream {
    type Item = Result<Bytes, ByteStreamError>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        let polled = match &mut this.source {
            Source::Done => return Poll::Ready(None),
            Source::Bytes(b) => {
                let b = std::mem::take(b);
                this.source = Source::Done;
                return Poll::Ready((!b.is_empty()).then_some(Ok(b)));
            }
            Source::File { path, reader } => {
                if reader.is_none() {
                    match std::fs::File::open(&*path) {
                        Ok(file) => {
                            *reader = Some(Box::new(tokio_util::io::ReaderStream::with_capacity(
                                tokio::fs::File::from_std(file),
                                FILE_CHUNK,
                            )));
                        }
                        Err(e) => {
                            let error =
                                ByteStreamError::io(format!("cannot open {}", path.display()), e);
                            this.source = Source::Done;
                            return Poll::Ready(Some(Err(error)));
                        }
                    }
                }
                let Some(reader) = reader.as_mut() else {
                    return Poll::Ready(None);
                };
                match Pin::new(&mut **reader).poll_next(cx) {
                    Poll::Ready(Some(Err(e))) => Poll::Ready(Some(Err(ByteStreamError::io(
                        format!("cannot read {}", path.display()),
                        e,
                    )))),
                    Poll::Ready(Some(Ok(b))) => Poll::Ready(Some(Ok(b))),
                    Poll::Ready(None) => Poll::Ready(None),
                    Poll::Pending => Poll::Pending,
                }
            }
            Source::Stream(s) => s.as_mut().poll_next(cx),
        };
        match polled {
            Poll::Ready(Some(Ok(chunk))) => {
                if let Some(idle) = &mut this.idle {
                    let deadline = tokio::time::Instant::now() + idle.after;
                    idle.timer.as_mut().reset(deadline);
                }
                Poll::Ready(Some(Ok(chunk)))
            }
            Poll::Ready(end) => {
                // An error or the end: nothing more is read, and what the
                // source holds (a connection) is let go now.
                this.source = Source::Done;
                this.idle = None;
                Poll::Ready(end)
            }
            Poll::Pending => {
                let expired = match &mut this.idle {
                    Some(idle) => idle
                        .timer
                        .as_mut()
                        .poll(cx)
                        .is_ready()
                        .then_some(idle.after),
                    None => None,
                };
                match expired {
                    Some(after) => {
                        this.source = Source::Done;
                        this.idle = None;
                        Poll::Ready(Some(Err(ByteStreamError::idle_timeout(after))))
                    }
                    None => Poll::Pending,
                }
            }
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        match &self.source {
            Source::Done => (0, Some(0)),
            Source::Bytes(b) => (usize::from(!b.is_empty()), Some(1)),
            _ => (0, None),
        }
    }
}

impl fmt::Debug for ByteStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let source = match &self.source {
            Source::Bytes(_) => "bytes",
            Source::File { .. } => "file",
            Source::Stream(_) => "stream",
            Source::Done => "done",
        };
        f.debug_struct("ByteStream")
            .field("source", &source)
            .field("len", &self.len)
            .field("idle_timeout", &self.idle.as_ref().map(|i| i.after))
            .finish()
    }
}

impl Default for ByteStream {
    /// An empty stream.
    fn default() -> Self {
        ByteStream::from(Bytes::new())
    }
}

impl From<Bytes> for ByteStream {
    fn from(bytes: Bytes) -> Self {
        ByteStream {
            len: Some(bytes.len() as u64),
            source: Source::Bytes(bytes),
            idle: None,
        }
    }
}

impl From<Vec<u8>> for ByteStream {
    fn from(bytes: Vec<u8>) -> Self {
        Bytes::from(bytes).into()
    }
}

impl From<&'static [u8]> for ByteStream {
    fn from(bytes: &'static [u8]) -> Self {
        Bytes::from_static(bytes).into()
    }
}

impl<const N: usize> From<&'static [u8; N]> for ByteStream {
    fn from(bytes: &'static [u8; N]) -> Self {
        Bytes::from_static(bytes).into()
    }
}

impl From<String> for ByteStream {
    fn from(text: String) -> Self {
        Bytes::from(text).into()
    }
}

impl From<&'static str> for ByteStream {
    fn from(text: &'static str) -> Self {
        Bytes::from_static(text.as_bytes()).into()
    }
}

/// A stream of `Result<B, E>` as chunks and errors of this module.
struct MapChunks<S>(Pin<Box<S>>);

impl<S, B, E> Stream for MapChunks<S>
where
    S: Stream<Item = Result<B, E>>,
    B: Into<Bytes>,
    E: Into<BoxError>,
{
    type Item = Result<Bytes, ByteStreamError>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.get_mut().0.as_mut().poll_next(cx).map(|item| {
            item.map(|r| {
                r.map(Into::into)
                    .map_err(|e| ByteStreamError::from_source(e.into()))
            })
        })
    }
}

/// What kind of failure ended a [`ByteStream`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ByteStreamErrorKind {
    /// Reading the source failed: a file, the stream given, the
    /// connection (reset, closed early).
    Io,
    /// No chunk arrived within the idle timeout.
    IdleTimeout,
    /// The body is over a size limit.
    TooLarge,
}

/// Why a [`ByteStream`] failed. Converts into a [`std::io::Error`] (of kind
/// `TimedOut`, `InvalidData` or `Other`) holding it.
#[derive(Debug)]
pub struct ByteStreamError {
    kind: ByteStreamErrorKind,
    message: String,
    source: Option<BoxError>,
}

impl ByteStreamError {
    /// An error of `kind` saying `message`, caused by `source`.
    pub fn new(
        kind: ByteStreamErrorKind,
        message: impl Into<String>,
        source: Option<BoxError>,
    ) -> Self {
        ByteStreamError {
            kind,
            message: message.into(),
            source,
        }
    }

    fn io(message: String, e: std::io::Error) -> Self {
        ByteStreamError::new(ByteStreamErrorKind::Io, message, Some(Box::new(e)))
    }

    /// A failure of the source underneath, kept as the error's source (an
    /// error that already is a `ByteStreamError` is kept as it is).
    pub fn from_source(source: BoxError) -> Self {
        match source.downcast::<ByteStreamError>() {
            Ok(e) => *e,
            Err(source) => ByteStreamError::new(
                ByteStreamErrorKind::Io,
                "the body could not be read",
                Some(source),
            ),
        }
    }

    /// No chunk within `after`.
    pub fn idle_timeout(after: Duration) -> Self {
        ByteStreamError::new(
            ByteStreamErrorKind::IdleTimeout,
            format!(
                "no data arrived for {} ms (the stream's idle timeout)",
                after.as_millis()
            ),
            None,
        )
    }

    /// Over `limit` bytes.
    pub fn too_large(limit: u64) -> Self {
        ByteStreamError::new(
            ByteStreamErrorKind::TooLarge,
            format!("the body is larger than {limit} bytes"),
            None,
        )
    }

    /// What kind of failure it is.
    pub fn kind(&self) -> ByteStreamErrorKind {
        self.kind
    }

    /// Whether it is the idle timeout.
    pub fn is_timeout(&self) -> bool {
        self.kind == ByteStreamErrorKind::IdleTimeout
    }
}

impl fmt::Display for ByteStreamError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)?;
        if let Some(source) = &self.source {
            write!(f, ": {source}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ByteStreamError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source
            .as_deref()
            .map(|e| e as &(dyn std::error::Error + 'static))
    }
}

impl From<ByteStreamError> for std::io::Error {
    fn from(e: ByteStreamError) -> Self {
        let kind = match e.kind {
            ByteStreamErrorKind::IdleTimeout => std::io::ErrorKind::TimedOut,
            ByteStreamErrorKind::TooLarge => std::io::ErrorKind::InvalidData,
            ByteStreamErrorKind::Io => std::io::ErrorKind::Other,
        };
        std::io::Error::new(kind, e)
    }
}
