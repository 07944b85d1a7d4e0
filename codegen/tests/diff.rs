//! `codegen::diff` over the fixture pairs in `fixtures/diff/`: each pair
//! (`old.yaml`, `new.yaml`) makes exactly one kind of change, and
//! `expected.json` names its rule, level and whom it breaks.

use std::path::{Path, PathBuf};

use codegen::diff::{self, Change, Level, Party};
use codegen::load::Document;
use serde_json::Value;

const FIXTURES: &str = "codegen/tests/fixtures/diff";

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("codegen lives in the workspace")
        .to_path_buf()
}

fn load(relative: &str) -> Document {
    codegen::load_document(&workspace().join(relative), relative)
        .unwrap_or_else(|problems| panic!("{relative} does not load: {problems:#?}"))
}

fn pairs() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(workspace().join(FIXTURES))
        .expect("fixtures/diff exists")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

fn diff_pair(name: &str) -> Vec<Change> {
    let old = load(&format!("{FIXTURES}/{name}/old.yaml"));
    let new = load(&format!("{FIXTURES}/{name}/new.yaml"));
    diff::diff(&old, &new)
}

fn level(name: &str) -> Level {
    match name {
        "breaking" => Level::Breaking,
        "non-breaking" => Level::NonBreaking,
        "info" => Level::Info,
        other => panic!("unknown level {other}"),
    }
}

fn party(name: &str) -> Party {
    match name {
        "client" => Party::Client,
        "server" => Party::Server,
        other => panic!("unknown party {other}"),
    }
}

#[test]
fn every_fixture_pair_reports_its_rule_level_and_parties() {
    let names = pairs();
    assert!(names.len() >= 30, "only {} fixture pairs", names.len());
    let mut failures = Vec::new();
    for name in &names {
        let dir = workspace().join(FIXTURES).join(name);
        let expected: Value = serde_json::from_str(
            &std::fs::read_to_string(dir.join("expected.json")).expect("expected.json"),
        )
        .expect("expected.json is JSON");
        let rule = expected["rule"].as_str().expect("rule");
        let want_level = level(expected["level"].as_str().expect("level"));
        let want_for: Vec<Party> = expected["for"]
            .as_array()
            .expect("for")
            .iter()
            .map(|p| party(p.as_str().expect("a party")))
            .collect();
        let known = diff::rule(rule);
        assert_eq!(known.level, want_level, "{name}: the catalog's level");
        assert_eq!(
            known.breaks,
            want_for.as_slice(),
            "{name}: the catalog's parties"
        );
        let changes = diff_pair(name);
        let wrong: Vec<String> = changes
            .iter()
            .filter(|c| c.rule != rule || c.level != want_level || c.breaks != want_for.as_slice())
            .map(|c| format!("{} {:?} {:?}: {}", c.rule, c.level, c.breaks, c.message))
            .collect();
        if changes.is_empty() {
            failures.push(format!("{name}: no change found, expected {rule}"));
        } else if !wrong.is_empty() {
            failures.push(format!("{name}: expected only {rule}, got {wrong:#?}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn a_document_compared_with_itself_has_no_changes() {
    for name in pairs() {
        for side in ["old", "new"] {
            let doc = load(&format!("{FIXTURES}/{name}/{side}.yaml"));
            let changes = diff::diff(&doc, &doc);
            assert!(changes.is_empty(), "{name}/{side}: {changes:#?}");
        }
    }
    for spec in codegen::spec_files(&workspace().join("specs")).expect("specs/") {
        let name = spec
            .strip_prefix(workspace())
            .unwrap()
            .display()
            .to_string();
        let doc = load(&name);
        assert!(diff::diff(&doc, &doc).is_empty(), "{name}");
    }
}

#[test]
fn changes_are_located_in_both_files() {
    let changes = diff_pair("request-max-length-decreased");
    assert_eq!(changes.len(), 1, "{changes:#?}");
    let c = &changes[0];
    assert_eq!(c.operation.as_deref(), Some("POST /things"));
    assert!(c.message.contains("property `name`"), "{}", c.message);
    assert!(c.message.contains("from 64 to 32"), "{}", c.message);
    let old = c.old.as_ref().expect("old location");
    let new = c.new.as_ref().expect("new location");
    assert_eq!(
        old.file,
        format!("{FIXTURES}/request-max-length-decreased/old.yaml")
    );
    assert_eq!(
        new.file,
        format!("{FIXTURES}/request-max-length-decreased/new.yaml")
    );
    // The keyword in the shared component, where both files write it.
    assert_eq!(
        old.pointer,
        "/components/schemas/NewThing/properties/name/maxLength"
    );
    assert_eq!(new.pointer, old.pointer);
    assert_eq!((old.line, old.column), (27, 11));
    assert_eq!((new.line, new.column), (27, 11));
}

#[test]
fn added_and_removed_things_point_where_they_are_and_where_they_would_be() {
    let changes = diff_pair("response-status-removed");
    let c = &changes[0];
    assert_eq!(
        c.old.as_ref().unwrap().pointer,
        "/paths/~1things~1{id}/get/responses/404"
    );
    assert_eq!(
        c.new.as_ref().unwrap().pointer,
        "/paths/~1things~1{id}/get/responses"
    );
    let changes = diff_pair("parameter-added-required");
    let c = &changes[0];
    assert_eq!(
        c.new.as_ref().unwrap().pointer,
        "/paths/~1things/get/parameters/2"
    );
    assert_eq!(
        c.old.as_ref().unwrap().pointer,
        "/paths/~1things/get/parameters"
    );
}

#[test]
fn locations_name_the_users_file_for_other_versions_and_files() {
    // Swagger 2.0: the body parameter, where the user wrote it.
    let changes = diff_pair("swagger2-request-property-became-required");
    let new = changes[0].new.as_ref().unwrap();
    assert_eq!(new.pointer, "/definitions/NewThing/required/1");
    // Several files: the property in the file that holds it.
    let changes = diff_pair("multifile-response-property-became-optional");
    let old = changes[0].old.as_ref().unwrap();
    assert_eq!(
        old.file,
        format!("{FIXTURES}/multifile-response-property-became-optional/old/models.yaml")
    );
    assert_eq!((old.line, old.column), (5, 7));
    // Its pointer in that file, not in the bundle the loader makes.
    assert_eq!(old.pointer, "/Thing/required/1");
    let new = changes[0].new.as_ref().unwrap();
    assert_eq!(
        new.file,
        format!("{FIXTURES}/multifile-response-property-became-optional/new/models.yaml")
    );
    assert_eq!(new.pointer, "/Thing/properties/name");
    // A status whose response is a file of its own: where the operation's
    // file lists it, not at the top of the response's file.
    let name = "multifile-response-status-removed";
    let changes = diff_pair(name);
    assert_eq!(changes.len(), 1, "{changes:#?}");
    let (old, new) = (
        changes[0].old.as_ref().unwrap(),
        changes[0].new.as_ref().unwrap(),
    );
    assert_eq!(old.file, format!("{FIXTURES}/{name}/old/things_list.yaml"));
    assert_eq!((old.line, old.column), (7, 3));
    assert_eq!(old.pointer, "/responses/429");
    assert_eq!(new.file, format!("{FIXTURES}/{name}/new/things_list.yaml"));
    assert_eq!((new.line, new.column), (3, 1));
    assert_eq!(new.pointer, "/responses");
}

#[test]
fn recursive_schemas_end() {
    let changes = diff_pair("recursive-response-max-length-increased");
    assert_eq!(changes.len(), 1, "{changes:#?}");
    let text = |s: &str| {
        codegen::load::load_str("a.yaml", s)
            .document
            .expect("loads")
    };
    // Two schemas that refer to each other, changed deep inside.
    let doc = |max: u32| {
        text(&format!(
            "openapi: 3.0.3
info: {{title: t, version: '1'}}
paths:
  /a:
    get:
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema: {{$ref: '#/components/schemas/A'}}
components:
  schemas:
    A:
      type: object
      properties:
        b: {{$ref: '#/components/schemas/B'}}
        name: {{type: string, maxLength: {max}}}
    B:
      type: object
      properties:
        a: {{$ref: '#/components/schemas/A'}}
        list: {{type: array, items: {{$ref: '#/components/schemas/B'}}}}
"
        ))
    };
    let changes = diff::diff(&doc(5), &doc(6));
    assert_eq!(changes.len(), 1, "{changes:#?}");
    assert_eq!(changes[0].rule, "response-max-length-increased");
}

#[test]
fn a_change_inside_a_member_names_the_member_once() {
    // DigitalOcean's public specification: a path parameter that is the id
    // or the fingerprint of an SSH key, the id's type changed.
    let doc = |ty: &str| {
        codegen::load::load_str(
            "a.yaml",
            &format!(
                "openapi: 3.0.3
info: {{title: t, version: '1'}}
paths:
  /keys/{{key}}:
    get:
      parameters:
        - name: key
          in: path
          required: true
          schema:
            anyOf:
              - $ref: '#/components/schemas/ssh_key_id'
              - $ref: '#/components/schemas/ssh_key_fingerprint'
      responses:
        '204': {{description: ok}}
components:
  schemas:
    ssh_key_id: {{type: {ty}}}
    ssh_key_fingerprint: {{type: string}}
"
            ),
        )
        .document
        .expect("loads")
    };
    let changes = diff::diff(&doc("integer"), &doc("string"));
    assert_eq!(changes.len(), 1, "{changes:#?}");
    assert_eq!(changes[0].rule, "request-type-changed");
    assert_eq!(
        changes[0].message,
        "path parameter `key`, property `<ssh_key_id>`: type changed from `integer` to `string`"
    );
}

#[test]
fn every_rule_is_in_the_catalog_once() {
    let ids: std::collections::BTreeSet<&str> = diff::RULES.iter().map(|r| r.id).collect();
    assert_eq!(ids.len(), diff::RULES.len());
    for name in pairs() {
        let text =
            std::fs::read_to_string(workspace().join(FIXTURES).join(&name).join("expected.json"))
                .unwrap();
        let v: Value = serde_json::from_str(&text).unwrap();
        assert!(ids.contains(v["rule"].as_str().unwrap()), "{name}");
    }
}

/// One change expected in an excerpt: rule, operation, and where it is in
/// the old and the new file (line, JSON pointer).
type Expected = (
    &'static str,
    &'static str,
    (usize, &'static str),
    (usize, &'static str),
);

fn assert_reported(dir: &str, old: &str, new: &str, expected: &[Expected]) {
    type Owned = (String, String, (usize, String), (usize, String));
    let base = format!("codegen/tests/fixtures/diff-real/{dir}");
    let changes = diff::diff(
        &load(&format!("{base}/{old}")),
        &load(&format!("{base}/{new}")),
    );
    let mut got: Vec<Owned> = changes
        .iter()
        .map(|c| {
            let (o, n) = (c.old.as_ref().unwrap(), c.new.as_ref().unwrap());
            (
                c.rule.to_owned(),
                c.operation.clone().unwrap_or_default(),
                (o.line, o.pointer.clone()),
                (n.line, n.pointer.clone()),
            )
        })
        .collect();
    let mut want: Vec<Owned> = expected
        .iter()
        .map(|(rule, op, (ol, op_), (nl, np))| {
            (
                (*rule).to_owned(),
                (*op).to_owned(),
                (*ol, (*op_).to_owned()),
                (*nl, (*np).to_owned()),
            )
        })
        .collect();
    got.sort();
    want.sort();
    assert_eq!(got, want, "{dir}: {changes:#?}");
}

#[test]
fn real_document_excerpts_report_every_edit_where_it_is() {
    // Redocly's museum API (3.1): four edits, each once per place it shows.
    assert_reported(
        "museum",
        "old.yaml",
        "new.yaml",
        &[
            (
                "request-max-decreased",
                "GET /special-events",
                (84, "/components/parameters/PaginationLimit/schema/maximum"),
                (82, "/components/parameters/PaginationLimit/schema/maximum"),
            ),
            (
                "response-type-changed",
                "GET /special-events",
                (67, "/components/schemas/EventPrice/type"),
                (66, "/components/schemas/EventPrice/type"),
            ),
            // Where the status was listed, not the response it named.
            (
                "response-status-removed",
                "DELETE /special-events/{eventId}",
                (
                    35,
                    "/paths/~1special-events~1{eventId}/delete/responses/404",
                ),
                (32, "/paths/~1special-events~1{eventId}/delete/responses"),
            ),
            (
                "request-enum-value-added",
                "POST /tickets",
                (55, "/components/schemas/TicketType/enum"),
                (56, "/components/schemas/TicketType/enum/2"),
            ),
        ],
    );
    // Huawei's ASM API as published (Swagger 2.0): every location is in
    // the 2.0 file as written, not in its conversion.
    let lts = (91, "/definitions/LtsConfig/properties/logGroupID");
    let lts_new = (84, "/definitions/LtsConfig/required/0");
    let port = (116, "/definitions/ZipkinTracingProvider/properties/port");
    let port_new = (
        106,
        "/definitions/ZipkinTracingProvider/properties/port/maximum",
    );
    assert_reported(
        "asm-swagger2",
        "old.json",
        "new.json",
        &[
            (
                "parameter-added-optional",
                "GET /v1/{project_id}/meshes",
                (15, "/paths/~1v1~1{project_id}~1meshes/get/parameters"),
                (22, "/paths/~1v1~1{project_id}~1meshes/get/parameters/1"),
            ),
            (
                "response-property-became-required",
                "GET /v1/{project_id}/meshes",
                lts,
                lts_new,
            ),
            (
                "request-max-decreased",
                "POST /v1/{project_id}/meshes",
                port,
                port_new,
            ),
            (
                "request-property-became-required",
                "POST /v1/{project_id}/meshes",
                lts,
                lts_new,
            ),
            (
                "response-max-decreased",
                "POST /v1/{project_id}/meshes",
                port,
                port_new,
            ),
            (
                "response-property-became-required",
                "POST /v1/{project_id}/meshes",
                lts,
                lts_new,
            ),
            (
                "operation-removed",
                "DELETE /v1/{project_id}/meshes/{mesh_id}",
                (64, "/paths/~1v1~1{project_id}~1meshes~1{mesh_id}/delete"),
                (70, "/paths/~1v1~1{project_id}~1meshes~1{mesh_id}"),
            ),
        ],
    );
}

/// A place in an excerpt: the file (from the excerpt's folder), line and
/// JSON pointer in that file.
type At<'a> = (&'a str, usize, &'a str);

/// Each edit of an excerpt with its rule, verdict (breaking or not), the
/// operation it shows in and where it is in the old and the new file, and
/// nothing else reported.
fn assert_located(dir: &str, old: &str, new: &str, expected: &[(&str, bool, &str, At, At)]) {
    type Place = (String, usize, String);
    let base = format!("codegen/tests/fixtures/diff-real/{dir}");
    let changes = diff::diff(
        &load(&format!("{base}/{old}")),
        &load(&format!("{base}/{new}")),
    );
    let place = |at: &diff::Location| -> Place {
        let file = at
            .file
            .strip_prefix(&format!("{base}/"))
            .unwrap_or_else(|| panic!("{} is outside {base}", at.file));
        (file.to_owned(), at.line, at.pointer.clone())
    };
    let mut got: Vec<(String, bool, String, Place, Place)> = changes
        .iter()
        .map(|c| {
            (
                c.rule.to_owned(),
                c.is_breaking(),
                c.operation.clone().unwrap_or_default(),
                place(c.old.as_ref().expect("old location")),
                place(c.new.as_ref().expect("new location")),
            )
        })
        .collect();
    let owned =
        |(file, line, pointer): At| -> Place { (file.to_owned(), line, pointer.to_owned()) };
    let mut want: Vec<(String, bool, String, Place, Place)> = expected
        .iter()
        .map(|&(rule, breaking, op, o, n)| {
            (rule.to_owned(), breaking, op.to_owned(), owned(o), owned(n))
        })
        .collect();
    got.sort();
    want.sort();
    assert_eq!(got, want, "{dir}: {changes:#?}");
}

#[test]
fn a_huawei_openapi_30_excerpt_reports_every_edit_where_it_is() {
    // Huawei Cloud's Marketplace API (OpenAPI 3.0, JSON): five edits.
    let cancel = "POST /api/mkp-openapi-public/global/v1/order/batch-cancel";
    let create = "POST /api/mkp-openapi-public/global/v1/order/batch-order";
    let list = "POST /api/mkp-openapi-public/global/v1/query-orders";
    let responses =
        "/paths/~1api~1mkp-openapi-public~1global~1v1~1order~1batch-cancel/post/responses";
    let status = format!("{responses}/401");
    let enum_ = "/components/schemas/OrderInfoV2OpenApi/properties/auto_pay/enum";
    let value = format!("{enum_}/2");
    let end_time = "/components/schemas/OrderListQueryOpenApiReq/properties/end_time";
    let required = "/components/schemas/OrderListQueryOpenApiReq/required/1";
    let limit = "/components/schemas/OrderListQueryOpenApiReq/properties/limit/maximum";
    let order_type = "/components/schemas/OrderInfoOpenApi/properties/order_type/type";
    let (old, new) = ("old.json", "new.json");
    assert_located(
        "marketplace",
        old,
        new,
        &[
            // A status removed: where it was listed, and the list it left.
            (
                "response-status-removed",
                true,
                cancel,
                (old, 36, &status),
                (new, 22, responses),
            ),
            // An enum value added to a request property: once per media type
            // the body is accepted in (JSON and text/plain).
            (
                "request-enum-value-added",
                true,
                create,
                (old, 235, enum_),
                (new, 235, &value),
            ),
            (
                "request-enum-value-added",
                true,
                create,
                (old, 235, enum_),
                (new, 235, &value),
            ),
            (
                "request-property-became-required",
                true,
                list,
                (old, 295, end_time),
                (new, 320, required),
            ),
            (
                "request-max-decreased",
                true,
                list,
                (old, 303, limit),
                (new, 301, limit),
            ),
            (
                "response-type-changed",
                true,
                list,
                (old, 284, order_type),
                (new, 282, order_type),
            ),
        ],
    );
}

#[test]
fn a_multi_file_excerpt_reports_every_edit_in_the_file_that_holds_it() {
    // DigitalOcean's public specification (OpenAPI 3.0, one file per
    // operation, parameter, model, attribute and shared response): seven
    // edits, six of them in a file the root refers to, each reported in the
    // file that holds it with its pointer there.
    let list = "GET /v2/account/keys";
    let create = "POST /v2/account/keys";
    let get = "GET /v2/account/keys/{ssh_key_identifier}";
    let delete = "DELETE /v2/account/keys/{ssh_key_identifier}";
    let at = |side: &str, file: &str| format!("{side}/resources/ssh_keys/{file}");
    let (model_old, model_new) = (
        at("old", "models/sshKeys.yml"),
        at("new", "models/sshKeys.yml"),
    );
    let name = "attributes/ssh_key_name.yml";
    let (name_old, name_new) = (at("old", name), at("new", name));
    let id = "attributes/ssh_key_id.yml";
    let (id_old, id_new) = (at("old", id), at("new", id));
    let (list_old, list_new) = (at("old", "sshKeys_list.yml"), at("new", "sshKeys_list.yml"));
    let (get_old, get_new) = (at("old", "sshKeys_get.yml"), at("new", "sshKeys_get.yml"));
    let (root_old, root_new) = (
        "old/DigitalOcean-public.v2.yaml",
        "new/DigitalOcean-public.v2.yaml",
    );
    // `public_key` no longer required, in the model's file.
    let optional: (At, At) = (
        (&model_old, 17, "/required/0"),
        (&model_new, 7, "/properties/public_key"),
    );
    // A maxLength added to an attribute that is a file of its own: its
    // root is the schema.
    let max_length: (At, At) = ((&name_old, 1, ""), (&name_new, 2, "/maxLength"));
    // The id's type changed: it is read-only, so never a request property;
    // it is also a member of the path parameter's `anyOf`.
    let id_type: (At, At) = ((&id_old, 1, "/type"), (&id_new, 1, "/type"));
    assert_located(
        "digitalocean",
        root_old,
        root_new,
        &[
            // A shared parameter no longer listed by the operation's file.
            (
                "parameter-removed",
                true,
                list,
                (&list_old, 10, "/parameters/1"),
                (&list_new, 8, "/parameters"),
            ),
            ("response-type-changed", true, list, id_type.0, id_type.1),
            (
                "response-property-became-optional",
                true,
                list,
                optional.0,
                optional.1,
            ),
            (
                "response-max-length-decreased",
                false,
                list,
                max_length.0,
                max_length.1,
            ),
            // Where the operation's file lists the status, not the top of
            // the shared response's file.
            (
                "response-status-removed",
                true,
                list,
                (&list_old, 19, "/responses/429"),
                (&list_new, 11, "/responses"),
            ),
            (
                "request-property-became-optional",
                true,
                create,
                optional.0,
                optional.1,
            ),
            (
                "request-max-length-decreased",
                true,
                create,
                max_length.0,
                max_length.1,
            ),
            ("response-type-changed", true, create, id_type.0, id_type.1),
            (
                "response-property-became-optional",
                true,
                create,
                optional.0,
                optional.1,
            ),
            (
                "response-max-length-decreased",
                false,
                create,
                max_length.0,
                max_length.1,
            ),
            ("request-type-changed", true, get, id_type.0, id_type.1),
            ("response-type-changed", true, get, id_type.0, id_type.1),
            (
                "response-property-became-optional",
                true,
                get,
                optional.0,
                optional.1,
            ),
            (
                "response-max-length-decreased",
                false,
                get,
                max_length.0,
                max_length.1,
            ),
            (
                "response-status-added",
                true,
                get,
                (&get_old, 11, "/responses"),
                (&get_new, 18, "/responses/403"),
            ),
            // An operation in a file of its own, removed from the root:
            // where the root listed it.
            (
                "operation-removed",
                true,
                delete,
                (
                    root_old,
                    23,
                    "/paths/~1v2~1account~1keys~1{ssh_key_identifier}/delete",
                ),
                (
                    root_new,
                    19,
                    "/paths/~1v2~1account~1keys~1{ssh_key_identifier}",
                ),
            ),
        ],
    );
}
