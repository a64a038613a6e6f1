//! Create, update (PUT), delete and delete-collection.

use super::ApiServer;
use super::context::Ctx;
use super::error::{ApiError, ApiResult};
use super::objects::{self, UpdateKind};
use super::read::{Filter, json_in_version};
use super::registry::{Builtin, GroupResource};
use super::reply::Reply;
use super::store::{Committed, ObjKey, Stored, Write};
use super::{meta, scale, shape};
use serde_json::{Value, json};
use std::sync::Arc;

/// Namespaced objects need an existing namespace that is not terminating.
pub fn check_namespace_open(server: &ApiServer, ctx: &Ctx) -> ApiResult<()> {
    if !ctx.rt.namespaced {
        return Ok(());
    }
    let ns = ctx.namespace();
    let found = server
        .store
        .get(&GroupResource::new("", "namespaces"), &ObjKey::new("", ns));
    match found {
        None => Err(ApiError::not_found(super::error::Subject { resource: "namespaces", group: "", name: ns })),
        Some(n) if meta::is_deleting(&n.value) => Err(ApiError::forbidden(format!(
            "unable to create new content in namespace {ns} because it is being terminated"
        ))
        .with_details(json!({"name": meta::name(&n.value), "kind": ctx.rt.plural, "group": ctx.rt.group,
            "causes": [{"reason": "NamespaceTerminating", "message": format!("namespace {ns} is being terminated"), "field": "metadata.namespace"}]}))),
        Some(_) => Ok(()),
    }
}

/// Reply with a committed object, answering warnings too.
pub fn reply(ctx: &Ctx, code: u16, obj: &Stored, warnings: Vec<String>) -> Reply {
    Reply::json(code, json_in_version(ctx, obj)).with_warnings(warnings)
}

pub fn create(server: &ApiServer, ctx: &Ctx) -> ApiResult<Reply> {
    let obj = objects::decode_body(ctx)?;
    check_namespace_open(server, ctx)?;
    let manager = ctx.manager();
    let (obj, warnings) = objects::prepare_create(server, ctx, obj, &manager, false)?;
    let key = ObjKey::new(meta::namespace(&obj), meta::name(&obj));
    let gr = ctx.gr();
    let name = key.name.clone();
    let committed = server.store.mutate(&gr, &key, ctx.query.dry_run, |cur| {
        if cur.is_some() {
            return Err(ApiError::already_exists(ctx.subject(&name)));
        }
        Ok(Write::Put(obj))
    })?;
    server.after_commit(&gr, &committed);
    Ok(reply(ctx, 201, &committed.obj, warnings))
}

/// Store an updated object: finalizers emptied on a deleting object delete it.
pub fn put_or_finish(new: Value) -> Write {
    if meta::is_deleting(&new) && meta::finalizers(&new).is_empty() {
        Write::Delete
    } else {
        Write::Put(new)
    }
}

pub fn update(server: &ApiServer, ctx: &Ctx, sub: Option<&str>) -> ApiResult<Reply> {
    let new = objects::decode_body(ctx)?;
    match sub {
        Some("scale") => scale::scale_write(server, ctx, |_| Ok(new)),
        Some("finalize") => finalize(server, ctx, new),
        _ => change_existing(server, ctx, sub, UpdateKind::Put, |_| Ok(new)),
    }
}

/// Read-modify-write the addressed object: `next` computes the new state from the stored
/// one, which then goes through the update pipeline (preconditions, schema, admission).
pub fn change_existing(
    server: &ApiServer,
    ctx: &Ctx,
    sub: Option<&str>,
    how: UpdateKind,
    next: impl FnOnce(&Value) -> ApiResult<Value>,
) -> ApiResult<Reply> {
    let manager = ctx.manager();
    let gr = ctx.gr();
    let key = ObjKey::new(ctx.namespace(), ctx.name());
    let mut warnings = Vec::new();
    let committed = server.store.mutate(&gr, &key, ctx.query.dry_run, |cur| {
        let cur = cur.ok_or_else(|| ApiError::not_found(ctx.subject(ctx.name())))?;
        let new = next(&cur.value)?;
        let change = objects::Change {
            sub,
            how,
            manager: &manager,
            op: "Update",
        };
        let (new, w) = objects::prepare_update(server, ctx, &cur.value, new, &change)?;
        warnings = w;
        Ok(new.map(put_or_finish).unwrap_or(Write::Unchanged))
    })?;
    server.after_commit(&gr, &committed);
    Ok(reply(ctx, 200, &committed.obj, warnings))
}

/// `PUT /api/v1/namespaces/NAME/finalize`: only `spec.finalizers` changes.
fn finalize(server: &ApiServer, ctx: &Ctx, mut new: Value) -> ApiResult<Reply> {
    objects::check_type(ctx, &mut new)?;
    shape::check(&ctx.rt, &new).map_err(|e| shape::decode_error(ctx, &e))?;
    let gr = ctx.gr();
    let key = ObjKey::new("", ctx.name());
    let committed = server.store.mutate(&gr, &key, ctx.query.dry_run, |cur| {
        let cur = cur.ok_or_else(|| ApiError::not_found(ctx.subject(ctx.name())))?;
        let mut next = cur.value.clone();
        meta::object_at(&mut next, "spec")
            .insert("finalizers".into(), new["spec"]["finalizers"].clone());
        Ok(Write::Put(next))
    })?;
    Ok(reply(ctx, 200, &committed.obj, Vec::new()))
}

/// `DeleteOptions` from the body and query.
#[derive(Debug, Default)]
struct DeleteOptions {
    propagation: Option<String>,
    uid: Option<String>,
    resource_version: Option<String>,
    dry_run: bool,
}

fn delete_options(ctx: &Ctx) -> ApiResult<DeleteOptions> {
    let mut o = DeleteOptions {
        propagation: ctx.query.propagation_policy.clone(),
        dry_run: ctx.query.dry_run,
        ..Default::default()
    };
    if !ctx.body.is_empty() {
        let v = objects::parse_json(&ctx.body)?;
        if v.is_object() {
            shape::check_kind("meta.k8s.io", "DeleteOptions", &v)
                .map_err(|e| shape::decode_error_as("DeleteOptions", "v1", &e))?;
        }
        if let Some(p) = v["propagationPolicy"].as_str() {
            o.propagation.get_or_insert(p.to_string());
        }
        o.uid = v["preconditions"]["uid"].as_str().map(String::from);
        o.resource_version = v["preconditions"]["resourceVersion"]
            .as_str()
            .map(String::from);
        if v["dryRun"]
            .as_array()
            .is_some_and(|a| a.iter().any(|x| x == "All"))
        {
            o.dry_run = true;
        }
    }
    match o.propagation.as_deref() {
        None | Some("Background" | "Foreground" | "Orphan") => Ok(o),
        Some(p) => Err(ApiError::bad_request(format!(
            "propagationPolicy {p:?} is not supported; use Background, Foreground or Orphan"
        ))),
    }
}

/// Decide what a delete does to `cur`.
fn delete_decision(ctx: &Ctx, cur: &Stored, o: &DeleteOptions) -> ApiResult<Write> {
    let v = &cur.value;
    if let Some(uid) = &o.uid
        && uid != meta::uid(v)
    {
        return Err(ApiError::conflict_with(
            ctx.subject(meta::name(v)),
            &format!(
                "Precondition failed: UID in precondition: {uid}, UID in object meta: {}",
                meta::uid(v)
            ),
        ));
    }
    if let Some(rv) = &o.resource_version
        && Some(rv.as_str()) != v["metadata"]["resourceVersion"].as_str()
    {
        return Err(ApiError::conflict_with(
            ctx.subject(meta::name(v)),
            &format!(
                "Precondition failed: ResourceVersion in precondition: {rv}, ResourceVersion in object meta: {}",
                v["metadata"]["resourceVersion"].as_str().unwrap_or("")
            ),
        ));
    }
    if meta::is_deleting(v) {
        return Ok(Write::Unchanged);
    }
    let mut next = v.clone();
    if ctx.rt.builtin() == Some(Builtin::Namespace) {
        let m = meta::meta_mut(&mut next);
        m.insert("deletionTimestamp".into(), json!(meta::now()));
        m.insert("deletionGracePeriodSeconds".into(), json!(0));
        meta::object_at(&mut next, "status").insert("phase".into(), json!("Terminating"));
        return Ok(Write::Put(next));
    }
    let mut finalizers = meta::finalizers(v);
    match o.propagation.as_deref() {
        Some("Orphan") => finalizers.push("orphan".into()),
        Some("Foreground") => finalizers.push("foregroundDeletion".into()),
        _ => {}
    }
    if finalizers.is_empty() {
        return Ok(Write::Delete);
    }
    finalizers.dedup();
    let m = meta::meta_mut(&mut next);
    m.insert("deletionTimestamp".into(), json!(meta::now()));
    m.insert("deletionGracePeriodSeconds".into(), json!(0));
    m.insert("finalizers".into(), json!(finalizers));
    let g = m.get("generation").and_then(Value::as_i64).unwrap_or(1);
    m.insert("generation".into(), json!(g + 1));
    Ok(Write::Put(next))
}

fn delete_one(
    server: &ApiServer,
    ctx: &Ctx,
    key: &ObjKey,
    o: &DeleteOptions,
) -> ApiResult<Committed> {
    let gr = ctx.gr();
    let committed = server.store.mutate(&gr, key, o.dry_run, |cur| {
        let cur = cur.ok_or_else(|| ApiError::not_found(ctx.subject(&key.name)))?;
        delete_decision(ctx, cur, o)
    })?;
    server.after_commit(&gr, &committed);
    Ok(committed)
}

pub fn delete(server: &ApiServer, ctx: &Ctx) -> ApiResult<Reply> {
    let o = delete_options(ctx)?;
    let key = ObjKey::new(ctx.namespace(), ctx.name());
    let committed = delete_one(server, ctx, &key, &o)?;
    Ok(reply(ctx, 200, &committed.obj, Vec::new()))
}

pub fn delete_collection(server: &ApiServer, ctx: &Ctx) -> ApiResult<Reply> {
    let o = delete_options(ctx)?;
    let filter = Filter::from_ctx(ctx)?;
    let (items, _) = server.store.list(&ctx.gr(), ctx.path.namespace.as_deref());
    let mut deleted: Vec<Arc<Stored>> = Vec::new();
    for s in items.iter().filter(|s| filter.matches(&s.value)) {
        let key = ObjKey::new(meta::namespace(&s.value), meta::name(&s.value));
        match delete_one(server, ctx, &key, &o) {
            Ok(c) => deleted.push(c.obj),
            Err(e) if e.code == 404 => {}
            Err(e) => return Err(e),
        }
    }
    let items: Vec<Value> = deleted.iter().map(|s| s.value.clone()).collect();
    Ok(Reply::value(
        200,
        &json!({"kind": ctx.rt.list_kind, "apiVersion": ctx.api_version(),
                "metadata": {"resourceVersion": server.store.current_rv().to_string()}, "items": items}),
    ))
}
