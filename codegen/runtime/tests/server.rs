//! `server`: what the generated server stubs share.
#![cfg(feature = "server")]

use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri};
use codegen_runtime::server::{
    error_body, json_body, json_object_body, new_request_id, optional_json_object_body, parse_json,
    status, AuthError, Authenticate, ErrorField, HeaderTokens, Problem, RequestParts, Role,
};

const DETAIL: &[ErrorField] = &[
    ErrorField::Text("error_code", Role::Code, Some(6)),
    ErrorField::Text("error_msg", Role::Message, None),
];
const BODY: &[ErrorField] = &[
    ErrorField::Text("error_code", Role::Code, Some(12)),
    ErrorField::Text("error_msg", Role::Message, None),
    ErrorField::Text("error_detail", Role::Detail, None),
    ErrorField::Text("request_id", Role::RequestId, None),
    ErrorField::List("details", DETAIL),
    ErrorField::Text("note", Role::Message, None),
];

#[test]
fn without_a_detail_slot_the_message_names_the_field() {
    let p = Problem::new(StatusCode::BAD_REQUEST, "bad type").with_field("instance_id");
    let body = error_body(DETAIL, &p, "rid");
    assert_eq!(body["error_msg"], "bad type (at `instance_id`)");
    let p = Problem::new(StatusCode::BAD_REQUEST, "`instance_id` is bad").with_field("instance_id");
    assert_eq!(
        error_body(DETAIL, &p, "rid")["error_msg"],
        "`instance_id` is bad"
    );
}

#[test]
fn error_bodies_follow_their_table() {
    let p = Problem::new(StatusCode::BAD_REQUEST, "bad").with_field("ids[0]");
    let body = error_body(BODY, &p, "rid");
    assert_eq!(
        body,
        serde_json::json!({
            "error_code": "HTTP.400",
            "error_msg": "bad",
            "error_detail": "ids[0]",
            "request_id": "rid",
            "details": [{"error_code": "HTTP.4", "error_msg": "bad"}],
            "note": "bad"
        })
    );
    // Key order is the table's.
    let keys: Vec<&String> = body.as_object().unwrap().keys().collect();
    assert_eq!(
        keys,
        [
            "error_code",
            "error_msg",
            "error_detail",
            "request_id",
            "details",
            "note"
        ]
    );
    // Without a field at fault, the detail repeats the message.
    let p = Problem::new(StatusCode::UNAUTHORIZED, "no credentials");
    assert_eq!(
        error_body(BODY, &p, "rid")["error_detail"],
        "no credentials"
    );
}

#[test]
fn statuses_without_constants() {
    assert_eq!(status::<299>().as_u16(), 299);
    assert_eq!(status::<202>(), StatusCode::ACCEPTED);
}

#[derive(Debug, serde::Deserialize)]
#[allow(dead_code)]
struct Req {
    ids: Vec<String>,
    n: u8,
}

#[test]
fn json_errors_name_the_field() {
    let e = parse_json::<Req>(br#"{"ids": ["a", 3], "n": 1}"#).unwrap_err();
    assert_eq!(e.field.as_deref(), Some("ids[1]"));
    let e = parse_json::<Req>(br#"{"ids": []}"#).unwrap_err();
    assert_eq!(e.field.as_deref(), Some("n"));
    let e = parse_json::<Req>(br#"{"ids": [], "n": 300}"#).unwrap_err();
    assert_eq!(e.field.as_deref(), Some("n"));
    let e = parse_json::<Req>(b"{").unwrap_err();
    assert_eq!(e.status, StatusCode::BAD_REQUEST);
    assert!(parse_json::<Req>(br#"{"ids": [], "n": 1} x"#).is_err());
    assert!(parse_json::<Req>(br#"{"ids": [], "n": 1}"#).is_ok());
}

#[test]
fn object_bodies_refuse_arrays() {
    let mut headers = HeaderMap::new();
    headers.insert(
        axum::http::header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    let bad = StatusCode::BAD_REQUEST;
    let e = json_object_body::<Req>(&headers, br#" [["a"], 1]"#, bad).unwrap_err();
    assert_eq!(e.message, "the request body must be a JSON object");
    assert!(json_object_body::<Req>(&headers, br#"{"ids": [], "n": 1}"#, bad).is_ok());
    assert!(matches!(
        optional_json_object_body::<Req>(&headers, b"", bad),
        Ok(None)
    ));
    let e =
        json_body::<Req>(&HeaderMap::new(), b"{}", StatusCode::UNSUPPORTED_MEDIA_TYPE).unwrap_err();
    assert_eq!(e.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
}

#[test]
fn tokens_and_request_ids() {
    let auth = HeaderTokens::new("token", "X-Auth-Token", ["t1".to_owned()]);
    assert!(!format!("{auth:?}").contains("t1"));
    let (method, uri) = (Method::POST, Uri::from_static("/x"));
    let mut headers = HeaderMap::new();
    let parts = |h: &HeaderMap| {
        auth.authenticate(&RequestParts {
            method: &method,
            uri: &uri,
            headers: h,
            body: b"",
        })
    };
    assert_eq!(parts(&headers), Err(AuthError::Missing));
    headers.insert("x-auth-token", HeaderValue::from_static("nope"));
    assert!(matches!(parts(&headers), Err(AuthError::Invalid(_))));
    headers.insert("x-auth-token", HeaderValue::from_static("t1"));
    assert_eq!(parts(&headers).unwrap().principal, "t1");
    let a = new_request_id();
    let b = new_request_id();
    assert_ne!(a, b);
    assert_eq!(a.len(), 32);
}
