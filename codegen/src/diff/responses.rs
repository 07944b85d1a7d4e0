//! Responses: statuses (`2xx` and `2XX` are one key), and for each status
//! both versions document, its headers (names in any case) and media types.

use serde_json::{Map, Value};

use super::bodies::compare_content;
use super::schemas::{self, Dir};
use super::Cx;
use crate::load::Document;
use crate::openapi::{join, OperationSite};

/// The responses of an operation: status key (upper-cased) → (response
/// object with `$ref`s followed, pointer), and the `responses` pointer.
fn responses<'a>(
    doc: &'a Document,
    site: &OperationSite<'a>,
) -> (Vec<(String, &'a Value, String, String)>, String) {
    let at = join(&site.pointer, "responses");
    let list = site
        .op
        .get("responses")
        .and_then(Value::as_object)
        .map(Map::iter)
        .into_iter()
        .flatten()
        .filter(|(status, _)| !status.starts_with("x-"))
        .filter_map(|(status, response)| {
            // Where the status is listed, and where its response is
            // written (the target of a `$ref`).
            let entry = join(&at, status);
            let (value, pointer) = doc.follow_refs(response, &entry)?;
            Some((status.to_ascii_uppercase(), value, pointer, entry))
        })
        .collect();
    (list, at)
}

pub(super) fn compare<'d>(
    cx: &mut Cx<'d>,
    op: &str,
    old_site: &OperationSite<'d>,
    new_site: &OperationSite<'d>,
) {
    let (olds, old_at) = responses(cx.old, old_site);
    let (news, new_at) = responses(cx.new, new_site);
    for (status, old, old_ptr, old_entry) in &olds {
        match news.iter().find(|(s, _, _, _)| s == status) {
            None => cx.report(
                "response-status-removed",
                Some(op),
                format!("response {status} was removed"),
                Some(old_entry),
                Some(&new_at),
            ),
            Some((_, new, new_ptr, _)) => {
                let what = format!("response {status}");
                compare_headers(cx, op, &what, (old, old_ptr), (new, new_ptr));
                compare_content(
                    cx,
                    Dir::Response,
                    op,
                    &format!("{what} body"),
                    (old, old_ptr),
                    (new, new_ptr),
                );
            }
        }
    }
    for (status, _, _, new_entry) in &news {
        if !olds.iter().any(|(s, _, _, _)| s == status) {
            cx.report(
                "response-status-added",
                Some(op),
                format!("response {status} was added"),
                Some(&old_at),
                Some(new_entry),
            );
        }
    }
}

/// The headers of a response: lower-cased name → (header object with
/// `$ref`s followed, pointer, name as written).
fn headers<'a>(
    doc: &'a Document,
    response: &'a Value,
    at: &str,
) -> Vec<(String, &'a Value, String, String)> {
    let at = join(at, "headers");
    response
        .get("headers")
        .and_then(Value::as_object)
        .map(Map::iter)
        .into_iter()
        .flatten()
        // `Content-Type` is described by `content`, never as a header.
        .filter(|(name, _)| !name.eq_ignore_ascii_case("content-type"))
        .filter_map(|(name, header)| {
            let (value, pointer) = doc.follow_refs(header, &join(&at, name))?;
            Some((name.to_ascii_lowercase(), value, pointer, name.clone()))
        })
        .collect()
}

fn compare_headers<'d>(
    cx: &mut Cx<'d>,
    op: &str,
    what: &str,
    old: (&'d Value, &str),
    new: (&'d Value, &str),
) {
    let olds = headers(cx.old, old.0, old.1);
    let news = headers(cx.new, new.0, new.1);
    let required = |h: &Value| h.get("required") == Some(&Value::Bool(true));
    for (key, old_header, old_ptr, name) in &olds {
        match news.iter().find(|(k, ..)| k == key) {
            None => cx.report(
                "response-header-removed",
                Some(op),
                format!("{what}: header `{name}` was removed"),
                Some(old_ptr),
                Some(&join(new.1, "headers")),
            ),
            Some((_, new_header, new_ptr, name)) => {
                match (required(old_header), required(new_header)) {
                    (true, false) => cx.report(
                        "response-header-became-optional",
                        Some(op),
                        format!("{what}: header `{name}` became optional"),
                        Some(&join(old_ptr, "required")),
                        Some(new_ptr),
                    ),
                    (false, true) => cx.report(
                        "response-header-became-required",
                        Some(op),
                        format!("{what}: header `{name}` became required"),
                        Some(old_ptr),
                        Some(&join(new_ptr, "required")),
                    ),
                    _ => {}
                }
                if let (Some(o), Some(n)) = (old_header.get("schema"), new_header.get("schema")) {
                    schemas::compare(
                        cx,
                        Dir::Response,
                        op,
                        &format!("{what} header `{name}`"),
                        (o, &join(old_ptr, "schema")),
                        (n, &join(new_ptr, "schema")),
                    );
                }
            }
        }
    }
    for (key, _, new_ptr, name) in &news {
        if !olds.iter().any(|(k, ..)| k == key) {
            cx.report(
                "response-header-added",
                Some(op),
                format!("{what}: header `{name}` was added"),
                Some(&join(old.1, "headers")),
                Some(new_ptr),
            );
        }
    }
}
