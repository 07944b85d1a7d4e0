//! Stage 1: load. Reads a YAML or JSON document into a `serde_json::Value` while
//! remembering where every node came from, so that later stages can report
//! problems as `file:line:column` plus a JSON pointer.
//!
//! YAML 1.2 (core schema) is parsed with `saphyr-parser`; JSON is a subset of it,
//! so one parser serves both. Duplicate mapping keys are reported, not silently
//! merged. A document spread over several files is bundled into one by
//! [`load_path`] (see [`bundle`]).

mod bundle;

pub use bundle::load_path;

use std::collections::HashMap;
use std::path::Path;

use saphyr_parser::{Event, Marker, Parser, ScalarStyle, Tag};
use serde_json::{Map, Number, Value};

pub use crate::diagnostic::Position;
use crate::diagnostic::{Diagnostic, Rule};
use crate::pointer::escape_token;

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
    positions: HashMap<String, Spot>,
}

/// Where a node came from: a file (index into `Document::files`) and a position.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Spot {
    pub(crate) file: u32,
    pub(crate) position: Position,
}

impl Document {
    /// The names of the files the document was read from, the root first.
    pub fn files(&self) -> &[String] {
        &self.files
    }

    /// The file and position of the node at `pointer`, or of its nearest
    /// ancestor that has one.
    pub fn location(&self, pointer: &str) -> (&str, Position) {
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

    /// The position of the node at `pointer` (in the file [`Document::location`]
    /// names), or of its nearest ancestor that has one.
    pub fn position(&self, pointer: &str) -> Position {
        self.location(pointer).1
    }

    /// Builds a diagnostic located at `pointer`, in the file the node came from.
    pub fn diagnostic(&self, pointer: &str, rule: Rule, message: impl Into<String>) -> Diagnostic {
        let (file, position) = self.location(pointer);
        Diagnostic::new(file, position, pointer, rule, message)
    }

    /// The node a local reference (`#/a/b`) points to.
    pub fn resolve_ref(&self, reference: &str) -> Option<&Value> {
        let pointer = reference.strip_prefix('#')?;
        self.value.pointer(pointer)
    }

    /// Follows a chain of local `$ref`s from `value` (found at `pointer`) to
    /// the node that is not a reference, with its pointer. `None` when a
    /// reference does not resolve or the chain is longer than 32 (a cycle).
    pub fn follow_refs<'v>(
        &'v self,
        value: &'v Value,
        pointer: &str,
    ) -> Option<(&'v Value, String)> {
        let mut value = value;
        let mut pointer = pointer.to_owned();
        for _ in 0..32 {
            match value.get("$ref").and_then(Value::as_str) {
                Some(r) => {
                    value = self.resolve_ref(r)?;
                    pointer = r.trim_start_matches('#').to_owned();
                }
                None => return Some((value, pointer)),
            }
        }
        None
    }
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
    let parsed = parse(file, text);
    Loaded {
        document: parsed.value.map(|value| Document {
            file: file.to_owned(),
            value,
            files: vec![file.to_owned()],
            positions: parsed
                .positions
                .into_iter()
                .map(|(k, position)| (k, Spot { file: 0, position }))
                .collect(),
        }),
        problems: parsed.problems,
    }
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
    if Path::new(file)
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("json"))
    {
        if let Err(e) = serde_json::from_str::<Value>(text) {
            let at = Position {
                line: e.line().max(1),
                column: e.column().max(1),
            };
            let message = e.to_string();
            let suffix = format!(" at line {} column {}", e.line(), e.column());
            let message = message.strip_suffix(&suffix).unwrap_or(&message);
            return Parsed {
                value: None,
                positions: HashMap::new(),
                problems: vec![Diagnostic::new(file, at, "", Rule::Syntax, message)],
            };
        }
    }
    let mut builder = TreeBuilder {
        file: file.to_owned(),
        positions: HashMap::new(),
        anchors: HashMap::new(),
        problems: Vec::new(),
    };
    match builder.parse(text) {
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
    }
}

/// Builds the JSON tree from parser events, recording positions.
struct TreeBuilder {
    file: String,
    positions: HashMap<String, Position>,
    anchors: HashMap<usize, Value>,
    problems: Vec<Diagnostic>,
}

enum Frame {
    Seq {
        pointer: String,
        anchor: usize,
        items: Vec<Value>,
    },
    Map {
        pointer: String,
        anchor: usize,
        map: Map<String, Value>,
        key: Option<String>,
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
                self.error((*e.marker()).into(), "", Rule::Syntax, e.info().to_owned())
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
                    let value = self.anchors.get(&id).cloned().ok_or_else(|| {
                        self.error(
                            at,
                            &pointer,
                            Rule::Syntax,
                            "alias to an unknown anchor".into(),
                        )
                    })?;
                    self.finish_node(&mut stack, &mut root, pointer, at, value, 0);
                }
                Event::Scalar(text, style, anchor, tag) => {
                    // A scalar in key position is a mapping key.
                    if let Some(Frame::Map {
                        key: key @ None,
                        map,
                        pointer,
                        ..
                    }) = stack.last_mut()
                    {
                        let name = text.into_owned();
                        let child = format!("{pointer}/{}", escape_token(&name));
                        if map.contains_key(&name) {
                            self.problems.push(Diagnostic::new(
                                &self.file,
                                at,
                                &child,
                                Rule::DuplicateKey,
                                format!("duplicate mapping key `{name}`"),
                            ));
                        }
                        self.positions.insert(child, at);
                        *key = Some(name);
                        continue;
                    }
                    let pointer = self.child_pointer(&stack, at)?;
                    let value = scalar(&text, style, tag.as_deref())
                        .map_err(|message| self.error(at, &pointer, Rule::Syntax, message))?;
                    self.finish_node(&mut stack, &mut root, pointer, at, value, anchor);
                }
                Event::SequenceStart(anchor, _) => {
                    let pointer = self.child_pointer(&stack, at)?;
                    self.positions.entry(pointer.clone()).or_insert(at);
                    stack.push(Frame::Seq {
                        pointer,
                        anchor,
                        items: Vec::new(),
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
                    });
                }
                Event::SequenceEnd | Event::MappingEnd => {
                    let (anchor, value) = match stack.pop() {
                        Some(Frame::Seq { anchor, items, .. }) => (anchor, Value::Array(items)),
                        Some(Frame::Map { anchor, map, .. }) => (anchor, Value::Object(map)),
                        None => {
                            return Err(self.error(
                                at,
                                "",
                                Rule::Syntax,
                                "unbalanced collection".into(),
                            ))
                        }
                    };
                    self.attach(&mut stack, &mut root, value, anchor);
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

    fn finish_node(
        &mut self,
        stack: &mut [Frame],
        root: &mut Option<Value>,
        pointer: String,
        at: Position,
        value: Value,
        anchor: usize,
    ) {
        self.positions.entry(pointer).or_insert(at);
        self.attach(stack, root, value, anchor);
    }

    fn attach(
        &mut self,
        stack: &mut [Frame],
        root: &mut Option<Value>,
        value: Value,
        anchor: usize,
    ) {
        if anchor != 0 {
            self.anchors.insert(anchor, value.clone());
        }
        match stack.last_mut() {
            None => *root = Some(value),
            Some(Frame::Seq { items, .. }) => items.push(value),
            Some(Frame::Map { map, key, .. }) => {
                let name = key.take().expect("a value follows its key");
                // The first occurrence wins; the duplicate was reported.
                map.entry(name).or_insert(value);
            }
        }
    }
}

/// Resolves a scalar per the YAML 1.2 core schema. Quoted and block scalars are
/// always strings.
fn scalar(text: &str, style: ScalarStyle, tag: Option<&Tag>) -> Result<Value, String> {
    if let Some(tag) = tag {
        if tag.handle == "tag:yaml.org,2002:" || tag.handle == "!!" {
            return match tag.suffix.as_str() {
                "str" => Ok(Value::String(text.to_owned())),
                "int" | "float" => {
                    plain_number(text).ok_or_else(|| format!("`{text}` is not a number"))
                }
                "bool" => plain_bool(text)
                    .map(Value::Bool)
                    .ok_or_else(|| format!("`{text}` is not a boolean")),
                "null" => Ok(Value::Null),
                other => Err(format!("unsupported tag `!!{other}`")),
            };
        }
        return Err(format!("unsupported tag `{}{}`", tag.handle, tag.suffix));
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
}
