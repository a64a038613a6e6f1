//! APIServiceExport kept in sync with its CRD: the CRD gone → the export is
//! deleted; the CRD changed (hash annotation differs) → spec and annotation are
//! rewritten; otherwise `ProviderInSync=True`. CRD events wake the exports named
//! after them.

use std::sync::Arc;

use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use klutch::bind::names::ANNOTATION_SOURCE_SPEC_HASH;
use klutch::bind::{
    APIServiceExport, Condition, ConditionSeverity, condition_types, export_spec_from_crd,
    set_condition,
};
use kube::api::{Api, DeleteParams, Patch, PatchParams};
use kube::runtime::controller::{Action, Controller};
use kube::runtime::reflector::ObjectRef;
use kube::runtime::watcher;
use kube::{Resource, ResourceExt};
use serde_json::json;
use tokio_util::sync::CancellationToken;

use super::{Ctx, ReconcileError, drain, error_policy, kube_err};
use crate::backend::spec_hash;

pub async fn run(ctx: Arc<Ctx>, stop: CancellationToken) {
    let api = Api::<APIServiceExport>::all(ctx.client.clone());
    let controller = Controller::new(api, watcher::Config::default());
    let exports = controller.store();
    let controller = controller.watches(
        Api::<CustomResourceDefinition>::all(ctx.client.clone()),
        watcher::Config::default(),
        move |crd| {
            let name = crd.name_any();
            exports
                .state()
                .into_iter()
                .filter(move |e| e.name_any() == name)
                .map(|e| ObjectRef::from_obj(e.as_ref()))
                .collect::<Vec<_>>()
        },
    );
    let store = controller.store();
    let results = controller
        .graceful_shutdown_on(stop.clone().cancelled_owned())
        .run(reconcile, error_policy, ctx);
    drain("exports", results, store, stop).await;
}

async fn reconcile(export: Arc<APIServiceExport>, ctx: Arc<Ctx>) -> Result<Action, ReconcileError> {
    if export.meta().deletion_timestamp.is_some() {
        return Ok(Action::await_change());
    }
    let ns = export.namespace().unwrap_or_default();
    let name = export.name_any();
    let api = Api::<APIServiceExport>::namespaced(ctx.client.clone(), &ns);
    let crd = Api::<CustomResourceDefinition>::all(ctx.client.clone())
        .get_opt(&name)
        .await
        .map_err(kube_err(format!("reading CRD {name}")))?;
    let Some(crd) = crd else {
        tracing::info!(namespace = %ns, export = %name, "bind backend: CRD gone, deleting its export");
        match api.delete(&name, &DeleteParams::default()).await {
            Ok(_) => {}
            Err(kube::Error::Api(e)) if e.code == 404 => {}
            Err(e) => {
                return Err(kube_err(format!("deleting APIServiceExport {ns}/{name}"))(
                    e,
                ));
            }
        }
        return Ok(Action::await_change());
    };
    let now = ctx.now();
    let in_sync = match export_spec_from_crd(
        &crd,
        export.spec.permission_claims.clone(),
        export.spec.informer_scope,
    ) {
        Ok(mut desired) => {
            desired.cluster_scoped_isolation = export
                .spec
                .cluster_scoped_isolation
                .or(desired.cluster_scoped_isolation);
            let hash = spec_hash(&desired);
            let current = export.annotations().get(ANNOTATION_SOURCE_SPEC_HASH);
            if current != Some(&hash) || !klutch::bind::same_crd_snapshot(&desired, &export.spec) {
                api.patch(
                    &name,
                    &PatchParams::default(),
                    &Patch::Merge(json!({
                        "metadata": {"annotations": {ANNOTATION_SOURCE_SPEC_HASH: hash}},
                        "spec": {"group": desired.group, "names": desired.names,
                            "scope": desired.scope, "versions": desired.versions},
                    })),
                )
                .await
                .map_err(kube_err(format!("updating APIServiceExport {ns}/{name}")))?;
                tracing::info!(namespace = %ns, export = %name, "bind backend: export updated from its CRD");
            }
            Condition::true_(condition_types::PROVIDER_IN_SYNC, now.clone())
        }
        Err(e) => Condition::false_(
            condition_types::PROVIDER_IN_SYNC,
            ConditionSeverity::Error,
            "CRDInvalid",
            e.to_string(),
            now.clone(),
        ),
    };
    let mut conditions = export
        .status
        .as_ref()
        .and_then(|s| s.conditions.clone())
        .unwrap_or_default();
    let mut changed = set_condition(&mut conditions, in_sync);
    let ready = super::summary(&conditions, now);
    changed |= set_condition(&mut conditions, ready);
    if changed {
        api.patch_status(
            &name,
            &PatchParams::default(),
            &Patch::Merge(json!({"status": {"conditions": conditions}})),
        )
        .await
        .map_err(kube_err(format!(
            "writing the status of APIServiceExport {ns}/{name}"
        )))?;
    }
    Ok(Action::await_change())
}
