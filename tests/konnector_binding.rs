//! The konnector and the lifecycle of a binding: a claim the CRD schema refuses never reaches
//! the Control Plane; unbinding keeps every Control Plane object and rebinding adopts them
//! all again; a missing export says so in the binding's conditions; two konnectors on one
//! App Cluster never fight (one holds the lease, the other takes over when it goes).
#![allow(clippy::unwrap_used)]

use crate::support;

use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use klutch::bind::names::KONNECTOR_NAMESPACE;
use klutch::bind::{APIServiceBinding, APIServiceExport, condition, condition_types};
use klutch_tui::services::konnector::{Konnector, KonnectorOptions, LeaderElection, Leadership};
use kube::api::{Api, DeleteParams, DynamicObject};
use std::time::Duration;
use support::bind::{
    PG, SB, bind, bound_and_running, create_claim, test_options, until_ready, write_app_side,
};
use support::sync::{claim, count, until_in_sync};
use support::{Env, eventually};

const WAIT: Duration = Duration::from_secs(30);

#[tokio::test]
async fn a_claim_the_schema_refuses_never_reaches_the_control_plane() {
    let env = Env::start().await;
    let (bound, konnector) = bound_and_running(&env, &[PG]).await;
    let bad = "apiVersion: anynines.com/v1\nkind: PostgresqlInstance\nmetadata: {name: bad, namespace: default}\n\
               spec: {service: a9s-postgresql15, plan: no-such-plan, compositionRef: {name: a9s-postgresql}}\n";
    let out = env.apply_app(bad).await;
    assert_ne!(out.code, 0, "the App API server refuses it");
    assert!(out.stderr.contains("Unsupported plan"), "{}", out.stderr);
    create_claim(&env, "PostgresqlInstance", "default", "good", "").await;
    until_in_sync(&env, &bound.cluster_ns, WAIT).await;
    assert_eq!(count(&env, &bound.cluster_ns).await, (1, 1));
    konnector.stop().await;
    env.shutdown().await;
}

#[tokio::test]
async fn unbinding_keeps_the_databases_and_rebinding_adopts_them() {
    let env = Env::start().await;
    let (bound, konnector) = bound_and_running(&env, &[PG, SB]).await;
    for i in 0..5 {
        create_claim(
            &env,
            "PostgresqlInstance",
            "default",
            &format!("db-{i}"),
            "",
        )
        .await;
    }
    create_claim(&env, "ServiceBinding", "default", "db-0", "db-0").await;
    until_in_sync(&env, &bound.cluster_ns, WAIT).await;

    // Unbind: the bindings go, their CRDs and App claims with them; the Control Plane keeps all.
    let bindings = Api::<APIServiceBinding>::namespaced(env.app.clone(), KONNECTOR_NAMESPACE);
    for (g, r) in [PG, SB] {
        bindings
            .delete(&format!("{r}.{g}"), &DeleteParams::default())
            .await
            .unwrap();
    }
    let crds = Api::<CustomResourceDefinition>::all(env.app.clone());
    eventually("the CRDs gone from the App Cluster", WAIT, || async {
        let left = crds.get_opt(&format!("{}.{}", PG.1, PG.0)).await.unwrap();
        left.is_none().then_some(())
    })
    .await;
    let cp_ns = format!("{}-default", bound.cluster_ns);
    let cp_pg =
        Api::<DynamicObject>::namespaced_with(env.cp.clone(), &cp_ns, &claim("PostgresqlInstance"));
    let kept = cp_pg.list(&Default::default()).await.unwrap();
    assert_eq!(
        kept.items.len(),
        5,
        "every instance is still on the Control Plane"
    );
    assert!(
        kept.items
            .iter()
            .all(|o| o.metadata.deletion_timestamp.is_none())
    );

    // Rebind: every instance is back in the App Cluster, with its spec and status.
    write_app_side(&env, &bound.response).await;
    until_ready(&env, &[PG, SB]).await;
    until_in_sync(&env, &bound.cluster_ns, WAIT).await;
    assert_eq!(count(&env, &bound.cluster_ns).await, (6, 6));
    konnector.stop().await;
    env.shutdown().await;
}

#[tokio::test]
async fn a_missing_export_is_named_in_the_binding_conditions() {
    let env = Env::start().await;
    let (bound, konnector) = bound_and_running(&env, &[PG]).await;
    let name = format!("{}.{}", PG.1, PG.0);
    Api::<APIServiceExport>::namespaced(env.cp.clone(), &bound.cluster_ns)
        .delete(&name, &DeleteParams::default())
        .await
        .unwrap();
    let bindings = Api::<APIServiceBinding>::namespaced(env.app.clone(), KONNECTOR_NAMESPACE);
    let ready = eventually("the binding to say what is wrong", WAIT, || async {
        let conds = bindings.get(&name).await.unwrap().status?.conditions?;
        let ready = condition(&conds, condition_types::READY)?.clone();
        (ready.reason.as_deref() == Some("APIServiceExportNotFound")).then_some(ready)
    })
    .await;
    assert!(ready.message.unwrap().contains(&bound.cluster_ns));
    konnector.stop().await;
    env.shutdown().await;
}

#[tokio::test]
async fn two_konnectors_never_fight_and_one_takes_over_from_the_other() {
    let env = Env::start().await;
    let bound = bind(&env, &[PG]).await;
    let with_lease = |identity: &str| KonnectorOptions {
        leader_election: Some(LeaderElection {
            identity: identity.to_owned(),
            lease_duration: std::time::Duration::from_secs(2),
            ..LeaderElection::new(KONNECTOR_NAMESPACE)
        }),
        ..test_options()
    };
    let a = Konnector::start(env.app.clone(), with_lease("a"));
    let b = Konnector::start(env.app.clone(), with_lease("b"));
    let leaders = || {
        [&a, &b]
            .iter()
            .filter(|k| k.snapshot().leadership == Leadership::Leader)
            .count()
    };
    eventually("one leader", WAIT, || async {
        (leaders() == 1).then_some(())
    })
    .await;
    until_ready(&env, &[PG]).await;
    for i in 0..4 {
        create_claim(
            &env,
            "PostgresqlInstance",
            "default",
            &format!("db-{i}"),
            "",
        )
        .await;
    }
    until_in_sync(&env, &bound.cluster_ns, WAIT).await;
    let (leader, follower) = if a.snapshot().leadership == Leadership::Leader {
        (a, b)
    } else {
        (b, a)
    };
    assert_eq!(follower.snapshot().leadership, Leadership::Waiting);
    assert!(
        follower.snapshot().bindings.is_empty(),
        "the follower syncs nothing"
    );
    leader.stop().await;
    eventually("the other one leads", WAIT, || async {
        (follower.snapshot().leadership == Leadership::Leader).then_some(())
    })
    .await;
    create_claim(&env, "PostgresqlInstance", "default", "after", "").await;
    until_in_sync(&env, &bound.cluster_ns, WAIT).await;
    assert_eq!(count(&env, &bound.cluster_ns).await, (5, 5));
    follower.stop().await;
    env.shutdown().await;
}
