//! The credential chain: explicit credentials, then the environment, then
//! the profile file; what each source gives, which wins, and the errors for
//! half-set and malformed sources. Every test gives the chain its own
//! environment and home directory; none reads or changes the real ones.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use codegen_runtime::auth::{Authenticator, Environment};
use codegen_runtime::client::ClientConfig;
use codegen_runtime::credentials::{
    Credentials, CredentialsChain, CredentialsError, IamToken, Source,
};
use codegen_runtime::signing::AkSk;

const SK: &str = "s3cret-SK-value";
const TOKEN: &str = "temporary-security-token-value";

/// A fresh directory below the system's temporary directory, removed when
/// dropped.
struct Home(PathBuf);

impl Home {
    fn new() -> Home {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "codegen-runtime-credentials-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&dir).unwrap();
        Home(dir)
    }

    /// Writes `~/.huaweicloud/credentials`.
    fn with_profile(self, text: &str) -> Home {
        let dir = self.0.join(".huaweicloud");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("credentials"), text).unwrap();
        self
    }

    fn profile(&self) -> PathBuf {
        self.0.join(".huaweicloud").join("credentials")
    }
}

impl Drop for Home {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn env(vars: &[(&str, &str)], home: Option<&Path>) -> Environment {
    let vars: HashMap<String, String> = vars
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    Environment::new(
        move |name| {
            vars.get(name)
                .cloned()
                .ok_or(std::env::VarError::NotPresent)
        },
        home.map(Path::to_owned),
    )
}

fn chain(vars: &[(&str, &str)], home: &Home) -> CredentialsChain {
    CredentialsChain::with_environment(env(vars, Some(&home.0)))
}

fn aksk(found: Credentials) -> AkSk {
    match found {
        Credentials::AkSk(c) => c,
        other => panic!("expected AK/SK credentials, got {other:?}"),
    }
}

#[test]
fn explicit_credentials_win_over_everything() {
    let home = Home::new().with_profile("[basic]\nak = FILEAK\nsk = filesk\n");
    let explicit = Credentials::from(AkSk::new("MINE", SK).with_project_id("p0"));
    let found = chain(
        &[
            ("HUAWEICLOUD_SDK_AK", "ENVAK"),
            ("HUAWEICLOUD_SDK_SK", "envsk"),
        ],
        &home,
    )
    .explicit(Some(explicit.clone()))
    .resolve()
    .unwrap();
    assert_eq!(found, explicit);
}

#[test]
fn the_environment_gives_ak_sk_with_project_domain_and_token() {
    let home = Home::new();
    let found = chain(
        &[
            ("HUAWEICLOUD_SDK_AK", "ENVAK"),
            ("HUAWEICLOUD_SDK_SK", SK),
            ("HUAWEICLOUD_SDK_PROJECT_ID", "project-1"),
            ("HUAWEICLOUD_SDK_DOMAIN_ID", "domain-1"),
            ("HUAWEICLOUD_SDK_SECURITY_TOKEN", TOKEN),
        ],
        &home,
    )
    .resolve()
    .unwrap();
    assert_eq!(found.project_id(), Some("project-1"));
    assert_eq!(found.domain_id(), Some("domain-1"));
    assert_eq!(
        aksk(found),
        AkSk::new("ENVAK", SK)
            .with_project_id("project-1")
            .with_domain_id("domain-1")
            .with_security_token(TOKEN)
    );
}

#[test]
fn the_environment_wins_over_the_profile_file() {
    let home = Home::new().with_profile("[basic]\nak = FILEAK\nsk = filesk\n");
    let found = chain(
        &[("HUAWEICLOUD_SDK_AK", "ENVAK"), ("HUAWEICLOUD_SDK_SK", SK)],
        &home,
    )
    .resolve()
    .unwrap();
    assert_eq!(aksk(found).ak, "ENVAK");
}

#[test]
fn the_basic_profile_section_is_project_scoped() {
    let home = Home::new().with_profile(
        "# written by hand\n[basic]\nak = FILEAK\nsk = filesk\nproject_id = p-basic\nsecurity_token = tok\n\n; global too\n[global]\nak = GLOBALAK\nsk = globalsk\ndomain_id = d-global\n",
    );
    let found = aksk(chain(&[], &home).resolve().unwrap());
    assert_eq!(
        found,
        AkSk::new("FILEAK", "filesk")
            .with_project_id("p-basic")
            .with_security_token("tok")
    );
}

#[test]
fn the_global_profile_section_is_domain_scoped() {
    let home = Home::new().with_profile(
        "[global]\nAK: GLOBALAK\nSK: globalsk\ndomain_id: d-global\nproject_id = ignored\n",
    );
    let found = chain(&[], &home).resolve().unwrap();
    assert_eq!(found.domain_id(), Some("d-global"));
    assert_eq!(found.project_id(), None);
    assert_eq!(aksk(found).ak, "GLOBALAK");
}

#[test]
fn the_credentials_file_variable_names_another_file() {
    let home = Home::new().with_profile("[basic]\nak = HOMEAK\nsk = homesk\n");
    let other = home.0.join("elsewhere.ini");
    std::fs::write(&other, "[basic]\nak = OTHERAK\nsk = othersk\n").unwrap();
    let found = chain(
        &[("HUAWEICLOUD_SDK_CREDENTIALS_FILE", other.to_str().unwrap())],
        &home,
    )
    .resolve()
    .unwrap();
    assert_eq!(aksk(found).ak, "OTHERAK");

    // A named file that does not exist is an error, not a silent skip.
    let missing = home.0.join("missing.ini");
    let e = chain(
        &[(
            "HUAWEICLOUD_SDK_CREDENTIALS_FILE",
            missing.to_str().unwrap(),
        )],
        &home,
    )
    .resolve()
    .unwrap_err();
    assert!(
        matches!(&e, CredentialsError::Unreadable { path, .. } if *path == missing),
        "{e:?}"
    );
    assert!(e.to_string().contains("missing.ini"), "{e}");
}

#[test]
fn nothing_found_says_where_it_looked() {
    let home = Home::new();
    let e = chain(&[], &home).resolve().unwrap_err();
    assert_eq!(
        e,
        CredentialsError::NotFound {
            file: Some(home.profile())
        }
    );
    let message = e.to_string();
    for needle in [
        "HUAWEICLOUD_SDK_AK",
        "HUAWEICLOUD_SDK_SK",
        "HUAWEICLOUD_SDK_CREDENTIALS_FILE",
        home.profile().to_str().unwrap(),
    ] {
        assert!(message.contains(needle), "{needle} in {message}");
    }

    let e = CredentialsChain::with_environment(env(&[], None))
        .resolve()
        .unwrap_err();
    assert_eq!(e, CredentialsError::NotFound { file: None });
    assert!(e.to_string().contains("no home directory"), "{e}");

    // A file without either section counts as not found.
    let home = Home::new().with_profile("[other]\nak = X\nsk = y\n");
    let e = chain(&[], &home).resolve().unwrap_err();
    assert!(
        matches!(e, CredentialsError::NotFound { file: Some(_) }),
        "{e:?}"
    );
}

#[test]
fn half_set_environment_is_an_error_naming_the_missing_variable() {
    let home = Home::new().with_profile("[basic]\nak = FILEAK\nsk = filesk\n");
    let e = chain(&[("HUAWEICLOUD_SDK_AK", "ENVAK")], &home)
        .resolve()
        .unwrap_err();
    assert_eq!(
        e,
        CredentialsError::Incomplete {
            source: Source::Environment,
            present: "HUAWEICLOUD_SDK_AK",
            missing: "HUAWEICLOUD_SDK_SK",
        }
    );
    assert_eq!(
        e.to_string(),
        "incomplete credentials in the environment: HUAWEICLOUD_SDK_AK is set but HUAWEICLOUD_SDK_SK is not"
    );
    let e = chain(&[("HUAWEICLOUD_SDK_SK", SK)], &home)
        .resolve()
        .unwrap_err();
    assert!(e
        .to_string()
        .contains("HUAWEICLOUD_SDK_SK is set but HUAWEICLOUD_SDK_AK is not"));
    assert!(!e.to_string().contains(SK));
}

#[test]
fn a_variable_that_is_not_unicode_is_named() {
    let home = Home::new();
    let environment = Environment::new(
        |name| match name {
            "HUAWEICLOUD_SDK_AK" => Err(std::env::VarError::NotUnicode("\u{fffd}".into())),
            _ => Err(std::env::VarError::NotPresent),
        },
        Some(home.0.clone()),
    );
    let e = CredentialsChain::with_environment(environment)
        .resolve()
        .unwrap_err();
    assert_eq!(
        e,
        CredentialsError::NotUnicode {
            variable: "HUAWEICLOUD_SDK_AK"
        }
    );
}

#[test]
fn a_half_set_profile_section_names_file_and_section() {
    let home = Home::new().with_profile("[basic]\nak = FILEAK\nproject_id = p\n");
    let e = chain(&[], &home).resolve().unwrap_err();
    assert_eq!(
        e,
        CredentialsError::Incomplete {
            source: Source::Profile {
                path: home.profile(),
                section: "basic".into()
            },
            present: "ak",
            missing: "sk",
        }
    );
    assert_eq!(
        e.to_string(),
        format!(
            "incomplete credentials in section [basic] of {}: ak is set but sk is not",
            home.profile().display()
        )
    );

    let home = Home::new().with_profile("[global]\n\ndomain_id = d\n");
    let e = chain(&[], &home).resolve().unwrap_err();
    assert_eq!(
        e.to_string(),
        format!(
            "{}:1: section [global] has neither `ak` nor `sk`",
            home.profile().display()
        )
    );
}

#[test]
fn a_malformed_profile_file_is_reported_with_its_line_and_no_secret() {
    let cases: &[(&str, usize, &str)] = &[
        (
            "ak = X\n[basic]\n",
            1,
            "key `ak` comes before any [section]",
        ),
        (
            "[basic]\nak = X\nsk = s3cret-SK-value\nthis line has no separator s3cret-SK-value\n",
            4,
            "expected `[section]`, `key = value` or a comment",
        ),
        (
            "[basic]\nak = X\nsk = a\nsk = s3cret-SK-value\n",
            4,
            "key `sk` is repeated in section [basic] (first on line 3)",
        ),
        (
            "[basic]\nak = X\n[basic]\n",
            3,
            "section [basic] is repeated",
        ),
        ("\n\n[basic\n", 3, "a section header must end with `]`"),
        ("[ ]\n", 1, "a section header without a name"),
        (
            "[basic]\nak = X\nsk = s3cret\n  -SK-value\n",
            4,
            "an indented line (a continued value) is not supported",
        ),
        (
            "[basic]\n= s3cret-SK-value\n",
            2,
            "expected `[section]`, `key = value` or a comment",
        ),
    ];
    for (text, line, message) in cases {
        let home = Home::new().with_profile(text);
        let e = chain(&[], &home).resolve().unwrap_err();
        assert_eq!(
            e,
            CredentialsError::Malformed {
                path: home.profile(),
                line: *line,
                message: (*message).to_owned(),
            },
            "{text:?}"
        );
        let shown = e.to_string();
        assert_eq!(
            shown,
            format!("{}:{line}: {message}", home.profile().display())
        );
        assert!(!shown.contains(SK), "{shown}");
    }

    let home = Home::new();
    std::fs::create_dir_all(home.0.join(".huaweicloud")).unwrap();
    std::fs::write(home.profile(), b"[basic]\nak = \xff\n").unwrap();
    let e = chain(&[], &home).resolve().unwrap_err();
    assert!(
        e.to_string().ends_with(": the file is not UTF-8 text"),
        "{e}"
    );
}

#[test]
fn secrets_never_show_in_debug_output() {
    let aksk = Credentials::from(
        AkSk::new("SHOWNAK", SK)
            .with_project_id("p")
            .with_security_token(TOKEN),
    );
    let token = Credentials::from(IamToken::new("iam-token-secret").with_project_id("p"));
    for shown in [
        format!("{aksk:?}"),
        format!("{token:?}"),
        format!(
            "{:?}",
            ClientConfig::new("https://x").with_credentials(aksk.clone())
        ),
    ] {
        for secret in [SK, TOKEN, "iam-token-secret"] {
            assert!(!shown.contains(secret), "{secret} in {shown}");
        }
    }
    assert!(format!("{aksk:?}").contains("SHOWNAK"));
}

#[test]
fn credentials_answer_project_and_domain_ids_through_the_config() {
    let config = ClientConfig::new("https://example.test").with_credentials(
        AkSk::new("AK", SK)
            .with_project_id("project-9")
            .with_domain_id("domain-9"),
    );
    assert_eq!(config.credential("project_id"), Some("project-9"));
    assert_eq!(config.credential("domain_id"), Some("domain-9"));
    assert_eq!(config.credential("sk"), None);
    assert_eq!(config.credential("security_token"), None);

    let config = ClientConfig::new("https://example.test")
        .with_credentials(Credentials::token("t").with_project_id("project-t"));
    assert_eq!(config.credential("project_id"), Some("project-t"));
    assert_eq!(config.credential("domain_id"), None);

    assert_eq!(
        ClientConfig::new("https://example.test").credential("project_id"),
        None
    );
}

#[test]
fn a_token_is_sent_as_x_auth_token_and_ak_sk_signs() {
    let mut request = reqwest::Request::new(
        reqwest::Method::GET,
        "https://example.test/v1/p/things".parse().unwrap(),
    );
    Credentials::token("the-token")
        .authenticate(&mut request)
        .unwrap();
    assert_eq!(request.headers()["x-auth-token"], "the-token");
    assert!(request.headers()["x-auth-token"].is_sensitive());
    assert!(!request.headers().contains_key("authorization"));

    let mut request = reqwest::Request::new(
        reqwest::Method::GET,
        "https://example.test/v1/p/things".parse().unwrap(),
    );
    Credentials::ak_sk("AK", SK)
        .with_project_id("p")
        .authenticate(&mut request)
        .unwrap();
    let authorization = request.headers()["authorization"].to_str().unwrap();
    assert!(
        authorization.starts_with("SDK-HMAC-SHA256 Access=AK, "),
        "{authorization}"
    );
    assert_eq!(request.headers()["x-project-id"], "p");

    let mut request = reqwest::Request::new(
        reqwest::Method::GET,
        "https://example.test/v3/things".parse().unwrap(),
    );
    AkSk::new("AK", SK)
        .with_domain_id("d")
        .authenticate(&mut request)
        .unwrap();
    assert_eq!(request.headers()["x-domain-id"], "d");
    let authorization = request.headers()["authorization"].to_str().unwrap();
    assert!(authorization.contains("x-domain-id"), "{authorization}");

    let e = Credentials::token("bad\ntoken")
        .authenticate(&mut request)
        .unwrap_err();
    assert!(!e.to_string().contains("bad\ntoken"), "{e}");
}
