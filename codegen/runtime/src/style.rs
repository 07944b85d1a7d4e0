//! Parameters on the wire: OpenAPI's serialization styles, both ways.
//!
//! A generated operation names each parameter's [`Param`] (its name,
//! location, style, `explode` and `allowReserved`, or the media type of its
//! `content`); the client writes values with [`Param::path_value`],
//! [`Param::query_pairs`], [`Param::header_value`] and
//! [`Param::cookie_pairs`], and the server reads them back with
//! [`Param::from_path`], [`Param::from_query`], [`Param::from_header`] and
//! [`Param::from_cookies`]. The rules are the specification's style tables
//! ("Style Examples"), for primitives, arrays and objects:
//!
//! | style | explode | array | object |
//! |---|---|---|---|
//! | `simple` | no | `blue,black` | `R,100,G,200` |
//! | `simple` | yes | `blue,black` | `R=100,G=200` |
//! | `label` | no | `.blue,black` | `.R,100,G,200` |
//! | `label` | yes | `.blue.black` | `.R=100.G=200` |
//! | `matrix` | no | `;color=blue,black` | `;color=R,100,G,200` |
//! | `matrix` | yes | `;color=blue;color=black` | `;R=100;G=200` |
//! | `form` | no | `color=blue,black` | `color=R,100,G,200` |
//! | `form` | yes | `color=blue&color=black` | `R=100&G=200` |
//! | `spaceDelimited` | no | `color=blue%20black` | `color=R%20100%20G%20200` |
//! | `pipeDelimited` | no | `color=blue\|black` | `color=R\|100\|G\|200` |
//! | `deepObject` | yes | — | `color[R]=100&color[G]=200` |
//!
//! A cookie (`form`) is a `name=value` pair of the `Cookie` header; exploded,
//! an array is one cookie per item and an object one cookie per property.
//! A value in an array or object that is itself an array or object is JSON
//! text, except under `deepObject`, where objects nest (`color[a][b]=1`).
//! `null` properties are left out; a `null` parameter is not sent.
//!
//! **Percent-encoding** follows RFC 3986. In a path, everything but the
//! unreserved characters (`A-Z a-z 0-9 - . _ ~`) is escaped in values, so a
//! value cannot reach another path segment, and the style's own delimiters
//! (`,` `;` `=` and, for `label`, `.`) are escaped inside values. In a
//! query, keys and values escape everything but the unreserved characters;
//! with `allowReserved`, RFC 3986's reserved characters
//! (`:/?#[]@!$&'()*+,;=`) stay as they are but for those that would change
//! how the query reads: `&`, `=`, `#`, `+` and the style's delimiter. A
//! header value is sent as text (it must be visible ASCII); a cookie value
//! escapes what RFC 6265 does not allow in one, and `%`.
//!
//! **Reading** splits decoded text on the style's delimiters, as
//! independent readers do (openapi-core, oapi-codegen): an item of an array
//! or object that itself contains its style's delimiter cannot be told
//! apart from two items, and the specification leaves that case ambiguous.
//! A primitive is never split. Each value is read as the type asks (an
//! integer from `42`, a boolean from `true`, a string enum from its name),
//! and a value that does not fit is an error naming the parameter.

use std::borrow::Cow;
use std::fmt;

use percent_encoding::{percent_decode_str, utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use serde::de::{self, DeserializeSeed, IntoDeserializer, MapAccess, SeqAccess, Visitor};
use serde::Serialize;
use serde_json::Value;

/// Where a parameter is sent.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum In {
    /// A placeholder of the path template.
    Path,
    /// The query string.
    Query,
    /// A request header.
    Header,
    /// A cookie of the `Cookie` header.
    Cookie,
}

impl In {
    /// The location's name in error messages.
    pub fn describe(self) -> &'static str {
        match self {
            In::Path => "path parameter",
            In::Query => "query parameter",
            In::Header => "header",
            In::Cookie => "cookie",
        }
    }
}

/// A serialization style of the OpenAPI specification.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Style {
    /// `simple`: comma-separated (paths and headers).
    Simple,
    /// `label`: a leading `.` (paths).
    Label,
    /// `matrix`: `;name=value` (paths).
    Matrix,
    /// `form`: `name=value` pairs (queries and cookies).
    Form,
    /// `spaceDelimited`: array items or object keys and values separated by
    /// spaces (queries).
    SpaceDelimited,
    /// `pipeDelimited`: separated by `|` (queries).
    PipeDelimited,
    /// `deepObject`: `name[key]=value` (queries).
    DeepObject,
}

impl Style {
    /// The style a location uses when the document names none.
    pub const fn default_for(location: In) -> Style {
        match location {
            In::Path | In::Header => Style::Simple,
            In::Query | In::Cookie => Style::Form,
        }
    }

    /// The style's name in the specification.
    pub fn name(self) -> &'static str {
        match self {
            Style::Simple => "simple",
            Style::Label => "label",
            Style::Matrix => "matrix",
            Style::Form => "form",
            Style::SpaceDelimited => "spaceDelimited",
            Style::PipeDelimited => "pipeDelimited",
            Style::DeepObject => "deepObject",
        }
    }
}

/// How a parameter's value becomes text.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Format {
    /// By a style (a parameter with a `schema`).
    Style(Style),
    /// As JSON text, then placed as a primitive would be (a parameter with
    /// `content` of a JSON media type).
    Json,
}

/// One parameter of an operation, as its document describes it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Param {
    /// The name on the wire.
    pub name: &'static str,
    /// Where it is sent.
    pub location: In,
    /// How its value becomes text.
    pub format: Format,
    /// Whether arrays and objects are exploded.
    pub explode: bool,
    /// Whether RFC 3986's reserved characters are sent as they are (queries).
    pub allow_reserved: bool,
    /// Whether a query parameter may have an empty value (`name=`), as its
    /// `allowEmptyValue` says; a server refuses an empty value otherwise.
    /// Always true elsewhere.
    pub allow_empty_value: bool,
}

/// A value that cannot be written or read as its parameter says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StyleError {
    /// The parameter's name.
    pub name: String,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for StyleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "`{}`: {}", self.name, self.message)
    }
}

impl std::error::Error for StyleError {}

/// Everything but RFC 3986's unreserved characters.
const UNRESERVED: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// [`UNRESERVED`] with `.` escaped too: a `label` value, where `.` delimits.
const LABEL: &AsciiSet = &UNRESERVED.add(b'.');

/// A query value with `allowReserved`: the reserved characters stay, but
/// for those that would change how the query string reads.
const RESERVED_ALLOWED: &AsciiSet = &UNRESERVED
    .remove(b':')
    .remove(b'/')
    .remove(b'?')
    .remove(b'[')
    .remove(b']')
    .remove(b'@')
    .remove(b'!')
    .remove(b'$')
    .remove(b'\'')
    .remove(b'(')
    .remove(b')')
    .remove(b'*')
    .remove(b',')
    .remove(b';');

/// What a cookie value may not hold (RFC 6265's cookie-octet), and `%`.
const COOKIE: &AsciiSet = &percent_encoding::CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b',')
    .add(b';')
    .add(b'\\')
    .add(b'%')
    .add(b'=');

/// A value as text pieces: nothing, one primitive, items, or properties.
enum Shape {
    Absent,
    One(String),
    Items(Vec<String>),
    Props(Vec<(String, Value)>),
}

/// A primitive as text; anything else as JSON text.
fn text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

impl Param {
    /// A parameter at `location` with the location's default style and
    /// `explode` (exploded for `form`, the query's and cookies' default).
    pub const fn new(name: &'static str, location: In) -> Self {
        Param {
            name,
            location,
            format: Format::Style(Style::default_for(location)),
            explode: matches!(location, In::Query | In::Cookie),
            allow_reserved: false,
            allow_empty_value: !matches!(location, In::Query),
        }
    }

    /// With `style`.
    pub const fn style(mut self, style: Style) -> Self {
        self.format = Format::Style(style);
        self
    }

    /// With `explode` set to `explode`.
    pub const fn explode(mut self, explode: bool) -> Self {
        self.explode = explode;
        self
    }

    /// With `allowReserved`.
    pub const fn allow_reserved(mut self) -> Self {
        self.allow_reserved = true;
        self
    }

    /// With `allowEmptyValue` (a form body's properties have it too).
    pub const fn allow_empty_value(mut self) -> Self {
        self.allow_empty_value = true;
        self
    }

    /// Described by `content` of a JSON media type.
    pub const fn json(mut self) -> Self {
        self.format = Format::Json;
        self
    }

    fn error(&self, message: impl Into<String>) -> StyleError {
        StyleError {
            name: self.name.to_owned(),
            message: message.into(),
        }
    }

    fn shape<T: Serialize + ?Sized>(&self, value: &T) -> Result<Shape, StyleError> {
        let value = serde_json::to_value(value)
            .map_err(|e| self.error(format!("cannot be serialized: {e}")))?;
        if self.format == Format::Json {
            return Ok(match value {
                Value::Null => Shape::Absent,
                v => Shape::One(v.to_string()),
            });
        }
        Ok(match value {
            Value::Null => Shape::Absent,
            Value::Array(items) => Shape::Items(items.iter().map(text).collect()),
            Value::Object(props) => {
                Shape::Props(props.into_iter().filter(|(_, v)| !v.is_null()).collect())
            }
            Value::String(s) => Shape::One(s),
            primitive => Shape::One(primitive.to_string()),
        })
    }

    /// The style values are written in: an exploded `spaceDelimited` or
    /// `pipeDelimited` value is written as an exploded `form` one (the
    /// specification defines those styles only unexploded).
    fn style_or_default(&self) -> Style {
        match self.format {
            Format::Style(Style::SpaceDelimited | Style::PipeDelimited) if self.explode => {
                Style::Form
            }
            Format::Style(s) => s,
            Format::Json => Style::default_for(self.location),
        }
    }

    /// The text of a path parameter's value, percent-encoded, to fill its
    /// placeholder of the template.
    pub fn path_value<T: Serialize + ?Sized>(&self, value: &T) -> Result<String, StyleError> {
        let style = self.style_or_default();
        let set = if style == Style::Label {
            LABEL
        } else {
            UNRESERVED
        };
        let enc = |s: &str| utf8_percent_encode(s, set).to_string();
        let name = enc(self.name);
        let shape = self.shape(value)?;
        let (lead, sep, kv) = match (style, self.explode) {
            (Style::Label, false) => (".".to_owned(), ",", None),
            (Style::Label, true) => (".".to_owned(), ".", Some("=")),
            (Style::Matrix, _) => (format!(";{name}"), ",", None),
            (_, false) => (String::new(), ",", None),
            (_, true) => (String::new(), ",", Some("=")),
        };
        Ok(match (style, shape) {
            (Style::Matrix, Shape::Absent) => lead,
            (Style::Matrix, Shape::One(v)) => format!("{lead}={}", enc(&v)),
            (Style::Matrix, Shape::Items(items)) if self.explode => items
                .iter()
                .map(|i| format!(";{name}={}", enc(i)))
                .collect(),
            (Style::Matrix, Shape::Props(props)) if self.explode => props
                .iter()
                .map(|(k, v)| format!(";{}={}", enc(k), enc(&text(v))))
                .collect(),
            (Style::Matrix, Shape::Items(items)) => {
                format!("{lead}={}", join(items.iter().map(|i| enc(i)), ","))
            }
            (Style::Matrix, Shape::Props(props)) => format!(
                "{lead}={}",
                join(props.iter().flat_map(|(k, v)| [enc(k), enc(&text(v))]), ",")
            ),
            (_, Shape::Absent) => lead,
            (_, Shape::One(v)) => format!("{lead}{}", enc(&v)),
            (_, Shape::Items(items)) => {
                format!("{lead}{}", join(items.iter().map(|i| enc(i)), sep))
            }
            (_, Shape::Props(props)) => {
                let pieces: Vec<String> = match kv {
                    Some(eq) => props
                        .iter()
                        .map(|(k, v)| format!("{}{eq}{}", enc(k), enc(&text(v))))
                        .collect(),
                    None => props
                        .iter()
                        .flat_map(|(k, v)| [enc(k), enc(&text(v))])
                        .collect(),
                };
                format!("{lead}{}", join(pieces.into_iter(), sep))
            }
        })
    }

    /// The query pairs of a value, each key and value percent-encoded, in
    /// order; none for `null`.
    pub fn query_pairs<T: Serialize + ?Sized>(
        &self,
        value: &T,
    ) -> Result<Vec<(String, String)>, StyleError> {
        let style = self.style_or_default();
        let delimiter = match (style, self.explode) {
            (Style::SpaceDelimited, false) => Some(" "),
            (Style::PipeDelimited, false) => Some("|"),
            (Style::Form, false) => Some(","),
            _ => None,
        };
        let enc = |s: &str| -> String {
            if self.allow_reserved {
                let mut out = utf8_percent_encode(s, RESERVED_ALLOWED).to_string();
                if delimiter == Some(",") {
                    out = out.replace(',', "%2C");
                }
                out
            } else {
                utf8_percent_encode(s, UNRESERVED).to_string()
            }
        };
        let key = utf8_percent_encode(self.name, UNRESERVED).to_string();
        // The delimiter as it is sent: a space escaped, `|` and `,` as they are.
        let joined = |pieces: Vec<String>| -> String {
            let d = match delimiter {
                Some(" ") => "%20",
                Some(d) => d,
                None => ",",
            };
            pieces.join(d)
        };
        Ok(match self.shape(value)? {
            Shape::Absent => Vec::new(),
            Shape::One(v) => vec![(key, enc(&v))],
            Shape::Items(items) => match delimiter {
                Some(_) => vec![(key, joined(items.iter().map(|i| enc(i)).collect()))],
                None => items.iter().map(|i| (key.clone(), enc(i))).collect(),
            },
            Shape::Props(props) => match (style, delimiter) {
                (_, Some(_)) => vec![(
                    key,
                    joined(
                        props
                            .iter()
                            .flat_map(|(k, v)| [enc(k), enc(&text(v))])
                            .collect(),
                    ),
                )],
                (Style::DeepObject, None) => {
                    let mut out = Vec::new();
                    for (k, v) in &props {
                        deep_pairs(&format!("{key}%5B{}%5D", enc(k)), v, &enc, &mut out);
                    }
                    out
                }
                _ => props.iter().map(|(k, v)| (enc(k), enc(&text(v)))).collect(),
            },
        })
    }

    /// A header parameter's value as header text; `None` for `null`.
    pub fn header_value<T: Serialize + ?Sized>(
        &self,
        value: &T,
    ) -> Result<Option<String>, StyleError> {
        let out = match self.shape(value)? {
            Shape::Absent => return Ok(None),
            Shape::One(v) => v,
            Shape::Items(items) => items.join(","),
            Shape::Props(props) if self.explode => {
                join(props.iter().map(|(k, v)| format!("{k}={}", text(v))), ",")
            }
            Shape::Props(props) => join(props.iter().flat_map(|(k, v)| [k.clone(), text(v)]), ","),
        };
        if out
            .bytes()
            .all(|b| b == b'\t' || (b' '..=b'~').contains(&b))
        {
            Ok(Some(out))
        } else {
            Err(self.error("a header value must be visible ASCII text"))
        }
    }

    /// The cookies of a value, as `name=value` pairs with their values
    /// encoded; none for `null`.
    pub fn cookie_pairs<T: Serialize + ?Sized>(
        &self,
        value: &T,
    ) -> Result<Vec<(String, String)>, StyleError> {
        let enc = |s: &str| utf8_percent_encode(s, COOKIE).to_string();
        let name = self.name.to_owned();
        Ok(match self.shape(value)? {
            Shape::Absent => Vec::new(),
            Shape::One(v) => vec![(name, enc(&v))],
            Shape::Items(items) if self.explode => {
                items.iter().map(|i| (name.clone(), enc(i))).collect()
            }
            Shape::Items(items) => vec![(name, join(items.iter().map(|i| enc(i)), ","))],
            Shape::Props(props) if self.explode => {
                props.iter().map(|(k, v)| (enc(k), enc(&text(v)))).collect()
            }
            Shape::Props(props) => vec![(
                name,
                join(props.iter().flat_map(|(k, v)| [enc(k), enc(&text(v))]), ","),
            )],
        })
    }
}

fn join(pieces: impl Iterator<Item = String>, sep: &str) -> String {
    pieces.collect::<Vec<_>>().join(sep)
}

/// `deepObject` pairs of one property: objects nest in brackets, arrays
/// repeat the key.
fn deep_pairs(
    key: &str,
    value: &Value,
    enc: &dyn Fn(&str) -> String,
    out: &mut Vec<(String, String)>,
) {
    match value {
        Value::Null => {}
        Value::Object(props) => {
            for (k, v) in props {
                deep_pairs(&format!("{key}%5B{}%5D", enc(k)), v, enc, out);
            }
        }
        Value::Array(items) => {
            for item in items {
                match item {
                    Value::Object(_) | Value::Array(_) => {
                        out.push((key.to_owned(), enc(&item.to_string())));
                    }
                    other => out.push((key.to_owned(), enc(&text(other)))),
                }
            }
        }
        other => out.push((key.to_owned(), enc(&text(other)))),
    }
}

// ---------------------------------------------------------------------------
// Reading

/// Where a value is read from.
enum Source<'a> {
    /// A path parameter's decoded text.
    Path(&'a str),
    /// The decoded query pairs, and the names of the operation's other query
    /// parameters (which an exploded object's properties leave alone).
    Query(&'a [(String, String)], &'a [&'a str]),
    /// A header's text.
    Header(&'a str),
    /// The decoded cookies, and the operation's other cookie names.
    Cookies(&'a [(String, String)], &'a [&'a str]),
}

impl Param {
    /// Reads a path parameter from its decoded text.
    pub fn from_path<T: de::DeserializeOwned>(&self, text: &str) -> Result<T, StyleError> {
        self.read(Source::Path(text))
    }

    /// Reads a query parameter from the decoded query pairs; `others` are
    /// the names of the operation's other query parameters. `None` when it
    /// is not there.
    pub fn from_query<T: de::DeserializeOwned>(
        &self,
        pairs: &[(String, String)],
        others: &[&str],
    ) -> Result<Option<T>, StyleError> {
        let present = match (self.style_or_default(), self.explode, self.format) {
            (_, _, Format::Json) => pairs.iter().any(|(k, _)| k == self.name),
            (Style::DeepObject, _, _) => pairs.iter().any(|(k, _)| {
                k == self.name
                    || k.strip_prefix(self.name)
                        .is_some_and(|rest| rest.starts_with('['))
            }),
            (Style::Form, true, _) => pairs
                .iter()
                .any(|(k, _)| k == self.name || !others.contains(&k.as_str())),
            _ => pairs.iter().any(|(k, _)| k == self.name),
        };
        if !present {
            return Ok(None);
        }
        self.read_present(Source::Query(pairs, others))
    }

    /// Reads a header parameter from its text, if the request has it.
    pub fn from_header<T: de::DeserializeOwned>(
        &self,
        text: Option<&str>,
    ) -> Result<Option<T>, StyleError> {
        match text {
            None => Ok(None),
            Some(t) => self.read(Source::Header(t.trim())).map(Some),
        }
    }

    /// Reads a cookie parameter from the request's decoded cookies; `others`
    /// are the operation's other cookie names. `None` when it is not there.
    pub fn from_cookies<T: de::DeserializeOwned>(
        &self,
        cookies: &[(String, String)],
        others: &[&str],
    ) -> Result<Option<T>, StyleError> {
        let present = if self.explode && self.format != Format::Json {
            cookies
                .iter()
                .any(|(k, _)| k == self.name || !others.contains(&k.as_str()))
        } else {
            cookies.iter().any(|(k, _)| k == self.name)
        };
        if !present {
            return Ok(None);
        }
        self.read_present(Source::Cookies(cookies, others))
    }

    /// [`Self::read`], `None` when the value turns out not to be there (a
    /// primitive or array of an exploded `form` parameter, whose presence is
    /// known only once its type asks for its own key).
    fn read_present<T: de::DeserializeOwned>(
        &self,
        source: Source<'_>,
    ) -> Result<Option<T>, StyleError> {
        match self.read(source) {
            Err(e) if e.message == ABSENT => Ok(None),
            other => other.map(Some),
        }
    }

    fn read<T: de::DeserializeOwned>(&self, source: Source<'_>) -> Result<T, StyleError> {
        if self.format == Format::Json {
            let text = Styled {
                param: self,
                source,
                objects_as_json: false,
            }
            .one()
            .map_err(|e| self.error(e.0))?;
            return serde_json::from_str(&text).map_err(|e| {
                self.error(format!("`{}` is not valid JSON for it: {e}", cut(&text)))
            });
        }
        T::deserialize(Styled {
            param: self,
            source,
            objects_as_json: false,
        })
        .map_err(|e| self.error(e.0))
    }
}

/// The first 64 characters of `text`, for messages.
fn cut(text: &str) -> Cow<'_, str> {
    match text.char_indices().nth(64) {
        Some((i, _)) => Cow::Owned(format!("{}…", &text[..i])),
        None => Cow::Borrowed(text),
    }
}

/// The message of a value that is not there at all.
const ABSENT: &str = "is missing";

/// A reading error (converted to a [`StyleError`] naming the parameter).
#[derive(Debug)]
struct Error(String);

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Error {}

impl de::Error for Error {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        Error(msg.to_string())
    }
}

fn decode(text: &str) -> Cow<'_, str> {
    percent_decode_str(text).decode_utf8_lossy()
}

/// Splits `text` on `sep`; empty text is no items.
fn split<'t>(text: &'t str, sep: &str) -> Vec<&'t str> {
    if text.is_empty() {
        Vec::new()
    } else {
        text.split(sep).collect()
    }
}

/// Alternating keys and values as pairs.
fn alternating(items: Vec<String>) -> Result<Vec<(String, Node)>, Error> {
    if items.len() % 2 != 0 {
        return Err(Error(format!(
            "an object needs keys and values in turn, got {} items",
            items.len()
        )));
    }
    let mut out = Vec::with_capacity(items.len() / 2);
    let mut it = items.into_iter();
    while let (Some(k), Some(v)) = (it.next(), it.next()) {
        out.push((k, Node::Text(v)));
    }
    Ok(out)
}

/// `key=value` pieces as pairs.
fn assigned(pieces: Vec<String>) -> Result<Vec<(String, Node)>, Error> {
    pieces
        .into_iter()
        .map(|p| match p.split_once('=') {
            Some((k, v)) => Ok((k.to_owned(), Node::Text(v.to_owned()))),
            None => Err(Error(format!("`{}` is not `key=value`", cut(&p)))),
        })
        .collect()
}

/// The top-level reader of one parameter: it splits the text the way the
/// type asks for (one value, items, or properties).
struct Styled<'a> {
    param: &'a Param,
    source: Source<'a>,
    /// An object is JSON text (a form body's property without an
    /// `encoding` entry), not the style's properties.
    objects_as_json: bool,
}

impl Styled<'_> {
    fn name(&self) -> &str {
        self.param.name
    }

    /// A path value with its `label` or `matrix` prefix taken off.
    fn path_body<'t>(&self, text: &'t str, exploded_matrix: bool) -> Result<&'t str, Error> {
        match self.param.style_or_default() {
            Style::Label => text.strip_prefix('.').ok_or_else(|| {
                Error(format!(
                    "a `label` value starts with `.`, got `{}`",
                    cut(text)
                ))
            }),
            Style::Matrix if !exploded_matrix => {
                let lead = format!(";{}", self.name());
                let rest = text.strip_prefix(lead.as_str()).ok_or_else(|| {
                    Error(format!(
                        "a `matrix` value starts with `{lead}`, got `{}`",
                        cut(text)
                    ))
                })?;
                if rest.is_empty() {
                    Ok(rest)
                } else {
                    rest.strip_prefix('=').ok_or_else(|| {
                        Error(format!(
                            "a `matrix` value is `{lead}=…`, got `{}`",
                            cut(text)
                        ))
                    })
                }
            }
            _ => Ok(text),
        }
    }

    /// The one value of a primitive.
    fn one(&self) -> Result<String, Error> {
        match &self.source {
            Source::Path(text) => self.path_body(text, false).map(str::to_owned),
            Source::Header(text) => Ok((*text).to_owned()),
            Source::Query(pairs, _) | Source::Cookies(pairs, _) => {
                let mut values = pairs.iter().filter(|(k, _)| k == self.name());
                match (values.next(), values.count()) {
                    (None, _) => Err(Error(ABSENT.to_owned())),
                    (Some((_, v)), 0) => Ok(v.clone()),
                    (Some(_), more) => Err(Error(format!("expected one value, got {}", more + 1))),
                }
            }
        }
    }

    /// [`Self::one`] for a primitive value: an empty one in the query
    /// only where the parameter allows it (`allowEmptyValue`, which is
    /// false unless the spec says otherwise).
    fn primitive(&self) -> Result<String, Error> {
        let text = self.one()?;
        if text.is_empty()
            && !self.param.allow_empty_value
            && matches!(self.source, Source::Query(..))
        {
            return Err(Error(
                "an empty value is not allowed (the parameter does not set `allowEmptyValue`)"
                    .to_owned(),
            ));
        }
        Ok(text)
    }

    /// The items of an array.
    fn items(&self) -> Result<Vec<String>, Error> {
        let style = self.param.style_or_default();
        let explode = self.param.explode;
        Ok(match &self.source {
            Source::Path(text) => match (style, explode) {
                (Style::Matrix, true) => {
                    let key = format!("{}=", self.name());
                    split(text.strip_prefix(';').unwrap_or(text), ";")
                        .into_iter()
                        .map(|p| {
                            p.strip_prefix(key.as_str())
                                .map(str::to_owned)
                                .ok_or_else(|| Error(format!("`{}` is not `;{key}…`", cut(p))))
                        })
                        .collect::<Result<_, _>>()?
                }
                (Style::Label, true) => split(self.path_body(text, false)?, ".")
                    .into_iter()
                    .map(str::to_owned)
                    .collect(),
                _ => split(self.path_body(text, false)?, ",")
                    .into_iter()
                    .map(str::to_owned)
                    .collect(),
            },
            Source::Header(text) => split(text, ",")
                .into_iter()
                .map(|s| s.trim().to_owned())
                .collect(),
            Source::Query(pairs, _) | Source::Cookies(pairs, _) => {
                let delimiter = match (style, explode) {
                    (Style::SpaceDelimited, false) => Some(" "),
                    (Style::PipeDelimited, false) => Some("|"),
                    (Style::Form, false) => Some(","),
                    _ => None,
                };
                let mut values = pairs
                    .iter()
                    .filter(|(k, _)| k == self.name())
                    .map(|(_, v)| v)
                    .peekable();
                if values.peek().is_none() {
                    return Err(Error(ABSENT.to_owned()));
                }
                match delimiter {
                    // `name=` is the empty list (Schemathesis and our client
                    // write one so; a list of one empty item reads the same).
                    Some(d) => values
                        .next()
                        .map(|v| split(v, d).into_iter().map(str::to_owned).collect())
                        .unwrap_or_default(),
                    None => values.cloned().collect(),
                }
            }
        })
    }

    /// The properties of an object; `fields` are a struct's own (a map has
    /// none).
    fn props(&self, fields: Option<&[&str]>) -> Result<Vec<(String, Node)>, Error> {
        let style = self.param.style_or_default();
        let explode = self.param.explode;
        let owned = |v: Vec<&str>| v.into_iter().map(str::to_owned).collect::<Vec<_>>();
        match &self.source {
            Source::Path(text) => match (style, explode) {
                (Style::Matrix, true) => {
                    assigned(owned(split(text.strip_prefix(';').unwrap_or(text), ";")))
                }
                (Style::Label, true) => assigned(owned(split(self.path_body(text, false)?, "."))),
                (_, true) => assigned(owned(split(self.path_body(text, false)?, ","))),
                (_, false) => alternating(owned(split(self.path_body(text, false)?, ","))),
            },
            Source::Header(text) => {
                let pieces = split(text, ",")
                    .into_iter()
                    .map(|s| s.trim().to_owned())
                    .collect();
                if explode {
                    assigned(pieces)
                } else {
                    alternating(pieces)
                }
            }
            Source::Query(pairs, others) | Source::Cookies(pairs, others) => {
                let delimiter = match (style, explode) {
                    (Style::SpaceDelimited, _) => Some(" "),
                    (Style::PipeDelimited, _) => Some("|"),
                    (Style::Form, false) => Some(","),
                    _ => None,
                };
                if let Some(d) = delimiter {
                    let value = pairs
                        .iter()
                        .find(|(k, _)| k == self.name())
                        .map(|(_, v)| v.as_str())
                        .unwrap_or_default();
                    return alternating(owned(split(value, d)));
                }
                if style == Style::DeepObject {
                    return deep_props(self.name(), pairs);
                }
                // Exploded: the object's own keys among the pairs.
                let mine = |k: &str| match fields {
                    Some(fields) => fields.contains(&k),
                    None => !others.contains(&k),
                };
                let mut out: Vec<(String, Node)> = Vec::new();
                for (k, v) in pairs.iter().filter(|(k, _)| mine(k)) {
                    push_value(&mut out, k, Node::Text(v.clone()));
                }
                Ok(out)
            }
        }
    }
}

/// Adds `key: node` to `out`; a key seen before becomes a list.
fn push_value(out: &mut Vec<(String, Node)>, key: &str, node: Node) {
    match out.iter_mut().find(|(k, _)| k == key) {
        Some((_, Node::List(items))) => items.push(node),
        Some((_, existing)) => {
            let first = std::mem::replace(existing, Node::List(Vec::new()));
            *existing = Node::List(vec![first, node]);
        }
        None => out.push((key.to_owned(), node)),
    }
}

/// The `name[a][b]=v` pairs of a `deepObject` as a tree.
fn deep_props(name: &str, pairs: &[(String, String)]) -> Result<Vec<(String, Node)>, Error> {
    let mut root: Vec<(String, Node)> = Vec::new();
    for (k, v) in pairs {
        let Some(rest) = k.strip_prefix(name) else {
            continue;
        };
        if !rest.starts_with('[') {
            continue;
        }
        let mut path = Vec::new();
        let mut rest = rest;
        while let Some(inner) = rest.strip_prefix('[') {
            let Some(end) = inner.find(']') else {
                return Err(Error(format!("`{}` has an unclosed `[`", cut(k))));
            };
            path.push(&inner[..end]);
            rest = &inner[end + 1..];
        }
        if !rest.is_empty() {
            return Err(Error(format!("`{}` is not `{name}[key]…`", cut(k))));
        }
        insert_deep(&mut root, &path, v)?;
    }
    Ok(root)
}

fn insert_deep(level: &mut Vec<(String, Node)>, path: &[&str], value: &str) -> Result<(), Error> {
    let (first, rest) = path.split_first().expect("a bracketed key has one part");
    if rest.is_empty() || (rest.len() == 1 && rest[0].is_empty()) {
        push_value(level, first, Node::Text(value.to_owned()));
        return Ok(());
    }
    if !level.iter().any(|(k, _)| k == first) {
        level.push(((*first).to_owned(), Node::Map(Vec::new())));
    }
    match level.iter_mut().find(|(k, _)| k == first) {
        Some((_, Node::Map(inner))) => insert_deep(inner, rest, value),
        _ => Err(Error(format!("`{first}` is both a value and an object"))),
    }
}

/// Primitives read the parameter's one value, as text the type parses.
macro_rules! one_value {
    ($($method:ident)*) => {
        $(fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
            Node::Text(self.primitive()?).$method(visitor)
        })*
    };
}

impl<'de> de::Deserializer<'de> for Styled<'_> {
    type Error = Error;

    /// Without a type to go by (an untagged union, any JSON value): the text.
    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        Node::Text(self.primitive()?).deserialize_any(visitor)
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_some(self)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Error> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        let items = self.items()?.into_iter().map(Node::Text).collect();
        Node::List(items).deserialize_seq(visitor)
    }

    fn deserialize_tuple<V: Visitor<'de>>(
        self,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        if self.objects_as_json {
            return Node::Text(self.one()?).deserialize_map(visitor);
        }
        Node::Map(self.props(None)?).deserialize_map(visitor)
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        if self.objects_as_json {
            return Node::Text(self.one()?).deserialize_map(visitor);
        }
        Node::Map(self.props(Some(fields))?).deserialize_map(visitor)
    }

    serde::forward_to_deserialize_any! {
        i128 u128 char bytes byte_buf unit unit_struct identifier ignored_any
    }

    one_value! {
        deserialize_bool deserialize_i8 deserialize_i16 deserialize_i32 deserialize_i64
        deserialize_u8 deserialize_u16 deserialize_u32 deserialize_u64 deserialize_f32
        deserialize_f64 deserialize_str deserialize_string
    }
    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        Node::Text(self.primitive()?).deserialize_enum(name, variants, visitor)
    }
}

/// Text already split out of a parameter: one value, a list, or an object.
#[derive(Debug)]
enum Node {
    Text(String),
    List(Vec<Node>),
    Map(Vec<(String, Node)>),
}

impl Node {
    fn text(&self) -> Result<&str, Error> {
        match self {
            Node::Text(t) => Ok(t),
            Node::List(items) => Err(Error(format!("expected one value, got {}", items.len()))),
            Node::Map(_) => Err(Error("expected one value, got an object".to_owned())),
        }
    }

    fn parse<T: std::str::FromStr>(&self, what: &str) -> Result<T, Error> {
        let t = self.text()?;
        t.parse()
            .map_err(|_| Error(format!("`{}` is not {what}", cut(t))))
    }

    /// A nested array or object written as JSON text.
    fn json(&self) -> Result<Value, Error> {
        let t = self.text()?;
        serde_json::from_str(t).map_err(|e| Error(format!("`{}` is not JSON: {e}", cut(t))))
    }
}

macro_rules! parsed {
    ($($method:ident $visit:ident $t:ty, $what:literal;)*) => {
        $(fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
            visitor.$visit(self.parse::<$t>($what)?)
        })*
    };
}

impl<'de> de::Deserializer<'de> for Node {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self {
            Node::Text(t) => visitor.visit_string(t),
            Node::List(_) => self.deserialize_seq(visitor),
            Node::Map(_) => self.deserialize_map(visitor),
        }
    }

    parsed! {
        deserialize_bool visit_bool bool, "a boolean";
        deserialize_i8 visit_i8 i8, "an integer";
        deserialize_i16 visit_i16 i16, "an integer";
        deserialize_i32 visit_i32 i32, "an integer";
        deserialize_i64 visit_i64 i64, "an integer";
        deserialize_u8 visit_u8 u8, "a non-negative integer";
        deserialize_u16 visit_u16 u16, "a non-negative integer";
        deserialize_u32 visit_u32 u32, "a non-negative integer";
        deserialize_u64 visit_u64 u64, "a non-negative integer";
        deserialize_f32 visit_f32 f32, "a number";
        deserialize_f64 visit_f64 f64, "a number";
    }

    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self {
            Node::Text(t) => visitor.visit_string(t),
            other => Err(Error(format!(
                "expected text, got {}",
                if matches!(other, Node::Map(_)) {
                    "an object"
                } else {
                    "several values"
                }
            ))),
        }
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_str(visitor)
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_some(self)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Error> {
        visitor.visit_newtype_struct(self)
    }

    /// A list, one value as a list of one, or an array's JSON text.
    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self {
            Node::List(items) => visitor.visit_seq(Items(items.into_iter())),
            Node::Text(t) if t.starts_with('[') => {
                de::Deserializer::deserialize_seq(Node::Text(t).json()?, visitor)
                    .map_err(|e| Error(e.to_string()))
            }
            one @ Node::Text(_) => visitor.visit_seq(Items(vec![one].into_iter())),
            Node::Map(_) => Err(Error("expected a list, got an object".to_owned())),
        }
    }

    fn deserialize_tuple<V: Visitor<'de>>(
        self,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.deserialize_seq(visitor)
    }

    /// Properties, or an object's JSON text.
    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self {
            Node::Map(entries) => visitor.visit_map(Entries {
                entries: entries.into_iter(),
                value: None,
            }),
            text @ Node::Text(_) => de::Deserializer::deserialize_map(text.json()?, visitor)
                .map_err(|e| Error(e.to_string())),
            Node::List(_) => Err(Error("expected an object, got several values".to_owned())),
        }
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.deserialize_map(visitor)
    }

    /// A string enum's value.
    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        match self {
            Node::Text(t) => visitor.visit_enum(t.into_deserializer()),
            _ => Err(Error("expected one value".to_owned())),
        }
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_unit()
    }

    serde::forward_to_deserialize_any! {
        i128 u128 char bytes byte_buf unit unit_struct identifier
    }
}

struct Items(std::vec::IntoIter<Node>);

impl<'de> SeqAccess<'de> for Items {
    type Error = Error;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, Error> {
        self.0.next().map(|n| seed.deserialize(n)).transpose()
    }
}

struct Entries {
    entries: std::vec::IntoIter<(String, Node)>,
    value: Option<Node>,
}

impl<'de> MapAccess<'de> for Entries {
    type Error = Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, Error> {
        let Some((key, value)) = self.entries.next() else {
            return Ok(None);
        };
        self.value = Some(value);
        seed.deserialize(Node::Text(key)).map(Some)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, Error> {
        let value = self
            .value
            .take()
            .ok_or_else(|| Error("a value without its key".to_owned()))?;
        seed.deserialize(value)
    }
}

/// Reads an `application/x-www-form-urlencoded` body from its decoded
/// pairs ([`decode_query`]): a property named in `fields` (its `encoding`
/// entry, a query parameter's description) as that parameter says, any other
/// as `form` does, exploded (repeated keys a list, an object JSON text). An
/// error names the property.
pub fn from_form<T: de::DeserializeOwned>(
    pairs: &[(String, String)],
    fields: &[Param],
) -> Result<T, StyleError> {
    T::deserialize(Form { pairs, fields }).map_err(|e| StyleError {
        name: e.field,
        message: e.message,
    })
}

/// An error reading a form body, with the property at fault.
#[derive(Debug)]
struct FormError {
    field: String,
    message: String,
}

impl fmt::Display for FormError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "`{}`: {}", self.field, self.message)
    }
}

impl std::error::Error for FormError {}

impl de::Error for FormError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        FormError {
            field: String::new(),
            message: msg.to_string(),
        }
    }
}

/// A form body: an object whose properties are read by their fields.
struct Form<'a> {
    pairs: &'a [(String, String)],
    fields: &'a [Param],
}

impl<'de> de::Deserializer<'de> for Form<'_> {
    type Error = FormError;

    /// A map (no field names known): each key's values, a list when repeated.
    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, FormError> {
        let mut entries: Vec<(String, Node)> = Vec::new();
        for (k, v) in self.pairs {
            push_value(&mut entries, k, Node::Text(v.clone()));
        }
        Node::Map(entries)
            .deserialize_map(visitor)
            .map_err(|e| FormError {
                field: String::new(),
                message: e.0,
            })
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        names: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, FormError> {
        visitor.visit_map(FormEntries {
            form: self,
            names: names.iter(),
            all: names,
            current: None,
            unknown: None,
            unknown_value: None,
        })
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf option unit unit_struct newtype_struct seq tuple
        tuple_struct map enum identifier ignored_any
    }
}

struct FormEntries<'a> {
    form: Form<'a>,
    names: std::slice::Iter<'static, &'static str>,
    all: &'static [&'static str],
    current: Option<Param>,
    /// Once the type's own properties are read: the keys that are none of
    /// them (refused by a type that denies unknown fields, else skipped).
    unknown: Option<std::vec::IntoIter<String>>,
    /// The value of the unknown key just read.
    unknown_value: Option<String>,
}

impl FormEntries<'_> {
    /// The keys no property claims; none when an exploded object property
    /// makes every key possibly its own.
    fn unknown_keys(&self) -> Vec<String> {
        let exploded = self
            .form
            .fields
            .iter()
            .any(|f| f.format == Format::Style(Style::Form) && f.explode);
        if exploded {
            return Vec::new();
        }
        let mut out: Vec<String> = Vec::new();
        for (k, _) in self.form.pairs {
            let claimed = self
                .all
                .iter()
                .any(|n| k == n || k.strip_prefix(n).is_some_and(|rest| rest.starts_with('[')));
            if !claimed && !out.contains(k) {
                out.push(k.clone());
            }
        }
        out
    }
}

impl<'de> MapAccess<'de> for FormEntries<'_> {
    type Error = FormError;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, FormError> {
        for &name in self.names.by_ref() {
            let param = self
                .form
                .fields
                .iter()
                .find(|f| f.name == name)
                .copied()
                .unwrap_or_else(|| Param::new(name, In::Query).allow_empty_value());
            let present = match param.style_or_default() {
                Style::DeepObject => self.form.pairs.iter().any(|(k, _)| {
                    k.strip_prefix(name)
                        .is_some_and(|rest| rest.starts_with('['))
                }),
                Style::Form
                    if param.explode
                        && param.format != Format::Json
                        && self.form.fields.iter().any(|f| f.name == name) =>
                {
                    // An exploded object's properties are keys of their own.
                    self.form
                        .pairs
                        .iter()
                        .any(|(k, _)| k == name || !self.all.contains(&k.as_str()))
                }
                _ => self.form.pairs.iter().any(|(k, _)| k == name),
            };
            if present {
                self.current = Some(param);
                return seed
                    .deserialize(Node::Text(name.to_owned()))
                    .map(Some)
                    .map_err(|e| FormError {
                        field: name.to_owned(),
                        message: e.0,
                    });
            }
        }
        if self.unknown.is_none() {
            self.unknown = Some(self.unknown_keys().into_iter());
        }
        let Some(key) = self.unknown.as_mut().and_then(Iterator::next) else {
            return Ok(None);
        };
        self.unknown_value = self
            .form
            .pairs
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, v)| v.clone());
        seed.deserialize(Node::Text(key.clone()))
            .map(Some)
            .map_err(|e| FormError {
                field: key,
                message: e.0,
            })
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, FormError> {
        if let Some(value) = self.unknown_value.take() {
            return seed.deserialize(Node::Text(value)).map_err(|e| FormError {
                field: String::new(),
                message: e.0,
            });
        }
        let param = self.current.take().ok_or_else(|| FormError {
            field: String::new(),
            message: "a value without its key".to_owned(),
        })?;
        let listed = self.form.fields.iter().any(|f| f.name == param.name);
        let error = |message: String| FormError {
            field: param.name.to_owned(),
            message,
        };
        if param.format == Format::Json {
            let text = self
                .form
                .pairs
                .iter()
                .find(|(k, _)| k == param.name)
                .map(|(_, v)| v.as_str())
                .unwrap_or_default();
            let not_json = |e: serde_json::Error| {
                error(format!("`{}` is not valid JSON for it: {e}", cut(text)))
            };
            let value: Value = serde_json::from_str(text).map_err(not_json)?;
            return seed.deserialize(value).map_err(not_json);
        }
        let others: Vec<&str> = self
            .all
            .iter()
            .copied()
            .filter(|n| *n != param.name)
            .collect();
        seed.deserialize(Styled {
            param: &param,
            source: Source::Query(self.form.pairs, &others),
            objects_as_json: !listed,
        })
        .map_err(|e| error(e.0))
    }
}

/// The query string's pairs, decoded (`+` is a space, as in forms).
pub fn decode_query(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            let plus = |s: &str| s.replace('+', " ");
            (decode(&plus(k)).into_owned(), decode(&plus(v)).into_owned())
        })
        .collect()
}

/// The cookies of `Cookie` header values, decoded, in order.
pub fn decode_cookies<'h>(headers: impl IntoIterator<Item = &'h str>) -> Vec<(String, String)> {
    headers
        .into_iter()
        .flat_map(|h| h.split(';'))
        .filter_map(|c| {
            let (k, v) = c.trim().split_once('=')?;
            let v = v.trim();
            let v = v
                .strip_prefix('"')
                .and_then(|v| v.strip_suffix('"'))
                .unwrap_or(v);
            Some((k.trim().to_owned(), decode(v).into_owned()))
        })
        .collect()
}
