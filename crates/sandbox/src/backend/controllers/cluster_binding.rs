//! ClusterBinding → the RBAC of its cluster namespace: RoleBinding
//! `klutch-binder` → ClusterRole `klutch-binder`, and ClusterRole
//! `klutch-binder-<clusterNs>` with every verb on the exported resources and the
//! claimed ones (bound per consumer namespace by the API service namespace
//! controller). The ClusterRole is owned by the cluster Namespace, so deleting
//! the namespace removes it. Export events wake the ClusterBinding of their
//! namespace. Status: `SecretValid`, `Healthy` from the konnector's heartbeat
//! (without upstream's `HeartbeatTimeDrift` that fires after every beat), `Ready`.

use std::sync::Arc;

use std::time::{Duration, SystemTime};

use k8s_openapi::api::core::v1::{Namespace, Secret};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;
use klutch::bind::names::{CLUSTER_BINDING_NAME, KUBECONFIG_SECRET_KEY};
use klutch::bind::{
    APIServiceExport, ClusterBinding, ClusterBindingStatus, Condition, ConditionSeverity,
    condition_types, set_condition,
};
use kube::api::{Api, ListParams, Patch, PatchParams};
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
    let controller = Controller::new(api, watcher::Config::default()).watches(
        Api::<APIServiceExport>::all(ctx.client.clone()),
        watcher::Config::default(),
        |export| {
            export
                .namespace()
                .map(|ns| ObjectRef::<ClusterBinding>::new(CLUSTER_BINDING_NAME).within(&ns))
        },
    );
    let store = controller.store();
    let results = controller
        .graceful_shutdown_on(stop.clone().cancelled_owned())
        .run(reconcile, error_policy, ctx);
    drain("clusterbindings", results, store, stop).await;
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
    let secret = Api::<Secret>::namespaced(ctx.client.clone(), &ns)
        .get_opt(&binding.spec.kubeconfig_secret_ref.name)
        .await
        .map_err(kube_err(format!(
            "reading the kubeconfig Secret of {ns}/cluster"
        )))?;
    let now = ctx.now();
    let (healthy, recheck) = health(binding.status.as_ref(), ctx.clock.now(), now.clone());
    let mut conditions = binding
        .status
        .as_ref()
        .and_then(|s| s.conditions.clone())
        .unwrap_or_default();
    let mut changed = set_condition(
        &mut conditions,
        secret_valid(&binding, secret.as_ref(), now.clone()),
    );
    changed |= set_condition(&mut conditions, healthy);
    let ready = super::summary(&conditions, now);
    changed |= set_condition(&mut conditions, ready);
    if changed {
        Api::<ClusterBinding>::namespaced(ctx.client.clone(), &ns)
            .patch_status(
                CLUSTER_BINDING_NAME,
                &PatchParams::default(),
                &Patch::Merge(json!({"status": {"conditions": conditions}})),
            )
            .await
            .map_err(kube_err(format!(
                "writing the status of ClusterBinding {ns}/cluster"
            )))?;
    }
    Ok(recheck.map_or_else(Action::await_change, Action::requeue))
}

fn secret_valid(binding: &ClusterBinding, secret: Option<&Secret>, now: Time) -> Condition {
    let name = &binding.spec.kubeconfig_secret_ref.name;
    let has_key = secret.and_then(|s| s.data.as_ref()).is_some_and(|d| {
        d.get(KUBECONFIG_SECRET_KEY)
            .is_some_and(|v| !v.0.is_empty())
    });
    match (secret, has_key) {
        (_, true) => Condition::true_(condition_types::SECRET_VALID, now),
        (None, _) => Condition::false_(
            condition_types::SECRET_VALID,
            ConditionSeverity::Error,
            "KubeconfigSecretNotFound",
            format!("the kubeconfig Secret {name} does not exist; bind again to repair it"),
            now,
        ),
        (Some(_), false) => Condition::false_(
            condition_types::SECRET_VALID,
            ConditionSeverity::Error,
            "KubeconfigSecretInvalid",
            format!(
                "the Secret {name} has no key {KUBECONFIG_SECRET_KEY:?}; bind again to repair it"
            ),
            now,
        ),
    }
}

/// `Healthy` from the heartbeat, and when to look again (the moment it would
/// time out). Messages carry no ages, so that a recheck writes nothing new.
fn health(
    status: Option<&ClusterBindingStatus>,
    clock: SystemTime,
    now: Time,
) -> (Condition, Option<Duration>) {
    let beat = status.and_then(|s| s.last_heartbeat_time.as_ref());
    let interval = status
        .and_then(|s| s.heartbeat_interval.as_deref())
        .and_then(|i| i.parse::<jiff::SignedDuration>().ok())
        .and_then(|d| Duration::try_from(d).ok())
        .filter(|d| !d.is_zero());
    let false_ = |severity, reason: &str, message: &str| {
        Condition::false_(
            condition_types::HEALTHY,
            severity,
            reason,
            message,
            now.clone(),
        )
    };
    let (Some(beat), Some(interval)) = (beat, interval) else {
        return match beat {
            None => (
                false_(
                    ConditionSeverity::Info,
                    "FirstHeartbeatPending",
                    "waiting for the konnector's first heartbeat",
                ),
                None,
            ),
            Some(_) => (
                false_(
                    ConditionSeverity::Warning,
                    "HeartbeatIntervalMissing",
                    "the konnector reports no valid heartbeat interval",
                ),
                None,
            ),
        };
    };
    let age = clock
        .duration_since(SystemTime::from(beat.0))
        .unwrap_or_default();
    let limit = interval * 2;
    if age > limit {
        (
            false_(
                ConditionSeverity::Error,
                "HeartbeatTimeout",
                "no heartbeat from the konnector for more than two intervals",
            ),
            None,
        )
    } else {
        (
            Condition::true_(condition_types::HEALTHY, now.clone()),
            Some(limit - age + Duration::from_secs(1)),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status(
        beat_secs_ago: Option<u64>,
        interval: Option<&str>,
        clock: SystemTime,
    ) -> ClusterBindingStatus {
        ClusterBindingStatus {
            last_heartbeat_time: beat_secs_ago
                .map(|s| Time(jiff::Timestamp::try_from(clock - Duration::from_secs(s)).unwrap())),
            heartbeat_interval: interval.map(str::to_owned),
            ..ClusterBindingStatus::default()
        }
    }

    #[test]
    fn health_follows_the_heartbeat() {
        let clock = SystemTime::now();
        let now = Time(jiff::Timestamp::try_from(clock).unwrap());
        let reason = |s: &ClusterBindingStatus| health(Some(s), clock, now.clone()).0.reason;
        assert_eq!(
            reason(&status(None, None, clock)).as_deref(),
            Some("FirstHeartbeatPending")
        );
        assert_eq!(
            reason(&status(Some(1), None, clock)).as_deref(),
            Some("HeartbeatIntervalMissing")
        );
        assert_eq!(
            reason(&status(Some(601), Some("5m0s"), clock)).as_deref(),
            Some("HeartbeatTimeout")
        );
        // Right after a beat it is simply healthy (no drift warning), and the
        // recheck is due when it would time out.
        let (c, recheck) = health(
            Some(&status(Some(0), Some("5m0s"), clock)),
            clock,
            now.clone(),
        );
        assert!(c.is_true());
        assert_eq!(recheck, Some(Duration::from_secs(601)));
        let (c, _) = health(Some(&status(Some(299), Some("5m"), clock)), clock, now);
        assert!(c.is_true());
    }
}
