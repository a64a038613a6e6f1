//! The kinds of a real cluster that nothing in the sandbox runs: pods, services,
//! endpoints, nodes, volumes and their claims, the workload controllers' kinds, ingresses,
//! network policies, storage classes. Generic tools (kubectl, kdash, kubetui) list them
//! when they start; served as stored kinds they list empty instead of failing with a 404.
//! What is written is stored as it is: no controller acts on it (a pod is never
//! scheduled, a job never runs).

use super::builtins::{Def, age_col, col, name_col};
use super::registry::{Builtin, CellSource, Column};
use serde_json::{Value, json};

fn func(name: &str, f: fn(&Value) -> Value) -> Column {
    col(name, "string", 0, CellSource::Func(f))
}

fn stored(
    group: &'static str,
    kind: &'static str,
    plural: &'static str,
    namespaced: bool,
    short: &'static [&'static str],
    all: bool,
    middle: Vec<Column>,
) -> Def {
    let mut columns = vec![name_col()];
    columns.extend(middle);
    columns.push(age_col());
    Def {
        group,
        version: "v1",
        kind,
        plural,
        namespaced,
        short,
        builtin: Builtin::Stored,
        // Kinds with a status subresource in kube-apiserver (all but endpoints,
        // network policies and storage classes): writes to the main resource leave the
        // status alone.
        status: !matches!(kind, "Endpoints" | "NetworkPolicy" | "StorageClass"),
        all,
        columns,
    }
}

fn replicas(o: &Value, field: &str) -> Value {
    json!(o["status"][field].as_i64().unwrap_or(0))
}

/// Every stored-only kind.
pub(super) fn defs() -> Vec<Def> {
    vec![
        stored(
            "",
            "Pod",
            "pods",
            true,
            &["po"],
            true,
            vec![func("Status", |o| {
                json!(o["status"]["phase"].as_str().unwrap_or("Pending"))
            })],
        ),
        stored(
            "",
            "Service",
            "services",
            true,
            &["svc"],
            true,
            vec![
                func("Type", |o| {
                    json!(o["spec"]["type"].as_str().unwrap_or("ClusterIP"))
                }),
                func("Cluster-IP", |o| {
                    json!(o["spec"]["clusterIP"].as_str().unwrap_or("<none>"))
                }),
            ],
        ),
        stored("", "Endpoints", "endpoints", true, &["ep"], false, vec![]),
        stored("", "Node", "nodes", false, &["no"], false, vec![]),
        stored(
            "",
            "PersistentVolumeClaim",
            "persistentvolumeclaims",
            true,
            &["pvc"],
            false,
            vec![func("Status", |o| o["status"]["phase"].clone())],
        ),
        stored(
            "",
            "PersistentVolume",
            "persistentvolumes",
            false,
            &["pv"],
            false,
            vec![func("Status", |o| o["status"]["phase"].clone())],
        ),
        stored(
            "",
            "ReplicationController",
            "replicationcontrollers",
            true,
            &["rc"],
            true,
            vec![func("Ready", |o| replicas(o, "readyReplicas"))],
        ),
        stored(
            "apps",
            "ReplicaSet",
            "replicasets",
            true,
            &["rs"],
            true,
            vec![func("Ready", |o| replicas(o, "readyReplicas"))],
        ),
        stored(
            "apps",
            "StatefulSet",
            "statefulsets",
            true,
            &["sts"],
            true,
            vec![func("Ready", |o| replicas(o, "readyReplicas"))],
        ),
        stored(
            "apps",
            "DaemonSet",
            "daemonsets",
            true,
            &["ds"],
            true,
            vec![func("Ready", |o| replicas(o, "numberReady"))],
        ),
        stored(
            "batch",
            "Job",
            "jobs",
            true,
            &[],
            true,
            vec![func("Succeeded", |o| replicas(o, "succeeded"))],
        ),
        stored(
            "batch",
            "CronJob",
            "cronjobs",
            true,
            &["cj"],
            true,
            vec![func("Schedule", |o| o["spec"]["schedule"].clone())],
        ),
        stored(
            "networking.k8s.io",
            "Ingress",
            "ingresses",
            true,
            &["ing"],
            false,
            vec![func("Class", |o| o["spec"]["ingressClassName"].clone())],
        ),
        stored(
            "networking.k8s.io",
            "NetworkPolicy",
            "networkpolicies",
            true,
            &["netpol"],
            false,
            vec![],
        ),
        stored(
            "storage.k8s.io",
            "StorageClass",
            "storageclasses",
            false,
            &["sc"],
            false,
            vec![func("Provisioner", |o| o["provisioner"].clone())],
        ),
    ]
}
