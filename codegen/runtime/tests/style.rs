//! Parameter styles: the specification's "Style Examples" table, written
//! and read back, and a property test that whatever is written is read
//! back as the same value for every style, `explode` and location.

use std::collections::BTreeMap;

use codegen_runtime::style::{decode_cookies, decode_query, In, Param, Style};
use proptest::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
struct Rgb {
    #[serde(rename = "R")]
    r: i64,
    #[serde(rename = "G")]
    g: i64,
    #[serde(rename = "B")]
    b: i64,
}

fn rgb() -> Rgb {
    Rgb {
        r: 100,
        g: 200,
        b: 150,
    }
}

fn colors() -> Vec<String> {
    vec!["blue".into(), "black".into(), "brown".into()]
}

fn query(param: Param, value: &impl Serialize) -> String {
    param
        .query_pairs(value)
        .unwrap()
        .into_iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&")
}

#[test]
fn path_styles_follow_the_specification_table() {
    let p = |style, explode| Param::new("color", In::Path).style(style).explode(explode);
    let cases: &[(Style, bool, &str, &str, &str)] = &[
        (
            Style::Simple,
            false,
            "blue",
            "blue,black,brown",
            "R,100,G,200,B,150",
        ),
        (
            Style::Simple,
            true,
            "blue",
            "blue,black,brown",
            "R=100,G=200,B=150",
        ),
        (
            Style::Label,
            false,
            ".blue",
            ".blue,black,brown",
            ".R,100,G,200,B,150",
        ),
        (
            Style::Label,
            true,
            ".blue",
            ".blue.black.brown",
            ".R=100.G=200.B=150",
        ),
        (
            Style::Matrix,
            false,
            ";color=blue",
            ";color=blue,black,brown",
            ";color=R,100,G,200,B,150",
        ),
        (
            Style::Matrix,
            true,
            ";color=blue",
            ";color=blue;color=black;color=brown",
            ";R=100;G=200;B=150",
        ),
    ];
    for &(style, explode, one, array, object) in cases {
        let param = p(style, explode);
        assert_eq!(
            param.path_value("blue").unwrap(),
            one,
            "{style:?} {explode}"
        );
        assert_eq!(
            param.path_value(&colors()).unwrap(),
            array,
            "{style:?} {explode}"
        );
        assert_eq!(
            param.path_value(&rgb()).unwrap(),
            object,
            "{style:?} {explode}"
        );
        assert_eq!(param.from_path::<String>(one).unwrap(), "blue");
        assert_eq!(param.from_path::<Vec<String>>(array).unwrap(), colors());
        assert_eq!(param.from_path::<Rgb>(object).unwrap(), rgb());
    }
    // An empty value.
    assert_eq!(p(Style::Matrix, false).path_value(&()).unwrap(), ";color");
    assert_eq!(p(Style::Label, false).path_value(&()).unwrap(), ".");
}

#[test]
fn query_styles_follow_the_specification_table() {
    let p = |style, explode| Param::new("color", In::Query).style(style).explode(explode);
    assert_eq!(query(p(Style::Form, true), &"blue"), "color=blue");
    assert_eq!(
        query(p(Style::Form, false), &colors()),
        "color=blue,black,brown"
    );
    assert_eq!(
        query(p(Style::Form, true), &colors()),
        "color=blue&color=black&color=brown"
    );
    assert_eq!(
        query(p(Style::Form, false), &rgb()),
        "color=R,100,G,200,B,150"
    );
    assert_eq!(query(p(Style::Form, true), &rgb()), "R=100&G=200&B=150");
    assert_eq!(
        query(p(Style::SpaceDelimited, false), &colors()),
        "color=blue%20black%20brown"
    );
    assert_eq!(
        query(p(Style::SpaceDelimited, false), &rgb()),
        "color=R%20100%20G%20200%20B%20150"
    );
    assert_eq!(
        query(p(Style::PipeDelimited, false), &colors()),
        "color=blue|black|brown"
    );
    assert_eq!(
        query(p(Style::PipeDelimited, false), &rgb()),
        "color=R|100|G|200|B|150"
    );
    assert_eq!(
        query(p(Style::DeepObject, true), &rgb()),
        "color%5BR%5D=100&color%5BG%5D=200&color%5BB%5D=150"
    );
    for (style, explode) in [
        (Style::Form, true),
        (Style::Form, false),
        (Style::SpaceDelimited, false),
        (Style::PipeDelimited, false),
        (Style::DeepObject, true),
    ] {
        let param = p(style, explode);
        if style != Style::DeepObject {
            let pairs = decode_query(&query(param, &colors()));
            assert_eq!(
                param.from_query::<Vec<String>>(&pairs, &[]).unwrap(),
                Some(colors()),
                "{style:?}"
            );
        }
        let pairs = decode_query(&query(param, &rgb()));
        assert_eq!(
            param.from_query::<Rgb>(&pairs, &[]).unwrap(),
            Some(rgb()),
            "{style:?} {explode}"
        );
    }
}

#[test]
fn deep_objects_nest() {
    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Filter {
        created: BTreeMap<String, i64>,
        tags: Vec<String>,
        name: Option<String>,
    }
    let param = Param::new("filter", In::Query).style(Style::DeepObject);
    let value = Filter {
        created: [("gt".to_owned(), 5), ("lt".to_owned(), 9)].into(),
        tags: vec!["a".into(), "b c".into()],
        name: None,
    };
    let text = query(param, &value);
    assert_eq!(
        text,
        "filter%5Bcreated%5D%5Bgt%5D=5&filter%5Bcreated%5D%5Blt%5D=9&filter%5Btags%5D=a&filter%5Btags%5D=b%20c"
    );
    let pairs = decode_query(&text);
    assert_eq!(
        param.from_query::<Filter>(&pairs, &[]).unwrap(),
        Some(value)
    );
}

#[test]
fn headers_and_cookies() {
    let h = Param::new("X-Color", In::Header).explode(true);
    assert_eq!(
        h.header_value(&colors()).unwrap().as_deref(),
        Some("blue,black,brown")
    );
    assert_eq!(
        h.header_value(&rgb()).unwrap().as_deref(),
        Some("R=100,G=200,B=150")
    );
    assert_eq!(
        h.explode(false).header_value(&rgb()).unwrap().as_deref(),
        Some("R,100,G,200,B,150")
    );
    assert_eq!(
        h.from_header::<Rgb>(Some("R=100, G=200, B=150")).unwrap(),
        Some(rgb())
    );
    assert!(h.header_value("line\nbreak").is_err());

    let c = Param::new("color", In::Cookie);
    let header = |pairs: Vec<(String, String)>| {
        pairs
            .into_iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    };
    let exploded = header(c.cookie_pairs(&colors()).unwrap());
    assert_eq!(exploded, "color=blue; color=black; color=brown");
    let flat = header(c.explode(false).cookie_pairs(&colors()).unwrap());
    assert_eq!(flat, "color=blue,black,brown");
    assert_eq!(
        c.explode(false)
            .from_cookies::<Vec<String>>(&decode_cookies([flat.as_str()]), &[])
            .unwrap(),
        Some(colors())
    );
    assert_eq!(
        c.from_cookies::<Vec<String>>(&decode_cookies([exploded.as_str()]), &[])
            .unwrap(),
        Some(colors())
    );
    let odd = header(c.cookie_pairs("a b;c,d=e%").unwrap());
    assert_eq!(odd, "color=a%20b%3Bc%2Cd%3De%25");
    assert_eq!(
        c.from_cookies::<String>(&decode_cookies([odd.as_str()]), &[])
            .unwrap()
            .as_deref(),
        Some("a b;c,d=e%")
    );
}

#[test]
fn reserved_characters_and_json_content() {
    let q = Param::new("path", In::Query);
    assert_eq!(query(q, &"/a/b?c"), "path=%2Fa%2Fb%3Fc");
    assert_eq!(
        query(q.allow_reserved(), &"/a/b?c&d=e#f+g"),
        "path=/a/b?c%26d%3De%23f%2Bg"
    );
    let j = Param::new("filter", In::Query).json();
    assert_eq!(
        query(j, &rgb()),
        "filter=%7B%22R%22%3A100%2C%22G%22%3A200%2C%22B%22%3A150%7D"
    );
    let pairs = decode_query(&query(j, &rgb()));
    assert_eq!(j.from_query::<Rgb>(&pairs, &[]).unwrap(), Some(rgb()));
    // A path value never reaches another segment.
    assert_eq!(
        Param::new("id", In::Path).path_value("../x").unwrap(),
        "..%2Fx"
    );
}

#[test]
fn bad_values_name_the_parameter() {
    let p = Param::new("limit", In::Query);
    let e = p
        .from_query::<i32>(&decode_query("limit=ten"), &[])
        .unwrap_err();
    assert_eq!(e.to_string(), "`limit`: `ten` is not an integer");
    let m = Param::new("id", In::Path).style(Style::Matrix);
    let e = m.from_path::<i32>("5").unwrap_err();
    assert!(e.to_string().contains("starts with `;id`"), "{e}");
    let o = Param::new("color", In::Path).explode(false);
    assert!(o.from_path::<Rgb>("R,100,G").is_err());
    assert_eq!(
        p.from_query::<i32>(&decode_query("other=1"), &["other"])
            .unwrap(),
        None
    );
}

#[test]
fn an_empty_query_value_needs_allow_empty_value() {
    // OpenAPI: `allowEmptyValue` defaults to false; `name=` is refused.
    let p = Param::new("name", In::Query);
    let e = p
        .from_query::<String>(&decode_query("name="), &[])
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "`name`: an empty value is not allowed (the parameter does not set `allowEmptyValue`)"
    );
    let allowed = p.allow_empty_value();
    assert_eq!(
        allowed
            .from_query::<String>(&decode_query("name="), &[])
            .unwrap(),
        Some(String::new())
    );
    // Only a primitive's own value: a list's items may be empty, and other
    // locations and form bodies take empty text.
    assert_eq!(
        p.from_query::<Vec<String>>(&decode_query("name="), &[])
            .unwrap(),
        Some(vec![String::new()])
    );
    let h = Param::new("X-Name", In::Header);
    assert_eq!(
        h.from_header::<String>(Some("")).unwrap(),
        Some(String::new())
    );
    #[derive(Debug, PartialEq, Deserialize)]
    struct Body {
        name: String,
    }
    let body: Body = codegen_runtime::style::from_form(&decode_query("name="), &[]).unwrap();
    assert_eq!(
        body,
        Body {
            name: String::new()
        }
    );
}

// ---------------------------------------------------------------------------
// Round trip: whatever a parameter writes, it reads back.

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
enum Mode {
    Fast,
    Slow,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
struct Object {
    name: String,
    count: i64,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    ratio: Option<f64>,
    flag: bool,
    mode: Mode,
}

/// Text without the delimiters a style splits on (an item holding one is
/// ambiguous on the wire, as the specification says).
fn item_text() -> impl Strategy<Value = String> {
    "[^,;=.|&\\s\\[\\]]{0,12}"
}

fn object() -> impl Strategy<Value = Object> {
    (
        "[^,;=.|&\\s\\[\\]]{1,12}",
        any::<i64>(),
        proptest::option::of(-1e9f64..1e9),
        any::<bool>(),
        prop_oneof![Just(Mode::Fast), Just(Mode::Slow)],
    )
        .prop_map(|(name, count, ratio, flag, mode)| Object {
            name,
            count,
            ratio,
            flag,
            mode,
        })
}

fn cells() -> Vec<Param> {
    let mut out = Vec::new();
    for explode in [false, true] {
        for style in [Style::Simple, Style::Label, Style::Matrix] {
            out.push(Param::new("p", In::Path).style(style).explode(explode));
        }
        for style in [
            Style::Form,
            Style::SpaceDelimited,
            Style::PipeDelimited,
            Style::DeepObject,
        ] {
            if style == Style::DeepObject && !explode {
                continue;
            }
            out.push(Param::new("p", In::Query).style(style).explode(explode));
        }
        out.push(Param::new("x-p", In::Header).explode(explode));
        out.push(Param::new("p", In::Cookie).explode(explode));
    }
    out
}

/// Writes `value` as a request would carry it and reads it back; a value
/// a header cannot carry (text beyond visible ASCII, refused when written)
/// counts as coming back.
fn round_trip<T: Serialize + serde::de::DeserializeOwned + Clone>(
    param: Param,
    value: &T,
) -> Option<T> {
    match param.location {
        In::Header if param.header_value(value).is_err() => Some(value.clone()),
        In::Path => {
            let text = param.path_value(value).unwrap();
            let decoded = percent_encoding::percent_decode_str(&text)
                .decode_utf8()
                .unwrap();
            Some(param.from_path(&decoded).unwrap())
        }
        In::Query => {
            let pairs = decode_query(&query(param, value));
            param.from_query(&pairs, &[]).unwrap()
        }
        In::Header => param
            .from_header(param.header_value(value).unwrap().as_deref())
            .unwrap(),
        In::Cookie => {
            let header: Vec<String> = param
                .cookie_pairs(value)
                .unwrap()
                .into_iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect();
            let header = header.join("; ");
            param
                .from_cookies(&decode_cookies([header.as_str()]), &[])
                .unwrap()
        }
    }
}

proptest! {
    #[test]
    fn primitives_round_trip(s in "[ -~]{1,20}", n in any::<i64>(), b in any::<bool>()) {
        for param in cells() {
            if param.location == In::Header && (s.starts_with(' ') || s.ends_with(' ')) {
                continue; // a header's surrounding whitespace is not its value
            }
            prop_assert_eq!(round_trip(param, &s), Some(s.clone()), "{:?}", param);
            prop_assert_eq!(round_trip(param, &n), Some(n), "{:?}", param);
            prop_assert_eq!(round_trip(param, &b), Some(b), "{:?}", param);
        }
    }

    #[test]
    fn arrays_round_trip(items in proptest::collection::vec(item_text().prop_filter("non-empty", |s| !s.is_empty()), 1..5), numbers in proptest::collection::vec(any::<i32>(), 1..5)) {
        for param in cells() {
            if param.format == codegen_runtime::style::Format::Style(Style::DeepObject) {
                continue; // deepObject is for objects
            }
            prop_assert_eq!(round_trip(param, &items), Some(items.clone()), "{:?}", param);
            prop_assert_eq!(round_trip(param, &numbers), Some(numbers.clone()), "{:?}", param);
        }
    }

    #[test]
    fn objects_round_trip(value in object()) {
        for param in cells() {
            let mut value = value.clone();
            if param.format == codegen_runtime::style::Format::Style(Style::Label) && param.explode {
                // `.` delimits exploded `label` properties, and a number
                // with a fraction holds one: ambiguous on the wire.
                value.ratio = None;
            }
            prop_assert_eq!(round_trip(param, &value), Some(value.clone()), "{:?}", param);
        }
    }
}

#[test]
fn form_bodies_read_each_property_by_its_encoding() {
    use codegen_runtime::style::from_form;
    #[derive(Debug, PartialEq, Deserialize)]
    struct Color {
        r: u8,
        g: u8,
    }
    #[derive(Debug, PartialEq, Deserialize)]
    struct Form {
        tags: Vec<String>,
        ids: Vec<u8>,
        filter: Color,
        meta: Color,
        plain: Color,
        names: Vec<String>,
        one: Option<i32>,
        absent: Option<String>,
    }
    let fields = [
        Param::new("tags", In::Query).explode(false),
        Param::new("ids", In::Query)
            .style(Style::PipeDelimited)
            .explode(false),
        Param::new("filter", In::Query).style(Style::DeepObject),
        Param::new("meta", In::Query).json(),
    ];
    let body = "tags=x,y%20z&ids=1|2&filter%5Br%5D=1&filter%5Bg%5D=2\
                &meta=%7B%22r%22%3A3%2C%22g%22%3A4%7D&plain=%7B%22r%22%3A5%2C%22g%22%3A6%7D\
                &names=a&names=b+c&one=7";
    let form: Form = from_form(&decode_query(body), &fields).unwrap();
    assert_eq!(
        form,
        Form {
            tags: vec!["x".into(), "y z".into()],
            ids: vec![1, 2],
            filter: Color { r: 1, g: 2 },
            meta: Color { r: 3, g: 4 },
            plain: Color { r: 5, g: 6 },
            names: vec!["a".into(), "b c".into()],
            one: Some(7),
            absent: None,
        }
    );
    let bad = from_form::<Form>(&decode_query("ids=1|x"), &fields).unwrap_err();
    assert_eq!(bad.name, "ids");
    assert!(bad.message.contains("`x` is not"), "{bad}");
}

#[test]
fn other_keys_do_not_make_an_exploded_form_parameter_present() {
    let p = Param::new("limit", In::Query);
    let pairs = decode_query("unrelated=1");
    assert_eq!(p.from_query::<i32>(&pairs, &[]).unwrap(), None);
    assert_eq!(p.from_query::<Vec<i32>>(&pairs, &[]).unwrap(), None);
    let c = Param::new("session", In::Cookie);
    let cookies = decode_cookies(["theme=dark"]);
    assert_eq!(c.from_cookies::<String>(&cookies, &[]).unwrap(), None);
    // An exploded object is made of other keys.
    assert_eq!(
        Param::new("color", In::Query)
            .from_query::<Rgb>(&decode_query("R=100&G=200&B=150&other=1"), &["other"])
            .unwrap(),
        Some(rgb())
    );
}

#[test]
fn an_empty_value_is_the_empty_list() {
    let p = Param::new("metric", In::Query).explode(false);
    assert_eq!(
        p.from_query::<Vec<String>>(&decode_query("metric="), &[])
            .unwrap(),
        Some(Vec::new())
    );
    let pairs = p.query_pairs(&Vec::<String>::new()).unwrap();
    assert_eq!(pairs, [("metric".to_owned(), String::new())]);
}

/// A tolerant string enum as the generator writes one for a type read from
/// responses: it reads any text, keeping an unlisted value as it came.
#[derive(Clone, Debug, PartialEq)]
enum Status {
    Active,
    Paused,
    Unknown(String),
}

impl Status {
    fn as_str(&self) -> &str {
        match self {
            Self::Active => "active",
            Self::Paused => "paused",
            Self::Unknown(value) => value,
        }
    }
}

impl Serialize for Status {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Status {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = String::deserialize(deserializer)?;
        Ok(match value.as_str() {
            "active" => Self::Active,
            "paused" => Self::Paused,
            _ => Self::Unknown(value),
        })
    }
}

#[test]
fn tolerant_enums_are_read_and_written_in_every_location() {
    use codegen_runtime::style::from_form;
    let archived = || Status::Unknown("archived".to_owned());
    // Path, query, header and cookie: a listed value, and one that is not.
    let path = Param::new("status", In::Path).style(Style::Label);
    assert_eq!(path.path_value(&archived()).unwrap(), ".archived");
    assert_eq!(path.from_path::<Status>(".archived").unwrap(), archived());
    assert_eq!(path.from_path::<Status>(".paused").unwrap(), Status::Paused);
    let q = Param::new("status", In::Query);
    assert_eq!(query(q, &archived()), "status=archived");
    let read = |text: &str| q.from_query::<Status>(&decode_query(text), &[]).unwrap();
    assert_eq!(read("status=archived"), Some(archived()));
    assert_eq!(read("status=active"), Some(Status::Active));
    // Lists of them, exploded and not, keep each item.
    let list = Param::new("history", In::Query).explode(false);
    let history = vec![Status::Active, archived()];
    assert_eq!(query(list, &history), "history=active,archived");
    let pairs = decode_query("history=active,archived");
    assert_eq!(
        list.from_query::<Vec<Status>>(&pairs, &[]).unwrap(),
        Some(history.clone())
    );
    let pairs = decode_query("history=active&history=archived");
    let exploded = Param::new("history", In::Query);
    assert_eq!(
        exploded.from_query::<Vec<Status>>(&pairs, &[]).unwrap(),
        Some(history)
    );
    let h = Param::new("X-Status", In::Header);
    assert_eq!(
        h.header_value(&archived()).unwrap().as_deref(),
        Some("archived")
    );
    assert_eq!(
        h.from_header::<Status>(Some("archived")).unwrap(),
        Some(archived())
    );
    let c = Param::new("status", In::Cookie);
    let cookies = decode_cookies(["status=archived"]);
    assert_eq!(
        c.from_cookies::<Status>(&cookies, &[]).unwrap(),
        Some(archived())
    );
    // As a property of a deepObject parameter and of a form body.
    #[derive(Debug, PartialEq, Deserialize)]
    struct Filter {
        status: Status,
    }
    let deep = Param::new("filter", In::Query).style(Style::DeepObject);
    let pairs = decode_query("filter%5Bstatus%5D=archived");
    assert_eq!(
        deep.from_query::<Filter>(&pairs, &[]).unwrap(),
        Some(Filter { status: archived() })
    );
    let form: Filter = from_form(&decode_query("status=archived"), &[]).unwrap();
    assert_eq!(form, Filter { status: archived() });
}
