//! The catalog of changes `diff` reports: each rule's id, level and the
//! parties it breaks. A rule's level never depends on the document: where
//! the same edit means different things (a request narrows what callers
//! may send, a response widens what they must read), the rules differ.
//!
//! Who breaks:
//! - **client**: code that calls the API and was written against the old
//!   document (hand-written or a generated client). Narrowing what a request
//!   accepts, or widening what a response may hold, breaks it.
//! - **server**: an implementation written against the old document (on
//!   generated server stubs, say) that must now serve the new one. Widening
//!   what a request may hold breaks it where the generated types change
//!   (a new enum value meets an exhaustive `match`, a required value becomes
//!   optional), and so does a response that must now hold more (a property
//!   that became required, an enum value it may no longer send).
//!
//! Where generated Rust bindings make a change breaking that a reader of
//! the wire alone would call safe, the rule says so in its summary.

use serde::Serialize;

/// How much a change matters.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Level {
    /// Existing code of one of the parties stops working.
    Breaking,
    /// A change existing code keeps working with.
    NonBreaking,
    /// Worth knowing, changes nothing on the wire (a deprecation, a rename
    /// of something nobody sends).
    Info,
}

impl Level {
    pub fn name(self) -> &'static str {
        match self {
            Level::Breaking => "breaking",
            Level::NonBreaking => "non-breaking",
            Level::Info => "info",
        }
    }
}

/// Who a breaking change breaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Party {
    /// Callers of the API.
    Client,
    /// Implementers of the API.
    Server,
}

impl Party {
    pub fn name(self) -> &'static str {
        match self {
            Party::Client => "client",
            Party::Server => "server",
        }
    }
}

/// One kind of change.
#[derive(Clone, Copy, Debug, Serialize)]
pub struct Rule {
    /// The stable kebab-case id (output that CI tools parse).
    pub id: &'static str,
    pub level: Level,
    /// Whom a breaking change breaks (empty for the other levels).
    #[serde(rename = "for")]
    pub breaks: &'static [Party],
    /// What the change is, and why it has this level.
    pub summary: &'static str,
}

const C: &[Party] = &[Party::Client];
const S: &[Party] = &[Party::Server];
const CS: &[Party] = &[Party::Client, Party::Server];
const NONE: &[Party] = &[];

macro_rules! rules {
    ($($id:literal $level:ident $breaks:ident $summary:literal,)*) => {
        /// Every rule, grouped by concern.
        pub const RULES: &[Rule] = &[$(Rule {
            id: $id,
            level: Level::$level,
            breaks: $breaks,
            summary: $summary,
        },)*];
    };
}

rules! {
    // Documents (`cargo xtask diff --base`).
    "document-added" NonBreaking NONE "A document is new.",
    "document-removed" Breaking CS "A document is gone, with every operation in it.",
    // Operations.
    "operation-added" NonBreaking NONE "A new operation (generated server traits give it a default).",
    "operation-removed" Breaking CS "An operation is gone: its callers fail, and an implementation of it no longer matches the generated trait.",
    "operation-id-changed" Breaking CS "The operationId changed (or was added or removed): generated method and type names follow it.",
    "operation-deprecated" Info NONE "An operation is now deprecated.",
    "path-parameter-renamed" Info NONE "A path parameter has another name at the same place in the template.",
    // Parameters (the request side).
    "parameter-added-required" Breaking C "A new required parameter: callers do not send it.",
    "parameter-added-optional" NonBreaking NONE "A new optional parameter.",
    "parameter-removed" Breaking C "A parameter is gone: callers that send it are no longer understood.",
    "parameter-became-required" Breaking C "An optional parameter became required.",
    "parameter-became-optional" Breaking S "A required parameter became optional: implementations now meet requests without it.",
    "parameter-location-changed" Breaking CS "A parameter moved (query, header, path, cookie).",
    "parameter-style-changed" Breaking CS "A parameter's serialization style changed: the bytes on the wire differ.",
    "parameter-explode-changed" Breaking CS "A parameter's explode changed: the bytes on the wire differ.",
    "parameter-deprecated" Info NONE "A parameter is now deprecated.",
    // Request bodies.
    "request-body-added-required" Breaking C "An operation now requires a request body.",
    "request-body-added-optional" NonBreaking NONE "An operation now takes an optional request body.",
    "request-body-removed" Breaking C "An operation no longer takes a request body.",
    "request-body-became-required" Breaking C "The request body became required.",
    "request-body-became-optional" Breaking S "The request body became optional: implementations now meet requests without one.",
    "request-media-type-added" NonBreaking NONE "The request body is accepted in one more media type.",
    "request-media-type-removed" Breaking C "The request body is no longer accepted in a media type.",
    // Responses.
    "response-status-added" Breaking C "A new response status. Generated clients' outcome and error enums are exhaustive, so a `match` over them breaks; readers of the wire that treat unknown statuses generically are unaffected.",
    "response-status-removed" Breaking CS "A response status is gone: callers handling it lose it, and implementations returning it no longer match the generated reply enum.",
    "response-media-type-added" NonBreaking NONE "A response may come in one more media type (as asked by `Accept`).",
    "response-media-type-removed" Breaking C "A response no longer comes in a media type.",
    "response-header-added" NonBreaking NONE "A response has a new header.",
    "response-header-removed" Breaking C "A response header is gone.",
    "response-header-became-optional" Breaking C "A required response header became optional.",
    "response-header-became-required" Breaking S "An optional response header became required: implementations must now send it.",
    // Security and servers.
    "security-scheme-added-to-operation" Breaking C "An operation now needs credentials of one more scheme.",
    "security-scheme-removed-from-operation" NonBreaking NONE "An operation needs credentials of one scheme less (or none).",
    "security-alternative-added" NonBreaking NONE "An operation accepts one more way to authenticate.",
    "security-alternative-removed" Breaking C "A way to authenticate an operation is no longer accepted.",
    "security-scope-added" Breaking C "An operation needs one more OAuth scope.",
    "security-scope-removed" NonBreaking NONE "An operation needs one OAuth scope less.",
    "security-scheme-changed" Breaking CS "A security scheme an operation uses changed how credentials are sent (type, location, name, HTTP scheme, flows).",
    "server-added" NonBreaking NONE "A new server URL.",
    "server-removed" Breaking C "A server URL is gone: clients configured with it (a generated client's default) reach nothing.",
    // Schemas of requests (bodies, parameters, properties).
    "request-type-changed" Breaking CS "A request value's type changed.",
    "request-type-widened" Breaking S "A request value accepts more types (`integer` to `number`, say): callers are fine, implementations get values of another Rust type.",
    "request-format-changed" Breaking CS "A request value's format changed (generated types follow it).",
    "request-became-nullable" Breaking S "A request value may now be null: implementations get `None`.",
    "request-became-not-nullable" Breaking C "A request value may no longer be null.",
    "request-enum-value-added" Breaking S "A request enum accepts a new value: callers are fine, an implementation's exhaustive `match` over the generated enum breaks.",
    "request-enum-value-removed" Breaking C "A request enum no longer accepts a value.",
    "request-enum-added" Breaking CS "A request value is now limited to an enum (generated types change from the value's type to an enum).",
    "request-enum-removed" Breaking S "A request value is no longer limited to an enum: implementations get any value of the type.",
    "request-max-length-decreased" Breaking C "A request string's maxLength decreased (or was set).",
    "request-max-length-increased" NonBreaking NONE "A request string's maxLength increased (or was removed).",
    "request-min-length-increased" Breaking C "A request string's minLength increased (or was set).",
    "request-min-length-decreased" NonBreaking NONE "A request string's minLength decreased (or was removed).",
    "request-max-decreased" Breaking C "A request number's maximum decreased (or was set, or became exclusive).",
    "request-max-increased" NonBreaking NONE "A request number's maximum increased (or was removed).",
    "request-min-increased" Breaking C "A request number's minimum increased (or was set, or became exclusive).",
    "request-min-decreased" NonBreaking NONE "A request number's minimum decreased (or was removed).",
    "request-max-items-decreased" Breaking C "A request array's maxItems decreased (or was set).",
    "request-max-items-increased" NonBreaking NONE "A request array's maxItems increased (or was removed).",
    "request-min-items-increased" Breaking C "A request array's minItems increased (or was set).",
    "request-min-items-decreased" NonBreaking NONE "A request array's minItems decreased (or was removed).",
    "request-multiple-of-changed" Breaking C "A request number's multipleOf changed (or was set).",
    "request-pattern-added" Breaking C "A request string must now match a pattern.",
    "request-pattern-removed" NonBreaking NONE "A request string no longer has a pattern.",
    "request-pattern-changed" Breaking C "A request string's pattern changed (patterns cannot be compared: values that matched may not).",
    "request-default-changed" Breaking C "The default of a request value changed (or was added or removed): callers that leave it out get another behaviour.",
    "request-additional-properties-allowed" NonBreaking NONE "A request object accepts properties it does not list.",
    "request-additional-properties-denied" Breaking C "A request object no longer accepts properties it does not list.",
    "request-variant-added" Breaking S "A request oneOf/anyOf has a new variant: an implementation's exhaustive `match` over the generated enum breaks.",
    "request-variant-removed" Breaking C "A request oneOf/anyOf lost a variant.",
    "request-property-added-required" Breaking C "A request object has a new required property.",
    "request-property-added-optional" NonBreaking NONE "A request object has a new optional property.",
    "request-property-removed" Breaking C "A request property is gone: callers that send it are no longer understood.",
    "request-property-became-required" Breaking C "A request property became required.",
    "request-property-became-optional" Breaking S "A request property became optional: implementations now meet requests without it.",
    // Schemas of responses (bodies, headers, properties).
    "response-type-changed" Breaking CS "A response value's type changed.",
    "response-type-narrowed" Breaking S "A response value allows fewer types (`number` to `integer`, say): callers are fine, implementations must produce values of another Rust type.",
    "response-format-changed" Breaking CS "A response value's format changed (generated types follow it).",
    "response-became-nullable" Breaking C "A response value may now be null.",
    "response-became-not-nullable" Breaking S "A response value may no longer be null: implementations must always send one.",
    "response-enum-value-added" NonBreaking NONE "A response enum has a new value. Generated clients read it as the enum's `Unknown` (the enum is `#[non_exhaustive]`) and send it back unchanged; a strict reader written elsewhere would refuse the response.",
    "response-enum-value-removed" Breaking S "A response enum lost a value: implementations that send it no longer match the document (nor the generated enum).",
    "response-enum-added" Breaking S "A response value is now limited to an enum: implementations must keep to it (generated types change).",
    "response-enum-removed" Breaking C "A response value is no longer limited to an enum: callers may meet any value of the type.",
    "response-max-length-decreased" NonBreaking NONE "A response string's maxLength decreased (or was set).",
    "response-max-length-increased" Breaking C "A response string's maxLength increased (or was removed): callers may meet longer values.",
    "response-min-length-increased" NonBreaking NONE "A response string's minLength increased (or was set).",
    "response-min-length-decreased" Breaking C "A response string's minLength decreased (or was removed): callers may meet shorter values.",
    "response-max-decreased" NonBreaking NONE "A response number's maximum decreased (or was set).",
    "response-max-increased" Breaking C "A response number's maximum increased (or was removed): callers may meet larger values.",
    "response-min-increased" NonBreaking NONE "A response number's minimum increased (or was set).",
    "response-min-decreased" Breaking C "A response number's minimum decreased (or was removed): callers may meet smaller values.",
    "response-max-items-decreased" NonBreaking NONE "A response array's maxItems decreased (or was set).",
    "response-max-items-increased" Breaking C "A response array's maxItems increased (or was removed): callers may meet longer arrays.",
    "response-min-items-increased" NonBreaking NONE "A response array's minItems increased (or was set).",
    "response-min-items-decreased" Breaking C "A response array's minItems decreased (or was removed): callers may meet shorter arrays.",
    "response-multiple-of-changed" Breaking C "A response number's multipleOf changed (or was removed).",
    "response-pattern-added" NonBreaking NONE "A response string now matches a pattern.",
    "response-pattern-removed" Breaking C "A response string no longer has a pattern: callers may meet any string.",
    "response-pattern-changed" Breaking C "A response string's pattern changed (patterns cannot be compared).",
    "response-additional-properties-allowed" Breaking C "A response object may hold properties it does not list: readers that deny unknown fields (as generated types do for `additionalProperties: false`) refuse it.",
    "response-additional-properties-denied" NonBreaking NONE "A response object no longer holds properties it does not list.",
    "response-variant-added" Breaking C "A response oneOf/anyOf has a new variant: callers meet values they cannot read.",
    "response-variant-removed" Breaking S "A response oneOf/anyOf lost a variant: implementations that send it no longer match.",
    "response-property-added-required" Breaking S "A response object has a new required property: implementations must send it (generated constructors take it).",
    "response-property-added-optional" NonBreaking NONE "A response object has a new optional property.",
    "response-property-added-optional-closed" Breaking C "A response object that denies properties it does not list (`additionalProperties: false`) has a new optional property: readers that deny unknown fields, as generated types do, refuse responses that carry it.",
    "response-property-added-required-closed" Breaking CS "A response object that denies properties it does not list (`additionalProperties: false`) has a new required property: readers that deny unknown fields, as generated types do, refuse every response, and implementations must send it.",
    "response-property-removed" Breaking C "A response property is gone: callers reading it find nothing.",
    "response-property-became-optional" Breaking C "A required response property became optional: callers may find nothing.",
    "response-property-became-required" Breaking S "A response property became required: implementations must always send it.",
}

/// The rule `id`. Panics on an id the catalog does not have: every id the
/// diff reports is written in this module.
pub fn rule(id: &str) -> &'static Rule {
    RULES
        .iter()
        .find(|r| r.id == id)
        .unwrap_or_else(|| panic!("no diff rule `{id}`"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_kebab_case_and_levels_agree_with_parties() {
        let mut seen = std::collections::BTreeSet::new();
        for r in RULES {
            assert!(seen.insert(r.id), "{} twice", r.id);
            assert!(
                r.id.split('-')
                    .all(|w| !w.is_empty() && w.bytes().all(|b| b.is_ascii_lowercase())),
                "{} is not kebab-case",
                r.id
            );
            assert_eq!(
                r.level == Level::Breaking,
                !r.breaks.is_empty(),
                "{}: a breaking rule names whom it breaks, the others nobody",
                r.id
            );
        }
    }

    #[test]
    fn request_and_response_rules_pair_up() {
        for r in RULES.iter().filter(|r| r.id.starts_with("request-")) {
            let rest = &r.id["request-".len()..];
            if rest.starts_with("body-")
                || rest.starts_with("media-")
                || rest == "default-changed"
                || rest == "type-widened"
            {
                continue;
            }
            let twin = format!("response-{rest}");
            assert!(RULES.iter().any(|o| o.id == twin), "{} has no {twin}", r.id);
        }
    }
}
