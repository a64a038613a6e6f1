//! The decoding steps of a write: pruning of undeclared fields (and of forbidden nulls),
//! the list of unknown fields for `fieldValidation=Strict`, and defaulting.
#![allow(clippy::unwrap_used)]

use crate::common;

use common::*;
use klutch::schema::Schema;
use serde_json::json;

fn schema() -> Schema {
    Schema::from_value(&json!({
        "type": "object",
        "properties": {
            "apiVersion": {"type": "string"},
            "kind": {"type": "string"},
            "metadata": {"type": "object", "properties": {"name": {"type": "string", "maxLength": 5}}},
            "spec": {"type": "object", "properties": {
                "size": {"type": "integer", "default": 1},
                "mode": {"type": "string", "default": "fast"},
                "opt": {"type": "string", "nullable": true},
                "plain": {"type": "string"},
                "items": {"type": "array", "items": {"type": "object", "properties": {
                    "name": {"type": "string"},
                    "port": {"type": "integer", "default": 80},
                }}},
                "labels": {"type": "object", "additionalProperties": {"type": "object", "properties": {
                    "value": {"type": "string", "default": "v"},
                }}},
                "free": {"type": "object", "x-kubernetes-preserve-unknown-fields": true, "properties": {
                    "known": {"type": "object", "properties": {"a": {"type": "string"}}},
                }},
                "nested": {"type": "object", "default": {"inner": {"x": 1, "dropped": true}}, "properties": {
                    "inner": {"type": "object", "properties": {"x": {"type": "integer"}, "y": {"type": "integer", "default": 2}}},
                }},
                "tpl": {"type": "object", "x-kubernetes-embedded-resource": true, "properties": {
                    "spec": {"type": "object", "properties": {"a": {"type": "string"}}},
                }},
            }},
        },
    }))
    .unwrap()
}

fn object() -> serde_json::Value {
    json!({
        "apiVersion": "x/v1",
        "kind": "X",
        "metadata": {"name": "x", "labels": {"a": "b"}, "annotations": {"c": "d"}},
        "spec": {
            "bogus": 1,
            "mode": null,
            "opt": null,
            "plain": null,
            "items": [{"name": "a", "extra": true}, {"name": "b", "port": 8080}],
            "labels": {"k": {"other": 1}},
            "free": {"anything": {"goes": 1}, "known": {"a": "x", "b": "pruned"}},
            "tpl": {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "whatever": 1}, "spec": {"a": "x", "b": 1}},
        },
        "extra": "root",
    })
}

#[test]
fn unknown_fields_lists_what_prune_removes() {
    let s = schema();
    let want = vec![
        "extra",
        "spec.bogus",
        "spec.free.known.b",
        "spec.items[0].extra",
        "spec.labels.k.other",
        "spec.tpl.spec.b",
    ];
    let obj = object();
    assert_eq!(s.unknown_fields(&obj), want);
    let mut pruned = obj.clone();
    assert_eq!(s.prune(&mut pruned), want);
    assert_eq!(s.unknown_fields(&pruned), Vec::<String>::new());
    // Object metadata (and an embedded resource's) is left alone.
    assert_eq!(pruned["metadata"], obj["metadata"]);
    assert_eq!(
        pruned["spec"]["tpl"]["metadata"],
        json!({"name": "p", "whatever": 1})
    );
    // Preserved fields stay, declared fields below them are pruned.
    assert_eq!(
        pruned["spec"]["free"],
        json!({"anything": {"goes": 1}, "known": {"a": "x"}})
    );
    // Nulls: kept where nullable, kept where a default will replace them, dropped elsewhere.
    assert_eq!(pruned["spec"]["opt"], json!(null));
    assert_eq!(pruned["spec"]["mode"], json!(null));
    assert_eq!(pruned["spec"].get("plain"), None);
}

#[test]
fn defaults_fill_missing_and_null_fields_recursively() {
    let s = schema();
    let mut obj = object();
    s.prune(&mut obj);
    s.apply_defaults(&mut obj);
    let spec = &obj["spec"];
    assert_eq!(spec["size"], json!(1));
    assert_eq!(spec["mode"], json!("fast"));
    assert_eq!(spec["opt"], json!(null), "nullable nulls stay");
    assert_eq!(spec["items"][0]["port"], json!(80));
    assert_eq!(spec["items"][1]["port"], json!(8080));
    assert_eq!(spec["labels"]["k"]["value"], json!("v"));
    // A default is pruned to the schema, then defaulted itself.
    assert_eq!(spec["nested"], json!({"inner": {"x": 1, "y": 2}}));
    assert!(s.validate(&obj, None).is_empty());
}

#[test]
fn root_metadata_is_validated_only_as_declared() {
    let s = schema();
    let mut obj = object();
    obj["metadata"]["name"] = json!("too-long");
    s.prune(&mut obj);
    s.apply_defaults(&mut obj);
    assert_eq!(
        messages(&s.validate(&obj, None)),
        vec!["metadata.name: Too long: may not be more than 5 bytes"]
    );
}
