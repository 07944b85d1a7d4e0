//! The Rust-level view of a spec change: what it does to the public API of
//! the generated crate, and the version bump that needs under Cargo's SemVer
//! rules (<https://doc.rust-lang.org/cargo/reference/semver.html>).
//!
//! Built from the generated code itself, not from a table of spec rules:
//! each version of the document goes through [`crate::generate`] in
//! process, the module sources it produces are parsed with `syn`, and their
//! public items are collected ([`surface`]: structs and their public fields,
//! enums and their variants, functions and inherent methods with their
//! signatures, traits and their methods, consts, type aliases, re-exports,
//! the traits each type implements). Two surfaces are then compared item by
//! item ([`compare`]), each change named and classed major, minor or patch.

pub mod surface;

use std::collections::BTreeSet;
use std::fmt;
use std::path::Path;

use serde::Serialize;

pub use surface::{Item, Surface};

use crate::load::Document;
use crate::{CrateOptions, GenerateError, Input};

/// A version bump, in Cargo's terms. Ordered: `Patch < Minor < Major`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Bump {
    /// Nothing public changed.
    #[default]
    Patch,
    /// Something was added that no user of the old API can trip on.
    Minor,
    /// Code written against the old API may stop compiling.
    Major,
}

impl Bump {
    pub fn name(self) -> &'static str {
        match self {
            Bump::Patch => "patch",
            Bump::Minor => "minor",
            Bump::Major => "major",
        }
    }

    /// The bump a list of changes needs: the largest of theirs.
    pub fn of(changes: &[RustChange]) -> Bump {
        changes.iter().map(|c| c.bump).max().unwrap_or_default()
    }
}

impl fmt::Display for Bump {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One change to the public Rust API.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RustChange {
    /// What kind of change ([`RULES`]).
    pub rule: &'static str,
    pub bump: Bump,
    /// The item's Rust path (`module::types::Thing::field`).
    pub path: String,
    pub message: String,
}

/// The Rust-level rules: id, the class Cargo's rules give it, and when.
pub const RULES: &[(&str, &str, &str)] = &[
    ("item-added", "minor", "a public item is new"),
    ("item-removed", "major", "a public item is gone"),
    ("item-kind-changed", "major", "an item of one kind became one of another (a struct became a type alias)"),
    ("item-type-changed", "major", "a const's type, what a type alias or a re-export names changed"),
    ("generics-changed", "major", "a type's or trait's generic parameters or supertraits changed"),
    ("fn-added", "minor", "a public function or inherent method is new"),
    ("fn-removed", "major", "a public function or inherent method is gone"),
    ("fn-signature-changed", "major", "a function's argument or return types changed"),
    ("struct-field-added", "major or minor", "major when the struct is exhaustive and every field public (struct literals break), else minor"),
    ("struct-field-removed", "major", "a public field is gone"),
    ("field-type-changed", "major", "a public field's type changed"),
    ("struct-became-non-exhaustive", "major", "struct literals outside the crate stop compiling"),
    ("struct-became-exhaustive", "minor", "`#[non_exhaustive]` was removed"),
    ("enum-variant-added", "major or minor", "major on an exhaustive enum (matches break), minor on a `#[non_exhaustive]` one"),
    ("enum-variant-removed", "major", "a variant is gone"),
    ("variant-payload-changed", "major", "what a variant holds changed"),
    ("enum-became-non-exhaustive", "major", "exhaustive matches stop compiling"),
    ("enum-became-exhaustive", "minor", "`#[non_exhaustive]` was removed"),
    ("trait-impl-added", "minor", "a type implements a trait it did not"),
    ("trait-impl-removed", "major", "a type no longer implements a trait"),
    ("trait-method-added", "major", "a trait method without a default body: implementations break"),
    ("trait-method-added-with-default", "minor", "a trait method with a default body"),
    ("trait-method-removed", "major", "a trait method is gone"),
    ("trait-method-signature-changed", "major", "a trait method's argument or return types changed"),
    ("trait-method-default-removed", "major", "a trait method lost its default body"),
    ("trait-method-default-added", "minor", "a trait method gained a default body"),
];

/// The public API surface of the module `module` generated from `document`
/// (as `cargo xtask codegen` would generate it, without refusing what it
/// can work around).
pub fn surface(document: &Document, module: &str) -> Result<Surface, GenerateError> {
    let inputs = [Input {
        module: module.to_owned(),
        source: module.to_owned(),
        document: document.clone(),
    }];
    let opts = CrateOptions::in_workspace(module.replace('_', "-"), "", "../runtime");
    let generated = crate::generate(&inputs, &opts, "cargo xtask diff")?;
    let mut out = Surface::default();
    let dir = Path::new("src").join(module);
    for (path, text) in &generated.files {
        let Ok(rest) = path.strip_prefix(&dir) else {
            continue;
        };
        let Some(stem) = rest.file_stem().and_then(|s| s.to_str()) else {
            continue;
        };
        if rest.extension().and_then(|e| e.to_str()) != Some("rs") {
            continue;
        }
        let name = if stem == "mod" {
            module.to_owned()
        } else {
            format!("{module}::{}", rest.with_extension("").display()).replace('/', "::")
        };
        // The generator formats only what `syn` parses: this cannot fail.
        let file: syn::File = syn::parse_str(text).map_err(|e| crate::FormatError {
            file: path.display().to_string(),
            message: format!("generated source is not valid Rust: {e}"),
        })?;
        out.add_file(&name, &file);
    }
    Ok(out)
}

/// Every change from `old` to `new`, by Rust path. Something added or
/// removed inside an item that is itself added or removed (the methods of a
/// new type, the items of a removed module) is not listed again.
pub fn compare(old: &Surface, new: &Surface) -> Vec<RustChange> {
    let mut out = Vec::new();
    let removed: BTreeSet<&str> = old
        .items
        .keys()
        .filter(|p| !new.items.contains_key(*p))
        .map(String::as_str)
        .collect();
    let added: BTreeSet<&str> = new
        .items
        .keys()
        .filter(|p| !old.items.contains_key(*p))
        .map(String::as_str)
        .collect();
    let inside = |set: &BTreeSet<&str>, path: &str| {
        let mut p = path;
        while let Some(i) = p.rfind("::") {
            p = &p[..i];
            if set.contains(p) {
                return true;
            }
        }
        false
    };
    for (path, item) in &old.items {
        match new.items.get(path) {
            None if inside(&removed, path) => {}
            None => {
                let rule = if matches!(item, Item::Fn(_)) {
                    "fn-removed"
                } else {
                    "item-removed"
                };
                out.push(change(
                    rule,
                    Bump::Major,
                    path,
                    format!("{} `{path}` was removed", item.kind()),
                ));
            }
            Some(now) => compare_item(path, item, now, &mut out),
        }
    }
    for (path, item) in &new.items {
        if old.items.contains_key(path) || inside(&added, path) {
            continue;
        }
        let rule = if matches!(item, Item::Fn(_)) {
            "fn-added"
        } else {
            "item-added"
        };
        out.push(change(
            rule,
            Bump::Minor,
            path,
            format!("{} `{path}` was added", item.kind()),
        ));
    }
    out.sort_by(|a, b| {
        b.bump
            .cmp(&a.bump)
            .then_with(|| a.path.cmp(&b.path))
            .then_with(|| a.rule.cmp(b.rule))
    });
    out
}

fn change(rule: &'static str, bump: Bump, path: &str, message: String) -> RustChange {
    debug_assert!(RULES.iter().any(|(id, _, _)| *id == rule), "{rule}");
    RustChange {
        rule,
        bump,
        path: path.to_owned(),
        message,
    }
}

/// A struct's or enum's generic parameters changed: major.
fn generics_changed(
    path: &str,
    old: &str,
    new: &str,
    push: &mut impl FnMut(&'static str, Bump, &str, String),
) {
    if old != new {
        push(
            "generics-changed",
            Bump::Major,
            path,
            format!("`{path}`: generics changed from `{old}` to `{new}`"),
        );
    }
}

fn compare_item(path: &str, old: &Item, new: &Item, out: &mut Vec<RustChange>) {
    let mut push = |rule: &'static str, bump: Bump, at: &str, message: String| {
        out.push(change(rule, bump, at, message));
    };
    match (old, new) {
        (Item::Struct(a), Item::Struct(b)) => {
            generics_changed(path, &a.generics, &b.generics, &mut push);
            for (name, ty) in &a.fields {
                let at = format!("{path}::{name}");
                match b.fields.get(name) {
                    None => push(
                        "struct-field-removed",
                        Bump::Major,
                        &at,
                        format!("field `{at}: {ty}` was removed"),
                    ),
                    Some(now) if now != ty => push(
                        "field-type-changed",
                        Bump::Major,
                        &at,
                        format!("field `{at}` changed type from `{ty}` to `{now}`"),
                    ),
                    Some(_) => {}
                }
            }
            // Struct literals outside the crate name every field: only a
            // struct they could write breaks.
            let literal = !a.non_exhaustive && !a.private_fields;
            for (name, ty) in &b.fields {
                if a.fields.contains_key(name) {
                    continue;
                }
                let at = format!("{path}::{name}");
                let (bump, why) = if literal {
                    (
                        Bump::Major,
                        "struct literals of the exhaustive struct break",
                    )
                } else if a.non_exhaustive {
                    (Bump::Minor, "the struct is `#[non_exhaustive]`")
                } else {
                    (Bump::Minor, "the struct has private fields")
                };
                push(
                    "struct-field-added",
                    bump,
                    &at,
                    format!("field `{at}: {ty}` was added ({why})"),
                );
            }
            exhaustiveness(
                "struct",
                path,
                a.non_exhaustive,
                b.non_exhaustive,
                &mut push,
            );
            trait_impls(path, &a.traits, &b.traits, &mut push);
        }
        (Item::Enum(a), Item::Enum(b)) => {
            generics_changed(path, &a.generics, &b.generics, &mut push);
            for (name, payload) in &a.variants {
                let at = format!("{path}::{name}");
                match b.variants.get(name) {
                    None => push(
                        "enum-variant-removed",
                        Bump::Major,
                        &at,
                        format!("variant `{at}` was removed"),
                    ),
                    Some(now) if now != payload => push(
                        "variant-payload-changed",
                        Bump::Major,
                        &at,
                        format!("variant `{at}` changed from `{name}{payload}` to `{name}{now}`"),
                    ),
                    Some(_) => {}
                }
            }
            for name in b.variants.keys() {
                if a.variants.contains_key(name) {
                    continue;
                }
                let at = format!("{path}::{name}");
                let (bump, why) = if a.non_exhaustive {
                    (Bump::Minor, "the enum is `#[non_exhaustive]`")
                } else {
                    (Bump::Major, "exhaustive matches on it break")
                };
                push(
                    "enum-variant-added",
                    bump,
                    &at,
                    format!("variant `{at}` was added ({why})"),
                );
            }
            exhaustiveness("enum", path, a.non_exhaustive, b.non_exhaustive, &mut push);
            trait_impls(path, &a.traits, &b.traits, &mut push);
        }
        (Item::Fn(a), Item::Fn(b)) => {
            if a.key != b.key {
                push(
                    "fn-signature-changed",
                    Bump::Major,
                    path,
                    format!("`{path}` changed from `{}` to `{}`", a.text, b.text),
                );
            }
        }
        (Item::Trait(a), Item::Trait(b)) => {
            if a.header != b.header {
                push(
                    "generics-changed",
                    Bump::Major,
                    path,
                    format!(
                        "trait `{path}` changed from `{}` to `{}`",
                        a.header, b.header
                    ),
                );
            }
            for (name, m) in &a.methods {
                let at = format!("{path}::{name}");
                match b.methods.get(name) {
                    None => push(
                        "trait-method-removed",
                        Bump::Major,
                        &at,
                        format!("trait method `{at}` was removed"),
                    ),
                    Some(now) => {
                        if now.signature.key != m.signature.key {
                            push(
                                "trait-method-signature-changed",
                                Bump::Major,
                                &at,
                                format!(
                                    "trait method `{at}` changed from `{}` to `{}`",
                                    m.signature.text, now.signature.text
                                ),
                            );
                        }
                        if m.default && !now.default {
                            push(
                                "trait-method-default-removed",
                                Bump::Major,
                                &at,
                                format!("trait method `{at}` no longer has a default body"),
                            );
                        } else if !m.default && now.default {
                            push(
                                "trait-method-default-added",
                                Bump::Minor,
                                &at,
                                format!("trait method `{at}` gained a default body"),
                            );
                        }
                    }
                }
            }
            for (name, m) in &b.methods {
                if a.methods.contains_key(name) {
                    continue;
                }
                let at = format!("{path}::{name}");
                if m.default {
                    push(
                        "trait-method-added-with-default",
                        Bump::Minor,
                        &at,
                        format!("trait method `{at}` was added, with a default body"),
                    );
                } else {
                    push(
                        "trait-method-added",
                        Bump::Major,
                        &at,
                        format!("trait method `{at}` was added without a default body: implementations break"),
                    );
                }
            }
        }
        (Item::Const(a), Item::Const(b))
        | (Item::Alias(a), Item::Alias(b))
        | (Item::Use(a), Item::Use(b)) => {
            if a != b {
                push(
                    "item-type-changed",
                    Bump::Major,
                    path,
                    format!("{} `{path}` changed from `{a}` to `{b}`", old.kind()),
                );
            }
        }
        (Item::Mod, Item::Mod) => {}
        _ => push(
            "item-kind-changed",
            Bump::Major,
            path,
            format!("`{path}` changed from a {} to a {}", old.kind(), new.kind()),
        ),
    }
}

fn exhaustiveness(
    kind: &str,
    path: &str,
    old: bool,
    new: bool,
    push: &mut impl FnMut(&'static str, Bump, &str, String),
) {
    match (old, new) {
        (false, true) => push(
            if kind == "struct" {
                "struct-became-non-exhaustive"
            } else {
                "enum-became-non-exhaustive"
            },
            Bump::Major,
            path,
            format!("{kind} `{path}` became `#[non_exhaustive]`"),
        ),
        (true, false) => push(
            if kind == "struct" {
                "struct-became-exhaustive"
            } else {
                "enum-became-exhaustive"
            },
            Bump::Minor,
            path,
            format!("{kind} `{path}` is no longer `#[non_exhaustive]`"),
        ),
        _ => {}
    }
}

fn trait_impls(
    path: &str,
    old: &BTreeSet<String>,
    new: &BTreeSet<String>,
    push: &mut impl FnMut(&'static str, Bump, &str, String),
) {
    for t in old.difference(new) {
        push(
            "trait-impl-removed",
            Bump::Major,
            path,
            format!("`{path}` no longer implements `{t}`"),
        );
    }
    for t in new.difference(old) {
        push(
            "trait-impl-added",
            Bump::Minor,
            path,
            format!("`{path}` now implements `{t}`"),
        );
    }
}
