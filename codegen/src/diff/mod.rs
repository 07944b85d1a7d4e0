//! Spec changes: what changed between two versions of a document, each
//! change named by a rule ([`rules`]), classified breaking or not and for
//! whom, and located in both files.
//!
//! Both versions are loaded by [`crate::load`] first, so a Swagger 2.0,
//! OpenAPI 3.0, 3.1 or 3.2 document, in one file or several, compares in
//! the one model every stage reads; locations are translated back to where
//! the user wrote each node ([`Document::location`]). One module per
//! concern: `operations` (matching operations, their ids), `parameters`,
//! `bodies` (request bodies and media types), `responses` (statuses,
//! headers, response media types), `schemas` (the values inside all of
//! those, `$ref`s followed, cycles guarded), `security` (security
//! requirements, schemes and servers).

mod bodies;
mod operations;
mod parameters;
mod responses;
pub mod rules;
mod schemas;
mod security;

use std::fmt;

use serde::Serialize;

use crate::load::Document;
pub use rules::{rule, Level, Party, Rule, RULES};

/// A node of one of the two documents: the file, line and column where it
/// is written and its JSON pointer there.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Location {
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub pointer: String,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}#{}",
            self.file, self.line, self.column, self.pointer
        )
    }
}

/// One change between the old and the new document.
#[derive(Clone, Debug, Serialize)]
pub struct Change {
    /// The rule's id ([`RULES`]).
    pub rule: &'static str,
    pub level: Level,
    /// Whom it breaks (empty unless breaking).
    #[serde(rename = "for")]
    pub breaks: &'static [Party],
    /// The operation it is in (`POST /things/{id}`), when it is in one.
    pub operation: Option<String>,
    pub message: String,
    /// Where it is in the old document: the node itself, or where it would
    /// be (the nearest node that exists) for something added.
    pub old: Option<Location>,
    /// Where it is in the new document, or where it was for something removed.
    pub new: Option<Location>,
}

impl Change {
    pub fn is_breaking(&self) -> bool {
        self.level == Level::Breaking
    }

    /// Whether the change breaks `party`.
    pub fn breaks(&self, party: Party) -> bool {
        self.breaks.contains(&party)
    }
}

/// How many changes of each kind.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    pub breaking: usize,
    /// Breaking changes that break clients (some also break servers).
    pub breaking_for_clients: usize,
    /// Breaking changes that break servers (some also break clients).
    pub breaking_for_servers: usize,
    pub non_breaking: usize,
    pub info: usize,
}

impl Summary {
    pub fn of(changes: &[Change]) -> Summary {
        let mut s = Summary::default();
        for c in changes {
            match c.level {
                Level::Breaking => s.breaking += 1,
                Level::NonBreaking => s.non_breaking += 1,
                Level::Info => s.info += 1,
            }
            s.breaking_for_clients += usize::from(c.breaks(Party::Client));
            s.breaking_for_servers += usize::from(c.breaks(Party::Server));
        }
        s
    }
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} change(s): {} breaking ({} for clients, {} for servers), {} non-breaking, {} info",
            self.breaking + self.non_breaking + self.info,
            self.breaking,
            self.breaking_for_clients,
            self.breaking_for_servers,
            self.non_breaking,
            self.info
        )
    }
}

/// Every change from `old` to `new`, in the order of the documents:
/// document-wide changes (servers, security schemes) first, then each
/// operation of the old document (changed or removed), then the operations
/// only the new one has.
pub fn diff(old: &Document, new: &Document) -> Vec<Change> {
    let mut cx = Cx {
        old,
        new,
        changes: Vec::new(),
    };
    security::compare_servers(&mut cx);
    security::compare_schemes(&mut cx);
    operations::compare(&mut cx);
    cx.changes
}

/// A change for a whole document that only one side has (`document-added`,
/// `document-removed`), located at its root.
pub fn document_change(id: &str, doc: &Document, message: String) -> Change {
    let rule = rule(id);
    let at = Some(locate(doc, ""));
    let (old, new) = if id == "document-removed" {
        (at, None)
    } else {
        (None, at)
    };
    Change {
        rule: rule.id,
        level: rule.level,
        breaks: rule.breaks,
        operation: None,
        message,
        old,
        new,
    }
}

/// The two documents and the changes found so far.
pub(crate) struct Cx<'d> {
    pub(crate) old: &'d Document,
    pub(crate) new: &'d Document,
    changes: Vec<Change>,
}

impl Cx<'_> {
    /// Records a change of rule `id`, located at `old` and `new` (each
    /// trimmed to the nearest node its document has).
    pub(crate) fn report(
        &mut self,
        id: &str,
        operation: Option<&str>,
        message: String,
        old: Option<&str>,
        new: Option<&str>,
    ) {
        let rule = rule(id);
        self.changes.push(Change {
            rule: rule.id,
            level: rule.level,
            breaks: rule.breaks,
            operation: operation.map(str::to_owned),
            message,
            old: old.map(|p| locate(self.old, p)),
            new: new.map(|p| locate(self.new, p)),
        });
    }
}

/// Where the node at `pointer` (or its nearest ancestor in `doc`) is
/// written: its file, position and pointer in that file. A node a reference
/// to another file copies in place (a response, a parameter, an operation
/// written in a file of its own) is located where the reference is written,
/// where it is listed; what is inside it, in the file it comes from.
fn locate(doc: &Document, pointer: &str) -> Location {
    let mut p = pointer;
    while !p.is_empty() && doc.value.pointer(p).is_none() {
        p = p.rfind('/').map_or("", |i| &p[..i]);
    }
    if let Some((file, position, there)) = doc.reference_site(p) {
        return Location {
            file: file.to_owned(),
            line: position.line,
            column: position.column,
            pointer: there.to_owned(),
        };
    }
    let (file, position) = doc.location(p);
    Location {
        file: file.to_owned(),
        line: position.line,
        column: position.column,
        pointer: doc.pointer_in_file(p),
    }
}

/// A document value quoted in a message, cut to a readable length.
pub(crate) fn quote(value: &serde_json::Value) -> String {
    let text = match value {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    format!("`{}`", crate::diagnostic::cut(&text))
}
