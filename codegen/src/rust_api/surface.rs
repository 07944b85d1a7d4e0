//! The public API surface of generated sources, read with `syn`: every
//! public item by its Rust path, with what Cargo's SemVer rules look at.

use std::collections::{BTreeMap, BTreeSet};

use quote::ToTokens;

/// The public items of a crate (or of one API module of it), by Rust path
/// (`module::types::Thing`). Inherent methods are items of their own
/// (`module::client::Client::get_thing`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Surface {
    pub items: BTreeMap<String, Item>,
}

/// One public item.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Item {
    Struct(Struct),
    Enum(Enum),
    /// A free function or an inherent method.
    Fn(Signature),
    Trait(Trait),
    /// A `const` or `static`, with its type.
    Const(String),
    /// A type alias, with its generics and what it names.
    Alias(String),
    /// A `pub use`: what it names.
    Use(String),
    Mod,
}

impl Item {
    /// The kind, as people say it.
    pub fn kind(&self) -> &'static str {
        match self {
            Item::Struct(_) => "struct",
            Item::Enum(_) => "enum",
            Item::Fn(_) => "fn",
            Item::Trait(_) => "trait",
            Item::Const(_) => "const",
            Item::Alias(_) => "type alias",
            Item::Use(_) => "re-export",
            Item::Mod => "module",
        }
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Struct {
    pub non_exhaustive: bool,
    /// Generics as token text (`<'a>`), empty when there are none.
    pub generics: String,
    /// Public fields: name (or position, for a tuple struct) → type.
    pub fields: BTreeMap<String, String>,
    /// Whether a field is not public (no struct literal outside the crate).
    pub private_fields: bool,
    /// Traits it implements: derived or written out (last path segment).
    pub traits: BTreeSet<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Enum {
    pub non_exhaustive: bool,
    pub generics: String,
    /// Variant → its payload as token text (`(String)`, `{ a: u8 }`, or empty).
    pub variants: BTreeMap<String, String>,
    pub traits: BTreeSet<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Trait {
    /// Generics and supertraits as token text.
    pub header: String,
    pub methods: BTreeMap<String, TraitMethod>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TraitMethod {
    pub signature: Signature,
    /// Whether it has a default body (implementations need not write it).
    pub default: bool,
}

/// A function's signature: as written, and the part callers depend on
/// (argument names left out: renaming one breaks no caller).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Signature {
    pub text: String,
    pub key: String,
}

impl Surface {
    /// Adds the public items of one source file that is the module `module`
    /// (`api::types`). Only what is public from there is kept: `pub` items
    /// and `pub mod`s written inline, inherent methods marked `pub`.
    pub fn add_file(&mut self, module: &str, file: &syn::File) {
        self.add_items(module, &file.items);
    }

    fn add_items(&mut self, module: &str, items: &[syn::Item]) {
        let path = |name: &syn::Ident| format!("{module}::{name}");
        // Trait impls are recorded on their types once every type is known.
        let mut impls: Vec<(String, String)> = Vec::new();
        for item in items {
            match item {
                syn::Item::Struct(s) if is_pub(&s.vis) => {
                    let mut out = Struct {
                        non_exhaustive: has_attr(&s.attrs, "non_exhaustive"),
                        generics: tidy(&s.generics.to_token_stream().to_string()),
                        traits: derives(&s.attrs),
                        ..Struct::default()
                    };
                    for (i, field) in s.fields.iter().enumerate() {
                        if is_pub(&field.vis) {
                            let name = field
                                .ident
                                .as_ref()
                                .map_or_else(|| i.to_string(), ToString::to_string);
                            out.fields.insert(name, type_text(&field.ty));
                        } else {
                            out.private_fields = true;
                        }
                    }
                    self.items.insert(path(&s.ident), Item::Struct(out));
                }
                syn::Item::Enum(e) if is_pub(&e.vis) => {
                    let variants = e
                        .variants
                        .iter()
                        .map(|v| {
                            let mut payload = tidy(&v.fields.to_token_stream().to_string());
                            if let Some((_, expr)) = &v.discriminant {
                                payload.push_str(" = ");
                                payload.push_str(&tidy(&expr.to_token_stream().to_string()));
                            }
                            (v.ident.to_string(), payload)
                        })
                        .collect();
                    self.items.insert(
                        path(&e.ident),
                        Item::Enum(Enum {
                            non_exhaustive: has_attr(&e.attrs, "non_exhaustive"),
                            generics: tidy(&e.generics.to_token_stream().to_string()),
                            variants,
                            traits: derives(&e.attrs),
                        }),
                    );
                }
                syn::Item::Fn(f) if is_pub(&f.vis) => {
                    self.items
                        .insert(path(&f.sig.ident), Item::Fn(signature(&f.sig)));
                }
                syn::Item::Trait(t) if is_pub(&t.vis) => {
                    let mut header = tidy(&t.generics.to_token_stream().to_string());
                    if !t.supertraits.is_empty() {
                        header.push_str(": ");
                        header.push_str(&tidy(&t.supertraits.to_token_stream().to_string()));
                    }
                    let methods = t
                        .items
                        .iter()
                        .filter_map(|i| match i {
                            syn::TraitItem::Fn(m) => Some((
                                m.sig.ident.to_string(),
                                TraitMethod {
                                    signature: signature(&m.sig),
                                    default: m.default.is_some(),
                                },
                            )),
                            _ => None,
                        })
                        .collect();
                    self.items
                        .insert(path(&t.ident), Item::Trait(Trait { header, methods }));
                }
                syn::Item::Const(c) if is_pub(&c.vis) => {
                    self.items
                        .insert(path(&c.ident), Item::Const(type_text(&c.ty)));
                }
                syn::Item::Static(s) if is_pub(&s.vis) => {
                    self.items
                        .insert(path(&s.ident), Item::Const(type_text(&s.ty)));
                }
                syn::Item::Type(t) if is_pub(&t.vis) => {
                    let generics = tidy(&t.generics.to_token_stream().to_string());
                    self.items.insert(
                        path(&t.ident),
                        Item::Alias(format!("{generics} = {}", type_text(&t.ty))),
                    );
                }
                syn::Item::Use(u) if is_pub(&u.vis) => {
                    let mut leaves = Vec::new();
                    use_leaves(&u.tree, String::new(), &mut leaves);
                    for (name, target) in leaves {
                        self.items
                            .insert(format!("{module}::{name}"), Item::Use(target));
                    }
                }
                syn::Item::Mod(m) if is_pub(&m.vis) => {
                    let inner = path(&m.ident);
                    self.items.insert(inner.clone(), Item::Mod);
                    if let Some((_, items)) = &m.content {
                        self.add_items(&inner, items);
                    }
                }
                syn::Item::Impl(i) => {
                    let Some(ty) = self_name(&i.self_ty) else {
                        continue;
                    };
                    let owner = format!("{module}::{ty}");
                    match &i.trait_ {
                        Some((trait_path, _)) => {
                            if let Some(last) = trait_path.segments.last() {
                                impls.push((owner, last.ident.to_string()));
                            }
                        }
                        None => {
                            for member in &i.items {
                                match member {
                                    syn::ImplItem::Fn(f) if is_pub(&f.vis) => {
                                        self.items.insert(
                                            format!("{owner}::{}", f.sig.ident),
                                            Item::Fn(signature(&f.sig)),
                                        );
                                    }
                                    syn::ImplItem::Const(c) if is_pub(&c.vis) => {
                                        self.items.insert(
                                            format!("{owner}::{}", c.ident),
                                            Item::Const(type_text(&c.ty)),
                                        );
                                    }
                                    _ => {}
                                }
                            }
                        }
                    }
                }
                _ => {}
            }
        }
        for (owner, name) in impls {
            match self.items.get_mut(&owner) {
                Some(Item::Struct(s)) => {
                    s.traits.insert(name);
                }
                Some(Item::Enum(e)) => {
                    e.traits.insert(name);
                }
                _ => {}
            }
        }
    }
}

/// Only `pub` counts: `pub(crate)` and narrower are not seen from outside.
fn is_pub(vis: &syn::Visibility) -> bool {
    matches!(vis, syn::Visibility::Public(_))
}

fn has_attr(attrs: &[syn::Attribute], name: &str) -> bool {
    attrs.iter().any(|a| a.path().is_ident(name))
}

/// The traits named in `#[derive(...)]` (last path segment).
fn derives(attrs: &[syn::Attribute]) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for attr in attrs.iter().filter(|a| a.path().is_ident("derive")) {
        let _ = attr.parse_nested_meta(|meta| {
            if let Some(last) = meta.path.segments.last() {
                out.insert(last.ident.to_string());
            }
            Ok(())
        });
    }
    out
}

/// The name of an impl's self type (`Thing` of `Thing<'a>`).
fn self_name(ty: &syn::Type) -> Option<String> {
    match ty {
        syn::Type::Path(p) => p.path.segments.last().map(|s| s.ident.to_string()),
        _ => None,
    }
}

fn type_text(ty: &syn::Type) -> String {
    tidy(&ty.to_token_stream().to_string())
}

fn signature(sig: &syn::Signature) -> Signature {
    let generics = tidy(&sig.generics.to_token_stream().to_string());
    let output = match &sig.output {
        syn::ReturnType::Default => String::new(),
        syn::ReturnType::Type(_, ty) => format!(" -> {}", type_text(ty)),
    };
    let asyncness = if sig.asyncness.is_some() {
        "async "
    } else {
        ""
    };
    let unsafety = if matches!(sig.safety, syn::Safety::Unsafe(_)) {
        "unsafe "
    } else {
        ""
    };
    let named: Vec<String> = sig
        .inputs
        .iter()
        .map(|a| tidy(&a.to_token_stream().to_string()))
        .collect();
    let types: Vec<String> = sig
        .inputs
        .iter()
        .map(|a| match a {
            syn::FnArg::Typed(t) => type_text(&t.ty),
            syn::FnArg::Receiver(r) => tidy(&r.to_token_stream().to_string()),
        })
        .collect();
    let name = &sig.ident;
    let head = format!("{unsafety}{asyncness}fn {name}{generics}");
    Signature {
        text: format!("{head}({}){output}", named.join(", ")),
        key: format!("{head}({}){output}", types.join(", ")),
    }
}

/// The names a `pub use` brings in, each with the path it names.
fn use_leaves(tree: &syn::UseTree, prefix: String, out: &mut Vec<(String, String)>) {
    match tree {
        syn::UseTree::Path(p) => use_leaves(&p.tree, format!("{prefix}{}::", p.ident), out),
        syn::UseTree::Name(n) => out.push((n.ident.to_string(), format!("{prefix}{}", n.ident))),
        syn::UseTree::Rename(r) => {
            out.push((r.rename.to_string(), format!("{prefix}{}", r.ident)));
        }
        syn::UseTree::Glob(_) => out.push((format!("{prefix}*"), format!("{prefix}*"))),
        syn::UseTree::Group(g) => {
            for t in &g.items {
                use_leaves(t, prefix.clone(), out);
            }
        }
    }
}

/// Token text as people write it: `Option<Vec<String>>`, not
/// `Option < Vec < String > >`.
pub(crate) fn tidy(text: &str) -> String {
    let mut out = text.to_owned();
    for (from, to) in [
        (" :: ", "::"),
        (":: ", "::"),
        (" ::", "::"),
        (" <", "<"),
        ("< ", "<"),
        (" >", ">"),
        ("( ", "("),
        (" )", ")"),
        ("[ ", "["),
        (" ]", "]"),
        (" ,", ","),
        (" ;", ";"),
        ("& ", "&"),
        (" :", ":"),
    ] {
        while out.contains(from) {
            out = out.replace(from, to);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tidies_token_text() {
        let ty: syn::Type = syn::parse_str("Option<Vec<std::string::String>>").unwrap();
        assert_eq!(type_text(&ty), "Option<Vec<std::string::String>>");
        let sig: syn::Signature =
            syn::parse_str("fn f<'a>(&'a self, name: impl Into<String>) -> &'a str").unwrap();
        let s = signature(&sig);
        assert_eq!(
            s.text,
            "fn f<'a>(&'a self, name: impl Into<String>) -> &'a str"
        );
        assert_eq!(s.key, "fn f<'a>(&'a self, impl Into<String>) -> &'a str");
    }
}
