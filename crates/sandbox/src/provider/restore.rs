//! Restores (claims.md §6, §7 "Restore"): a restore of a backup that does not exist waits
//! with `Synced=False` "backup was not found" (the backup watch wakes it); of an existing one
//! it is triggered (`restoreId`, `queued`, `Creating`), runs, and is `done` ("Restore
//! completed successfully") once its backup is done — recording what was restored in the
//! [`RESTORED_ANNOTATION`] — or `failed` ("Restore has failed") when its backup failed or a
//! failure is injected. Deleting a restore that is still queued or running is refused
//! ("cannot delete restore that is still running") until it has finished.

use super::backup::{action, captured};
use super::claim::{Claim, crossplane_spec};
use super::context::KindCtx;
use super::crossplane::Flavour;
use super::instance::consume;
use super::status::{self, Cond, Doc, INTERNAL_ERROR, Step};
use super::{ProviderError, RESTORED_ANNOTATION, Result};
use jiff::Timestamp;
use klutch::claims::ClaimKind;
use kube::api::{Api, DynamicObject};
use kube::runtime::controller::Action;
use serde_json::{Map, Value, json};
use std::time::Duration;

/// Shares of the provisioning delay: queued until, done at.
const QUEUED: f64 = 1.0 / 3.0;
const DONE: f64 = 1.0;

const NOT_FOUND: &str = "backup was not found";

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

/// The id field and the state field of each flavour's `status.managed`.
fn fields(claim: &Claim) -> (&'static str, &'static str) {
    match claim.flavour() {
        Flavour::A9s => ("restoreId", "state"),
        Flavour::A8s => ("restoreID", "state"),
    }
}

/// The Backup claim a restore names, as a claim.
async fn backup_of(ctx: &KindCtx, claim: &Claim) -> Result<Option<Claim>> {
    let (Some(ar), Some(name)) = (
        ctx.shared.resource(ClaimKind::Backup),
        claim.spec_str("backupRef"),
    ) else {
        return Ok(None);
    };
    let api: Api<DynamicObject> =
        Api::namespaced_with(ctx.shared.client.clone(), claim.namespace(), ar);
    let found = api
        .get_opt(name)
        .await
        .map_err(|source| ProviderError::Api {
            action: "reading the backup of",
            kind: ClaimKind::Restore.kind().into(),
            namespace: claim.namespace().into(),
            name: claim.name().into(),
            source: Box::new(source),
        })?;
    found
        .map(|b| Claim::new(&ctx.shared, ar, ClaimKind::Backup, &b))
        .transpose()
}

/// A backup's state: the a9s `status`, or for a8s derived from its `Complete` condition.
fn backup_state(backup: &Claim) -> Option<&str> {
    match backup.flavour() {
        Flavour::A9s => backup.managed_str("status"),
        Flavour::A8s => {
            let c = backup.managed("conditions")?.get(0)?;
            Some(match c["reason"].as_str()? {
                "BackupSucceeded" => "done",
                "BackupFailed" => "failed",
                _ => "running",
            })
        }
    }
}

fn backup_id(backup: &Claim) -> Option<Value> {
    backup
        .managed("id")
        .or_else(|| backup.managed("backupID"))
        .cloned()
}

pub async fn apply(ctx: &KindCtx, obj: &DynamicObject) -> Result<Action> {
    let mut claim = Claim::new(&ctx.shared, &ctx.ar, ctx.kind, obj)?;
    if let Some(p) = crossplane_spec(&claim) {
        claim.patch(p).await?;
    }
    let now = Timestamp::now();
    let (id_field, _) = fields(&claim);
    if claim.managed(id_field).is_none() {
        return trigger(ctx, claim, now).await;
    }
    Ok(action(progress(ctx, &mut claim, now).await?))
}

async fn trigger(ctx: &KindCtx, mut claim: Claim, now: Timestamp) -> Result<Action> {
    let shared = &ctx.shared;
    let backup = backup_of(ctx, &claim).await?;
    let id = backup.as_ref().and_then(backup_id);
    let (Some(_), Some(_)) = (&backup, &id) else {
        let msg = match backup {
            None => NOT_FOUND,
            Some(_) => {
                tracing::debug!(restore = claim.name(), "backup is not ready");
                INTERNAL_ERROR
            }
        };
        let doc = Doc::waiting(vec![Cond::reconcile_error(Step::Observe, msg)], Map::new());
        claim.write_status(doc.render(claim.status(), now)).await?;
        return Ok(Action::await_change());
    };
    let (id_field, state_field) = fields(&claim);
    let mut m = Map::new();
    let doc = match claim.flavour() {
        Flavour::A9s => {
            m.insert(id_field.into(), json!(shared.faults.number(1000..100_000)));
            m.insert(state_field.into(), json!("queued"));
            m.insert("triggeredAt".into(), json!(status::millis(now)));
            Doc::waiting(vec![Cond::creating(), Cond::synced()], m)
        }
        Flavour::A8s => {
            m.insert(id_field.into(), json!(shared.faults.uuid()));
            m.insert(state_field.into(), json!("queued"));
            m.insert("triggeredAt".into(), json!(status::millis(now)));
            m.insert("lastObservationTime".into(), json!(status::seconds(now)));
            Doc {
                claim: vec![Cond::synced(), Cond::available()],
                managed: m,
                mr: None,
            }
        }
    };
    claim.write_status(doc.render(claim.status(), now)).await?;
    Ok(Action::await_change())
}

/// queued → running → done (once the backup is) or failed. How long to wait.
async fn progress(ctx: &KindCtx, claim: &mut Claim, now: Timestamp) -> Result<Option<Duration>> {
    let shared = &ctx.shared;
    let a9s = claim.flavour() == Flavour::A9s;
    let (_, state_field) = fields(claim);
    let state = claim
        .managed_str(state_field)
        .unwrap_or_default()
        .to_string();
    if state != "queued" && state != "running" {
        return Ok(None);
    }
    let since = status::parse(claim.managed("triggeredAt"));
    let creating = |m| match a9s {
        true => Doc::waiting(vec![Cond::creating(), Cond::synced()], m),
        false => Doc {
            claim: vec![Cond::synced(), Cond::available()],
            managed: m,
            mr: None,
        },
    };
    if state == "queued" && !shared.delay.is_zero() {
        if let Some(left) = status::remaining(since, shared.delay_share(QUEUED), now) {
            return Ok(Some(left));
        }
        let mut m = managed(claim);
        m.insert(state_field.into(), json!("running"));
        claim
            .write_status(creating(m).render(claim.status(), now))
            .await?;
        return Ok(status::remaining(since, shared.delay_share(DONE), now));
    }
    if let Some(left) = status::remaining(since, shared.delay_share(DONE), now) {
        return Ok(Some(left));
    }
    let backup = backup_of(ctx, claim).await?;
    let backup_state = backup.as_ref().and_then(backup_state).map(str::to_owned);
    if matches!(backup_state.as_deref(), Some("queued" | "running")) {
        // Restoring needs the backup's file: wait for the backup to finish.
        return Ok(None);
    }
    let mut m = managed(claim);
    m.insert("finishedAt".into(), json!(status::millis(now)));
    let fault = shared.faults.draw(&claim.obj);
    if let Some(f) = &fault {
        consume(claim, f).await?;
    }
    let doc = match (backup_state.as_deref(), fault) {
        (Some("done"), None) => {
            let backup = backup.as_ref();
            let mut restored = backup.map(captured).unwrap_or(Value::Null);
            if let (Some(b), Value::Object(r)) = (backup, &mut restored) {
                r.insert("backup".into(), json!(b.name()));
                r.insert("backupId".into(), backup_id(b).unwrap_or(Value::Null));
                r.insert(
                    "size".into(),
                    b.managed("size").cloned().unwrap_or(Value::Null),
                );
            }
            claim
                .patch(json!({"metadata": {"annotations": {RESTORED_ANNOTATION: restored.to_string()}}}))
                .await?;
            m.insert(state_field.into(), json!("done"));
            match a9s {
                true => Doc {
                    claim: vec![Cond::synced(), Cond::available()],
                    managed: m,
                    mr: Some(vec![
                        Cond::available().with_message("Restore completed successfully"),
                        Cond::synced(),
                    ]),
                },
                false => creating(m),
            }
        }
        (_, fault) => {
            m.insert(state_field.into(), json!("failed"));
            let synced = match fault {
                Some(f) => Cond::reconcile_error(Step::Observe, &f.message),
                None => Cond::synced(),
            };
            match a9s {
                true => Doc::waiting(
                    vec![
                        Cond::unavailable().with_message("Restore has failed"),
                        synced,
                    ],
                    m,
                ),
                false => creating(m),
            }
        }
    };
    claim.write_status(doc.render(claim.status(), now)).await?;
    Ok(None)
}

/// A restore that is still queued or running cannot be deleted: it keeps going, showing
/// why it stays, and the finalizer goes once it has finished.
pub async fn cleanup(ctx: &KindCtx, obj: &DynamicObject) -> Result<Action> {
    let mut claim = Claim::new(&ctx.shared, &ctx.ar, ctx.kind, obj)?;
    let now = Timestamp::now();
    let wait = progress(ctx, &mut claim, now).await?;
    let (_, state_field) = fields(&claim);
    let state = claim
        .managed_str(state_field)
        .unwrap_or_default()
        .to_string();
    if state != "queued" && state != "running" {
        return Ok(Action::await_change());
    }
    let message = format!("cannot delete restore that is still {state}");
    let doc = Doc {
        claim: vec![Cond::synced(), Cond::deleting()],
        managed: managed(&claim),
        mr: Some(vec![
            Cond::creating(),
            Cond::reconcile_error(Step::Observe, &message),
        ]),
    };
    claim.write_status(doc.render(claim.status(), now)).await?;
    Err(ProviderError::Pending(wait))
}
