//! The konnector under faults, each followed by a comparison of both clusters object by
//! object (0 lost, 0 duplicated, 0 stuck): the Control Plane unreachable mid-sync and back
//! (with watches that then resume into a 410), update conflicts and changes on the wrong
//! side, and the konnector stopped mid-sync and started again with work waiting.
#![allow(clippy::unwrap_used)]

use crate::support;

use klutch_tui::services::konnector::Konnector;
use kube::api::{Api, DeleteParams, DynamicObject, Patch, PatchParams};
use serde_json::json;
use std::time::Duration;
use support::bind::{
    BACKUPS, PG, RESTORES, SB, bind, bound_and_running, create_claim, point_kubeconfig_at,
    test_options, until_ready,
};
use support::proxy::Proxy;
use support::sync::{claim, count, differences, until_in_sync};
use support::{Env, eventually};

const SETTLE: Duration = Duration::from_secs(30);

fn api(client: &kube::Client, kind: &str, ns: &str) -> Api<DynamicObject> {
    Api::namespaced_with(client.clone(), ns, &claim(kind))
}

async fn instances(env: &Env, ns: &str, names: impl IntoIterator<Item = String>) {
    for name in names {
        create_claim(env, "PostgresqlInstance", ns, &name, "").await;
    }
}

#[tokio::test]
async fn control_plane_down_mid_sync_and_back_with_watches_resuming_into_410() {
    // A short watch history: resuming after the outage finds it compacted (410 Gone).
    let env = Env::start_with(|c| c.watch_history = 16).await;
    let bound = bind(&env, &[PG, SB]).await;
    let proxy = Proxy::start(&env.sb.info().control_plane_server).await;
    point_kubeconfig_at(&env, &bound, &proxy.url).await;
    let konnector = Konnector::start(env.app.clone(), test_options());
    until_ready(&env, &[PG, SB]).await;
    env.app_ok(&["create", "namespace", "team-a"]).await;
    instances(&env, "default", (0..6).map(|i| format!("db-{i}"))).await;
    instances(&env, "team-a", (0..4).map(|i| format!("db-{i}"))).await;
    create_claim(&env, "ServiceBinding", "default", "db-0", "db-0").await;
    until_in_sync(&env, &bound.cluster_ns, SETTLE).await;

    // Down in the middle of new work; the provider and the App Cluster go on meanwhile.
    instances(&env, "default", (6..10).map(|i| format!("db-{i}"))).await;
    proxy.down();
    instances(&env, "team-a", (4..8).map(|i| format!("db-{i}"))).await;
    let pg = api(&env.app, "PostgresqlInstance", "default");
    for name in ["db-1", "db-2"] {
        pg.delete(name, &DeleteParams::default()).await.unwrap();
    }
    for name in ["db-3", "db-4"] {
        pg.patch(
            name,
            &PatchParams::default(),
            &Patch::Merge(json!({"spec": {"plan": "postgresql-single-small"}})),
        )
        .await
        .unwrap();
    }
    // More Control Plane events than the watch history holds.
    let cp_ns = format!("{}-default", bound.cluster_ns);
    let cp_pg = api(&env.cp, "PostgresqlInstance", &cp_ns);
    for i in 0..20 {
        cp_pg
            .patch(
                "db-0",
                &PatchParams::default(),
                &Patch::Merge(json!({"metadata": {"labels": {"churn": i.to_string()}}})),
            )
            .await
            .unwrap();
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    proxy.up();
    until_in_sync(&env, &bound.cluster_ns, SETTLE).await;
    assert!(
        cp_pg.get_opt("db-1").await.unwrap().is_none(),
        "a deletion made during the outage reached the Control Plane"
    );
    assert_eq!(
        cp_pg.get("db-3").await.unwrap().data["spec"]["plan"],
        "postgresql-single-small"
    );
    assert_eq!(count(&env, &bound.cluster_ns).await, (17, 17));
    konnector.stop().await;
    env.shutdown().await;
}

#[tokio::test]
async fn conflicts_and_changes_on_the_wrong_side_are_put_right() {
    let env = Env::start().await;
    let (bound, konnector) = bound_and_running(&env, &[PG, SB, BACKUPS, RESTORES]).await;
    let names: Vec<String> = (0..12).map(|i| format!("db-{i}")).collect();
    // Label writes race the konnector's status writes on the same objects.
    let writer = {
        let app = env.app.clone();
        let names = names.clone();
        tokio::spawn(async move {
            let pg = api(&app, "PostgresqlInstance", "default");
            for round in 0..15 {
                for name in &names {
                    let _ = pg
                        .patch(
                            name,
                            &PatchParams::default(),
                            &Patch::Merge(
                                json!({"metadata": {"labels": {"round": round.to_string()}}}),
                            ),
                        )
                        .await;
                }
            }
        })
    };
    instances(&env, "default", names.clone()).await;
    create_claim(&env, "Backup", "default", "db-0", "db-0").await;
    writer.await.unwrap();
    until_in_sync(&env, &bound.cluster_ns, SETTLE).await;
    let cp_ns = format!("{}-default", bound.cluster_ns);
    let cp_pg = api(&env.cp, "PostgresqlInstance", &cp_ns);
    assert_eq!(
        cp_pg
            .get("db-5")
            .await
            .unwrap()
            .labels()
            .get("round")
            .map(String::as_str),
        Some("14")
    );

    // A spec changed on the Control Plane is put back; so is a status changed in the App.
    let pg = api(&env.app, "PostgresqlInstance", "default");
    pg.patch(
        "db-1",
        &PatchParams::default(),
        &Patch::Merge(json!({"spec": {"parameters": {"maxConnections": 100}}})),
    )
    .await
    .unwrap();
    eventually("the parameter on the Control Plane", SETTLE, || async {
        let o = cp_pg.get("db-1").await.unwrap();
        (o.data["spec"]["parameters"]["maxConnections"] == 100).then_some(())
    })
    .await;
    cp_pg
        .patch(
            "db-1",
            &PatchParams::default(),
            &Patch::Merge(json!({"spec": {"parameters": {"maxConnections": 999}}})),
        )
        .await
        .unwrap();
    api(&env.app, "PostgresqlInstance", "default")
        .patch_status(
            "db-2",
            &PatchParams::default(),
            &Patch::Merge(json!({"status": {"managed": {"state": "hacked"}}})),
        )
        .await
        .unwrap();
    eventually("the spec put back on the Control Plane", SETTLE, || async {
        let o = cp_pg.get("db-1").await.unwrap();
        (o.data["spec"]["parameters"]["maxConnections"] == 100).then_some(())
    })
    .await;
    until_in_sync(&env, &bound.cluster_ns, SETTLE).await;
    konnector.stop().await;
    env.shutdown().await;
}

use kube::ResourceExt;

#[tokio::test]
async fn a_konnector_stopped_mid_sync_resumes_without_losing_or_duplicating() {
    let env = Env::start().await;
    let (bound, first) = bound_and_running(&env, &[PG, SB]).await;
    instances(&env, "default", (0..8).map(|i| format!("db-{i}"))).await;
    eventually("some instances up", SETTLE, || async {
        let (_, cp) = count(&env, &bound.cluster_ns).await;
        (cp > 0).then_some(())
    })
    .await;
    first.stop().await;
    // While no konnector runs: new claims, a deletion (held by the finalizer), a spec change.
    instances(&env, "default", (8..12).map(|i| format!("db-{i}"))).await;
    let pg = api(&env.app, "PostgresqlInstance", "default");
    pg.delete("db-0", &DeleteParams::default()).await.unwrap();
    pg.patch(
        "db-7",
        &PatchParams::default(),
        &Patch::Merge(json!({"spec": {"plan": "postgresql-single-small"}})),
    )
    .await
    .unwrap();
    assert!(
        !differences(&env, &bound.cluster_ns).await.is_empty(),
        "work is waiting"
    );
    let second = Konnector::start(env.app.clone(), test_options());
    until_in_sync(&env, &bound.cluster_ns, SETTLE).await;
    assert_eq!(count(&env, &bound.cluster_ns).await, (11, 11));
    let cp_pg = api(
        &env.cp,
        "PostgresqlInstance",
        &format!("{}-default", bound.cluster_ns),
    );
    assert!(cp_pg.get_opt("db-0").await.unwrap().is_none());
    second.stop().await;
    env.shutdown().await;
}
