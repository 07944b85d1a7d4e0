//! `signing`: the SDK-HMAC-SHA256 core, the client's signer and the
//! server's verifier, on one of the SDK's own vectors (`signing_vectors.rs`
//! has them all).
#![cfg(feature = "sdk-hmac-sha256")]

use std::time::{Duration, UNIX_EPOCH};

use codegen_runtime::signing::*;

// One of the SDK's own vectors (tests/fixtures/sign_vectors.json,
// produced by huaweicloudsdkcore 3.1.219): a path parameter holding a
// space and a `/`, a query, and a security token.
const AK: &str = "HPUAEXAMPLEAK0000001";
const SK: &str = "exampleSecretKey0000000000000000000000001";
const PROJECT: &str = "0123456789abcdef0123456789abcdef";
const TOKEN: &str = "EXAMPLE-SECURITY-TOKEN-xyz";
const DATE: &str = "20240102T030405Z";
const HOST: &str = "workspace.cn-north-4.myhuaweicloud.com";
const PATH: &str =
    "/v2/0123456789abcdef0123456789abcdef/desktops/desk%20top%2F01/volumes/batch-delete";
const QUERY: &str = "alpha=1&force=true&ids=a&ids=b&zeta=a%20b%2Fc~d%2Ae";
const BODY: &str = r#"{"volume_ids": ["vol-0001", "vol-0002"]}"#;
const CANONICAL: &str = "POST\n/v2/0123456789abcdef0123456789abcdef/desktops/desk%20top/01/volumes/batch-delete/\nalpha=1&force=true&ids=a&ids=b&zeta=a%20b%2Fc~d%2Ae\ncontent-type:application/json\nhost:workspace.cn-north-4.myhuaweicloud.com\nx-project-id:0123456789abcdef0123456789abcdef\nx-sdk-date:20240102T030405Z\nx-security-token:EXAMPLE-SECURITY-TOKEN-xyz\n\ncontent-type;host;x-project-id;x-sdk-date;x-security-token\n4682a00ade7df33251096b3537d27aa47d5eca7beb401424dd41d4e9d5234ce2";
const AUTHORIZATION: &str = "SDK-HMAC-SHA256 Access=HPUAEXAMPLEAK0000001, SignedHeaders=content-type;host;x-project-id;x-sdk-date;x-security-token, Signature=6a5fbf54f83532bdcd4c1e74b8888facd8a4d5e59066814a22a60c205647750a";
/// 2024-01-02T03:04:05Z
const SIGNED_AT: u64 = 1_704_164_645;

fn vector_headers() -> Vec<(String, String)> {
    [
        ("content-type", "application/json"),
        ("host", HOST),
        ("x-project-id", PROJECT),
        ("x-sdk-date", DATE),
        ("x-security-token", TOKEN),
    ]
    .iter()
    .map(|(n, v)| (n.to_string(), v.to_string()))
    .collect()
}

#[test]
fn the_core_reproduces_an_sdk_vector() {
    let headers = vector_headers();
    let payload = payload_hash(BODY.as_bytes(), None);
    let message = Message {
        method: "post",
        path: PATH,
        query: QUERY,
        date: DATE,
        headers: &headers,
        payload_hash: &payload,
    };
    let signed = message.sign(SK);
    assert_eq!(signed.canonical_request, CANONICAL);
    assert_eq!(signed.authorization(AK), AUTHORIZATION);
    assert!(verify_signature(
        SK,
        &signed.string_to_sign,
        &signed.signature
    ));
    assert!(verify_signature(
        SK,
        &signed.string_to_sign,
        &signed.signature.to_ascii_uppercase()
    ));
    assert!(!verify_signature(
        "other",
        &signed.string_to_sign,
        &signed.signature
    ));
    assert!(!verify_signature(SK, &signed.string_to_sign, "zz"));
}

#[test]
fn canonical_uris() {
    assert_eq!(canonical_uri("/"), "/");
    assert_eq!(canonical_uri(""), "/");
    assert_eq!(canonical_uri("/a/b/"), "/a/b/");
    assert_eq!(canonical_uri("/a%2Fb/c"), "/a/b/c/");
    assert_eq!(canonical_uri("/a b/*~-._x"), "/a%20b/%2A~-._x/");
    assert_eq!(canonical_uri("/%7e%41+/%C3%A9"), "/~A%2B/%C3%A9/");
    // An invalid UTF-8 escape becomes U+FFFD, as Python's unquote does.
    assert_eq!(canonical_uri("/%FF"), "/%EF%BF%BD/");
}

#[test]
fn canonical_queries() {
    assert_eq!(canonical_query(""), "");
    assert_eq!(canonical_query("b=2&a=1&a=0"), "a=0&a=1&b=2");
    assert_eq!(canonical_query("k&j="), "j=&k=");
    assert_eq!(
        canonical_query("zeta=a+b%2Fc%7Ed*e"),
        "zeta=a%20b%2Fc~d%2Ae"
    );
    assert_eq!(canonical_query("p=%2B"), "p=%2B");
    assert_eq!(
        canonical_query_pairs([("force", "true"), ("a b", "é")]),
        "a%20b=%C3%A9&force=true"
    );
}

#[test]
fn signed_headers_and_payloads() {
    assert_eq!(
        signed_header_names(["X-Sdk-Date", "Host", "x_custom", "content-type", "host"]),
        ["content-type", "host", "x-sdk-date"]
    );
    assert_eq!(
        canonical_headers(&[("Host", " a  b "), ("x-y", "")]),
        "host:a  b\nx-y:\n"
    );
    assert_eq!(payload_hash(b"", Some("abc")), EMPTY_BODY_SHA256);
    assert_eq!(payload_hash(b"", None), hex_sha256(b""));
    assert_eq!(payload_hash(b"x", Some(UNSIGNED_PAYLOAD)), UNSIGNED_PAYLOAD);
    assert_eq!(
        payload_hash(b"abc", None),
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    );
}

#[test]
fn sdk_dates() {
    let at = |secs: u64| UNIX_EPOCH + Duration::from_secs(secs);
    assert_eq!(format_sdk_date(at(0)).unwrap(), "19700101T000000Z");
    assert_eq!(format_sdk_date(at(SIGNED_AT)).unwrap(), DATE);
    assert_eq!(
        format_sdk_date(at(951_782_400)).unwrap(),
        "20000229T000000Z"
    );
    assert_eq!(
        format_sdk_date(at(4_107_542_399)).unwrap(),
        "21000228T235959Z"
    );
    assert_eq!(parse_sdk_date(DATE), Some(at(SIGNED_AT)));
    assert_eq!(
        parse_sdk_date("19691231T235959Z"),
        UNIX_EPOCH.checked_sub(Duration::from_secs(1))
    );
    // Every day for several years round-trips.
    for day in 0..(366 * 9) {
        let t = at(1_577_836_800 + day * 86_400 + 3_723);
        assert_eq!(parse_sdk_date(&format_sdk_date(t).unwrap()), Some(t));
    }
    for bad in [
        "",
        "20240102T030405",
        "20240102 030405Z",
        "2024-1-02T030405Z",
        "20241302T030405Z",
        "20240100T030405Z",
        "20230229T000000Z",
        "21000229T000000Z",
        "20240431T000000Z",
        "20240102T240000Z",
        "20240102T036000Z",
        "20240102T030460Z",
        "+2024010T030405Z",
    ] {
        assert_eq!(parse_sdk_date(bad), None, "{bad}");
    }
    assert!(parse_sdk_date("20240229T235959Z").is_some());
    assert!(format_sdk_date(UNIX_EPOCH - Duration::from_secs(1)).is_none());
}

#[test]
fn authorization_headers_parse() {
    let auth = parse_authorization(AUTHORIZATION).unwrap();
    assert_eq!(auth.access_key, AK);
    assert_eq!(
        auth.signed_headers,
        [
            "content-type",
            "host",
            "x-project-id",
            "x-sdk-date",
            "x-security-token"
        ]
    );
    assert_eq!(
        auth.signature,
        "6a5fbf54f83532bdcd4c1e74b8888facd8a4d5e59066814a22a60c205647750a"
    );
    let sig = "a".repeat(64);
    let reordered = format!("sdk-hmac-sha256 Signature={sig},SignedHeaders=host, Access=K");
    assert_eq!(parse_authorization(&reordered).unwrap().access_key, "K");
    for other in [
        "Bearer x",
        "",
        "SDK-HMAC-SHA256",
        "SDK-HMAC-SHA256X Access=a",
    ] {
        let result = parse_authorization(other);
        if other == "SDK-HMAC-SHA256" {
            assert!(matches!(result, Err(AuthorizationError::Malformed(_))));
        } else {
            assert_eq!(result, Err(AuthorizationError::OtherScheme), "{other}");
        }
    }
    for bad in [
        "SDK-HMAC-SHA256 Access=a, SignedHeaders=host".to_owned(),
        "SDK-HMAC-SHA256 Access=a, SignedHeaders=host, Signature=abc".to_owned(),
        format!("SDK-HMAC-SHA256 Access=, SignedHeaders=host, Signature={sig}"),
        format!("SDK-HMAC-SHA256 Access=a, SignedHeaders=host;;x, Signature={sig}"),
        format!("SDK-HMAC-SHA256 Access=a, Access=b, SignedHeaders=host, Signature={sig}"),
        format!("SDK-HMAC-SHA256 Access=a, Extra=1, SignedHeaders=host, Signature={sig}"),
        format!("SDK-HMAC-SHA256 Access=a SignedHeaders=host Signature={sig}"),
        format!(
            "SDK-HMAC-SHA256 Access=a, SignedHeaders=host, Signature={}",
            "g".repeat(64)
        ),
    ] {
        assert!(
            matches!(
                parse_authorization(&bad),
                Err(AuthorizationError::Malformed(_))
            ),
            "{bad}"
        );
    }
}

#[test]
fn credentials_hide_their_secrets() {
    let creds = AkSk::new(AK, SK)
        .with_project_id(PROJECT)
        .with_security_token(TOKEN);
    let debug = format!("{creds:?}");
    assert!(debug.contains(AK) && debug.contains(PROJECT), "{debug}");
    assert!(!debug.contains(SK) && !debug.contains(TOKEN), "{debug}");
    assert!(!format!("{:?}", AkSk::new(AK, SK)).contains(SK));
}

#[test]
fn credentials_from_the_environment() {
    use std::env::VarError;
    let vars = |pairs: &'static [(&'static str, &'static str)]| {
        move |name: &str| {
            pairs
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| v.to_string())
                .ok_or(VarError::NotPresent)
        }
    };
    let creds = AkSk::from_lookup(vars(&[
        (ENV_AK, "ak"),
        (ENV_SK, "s3cret"),
        (ENV_PROJECT_ID, "p"),
        (ENV_SECURITY_TOKEN, ""),
    ]))
    .unwrap();
    assert_eq!(creds, AkSk::new("ak", "s3cret").with_project_id("p"));
    let e = AkSk::from_lookup(vars(&[(ENV_AK, "ak")])).unwrap_err();
    assert_eq!(e, CredentialsError::Missing(ENV_SK));
    assert!(e.to_string().contains("HUAWEICLOUD_SDK_SK"));
    let e = AkSk::from_lookup(vars(&[(ENV_AK, ""), (ENV_SK, "s3cret")])).unwrap_err();
    assert_eq!(e, CredentialsError::Missing(ENV_AK));
    assert!(!e.to_string().contains("s3cret"));
    let e = AkSk::from_lookup(|name| {
        if name == ENV_SK {
            Err(VarError::NotUnicode("s3cret\u{fffd}".into()))
        } else {
            Ok("x".into())
        }
    })
    .unwrap_err();
    assert_eq!(e, CredentialsError::NotUnicode(ENV_SK));
    assert!(!e.to_string().contains("s3cret"));
    // The real environment: only checks that the call works.
    let _ = AkSk::from_env();
}

#[cfg(feature = "client")]
mod client {
    use std::time::SystemTime;

    use super::*;
    use codegen_runtime::auth::Authenticator;

    fn request(
        method: &str,
        url: &str,
        headers: &[(&str, &str)],
        body: Option<&str>,
    ) -> reqwest::Request {
        let mut r = reqwest::Request::new(method.parse().unwrap(), url.parse().unwrap());
        for (n, v) in headers {
            r.headers_mut().insert(
                reqwest::header::HeaderName::from_bytes(n.as_bytes()).unwrap(),
                v.parse().unwrap(),
            );
        }
        if let Some(body) = body {
            *r.body_mut() = Some(body.to_owned().into());
        }
        r
    }

    fn creds() -> AkSk {
        AkSk::new(AK, SK).with_project_id(PROJECT)
    }

    #[test]
    fn signing_a_request_reproduces_sdk_vectors() {
        let url = format!("https://{HOST}{PATH}?{QUERY}");
        let mut r = request(
            "POST",
            &url,
            &[("Content-Type", "application/json"), ("X-Sdk-Date", DATE)],
            Some(BODY),
        );
        creds()
            .with_security_token(TOKEN)
            .authenticate(&mut r)
            .unwrap();
        let h = r.headers();
        assert_eq!(h["authorization"], AUTHORIZATION);
        assert!(h["authorization"].is_sensitive());
        assert!(h["x-security-token"].is_sensitive());
        assert_eq!(h["x-security-token"], TOKEN);
        assert_eq!(h["x-project-id"], PROJECT);
        assert_eq!(h["host"], HOST);
        assert_eq!(h["x-sdk-date"], DATE);
        assert_eq!(h.len(), 6);

        // ROMA against a local mock: the Host header carries the port.
        let mut r = request(
            "POST",
            "https://127.0.0.1:18080/v2/0123456789abcdef0123456789abcdef/instances/inst-0001/assets/delete",
            &[("Content-Type", "application/json;charset=utf-8"), ("X-Sdk-Date", DATE)],
            Some(r#"{"apps": [{"id": "app-1"}], "tasks": [{"id": "task-1"}, {"id": "task-2"}]}"#),
        );
        creds().authenticate(&mut r).unwrap();
        assert_eq!(r.headers()["host"], "127.0.0.1:18080");
        assert_eq!(
            r.headers()["authorization"],
            "SDK-HMAC-SHA256 Access=HPUAEXAMPLEAK0000001, SignedHeaders=content-type;host;x-project-id;x-sdk-date, Signature=a6428d5addf3ae115db82acfb7c41dd5a5bb5e6b6af369459bbe65626965e6a7"
        );

        // A GET without a body signs the empty body's hash.
        let mut r = request(
            "GET",
            &format!("https://{HOST}/v2/{PROJECT}/desktops?limit=10&offset=0"),
            &[("Content-Type", "application/json"), ("X-Sdk-Date", DATE)],
            None,
        );
        creds().authenticate(&mut r).unwrap();
        assert_eq!(
            r.headers()["authorization"],
            "SDK-HMAC-SHA256 Access=HPUAEXAMPLEAK0000001, SignedHeaders=content-type;host;x-project-id;x-sdk-date, Signature=d06d1c028ce13f669dbee2ff5ac00e492a3f743d431dfff1c27b2dc7119eed2a"
        );
    }

    #[test]
    fn signing_adds_date_and_host() {
        let mut r = request("POST", "http://localhost:80/x", &[], Some("{}"));
        let before = SystemTime::now();
        AkSk::new(AK, SK).authenticate(&mut r).unwrap();
        let h = r.headers();
        assert_eq!(h["host"], "localhost");
        let date = parse_sdk_date(h["x-sdk-date"].to_str().unwrap()).unwrap();
        let skew = before.duration_since(date).unwrap_or_else(|e| e.duration());
        assert!(skew < Duration::from_secs(5), "{skew:?}");
        assert!(h["authorization"]
            .to_str()
            .unwrap()
            .contains("SignedHeaders=host;x-sdk-date,"));
        assert!(!h.contains_key("x-project-id"));

        // Non-JSON bodies are not hashed, as in the SDK.
        let mut r = request(
            "PUT",
            "http://[::1]:8080/x",
            &[("content-type", "text/plain")],
            Some("hi"),
        );
        AkSk::new(AK, SK).authenticate(&mut r).unwrap();
        assert_eq!(r.headers()["host"], "[::1]:8080");
        assert_eq!(r.headers()["x-sdk-content-sha256"], UNSIGNED_PAYLOAD);

        // A bad preset date is refused.
        let mut r = request("GET", "http://h/x", &[("x-sdk-date", "yesterday")], None);
        let e = AkSk::new(AK, SK).authenticate(&mut r).unwrap_err();
        assert!(e.0.contains("X-Sdk-Date"));
    }

    #[test]
    fn a_preset_authorization_is_left_alone() {
        let mut r = request("GET", "http://h/x", &[("authorization", "Bearer t")], None);
        creds().authenticate(&mut r).unwrap();
        let h = r.headers();
        assert_eq!(h["authorization"], "Bearer t");
        assert_eq!(h["x-project-id"], PROJECT);
        assert!(!h.contains_key("x-sdk-date"));
        assert!(!h.contains_key("host"));
    }

    #[test]
    fn errors_never_show_the_secret() {
        let mut r = request("GET", "http://h/x", &[], None);
        let e = AkSk::new("bad\nak", SK).authenticate(&mut r).unwrap_err();
        assert!(!e.to_string().contains(SK));
        let mut r = request("GET", "http://h/x", &[], None);
        let e = AkSk::new(AK, SK)
            .with_security_token("bad\ntoken")
            .authenticate(&mut r)
            .unwrap_err();
        assert!(!e.to_string().contains("bad"), "{e}");
    }
}

#[cfg(feature = "server")]
mod server {
    use std::collections::HashMap;
    use std::time::SystemTime;

    use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, Uri};

    use super::*;
    use codegen_runtime::server::{
        AnyOf, AuthError, Authenticate, HeadVerdict, HeaderTokens, Identity, RequestHead,
        RequestParts,
    };

    fn keys() -> HashMap<String, String> {
        HashMap::from([(AK.to_owned(), SK.to_owned())])
    }

    fn at_signing_time() -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(SIGNED_AT)
    }

    fn sixteen_minutes_later() -> SystemTime {
        at_signing_time() + Duration::from_secs(16 * 60)
    }

    fn fourteen_minutes_earlier() -> SystemTime {
        at_signing_time() - Duration::from_secs(14 * 60)
    }

    /// The vector's request, as a server receives it.
    struct Wire {
        method: Method,
        uri: Uri,
        headers: HeaderMap,
        body: Vec<u8>,
    }

    impl Wire {
        fn vector() -> Self {
            let mut headers = HeaderMap::new();
            for (n, v) in vector_headers() {
                headers.insert(
                    HeaderName::from_bytes(n.as_bytes()).unwrap(),
                    v.parse().unwrap(),
                );
            }
            headers.insert("authorization", HeaderValue::from_static(AUTHORIZATION));
            Wire {
                method: Method::POST,
                uri: format!("{PATH}?{QUERY}").parse().unwrap(),
                headers,
                body: BODY.as_bytes().to_vec(),
            }
        }

        fn check(&self, auth: &dyn Authenticate) -> Result<Identity, AuthError> {
            auth.authenticate(&RequestParts {
                method: &self.method,
                uri: &self.uri,
                headers: &self.headers,
                body: &self.body,
            })
        }

        /// The head alone, with the body's length as the framing tells it.
        fn head(
            &self,
            auth: &dyn Authenticate,
            body_length: Option<u64>,
        ) -> Result<HeadVerdict, AuthError> {
            auth.authenticate_head(&RequestHead {
                method: &self.method,
                uri: &self.uri,
                headers: &self.headers,
                body_length,
            })
        }
    }

    /// The head needs the body; this finishes the check with `body`.
    #[track_caller]
    fn needs_body(
        verdict: Result<HeadVerdict, AuthError>,
        body: &[u8],
    ) -> Result<Identity, AuthError> {
        match verdict {
            Ok(HeadVerdict::NeedsBody(check)) => check.finish(body),
            other => panic!("expected the body to be needed: {other:?}"),
        }
    }

    #[test]
    fn the_head_is_checked_before_the_body_is_needed() {
        let length = Some(BODY.len() as u64);
        // Without X-Sdk-Content-Sha256 the signature covers the body's hash:
        // the head passes, the body decides.
        let w = Wire::vector();
        assert_eq!(
            needs_body(w.head(&verifier(), length), BODY.as_bytes())
                .unwrap()
                .principal,
            AK
        );
        assert_invalid(needs_body(w.head(&verifier(), None), b"{}"), "other body");
        // What the head tells is refused from the head.
        let unknown = AkSkVerifier::new(HashMap::from([("OTHER".to_owned(), SK.to_owned())]))
            .with_clock(at_signing_time);
        assert!(matches!(
            w.head(&unknown, length),
            Err(AuthError::Invalid(_))
        ));
        let stale = verifier().with_clock(sixteen_minutes_later);
        assert!(matches!(w.head(&stale, length), Err(AuthError::Invalid(_))));
        let mut missing = Wire::vector();
        missing.headers.remove("x-project-id");
        assert!(matches!(
            missing.head(&verifier(), length),
            Err(AuthError::Invalid(_))
        ));
        // An announced empty body is decided at once (the vector signed one).
        assert!(matches!(
            w.head(&verifier(), Some(0)),
            Err(AuthError::Invalid(_))
        ));

        // With the body's hash in X-Sdk-Content-Sha256 (unsigned here, so
        // the signature still holds), the signature is checked from the head.
        let mut declared = Wire::vector();
        declared.headers.insert(
            "x-sdk-content-sha256",
            hex_sha256(BODY.as_bytes()).parse().unwrap(),
        );
        assert!(needs_body(declared.head(&verifier(), length), BODY.as_bytes()).is_ok());
        assert!(needs_body(declared.head(&verifier(), None), BODY.as_bytes()).is_ok());
        assert_invalid(
            needs_body(declared.head(&verifier(), length), b"{\"volume_ids\": []}"),
            "body other than declared",
        );
        let mut wrong = Wire::vector();
        wrong.headers.insert(
            "x-sdk-content-sha256",
            hex_sha256(b"other").parse().unwrap(),
        );
        assert!(matches!(
            wrong.head(&verifier(), length),
            Err(AuthError::Invalid(_))
        ));
        assert!(matches!(
            wrong.head(&verifier(), None),
            Err(AuthError::Invalid(_))
        ));
        wrong.headers.insert(
            "x-sdk-content-sha256",
            HeaderValue::from_static(UNSIGNED_PAYLOAD),
        );
        assert!(matches!(
            wrong.head(&verifier(), length),
            Err(AuthError::Invalid(_))
        ));
    }

    #[test]
    fn any_of_keeps_its_order_across_the_body() {
        let token = || -> std::sync::Arc<dyn Authenticate> {
            std::sync::Arc::new(HeaderTokens::new(
                "token",
                "X-Auth-Token",
                ["t1".to_owned()],
            ))
        };
        let signature_first = AnyOf(vec![std::sync::Arc::new(verifier()), token()]);
        let mut w = Wire::vector();
        w.headers
            .insert("x-auth-token", HeaderValue::from_static("t1"));
        let length = Some(BODY.len() as u64);
        // The signature comes first: it wins when the body verifies, the
        // token otherwise.
        let with_body = needs_body(w.head(&signature_first, length), BODY.as_bytes());
        assert_eq!(with_body.unwrap().scheme, "aksk");
        let other_body = needs_body(w.head(&signature_first, length), b"{}");
        assert_eq!(other_body.unwrap().scheme, "token");
        // The token comes first: decided from the head.
        let token_first = AnyOf(vec![token(), std::sync::Arc::new(verifier())]);
        assert!(matches!(
            w.head(&token_first, length),
            Ok(HeadVerdict::Accepted(Identity { scheme, .. })) if scheme == "token"
        ));
        // Neither: the signature's refusal, after the body.
        w.headers
            .insert("x-auth-token", HeaderValue::from_static("t2"));
        assert_invalid(
            needs_body(w.head(&signature_first, length), b"{}"),
            "neither",
        );
    }

    #[test]
    fn a_repeated_authorization_header_is_refused() {
        let mut w = Wire::vector();
        w.headers
            .append("authorization", HeaderValue::from_static("Bearer abc"));
        assert_invalid(w.check(&verifier()), "two Authorization headers");
        let mut w = Wire::vector();
        w.headers
            .append("authorization", HeaderValue::from_static(AUTHORIZATION));
        assert_invalid(w.check(&verifier()), "the same signature twice");
        let received = [
            ("authorization", AUTHORIZATION),
            ("Authorization", AUTHORIZATION),
        ];
        let plain = Received {
            method: "POST",
            target: PATH,
            headers: &received,
            body: BODY.as_bytes(),
        };
        assert_invalid(verifier().verify(&plain), "plain text");
    }

    fn verifier() -> AkSkVerifier<HashMap<String, String>> {
        AkSkVerifier::new(keys()).with_clock(at_signing_time)
    }

    fn assert_invalid(result: Result<Identity, AuthError>, what: &str) {
        match result {
            Err(AuthError::Invalid(why)) => assert!(!why.contains(SK), "{what}: {why}"),
            other => panic!("{what}: {other:?}"),
        }
    }

    #[test]
    fn an_sdk_signed_request_verifies() {
        let identity = Wire::vector().check(&verifier()).unwrap();
        assert_eq!(
            identity,
            Identity {
                scheme: "aksk".into(),
                principal: AK.into()
            }
        );
        let received: Vec<(String, String)> = Wire::vector()
            .headers
            .iter()
            .map(|(n, v)| (n.to_string(), v.to_str().unwrap().to_owned()))
            .collect();
        let received: Vec<(&str, &str)> = received
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_str()))
            .collect();
        let target = format!("{PATH}?{QUERY}");
        let plain = Received {
            method: "POST",
            target: &target,
            headers: &received,
            body: BODY.as_bytes(),
        };
        assert_eq!(verifier().verify(&plain).unwrap().principal, AK);
        // Within 15 minutes either way.
        assert!(Wire::vector()
            .check(&verifier().with_clock(fourteen_minutes_earlier))
            .is_ok());
    }

    #[test]
    fn tampering_is_refused() {
        let v = verifier();
        let mut w = Wire::vector();
        w.body[3] ^= 1;
        assert_invalid(w.check(&v), "body");
        let mut w = Wire::vector();
        w.uri = format!("{PATH}x?{QUERY}").parse().unwrap();
        assert_invalid(w.check(&v), "path");
        let mut w = Wire::vector();
        w.uri = format!("{PATH}?{QUERY}&extra=1").parse().unwrap();
        assert_invalid(w.check(&v), "query");
        let mut w = Wire::vector();
        w.method = Method::PUT;
        assert_invalid(w.check(&v), "method");
        let mut w = Wire::vector();
        w.headers
            .insert("x-project-id", HeaderValue::from_static("other"));
        assert_invalid(w.check(&v), "header");
        let mut w = Wire::vector();
        w.headers
            .insert("host", HeaderValue::from_static("evil.example.com"));
        assert_invalid(w.check(&v), "host");
        let mut w = Wire::vector();
        w.headers.remove("content-type");
        assert_invalid(w.check(&v), "missing signed header");
        let mut w = Wire::vector();
        w.headers.insert(
            "x-sdk-content-sha256",
            HeaderValue::from_static(UNSIGNED_PAYLOAD),
        );
        w.body[3] ^= 1;
        assert_invalid(w.check(&v), "unsigned payload");
        let mut w = Wire::vector();
        w.headers
            .insert("x-sdk-date", HeaderValue::from_static("20240102T030406Z"));
        assert_invalid(w.check(&v), "date");
    }

    #[test]
    fn wrong_keys_and_stale_dates_are_refused() {
        let w = Wire::vector();
        let wrong = AkSkVerifier::new(HashMap::from([(AK.to_owned(), "wrong".to_owned())]))
            .with_clock(at_signing_time);
        assert_invalid(w.check(&wrong), "wrong SK");
        let unknown = AkSkVerifier::new(HashMap::from([("OTHER".to_owned(), SK.to_owned())]))
            .with_clock(at_signing_time);
        assert_invalid(w.check(&unknown), "unknown AK");
        assert_invalid(
            w.check(&verifier().with_clock(sixteen_minutes_later)),
            "old date",
        );
        assert_invalid(w.check(&AkSkVerifier::new(keys())), "real clock");
        assert!(w
            .check(
                &verifier()
                    .with_clock(sixteen_minutes_later)
                    .with_max_skew(Duration::from_secs(17 * 60))
            )
            .is_ok());
        let mut w = Wire::vector();
        w.headers.remove("x-sdk-date");
        assert_invalid(w.check(&verifier()), "no date");
        let mut w = Wire::vector();
        w.headers.insert(
            "authorization",
            HeaderValue::from_static("SDK-HMAC-SHA256 Access=HPUAEXAMPLEAK0000001"),
        );
        assert_invalid(w.check(&verifier()), "malformed");
    }

    #[test]
    fn without_an_sdk_signature_credentials_are_missing() {
        let mut w = Wire::vector();
        w.headers.remove("authorization");
        assert_eq!(w.check(&verifier()), Err(AuthError::Missing));
        w.headers
            .insert("authorization", HeaderValue::from_static("Bearer abc"));
        assert_eq!(w.check(&verifier()), Err(AuthError::Missing));

        // With token auth beside it: either scheme is accepted, and a bad
        // signature is reported even when no token was sent.
        let both = AnyOf(vec![
            std::sync::Arc::new(verifier()),
            std::sync::Arc::new(HeaderTokens::new(
                "token",
                "X-Auth-Token",
                ["t1".to_owned()],
            )),
        ]);
        w.headers.remove("authorization");
        assert_eq!(w.check(&both), Err(AuthError::Missing));
        w.headers
            .insert("x-auth-token", HeaderValue::from_static("t1"));
        assert_eq!(w.check(&both).unwrap().scheme, "token");
        let mut w = Wire::vector();
        assert_eq!(w.check(&both).unwrap().scheme, "aksk");
        w.body[0] = b' ';
        assert_invalid(w.check(&both), "AnyOf");
    }

    #[test]
    fn host_falls_back_to_the_authority_and_must_be_signed() {
        // HTTP/2 carries the host as the :authority, in the URI.
        let mut w = Wire::vector();
        w.headers.remove("host");
        assert_invalid(w.check(&verifier()), "no host");
        w.uri = format!("https://{HOST}{PATH}?{QUERY}").parse().unwrap();
        assert!(w.check(&verifier()).is_ok());

        // A signature that leaves Host out is refused.
        let headers = vec![("x-sdk-date".to_owned(), DATE.to_owned())];
        let message = Message {
            method: "GET",
            path: "/x",
            query: "",
            date: DATE,
            headers: &headers,
            payload_hash: EMPTY_BODY_SHA256,
        };
        let auth = message.sign(SK).authorization(AK);
        let received = [("x-sdk-date", DATE), ("authorization", auth.as_str())];
        let plain = Received {
            method: "GET",
            target: "/x",
            headers: &received,
            body: b"",
        };
        assert_invalid(verifier().verify(&plain), "host not signed");
    }

    #[test]
    fn the_verifier_hides_its_keys() {
        let debug = format!("{:?}", verifier());
        assert!(!debug.contains(SK) && !debug.contains(AK), "{debug}");
    }
}

#[cfg(all(feature = "client", feature = "server"))]
mod round_trip {
    use std::collections::HashMap;
    use std::time::SystemTime;

    use super::*;
    use codegen_runtime::auth::Authenticator;
    use codegen_runtime::server::{AuthError, Authenticate, RequestParts};

    fn signed(creds: &AkSk, date: Option<&str>) -> reqwest::Request {
        let mut r = reqwest::Request::new(
            reqwest::Method::DELETE,
            "http://127.0.0.1:8080/v1/p/audit/instance?x=a+b&y=%7E"
                .parse()
                .unwrap(),
        );
        r.headers_mut().insert(
            reqwest::header::CONTENT_TYPE,
            "application/json;charset=utf-8".parse().unwrap(),
        );
        if let Some(date) = date {
            r.headers_mut().insert("x-sdk-date", date.parse().unwrap());
        }
        *r.body_mut() = Some(r#"{"id": "i"}"#.into());
        creds.authenticate(&mut r).unwrap();
        r
    }

    fn check(r: &reqwest::Request, keys: &[(&str, &str)]) -> Result<String, AuthError> {
        let keys: HashMap<String, String> = keys
            .iter()
            .map(|(a, s)| (a.to_string(), s.to_string()))
            .collect();
        let uri: axum::http::Uri = r.url().as_str().parse().unwrap();
        let body = r.body().and_then(|b| b.as_bytes()).unwrap_or_default();
        AkSkVerifier::new(keys)
            .authenticate(&RequestParts {
                method: r.method(),
                uri: &uri,
                headers: r.headers(),
                body,
            })
            .map(|i| i.principal)
    }

    #[test]
    fn what_the_client_signs_the_server_accepts() {
        let creds = AkSk::new("AK1", "sk1")
            .with_project_id("p")
            .with_security_token("tok");
        let r = signed(&creds, None);
        assert_eq!(check(&r, &[("AK1", "sk1")]), Ok("AK1".to_owned()));
        assert!(matches!(
            check(&r, &[("AK1", "sk2")]),
            Err(AuthError::Invalid(_))
        ));
        assert!(matches!(
            check(&r, &[("AK2", "sk1")]),
            Err(AuthError::Invalid(_))
        ));
        let old = format_sdk_date(SystemTime::now() - Duration::from_secs(16 * 60)).unwrap();
        let r = signed(&creds, Some(&old));
        assert!(matches!(
            check(&r, &[("AK1", "sk1")]),
            Err(AuthError::Invalid(_))
        ));
        let r = reqwest::Request::new(reqwest::Method::GET, "http://h/".parse().unwrap());
        assert_eq!(check(&r, &[("AK1", "sk1")]), Err(AuthError::Missing));
    }
}
