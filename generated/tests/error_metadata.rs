//! The generated error enums read as `ErrorMetadata` (code, message,
//! request id from the body's own properties) and display readably, alone
//! and inside the client's `Error`.
#![cfg(all(feature = "client", feature = "workspace", feature = "roma"))]

use std::error::Error as _;

use huaweicloud_batch_delete::runtime::client::{Error, RawResponse, REQUEST_ID_HEADER};
use huaweicloud_batch_delete::runtime::ErrorMetadata;
use huaweicloud_batch_delete::workspace::types::{BaseResponse, BatchDeleteDesktopsError};
use huaweicloud_batch_delete::{roma, workspace};
use reqwest::header::{HeaderMap, HeaderValue};
use reqwest::StatusCode;

fn base(code: Option<&str>, message: Option<&str>) -> BaseResponse {
    BaseResponse {
        error_code: code.map(str::to_owned),
        error_msg: message.map(str::to_owned),
        error_detail: None,
        encoded_authorization_message: None,
    }
}

/// A documented error as the client decodes it, with or without an
/// `X-Request-Id` header.
fn api_error(
    status: u16,
    request_id: Option<&'static str>,
    body: &str,
) -> Error<BatchDeleteDesktopsError> {
    let mut headers = HeaderMap::new();
    if let Some(id) = request_id {
        headers.insert(REQUEST_ID_HEADER, HeaderValue::from_static(id));
    }
    let raw = RawResponse {
        status: StatusCode::from_u16(status).unwrap(),
        headers,
        body: body.as_bytes().to_vec(),
    };
    match status {
        404 => raw.error(BatchDeleteDesktopsError::NotFound),
        409 => raw.error(BatchDeleteDesktopsError::Conflict),
        _ => raw.error(BatchDeleteDesktopsError::InternalServerError),
    }
}

#[test]
fn a_workspace_error_reads_its_code_and_message() {
    let e = BatchDeleteDesktopsError::Conflict(base(
        Some("WKS.0409"),
        Some("desktop is being deleted"),
    ));
    assert_eq!(e.code(), Some("WKS.0409"));
    assert_eq!(e.message(), Some("desktop is being deleted"));
    // The Workspace body has no request id of its own.
    assert_eq!(e.request_id(), None);
    assert_eq!(e.to_string(), "WKS.0409: desktop is being deleted");

    let only_message = BatchDeleteDesktopsError::BadRequest(base(None, Some("bad ids")));
    assert_eq!(only_message.to_string(), "bad ids");
    let only_code = BatchDeleteDesktopsError::NotFound(base(Some("WKS.0404"), None));
    assert_eq!(only_code.to_string(), "WKS.0404");
}

#[test]
fn a_body_without_code_or_message_displays_as_json() {
    let mut body = base(None, None);
    body.encoded_authorization_message = Some("enc-1".into());
    let e = BatchDeleteDesktopsError::Forbidden(body);
    assert_eq!(e.code(), None);
    assert_eq!(e.message(), None);
    assert_eq!(
        e.to_string(),
        r#"{"encoded_authorization_message":"enc-1"}"#
    );
    // Blank fields count as missing.
    let blank = BatchDeleteDesktopsError::Conflict(base(Some(" "), Some("")));
    assert_eq!(blank.to_string(), r#"{"error_code":" ","error_msg":""}"#);
}

#[test]
fn the_client_error_says_status_code_message_and_request_id() {
    let e = api_error(
        409,
        Some("3f2a9c"),
        r#"{"error_code":"WKS.0409","error_msg":"desktop is being deleted"}"#,
    );
    assert_eq!(
        e.to_string(),
        "409 WKS.0409: desktop is being deleted (request id 3f2a9c)"
    );
    assert_eq!(e.status(), Some(StatusCode::CONFLICT));
    assert_eq!(e.code(), Some("WKS.0409"));
    assert_eq!(e.message(), Some("desktop is being deleted"));
    assert_eq!(e.request_id(), Some("3f2a9c"));
    assert!(e.source().is_none());

    // Without code, message or request id.
    let e = api_error(404, None, "{}");
    assert_eq!(e.to_string(), "404 {}");
    assert_eq!((e.code(), e.message(), e.request_id()), (None, None, None));

    // Other failures have no code or message; a decode failure keeps its source.
    let e = api_error(500, Some("r-9"), "not json");
    assert!(matches!(e, Error::Decode { .. }));
    assert_eq!((e.code(), e.message()), (None, None));
    assert_eq!(e.request_id(), Some("r-9"));
    assert!(e.source().is_some());
}

#[test]
fn the_request_id_header_comes_first_then_the_body() {
    let body = r#"{"error_code":"APIC.0404","error_msg":"no such asset","request_id":"body-rid"}"#;
    let raw = |id: Option<&'static str>| {
        let mut headers = HeaderMap::new();
        if let Some(id) = id {
            headers.insert(REQUEST_ID_HEADER, HeaderValue::from_static(id));
        }
        RawResponse {
            status: StatusCode::NOT_FOUND,
            headers,
            body: body.as_bytes().to_vec(),
        }
    };
    let from_body: Error<roma::types::DeleteAssetError> =
        raw(None).error(roma::types::DeleteAssetError::NotFound);
    assert_eq!(from_body.request_id(), Some("body-rid"));
    assert_eq!(
        from_body.to_string(),
        "404 APIC.0404: no such asset (request id body-rid)"
    );
    let from_header: Error<roma::types::DeleteAssetError> =
        raw(Some("header-rid")).error(roma::types::DeleteAssetError::NotFound);
    assert_eq!(from_header.request_id(), Some("header-rid"));
    match &from_header {
        Error::Api(r) => assert_eq!(r.body.request_id(), Some("body-rid")),
        other => panic!("expected Error::Api, got {other:?}"),
    }
    // The generated enum of another service is read the same way.
    let _: &dyn ErrorMetadata =
        &workspace::types::DeleteDesktopVolumesError::Conflict(base(None, None));
}
