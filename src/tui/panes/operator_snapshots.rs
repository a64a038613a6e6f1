//! Snapshots of the operator view ("App clusters"): three App Clusters bound to the Control
//! Plane — one healthy, one whose konnector fell silent, one whose export request failed —
//! ranked trouble first, at 80×24 and 160×48, in the dark and light themes and with NO_COLOR.

use super::action_snapshots::{snap, state};
use super::snapshot_tests::{render, themes};
use crate::cluster::{ClusterId, Store};
use crate::tui::testing;
use serde_json::json;

const BIND: &str = "klutch.anynines.com/v1alpha1";

fn cluster_binding(ns: &str, heartbeat: &str, version: &str) -> serde_json::Value {
    json!({"apiVersion": BIND, "kind": "ClusterBinding",
        "metadata": {"name": "cluster", "namespace": ns, "creationTimestamp": "2026-06-09T08:00:00Z"},
        "spec": {"providerPrettyName": "anynines",
                 "kubeconfigSecretRef": {"name": "kubeconfig", "key": "kubeconfig"}},
        "status": {"lastHeartbeatTime": heartbeat, "heartbeatInterval": "5m0s",
                   "konnectorVersion": version}})
}

fn export_request(ns: &str, name: &str, status: serde_json::Value) -> serde_json::Value {
    json!({"apiVersion": BIND, "kind": "APIServiceExportRequest",
        "metadata": {"name": name, "namespace": ns, "creationTimestamp": "2026-06-09T08:01:00Z"},
        "spec": {"resources": [{"group": "anynines.com", "resource": name.split('.').next()}]},
        "status": status})
}

fn export(ns: &str, plural: &str, kind: &str) -> serde_json::Value {
    json!({"apiVersion": BIND, "kind": "APIServiceExport",
        "metadata": {"name": format!("{plural}.anynines.com"), "namespace": ns,
                     "creationTimestamp": "2026-06-09T08:01:30Z"},
        "spec": {"group": "anynines.com", "names": {"plural": plural, "kind": kind},
                 "scope": "Namespaced", "informerScope": "Namespaced"},
        "status": {"conditions": [{"type": "Ready", "status": "True",
                                   "lastTransitionTime": "2026-06-09T08:02:00Z"}]}})
}

/// The shared fixtures' Control Plane (cluster-8xk2p, heartbeat 2m ago) plus an App Cluster
/// silent for 25m (cluster-q9w4e) and one whose export request failed (cluster-m3n7t).
fn operator_store() -> Store {
    let store = testing::store();
    let succeeded = json!({"phase": "Succeeded"});
    let objects = [
        cluster_binding("cluster-q9w4e", "2026-06-10T11:35:00Z", "v0.0.9"),
        export_request(
            "cluster-q9w4e",
            "postgresqlinstances.anynines.com",
            succeeded.clone(),
        ),
        export("cluster-q9w4e", "postgresqlinstances", "PostgresqlInstance"),
        cluster_binding("cluster-m3n7t", "2026-06-10T11:59:30Z", "v0.1.0"),
        export_request(
            "cluster-m3n7t",
            "postgresqlinstances.anynines.com",
            succeeded,
        ),
        export("cluster-m3n7t", "postgresqlinstances", "PostgresqlInstance"),
        export_request(
            "cluster-m3n7t",
            "keyvalueinstances.anynines.com",
            json!({"phase": "Failed",
                   "terminalMessage": "no APIServiceExportTemplate serves keyvalueinstances.anynines.com"}),
        ),
    ];
    store.update(|d| {
        for v in objects {
            d.apply(testing::object(v, ClusterId::ControlPlane));
        }
    });
    store
}

#[test]
fn the_operator_view_ranks_trouble_first() {
    let store = operator_store();
    for size in [(80, 24), (160, 48)] {
        let s = state(&store, size, "5");
        let text = render(&store, &s, &themes()[0].1);
        let row = |ns: &str| {
            text.lines()
                .position(|l| l.contains(ns))
                .unwrap_or_else(|| panic!("{ns} at {size:?}:\n{text}"))
        };
        let (silent, failed, healthy) = (
            row("cluster-q9w4e"),
            row("cluster-m3n7t"),
            row("cluster-8xk2p"),
        );
        assert!(silent < failed && failed < healthy, "{size:?}:\n{text}");
        // The name column is never narrower than its title.
        assert!(text.contains("CLUSTER NAMESPACE "), "{size:?}:\n{text}");
        snap("operator", &store, &s);
    }
    let s = state(&store, (160, 48), "5");
    let text = render(&store, &s, &themes()[0].1);
    for expected in [
        "✗ HeartbeatLate",
        "konnector silent for 25m",
        "1 failed",
        "APIServiceExportRequest keyvalueinstances.anynines.com: no",
        "v0.0.9",
        "1/1",
    ] {
        assert!(text.contains(expected), "{expected}:\n{text}");
    }
}
