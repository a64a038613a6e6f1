//! APIServiceNamespace `<consumerNs>` in cluster namespace `<clusterNs>` → the
//! Control Plane namespace `<clusterNs>-<consumerNs>`, annotated
//! `klutch.anynines.com/api-service-namespace: <clusterNs>/<consumerNs>`, with a
//! RoleBinding `klutch-binder` → ClusterRole `klutch-binder-<clusterNs>`, and
//! `status.namespace` set. Deleting the APIServiceNamespace deletes that
//! namespace (through a finalizer: a namespace cannot be owned by a namespaced
//! object).

use std::sync::Arc;

use k8s_openapi::api::core::v1::Namespace;
use klutch::bind::APIServiceNamespace;
use klutch::bind::names::{ANNOTATION_API_SERVICE_NAMESPACE, FINALIZER_NAMESPACE_CLEANUP};
use kube::ResourceExt;
use kube::api::{Api, DeleteParams, Patch, PatchParams};
use kube::runtime::controller::{Action, Controller};
use kube::runtime::finalizer::{Event, finalizer};
use kube::runtime::watcher;
use serde_json::json;
use tokio_util::sync::CancellationToken;

use super::{Ctx, ReconcileError, drain, error_policy, kube_err};
use crate::backend::MANAGER;
use crate::backend::rbac;

pub async fn run(ctx: Arc<Ctx>, stop: CancellationToken) {
    let api = Api::<APIServiceNamespace>::all(ctx.client.clone());
    let controller = Controller::new(api, watcher::Config::default());
    let store = controller.store();
    let results = controller
        .graceful_shutdown_on(stop.clone().cancelled_owned())
        .run(reconcile, error_policy, ctx);
    drain("apiservicenamespaces", results, store, stop).await;
}

/// The Control Plane namespace of consumer namespace `name` of cluster `cluster_ns`.
pub fn target_namespace(cluster_ns: &str, name: &str) -> String {
    format!("{cluster_ns}-{name}")
}

async fn reconcile(
    object: Arc<APIServiceNamespace>,
    ctx: Arc<Ctx>,
) -> Result<Action, ReconcileError> {
    let cluster_ns = object.namespace().unwrap_or_default();
    let api = Api::<APIServiceNamespace>::namespaced(ctx.client.clone(), &cluster_ns);
    finalizer(&api, FINALIZER_NAMESPACE_CLEANUP, object, |event| async {
        match event {
            Event::Apply(o) => apply(&ctx, &cluster_ns, &o).await,
            Event::Cleanup(o) => cleanup(&ctx, &cluster_ns, &o).await,
        }
    })
    .await
    .map_err(|e| match e {
        kube::runtime::finalizer::Error::ApplyFailed(e)
        | kube::runtime::finalizer::Error::CleanupFailed(e) => e,
        other => ReconcileError::Finalizer(format!(
            "finalizer {FINALIZER_NAMESPACE_CLEANUP} of an APIServiceNamespace in {cluster_ns}: {other}"
        )),
    })
}

async fn apply(
    ctx: &Ctx,
    cluster_ns: &str,
    object: &APIServiceNamespace,
) -> Result<Action, ReconcileError> {
    let name = object.name_any();
    let target = target_namespace(cluster_ns, &name);
    let namespaces = Api::<Namespace>::all(ctx.client.clone());
    namespaces
        .patch(
            &target,
            &PatchParams::apply(MANAGER).force(),
            &Patch::Apply(json!({"apiVersion": "v1", "kind": "Namespace",
                "metadata": {"name": target,
                    "annotations": {ANNOTATION_API_SERVICE_NAMESPACE: format!("{cluster_ns}/{name}")}}})),
        )
        .await
        .map_err(kube_err(format!("applying namespace {target}")))?;
    rbac::apply(
        &ctx.client,
        &rbac::role_bindings(),
        Some(&target),
        rbac::role_binding(&target, &rbac::cluster_role_name(cluster_ns), cluster_ns),
    )
    .await
    .map_err(kube_err(format!(
        "applying RoleBinding {target}/klutch-binder"
    )))?;
    if object.status.as_ref().and_then(|s| s.namespace.as_deref()) != Some(target.as_str()) {
        Api::<APIServiceNamespace>::namespaced(ctx.client.clone(), cluster_ns)
            .patch_status(
                &name,
                &PatchParams::default(),
                &Patch::Merge(json!({"status": {"namespace": target}})),
            )
            .await
            .map_err(kube_err(format!(
                "writing the status of APIServiceNamespace {cluster_ns}/{name}"
            )))?;
        tracing::info!(%cluster_ns, %name, %target, "bind backend: consumer namespace bound");
    }
    Ok(Action::await_change())
}

async fn cleanup(
    ctx: &Ctx,
    cluster_ns: &str,
    object: &APIServiceNamespace,
) -> Result<Action, ReconcileError> {
    let target = target_namespace(cluster_ns, &object.name_any());
    match Api::<Namespace>::all(ctx.client.clone())
        .delete(&target, &DeleteParams::default())
        .await
    {
        Ok(_) => {
            tracing::info!(%target, "bind backend: consumer namespace deleted");
            Ok(Action::await_change())
        }
        Err(kube::Error::Api(e)) if e.code == 404 => Ok(Action::await_change()),
        Err(e) => Err(kube_err(format!("deleting namespace {target}"))(e)),
    }
}
