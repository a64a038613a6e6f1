//! Odd input never panics: every claim schema, with every field of a valid claim replaced by
//! values of every JSON shape (huge numbers, unicode, nulls, nested containers), goes through
//! prune, default, unknown_fields and validation as create, update and status update.
#![allow(clippy::unwrap_used)]

use crate::common;

use common::*;
use klutch::schema::Operation;
use serde_json::{Value, json};

fn odd_values() -> Vec<Value> {
    vec![
        json!(null),
        json!(true),
        json!(0),
        json!(-1),
        json!(i64::MAX),
        json!(u64::MAX),
        json!(1e308),
        json!(-0.5),
        json!(""),
        json!("é\u{0}\u{202e}日本"),
        json!("2026-06-10T09:00:00ÿ"),
        json!([]),
        json!([null, 1, "x", [], {}]),
        json!({}),
        json!({"a": {"b": [1, {"c": null}]}}),
    ]
}

/// Every path to a leaf or container of `v`, as JSON pointers.
fn pointers(v: &Value, prefix: String, out: &mut Vec<String>) {
    match v {
        Value::Object(map) => {
            for (k, child) in map {
                let p = format!("{prefix}/{k}");
                out.push(p.clone());
                pointers(child, p, out);
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                let p = format!("{prefix}/{i}");
                out.push(p.clone());
                pointers(child, p, out);
            }
        }
        _ => {}
    }
}

#[test]
fn odd_values_everywhere_do_not_panic() {
    let schemas = claim_schemas();
    let bases = [
        "claims/e2e/postgresql-claim-with-parameters.yaml",
        "claims/examples/a9s-keyvalue-serviceinstance-claim-parameters.yaml",
        "claims/examples/a9s-logme2-serviceinstance-claim-parameters.yaml",
        "claims/authored/example-postgresqlinstance-ready.yaml",
    ];
    let mut runs = 0;
    for base in bases {
        let obj = yaml(base);
        let schema = &schemas[obj["kind"].as_str().unwrap()];
        let mut paths = Vec::new();
        pointers(&obj, String::new(), &mut paths);
        for path in paths {
            for odd in odd_values() {
                let mut changed = obj.clone();
                *changed.pointer_mut(&path).unwrap() = odd;
                let _ = schema.unknown_fields(&changed);
                let mut pruned = changed.clone();
                schema.prune(&mut pruned);
                schema.apply_defaults(&mut pruned);
                let _ = schema.check(&changed, Operation::Create);
                let _ = schema.check(&pruned, Operation::Update { old: &obj });
                let _ = schema.check(&changed, Operation::UpdateStatus { old: &obj });
                runs += 1;
            }
        }
    }
    assert!(runs > 500, "{runs}");
}
