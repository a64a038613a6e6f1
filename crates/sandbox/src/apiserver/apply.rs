//! Server-side apply (`application/apply-patch+yaml`): merge a manager's applied
//! configuration into the live object, remove what it stopped applying, and refuse to take
//! fields another manager set to a different value unless forced.

use super::ApiServer;
use super::context::Ctx;
use super::error::{ApiError, ApiResult};
use super::field_index::{self, ListIndex, canonical, key_of};
use super::fields::{self, Entry, FieldSet, ListKind, ListKinds};
use super::meta;
use super::objects::{self, UpdateKind};
use super::reply::Reply;
use super::store::{ObjKey, Write};
use super::write::{check_namespace_open, put_or_finish, reply};
use serde_json::{Value, json};

/// Merge `applied` into `live` (maps recursively, keyed lists by key, sets by value).
fn merge_into(live: &mut Value, applied: &Value, names: &mut Vec<String>, kinds: &ListKinds<'_>) {
    match (live, applied) {
        (Value::Object(l), Value::Object(a)) => {
            for (k, av) in a {
                if av.is_null() {
                    continue;
                }
                names.push(k.clone());
                match l.get_mut(k) {
                    Some(lv) => merge_into(lv, av, names, kinds),
                    None => {
                        l.insert(k.clone(), av.clone());
                    }
                }
                names.pop();
            }
        }
        (Value::Array(l), Value::Array(a)) => match kinds.kind(names) {
            ListKind::Atomic => *l = a.clone(),
            ListKind::Set => {
                let mut seen = ListIndex::new(l.iter(), canonical);
                for it in a {
                    let id = canonical(it);
                    if !seen.contains(&id) {
                        seen.push(id, l.len());
                        l.push(it.clone());
                    }
                }
            }
            ListKind::Map(keys) => {
                let id = |x: &Value| key_of(x, &keys);
                let mut at = ListIndex::new(l.iter(), id);
                for it in a {
                    let k = id(it);
                    match at.first(&k) {
                        Some(i) => merge_into(&mut l[i], it, names, kinds),
                        None => {
                            at.push(k, l.len());
                            l.push(it.clone());
                        }
                    }
                }
            }
        },
        (l, a) => *l = a.clone(),
    }
}

fn conflict_error(ctx: &Ctx, name: &str, conflicts: &[(String, String, String)]) -> ApiError {
    let n = conflicts.len();
    let mut by_manager: Vec<(String, String, Vec<String>)> = Vec::new();
    for (m, av, p) in conflicts {
        match by_manager.iter_mut().find(|(mm, _, _)| mm == m) {
            Some((_, _, ps)) => ps.push(p.clone()),
            None => by_manager.push((m.clone(), av.clone(), vec![p.clone()])),
        }
    }
    let message = if n == 1 {
        let (m, av, p) = &conflicts[0];
        format!("Apply failed with 1 conflict: conflict with {m:?} using {av}: {p}")
    } else {
        let parts: Vec<String> = by_manager
            .iter()
            .map(|(m, av, ps)| {
                format!(
                    "conflicts with {m:?} using {av}:\n{}",
                    ps.iter()
                        .map(|p| format!("- {p}"))
                        .collect::<Vec<_>>()
                        .join("\n")
                )
            })
            .collect();
        format!("Apply failed with {n} conflicts: {}", parts.join("\n"))
    };
    let causes: Vec<Value> = conflicts
        .iter()
        .map(|(m, av, p)| json!({"reason": "FieldManagerConflict", "message": format!("conflict with {m:?} using {av}"), "field": p}))
        .collect();
    let mut details = json!({"name": name, "kind": ctx.rt.plural, "causes": causes});
    if !ctx.rt.group.is_empty() {
        details["group"] = json!(ctx.rt.group);
    }
    ApiError::new(409, "Conflict", message).with_details(details)
}

/// The applied configuration as the manager's field set sees it.
fn applied_set(ctx: &Ctx, applied: &Value, sub: Option<&str>) -> FieldSet {
    fields::fields_of(applied, &ListKinds::of(ctx), ctx.version().status, sub)
}

/// Compute the object after applying; managedFields updated.
fn apply_to_live(
    ctx: &Ctx,
    live: &Value,
    applied: &Value,
    manager: &str,
    sub: Option<&str>,
) -> ApiResult<Value> {
    let kinds = ListKinds::of(ctx);
    let status_sub = ctx.version().status;
    let applied_values = fields::values_of(applied, &kinds, status_sub, sub);
    let live_values = fields::values_of(live, &kinds, status_sub, sub);
    let differs = |p: &fields::Path| live_values.get(p) != applied_values.get(p);
    let set: FieldSet = applied_values.keys().cloned().collect();
    let mut entries = fields::entries(live);
    let mine = |e: &Entry| {
        e.manager == manager && e.operation == "Apply" && e.subresource.as_deref() == sub
    };
    let mut conflicts = Vec::new();
    for e in entries
        .iter()
        .filter(|e| !mine(e) && e.subresource.as_deref() == sub)
    {
        for p in set.intersection(&e.set) {
            if differs(p) {
                conflicts.push((
                    e.manager.clone(),
                    e.api_version.clone(),
                    fields::path_string(p),
                ));
            }
        }
    }
    if !conflicts.is_empty() && !ctx.query.force {
        return Err(conflict_error(ctx, ctx.name(), &conflicts));
    }
    let changed: FieldSet = set.iter().filter(|p| differs(p)).cloned().collect();
    for e in entries.iter_mut().filter(|e| !mine(e)) {
        e.set.retain(|p| !changed.contains(p));
    }
    let previous: FieldSet = entries
        .iter()
        .find(|e| mine(e))
        .map(|e| e.set.clone())
        .unwrap_or_default();
    let others: FieldSet = entries
        .iter()
        .filter(|e| !mine(e))
        .flat_map(|e| e.set.iter().cloned())
        .collect();
    let mut merged = live.clone();
    field_index::remove_all(
        &mut merged,
        previous.difference(&set).filter(|p| !others.contains(*p)),
    );
    let mut body = applied.clone();
    if let Some(m) = body.get_mut("metadata").and_then(Value::as_object_mut) {
        m.retain(|k, _| {
            matches!(
                k.as_str(),
                "labels" | "annotations" | "finalizers" | "ownerReferences"
            )
        });
    }
    if sub == Some("status") {
        let status = body.get("status").cloned().unwrap_or(Value::Null);
        body = json!({"status": status});
    }
    merge_into(&mut merged, &body, &mut Vec::new(), &kinds);
    entries.retain(|e| !mine(e));
    entries.push(Entry {
        manager: manager.into(),
        operation: "Apply".into(),
        subresource: sub.map(String::from),
        api_version: ctx.api_version(),
        time: meta::now(),
        set,
    });
    let keep_rv = live["metadata"]["resourceVersion"].clone();
    fields::write_entries(&mut merged, &entries);
    meta::meta_mut(&mut merged).insert("resourceVersion".into(), keep_rv);
    Ok(merged)
}

pub fn apply(server: &ApiServer, ctx: &Ctx, sub: Option<&str>) -> ApiResult<Reply> {
    let Some(manager) = ctx.query.field_manager.clone() else {
        return Err(ApiError::bad_request(
            "fieldManager is required for apply requests: add ?fieldManager=<name> (kubectl sets it)",
        ));
    };
    let mut applied = objects::decode_body(ctx)?;
    if applied["apiVersion"].as_str().is_none_or(str::is_empty)
        || applied["kind"].as_str().is_none_or(str::is_empty)
    {
        return Err(ApiError::bad_request(
            "an applied configuration must set apiVersion and kind",
        ));
    }
    objects::check_type(ctx, &mut applied)?;
    let name = ctx.name().to_string();
    match applied["metadata"]["name"].as_str() {
        Some(n) if n != name => {
            return Err(ApiError::bad_request(format!(
                "the name of the object ({n}) does not match the name on the URL ({name})"
            )));
        }
        _ => {
            meta::meta_mut(&mut applied).insert("name".into(), json!(name));
        }
    }
    if let Some(m) = applied.get_mut("metadata").and_then(Value::as_object_mut) {
        m.remove("managedFields");
    }
    let gr = ctx.gr();
    let key = ObjKey::new(ctx.namespace(), &name);
    let exists = server.store.get(&gr, &key).is_some();
    if !exists {
        if sub.is_some() {
            return Err(ApiError::not_found(ctx.subject(&name)));
        }
        check_namespace_open(server, ctx)?;
    }
    let mut warnings = Vec::new();
    let committed = server
        .store
        .mutate(&gr, &key, ctx.query.dry_run, |cur| match cur {
            None => {
                let (mut obj, w) =
                    objects::prepare_create(server, ctx, applied.clone(), &manager, true)?;
                let set = applied_set(ctx, &applied, None);
                fields::write_entries(
                    &mut obj,
                    &[Entry {
                        manager: manager.clone(),
                        operation: "Apply".into(),
                        subresource: None,
                        api_version: ctx.api_version(),
                        time: meta::now(),
                        set,
                    }],
                );
                warnings = w;
                Ok(Write::Put(obj))
            }
            Some(cur) => {
                let merged = apply_to_live(ctx, &cur.value, &applied, &manager, sub)?;
                let (next, w) = objects::prepare_update(
                    server,
                    ctx,
                    &cur.value,
                    merged,
                    &objects::Change {
                        sub,
                        how: UpdateKind::Patch,
                        manager: &manager,
                        op: "Apply",
                    },
                )?;
                warnings = w;
                Ok(next.map(put_or_finish).unwrap_or(Write::Unchanged))
            }
        })?;
    server.after_commit(&gr, &committed);
    let code = if exists { 200 } else { 201 };
    Ok(reply(ctx, code, &committed.obj, warnings))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merge_keyed_lists() {
        let schema = json!({"type": "object", "properties": {"spec": {"type": "object", "properties": {"items": {
            "type": "array", "x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["name"], "items": {"type": "object"}}}}}});
        let kinds = ListKinds::new(Some(&schema), None);
        let mut live = json!({"spec": {"items": [{"name": "a", "v": 1}, {"name": "b", "v": 2}]}});
        let applied = json!({"spec": {"items": [{"name": "b", "v": 3}, {"name": "c", "v": 4}]}});
        merge_into(&mut live, &applied, &mut Vec::new(), &kinds);
        assert_eq!(
            live,
            json!({"spec": {"items": [{"name": "a", "v": 1}, {"name": "b", "v": 3}, {"name": "c", "v": 4}]}})
        );
    }
}
