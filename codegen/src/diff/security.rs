//! Security and servers: the document's server URLs, the definitions of
//! security schemes both versions have, and each operation's security
//! requirements in effect (its own `security`, else the document's).

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use super::Cx;
use crate::load::Document;
use crate::openapi::{join, OperationSite};

/// The document's server URLs with their pointers (`/` when it names none,
/// as OpenAPI says).
fn servers(doc: &Document) -> Vec<(String, String)> {
    let list: Vec<(String, String)> = doc
        .value
        .get("servers")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
        .filter_map(|(i, s)| {
            let url = s.get("url")?.as_str()?;
            Some((
                url.trim_end_matches('/').to_owned(),
                format!("/servers/{i}"),
            ))
        })
        .collect();
    if list.is_empty() {
        vec![(String::new(), "/servers".to_owned())]
    } else {
        list
    }
}

pub(super) fn compare_servers(cx: &mut Cx<'_>) {
    let olds = servers(cx.old);
    let news = servers(cx.new);
    let shown = |url: &str| {
        if url.is_empty() {
            "/".to_owned()
        } else {
            url.to_owned()
        }
    };
    for (url, at) in &olds {
        if !news.iter().any(|(u, _)| u == url) {
            cx.report(
                "server-removed",
                None,
                format!("server `{}` was removed", shown(url)),
                Some(at),
                Some("/servers"),
            );
        }
    }
    for (url, at) in &news {
        if !olds.iter().any(|(u, _)| u == url) {
            cx.report(
                "server-added",
                None,
                format!("server `{}` was added", shown(url)),
                Some("/servers"),
                Some(at),
            );
        }
    }
}

/// What of a security scheme decides how credentials are sent.
fn scheme_shape(scheme: &Value) -> BTreeMap<String, String> {
    let mut shape = BTreeMap::new();
    for field in ["type", "in", "name", "scheme", "openIdConnectUrl"] {
        if let Some(v) = scheme.get(field).and_then(Value::as_str) {
            let v = if field == "scheme" || field == "type" {
                v.to_ascii_lowercase()
            } else {
                v.to_owned()
            };
            shape.insert(field.to_owned(), v);
        }
    }
    if let Some(flows) = scheme.get("flows").and_then(Value::as_object) {
        for (flow, object) in flows {
            for url in ["authorizationUrl", "tokenUrl"] {
                let value = object.get(url).and_then(Value::as_str).unwrap_or_default();
                shape.insert(format!("flows/{flow}/{url}"), value.to_owned());
            }
        }
    }
    shape
}

pub(super) fn compare_schemes(cx: &mut Cx<'_>) {
    let old_doc = cx.old;
    let new_doc = cx.new;
    let schemes = |doc: &'_ Document| {
        doc.value
            .pointer("/components/securitySchemes")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default()
    };
    let (olds, news) = (schemes(old_doc), schemes(new_doc));
    for (name, old) in &olds {
        let Some(new) = news.get(name) else {
            continue;
        };
        let at = join("/components/securitySchemes", name);
        let (Some((old, old_at)), Some((new, new_at))) =
            (old_doc.follow_refs(old, &at), new_doc.follow_refs(new, &at))
        else {
            continue;
        };
        let (was, is) = (scheme_shape(old), scheme_shape(new));
        if was == is {
            continue;
        }
        let fields: BTreeSet<&String> = was.keys().chain(is.keys()).collect();
        let changed: Vec<String> = fields
            .into_iter()
            .filter(|f| was.get(*f) != is.get(*f))
            .map(|f| {
                let show =
                    |v: Option<&String>| v.map_or_else(|| "none".to_owned(), |v| format!("`{v}`"));
                format!("{f} {} → {}", show(was.get(f)), show(is.get(f)))
            })
            .collect();
        cx.report(
            "security-scheme-changed",
            None,
            format!("security scheme `{name}` changed: {}", changed.join(", ")),
            Some(&old_at),
            Some(&new_at),
        );
    }
}

/// One way to authenticate: scheme name → scopes.
type Alternative = BTreeMap<String, BTreeSet<String>>;

/// The requirements in effect for an operation, with the pointer of the
/// `security` list they come from.
fn requirements(doc: &Document, site: &OperationSite<'_>) -> (Vec<Alternative>, String) {
    let (list, at) = match site.op.get("security") {
        Some(list) => (Some(list), join(&site.pointer, "security")),
        None => (doc.value.get("security"), "/security".to_owned()),
    };
    let alternatives = list
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|req| {
            req.as_object()
                .into_iter()
                .flatten()
                .map(|(name, scopes)| {
                    let scopes = scopes
                        .as_array()
                        .into_iter()
                        .flatten()
                        .filter_map(Value::as_str)
                        .map(str::to_owned)
                        .collect();
                    (name.clone(), scopes)
                })
                .collect()
        })
        .collect();
    (alternatives, at)
}

fn names(alternative: &Alternative) -> String {
    if alternative.is_empty() {
        return "no credentials".to_owned();
    }
    alternative
        .keys()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(" and ")
}

pub(super) fn compare_operation<'d>(
    cx: &mut Cx<'d>,
    op: &str,
    old_site: &OperationSite<'d>,
    new_site: &OperationSite<'d>,
) {
    let (olds, old_at) = requirements(cx.old, old_site);
    let (news, new_at) = requirements(cx.new, new_site);
    if olds == news {
        return;
    }
    // An empty list, or an empty alternative, lets anyone in.
    let open = |alts: &[Alternative]| alts.is_empty() || alts.iter().any(BTreeMap::is_empty);
    match (open(&olds), open(&news)) {
        (true, true) => return,
        (false, true) => {
            cx.report(
                "security-scheme-removed-from-operation",
                Some(op),
                "the operation no longer needs credentials".to_owned(),
                Some(&old_at),
                Some(&new_at),
            );
            return;
        }
        (true, false) => {
            let needed: Vec<String> = news.iter().map(names).collect();
            cx.report(
                "security-scheme-added-to-operation",
                Some(op),
                format!(
                    "the operation now needs credentials: {}",
                    needed.join(" or ")
                ),
                Some(&old_at),
                Some(&new_at),
            );
            return;
        }
        (false, false) => {}
    }
    let mut matched = vec![false; news.len()];
    let keys = |a: &Alternative| a.keys().cloned().collect::<BTreeSet<String>>();
    for (i, old) in olds.iter().enumerate() {
        let old_ptr = format!("{old_at}/{i}");
        let old_keys = keys(old);
        if let Some(j) = news.iter().position(|n| keys(n) == old_keys) {
            matched[j] = true;
            let new = &news[j];
            let new_ptr = format!("{new_at}/{j}");
            for (scheme, old_scopes) in old {
                let new_scopes = &new[scheme];
                for scope in new_scopes.difference(old_scopes) {
                    cx.report(
                        "security-scope-added",
                        Some(op),
                        format!("security scheme `{scheme}` now needs scope `{scope}`"),
                        Some(&old_ptr),
                        Some(&new_ptr),
                    );
                }
                for scope in old_scopes.difference(new_scopes) {
                    cx.report(
                        "security-scope-removed",
                        Some(op),
                        format!("security scheme `{scheme}` no longer needs scope `{scope}`"),
                        Some(&old_ptr),
                        Some(&new_ptr),
                    );
                }
            }
            continue;
        }
        let fewer = news.iter().position(|n| keys(n).is_subset(&old_keys));
        let more = news.iter().position(|n| keys(n).is_superset(&old_keys));
        match (fewer, more) {
            (Some(j), _) => {
                matched[j] = true;
                cx.report(
                    "security-scheme-removed-from-operation",
                    Some(op),
                    format!(
                        "{} is enough where {} was needed",
                        names(&news[j]),
                        names(old)
                    ),
                    Some(&old_ptr),
                    Some(&format!("{new_at}/{j}")),
                );
            }
            (None, Some(j)) => {
                matched[j] = true;
                let extra: Vec<String> = keys(&news[j])
                    .difference(&old_keys)
                    .map(|n| format!("`{n}`"))
                    .collect();
                cx.report(
                    "security-scheme-added-to-operation",
                    Some(op),
                    format!(
                        "where {} was enough, {} is needed too",
                        names(old),
                        extra.join(" and ")
                    ),
                    Some(&old_ptr),
                    Some(&format!("{new_at}/{j}")),
                );
            }
            (None, None) => cx.report(
                "security-alternative-removed",
                Some(op),
                format!("credentials of {} are no longer accepted", names(old)),
                Some(&old_ptr),
                Some(&new_at),
            ),
        }
    }
    for (j, new) in news.iter().enumerate() {
        if !matched[j] {
            cx.report(
                "security-alternative-added",
                Some(op),
                format!("credentials of {} are accepted too", names(new)),
                Some(&old_at),
                Some(&format!("{new_at}/{j}")),
            );
        }
    }
}
