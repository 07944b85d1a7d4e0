//! Documents spread over several files. Every `$ref` to another file is
//! resolved against the directory of the file that contains it (a local
//! `#/...` inside that file refers to that file), and the whole is bundled
//! into one [`Document`] whose references are all local.
//!
//! - A reference in a schema position (`schema`, `items`,
//!   `additionalProperties`, `not`, `allOf`/`oneOf`/`anyOf` members,
//!   `properties` values, `components/schemas` entries, discriminator
//!   mappings) is hoisted once into `#/components/schemas/<Name>`: the name is
//!   the pointer's last token, else the file's stem, numbered when taken.
//!   Schemas may therefore refer to each other in cycles across files.
//! - A reference to an entry of another file's `components/<kind>/<name>` is
//!   hoisted into the root's `components/<kind>` the same way.
//! - Anything else (path items, operations, parameters, responses, bodies,
//!   examples, headers, plain values) is copied in place, its own references
//!   resolved against its file; siblings of such a `$ref` apply over the copy.
//!   A cycle of such copies is an error, and so are copies that multiply past
//!   [`MAX_COPIED_NODES`] (a file referring ten times to a file that refers
//!   ten times to another, ...): the error names the chain of files.
//! - A root `components/<kind>/<name>` entry that is only a reference to
//!   another file takes that file's content under its own name.
//! - A reference that cannot be followed (the file is missing, unreadable or
//!   does not parse, the fragment does not resolve, a URL) is left where it
//!   is, as a reference that does not resolve: it costs only what uses it,
//!   as a dangling local reference does. The document remembers why
//!   ([`Document::dangling`]) and the problem, located where the reference is
//!   written ([`Document::unresolved`]): the validator reports it, generation
//!   works around it with a warning (`repair`), `--strict` refuses it.
//!
//! Every node keeps the file and position it was written at, so diagnostics
//! point into the right file. Each file is read and parsed once.

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::sync::Arc;

use serde_json::{Map, Value};

use super::{parse, utf8, Document, Loaded, Parsed, Position, Spot, Unreadable};
use crate::diagnostic::{self, cut, Diagnostic, Rule};
use crate::pointer::{escape_token, unescape_token};

/// At most this many files take part in one document.
const MAX_FILES: usize = 20_000;
/// At most this many bytes are read over all files.
const MAX_BYTES: usize = 256 << 20;
/// At most this many nodes are copied in place by references to other files,
/// as [`super::MAX_ALIAS_NODES`] bounds the copies YAML aliases make. Copies
/// multiply: seven files of 2 KB in all, each referring to the next ten
/// times, would copy the last one a million times (gigabytes, and a minute
/// to validate, before this limit). A node counts one, plus one per 256 bytes of its pointer and per 128 bytes
/// of its text, which the bundle stores too (and a validator or generator
/// copies again). At the limit, `cargo xtask validate` and `codegen` stay
/// under 400 MB; DigitalOcean's public specification (2,850 files, shared
/// parameters and responses reused throughout) copies 163,000.
const MAX_COPIED_NODES: usize = 500_000;
/// At most this many nodes in the bundled document (copies included).
const MAX_NODES: usize = 20_000_000;
/// At most this many copied references nested in one another.
const MAX_DEPTH: usize = 256;

/// The `components` kinds whose entries may be hoisted.
const COMPONENT_KINDS: [&str; 9] = [
    "schemas",
    "responses",
    "parameters",
    "examples",
    "requestBodies",
    "headers",
    "securitySchemes",
    "links",
    "callbacks",
];

/// One file of the document.
struct Source {
    /// The name used in diagnostics.
    name: String,
    /// The canonical path; relative references resolve against its directory.
    path: PathBuf,
    value: Value,
    positions: HashMap<String, Position>,
}

/// What the node being copied is, as far as references are concerned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Ctx {
    /// Document structure: paths, operations, parameters, responses, ...
    Doc,
    /// A schema.
    Schema,
    /// A mapping whose values are schemas (`properties`, `components/schemas`).
    SchemaMap,
    /// A list of schemas (`allOf`, `oneOf`, `anyOf`).
    SchemaList,
    /// A schema's `discriminator`.
    Discriminator,
    /// Data: examples, defaults, descriptions, extensions.
    Plain,
}

/// A component to hoist: the node at `pointer` in `file`, as
/// `components/<kind>/<name>`.
struct Hoist {
    file: usize,
    pointer: String,
    kind: &'static str,
    name: String,
}

/// Reads the document at `path` (named `name` in diagnostics) with every file
/// it refers to, bundled into one document whose references are all local.
///
/// `Err` only when the root file cannot be read. A file that is not UTF-8 is
/// a `syntax` problem at its first byte that is not. A reference that cannot
/// be followed (missing file, bad fragment, a file that does not parse, a
/// URL) is an `unresolved-ref` problem located at the `$ref` in the file
/// where it is written, kept in the document ([`Document::unresolved`]) with
/// the reference left unresolved. A cycle of copied references, or a document
/// past the limits (files, bytes, nodes copied in place or in all), is such a
/// problem too, and leaves no document.
pub fn load_path(path: &Path, name: &str) -> Result<Loaded, Unreadable> {
    let unreadable = |source| Unreadable {
        file: name.to_owned(),
        source,
    };
    let bytes = std::fs::read(path).map_err(unreadable)?;
    let canonical = std::fs::canonicalize(path).map_err(unreadable)?;
    let text = match utf8(name, bytes) {
        Ok(text) => text,
        Err(problem) => {
            return Ok(Loaded {
                document: None,
                problems: vec![*problem],
            })
        }
    };
    let parsed = parse(name, &text);
    let mut problems = parsed.problems;
    let Some(mut value) = parsed.value else {
        return Ok(Loaded {
            document: None,
            problems,
        });
    };
    // `$id`, `$anchor` and `$self` references are this file's own.
    super::upgrade::resolve_ids(&mut value);
    if !refers_to_files(&value) {
        // One file: nothing to bundle, and no copy of the tree to make.
        let document = Document::from_parts(
            name.to_owned(),
            value,
            vec![name.to_owned()],
            parsed
                .positions
                .into_iter()
                .map(|(k, position)| (k, Spot { file: 0, position }))
                .collect(),
        );
        diagnostic::sort(&mut problems);
        return Ok(Loaded {
            document: Some(document),
            problems,
        });
    }
    let root = Source {
        name: name.to_owned(),
        path: canonical.clone(),
        value,
        positions: parsed.positions,
    };
    let (prefetched, canonical_paths) = prefetch(&root);
    let mut bundler = Bundler {
        prefetched,
        sources: vec![Rc::new(root)],
        by_path: HashMap::from([(canonical, Ok(0))]),
        canonical: canonical_paths,
        bytes: text.len(),
        problems: Vec::new(),
        failed: false,
        positions: HashMap::new(),
        anchors: HashMap::new(),
        referrers: HashMap::new(),
        hoisted: HashMap::new(),
        taken: HashMap::new(),
        queue: VecDeque::new(),
        slots: HashSet::new(),
        inlining: Vec::new(),
        copying: Vec::new(),
        nodes: 0,
        copied: 0,
        dangling: BTreeMap::new(),
        unresolved: Vec::new(),
    };
    let mut document = bundler.run();
    problems.append(&mut bundler.problems);
    if bundler.failed {
        problems.append(&mut document.unresolved);
    }
    diagnostic::sort(&mut problems);
    problems.dedup();
    Ok(Loaded {
        document: (!bundler.failed).then_some(document),
        problems,
    })
}

struct Bundler {
    /// Files read and parsed ahead, by canonical path ([`prefetch`]).
    prefetched: HashMap<PathBuf, Prefetched>,
    /// Every file read so far; the root is 0.
    sources: Vec<Rc<Source>>,
    /// Canonical path → index in `sources`, or why it could not be read.
    by_path: HashMap<PathBuf, Result<usize, String>>,
    /// A file's path as joined from a reference → its canonical path, so
    /// that each spelling is looked up on disk once.
    canonical: HashMap<PathBuf, PathBuf>,
    bytes: usize,
    problems: Vec<Diagnostic>,
    /// Whether a reference could not be followed.
    failed: bool,
    /// The bundled document's positions.
    positions: HashMap<String, Spot>,
    /// See [`Document::pointer_in_file`]: where each node copied from
    /// another place (a file, or another node of a file) was written.
    anchors: HashMap<String, (u32, String)>,
    /// See [`Document::reference_site`]: where each reference copied in
    /// place was written.
    referrers: HashMap<String, (Spot, String)>,
    /// (file, pointer) → the local reference that now stands for it.
    hoisted: HashMap<(usize, String), String>,
    /// Component names in use, per kind.
    taken: HashMap<&'static str, HashSet<String>>,
    /// Hoisted components still to copy.
    queue: VecDeque<Hoist>,
    /// Root component entries that are only a reference to another file: the
    /// target is copied there.
    slots: HashSet<String>,
    /// The references being copied, outermost first (for cycles).
    inlining: Vec<(usize, String)>,
    /// Where each reference being copied in place is written (file, pointer
    /// of the `$ref`), outermost first: the last of `inlining` are theirs.
    copying: Vec<(usize, String)>,
    nodes: usize,
    /// Nodes copied in place so far ([`MAX_COPIED_NODES`]).
    copied: usize,
    /// See [`Document::dangling`].
    dangling: BTreeMap<String, String>,
    /// See [`Document::unresolved`].
    unresolved: Vec<Diagnostic>,
}

/// Why a reference cannot be followed.
enum RefError {
    /// What it names cannot be read or does not exist: the reference is left
    /// unresolved, and costs only what uses it.
    Dangling(String),
    /// The document as a whole is past a limit: it is not loaded.
    Limit(String),
}

impl Bundler {
    fn run(&mut self) -> Document {
        let root = Rc::clone(&self.sources[0]);
        self.claim_root_components(&root.value);
        let mut value = self.walk(
            0,
            &root.value,
            &mut String::new(),
            &mut String::new(),
            Ctx::Doc,
        );
        let mut added = Vec::new();
        while let Some(h) = self.queue.pop_front() {
            let source = Rc::clone(&self.sources[h.file]);
            let Some(target) = source.value.pointer(&h.pointer) else {
                continue; // checked when the reference was resolved
            };
            let mut dp = format!("/components/{}/{}", h.kind, escape_token(&h.name));
            let (ctx, guard) = if h.kind == "schemas" {
                (Ctx::Schema, false)
            } else {
                (Ctx::Doc, true)
            };
            if guard {
                self.inlining.push((h.file, h.pointer.clone()));
            }
            self.anchors
                .insert(dp.clone(), (h.file as u32, h.pointer.clone()));
            let copy = self.walk(h.file, target, &mut h.pointer.clone(), &mut dp, ctx);
            if guard {
                self.inlining.pop();
            }
            added.push((h.kind, h.name, copy));
        }
        self.insert_components(&mut value, added);
        let mut unresolved = std::mem::take(&mut self.unresolved);
        diagnostic::sort(&mut unresolved);
        unresolved.dedup();
        let mut document = Document::from_parts(
            root.name.clone(),
            value,
            self.sources.iter().map(|s| s.name.clone()).collect(),
            std::mem::take(&mut self.positions),
        );
        document.dangling = std::mem::take(&mut self.dangling);
        document.anchors = Arc::new(std::mem::take(&mut self.anchors));
        document.referrers = Arc::new(std::mem::take(&mut self.referrers));
        document.unresolved = unresolved;
        document
    }

    /// Reserves the root's component names, and lets a root component that is
    /// only a reference to another file stand for that file's node.
    fn claim_root_components(&mut self, root: &Value) {
        let Some(components) = root.get("components").and_then(Value::as_object) else {
            return;
        };
        for kind in COMPONENT_KINDS {
            let Some(entries) = components.get(kind).and_then(Value::as_object) else {
                continue;
            };
            self.taken
                .entry(kind)
                .or_default()
                .extend(entries.keys().cloned());
        }
        for kind in COMPONENT_KINDS {
            let Some(entries) = components.get(kind).and_then(Value::as_object) else {
                continue;
            };
            for (name, entry) in entries {
                let Some(Value::String(r)) = entry.get("$ref") else {
                    continue;
                };
                if r.starts_with('#') || entry.as_object().is_some_and(|m| m.len() != 1) {
                    continue;
                }
                // Problems are reported where the reference is copied.
                let Ok((file, pointer)) = self.resolve(0, r) else {
                    continue;
                };
                if file == 0 || self.hoisted.contains_key(&(file, pointer.clone())) {
                    continue;
                }
                let dp = format!("/components/{kind}/{}", escape_token(name));
                self.hoisted.insert((file, pointer), format!("#{dp}"));
                self.slots.insert(dp);
            }
        }
    }

    /// Adds the hoisted components to the root's `components`.
    fn insert_components(&mut self, value: &mut Value, added: Vec<(&'static str, String, Value)>) {
        if added.is_empty() {
            return;
        }
        let Some(root) = value.as_object_mut() else {
            return; // not a document; the validator says so
        };
        let components = root
            .entry("components")
            .or_insert_with(|| Value::Object(Map::new()));
        let Some(components) = components.as_object_mut() else {
            self.error(
                0,
                "/components",
                "`components` must be a mapping to hold the components referenced from other files"
                    .into(),
            );
            return;
        };
        for (kind, name, copy) in added {
            let entries = components
                .entry(kind)
                .or_insert_with(|| Value::Object(Map::new()));
            match entries.as_object_mut() {
                Some(entries) => {
                    entries.insert(name, copy);
                }
                None => {
                    let at = format!("/components/{kind}");
                    self.error(0, &at, format!("`{at}` must be a mapping to hold the components referenced from other files"));
                    return;
                }
            }
        }
    }

    /// Copies `value` (at `sp` in `file`) to `dp` in the bundle, following
    /// references to other files.
    fn walk(
        &mut self,
        file: usize,
        value: &Value,
        sp: &mut String,
        dp: &mut String,
        ctx: Ctx,
    ) -> Value {
        self.nodes += 1;
        if self.nodes > MAX_NODES {
            if self.nodes == MAX_NODES + 1 {
                self.error(file, sp, format!("the bundled document would exceed {MAX_NODES} nodes: references copy too much"));
            }
            return Value::Null;
        }
        if !self.copying.is_empty() {
            // Copied in place: bounded, as copies multiply.
            let before = self.copied;
            let text = match value {
                Value::String(s) => s.len(),
                _ => 0,
            };
            self.copied += 1 + dp.len() / 256 + text / 128;
            if self.copied > MAX_COPIED_NODES {
                if before <= MAX_COPIED_NODES {
                    self.too_many_copies();
                }
                return Value::Null;
            }
        }
        if let Some(position) = self.sources[file].positions.get(sp.as_str()) {
            let spot = Spot {
                file: file as u32,
                position: *position,
            };
            self.positions.insert(dp.clone(), spot);
        }
        match value {
            Value::Object(map) => {
                if let Some(Value::String(r)) = map.get("$ref") {
                    return self.reference(file, map, r, sp, dp, ctx);
                }
                Value::Object(self.walk_map(file, map, sp, dp, ctx, false))
            }
            Value::Array(items) => {
                let item_ctx = match ctx {
                    Ctx::SchemaList => Ctx::Schema,
                    Ctx::Doc => Ctx::Doc,
                    _ => Ctx::Plain,
                };
                let mut out = Vec::with_capacity(items.len());
                for (i, item) in items.iter().enumerate() {
                    let (sl, dl) = (sp.len(), dp.len());
                    let token = i.to_string();
                    push_token(sp, &token);
                    push_token(dp, &token);
                    out.push(self.walk(file, item, sp, dp, item_ctx));
                    sp.truncate(sl);
                    dp.truncate(dl);
                }
                Value::Array(out)
            }
            other => other.clone(),
        }
    }

    fn walk_map(
        &mut self,
        file: usize,
        map: &Map<String, Value>,
        sp: &mut String,
        dp: &mut String,
        ctx: Ctx,
        skip_ref: bool,
    ) -> Map<String, Value> {
        let mut out = Map::with_capacity(map.len());
        for (key, child) in map {
            if skip_ref && key == "$ref" {
                continue;
            }
            let child_ctx = child_ctx(ctx, key, dp);
            let (sl, dl) = (sp.len(), dp.len());
            let token = escape_token(key);
            push_token(sp, &token);
            push_token(dp, &token);
            if skip_ref {
                // A sibling of a reference, over the copy of its target.
                self.anchors.insert(dp.clone(), (file as u32, sp.clone()));
            }
            let copy = if child_ctx == Ctx::Discriminator {
                self.discriminator(file, child, sp, dp)
            } else {
                self.walk(file, child, sp, dp, child_ctx)
            };
            sp.truncate(sl);
            dp.truncate(dl);
            out.insert(key.clone(), copy);
        }
        out
    }

    /// A discriminator: its mapping's references are schema references.
    fn discriminator(
        &mut self,
        file: usize,
        value: &Value,
        sp: &mut String,
        dp: &mut String,
    ) -> Value {
        let mut copy = self.walk(file, value, sp, dp, Ctx::Plain);
        let Some(Value::Object(mapping)) = value.get("mapping") else {
            return copy;
        };
        for (key, target) in mapping {
            let Value::String(r) = target else { continue };
            let is_ref = r.contains('#')
                || r.contains('/')
                || [".yaml", ".yml", ".json"].iter().any(|e| r.ends_with(e));
            if !is_ref || (file == 0 && r.starts_with('#')) {
                continue; // a schema name, or already local
            }
            let at = format!("{sp}/mapping/{}", escape_token(key));
            let local = match self.resolve(file, r) {
                Ok((0, pointer)) => format!("#{pointer}"),
                Ok((tfile, pointer)) => self.hoist(tfile, &pointer, "schemas"),
                Err(RefError::Dangling(message)) => {
                    let here = format!("{dp}/mapping/{}", escape_token(key));
                    self.dangle(file, &at, here, message);
                    self.unresolvable(file, r)
                }
                Err(RefError::Limit(message)) => {
                    self.error(file, &at, message);
                    continue;
                }
            };
            if let Some(slot) = copy
                .get_mut("mapping")
                .and_then(|m| m.get_mut(key.as_str()))
            {
                *slot = Value::String(local);
            }
        }
        copy
    }

    /// A `{$ref: r, ...}` node at `sp` in `file`, copied to `dp`.
    fn reference(
        &mut self,
        file: usize,
        map: &Map<String, Value>,
        r: &str,
        sp: &mut String,
        dp: &mut String,
        ctx: Ctx,
    ) -> Value {
        if file == 0 && r.starts_with('#') {
            return Value::Object(self.walk_map(file, map, sp, dp, ctx, false));
        }
        let at = format!("{sp}/$ref");
        let shown = cut(r);
        let (tfile, pointer) = match self.resolve(file, r) {
            Ok(target) => target,
            Err(RefError::Dangling(message)) => {
                self.dangle(file, &at, format!("{dp}/$ref"), message);
                let mut copy = self.walk_map(file, map, sp, dp, ctx, false);
                copy.insert("$ref".to_owned(), Value::String(self.unresolvable(file, r)));
                return Value::Object(copy);
            }
            Err(RefError::Limit(message)) => {
                self.error(file, &at, message);
                return Value::Object(map.clone());
            }
        };
        let slot = file == 0 && self.slots.contains(dp.as_str());
        let local = if tfile == 0 {
            Some(format!("#{pointer}"))
        } else if slot {
            None
        } else if ctx == Ctx::Schema {
            Some(self.hoist(tfile, &pointer, "schemas"))
        } else if let Some(cycle) = self.cycle(tfile, &pointer) {
            self.error(
                file,
                &at,
                format!("`{shown}` closes a cycle of references: {cycle}"),
            );
            return Value::Object(map.clone());
        } else if let Some(local) = self.hoisted.get(&(tfile, pointer.clone())) {
            Some(local.clone())
        } else {
            component_kind(&pointer).map(|kind| self.hoist(tfile, &pointer, kind))
        };
        if let Some(local) = local {
            let mut copy = self.walk_map(file, map, sp, dp, ctx, false);
            copy.insert("$ref".to_owned(), Value::String(local));
            return Value::Object(copy);
        }
        if self.inlining.len() >= MAX_DEPTH {
            self.error(
                file,
                &at,
                format!("`{shown}`: references nest more than {MAX_DEPTH} deep"),
            );
            return Value::Object(map.clone());
        }
        if let Some(cycle) = self.cycle(tfile, &pointer) {
            self.error(
                file,
                &at,
                format!("`{shown}` closes a cycle of references: {cycle}"),
            );
            return Value::Object(map.clone());
        }
        let source = Rc::clone(&self.sources[tfile]);
        let Some(target) = source.value.pointer(&pointer) else {
            return Value::Object(map.clone()); // checked by `resolve`
        };
        self.inlining.push((tfile, pointer.clone()));
        self.copying.push((file, at));
        self.anchors
            .insert(dp.clone(), (tfile as u32, pointer.clone()));
        if let Some(position) = self.sources[file].positions.get(sp.as_str()) {
            let spot = Spot {
                file: file as u32,
                position: *position,
            };
            self.referrers.insert(dp.clone(), (spot, sp.clone()));
        }
        let mut tsp = pointer;
        let copy = self.walk(tfile, target, &mut tsp, dp, ctx);
        self.copying.pop();
        self.inlining.pop();
        match copy {
            // Siblings of the reference apply over what it points to.
            Value::Object(mut object) if map.len() > 1 => {
                for (k, v) in self.walk_map(file, map, sp, dp, ctx, true) {
                    object.insert(k, v);
                }
                Value::Object(object)
            }
            other => other,
        }
    }

    /// When (file, pointer) is being copied already: the chain that leads back.
    fn cycle(&self, file: usize, pointer: &str) -> Option<String> {
        let start = self
            .inlining
            .iter()
            .position(|(f, p)| *f == file && p == pointer)?;
        let mut chain: Vec<String> = self.inlining[start..]
            .iter()
            .map(|(f, p)| self.describe(*f, p))
            .collect();
        chain.push(self.describe(file, pointer));
        Some(chain.join(" -> "))
    }

    /// The copies in place have gone past [`MAX_COPIED_NODES`]: an error at
    /// the innermost reference being copied, naming the chain of references
    /// from the outermost.
    fn too_many_copies(&mut self) {
        let Some((file, at)) = self.copying.last().cloned() else {
            return;
        };
        let (outer_file, outer_at) = &self.copying[0];
        let outer = outer_at.strip_suffix("/$ref").unwrap_or(outer_at);
        let mut chain = vec![self.describe(*outer_file, outer)];
        let targets = &self.inlining[self.inlining.len() - self.copying.len()..];
        chain.extend(targets.iter().map(|(f, p)| self.describe(*f, p)));
        if chain.len() > 8 {
            // The outermost and the innermost say where it starts and ends.
            chain.splice(2..chain.len() - 5, ["…".to_owned()]);
        }
        self.error(
            file,
            &at,
            format!(
                "references copied in place make more than {MAX_COPIED_NODES} nodes (each file is copied wherever it is referenced; a component is written once): {}",
                chain.join(" -> ")
            ),
        );
    }

    fn describe(&self, file: usize, pointer: &str) -> String {
        let name = cut(&self.sources[file].name);
        if pointer.is_empty() {
            name
        } else {
            format!("{name}#{}", cut(pointer))
        }
    }

    /// The local reference standing for (file, pointer), hoisted into
    /// `components/<kind>` on first use.
    fn hoist(&mut self, file: usize, pointer: &str, kind: &'static str) -> String {
        if let Some(local) = self.hoisted.get(&(file, pointer.to_owned())) {
            return local.clone();
        }
        let stem = Path::new(&self.sources[file].name)
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or("Component")
            .to_owned();
        let wanted = match pointer.rsplit('/').next() {
            Some(token) if !pointer.is_empty() && !token.is_empty() => {
                let token = unescape_token(token);
                if token.bytes().all(|b| b.is_ascii_digit()) {
                    format!("{stem}_{token}")
                } else {
                    token
                }
            }
            _ => stem,
        };
        let taken = self.taken.entry(kind).or_default();
        let mut name = wanted.clone();
        let mut i = 2;
        while taken.contains(&name) {
            name = format!("{wanted}{i}");
            i += 1;
        }
        taken.insert(name.clone());
        let local = format!("#/components/{kind}/{}", escape_token(&name));
        self.hoisted
            .insert((file, pointer.to_owned()), local.clone());
        self.queue.push_back(Hoist {
            file,
            pointer: pointer.to_owned(),
            kind,
            name,
        });
        local
    }

    /// The file and JSON pointer `r` (written in `file`) points to.
    fn resolve(&mut self, file: usize, r: &str) -> Result<(usize, String), RefError> {
        let shown = cut(r);
        let (path, fragment) = r.split_once('#').unwrap_or((r, ""));
        let fragment = percent_decode(fragment).ok_or_else(|| {
            RefError::Dangling(format!(
                "`{shown}`: the fragment is not valid percent-encoded UTF-8"
            ))
        })?;
        if !fragment.is_empty() && !fragment.starts_with('/') {
            return Err(RefError::Dangling(format!(
                "`{shown}`: the fragment must be a JSON pointer (`#/...`)"
            )));
        }
        let target = if path.is_empty() {
            file
        } else if is_url(path) {
            return Err(RefError::Dangling(format!(
                "`{shown}` is a URL: URLs are not fetched; only files beside the document are read"
            )));
        } else {
            let path = percent_decode(path).ok_or_else(|| {
                RefError::Dangling(format!(
                    "`{shown}`: the path is not valid percent-encoded UTF-8"
                ))
            })?;
            self.open(file, &path)?
        };
        if self.sources[target].value.pointer(&fragment).is_none() {
            return Err(RefError::Dangling(format!(
                "`{shown}`: `#{}` does not resolve in `{}`",
                cut(&fragment),
                cut(&self.sources[target].name)
            )));
        }
        Ok((target, fragment))
    }

    /// `r`, written in `file`, as it is left in the bundle when it cannot be
    /// followed: as written, unless it is local to a file that is not the
    /// root (in the bundle it would point into the root): then prefixed with
    /// that file's name, so that it resolves nowhere.
    fn unresolvable(&self, file: usize, r: &str) -> String {
        if file != 0 && r.starts_with('#') {
            format!("{}{r}", self.sources[file].name)
        } else {
            r.to_owned()
        }
    }

    /// The index of the file at `path` (relative to `from`'s directory),
    /// read and parsed on first use.
    fn open(&mut self, from: usize, path: &str) -> Result<usize, RefError> {
        let from = Rc::clone(&self.sources[from]);
        let name = display_name(&from.name, path);
        let shown = cut(&name);
        let joined = from
            .path
            .parent()
            .map_or_else(|| PathBuf::from(path), |dir| dir.join(path));
        let canonical = match self.canonical.get(&joined) {
            Some(canonical) => canonical.clone(),
            None => {
                let canonical = std::fs::canonicalize(&joined)
                    .map_err(|e| RefError::Dangling(format!("cannot read `{shown}`: {e}")))?;
                self.canonical.insert(joined, canonical.clone());
                canonical
            }
        };
        if let Some(known) = self.by_path.get(&canonical) {
            return known.clone().map_err(RefError::Dangling);
        }
        if self.sources.len() >= MAX_FILES {
            return Err(RefError::Limit(format!(
                "cannot read `{shown}`: a document may span at most {MAX_FILES} files"
            )));
        }
        let too_many_bytes = || {
            RefError::Limit(format!(
                "cannot read `{}`: the document's files exceed {} MiB together",
                shown,
                MAX_BYTES >> 20
            ))
        };
        if let Some(ahead) = self.prefetched.remove(&canonical) {
            self.bytes += ahead.bytes;
            if self.bytes > MAX_BYTES {
                return Err(too_many_bytes());
            }
            // Problems name the file as this reference does.
            let parsed = if ahead.parsed.problems.is_empty() || ahead.name == name {
                ahead.parsed
            } else {
                parse(&name, &ahead.text)
            };
            return self.add(name, canonical, parsed, &shown);
        }
        let bytes = match std::fs::read(&canonical) {
            Ok(bytes) => bytes,
            Err(e) => {
                return Err(self.unreadable(canonical, format!("cannot read `{shown}`: {e}")));
            }
        };
        self.bytes += bytes.len();
        if self.bytes > MAX_BYTES {
            return Err(too_many_bytes());
        }
        let text = match utf8(&name, bytes) {
            Ok(text) => text,
            Err(problem) => {
                self.unresolved.push(*problem);
                let why = format!("`{shown}` is not UTF-8 (see its syntax problem)");
                return Err(self.unreadable(canonical, why));
            }
        };
        let parsed = parse(&name, &text);
        self.add(name, canonical, parsed, &shown)
    }

    /// Records the file at `canonical`, parsed, as the next source.
    fn add(
        &mut self,
        name: String,
        canonical: PathBuf,
        parsed: Parsed,
        shown: &str,
    ) -> Result<usize, RefError> {
        let Some(value) = parsed.value else {
            // Its problems matter only where it is referenced.
            self.unresolved.extend(parsed.problems);
            let why = format!("`{shown}` does not parse (see its syntax problems)");
            return Err(self.unreadable(canonical, why));
        };
        self.problems.extend(parsed.problems);
        let index = self.sources.len();
        self.sources.push(Rc::new(Source {
            name,
            path: canonical.clone(),
            value,
            positions: parsed.positions,
        }));
        self.by_path.insert(canonical, Ok(index));
        Ok(index)
    }

    /// Remembers that the file at `canonical` cannot be read, and why.
    fn unreadable(&mut self, canonical: PathBuf, why: String) -> RefError {
        self.by_path.insert(canonical, Err(why.clone()));
        RefError::Dangling(why)
    }

    /// An `unresolved-ref` problem at `pointer` in `file`: the document is
    /// not loaded.
    fn error(&mut self, file: usize, pointer: &str, message: String) {
        let problem = self.problem(file, pointer, message);
        self.problems.push(problem);
        self.failed = true;
    }

    /// A reference that cannot be followed, at `pointer` in `file` (at `here`
    /// in the bundle): left as it is, the problem remembered by the document.
    fn dangle(&mut self, file: usize, pointer: &str, here: String, message: String) {
        let problem = self.problem(file, pointer, message.clone());
        self.unresolved.push(problem);
        self.dangling.insert(here, message);
    }

    /// An `unresolved-ref` problem at `pointer` in `file`.
    fn problem(&self, file: usize, pointer: &str, message: String) -> Diagnostic {
        let source = &self.sources[file];
        let mut p = pointer;
        let position = loop {
            if let Some(position) = source.positions.get(p) {
                break *position;
            }
            match p.rfind('/') {
                Some(i) => p = &p[..i],
                None => break Position { line: 1, column: 1 },
            }
        };
        Diagnostic::new(
            &source.name,
            position,
            pointer,
            Rule::UnresolvedRef,
            message,
        )
    }
}

/// A file read and parsed ahead of the bundling that asks for it.
struct Prefetched {
    /// The name it was parsed under (that of the first reference found).
    name: String,
    text: String,
    bytes: usize,
    parsed: Parsed,
}

/// Reads and parses, on as many threads as the machine runs at once, the
/// files `root` refers to, and the files those refer to, level by level:
/// parsing is most of the time a document of thousands of files takes, and
/// the bundler follows references one at a time. Only what the bundler
/// would read is read (every `$ref` and discriminator mapping to a file),
/// within the same limits; nothing is reported here. A file that cannot be
/// read, is not UTF-8, or lies past the limits is left to the bundler,
/// which reports it where it is referenced. Also returns the canonical path
/// of each joined path found (see `Bundler::canonical`).
fn prefetch(root: &Source) -> (HashMap<PathBuf, Prefetched>, HashMap<PathBuf, PathBuf>) {
    let threads = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
    let mut done: HashMap<PathBuf, Prefetched> = HashMap::new();
    let mut refs = Refs {
        seen: HashSet::from([root.path.clone()]),
        canonical: HashMap::new(),
    };
    let mut level = Vec::new();
    if threads > 1 {
        refs.add(&root.path, &root.name, &root.value, &mut level);
    }
    let mut bytes = 0usize;
    while !level.is_empty() {
        let next = std::sync::atomic::AtomicUsize::new(0);
        let work = || {
            let mut out = Vec::new();
            loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let Some((path, name)) = level.get(i) else {
                    return out;
                };
                let Ok(raw) = std::fs::read(path) else {
                    continue;
                };
                let len = raw.len();
                let Ok(text) = utf8(name, raw) else {
                    continue;
                };
                let parsed = parse(name, &text);
                out.push((
                    i,
                    Prefetched {
                        name: name.clone(),
                        text,
                        bytes: len,
                        parsed,
                    },
                ));
            }
        };
        let mut read: Vec<(usize, Prefetched)> = std::thread::scope(|scope| {
            let helpers: Vec<_> = (1..threads.min(level.len()))
                .map(|_| scope.spawn(work))
                .collect();
            let mut read = work();
            for helper in helpers {
                match helper.join() {
                    Ok(more) => read.extend(more),
                    Err(panic) => std::panic::resume_unwind(panic),
                }
            }
            read
        });
        read.sort_by_key(|(i, _)| *i);
        let mut deeper = Vec::new();
        for (i, file) in read {
            bytes += file.bytes;
            if bytes > MAX_BYTES || refs.seen.len() > MAX_FILES {
                return (done, refs.canonical);
            }
            let path = &level[i].0;
            if let Some(value) = &file.parsed.value {
                refs.add(path, &file.name, value, &mut deeper);
            }
            done.insert(path.clone(), file);
        }
        level = deeper;
    }
    (done, refs.canonical)
}

/// The files [`prefetch`] found so far.
struct Refs {
    /// Canonical paths found.
    seen: HashSet<PathBuf>,
    /// Joined path → canonical path, each looked up on disk once.
    canonical: HashMap<PathBuf, PathBuf>,
}

impl Refs {
    /// Adds to `out` (canonical path, name) of each file not seen yet that
    /// `value` (of the file at canonical `path`, named `name`) refers to.
    fn add(&mut self, path: &Path, name: &str, value: &Value, out: &mut Vec<(PathBuf, String)>) {
        file_refs(value, &mut |r: &str| {
            let file = r.split_once('#').map_or(r, |(file, _)| file);
            if file.is_empty() || is_url(file) {
                return;
            }
            let Some(file) = percent_decode(file) else {
                return;
            };
            let joined = path
                .parent()
                .map_or_else(|| PathBuf::from(&file), |dir| dir.join(&file));
            let canonical = match self.canonical.get(&joined) {
                Some(canonical) => canonical.clone(),
                None => {
                    let Ok(canonical) = std::fs::canonicalize(&joined) else {
                        return;
                    };
                    self.canonical.insert(joined, canonical.clone());
                    canonical
                }
            };
            if self.seen.insert(canonical.clone()) {
                out.push((canonical, display_name(name, &file)));
            }
        });
    }
}

/// The files one file's references name (`$ref`s and discriminator
/// mappings), as written relative to that file and percent-decoded, each
/// once, in the order found; URLs are left out, and so is everything when
/// the text does not parse. For a caller that must fetch a document's files
/// from elsewhere (a git revision) into a directory before [`load_path`].
pub fn referenced_files(name: &str, text: &str) -> Vec<String> {
    let Some(value) = parse(name, text).value else {
        return Vec::new();
    };
    let mut files: Vec<String> = Vec::new();
    file_refs(&value, &mut |r: &str| {
        let file = r.split_once('#').map_or(r, |(file, _)| file);
        if file.is_empty() || is_url(file) {
            return;
        }
        if let Some(file) = percent_decode(file) {
            if !files.contains(&file) {
                files.push(file);
            }
        }
    });
    files
}

/// Calls `add` with each reference to another file `value` holds: `$ref`s
/// and discriminator mapping values.
fn file_refs(value: &Value, add: &mut dyn FnMut(&str)) {
    let mut stack = vec![value];
    while let Some(value) = stack.pop() {
        match value {
            Value::Object(map) => {
                for (key, child) in map {
                    match (key.as_str(), child) {
                        ("$ref", Value::String(r)) => add(r),
                        ("mapping", Value::Object(mapping)) => {
                            // As `Bundler::discriminator` tells references from names.
                            for r in mapping.values().filter_map(Value::as_str) {
                                if r.contains('#')
                                    || r.contains('/')
                                    || [".yaml", ".yml", ".json"].iter().any(|e| r.ends_with(e))
                                {
                                    add(r);
                                }
                            }
                            stack.push(child);
                        }
                        _ => stack.push(child),
                    }
                }
            }
            Value::Array(items) => stack.extend(items),
            _ => {}
        }
    }
}

/// Whether `value` holds a `$ref` (or a discriminator mapping) that is not
/// local: only then are other files read.
fn refers_to_files(value: &Value) -> bool {
    match value {
        Value::Object(map) => map.iter().any(|(key, child)| match (key.as_str(), child) {
            ("$ref", Value::String(r)) => !r.starts_with('#'),
            ("mapping", Value::Object(mapping)) => {
                mapping
                    .values()
                    .any(|v| v.as_str().is_some_and(|r| !r.starts_with('#')))
                    || refers_to_files(child)
            }
            _ => refers_to_files(child),
        }),
        Value::Array(items) => items.iter().any(refers_to_files),
        _ => false,
    }
}

/// The context of the value under `key` in a node of context `ctx` at `dp`.
fn child_ctx(ctx: Ctx, key: &str, dp: &str) -> Ctx {
    match ctx {
        Ctx::Doc => match key {
            "schema" => Ctx::Schema,
            "schemas" if dp == "/components" => Ctx::SchemaMap,
            "example" | "default" | "value" => Ctx::Plain,
            _ if key.starts_with("x-") => Ctx::Plain,
            _ => Ctx::Doc,
        },
        Ctx::Schema => match key {
            "properties" | "patternProperties" => Ctx::SchemaMap,
            "items" | "additionalProperties" | "not" => Ctx::Schema,
            "allOf" | "oneOf" | "anyOf" => Ctx::SchemaList,
            "discriminator" => Ctx::Discriminator,
            _ => Ctx::Plain,
        },
        Ctx::SchemaMap => Ctx::Schema,
        Ctx::SchemaList | Ctx::Discriminator | Ctx::Plain => Ctx::Plain,
    }
}

/// `Some(kind)` when `pointer` is `/components/<kind>/<name>`.
fn component_kind(pointer: &str) -> Option<&'static str> {
    let rest = pointer.strip_prefix("/components/")?;
    let (kind, name) = rest.split_once('/')?;
    if name.is_empty() || name.contains('/') {
        return None;
    }
    COMPONENT_KINDS.into_iter().find(|k| *k == kind)
}

fn push_token(pointer: &mut String, token: &str) {
    pointer.push('/');
    pointer.push_str(token);
}

/// Whether a reference's path part is a URL (`scheme:...` or `//host/...`)
/// rather than a file path.
fn is_url(path: &str) -> bool {
    if path.starts_with("//") {
        return true;
    }
    let Some((scheme, _)) = path.split_once(':') else {
        return false;
    };
    // One letter is a drive (`C:`), not a scheme.
    scheme.len() > 1
        && scheme.starts_with(|c: char| c.is_ascii_alphabetic())
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
}

/// Decodes `%XX` escapes; `None` when the result is not UTF-8.
fn percent_decode(s: &str) -> Option<String> {
    if !s.contains('%') {
        return Some(s.to_owned());
    }
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                out.push((h * 16 + l) as u8);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8(out).ok()
}

/// The name of the file `path` refers to from the file named `from`: the
/// path joined onto `from`'s directory, `.` and `..` resolved lexically.
fn display_name(from: &str, path: &str) -> String {
    if Path::new(path).is_absolute() {
        return path.to_owned();
    }
    let dir = from.rfind('/').map_or("", |i| &from[..i]);
    let absolute = from.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for part in dir.split('/').chain(path.split('/')) {
        match part {
            "" | "." => {}
            ".." if parts.last().is_some_and(|p| *p != "..") => {
                parts.pop();
            }
            ".." if absolute => {}
            _ => parts.push(part),
        }
    }
    let joined = parts.join("/");
    if absolute {
        format!("/{joined}")
    } else {
        joined
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_files_relative_to_the_referring_file() {
        assert_eq!(display_name("specs/api.yaml", "a/b.yml"), "specs/a/b.yml");
        assert_eq!(
            display_name("specs/resources/x/op.yml", "../../shared/r.yml"),
            "specs/shared/r.yml"
        );
        assert_eq!(display_name("api.yaml", "../up.yml"), "../up.yml");
        assert_eq!(display_name("/w/api.yaml", "./s/../t.yml"), "/w/t.yml");
    }

    #[test]
    fn tells_urls_from_paths() {
        assert!(is_url("http://example.com/x.yml"));
        assert!(is_url("https://example.com/x.yml"));
        assert!(is_url("//example.com/x.yml"));
        assert!(!is_url("models/x.yml"));
        assert!(!is_url("C:/models/x.yml"));
    }

    #[test]
    fn decodes_percent_escapes() {
        assert_eq!(percent_decode("a%20b.yml").as_deref(), Some("a b.yml"));
        assert_eq!(percent_decode("/a~1b").as_deref(), Some("/a~1b"));
        assert_eq!(percent_decode("100%").as_deref(), Some("100%"));
    }

    #[test]
    fn finds_component_kinds() {
        assert_eq!(component_kind("/components/responses/R"), Some("responses"));
        assert_eq!(component_kind("/components/schemas/A/properties"), None);
        assert_eq!(component_kind("/droplet"), None);
    }
}
