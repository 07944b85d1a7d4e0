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
#[derive(Debug, Default)]
pub struct Checker {
    violations: Vec<Violation>,
}

impl Checker {
    pub fn new() -> Self {
        Self::default()
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

    pub fn violate(&mut self, field: &str, rule: &'static str, message: String) {
        self.violations.push(Violation {
            field: field.to_owned(),
            rule,
            message,
        });
    }

    /// String length in characters, inclusive bounds.
    pub fn length(&mut self, field: &str, value: &str, min: Option<usize>, max: Option<usize>) {
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

    /// Array length, inclusive bounds.
    pub fn items(&mut self, field: &str, len: usize, min: Option<usize>, max: Option<usize>) {
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
    pub fn properties(&mut self, field: &str, len: usize, min: Option<usize>, max: Option<usize>) {
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
    pub fn range<T: PartialOrd + fmt::Display + Copy>(
        &mut self,
        field: &str,
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
    pub fn one_of<T: PartialEq + fmt::Display + Copy>(
        &mut self,
        field: &str,
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

    /// Distinct items.
    pub fn unique<T: PartialEq>(&mut self, field: &str, items: &[T]) {
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
    pub fn nested<T: Validate + ?Sized>(&mut self, field: &str, value: &T) {
        value.check(field, self);
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

/// `field.name`, or `name` at the root.
pub fn join(field: &str, name: &str) -> String {
    if field.is_empty() {
        name.to_owned()
    } else {
        format!("{field}.{name}")
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, PartialEq, serde::Deserialize)]
    struct Req {
        #[serde(default, deserialize_with = "not_null")]
        ids: Option<Vec<String>>,
    }

    #[test]
    fn optional_properties_may_be_left_out_but_not_null() {
        let req = |json: &str| serde_json::from_str::<Req>(json);
        assert_eq!(req("{}").unwrap(), Req { ids: None });
        assert_eq!(
            req(r#"{"ids": ["a"]}"#).unwrap(),
            Req {
                ids: Some(vec!["a".to_owned()])
            }
        );
        let e = req(r#"{"ids": null}"#).unwrap_err();
        assert!(e.to_string().contains("invalid type: null"), "{e}");
    }

    #[test]
    fn lengths_count_characters_not_bytes() {
        let mut c = Checker::new();
        c.length("f", "ééé", Some(1), Some(3));
        assert!(c.finish().is_ok());
        let mut c = Checker::new();
        c.length("f", "abcd", Some(5), Some(3));
        let err = c.finish().unwrap_err();
        let rules: Vec<_> = err.violations.iter().map(|v| v.rule).collect();
        assert_eq!(rules, ["minLength", "maxLength"]);
        assert_eq!(err.first().field, "f");
    }

    #[test]
    fn item_counts_and_ranges() {
        let mut c = Checker::new();
        c.items("ids", 0, Some(1), Some(10));
        c.items("ids", 11, Some(1), Some(10));
        c.items("ids", 10, Some(1), Some(10));
        c.range("n", 5, Some((5, true)), None);
        c.range("n", 5, Some((5, false)), Some((5, false)));
        c.range("x", 2.5, None, Some((2.0, false)));
        let err = c.finish().unwrap_err();
        let got: Vec<_> = err
            .violations
            .iter()
            .map(|v| (v.field.as_str(), v.rule))
            .collect();
        assert_eq!(
            got,
            [
                ("ids", "minItems"),
                ("ids", "maxItems"),
                ("n", "minimum"),
                ("x", "maximum")
            ]
        );
        assert_eq!(err.to_string(), "invalid request: ids: must hold at least 1 items, got 0; ids: must hold at most 10 items, got 11; n: must be greater than 5, got 5; x: must be at most 2, got 2.5");
    }

    #[test]
    fn numeric_enums() {
        let mut c = Checker::new();
        c.one_of("size", 512, &[512, 2048]);
        assert!(c.finish().is_ok());
        let mut c = Checker::new();
        c.one_of("size", 513, &[512, 2048]);
        let err = c.finish().unwrap_err();
        assert_eq!(
            (err.first().rule, err.first().message.as_str()),
            ("enum", "must be one of 512, 2048, got 513")
        );
    }

    #[test]
    fn unique_items() {
        let mut c = Checker::new();
        c.unique("a", &[1, 2, 3]);
        assert!(c.finish().is_ok());
        let mut c = Checker::new();
        c.unique("a", &["x", "y", "x"]);
        assert_eq!(c.finish().unwrap_err().first().rule, "uniqueItems");
    }

    struct Leaf(&'static str);
    impl Validate for Leaf {
        fn check(&self, field: &str, checker: &mut Checker) {
            checker.length(field, self.0, None, Some(1));
        }
    }

    #[test]
    fn containers_name_their_elements() {
        let v = vec![Leaf("a"), Leaf("bb")];
        let err = v.validate_as("body.items").unwrap_err();
        assert_eq!(err.first().field, "body.items[1]");
        assert_eq!(join("", "a"), "a");
        assert_eq!(join("body", "a"), "body.a");
        assert!(Some(Leaf("a")).validate_as("x").is_ok());
    }
}
