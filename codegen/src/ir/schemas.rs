//! Schemas: each becomes a plain Rust type or a named type in the registry
//! (structs from objects and `allOf`, enums from string `enum`s, unions from
//! `oneOf`/`anyOf`).

use std::collections::BTreeSet;

use serde_json::Value;

use super::{
    Builder, Constraints, Discriminator, Enum, EnumValue, Field, Kind, Struct, TextRules, Ty,
    TypeDef, Union, UnionVariant,
};
use crate::diagnostic::{cut, Rule};
use crate::naming::{camel_ident, dedupe, snake_ident};
use crate::openapi::{is_false_schema, join, text, unescape_token};

impl<'a> Builder<'a> {
    /// The Ty for a component reference, registering the component on first use.
    pub(super) fn resolve_ref(&mut self, r: &str) -> Option<Ty> {
        if let Some(t) = self.by_ref.get(r) {
            return Some(t.clone());
        }
        let Some(target) = self.doc.resolve_ref(r) else {
            // Reported by the validator (and by repair, which replaces it
            // by an untyped schema): any JSON value.
            return Some(Ty::default());
        };
        let pointer = r.trim_start_matches('#').to_owned();
        let component = r.strip_prefix("#/components/schemas/").map(unescape_token);
        match component {
            Some(name) if self.needs_name(target) => {
                let type_name = self.claim_name(&name);
                let ty = Ty {
                    kind: Kind::Named(type_name.clone()),
                    ..Ty::default()
                };
                self.by_ref.insert(r.to_owned(), ty.clone());
                self.define(target, &pointer, type_name)?;
                Some(ty)
            }
            _ => {
                let hint = component
                    .unwrap_or_else(|| pointer.rsplit('/').next().unwrap_or("Value").to_owned());
                // Guard against a reference cycle through unnamed schemas.
                self.by_ref.insert(r.to_owned(), Ty::default());
                let ty = self.ty(target, &pointer, &hint);
                match &ty {
                    Some(t) => self.by_ref.insert(r.to_owned(), t.clone()),
                    None => self.by_ref.remove(r),
                };
                ty
            }
        }
    }

    /// Whether a schema becomes a named type (an object with properties, an
    /// enum, a union) rather than a plain Rust type.
    pub(super) fn needs_name(&self, s: &Value) -> bool {
        if s.get("$ref").is_some() {
            return false;
        }
        if s.get("properties").is_some() {
            return true;
        }
        if let Some(all) = s.get("allOf").and_then(Value::as_array) {
            // A lone `allOf: [$ref]` is the referenced type itself; members
            // that are not objects (a type with a description beside it)
            // make no struct either.
            return all.len() > 1 && all.iter().any(|m| self.is_objecty(m));
        }
        let non_empty = |k: &str| {
            s.get(k)
                .and_then(Value::as_array)
                .is_some_and(|l| !l.is_empty())
        };
        if non_empty("oneOf") || non_empty("anyOf") {
            return true;
        }
        s.get("enum")
            .and_then(Value::as_array)
            .is_some_and(|values| values.iter().any(Value::is_string))
            && s.get("type")
                .and_then(Value::as_str)
                .is_none_or(|t| t == "string")
    }

    /// Whether an `allOf` member contributes to an object: it has
    /// properties, is an object, or only lists `required` properties.
    pub(super) fn is_objecty(&self, member: &Value) -> bool {
        let (m, _) = self.resolve(member, "");
        ["properties", "allOf", "required", "additionalProperties"]
            .iter()
            .any(|k| m.get(k).is_some())
            || m.get("type").and_then(Value::as_str) == Some("object")
    }

    /// Converts a schema (or `$ref`) at `ptr`; inline named types take `hint`.
    pub(super) fn ty(&mut self, s: &'a Value, ptr: &str, hint: &str) -> Option<Ty> {
        if let Some(r) = s.get("$ref").and_then(Value::as_str) {
            return self.resolve_ref(r);
        }
        let Some(obj) = s.as_object() else {
            // Repair turns these into `{}`; any JSON value.
            return Some(Ty::default());
        };
        let nullable = obj.get("nullable") == Some(&Value::Bool(true));
        if self.needs_name(s) {
            // Inline types are named from where they sit, not by `title`
            // (titles repeat across a document and read as prose).
            let name = self.claim_name(hint);
            self.define(s, ptr, name.clone())?;
            return Some(Ty {
                kind: Kind::Named(name),
                constraints: Constraints::default(),
                nullable,
            });
        }
        if let Some(all) = obj.get("allOf").and_then(Value::as_array) {
            // No member is an object: the first member with a type (a
            // reference, often with a description beside it) is the type.
            // A reference counts whatever it points to, an untyped object
            // (`properties` without `type`) included.
            let typed = all.iter().position(|m| {
                let (resolved, _) = self.resolve(m, "");
                m.get("$ref").is_some()
                    || resolved.get("type").is_some()
                    || resolved.get("enum").is_some()
            });
            let mut t = match typed {
                Some(i) => self.ty(&all[i], &format!("{}/{i}", join(ptr, "allOf")), hint)?,
                None => Ty::default(),
            };
            t.nullable |= nullable;
            return Some(t);
        }
        let mut c = Constraints::default();
        let usize_of = |k: &str| {
            obj.get(k)
                .and_then(Value::as_u64)
                .and_then(|n| usize::try_from(n).ok())
        };
        c.min_length = usize_of("minLength");
        c.max_length = usize_of("maxLength");
        c.min_items = usize_of("minItems");
        c.max_items = usize_of("maxItems");
        c.min_properties = usize_of("minProperties");
        c.max_properties = usize_of("maxProperties");
        c.unique_items = obj.get("uniqueItems") == Some(&Value::Bool(true));
        let flag = |k: &str| obj.get(k) == Some(&Value::Bool(true));
        c.minimum = obj
            .get("minimum")
            .and_then(Value::as_f64)
            .map(|m| (m, flag("exclusiveMinimum")));
        c.maximum = obj
            .get("maximum")
            .and_then(Value::as_f64)
            .map(|m| (m, flag("exclusiveMaximum")));
        c.multiple_of = obj
            .get("multipleOf")
            .and_then(Value::as_f64)
            .filter(|m| *m > 0.0 && m.is_finite());
        let format = obj
            .get("format")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let typ = obj.get("type").and_then(Value::as_str);
        if matches!(typ, None | Some("array")) {
            if let Some(prefix) = obj
                .get("prefixItems")
                .and_then(Value::as_array)
                .filter(|p| !p.is_empty())
            {
                let kind = self.tuple(obj, prefix, ptr, hint, &mut c)?;
                return Some(Ty {
                    kind,
                    constraints: c,
                    nullable,
                });
            }
        }
        let kind = match typ {
            Some("string") => {
                let pattern = text(obj.get("pattern"));
                let checked = match &pattern {
                    Some(p) => match fancy_regex::Regex::new(p) {
                        Ok(_) => true,
                        Err(e) => {
                            let why = e.to_string();
                            let why = why.lines().last().unwrap_or_default().trim();
                            self.warn(
                                &join(ptr, "pattern"),
                                Rule::Unsupported,
                                format!(
                                    "pattern `{}` is not checked: it is not a regular expression `fancy-regex` reads ({})",
                                    cut(p),
                                    cut(why)
                                ),
                            );
                            false
                        }
                    },
                    None => false,
                };
                let rules = super::TextRules {
                    pattern,
                    checked,
                    format: Some(format.to_owned()).filter(|f| !f.is_empty()),
                };
                c.text = (rules != super::TextRules::default()).then(|| Box::new(rules));
                Kind::String
            }
            Some("boolean") => Kind::Boolean,
            Some("integer") => {
                let t = integer_type(format);
                drop_vacuous_bounds(t, &mut c);
                c.allowed = numeric_enum(obj);
                let (lo, hi) = integer_range(t);
                c.allowed
                    .retain(|v| v.fract() == 0.0 && *v >= lo as f64 && *v <= hi as f64);
                Kind::Integer(t)
            }
            Some("number") => {
                c.allowed = numeric_enum(obj);
                Kind::Number(if format == "float" { "f32" } else { "f64" })
            }
            Some("array") => {
                let items = match obj.get("items") {
                    Some(items) => self.ty(items, &join(ptr, "items"), &format!("{hint}Item"))?,
                    None => Ty::default(),
                };
                Kind::Array(Box::new(items))
            }
            Some("object") | None if obj.contains_key("additionalProperties") || typ.is_some() => {
                match obj.get("additionalProperties") {
                    Some(Value::Bool(_)) | None => Kind::Map(Box::default()),
                    Some(schema) => Kind::Map(Box::new(self.ty(
                        schema,
                        &join(ptr, "additionalProperties"),
                        &format!("{hint}Value"),
                    )?)),
                }
            }
            // No type, or one repair read as untyped.
            _ => Kind::Any,
        };
        Some(Ty {
            kind,
            constraints: c,
            nullable,
        })
    }

    /// An array schema with `prefixItems`: a tuple when nothing can follow
    /// the listed positions (`items: false`, or `maxItems` equal to their
    /// number), else a list; `c` loses the counts a tuple's type states.
    fn tuple(
        &mut self,
        obj: &'a serde_json::Map<String, Value>,
        prefix: &'a [Value],
        ptr: &str,
        hint: &str,
        c: &mut Constraints,
    ) -> Option<Kind> {
        let n = prefix.len();
        let prefix_ptr = join(ptr, "prefixItems");
        let items = obj.get("items");
        let closed = items.is_some_and(is_false_schema) || c.max_items == Some(n);
        if closed && n <= MAX_TUPLE {
            let mut members = Vec::with_capacity(n);
            for (i, member) in prefix.iter().enumerate() {
                let m_ptr = format!("{prefix_ptr}/{i}");
                members.push(self.ty(member, &m_ptr, &format!("{hint}Item{i}"))?);
            }
            if let Some(min) = c.min_items.filter(|m| *m < n) {
                self.warn(
                    &join(ptr, "minItems"),
                    Rule::Unsupported,
                    format!("`minItems: {min}` lets the array stop before the last of its {n} positions: the tuple needs all of them"),
                );
            }
            if c.unique_items {
                self.warn(
                    &join(ptr, "uniqueItems"),
                    Rule::Unsupported,
                    "`uniqueItems` is not checked on a tuple",
                );
            }
            // The tuple's type fixes its length.
            c.min_items = None;
            c.max_items = None;
            c.unique_items = false;
            return Some(Kind::Tuple(members.into()));
        }
        // Every position alike (and like `items`): an ordinary array.
        if let Some(schema) = items.filter(|i| i.is_object() && prefix.iter().all(|m| m == *i)) {
            let item = self.ty(schema, &join(ptr, "items"), &format!("{hint}Item"))?;
            return Some(Kind::Array(Box::new(item)));
        }
        let why = if closed {
            format!("a tuple of more than {MAX_TUPLE} positions is not supported")
        } else {
            format!("more items may follow the {n} positions (close the tuple with `items: false` or `maxItems: {n}`)")
        };
        self.warn(
            &prefix_ptr,
            Rule::Unsupported,
            format!("{why}: the array's items are untyped (`serde_json::Value`)"),
        );
        Some(Kind::Array(Box::default()))
    }

    /// Registers the named type `name` for the schema at `ptr`.
    pub(super) fn define(&mut self, s: &'a Value, ptr: &str, name: String) -> Option<()> {
        let doc = text(s.get("description")).or_else(|| text(s.get("title")));
        if let Some(values) = s.get("enum").and_then(Value::as_array) {
            if s.get("properties").is_none() {
                let mut def = self.string_enum(values, ptr, &name, doc, &[])?;
                def.default = enum_default(&def, s);
                self.register(TypeDef::Enum(def));
                return Some(());
            }
        }
        let union = s
            .get("oneOf")
            .map(|v| (v, "oneOf"))
            .or_else(|| s.get("anyOf").map(|v| (v, "anyOf")));
        // Alternatives beside the object's own properties: a union of
        // objects whose properties sit in the same JSON object, as a field
        // `#[serde(flatten)]`.
        let mut flattened = None;
        if let Some((variants, key)) = union.filter(|_| s.get("properties").is_some()) {
            let objects = variants
                .as_array()
                .is_some_and(|l| !l.is_empty() && l.iter().all(|v| self.is_objecty(v)));
            if objects {
                let union_name = self.claim_name(&format!("{name}{}", camel_ident(key)));
                let what = format!(
                    "Which of the `{key}` alternatives of `{name}` this is: their properties sit in the same JSON object as the others."
                );
                let def = self.union(
                    s,
                    variants,
                    &join(ptr, key),
                    &union_name,
                    Some(what.clone()),
                )?;
                self.register(def);
                flattened = Some(Field {
                    json: key.to_owned(),
                    rust: snake_ident(key),
                    doc: Some(what),
                    ty: Ty {
                        kind: Kind::Named(union_name),
                        ..Ty::default()
                    },
                    required: true,
                    default: None,
                    boxed: false,
                    flatten: true,
                });
            } else {
                self.warn(
                    &join(ptr, key),
                    Rule::Unsupported,
                    format!("`{key}` beside `properties` is ignored: the type is the object (an alternative is not an object)"),
                );
            }
        } else if let Some((variants, key)) = union {
            let def = self.union(s, variants, &join(ptr, key), &name, doc)?;
            self.register(def);
            return Some(());
        }
        let mut fields = Vec::new();
        let mut required = BTreeSet::new();
        let mut additional = None;
        let mut deny_unknown = false;
        self.collect_object(
            s,
            ptr,
            &name,
            &mut fields,
            &mut required,
            &mut additional,
            &mut deny_unknown,
            false,
        )?;
        for f in &mut fields {
            f.required = required.contains(&f.json);
            if f.required || !is_simple_default(&f.ty) {
                f.default = None;
            }
        }
        if let Some(field) = flattened {
            // serde reads a flattened field from what the others leave:
            // unknown properties cannot be refused, nor collected apart.
            if deny_unknown {
                self.warn(
                    &join(ptr, "additionalProperties"),
                    Rule::Unsupported,
                    format!("`additionalProperties: false` beside `{}` is not enforced: the alternatives' properties are read from the same object", field.json),
                );
                deny_unknown = false;
            }
            if additional.take().is_some() {
                self.warn(
                    &join(ptr, "additionalProperties"),
                    Rule::Unsupported,
                    format!("`additionalProperties` beside `{}` is not kept apart: the alternatives' properties are read from the same object", field.json),
                );
            }
            fields.push(field);
        }
        // The field for extra properties keeps its name; a property gives way.
        let reserved = usize::from(additional.is_some());
        let mut names: Vec<String> = vec!["additional_properties".to_owned(); reserved];
        names.extend(fields.iter().map(|f| f.rust.clone()));
        dedupe(&mut names);
        for (f, n) in fields.iter_mut().zip(names.into_iter().skip(reserved)) {
            f.rust = n;
        }
        self.register(TypeDef::Struct(Struct {
            name,
            doc,
            fields,
            additional,
            deny_unknown,
        }));
        Some(())
    }

    /// Gathers the properties of an object schema, merging `allOf` members
    /// (`member`: `s` is one, whose own `oneOf`/`anyOf` cannot be kept).
    #[allow(clippy::too_many_arguments)]
    pub(super) fn collect_object(
        &mut self,
        s: &'a Value,
        ptr: &str,
        name: &str,
        fields: &mut Vec<Field>,
        required: &mut BTreeSet<String>,
        additional: &mut Option<Ty>,
        deny_unknown: &mut bool,
        member: bool,
    ) -> Option<()> {
        let (s, ptr) = self.resolve(s, ptr);
        if let Some(all) = s.get("allOf").and_then(Value::as_array) {
            for (i, member) in all.iter().enumerate() {
                let m_ptr = format!("{}/{i}", join(&ptr, "allOf"));
                let (m, m_ptr) = self.resolve(member, &m_ptr);
                let typed = m.get("type").and_then(Value::as_str);
                if !self.is_objecty(m) && typed.is_some_and(|t| t != "object") {
                    self.warn(
                        &m_ptr,
                        Rule::Unsupported,
                        format!(
                            "an allOf member of type `{}` beside object members is ignored",
                            cut(typed.unwrap_or_default())
                        ),
                    );
                    continue;
                }
                self.collect_object(
                    m,
                    &m_ptr,
                    name,
                    fields,
                    required,
                    additional,
                    deny_unknown,
                    true,
                )?;
            }
        }
        // The schema's own alternatives are the caller's (`define`).
        let own = ["oneOf", "anyOf"].into_iter().find(|k| s.get(*k).is_some());
        if let Some(key) = own.filter(|_| member) {
            self.warn(
                &join(&ptr, key),
                Rule::Unsupported,
                format!("`{key}` inside an object merged by allOf is ignored: its properties are not fields"),
            );
        }
        for r in s
            .get("required")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
        {
            required.insert(r.to_owned());
        }
        for (prop, schema) in s
            .get("properties")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            let p_ptr = join(&join(&ptr, "properties"), prop);
            let ty = self.ty(schema, &p_ptr, &format!("{name}{}", camel_ident(prop)))?;
            let (resolved, _) = self.resolve(schema, &p_ptr);
            let field = Field {
                json: prop.clone(),
                rust: snake_ident(prop),
                doc: text(schema.get("description")).or_else(|| text(resolved.get("description"))),
                ty,
                required: false,
                default: schema
                    .get("default")
                    .or_else(|| resolved.get("default"))
                    .cloned(),
                boxed: false,
                flatten: false,
            };
            match fields.iter().position(|f| f.json == *prop) {
                Some(i) => fields[i] = merged_field(&fields[i], field),
                None => fields.push(field),
            }
        }
        match s.get("additionalProperties") {
            Some(Value::Bool(false)) => *deny_unknown = true,
            Some(Value::Bool(true)) => *additional = Some(Ty::default()),
            Some(schema) if schema.is_object() => {
                let t = self.ty(
                    schema,
                    &join(&ptr, "additionalProperties"),
                    &format!("{name}Value"),
                )?;
                *additional = Some(t);
            }
            _ => {}
        }
        Some(())
    }

    pub(super) fn string_enum(
        &mut self,
        values: &[Value],
        ptr: &str,
        name: &str,
        doc: Option<String>,
        docs: &[Option<String>],
    ) -> Option<Enum> {
        let mut out = Vec::new();
        for (i, v) in values.iter().enumerate() {
            match v {
                Value::String(s) if out.iter().any(|e: &EnumValue| e.value == *s) => {}
                Value::String(s) => out.push(EnumValue {
                    value: s.clone(),
                    variant: camel_ident(s),
                    doc: docs.get(i).cloned().flatten(),
                }),
                Value::Null => {}
                _ => self.warn(
                    &format!("{}/{i}", join(ptr, "enum")),
                    Rule::EnumCoerced,
                    format!(
                        "enum `{}`: `{}` is not a string and is left out",
                        cut(name),
                        cut(&v.to_string())
                    ),
                ),
            }
        }
        if out.is_empty() {
            self.unsupported(
                &join(ptr, "enum"),
                "an enum needs at least one string value",
            );
            return None;
        }
        let mut variants: Vec<String> = out.iter().map(|v| v.variant.clone()).collect();
        dedupe(&mut variants);
        for (v, n) in out.iter_mut().zip(variants) {
            v.variant = n;
        }
        Some(Enum {
            name: name.to_owned(),
            doc,
            values: out,
            default: None,
            unknown: None,
        })
    }

    pub(super) fn union(
        &mut self,
        s: &'a Value,
        variants: &'a Value,
        ptr: &str,
        name: &str,
        doc: Option<String>,
    ) -> Option<TypeDef> {
        let list = variants.as_array().filter(|l| !l.is_empty())?;
        // A union of string enums (often one value each, documented) is one enum.
        let resolved: Vec<&Value> = list.iter().map(|v| self.resolve(v, "").0).collect();
        let all_string_enums = resolved.iter().all(|v| {
            v.get("enum")
                .and_then(Value::as_array)
                .is_some_and(|e| e.iter().any(Value::is_string))
                && v.get("type")
                    .and_then(Value::as_str)
                    .is_none_or(|t| t == "string")
        });
        if all_string_enums {
            let mut values = Vec::new();
            let mut docs = Vec::new();
            for v in &resolved {
                for e in v
                    .get("enum")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                {
                    values.push(e.clone());
                    docs.push(text(v.get("description")));
                }
            }
            let mut e = self.string_enum(&values, ptr, name, doc, &docs)?;
            e.default = enum_default(&e, s);
            return Some(TypeDef::Enum(e));
        }
        let mut out = Vec::new();
        for (i, v) in list.iter().enumerate() {
            let v_ptr = format!("{ptr}/{i}");
            let variant_name = match v.get("$ref").and_then(Value::as_str) {
                Some(r) => camel_ident(r.rsplit('/').next().unwrap_or("Variant")),
                None => text(v.get("title")).or_else(|| tag_value(v)).map_or_else(
                    || match v.get("type").and_then(Value::as_str) {
                        Some(t @ ("string" | "integer" | "number" | "boolean" | "array")) => {
                            camel_ident(t)
                        }
                        _ => format!("Variant{i}"),
                    },
                    |t| camel_ident(&t),
                ),
            };
            let hint = format!("{name}{variant_name}");
            let ty = self.ty(v, &v_ptr, &hint)?;
            out.push(UnionVariant {
                name: variant_name,
                ty,
                boxed: false,
            });
        }
        let mut names: Vec<String> = out.iter().map(|v| v.name.clone()).collect();
        dedupe(&mut names);
        for (v, n) in out.iter_mut().zip(names) {
            v.name = n;
        }
        let discriminator = match s.get("discriminator") {
            Some(d) => {
                let property = text(d.get("propertyName")).unwrap_or_default();
                let mut mapping = Vec::new();
                let explicit = d.get("mapping").and_then(Value::as_object);
                let inline = list.iter().position(|v| v.get("$ref").is_none());
                if let Some(i) = inline {
                    self.warn(
                        &format!("{ptr}/{i}"),
                        Rule::Unsupported,
                        "a discriminator needs every variant to be a $ref: the union is read untagged",
                    );
                }
                for (i, v) in list.iter().enumerate() {
                    let Some(r) = v.get("$ref").and_then(Value::as_str) else {
                        continue;
                    };
                    let mut values: Vec<String> = explicit
                        .into_iter()
                        .flatten()
                        .filter(|(_, target)| target.as_str() == Some(r))
                        .map(|(k, _)| k.clone())
                        .collect();
                    if values.is_empty() {
                        values.push(r.rsplit('/').next().unwrap_or_default().to_owned());
                    }
                    mapping.extend(values.into_iter().map(|value| (value, i)));
                }
                (inline.is_none() && !property.is_empty())
                    .then_some(Discriminator { property, mapping })
            }
            None => None,
        };
        Some(TypeDef::Union(Union {
            name: name.to_owned(),
            doc,
            variants: out,
            discriminator,
            unknown: None,
        }))
    }
}

/// The most positions a tuple may have: Rust implements `Clone`, `Debug`,
/// `PartialEq` and `Default` for tuples up to this length.
const MAX_TUPLE: usize = 12;

/// The single value of a `type`-like property that an inline object variant
/// pins with a one-value enum, used to name the variant.
fn tag_value(v: &Value) -> Option<String> {
    let props = v.get("properties")?.as_object()?;
    props.values().find_map(|p| {
        let e = p.get("enum")?.as_array()?;
        (e.len() == 1)
            .then(|| e[0].as_str().map(str::to_owned))
            .flatten()
    })
}

/// The value an enum schema's `default` names, if it is one of the enum's.
fn enum_default(e: &Enum, s: &Value) -> Option<usize> {
    let wanted = s.get("default")?.as_str()?;
    e.values.iter().position(|v| v.value == wanted)
}

fn is_simple_default(ty: &Ty) -> bool {
    !ty.nullable
        && matches!(
            ty.kind,
            Kind::String | Kind::Integer(_) | Kind::Number(_) | Kind::Boolean | Kind::Named(_)
        )
}

fn integer_type(format: &str) -> &'static str {
    match format {
        "int8" => "i8",
        "int16" => "i16",
        "int32" => "i32",
        "uint8" => "u8",
        "uint16" => "u16",
        "uint32" => "u32",
        "uint64" | "uint" => "u64",
        _ => "i64",
    }
}

/// The numbers listed in a schema's `enum`.
fn numeric_enum(obj: &serde_json::Map<String, Value>) -> Vec<f64> {
    obj.get("enum")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_f64)
        .collect()
}

/// The values a Rust integer type can hold.
/// A property that two `allOf` members both define: a value must meet both
/// schemas, so where both are the same kind of value the narrower integer
/// type and the intersection of their constraints hold (`format: int32` in
/// one and a bare `integer` in the other is an `i32`); otherwise the later
/// definition wins, as it did alone. Its doc and default are the later's,
/// else the earlier's.
pub(super) fn merged_field(earlier: &Field, later: Field) -> Field {
    let same_kind = match (&earlier.ty.kind, &later.ty.kind) {
        (Kind::Integer(_), Kind::Integer(_))
        | (Kind::Number(_), Kind::Number(_))
        | (Kind::String, Kind::String) => true,
        (Kind::Array(a), Kind::Array(b)) | (Kind::Map(a), Kind::Map(b)) => a.kind == b.kind,
        (Kind::Named(a), Kind::Named(b)) => a == b,
        _ => false,
    };
    let mut field = Field {
        doc: later.doc.or_else(|| earlier.doc.clone()),
        default: later.default.or_else(|| earlier.default.clone()),
        ..later
    };
    if !same_kind {
        return field;
    }
    if let (Kind::Integer(a), Kind::Integer(b)) = (&earlier.ty.kind, &field.ty.kind) {
        let (ra, rb) = (integer_range(a), integer_range(b));
        if ra.1 - ra.0 < rb.1 - rb.0 {
            field.ty.kind = Kind::Integer(a);
        }
    }
    field.ty.nullable &= earlier.ty.nullable;
    field.ty.constraints = intersect(&earlier.ty.constraints, &field.ty.constraints);
    field
}

/// Constraints both `a` and `b` impose.
fn intersect(a: &Constraints, b: &Constraints) -> Constraints {
    fn most(x: Option<usize>, y: Option<usize>) -> Option<usize> {
        x.max(y)
    }
    fn least(x: Option<usize>, y: Option<usize>) -> Option<usize> {
        match (x, y) {
            (Some(x), Some(y)) => Some(x.min(y)),
            (x, y) => x.or(y),
        }
    }
    // The tighter bound; at the same value, exclusive if either is.
    let bound = |x: Option<(f64, bool)>, y: Option<(f64, bool)>, lower: bool| match (x, y) {
        (Some(x), Some(y)) if x.0 == y.0 => Some((x.0, x.1 || y.1)),
        (Some(x), Some(y)) => Some(if (x.0 > y.0) == lower { x } else { y }),
        (x, y) => x.or(y),
    };
    let allowed = match (a.allowed.is_empty(), b.allowed.is_empty()) {
        (false, false) => a
            .allowed
            .iter()
            .copied()
            .filter(|v| b.allowed.contains(v))
            .collect(),
        (false, true) => a.allowed.clone(),
        _ => b.allowed.clone(),
    };
    // One pattern and one format can be checked: the later's where it has one.
    let text = match (&a.text, &b.text) {
        (Some(x), Some(y)) => {
            let (pattern, checked) = match &y.pattern {
                Some(_) => (y.pattern.clone(), y.checked),
                None => (x.pattern.clone(), x.checked),
            };
            Some(Box::new(TextRules {
                pattern,
                checked,
                format: y.format.clone().or_else(|| x.format.clone()),
            }))
        }
        (x, y) => y.clone().or_else(|| x.clone()),
    };
    Constraints {
        min_length: most(a.min_length, b.min_length),
        max_length: least(a.max_length, b.max_length),
        min_items: most(a.min_items, b.min_items),
        max_items: least(a.max_items, b.max_items),
        unique_items: a.unique_items || b.unique_items,
        min_properties: most(a.min_properties, b.min_properties),
        max_properties: least(a.max_properties, b.max_properties),
        minimum: bound(a.minimum, b.minimum, true),
        maximum: bound(a.maximum, b.maximum, false),
        allowed,
        // Both hold; one is checked: the later's where it has one.
        multiple_of: b.multiple_of.or(a.multiple_of),
        text,
    }
}

pub fn integer_range(t: &str) -> (i128, i128) {
    match t {
        "i8" => (i8::MIN.into(), i8::MAX.into()),
        "i16" => (i16::MIN.into(), i16::MAX.into()),
        "i32" => (i32::MIN.into(), i32::MAX.into()),
        "u8" => (0, u8::MAX.into()),
        "u16" => (0, u16::MAX.into()),
        "u32" => (0, u32::MAX.into()),
        "u64" => (0, u64::MAX.into()),
        _ => (i64::MIN.into(), i64::MAX.into()),
    }
}

/// Drops a bound that the integer type `t` already guarantees (a minimum
/// below its smallest value, a maximum above its largest), which could not
/// be written as a literal of the type either.
fn drop_vacuous_bounds(t: &str, c: &mut Constraints) {
    let (lo, hi) = integer_range(t);
    if c.minimum.is_some_and(|(m, _)| m < lo as f64) {
        c.minimum = None;
    }
    if c.maximum.is_some_and(|(m, _)| m > hi as f64) {
        c.maximum = None;
    }
}
