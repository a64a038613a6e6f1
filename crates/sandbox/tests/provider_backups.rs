//! Backups and restores (claims.md §5, §6, §7): queued → running → done with what was
//! captured, restores of an existing backup and of a missing one, injected failures, and the
//! refusal to delete a restore that is still running.
#![allow(clippy::unwrap_used)]

use crate::provider_support;

use kube::api::DynamicObject;
use provider_support::*;
use serde_json::{Value, json};
use std::time::Duration;

/// (status, MR Ready reason: message, MR Synced reason: message) of a backup or restore.
fn phase(o: &DynamicObject, state: &str) -> (String, String, String) {
    let show = |c: Option<(String, String, String)>| {
        c.map(|(_, r, m)| if m.is_empty() { r } else { format!("{r}: {m}") })
            .unwrap_or_default()
    };
    (
        managed(o, state).as_str().unwrap_or_default().to_string(),
        show(cond(o, true, "Ready")),
        show(cond(o, true, "Synced")),
    )
}

fn p(a: &str, b: &str, c: &str) -> (String, String, String) {
    (a.into(), b.into(), c.into())
}

fn annotation(o: &DynamicObject, key: &str) -> Value {
    let s = &o.metadata.annotations.as_ref().unwrap()[key];
    serde_json::from_str(s).unwrap()
}

fn backup(name: &str, instance: &str) -> Value {
    referencing(name, "instanceRef", instance, "postgresql", "a9s-backup")
}

fn restore(name: &str, backup: &str) -> Value {
    referencing(name, "backupRef", backup, "postgresql", "a9s-restore")
}

#[tokio::test(flavor = "multi_thread")]
async fn a_backup_runs_and_a_restore_reports_what_it_restored() {
    let env = start(Duration::from_millis(900), 0.0).await;
    let c = cp(&env).await;
    namespace(&c, "team-a").await;
    ready_instance(&c, "team-a", "orders-db", "postgresql-single-big").await;

    let rec = Recorder::start(&c, "Backup", "team-a", "nightly").await;
    create(&c, "Backup", "team-a", backup("nightly", "orders-db")).await;
    let b = wait_for(&c, "Backup", "team-a", "nightly", "Ready", ready)
        .await
        .unwrap();
    rec.caught_up(Some(&b)).await;
    assert_eq!(
        rec.trail(|o| phase(o, "status")),
        vec![
            p("", "", ""),
            p("queued", "Creating", "ReconcileSuccess"),
            p("running", "Creating", "ReconcileSuccess"),
            p("done", "Available", "ReconcileSuccess"),
        ]
    );
    let id = managed(&b, "id").as_u64().unwrap();
    assert!((1000..100_000).contains(&id), "{id}");
    let size = managed(&b, "size").as_u64().unwrap();
    assert!(size >= 200_000_000, "a big plan's backup: {size}");
    assert_eq!(managed(&b, "downloadable"), false);
    // Backup Manager times: milliseconds, snake_case.
    for f in ["triggered_at", "finished_at"] {
        let t = managed(&b, f).as_str().unwrap();
        assert_eq!(t.len(), "2026-06-10T10:00:01.120Z".len(), "{f}: {t}");
        assert!(t.parse::<jiff::Timestamp>().is_ok());
    }
    let captured = annotation(&b, sandbox::provider::CAPTURED_ANNOTATION);
    assert_eq!(captured["instance"], "orders-db");
    assert_eq!(captured["kind"], "PostgresqlInstance");
    assert_eq!(captured["plan"], "postgresql-single-big");
    assert_eq!(captured["service"], "a9s-postgresql15");

    let rec = Recorder::start(&c, "Restore", "team-a", "rollback").await;
    create(&c, "Restore", "team-a", restore("rollback", "nightly")).await;
    let r = wait_for(&c, "Restore", "team-a", "rollback", "Ready", ready)
        .await
        .unwrap();
    rec.caught_up(Some(&r)).await;
    assert_eq!(
        rec.trail(|o| phase(o, "state")),
        vec![
            p("", "", ""),
            p("queued", "Creating", "ReconcileSuccess"),
            p("running", "Creating", "ReconcileSuccess"),
            p(
                "done",
                "Available: Restore completed successfully",
                "ReconcileSuccess"
            ),
        ]
    );
    assert!(managed(&r, "restoreId").as_u64().is_some());
    for f in ["triggeredAt", "finishedAt"] {
        assert!(
            managed(&r, f)
                .as_str()
                .unwrap()
                .parse::<jiff::Timestamp>()
                .is_ok(),
            "{f}"
        );
    }
    let restored = annotation(&r, sandbox::provider::RESTORED_ANNOTATION);
    assert_eq!(restored["backup"], "nightly");
    assert_eq!(restored["backupId"], id);
    assert_eq!(restored["size"], size);
    assert_eq!(restored["plan"], "postgresql-single-big");
    assert_eq!(restored["instance"], "orders-db");

    // Deleting a finished backup and restore.
    delete(&c, "Restore", "team-a", "rollback").await;
    delete(&c, "Backup", "team-a", "nightly").await;
    wait_for(&c, "Restore", "team-a", "rollback", "gone", |o| o.is_none()).await;
    wait_for(&c, "Backup", "team-a", "nightly", "gone", |o| o.is_none()).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn references_that_do_not_resolve_wait_with_upstreams_messages() {
    let env = start(Duration::ZERO, 0.0).await;
    let c = cp(&env).await;
    namespace(&c, "team-a").await;
    create(&c, "Backup", "team-a", backup("nightly", "orders-db")).await;
    create(&c, "Restore", "team-a", restore("rollback", "nightly")).await;
    create(
        &c,
        "Restore",
        "team-a",
        restore("nothing", "no-such-backup"),
    )
    .await;
    let synced = |msg: &'static str| {
        move |o: Option<&DynamicObject>| {
            o.and_then(|o| cond(o, true, "Synced"))
                .is_some_and(|(_, _, m)| m == msg)
        }
    };
    let b = wait_for(
        &c,
        "Backup",
        "team-a",
        "nightly",
        "waiting for its instance",
        synced("observe failed: data service instance was not found"),
    )
    .await
    .unwrap();
    assert_eq!(cond(&b, false, "Ready").unwrap().1, "Waiting");
    assert_eq!(cond(&b, false, "Synced").unwrap().1, "ReconcileSuccess");
    // The backup exists but was not triggered: provider-anynines shows its masked error.
    wait_for(
        &c,
        "Restore",
        "team-a",
        "rollback",
        "waiting for its backup",
        synced("observe failed: Internal error in provider"),
    )
    .await;
    let r = wait_for(
        &c,
        "Restore",
        "team-a",
        "nothing",
        "refused",
        synced("observe failed: backup was not found"),
    )
    .await
    .unwrap();
    assert_eq!(
        cond(&r, true, "Synced").unwrap().0,
        "False",
        "a restore of a missing backup fails with a clear condition"
    );
    // The instance appears: the watches carry the chain through.
    ready_instance(&c, "team-a", "orders-db", "postgresql-single-small").await;
    wait_for(&c, "Backup", "team-a", "nightly", "Ready", ready).await;
    wait_for(&c, "Restore", "team-a", "rollback", "Ready", ready).await;
    let r = api(&c, "Restore", "team-a").get("nothing").await.unwrap();
    assert_eq!(
        cond(&r, true, "Synced").unwrap().2,
        "observe failed: backup was not found"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn injected_failures_fail_backups_and_the_restores_of_them() {
    let env = start(Duration::ZERO, 0.0).await;
    let c = cp(&env).await;
    namespace(&c, "team-a").await;
    ready_instance(&c, "team-a", "db", "postgresql-single-small").await;
    let mut b = backup("broken", "db");
    b["metadata"]["annotations"] =
        json!({sandbox::provider::FAIL_NEXT_ANNOTATION: "disk full on backup node"});
    create(&c, "Backup", "team-a", b).await;
    let b = wait_for(&c, "Backup", "team-a", "broken", "failed", |o| {
        o.is_some_and(|o| managed(o, "status") == "failed")
    })
    .await
    .unwrap();
    assert_eq!(
        phase(&b, "status"),
        p(
            "failed",
            "Unavailable: Backup has failed",
            "ReconcileError: observe failed: disk full on backup node"
        )
    );
    assert_eq!(managed(&b, "size"), 0);
    assert!(managed(&b, "finished_at").is_string());
    assert_eq!(cond(&b, false, "Ready").unwrap().1, "Waiting");

    // A restore of a failed backup fails.
    create(&c, "Restore", "team-a", restore("from-broken", "broken")).await;
    let r = wait_for(&c, "Restore", "team-a", "from-broken", "failed", |o| {
        o.is_some_and(|o| managed(o, "state") == "failed")
    })
    .await
    .unwrap();
    assert_eq!(
        phase(&r, "state"),
        p(
            "failed",
            "Unavailable: Restore has failed",
            "ReconcileSuccess"
        )
    );

    // And an injected failure of the restore itself.
    create(&c, "Backup", "team-a", backup("good", "db")).await;
    wait_for(&c, "Backup", "team-a", "good", "Ready", ready).await;
    let mut r = restore("unlucky", "good");
    r["metadata"]["annotations"] = json!({sandbox::provider::FAIL_NEXT_ANNOTATION: ""});
    create(&c, "Restore", "team-a", r).await;
    let r = wait_for(&c, "Restore", "team-a", "unlucky", "failed", |o| {
        o.is_some_and(|o| managed(o, "state") == "failed")
    })
    .await
    .unwrap();
    assert_eq!(
        phase(&r, "state"),
        p(
            "failed",
            "Unavailable: Restore has failed",
            "ReconcileError: observe failed: Internal error in provider"
        )
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_running_restore_cannot_be_deleted_until_it_has_finished() {
    let env = start(Duration::from_millis(1500), 0.0).await;
    let c = cp(&env).await;
    namespace(&c, "team-a").await;
    ready_instance(&c, "team-a", "db", "postgresql-single-small").await;
    create(&c, "Backup", "team-a", backup("b", "db")).await;
    wait_for(&c, "Backup", "team-a", "b", "Ready", ready).await;
    let rec = Recorder::start(&c, "Restore", "team-a", "r").await;
    create(&c, "Restore", "team-a", restore("r", "b")).await;
    wait_for(&c, "Restore", "team-a", "r", "running", |o| {
        o.is_some_and(|o| managed(o, "state") == "running")
    })
    .await;
    delete(&c, "Restore", "team-a", "r").await;
    let o = wait_for(&c, "Restore", "team-a", "r", "refusing deletion", |o| {
        o.and_then(|o| cond(o, true, "Synced"))
            .is_some_and(|(_, _, m)| m.contains("cannot delete"))
    })
    .await
    .unwrap();
    assert!(o.metadata.deletion_timestamp.is_some());
    assert_eq!(
        cond(&o, true, "Synced").unwrap().2,
        "observe failed: cannot delete restore that is still running"
    );
    assert_eq!(cond(&o, false, "Ready").unwrap().1, "Deleting");
    wait_for(&c, "Restore", "team-a", "r", "gone", |o| o.is_none()).await;
    rec.caught_up(None).await;
    let trail = rec.trail(|o| phase(o, "state"));
    assert_eq!(
        trail.last().unwrap(),
        &p(
            "done",
            "Available: Restore completed successfully",
            "ReconcileSuccess"
        ),
        "it finished before it went: {trail:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a8s_backups_and_restores_report_the_operators_status() {
    let env = start(Duration::ZERO, 0.0).await;
    let c = cp(&env).await;
    namespace(&c, "default").await;
    let name = "example-a8s-postgresql";
    create(
        &c,
        PG,
        "default",
        instance(
            name,
            "a9s-postgresql13",
            "postgresql-single-small",
            "a8s-postgresql",
        ),
    )
    .await;
    wait_for(&c, PG, "default", name, "Ready", ready).await;
    create(
        &c,
        "Backup",
        "default",
        referencing(name, "instanceRef", name, "postgresql", "a8s-backup"),
    )
    .await;
    let b = wait_for(&c, "Backup", "default", name, "complete", |o| {
        o.is_some_and(|o| managed(o, "conditions")[0]["status"] == "True")
    })
    .await
    .unwrap();
    assert!(managed(&b, "backupID").as_str().unwrap().len() == 36);
    assert_eq!(
        managed(&b, "podUsedNamespacedName"),
        &json!(format!("default/{name}-master-0"))
    );
    let mut r = referencing(name, "backupRef", name, "postgresql", "a8s-restore");
    r["spec"]["instanceRef"] = json!(name);
    create(&c, "Restore", "default", r).await;
    let r = wait_for(&c, "Restore", "default", name, "done", |o| {
        o.is_some_and(|o| managed(o, "state") == "done")
    })
    .await
    .unwrap();
    assert!(managed(&r, "restoreID").is_string());
    assert!(ready(Some(&r)));
}
