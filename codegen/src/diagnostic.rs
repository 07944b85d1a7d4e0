//! Problems found in a document, each tied to a file, a position and a JSON
//! pointer. Shared by the loader, the validator and the model builder.

use std::fmt;

use serde::Serialize;

/// A line and column, both 1-based.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Default, Serialize)]
pub struct Position {
    pub line: usize,
    pub column: usize,
}

impl fmt::Display for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.line, self.column)
    }
}

/// Every rule a document is checked against. The name is stable: it appears in
/// output that CI tools parse.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Rule {
    /// YAML or JSON that does not parse.
    Syntax,
    /// The same key twice in one mapping.
    DuplicateKey,
    /// The document is not an OpenAPI 3.0 document (wrong version or shape).
    InvalidDocument,
    /// A `$ref` that does not point at anything.
    UnresolvedRef,
    /// `$ref`s that only lead to each other (`A` → `B` → `A`), so they never
    /// reach a parameter, response, schema or any other object.
    RefCycle,
    /// A `{name}` in a path template with no matching path parameter.
    PathParamUndeclared,
    /// A declared path parameter that the template does not contain.
    PathParamUnused,
    /// An operation without an `operationId`.
    OperationIdMissing,
    /// Two operations sharing an `operationId`.
    OperationIdDuplicate,
    /// Two different `operationId`s that become the same Rust name
    /// (`getFoo`/`GetFoo`, `self`/`Self`): generation numbers the second (a
    /// warning).
    OperationIdCollision,
    /// An operation with no 2xx response.
    NoSuccessResponse,
    /// A JSON request or response body without a schema.
    BodyWithoutSchema,
    /// An example that does not satisfy its schema.
    InvalidExample,
    /// A security requirement naming a scheme that is not defined.
    UndefinedSecurityScheme,
    /// A component nothing refers to (a warning).
    UnusedComponent,
    /// An `x-credential` extension that is not a string, or on a parameter
    /// that is not in the path or the query.
    InvalidCredential,
    /// A construct the generator does not support.
    Unsupported,
    /// A type name OpenAPI does not define (`Integer`, `long`), read as the
    /// nearest real type.
    TypeCoerced,
    /// Enum values that contradict the schema's type.
    EnumCoerced,
    /// A response key that is not an HTTP status, a range or `default`.
    InvalidStatus,
    /// An operation left out of the generated code.
    OperationSkipped,
}

impl Rule {
    pub fn name(self) -> &'static str {
        match self {
            Rule::Syntax => "syntax",
            Rule::DuplicateKey => "duplicate-key",
            Rule::InvalidDocument => "invalid-document",
            Rule::UnresolvedRef => "unresolved-ref",
            Rule::RefCycle => "ref-cycle",
            Rule::PathParamUndeclared => "path-param-undeclared",
            Rule::PathParamUnused => "path-param-unused",
            Rule::OperationIdMissing => "operation-id-missing",
            Rule::OperationIdDuplicate => "operation-id-duplicate",
            Rule::OperationIdCollision => "operation-id-collision",
            Rule::NoSuccessResponse => "no-success-response",
            Rule::BodyWithoutSchema => "body-without-schema",
            Rule::InvalidExample => "invalid-example",
            Rule::UndefinedSecurityScheme => "undefined-security-scheme",
            Rule::UnusedComponent => "unused-component",
            Rule::InvalidCredential => "invalid-credential",
            Rule::Unsupported => "unsupported",
            Rule::TypeCoerced => "type-coerced",
            Rule::EnumCoerced => "enum-coerced",
            Rule::InvalidStatus => "invalid-status",
            Rule::OperationSkipped => "operation-skipped",
        }
    }

    /// Whether a problem of this kind stops code generation. The others make
    /// a spec worse but still leave a well-defined client to generate.
    pub fn blocks_generation(self) -> bool {
        !matches!(
            self,
            Rule::NoSuccessResponse
                | Rule::InvalidExample
                | Rule::UndefinedSecurityScheme
                | Rule::UnusedComponent
                | Rule::OperationIdCollision
                | Rule::InvalidCredential
        )
    }

    pub fn severity(self) -> Severity {
        match self {
            Rule::UnusedComponent | Rule::OperationIdCollision => Severity::Warning,
            _ => Severity::Error,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

/// One problem, located.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    pub file: String,
    #[serde(flatten)]
    pub position: Position,
    pub pointer: String,
    pub rule: Rule,
    pub severity: Severity,
    pub message: String,
}

impl Diagnostic {
    pub fn new(
        file: &str,
        position: Position,
        pointer: &str,
        rule: Rule,
        message: impl Into<String>,
    ) -> Self {
        Diagnostic {
            file: file.to_owned(),
            position,
            pointer: pointer.to_owned(),
            rule,
            severity: rule.severity(),
            message: cut_message(message.into()),
        }
    }

    /// The same problem, reported as a warning: the generator worked around it.
    #[must_use]
    pub fn into_warning(mut self) -> Self {
        self.severity = Severity::Warning;
        self
    }

    /// The same problem, reported as an error: nothing may be worked around.
    #[must_use]
    pub fn into_error(mut self) -> Self {
        self.severity = Severity::Error;
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// `file:line:column: json-pointer: rule-name: message` (warnings say so).
impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let pointer = if self.pointer.is_empty() {
            "/"
        } else {
            &self.pointer
        };
        write!(
            f,
            "{}:{}: {}: {}: ",
            self.file,
            self.position,
            pointer,
            self.rule.name()
        )?;
        if self.severity == Severity::Warning {
            write!(f, "warning: ")?;
        }
        write!(f, "{}", self.message)
    }
}

/// The longest value quoted in a message, in characters.
pub const QUOTE_MAX: usize = 80;
/// The longest message, in bytes: whatever a message quotes, it stays
/// readable on one line.
const MESSAGE_MAX: usize = 768;

/// A document value quoted in a message, cut to a readable length
/// (80 characters and `…`).
pub fn cut(text: &str) -> String {
    cut_to(text, QUOTE_MAX)
}

/// `text` cut to at most `max` characters (and `…`).
pub fn cut_to(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        None => text.to_owned(),
        Some((end, _)) => format!("{}…", &text[..end]),
    }
}

/// A whole message cut to [`MESSAGE_MAX`] bytes (at a character boundary),
/// whatever it quotes: the last guard against echoing a huge value.
pub fn cut_message(mut message: String) -> String {
    if message.len() > MESSAGE_MAX {
        let mut end = MESSAGE_MAX;
        while !message.is_char_boundary(end) {
            end -= 1;
        }
        message.truncate(end);
        message.push('…');
    }
    message
}

/// Diagnostics in a stable order: by file, position, pointer, rule.
pub fn sort(diagnostics: &mut [Diagnostic]) {
    diagnostics.sort_by(|a, b| {
        (&a.file, a.position, &a.pointer, a.rule).cmp(&(&b.file, b.position, &b.pointer, b.rule))
    });
}

/// A loop of references for a message: `#/a -> #/b -> #/a`, each pointer cut
/// to `max` characters, at most ten shown (then `-> …`).
pub fn ref_loop_text(chain: &[&str], max: usize) -> String {
    let mut shown: Vec<String> = chain
        .iter()
        .chain(chain.first())
        .take(10)
        .map(|p| format!("#{}", cut_to(p, max)))
        .collect();
    if chain.len() >= 10 {
        shown.push("…".into());
    }
    shown.join(" -> ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_values_are_cut() {
        assert_eq!(cut("short"), "short");
        let long = "é".repeat(1000);
        let quoted = cut(&long);
        assert_eq!(quoted.chars().count(), QUOTE_MAX + 1);
        assert!(quoted.ends_with('…'));
        assert_eq!(cut_to("abcdef", 3), "abc…");
        assert_eq!(cut_to("abc", 3), "abc");
        let message = cut_message("€".repeat(1 << 20));
        assert!(message.len() <= MESSAGE_MAX + '…'.len_utf8());
        assert!(message.ends_with('…'));
        let d = Diagnostic::new(
            "f",
            Position::default(),
            "",
            Rule::Syntax,
            "x".repeat(1 << 20),
        );
        assert!(d.message.len() < 1024);
    }
}
