//! Strategic merge patch for built-in kinds: lists merged by their merge key, primitive
//! sets merged, and the `$patch`, `$retainKeys`, `$setElementOrder/…` and
//! `$deleteFromPrimitiveList/…` directives. Every list merge indexes the items once
//! (O(n log n)); it runs in the store's write turn.

use super::field_index::{ListIndex, canonical, key_of};
use super::fields::{ListKind, ListKinds};
use serde_json::{Map, Value};
use std::collections::HashMap;

/// Why a strategic merge patch could not be applied (a 400 or 422).
#[derive(Debug, thiserror::Error)]
pub enum SmpError {
    #[error("invalid strategic merge patch: {0}")]
    Bad(String),
}

/// Apply `patch` to `target`.
pub fn apply(target: &Value, patch: &Value, kinds: &ListKinds<'_>) -> Result<Value, SmpError> {
    let (Some(t), Some(p)) = (target.as_object(), patch.as_object()) else {
        return Err(SmpError::Bad("the patch must be a JSON object".into()));
    };
    let mut out = t.clone();
    match merge_map(&mut out, p, &mut Vec::new(), kinds)? {
        MapOutcome::Keep => Ok(Value::Object(out)),
        MapOutcome::Delete => Ok(Value::Object(Map::new())),
    }
}

enum MapOutcome {
    Keep,
    Delete,
}

fn strip_directives(v: &Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(
            m.iter()
                .filter(|(k, _)| !k.starts_with('$'))
                .map(|(k, v)| (k.clone(), strip_directives(v)))
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.iter().map(strip_directives).collect()),
        other => other.clone(),
    }
}

fn merge_map(
    orig: &mut Map<String, Value>,
    patch: &Map<String, Value>,
    names: &mut Vec<String>,
    kinds: &ListKinds<'_>,
) -> Result<MapOutcome, SmpError> {
    match patch.get("$patch").and_then(Value::as_str) {
        Some("replace") => {
            *orig = match strip_directives(&Value::Object(patch.clone())) {
                Value::Object(m) => m,
                _ => Map::new(),
            };
            return Ok(MapOutcome::Keep);
        }
        Some("delete") => return Ok(MapOutcome::Delete),
        Some("merge") | None => {}
        Some(other) => return Err(SmpError::Bad(format!("unknown $patch directive {other:?}"))),
    }
    if let Some(retain) = patch.get("$retainKeys") {
        let keep: std::collections::HashSet<&str> = retain
            .as_array()
            .ok_or_else(|| SmpError::Bad("$retainKeys must be a list of field names".into()))?
            .iter()
            .filter_map(Value::as_str)
            .collect();
        orig.retain(|k, _| keep.contains(&k.as_str()));
    }
    let mut orders: Vec<(String, Vec<Value>)> = Vec::new();
    for (k, pv) in patch {
        if k == "$patch" || k == "$retainKeys" {
            continue;
        }
        if let Some(field) = k.strip_prefix("$setElementOrder/") {
            let order = pv
                .as_array()
                .cloned()
                .ok_or_else(|| SmpError::Bad(format!("{k} must be a list")))?;
            orders.push((field.to_string(), order));
            continue;
        }
        if let Some(field) = k.strip_prefix("$deleteFromPrimitiveList/") {
            let remove = pv
                .as_array()
                .ok_or_else(|| SmpError::Bad(format!("{k} must be a list")))?;
            if let Some(Value::Array(list)) = orig.get_mut(field) {
                let remove = ListIndex::new(remove.iter(), canonical);
                list.retain(|x| !remove.contains(&canonical(x)));
            }
            continue;
        }
        if k.starts_with('$') {
            return Err(SmpError::Bad(format!("unknown directive {k:?}")));
        }
        names.push(k.clone());
        match pv {
            Value::Null => {
                orig.remove(k);
            }
            Value::Object(pm) => match orig.get_mut(k) {
                Some(Value::Object(om)) => {
                    if let MapOutcome::Delete = merge_map(om, pm, names, kinds)? {
                        orig.remove(k);
                    }
                }
                _ => {
                    if pm.get("$patch").and_then(Value::as_str) != Some("delete") {
                        orig.insert(k.clone(), strip_directives(pv));
                    }
                }
            },
            Value::Array(pa) => {
                let kind = kinds.kind(names);
                let merged = match (orig.remove(k), kind) {
                    (Some(Value::Array(oa)), ListKind::Map(keys)) => {
                        merge_keyed(oa, pa, &keys, names, kinds)?
                    }
                    (Some(Value::Array(mut oa)), ListKind::Set) => {
                        let mut seen = ListIndex::new(oa.iter(), canonical);
                        for x in pa {
                            let id = canonical(x);
                            if !seen.contains(&id) {
                                seen.push(id, oa.len());
                                oa.push(x.clone());
                            }
                        }
                        oa
                    }
                    (_, ListKind::Map(_)) => pa
                        .iter()
                        .filter(|x| x.get("$patch").is_none())
                        .map(strip_directives)
                        .collect(),
                    _ => pa.iter().map(strip_directives).collect(),
                };
                orig.insert(k.clone(), Value::Array(merged));
            }
            scalar => {
                orig.insert(k.clone(), scalar.clone());
            }
        }
        names.pop();
    }
    for (field, order) in orders {
        if let Some(Value::Array(list)) = orig.get_mut(&field) {
            reorder(list, &order);
        }
    }
    Ok(MapOutcome::Keep)
}

fn merge_keyed(
    orig: Vec<Value>,
    patch: &[Value],
    keys: &[String],
    names: &mut Vec<String>,
    kinds: &ListKinds<'_>,
) -> Result<Vec<Value>, SmpError> {
    if patch
        .iter()
        .any(|p| p.get("$patch").and_then(Value::as_str) == Some("replace"))
    {
        return Ok(patch
            .iter()
            .filter(|p| p.get("$patch").is_none())
            .map(strip_directives)
            .collect());
    }
    let mut at = ListIndex::new(orig.iter(), |x| key_of(x, keys));
    let mut slots: Vec<Option<Value>> = orig.into_iter().map(Some).collect();
    for p in patch {
        let Some(pm) = p.as_object() else {
            return Err(SmpError::Bad(format!(
                "elements of {} must be objects with merge key(s) {keys:?}",
                names.join(".")
            )));
        };
        if keys.iter().any(|k| !pm.contains_key(k)) {
            return Err(SmpError::Bad(format!(
                "an element of {} lacks its merge key {keys:?}",
                names.join(".")
            )));
        }
        let id = key_of(p, keys);
        match pm.get("$patch").and_then(Value::as_str) {
            Some("delete") => {
                if let Some(i) = at.take_first(&id) {
                    slots[i] = None;
                }
            }
            _ => match at.first(&id) {
                Some(i) => {
                    if let Some(Value::Object(om)) = &mut slots[i] {
                        merge_map(om, pm, names, kinds)?;
                    }
                }
                None => {
                    at.push(id, slots.len());
                    slots.push(Some(strip_directives(p)));
                }
            },
        }
    }
    Ok(slots.into_iter().flatten().collect())
}

/// Order elements as `$setElementOrder` lists them; others keep their place at the end.
fn reorder(list: &mut Vec<Value>, order: &[Value]) {
    let mut rest: Vec<Option<Value>> = std::mem::take(list).into_iter().map(Some).collect();
    // One index per set of fields the order's elements name (a keyed list's merge key).
    let mut by_fields: HashMap<Vec<String>, ListIndex> = HashMap::new();
    let mut by_value: Option<ListIndex> = None;
    for o in order {
        let found = match o.as_object() {
            Some(om) => {
                let fields: Vec<String> = om.keys().cloned().collect();
                let index = by_fields.entry(fields.clone()).or_insert_with(|| {
                    ListIndex::new(
                        rest.iter().map(|x| x.as_ref().unwrap_or(&Value::Null)),
                        |x| {
                            if fields.iter().all(|f| x.get(f).is_some()) {
                                key_of(x, &fields)
                            } else {
                                String::new()
                            }
                        },
                    )
                });
                let id = key_of(o, &fields);
                take_alive(index, &id, &rest)
            }
            None => {
                let index = by_value.get_or_insert_with(|| {
                    ListIndex::new(
                        rest.iter().map(|x| x.as_ref().unwrap_or(&Value::Null)),
                        canonical,
                    )
                });
                take_alive(index, &canonical(o), &rest)
            }
        };
        if let Some(i) = found
            && let Some(x) = rest[i].take()
        {
            list.push(x);
        }
    }
    list.extend(rest.into_iter().flatten());
}

/// The first position with `id` whose element is still in `rest`.
fn take_alive(index: &mut ListIndex, id: &str, rest: &[Option<Value>]) -> Option<usize> {
    while let Some(i) = index.take_first(id) {
        if rest[i].is_some() {
            return Some(i);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::super::registry::Builtin;
    use super::*;
    use serde_json::json;

    #[test]
    fn merges_by_key_and_directives() {
        let kinds = ListKinds::new(None, Some(Builtin::Deployment));
        let target = json!({"spec": {"template": {"spec": {"containers": [{"name": "a", "image": "x"}, {"name": "b", "image": "y"}]}}},
                            "metadata": {"finalizers": ["f1"], "labels": {"a": "1", "b": "2"}}});
        let patch = json!({"spec": {"template": {"spec": {"containers": [{"name": "b", "image": "z"}, {"name": "a", "$patch": "delete"}]}}},
                           "metadata": {"finalizers": ["f2"], "labels": {"a": null}}});
        let out = apply(&target, &patch, &kinds).unwrap();
        assert_eq!(
            out["spec"]["template"]["spec"]["containers"],
            json!([{"name": "b", "image": "z"}])
        );
        assert_eq!(out["metadata"]["finalizers"], json!(["f1", "f2"]));
        assert_eq!(out["metadata"]["labels"], json!({"b": "2"}));
        let p2 = json!({"metadata": {"$deleteFromPrimitiveList/finalizers": ["f1"]}});
        assert_eq!(
            apply(&out, &p2, &kinds).unwrap()["metadata"]["finalizers"],
            json!(["f2"])
        );
        assert!(apply(&target, &json!({"$patch": "bogus"}), &kinds).is_err());
    }
}
