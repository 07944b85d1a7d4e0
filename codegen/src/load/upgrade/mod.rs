//! The last step of loading: every version people write — Swagger 2.0,
//! OpenAPI 3.0, 3.1 and 3.2 — is brought into the one shape the later stages
//! read, which is OpenAPI 3.0's (plus what 3.1 and 3.2 add that 3.0 cannot
//! say: `webhooks`, tuples, other methods). There is one model; version
//! differences end here.
//!
//! - Swagger 2.0 is converted ([`swagger2`]): `definitions`, shared
//!   `parameters` and `responses` become components, `body` and `formData`
//!   parameters request bodies, `consumes`/`produces` media types,
//!   `host`/`basePath`/`schemes` the server, `collectionFormat` a style.
//! - OpenAPI 3.1 and 3.2 schemas are JSON Schema 2020-12: [`schema2020`]
//!   rewrites the keywords that have a 3.0 equivalent (type lists with
//!   `null`, `const`, numeric exclusive bounds, `$ref` beside other keywords,
//!   `$id`/`$anchor` references, boolean schemas) and leaves the rest in
//!   place for repair to report.
//! - OpenAPI 3.0 is left as it is.
//!
//! Nodes that move remember where the user wrote them
//! ([`Document::origin`]): every diagnostic names the user's own file, line,
//! column and JSON pointer, never the converted tree's. What cannot be
//! carried over exactly is a note: a warning located in the user's file.

mod schema2020;
mod swagger2;

pub(crate) use schema2020::resolve_ids;

use std::collections::HashMap;

use serde_json::Value;

use super::{Document, Loaded};
use crate::diagnostic::{Diagnostic, Rule};

/// The version a document is written in.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Version {
    /// `swagger: "2.0"`.
    Swagger2,
    /// `openapi: 3.0.x` (and documents whose version is not known: the
    /// validator reports those).
    #[default]
    OpenApi30,
    /// `openapi: 3.1.x`.
    OpenApi31,
    /// `openapi: 3.2.x`.
    OpenApi32,
}

impl Version {
    /// The version a document's root declares; `None` when it declares none
    /// this generator reads (the validator says why).
    pub fn of(root: &Value) -> Option<Version> {
        if let Some(v) = root.get("openapi").and_then(Value::as_str) {
            return if v.starts_with("3.0.") {
                Some(Version::OpenApi30)
            } else if v.starts_with("3.1.") {
                Some(Version::OpenApi31)
            } else if v.starts_with("3.2.") {
                Some(Version::OpenApi32)
            } else {
                None
            };
        }
        match root.get("swagger").and_then(Value::as_str) {
            Some("2.0") if root.get("openapi").is_none() => Some(Version::Swagger2),
            _ => None,
        }
    }

    /// Whether schemas are JSON Schema 2020-12 (3.1 and later), rather than
    /// OpenAPI's own subset of draft 4/5 (2.0 and 3.0).
    pub fn json_schema_2020(self) -> bool {
        matches!(self, Version::OpenApi31 | Version::OpenApi32)
    }

    /// How the version is written in a document.
    pub fn name(self) -> &'static str {
        match self {
            Version::Swagger2 => "Swagger 2.0",
            Version::OpenApi30 => "OpenAPI 3.0",
            Version::OpenApi31 => "OpenAPI 3.1",
            Version::OpenApi32 => "OpenAPI 3.2",
        }
    }
}

/// Upgrades the document of `loaded`, if there is one.
pub(super) fn loaded(mut loaded: Loaded) -> Loaded {
    if let Some(doc) = loaded.document.take() {
        loaded.document = Some(upgrade(doc));
    }
    loaded
}

/// A problem found while upgrading, at a pointer into the document as the
/// user wrote it.
pub(super) struct Note {
    pub(super) pointer: String,
    pub(super) rule: Rule,
    pub(super) message: String,
}

/// What an upgrade step did besides rewriting the tree.
#[derive(Default)]
pub(super) struct Trail {
    /// New pointer → where the user wrote that node.
    pub(super) moved: HashMap<String, String>,
    pub(super) notes: Vec<Note>,
}

impl Trail {
    pub(super) fn moved(&mut self, now: &str, was: &str) {
        if now != was {
            self.moved.insert(now.to_owned(), was.to_owned());
        }
    }

    pub(super) fn note(&mut self, pointer: &str, rule: Rule, message: impl Into<String>) {
        self.notes.push(Note {
            pointer: pointer.to_owned(),
            rule,
            message: message.into(),
        });
    }
}

fn upgrade(mut doc: Document) -> Document {
    let Some(version) = Version::of(&doc.value) else {
        return doc;
    };
    doc.version = version;
    let trail = match version {
        Version::OpenApi30 => return doc,
        Version::Swagger2 => {
            let (value, trail) = swagger2::convert(&doc.value);
            let written = std::mem::replace(&mut doc.value, value);
            doc.original = Some(std::sync::Arc::new(written));
            trail
        }
        Version::OpenApi31 | Version::OpenApi32 => {
            doc.original = Some(std::sync::Arc::new(doc.value.clone()));
            let mut trail = Trail::default();
            schema2020::normalize(&mut doc.value, &mut trail);
            trail
        }
    };
    // Notes are located before the moves are recorded: their pointers are
    // already the user's.
    let notes: Vec<Diagnostic> = trail
        .notes
        .into_iter()
        .map(|n| {
            let (file, position) = doc.location(&n.pointer);
            Diagnostic::new(file, position, &n.pointer, n.rule, n.message).into_warning()
        })
        .collect();
    let moved = trail.moved;
    doc.moved = moved;
    doc.notes = notes;
    doc
}
