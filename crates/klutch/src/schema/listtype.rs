//! `x-kubernetes-list-type: set` and `map` invariants (apiextensions-apiserver's
//! `listtype.ValidateListSetsAndMaps`): no duplicate items in a set, no two items of a map list
//! with the same key fields.

use super::error::{FieldError, FieldErrorKind};
use super::gofmt::{self, GoNumber, go_number};
use super::node::Node;
use super::path::Path;
use serde_json::{Map, Value};

/// Checks every list below the object `obj` (the root is not a list).
pub(crate) fn validate(node: &Node, obj: &Value, path: &Path, out: &mut Vec<FieldError>) {
    if let Value::Object(map) = obj {
        validate_map(node, map, path, out);
    }
}

fn validate_map(node: &Node, map: &Map<String, Value>, path: &Path, out: &mut Vec<FieldError>) {
    let mut keys: Vec<&String> = map.keys().collect();
    keys.sort();
    if let Some(add) = node.additional_schema() {
        for k in &keys {
            let p = path.key(k);
            validate_value(add, &map[*k], &p, out);
        }
    }
    if node.properties.is_some() {
        for k in &keys {
            if let Some(prop) = node.property(k) {
                let p = path.prop(k);
                validate_value(prop, &map[*k], &p, out);
            }
        }
    }
}

fn validate_value(node: &Node, v: &Value, path: &Path, out: &mut Vec<FieldError>) {
    match v {
        Value::Array(items) => validate_array(node, items, path, out),
        Value::Object(map) => validate_map(node, map, path, out),
        _ => {}
    }
}

fn validate_array(node: &Node, items: &[Value], path: &Path, out: &mut Vec<FieldError>) {
    match node.list_type.as_deref() {
        Some("set") => {
            for i in non_unique(items.iter().map(Some)) {
                let p = path.index(i);
                out.push(duplicate(&p, items[i].clone()));
            }
        }
        Some("map") => validate_list_map(node, items, path, out),
        _ => {}
    }
    if let Some(item_schema) = &node.items {
        for (i, item) in items.iter().enumerate() {
            let p = path.index(i);
            validate_value(item_schema, item, &p, out);
        }
    }
}

fn duplicate(path: &Path, value: Value) -> FieldError {
    FieldError::new(path.field(), FieldErrorKind::Duplicate, Some(value), "")
}

fn validate_list_map(node: &Node, items: &[Value], path: &Path, out: &mut Vec<FieldError>) {
    for (i, x) in items.iter().enumerate() {
        if !x.is_null() && !x.is_object() {
            let p = path.index(i);
            out.push(FieldError::new(
                p.field(),
                FieldErrorKind::Invalid,
                Some(x.clone()),
                "must be an object for an array of list-type map",
            ));
            return;
        }
    }
    if items.len() <= 1 {
        return;
    }
    if let [key_field] = node.list_map_keys.as_slice() {
        // A missing key is its own "unspecified" value, distinct from every real one.
        let keys: Vec<Option<&Value>> = items
            .iter()
            .map(|x| x.as_object().and_then(|o| o.get(key_field)))
            .collect();
        for i in non_unique(keys.iter().copied()) {
            let mut shown = Map::new();
            if let Some(k) = keys[i] {
                shown.insert(key_field.clone(), k.clone());
            }
            let p = path.index(i);
            out.push(duplicate(&p, Value::Object(shown)));
        }
        return;
    }
    let keys: Vec<Value> = items
        .iter()
        .map(|x| {
            let mut key = Map::new();
            if let Some(o) = x.as_object() {
                for f in &node.list_map_keys {
                    if let Some(k) = o.get(f) {
                        key.insert(f.clone(), k.clone());
                    }
                }
            }
            Value::Object(key)
        })
        .collect();
    for i in non_unique(keys.iter().map(Some)) {
        let p = path.index(i);
        out.push(duplicate(&p, keys[i].clone()));
    }
}

/// The index of the second occurrence of every value that occurs more than once. Scalars are
/// compared as Go compares map keys (an `int64` 1 is not a `float64` 1), compound values by
/// their JSON encoding; `None` stands for a missing value.
fn non_unique<'a>(items: impl Iterator<Item = Option<&'a Value>>) -> Vec<usize> {
    let mut seen: Vec<(String, u32)> = Vec::new();
    let mut out = Vec::new();
    for (i, v) in items.enumerate() {
        let key = identity(v);
        match seen.iter_mut().find(|(k, _)| *k == key) {
            Some((_, times)) => {
                if *times == 1 {
                    out.push(i);
                }
                *times += 1;
            }
            None => seen.push((key, 1)),
        }
    }
    out
}

fn identity(v: Option<&Value>) -> String {
    match v {
        None => "unspecified".into(),
        Some(Value::Number(n)) => match go_number(n) {
            GoNumber::Int(i) => format!("i:{i}"),
            GoNumber::Float(f) => format!("f:{}", f.to_bits()),
        },
        Some(Value::String(s)) => format!("s:{s}"),
        Some(Value::Bool(b)) => format!("b:{b}"),
        Some(Value::Null) => "null".into(),
        Some(other) => format!("j:{}", gofmt::json(other)),
    }
}
