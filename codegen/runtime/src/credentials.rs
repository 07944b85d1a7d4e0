//! Credentials for Huawei Cloud APIs and where they come from, as the
//! official SDKs (`huaweicloudsdkcore`) find them.
//!
//! [`Credentials`] is what a client signs or authenticates with: an AK/SK
//! pair ([`AkSk`], the usual choice: every request is signed with
//! `SDK-HMAC-SHA256`) or an IAM token ([`IamToken`], sent as
//! `X-Auth-Token`). Pass it to [`ClientConfig::with_credentials`].
//!
//! [`Credentials::default_chain`] looks for credentials in turn:
//!
//! 1. the environment: `HUAWEICLOUD_SDK_AK` and `HUAWEICLOUD_SDK_SK`, with
//!    `HUAWEICLOUD_SDK_PROJECT_ID`, `HUAWEICLOUD_SDK_DOMAIN_ID` and
//!    `HUAWEICLOUD_SDK_SECURITY_TOKEN`;
//! 2. the profile file, `HUAWEICLOUD_SDK_CREDENTIALS_FILE`, else
//!    `~/.huaweicloud/credentials`: INI with a `[basic]` section (`ak`, `sk`,
//!    `project_id`, `security_token`) or a `[global]` one (`ak`, `sk`,
//!    `domain_id`, `security_token`); `[basic]` wins when both are there.
//!
//! [`CredentialsChain`] does the same with credentials given by the caller
//! first, and with the environment and home directory of the caller's
//! choosing ([`Environment`]). Secrets (the SK, a security token, an IAM
//! token) never appear in `Debug` output or in error messages.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use reqwest::header::{HeaderName, HeaderValue};

use super::auth::{AuthError, Authenticator, Environment};
use super::client::ClientConfig;
use super::signing::{AkSk, ENV_AK, ENV_DOMAIN_ID, ENV_PROJECT_ID, ENV_SECURITY_TOKEN, ENV_SK};

/// The variable naming the profile file.
pub const ENV_CREDENTIALS_FILE: &str = "HUAWEICLOUD_SDK_CREDENTIALS_FILE";
/// The profile file below the home directory, unless
/// [`ENV_CREDENTIALS_FILE`] names another.
pub const DEFAULT_CREDENTIALS_FILE: &str = ".huaweicloud/credentials";
/// The header an IAM token is sent in.
pub const AUTH_TOKEN_HEADER: &str = "x-auth-token";

/// The credentials a client uses. Build AK/SK credentials with
/// [`AkSk::new`] (they convert into `Credentials`), or find them with
/// [`Credentials::default_chain`].
#[derive(Clone, PartialEq, Eq)]
pub enum Credentials {
    /// An access key and secret key: every request is signed.
    AkSk(AkSk),
    /// An IAM token, sent as `X-Auth-Token`.
    Token(IamToken),
}

impl Credentials {
    /// AK/SK credentials (add a project ID, domain ID or security token on
    /// the [`AkSk`] before converting, or with the methods here).
    pub fn ak_sk(ak: impl Into<String>, sk: impl Into<String>) -> Self {
        Credentials::AkSk(AkSk::new(ak, sk))
    }

    /// An IAM token.
    pub fn token(token: impl Into<String>) -> Self {
        Credentials::Token(IamToken::new(token))
    }

    /// The same credentials with a project ID.
    pub fn with_project_id(self, project_id: impl Into<String>) -> Self {
        match self {
            Credentials::AkSk(c) => Credentials::AkSk(c.with_project_id(project_id)),
            Credentials::Token(t) => Credentials::Token(t.with_project_id(project_id)),
        }
    }

    /// Credentials from the environment, then the profile file, of this
    /// process; see the [module documentation](self).
    pub fn default_chain() -> Result<Credentials, CredentialsError> {
        CredentialsChain::new().resolve()
    }

    /// The project ID, when known.
    pub fn project_id(&self) -> Option<&str> {
        self.credential("project_id")
    }

    /// The domain ID, when known.
    pub fn domain_id(&self) -> Option<&str> {
        self.credential("domain_id")
    }
}

impl From<AkSk> for Credentials {
    fn from(c: AkSk) -> Self {
        Credentials::AkSk(c)
    }
}

impl From<IamToken> for Credentials {
    fn from(t: IamToken) -> Self {
        Credentials::Token(t)
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Credentials::AkSk(c) => fmt::Debug::fmt(c, f),
            Credentials::Token(t) => fmt::Debug::fmt(t, f),
        }
    }
}

impl Authenticator for Credentials {
    fn authenticate(&self, request: &mut reqwest::Request) -> Result<(), AuthError> {
        match self {
            Credentials::AkSk(c) => c.authenticate(request),
            Credentials::Token(t) => t.authenticate(request),
        }
    }

    /// `"project_id"` and `"domain_id"`, when set.
    fn credential(&self, name: &str) -> Option<&str> {
        match self {
            Credentials::AkSk(c) => c.credential(name),
            Credentials::Token(t) => t.credential(name),
        }
    }
}

/// An IAM token (`X-Subject-Token` of an IAM token request), sent as
/// `X-Auth-Token`; the project ID, when given, fills path parameters. `Debug`
/// never shows the token.
#[derive(Clone, PartialEq, Eq)]
pub struct IamToken {
    token: String,
    project_id: Option<String>,
}

impl IamToken {
    /// A token as IAM issued it (the `X-Subject-Token` of its answer).
    pub fn new(token: impl Into<String>) -> Self {
        IamToken {
            token: token.into(),
            project_id: None,
        }
    }

    /// The same token with the project it was scoped to; it fills
    /// `project_id` path parameters the caller leaves out.
    pub fn with_project_id(mut self, project_id: impl Into<String>) -> Self {
        self.project_id = Some(project_id.into());
        self
    }

    /// The project the token was scoped to, when given.
    pub fn project_id(&self) -> Option<&str> {
        self.project_id.as_deref()
    }
}

impl fmt::Debug for IamToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IamToken")
            .field("token", &"<redacted>")
            .field("project_id", &self.project_id)
            .finish()
    }
}

impl Authenticator for IamToken {
    fn authenticate(&self, request: &mut reqwest::Request) -> Result<(), AuthError> {
        let mut value = HeaderValue::try_from(self.token.as_str())
            .map_err(|_| AuthError("the IAM token is not a valid header value".to_owned()))?;
        value.set_sensitive(true);
        request
            .headers_mut()
            .insert(HeaderName::from_static(AUTH_TOKEN_HEADER), value);
        Ok(())
    }

    /// `"project_id"`, when set.
    fn credential(&self, name: &str) -> Option<&str> {
        match name {
            "project_id" => self.project_id.as_deref(),
            _ => None,
        }
    }
}

impl ClientConfig {
    /// Authenticates every request with `credentials` (AK/SK signing or an
    /// IAM token); their project and domain IDs answer
    /// [`credential`](Self::credential).
    pub fn with_credentials(self, credentials: impl Into<Credentials>) -> Self {
        let credentials: Credentials = credentials.into();
        self.with_shared_auth(Arc::new(credentials))
    }
}

/// Where credentials are looked for: the caller's own, then the
/// environment, then the profile file. Built from the process
/// environment by [`new`](Self::new); tests give their own
/// [`Environment`].
#[derive(Clone, Debug)]
pub struct CredentialsChain {
    explicit: Option<Credentials>,
    environment: Environment,
}

impl Default for CredentialsChain {
    fn default() -> Self {
        Self::new()
    }
}

impl CredentialsChain {
    /// The chain over the process environment and home directory.
    pub fn new() -> Self {
        Self::with_environment(Environment::process())
    }

    /// The chain over `environment`.
    pub fn with_environment(environment: Environment) -> Self {
        CredentialsChain {
            explicit: None,
            environment,
        }
    }

    /// Credentials that win over everything else (`None`: look further).
    pub fn explicit(mut self, credentials: Option<Credentials>) -> Self {
        self.explicit = credentials;
        self
    }

    /// The first credentials found. Fails when none are, saying where it
    /// looked; when a source is half set (an AK without its SK); and when
    /// the profile file cannot be read or is malformed (with its line).
    pub fn resolve(&self) -> Result<Credentials, CredentialsError> {
        if let Some(explicit) = &self.explicit {
            return Ok(explicit.clone());
        }
        if let Some(found) = self.environment_credentials()? {
            return Ok(found);
        }
        let file = self
            .environment
            .file(ENV_CREDENTIALS_FILE, DEFAULT_CREDENTIALS_FILE)
            .map_err(|()| CredentialsError::NotUnicode {
                variable: ENV_CREDENTIALS_FILE,
            })?;
        let tried_file = match file {
            None => None,
            Some((path, named)) => match std::fs::read(&path) {
                Ok(bytes) => {
                    let text =
                        String::from_utf8(bytes).map_err(|_| CredentialsError::Malformed {
                            path: path.clone(),
                            line: 0,
                            message: "the file is not UTF-8 text".to_owned(),
                        })?;
                    if let Some(found) = from_profile(&path, &text)? {
                        return Ok(found);
                    }
                    Some(path)
                }
                Err(e) if e.kind() == std::io::ErrorKind::NotFound && !named => Some(path),
                Err(e) => {
                    return Err(CredentialsError::Unreadable {
                        path,
                        message: e.to_string(),
                    })
                }
            },
        };
        Err(CredentialsError::NotFound { file: tried_file })
    }

    fn environment_credentials(&self) -> Result<Option<Credentials>, CredentialsError> {
        let get = |variable: &'static str| {
            self.environment
                .var(variable)
                .map_err(|()| CredentialsError::NotUnicode { variable })
        };
        let (ak, sk) = match (get(ENV_AK)?, get(ENV_SK)?) {
            (None, None) => return Ok(None),
            (Some(ak), Some(sk)) => (ak, sk),
            (Some(_), None) => {
                return Err(CredentialsError::Incomplete {
                    source: Source::Environment,
                    present: ENV_AK,
                    missing: ENV_SK,
                })
            }
            (None, Some(_)) => {
                return Err(CredentialsError::Incomplete {
                    source: Source::Environment,
                    present: ENV_SK,
                    missing: ENV_AK,
                })
            }
        };
        Ok(Some(Credentials::AkSk(AkSk {
            ak,
            sk,
            project_id: get(ENV_PROJECT_ID)?,
            domain_id: get(ENV_DOMAIN_ID)?,
            security_token: get(ENV_SECURITY_TOKEN)?,
        })))
    }
}

/// Where half-set credentials were found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    /// The `HUAWEICLOUD_SDK_*` environment variables.
    Environment,
    /// A section of the profile file.
    Profile {
        /// The profile file.
        path: PathBuf,
        /// The section (`basic` or `global`).
        section: String,
    },
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::Environment => write!(f, "the environment"),
            Source::Profile { path, section } => {
                write!(f, "section [{section}] of {}", path.display())
            }
        }
    }
}

/// Why no credentials could be had. The messages name variables, files,
/// lines and keys, never a value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CredentialsError {
    /// Nothing anywhere. `file` is the profile file looked for (`None`: no
    /// home directory and no `HUAWEICLOUD_SDK_CREDENTIALS_FILE`).
    NotFound {
        /// The profile file looked for.
        file: Option<PathBuf>,
    },
    /// One of a pair is set and the other is not (`ak` without `sk`).
    Incomplete {
        /// Where the half was found.
        source: Source,
        /// The name that is set.
        present: &'static str,
        /// The name that is missing.
        missing: &'static str,
    },
    /// A variable is set to something that is not Unicode.
    NotUnicode {
        /// The variable.
        variable: &'static str,
    },
    /// The profile file exists (or was named) but cannot be read.
    Unreadable {
        /// The file.
        path: PathBuf,
        /// Why it cannot be read.
        message: String,
    },
    /// The profile file is not INI as the SDK writes it; `line` counts from
    /// 1 (0: the file as a whole).
    Malformed {
        /// The file.
        path: PathBuf,
        /// The line, from 1.
        line: usize,
        /// What is wrong there (never a value).
        message: String,
    },
}

impl fmt::Display for CredentialsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CredentialsError::NotFound { file } => {
                write!(
                    f,
                    "no credentials found: {ENV_AK} and {ENV_SK} are not set, and "
                )?;
                match file {
                    Some(path) => write!(
                        f,
                        "the profile file {} does not exist or has no [basic] or [global] section \
                         (set {ENV_CREDENTIALS_FILE} to use another file)",
                        path.display()
                    ),
                    None => write!(
                        f,
                        "there is no home directory to find ~/{DEFAULT_CREDENTIALS_FILE} in \
                         and {ENV_CREDENTIALS_FILE} is not set"
                    ),
                }
            }
            CredentialsError::Incomplete {
                source,
                present,
                missing,
            } => write!(
                f,
                "incomplete credentials in {source}: {present} is set but {missing} is not"
            ),
            CredentialsError::NotUnicode { variable } => {
                write!(
                    f,
                    "the environment variable {variable} is not valid Unicode"
                )
            }
            CredentialsError::Unreadable { path, message } => {
                write!(
                    f,
                    "the credentials file {} cannot be read: {message}",
                    path.display()
                )
            }
            CredentialsError::Malformed {
                path,
                line: 0,
                message,
            } => write!(f, "{}: {message}", path.display()),
            CredentialsError::Malformed {
                path,
                line,
                message,
            } => write!(f, "{}:{line}: {message}", path.display()),
        }
    }
}

impl std::error::Error for CredentialsError {}

/// One section of the profile file: its keys with their values and lines
/// (keys the chain does not read are kept, and ignored).
struct Section {
    name: String,
    /// The line of its header.
    line: usize,
    entries: Vec<(String, String, usize)>,
}

impl Section {
    fn get(&self, key: &str) -> Option<&str> {
        self.entries
            .iter()
            .find(|(k, _, _)| k == key)
            .map(|(_, v, _)| v.as_str())
            .filter(|v| !v.is_empty())
    }
}

/// The credentials of a profile file: `[basic]`, else `[global]`; `None`
/// when it has neither section.
fn from_profile(path: &Path, text: &str) -> Result<Option<Credentials>, CredentialsError> {
    let sections = parse_ini(path, text)?;
    let section = ["basic", "global"]
        .iter()
        .find_map(|name| sections.iter().find(|s| s.name == *name));
    let Some(section) = section else {
        return Ok(None);
    };
    let incomplete = |present, missing| CredentialsError::Incomplete {
        source: Source::Profile {
            path: path.to_owned(),
            section: section.name.clone(),
        },
        present,
        missing,
    };
    let (ak, sk) = match (section.get("ak"), section.get("sk")) {
        (Some(ak), Some(sk)) => (ak, sk),
        (Some(_), None) => return Err(incomplete("ak", "sk")),
        (None, Some(_)) => return Err(incomplete("sk", "ak")),
        (None, None) => {
            return Err(CredentialsError::Malformed {
                path: path.to_owned(),
                line: section.line,
                message: format!("section [{}] has neither `ak` nor `sk`", section.name),
            })
        }
    };
    let mut credentials = AkSk::new(ak, sk);
    credentials.security_token = section.get("security_token").map(str::to_owned);
    // `[basic]` is project-scoped, `[global]` domain-scoped, as in the SDK.
    if section.name == "basic" {
        credentials.project_id = section.get("project_id").map(str::to_owned);
    } else {
        credentials.domain_id = section.get("domain_id").map(str::to_owned);
    }
    Ok(Some(Credentials::AkSk(credentials)))
}

/// The INI subset the SDK writes (Python's `configparser` defaults):
/// `[section]` headers, `key = value` or `key: value` lines (keys
/// lower-cased, both sides trimmed), blank lines and whole-line comments
/// (`#`, `;`). Refused, with the line: a key outside a section, a
/// repeated section or key, an indented continuation line, anything else.
/// A message never quotes a value.
fn parse_ini(path: &Path, text: &str) -> Result<Vec<Section>, CredentialsError> {
    let malformed = |line: usize, message: String| CredentialsError::Malformed {
        path: path.to_owned(),
        line,
        message,
    };
    let mut sections: Vec<Section> = Vec::new();
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    for (index, raw) in text.lines().enumerate() {
        let number = index + 1;
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        if raw.starts_with([' ', '\t']) {
            return Err(malformed(
                number,
                "an indented line (a continued value) is not supported".to_owned(),
            ));
        }
        if let Some(header) = line.strip_prefix('[') {
            let Some(name) = header.strip_suffix(']') else {
                return Err(malformed(
                    number,
                    "a section header must end with `]`".to_owned(),
                ));
            };
            let name = name.trim();
            if name.is_empty() {
                return Err(malformed(
                    number,
                    "a section header without a name".to_owned(),
                ));
            }
            if sections.iter().any(|s| s.name == name) {
                return Err(malformed(number, format!("section [{name}] is repeated")));
            }
            sections.push(Section {
                name: name.to_owned(),
                line: number,
                entries: Vec::new(),
            });
            continue;
        }
        let split = line
            .find(['=', ':'])
            .map(|at| (line[..at].trim(), line[at + 1..].trim()));
        let Some((key, value)) = split.filter(|(key, _)| !key.is_empty()) else {
            return Err(malformed(
                number,
                "expected `[section]`, `key = value` or a comment".to_owned(),
            ));
        };
        let key = key.to_ascii_lowercase();
        let Some(section) = sections.last_mut() else {
            return Err(malformed(
                number,
                format!("key `{key}` comes before any [section]"),
            ));
        };
        if let Some((_, _, first)) = section.entries.iter().find(|(k, _, _)| *k == key) {
            return Err(malformed(
                number,
                format!(
                    "key `{key}` is repeated in section [{}] (first on line {first})",
                    section.name
                ),
            ));
        }
        section.entries.push((key, value.to_owned(), number));
    }
    Ok(sections)
}
