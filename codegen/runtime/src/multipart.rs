//! `multipart/form-data` bodies (RFC 7578), as the spec's schema and its
//! `encoding` object describe them.
//!
//! A generated client fills a [`Form`] from the operation's typed form
//! struct: a property of string, number, boolean or enum type is a text
//! part; an array of those, one part per item; an object (or a part whose
//! `encoding` says JSON) is JSON text; a `format: binary` property (or, in
//! 3.1, one with a `contentMediaType`) is a [`FilePart`] that streams. The
//! client hands the form to `reqwest`'s multipart encoder
//! (`Call::multipart`), which writes the boundary and the part headers.
//!
//! A generated server reads the body with `multer` (the parser behind
//! axum's `Multipart` extractor) into a [`Form`] within the body limit, and
//! takes each documented part out of it into the form struct
//! ([`Form::take_text`], [`Form::take_json`], [`Form::take_file`], …); a
//! part that does not read as its type is a 400 naming it. File parts are
//! held in memory on the server (their total within the body limit).

use std::fmt;
use std::path::Path;

use bytes::Bytes;
use serde::de::DeserializeOwned;

use super::stream::{ByteStream, ByteStreamError};

/// A file part: its bytes (which stream when sent), and the file name,
/// media type and headers it goes with.
#[derive(Debug)]
pub struct FilePart {
    body: ByteStream,
    file_name: Option<String>,
    content_type: Option<String>,
    headers: Vec<(String, String)>,
}

impl FilePart {
    /// A part of `body`, without a file name; its media type is the one
    /// the spec's `encoding` gives, else `application/octet-stream`.
    pub fn new(body: impl Into<ByteStream>) -> Self {
        FilePart {
            body: body.into(),
            file_name: None,
            content_type: None,
            headers: Vec::new(),
        }
    }

    /// The file at `path`, streamed from disk with its length, named
    /// after the path's last component.
    pub async fn from_path(path: impl AsRef<Path>) -> Result<Self, ByteStreamError> {
        let path = path.as_ref();
        let body = ByteStream::from_path(path).await?;
        let part = FilePart::new(body);
        Ok(match path.file_name() {
            Some(name) => part.with_file_name(name.to_string_lossy()),
            None => part,
        })
    }

    /// Sends the part with `file_name` (the `filename` of its
    /// `Content-Disposition`).
    pub fn with_file_name(mut self, file_name: impl Into<String>) -> Self {
        self.file_name = Some(file_name.into());
        self
    }

    /// Sends the part as `content_type`, whatever the spec's `encoding`
    /// says.
    pub fn with_content_type(mut self, content_type: impl Into<String>) -> Self {
        self.content_type = Some(content_type.into());
        self
    }

    /// Adds a header to the part (one its `encoding` entry documents).
    pub fn with_header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// The file name it was sent with, if any.
    pub fn file_name(&self) -> Option<&str> {
        self.file_name.as_deref()
    }

    /// The media type it was sent with, if any.
    pub fn content_type(&self) -> Option<&str> {
        self.content_type.as_deref()
    }

    /// Its headers besides `Content-Disposition` and `Content-Type`.
    pub fn headers(&self) -> &[(String, String)] {
        &self.headers
    }

    /// Its bytes.
    pub fn body(&self) -> &ByteStream {
        &self.body
    }

    /// Its bytes, as a stream.
    pub fn into_body(self) -> ByteStream {
        self.body
    }

    /// A copy to send again (bytes and files can be; a one-shot stream
    /// cannot).
    fn replay(&self) -> Option<FilePart> {
        Some(FilePart {
            body: self.body.replay()?,
            file_name: self.file_name.clone(),
            content_type: self.content_type.clone(),
            headers: self.headers.clone(),
        })
    }
}

macro_rules! file_part_from {
    ($($t:ty),*) => {
        $(impl From<$t> for FilePart {
            fn from(body: $t) -> Self {
                FilePart::new(body)
            }
        })*
    };
}

file_part_from!(
    ByteStream,
    Bytes,
    Vec<u8>,
    &'static [u8],
    String,
    &'static str
);

/// What a part holds.
#[derive(Debug)]
pub enum PartValue {
    /// Text (a value written as text, or JSON text).
    Text(String),
    /// A file, or any part of bytes.
    File(FilePart),
}

/// One part of a form.
#[derive(Debug)]
pub struct Part {
    /// Its name (`Content-Disposition`'s `name`).
    pub name: String,
    /// Its media type, when one is sent.
    pub content_type: Option<String>,
    /// What it holds.
    pub value: PartValue,
}

/// A `multipart/form-data` body: its parts, in order.
#[derive(Debug, Default)]
pub struct Form {
    parts: Vec<Part>,
}

/// Why a form cannot be written or read as its schema says: the part and
/// what is wrong.
#[derive(Debug)]
pub struct PartError {
    /// The part's name.
    pub part: String,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for PartError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "part `{}`: {}", self.part, self.message)
    }
}

impl std::error::Error for PartError {}

fn part_error(part: &str, message: impl fmt::Display) -> PartError {
    PartError {
        part: part.to_owned(),
        message: message.to_string(),
    }
}

impl Form {
    /// A form without parts.
    pub fn new() -> Self {
        Self::default()
    }

    /// Its parts, in order.
    pub fn parts(&self) -> &[Part] {
        &self.parts
    }

    /// Its parts, in order, by value.
    pub fn into_parts(self) -> Vec<Part> {
        self.parts
    }

    /// Adds a part as it is.
    pub fn push(&mut self, part: Part) {
        self.parts.push(part);
    }

    /// Adds `value` as text parts named `name`: a string as it is, a number
    /// or boolean as its JSON text, an array as one part per item, `null`
    /// as no part; an object as JSON text. `content_type` is the spec's
    /// (`encoding`), else none is sent (`text/plain`, as RFC 7578 says).
    pub fn text<T: serde::Serialize + ?Sized>(
        &mut self,
        name: &str,
        value: &T,
        content_type: Option<&str>,
    ) -> Result<(), PartError> {
        let value = serde_json::to_value(value).map_err(|e| part_error(name, e))?;
        let mut add = |text: String| {
            self.parts.push(Part {
                name: name.to_owned(),
                content_type: content_type.map(str::to_owned),
                value: PartValue::Text(text),
            });
        };
        match value {
            serde_json::Value::Null => {}
            serde_json::Value::Array(items) => {
                for item in items {
                    match item {
                        serde_json::Value::Null => {}
                        serde_json::Value::String(s) => add(s),
                        other => add(other.to_string()),
                    }
                }
            }
            serde_json::Value::String(s) => add(s),
            other => add(other.to_string()),
        }
        Ok(())
    }

    /// Adds `value` as one part of JSON text, as `content_type` (the
    /// spec's, else `application/json`).
    pub fn json<T: serde::Serialize + ?Sized>(
        &mut self,
        name: &str,
        value: &T,
        content_type: Option<&str>,
    ) -> Result<(), PartError> {
        let text = serde_json::to_string(value).map_err(|e| part_error(name, e))?;
        self.parts.push(Part {
            name: name.to_owned(),
            content_type: Some(content_type.unwrap_or("application/json").to_owned()),
            value: PartValue::Text(text),
        });
        Ok(())
    }

    /// Adds a file part; its media type is its own, else `content_type`
    /// (the spec's), else `application/octet-stream`.
    pub fn file(&mut self, name: &str, file: impl Into<FilePart>, content_type: Option<&str>) {
        let file = file.into();
        let content_type = file
            .content_type
            .clone()
            .or_else(|| content_type.map(str::to_owned))
            .unwrap_or_else(|| "application/octet-stream".to_owned());
        self.parts.push(Part {
            name: name.to_owned(),
            content_type: Some(content_type),
            value: PartValue::File(file),
        });
    }

    /// [`text`](Self::text), for building a form by hand.
    pub fn with_text(mut self, name: &str, value: &str) -> Self {
        self.parts.push(Part {
            name: name.to_owned(),
            content_type: None,
            value: PartValue::Text(value.to_owned()),
        });
        self
    }

    /// [`json`](Self::json), for building a form by hand.
    pub fn with_json<T: serde::Serialize + ?Sized>(
        mut self,
        name: &str,
        value: &T,
    ) -> Result<Self, PartError> {
        self.json(name, value, None)?;
        Ok(self)
    }

    /// [`file`](Self::file), for building a form by hand.
    pub fn with_file(mut self, name: &str, file: impl Into<FilePart>) -> Self {
        self.file(name, file, None);
        self
    }

    /// Whether every part can be sent again (no one-shot stream).
    pub fn is_replayable(&self) -> bool {
        self.parts.iter().all(|p| match &p.value {
            PartValue::Text(_) => true,
            PartValue::File(f) => f.body.is_replayable(),
        })
    }

    /// A copy to send again, when [`is_replayable`](Self::is_replayable).
    pub fn replay(&self) -> Option<Form> {
        let parts = self
            .parts
            .iter()
            .map(|p| {
                Some(Part {
                    name: p.name.clone(),
                    content_type: p.content_type.clone(),
                    value: match &p.value {
                        PartValue::Text(t) => PartValue::Text(t.clone()),
                        PartValue::File(f) => PartValue::File(f.replay()?),
                    },
                })
            })
            .collect::<Option<Vec<Part>>>()?;
        Some(Form { parts })
    }

    // -----------------------------------------------------------------
    // Reading (a server's form struct from what was received)

    /// Removes the parts named `name`, in order.
    fn take(&mut self, name: &str) -> Vec<Part> {
        let (taken, kept) = std::mem::take(&mut self.parts)
            .into_iter()
            .partition(|p| p.name == name);
        self.parts = kept;
        taken
    }

    /// The part named `name` read as text of type `T` (a string as it is;
    /// a number, boolean or other JSON value from its JSON text); `None`
    /// when there is none. More than one is an error.
    pub fn take_text<T: DeserializeOwned>(&mut self, name: &str) -> Result<Option<T>, PartError> {
        let mut all = self.take_texts::<T>(name)?;
        match all.len() {
            0 => Ok(None),
            1 => Ok(all.pop()),
            n => Err(part_error(name, format!("sent {n} times, expected once"))),
        }
    }

    /// Every part named `name`, each read as [`take_text`](Self::take_text)
    /// reads one (an array of values).
    pub fn take_texts<T: DeserializeOwned>(&mut self, name: &str) -> Result<Vec<T>, PartError> {
        self.take(name)
            .into_iter()
            .map(|p| {
                let text = part_text(&p)?;
                // A string first (text stays text: `"x"` is three
                // characters), then the text as JSON (`42`, `true`).
                serde_json::from_value::<T>(serde_json::Value::String(text.clone()))
                    .or_else(|_| serde_json::from_str::<T>(&text))
                    .map_err(|e| part_error(name, format!("does not read as its type: {e}")))
            })
            .collect()
    }

    /// The part named `name` read as JSON text of type `T`; `None` when
    /// there is none.
    pub fn take_json<T: DeserializeOwned>(&mut self, name: &str) -> Result<Option<T>, PartError> {
        let mut parts = self.take(name);
        if parts.len() > 1 {
            return Err(part_error(
                name,
                format!("sent {} times, expected once", parts.len()),
            ));
        }
        let Some(part) = parts.pop() else {
            return Ok(None);
        };
        let text = part_text(&part)?;
        serde_json::from_str(&text)
            .map(Some)
            .map_err(|e| part_error(name, format!("is not JSON of its type: {e}")))
    }

    /// The file part named `name`; `None` when there is none. More than one
    /// is an error.
    pub fn take_file(&mut self, name: &str) -> Result<Option<FilePart>, PartError> {
        let mut all = self.take_files(name);
        match all.len() {
            0 => Ok(None),
            1 => Ok(all.pop()),
            n => Err(part_error(name, format!("sent {n} times, expected once"))),
        }
    }

    /// Every file part named `name`, in order.
    pub fn take_files(&mut self, name: &str) -> Vec<FilePart> {
        self.take(name)
            .into_iter()
            .map(|p| match p.value {
                PartValue::File(mut f) => {
                    if f.content_type.is_none() {
                        f.content_type = p.content_type;
                    }
                    f
                }
                PartValue::Text(t) => FilePart {
                    body: ByteStream::from(t),
                    file_name: None,
                    content_type: p.content_type,
                    headers: Vec::new(),
                },
            })
            .collect()
    }
}

/// Taking a documented part out of a received form, required or not.
impl Form {
    /// [`take_text`](Self::take_text) of a required part.
    pub fn require_text<T: DeserializeOwned>(&mut self, name: &str) -> Result<T, PartError> {
        required(self.take_text(name)?, name)
    }

    /// [`take_json`](Self::take_json) of a required part.
    pub fn require_json<T: DeserializeOwned>(&mut self, name: &str) -> Result<T, PartError> {
        required(self.take_json(name)?, name)
    }

    /// [`take_file`](Self::take_file) of a required part.
    pub fn require_file(&mut self, name: &str) -> Result<FilePart, PartError> {
        required(self.take_file(name)?, name)
    }

    /// [`take_texts`](Self::take_texts) of a required array: at least one
    /// part.
    pub fn require_texts<T: DeserializeOwned>(&mut self, name: &str) -> Result<Vec<T>, PartError> {
        let all = self.take_texts(name)?;
        required((!all.is_empty()).then_some(all), name)
    }

    /// [`take_texts`](Self::take_texts) of an optional array: `None`
    /// without parts.
    pub fn optional_texts<T: DeserializeOwned>(
        &mut self,
        name: &str,
    ) -> Result<Option<Vec<T>>, PartError> {
        let all = self.take_texts(name)?;
        Ok((!all.is_empty()).then_some(all))
    }

    /// [`take_files`](Self::take_files) of a required array: at least one
    /// part.
    pub fn require_files(&mut self, name: &str) -> Result<Vec<FilePart>, PartError> {
        let all = self.take_files(name);
        required((!all.is_empty()).then_some(all), name)
    }

    /// [`take_files`](Self::take_files) of an optional array: `None`
    /// without parts.
    pub fn optional_files(&mut self, name: &str) -> Result<Option<Vec<FilePart>>, PartError> {
        let all = self.take_files(name);
        Ok((!all.is_empty()).then_some(all))
    }

    /// [`take_file`](Self::take_file), as the other readers return.
    pub fn optional_file(&mut self, name: &str) -> Result<Option<FilePart>, PartError> {
        self.take_file(name)
    }
}

/// A part's text: text as it is, a file's bytes when they are UTF-8.
fn part_text(part: &Part) -> Result<String, PartError> {
    match &part.value {
        PartValue::Text(t) => Ok(t.clone()),
        PartValue::File(f) => match f.body.as_bytes() {
            Some(bytes) => String::from_utf8(bytes.to_vec())
                .map_err(|_| part_error(&part.name, "is not UTF-8 text")),
            None => Err(part_error(&part.name, "is a stream, not text")),
        },
    }
}

/// A required part that is absent.
pub fn required<T>(value: Option<T>, name: &str) -> Result<T, PartError> {
    value.ok_or_else(|| part_error(name, "is required"))
}

// ---------------------------------------------------------------------
// Client: the form as `reqwest` sends it

#[cfg(feature = "client")]
impl Form {
    /// The form as `reqwest`'s multipart encoder writes it (each file part
    /// streams, with its length when known).
    pub(crate) fn into_reqwest(self) -> Result<reqwest::multipart::Form, PartError> {
        let mut form = reqwest::multipart::Form::new();
        for part in self.parts {
            let name = part.name;
            let (mut out, headers) = match part.value {
                PartValue::Text(text) => (reqwest::multipart::Part::text(text), Vec::new()),
                PartValue::File(file) => {
                    let len = file.body.len();
                    let body = match file.body.as_bytes() {
                        Some(bytes) => reqwest::Body::from(bytes.clone()),
                        None => reqwest::Body::wrap_stream(file.body),
                    };
                    let mut out = match len {
                        Some(len) => reqwest::multipart::Part::stream_with_length(body, len),
                        None => reqwest::multipart::Part::stream(body),
                    };
                    if let Some(file_name) = file.file_name {
                        out = out.file_name(file_name);
                    }
                    (out, file.headers)
                }
            };
            if let Some(content_type) = &part.content_type {
                out = out
                    .mime_str(content_type)
                    .map_err(|e| part_error(&name, format!("media type `{content_type}`: {e}")))?;
            }
            if !headers.is_empty() {
                let mut map = reqwest::header::HeaderMap::new();
                for (h, v) in &headers {
                    let h = reqwest::header::HeaderName::from_bytes(h.as_bytes())
                        .map_err(|e| part_error(&name, format!("header `{h}`: {e}")))?;
                    let v = reqwest::header::HeaderValue::from_str(v)
                        .map_err(|e| part_error(&name, format!("header `{h}`: {e}")))?;
                    map.append(h, v);
                }
                out = out.headers(map);
            }
            form = form.part(name, out);
        }
        Ok(form)
    }
}

// ---------------------------------------------------------------------
// Server: the form read with multer

#[cfg(feature = "server")]
impl Form {
    /// Reads a `multipart/form-data` body of `content_type` from `body`
    /// (whose own limit ends it when crossed): every part in memory, text
    /// parts (no file name, a textual or no media type) as text.
    pub async fn read(content_type: &str, body: ByteStream) -> Result<Form, FormReadError> {
        let boundary = multer::parse_boundary(content_type)
            .map_err(|e| FormReadError::NotMultipart(e.to_string()))?;
        let mut multipart = multer::Multipart::new(body, boundary);
        let mut form = Form::new();
        loop {
            let field = match multipart.next_field().await {
                Ok(Some(field)) => field,
                Ok(None) => break,
                Err(e) => return Err(FormReadError::from_multer(e)),
            };
            let name = field.name().unwrap_or_default().to_owned();
            let file_name = field.file_name().map(str::to_owned);
            let content_type = field.content_type().map(|m| m.to_string());
            let headers: Vec<(String, String)> = field
                .headers()
                .iter()
                .filter(|(h, _)| {
                    *h != axum::http::header::CONTENT_DISPOSITION
                        && *h != axum::http::header::CONTENT_TYPE
                })
                .map(|(h, v)| {
                    (
                        h.as_str().to_owned(),
                        String::from_utf8_lossy(v.as_bytes()).into_owned(),
                    )
                })
                .collect();
            let bytes = field.bytes().await.map_err(FormReadError::from_multer)?;
            let textual = content_type.as_deref().is_none_or(|m| {
                let m = m.to_ascii_lowercase();
                m.starts_with("text/") || m.contains("json")
            });
            let value = match (file_name.is_none() && textual, std::str::from_utf8(&bytes)) {
                (true, Ok(text)) => PartValue::Text(text.to_owned()),
                _ => PartValue::File(FilePart {
                    body: ByteStream::from(bytes),
                    file_name,
                    content_type: content_type.clone(),
                    headers,
                }),
            };
            form.parts.push(Part {
                name,
                content_type,
                value,
            });
        }
        Ok(form)
    }
}

/// Why a received body is not a form.
#[cfg(feature = "server")]
#[derive(Debug)]
pub enum FormReadError {
    /// Its `Content-Type` is not `multipart/form-data` with a boundary.
    NotMultipart(String),
    /// It is larger than the body limit.
    TooLarge,
    /// It stopped arriving (the idle timeout).
    Stalled,
    /// It is not well-formed multipart.
    Malformed(String),
}

#[cfg(feature = "server")]
impl FormReadError {
    fn from_multer(e: multer::Error) -> Self {
        use super::stream::ByteStreamErrorKind;
        if let multer::Error::StreamReadFailed(source) = &e {
            if let Some(s) = source.downcast_ref::<ByteStreamError>() {
                return match s.kind() {
                    ByteStreamErrorKind::TooLarge => FormReadError::TooLarge,
                    ByteStreamErrorKind::IdleTimeout => FormReadError::Stalled,
                    _ => FormReadError::Malformed(e.to_string()),
                };
            }
        }
        FormReadError::Malformed(e.to_string())
    }
}
