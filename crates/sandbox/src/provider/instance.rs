//! Data service instances (all eight kinds), as provider-anynines drives its ServiceInstance
//! managed resources (claims.md §7 "Instance"): the transient "Internal error in provider"
//! after creation, the pending provision (`deploying`, `Unavailable`), `provisioned` and
//! `Available`; a plan or parameter change runs an update the same way; a failed operation
//! leaves `failed` until the spec changes again; deletion shows `deleting` until the
//! deprovisioning is done. The a8s PostgreSQL flavour is Ready as soon as its object is
//! applied; its progress shows only in `status.managed.clusterStatus`/`readyReplicas`.

use super::claim::{Claim, crossplane_spec};
use super::context::KindCtx;
use super::crossplane::{Flavour, stable_hex};
use super::faults::{FAIL_NEXT_ANNOTATION, Fault};
use super::status::{self, Cond, Doc, INTERNAL_ERROR, Step};
use super::{APPLIED_SPEC_ANNOTATION, ProviderError, Result};
use jiff::Timestamp;
use klutch::claims::DataService;
use kube::api::DynamicObject;
use kube::runtime::controller::Action;
use serde_json::{Map, Value, json};
use std::time::Duration;

/// Shares of the provisioning delay: the transient error after creation, the broker
/// operation (provision or update), deprovisioning.
const BLIP: f64 = 0.1;
const OPERATION: f64 = 0.9;
const DEPROVISION: f64 = 0.3;

/// How soon to look again when a step is due but nothing was written (no event will come).
const AGAIN: Duration = Duration::from_millis(50);

/// What to do after a transition: wait `after`, or — when the next step is due at once and
/// this reconciliation wrote — for the write's own watch event.
pub fn next(wrote: bool, after: Duration) -> Action {
    match (after.is_zero(), wrote) {
        (true, true) => Action::await_change(),
        (true, false) => Action::requeue(AGAIN),
        (false, _) => Action::requeue(after),
    }
}

/// The fields the broker is asked to apply, hashed: a change means an update.
pub fn spec_hash(claim: &Claim) -> String {
    let wanted = json!({
        "service": claim.spec("service"),
        "plan": claim.spec("plan"),
        "parameters": claim.spec("parameters"),
        "expose": claim.spec("expose"),
    });
    stable_hex(&wanted.to_string(), 16)
}

/// Whether an instance claim is usable (bindings, backups): Ready.
pub fn is_ready(obj: &DynamicObject) -> bool {
    obj.data["status"]["conditions"]
        .as_array()
        .is_some_and(|cs| {
            cs.iter()
                .any(|c| c["type"] == "Ready" && c["status"] == "True")
        })
}

/// Replicas of a plan: clusters and replica sets have three nodes.
pub fn nodes(plan: &str) -> usize {
    if plan.contains("-replica-") || plan.contains("-cluster-") {
        3
    } else {
        1
    }
}

pub async fn apply(ctx: &KindCtx, _ds: DataService, obj: &DynamicObject) -> Result<Action> {
    let mut claim = Claim::new(&ctx.shared, &ctx.ar, ctx.kind, obj)?;
    let desired = spec_hash(&claim);
    let mut patch = crossplane_spec(&claim).unwrap_or_else(|| json!({}));
    if claim.annotation(APPLIED_SPEC_ANNOTATION).is_none() {
        patch["metadata"]["annotations"][APPLIED_SPEC_ANNOTATION] = json!(desired);
    }
    if patch != json!({}) {
        claim.patch(patch).await?;
    }
    match claim.flavour() {
        Flavour::A9s => a9s(ctx, claim, &desired).await,
        Flavour::A8s => a8s(ctx, claim, &desired).await,
    }
}

/// `status.managed` without its conditions, with `fields` set.
fn managed_with(claim: &Claim, fields: &[(&str, Value)]) -> Map<String, Value> {
    let mut m = claim
        .status()
        .get("managed")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    m.remove("conditions");
    for (k, v) in fields {
        m.insert(k.to_string(), v.clone());
    }
    m
}

/// Take an injected failure off the claim: the annotation fires once.
pub async fn consume(claim: &mut Claim, fault: &Fault) -> Result<()> {
    if fault.from_annotation {
        claim.remove_annotation(FAIL_NEXT_ANNOTATION).await?;
    }
    Ok(())
}

async fn a9s(ctx: &KindCtx, mut claim: Claim, desired: &str) -> Result<Action> {
    let shared = &ctx.shared;
    let now = Timestamp::now();
    let blip = shared.delay_share(BLIP);
    let operation = shared.delay_share(OPERATION);
    let state = claim.managed_str("state").map(str::to_owned);
    match state.as_deref() {
        None if !shared.delay.is_zero() => {
            let blip_at = status::transition(claim.managed("conditions"), "Synced");
            if blip_at.is_none() {
                // The first observe generates the instance id and errors once.
                let doc = Doc::waiting(
                    vec![Cond::reconcile_error(Step::Observe, INTERNAL_ERROR)],
                    Map::new(),
                );
                let wrote = claim.write_status(doc.render(claim.status(), now)).await?;
                return Ok(next(wrote, blip));
            }
            if let Some(left) = status::remaining(blip_at, blip, now) {
                return Ok(Action::requeue(left));
            }
            // Provisioning accepted by the broker: an operation is pending.
            let t = json!(status::millis(now));
            let managed = managed_with(
                &claim,
                &[
                    ("state", json!("deploying")),
                    ("createdAt", t.clone()),
                    ("updatedAt", t),
                ],
            );
            let doc = Doc::waiting(vec![Cond::unavailable(), Cond::synced()], managed);
            let wrote = claim.write_status(doc.render(claim.status(), now)).await?;
            Ok(next(wrote, operation))
        }
        None => finish(ctx, claim, now).await,
        Some("deploying") => {
            let since = status::parse(claim.managed("updatedAt"));
            if let Some(left) = status::remaining(since, operation, now) {
                return Ok(Action::requeue(left));
            }
            finish(ctx, claim, now).await
        }
        Some("provisioned" | "failed")
            if claim.annotation(APPLIED_SPEC_ANNOTATION) != Some(desired) =>
        {
            // A plan or parameter change: the broker updates the instance.
            claim
                .patch(json!({"metadata": {"annotations": {APPLIED_SPEC_ANNOTATION: desired}}}))
                .await?;
            let managed = managed_with(
                &claim,
                &[
                    ("state", json!("deploying")),
                    ("updatedAt", json!(status::millis(now))),
                ],
            );
            let doc = Doc::waiting(vec![Cond::unavailable(), Cond::synced()], managed);
            let wrote = claim.write_status(doc.render(claim.status(), now)).await?;
            Ok(next(wrote, operation))
        }
        Some(_) => Ok(Action::await_change()),
    }
}

/// The broker operation is over: `provisioned`, or `failed` when a failure is injected.
async fn finish(ctx: &KindCtx, mut claim: Claim, now: Timestamp) -> Result<Action> {
    let t = json!(status::millis(now));
    let created = claim.managed("createdAt").cloned().unwrap_or(t.clone());
    let doc = match ctx.shared.faults.draw(&claim.obj) {
        Some(fault) => {
            consume(&mut claim, &fault).await?;
            tracing::info!(
                claim = claim.name(),
                namespace = claim.namespace(),
                "injected instance failure"
            );
            let managed = managed_with(
                &claim,
                &[
                    ("state", json!("failed")),
                    ("createdAt", created),
                    ("updatedAt", t),
                ],
            );
            Doc::waiting(
                vec![
                    Cond::unavailable(),
                    Cond::reconcile_error(Step::Observe, &fault.message),
                ],
                managed,
            )
        }
        None => {
            let provisioned = claim.managed("provisionedAt").cloned().unwrap_or(t.clone());
            let managed = managed_with(
                &claim,
                &[
                    ("state", json!("provisioned")),
                    ("createdAt", created),
                    ("provisionedAt", provisioned),
                    ("updatedAt", t),
                ],
            );
            Doc {
                claim: vec![Cond::synced(), Cond::available()],
                managed,
                mr: Some(vec![Cond::available(), Cond::synced()]),
            }
        }
    };
    claim.write_status(doc.render(claim.status(), now)).await?;
    Ok(Action::await_change())
}

/// a8s: the provider-kubernetes Object is Ready once applied; the Postgresql object's own
/// status follows.
async fn a8s(ctx: &KindCtx, mut claim: Claim, desired: &str) -> Result<Action> {
    let shared = &ctx.shared;
    let now = Timestamp::now();
    let replicas = nodes(claim.spec_str("plan").unwrap_or_default());
    let applied_at = status::transition(claim.status().get("conditions"), "Ready");
    let ready = is_ready(&claim.obj);
    let cluster = claim.managed_str("clusterStatus").map(str::to_owned);
    let running = |replicas: usize| {
        let mut m = Map::new();
        m.insert("clusterStatus".into(), json!("Running"));
        m.insert("readyReplicas".into(), json!(replicas));
        m
    };
    let available = |managed| Doc {
        claim: vec![Cond::synced(), Cond::available()],
        managed,
        mr: None,
    };
    if claim.annotation(APPLIED_SPEC_ANNOTATION) != Some(desired) {
        claim
            .patch(json!({"metadata": {"annotations": {APPLIED_SPEC_ANNOTATION: desired}}}))
            .await?;
    }
    if !ready && !shared.delay.is_zero() {
        if applied_at.is_none() {
            let doc = Doc {
                claim: vec![Cond::synced(), Cond::waiting()],
                managed: Map::new(),
                mr: None,
            };
            let wrote = claim.write_status(doc.render(claim.status(), now)).await?;
            return Ok(next(wrote, shared.delay_share(BLIP)));
        }
        if let Some(left) = status::remaining(applied_at, shared.delay_share(BLIP), now) {
            return Ok(Action::requeue(left));
        }
        let mut managed = Map::new();
        managed.insert("clusterStatus".into(), json!("Provisioning"));
        managed.insert("readyReplicas".into(), json!(0));
        let wrote = claim
            .write_status(available(managed).render(claim.status(), now))
            .await?;
        return Ok(next(wrote, shared.delay_share(OPERATION)));
    }
    match (ready, cluster.as_deref()) {
        (true, Some("Running")) => {
            // A plan change scales the cluster.
            claim
                .write_status(available(running(replicas)).render(claim.status(), now))
                .await?;
            Ok(Action::await_change())
        }
        (true, Some("Failed")) => Ok(Action::await_change()),
        _ => {
            if ready
                && let Some(left) =
                    status::remaining(applied_at, shared.delay_share(OPERATION), now)
            {
                return Ok(Action::requeue(left));
            }
            let managed = match shared.faults.draw(&claim.obj) {
                Some(fault) => {
                    consume(&mut claim, &fault).await?;
                    a8s_failed()
                }
                None => running(replicas),
            };
            claim
                .write_status(available(managed).render(claim.status(), now))
                .await?;
            Ok(Action::await_change())
        }
    }
}

fn a8s_failed() -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("clusterStatus".into(), json!("Failed"));
    m.insert("readyReplicas".into(), json!(0));
    m
}

/// Deprovisioning: `Deleting` (and state `deleting`) until it is done, then the finalizer goes.
pub async fn cleanup(ctx: &KindCtx, _ds: DataService, obj: &DynamicObject) -> Result<Action> {
    let mut claim = Claim::new(&ctx.shared, &ctx.ar, ctx.kind, obj)?;
    let takes = ctx.shared.delay_share(DEPROVISION);
    if takes.is_zero() {
        return Ok(Action::await_change());
    }
    let now = Timestamp::now();
    let doc = match claim.flavour() {
        Flavour::A9s => Doc {
            claim: vec![Cond::synced(), Cond::deleting()],
            managed: managed_with(&claim, &[("state", json!("deleting"))]),
            mr: Some(vec![Cond::deleting(), Cond::synced()]),
        },
        Flavour::A8s => Doc {
            claim: vec![Cond::synced(), Cond::deleting()],
            managed: managed_with(&claim, &[]),
            mr: None,
        },
    };
    claim.write_status(doc.render(claim.status(), now)).await?;
    match status::remaining(claim.deletion_time(), takes, now) {
        Some(left) => Err(ProviderError::Pending(Some(left))),
        None => Ok(Action::await_change()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plans_and_nodes() {
        assert_eq!(nodes("postgresql-single-nano"), 1);
        assert_eq!(nodes("postgresql-replica-small-ssl"), 3);
        assert_eq!(nodes("mariadb-cluster-big"), 3);
        assert_eq!(nodes("prometheus-single-small"), 1);
    }

    #[test]
    fn next_waits_for_events_only_after_writes() {
        assert_eq!(next(true, Duration::ZERO), Action::await_change());
        assert_eq!(next(false, Duration::ZERO), Action::requeue(AGAIN));
        assert_eq!(
            next(true, Duration::from_secs(2)),
            Action::requeue(Duration::from_secs(2))
        );
    }
}
