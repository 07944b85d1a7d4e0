//! `server`: what the generated server stubs share.
#![cfg(feature = "server")]

use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri};
use codegen_runtime::server::{
    error_body, json_body, json_object_body, new_request_id, optional_json_object_body, parse_json,
    AuthError, Authenticate, Field, HeaderTokens, Problem, RequestParts, Shape,
};

const DETAIL: &[Field] = &[
    Field {
        name: "error_code",
        required: false,
        shape: Shape::Text(Some(6)),
    },
    Field {
        name: "error_msg",
        required: false,
        shape: Shape::Text(None),
    },
];
const BODY: &[Field] = &[
    Field {
        name: "error_code",
        required: false,
        shape: Shape::Text(Some(12)),
    },
    Field {
        name: "error_msg",
        required: true,
        shape: Shape::Text(None),
    },
    Field {
        name: "error_detail",
        required: false,
        shape: Shape::Text(None),
    },
    Field {
        name: "request_id",
        required: false,
        shape: Shape::Text(None),
    },
    Field {
        name: "details",
        required: false,
        shape: Shape::List(DETAIL),
    },
    Field {
        name: "count",
        required: false,
        shape: Shape::Other,
    },
    Field {
        name: "note",
        required: true,
        shape: Shape::Text(None),
    },
    Field {
        name: "encoded_authorization_message",
        required: false,
        shape: Shape::Text(None),
    },
];

#[test]
fn without_a_detail_slot_the_message_names_the_field() {
    let p = Problem::new(StatusCode::BAD_REQUEST, "bad type").with_field("instance_id");
    let body = error_body(DETAIL, &p, "rid");
    assert_eq!(body["error_msg"], "bad type (at `instance_id`)");
    // Property names split into words whatever their case convention:
    // `errorCode` is `error` `code`, `X-Request-ID` is `x` `request` `id`.
    const CAMEL: &[Field] = &[
        Field {
            name: "errorCode",
            required: false,
            shape: Shape::Text(None),
        },
        Field {
            name: "X-Request-ID",
            required: false,
            shape: Shape::Text(None),
        },
    ];
    assert_eq!(
        error_body(CAMEL, &p, "rid"),
        serde_json::json!({"errorCode": "HTTP.400", "X-Request-ID": "rid"})
    );
}

#[test]
fn error_bodies_follow_naming_conventions() {
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
