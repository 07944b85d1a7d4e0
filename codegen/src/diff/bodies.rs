//! Request bodies: presence, required, media types (by their essence:
//! `application/json; charset=utf-8` is `application/json`) and the schema
//! of each media type both versions accept.

use serde_json::{Map, Value};

use super::schemas::{self, Dir};
use super::Cx;
use crate::load::Document;
use crate::openapi::{join, media_essence, OperationSite};

/// The request body (`$ref`s followed) and its pointer.
fn body<'a>(doc: &'a Document, site: &OperationSite<'a>) -> Option<(&'a Value, String)> {
    let body = site.op.get("requestBody")?;
    doc.follow_refs(body, &join(&site.pointer, "requestBody"))
}

/// The media types of a `content` object: essence → (media type object,
/// pointer), in document order.
pub(super) fn media_types<'a>(
    holder: &'a Value,
    pointer: &str,
) -> Vec<(String, &'a Value, String)> {
    let content_ptr = join(pointer, "content");
    holder
        .get("content")
        .and_then(Value::as_object)
        .map(Map::iter)
        .into_iter()
        .flatten()
        .map(|(media, object)| (media_essence(media), object, join(&content_ptr, media)))
        .collect()
}

pub(super) fn compare<'d>(
    cx: &mut Cx<'d>,
    op: &str,
    old_site: &OperationSite<'d>,
    new_site: &OperationSite<'d>,
) {
    let old_doc = cx.old;
    let new_doc = cx.new;
    let required = |b: &Value| b.get("required") == Some(&Value::Bool(true));
    match (body(old_doc, old_site), body(new_doc, new_site)) {
        (None, None) => {}
        (None, Some((new, at))) => {
            let (id, what) = if required(new) {
                ("request-body-added-required", "required")
            } else {
                ("request-body-added-optional", "optional")
            };
            cx.report(
                id,
                Some(op),
                format!("the operation now takes a request body ({what})"),
                Some(&old_site.pointer),
                Some(&at),
            );
        }
        (Some((_, at)), None) => cx.report(
            "request-body-removed",
            Some(op),
            "the operation no longer takes a request body".to_owned(),
            Some(&at),
            Some(&new_site.pointer),
        ),
        (Some((old, old_at)), Some((new, new_at))) => {
            match (required(old), required(new)) {
                (false, true) => cx.report(
                    "request-body-became-required",
                    Some(op),
                    "the request body became required".to_owned(),
                    Some(&old_at),
                    Some(&join(&new_at, "required")),
                ),
                (true, false) => cx.report(
                    "request-body-became-optional",
                    Some(op),
                    "the request body became optional".to_owned(),
                    Some(&join(&old_at, "required")),
                    Some(&new_at),
                ),
                _ => {}
            }
            compare_content(
                cx,
                Dir::Request,
                op,
                "request body",
                (old, &old_at),
                (new, &new_at),
            );
        }
    }
}

/// The media types of two `content` holders (request bodies, responses),
/// and the schemas of those both have.
pub(super) fn compare_content<'d>(
    cx: &mut Cx<'d>,
    dir: Dir,
    op: &str,
    what: &str,
    old: (&'d Value, &str),
    new: (&'d Value, &str),
) {
    let olds = media_types(old.0, old.1);
    let news = media_types(new.0, new.1);
    let (added, removed) = match dir {
        Dir::Request => ("request-media-type-added", "request-media-type-removed"),
        Dir::Response => ("response-media-type-added", "response-media-type-removed"),
    };
    for (media, old_media, old_at) in &olds {
        match news.iter().find(|(m, _, _)| m == media) {
            None => cx.report(
                removed,
                Some(op),
                format!("{what}: media type `{media}` was removed"),
                Some(old_at),
                Some(&join(new.1, "content")),
            ),
            Some((_, new_media, new_at)) => {
                if let (Some(o), Some(n)) = (old_media.get("schema"), new_media.get("schema")) {
                    schemas::compare(
                        cx,
                        dir,
                        op,
                        &format!("{what} ({media})"),
                        (o, &join(old_at, "schema")),
                        (n, &join(new_at, "schema")),
                    );
                }
            }
        }
    }
    for (media, _, new_at) in &news {
        if !olds.iter().any(|(m, _, _)| m == media) {
            cx.report(
                added,
                Some(op),
                format!("{what}: media type `{media}` was added"),
                Some(&join(old.1, "content")),
                Some(new_at),
            );
        }
    }
}
