//! `why` against broken chains made on purpose, each in a sandbox bound through the real
//! backend with the konnector running in-process: a healthy claim is all ✓ (and the binary
//! exits 0, `doctor` too); the binding's kubeconfig Secret deleted, the konnector stopped
//! (its heartbeat too old), the Control Plane copy deleted, the provider failing and a
//! service binding's credentials Secret missing each stop the walk at the right link with
//! the fix.
#![allow(clippy::unwrap_used)]

use crate::support;

use k8s_openapi::api::core::v1::Secret;
use klutch::bind::names::KONNECTOR_NAMESPACE;
use klutch::claims::ClaimKind;
use klutch_tui::services::konnector::{Konnector, KonnectorHandle, KonnectorOptions};
use klutch_tui::services::why::{Report, Step, Verdict, Why};
use kube::api::{Api, DeleteParams};
use std::time::Duration;
use support::bind::{PG, SB, bind, create_claim, until_ready};
use support::claims::{ready, run, wait_for};
use support::{Env, eventually};

const WAIT: Duration = Duration::from_secs(20);
const NS: &str = "default";
const DB: &str = "orders";
const APP_USER: &str = "orders-app";

fn pg() -> ClaimKind {
    ClaimKind::from_kind("PostgresqlInstance").unwrap()
}

/// A konnector whose heartbeat is due every `interval`.
fn konnector(env: &Env, interval: Duration) -> KonnectorHandle {
    Konnector::start(
        env.app.clone(),
        KonnectorOptions {
            heartbeat_interval: interval,
            leader_election: None,
            ..KonnectorOptions::default()
        },
    )
}

/// Bind `resources`, run a konnector beating every `interval`, and make the instance `DB`
/// (and, with SB bound, the binding `APP_USER`) Ready in the App Cluster.
async fn ready_claims(
    env: &Env,
    resources: &[(&str, &str)],
    interval: Duration,
) -> KonnectorHandle {
    bind(env, resources).await;
    let k = konnector(env, interval);
    until_ready(env, resources).await;
    create_claim(env, "PostgresqlInstance", NS, DB, "").await;
    wait_for(&env.app, "PostgresqlInstance", NS, DB, "Ready", ready).await;
    if resources.contains(&SB) {
        create_claim(env, "ServiceBinding", NS, APP_USER, DB).await;
        wait_for(&env.app, "ServiceBinding", NS, APP_USER, "Ready", ready).await;
        let secrets = Api::<Secret>::namespaced(env.app.clone(), NS);
        eventually("the credentials in the App Cluster", WAIT, || async {
            secrets
                .get_opt(&format!("{APP_USER}-creds"))
                .await
                .unwrap()
                .map(|_| ())
        })
        .await;
    }
    k
}

async fn walk(env: &Env, kind: ClaimKind, name: &str) -> Report {
    Why::new(env.app.clone()).claim(kind, NS, name).await
}

/// Wait until the walk stops at `step` (the clusters settle after a change).
async fn broken_at(env: &Env, kind: ClaimKind, name: &str, step: Step) -> Report {
    eventually(&format!("why to stop at {step:?}"), WAIT, || async {
        let r = walk(env, kind, name).await;
        (r.broken().map(|l| l.step) == Some(step)).then_some(r)
    })
    .await
}

fn the_break(r: &Report) -> (String, String) {
    let l = r.broken().unwrap();
    assert_eq!(
        r.links.last(),
        Some(l),
        "the walk stops at its first broken link: {r:?}"
    );
    assert!(
        r.links[..r.links.len() - 1]
            .iter()
            .all(|l| l.verdict == Verdict::Ok)
    );
    (l.fact.clone(), l.fix.clone().unwrap_or_default())
}

#[tokio::test]
async fn a_healthy_service_binding_is_all_ticks_and_why_and_doctor_exit_0() {
    let env = Env::start().await;
    let k = ready_claims(&env, &[PG, SB], Duration::from_secs(2)).await;
    let r = eventually("a healthy walk", WAIT, || async {
        let r = walk(&env, ClaimKind::ServiceBinding, APP_USER).await;
        r.healthy().then_some(r)
    })
    .await;
    let steps: Vec<Step> = r.links.iter().map(|l| l.step).collect();
    assert_eq!(
        steps,
        [
            Step::Claim,
            Step::Crd,
            Step::Binding,
            Step::Secret,
            Step::Konnector,
            Step::Mapping,
            Step::Copy,
            Step::Provider,
            Step::Status,
            Step::Credentials
        ]
    );
    let fact = |s: Step| r.links.iter().find(|l| l.step == s).unwrap().fact.clone();
    assert!(fact(Step::Konnector).contains("last heartbeat"), "{r:?}");
    assert!(
        fact(Step::Credentials).contains(&format!("{APP_USER}-creds")),
        "{r:?}"
    );

    let out = run(
        &env,
        &["why", &format!("servicebinding/{APP_USER}"), "-n", NS],
    )
    .await;
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    assert!(out.stdout.ends_with("healthy\n"), "{}", out.stdout);
    assert!(out.stdout.contains("✓ credentials"), "{}", out.stdout);
    assert!(!out.stdout.contains('✗'), "{}", out.stdout);
    // A name only one kind uses needs no kind; JSON for scripts.
    let out = run(&env, &["why", DB, "-o", "json"]).await;
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    let json: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(json["subject"], format!("PostgresqlInstance {NS}/{DB}"));
    assert_eq!(json["links"][4]["step"], "konnector");
    assert_eq!(json["links"][4]["verdict"], "ok");

    let out = run(&env, &["doctor"]).await;
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    assert!(out.stdout.contains("✓ access"), "{}", out.stdout);
    assert!(
        out.stdout.contains("2 binding(s), 2 claim(s): all healthy"),
        "{}",
        out.stdout
    );
    k.stop().await;
    env.shutdown().await;
}

#[tokio::test]
async fn the_kubeconfig_secret_deleted_breaks_at_the_secret_and_says_bind_again() {
    let env = Env::start().await;
    let k = ready_claims(&env, &[PG], Duration::from_secs(2)).await;
    Api::<Secret>::namespaced(env.app.clone(), KONNECTOR_NAMESPACE)
        .delete(support::bind::SECRET, &DeleteParams::default())
        .await
        .unwrap();
    let r = broken_at(&env, pg(), DB, Step::Secret).await;
    let (fact, fix) = the_break(&r);
    assert!(
        fact.contains("klutch-bind/kubeconfig-sandbox does not exist"),
        "{fact}"
    );
    assert!(fix.contains("klutch-tui bind"), "{fix}");

    let out = run(&env, &["why", &format!("postgresqlinstances/{DB}")]).await;
    assert_eq!(out.code, 1, "{}{}", out.stdout, out.stderr);
    assert!(out.stdout.contains("✗ secret"), "{}", out.stdout);
    assert!(out.stdout.ends_with("broken at secret\n"), "{}", out.stdout);
    let out = run(&env, &["doctor"]).await;
    assert_eq!(out.code, 1, "{}{}", out.stdout, out.stderr);
    assert!(out.stdout.contains("not healthy"), "{}", out.stdout);
    k.stop().await;
    env.shutdown().await;
}

#[tokio::test]
async fn a_stopped_konnector_breaks_at_its_heartbeat_and_says_start_it() {
    let env = Env::start().await;
    let k = ready_claims(&env, &[PG], Duration::from_secs(1)).await;
    assert!(walk(&env, pg(), DB).await.healthy());
    k.stop().await;
    let r = broken_at(&env, pg(), DB, Step::Konnector).await;
    let (fact, fix) = the_break(&r);
    assert!(
        fact.contains("last heartbeat was") && fact.contains("more than two intervals of 1s"),
        "{fact}"
    );
    assert!(fix.contains("klutch-tui konnector"), "{fix}");
    env.shutdown().await;
}

#[tokio::test]
async fn a_deleted_control_plane_copy_breaks_at_the_copy() {
    let env = Env::start().await;
    // A long heartbeat interval: the stopped konnector still counts as alive.
    let k = ready_claims(&env, &[PG], Duration::from_secs(300)).await;
    k.stop().await;
    let r = walk(&env, pg(), DB).await;
    assert!(r.healthy(), "{r:?}");
    let cp_ns = r
        .links
        .iter()
        .find(|l| l.step == Step::Mapping)
        .unwrap()
        .fact
        .rsplit(' ')
        .next()
        .unwrap()
        .to_string();
    let copies = support::claims::api(&env.cp, "PostgresqlInstance", Some(&cp_ns));
    copies.delete(DB, &DeleteParams::default()).await.unwrap();
    eventually("the copy gone", WAIT, || async {
        copies.get_opt(DB).await.unwrap().is_none().then_some(())
    })
    .await;
    let r = broken_at(&env, pg(), DB, Step::Copy).await;
    let (fact, fix) = the_break(&r);
    assert!(
        fact.contains(&format!("{cp_ns}/{DB} does not exist")),
        "{fact}"
    );
    assert!(fix.contains("konnector"), "{fix}");
    env.shutdown().await;
}

#[tokio::test]
async fn a_failing_provider_breaks_at_the_provider_with_its_message() {
    let env = support::claims::start(Duration::from_millis(200), 1.0).await;
    bind(&env, &[PG]).await;
    let k = konnector(&env, Duration::from_secs(2));
    until_ready(&env, &[PG]).await;
    create_claim(&env, "PostgresqlInstance", NS, DB, "").await;
    wait_for(&env.app, "PostgresqlInstance", NS, DB, "failed", |o| {
        o.data["status"]["managed"]["state"] == "failed"
    })
    .await;
    let r = broken_at(&env, pg(), DB, Step::Provider).await;
    let (fact, fix) = the_break(&r);
    assert!(
        fact.contains("the provider failed") && fact.contains("Internal error in provider"),
        "{fact}"
    );
    assert!(fix.contains("spec"), "{fix}");
    k.stop().await;
    env.shutdown().await;
}

#[tokio::test]
async fn missing_credentials_break_at_the_credentials() {
    let env = Env::start().await;
    let k = ready_claims(&env, &[PG, SB], Duration::from_secs(300)).await;
    k.stop().await;
    Api::<Secret>::namespaced(env.app.clone(), NS)
        .delete(&format!("{APP_USER}-creds"), &DeleteParams::default())
        .await
        .unwrap();
    let r = broken_at(&env, ClaimKind::ServiceBinding, APP_USER, Step::Credentials).await;
    let (fact, fix) = the_break(&r);
    assert!(
        fact.contains(&format!("{APP_USER}-creds is on the Control Plane"))
            && fact.contains(&format!("not in namespace {NS}")),
        "{fact}"
    );
    assert!(fix.contains("konnector"), "{fix}");
    env.shutdown().await;
}
