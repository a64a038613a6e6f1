//! Test fixtures for the cockpit: a store with both clusters connected and objects of every
//! view, built from the shared fixtures plus a few synthetic objects, at a fixed time.

use crate::cluster::health::{ClusterState, Fetch, Link, UserInfo};
use crate::cluster::{ClusterId, Entry, Store};
use jiff::Timestamp;
use klutch::objects::ObjectClass;
use kube::api::DynamicObject;
use serde_json::{Value, json};
use std::time::Duration;

/// The time every fixture is seen at.
pub fn now() -> Timestamp {
    "2026-06-10T12:00:00Z"
        .parse()
        .unwrap_or(Timestamp::UNIX_EPOCH)
}

fn fixture(path: &str) -> Value {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/fixtures");
    let text = std::fs::read_to_string(format!("{dir}/{path}")).unwrap();
    serde_saphyr::from_str(&text).unwrap()
}

fn at(mut v: Value, created: &str) -> Value {
    v["metadata"]["creationTimestamp"] = created.into();
    v
}

fn entry(v: Value, class: ObjectClass, cluster: ClusterId) -> Entry {
    let kind = v["kind"].as_str().unwrap_or("Unknown").to_string();
    let api_version = v["apiVersion"].as_str().unwrap_or("v1").to_string();
    let obj: DynamicObject = serde_json::from_value(v).unwrap();
    Entry::from_object(obj, class, cluster, &kind, &api_version)
}

/// An entry for a JSON object, its class read from its apiVersion and kind.
pub fn object(v: Value, cluster: ClusterId) -> Entry {
    let api_version = v["apiVersion"].as_str().unwrap_or_default();
    let group = api_version.rsplit_once('/').map_or("", |(g, _)| g);
    let class = ObjectClass::of(group, v["kind"].as_str().unwrap_or_default())
        .unwrap_or_else(|| panic!("not a Klutch object: {v}"));
    entry(v, class, cluster)
}

fn cluster(context: &str, server: &str, user: &str, rtt_ms: u64) -> ClusterState {
    ClusterState {
        link: Link::Up,
        rtt: Some(Duration::from_millis(rtt_ms)),
        user: Fetch::Loaded(UserInfo {
            username: user.into(),
            groups: vec!["system:authenticated".into()],
        }),
        ..ClusterState::configured(context, server)
    }
}

fn claim(kind: &str, ns: &str, name: &str, spec: Value, conditions: Value, created: &str) -> Value {
    json!({"apiVersion": "anynines.com/v1", "kind": kind,
        "metadata": {"name": name, "namespace": ns, "creationTimestamp": created,
                     "labels": {"app": name.split('-').next().unwrap_or(name)}},
        "spec": spec, "status": {"conditions": conditions}})
}

/// A store with both clusters up and objects in every view.
pub fn store() -> Store {
    let store = Store::new();
    let app = ClusterId::App;
    let cp = ClusterId::ControlPlane;
    let mut entries = vec![
        entry(
            at(
                fixture("claims/authored/example-postgresqlinstance-ready.yaml"),
                "2026-06-10T09:00:00Z",
            ),
            ObjectClass::Claim,
            app,
        ),
        entry(
            at(
                fixture("claims/authored/example-backup-failed.yaml"),
                "2026-06-10T10:00:00Z",
            ),
            ObjectClass::Claim,
            app,
        ),
        entry(
            claim(
                "ServiceBinding",
                "team-a",
                "orders-db-creds",
                json!({"instanceRef": "orders-db", "serviceInstanceType": "postgresql"}),
                json!([{"type": "Synced", "status": "False", "reason": "ReconcileError",
                        "message": "data service instance was not found",
                        "lastTransitionTime": "2026-06-10T11:59:30Z"}]),
                "2026-06-10T11:59:20Z",
            ),
            ObjectClass::Claim,
            app,
        ),
        entry(
            claim(
                "KeyvalueInstance",
                "team-b",
                "sessions",
                json!({"service": "a9s-keyvalue8", "plan": "keyvalue-single-small-ssl"}),
                json!([{"type": "Synced", "status": "True", "reason": "ReconcileSuccess"},
                       {"type": "Ready", "status": "False", "reason": "Waiting",
                        "message": "Claim is waiting for composite resource to become Ready",
                        "lastTransitionTime": "2026-06-10T11:57:00Z"}]),
                "2026-06-10T11:56:58Z",
            ),
            ObjectClass::Claim,
            app,
        ),
        entry(
            claim(
                "PostgresqlInstance",
                "cluster-8xk2p",
                "orders-db",
                json!({"service": "a9s-postgresql15", "plan": "postgresql-single-small"}),
                json!([{"type": "Ready", "status": "True", "reason": "Available"}]),
                "2026-06-10T09:00:02Z",
            ),
            ObjectClass::Claim,
            cp,
        ),
    ];
    for (file, created) in [
        (
            "export-templates/postgresql_apiserviceexporttemplate.yaml",
            "2026-06-01T08:00:00Z",
        ),
        (
            "export-templates/backup_apiserviceexporttemplate.yaml",
            "2026-06-01T08:00:01Z",
        ),
        (
            "export-templates/servicebinding_apiserviceexporttemplate.yaml",
            "2026-06-01T08:00:02Z",
        ),
    ] {
        entries.push(entry(
            at(fixture(file), created),
            ObjectClass::ExportTemplate,
            cp,
        ));
    }
    let bind = "klutch.anynines.com/v1alpha1";
    let ready =
        json!([{"type": "Ready", "status": "True", "lastTransitionTime": "2026-06-10T08:30:00Z"}]);
    entries.push(entry(
        json!({"apiVersion": bind, "kind": "APIServiceExportRequest",
            "metadata": {"name": "postgresqlinstances.anynines.com", "namespace": "cluster-8xk2p",
                         "creationTimestamp": "2026-06-10T08:29:00Z"},
            "spec": {"resources": [{"group": "anynines.com", "resource": "postgresqlinstances"}]},
            "status": {"phase": "Succeeded"}}),
        ObjectClass::ExportRequest,
        cp,
    ));
    entries.push(entry(
        json!({"apiVersion": bind, "kind": "APIServiceExportRequest",
            "metadata": {"name": "backups.anynines.com", "namespace": "cluster-8xk2p",
                         "creationTimestamp": "2026-06-10T11:58:00Z"},
            "spec": {"resources": [{"group": "anynines.com", "resource": "backups"}]},
            "status": {"phase": "Pending"}}),
        ObjectClass::ExportRequest,
        cp,
    ));
    entries.push(entry(
        json!({"apiVersion": bind, "kind": "APIServiceExport",
            "metadata": {"name": "postgresqlinstances.anynines.com", "namespace": "cluster-8xk2p",
                         "creationTimestamp": "2026-06-10T08:29:30Z"},
            "spec": {"group": "anynines.com", "names": {"plural": "postgresqlinstances", "kind": "PostgresqlInstance"},
                     "scope": "Namespaced", "informerScope": "Namespaced"},
            "status": {"conditions": ready}}),
        ObjectClass::Export,
        cp,
    ));
    entries.push(entry(
        json!({"apiVersion": bind, "kind": "ClusterBinding",
            "metadata": {"name": "cluster", "namespace": "cluster-8xk2p",
                         "creationTimestamp": "2026-06-10T08:28:00Z"},
            "spec": {"providerPrettyName": "anynines", "kubeconfigSecretRef": {"name": "kubeconfig", "key": "kubeconfig"}},
            "status": {"lastHeartbeatTime": "2026-06-10T11:58:00Z", "heartbeatInterval": "5m0s", "conditions": ready}}),
        ObjectClass::ClusterBinding,
        cp,
    ));
    entries.push(entry(
        json!({"apiVersion": bind, "kind": "APIServiceBinding",
            "metadata": {"name": "postgresqlinstances.anynines.com", "namespace": "klutch-bind",
                         "creationTimestamp": "2026-06-10T08:31:00Z"},
            "spec": {"kubeconfigSecretRef": {"namespace": "klutch-bind", "name": "kubeconfig-x7k2q", "key": "kubeconfig"}},
            "status": {"providerPrettyName": "anynines", "conditions": ready}}),
        ObjectClass::ApiServiceBinding,
        app,
    ));
    store.update(|d| {
        *d.cluster_mut(app) = cluster("klutch-app", "https://127.0.0.1:41001", "admin", 2);
        *d.cluster_mut(cp) = cluster(
            "klutch-control-plane",
            "https://127.0.0.1:41002",
            "klutch-binder",
            3,
        );
        for e in entries {
            d.apply(e);
        }
    });
    store
}

/// `n` synthetic claims over 50 namespaces (for tests and benchmarks of big lists).
pub fn many_claims(store: &Store, n: usize) {
    let kinds = ["PostgresqlInstance", "ServiceBinding", "Backup", "Restore"];
    store.update(|d| {
        for i in 0..n {
            let v = claim(
                kinds[i % kinds.len()],
                &format!("ns-{:02}", i % 50),
                &format!("claim-{i:05}"),
                json!({"service": "a9s-postgresql15", "plan": "postgresql-single-small"}),
                json!([{"type": "Ready", "status": "True", "reason": "Available"}]),
                "2026-06-10T09:00:00Z",
            );
            d.apply(entry(v, ObjectClass::Claim, ClusterId::App));
        }
    });
}
