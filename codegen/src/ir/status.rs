//! Status codes: the keys of `responses`, their variant names and reason
//! phrases.

use super::Status;
use crate::naming::camel_ident;

pub(crate) fn parse_status(s: &str) -> Option<Status> {
    if s == "default" {
        return Some(Status::Default);
    }
    if s.len() == 3 && s[1..].eq_ignore_ascii_case("xx") {
        let d = s[..1].parse::<u16>().ok().filter(|d| (1..=5).contains(d))?;
        return Some(Status::Range(d));
    }
    s.parse::<u16>()
        .ok()
        .filter(|c| (100..600).contains(c))
        .map(Status::Code)
}

/// `Ok`, `NotFound`, `Status418`, `Status4xx`, `Default`.
pub(super) fn status_variant(s: &Status) -> String {
    match s {
        Status::Code(c) => match reason(*c) {
            Some(r) => camel_ident(r),
            None => format!("Status{c}"),
        },
        Status::Range(d) => format!("Status{d}xx"),
        Status::Default => "Default".into(),
    }
}

/// Reason phrases of the registered status codes a spec is likely to use.
pub fn reason(code: u16) -> Option<&'static str> {
    Some(match code {
        200 => "OK",
        201 => "Created",
        202 => "Accepted",
        203 => "Non-Authoritative Information",
        204 => "No Content",
        206 => "Partial Content",
        207 => "Multi-Status",
        300 => "Multiple Choices",
        301 => "Moved Permanently",
        302 => "Found",
        303 => "See Other",
        304 => "Not Modified",
        307 => "Temporary Redirect",
        308 => "Permanent Redirect",
        400 => "Bad Request",
        401 => "Unauthorized",
        402 => "Payment Required",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        406 => "Not Acceptable",
        408 => "Request Timeout",
        409 => "Conflict",
        410 => "Gone",
        411 => "Length Required",
        412 => "Precondition Failed",
        413 => "Payload Too Large",
        415 => "Unsupported Media Type",
        422 => "Unprocessable Entity",
        423 => "Locked",
        428 => "Precondition Required",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses() {
        assert_eq!(parse_status("404"), Some(Status::Code(404)));
        assert_eq!(parse_status("4XX"), Some(Status::Range(4)));
        assert_eq!(parse_status("default"), Some(Status::Default));
        assert_eq!(parse_status("abc"), None);
        assert_eq!(status_variant(&Status::Code(404)), "NotFound");
        assert_eq!(status_variant(&Status::Code(299)), "Status299");
        assert!(Status::Range(2).is_success());
    }
}
