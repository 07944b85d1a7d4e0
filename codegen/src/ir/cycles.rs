//! Breaking cycles: a type that contains itself directly (not through a
//! `Vec` or a map) needs a `Box` somewhere on the way.

use std::collections::{BTreeSet, HashMap};

use super::{Kind, Ty, TypeDef};

/// Boxes struct fields and union variants that would otherwise make a type
/// contain itself.
pub(super) fn break_cycles(types: &mut [TypeDef]) {
    // Direct (unboxed, not behind Vec/Map) edges between named types: a
    // tuple holds its members in place.
    fn direct(ty: &Ty) -> Vec<&str> {
        match &ty.kind {
            Kind::Named(n) => vec![n.as_str()],
            Kind::Tuple(members) => members.iter().flat_map(direct).collect(),
            _ => Vec::new(),
        }
    }
    let index: HashMap<String, usize> = types
        .iter()
        .enumerate()
        .map(|(i, t)| (t.name().to_owned(), i))
        .collect();
    let edges = |t: &TypeDef| -> Vec<String> {
        match t {
            TypeDef::Struct(s) => s
                .fields
                .iter()
                .filter(|f| !f.boxed)
                .flat_map(|f| direct(&f.ty))
                .map(str::to_owned)
                .collect(),
            TypeDef::Union(u) => u
                .variants
                .iter()
                .filter(|v| !v.boxed)
                .flat_map(|v| direct(&v.ty))
                .map(str::to_owned)
                .collect(),
            TypeDef::Enum(_) => Vec::new(),
        }
    };
    let reaches = |types: &[TypeDef], from: &str, to: &str| -> bool {
        let mut stack = vec![from.to_owned()];
        let mut seen = BTreeSet::new();
        while let Some(n) = stack.pop() {
            if n == to {
                return true;
            }
            if !seen.insert(n.clone()) {
                continue;
            }
            if let Some(&i) = index.get(&n) {
                stack.extend(edges(&types[i]));
            }
        }
        false
    };
    for i in 0..types.len() {
        let me = types[i].name().to_owned();
        let targets: Vec<(usize, String)> = match &types[i] {
            TypeDef::Struct(s) => s
                .fields
                .iter()
                .enumerate()
                .flat_map(|(j, f)| direct(&f.ty).into_iter().map(move |n| (j, n.to_owned())))
                .collect(),
            TypeDef::Union(u) => u
                .variants
                .iter()
                .enumerate()
                .flat_map(|(j, v)| direct(&v.ty).into_iter().map(move |n| (j, n.to_owned())))
                .collect(),
            TypeDef::Enum(_) => Vec::new(),
        };
        for (j, target) in targets {
            if reaches(types, &target, &me) {
                match &mut types[i] {
                    TypeDef::Struct(s) => s.fields[j].boxed = true,
                    TypeDef::Union(u) => u.variants[j].boxed = true,
                    TypeDef::Enum(_) => {}
                }
            }
        }
    }
}
