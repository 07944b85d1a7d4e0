//! Huawei Cloud AK/SK request signing (`SDK-HMAC-SHA256`), as the official
//! SDKs sign requests (`huaweicloudsdkcore`'s `Signer`):
//!
//! ```text
//! CanonicalRequest = METHOD \n CanonicalURI \n CanonicalQuery \n
//!                    CanonicalHeaders (each "name:value\n") \n
//!                    SignedHeaders \n HexSHA256(body)
//! StringToSign     = "SDK-HMAC-SHA256" \n X-Sdk-Date \n HexSHA256(CanonicalRequest)
//! Signature        = Hex(HMAC-SHA256(SK, StringToSign))
//! Authorization: SDK-HMAC-SHA256 Access=<AK>, SignedHeaders=<a;b>, Signature=<hex>
//! ```
//!
//! The module has three parts:
//! - the pure core (canonical forms, string to sign, signature, the
//!   `Authorization` header and its parsing, `X-Sdk-Date`), and the
//!   credentials, [`AkSk`];
//! - the client side (feature `client`): [`AkSk`] is an
//!   [`Authenticator`](super::auth::Authenticator) that signs each finished
//!   request;
//! - the server side (feature `server`): [`AkSkVerifier`] is an
//!   [`Authenticate`](super::server::Authenticate) that checks signatures
//!   against a [`KeyStore`].

use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use hmac::Mac;
use percent_encoding::{percent_decode_str, utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use sha2::{Digest, Sha256};

type HmacSha256 = hmac::Hmac<Sha256>;

/// The signing algorithm, the first word of the `Authorization` header.
pub const ALGORITHM: &str = "SDK-HMAC-SHA256";
/// The header carrying the signing time.
pub const DATE_HEADER: &str = "x-sdk-date";
/// The header that, when present, stands in for the body's hash.
pub const CONTENT_SHA256_HEADER: &str = "x-sdk-content-sha256";
/// The header carrying the project ID.
pub const PROJECT_ID_HEADER: &str = "x-project-id";
/// The header carrying the security token of temporary credentials.
pub const SECURITY_TOKEN_HEADER: &str = "x-security-token";
/// The `X-Sdk-Content-Sha256` value that leaves the body out of the signature.
pub const UNSIGNED_PAYLOAD: &str = "UNSIGNED-PAYLOAD";
/// The payload hash of an empty or absent body: the SHA-256 of nothing.
pub const EMPTY_BODY_SHA256: &str =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
/// How far `X-Sdk-Date` may be from the verifier's clock, either way.
pub const DEFAULT_MAX_SKEW: Duration = Duration::from_secs(15 * 60);

/// Python's `quote(s, safe='~')`: RFC 3986 unreserved characters stay,
/// everything else is `%XX` (upper-case hex) of its UTF-8 bytes.
const UNRESERVED: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Percent-encodes `text` as the signer does (`quote(text, safe='~')`).
pub fn encode(text: &str) -> String {
    utf8_percent_encode(text, UNRESERVED).to_string()
}

/// The canonical URI of a path as sent on the wire (percent-encoded, no
/// query): decoded, split on `/`, each segment re-encoded with [`encode`],
/// joined with `/`, with a trailing `/` added when missing.
///
/// A `%2F` inside a segment becomes a real `/` here, as in the SDK (it
/// decodes before splitting).
pub fn canonical_uri(path: &str) -> String {
    let decoded = percent_decode_str(path).decode_utf8_lossy();
    let mut uri = decoded.split('/').map(encode).collect::<Vec<_>>().join("/");
    if !uri.ends_with('/') {
        uri.push('/');
    }
    uri
}

/// The canonical query string of a query as sent on the wire (without the
/// `?`): the pairs are decoded (`+` is a space), then handed to
/// [`canonical_query_pairs`]. A pair without `=` has an empty value.
pub fn canonical_query(query: &str) -> String {
    let decode = |s: &str| {
        let s = s.replace('+', " ");
        percent_decode_str(&s).decode_utf8_lossy().into_owned()
    };
    canonical_query_pairs(
        query
            .split('&')
            .filter(|pair| !pair.is_empty())
            .map(|pair| {
                let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
                (decode(k), decode(v))
            }),
    )
}

/// The canonical query string of decoded `(key, value)` pairs: sorted by key,
/// then value; each encoded with [`encode`]; joined with `&`. A repeated key
/// is a list (`ids=a&ids=b`); a boolean is `true`/`false`. Empty without
/// pairs.
///
/// The SDK sorts a list of numbers numerically; here every value is text,
/// so `k=10&k=9` is the order for a repeated numeric key.
pub fn canonical_query_pairs<K, V>(pairs: impl IntoIterator<Item = (K, V)>) -> String
where
    K: AsRef<str>,
    V: AsRef<str>,
{
    let mut pairs: Vec<(String, String)> = pairs
        .into_iter()
        .map(|(k, v)| (k.as_ref().to_owned(), v.as_ref().to_owned()))
        .collect();
    pairs.sort();
    pairs
        .iter()
        .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// The headers a signer signs, from the names of every header the request
/// has: those without `_`, lower-cased, sorted, each once.
pub fn signed_header_names<'a>(names: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    let mut names: Vec<String> = names
        .into_iter()
        .filter(|n| !n.contains('_'))
        .map(str::to_ascii_lowercase)
        .collect();
    names.sort();
    names.dedup();
    names
}

/// The canonical headers: `lower-case name:trimmed value\n` for each header,
/// in the order given (the order of `SignedHeaders`).
pub fn canonical_headers<N: AsRef<str>, V: AsRef<str>>(headers: &[(N, V)]) -> String {
    headers
        .iter()
        .map(|(n, v)| {
            format!(
                "{}:{}\n",
                n.as_ref().to_ascii_lowercase(),
                v.as_ref().trim()
            )
        })
        .collect()
}

/// The lower-case hex SHA-256 of `data`.
pub fn hex_sha256(data: &[u8]) -> String {
    hex::encode(Sha256::digest(data))
}

/// The payload hash: [`EMPTY_BODY_SHA256`] for an empty body; otherwise the
/// `X-Sdk-Content-Sha256` header verbatim when there is one, else the hex
/// SHA-256 of the body.
pub fn payload_hash(body: &[u8], content_sha256: Option<&str>) -> String {
    if body.is_empty() {
        EMPTY_BODY_SHA256.to_owned()
    } else if let Some(given) = content_sha256 {
        given.to_owned()
    } else {
        hex_sha256(body)
    }
}

/// The string to sign for a canonical request signed at `date`
/// (`X-Sdk-Date`, `YYYYMMDDTHHMMSSZ`).
pub fn string_to_sign(date: &str, canonical_request: &str) -> String {
    format!(
        "{ALGORITHM}\n{date}\n{}",
        hex_sha256(canonical_request.as_bytes())
    )
}

fn mac(sk: &str, string_to_sign: &str) -> HmacSha256 {
    // HMAC takes keys of any length; this cannot fail.
    let mut mac = HmacSha256::new_from_slice(sk.as_bytes()).expect("HMAC accepts any key length");
    mac.update(string_to_sign.as_bytes());
    mac
}

/// The signature: lower-case hex HMAC-SHA256 of the string to sign, keyed
/// with the SK's UTF-8 bytes.
pub fn signature(sk: &str, string_to_sign: &str) -> String {
    hex::encode(mac(sk, string_to_sign).finalize().into_bytes())
}

/// Whether `signature` (hex, either case) is the signature of
/// `string_to_sign` under `sk`. The comparison takes the same time wherever
/// the first difference is.
pub fn verify_signature(sk: &str, string_to_sign: &str, signature: &str) -> bool {
    match hex::decode(signature) {
        Ok(bytes) => mac(sk, string_to_sign).verify_slice(&bytes).is_ok(),
        Err(_) => false,
    }
}

/// The `Authorization` header value.
pub fn authorization_header(ak: &str, signed_headers: &str, signature: &str) -> String {
    format!("{ALGORITHM} Access={ak}, SignedHeaders={signed_headers}, Signature={signature}")
}

/// A request as the signature covers it.
#[derive(Clone, Copy, Debug)]
pub struct Message<'a> {
    /// Any case; signed upper-cased.
    pub method: &'a str,
    /// The path as sent (percent-encoded), without the query.
    pub path: &'a str,
    /// The query as sent, without `?` (empty when there is none).
    pub query: &'a str,
    /// The `X-Sdk-Date` value.
    pub date: &'a str,
    /// The signed headers, `(name, value)`, in `SignedHeaders` order (sorted
    /// for a signer; as listed for a verifier).
    pub headers: &'a [(String, String)],
    /// See [`payload_hash`].
    pub payload_hash: &'a str,
}

/// Everything a signature is made of.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Signed {
    pub canonical_request: String,
    pub string_to_sign: String,
    /// `content-type;host;…`
    pub signed_headers: String,
    /// Lower-case hex.
    pub signature: String,
}

impl Signed {
    /// The `Authorization` header value for the access key `ak`.
    pub fn authorization(&self, ak: &str) -> String {
        authorization_header(ak, &self.signed_headers, &self.signature)
    }
}

impl Message<'_> {
    /// The `;`-joined, lower-cased names of the signed headers.
    pub fn signed_headers(&self) -> String {
        self.headers
            .iter()
            .map(|(n, _)| n.to_ascii_lowercase())
            .collect::<Vec<_>>()
            .join(";")
    }

    /// The canonical request.
    pub fn canonical_request(&self) -> String {
        format!(
            "{}\n{}\n{}\n{}\n{}\n{}",
            self.method.to_ascii_uppercase(),
            canonical_uri(self.path),
            canonical_query(self.query),
            canonical_headers(self.headers),
            self.signed_headers(),
            self.payload_hash
        )
    }

    /// The string to sign.
    pub fn string_to_sign(&self) -> String {
        string_to_sign(self.date, &self.canonical_request())
    }

    /// Signs with the secret key `sk`.
    pub fn sign(&self, sk: &str) -> Signed {
        let canonical_request = self.canonical_request();
        let string_to_sign = string_to_sign(self.date, &canonical_request);
        Signed {
            signature: signature(sk, &string_to_sign),
            canonical_request,
            string_to_sign,
            signed_headers: self.signed_headers(),
        }
    }
}

/// A parsed `SDK-HMAC-SHA256` `Authorization` header.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SdkAuthorization {
    pub access_key: String,
    /// As listed (lower-case names in the SDK's signatures).
    pub signed_headers: Vec<String>,
    /// Hex, as sent.
    pub signature: String,
}

/// Why an `Authorization` header is not a usable `SDK-HMAC-SHA256` one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AuthorizationError {
    /// Another scheme (`Bearer …`) or no scheme at all.
    OtherScheme,
    /// The right scheme, badly formed.
    Malformed(String),
}

impl fmt::Display for AuthorizationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AuthorizationError::OtherScheme => {
                write!(f, "the Authorization header is not {ALGORITHM}")
            }
            AuthorizationError::Malformed(why) => {
                write!(
                    f,
                    "the {ALGORITHM} Authorization header is malformed: {why}"
                )
            }
        }
    }
}

impl std::error::Error for AuthorizationError {}

/// Parses `SDK-HMAC-SHA256 Access=<AK>, SignedHeaders=<a;b>, Signature=<hex>`.
/// The scheme is matched without regard to case; the three fields may come
/// in any order, each exactly once.
pub fn parse_authorization(value: &str) -> Result<SdkAuthorization, AuthorizationError> {
    let value = value.trim();
    let (scheme, rest) = value.split_once(' ').unwrap_or((value, ""));
    if !scheme.eq_ignore_ascii_case(ALGORITHM) {
        return Err(AuthorizationError::OtherScheme);
    }
    let malformed = |why: &str| AuthorizationError::Malformed(why.to_owned());
    let (mut access, mut signed, mut signature) = (None, None, None);
    for field in rest.split(',') {
        let (name, v) = field
            .trim()
            .split_once('=')
            .ok_or_else(|| malformed("each field must be `name=value`"))?;
        let slot = match name.trim() {
            "Access" => &mut access,
            "SignedHeaders" => &mut signed,
            "Signature" => &mut signature,
            _ => return Err(malformed("unknown field")),
        };
        if slot.replace(v.trim()).is_some() {
            return Err(malformed("a field is repeated"));
        }
    }
    let access = access
        .filter(|a| !a.is_empty())
        .ok_or_else(|| malformed("no Access"))?;
    let signed = signed
        .filter(|s| !s.is_empty())
        .ok_or_else(|| malformed("no SignedHeaders"))?;
    let signature = signature
        .filter(|s| !s.is_empty())
        .ok_or_else(|| malformed("no Signature"))?;
    let signed_headers: Vec<String> = signed.split(';').map(str::to_owned).collect();
    if signed_headers.iter().any(std::string::String::is_empty) {
        return Err(malformed("an empty name in SignedHeaders"));
    }
    if signature.len() != 64 || !signature.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(malformed("the Signature is not 64 hex digits"));
    }
    Ok(SdkAuthorization {
        access_key: access.to_owned(),
        signed_headers,
        signature: signature.to_owned(),
    })
}

// ---------------------------------------------------------------------------
// X-Sdk-Date: `%Y%m%dT%H%M%SZ` in UTC, without a date library
// ---------------------------------------------------------------------------

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's
/// `days_from_civil`).
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let m = i64::from(month);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date of a day count since 1970-01-01 (`civil_from_days`).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        2 if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// `time` as an `X-Sdk-Date` (`20240102T030405Z`, UTC, whole seconds).
/// `None` before 1970 or after 9999.
pub fn format_sdk_date(time: SystemTime) -> Option<String> {
    let secs = time.duration_since(UNIX_EPOCH).ok()?.as_secs();
    let days = i64::try_from(secs / 86_400).ok()?;
    let rest = secs % 86_400;
    let (year, month, day) = civil_from_days(days);
    if year > 9999 {
        return None;
    }
    Some(format!(
        "{year:04}{month:02}{day:02}T{:02}{:02}{:02}Z",
        rest / 3600,
        rest % 3600 / 60,
        rest % 60
    ))
}

/// Parses an `X-Sdk-Date` (`YYYYMMDDTHHMMSSZ`, UTC). Anything else, or an
/// impossible date or time, is `None`.
pub fn parse_sdk_date(text: &str) -> Option<SystemTime> {
    let b = text.as_bytes();
    if b.len() != 16 || b[8] != b'T' || b[15] != b'Z' {
        return None;
    }
    let number = |range: std::ops::Range<usize>| -> Option<u32> {
        let digits = &b[range];
        if !digits.iter().all(u8::is_ascii_digit) {
            return None;
        }
        Some(digits.iter().fold(0, |n, d| n * 10 + u32::from(d - b'0')))
    };
    let year = i64::from(number(0..4)?);
    let (month, day) = (number(4..6)?, number(6..8)?);
    let (hour, minute, second) = (number(9..11)?, number(11..13)?, number(13..15)?);
    if !(1..=12).contains(&month)
        || day == 0
        || day > days_in_month(year, month)
        || hour > 23
        || minute > 59
        || second > 59
    {
        return None;
    }
    let secs =
        days_from_civil(year, month, day) * 86_400 + i64::from(hour * 3600 + minute * 60 + second);
    if secs >= 0 {
        UNIX_EPOCH.checked_add(Duration::from_secs(secs.unsigned_abs()))
    } else {
        UNIX_EPOCH.checked_sub(Duration::from_secs(secs.unsigned_abs()))
    }
}

// ---------------------------------------------------------------------------
// Credentials
// ---------------------------------------------------------------------------

/// AK/SK credentials. `Debug` never shows the SK or the security token.
#[derive(Clone, PartialEq, Eq)]
pub struct AkSk {
    /// The access key ID (`Access=` in the `Authorization` header).
    pub ak: String,
    /// The secret access key: the HMAC key. Never sent.
    pub sk: String,
    /// Sent as `X-Project-Id` (and signed) when set.
    pub project_id: Option<String>,
    /// The security token of temporary credentials, sent as
    /// `X-Security-Token` (and signed) when set.
    pub security_token: Option<String>,
}

/// The environment variables [`AkSk::from_env`] reads (the SDK's names).
pub const ENV_AK: &str = "HUAWEICLOUD_SDK_AK";
pub const ENV_SK: &str = "HUAWEICLOUD_SDK_SK";
pub const ENV_PROJECT_ID: &str = "HUAWEICLOUD_SDK_PROJECT_ID";
pub const ENV_SECURITY_TOKEN: &str = "HUAWEICLOUD_SDK_SECURITY_TOKEN";

/// Credentials could not be read from the environment. Names the variable,
/// never its value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CredentialsError {
    /// Unset or empty.
    Missing(&'static str),
    /// Set, but not valid Unicode.
    NotUnicode(&'static str),
}

impl fmt::Display for CredentialsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CredentialsError::Missing(var) => {
                write!(f, "the environment variable {var} is not set or is empty")
            }
            CredentialsError::NotUnicode(var) => {
                write!(f, "the environment variable {var} is not valid Unicode")
            }
        }
    }
}

impl std::error::Error for CredentialsError {}

impl AkSk {
    pub fn new(ak: impl Into<String>, sk: impl Into<String>) -> Self {
        AkSk {
            ak: ak.into(),
            sk: sk.into(),
            project_id: None,
            security_token: None,
        }
    }

    pub fn with_project_id(mut self, project_id: impl Into<String>) -> Self {
        self.project_id = Some(project_id.into());
        self
    }

    pub fn with_security_token(mut self, token: impl Into<String>) -> Self {
        self.security_token = Some(token.into());
        self
    }

    /// Reads `HUAWEICLOUD_SDK_AK` and `HUAWEICLOUD_SDK_SK` (required) and
    /// `HUAWEICLOUD_SDK_PROJECT_ID` and `HUAWEICLOUD_SDK_SECURITY_TOKEN`
    /// (optional; empty counts as unset).
    pub fn from_env() -> Result<Self, CredentialsError> {
        Self::from_lookup(|name| std::env::var(name))
    }

    /// As [`from_env`](Self::from_env), reading variables through `var`.
    pub fn from_lookup(
        var: impl Fn(&str) -> Result<String, std::env::VarError>,
    ) -> Result<Self, CredentialsError> {
        let get = |name: &'static str| match var(name) {
            Ok(v) if v.is_empty() => Ok(None),
            Ok(v) => Ok(Some(v)),
            Err(std::env::VarError::NotPresent) => Ok(None),
            Err(std::env::VarError::NotUnicode(_)) => Err(CredentialsError::NotUnicode(name)),
        };
        let required = |name| get(name)?.ok_or(CredentialsError::Missing(name));
        Ok(AkSk {
            ak: required(ENV_AK)?,
            sk: required(ENV_SK)?,
            project_id: get(ENV_PROJECT_ID)?,
            security_token: get(ENV_SECURITY_TOKEN)?,
        })
    }
}

impl fmt::Debug for AkSk {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AkSk")
            .field("ak", &self.ak)
            .field("sk", &"<redacted>")
            .field("project_id", &self.project_id)
            .field(
                "security_token",
                &self.security_token.as_ref().map(|_| "<redacted>"),
            )
            .finish()
    }
}

// ---------------------------------------------------------------------------
// Client side: signing each finished request
// ---------------------------------------------------------------------------

#[cfg(feature = "client")]
mod client_side {
    use reqwest::header::{HeaderMap, HeaderName, HeaderValue, AUTHORIZATION, CONTENT_TYPE, HOST};

    use super::super::auth::{AuthError, Authenticator};
    use super::*;

    fn value(name: &str, text: &str) -> Result<HeaderValue, AuthError> {
        HeaderValue::try_from(text).map_err(|_| {
            AuthError(format!(
                "the value for `{name}` is not a valid header value"
            ))
        })
    }

    /// Every value of `name`, trimmed and joined with `,`.
    fn joined(headers: &HeaderMap, name: &str) -> Result<String, AuthError> {
        let mut values = Vec::new();
        for v in headers.get_all(name) {
            let text = std::str::from_utf8(v.as_bytes()).map_err(|_| {
                AuthError(format!(
                    "the header `{name}` is not text; it cannot be signed"
                ))
            })?;
            values.push(text.trim());
        }
        Ok(values.join(","))
    }

    /// Signs like the SDK: adds `X-Project-Id` and `X-Security-Token` when
    /// set; leaves a request that already has an `Authorization` header
    /// unsigned; otherwise adds `X-Sdk-Content-Sha256: UNSIGNED-PAYLOAD` for a
    /// non-JSON `Content-Type`, `X-Sdk-Date` (now, unless one is present) and
    /// `Host` (with the port unless it is the default), then signs every
    /// header without `_` and sets `Authorization`.
    ///
    /// A streaming body cannot be hashed: such a request needs an
    /// `X-Sdk-Content-Sha256` header.
    impl Authenticator for AkSk {
        fn authenticate(&self, request: &mut reqwest::Request) -> Result<(), AuthError> {
            let host = match request.url().host_str() {
                Some(host) => match request.url().port() {
                    Some(port) => Some(format!("{host}:{port}")),
                    None => Some(host.to_owned()),
                },
                None => None,
            };
            let headers = request.headers_mut();
            if let Some(project_id) = &self.project_id {
                headers.insert(
                    HeaderName::from_static(PROJECT_ID_HEADER),
                    value("X-Project-Id", project_id)?,
                );
            }
            if let Some(token) = &self.security_token {
                let mut v = value("X-Security-Token", token)?;
                v.set_sensitive(true);
                headers.insert(HeaderName::from_static(SECURITY_TOKEN_HEADER), v);
            }
            if headers.contains_key(AUTHORIZATION) {
                return Ok(());
            }
            let json = headers.get(CONTENT_TYPE).map(|ct| {
                let ct = ct.as_bytes().to_ascii_lowercase();
                ct.starts_with(b"application/json") || ct.starts_with(b"application/bson")
            });
            if json == Some(false) && !headers.contains_key(CONTENT_SHA256_HEADER) {
                headers.insert(
                    HeaderName::from_static(CONTENT_SHA256_HEADER),
                    HeaderValue::from_static(UNSIGNED_PAYLOAD),
                );
            }
            let date = if let Some(v) = headers.get(DATE_HEADER) {
                let text = v
                    .to_str()
                    .ok()
                    .filter(|t| parse_sdk_date(t).is_some())
                    .ok_or_else(|| {
                        AuthError("X-Sdk-Date is not of the form YYYYMMDDTHHMMSSZ".to_owned())
                    })?;
                text.to_owned()
            } else {
                let now = format_sdk_date(SystemTime::now())
                    .ok_or_else(|| AuthError("the system clock is out of range".to_owned()))?;
                headers.insert(
                    HeaderName::from_static(DATE_HEADER),
                    value("X-Sdk-Date", &now)?,
                );
                now
            };
            if !headers.contains_key(HOST) {
                let host =
                    host.ok_or_else(|| AuthError("the request URL has no host".to_owned()))?;
                headers.insert(HOST, value("Host", &host)?);
            }
            let mut signed = Vec::new();
            for name in signed_header_names(headers.keys().map(HeaderName::as_str)) {
                let v = joined(headers, &name)?;
                signed.push((name, v));
            }
            let content_sha256 = joined(headers, CONTENT_SHA256_HEADER)?;
            let content_sha256 = Some(content_sha256.as_str()).filter(|s| !s.is_empty());
            let payload = match request.body() {
                None => EMPTY_BODY_SHA256.to_owned(),
                Some(body) => match (body.as_bytes(), content_sha256) {
                    (Some(bytes), given) => payload_hash(bytes, given),
                    (None, Some(given)) => given.to_owned(),
                    (None, None) => return Err(AuthError(
                        "a streaming body cannot be signed without an X-Sdk-Content-Sha256 header"
                            .to_owned(),
                    )),
                },
            };
            let message = Message {
                method: request.method().as_str(),
                path: request.url().path(),
                query: request.url().query().unwrap_or(""),
                date: &date,
                headers: &signed,
                payload_hash: &payload,
            };
            let authorization = message.sign(&self.sk).authorization(&self.ak);
            let mut v = value("Authorization", &authorization)?;
            v.set_sensitive(true);
            request.headers_mut().insert(AUTHORIZATION, v);
            Ok(())
        }

        /// `project_id`: the project ID, when set.
        fn credential(&self, name: &str) -> Option<&str> {
            match name {
                "project_id" => self.project_id.as_deref(),
                _ => None,
            }
        }
    }
}

// ---------------------------------------------------------------------------
// Server side: verifying signatures
// ---------------------------------------------------------------------------

#[cfg(feature = "server")]
pub use server_side::{AkSkVerifier, KeyStore, Received};

#[cfg(feature = "server")]
mod server_side {
    use std::collections::HashMap;

    use axum::http::HeaderMap;

    use super::super::server::{
        AuthError, Authenticate, BodyCheck, HeadVerdict, Identity, RequestHead,
    };
    use super::*;

    /// Where a verifier finds the SK of an access key.
    pub trait KeyStore: Send + Sync + 'static {
        fn secret_key(&self, access_key: &str) -> Option<String>;
    }

    /// Access key → secret key.
    impl KeyStore for HashMap<String, String> {
        fn secret_key(&self, access_key: &str) -> Option<String> {
            self.get(access_key).cloned()
        }
    }

    /// A received request as plain text, for servers not built on axum (and
    /// for tests).
    #[derive(Clone, Copy, Debug)]
    pub struct Received<'a> {
        pub method: &'a str,
        /// The request target as received: path and query (`/v2/p/x?limit=1`).
        pub target: &'a str,
        /// Every header as received; names in any case, a name may repeat.
        pub headers: &'a [(&'a str, &'a str)],
        pub body: &'a [u8],
    }

    /// Header lookup over the two representations.
    trait Headers {
        /// Every value of `name`, trimmed and joined with `,`; `None` when
        /// absent, `Some(Err)` when a value is not text.
        fn joined(&self, name: &str) -> Option<Result<String, ()>>;

        /// How many times `name` is present.
        fn count(&self, name: &str) -> usize;
    }

    impl Headers for HeaderMap {
        fn joined(&self, name: &str) -> Option<Result<String, ()>> {
            let mut values = Vec::new();
            for v in self.get_all(name) {
                match std::str::from_utf8(v.as_bytes()) {
                    Ok(text) => values.push(text.trim()),
                    Err(_) => return Some(Err(())),
                }
            }
            (!values.is_empty()).then(|| Ok(values.join(",")))
        }

        fn count(&self, name: &str) -> usize {
            self.get_all(name).iter().count()
        }
    }

    impl Headers for [(&str, &str)] {
        fn joined(&self, name: &str) -> Option<Result<String, ()>> {
            let values: Vec<&str> = self
                .iter()
                .filter(|(n, _)| n.eq_ignore_ascii_case(name))
                .map(|(_, v)| v.trim())
                .collect();
            (!values.is_empty()).then(|| Ok(values.join(",")))
        }

        fn count(&self, name: &str) -> usize {
            self.iter()
                .filter(|(n, _)| n.eq_ignore_ascii_case(name))
                .count()
        }
    }

    /// Checks `SDK-HMAC-SHA256` signatures, recomputed from the request as
    /// received: the method, the path (decoded and re-encoded), the query,
    /// the values of the headers listed in `SignedHeaders` (`host` as
    /// received; over HTTP/2 without a `Host` header, the URI's authority)
    /// and the body.
    ///
    /// Refused (`AuthError::Invalid`): an `Authorization` header sent more
    /// than once, a malformed one, an unknown access key, `host` not among
    /// the signed headers, a listed header that is absent, a missing or
    /// malformed `X-Sdk-Date` or one further than 15 minutes (by default)
    /// from the clock, an `X-Sdk-Content-Sha256` that is not the body's hash
    /// (`UNSIGNED-PAYLOAD` only when allowed), and a wrong signature. A
    /// request without an `SDK-HMAC-SHA256` `Authorization` header is
    /// `AuthError::Missing`, so that [`AnyOf`] can try other schemes.
    ///
    /// Before the body is read ([`Authenticate::authenticate_head`]) all of
    /// that is checked but the body's hash: the key, the date, the signed
    /// headers, and the signature itself when the head tells what was
    /// signed for the body (an `X-Sdk-Content-Sha256` header, or no body).
    /// Only a request that passes gets its body read and the rest checked.
    ///
    /// The security token of temporary credentials is signed like any
    /// header but not checked: the key store decides which keys exist.
    ///
    /// [`AnyOf`]: super::super::server::AnyOf
    pub struct AkSkVerifier<K: KeyStore> {
        keys: K,
        max_skew: Duration,
        clock: fn() -> SystemTime,
        allow_unsigned_payload: bool,
    }

    impl<K: KeyStore> fmt::Debug for AkSkVerifier<K> {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.debug_struct("AkSkVerifier")
                .field("keys", &"<redacted>")
                .field("max_skew", &self.max_skew)
                .field("allow_unsigned_payload", &self.allow_unsigned_payload)
                .finish()
        }
    }

    impl<K: KeyStore> AkSkVerifier<K> {
        pub fn new(keys: K) -> Self {
            AkSkVerifier {
                keys,
                max_skew: DEFAULT_MAX_SKEW,
                clock: SystemTime::now,
                allow_unsigned_payload: false,
            }
        }

        /// How far `X-Sdk-Date` may be from the clock (15 minutes by default).
        pub fn with_max_skew(mut self, max_skew: Duration) -> Self {
            self.max_skew = max_skew;
            self
        }

        /// The clock `X-Sdk-Date` is compared with (for tests).
        pub fn with_clock(mut self, clock: fn() -> SystemTime) -> Self {
            self.clock = clock;
            self
        }

        /// Accepts `X-Sdk-Content-Sha256: UNSIGNED-PAYLOAD`, which leaves the
        /// body out of the signature (the SDK sends it for non-JSON bodies).
        /// Off by default.
        pub fn allow_unsigned_payload(mut self, allow: bool) -> Self {
            self.allow_unsigned_payload = allow;
            self
        }

        pub fn keys(&self) -> &K {
            &self.keys
        }

        /// Verifies a request given as plain text.
        pub fn verify(&self, request: &Received<'_>) -> Result<Identity, AuthError> {
            let (path, query) = request
                .target
                .split_once('?')
                .unwrap_or((request.target, ""));
            let verdict = self.check_head(
                request.method,
                path,
                query,
                request.headers,
                None,
                Some(request.body.len() as u64),
            )?;
            match verdict {
                HeadVerdict::Accepted(identity) => Ok(identity),
                HeadVerdict::NeedsBody(check) => check.finish(request.body),
            }
        }

        /// Everything but the body's hash; see the type's documentation.
        fn check_head<H: Headers + ?Sized>(
            &self,
            method: &str,
            path: &str,
            query: &str,
            headers: &H,
            authority: Option<&str>,
            body_length: Option<u64>,
        ) -> Result<HeadVerdict, AuthError> {
            let invalid = |why: &str| AuthError::Invalid(why.to_owned());
            match headers.count("authorization") {
                0 => return Err(AuthError::Missing),
                1 => {}
                _ => return Err(invalid("the Authorization header is sent more than once")),
            }
            let Some(Ok(authorization)) = headers.joined("authorization") else {
                return Err(AuthError::Missing);
            };
            let auth = match parse_authorization(&authorization) {
                Ok(auth) => auth,
                Err(AuthorizationError::OtherScheme) => return Err(AuthError::Missing),
                Err(e) => return Err(AuthError::Invalid(e.to_string())),
            };
            let sk = self
                .keys
                .secret_key(&auth.access_key)
                .ok_or_else(|| invalid("unknown access key"))?;
            let date = match headers.joined(DATE_HEADER) {
                Some(Ok(date)) => date,
                _ => return Err(invalid("no X-Sdk-Date header")),
            };
            let signed_at = parse_sdk_date(&date)
                .ok_or_else(|| invalid("X-Sdk-Date is not of the form YYYYMMDDTHHMMSSZ"))?;
            let now = (self.clock)();
            let skew = now
                .duration_since(signed_at)
                .unwrap_or_else(|e| e.duration());
            if skew > self.max_skew {
                return Err(AuthError::Invalid(format!(
                    "X-Sdk-Date is more than {} s away from the server's clock",
                    self.max_skew.as_secs()
                )));
            }
            let mut signed = Vec::new();
            for name in &auth.signed_headers {
                let name = name.to_ascii_lowercase();
                let value = match headers.joined(&name) {
                    Some(Ok(v)) => v,
                    Some(Err(())) => {
                        return Err(AuthError::Invalid(format!(
                            "the signed header `{name}` is not text"
                        )))
                    }
                    None => match authority.filter(|_| name == "host") {
                        Some(authority) => authority.to_owned(),
                        None => {
                            return Err(AuthError::Invalid(format!(
                                "the signed header `{name}` is missing"
                            )))
                        }
                    },
                };
                signed.push((name, value));
            }
            if !signed.iter().any(|(n, _)| n == "host") {
                return Err(invalid("the Host header is not signed"));
            }
            let content_sha256 = match headers.joined(CONTENT_SHA256_HEADER) {
                None => None,
                Some(Err(())) => return Err(invalid("X-Sdk-Content-Sha256 is not text")),
                Some(Ok(given)) => Some(given),
            };
            let pending = Pending {
                sk,
                access_key: auth.access_key,
                signature: auth.signature,
                method: method.to_owned(),
                path: path.to_owned(),
                query: query.to_owned(),
                date,
                signed,
                content_sha256,
                allow_unsigned_payload: self.allow_unsigned_payload,
            };
            if body_length == Some(0) {
                return pending.finish(b"").map(HeadVerdict::Accepted);
            }
            if let Some(given) = &pending.content_sha256 {
                if given == UNSIGNED_PAYLOAD && !pending.allow_unsigned_payload {
                    return Err(invalid("unsigned payloads are not accepted"));
                }
                // What was signed for a body is in the head: the declared
                // hash, or, for a body that may turn out empty, the empty
                // body's hash.
                let possible = pending.signs(given)
                    || (body_length.is_none() && pending.signs(EMPTY_BODY_SHA256));
                if !possible {
                    return Err(invalid("the signature does not match the request"));
                }
            }
            Ok(HeadVerdict::NeedsBody(BodyCheck::new(move |body| {
                pending.finish(body)
            })))
        }
    }

    /// A request whose head passed every check, waiting for its body.
    struct Pending {
        sk: String,
        access_key: String,
        signature: String,
        method: String,
        path: String,
        query: String,
        date: String,
        signed: Vec<(String, String)>,
        /// The `X-Sdk-Content-Sha256` header, when sent.
        content_sha256: Option<String>,
        allow_unsigned_payload: bool,
    }

    impl Pending {
        /// Whether the signature is the one of this request with
        /// `payload_hash` as the body's hash.
        fn signs(&self, payload_hash: &str) -> bool {
            let message = Message {
                method: &self.method,
                path: &self.path,
                query: &self.query,
                date: &self.date,
                headers: &self.signed,
                payload_hash,
            };
            verify_signature(&self.sk, &message.string_to_sign(), &self.signature)
        }

        fn finish(self, body: &[u8]) -> Result<Identity, AuthError> {
            let invalid = |why: &str| AuthError::Invalid(why.to_owned());
            let payload = if body.is_empty() {
                EMPTY_BODY_SHA256.to_owned()
            } else {
                match &self.content_sha256 {
                    None => hex_sha256(body),
                    Some(given) if given == UNSIGNED_PAYLOAD => {
                        if !self.allow_unsigned_payload {
                            return Err(invalid("unsigned payloads are not accepted"));
                        }
                        given.clone()
                    }
                    Some(given) => {
                        if !given.eq_ignore_ascii_case(&hex_sha256(body)) {
                            return Err(invalid("X-Sdk-Content-Sha256 is not the body's hash"));
                        }
                        given.clone()
                    }
                }
            };
            if !self.signs(&payload) {
                return Err(invalid("the signature does not match the request"));
            }
            Ok(Identity {
                scheme: "aksk".to_owned(),
                principal: self.access_key,
            })
        }
    }

    impl<K: KeyStore> Authenticate for AkSkVerifier<K> {
        fn authenticate_head(&self, head: &RequestHead<'_>) -> Result<HeadVerdict, AuthError> {
            self.check_head(
                head.method.as_str(),
                head.uri.path(),
                head.uri.query().unwrap_or(""),
                head.headers,
                head.uri.authority().map(axum::http::uri::Authority::as_str),
                head.body_length,
            )
        }
    }
}
