//! The synthetic documents of the generation benchmarks: `ops` operations,
//! each with a path parameter, a request body schema and a response schema
//! that carry one example each and share one component schema (`Tag`).
//!
//! Shared by `codegen/benches/generation.rs` and the side-by-side suite in
//! `codegen/benches-compare/`, which include this file as a module.

use serde_json::{json, Map};

/// A document of `ops` operations, as JSON text.
pub fn document(ops: usize) -> String {
    let mut paths = Map::new();
    for i in 0..ops {
        let op = json!({
            "post": {
                "operationId": format!("createItem{i}"),
                "summary": format!("Creates item {i}."),
                "parameters": [{
                    "name": "project_id",
                    "in": "path",
                    "required": true,
                    "schema": { "type": "string", "minLength": 1, "maxLength": 64 }
                }],
                "requestBody": {
                    "required": true,
                    "content": { "application/json": {
                        "schema": {
                            "type": "object",
                            "required": ["name", "tags"],
                            "properties": {
                                "name": { "type": "string", "minLength": 1, "maxLength": 64 },
                                "count": { "type": "integer", "format": "int32", "minimum": 0 },
                                "tags": {
                                    "type": "array",
                                    "maxItems": 10,
                                    "items": { "$ref": "#/components/schemas/Tag" }
                                }
                            }
                        },
                        "example": {
                            "name": format!("item-{i}"),
                            "count": i,
                            "tags": [{ "key": "env", "value": "test" }]
                        }
                    }}
                },
                "responses": {
                    "200": {
                        "description": "The item.",
                        "content": { "application/json": {
                            "schema": {
                                "type": "object",
                                "properties": {
                                    "id": { "type": "string" },
                                    "status": { "type": "string", "enum": ["ready", "pending"] },
                                    "tags": {
                                        "type": "array",
                                        "items": { "$ref": "#/components/schemas/Tag" }
                                    }
                                }
                            },
                            "example": {
                                "id": format!("id-{i}"),
                                "status": "ready",
                                "tags": [{ "key": "env", "value": "test" }]
                            }
                        }}
                    }
                }
            }
        });
        paths.insert(format!("/v1/{{project_id}}/items{i}"), op);
    }
    let doc = json!({
        "openapi": "3.0.3",
        "info": { "title": "Synthetic", "version": "1" },
        "servers": [{ "url": "https://api.example.com" }],
        "paths": paths,
        "components": { "schemas": {
            "Tag": {
                "type": "object",
                "required": ["key"],
                "properties": {
                    "key": { "type": "string", "pattern": "^[a-z]+$", "maxLength": 36 },
                    "value": { "type": "string", "nullable": true, "maxLength": 255 }
                },
                "example": { "key": "env", "value": null }
            }
        }}
    });
    serde_json::to_string_pretty(&doc).expect("a JSON value serializes")
}
