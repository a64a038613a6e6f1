//! ServiceBindings (claims.md §4, §7): waiting for the instance with upstream's messages, the
//! credentials Secret with the keys of upstream's e2e fixtures, owned by the binding and
//! deleted with it, retries after an injected failure, and the a8s flavour.
#![allow(clippy::unwrap_used)]

use crate::common;
use crate::provider_support;

use k8s_openapi::api::core::v1::Secret;
use kube::api::{Api, DeleteParams, DynamicObject};
use provider_support::*;
use std::collections::BTreeSet;
use std::time::{Duration, Instant};

const SB: &str = "ServiceBinding";

fn mr_synced(o: &DynamicObject) -> String {
    cond(o, true, "Synced")
        .map(|(_, r, m)| format!("{r}: {m}"))
        .unwrap_or_default()
}

fn secret_data(s: &Secret) -> std::collections::BTreeMap<String, String> {
    s.data
        .clone()
        .unwrap_or_default()
        .into_iter()
        .map(|(k, v)| (k, String::from_utf8(v.0).unwrap()))
        .collect()
}

async fn secret(c: &kube::Client, ns: &str, name: &str) -> Option<Secret> {
    Api::<Secret>::namespaced(c.clone(), ns)
        .get_opt(name)
        .await
        .unwrap()
}

/// Wait (watching) until the Secret exists (`true`) or is gone (`false`).
async fn secret_exists(c: &kube::Client, ns: &str, name: &str, exists: bool) -> Option<Secret> {
    let api = Api::<Secret>::namespaced(c.clone(), ns);
    tokio::time::timeout(
        WAIT,
        kube::runtime::wait::await_condition(api, name, move |s: Option<&Secret>| {
            s.is_some() == exists
        }),
    )
    .await
    .unwrap_or_else(|_| panic!("Secret {ns}/{name} exists={exists} within {WAIT:?}"))
    .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_binding_waits_for_its_instance_then_writes_the_credentials() {
    let env = start(Duration::from_millis(1200), 0.0).await;
    let c = cp(&env).await;
    namespace(&c, "team-a").await;
    let rec = Recorder::start(&c, SB, "team-a", "orders-db-binding").await;
    let binding = referencing(
        "orders-db-binding",
        "instanceRef",
        "orders-db",
        "postgresql",
        "a9s-servicebinding",
    );
    create(&c, SB, "team-a", binding).await;
    let o = wait_for(&c, SB, "team-a", "orders-db-binding", "waiting", |o| {
        o.is_some_and(|o| mr_synced(o).contains("not found"))
    })
    .await
    .unwrap();
    assert_eq!(
        mr_synced(&o),
        "ReconcileError: observe failed: data service instance was not found"
    );
    assert_eq!(managed(&o, "state"), "Pending");
    assert_eq!(cond(&o, false, "Ready").unwrap().1, "Waiting");

    // The instance appears; the instance watch wakes the binding, which waits for it.
    let inst = instance(
        "orders-db",
        "a9s-postgresql15",
        "postgresql-replica-small",
        "a9s-postgresql",
    );
    create(&c, PG, "team-a", inst).await;
    wait_for(&c, PG, "team-a", "orders-db", "Ready", ready).await;
    let t = Instant::now();
    let o = wait_for(&c, SB, "team-a", "orders-db-binding", "Ready", ready)
        .await
        .unwrap();
    assert!(
        t.elapsed() < Duration::from_secs(5),
        "bound after {:?}",
        t.elapsed()
    );
    rec.caught_up(Some(&o)).await;
    assert_eq!(
        rec.trail(mr_synced),
        vec![
            String::new(),
            "ReconcileError: observe failed: data service instance was not found".into(),
            "ReconcileError: observe failed: service instance is not ready".into(),
            "ReconcileError: observe failed: servicebinding status field is unset, setting required values".into(),
            "ReconcileSuccess: ".into(),
        ]
    );
    assert_eq!(managed(&o, "state"), "Created");
    assert_eq!(cond(&o, true, "Ready").unwrap().1, "Available");
    assert_eq!(o.data["spec"]["resourceRef"]["kind"], "XServiceBinding");

    let s = secret(&c, "team-a", "orders-db-binding-creds")
        .await
        .unwrap();
    let owner = &s.metadata.owner_references.as_ref().unwrap()[0];
    assert_eq!(
        (owner.kind.as_str(), owner.name.as_str(), owner.uid.as_str()),
        (
            "ServiceBinding",
            "orders-db-binding",
            o.metadata.uid.as_deref().unwrap()
        )
    );
    assert_eq!(owner.controller, Some(true));
    let d = secret_data(&s);
    assert_eq!(
        d.keys().map(String::as_str).collect::<Vec<_>>(),
        [
            "host", "hosts", "name", "password", "port", "uri", "username"
        ]
    );
    let host = &d["host"];
    assert!(
        host.ends_with(".service.dc1.a9s-postgresql-consul"),
        "{host}"
    );
    assert_eq!(d["port"], "5432");
    assert_eq!(
        d["uri"],
        format!(
            "postgres://{}:{}@{host}:5432/{}",
            d["username"], d["password"], d["name"]
        )
    );
    // A replica plan runs on three nodes.
    assert_eq!(d["hosts"].split(' ').count(), 3, "{}", d["hosts"]);
    // The host names the instance's deployment: a second binding gets the same host and
    // other credentials.
    let second = referencing(
        "second",
        "instanceRef",
        "orders-db",
        "postgresql",
        "a9s-servicebinding",
    );
    create(&c, SB, "team-a", second).await;
    wait_for(&c, SB, "team-a", "second", "Ready", ready).await;
    let d2 = secret_data(&secret(&c, "team-a", "second-creds").await.unwrap());
    assert_eq!(d2["host"], d["host"]);
    assert_ne!(d2["password"], d["password"]);
    assert_ne!(d2["username"], d["username"]);

    // Deleting the binding removes its Secret.
    delete(&c, SB, "team-a", "orders-db-binding").await;
    wait_for(&c, SB, "team-a", "orders-db-binding", "gone", |o| {
        o.is_none()
    })
    .await;
    assert!(
        secret(&c, "team-a", "orders-db-binding-creds")
            .await
            .is_none()
    );
    assert!(secret(&c, "team-a", "second-creds").await.is_some());
}

#[tokio::test(flavor = "multi_thread")]
async fn every_data_service_gets_the_keys_of_upstreams_fixture() {
    let env = start(Duration::ZERO, 0.0).await;
    let c = cp(&env).await;
    namespace(&c, "ds").await;
    let cases = [
        (
            "postgresql",
            PG,
            "a9s-postgresql13",
            "postgresql-single-nano",
        ),
        (
            "keyvalue",
            "KeyvalueInstance",
            "a9s-keyvalue8",
            "keyvalue-single-small-ssl",
        ),
        (
            "logme2",
            "Logme2Instance",
            "a9s-logme2",
            "logme-single-small-ssl",
        ),
        (
            "mariadb",
            "MariadbInstance",
            "a9s-mariadb106",
            "mariadb-single-small",
        ),
        (
            "messaging",
            "MessagingInstance",
            "a9s-messaging313",
            "messaging-single-small",
        ),
        (
            "mongodb",
            "MongodbInstance",
            "a9s-mongodb70",
            "mongodbsspl-single-small",
        ),
        (
            "prometheus",
            "PrometheusInstance",
            "a9s-prometheus",
            "prometheus-single-small",
        ),
        (
            "search",
            "SearchInstance",
            "a9s-search2",
            "search-single-small-ssl",
        ),
    ];
    for (ty, kind, service, plan) in cases {
        create(
            &c,
            kind,
            "ds",
            instance(ty, service, plan, &format!("a9s-{ty}")),
        )
        .await;
        let b = referencing(
            &format!("{ty}-sb"),
            "instanceRef",
            ty,
            ty,
            "a9s-servicebinding",
        );
        create(&c, SB, "ds", b).await;
    }
    for (ty, ..) in cases {
        wait_for(&c, SB, "ds", &format!("{ty}-sb"), "Ready", ready).await;
        let s = secret(&c, "ds", &format!("{ty}-sb-creds")).await.unwrap();
        let fixture =
            common::fixtures().join(format!("claims/e2e/{ty}-servicebinding-secret.yaml"));
        let want: serde_json::Value =
            serde_saphyr::from_str(&std::fs::read_to_string(&fixture).unwrap()).unwrap();
        let want: BTreeSet<String> = want["stringData"]
            .as_object()
            .unwrap()
            .keys()
            .cloned()
            .collect();
        let got: BTreeSet<String> = secret_data(&s).keys().cloned().collect();
        assert_eq!(got, want, "{ty}");
        assert!(
            secret_data(&s)
                .values()
                .all(|v| !v.is_empty() && v != "test"),
            "{ty}: every value is filled in"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_failed_bind_is_retried_and_a_lost_secret_written_again() {
    let env = start(Duration::ZERO, 0.0).await;
    let c = cp(&env).await;
    namespace(&c, "team-a").await;
    ready_instance(&c, "team-a", "db", "postgresql-single-small").await;
    let rec = Recorder::start(&c, SB, "team-a", "app").await;
    let mut b = referencing(
        "app",
        "instanceRef",
        "db",
        "postgresql",
        "a9s-servicebinding",
    );
    b["metadata"]["annotations"] =
        serde_json::json!({sandbox::provider::FAIL_NEXT_ANNOTATION: "service broker unavailable"});
    create(&c, SB, "team-a", b).await;
    let o = wait_for(&c, SB, "team-a", "app", "Ready", ready)
        .await
        .unwrap();
    rec.caught_up(Some(&o)).await;
    assert_eq!(
        rec.trail(mr_synced),
        vec![
            String::new(),
            "ReconcileError: create failed: service broker unavailable".into(),
            "ReconcileSuccess: ".into(),
        ]
    );
    // Deleting the Secret behind the provider's back: the binding writes it again.
    let old = secret(&c, "team-a", "app-creds").await.unwrap();
    Api::<Secret>::namespaced(c.clone(), "team-a")
        .delete("app-creds", &DeleteParams::default())
        .await
        .unwrap();
    let old_uid = old.metadata.uid.clone();
    let new = tokio::time::timeout(
        WAIT,
        kube::runtime::wait::await_condition(
            Api::<Secret>::namespaced(c.clone(), "team-a"),
            "app-creds",
            move |s: Option<&Secret>| s.is_some_and(|s| s.metadata.uid != old_uid),
        ),
    )
    .await
    .expect("the Secret is written again")
    .unwrap()
    .unwrap();
    assert_eq!(secret_data(&new)["host"], secret_data(&old)["host"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_a8s_binding_writes_the_operators_secret() {
    let env = start(Duration::ZERO, 0.0).await;
    let c = cp(&env).await;
    namespace(&c, "default").await;
    let inst = instance(
        "example-a8s-postgresql",
        "a9s-postgresql13",
        "postgresql-single-small",
        "a8s-postgresql",
    );
    create(&c, PG, "default", inst).await;
    let b = referencing(
        "example-a8s-postgresql",
        "instanceRef",
        "example-a8s-postgresql",
        "postgresql",
        "a8s-servicebinding",
    );
    create(&c, SB, "default", b).await;
    let o = wait_for(
        &c,
        SB,
        "default",
        "example-a8s-postgresql",
        "implemented",
        |o| o.is_some_and(|o| managed(o, "implemented") == true),
    )
    .await
    .unwrap();
    assert_eq!(
        managed(&o, "secret"),
        &serde_json::json!({"name": "example-a8s-postgresql-service-binding", "namespace": "default"})
    );
    let s = secret(&c, "default", "example-a8s-postgresql-service-binding")
        .await
        .unwrap();
    let keys: Vec<String> = secret_data(&s).keys().cloned().collect();
    for k in ["database", "password", "username"] {
        assert!(keys.contains(&k.to_string()), "{keys:?}");
    }
    delete(&c, SB, "default", "example-a8s-postgresql").await;
    secret_exists(
        &c,
        "default",
        "example-a8s-postgresql-service-binding",
        false,
    )
    .await;
}

/// A reconciliation that runs again before the binding's own status write has reached the
/// provider's cache finds the Secret it wrote: the credentials handed out stay (they were
/// generated anew, so a client that had read them lost its password). The Secret is there
/// before the binding can bind at all (its instance does not exist yet), so no timing decides
/// which write comes first.
#[tokio::test(flavor = "multi_thread")]
async fn credentials_once_handed_out_are_kept() {
    let env = start(Duration::from_millis(300), 0.0).await;
    let c = cp(&env).await;
    namespace(&c, "team-a").await;
    let b = referencing(
        "app",
        "instanceRef",
        "db",
        "postgresql",
        "a9s-servicebinding",
    );
    let created = create(&c, SB, "team-a", b).await;
    let secret: Secret = serde_json::from_value(serde_json::json!({
        "metadata": {
            "name": "app-creds",
            "namespace": "team-a",
            "ownerReferences": [{
                "apiVersion": "anynines.com/v1",
                "kind": SB,
                "name": "app",
                "uid": created.metadata.uid.clone().unwrap(),
                "controller": true,
            }],
        },
        "stringData": {"password": "handed-out-before"},
    }))
    .unwrap();
    Api::<Secret>::namespaced(c.clone(), "team-a")
        .create(&Default::default(), &secret)
        .await
        .unwrap();
    ready_instance(&c, "team-a", "db", "postgresql-single-small").await;
    wait_for(&c, SB, "team-a", "app", "Ready", ready).await;
    let kept = secret_data(
        &secret_exists(&c, "team-a", "app-creds", true)
            .await
            .unwrap(),
    );
    assert_eq!(kept["password"], "handed-out-before");
}
