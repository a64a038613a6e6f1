//! Pruning of fields a schema does not declare (apiextensions-apiserver's
//! `pruning.PruneWithOptions`) and of nulls where the schema allows none
//! (`PruneNonNullableNullsWithoutDefaults`).
//!
//! `apiVersion`, `kind` and `metadata` of the object itself, and of embedded resources, are
//! never pruned here: the API server handles object metadata separately.

use super::node::{Additional, Node};
use serde_json::Value;

const META_FIELDS: [&str; 3] = ["apiVersion", "kind", "metadata"];

/// Prunes `value` in place and returns the sorted paths of what it removed.
pub(crate) fn prune_value(value: &mut Value, node: &Node, is_root: bool) -> Vec<String> {
    let mut pruner = Pruner {
        path: String::new(),
        found: Vec::new(),
        remove: true,
    };
    pruner.prune(value, Some(node), is_root);
    pruner.found.sort();
    pruner.found
}

/// The paths `prune_value` would remove, without removing them.
pub(crate) fn unknown_paths(value: &Value, node: &Node, is_root: bool) -> Vec<String> {
    let mut pruner = Pruner {
        path: String::new(),
        found: Vec::new(),
        remove: false,
    };
    let mut copy = value.clone();
    pruner.prune(&mut copy, Some(node), is_root);
    pruner.found.sort();
    pruner.found
}

struct Pruner {
    path: String,
    found: Vec<String>,
    /// False when only recording.
    remove: bool,
}

/// The schema for `key` of an object: `Some(Some(_))` for a property or an
/// additionalProperties schema, `Some(None)` for `additionalProperties: true/false`, `None`
/// when the field is not declared.
fn field<'n>(s: &'n Node, key: &str) -> Option<Option<&'n Node>> {
    if let Some(p) = s.property(key) {
        return Some(Some(p));
    }
    match &s.additional {
        Additional::Absent => None,
        Additional::Bool(_) => Some(None),
        Additional::Schema(a) => Some(Some(a.as_ref())),
    }
}

impl Pruner {
    /// `prune`; `root` treats the node as an embedded resource (the object itself).
    fn prune(&mut self, x: &mut Value, s: Option<&Node>, root: bool) {
        if let Some(s) = s.filter(|s| s.preserve_unknown) {
            self.skip_prune(x, s, root);
            return;
        }
        let base = self.path.len();
        match x {
            Value::Object(map) => {
                let keys: Vec<String> = map.keys().cloned().collect();
                let Some(s) = s else {
                    for k in keys {
                        self.record(&k);
                        if self.remove {
                            map.remove(&k);
                        }
                    }
                    return;
                };
                let embedded = root || s.embedded;
                for k in keys {
                    if embedded && META_FIELDS.contains(&k.as_str()) {
                        continue;
                    }
                    match field(s, &k) {
                        Some(child) => {
                            push_key(&mut self.path, &k);
                            if let Some(v) = map.get_mut(&k) {
                                self.prune(v, child, false);
                            }
                            self.path.truncate(base);
                        }
                        None => {
                            if !(base == 0 && META_FIELDS.contains(&k.as_str())) {
                                self.record(&k);
                            }
                            if self.remove {
                                map.remove(&k);
                            }
                        }
                    }
                }
            }
            Value::Array(items) => {
                let item_schema = s.and_then(|s| s.items.as_deref());
                for (i, v) in items.iter_mut().enumerate() {
                    self.path.push_str(&format!("[{i}]"));
                    self.prune(v, item_schema, false);
                    self.path.truncate(base);
                }
            }
            _ => {}
        }
    }

    /// `skipPrune`: unknown fields stay, declared ones are pruned below.
    fn skip_prune(&mut self, x: &mut Value, s: &Node, root: bool) {
        let base = self.path.len();
        match x {
            Value::Object(map) => {
                let embedded = root || s.embedded;
                let keys: Vec<String> = map.keys().cloned().collect();
                for k in keys {
                    if embedded && META_FIELDS.contains(&k.as_str()) {
                        continue;
                    }
                    if let Some(child) = field(s, &k) {
                        push_key(&mut self.path, &k);
                        if let Some(v) = map.get_mut(&k) {
                            self.prune(v, child, false);
                        }
                        self.path.truncate(base);
                    }
                }
            }
            Value::Array(items) => {
                if let Some(item_schema) = s.items.as_deref() {
                    for (i, v) in items.iter_mut().enumerate() {
                        self.path.push_str(&format!("[{i}]"));
                        self.skip_prune(v, item_schema, false);
                        self.path.truncate(base);
                    }
                }
            }
            _ => {}
        }
    }

    fn record(&mut self, key: &str) {
        let mut p = self.path.clone();
        push_key(&mut p, key);
        self.found.push(p);
    }
}

fn push_key(path: &mut String, key: &str) {
    if !path.is_empty() {
        path.push('.');
    }
    path.push_str(key);
}

/// Removes `null`s under non-nullable fields that have no default (those with one are
/// defaulted instead).
pub(crate) fn prune_nulls(x: &mut Value, s: Option<&Node>) {
    match x {
        Value::Object(map) => {
            map.retain(|k, v| {
                let schema = s.and_then(|s| s.field_schema(k));
                let drop =
                    v.is_null() && schema.is_some_and(|c| !c.nullable && c.default.is_none());
                if !drop {
                    prune_nulls(v, schema);
                }
                !drop
            });
        }
        Value::Array(items) => {
            let item_schema = s.and_then(|s| s.items.as_deref());
            for v in items {
                prune_nulls(v, item_schema);
            }
        }
        _ => {}
    }
}
