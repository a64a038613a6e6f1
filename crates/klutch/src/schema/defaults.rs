//! Defaulting (apiextensions-apiserver's `structuraldefaulting.Default`): a missing field, or a
//! `null` in a field that may not be null, takes the schema's `default`; defaults apply
//! recursively, inside array items and additionalProperties values too, and a default value is
//! itself defaulted.

use super::node::Node;
use serde_json::Value;

pub(crate) fn apply(x: &mut Value, s: &Node) {
    if !s.defaults_below {
        return;
    }
    match x {
        Value::Object(map) => {
            if let Some(props) = &s.properties {
                for (k, prop) in props {
                    let Some(default) = &prop.default else {
                        continue;
                    };
                    let missing = match map.get(k) {
                        None => true,
                        Some(v) => v.is_null() && !prop.nullable,
                    };
                    if missing {
                        map.insert(k.clone(), default.clone());
                    }
                }
            }
            for (k, v) in map.iter_mut() {
                if let Some(prop) = s.property(k) {
                    apply(v, prop);
                } else if let Some(add) = s.additional_schema() {
                    if v.is_null()
                        && !add.nullable
                        && let Some(d) = &add.default
                    {
                        *v = d.clone();
                    }
                    apply(v, add);
                }
            }
        }
        Value::Array(items) => {
            if let Some(item_schema) = &s.items {
                for v in items.iter_mut() {
                    if v.is_null()
                        && !item_schema.nullable
                        && let Some(d) = &item_schema.default
                    {
                        *v = d.clone();
                    }
                    apply(v, item_schema);
                }
            }
        }
        _ => {}
    }
}
