//! Which way values of each named type cross the wire, and so which types
//! read tolerantly: "tolerant readers, strict writers".
//!
//! A type is *read from responses* when a response body reaches it, and
//! *part of requests* when a request body or a parameter reaches it: through
//! struct fields (an `allOf` is already merged into its struct), extra
//! properties, array items, map values, tuple members and union variants.
//! (Response headers are not typed in the model, so they reach nothing.)
//! Webhooks count as the operations they are: their requests are read by
//! the generated server, their responses by the generated client.
//!
//! A string enum read from responses gets a variant for a value the
//! document does not list, and so does a union with a discriminator for a
//! tag it does not list: a server that adds one then does not break every
//! deployed client. A type used in both directions is tolerant too, so
//! that a value the client received can be sent back unchanged; the
//! generated server still refuses such a value in a request (its checks run
//! with `Checker::incoming`). Types only requests reach stay closed.
//!
//! One exception: an enum that a union without a discriminator holds,
//! as a variant or as a property of a variant's object (directly, or as
//! items or map values), stays closed. Such a union is read by trying
//! each variant in turn, and tells them apart by what fails to read; a
//! tolerant enum never fails, so the first variant would take every value.

use std::collections::{BTreeMap, BTreeSet};

use super::{Kind, Operation, Ty, TypeDef, Usage};
use crate::ir::{Encoding, ResponseBody};
use crate::naming::dedupe;

/// The name the catch-all variant wants; numbered when a documented one
/// already has it.
const UNKNOWN: &str = "Unknown";

/// Every named type's directions, by name (types nothing reaches are
/// listed with neither).
pub(super) fn usage<'a>(
    types: &[TypeDef],
    ops: impl Iterator<Item = &'a Operation>,
) -> BTreeMap<String, Usage> {
    let index: BTreeMap<&str, &TypeDef> = types.iter().map(|t| (t.name(), t)).collect();
    let mut usage: BTreeMap<String, Usage> = types
        .iter()
        .map(|t| (t.name().to_owned(), Usage::default()))
        .collect();
    for op in ops {
        for p in &op.params {
            mark(&p.ty, &index, &mut usage, Direction::Request);
        }
        if let Some(body) = &op.body {
            if let Encoding::Json(ty) | Encoding::Form(ty) = &body.encoding {
                mark(ty, &index, &mut usage, Direction::Request);
            }
        }
        for r in &op.responses {
            if let Some(ResponseBody::Json(ty) | ResponseBody::Sequence { item: ty, .. }) = &r.body
            {
                mark(ty, &index, &mut usage, Direction::Response);
            }
        }
    }
    usage
}

#[derive(Clone, Copy)]
enum Direction {
    Request,
    Response,
}

/// Marks every named type `ty` reaches as used in `direction`.
fn mark(
    ty: &Ty,
    index: &BTreeMap<&str, &TypeDef>,
    usage: &mut BTreeMap<String, Usage>,
    direction: Direction,
) {
    match &ty.kind {
        Kind::Array(inner) | Kind::Map(inner) => mark(inner, index, usage, direction),
        Kind::Tuple(members) => {
            for m in members.iter() {
                mark(m, index, usage, direction);
            }
        }
        Kind::Named(name) => {
            let Some(entry) = usage.get_mut(name) else {
                return;
            };
            let flag = match direction {
                Direction::Request => &mut entry.request,
                Direction::Response => &mut entry.response,
            };
            if *flag {
                return;
            }
            *flag = true;
            match index.get(name.as_str()) {
                Some(TypeDef::Struct(s)) => {
                    for f in &s.fields {
                        mark(&f.ty, index, usage, direction);
                    }
                    if let Some(extra) = &s.additional {
                        mark(extra, index, usage, direction);
                    }
                }
                Some(TypeDef::Union(u)) => {
                    for v in &u.variants {
                        mark(&v.ty, index, usage, direction);
                    }
                }
                Some(TypeDef::Enum(_)) | None => {}
            }
        }
        Kind::String | Kind::Integer(_) | Kind::Number(_) | Kind::Boolean | Kind::Any => {}
    }
}

/// Gives every string enum and discriminated union read from responses its
/// catch-all variant (`Unknown`, or numbered after the documented ones),
/// but for the enums untagged unions tell their variants apart by.
pub(super) fn tolerate(types: &mut [TypeDef], usage: &BTreeMap<String, Usage>) {
    let closed = held_by_untagged_unions(types);
    for t in types {
        if !usage.get(t.name()).is_some_and(|u| u.response) {
            continue;
        }
        match t {
            TypeDef::Enum(e) if closed.contains(&e.name) => {}
            TypeDef::Enum(e) => {
                e.unknown = Some(free_name(e.values.iter().map(|v| v.variant.clone())));
            }
            TypeDef::Union(u) if u.discriminator.is_some() => {
                u.unknown = Some(free_name(u.variants.iter().map(|v| v.name.clone())));
            }
            TypeDef::Union(_) | TypeDef::Struct(_) => {}
        }
    }
}

/// The enums a union without a discriminator holds as a variant, or as a
/// property of a variant's object (items and map values included).
fn held_by_untagged_unions(types: &[TypeDef]) -> BTreeSet<String> {
    let index: BTreeMap<&str, &TypeDef> = types.iter().map(|t| (t.name(), t)).collect();
    // The named type a value holds in place or as items or map values.
    fn named(ty: &Ty) -> Vec<&str> {
        match &ty.kind {
            Kind::Named(n) => vec![n.as_str()],
            Kind::Array(inner) | Kind::Map(inner) => named(inner),
            Kind::Tuple(members) => members.iter().flat_map(named).collect(),
            _ => Vec::new(),
        }
    }
    let mut closed = BTreeSet::new();
    let mut hold = |ty: &Ty| {
        for n in named(ty) {
            if let Some(TypeDef::Enum(_)) = index.get(n) {
                closed.insert(n.to_owned());
            }
        }
    };
    for t in types {
        let TypeDef::Union(u) = t else { continue };
        if u.discriminator.is_some() {
            continue;
        }
        for v in &u.variants {
            hold(&v.ty);
            for n in named(&v.ty) {
                if let Some(TypeDef::Struct(s)) = index.get(n) {
                    for f in &s.fields {
                        hold(&f.ty);
                    }
                    if let Some(extra) = &s.additional {
                        hold(extra);
                    }
                }
            }
        }
    }
    closed
}

/// `Unknown`, numbered as the names beside it would number it.
fn free_name(taken: impl Iterator<Item = String>) -> String {
    let mut names: Vec<String> = taken.collect();
    names.push(UNKNOWN.to_owned());
    dedupe(&mut names);
    names.pop().expect("the name just pushed")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::Api;

    fn model(text: &str) -> Api {
        let doc = crate::load::load_str("t.yaml", text)
            .document
            .expect("the document loads");
        let ops = crate::openapi::operations(&doc);
        let hooks = crate::openapi::webhooks(&doc);
        match crate::ir::build(&doc, &ops, &hooks, "t") {
            Ok(built) => built.api,
            Err(problems) => panic!("the model does not build: {problems:#?}"),
        }
    }

    const DOCUMENT: &str = r##"
openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /a/{mode}:
    post:
      operationId: a
      parameters:
        - {name: mode, in: path, required: true, schema: {$ref: "#/components/schemas/Mode"}}
        - {name: both, in: query, schema: {$ref: "#/components/schemas/Both"}}
      requestBody:
        content:
          application/json:
            schema: {$ref: "#/components/schemas/Order"}
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema:
                type: array
                items: {$ref: "#/components/schemas/Merged"}
        "404":
          description: gone
          content:
            application/json:
              schema:
                type: object
                additionalProperties: {$ref: "#/components/schemas/Reason"}
components:
  schemas:
    Mode: {type: string, enum: [fast, slow]}
    Both: {type: string, enum: [x, y]}
    Reason: {type: string, enum: [unknown, lost]}
    Level: {type: string, enum: [low, high]}
    Unused: {type: string, enum: [u]}
    Order:
      type: object
      properties:
        both: {$ref: "#/components/schemas/Both"}
        pet: {$ref: "#/components/schemas/Pet"}
    Base:
      type: object
      properties:
        pet: {$ref: "#/components/schemas/Pet"}
    Merged:
      allOf:
        - $ref: "#/components/schemas/Base"
        - type: object
          properties:
            levels: {type: array, items: {$ref: "#/components/schemas/Level"}}
    Pet:
      oneOf:
        - $ref: "#/components/schemas/Cat"
        - $ref: "#/components/schemas/Dog"
      discriminator: {propertyName: kind}
    Cat:
      type: object
      properties:
        kind: {type: string}
        both: {$ref: "#/components/schemas/Both"}
    Dog:
      type: object
      properties:
        kind: {type: string}
    Either:
      oneOf:
        - {$ref: "#/components/schemas/Tagged"}
        - {$ref: "#/components/schemas/Colour"}
        - {type: string}
    Tagged:
      type: object
      properties:
        type: {type: string, enum: [tagged]}
    Colour: {type: string, enum: [red, blue]}
"##;

    #[test]
    fn responses_and_requests_reach_types_through_every_construct() {
        let api = model(DOCUMENT);
        let usage = |n: &str| {
            let u = api.usage(n);
            (u.request, u.response)
        };
        // Only a path parameter carries `Mode`; `Unused` nothing.
        assert_eq!(usage("Mode"), (true, false));
        assert_eq!(usage("Unused"), (false, false));
        // Through an allOf-merged struct, a union and its variants, array
        // items and a map's values in an error response.
        assert_eq!(usage("Merged"), (false, true));
        assert_eq!(usage("Level"), (false, true));
        assert_eq!(usage("Reason"), (false, true));
        assert_eq!(usage("Pet"), (true, true));
        assert_eq!(usage("Dog"), (true, true));
        // A parameter, a body, and a union variant in a response.
        assert_eq!(usage("Both"), (true, true));
        assert_eq!(usage("Order"), (true, false));
    }

    /// What the `b` operation adds: a response of an untagged union.
    fn with_untagged_response() -> String {
        DOCUMENT.replace(
            "components:",
            r##"  /b:
    get:
      operationId: b
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Either"}
components:"##,
        )
    }

    #[test]
    fn what_responses_carry_is_tolerant_and_the_rest_closed() {
        let api = model(DOCUMENT);
        let unknown = |n: &str| {
            api.types
                .iter()
                .find(|t| t.name() == n)
                .and_then(|t| match t {
                    TypeDef::Enum(e) => e.unknown.clone(),
                    TypeDef::Union(u) => u.unknown.clone(),
                    TypeDef::Struct(_) => None,
                })
        };
        assert_eq!(unknown("Mode"), None);
        assert_eq!(unknown("Unused"), None);
        assert_eq!(unknown("Both").as_deref(), Some("Unknown"));
        assert_eq!(unknown("Level").as_deref(), Some("Unknown"));
        assert_eq!(unknown("Pet").as_deref(), Some("Unknown"));
        // `unknown` is a documented value of `Reason`.
        assert_eq!(unknown("Reason").as_deref(), Some("Unknown2"));
    }

    #[test]
    fn enums_an_untagged_union_tells_its_variants_apart_by_stay_closed() {
        let api = model(&with_untagged_response());
        let find = |n: &str| api.types.iter().find(|t| t.name() == n).unwrap();
        assert!(api.usage("Colour").response);
        assert!(api.usage("TaggedType").response);
        for closed in ["Colour", "TaggedType"] {
            let TypeDef::Enum(e) = find(closed) else {
                panic!("{closed} is an enum")
            };
            assert_eq!(e.unknown, None, "{closed}");
        }
    }

    #[test]
    fn the_catch_all_gives_way_to_a_documented_value() {
        assert_eq!(free_name(["Red".to_owned()].into_iter()), "Unknown");
        let taken = ["Unknown".to_owned(), "Unknown2".to_owned()];
        assert_eq!(free_name(taken.into_iter()), "Unknown3");
    }
}
