//! Upstream's own validation suite (klutchio `test/validations`, copied verbatim into
//! `tests/data/upstream-validations`), run against the claim CRDs built from the XRD fixtures:
//! `create-valid-*` must be accepted, `create-invalid-*` refused, and for every `update-*`
//! file the base must be accepted, each of its `valid_patches` (merge patches) accepted as an
//! update and each of its `invalid_patches` refused. The refusals' messages are checked too.
#![allow(clippy::unwrap_used)]

use crate::common;

use common::*;
use serde_json::Value;
use std::path::PathBuf;

fn data() -> PathBuf {
    PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/upstream-validations"
    ))
}

fn files(prefix: &str) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for dir in ["backup", "postgresql"] {
        for e in std::fs::read_dir(data().join(dir)).unwrap() {
            let p = e.unwrap().path();
            if p.file_name().unwrap().to_string_lossy().starts_with(prefix) {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

/// RFC 7386 JSON merge patch, as `kubectl patch --type=merge` applies it.
fn merge(target: &mut Value, patch: &Value) {
    match (target.as_object_mut(), patch.as_object()) {
        (Some(t), Some(p)) => {
            for (k, v) in p {
                if v.is_null() {
                    t.remove(k);
                } else {
                    merge(t.entry(k.clone()).or_insert(Value::Null), v);
                }
            }
        }
        _ => *target = patch.clone(),
    }
}

/// The messages of the refused creates (each file holds one document).
const REFUSED: &[(&str, &[&str])] = &[
    (
        "create-invalid-a8s-keyvalue.yaml",
        &["spec: Invalid value: \"object\": Selected service instance type is not supported."],
    ),
    (
        "create-invalid-a8s-logme2.yaml",
        &["spec: Invalid value: \"object\": Selected service instance type is not supported."],
    ),
    (
        "create-invalid-a8s-mariadb.yaml",
        &["spec: Invalid value: \"object\": Selected service instance type is not supported."],
    ),
    (
        "create-invalid-a8s-messaging.yaml",
        &["spec: Invalid value: \"object\": Selected service instance type is not supported."],
    ),
    (
        "create-invalid-a8s-mongodb.yaml",
        &["spec: Invalid value: \"object\": Selected service instance type is not supported."],
    ),
    (
        "create-invalid-a8s-prometheus.yaml",
        &["spec: Invalid value: \"object\": Selected service instance type is not supported."],
    ),
    (
        "create-invalid-a8s-search.yaml",
        &["spec: Invalid value: \"object\": Selected service instance type is not supported."],
    ),
    (
        "create-invalid-a8s-missing-instance-ref.yaml",
        &[
            "spec.instanceRef: Required value",
            "<nil>: Invalid value: \"null\": some validation rules were not checked because the object was invalid; correct the existing errors to complete validation",
        ],
    ),
    (
        "create-invalid-a8s-missing-service-instance-type.yaml",
        &[
            "spec.serviceInstanceType: Required value",
            "<nil>: Invalid value: \"null\": some validation rules were not checked because the object was invalid; correct the existing errors to complete validation",
        ],
    ),
    (
        "create-invalid-a8s-with-unsupported-parameter.yaml",
        &[
            "spec: Invalid value: \"object\": parameters.dataChecksums is not supported for a8s-postgresql",
        ],
    ),
    (
        "create-invalid-a8s-with-wrong-plan-bionic.yaml",
        &["spec: Invalid value: \"object\": Unsupported plan used for postgresql"],
    ),
    (
        "create-invalid-a8s-with-wrong-plan-ssl.yaml",
        &["spec: Invalid value: \"object\": Unsupported plan used for postgresql"],
    ),
    (
        "create-invalid-a8s-with-wrong-service.yaml",
        &["spec: Invalid value: \"object\": Unsupported service used for postgresql"],
    ),
    (
        "create-invalid-a9s-with-wrong-plan.yaml",
        &["spec: Invalid value: \"object\": Unsupported plan used for postgresql"],
    ),
    (
        "create-invalid-a9s-with-wrong-service.yaml",
        &["spec: Invalid value: \"object\": Unsupported service used for postgresql"],
    ),
];

#[test]
fn creates() {
    let schemas = claim_schemas();
    let all = files("create-");
    assert_eq!(all.len(), 19);
    for path in all {
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        let text = std::fs::read_to_string(&path).unwrap();
        let docs: Vec<Value> = serde_saphyr::from_multiple(&text).unwrap();
        for doc in docs {
            let schema = &schemas[doc["kind"].as_str().unwrap()];
            let (_, outcome) = create(schema, &doc);
            let want: Vec<String> = if name.starts_with("create-valid-") {
                Vec::new()
            } else {
                let (_, msgs) = REFUSED.iter().find(|(f, _)| *f == name).unwrap();
                msgs.iter().map(|m| m.to_string()).collect()
            };
            assert_eq!(messages(&outcome.errors), want, "{name}: {doc}");
        }
    }
}

#[test]
fn updates() {
    let schemas = claim_schemas();
    let all = files("update-");
    assert_eq!(all.len(), 14);
    let mut patches = 0;
    for path in all {
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        let case = klutch::claims::read_yaml(&path).unwrap();
        let base = &case["base"];
        let schema = &schemas[base["kind"].as_str().unwrap()];
        let (stored, created) = create(schema, base);
        assert!(
            created.errors.is_empty(),
            "{name}: base {:?}",
            created.errors
        );
        for (valid, list) in [(true, "valid_patches"), (false, "invalid_patches")] {
            for patch in case[list].as_array().into_iter().flatten() {
                let mut new = stored.clone();
                merge(&mut new, patch);
                let outcome = update(schema, &stored, &new);
                let got = messages(&outcome.errors);
                if valid {
                    assert_eq!(got, Vec::<String>::new(), "{name}: {patch}");
                } else {
                    assert!(!got.is_empty(), "{name}: {patch} was accepted");
                    assert!(
                        got.iter().all(|m| m.starts_with("spec.plan: Invalid value: \"string\": ")
                            || m.starts_with("spec.service: Invalid value: \"string\": Service is an immutable field")
                            || m.starts_with("spec: Invalid value: \"object\": ")),
                        "{name}: {patch}: {got:?}"
                    );
                }
                patches += 1;
            }
        }
    }
    assert!(patches > 60, "{patches}");
}

#[test]
fn update_messages_name_the_broken_rules() {
    let schemas = claim_schemas();
    let case =
        klutch::claims::read_yaml(&data().join("postgresql/update-a9s-plan-single-nano-ssl.yaml"))
            .unwrap();
    let schema = &schemas["PostgresqlInstance"];
    let (stored, _) = create(schema, &case["base"]);
    let mut new = stored.clone();
    merge(
        &mut new,
        &serde_json::json!({"spec": {"plan": "postgresql-single-small-ssl-bionic"}}),
    );
    assert_eq!(
        messages(&update(schema, &stored, &new).errors),
        vec![
            "spec.plan: Invalid value: \"string\": Plan migrations not possible from Non-Bionic to Bionic and Bionic to Non-Bionic",
        ]
    );
    let mut new = stored.clone();
    merge(
        &mut new,
        &serde_json::json!({"spec": {"plan": "postgresql-single-nano"}}),
    );
    assert_eq!(
        messages(&update(schema, &stored, &new).errors),
        vec![
            "spec.plan: Invalid value: \"string\": Plan migrations not possible from Non-SSL to SSL and SSL to Non-SSL"
        ]
    );
}
