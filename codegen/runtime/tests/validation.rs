//! `validation`: the checker behind every generated `Validate` impl.

use codegen_runtime::validation::{join, not_null, Checker, Index, ObjectOnly, Pattern};
use codegen_runtime::Validate;

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

#[test]
fn lazy_paths_spell_out_when_asked() {
    use codegen_runtime::validation::{Join, Key};
    let root = "";
    let body = "body";
    assert_eq!(Join(root, "a").to_string(), "a");
    assert_eq!(Join(body, "a").to_string(), "body.a");
    let items = Join(root, "items");
    assert_eq!(Index(&items, 3).to_string(), "items[3]");
    assert_eq!(Join(&Index(&items, 3), "id").to_string(), "items[3].id");
    assert_eq!(Key(&Join(body, "tags"), "k").to_string(), "body.tags.k");
    // A check reports under the spelled-out path only when it fails.
    let mut c = Checker::new();
    c.length(&Index(&items, 0), "ok", None, Some(5));
    c.length(&Index(&items, 1), "too long", None, Some(5));
    c.nested(&Index(&items, 2), &Leaf("xy"));
    let err = c.finish().unwrap_err();
    let fields: Vec<&str> = err.violations.iter().map(|v| v.field.as_str()).collect();
    assert_eq!(fields, ["items[1]", "items[2]"]);
}

#[test]
fn patterns_are_unanchored_regular_expressions_with_lookaround() {
    static NAME: Pattern = Pattern::new("^(?!sys_)[a-z][a-z0-9_]*$");
    static DIGIT: Pattern = Pattern::new("[0-9]");
    let check = |pattern: &Pattern, value: &str| {
        let mut c = Checker::new();
        c.pattern("f", value, pattern);
        c.finish()
    };
    assert!(check(&NAME, "disk_1").is_ok());
    let e = check(&NAME, "sys_disk").unwrap_err();
    assert_eq!(e.first().rule, "pattern");
    assert_eq!(e.first().message, "must match `^(?!sys_)[a-z][a-z0-9_]*$`");
    assert!(check(&NAME, "1disk").is_err());
    // JSON Schema's patterns are not anchored.
    assert!(check(&DIGIT, "abc1def").is_ok());
    assert!(check(&DIGIT, "abc").is_err());
    // A pattern that does not compile is never a violation.
    static BROKEN: Pattern = Pattern::new("(");
    assert!(check(&BROKEN, "anything").is_ok());
}

#[test]
fn unknown_values_pass_on_the_way_out_and_fail_on_the_way_in() {
    let documented = ["active", "paused"];
    // The client sends back what it received.
    let mut c = Checker::new();
    assert!(!c.is_incoming());
    c.unknown_value("status", "archived", &documented);
    assert!(c.finish().is_ok());
    // A server refuses it in a request, naming the values it knows.
    let mut c = Checker::incoming();
    assert!(c.is_incoming());
    c.unknown_value(&Index("history", 1), "archived", &documented);
    let err = c.finish().unwrap_err();
    assert_eq!(
        (
            err.first().field.as_str(),
            err.first().rule,
            err.first().message.as_str()
        ),
        (
            "history[1]",
            "enum",
            "must be one of `active`, `paused`, got `archived`"
        )
    );
    // A hostile value is cut in the message.
    let mut c = Checker::incoming();
    c.unknown_value("status", &"x".repeat(1000), &documented);
    let err = c.finish().unwrap_err();
    assert!(
        err.first().message.ends_with("x…`"),
        "{}",
        err.first().message
    );
    assert!(err.first().message.len() < 200);
}

#[test]
fn unknown_tags_are_reported_at_the_tag() {
    let shape = serde_json::json!({"kind": "hexagon", "sides": 6});
    let mut c = Checker::new();
    c.unknown_tag("shape", "kind", &shape, &["circle", "square"]);
    assert!(c.finish().is_ok());
    let mut c = Checker::incoming();
    c.unknown_tag("shape", "kind", &shape, &["circle", "square"]);
    c.unknown_tag("", "kind", &shape, &["circle"]);
    let err = c.finish().unwrap_err();
    let got: Vec<_> = err
        .violations
        .iter()
        .map(|v| (v.field.as_str(), v.rule, v.message.as_str()))
        .collect();
    assert_eq!(
        got,
        [
            (
                "shape.kind",
                "discriminator",
                "must be one of `circle`, `square`, got `hexagon`"
            ),
            (
                "kind",
                "discriminator",
                "must be one of `circle`, got `hexagon`"
            )
        ]
    );
}

#[test]
fn integral_numbers_are_integers() {
    use codegen_runtime::validation::integral_numbers;
    // JSON Schema's integer: any number without a fractional part.
    let fixed = integral_numbers(br#"{"a": 3.0, "b": [1e3, -2.0, 0.5], "c": "4.0", "d": 7}"#)
        .expect("some numbers change");
    assert_eq!(
        serde_json::from_slice::<serde_json::Value>(&fixed).unwrap(),
        serde_json::json!({"a": 3, "b": [1000, -2, 0.5], "c": "4.0", "d": 7})
    );
    assert_eq!(integral_numbers(br#"{"a": 3, "b": 0.5}"#), None);
    assert_eq!(integral_numbers(b"not json"), None);
    // Beyond 2^53 a float stands for many integers: left as it is, so an
    // integer out of i64's range (read as a float) stays out of range.
    assert_eq!(integral_numbers(b"[1e30]"), None);
    assert_eq!(integral_numbers(b"[-9223372036854775809]"), None);
    assert_eq!(integral_numbers(b"[1.8446744073709552e19]"), None);
    #[derive(Debug, PartialEq, serde::Deserialize)]
    struct Order {
        id: i64,
        quantity: i32,
    }
    let body = br#"{"id": 896857.0, "quantity": 2e1}"#;
    assert!(serde_json::from_slice::<Order>(body).is_err());
    let order: Order = serde_json::from_slice(&integral_numbers(body).unwrap()).unwrap();
    assert_eq!(
        order,
        Order {
            id: 896857,
            quantity: 20
        }
    );
}

#[test]
fn multiples() {
    let mut c = Checker::new();
    c.multiple_of("a", 0.75, 0.25);
    c.multiple_of("b", 0.3, 0.1);
    c.multiple_of("c", 40.0, 8.0);
    c.multiple_of("d", -16.0, 8.0);
    assert!(c.finish().is_ok());
    let mut c = Checker::new();
    c.multiple_of("e", 11.0, 2.0);
    c.multiple_of("f", 0.3, 0.25);
    let e = c.finish().unwrap_err();
    assert_eq!(e.violations.len(), 2);
    assert_eq!(e.first().rule, "multipleOf");
    assert_eq!(e.first().message, "must be a multiple of 2, got 11");
}

/// A struct as the generator writes it: derived with `remote = "Self"`,
/// read through [`ObjectOnly`].
#[derive(Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(remote = "Self")]
struct Settings {
    name: Option<String>,
    #[serde(default)]
    size: Option<u32>,
}

impl<'de> serde::Deserialize<'de> for Settings {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Self::deserialize(ObjectOnly(deserializer))
    }
}

impl serde::Serialize for Settings {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        Self::serialize(self, serializer)
    }
}

/// Where a struct sits inside an untagged union, serde reads it again from
/// its own buffered copy of the input: the adapter holds there too.
#[derive(Debug, PartialEq, serde::Deserialize)]
#[serde(untagged)]
enum Sink {
    Configured { config: Settings },
    Counted { count: u32 },
}

#[test]
fn a_struct_is_read_from_an_object_only() {
    let settings = Settings {
        name: Some("a".to_owned()),
        size: None,
    };
    let read = |json: &str| serde_json::from_str::<Settings>(json);
    assert_eq!(read(r#"{"name": "a"}"#).unwrap(), settings);
    // The same fields in order, as an array: serde's derive alone takes it.
    let err = read(r#"["a", null]"#).unwrap_err().to_string();
    assert!(
        err.contains("invalid type: sequence, expected struct Settings"),
        "{err}"
    );
    assert!(read("[null, null]").is_err());
    assert!(serde_json::from_value::<Settings>(serde_json::json!([null, null])).is_err());
    // Serialization is unchanged.
    assert_eq!(
        serde_json::to_string(&settings).unwrap(),
        r#"{"name":"a","size":null}"#
    );
    assert_eq!(
        serde_json::from_str::<Sink>(r#"{"config": {"name": "a"}}"#).unwrap(),
        Sink::Configured { config: settings }
    );
    assert!(serde_json::from_str::<Sink>(r#"{"config": [null, null]}"#).is_err());
    // Other shapes pass through the adapter untouched.
    assert_eq!(
        serde_json::from_str::<Sink>(r#"{"count": 3}"#).unwrap(),
        Sink::Counted { count: 3 }
    );
}
