//! Backups (claims.md §5, §7 "Backup"): a backup waits while its instance is missing ("data
//! service instance was not found") or not ready ("Internal error in provider", as
//! provider-anynines masks it), then is triggered at the simulated a9s Backup Manager (an id,
//! `queued`, `Creating`), runs, and is `done` (`size`, `finished_at`, `Available`) — or
//! `failed` ("Backup has failed", terminal). What it captured (the instance's service, plan and
//! parameters) is kept in the [`CAPTURED_ANNOTATION`] so that a Restore can report it.
//! Deleting a backup shows it `deleted` until the Backup Manager has removed it.

use super::binding::instance_of;
use super::claim::{Claim, crossplane_spec};
use super::context::{KindCtx, Shared};
use super::credentials::Deployment;
use super::crossplane::Flavour;
use super::instance::{consume, is_ready, nodes};
use super::status::{self, Cond, Doc, INTERNAL_ERROR, Step};
use super::{CAPTURED_ANNOTATION, ProviderError, Result};
use jiff::Timestamp;
use kube::api::DynamicObject;
use kube::runtime::controller::Action;
use serde_json::{Map, Value, json};
use std::time::Duration;

/// Shares of the provisioning delay: queued until, done at, deletion takes.
const QUEUED: f64 = 1.0 / 3.0;
const DONE: f64 = 1.0;
const DELETE: f64 = 0.3;

const NOT_FOUND: &str = "data service instance was not found";

/// Wait this long, or (`None`) for a watch event.
pub fn action(wait: Option<Duration>) -> Action {
    wait.map(Action::requeue)
        .unwrap_or_else(Action::await_change)
}

/// The managed fields without their conditions.
fn managed(claim: &Claim) -> Map<String, Value> {
    let mut m = claim
        .status()
        .get("managed")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    m.remove("conditions");
    m
}

/// A plausible size in bytes for a backup of an instance with this plan.
fn size_for(shared: &Shared, plan: &str) -> u64 {
    let range = if plan.contains("nano") {
        2_000_000..8_000_000
    } else if plan.contains("small") {
        8_000_000..40_000_000
    } else if plan.contains("medium") {
        40_000_000..200_000_000
    } else if plan.contains("big") {
        200_000_000..1_000_000_000
    } else {
        1_000_000..10_000_000
    };
    shared.faults.number(range)
}

pub async fn apply(ctx: &KindCtx, obj: &DynamicObject) -> Result<Action> {
    let mut claim = Claim::new(&ctx.shared, &ctx.ar, ctx.kind, obj)?;
    if let Some(p) = crossplane_spec(&claim) {
        claim.patch(p).await?;
    }
    let now = Timestamp::now();
    let a9s = claim.flavour() == Flavour::A9s;
    let triggered = if a9s {
        claim.managed("id").is_some()
    } else {
        claim.managed("backupID").is_some()
    };
    if !triggered {
        return trigger(ctx, claim, now).await;
    }
    let wait = match a9s {
        true => progress_a9s(ctx, &mut claim, now).await?,
        false => progress_a8s(ctx, &mut claim, now).await?,
    };
    Ok(action(wait))
}

/// Look the instance up and, once it is ready, trigger the backup.
async fn trigger(ctx: &KindCtx, mut claim: Claim, now: Timestamp) -> Result<Action> {
    let shared = &ctx.shared;
    let a9s = claim.flavour() == Flavour::A9s;
    let instance = instance_of(ctx, &claim).await?;
    let problem = match &instance {
        None => Some(NOT_FOUND),
        Some((_, i)) if !is_ready(i) => {
            tracing::debug!(backup = claim.name(), "instance is not ready");
            Some(INTERNAL_ERROR)
        }
        Some(_) => None,
    };
    let (Some((ds, instance)), None) = (instance, problem) else {
        let msg = problem.unwrap_or(NOT_FOUND);
        let doc = Doc::waiting(vec![Cond::reconcile_error(Step::Observe, msg)], Map::new());
        claim.write_status(doc.render(claim.status(), now)).await?;
        return Ok(Action::await_change());
    };
    let spec = &instance.data["spec"];
    let plan = spec["plan"].as_str().unwrap_or_default();
    let dep = Deployment::of_instance(
        ds,
        instance.metadata.uid.as_deref().unwrap_or_default(),
        nodes(plan),
    );
    let captured = json!({
        "instance": instance.metadata.name,
        "kind": ds.instance_kind(),
        "deployment": dep.id,
        "service": spec["service"],
        "plan": plan,
        "parameters": spec.get("parameters").cloned().unwrap_or_else(|| json!({})),
        "capturedAt": status::millis(now),
    });
    claim
        .patch(json!({"metadata": {"annotations": {CAPTURED_ANNOTATION: captured.to_string()}}}))
        .await?;
    let doc = if a9s {
        let mut m = Map::new();
        m.insert("id".into(), json!(shared.faults.number(1000..100_000)));
        m.insert("status".into(), json!("queued"));
        m.insert("triggered_at".into(), json!(status::millis(now)));
        m.insert("downloadable".into(), json!(false));
        Doc::waiting(vec![Cond::creating(), Cond::synced()], m)
    } else {
        let mut m = Map::new();
        m.insert("backupID".into(), json!(shared.faults.uuid()));
        m.insert(
            "podUsedNamespacedName".into(),
            json!(format!(
                "{}/{}-master-0",
                claim.namespace(),
                instance.metadata.name.as_deref().unwrap_or_default()
            )),
        );
        m.insert("podUsedUID".into(), json!(shared.faults.uuid()));
        m.insert("retries".into(), json!(0));
        m.insert("lastObservationTime".into(), json!(status::seconds(now)));
        m.insert(
            "conditions".into(),
            a8s_conditions("False", "BackupInProgress", None, now),
        );
        Doc {
            claim: vec![Cond::synced(), Cond::available()],
            managed: m,
            mr: None,
        }
    };
    claim.write_status(doc.render(claim.status(), now)).await?;
    Ok(Action::await_change())
}

/// queued → running → done or failed.
async fn progress_a9s(
    ctx: &KindCtx,
    claim: &mut Claim,
    now: Timestamp,
) -> Result<Option<Duration>> {
    let shared = &ctx.shared;
    let state = claim.managed_str("status").unwrap_or_default().to_string();
    if state != "queued" && state != "running" {
        return Ok(None);
    }
    let since = status::parse(claim.managed("triggered_at"));
    let done_at = shared.delay_share(DONE);
    if state == "queued" && !shared.delay.is_zero() {
        if let Some(left) = status::remaining(since, shared.delay_share(QUEUED), now) {
            return Ok(Some(left));
        }
        let mut m = managed(claim);
        m.insert("status".into(), json!("running"));
        let doc = Doc::waiting(vec![Cond::creating(), Cond::synced()], m);
        claim.write_status(doc.render(claim.status(), now)).await?;
        return Ok(status::remaining(since, done_at, now));
    }
    if let Some(left) = status::remaining(since, done_at, now) {
        return Ok(Some(left));
    }
    let mut m = managed(claim);
    m.insert("finished_at".into(), json!(status::millis(now)));
    let doc = match shared.faults.draw(&claim.obj) {
        Some(fault) => {
            consume(claim, &fault).await?;
            m.insert("status".into(), json!("failed"));
            m.insert("size".into(), json!(0));
            Doc::waiting(
                vec![
                    Cond::unavailable().with_message("Backup has failed"),
                    Cond::reconcile_error(Step::Observe, &fault.message),
                ],
                m,
            )
        }
        None => {
            let plan = captured(claim)["plan"]
                .as_str()
                .unwrap_or_default()
                .to_string();
            m.insert("status".into(), json!("done"));
            m.insert("size".into(), json!(size_for(shared, &plan)));
            Doc {
                claim: vec![Cond::synced(), Cond::available()],
                managed: m,
                mr: Some(vec![Cond::available(), Cond::synced()]),
            }
        }
    };
    claim.write_status(doc.render(claim.status(), now)).await?;
    Ok(None)
}

/// The a8s Backup object's conditions *(inferred)*.
fn a8s_conditions(status: &str, reason: &str, message: Option<&str>, now: Timestamp) -> Value {
    let mut c = json!({"type": "Complete", "status": status, "reason": reason,
                       "lastTransitionTime": status::seconds(now)});
    if let Some(m) = message {
        c["message"] = json!(m);
    }
    json!([c])
}

async fn progress_a8s(
    ctx: &KindCtx,
    claim: &mut Claim,
    now: Timestamp,
) -> Result<Option<Duration>> {
    let shared = &ctx.shared;
    let complete = claim.managed("conditions").and_then(|c| c.get(0)).cloned();
    if complete
        .as_ref()
        .is_none_or(|c| c["reason"] != "BackupInProgress")
    {
        return Ok(None);
    }
    let since = status::parse(claim.managed("lastObservationTime"));
    if let Some(left) = status::remaining(since, shared.delay_share(DONE), now) {
        return Ok(Some(left));
    }
    let mut m = managed(claim);
    m.insert("lastObservationTime".into(), json!(status::seconds(now)));
    let conditions = match shared.faults.draw(&claim.obj) {
        Some(fault) => {
            consume(claim, &fault).await?;
            m.insert("retries".into(), json!(1));
            a8s_conditions("False", "BackupFailed", Some(&fault.message), now)
        }
        None => a8s_conditions("True", "BackupSucceeded", None, now),
    };
    m.insert("conditions".into(), conditions);
    let doc = Doc {
        claim: vec![Cond::synced(), Cond::available()],
        managed: m,
        mr: None,
    };
    claim.write_status(doc.render(claim.status(), now)).await?;
    Ok(None)
}

/// What a backup captured (its annotation), or `null`.
pub fn captured(claim: &Claim) -> Value {
    claim
        .annotation(CAPTURED_ANNOTATION)
        .and_then(|s| serde_json::from_str(s).ok())
        .unwrap_or(Value::Null)
}

/// DeleteBackup: reported `deleted` for a moment (with a delay), then the finalizer goes.
pub async fn cleanup(ctx: &KindCtx, obj: &DynamicObject) -> Result<Action> {
    let shared = &ctx.shared;
    let mut claim = Claim::new(shared, &ctx.ar, ctx.kind, obj)?;
    let takes = shared.delay_share(DELETE);
    if takes.is_zero() || claim.flavour() == Flavour::A8s || claim.managed("id").is_none() {
        return Ok(Action::await_change());
    }
    let now = Timestamp::now();
    let mut m = managed(&claim);
    m.insert("status".into(), json!("deleted"));
    let doc = Doc {
        claim: vec![Cond::synced(), Cond::deleting()],
        managed: m,
        mr: Some(vec![
            Cond::unavailable().with_message("Backup has been deleted"),
            Cond::synced(),
        ]),
    };
    claim.write_status(doc.render(claim.status(), now)).await?;
    match status::remaining(claim.deletion_time(), takes, now) {
        Some(left) => Err(ProviderError::Pending(Some(left))),
        None => Ok(Action::await_change()),
    }
}
