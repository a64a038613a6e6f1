//! Hand-written OpenAPI schemas for fields whose Rust type (raw JSON) says too little.

use schemars::{Schema, SchemaGenerator, json_schema};

/// An object the API server keeps as is (`x-kubernetes-preserve-unknown-fields`).
pub(crate) fn preserve_unknown_object(_: &mut SchemaGenerator) -> Schema {
    json_schema!({
        "type": "object",
        "x-kubernetes-preserve-unknown-fields": true,
    })
}

/// A raw `openAPIV3Schema` snapshot: kept whole, replaced atomically.
pub(crate) fn atomic_raw_object(_: &mut SchemaGenerator) -> Schema {
    json_schema!({
        "type": "object",
        "x-kubernetes-map-type": "atomic",
        "x-kubernetes-preserve-unknown-fields": true,
    })
}
