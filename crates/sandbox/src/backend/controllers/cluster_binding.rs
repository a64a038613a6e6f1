//! ClusterBinding → the RBAC of its cluster namespace: RoleBinding
//! `klutch-binder` → ClusterRole `klutch-binder`, and ClusterRole
//! `klutch-binder-<clusterNs>` with every verb on the exported resources and the
//! claimed ones (bound per consumer namespace by the API service namespace
//! controller). The ClusterRole is owned by the cluster Namespace, so deleting
//! the namespace removes it. Export events wake the ClusterBinding of their
//! namespace.

use std::sync::Arc;

use k8s_openapi::api::core::v1::Namespace;
use klutch::bind::names::CLUSTER_BINDING_NAME;
use klutch::bind::{APIServiceExport, ClusterBinding};
use kube::api::{Api, ListParams};
use kube::runtime::controller::{Action, Controller};
use kube::runtime::reflector::ObjectRef;
use kube::runtime::watcher;
use kube::{Resource, ResourceExt};
use serde_json::json;
use tokio_util::sync::CancellationToken;

use super::{Ctx, ReconcileError, drain, error_policy, kube_err};
use crate::backend::rbac;

pub async fn run(ctx: Arc<Ctx>, stop: CancellationToken) {
    let api = Api::<ClusterBinding>::all(ctx.client.clone());
    let controller = Controller::new(api, watcher::Config::default())
        .watches(
            Api::<APIServiceExport>::all(ctx.client.clone()),
            watcher::Config::default(),
            |export| {
                export
                    .namespace()
                    .map(|ns| ObjectRef::<ClusterBinding>::new(CLUSTER_BINDING_NAME).within(&ns))
            },
        )
        .graceful_shutdown_on(stop.cancelled_owned())
        .run(reconcile, error_policy, ctx);
    drain(controller, "clusterbindings").await;
}

async fn reconcile(binding: Arc<ClusterBinding>, ctx: Arc<Ctx>) -> Result<Action, ReconcileError> {
    if binding.meta().deletion_timestamp.is_some() || binding.name_any() != CLUSTER_BINDING_NAME {
        return Ok(Action::await_change());
    }
    let ns = binding.namespace().unwrap_or_default();
    let Some(namespace) = Api::<Namespace>::all(ctx.client.clone())
        .get_opt(&ns)
        .await
        .map_err(kube_err(format!("reading namespace {ns}")))?
    else {
        return Ok(Action::await_change());
    };
    if namespace.metadata.deletion_timestamp.is_some() {
        return Ok(Action::await_change());
    }
    rbac::apply_binder_role_binding(&ctx.client, &ns)
        .await
        .map_err(kube_err(format!("applying RoleBinding {ns}/klutch-binder")))?;
    let exports = Api::<APIServiceExport>::namespaced(ctx.client.clone(), &ns)
        .list(&ListParams::default())
        .await
        .map_err(kube_err(format!("listing APIServiceExports in {ns}")))?;
    let role = rbac::cluster_role_name(&ns);
    let owner = json!({"apiVersion": "v1", "kind": "Namespace", "name": ns,
        "uid": namespace.metadata.uid.unwrap_or_default(), "blockOwnerDeletion": true});
    rbac::apply(
        &ctx.client,
        &rbac::cluster_roles(),
        None,
        json!({
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "ClusterRole",
            "metadata": {"name": role, "ownerReferences": [owner]},
            "rules": rbac::export_rules(&exports.items),
        }),
    )
    .await
    .map_err(kube_err(format!("applying ClusterRole {role}")))?;
    Ok(Action::await_change())
}
