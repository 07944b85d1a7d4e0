//! Estimated in-memory sizes of generated types, to keep generated enums
//! small: a variant whose payload dwarfs the others is boxed, as
//! `clippy::large_enum_variant` asks.
//!
//! The estimate follows rustc's layout on 64-bit targets: `String`, `Vec`
//! and maps are 24 bytes, `serde_json::Value` 72 (with `preserve_order`), a `Box` 8, scalars their
//! width; a struct is the sum of its fields rounded up to its alignment
//! (rustc reorders fields, so there is no inner padding); `Option` is free
//! when its payload has a niche (an invalid bit pattern: pointers, `bool`,
//! string enums) and costs one alignment unit otherwise; an enum with
//! payloads is its largest variant plus a tag. The last rule can
//! overestimate (rustc may hide the tag in a niche), so enums are boxed a
//! little before clippy would flag them, never after.

use std::cell::RefCell;
use std::collections::HashMap;

use super::types::Registry;
use crate::ir::{Field, Kind, Operation, Response, ResponseBody, Status, Ty, TypeDef};

/// Clippy's default `enum-variant-size-threshold`: it flags an enum whose
/// largest variant is more than this many bytes larger than the second.
pub const CLIPPY_THRESHOLD: u64 = 200;

/// The size of the runtime's `ByteStream` on 64-bit targets (asserted by
/// the runtime's tests).
pub const BYTE_STREAM_SIZE: u64 = 80;

/// The sizes of the runtime's `sequence::Events<T>` and
/// `sequence::Records<T>` (a client's typed streams) on 64-bit targets,
/// whatever `T` (asserted by the runtime's tests); a server's
/// `EventSource<T>` and `RecordSource<T>` are boxed streams.
pub const EVENTS_SIZE: u64 = 40;
pub const RECORDS_SIZE: u64 = 80;
const SOURCE_SIZE: u64 = 16;

/// The doc note on a variant whose payload is boxed.
pub const BOXED_NOTE: &str =
    "The body is boxed: it is much larger than what the other variants hold.";

/// How much earlier than clippy a variant is boxed, to absorb what the
/// estimate may get wrong (a tag hidden in a niche, here and there).
const SLACK: u64 = 16;

/// Size and alignment of a type, and whether it has a niche (so that an
/// `Option` of it costs nothing).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Layout {
    pub size: u64,
    pub align: u64,
    pub niche: bool,
}

impl Layout {
    const fn new(size: u64, align: u64, niche: bool) -> Self {
        Layout { size, align, niche }
    }

    /// `String` and `Vec<T>`: pointer, capacity, length.
    const VEC: Layout = Layout::new(24, 8, true);
    /// `BTreeMap<K, V>`: root, height, length; no niche left.
    const MAP: Layout = Layout::new(24, 8, false);
    /// `serde_json::Value` with `preserve_order` (objects are `IndexMap`s),
    /// as the generated crate's manifest asks.
    const VALUE: Layout = Layout::new(72, 8, true);
    /// `Box<T>` of a sized `T`.
    pub const BOX: Layout = Layout::new(8, 8, true);

    /// `Option<Self>`.
    fn option(self) -> Layout {
        if self.niche {
            self
        } else {
            // A tag before the payload, at the payload's alignment.
            Layout::new(self.align + self.size, self.align, true)
        }
    }
}

fn round_up(size: u64, align: u64) -> u64 {
    size.div_ceil(align.max(1)) * align.max(1)
}

/// Sizes of the types of one API, memoized.
pub struct Sizes<'a> {
    reg: &'a Registry<'a>,
    named: RefCell<HashMap<String, Layout>>,
}

impl<'a> Sizes<'a> {
    pub fn new(reg: &'a Registry<'a>) -> Self {
        Sizes {
            reg,
            named: RefCell::new(HashMap::new()),
        }
    }

    /// The layout of a type as stored (`Option` when nullable).
    pub fn ty(&self, ty: &Ty) -> Layout {
        let inner = self.kind(&ty.kind);
        if ty.nullable {
            inner.option()
        } else {
            inner
        }
    }

    fn kind(&self, kind: &Kind) -> Layout {
        match kind {
            Kind::String | Kind::Array(_) => Layout::VEC,
            Kind::Map(_) => Layout::MAP,
            Kind::Any => Layout::VALUE,
            Kind::Boolean => Layout::new(1, 1, true),
            Kind::Integer(t) | Kind::Number(t) => {
                let bytes = match *t {
                    "i8" | "u8" => 1,
                    "i16" | "u16" => 2,
                    "i32" | "u32" | "f32" => 4,
                    "i128" | "u128" => 16,
                    _ => 8,
                };
                Layout::new(bytes, bytes, false)
            }
            Kind::Named(name) => self.named(name),
            Kind::Tuple(members) => {
                let members: Vec<Layout> = members.iter().map(|m| self.ty(m)).collect();
                aggregate(&members)
            }
        }
    }

    pub fn named(&self, name: &str) -> Layout {
        if let Some(l) = self.named.borrow().get(name) {
            return *l;
        }
        // Cycles go through a `Box` (see `ir::cycles`), which is not followed;
        // the placeholder only guards against a model that breaks that rule.
        self.named.borrow_mut().insert(name.to_owned(), Layout::BOX);
        let layout = match self.reg.def(name) {
            Some(TypeDef::Struct(s)) => {
                let mut fields: Vec<Layout> = s.fields.iter().map(|f| self.field(f)).collect();
                if s.additional.is_some() {
                    fields.push(Layout::MAP);
                }
                aggregate(&fields)
            }
            // A tolerant enum: the `String` of an unknown value, the other
            // variants in its niche (the capacity's spare range).
            Some(TypeDef::Enum(e)) if e.unknown.is_some() => Layout::VEC,
            Some(TypeDef::Enum(e)) => match e.values.len() {
                0 => Layout::new(0, 1, false),
                n if n < 256 => Layout::new(1, 1, true),
                _ => Layout::new(2, 2, true),
            },
            Some(TypeDef::Union(u)) => {
                let mut variants: Vec<Layout> = u
                    .variants
                    .iter()
                    .map(|v| if v.boxed { Layout::BOX } else { self.ty(&v.ty) })
                    .collect();
                if u.unknown.is_some() {
                    variants.push(Layout::VALUE);
                }
                tagged(&variants)
            }
            None => Layout::BOX,
        };
        self.named.borrow_mut().insert(name.to_owned(), layout);
        layout
    }

    /// A struct field as `types::struct_def` declares it.
    fn field(&self, f: &Field) -> Layout {
        let inner = if f.boxed {
            Layout::BOX
        } else {
            self.kind(&f.ty.kind)
        };
        let has_default = f
            .default
            .as_ref()
            .is_some_and(|d| self.reg.default_expr(&f.ty, d).is_some());
        if !has_default && (!f.required || f.ty.nullable) {
            inner.option()
        } else {
            inner
        }
    }

    /// The size of a response body as a variant field, in the server's
    /// reply enum (`server`) or the client's outcomes.
    fn body(&self, body: &ResponseBody, server: bool) -> u64 {
        match body {
            ResponseBody::Json(ty) => self.ty(ty).size,
            ResponseBody::Text | ResponseBody::Bytes => Layout::VEC.size,
            // `runtime::stream::ByteStream`: its source, length and timer.
            ResponseBody::Binary(_) => BYTE_STREAM_SIZE,
            ResponseBody::Sequence { .. } if server => SOURCE_SIZE,
            ResponseBody::Sequence { kind, .. } => {
                if *kind == crate::ir::Sequence::Events {
                    EVENTS_SIZE
                } else {
                    RECORDS_SIZE
                }
            }
        }
    }

    /// Which of `responses` to box in an enum with one variant each, the
    /// status (`http::StatusCode`, 2 bytes) included when `with_status` says
    /// the variant carries it. Indexed like `responses`.
    fn boxed_responses(
        &self,
        responses: &[&Response],
        with_status: impl Fn(&Status) -> bool,
        server: bool,
    ) -> Vec<bool> {
        let variants: Vec<Variant> = responses
            .iter()
            .map(|r| Variant {
                fixed: if with_status(&r.status) { 2 } else { 0 },
                payload: r.body.as_ref().map(|b| self.body(b, server)),
            })
            .collect();
        boxed_variants(&variants)
    }

    /// Which responses of `op` the server's reply enum boxes, indexed like
    /// `op.responses`. A range or `default` variant also holds its status.
    pub fn boxed_replies(&self, op: &Operation) -> Vec<bool> {
        let all: Vec<&Response> = op.responses.iter().collect();
        self.boxed_responses(&all, |s| !matches!(s, Status::Code(_)), true)
    }

    /// Whether the server's reply enum for `op`, given a variant holding
    /// `extra` bytes beside its documented ones (the undocumented 501), may
    /// be flagged by `clippy::large_enum_variant`: a small new variant can
    /// leave the largest documented body with no peer near its size.
    pub fn reply_with_fallback_may_lint(&self, op: &Operation, extra: u64) -> bool {
        let sizes: Vec<u64> = op
            .responses
            .iter()
            .zip(self.boxed_replies(op))
            .map(|(r, boxed)| {
                let status = if matches!(r.status, Status::Code(_)) {
                    0
                } else {
                    2
                };
                status
                    + match &r.body {
                        Some(_) if boxed => Layout::BOX.size,
                        Some(b) => self.body(b, true),
                        None => 0,
                    }
            })
            .chain([extra])
            .collect();
        let mut sorted = sizes;
        sorted.sort_unstable_by(|a, b| b.cmp(a));
        // Alone, the new variant makes no enum clippy weighs.
        match sorted[..] {
            [largest, second, ..] => largest - second > CLIPPY_THRESHOLD - SLACK,
            _ => false,
        }
    }

    /// Which responses of `op` the client's `…Success` and `…Error` enums
    /// box, indexed like `op.responses`. A single success is no enum, so
    /// never boxed.
    pub fn boxed_outcomes(&self, op: &Operation) -> Vec<bool> {
        let mut out = vec![false; op.responses.len()];
        let successes: Vec<usize> = (0..op.responses.len())
            .filter(|i| op.responses[*i].status.is_success())
            .collect();
        let errors: Vec<usize> = (0..op.responses.len())
            .filter(|i| !op.responses[*i].status.is_success())
            .collect();
        let groups = if successes.len() == 1 {
            vec![errors]
        } else {
            vec![successes, errors]
        };
        for group in groups {
            let responses: Vec<&Response> = group.iter().map(|i| &op.responses[*i]).collect();
            for (i, boxed) in group
                .iter()
                .zip(self.boxed_responses(&responses, |_| false, false))
            {
                out[*i] = boxed;
            }
        }
        out
    }

    /// Which variants of a union to box (on top of those boxed for cycles),
    /// indexed like its variants.
    pub fn boxed_union_variants(&self, u: &crate::ir::Union) -> Vec<bool> {
        let mut variants: Vec<Variant> = u
            .variants
            .iter()
            .map(|v| Variant {
                fixed: if v.boxed { Layout::BOX.size } else { 0 },
                payload: (!v.boxed).then(|| self.ty(&v.ty).size),
            })
            .collect();
        // The catch-all of a tolerant union holds a JSON value, never boxed.
        if u.unknown.is_some() {
            variants.push(Variant {
                fixed: Layout::VALUE.size,
                payload: None,
            });
        }
        let mut boxed = boxed_variants(&variants);
        boxed.truncate(u.variants.len());
        boxed
    }
}

/// A struct of these fields: rustc orders them by alignment, so only the
/// tail is padded.
fn aggregate(fields: &[Layout]) -> Layout {
    let align = fields.iter().map(|l| l.align).max().unwrap_or(1);
    let size = round_up(fields.iter().map(|l| l.size).sum(), align);
    Layout::new(size, align, fields.iter().any(|l| l.niche))
}

/// An enum with one payload per variant, its tag in front of the payload.
fn tagged(variants: &[Layout]) -> Layout {
    let align = variants.iter().map(|l| l.align).max().unwrap_or(1);
    let size = variants
        .iter()
        .map(|l| round_up(1, l.align) + l.size)
        .max()
        .unwrap_or(0);
    Layout::new(round_up(size, align), align, true)
}

/// One enum variant as clippy weighs it: the sum of its fields.
#[derive(Clone, Copy, Debug)]
pub struct Variant {
    /// Fields that stay inline.
    pub fixed: u64,
    /// The field that may be boxed, if any.
    pub payload: Option<u64>,
}

/// Which variants' payloads to box so that no variant is more than the
/// threshold larger than the next largest: the largest is boxed, and again,
/// for as long as that holds and boxing helps.
pub fn boxed_variants(variants: &[Variant]) -> Vec<bool> {
    let mut boxed = vec![false; variants.len()];
    if variants.len() < 2 {
        return boxed;
    }
    loop {
        let sizes: Vec<u64> = variants
            .iter()
            .zip(&boxed)
            .map(|(v, b)| {
                v.fixed
                    + match v.payload {
                        Some(_) if *b => Layout::BOX.size,
                        Some(p) => p,
                        None => 0,
                    }
            })
            .collect();
        let Some((largest, &top)) = sizes
            .iter()
            .enumerate()
            .max_by_key(|(i, s)| (**s, std::cmp::Reverse(*i)))
        else {
            return boxed;
        };
        let second = sizes
            .iter()
            .enumerate()
            .filter(|(i, _)| *i != largest)
            .map(|(_, s)| *s)
            .max()
            .unwrap_or(0);
        let worth = matches!(variants[largest].payload, Some(p) if p > Layout::BOX.size);
        if top - second > CLIPPY_THRESHOLD - SLACK && worth && !boxed[largest] {
            boxed[largest] = true;
        } else {
            return boxed;
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;
    use std::mem::{align_of, size_of};

    use super::*;
    use crate::ir::{Api, Enum, EnumValue, Struct, Union, UnionVariant};

    fn ty(kind: Kind) -> Ty {
        Ty {
            kind,
            ..Ty::default()
        }
    }

    fn nullable(kind: Kind) -> Ty {
        Ty {
            kind,
            nullable: true,
            ..Ty::default()
        }
    }

    fn field(name: &str, ty: Ty, required: bool) -> Field {
        Field {
            flatten: false,
            json: name.to_owned(),
            rust: name.to_owned(),
            doc: None,
            ty,
            required,
            default: None,
            boxed: false,
        }
    }

    fn api(types: Vec<TypeDef>) -> Api {
        Api {
            module: "m".into(),
            title: "t".into(),
            version: "1".into(),
            description: None,
            servers: Vec::new(),
            security_schemes: Vec::new(),
            types,
            operations: Vec::new(),
            webhooks: Vec::new(),
            usage: BTreeMap::new(),
        }
    }

    fn named(n: &str) -> Kind {
        Kind::Named(n.to_owned())
    }

    /// Mirrors of what the generator declares for the model below.
    #[allow(dead_code)]
    enum Colour {
        Red,
        Green,
    }
    /// A tolerant enum: `Colour` read from responses.
    #[allow(dead_code)]
    enum Open {
        Red,
        Green,
        Unknown(String),
    }
    /// A tolerant discriminated union.
    #[allow(dead_code)]
    enum OpenEither {
        A(Small),
        B(Box<Small>),
        Unknown(serde_json::Value),
    }
    #[allow(dead_code)]
    struct Small {
        a: i32,
        b: Option<i32>,
        c: bool,
    }
    #[allow(dead_code)]
    enum Either {
        A(Small),
        B(i64),
        C(Box<Small>),
    }
    #[allow(dead_code)]
    struct Big {
        name: String,
        tags: Vec<String>,
        labels: Option<BTreeMap<String, String>>,
        extra: Option<serde_json::Value>,
        count: Option<i64>,
        ratio: f64,
        flag: Option<bool>,
        colour: Option<Colour>,
        small: Option<Small>,
        tiny: Option<u8>,
        additional_properties: BTreeMap<String, String>,
    }

    fn model() -> Api {
        let values = || -> Vec<EnumValue> {
            ["red", "green"]
                .map(|v| EnumValue {
                    value: v.into(),
                    variant: v.into(),
                    doc: None,
                })
                .into()
        };
        api(vec![
            TypeDef::Enum(Enum {
                name: "Colour".into(),
                doc: None,
                values: values(),
                default: None,
                unknown: None,
            }),
            TypeDef::Enum(Enum {
                name: "Open".into(),
                doc: None,
                values: values(),
                default: None,
                unknown: Some("Unknown".into()),
            }),
            TypeDef::Union(Union {
                name: "OpenEither".into(),
                doc: None,
                variants: vec![
                    UnionVariant {
                        name: "A".into(),
                        ty: ty(named("Small")),
                        boxed: false,
                    },
                    UnionVariant {
                        name: "B".into(),
                        ty: ty(named("Small")),
                        boxed: true,
                    },
                ],
                discriminator: None,
                unknown: Some("Unknown".into()),
            }),
            TypeDef::Struct(Struct {
                name: "Small".into(),
                doc: None,
                fields: vec![
                    field("a", ty(Kind::Integer("i32")), true),
                    field("b", ty(Kind::Integer("i32")), false),
                    field("c", ty(Kind::Boolean), true),
                ],
                additional: None,
                deny_unknown: false,
            }),
            TypeDef::Union(Union {
                name: "Either".into(),
                doc: None,
                variants: vec![
                    UnionVariant {
                        name: "A".into(),
                        ty: ty(named("Small")),
                        boxed: false,
                    },
                    UnionVariant {
                        name: "B".into(),
                        ty: ty(Kind::Integer("i64")),
                        boxed: false,
                    },
                    UnionVariant {
                        name: "C".into(),
                        ty: ty(named("Small")),
                        boxed: true,
                    },
                ],
                discriminator: None,
                unknown: None,
            }),
            TypeDef::Struct(Struct {
                name: "Big".into(),
                doc: None,
                fields: vec![
                    field("name", ty(Kind::String), true),
                    field("tags", ty(Kind::Array(Box::new(ty(Kind::String)))), true),
                    field("labels", ty(Kind::Map(Box::new(ty(Kind::String)))), false),
                    field("extra", ty(Kind::Any), false),
                    field("count", nullable(Kind::Integer("i64")), true),
                    field("ratio", ty(Kind::Number("f64")), true),
                    field("flag", ty(Kind::Boolean), false),
                    field("colour", ty(named("Colour")), false),
                    field("small", ty(named("Small")), false),
                    field("tiny", ty(Kind::Integer("u8")), false),
                ],
                additional: Some(ty(Kind::String)),
                deny_unknown: false,
            }),
        ])
    }

    #[test]
    fn estimates_match_rustc_for_structs_options_and_scalars() {
        let api = model();
        let reg = Registry::new(&api);
        let sizes = Sizes::new(&reg);
        let layout = |n: &str| sizes.ty(&ty(named(n)));
        assert_eq!(layout("Colour").size, size_of::<Colour>() as u64);
        assert_eq!(layout("Small").size, size_of::<Small>() as u64);
        assert_eq!(layout("Small").align, align_of::<Small>() as u64);
        assert_eq!(
            sizes.ty(&nullable(named("Small"))).size,
            size_of::<Option<Small>>() as u64
        );
        assert_eq!(layout("Big").size, size_of::<Big>() as u64);
        assert_eq!(
            sizes.ty(&nullable(named("Colour"))).size,
            size_of::<Option<Colour>>() as u64
        );
        assert_eq!(layout("Open").size, size_of::<Open>() as u64);
        assert_eq!(
            sizes.ty(&nullable(named("Open"))).size,
            size_of::<Option<Open>>() as u64
        );
        assert_eq!(
            sizes.ty(&nullable(Kind::String)).size,
            size_of::<Option<String>>() as u64
        );
        assert_eq!(
            sizes
                .ty(&nullable(Kind::Map(Box::new(ty(Kind::String)))))
                .size,
            size_of::<Option<BTreeMap<String, String>>>() as u64
        );
        assert_eq!(
            sizes.ty(&nullable(Kind::Any)).size,
            size_of::<Option<serde_json::Value>>() as u64
        );
        for (kind, real) in [
            (Kind::Integer("i64"), size_of::<Option<i64>>()),
            (Kind::Integer("u16"), size_of::<Option<u16>>()),
            (Kind::Number("f32"), size_of::<Option<f32>>()),
            (Kind::Boolean, size_of::<Option<bool>>()),
        ] {
            assert_eq!(
                sizes.ty(&nullable(kind.clone())).size,
                real as u64,
                "{kind:?}"
            );
        }
    }

    #[test]
    fn enums_with_payloads_are_never_underestimated() {
        let api = model();
        let reg = Registry::new(&api);
        let sizes = Sizes::new(&reg);
        let either = sizes.ty(&ty(named("Either"))).size;
        assert!(either >= size_of::<Either>() as u64);
        assert!(either <= size_of::<Either>() as u64 + 8);
        let open = sizes.ty(&ty(named("OpenEither"))).size;
        assert!(open >= size_of::<OpenEither>() as u64);
        assert!(open <= size_of::<OpenEither>() as u64 + 8);
    }

    #[test]
    fn only_a_variant_far_above_the_rest_is_boxed() {
        let v = |fixed, payload| Variant { fixed, payload };
        // 200 and 201 carry the same big body: no lint, nothing boxed.
        assert_eq!(
            boxed_variants(&[v(0, Some(400)), v(0, Some(400)), v(0, None)]),
            [false, false, false]
        );
        // One big body beside bodiless statuses.
        assert_eq!(
            boxed_variants(&[v(0, Some(400)), v(0, None), v(0, Some(48))]),
            [true, false, false]
        );
        // Below the threshold (and its slack): left alone.
        assert_eq!(
            boxed_variants(&[v(0, Some(150)), v(0, None)]),
            [false, false]
        );
        // Two big bodies of different sizes, both far above the rest: the
        // larger is boxed first, then the other.
        assert_eq!(
            boxed_variants(&[v(0, Some(300)), v(2, Some(900)), v(0, None)]),
            [true, true, false]
        );
        // Boxing happens before clippy's line, not after.
        let at = CLIPPY_THRESHOLD + 1;
        assert_eq!(boxed_variants(&[v(0, Some(at)), v(0, None)]), [true, false]);
        // A single variant is never flagged; a variant without a payload
        // cannot be boxed.
        assert_eq!(boxed_variants(&[v(0, Some(4000))]), [false]);
        assert_eq!(
            boxed_variants(&[v(400, None), v(0, Some(16))]),
            [false, false]
        );
    }
}
