//! The simulated provider drives data service instances through their lifecycle on the
//! Control Plane (claims.md §7 "Instance"): status shapes, the transient error, the pending
//! operation, updates, failure injection and deletion; and the a8s flavour.
#![allow(clippy::unwrap_used)]

use crate::common;
use crate::provider_support;

use kube::api::{Patch, PatchParams};
use provider_support::*;
use serde_json::json;
use std::time::{Duration, Instant};

/// What one version of an instance shows: the claim's Ready reason, `status.managed.state`,
/// and the managed resource's Synced and Ready conditions (reason: message).
fn phase(o: &kube::api::DynamicObject) -> (String, String, String, String) {
    let show = |c: Option<(String, String, String)>| {
        c.map(|(_, r, m)| if m.is_empty() { r } else { format!("{r}: {m}") })
            .unwrap_or_default()
    };
    (
        show(cond(o, false, "Ready")),
        managed(o, "state").as_str().unwrap_or_default().to_string(),
        show(cond(o, true, "Synced")),
        show(cond(o, true, "Ready")),
    )
}

fn p(a: &str, b: &str, c: &str, d: &str) -> (String, String, String, String) {
    (a.into(), b.into(), c.into(), d.into())
}

#[tokio::test(flavor = "multi_thread")]
async fn an_instance_is_provisioned_at_once_without_delay() {
    let env = start(Duration::ZERO, 0.0).await;
    let c = cp(&env).await;
    namespace(&c, "team-a").await;
    let o = ready_instance(&c, "team-a", "orders-db", "postgresql-single-small").await;
    assert_eq!(
        o.metadata.finalizers.as_deref(),
        Some(&["finalizer.apiextensions.crossplane.io".to_string()][..])
    );
    let r = &o.data["spec"]["resourceRef"];
    assert_eq!(r["apiVersion"], "anynines.com/v1");
    assert_eq!(r["kind"], "XPostgresqlInstance");
    let xr = r["name"].as_str().unwrap();
    assert!(
        xr.starts_with("orders-db-") && xr.len() == "orders-db-".len() + 5,
        "{xr}"
    );
    assert_eq!(managed(&o, "state"), "provisioned");
    for f in ["createdAt", "provisionedAt", "updatedAt"] {
        let t = managed(&o, f).as_str().unwrap();
        assert!(t.parse::<jiff::Timestamp>().is_ok(), "{f}: {t}");
    }
    assert_eq!(
        cond(&o, false, "Synced").unwrap(),
        ("True".into(), "ReconcileSuccess".into(), String::new())
    );
    assert_eq!(
        cond(&o, true, "Ready").unwrap(),
        ("True".into(), "Available".into(), String::new())
    );
    // The claim's conditions carry Crossplane's shape (lastTransitionTime is required).
    for c in o.data["status"]["conditions"].as_array().unwrap() {
        assert!(c["lastTransitionTime"].as_str().unwrap().ends_with('Z'));
    }
    delete(&c, PG, "team-a", "orders-db").await;
    wait_for(&c, PG, "team-a", "orders-db", "gone", |o| o.is_none()).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn provisioning_goes_through_upstreams_states() {
    let delay = Duration::from_millis(1500);
    let env = start(delay, 0.0).await;
    let c = cp(&env).await;
    namespace(&c, "team-a").await;
    let rec = Recorder::start(&c, "MongodbInstance", "team-a", "catalog").await;
    let t0 = Instant::now();
    let spec = instance(
        "catalog",
        "a9s-mongodb70",
        "mongodbsspl-single-small",
        "a9s-mongodb",
    );
    create(&c, "MongodbInstance", "team-a", spec).await;
    let o = wait_for(&c, "MongodbInstance", "team-a", "catalog", "Ready", ready)
        .await
        .unwrap();
    assert!(
        t0.elapsed() >= delay.mul_f64(0.9),
        "Ready after {:?}",
        t0.elapsed()
    );
    rec.caught_up(Some(&o)).await;
    let trail = rec.trail(phase);
    assert_eq!(
        trail,
        vec![
            p("", "", "", ""),
            p(
                "Waiting: Claim is waiting for composite resource to become Ready",
                "",
                "ReconcileError: observe failed: Internal error in provider",
                ""
            ),
            p(
                "Waiting: Claim is waiting for composite resource to become Ready",
                "deploying",
                "ReconcileSuccess",
                "Unavailable"
            ),
            p("Available", "provisioned", "ReconcileSuccess", "Available"),
        ]
    );
    // createdAt is when the broker accepted the request; provisionedAt when it was done.
    let created: jiff::Timestamp = managed(&o, "createdAt").as_str().unwrap().parse().unwrap();
    let provisioned: jiff::Timestamp = managed(&o, "provisionedAt")
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let took = created.duration_until(provisioned);
    assert!(
        took >= jiff::SignedDuration::from_millis(1300),
        "provisioning took {took:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_plan_change_runs_an_update() {
    let env = start(Duration::ZERO, 0.0).await;
    let c = cp(&env).await;
    namespace(&c, "team-a").await;
    let before = ready_instance(&c, "team-a", "db", "postgresql-single-small").await;
    let rec = Recorder::start(&c, PG, "team-a", "db").await;
    api(&c, PG, "team-a")
        .patch(
            "db",
            &PatchParams::default(),
            &Patch::Merge(json!({"spec": {"plan": "postgresql-replica-small"}})),
        )
        .await
        .unwrap();
    let after = wait_for(&c, PG, "team-a", "db", "updated and Ready", |o| {
        ready(o) && o.is_some_and(|o| managed(o, "updatedAt") != managed(&before, "updatedAt"))
    })
    .await
    .unwrap();
    rec.caught_up(Some(&after)).await;
    let trail = rec.trail(phase);
    assert_eq!(
        trail,
        vec![
            p("Available", "provisioned", "ReconcileSuccess", "Available"),
            p(
                "Waiting: Claim is waiting for composite resource to become Ready",
                "deploying",
                "ReconcileSuccess",
                "Unavailable"
            ),
            p("Available", "provisioned", "ReconcileSuccess", "Available"),
        ]
    );
    assert_eq!(managed(&after, "createdAt"), managed(&before, "createdAt"));
    assert_eq!(
        managed(&after, "provisionedAt"),
        managed(&before, "provisionedAt")
    );
    // A change of metadata only is no update.
    annotate(&c, PG, "team-a", "db", "team", "payments").await;
    let o = wait_for(&c, PG, "team-a", "db", "annotated", |o| {
        o.is_some_and(|o| {
            o.metadata
                .annotations
                .as_ref()
                .unwrap()
                .contains_key("team")
        })
    })
    .await
    .unwrap();
    assert_eq!(managed(&o, "updatedAt"), managed(&after, "updatedAt"));
}

#[tokio::test(flavor = "multi_thread")]
async fn the_fail_next_annotation_fails_the_next_step_once() {
    let env = start(Duration::ZERO, 0.0).await;
    let c = cp(&env).await;
    namespace(&c, "team-a").await;
    let mut spec = instance(
        "db",
        "a9s-mariadb106",
        "mariadb-single-small",
        "a9s-mariadb",
    );
    spec["metadata"]["annotations"] =
        json!({sandbox::provider::FAIL_NEXT_ANNOTATION: "quota exceeded for organization"});
    create(&c, "MariadbInstance", "team-a", spec).await;
    let failed =
        |o: Option<&kube::api::DynamicObject>| o.is_some_and(|o| managed(o, "state") == "failed");
    let o = wait_for(&c, "MariadbInstance", "team-a", "db", "failed", failed)
        .await
        .unwrap();
    assert_eq!(
        phase(&o),
        p(
            "Waiting: Claim is waiting for composite resource to become Ready",
            "failed",
            "ReconcileError: observe failed: quota exceeded for organization",
            "Unavailable"
        )
    );
    assert_eq!(
        cond(&o, false, "Synced").unwrap().1,
        "ReconcileSuccess",
        "the claim itself synced"
    );
    assert!(
        !o.metadata
            .annotations
            .as_ref()
            .unwrap()
            .contains_key(sandbox::provider::FAIL_NEXT_ANNOTATION),
        "the annotation fires once"
    );
    // A failed instance stays failed until its spec changes; then the update succeeds.
    api(&c, "MariadbInstance", "team-a")
        .patch(
            "db",
            &PatchParams::default(),
            &Patch::Merge(json!({"spec": {"plan": "mariadb-single-big"}})),
        )
        .await
        .unwrap();
    let o = wait_for(&c, "MariadbInstance", "team-a", "db", "Ready", ready)
        .await
        .unwrap();
    assert_eq!(
        phase(&o),
        p("Available", "provisioned", "ReconcileSuccess", "Available")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_fail_rate_of_one_fails_every_provisioning() {
    let env = start(Duration::ZERO, 1.0).await;
    let c = cp(&env).await;
    namespace(&c, "team-a").await;
    for name in ["a", "b", "c"] {
        let spec = instance(name, "a9s-search2", "search-single-small-ssl", "a9s-search");
        create(&c, "SearchInstance", "team-a", spec).await;
    }
    for name in ["a", "b", "c"] {
        let o = wait_for(&c, "SearchInstance", "team-a", name, "failed", |o| {
            o.is_some_and(|o| managed(o, "state") == "failed")
        })
        .await
        .unwrap();
        assert_eq!(
            cond(&o, true, "Synced").unwrap(),
            (
                "False".into(),
                "ReconcileError".into(),
                "observe failed: Internal error in provider".into()
            )
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn deleting_deprovisions_then_removes_the_claim() {
    let env = start(Duration::from_millis(900), 0.0).await;
    let c = cp(&env).await;
    namespace(&c, "team-a").await;
    let spec = instance(
        "cache",
        "a9s-keyvalue8",
        "keyvalue-single-small-ssl",
        "a9s-keyvalue",
    );
    create(&c, "KeyvalueInstance", "team-a", spec).await;
    wait_for(&c, "KeyvalueInstance", "team-a", "cache", "Ready", ready).await;
    let rec = Recorder::start(&c, "KeyvalueInstance", "team-a", "cache").await;
    delete(&c, "KeyvalueInstance", "team-a", "cache").await;
    wait_for(&c, "KeyvalueInstance", "team-a", "cache", "gone", |o| {
        o.is_none()
    })
    .await;
    rec.caught_up(None).await;
    assert_eq!(
        rec.trail(phase),
        vec![
            p("Available", "provisioned", "ReconcileSuccess", "Available"),
            p("Deleting", "deleting", "ReconcileSuccess", "Deleting"),
        ]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a8s_postgresql_is_ready_once_applied() {
    let env = start(Duration::ZERO, 0.0).await;
    let c = cp(&env).await;
    namespace(&c, "default").await;
    for (name, plan, replicas) in [
        ("single", "postgresql-single-nano", 1),
        ("replica", "postgresql-replica-small", 3),
    ] {
        let spec = instance(name, "a9s-postgresql14", plan, "a8s-postgresql");
        create(&c, PG, "default", spec).await;
        let o = wait_for(&c, PG, "default", name, "Ready", ready)
            .await
            .unwrap();
        assert_eq!(
            o.data["status"]["managed"],
            json!({"clusterStatus": "Running", "readyReplicas": replicas})
        );
        assert_eq!(o.data["spec"]["resourceRef"]["kind"], "XPostgresqlInstance");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_claim_without_composition_ref_gets_the_default() {
    // Crossplane sets the XRD's defaultCompositionRef on the claim (here only where the CEL
    // rules do not require one at create).
    let env = start(Duration::ZERO, 0.0).await;
    let c = cp(&env).await;
    namespace(&c, "team-a").await;
    let spec = json!({"metadata": {"name": "metrics"},
                      "spec": {"service": "a9s-prometheus", "plan": "prometheus-single-small"}});
    create(&c, "PrometheusInstance", "team-a", spec).await;
    let o = wait_for(
        &c,
        "PrometheusInstance",
        "team-a",
        "metrics",
        "Ready",
        ready,
    )
    .await
    .unwrap();
    assert_eq!(
        o.data["spec"]["compositionRef"],
        json!({"name": "a9s-prometheus"})
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn provisioning_carries_on_after_a_restart_on_the_same_state() {
    // Everything the provider needs is on the claim (status times, annotations): a sandbox
    // restarted on its state directory finishes what the previous one started.
    let state = tempfile::tempdir().unwrap();
    let path = state.path().to_path_buf();
    let delay = Duration::from_millis(1500);
    let config = |c: &mut sandbox::SandboxConfig| {
        c.state_dir = Some(path.clone());
        c.provision_delay = delay;
    };
    let env = common::Env::start_with(config).await;
    let c = cp(&env).await;
    namespace(&c, "team-a").await;
    let spec = instance(
        "db",
        "a9s-postgresql15",
        "postgresql-single-small",
        "a9s-postgresql",
    );
    create(&c, PG, "team-a", spec).await;
    wait_for(&c, PG, "team-a", "db", "deploying", |o| {
        o.is_some_and(|o| managed(o, "state") == "deploying")
    })
    .await;
    env.sb.shutdown().await;

    let env = common::Env::start_with(config).await;
    let c = cp(&env).await;
    let o = wait_for(&c, PG, "team-a", "db", "Ready", ready)
        .await
        .unwrap();
    assert_eq!(managed(&o, "state"), "provisioned");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_sandbox_stopped_right_after_start_stops() {
    // The provider's controllers may not have listed their claims yet; stopping must not
    // wait for that (the cockpit quits this way when the user presses q at once).
    for _ in 0..3 {
        let env = common::Env::start().await;
        tokio::time::timeout(WAIT, env.sb.shutdown())
            .await
            .expect("the sandbox stops");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_fail_rate_outside_zero_to_one_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let err = sandbox::start(sandbox::SandboxConfig {
        kubeconfig_out: dir.path().join("kubeconfig"),
        info_out: dir.path().join("info.json"),
        fail_rate: 1.5,
        ..Default::default()
    })
    .await
    .err()
    .unwrap();
    assert_eq!(err.to_string(), "fail rate 1.5 is outside 0.0–1.0");
}
