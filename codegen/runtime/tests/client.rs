//! `client`: request building and the typed outcome of a response.
#![cfg(feature = "client")]

use codegen_runtime::client::{
    encode_path, ApiResponse, ClientConfig, Error, Operation, RawResponse, REQUEST_ID_HEADER,
};
use reqwest::header::{HeaderMap, HeaderValue};
use reqwest::{Method, StatusCode};

#[derive(Debug, PartialEq, serde::Deserialize)]
struct Body {
    code: String,
}

fn raw(status: u16, body: &str) -> RawResponse {
    let mut headers = HeaderMap::new();
    headers.insert(REQUEST_ID_HEADER, HeaderValue::from_static("req-1"));
    RawResponse {
        status: StatusCode::from_u16(status).unwrap(),
        headers,
        body: body.as_bytes().to_vec(),
    }
}

#[test]
fn form_bodies_flatten_objects() {
    let mut call = ClientConfig::new("http://h")
        .request(Operation::new("Test", Method::POST, "/"), "/")
        .unwrap();
    #[derive(serde::Serialize)]
    struct Form {
        name: &'static str,
        n: u8,
        tags: [&'static str; 2],
        skip: Option<u8>,
    }
    let body = Form {
        name: "a b&c",
        n: 2,
        tags: ["x", "y"],
        skip: None,
    };
    call.form("application/x-www-form-urlencoded", &body, &[])
        .unwrap();
    assert_eq!(call.body(), Some(&b"name=a+b%26c&n=2&tags=x&tags=y"[..]));
    assert!(call
        .form("application/x-www-form-urlencoded", &[1, 2], &[])
        .is_err());
}

#[test]
fn form_bodies_follow_their_encoding_object() {
    use codegen_runtime::style::{In, Param, Style};
    let mut call = ClientConfig::new("http://h")
        .request(Operation::new("Test", Method::POST, "/"), "/")
        .unwrap();
    #[derive(serde::Serialize)]
    struct Color {
        r: u8,
        g: u8,
    }
    #[derive(serde::Serialize)]
    struct Form {
        tags: [&'static str; 2],
        ids: [u8; 2],
        filter: Color,
        meta: Color,
        plain: Color,
    }
    let body = Form {
        tags: ["x", "y z"],
        ids: [1, 2],
        filter: Color { r: 1, g: 2 },
        meta: Color { r: 3, g: 4 },
        plain: Color { r: 5, g: 6 },
    };
    let fields = [
        Param::new("tags", In::Query).explode(false),
        Param::new("ids", In::Query)
            .style(Style::PipeDelimited)
            .explode(false),
        Param::new("filter", In::Query).style(Style::DeepObject),
        Param::new("meta", In::Query).json(),
    ];
    call.form("application/x-www-form-urlencoded", &body, &fields)
        .unwrap();
    assert_eq!(
        std::str::from_utf8(call.body().unwrap()).unwrap(),
        "tags=x,y%20z&ids=1|2&filter%5Br%5D=1&filter%5Bg%5D=2\
         &meta=%7B%22r%22%3A3%2C%22g%22%3A4%7D&plain=%7B%22r%22%3A5%2C%22g%22%3A6%7D"
    );
}

#[test]
fn query_strings_are_set_whole() {
    let config = ClientConfig::new("http://h");
    let mut call = config
        .request(Operation::other("Test", "QUERY", "/").unwrap(), "/")
        .unwrap();
    #[derive(serde::Serialize)]
    struct Filter {
        name: &'static str,
        tags: [&'static str; 2],
        near: (u8, u8),
        skip: Option<u8>,
    }
    let filter = Filter {
        name: "a b&c",
        tags: ["x", "y"],
        near: (1, 2),
        skip: None,
    };
    call.query("replaced", "1");
    call.query_string_form(&filter).unwrap();
    assert_eq!(
        call.url().as_str(),
        "http://h/?name=a+b%26c&tags=x&tags=y&near=1&near=2"
    );
    call.query_string_json(&serde_json::json!({"q": "a b", "n": [1]}))
        .unwrap();
    assert_eq!(
        call.url().query(),
        Some("%7B%22q%22%3A%22a%20b%22%2C%22n%22%3A%5B1%5D%7D")
    );
    assert!(call.query_string_form(&[1, 2]).is_err());
    // An object without properties leaves no query string.
    call.query_string_form(&serde_json::json!({})).unwrap();
    assert_eq!(call.url().as_str(), "http://h/");
}

#[test]
fn encodes_path_segments_strictly() {
    assert_eq!(encode_path("a b/c?d#e%f"), "a%20b%2Fc%3Fd%23e%25f");
    assert_eq!(encode_path("Az09-._~"), "Az09-._~");
    assert_eq!(encode_path("é"), "%C3%A9");
}

#[test]
fn success_bodies_decode_with_request_id() {
    let ok: ApiResponse<Body> = raw(200, r#"{"code":"x"}"#).json::<Body, ()>().unwrap();
    assert_eq!(ok.body, Body { code: "x".into() });
    assert_eq!(ok.request_id.as_deref(), Some("req-1"));
    assert_eq!(ok.code, "x");
}

#[test]
fn undecodable_bodies_keep_their_bytes() {
    let err = raw(200, "not json").json::<Body, String>().unwrap_err();
    match &err {
        Error::Decode { response, .. } => assert_eq!(response.body, b"not json"),
        other => panic!("unexpected {other:?}"),
    }
    assert_eq!(err.status(), Some(StatusCode::OK));
    assert!(err.to_string().contains("request id req-1"));
}

#[test]
fn documented_errors_carry_their_body() {
    let err = raw(404, r#"{"code":"gone"}"#).error(|b: Body| b.code);
    match &err {
        Error::Api(r) => {
            assert_eq!(r.body, "gone");
            assert_eq!(r.status, StatusCode::NOT_FOUND);
        }
        other => panic!("unexpected {other:?}"),
    }
    assert_eq!(err.to_string(), "404 gone (request id req-1)");
    assert_eq!(err.request_id(), Some("req-1"));
}

#[test]
fn base_url_and_query_building() {
    let config = ClientConfig::new("http://localhost:8080/prefix/");
    assert_eq!(config.base_url(), "http://localhost:8080/prefix");
    let mut call = config
        .request(Operation::new("Test", Method::GET, "/a%20b"), "/a%20b")
        .unwrap();
    call.query("k", "v w&x");
    call.query("k", "2");
    assert_eq!(
        call.url().as_str(),
        "http://localhost:8080/prefix/a%20b?k=v+w%26x&k=2"
    );
    assert_eq!(call.method(), Method::GET);
    // A base URL that cannot take a path is refused at the first call,
    // naming the base URL.
    for (base, why) in [
        ("not a url", "relative URL without a base"),
        ("mailto:ops@example.com", "it cannot have a path"),
        ("http://h/api?x=1", "it has a query or fragment"),
    ] {
        match ClientConfig::new(base).request(Operation::new("Test", Method::GET, "/"), "/") {
            Err(error) => {
                let message = error.message();
                assert!(message.contains(&format!("`{base}`")), "{message}");
                assert!(message.contains(why), "{message}");
            }
            other => panic!("expected an invalid base URL, got {other:?}"),
        }
    }
    // The base's host and port are kept, its path prefix comes first.
    let ipv6 = ClientConfig::new("https://[::1]:8443")
        .request(Operation::new("Test", Method::GET, "/v1/x"), "/v1/x")
        .unwrap();
    assert_eq!(ipv6.url().as_str(), "https://[::1]:8443/v1/x");
    assert!(call.header("x-h", "bad\nvalue").is_err());
}

#[test]
fn start_fills_the_template_in_order() {
    let config = ClientConfig::new("http://h/base");
    let operation = Operation::new("Test", Method::GET, "/v1/{project}/things/{id}:run");
    let call = config.start(operation.clone(), &["a b", "x/y"]).unwrap();
    assert_eq!(
        call.url().as_str(),
        "http://h/base/v1/a%20b/things/x%2Fy:run"
    );
    let call = config
        .start(Operation::new("Test", Method::GET, "/plain"), &[])
        .unwrap();
    assert_eq!(call.url().as_str(), "http://h/base/plain");
    // The count of values must match the placeholders.
    assert!(matches!(
        config.start(operation.clone(), &["a"]),
        Err(e) if e.message().contains("`{id}`")
    ));
    assert!(matches!(
        config.start(operation, &["a", "b", "c"]),
        Err(e) if e.message().contains("more values than placeholders")
    ));
    // `.` and `..` would change the endpoint.
    assert!(matches!(
        config.start(Operation::new("Test", Method::GET, "/a/{id}"), &[".."]),
        Err(e) if e.message().contains("would change the endpoint")
    ));
}

#[test]
fn credential_or_prefers_the_value_then_the_credentials() {
    let config = ClientConfig::new("http://h");
    assert_eq!(
        config
            .credential_or(Some("p1"), "project_id", "the path parameter `project_id`")
            .unwrap(),
        "p1"
    );
    match config.credential_or(None, "project_id", "the path parameter `project_id`") {
        Err(error) => assert_eq!(
            error.message(),
            "the path parameter `project_id` is not set and the credentials carry no `project_id`"
        ),
        other => panic!("expected an invalid request, got {other:?}"),
    }
}

#[test]
fn operations_by_method() {
    let cases = [
        (Operation::get("a", "/a"), Method::GET),
        (Operation::put("a", "/a"), Method::PUT),
        (Operation::post("a", "/a"), Method::POST),
        (Operation::delete("a", "/a"), Method::DELETE),
        (Operation::options("a", "/a"), Method::OPTIONS),
        (Operation::head("a", "/a"), Method::HEAD),
        (Operation::patch("a", "/a"), Method::PATCH),
        (Operation::trace("a", "/a"), Method::TRACE),
    ];
    for (operation, method) in cases {
        assert_eq!(operation, Operation::new("a", method, "/a"));
    }
    // Other methods are sent as written.
    for name in ["QUERY", "PURGE", "M-SEARCH"] {
        let operation = Operation::other("a", name, "/a").unwrap();
        assert_eq!(operation.method.as_str(), name);
    }
    match Operation::other("a", "NOT A METHOD", "/a") {
        Err(e) => assert_eq!(e.message(), "`NOT A METHOD` is not an HTTP method name"),
        Ok(operation) => panic!("built {operation:?}"),
    }
}
