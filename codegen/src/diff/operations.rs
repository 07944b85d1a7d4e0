//! Operations: matched by method and path template (path parameter names
//! aside, so renaming one is not a removal), then compared part by part.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use super::{bodies, parameters, responses, security, Cx};
use crate::openapi::{self, join, template_names, OperationSite};

/// The method and the template with every `{name}` written `{}`.
fn key(site: &OperationSite<'_>) -> (String, String) {
    let mut normalized = String::new();
    let mut rest = site.template.as_str();
    while let Some(start) = rest.find('{') {
        let Some(len) = rest[start..].find('}') else {
            break;
        };
        normalized.push_str(&rest[..start]);
        normalized.push_str("{}");
        rest = &rest[start + len + 1..];
    }
    normalized.push_str(rest);
    (site.method.to_ascii_uppercase(), normalized)
}

/// `METHOD /template`.
pub(super) fn label(site: &OperationSite<'_>) -> String {
    format!("{} {}", site.method, site.template)
}

pub(super) fn compare(cx: &mut Cx<'_>) {
    let old_doc = cx.old;
    let new_doc = cx.new;
    let olds = openapi::operations(old_doc);
    let news = openapi::operations(new_doc);
    let mut by_key: BTreeMap<(String, String), usize> = BTreeMap::new();
    for (i, site) in news.iter().enumerate() {
        by_key.entry(key(site)).or_insert(i);
    }
    let mut matched = BTreeSet::new();
    for old in &olds {
        match by_key.get(&key(old)) {
            Some(&i) if matched.insert(i) => compare_operation(cx, old, &news[i]),
            _ => {
                let op = label(old);
                cx.report(
                    "operation-removed",
                    Some(&op),
                    "operation was removed".to_owned(),
                    Some(&old.pointer),
                    Some(&old.pointer),
                );
            }
        }
    }
    for (i, new) in news.iter().enumerate() {
        if !matched.contains(&i) {
            let op = label(new);
            cx.report(
                "operation-added",
                Some(&op),
                "operation was added".to_owned(),
                Some(&new.pointer),
                Some(&new.pointer),
            );
        }
    }
}

fn operation_id(site: &OperationSite<'_>) -> Option<String> {
    openapi::text(site.op.get("operationId"))
}

fn compare_operation<'d>(cx: &mut Cx<'d>, old: &OperationSite<'d>, new: &OperationSite<'d>) {
    let op = label(new);
    let (old_id, new_id) = (operation_id(old), operation_id(new));
    if old_id != new_id {
        let name = |id: &Option<String>| {
            id.as_deref()
                .map_or_else(|| "none".to_owned(), |id| format!("`{id}`"))
        };
        cx.report(
            "operation-id-changed",
            Some(&op),
            format!(
                "operationId changed from {} to {}",
                name(&old_id),
                name(&new_id)
            ),
            Some(&join(&old.pointer, "operationId")),
            Some(&join(&new.pointer, "operationId")),
        );
    }
    let deprecated =
        |site: &OperationSite<'_>| site.op.get("deprecated") == Some(&Value::Bool(true));
    if deprecated(new) && !deprecated(old) {
        cx.report(
            "operation-deprecated",
            Some(&op),
            "operation is now deprecated".to_owned(),
            Some(&old.pointer),
            Some(&join(&new.pointer, "deprecated")),
        );
    }
    let old_names = template_names(&old.template);
    let new_names = template_names(&new.template);
    for (position, (was, is)) in old_names.iter().zip(&new_names).enumerate() {
        if was != is {
            cx.report(
                "path-parameter-renamed",
                Some(&op),
                format!(
                    "path parameter {} of the template is now `{is}` (was `{was}`)",
                    position + 1
                ),
                Some(&old.pointer),
                Some(&new.pointer),
            );
        }
    }
    parameters::compare(cx, &op, old, new);
    bodies::compare(cx, &op, old, new);
    responses::compare(cx, &op, old, new);
    security::compare_operation(cx, &op, old, new);
}
