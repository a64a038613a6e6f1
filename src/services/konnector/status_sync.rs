//! Status Control Plane → App, one Control Plane object at a time: its `status` replaces the
//! App object's (a JSON patch of the difference on the status subresource, so a status
//! edited in the App Cluster is put back too). A Control Plane object without an App object
//! is adopted — created in the App Cluster with its spec and status — as upstream adopts
//! objects made on the Control Plane. Unlike upstream, a bound object whose App copy is gone
//! is adopted as well instead of deleted: the App copy only goes without our finalizer
//! deleting the Control Plane object first when its CRD or binding went (unbinding), and
//! rebinding must find every instance again.

use super::cached::Cached;
use super::error::{SyncError, is_conflict, is_not_found, kube_err};
use super::events::{Direction, KonnectorEvent, SyncAction};
use super::kinds::KindCtx;
use super::spec_sync::{copied_annotation, unbinding};
use klutch::bind::names::FINALIZER_SYNCER;
use kube::ResourceExt;
use kube::api::{DynamicObject, Patch, PatchParams, PostParams};
use kube::runtime::controller::Action;
use serde_json::{Value, json};
use std::sync::Arc;

pub async fn reconcile(cp: Arc<Cached>, ctx: Arc<KindCtx>) -> Result<Action, SyncError> {
    let cp_ns = cp.namespace().unwrap_or_default();
    let name = cp.name_any();
    let Some(app_ns) = ctx.namespaces.mapping().to_app.get(&cp_ns).cloned() else {
        return Ok(Action::await_change());
    };
    let app = ctx.app_store.get(&ctx.cache_ref(&app_ns, &name));
    match app {
        Some(app) => copy_status(&cp, &app, &app_ns, &name, &ctx).await,
        None => adopt(&cp, &app_ns, &name, &ctx).await,
    }
}

async fn copy_status(
    cp: &Cached,
    app: &Cached,
    app_ns: &str,
    name: &str,
    ctx: &KindCtx,
) -> Result<Action, SyncError> {
    let cp_ns = cp.namespace().unwrap_or_default();
    // The same text is the same status; a different text may still be (another key order).
    let status = (app.status != cp.status)
        .then(|| {
            let (have, want) = (app.status(), cp.status());
            merge_diff(&have.unwrap_or_default(), &want.unwrap_or_default())
        })
        .filter(|diff| diff.as_object().is_none_or(|d| !d.is_empty()));
    let Some(status) = status else {
        ctx.seen_cp.take(&cp_ns, name);
        return Ok(Action::await_change());
    };
    // The resourceVersion makes the patch conditional on the App object we compared with.
    let patch = json!({"metadata": {"resourceVersion": app.resource_version()}, "status": status});
    match ctx
        .app_api(app_ns)
        .patch_status(name, &PatchParams::default(), &Patch::Merge(&patch))
        .await
    {
        Ok(_) => {}
        // Gone meanwhile: nothing to write.
        Err(e) if is_not_found(&e) => return Ok(Action::await_change()),
        Err(e) => {
            return Err(kube_err(format!(
                "writing the status of {} {app_ns}/{name} in the App Cluster",
                ctx.ar.kind
            ))(e));
        }
    }
    ctx.reporter.report(KonnectorEvent::Synced {
        binding: ctx.binding.clone(),
        object: ctx.key(app_ns, name),
        direction: Direction::ControlPlaneToApp,
        action: SyncAction::Written,
        lag: ctx.seen_cp.take(&cp_ns, name),
    });
    Ok(Action::await_change())
}

/// The JSON merge patch that turns `have` into `want` (`null` removes a key).
pub fn merge_diff(have: &Value, want: &Value) -> Value {
    match (have, want) {
        (Value::Object(have), Value::Object(want)) => {
            let mut out = serde_json::Map::new();
            for (k, w) in want {
                match have.get(k) {
                    Some(h) if h == w => {}
                    Some(h) => {
                        out.insert(k.clone(), merge_diff(h, w));
                    }
                    None => {
                        out.insert(k.clone(), w.clone());
                    }
                }
            }
            for k in have.keys().filter(|k| !want.contains_key(*k)) {
                out.insert(k.clone(), Value::Null);
            }
            Value::Object(out)
        }
        _ => want.clone(),
    }
}

async fn adopt(cp: &Cached, app_ns: &str, name: &str, ctx: &KindCtx) -> Result<Action, SyncError> {
    if cp.metadata.deletion_timestamp.is_some() || unbinding(ctx).await? {
        return Ok(Action::await_change());
    }
    let annotations: serde_json::Map<String, Value> = cp
        .annotations()
        .iter()
        .filter(|(k, _)| copied_annotation(k))
        .map(|(k, v)| (k.clone(), json!(v)))
        .collect();
    let mut object = json!({
        "apiVersion": ctx.ar.api_version,
        "kind": ctx.ar.kind,
        "metadata": {"name": name, "namespace": app_ns, "finalizers": [FINALIZER_SYNCER]},
    });
    if !annotations.is_empty() {
        object["metadata"]["annotations"] = Value::Object(annotations);
    }
    if !cp.labels().is_empty() {
        object["metadata"]["labels"] = json!(cp.labels());
    }
    if let Some(spec) = cp.spec() {
        object["spec"] = spec;
    }
    let object: DynamicObject =
        serde_json::from_value(object).map_err(|e| SyncError::Refused(e.to_string()))?;
    let api = ctx.app_api(app_ns);
    let created = match api.create(&PostParams::default(), &object).await {
        Ok(created) => created,
        // It exists after all (the App watch had not told us yet): nothing to adopt.
        Err(e) if is_conflict(&e) => return Ok(Action::await_change()),
        Err(e) => {
            return Err(kube_err(format!(
                "adopting {} {app_ns}/{name} into the App Cluster",
                ctx.ar.kind
            ))(e));
        }
    };
    if let Some(status) = cp.status() {
        let patch = json!({"status": status});
        api.patch_status(name, &PatchParams::default(), &Patch::Merge(&patch))
            .await
            .map_err(kube_err(format!(
                "writing the status of adopted {} {app_ns}/{name}",
                ctx.ar.kind
            )))?;
    }
    tracing::info!(namespace = app_ns, name, kind = %ctx.ar.kind, uid = ?created.uid(), "konnector: adopted a Control Plane object");
    ctx.reporter.report(KonnectorEvent::Synced {
        binding: ctx.binding.clone(),
        object: ctx.key(app_ns, name),
        direction: Direction::ControlPlaneToApp,
        action: SyncAction::Adopted,
        lag: ctx.seen_cp.take(&cp.namespace().unwrap_or_default(), name),
    });
    Ok(Action::await_change())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_merge_diff_turns_one_status_into_the_other() {
        let have = json!({"phase": "Pending", "old": 1, "nested": {"a": 1, "b": 2},
            "conditions": [{"type": "Ready", "status": "False"}]});
        let want = json!({"phase": "Ready", "nested": {"a": 1, "c": 3},
            "conditions": [{"type": "Ready", "status": "True"}]});
        let diff = merge_diff(&have, &want);
        assert_eq!(
            diff,
            json!({"phase": "Ready", "old": null, "nested": {"b": null, "c": 3},
                "conditions": [{"type": "Ready", "status": "True"}]})
        );
        let mut patched = have.clone();
        json_patch::merge(&mut patched, &diff);
        assert_eq!(patched, want);
        assert_eq!(merge_diff(&Value::Null, &want), want);
    }
}
