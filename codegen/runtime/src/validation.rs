//! Constraint checks generated once from the spec and shared by the client
//! (before a request is sent) and the server stubs (before a handler runs).

use std::fmt;

/// One broken constraint.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Violation {
    /// Where the value sits: a parameter's name (`desktop_id`) or a path into
    /// the body (`desktop_ids[3]`, `tasks[0].id`).
    pub field: String,
    /// The constraint's name as OpenAPI spells it: `maxLength`, `minItems`, `required`, …
    pub rule: &'static str,
    /// A readable explanation.
    pub message: String,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

/// Every constraint a value breaks (never empty).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ValidationError {
    /// The violations, in the order they were found.
    pub violations: Vec<Violation>,
}

impl ValidationError {
    /// The first violation (there is always one).
    pub fn first(&self) -> &Violation {
        &self.violations[0]
    }
}

impl fmt::Display for ValidationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid request: ")?;
        for (i, v) in self.violations.iter().enumerate() {
            if i > 0 {
                write!(f, "; ")?;
            }
            write!(f, "{v}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ValidationError {}

/// Collects violations while walking a value.
///
/// Types read from responses are tolerant: a value the spec does not list
/// (an enum's or a union's `Unknown` variant) is kept as received, so that
/// it can be sent back unchanged. Whether that is a violation depends on
/// who checks: the client checking what it is about to send ([`Checker::new`])
/// lets it through, a server checking a request it received
/// ([`Checker::incoming`]) refuses it, as it refuses any value outside the
/// spec.
#[derive(Debug, Default)]
pub struct Checker {
    violations: Vec<Violation>,
    incoming: bool,
}

impl Checker {
    /// A checker that has found nothing yet, for a value about to be sent:
    /// values the spec does not list pass (the caller received them).
    pub fn new() -> Self {
        Self::default()
    }

    /// A checker for a request a server received: a value the spec does not
    /// list is a violation.
    pub fn incoming() -> Self {
        Checker {
            violations: Vec::new(),
            incoming: true,
        }
    }

    /// Whether the checker refuses values the spec does not list (see
    /// [`Checker::incoming`]).
    pub fn is_incoming(&self) -> bool {
        self.incoming
    }

    /// `Ok` when nothing was found, else every violation.
    pub fn finish(self) -> Result<(), ValidationError> {
        if self.violations.is_empty() {
            Ok(())
        } else {
            Err(ValidationError {
                violations: self.violations,
            })
        }
    }

    /// Records that `field` breaks `rule` (a schema keyword such as
    /// `maxLength`), with a message for people.
    pub fn violate<F: FieldPath + ?Sized>(
        &mut self,
        field: &F,
        rule: &'static str,
        message: String,
    ) {
        self.violations.push(Violation {
            field: field.to_string(),
            rule,
            message,
        });
    }

    /// String length in characters, inclusive bounds.
    pub fn length<F: FieldPath + ?Sized>(
        &mut self,
        field: &F,
        value: &str,
        min: Option<usize>,
        max: Option<usize>,
    ) {
        let len = value.chars().count();
        if let Some(min) = min {
            if len < min {
                self.violate(
                    field,
                    "minLength",
                    format!("must be at least {min} characters long, got {len}"),
                );
            }
        }
        if let Some(max) = max {
            if len > max {
                self.violate(
                    field,
                    "maxLength",
                    format!("must be at most {max} characters long, got {len}"),
                );
            }
        }
    }

    /// A string `pattern` (a regular expression, unanchored as JSON Schema
    /// reads it).
    pub fn pattern<F: FieldPath + ?Sized>(&mut self, field: &F, value: &str, pattern: &Pattern) {
        if let Some(regex) = pattern.regex() {
            // A match that gives up (its backtracking limit) is no violation.
            if matches!(regex.is_match(value), Ok(false)) {
                self.violate(field, "pattern", format!("must match `{}`", pattern.source));
            }
        }
    }

    /// Array length, inclusive bounds.
    pub fn items<F: FieldPath + ?Sized>(
        &mut self,
        field: &F,
        len: usize,
        min: Option<usize>,
        max: Option<usize>,
    ) {
        if let Some(min) = min {
            if len < min {
                self.violate(
                    field,
                    "minItems",
                    format!("must hold at least {min} items, got {len}"),
                );
            }
        }
        if let Some(max) = max {
            if len > max {
                self.violate(
                    field,
                    "maxItems",
                    format!("must hold at most {max} items, got {len}"),
                );
            }
        }
    }

    /// Map size, inclusive bounds.
    pub fn properties<F: FieldPath + ?Sized>(
        &mut self,
        field: &F,
        len: usize,
        min: Option<usize>,
        max: Option<usize>,
    ) {
        if let Some(min) = min {
            if len < min {
                self.violate(
                    field,
                    "minProperties",
                    format!("must hold at least {min} entries, got {len}"),
                );
            }
        }
        if let Some(max) = max {
            if len > max {
                self.violate(
                    field,
                    "maxProperties",
                    format!("must hold at most {max} entries, got {len}"),
                );
            }
        }
    }

    /// Numeric bounds; `exclusive` makes a bound strict.
    pub fn range<T: PartialOrd + fmt::Display + Copy, F: FieldPath + ?Sized>(
        &mut self,
        field: &F,
        value: T,
        min: Option<(T, bool)>,
        max: Option<(T, bool)>,
    ) {
        if let Some((min, exclusive)) = min {
            if value < min || (exclusive && value == min) {
                let op = if exclusive {
                    "greater than"
                } else {
                    "at least"
                };
                self.violate(field, "minimum", format!("must be {op} {min}, got {value}"));
            }
        }
        if let Some((max, exclusive)) = max {
            if value > max || (exclusive && value == max) {
                let op = if exclusive { "less than" } else { "at most" };
                self.violate(field, "maximum", format!("must be {op} {max}, got {value}"));
            }
        }
    }

    /// One of the listed values (a numeric `enum`).
    pub fn one_of<T: PartialEq + fmt::Display + Copy, F: FieldPath + ?Sized>(
        &mut self,
        field: &F,
        value: T,
        allowed: &[T],
    ) {
        if !allowed.contains(&value) {
            let list: Vec<String> = allowed.iter().map(T::to_string).collect();
            self.violate(
                field,
                "enum",
                format!("must be one of {}, got {value}", list.join(", ")),
            );
        }
    }

    /// A string enum's value that the spec does not list (its `Unknown`
    /// variant): a violation of `enum` in an incoming request, else
    /// nothing. `documented` are the values it does list.
    pub fn unknown_value<T: fmt::Display, F: FieldPath + ?Sized>(
        &mut self,
        field: &F,
        value: &str,
        documented: &[T],
    ) {
        if self.incoming {
            let message = format!(
                "must be one of {}, got {}",
                quoted(documented),
                quote(value)
            );
            self.violate(field, "enum", message);
        }
    }

    /// An object of a discriminated union whose tag the spec does not list
    /// (its `Unknown` variant): a violation of `discriminator` at the tag
    /// `property` in an incoming request, else nothing. `documented` are
    /// the tags it does list.
    pub fn unknown_tag<F: FieldPath + ?Sized>(
        &mut self,
        field: &F,
        property: &str,
        value: &serde_json::Value,
        documented: &[&str],
    ) {
        if self.incoming {
            let got = match value.get(property) {
                Some(serde_json::Value::String(tag)) => quote(tag),
                Some(other) => cut(&other.to_string()),
                None => "nothing".to_owned(),
            };
            let message = format!("must be one of {}, got {got}", quoted(documented));
            self.violate(&Join(field, property), "discriminator", message);
        }
    }

    /// Distinct items.
    pub fn unique<T: PartialEq, F: FieldPath + ?Sized>(&mut self, field: &F, items: &[T]) {
        let duplicate = items
            .iter()
            .enumerate()
            .any(|(i, a)| items[..i].contains(a));
        if duplicate {
            self.violate(
                field,
                "uniqueItems",
                "must not hold the same item twice".to_owned(),
            );
        }
    }

    /// A nested value with constraints of its own.
    pub fn nested<T: Validate + ?Sized, F: FieldPath + ?Sized>(&mut self, field: &F, value: &T) {
        match field.as_str() {
            Some(field) => value.check(field, self),
            None => value.check(&field.to_string(), self),
        }
    }
}

/// A value that can check the spec's constraints on itself.
pub trait Validate {
    /// Records every violation under `field` (the value's own location).
    fn check(&self, field: &str, checker: &mut Checker);

    /// Checks the value as a whole, naming fields from `root`.
    fn validate_as(&self, root: &str) -> Result<(), ValidationError> {
        let mut checker = Checker::new();
        self.check(root, &mut checker);
        checker.finish()
    }
}

impl<T: Validate> Validate for Option<T> {
    fn check(&self, field: &str, checker: &mut Checker) {
        if let Some(v) = self {
            v.check(field, checker);
        }
    }
}

impl<T: Validate + ?Sized> Validate for &T {
    fn check(&self, field: &str, checker: &mut Checker) {
        (**self).check(field, checker);
    }
}

impl<T: Validate> Validate for Box<T> {
    fn check(&self, field: &str, checker: &mut Checker) {
        (**self).check(field, checker);
    }
}

impl<T: Validate> Validate for Vec<T> {
    fn check(&self, field: &str, checker: &mut Checker) {
        for (i, v) in self.iter().enumerate() {
            v.check(&format!("{field}[{i}]"), checker);
        }
    }
}

impl<T: Validate> Validate for std::collections::BTreeMap<String, T> {
    fn check(&self, field: &str, checker: &mut Checker) {
        for (k, v) in self {
            v.check(&format!("{field}.{k}"), checker);
        }
    }
}

/// Where a value sits, spelled out only when a constraint is broken: a
/// plain name (`str`, `String`) or a path built from one ([`Join`],
/// [`Index`], [`Key`]) without allocating while every check passes.
pub trait FieldPath: fmt::Display {
    /// The path as text when it already is text.
    fn as_str(&self) -> Option<&str> {
        None
    }
}

impl FieldPath for str {
    fn as_str(&self) -> Option<&str> {
        Some(self)
    }
}

impl FieldPath for String {
    fn as_str(&self) -> Option<&str> {
        Some(self)
    }
}

/// `field.name`, or `name` at the root (as [`join`], lazily).
#[derive(Clone, Copy, Debug)]
pub struct Join<'a, F: ?Sized>(pub &'a F, pub &'a str);

impl<F: FieldPath + ?Sized> fmt::Display for Join<'_, F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0.as_str() {
            Some("") => f.write_str(self.1),
            _ => write!(f, "{}.{}", self.0, self.1),
        }
    }
}

impl<F: FieldPath + ?Sized> FieldPath for Join<'_, F> {}

/// `field[index]`: an array's item.
#[derive(Clone, Copy, Debug)]
pub struct Index<'a, F: ?Sized>(pub &'a F, pub usize);

impl<F: FieldPath + ?Sized> fmt::Display for Index<'_, F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}[{}]", self.0, self.1)
    }
}

impl<F: FieldPath + ?Sized> FieldPath for Index<'_, F> {}

/// `field.key`: a map's entry.
#[derive(Clone, Copy, Debug)]
pub struct Key<'a, F: ?Sized>(pub &'a F, pub &'a str);

impl<F: FieldPath + ?Sized> fmt::Display for Key<'_, F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.0, self.1)
    }
}

impl<F: FieldPath + ?Sized> FieldPath for Key<'_, F> {}

/// A schema's `pattern`, compiled on first use and kept.
///
/// Read by `fancy-regex`, which adds ECMA-262's lookaround and
/// backreferences (common in real documents) to the `regex` crate's syntax;
/// the generator emits checks only for patterns it reads.
#[derive(Debug)]
pub struct Pattern {
    source: &'static str,
    regex: std::sync::OnceLock<Option<fancy_regex::Regex>>,
}

impl Pattern {
    /// The pattern `source`, not compiled yet.
    pub const fn new(source: &'static str) -> Self {
        Pattern {
            source,
            regex: std::sync::OnceLock::new(),
        }
    }

    /// The pattern as written.
    pub fn source(&self) -> &'static str {
        self.source
    }

    fn regex(&self) -> Option<&fancy_regex::Regex> {
        self.regex
            .get_or_init(|| fancy_regex::Regex::new(self.source).ok())
            .as_ref()
    }
}

/// Values as a message lists them: `` `a`, `b` ``.
fn quoted<T: fmt::Display>(values: &[T]) -> String {
    let quoted: Vec<String> = values.iter().map(|v| quote(&v.to_string())).collect();
    quoted.join(", ")
}

/// A value in backquotes, cut to a readable length.
fn quote(value: &str) -> String {
    format!("`{}`", cut(value))
}

/// At most 64 characters of `text`, with `…` where it was cut.
fn cut(text: &str) -> String {
    const MAX: usize = 64;
    match text.char_indices().nth(MAX) {
        Some((end, _)) => format!("{}…", &text[..end]),
        None => text.to_owned(),
    }
}

/// `field.name`, or `name` at the root: [`Join`] spelled out.
pub fn join(field: &str, name: &str) -> String {
    Join(field, name).to_string()
}

/// Reads an optional property of a request body that is not `nullable`
/// (with `#[serde(default, deserialize_with = "…")]`): left out, it is
/// `None`; sent, it must be a value of its type, so `null` is refused like
/// any other wrong type rather than taken for a missing property.
pub fn not_null<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: serde::Deserialize<'de>,
{
    T::deserialize(deserializer).map(Some)
}

/// Writes a typed error body for `Display`: as its JSON, or its `Debug`
/// form if it cannot be serialized.
pub fn write_json<T: serde::Serialize + fmt::Debug>(
    f: &mut fmt::Formatter<'_>,
    body: &T,
) -> fmt::Result {
    match serde_json::to_string(body) {
        Ok(json) => f.write_str(&json),
        Err(_) => write!(f, "{body:?}"),
    }
}
