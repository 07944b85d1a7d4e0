//! Schemas: the values of parameters, bodies, headers and their
//! properties, compared in the direction they travel. A request narrowing
//! what it accepts breaks clients; a response widening what it may hold
//! breaks them too (the rules in [`super::rules`] say who breaks for each).
//!
//! `$ref`s are followed on both sides and `allOf` members merged (as the
//! model builder reads them), so moving a property into a shared component
//! changes nothing. A pair of schemas already being compared further up
//! (a recursive type) is not compared again, and at most [`MAX_PAIRS`]
//! pairs are compared per value, so cycles and huge documents end.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use super::{quote, Cx};
use crate::load::Document;
use crate::openapi::{is_false_schema, join, pointer_tokens};

/// At most this many schema pairs are compared under one parameter, body
/// or header.
const MAX_PAIRS: usize = 20_000;
/// `allOf` members merged into one schema at most this deep.
const MAX_ALL_OF_DEPTH: usize = 16;

/// Which way a value travels.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Dir {
    Request,
    Response,
}

impl Dir {
    fn prefix(self) -> &'static str {
        match self {
            Dir::Request => "request",
            Dir::Response => "response",
        }
    }
}

/// Compares the schemas `old` and `new` (each a value and its pointer) of
/// `subject` (`request body (application/json)`, `query parameter
/// `limit``) of the operation `op`.
pub(crate) fn compare<'d>(
    cx: &mut Cx<'d>,
    dir: Dir,
    op: &str,
    subject: &str,
    old: (&'d Value, &str),
    new: (&'d Value, &str),
) {
    let old_doc = cx.old;
    let new_doc = cx.new;
    let mut walk = Walk {
        cx,
        old_doc,
        new_doc,
        dir,
        op,
        subject,
        stack: Vec::new(),
        pairs: 0,
    };
    walk.schema("", old, new);
}

/// A schema with its `$ref`s followed and its `allOf` merged: each keyword
/// with the pointer it is written at.
struct Flat<'d> {
    /// Where the schema is (after following `$ref`s).
    pointer: String,
    keywords: BTreeMap<&'static str, (&'d Value, String)>,
    /// Property name → (schema as written, pointer).
    properties: Vec<(String, &'d Value, String)>,
    /// Required property name → pointer of its entry in `required`.
    required: BTreeMap<String, String>,
}

const KEYWORDS: [&str; 22] = [
    "type",
    "format",
    "nullable",
    "enum",
    "maxLength",
    "minLength",
    "maximum",
    "minimum",
    "exclusiveMaximum",
    "exclusiveMinimum",
    "maxItems",
    "minItems",
    "multipleOf",
    "pattern",
    "default",
    "items",
    "additionalProperties",
    "oneOf",
    "anyOf",
    "readOnly",
    "writeOnly",
    "discriminator",
];

fn flatten<'d>(doc: &'d Document, value: &'d Value, pointer: &str) -> Flat<'d> {
    let (value, pointer) = doc
        .follow_refs(value, pointer)
        .unwrap_or_else(|| (value, pointer.to_owned()));
    let mut flat = Flat {
        pointer: pointer.clone(),
        keywords: BTreeMap::new(),
        properties: Vec::new(),
        required: BTreeMap::new(),
    };
    merge(doc, value, &pointer, 0, &mut flat);
    flat
}

/// Adds what `value` (at `pointer`) says to `flat`, what is already there
/// winning: the schema's own keywords, then its `allOf` members in order.
fn merge<'d>(
    doc: &'d Document,
    value: &'d Value,
    pointer: &str,
    depth: usize,
    flat: &mut Flat<'d>,
) {
    let Some(map) = value.as_object() else {
        return;
    };
    for keyword in KEYWORDS {
        if let Some(v) = map.get(keyword) {
            flat.keywords
                .entry(keyword)
                .or_insert_with(|| (v, join(pointer, keyword)));
        }
    }
    if let Some(properties) = map.get("properties").and_then(Value::as_object) {
        let at = join(pointer, "properties");
        for (name, schema) in properties {
            if !flat.properties.iter().any(|(n, ..)| n == name) {
                flat.properties
                    .push((name.clone(), schema, join(&at, name)));
            }
        }
    }
    if let Some(required) = map.get("required").and_then(Value::as_array) {
        for (i, name) in required.iter().enumerate() {
            if let Some(name) = name.as_str() {
                flat.required
                    .entry(name.to_owned())
                    .or_insert_with(|| format!("{pointer}/required/{i}"));
            }
        }
    }
    if depth >= MAX_ALL_OF_DEPTH {
        return;
    }
    if let Some(members) = map.get("allOf").and_then(Value::as_array) {
        for (i, member) in members.iter().enumerate() {
            let at = format!("{pointer}/allOf/{i}");
            if let Some((member, at)) = doc.follow_refs(member, &at) {
                merge(doc, member, &at, depth + 1, flat);
            }
        }
    }
}

impl<'d> Flat<'d> {
    fn get(&self, keyword: &str) -> Option<&'d Value> {
        self.keywords.get(keyword).map(|(v, _)| *v)
    }

    /// The pointer of `keyword`, or of the schema when it has none.
    fn at(&self, keyword: &str) -> String {
        self.keywords
            .get(keyword)
            .map_or_else(|| self.pointer.clone(), |(_, p)| p.clone())
    }

    /// The types it allows: `type` (a name or a list), else what its
    /// keywords imply (`properties`: an object, `items`: an array); empty
    /// for any.
    fn types(&self) -> BTreeSet<String> {
        match self.get("type") {
            Some(Value::String(t)) => BTreeSet::from([t.clone()]),
            Some(Value::Array(list)) => list
                .iter()
                .filter_map(Value::as_str)
                .filter(|t| *t != "null")
                .map(str::to_owned)
                .collect(),
            _ if !self.properties.is_empty() || self.get("additionalProperties").is_some() => {
                BTreeSet::from(["object".to_owned()])
            }
            _ if self.get("items").is_some() => BTreeSet::from(["array".to_owned()]),
            _ => BTreeSet::new(),
        }
    }

    fn flag(&self, keyword: &str) -> bool {
        self.get(keyword) == Some(&Value::Bool(true))
    }

    fn number(&self, keyword: &str) -> Option<f64> {
        self.get(keyword).and_then(Value::as_f64)
    }
}

/// What an object says of properties it does not list.
enum Additional<'d> {
    /// Allowed, whatever they are (absent, `true`, `{}`).
    Open,
    Denied,
    Schema(&'d Value, String),
}

fn additional<'d>(flat: &Flat<'d>) -> Additional<'d> {
    match flat.keywords.get("additionalProperties") {
        None | Some((Value::Bool(true), _)) => Additional::Open,
        Some((v, _)) if is_false_schema(v) => Additional::Denied,
        Some((v, _)) if v.as_object().is_some_and(serde_json::Map::is_empty) => Additional::Open,
        Some((v, p)) => Additional::Schema(v, p.clone()),
    }
}

fn type_names(types: &BTreeSet<String>) -> String {
    if types.is_empty() {
        "any".to_owned()
    } else {
        types
            .iter()
            .map(|t| format!("`{t}`"))
            .collect::<Vec<_>>()
            .join(" or ")
    }
}

/// Whether a value of type `t` is one of `types` (an integer is a number).
fn accepts(types: &BTreeSet<String>, t: &str) -> bool {
    types.is_empty() || types.contains(t) || (t == "integer" && types.contains("number"))
}

/// A oneOf/anyOf member's identity: the component it refers to, or its
/// place among the members written inline.
fn member_keys(members: &[Value]) -> Vec<String> {
    let mut inline = 0;
    members
        .iter()
        .map(|m| match m.get("$ref").and_then(Value::as_str) {
            Some(r) => format!(
                "`{}`",
                pointer_tokens(r.trim_start_matches('#'))
                    .last()
                    .cloned()
                    .unwrap_or_default()
            ),
            None => {
                inline += 1;
                format!("inline member {inline}")
            }
        })
        .collect()
}

struct Walk<'c, 'd> {
    cx: &'c mut Cx<'d>,
    old_doc: &'d Document,
    new_doc: &'d Document,
    dir: Dir,
    op: &'c str,
    subject: &'c str,
    /// The pairs of schema pointers being compared, outermost first.
    stack: Vec<(String, String)>,
    pairs: usize,
}

impl<'d> Walk<'_, 'd> {
    fn report(&mut self, rule: &str, path: &str, what: String, old: &str, new: &str) {
        let id = format!("{}-{rule}", self.dir.prefix());
        let place = if path.is_empty() {
            self.subject.to_owned()
        } else {
            format!("{}, property `{path}`", self.subject)
        };
        let op = self.op.to_owned();
        self.cx.report(
            &id,
            Some(&op),
            format!("{place}: {what}"),
            Some(old),
            Some(new),
        );
    }

    fn schema(&mut self, path: &str, old: (&'d Value, &str), new: (&'d Value, &str)) {
        if self.pairs >= MAX_PAIRS {
            return;
        }
        self.pairs += 1;
        let o = flatten(self.old_doc, old.0, old.1);
        let n = flatten(self.new_doc, new.0, new.1);
        let pair = (o.pointer.clone(), n.pointer.clone());
        if self.stack.contains(&pair) {
            return;
        }
        self.stack.push(pair);
        self.compare(path, &o, &n);
        self.stack.pop();
    }

    fn compare(&mut self, path: &str, o: &Flat<'d>, n: &Flat<'d>) {
        if !self.types(path, o, n) {
            return;
        }
        self.format(path, o, n);
        self.nullable(path, o, n);
        self.enums(path, o, n);
        self.bounds(path, o, n);
        self.pattern(path, o, n);
        if self.dir == Dir::Request && o.get("default") != n.get("default") {
            let show = |v: Option<&Value>| v.map_or_else(|| "none".to_owned(), quote);
            self.report(
                "default-changed",
                path,
                format!(
                    "default changed from {} to {}",
                    show(o.get("default")),
                    show(n.get("default"))
                ),
                &o.at("default"),
                &n.at("default"),
            );
        }
        if let (Some(oi), Some(ni)) = (o.keywords.get("items"), n.keywords.get("items")) {
            let (oi, ni) = ((oi.0, oi.1.clone()), (ni.0, ni.1.clone()));
            self.schema(&format!("{path}[]"), (oi.0, &oi.1), (ni.0, &ni.1));
        }
        self.properties(path, o, n);
        self.additional(path, o, n);
        for keyword in ["oneOf", "anyOf"] {
            self.variants(keyword, path, o, n);
        }
    }

    /// Reports a type change; false when the values have nothing more to
    /// compare (their types differ outright).
    fn types(&mut self, path: &str, o: &Flat<'d>, n: &Flat<'d>) -> bool {
        let (ot, nt) = (o.types(), n.types());
        if ot == nt {
            return true;
        }
        let what = format!(
            "type changed from {} to {}",
            type_names(&ot),
            type_names(&nt)
        );
        let (old_at, new_at) = (o.at("type"), n.at("type"));
        match self.dir {
            Dir::Request if !ot.is_empty() && ot.iter().all(|t| accepts(&nt, t)) => {
                self.report("type-widened", path, what, &old_at, &new_at);
                true
            }
            Dir::Response if !nt.is_empty() && nt.iter().all(|t| accepts(&ot, t)) => {
                self.report("type-narrowed", path, what, &old_at, &new_at);
                true
            }
            _ => {
                self.report("type-changed", path, what, &old_at, &new_at);
                false
            }
        }
    }

    fn format(&mut self, path: &str, o: &Flat<'d>, n: &Flat<'d>) {
        let (of, nf) = (o.get("format"), n.get("format"));
        if of != nf {
            let show = |v: Option<&Value>| v.map_or_else(|| "none".to_owned(), quote);
            self.report(
                "format-changed",
                path,
                format!("format changed from {} to {}", show(of), show(nf)),
                &o.at("format"),
                &n.at("format"),
            );
        }
    }

    fn nullable(&mut self, path: &str, o: &Flat<'d>, n: &Flat<'d>) {
        match (o.flag("nullable"), n.flag("nullable")) {
            (false, true) => self.report(
                "became-nullable",
                path,
                "may now be null".to_owned(),
                &o.pointer,
                &n.at("nullable"),
            ),
            (true, false) => self.report(
                "became-not-nullable",
                path,
                "may no longer be null".to_owned(),
                &o.at("nullable"),
                &n.pointer,
            ),
            _ => {}
        }
    }

    fn enums(&mut self, path: &str, o: &Flat<'d>, n: &Flat<'d>) {
        let list = |f: &Flat<'d>| f.get("enum").and_then(Value::as_array);
        match (list(o), list(n)) {
            (None, None) => {}
            (None, Some(values)) => self.report(
                "enum-added",
                path,
                format!("is now limited to {} value(s)", values.len()),
                &o.pointer,
                &n.at("enum"),
            ),
            (Some(_), None) => self.report(
                "enum-removed",
                path,
                "is no longer limited to an enum".to_owned(),
                &o.at("enum"),
                &n.pointer,
            ),
            (Some(olds), Some(news)) => {
                let (old_at, new_at) = (o.at("enum"), n.at("enum"));
                for (i, v) in olds.iter().enumerate() {
                    if !news.contains(v) {
                        self.report(
                            "enum-value-removed",
                            path,
                            format!("enum value {} was removed", quote(v)),
                            &format!("{old_at}/{i}"),
                            &new_at,
                        );
                    }
                }
                for (i, v) in news.iter().enumerate() {
                    if !olds.contains(v) {
                        self.report(
                            "enum-value-added",
                            path,
                            format!("enum value {} was added", quote(v)),
                            &old_at,
                            &format!("{new_at}/{i}"),
                        );
                    }
                }
            }
        }
    }

    fn bounds(&mut self, path: &str, o: &Flat<'d>, n: &Flat<'d>) {
        // Upper bounds: absent is no bound.
        for (keyword, rule) in [("maxLength", "max-length"), ("maxItems", "max-items")] {
            let (ov, nv) = (o.number(keyword), n.number(keyword));
            if ov == nv {
                continue;
            }
            let tighter = match (ov, nv) {
                (None, Some(_)) => true,
                (Some(_), None) => false,
                (Some(a), Some(b)) => b < a,
                (None, None) => continue,
            };
            let rule = format!("{rule}-{}", if tighter { "decreased" } else { "increased" });
            let what = format!(
                "{keyword} changed from {} to {}",
                show_bound(ov),
                show_bound(nv)
            );
            self.report(&rule, path, what, &o.at(keyword), &n.at(keyword));
        }
        // Lower bounds: absent is zero.
        for (keyword, rule) in [("minLength", "min-length"), ("minItems", "min-items")] {
            let (ov, nv) = (o.number(keyword), n.number(keyword));
            let (a, b) = (ov.unwrap_or(0.0), nv.unwrap_or(0.0));
            if a == b {
                continue;
            }
            let rule = format!("{rule}-{}", if b > a { "increased" } else { "decreased" });
            let what = format!(
                "{keyword} changed from {} to {}",
                show_bound(ov),
                show_bound(nv)
            );
            self.report(&rule, path, what, &o.at(keyword), &n.at(keyword));
        }
        // Numbers: a bound and whether it is exclusive.
        for (keyword, exclusive, upper) in [
            ("maximum", "exclusiveMaximum", true),
            ("minimum", "exclusiveMinimum", false),
        ] {
            let bound = |f: &Flat<'d>| f.number(keyword).map(|v| (v, f.flag(exclusive)));
            let (ob, nb) = (bound(o), bound(n));
            if ob == nb {
                continue;
            }
            let tighter = match (ob, nb) {
                (None, Some(_)) => true,
                (Some(_), None) => false,
                (Some((a, ax)), Some((b, bx))) => {
                    if a == b {
                        bx && !ax
                    } else if upper {
                        b < a
                    } else {
                        b > a
                    }
                }
                (None, None) => continue,
            };
            let rule = match (upper, tighter) {
                (true, true) => "max-decreased",
                (true, false) => "max-increased",
                (false, true) => "min-increased",
                (false, false) => "min-decreased",
            };
            let show = |b: Option<(f64, bool)>| match b {
                None => "none".to_owned(),
                Some((v, true)) => format!("{v} (exclusive)"),
                Some((v, false)) => v.to_string(),
            };
            let what = format!("{keyword} changed from {} to {}", show(ob), show(nb));
            self.report(rule, path, what, &o.at(keyword), &n.at(keyword));
        }
        let (om, nm) = (o.get("multipleOf"), n.get("multipleOf"));
        // A multipleOf set narrows a request and one removed widens a
        // response; the other way round is safe.
        let narrows = match self.dir {
            Dir::Request => nm.is_some(),
            Dir::Response => om.is_some(),
        };
        if om != nm && narrows {
            let show = |v: Option<&Value>| v.map_or_else(|| "none".to_owned(), quote);
            self.report(
                "multiple-of-changed",
                path,
                format!("multipleOf changed from {} to {}", show(om), show(nm)),
                &o.at("multipleOf"),
                &n.at("multipleOf"),
            );
        }
    }

    fn pattern(&mut self, path: &str, o: &Flat<'d>, n: &Flat<'d>) {
        let (op, np) = (o.get("pattern"), n.get("pattern"));
        let (rule, what) = match (op, np) {
            (None, Some(p)) => ("pattern-added", format!("must now match {}", quote(p))),
            (Some(p), None) => (
                "pattern-removed",
                format!("no longer has the pattern {}", quote(p)),
            ),
            (Some(a), Some(b)) if a != b => (
                "pattern-changed",
                format!("pattern changed from {} to {}", quote(a), quote(b)),
            ),
            _ => return,
        };
        self.report(rule, path, what, &o.at("pattern"), &n.at("pattern"));
    }

    /// Whether a property is left out in this direction: read-only ones
    /// are never sent in requests, write-only ones never in responses.
    fn unseen(&self, doc: &'d Document, schema: &'d Value, pointer: &str) -> bool {
        let flag = match self.dir {
            Dir::Request => "readOnly",
            Dir::Response => "writeOnly",
        };
        flatten(doc, schema, pointer).flag(flag)
    }

    fn properties(&mut self, path: &str, o: &Flat<'d>, n: &Flat<'d>) {
        let child = |name: &str| {
            if path.is_empty() {
                name.to_owned()
            } else {
                format!("{path}.{name}")
            }
        };
        for (name, old_schema, old_at) in &o.properties {
            let old_required = o.required.contains_key(name);
            match n.properties.iter().find(|(m, ..)| m == name) {
                None => {
                    if self.unseen(self.old_doc, old_schema, old_at) {
                        continue;
                    }
                    let was = if old_required { "required" } else { "optional" };
                    self.report(
                        "property-removed",
                        &child(name),
                        format!("property was removed (it was {was})"),
                        old_at,
                        &join(&n.pointer, "properties"),
                    );
                }
                Some((_, new_schema, new_at)) => {
                    let new_required = n.required.contains_key(name);
                    if old_required != new_required
                        && !self.unseen(self.new_doc, new_schema, new_at)
                    {
                        if new_required {
                            self.report(
                                "property-became-required",
                                &child(name),
                                "became required".to_owned(),
                                old_at,
                                &n.required[name],
                            );
                        } else {
                            self.report(
                                "property-became-optional",
                                &child(name),
                                "became optional".to_owned(),
                                &o.required[name],
                                new_at,
                            );
                        }
                    }
                    // A property never sent in this direction (read-only
                    // in requests, write-only in responses) on both sides:
                    // what changes inside it changes nothing on the wire.
                    if self.unseen(self.old_doc, old_schema, old_at)
                        && self.unseen(self.new_doc, new_schema, new_at)
                    {
                        continue;
                    }
                    self.schema(&child(name), (old_schema, old_at), (new_schema, new_at));
                }
            }
        }
        for (name, new_schema, new_at) in &n.properties {
            if o.properties.iter().any(|(m, ..)| m == name)
                || self.unseen(self.new_doc, new_schema, new_at)
            {
                continue;
            }
            // An old reader of a closed response object refuses any
            // property it does not list, so adding one breaks it.
            let closed = self.dir == Dir::Response && matches!(additional(o), Additional::Denied);
            let (rule, what) = match (n.required.contains_key(name), closed) {
                (true, false) => ("property-added-required", "required"),
                (false, false) => ("property-added-optional", "optional"),
                (true, true) => (
                    "property-added-required-closed",
                    "required, to an object that denies properties it does not list",
                ),
                (false, true) => (
                    "property-added-optional-closed",
                    "optional, to an object that denies properties it does not list",
                ),
            };
            self.report(
                rule,
                &child(name),
                format!("property was added ({what})"),
                &join(&o.pointer, "properties"),
                new_at,
            );
        }
    }

    fn additional(&mut self, path: &str, o: &Flat<'d>, n: &Flat<'d>) {
        let (oa, na) = (additional(o), additional(n));
        match (oa, na) {
            (Additional::Denied, Additional::Open | Additional::Schema(..)) => self.report(
                "additional-properties-allowed",
                path,
                "now allows properties it does not list".to_owned(),
                &o.at("additionalProperties"),
                &n.at("additionalProperties"),
            ),
            (Additional::Open | Additional::Schema(..), Additional::Denied) => self.report(
                "additional-properties-denied",
                path,
                "no longer allows properties it does not list".to_owned(),
                &o.at("additionalProperties"),
                &n.at("additionalProperties"),
            ),
            (Additional::Schema(ov, op), Additional::Schema(nv, np)) => {
                let child = if path.is_empty() {
                    "*".to_owned()
                } else {
                    format!("{path}.*")
                };
                self.schema(&child, (ov, &op), (nv, &np));
            }
            _ => {}
        }
    }

    fn variants(&mut self, keyword: &str, path: &str, o: &Flat<'d>, n: &Flat<'d>) {
        let list = |f: &Flat<'d>| {
            f.get(keyword)
                .and_then(Value::as_array)
                .map(Vec::as_slice)
                .unwrap_or_default()
        };
        let (olds, news) = (list(o), list(n));
        if olds.is_empty() && news.is_empty() {
            return;
        }
        let (old_keys, new_keys) = (member_keys(olds), member_keys(news));
        let (old_at, new_at) = (o.at(keyword), n.at(keyword));
        for (i, key) in old_keys.iter().enumerate() {
            let old_ptr = format!("{old_at}/{i}");
            match new_keys.iter().position(|k| k == key) {
                None => self.report(
                    "variant-removed",
                    path,
                    format!("{keyword} variant {key} was removed"),
                    &old_ptr,
                    &new_at,
                ),
                Some(j) => {
                    let new_ptr = format!("{new_at}/{j}");
                    // `<Name>` in the path already marks the member.
                    let child = format!("{path}<{}>", key.trim_matches('`'));
                    self.schema(&child, (&olds[i], &old_ptr), (&news[j], &new_ptr));
                }
            }
        }
        for (j, key) in new_keys.iter().enumerate() {
            if !old_keys.contains(key) {
                self.report(
                    "variant-added",
                    path,
                    format!("{keyword} variant {key} was added"),
                    &old_at,
                    &format!("{new_at}/{j}"),
                );
            }
        }
    }
}

fn show_bound(v: Option<f64>) -> String {
    v.map_or_else(|| "none".to_owned(), |v| v.to_string())
}
