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
    /// Whether this checks a request a server received
    /// ([`Checker::incoming`]).
    incoming: bool,
}

impl Checker {
    /// A checker that has found nothing yet, for a value about to be sent:
    /// values the spec does not list pass (the caller received them), and
    /// string `format`s are annotations (JSON Schema's default), so a
    /// caller can still send what a service takes under a format it
    /// documents loosely (`date-time` for `2023-07-20 02:17:01`).
    pub fn new() -> Self {
        Self::default()
    }

    /// A checker for a request a server received: a value the spec does not
    /// list is a violation, and the [`Format`]s it knows are constraints,
    /// as JSON Schema's format-assertion vocabulary reads them.
    pub fn incoming() -> Self {
        Checker {
            violations: Vec::new(),
            incoming: true,
        }
    }

    /// Whether the checker refuses values the spec does not list and
    /// asserts formats (see [`Checker::incoming`]).
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

    /// A string `format`, where the checker asserts formats.
    pub fn format<F: FieldPath + ?Sized>(&mut self, field: &F, value: &str, format: Format) {
        if self.incoming && !format.matches(value) {
            self.violate(
                field,
                "format",
                format!("must be a `{}` string", format.name()),
            );
        }
    }

    /// A number's `multipleOf`: `value / factor` is an integer (to within
    /// the rounding of the division, so that `0.3` is a multiple of `0.1`).
    pub fn multiple_of<F: FieldPath + ?Sized>(&mut self, field: &F, value: f64, factor: f64) {
        let quotient = value / factor;
        if quotient.is_finite()
            && (quotient - quotient.round()).abs() > 1e-9 * quotient.abs().max(1.0)
        {
            self.violate(
                field,
                "multipleOf",
                format!("must be a multiple of {factor}, got {value}"),
            );
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

/// A string `format` with one meaning everywhere, checked on what a server
/// receives. Other formats (`email`, `uri`, `int64` on a string, …) are
/// documentation only.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// RFC 3339 `full-date`: `2026-12-04`.
    Date,
    /// RFC 3339 `date-time`: `2026-12-04T10:00:00Z`, `…T10:00:00.5+08:00`.
    DateTime,
    /// RFC 3339 `full-time`: `10:00:00Z`.
    Time,
    /// RFC 4122's string form: `123e4567-e89b-12d3-a456-426614174000`.
    Uuid,
    /// Dotted decimal, RFC 2673 (no leading zeros).
    Ipv4,
    /// RFC 4291's text forms.
    Ipv6,
    /// RFC 3986's `URI`: a scheme, then what follows its colon, in ASCII
    /// (`https://example.com/a?b#c`, `urn:isbn:0451450523`).
    Uri,
}

impl Format {
    /// The format a schema's `format` names, if it is one of these.
    pub fn parse(name: &str) -> Option<Self> {
        Some(match name {
            "date" => Format::Date,
            "date-time" => Format::DateTime,
            "time" => Format::Time,
            "uuid" => Format::Uuid,
            "ipv4" => Format::Ipv4,
            "ipv6" => Format::Ipv6,
            "uri" => Format::Uri,
            _ => return None,
        })
    }

    /// The name as a schema spells it.
    pub fn name(self) -> &'static str {
        match self {
            Format::Date => "date",
            Format::DateTime => "date-time",
            Format::Time => "time",
            Format::Uuid => "uuid",
            Format::Ipv4 => "ipv4",
            Format::Ipv6 => "ipv6",
            Format::Uri => "uri",
        }
    }

    /// Whether `value` is written in this format.
    pub fn matches(self, value: &str) -> bool {
        match self {
            Format::Date => rfc3339::full_date(value.as_bytes()),
            Format::DateTime => {
                let b = value.as_bytes();
                b.len() > 11
                    && rfc3339::full_date(&b[..10])
                    && matches!(b[10], b'T' | b't')
                    && rfc3339::full_time(&b[11..])
            }
            Format::Time => rfc3339::full_time(value.as_bytes()),
            Format::Uuid => {
                let b = value.as_bytes();
                b.len() == 36
                    && b.iter().enumerate().all(|(i, c)| match i {
                        8 | 13 | 18 | 23 => *c == b'-',
                        _ => c.is_ascii_hexdigit(),
                    })
            }
            // std's parsers follow the RFCs' text forms (no leading zeros
            // in IPv4, no zone index in IPv6).
            Format::Ipv4 => value.parse::<std::net::Ipv4Addr>().is_ok(),
            Format::Ipv6 => value.parse::<std::net::Ipv6Addr>().is_ok(),
            Format::Uri => rfc3986::uri(value.as_bytes()),
        }
    }
}

/// RFC 3986, section 3: `URI = scheme ":" hier-part [ "?" query ] [ "#"
/// fragment ]`, every part checked against its rule (percent-encodings
/// complete, an IP literal an IPv6 address or an `IPvFuture`, a port all
/// digits).
mod rfc3986 {
    fn unreserved(c: u8) -> bool {
        c.is_ascii_alphanumeric() || matches!(c, b'-' | b'.' | b'_' | b'~')
    }

    fn sub_delim(c: u8) -> bool {
        matches!(
            c,
            b'!' | b'$' | b'&' | b'\'' | b'(' | b')' | b'*' | b'+' | b',' | b';' | b'='
        )
    }

    /// Whether `s` is made of `extra` characters, unreserved ones,
    /// sub-delims and complete percent-encodings.
    fn chars(s: &[u8], extra: &[u8]) -> bool {
        let mut i = 0;
        while i < s.len() {
            let c = s[i];
            if c == b'%' {
                if !(s.get(i + 1).is_some_and(u8::is_ascii_hexdigit)
                    && s.get(i + 2).is_some_and(u8::is_ascii_hexdigit))
                {
                    return false;
                }
                i += 3;
                continue;
            }
            if !(unreserved(c) || sub_delim(c) || extra.contains(&c)) {
                return false;
            }
            i += 1;
        }
        true
    }

    pub(super) fn uri(s: &[u8]) -> bool {
        // scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." )
        let Some(colon) = s.iter().position(|&c| c == b':') else {
            return false;
        };
        let scheme = &s[..colon];
        if !scheme.first().is_some_and(u8::is_ascii_alphabetic)
            || !scheme
                .iter()
                .all(|&c| c.is_ascii_alphanumeric() || matches!(c, b'+' | b'-' | b'.'))
        {
            return false;
        }
        let rest = &s[colon + 1..];
        let (rest, fragment) = match rest.iter().position(|&c| c == b'#') {
            Some(i) => (&rest[..i], Some(&rest[i + 1..])),
            None => (rest, None),
        };
        let (hier, query) = match rest.iter().position(|&c| c == b'?') {
            Some(i) => (&rest[..i], Some(&rest[i + 1..])),
            None => (rest, None),
        };
        // query = fragment = *( pchar / "/" / "?" )
        if ![query, fragment]
            .into_iter()
            .flatten()
            .all(|part| chars(part, b":@/?"))
        {
            return false;
        }
        let path = match hier.strip_prefix(b"//") {
            Some(after) => {
                let end = after.iter().position(|&c| c == b'/').unwrap_or(after.len());
                if !authority(&after[..end]) {
                    return false;
                }
                &after[end..]
            }
            None => hier,
        };
        // path-abempty, path-absolute, path-rootless, path-empty: pchars
        // and slashes (a path of its own cannot start with "//", which
        // begins an authority instead).
        chars(path, b":@/")
    }

    /// `authority = [ userinfo "@" ] host [ ":" port ]`
    fn authority(a: &[u8]) -> bool {
        let (userinfo, hostport) = match a.iter().position(|&c| c == b'@') {
            Some(i) => (Some(&a[..i]), &a[i + 1..]),
            None => (None, a),
        };
        if userinfo.is_some_and(|u| !chars(u, b":")) {
            return false;
        }
        let (host, port) = if hostport.first() == Some(&b'[') {
            let Some(close) = hostport.iter().position(|&c| c == b']') else {
                return false;
            };
            if !ip_literal(&hostport[1..close]) {
                return false;
            }
            match &hostport[close + 1..] {
                [] => (&hostport[..0], None),
                [b':', port @ ..] => (&hostport[..0], Some(port)),
                _ => return false,
            }
        } else {
            match hostport.iter().position(|&c| c == b':') {
                Some(i) => (&hostport[..i], Some(&hostport[i + 1..])),
                None => (hostport, None),
            }
        };
        // reg-name = *( unreserved / pct-encoded / sub-delims ), which an
        // IPv4 address is too.
        chars(host, b"") && port.is_none_or(|p| p.iter().all(u8::is_ascii_digit))
    }

    /// `IP-literal` inside its brackets: an IPv6 address, or
    /// `IPvFuture = "v" 1*HEXDIG "." 1*( unreserved / sub-delims / ":" )`.
    fn ip_literal(inner: &[u8]) -> bool {
        if let Some(future) = inner
            .strip_prefix(b"v")
            .or_else(|| inner.strip_prefix(b"V"))
        {
            let Some(dot) = future.iter().position(|&c| c == b'.') else {
                return false;
            };
            let (version, text) = (&future[..dot], &future[dot + 1..]);
            return !version.is_empty()
                && version.iter().all(u8::is_ascii_hexdigit)
                && !text.is_empty()
                && text
                    .iter()
                    .all(|&c| unreserved(c) || sub_delim(c) || c == b':');
        }
        std::str::from_utf8(inner).is_ok_and(|t| t.parse::<std::net::Ipv6Addr>().is_ok())
    }
}

/// RFC 3339, section 5.6 (`T`, `Z` and the separators case-insensitive, as
/// its note allows; a leap second `60` in any minute, as the grammar does).
mod rfc3339 {
    /// `n` ASCII digits, as a number.
    fn digits(b: &[u8]) -> Option<u32> {
        b.iter().try_fold(0u32, |n, c| {
            c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0'))
        })
    }

    /// `date-fullyear "-" date-month "-" date-mday`.
    pub fn full_date(b: &[u8]) -> bool {
        if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
            return false;
        }
        let (Some(year), Some(month), Some(day)) =
            (digits(&b[..4]), digits(&b[5..7]), digits(&b[8..]))
        else {
            return false;
        };
        let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
        let last = match month {
            1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
            4 | 6 | 9 | 11 => 30,
            2 if leap => 29,
            2 => 28,
            _ => return false,
        };
        (1..=last).contains(&day)
    }

    /// `hh ":" mm`, in range.
    fn hour_minute(b: &[u8]) -> bool {
        b.len() == 5
            && b[2] == b':'
            && digits(&b[..2]).is_some_and(|h| h < 24)
            && digits(&b[3..]).is_some_and(|m| m < 60)
    }

    /// `partial-time time-offset`.
    pub fn full_time(b: &[u8]) -> bool {
        if b.len() < 9 || !hour_minute(&b[..5]) || b[5] != b':' {
            return false;
        }
        if digits(&b[6..8]).is_none_or(|s| s > 60) {
            return false;
        }
        let mut rest = &b[8..];
        if let [b'.', tail @ ..] = rest {
            let n = tail.iter().take_while(|c| c.is_ascii_digit()).count();
            if n == 0 {
                return false;
            }
            rest = &tail[n..];
        }
        match rest {
            [b'Z' | b'z'] => true,
            [b'+' | b'-', offset @ ..] => hour_minute(offset),
            _ => false,
        }
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

/// `bytes` (a JSON document) with every number that has a fraction of zero
/// and is at most 2^53 in size written as an integer (`3.0` as `3`, `1e3`
/// as `1000`), or `None` when it has none or is not JSON. JSON Schema's `integer` is any number without a
/// fractional part, but serde reads an integer type only from a JSON
/// integer: a body that fails to read is read again from this.
pub fn integral_numbers(bytes: &[u8]) -> Option<Vec<u8>> {
    fn fix(value: &mut serde_json::Value) -> bool {
        match value {
            serde_json::Value::Number(n) if n.is_f64() => {
                let f = n.as_f64().unwrap_or(f64::NAN);
                // Integral and exact (within 2^53, where every integer is
                // a float of its own): as the integer it is. Beyond, the
                // float stands for many integers (an integer out of i64's
                // range is read as one), so it is left as it is.
                const EXACT: f64 = 9_007_199_254_740_992.0;
                let int = if f.fract() != 0.0 || !f.is_finite() || f.abs() > EXACT {
                    None
                } else if f >= 0.0 {
                    Some(serde_json::Number::from(f as u64))
                } else {
                    Some(serde_json::Number::from(f as i64))
                };
                match int {
                    Some(int) => {
                        *n = int;
                        true
                    }
                    None => false,
                }
            }
            serde_json::Value::Array(items) => items.iter_mut().fold(false, |c, v| fix(v) | c),
            serde_json::Value::Object(map) => map.values_mut().fold(false, |c, v| fix(v) | c),
            _ => false,
        }
    }
    let mut value: serde_json::Value = serde_json::from_slice(bytes).ok()?;
    if fix(&mut value) {
        serde_json::to_vec(&value).ok()
    } else {
        None
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

/// A deserializer that reads a struct only from an object.
///
/// serde's derived `Deserialize` for a struct also accepts a sequence, its
/// fields in declaration order: `[null, null]` would be a struct of two
/// optional fields. JSON Schema's `type: object` admits no array, so every
/// generated struct reads itself through this adapter (its derived code is
/// `#[serde(remote = "Self")]`, and its `Deserialize` impl wraps the
/// deserializer it is given): `deserialize_struct` hands the struct's
/// visitor on behind one that takes only a map, and a sequence gets serde's usual
/// "invalid type: sequence, expected struct …". Every other request is
/// passed through unchanged, and nested values deserialize with their own
/// types' impls, so the adapter never goes deeper than one struct.
pub struct ObjectOnly<D>(pub D);

/// A struct's visitor that takes a map and nothing else (see [`ObjectOnly`]):
/// what it does not forward is refused as a type the struct is not.
struct MapOnly<V>(V);

impl<'de, V: serde::de::Visitor<'de>> serde::de::Visitor<'de> for MapOnly<V> {
    type Value = V::Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.expecting(f)
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, map: A) -> Result<V::Value, A::Error> {
        self.0.visit_map(map)
    }
}

macro_rules! pass_through {
    ($($method:ident($($arg:ident: $ty:ty),*);)*) => {$(
        fn $method<V: serde::de::Visitor<'de>>(self, $($arg: $ty,)* visitor: V) -> Result<V::Value, D::Error> {
            self.0.$method($($arg,)* visitor)
        }
    )*};
}

impl<'de, D: serde::Deserializer<'de>> serde::Deserializer<'de> for ObjectOnly<D> {
    type Error = D::Error;

    fn deserialize_struct<V: serde::de::Visitor<'de>>(
        self,
        name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        // The field names go on: the runtime's own deserializers (query
        // strings, forms, styled objects) read a struct by them.
        self.0.deserialize_struct(name, fields, MapOnly(visitor))
    }

    fn is_human_readable(&self) -> bool {
        self.0.is_human_readable()
    }

    pass_through! {
        deserialize_any();
        deserialize_bool();
        deserialize_i8();
        deserialize_i16();
        deserialize_i32();
        deserialize_i64();
        deserialize_i128();
        deserialize_u8();
        deserialize_u16();
        deserialize_u32();
        deserialize_u64();
        deserialize_u128();
        deserialize_f32();
        deserialize_f64();
        deserialize_char();
        deserialize_str();
        deserialize_string();
        deserialize_bytes();
        deserialize_byte_buf();
        deserialize_option();
        deserialize_unit();
        deserialize_unit_struct(name: &'static str);
        deserialize_newtype_struct(name: &'static str);
        deserialize_seq();
        deserialize_tuple(len: usize);
        deserialize_tuple_struct(name: &'static str, len: usize);
        deserialize_map();
        deserialize_enum(name: &'static str, variants: &'static [&'static str]);
        deserialize_identifier();
        deserialize_ignored_any();
    }
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
