//! Stage 1: load. Reads a YAML or JSON document into a `serde_json::Value` while
//! remembering where every node came from, so that later stages can report
//! problems as `file:line:column` plus a JSON pointer.
//!
//! YAML 1.2 (core schema) is parsed with `saphyr-parser`; JSON is a subset of it,
//! so one parser serves both. Duplicate mapping keys are reported, not silently
//! merged. A document spread over several files is bundled into one by
//! [`load_path`] (see [`bundle`]).
//!
//! Hostile input is refused with a located `syntax` problem rather than
//! exhausting memory or panicking: bytes that are not UTF-8, aliases that
//! expand past [`MAX_ALIAS_NODES`] nodes (the "billion laughs"), unpaired
//! UTF-16 surrogate escapes.

mod bundle;
mod upgrade;

pub use bundle::referenced_files;
pub use upgrade::Version;

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::Arc;

use saphyr_parser::{Event, Marker, Parser, ScalarStyle, Tag};
use serde_json::{Map, Number, Value};

pub use crate::diagnostic::Position;
use crate::diagnostic::{cut, Diagnostic, Rule};
use crate::pointer::{escape_token, join, pointer_tokens, unescape_token};

/// At most this many nodes are copied through aliases in one file: an alias
/// copies its anchor's whole value, so nested aliases multiply (nine levels
/// of nine aliases make 387 million nodes from 400 bytes). A string counts
/// one node per 64 bytes besides. The copies then take about 50 MB at most;
/// real documents copy a few thousand nodes.
pub const MAX_ALIAS_NODES: usize = 500_000;

impl From<Marker> for Position {
    fn from(m: Marker) -> Self {
        Position {
            line: m.line(),
            column: m.col() + 1,
        }
    }
}

/// A parsed document and the source position of each of its nodes.
///
/// A document bundled from several files ([`load_path`]) remembers, for each
/// node, the file it came from: diagnostics name that file.
#[derive(Clone, Debug)]
pub struct Document {
    /// The root file's name as given by the caller.
    pub file: String,
    pub value: Value,
    /// Every source file's name; index 0 is the root (`file`).
    files: Vec<String>,
    /// Shared by the copies later stages make to rewrite the tree (`repair`):
    /// it is the biggest part of a document, and positions do not change.
    positions: Arc<HashMap<String, Spot>>,
    /// A bundled document's nodes copied from elsewhere (another file, or
    /// another node of a file a reference names): their pointer in the
    /// bundle → the file and the pointer there they were copied from. A node
    /// under none of them is written in the root file at its own pointer.
    anchors: Arc<HashMap<String, (u32, String)>>,
    /// A bundled document's references to other files copied in place: the
    /// pointer of the copy → where the reference is written (the node that
    /// holds the `$ref`, and its pointer in its file).
    referrers: Arc<HashMap<String, (Spot, String)>>,
    /// References to other files that could not be followed (the file is
    /// missing, unreadable or does not parse, the fragment does not resolve,
    /// a URL): the pointer of each `$ref` in this document (of each copy) →
    /// why. Each is left in place as a reference that does not resolve, so
    /// it costs only what uses it.
    dangling: BTreeMap<String, String>,
    /// The loader's problems with those references, each located where it
    /// is written, and the syntax problems of the files they name: errors
    /// for the validator, never a reason not to load.
    unresolved: Vec<Diagnostic>,
    /// The OpenAPI (or Swagger) version the document is written in.
    version: Version,
    /// Nodes the upgrade to the one model moved: their pointer now → the
    /// pointer where the user wrote them (an ancestor stands for its subtree).
    moved: HashMap<String, String>,
    /// What the upgrade could not carry over exactly, each located in the
    /// user's own file (warnings).
    notes: Vec<Diagnostic>,
    /// The tree as the user wrote it, when the upgrade changed it (to lint it
    /// against its own version's meta-schema).
    original: Option<std::sync::Arc<Value>>,
}

/// Where a node came from: a file (index into `Document::files`) and a position.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Spot {
    pub(crate) file: u32,
    pub(crate) position: Position,
}

impl Document {
    /// A document as read, before any upgrade.
    pub(crate) fn from_parts(
        file: String,
        value: Value,
        files: Vec<String>,
        positions: HashMap<String, Spot>,
    ) -> Document {
        Document {
            file,
            value,
            files,
            positions: Arc::new(positions),
            anchors: Arc::default(),
            referrers: Arc::default(),
            dangling: BTreeMap::new(),
            unresolved: Vec::new(),
            version: Version::OpenApi30,
            moved: HashMap::new(),
            notes: Vec::new(),
            original: None,
        }
    }

    /// The tree as the user wrote it: the same as `value` unless the
    /// document was upgraded from another version.
    pub fn original(&self) -> &Value {
        self.original.as_deref().unwrap_or(&self.value)
    }

    /// A diagnostic at `pointer` into the tree as the user wrote it
    /// ([`Document::original`]).
    pub fn diagnostic_in_original(
        &self,
        pointer: &str,
        rule: Rule,
        message: impl Into<String>,
    ) -> Diagnostic {
        let (file, position) = self.located(pointer);
        Diagnostic::new(file, position, pointer, rule, message)
    }

    /// The version the document was written in (the tree itself has been
    /// brought into the one shape every later stage reads).
    pub fn version(&self) -> Version {
        self.version
    }

    /// What the upgrade to the one model could not carry over exactly
    /// (warnings located in the user's file).
    pub fn notes(&self) -> &[Diagnostic] {
        &self.notes
    }

    /// The pointer at which the user wrote the node now at `pointer`: the
    /// same pointer unless the upgrade moved the node or an ancestor.
    pub fn origin<'p>(&self, pointer: &'p str) -> std::borrow::Cow<'p, str> {
        let mut now: std::borrow::Cow<'p, str> = pointer.into();
        // A node moved twice (a `$ref` wrapped, then lifted out of an
        // `anyOf`) is traced back step by step.
        for _ in 0..8 {
            match self.moved_from(&now) {
                Some(was) => now = was.into(),
                None => break,
            }
        }
        now
    }

    /// Where the node at `pointer` was before the last move of it or of an
    /// ancestor.
    fn moved_from(&self, pointer: &str) -> Option<String> {
        if self.moved.is_empty() {
            return None;
        }
        let mut end = pointer.len();
        loop {
            if let Some(old) = self.moved.get(&pointer[..end]) {
                return Some(format!("{old}{}", &pointer[end..]));
            }
            end = pointer[..end].rfind('/')?;
        }
    }

    /// The names of the files the document was read from, the root first.
    pub fn files(&self) -> &[String] {
        &self.files
    }

    /// The file and position of the node at `pointer`, or of its nearest
    /// ancestor that has one.
    pub fn location(&self, pointer: &str) -> (&str, Position) {
        self.located(&self.origin(pointer))
    }

    /// The JSON pointer of the node at `pointer` in the file
    /// [`Document::location`] names, as the user wrote it
    /// ([`Document::origin`]): in a bundle, the pointer in the file the node
    /// was copied from (`/required/0` in `models.yaml`, not
    /// `/components/schemas/Thing/required/0`).
    pub fn pointer_in_file(&self, pointer: &str) -> String {
        let origin = self.origin(pointer);
        let p: &str = &origin;
        if self.anchors.is_empty() {
            return p.to_owned();
        }
        let mut end = p.len();
        loop {
            if let Some((_, there)) = self.anchors.get(&p[..end]) {
                return format!("{there}{}", &p[end..]);
            }
            match p[..end].rfind('/') {
                Some(i) => end = i,
                None => return p.to_owned(),
            }
        }
    }

    /// Where the reference to another file whose copy is at `pointer` is
    /// written (the node holding the `$ref`: file, position and pointer in
    /// that file), when the node at `pointer` is such a copy. The copy's
    /// own position ([`Document::location`]) is its target's.
    pub fn reference_site(&self, pointer: &str) -> Option<(&str, Position, &str)> {
        let (spot, there) = self.referrers.get(self.origin(pointer).as_ref())?;
        let file = self
            .files
            .get(spot.file as usize)
            .map_or(self.file.as_str(), String::as_str);
        Some((file, spot.position, there))
    }

    /// The file and position of the node the user wrote at `pointer`.
    fn located(&self, pointer: &str) -> (&str, Position) {
        let mut p = pointer;
        loop {
            if let Some(spot) = self.positions.get(p) {
                let file = self
                    .files
                    .get(spot.file as usize)
                    .map_or(self.file.as_str(), String::as_str);
                return (file, spot.position);
            }
            match p.rfind('/') {
                Some(i) => p = &p[..i],
                None => return (&self.file, Position { line: 1, column: 1 }),
            }
        }
    }

    /// Why the reference at `pointer` (a `$ref`, or a discriminator mapping
    /// value) to another file could not be followed, when it could not.
    pub fn dangling(&self, pointer: &str) -> Option<&str> {
        if self.dangling.is_empty() {
            return None;
        }
        // Recorded where the reference was written, before any upgrade.
        self.dangling
            .get(self.origin(pointer).as_ref())
            .map(String::as_str)
    }

    /// The problems of the references to other files that could not be
    /// followed, located where each is written (see [`Document::dangling`]),
    /// and those of the files they name.
    pub fn unresolved(&self) -> &[Diagnostic] {
        &self.unresolved
    }

    /// The position of the node at `pointer` (in the file [`Document::location`]
    /// names), or of its nearest ancestor that has one.
    pub fn position(&self, pointer: &str) -> Position {
        self.location(pointer).1
    }

    /// Builds a diagnostic located at `pointer`, in the file the node came from.
    pub fn diagnostic(&self, pointer: &str, rule: Rule, message: impl Into<String>) -> Diagnostic {
        let (file, position) = self.location(pointer);
        Diagnostic::new(file, position, &self.origin(pointer), rule, message)
    }

    /// The node a local reference (`#/a/b`) points to.
    pub fn resolve_ref(&self, reference: &str) -> Option<&Value> {
        let pointer = reference.strip_prefix('#')?;
        self.value.pointer(pointer)
    }

    /// Follows a chain of local `$ref`s from `value` (found at `pointer`) to
    /// the node that is not a reference, with its pointer. `None` when a
    /// reference does not resolve, the references loop, or the chain is
    /// longer than 32 ([`Document::ref_failure`] says which).
    pub fn follow_refs<'v>(
        &'v self,
        value: &'v Value,
        pointer: &str,
    ) -> Option<(&'v Value, String)> {
        let mut value = value;
        let mut pointer = pointer.to_owned();
        let mut followed = 0;
        while let Some(r) = value.get("$ref").and_then(Value::as_str) {
            if followed == MAX_REF_CHAIN {
                return None;
            }
            followed += 1;
            value = self.resolve_ref(r)?;
            pointer = r.trim_start_matches('#').to_owned();
        }
        Some((value, pointer))
    }

    /// Why [`Document::follow_refs`] gives up on `value` (found at
    /// `pointer`); `None` when it does not.
    pub fn ref_failure(&self, value: &Value, pointer: &str) -> Option<RefFailure> {
        let mut value = value;
        let mut chain: Vec<String> = vec![pointer.to_owned()];
        while let Some(r) = value.get("$ref").and_then(Value::as_str) {
            if chain.len() > MAX_REF_CHAIN {
                return Some(RefFailure::TooLong);
            }
            let Some(next) = self.resolve_ref(r) else {
                return Some(RefFailure::Unresolved(r.to_owned()));
            };
            value = next;
            // The pointer in its canonical escaping, to compare with others.
            let target = pointer_tokens(r.trim_start_matches('#'))
                .iter()
                .fold(String::new(), |at, token| join(&at, token));
            if let Some(start) = chain.iter().position(|p| *p == target) {
                return Some(RefFailure::Loop(chain.split_off(start)));
            }
            chain.push(target);
        }
        None
    }
}

/// At most this many `$ref`s are followed in a row.
const MAX_REF_CHAIN: usize = 32;

/// Why a chain of `$ref`s does not reach an object.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RefFailure {
    /// This reference does not resolve.
    Unresolved(String),
    /// The pointers of references that only lead to each other, in order.
    Loop(Vec<String>),
    /// More than [`MAX_REF_CHAIN`] references in a row.
    TooLong,
}

/// Input that cannot be read at all (as opposed to a document with problems).
#[derive(Debug, thiserror::Error)]
#[error("{file}: {source}")]
pub struct Unreadable {
    pub file: String,
    #[source]
    pub source: std::io::Error,
}

/// The result of loading: a document (possibly with warnings-free problems such
/// as duplicate keys already found), or the syntax problems that stopped it.
pub struct Loaded {
    pub document: Option<Document>,
    pub problems: Vec<Diagnostic>,
}

/// Parses `text`, naming it `file` in diagnostics. A single document: a
/// reference to another file stays as written (the validator reports it, as
/// there is no directory to resolve it against); use [`load_path`] for those.
pub fn load_str(file: &str, text: &str) -> Loaded {
    let mut parsed = parse(file, text);
    if let Some(value) = &mut parsed.value {
        upgrade::resolve_ids(value);
    }
    upgrade::loaded(Loaded {
        document: parsed.value.map(|value| {
            Document::from_parts(
                file.to_owned(),
                value,
                vec![file.to_owned()],
                parsed
                    .positions
                    .into_iter()
                    .map(|(k, position)| (k, Spot { file: 0, position }))
                    .collect(),
            )
        }),
        problems: parsed.problems,
    })
}

/// Reads the document at `path`, naming it `name` in diagnostics, with the
/// files its `$ref`s point to ([`bundle`]), and brings it into the one model
/// whatever its version ([`upgrade`]).
///
/// `Err` only when the root file cannot be read; see [`bundle::load_path`].
pub fn load_path(path: &Path, name: &str) -> Result<Loaded, Unreadable> {
    bundle::load_path(path, name).map(upgrade::loaded)
}

/// One file, parsed: its value (unless syntax errors stopped it), the
/// position of each node, and its problems.
pub(crate) struct Parsed {
    pub(crate) value: Option<Value>,
    pub(crate) positions: HashMap<String, Position>,
    pub(crate) problems: Vec<Diagnostic>,
}

pub(crate) fn parse(file: &str, text: &str) -> Parsed {
    // YAML accepts what JSON does not (trailing commas, unquoted keys,
    // comments), so a `.json` file must also parse as strict JSON.
    let json_file = Path::new(file)
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("json"));
    if json_file {
        if let Err(e) = serde_json::from_str::<Value>(text) {
            let at = Position {
                line: e.line().max(1),
                column: e.column().max(1),
            };
            let message = e.to_string();
            let suffix = format!(" at line {} column {}", e.line(), e.column());
            let message = message.strip_suffix(&suffix).unwrap_or(&message);
            let message = if message.contains("surrogate") || message.contains("hex escape") {
                format!("{message} (a UTF-16 surrogate escape such as `\\ud83d` must be followed by its pair, such as `\\ude00`)")
            } else {
                message.to_owned()
            };
            return Parsed {
                value: None,
                positions: HashMap::new(),
                problems: vec![Diagnostic::new(file, at, "", Rule::Syntax, message)],
            };
        }
    }
    // JSON writes characters outside the Basic Multilingual Plane as UTF-16
    // surrogate pairs (`"\ud83d\ude00"`), which YAML does not accept. In
    // JSON text they are rewritten as the YAML escape of the same character
    // (`"\U0001F600"`) before parsing; positions are mapped back.
    let rewritten = if has_surrogate_escape(text)
        && (json_file || serde_json::from_str::<serde::de::IgnoredAny>(text).is_ok())
    {
        decode_surrogate_pairs(text)
    } else {
        None
    };
    let (text, shifts) = match &rewritten {
        Some((text, shifts)) => (text.as_str(), Some(shifts)),
        None => (text, None),
    };
    let mut builder = TreeBuilder {
        file: file.to_owned(),
        positions: HashMap::new(),
        anchors: HashMap::new(),
        aliased: 0,
        discarded: Vec::new(),
        problems: Vec::new(),
    };
    let mut parsed = match builder.parse(text) {
        Ok(value) => Parsed {
            value: Some(value),
            positions: builder.positions,
            problems: builder.problems,
        },
        Err(problem) => {
            builder.problems.push(*problem);
            Parsed {
                value: None,
                positions: HashMap::new(),
                problems: builder.problems,
            }
        }
    };
    if let Some(shifts) = shifts {
        for position in parsed.positions.values_mut() {
            *position = shifts.original(*position);
        }
        for problem in &mut parsed.problems {
            problem.position = shifts.original(problem.position);
        }
    }
    parsed
}

/// Decodes `bytes` as UTF-8, or says where it is not: a `syntax` problem at
/// the line and column of the first byte that is not UTF-8.
pub(crate) fn utf8(file: &str, bytes: Vec<u8>) -> Result<String, Box<Diagnostic>> {
    String::from_utf8(bytes).map_err(|e| {
        let bytes = e.as_bytes();
        let valid = e.utf8_error().valid_up_to();
        // `valid` bytes are UTF-8: count lines and characters in them.
        let before = std::str::from_utf8(&bytes[..valid]).unwrap_or_default();
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let at = Position {
            line: before.matches('\n').count() + 1,
            column: before[line_start..].chars().count() + 1,
        };
        let hint = if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
            " (the file looks like UTF-16)"
        } else {
            ""
        };
        let message = format!(
            "the file is not UTF-8: byte 0x{:02X} (offset {valid}) does not belong in UTF-8 text{hint}; documents must be UTF-8",
            bytes[valid]
        );
        Box::new(Diagnostic::new(file, at, "", Rule::Syntax, message))
    })
}

/// Whether `text` may hold a `\uD800`-`\uDFFF` escape.
fn has_surrogate_escape(text: &str) -> bool {
    text.as_bytes()
        .windows(3)
        .any(|w| w[0] == b'\\' && w[1] == b'u' && matches!(w[2], b'd' | b'D'))
}

/// Column shifts made by rewriting a text: `(line, column, removed)`, each
/// meaning that from `column` (0-based, in characters, in the rewritten
/// text) on, `line` lost `removed` characters. Sorted.
struct Shifts(Vec<(usize, usize, usize)>);

impl Shifts {
    /// Where a position in the rewritten text was in the original.
    fn original(&self, p: Position) -> Position {
        let from = self.0.partition_point(|s| s.0 < p.line);
        let removed: usize = self.0[from..]
            .iter()
            .take_while(|s| s.0 == p.line && s.1 < p.column)
            .map(|s| s.2)
            .sum();
        Position {
            line: p.line,
            column: p.column + removed,
        }
    }
}

/// Rewrites each surrogate-pair escape inside the strings of JSON `text`
/// (`\ud83d\ude00`, 12 characters) as the YAML escape of its character
/// (`\U0001F600`, 10 characters). `None` when there is none. An unpaired
/// surrogate is left as written: the parser reports it where it stands.
fn decode_surrogate_pairs(text: &str) -> Option<(String, Shifts)> {
    let bytes = text.as_bytes();
    let hex4 = |at: usize| -> Option<u32> {
        let digits = bytes.get(at..at + 4)?;
        let digits = std::str::from_utf8(digits).ok()?;
        u32::from_str_radix(digits, 16).ok()
    };
    let mut out = String::with_capacity(text.len());
    let mut shifts = Vec::new();
    let (mut line, mut column) = (1, 0);
    let mut in_string = false;
    let mut copied = 0; // bytes of `text` already in `out`
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if in_string && b == b'\\' {
            let pair = (bytes.get(i + 1) == Some(&b'u'))
                .then(|| hex4(i + 2))
                .flatten()
                .filter(|high| (0xD800..0xDC00).contains(high))
                .filter(|_| bytes.get(i + 6..i + 8) == Some(b"\\u"))
                .and_then(|high| {
                    let low = hex4(i + 8).filter(|low| (0xDC00..0xE000).contains(low))?;
                    char::from_u32(0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00))
                });
            if let Some(c) = pair {
                out.push_str(&text[copied..i]);
                out.push_str(&format!("\\U{:08X}", c as u32));
                column += 10;
                shifts.push((line, column, 2));
                i += 12;
                copied = i;
                continue;
            }
            // Any other escape: two characters, the second never a quote.
            column += 1;
            i += 1;
            if let Some(&next) = bytes.get(i) {
                column += usize::from(next & 0xC0 != 0x80);
                i += 1;
            }
            continue;
        }
        match b {
            b'"' => in_string = !in_string,
            b'\n' => {
                line += 1;
                column = 0;
                i += 1;
                continue;
            }
            _ => {}
        }
        // A character starts at every byte but a UTF-8 continuation byte.
        column += usize::from(b & 0xC0 != 0x80);
        i += 1;
    }
    if shifts.is_empty() {
        return None;
    }
    out.push_str(&text[copied..]);
    Some((out, Shifts(shifts)))
}

/// Builds the JSON tree from parser events, recording positions.
struct TreeBuilder {
    file: String,
    positions: HashMap<String, Position>,
    /// Each anchor: where its node is in the tree, and its number of nodes.
    /// The value is copied only when an alias uses it.
    anchors: HashMap<usize, Anchor>,
    /// Nodes copied through aliases so far.
    aliased: usize,
    /// The values of duplicate keys (left out of the tree) that hold
    /// anchors, with their pointers.
    discarded: Vec<(String, Value)>,
    problems: Vec<Diagnostic>,
}

/// An anchored node: its pointer, its number of nodes, and, when the tree
/// does not hold it (it is inside the value of a duplicate key, left out),
/// the index of that value in `TreeBuilder::discarded`.
struct Anchor {
    pointer: String,
    nodes: usize,
    detached: Option<usize>,
}

/// An open collection; `nodes` counts it and what it holds so far.
enum Frame {
    Seq {
        pointer: String,
        anchor: usize,
        items: Vec<Value>,
        nodes: usize,
    },
    Map {
        pointer: String,
        anchor: usize,
        map: Map<String, Value>,
        key: Option<String>,
        nodes: usize,
    },
}

type Problem = Box<Diagnostic>;

impl TreeBuilder {
    fn error(&self, at: Position, pointer: &str, rule: Rule, message: String) -> Problem {
        Box::new(Diagnostic::new(&self.file, at, pointer, rule, message))
    }

    fn parse(&mut self, text: &str) -> Result<Value, Problem> {
        let mut parser = Parser::new_from_str(text);
        let mut stack: Vec<Frame> = Vec::new();
        let mut root: Option<Value> = None;
        let mut documents = 0;
        while let Some(event) = parser.next_event() {
            let (event, span) = event.map_err(|e| {
                let mut message = e.info().to_owned();
                if message.contains("invalid Unicode character escape") {
                    // `\ud83d`: half of a UTF-16 surrogate pair, which JSON
                    // allows in pairs and YAML not at all.
                    message.push_str(" (a UTF-16 surrogate such as `\\ud83d` is not a character: write the character itself, or its `\\U` escape such as `\\U0001F600`)");
                }
                self.error((*e.marker()).into(), "", Rule::Syntax, message)
            })?;
            let at: Position = span.start.into();
            match event {
                Event::StreamStart | Event::StreamEnd | Event::DocumentEnd | Event::Nothing => {}
                Event::DocumentStart(_) => {
                    documents += 1;
                    if documents > 1 {
                        return Err(self.error(
                            at,
                            "",
                            Rule::Syntax,
                            "more than one YAML document in the stream".into(),
                        ));
                    }
                }
                Event::Alias(id) => {
                    let pointer = self.child_pointer(&stack, at)?;
                    let unknown = |this: &Self| {
                        this.error(
                            at,
                            &pointer,
                            Rule::Syntax,
                            "alias to an unknown anchor".into(),
                        )
                    };
                    let Some(nodes) = self.anchors.get(&id).map(|a| a.nodes) else {
                        return Err(unknown(self));
                    };
                    // Counted before the copy is made: a bomb stops here.
                    self.aliased = self.aliased.saturating_add(nodes);
                    if self.aliased > MAX_ALIAS_NODES {
                        return Err(self.error(
                            at,
                            &pointer,
                            Rule::Syntax,
                            format!("the document expands past {MAX_ALIAS_NODES} nodes through aliases (each alias copies its anchor's whole value)"),
                        ));
                    }
                    let value = self
                        .anchors
                        .get(&id)
                        .and_then(|anchor| match anchor.detached {
                            Some(i) => {
                                let (base, value) = &self.discarded[i];
                                value.pointer(&anchor.pointer[base.len()..]).cloned()
                            }
                            None => find(&stack, root.as_ref(), &anchor.pointer).cloned(),
                        });
                    let Some(value) = value else {
                        return Err(unknown(self));
                    };
                    self.finish_node(&mut stack, &mut root, pointer, at, value, 0, nodes);
                }
                Event::Scalar(text, style, anchor, tag) => {
                    // A scalar in key position is a mapping key.
                    if let Some(Frame::Map {
                        key: key @ None,
                        map,
                        pointer,
                        nodes,
                        ..
                    }) = stack.last_mut()
                    {
                        let name = text.into_owned();
                        *nodes = nodes.saturating_add(weight(&name));
                        let child = format!("{pointer}/{}", escape_token(&name));
                        if map.contains_key(&name) {
                            self.problems.push(Diagnostic::new(
                                &self.file,
                                at,
                                &child,
                                Rule::DuplicateKey,
                                format!("duplicate mapping key `{}`", cut(&name)),
                            ));
                        }
                        self.positions.insert(child, at);
                        *key = Some(name);
                        continue;
                    }
                    let pointer = self.child_pointer(&stack, at)?;
                    let value = scalar(&text, style, tag.as_deref())
                        .map_err(|message| self.error(at, &pointer, Rule::Syntax, message))?;
                    let nodes = weight(&text);
                    self.finish_node(&mut stack, &mut root, pointer, at, value, anchor, nodes);
                }
                Event::SequenceStart(anchor, _) => {
                    let pointer = self.child_pointer(&stack, at)?;
                    self.positions.entry(pointer.clone()).or_insert(at);
                    stack.push(Frame::Seq {
                        pointer,
                        anchor,
                        items: Vec::new(),
                        nodes: 1,
                    });
                }
                Event::MappingStart(anchor, _) => {
                    let pointer = self.child_pointer(&stack, at)?;
                    self.positions.entry(pointer.clone()).or_insert(at);
                    stack.push(Frame::Map {
                        pointer,
                        anchor,
                        map: Map::new(),
                        key: None,
                        nodes: 1,
                    });
                }
                Event::SequenceEnd | Event::MappingEnd => {
                    let (pointer, anchor, value, nodes) = match stack.pop() {
                        Some(Frame::Seq {
                            pointer,
                            anchor,
                            items,
                            nodes,
                        }) => (pointer, anchor, Value::Array(items), nodes),
                        Some(Frame::Map {
                            pointer,
                            anchor,
                            map,
                            nodes,
                            ..
                        }) => (pointer, anchor, Value::Object(map), nodes),
                        None => {
                            return Err(self.error(
                                at,
                                "",
                                Rule::Syntax,
                                "unbalanced collection".into(),
                            ))
                        }
                    };
                    self.attach(&mut stack, &mut root, pointer, value, anchor, nodes);
                }
            }
        }
        root.ok_or_else(|| {
            self.error(
                Position { line: 1, column: 1 },
                "",
                Rule::Syntax,
                "the document is empty".into(),
            )
        })
    }

    /// The pointer of the node about to start, given the open collections.
    fn child_pointer(&self, stack: &[Frame], at: Position) -> Result<String, Problem> {
        Ok(match stack.last() {
            None => String::new(),
            Some(Frame::Seq { pointer, items, .. }) => format!("{pointer}/{}", items.len()),
            Some(Frame::Map {
                pointer,
                key: Some(key),
                ..
            }) => format!("{pointer}/{}", escape_token(key)),
            Some(Frame::Map {
                pointer, key: None, ..
            }) => {
                return Err(self.error(
                    at,
                    pointer,
                    Rule::Syntax,
                    "mapping keys must be plain strings, not collections or aliases".into(),
                ))
            }
        })
    }

    #[allow(clippy::too_many_arguments)]
    fn finish_node(
        &mut self,
        stack: &mut [Frame],
        root: &mut Option<Value>,
        pointer: String,
        at: Position,
        value: Value,
        anchor: usize,
        nodes: usize,
    ) {
        self.positions.entry(pointer.clone()).or_insert(at);
        self.attach(stack, root, pointer, value, anchor, nodes);
    }

    /// Puts a finished node (of `nodes` nodes, at `pointer`) into its parent.
    #[allow(clippy::too_many_arguments)]
    fn attach(
        &mut self,
        stack: &mut [Frame],
        root: &mut Option<Value>,
        pointer: String,
        value: Value,
        anchor: usize,
        nodes: usize,
    ) {
        if anchor != 0 {
            self.anchors.insert(
                anchor,
                Anchor {
                    pointer: pointer.clone(),
                    nodes,
                    detached: None,
                },
            );
        }
        match stack.last_mut() {
            None => *root = Some(value),
            Some(Frame::Seq {
                items,
                nodes: total,
                ..
            }) => {
                *total = total.saturating_add(nodes);
                items.push(value);
            }
            Some(Frame::Map {
                map,
                key,
                nodes: total,
                ..
            }) => {
                *total = total.saturating_add(nodes);
                let name = key.take().expect("a value follows its key");
                // The first occurrence wins; the duplicate was reported. An
                // anchor on the value left out keeps the value itself.
                match map.entry(name) {
                    serde_json::map::Entry::Vacant(slot) => {
                        slot.insert(value);
                    }
                    serde_json::map::Entry::Occupied(_) => {
                        let inside = format!("{pointer}/");
                        let index = self.discarded.len();
                        let mut held = false;
                        for anchor in self.anchors.values_mut().filter(|a| {
                            a.detached.is_none()
                                && (a.pointer == pointer || a.pointer.starts_with(&inside))
                        }) {
                            anchor.detached = Some(index);
                            held = true;
                        }
                        if held {
                            self.discarded.push((pointer, value));
                        }
                    }
                }
            }
        }
    }
}

/// What a scalar (or a key) of `text` counts for in the alias budget: one
/// node, and one more per 64 bytes, so that an alias to a long string costs
/// what it copies.
fn weight(text: &str) -> usize {
    1 + text.len() / 64
}

/// The finished node at `pointer` in the tree under construction: below the
/// innermost open collection that holds it, else in the root.
fn find<'v>(stack: &'v [Frame], root: Option<&'v Value>, pointer: &str) -> Option<&'v Value> {
    for frame in stack.iter().rev() {
        let base = match frame {
            Frame::Seq { pointer, .. } | Frame::Map { pointer, .. } => pointer,
        };
        let Some(rest) = pointer
            .strip_prefix(base.as_str())
            .and_then(|r| r.strip_prefix('/'))
        else {
            continue;
        };
        let (token, deeper) = match rest.find('/') {
            Some(i) => (&rest[..i], &rest[i..]),
            None => (rest, ""),
        };
        let child = match frame {
            Frame::Seq { items, .. } => token.parse::<usize>().ok().and_then(|i| items.get(i)),
            Frame::Map { map, .. } => map.get(&unescape_token(token)),
        };
        // A collection under a duplicate key has the pointer of the first
        // one: look further out.
        if let Some(found) = child.and_then(|c| c.pointer(deeper)) {
            return Some(found);
        }
    }
    root.and_then(|r| r.pointer(pointer))
}

/// Resolves a scalar per the YAML 1.2 core schema. Quoted and block scalars are
/// always strings.
fn scalar(text: &str, style: ScalarStyle, tag: Option<&Tag>) -> Result<Value, String> {
    if let Some(tag) = tag {
        if tag.handle == "tag:yaml.org,2002:" || tag.handle == "!!" {
            return match tag.suffix.as_str() {
                "str" => Ok(Value::String(text.to_owned())),
                "int" | "float" => {
                    plain_number(text).ok_or_else(|| format!("`{}` is not a number", cut(text)))
                }
                "bool" => plain_bool(text)
                    .map(Value::Bool)
                    .ok_or_else(|| format!("`{}` is not a boolean", cut(text))),
                "null" => Ok(Value::Null),
                other => Err(format!("unsupported tag `!!{}`", cut(other))),
            };
        }
        return Err(format!(
            "unsupported tag `{}`",
            cut(&format!("{}{}", tag.handle, tag.suffix))
        ));
    }
    if style != ScalarStyle::Plain {
        return Ok(Value::String(text.to_owned()));
    }
    if matches!(text, "" | "~" | "null" | "Null" | "NULL") {
        return Ok(Value::Null);
    }
    if let Some(b) = plain_bool(text) {
        return Ok(Value::Bool(b));
    }
    if let Some(n) = plain_number(text) {
        return Ok(n);
    }
    if matches!(
        text,
        ".inf" | ".Inf" | ".INF" | "-.inf" | "+.inf" | ".nan" | ".NaN" | ".NAN"
    ) {
        return Err(format!("`{text}` cannot be represented in JSON"));
    }
    Ok(Value::String(text.to_owned()))
}

fn plain_bool(text: &str) -> Option<bool> {
    match text {
        "true" | "True" | "TRUE" => Some(true),
        "false" | "False" | "FALSE" => Some(false),
        _ => None,
    }
}

fn plain_number(text: &str) -> Option<Value> {
    let body = text.strip_prefix(['-', '+']).unwrap_or(text);
    if body.is_empty() {
        return None;
    }
    if let Some(hex) = body.strip_prefix("0x") {
        return i64::from_str_radix(hex, 16).ok().map(|n| signed(text, n));
    }
    if let Some(oct) = body.strip_prefix("0o") {
        return i64::from_str_radix(oct, 8).ok().map(|n| signed(text, n));
    }
    if body.bytes().all(|b| b.is_ascii_digit()) {
        let unsigned = text.strip_prefix('+').unwrap_or(text);
        if let Ok(n) = unsigned.parse::<i64>() {
            return Some(Value::Number(n.into()));
        }
        if let Ok(n) = unsigned.parse::<u64>() {
            return Some(Value::Number(n.into()));
        }
    }
    let float_chars = body
        .bytes()
        .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'-' | b'+'));
    let starts_ok = body.starts_with(|c: char| c.is_ascii_digit() || c == '.');
    if float_chars && starts_ok && body.bytes().any(|b| b.is_ascii_digit()) {
        let f: f64 = text.parse().ok()?;
        return Number::from_f64(f).map(Value::Number);
    }
    None
}

fn signed(text: &str, n: i64) -> Value {
    Value::Number(if text.starts_with('-') { -n } else { n }.into())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(text: &str) -> Loaded {
        load_str("t.yaml", text)
    }

    #[test]
    fn resolves_core_schema_scalars() {
        let l = doc("a: 1\nb: '1'\nc: true\nd: ~\ne: 1.5\nf: 3.0.3\ng: -7\nh: 0x10\n");
        let v = l.document.unwrap().value;
        assert_eq!(v["a"], 1);
        assert_eq!(v["b"], "1");
        assert_eq!(v["c"], true);
        assert!(v["d"].is_null());
        assert_eq!(v["e"], 1.5);
        assert_eq!(v["f"], "3.0.3");
        assert_eq!(v["g"], -7);
        assert_eq!(v["h"], 16);
    }

    #[test]
    fn records_positions_of_nested_nodes() {
        let l =
            doc("paths:\n  /a/{b}:\n    post:\n      operationId: x\nlist:\n  - one\n  - two\n");
        let d = l.document.unwrap();
        assert_eq!(
            d.position("/paths/~1a~1{b}/post/operationId"),
            Position { line: 4, column: 7 }
        );
        assert_eq!(d.position("/list/1"), Position { line: 7, column: 5 });
        // Unknown pointers fall back to their nearest ancestor.
        assert_eq!(
            d.position("/list/1/deeper"),
            Position { line: 7, column: 5 }
        );
    }

    #[test]
    fn reports_duplicate_keys_and_keeps_going() {
        let l = doc("a: 1\nb:\n  c: 1\n  c: 2\na: 3\n");
        assert!(l.document.is_some());
        let found: Vec<_> = l
            .problems
            .iter()
            .map(|p| (p.pointer.as_str(), p.position.line))
            .collect();
        assert_eq!(found, vec![("/b/c", 4), ("/a", 5)]);
        assert!(l.problems.iter().all(|p| p.rule == Rule::DuplicateKey));
    }

    #[test]
    fn reports_syntax_errors_with_position() {
        let l = doc("a: [1, 2\nb: 3\n");
        assert!(l.document.is_none());
        assert_eq!(l.problems.len(), 1);
        assert_eq!(l.problems[0].rule, Rule::Syntax);
        assert!(l.problems[0].position.line >= 1);
    }

    #[test]
    fn parses_json_too() {
        let l = doc("{\"a\": {\"b\": [1, \"x\", null, false]}}");
        let d = l.document.unwrap();
        assert_eq!(d.value["a"]["b"][1], "x");
        assert_eq!(d.position("/a/b/1").line, 1);
    }

    #[test]
    fn aliases_copy_their_anchor() {
        let d = doc("a: &x {k: 1}\nb: *x\n").document.unwrap();
        assert_eq!(d.value["b"]["k"], 1);
    }

    #[test]
    fn aliases_find_anchors_anywhere_in_the_tree() {
        let text =
            "a:\n  b: [&s one, &m {k: [1, 2]}]\n  c: *m\nd: [*s, *m]\ne: &e {f: *s}\ng: *e\n";
        let v = doc(text).document.unwrap().value;
        assert_eq!(v["a"]["c"], serde_json::json!({"k": [1, 2]}));
        assert_eq!(v["d"], serde_json::json!(["one", {"k": [1, 2]}]));
        assert_eq!(v["g"], serde_json::json!({"f": "one"}));
        // An anchor inside the value of a duplicate key (left out) still
        // stands for that value.
        let l = doc("a: 1\na: {x: &n [2]}\nb: *n\n");
        assert_eq!(l.document.unwrap().value["b"], serde_json::json!([2]));
        assert_eq!(l.problems.len(), 1);
        assert_eq!(l.problems[0].rule, Rule::DuplicateKey);
        // A duplicate key's collection shares its pointer with the first.
        let v = doc("a: {x: &n 1}\na: {y: *n}\n").document.unwrap().value;
        assert_eq!(v["a"], serde_json::json!({"x": 1}));
    }

    #[test]
    fn aliases_expand_to_a_bounded_number_of_nodes() {
        // Nine levels of nine aliases: 387 million nodes if expanded.
        let mut text = String::from("a: &a [x, x, x, x, x, x, x, x, x]\n");
        let mut previous = 'a';
        for level in "bcdefghi".chars() {
            let aliases = vec![format!("*{previous}"); 9].join(", ");
            text.push_str(&format!("{level}: &{level} [{aliases}]\n"));
            previous = level;
        }
        let l = doc(&text);
        assert!(l.document.is_none());
        assert_eq!(l.problems.len(), 1);
        let p = &l.problems[0];
        assert_eq!(p.rule, Rule::Syntax);
        // The seventh alias of `f` passes the budget.
        assert_eq!((p.position.line, p.position.column), (6, 32));
        assert_eq!(p.pointer, "/f/6");
        assert!(
            p.message.contains(&format!(
                "expands past {MAX_ALIAS_NODES} nodes through aliases"
            )),
            "{}",
            p.message
        );
        // Up to the budget, aliases expand.
        let small = text.lines().take(5).collect::<Vec<_>>().join("\n");
        let v = doc(&small).document.unwrap().value;
        assert_eq!(v["e"][8][8][8][8][8], "x");
    }

    #[test]
    fn aliases_to_long_strings_count_their_length() {
        // 20,000 aliases of a 64 KiB string would copy 1.3 GB.
        let long = "y".repeat(64 << 10);
        let text = format!("a: &a {long}\nb: [{}]\n", vec!["*a"; 20_000].join(", "));
        let l = doc(&text);
        assert!(l.document.is_none());
        assert!(
            l.problems[0].message.contains("through aliases"),
            "{}",
            l.problems[0].message
        );
        // Each alias counts 1,025 nodes: the 488th passes the budget.
        assert_eq!(l.problems[0].pointer, "/b/487");
    }

    #[test]
    fn json_surrogate_pairs_are_characters() {
        // As Python's json.dump writes it, on one line.
        let text = r#"{"a": "\ud83d\ude00 and \uD83D\uDE01", "b": ["\\ud83d", "\u00e9"], "c": 1}"#;
        for name in ["t.json", "t.yaml"] {
            let l = load_str(name, text);
            assert_eq!(l.problems, vec![], "{name}");
            let d = l.document.unwrap();
            assert_eq!(d.value["a"], "😀 and 😁", "{name}");
            // An escaped backslash is not an escape.
            assert_eq!(d.value["b"][0], "\\ud83d", "{name}");
            assert_eq!(d.value["b"][1], "é", "{name}");
            // Positions after the rewritten escapes are those of the text.
            let column = |needle: &str| text.find(needle).unwrap() + 1;
            // (A mapping entry is where its key is.)
            assert_eq!(d.position("/a").column, column("\"a\""), "{name}");
            assert_eq!(d.position("/b").column, column("\"b\""), "{name}");
            assert_eq!(d.position("/b/1").column, column("\"\\u00e9"), "{name}");
            assert_eq!(d.position("/c").column, column("\"c\""), "{name}");
        }
        // A key too, and on later lines.
        let text = "{\n  \"\\ud83d\\ude00\": {\"x\": 1,\n  \"y\": 2}}";
        let d = load_str("t.json", text).document.unwrap();
        assert_eq!(d.value["😀"]["y"], 2);
        assert_eq!(
            d.position("/😀/x"),
            Position {
                line: 2,
                column: 20
            }
        );
        assert_eq!(d.position("/😀/y"), Position { line: 3, column: 3 });
    }

    #[test]
    fn unpaired_surrogates_are_located_syntax_errors() {
        for (name, text, column) in [
            // JSON's own check stops right after the escape.
            ("t.json", r#"{"a": "\ud83d x"}"#, 14),
            ("t.json", r#"{"a": "\ude00"}"#, 13),
            ("t.json", r#"{"a": "\ud83d\u0041"}"#, 19),
            // YAML's parser names the string.
            ("t.yaml", r#"{"a": "\ud83d x"}"#, 7),
            ("t.yaml", "a: \"\\ude00\"\n", 4),
        ] {
            let l = load_str(name, text);
            assert!(l.document.is_none(), "{name} {text}");
            assert_eq!(l.problems.len(), 1, "{name} {text}");
            let p = &l.problems[0];
            assert_eq!(p.rule, Rule::Syntax);
            assert_eq!(p.position.line, 1);
            assert_eq!(p.position.column, column, "{name} {text}: {}", p.message);
            assert!(
                p.message.contains("surrogate"),
                "{name} {text}: {}",
                p.message
            );
        }
    }

    #[test]
    fn bytes_that_are_not_utf8_are_located() {
        let problem = utf8("t.yaml", b"a: 1\nb: \"\xc3\xa9\xff\"\n".to_vec()).unwrap_err();
        assert_eq!(problem.rule, Rule::Syntax);
        assert_eq!(problem.position, Position { line: 2, column: 6 });
        assert!(problem.message.contains("0xFF"), "{}", problem.message);
        assert!(problem.message.contains("offset 11"), "{}", problem.message);
        let utf16 = utf8("t.yaml", b"\xff\xfea\x00".to_vec()).unwrap_err();
        assert_eq!(utf16.position, Position { line: 1, column: 1 });
        assert!(utf16.message.contains("UTF-16"), "{}", utf16.message);
        assert_eq!(utf8("t.yaml", "é".as_bytes().to_vec()).unwrap(), "é");
    }

    #[test]
    fn quoted_values_are_cut() {
        let huge = "9".repeat(100_000);
        let l = doc(&format!("a: !!bool {huge}\n"));
        assert!(
            l.problems[0].message.len() < 200,
            "{}",
            l.problems[0].message
        );
    }
}
