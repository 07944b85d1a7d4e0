//! Parameters: matched by location and name (a header's name in any case;
//! a path parameter by its place in the template, so a rename is not a
//! removal), then compared: presence, required, location, style, explode,
//! deprecation and schema.

use serde_json::Value;

use super::schemas::{self, Dir};
use super::Cx;
use crate::openapi::{join, template_names, OperationSite, ParamSite};

/// How a parameter is matched with its counterpart.
fn key(site: &OperationSite<'_>, param: &ParamSite<'_>) -> (String, String) {
    let location = param.location().to_owned();
    let name = match location.as_str() {
        "header" => param.name().to_ascii_lowercase(),
        "path" => match template_names(&site.template)
            .iter()
            .position(|n| n == param.name())
        {
            Some(i) => format!("#{i}"),
            None => param.name().to_owned(),
        },
        _ => param.name().to_owned(),
    };
    (location, name)
}

fn required(param: &ParamSite<'_>) -> bool {
    param.location() == "path" || param.value.get("required") == Some(&Value::Bool(true))
}

/// The style in effect: the one written, else the location's default.
fn style(param: &ParamSite<'_>) -> String {
    match param.value.get("style").and_then(Value::as_str) {
        Some(style) => style.to_owned(),
        None => match param.location() {
            "query" | "cookie" => "form".to_owned(),
            _ => "simple".to_owned(),
        },
    }
}

/// The explode in effect: the one written, else true for `form` only.
fn explode(param: &ParamSite<'_>) -> bool {
    match param.value.get("explode").and_then(Value::as_bool) {
        Some(explode) => explode,
        None => style(param) == "form",
    }
}

/// The parameter's schema and its pointer: `schema`, or the schema of its
/// one `content` media type.
fn schema<'a>(param: &ParamSite<'a>) -> Option<(&'a Value, String)> {
    if let Some(schema) = param.value.get("schema") {
        return Some((schema, join(&param.target, "schema")));
    }
    let (media, body) = param.value.get("content")?.as_object()?.iter().next()?;
    let schema = body.get("schema")?;
    Some((
        schema,
        join(&join(&join(&param.target, "content"), media), "schema"),
    ))
}

fn describe(param: &ParamSite<'_>) -> String {
    format!("{} parameter `{}`", param.location(), param.name())
}

pub(super) fn compare<'d>(
    cx: &mut Cx<'d>,
    op: &str,
    old_site: &OperationSite<'d>,
    new_site: &OperationSite<'d>,
) {
    let olds: Vec<_> = old_site
        .params
        .iter()
        .filter(|p| p.resolved)
        .map(|p| (key(old_site, p), p))
        .collect();
    let news: Vec<_> = new_site
        .params
        .iter()
        .filter(|p| p.resolved)
        .map(|p| (key(new_site, p), p))
        .collect();
    let mut taken = vec![false; news.len()];
    let mut moved = Vec::new();
    for (k, old) in &olds {
        if let Some(i) = news.iter().position(|(nk, _)| nk == k) {
            taken[i] = true;
            compare_matched(cx, op, old, news[i].1);
        } else {
            moved.push(*old);
        }
    }
    // What is left of the old ones: moved to another location (same name),
    // or removed.
    for old in moved {
        let same_name = news
            .iter()
            .enumerate()
            .position(|(i, (_, p))| !taken[i] && p.name().eq_ignore_ascii_case(old.name()));
        match same_name {
            Some(i) => {
                taken[i] = true;
                let new = news[i].1;
                cx.report(
                    "parameter-location-changed",
                    Some(op),
                    format!(
                        "parameter `{}` moved from {} to {}",
                        old.name(),
                        old.location(),
                        new.location()
                    ),
                    Some(&join(&old.target, "in")),
                    Some(&join(&new.target, "in")),
                );
            }
            None => cx.report(
                "parameter-removed",
                Some(op),
                format!("{} was removed", describe(old)),
                Some(&old.target),
                Some(&join(&new_site.pointer, "parameters")),
            ),
        }
    }
    for (i, (_, new)) in news.iter().enumerate() {
        if taken[i] {
            continue;
        }
        let (id, what) = if required(new) {
            ("parameter-added-required", "required")
        } else {
            ("parameter-added-optional", "optional")
        };
        cx.report(
            id,
            Some(op),
            format!("{} was added ({what})", describe(new)),
            Some(&join(&old_site.pointer, "parameters")),
            Some(&new.target),
        );
    }
}

fn compare_matched<'d>(cx: &mut Cx<'d>, op: &str, old: &ParamSite<'d>, new: &ParamSite<'d>) {
    let what = describe(new);
    match (required(old), required(new)) {
        (false, true) => cx.report(
            "parameter-became-required",
            Some(op),
            format!("{what} became required"),
            Some(&old.target),
            Some(&join(&new.target, "required")),
        ),
        (true, false) => cx.report(
            "parameter-became-optional",
            Some(op),
            format!("{what} became optional"),
            Some(&join(&old.target, "required")),
            Some(&new.target),
        ),
        _ => {}
    }
    let (old_style, new_style) = (style(old), style(new));
    let (old_explode, new_explode) = (explode(old), explode(new));
    if old_style != new_style {
        // The default explode follows the style: one change, said once.
        let explode = if old_explode == new_explode {
            String::new()
        } else {
            format!(" (explode {old_explode} → {new_explode})")
        };
        cx.report(
            "parameter-style-changed",
            Some(op),
            format!("{what}: style changed from `{old_style}` to `{new_style}`{explode}"),
            Some(&join(&old.target, "style")),
            Some(&join(&new.target, "style")),
        );
    } else if old_explode != new_explode {
        cx.report(
            "parameter-explode-changed",
            Some(op),
            format!("{what}: explode changed from {old_explode} to {new_explode}"),
            Some(&join(&old.target, "explode")),
            Some(&join(&new.target, "explode")),
        );
    }
    let deprecated = |p: &ParamSite<'_>| p.value.get("deprecated") == Some(&Value::Bool(true));
    if deprecated(new) && !deprecated(old) {
        cx.report(
            "parameter-deprecated",
            Some(op),
            format!("{what} is now deprecated"),
            Some(&old.target),
            Some(&join(&new.target, "deprecated")),
        );
    }
    if let (Some(old_schema), Some(new_schema)) = (schema(old), schema(new)) {
        schemas::compare(
            cx,
            Dir::Request,
            op,
            &what,
            (old_schema.0, &old_schema.1),
            (new_schema.0, &new_schema.1),
        );
    }
}
