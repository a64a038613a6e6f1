#![allow(clippy::unwrap_used)]
//! Helpers shared by the integration tests: fixture paths, YAML loading and the API server's
//! write pipeline (drop status on create, prune, default, validate).
#![allow(dead_code)]

use klutch::claims;
use klutch::schema::{FieldError, Operation, Outcome, Schema};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::PathBuf;

pub fn fixtures() -> PathBuf {
    PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/fixtures"
    ))
}

pub fn yaml(rel: &str) -> Value {
    claims::read_yaml(&fixtures().join(rel)).unwrap()
}

/// The schema of every claim kind, from the XRD fixtures.
pub fn claim_schemas() -> BTreeMap<String, Schema> {
    let crds = claims::fixture_claim_crds(&fixtures().join("claims/xrd")).unwrap();
    crds.into_iter()
        .map(|crd| {
            let kind = crd.spec.names.kind.clone();
            let props = crd.spec.versions[0]
                .schema
                .clone()
                .unwrap()
                .open_api_v3_schema
                .unwrap();
            (kind, Schema::new(props).unwrap())
        })
        .collect()
}

/// What the API server stores for a create: status dropped (status subresource), unknown
/// fields pruned, defaults applied; then validated.
pub fn create(schema: &Schema, obj: &Value) -> (Value, Outcome) {
    let mut obj = obj.clone();
    if let Some(map) = obj.as_object_mut() {
        map.remove("status");
    }
    schema.prune(&mut obj);
    schema.apply_defaults(&mut obj);
    let outcome = schema.check(&obj, Operation::Create);
    (obj, outcome)
}

/// An update of the main resource: the old status is kept, the new object pruned and
/// defaulted, then validated against `old`.
pub fn update(schema: &Schema, old: &Value, obj: &Value) -> Outcome {
    let mut obj = obj.clone();
    if let Some(map) = obj.as_object_mut() {
        map.remove("status");
        if let Some(s) = old.get("status") {
            map.insert("status".into(), s.clone());
        }
    }
    schema.prune(&mut obj);
    schema.apply_defaults(&mut obj);
    schema.check(&obj, Operation::Update { old })
}

pub fn messages(errors: &[FieldError]) -> Vec<String> {
    errors.iter().map(ToString::to_string).collect()
}

/// A schema whose root declares `spec` with the given schema.
pub fn spec_schema(spec: Value) -> Schema {
    Schema::from_value(&serde_json::json!({
        "type": "object",
        "properties": {
            "apiVersion": {"type": "string"},
            "kind": {"type": "string"},
            "metadata": {"type": "object"},
            "spec": spec,
        },
    }))
    .unwrap()
}

/// The messages of validating (a create) `{"spec": value}` against `spec_schema(spec)`.
pub fn spec_errors(spec: Value, value: Value) -> Vec<String> {
    let schema = spec_schema(spec);
    let obj = serde_json::json!({"apiVersion": "x/v1", "kind": "X", "metadata": {"name": "x"}, "spec": value});
    messages(&schema.validate(&obj, None))
}
