//! Correlation of a node with the old object on updates (apiserver's `CorrelatedObject`),
//! used for ratcheting and for transition rules.

use crate::schema::node::Node;
use serde_json::Value;

/// How an update relates the node to the old object.
#[derive(Clone, Copy)]
pub(crate) struct Corr<'v> {
    /// The old value at this node, when the node is correlatable (same field, or same
    /// list-map key) and ratcheting applies.
    pub old: Option<&'v Value>,
}

impl<'v> Corr<'v> {
    pub(crate) const NONE: Corr<'static> = Corr { old: None };

    pub(super) fn field(self, node: &Node, key: &str) -> Corr<'v> {
        match self.old {
            Some(Value::Object(old)) if node.field_schema(key).is_some() => {
                Corr { old: old.get(key) }
            }
            _ => Corr { old: None },
        }
    }

    pub(super) fn item(self, node: &Node, item: &Value) -> Corr<'v> {
        match self.old {
            Some(Value::Array(old)) if is_map_list(node) => Corr {
                old: find_by_keys(&node.list_map_keys, old, item),
            },
            _ => Corr { old: None },
        }
    }
}

pub(crate) fn is_map_list(node: &Node) -> bool {
    node.list_type.as_deref() == Some("map") && node.items.is_some()
}

/// The element of a list-type map whose key fields equal those of `item`.
pub(crate) fn find_by_keys<'v>(
    keys: &[String],
    list: &'v [Value],
    item: &Value,
) -> Option<&'v Value> {
    let item = item.as_object()?;
    list.iter().find(|o| {
        o.as_object()
            .is_some_and(|o| keys.iter().all(|k| o.get(k) == item.get(k)))
    })
}

/// `CorrelatedObject.CachedDeepEqual`: equality that follows the schema (list-type maps are
/// compared by key, fields unknown to the schema make objects unequal).
pub(crate) fn deep_equal(node: &Node, new: &Value, old: &Value) -> bool {
    match (new, old) {
        (Value::Null, Value::Null) => true,
        (Value::Null, _) | (_, Value::Null) => false,
        (Value::Array(a), Value::Array(b)) => {
            if a.len() != b.len() {
                return false;
            }
            match (&node.items, is_map_list(node)) {
                (Some(items), true) => a.iter().all(|x| {
                    find_by_keys(&node.list_map_keys, b, x).is_some_and(|o| deep_equal(items, x, o))
                }),
                _ => a == b,
            }
        }
        (Value::Object(a), Value::Object(b)) => {
            a.len() == b.len()
                && a.iter()
                    .all(|(k, v)| match (b.get(k), node.field_schema(k)) {
                        (Some(o), Some(s)) => deep_equal(s, v, o),
                        _ => false,
                    })
        }
        (Value::Array(_) | Value::Object(_), _) | (_, Value::Array(_) | Value::Object(_)) => false,
        (a, b) => a == b,
    }
}
