//! `auth`: the client-side authenticators.
#![cfg(feature = "client")]

use codegen_runtime::auth::{ApiKeyHeader, Authenticator};

#[test]
fn api_key_sets_its_header_and_hides_its_value() {
    let auth = ApiKeyHeader::new("X-Auth-Token", "s3cret").unwrap();
    assert!(!format!("{auth:?}").contains("s3cret"));
    let mut req = reqwest::Request::new(reqwest::Method::GET, "http://localhost/".parse().unwrap());
    auth.authenticate(&mut req).unwrap();
    assert_eq!(req.headers()["x-auth-token"], "s3cret");
    assert!(req.headers()["x-auth-token"].is_sensitive());
}

#[test]
fn api_key_rejects_bad_input() {
    assert!(ApiKeyHeader::new("bad header", "v").is_err());
    assert!(ApiKeyHeader::new("X-Auth-Token", "line\nbreak").is_err());
}
