//! The simulated provider drives data service instances through their lifecycle on the
//! Control Plane (claims.md §7 "Instance"): status shapes, the transient error, pending
//! operations, updates, failure injection and deletion.
#![allow(clippy::unwrap_used)]

mod common;
mod provider_support;

use provider_support::*;
use serde_json::json;
use std::time::Duration;

#[tokio::test(flavor = "multi_thread")]
async fn an_instance_is_provisioned_at_once_without_delay() {
    let env = start(Duration::ZERO, 0.0).await;
    let c = cp(&env).await;
    namespace(&c, "team-a").await;
    create(
        &c,
        "PostgresqlInstance",
        "team-a",
        instance(
            "orders-db",
            "a9s-postgresql15",
            "postgresql-single-small",
            "a9s-postgresql",
        ),
    )
    .await;
    let o = wait_for(
        &c,
        "PostgresqlInstance",
        "team-a",
        "orders-db",
        "Ready",
        ready,
    )
    .await
    .unwrap();
    assert_eq!(
        o.metadata.finalizers.as_deref(),
        Some(&["finalizer.apiextensions.crossplane.io".to_string()][..])
    );
    let r = &o.data["spec"]["resourceRef"];
    assert_eq!(r["apiVersion"], "anynines.com/v1");
    assert_eq!(r["kind"], "XPostgresqlInstance");
    assert!(r["name"].as_str().unwrap().starts_with("orders-db-"));
    assert_eq!(managed(&o, "state"), "provisioned");
    for f in ["createdAt", "provisionedAt", "updatedAt"] {
        assert!(managed(&o, f).as_str().unwrap().ends_with('Z'), "{f}");
    }
    assert_eq!(
        cond(&o, false, "Synced").unwrap(),
        ("True".into(), "ReconcileSuccess".into(), String::new())
    );
    assert_eq!(
        cond(&o, true, "Ready").unwrap(),
        ("True".into(), "Available".into(), String::new())
    );
    delete(&c, "PostgresqlInstance", "team-a", "orders-db").await;
    wait_for(
        &c,
        "PostgresqlInstance",
        "team-a",
        "orders-db",
        "gone",
        |o| o.is_none(),
    )
    .await;
    let _ = json!(null);
}
