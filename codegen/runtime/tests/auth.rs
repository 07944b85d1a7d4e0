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

#[test]
fn credentials_carry_named_values_only_where_they_have_them() {
    use codegen_runtime::client::ClientConfig;

    // An API key carries nothing besides its secret.
    let key = ApiKeyHeader::new("X-Auth-Token", "s3cret").unwrap();
    assert_eq!(key.credential("project_id"), None);
    let config = ClientConfig::new("http://localhost").with_auth(key);
    assert_eq!(config.credential("project_id"), None);
    assert_eq!(
        ClientConfig::new("http://localhost").credential("project_id"),
        None
    );

    #[cfg(feature = "sdk-hmac-sha256")]
    {
        use codegen_runtime::signing::AkSk;
        let without = AkSk::new("AK", "SK");
        assert_eq!(without.credential("project_id"), None);
        let config =
            ClientConfig::new("http://localhost").with_auth(without.with_project_id("p-1"));
        assert_eq!(config.credential("project_id"), Some("p-1"));
        // Only the names it knows; never the secret.
        assert_eq!(config.credential("sk"), None);
        assert_eq!(config.credential("ak"), None);
    }
}
