//! Spec App → Control Plane, one App object at a time: the finalizer, the namespace mapping,
//! a server-side apply of the spec (and of the App object's own labels and annotations) with
//! field manager `klutch.anynines.com`, and deletion — a claim deleted in the App Cluster is
//! deleted on the Control Plane first, and its finalizer goes only once the Control Plane
//! object is gone.
//!
//! Unlike upstream (which applies the whole cached object and never syncs later label or
//! annotation edits), the apply carries only what the App side owns, so a label removed in
//! the App Cluster is removed on the Control Plane, and a spec edited on the Control Plane is
//! put back. Unlike upstream too, unbinding destroys nothing: when an App object goes
//! because its CRD or its binding is going, its Control Plane object stays (it is adopted
//! again on rebind).
//!
//! Decisions that delete or release are made on a fresh read of the Control Plane, never on
//! a cache.

use super::cached::{Cached, LAST_APPLIED};
use super::error::{SyncError, is_not_found, kube_err};
use super::events::{Direction, KonnectorEvent, SyncAction};
use super::kinds::KindCtx;
use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use klutch::bind::APIServiceBinding;
use klutch::bind::names::{ANNOTATION_BOUND, FIELD_MANAGER, FINALIZER_SYNCER};
use kube::ResourceExt;
use kube::api::{Api, DeleteParams, DynamicObject, Patch, PatchParams};
use kube::runtime::controller::Action;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::sync::Arc;

/// Annotations never copied to the other side: kubectl's bookkeeping and our own.
pub fn copied_annotation(key: &str) -> bool {
    key != LAST_APPLIED && !key.starts_with("klutch.anynines.com/")
}

pub async fn reconcile(obj: Arc<Cached>, ctx: Arc<KindCtx>) -> Result<Action, SyncError> {
    let ns = obj.namespace().unwrap_or_default();
    let name = obj.name_any();
    if obj.metadata.deletion_timestamp.is_some() {
        return delete(&obj, &ns, &name, &ctx).await;
    }
    if !obj.finalizers().iter().any(|f| f == FINALIZER_SYNCER) {
        add_finalizer(&obj, &ns, &name, &ctx).await?;
    }
    let Some(cp_ns) = ctx.namespaces.ensure(&ns).await? else {
        return Ok(Action::await_change());
    };
    let desired = desired(&obj, &cp_ns, &ctx);
    let current = ctx.cp_store.get(&ctx.cache_ref(&cp_ns, &name));
    if !needs_apply(current.as_deref(), &desired) {
        ctx.seen_app.take(&ns, &name);
        return Ok(Action::await_change());
    }
    tracing::debug!(%cp_ns, %name, "konnector: applying the spec on the Control Plane");
    ctx.cp_api(&cp_ns)
        .patch(
            &name,
            &PatchParams::apply(FIELD_MANAGER).force(),
            &Patch::Apply(&desired),
        )
        .await
        .map_err(kube_err(format!(
            "applying {} {cp_ns}/{name} on the Control Plane",
            ctx.ar.kind
        )))?;
    let lag = ctx.seen_app.take(&ns, &name);
    ctx.reporter.report(KonnectorEvent::Synced {
        binding: ctx.binding.clone(),
        object: ctx.key(&ns, &name),
        direction: Direction::AppToControlPlane,
        action: SyncAction::Written,
        lag,
    });
    Ok(Action::await_change())
}

async fn add_finalizer(obj: &Cached, ns: &str, name: &str, ctx: &KindCtx) -> Result<(), SyncError> {
    let op = if obj.metadata.finalizers.is_none() {
        json!([{"op": "add", "path": "/metadata/finalizers", "value": [FINALIZER_SYNCER]}])
    } else {
        json!([{"op": "add", "path": "/metadata/finalizers/-", "value": FINALIZER_SYNCER}])
    };
    let patch: json_patch::Patch =
        serde_json::from_value(op).map_err(|e| SyncError::Refused(e.to_string()))?;
    ctx.app_api(ns)
        .patch(name, &PatchParams::default(), &Patch::Json::<()>(patch))
        .await
        .map(|_| ())
        .map_err(kube_err(format!(
            "adding finalizer {FINALIZER_SYNCER} to {} {ns}/{name} in the App Cluster",
            ctx.ar.kind
        )))
}

/// Remove our finalizer (a JSON patch that tests the list it changes).
pub async fn remove_finalizer<K: kube::Resource>(
    api: &Api<DynamicObject>,
    obj: &K,
    what: &str,
) -> Result<(), SyncError> {
    let finalizers = obj.finalizers().to_vec();
    let Some(index) = finalizers.iter().position(|f| f == FINALIZER_SYNCER) else {
        return Ok(());
    };
    let patch: json_patch::Patch = serde_json::from_value(json!([
        {"op": "test", "path": format!("/metadata/finalizers/{index}"), "value": FINALIZER_SYNCER},
        {"op": "remove", "path": format!("/metadata/finalizers/{index}")},
    ]))
    .map_err(|e| SyncError::Refused(e.to_string()))?;
    match api
        .patch(
            &obj.name_any(),
            &PatchParams::default(),
            &Patch::Json::<()>(patch),
        )
        .await
    {
        Ok(_) => Ok(()),
        Err(e) if is_not_found(&e) => Ok(()),
        Err(e) => Err(kube_err(format!(
            "removing finalizer {FINALIZER_SYNCER} from {what}"
        ))(e)),
    }
}

async fn delete(obj: &Cached, ns: &str, name: &str, ctx: &KindCtx) -> Result<Action, SyncError> {
    if !obj.finalizers().iter().any(|f| f == FINALIZER_SYNCER) {
        return Ok(Action::await_change());
    }
    let what = format!("{} {ns}/{name} in the App Cluster", ctx.ar.kind);
    let report = |action| {
        ctx.reporter.report(KonnectorEvent::Synced {
            binding: ctx.binding.clone(),
            object: ctx.key(ns, name),
            direction: Direction::AppToControlPlane,
            action,
            lag: ctx.seen_app.take(ns, name),
        })
    };
    if unbinding(ctx).await? {
        remove_finalizer(&ctx.app_api(ns), obj, &what).await?;
        tracing::info!(%what, "konnector: released (its CRD or binding is going; the Control Plane copy stays)");
        report(SyncAction::Released);
        return Ok(Action::await_change());
    }
    let cp_ns = match ctx.namespaces.mapping().to_cp.get(ns) {
        Some(cp_ns) => Some(cp_ns.clone()),
        None if ctx.namespaces.exists_on_control_plane(ns).await? => {
            // Mapped on the Control Plane but not yet seen here: wait for the mapping.
            return Ok(Action::requeue(std::time::Duration::from_millis(500)));
        }
        None => None,
    };
    if let Some(cp_ns) = cp_ns {
        let api = ctx.cp_api(&cp_ns);
        let current = api.get_opt(name).await.map_err(kube_err(format!(
            "reading {} {cp_ns}/{name} on the Control Plane",
            ctx.ar.kind
        )))?;
        match current {
            Some(cp) if cp.metadata.deletion_timestamp.is_none() => {
                match api.delete(name, &DeleteParams::background()).await {
                    Ok(_) => {}
                    Err(e) if is_not_found(&e) => {}
                    Err(e) => {
                        return Err(kube_err(format!(
                            "deleting {} {cp_ns}/{name} on the Control Plane",
                            ctx.ar.kind
                        ))(e));
                    }
                }
                // The Control Plane's watch says when it is gone.
                return Ok(Action::await_change());
            }
            Some(_) => return Ok(Action::await_change()),
            None => {}
        }
    }
    remove_finalizer(&ctx.app_api(ns), obj, &what).await?;
    report(SyncAction::Deleted);
    Ok(Action::await_change())
}

/// Whether the kind's CRD or its binding is going (or gone): then App objects are released,
/// never deleted on the Control Plane.
pub async fn unbinding(ctx: &KindCtx) -> Result<bool, SyncError> {
    let crd = Api::<CustomResourceDefinition>::all(ctx.app.clone())
        .get_opt(&ctx.binding)
        .await
        .map_err(kube_err(format!(
            "reading CRD {} in the App Cluster",
            ctx.binding
        )))?;
    if crd.is_none_or(|c| c.metadata.deletion_timestamp.is_some()) {
        return Ok(true);
    }
    let binding = Api::<APIServiceBinding>::namespaced(ctx.app.clone(), &ctx.binding_namespace)
        .get_opt(&ctx.binding)
        .await
        .map_err(kube_err(format!(
            "reading APIServiceBinding {} in the App Cluster",
            ctx.binding
        )))?;
    Ok(binding.is_none_or(|b| b.metadata.deletion_timestamp.is_some()))
}

/// The Control Plane object the App object asks for: its spec, labels and annotations (less
/// ours and kubectl's), marked as bound.
fn desired(obj: &Cached, cp_ns: &str, ctx: &KindCtx) -> Value {
    let mut annotations: BTreeMap<String, String> = obj
        .annotations()
        .iter()
        .filter(|(k, _)| copied_annotation(k))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    annotations.insert(ANNOTATION_BOUND.to_owned(), "true".to_owned());
    let mut out = json!({
        "apiVersion": ctx.ar.api_version,
        "kind": ctx.ar.kind,
        "metadata": {
            "name": obj.name_any(),
            "namespace": cp_ns,
            "annotations": annotations,
        },
    });
    if !obj.labels().is_empty() {
        out["metadata"]["labels"] = json!(obj.labels());
    }
    if let Some(spec) = obj.spec() {
        out["spec"] = spec;
    }
    out
}

/// Whether a Control Plane spec carries everything the App spec asks for (objects key by key,
/// anything else equal): what "in sync" means for a spec, where others may add fields.
pub fn contains(have: &Value, want: &Value) -> bool {
    match (have, want) {
        (Value::Object(h), Value::Object(w)) => w
            .iter()
            .all(|(k, wv)| h.get(k).is_some_and(|hv| contains(hv, wv))),
        _ => have == want,
    }
}

/// Whether the Control Plane object differs from what the App side asks for.
fn needs_apply(current: Option<&Cached>, desired: &Value) -> bool {
    let Some(current) = current else {
        return true;
    };
    // Fields others set on the Control Plane (the provider's `resourceRef`) are theirs; only
    // what we apply must match, and what we applied before must still be asked for.
    let (have, want) = (current.spec(), desired.get("spec"));
    if !want.is_none_or(|w| have.as_ref().is_some_and(|h| contains(h, w))) {
        return true;
    }
    let want_spec: Vec<&String> = want
        .and_then(Value::as_object)
        .map(|w| w.keys().collect())
        .unwrap_or_default();
    if current.owned.spec.iter().any(|k| !want_spec.contains(&k)) {
        return true;
    }
    for (field, have, owned) in [
        ("labels", current.labels(), &current.owned.labels),
        (
            "annotations",
            current.annotations(),
            &current.owned.annotations,
        ),
    ] {
        let want = desired["metadata"][field].as_object();
        let want_keys: Vec<&String> = want.map(|w| w.keys().collect()).unwrap_or_default();
        if let Some(want) = want
            && want
                .iter()
                .any(|(k, v)| have.get(k).map(String::as_str) != v.as_str())
        {
            return true;
        }
        if owned.iter().any(|k| !want_keys.contains(&k)) {
            return true;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Map;
    fn cp(spec: Value, labels: &[(&str, &str)], owned_labels: &[&str]) -> Cached {
        let labels: Map<String, Value> = labels
            .iter()
            .map(|(k, v)| (k.to_string(), json!(v)))
            .collect();
        let owned: Map<String, Value> = owned_labels
            .iter()
            .map(|k| (format!("f:{k}"), json!({})))
            .collect();
        serde_json::from_value(json!({
            "apiVersion": "anynines.com/v1", "kind": "PostgresqlInstance",
            "metadata": {"name": "db", "namespace": "cluster-x-default",
                "labels": labels,
                "annotations": {ANNOTATION_BOUND: "true"},
                "managedFields": [{"manager": FIELD_MANAGER, "operation": "Apply",
                    "fieldsType": "FieldsV1",
                    "fieldsV1": {"f:metadata": {"f:labels": owned,
                        "f:annotations": {format!("f:{ANNOTATION_BOUND}"): {}}}}}]},
            "spec": spec,
        }))
        .unwrap()
    }

    fn want(spec: Value, labels: &[(&str, &str)]) -> Value {
        let mut v = json!({"metadata": {"annotations": {ANNOTATION_BOUND: "true"}}, "spec": spec});
        if !labels.is_empty() {
            let l: Map<String, Value> = labels
                .iter()
                .map(|(k, v)| (k.to_string(), json!(v)))
                .collect();
            v["metadata"]["labels"] = Value::Object(l);
        }
        v
    }

    #[test]
    fn apply_only_when_spec_or_owned_metadata_differ() {
        let spec = json!({"plan": "small"});
        assert!(needs_apply(None, &want(spec.clone(), &[])));
        let same = cp(spec.clone(), &[("team", "a")], &["team"]);
        assert!(!needs_apply(
            Some(&same),
            &want(spec.clone(), &[("team", "a")])
        ));
        // Spec changed on the Control Plane: put back.
        assert!(needs_apply(
            Some(&same),
            &want(json!({"plan": "big"}), &[("team", "a")])
        ));
        // A label changed in the App Cluster.
        assert!(needs_apply(
            Some(&same),
            &want(spec.clone(), &[("team", "b")])
        ));
        // A label removed in the App Cluster that we had applied.
        assert!(needs_apply(Some(&same), &want(spec.clone(), &[])));
        // A label someone else set on the Control Plane is none of ours; so is a field of
        // the spec the provider added.
        let foreign = cp(spec.clone(), &[("provider", "x")], &[]);
        assert!(!needs_apply(Some(&foreign), &want(spec.clone(), &[])));
        let provider = cp(
            json!({"plan": "small", "resourceRef": {"name": "x"}}),
            &[],
            &[],
        );
        assert!(!needs_apply(Some(&provider), &want(spec, &[])));
    }

    #[test]
    fn our_annotations_and_kubectls_stay_home() {
        assert!(copied_annotation("team.example.com/owner"));
        assert!(!copied_annotation(ANNOTATION_BOUND));
        assert!(!copied_annotation(
            "kubectl.kubernetes.io/last-applied-configuration"
        ));
    }
}
