//! The `/scale` subresource: an object's `autoscaling/v1` Scale (replicas and selector from
//! the paths the type declares) and writes through it, which change only the replicas.

use super::ApiServer;
use super::context::Ctx;
use super::error::{ApiError, ApiResult};
use super::objects::{self, UpdateKind};
use super::reply::Reply;
use super::store::{ObjKey, Write};
use serde_json::{Value, json};

/// Read a dotted JSON path such as `.spec.replicas`.
pub fn at_path<'a>(v: &'a Value, path: &str) -> &'a Value {
    path.trim_start_matches('.')
        .split('.')
        .filter(|s| !s.is_empty())
        .fold(v, |cur, seg| &cur[seg])
}

/// The `autoscaling/v1` Scale of an object.
pub fn scale_of(ctx: &Ctx, obj: &Value) -> Value {
    let spec = ctx.version().scale.clone();
    let (replicas, status, selector) = match &spec {
        Some(s) => (
            at_path(obj, &s.spec_replicas).clone(),
            at_path(obj, &s.status_replicas).clone(),
            s.label_selector
                .as_deref()
                .map(|p| at_path(obj, p).clone())
                .unwrap_or(Value::Null),
        ),
        None => (Value::Null, Value::Null, Value::Null),
    };
    let mut st = json!({"replicas": status.as_i64().unwrap_or(0)});
    if let Some(s) = selector.as_str() {
        st["selector"] = json!(s);
    }
    let m = &obj["metadata"];
    json!({
        "kind": "Scale", "apiVersion": "autoscaling/v1",
        "metadata": {"name": m["name"], "namespace": m["namespace"], "uid": m["uid"],
                     "resourceVersion": m["resourceVersion"], "creationTimestamp": m["creationTimestamp"]},
        "spec": {"replicas": replicas.as_i64().unwrap_or(0)},
        "status": st
    })
}

/// Set `.spec.replicas` (or the CRD's specReplicasPath) from a Scale.
fn set_replicas(ctx: &Ctx, obj: &mut Value, replicas: i64) -> ApiResult<()> {
    let path = ctx
        .version()
        .scale
        .as_ref()
        .map(|s| s.spec_replicas.clone())
        .unwrap_or_else(|| ".spec.replicas".into());
    let segs: Vec<&str> = path.trim_start_matches('.').split('.').collect();
    let mut cur = obj;
    for (i, s) in segs.iter().enumerate() {
        if i + 1 == segs.len() {
            cur[*s] = Value::from(replicas);
        } else {
            if !cur[*s].is_object() {
                cur[*s] = serde_json::json!({});
            }
            cur = &mut cur[*s];
        }
    }
    Ok(())
}

/// PUT or PATCH of `/scale`: compute the new Scale, write its replicas into the object.
pub fn scale_write(
    server: &ApiServer,
    ctx: &Ctx,
    next_scale: impl FnOnce(&Value) -> ApiResult<Value>,
) -> ApiResult<Reply> {
    let manager = ctx.manager();
    let gr = ctx.gr();
    let key = ObjKey::new(ctx.namespace(), ctx.name());
    let committed = server.store.mutate(&gr, &key, ctx.query.dry_run, |cur| {
        let cur = cur.ok_or_else(|| ApiError::not_found(ctx.subject(ctx.name())))?;
        let scale = next_scale(&scale_of(ctx, &cur.value))?;
        let replicas = at_path(&scale, ".spec.replicas").as_i64().ok_or_else(|| {
            ApiError::bad_request("the Scale must set spec.replicas to an integer")
        })?;
        let mut next = cur.value.clone();
        set_replicas(ctx, &mut next, replicas)?;
        let (next, _) = objects::prepare_update(
            server,
            ctx,
            &cur.value,
            next,
            &objects::Change {
                sub: None,
                how: UpdateKind::Patch,
                manager: &manager,
                op: "Update",
            },
        )?;
        Ok(next.map(Write::Put).unwrap_or(Write::Unchanged))
    })?;
    Ok(Reply::value(200, &scale_of(ctx, &committed.obj.value)))
}
