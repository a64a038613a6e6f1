//! kubectl against the sandbox: create, apply, get in every output format, delete,
//! discovery, explain, and the auth commands (protobuf bodies).
#![allow(clippy::unwrap_used)]

use crate::common;
use common::*;

#[tokio::test(flavor = "multi_thread")]
async fn create_get_in_every_format_and_delete() {
    let env = Env::start().await;
    // Typed `kubectl create` sends protobuf bodies.
    env.ok(&["create", "namespace", "team-a"]).await;
    env.ok(&[
        "-n",
        "team-a",
        "create",
        "configmap",
        "settings",
        "--from-literal=color=blue",
        "--from-literal=size=3",
    ])
    .await;
    env.ok(&[
        "-n",
        "team-a",
        "create",
        "secret",
        "generic",
        "creds",
        "--from-literal=password=s3cret",
    ])
    .await;

    let table = env.ok(&["-n", "team-a", "get", "configmaps"]).await;
    let mut lines = table.lines();
    let header: Vec<&str> = lines.next().unwrap().split_whitespace().collect();
    assert_eq!(header, ["NAME", "DATA", "AGE"]);
    let row: Vec<&str> = lines.next().unwrap().split_whitespace().collect();
    assert_eq!(&row[..2], ["settings", "2"]);

    let yaml = env
        .ok(&["-n", "team-a", "get", "configmap", "settings", "-o", "yaml"])
        .await;
    let v: serde_json::Value = serde_saphyr::from_str(&yaml).unwrap();
    assert_eq!(v["data"]["color"], "blue");
    assert!(v["metadata"]["uid"].as_str().unwrap().len() == 36);
    assert!(
        v["metadata"]["resourceVersion"]
            .as_str()
            .unwrap()
            .parse::<u64>()
            .is_ok()
    );
    assert!(
        v["metadata"]["creationTimestamp"]
            .as_str()
            .unwrap()
            .ends_with('Z')
    );

    let json = env
        .ok(&["-n", "team-a", "get", "secret", "creds", "-o", "json"])
        .await;
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["data"]["password"], "czNjcmV0");
    assert_eq!(v["type"], "Opaque");
    assert!(v.get("stringData").is_none());

    let wide = env.ok(&["get", "namespaces", "-o", "wide"]).await;
    assert!(
        wide.lines()
            .any(|l| l.starts_with("team-a") && l.contains("Active")),
        "{wide}"
    );

    let names = env
        .ok(&["-n", "team-a", "get", "configmaps,secrets", "-o", "name"])
        .await;
    assert!(
        names.contains("configmap/settings") && names.contains("secret/creds"),
        "{names}"
    );

    let out = env
        .ok(&["-n", "team-a", "delete", "configmap", "settings"])
        .await;
    assert!(out.contains("configmap \"settings\" deleted"), "{out}");
    let gone = env
        .kubectl(&["-n", "team-a", "get", "configmap", "settings"])
        .await;
    assert_eq!(gone.code, 1);
    assert!(
        gone.stderr
            .contains("Error from server (NotFound): configmaps \"settings\" not found"),
        "{}",
        gone.stderr
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn apply_is_idempotent_and_updates() {
    let env = Env::start().await;
    let cm = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app\n  namespace: default\ndata:\n  a: \"1\"\n";
    assert!(env.apply(cm).await.contains("configmap/app created"));
    assert!(env.apply(cm).await.contains("configmap/app unchanged"));
    let rv1 = env
        .ok(&[
            "get",
            "cm",
            "app",
            "-o",
            "jsonpath={.metadata.resourceVersion}",
        ])
        .await;
    assert!(
        env.apply(&cm.replace("\"1\"", "\"2\""))
            .await
            .contains("configmap/app configured")
    );
    let after = env
        .ok(&[
            "get",
            "cm",
            "app",
            "-o",
            "jsonpath={.data.a} {.metadata.resourceVersion}",
        ])
        .await;
    let (a, rv2) = after.split_once(' ').unwrap();
    assert_eq!(a, "2");
    assert!(rv2.parse::<u64>().unwrap() > rv1.parse::<u64>().unwrap());
}

#[tokio::test(flavor = "multi_thread")]
async fn discovery_api_resources_and_explain() {
    let env = Env::start().await;
    with_widgets(&env).await;
    let res = env.ok(&["api-resources"]).await;
    for want in [
        "configmaps",
        "customresourcedefinitions",
        "widgets",
        "leases",
        "clusterroles",
        "deployments",
    ] {
        assert!(
            res.lines().any(|l| l.starts_with(want)),
            "api-resources lacks {want}:\n{res}"
        );
    }
    let widgets = res.lines().find(|l| l.starts_with("widgets")).unwrap();
    let cols: Vec<&str> = widgets.split_whitespace().collect();
    assert_eq!(cols, ["widgets", "wd", "example.com/v1", "true", "Widget"]);
    let versions = env.ok(&["api-versions"]).await;
    assert!(versions.lines().any(|l| l == "example.com/v1"));
    assert!(versions.lines().any(|l| l == "v1"));
    let explain = env.ok(&["explain", "widgets.spec"]).await;
    assert!(explain.contains("KIND:       Widget"), "{explain}");
    assert!(explain.contains("size\t<integer> -required-"), "{explain}");
    assert!(explain.contains("How big the widget is."), "{explain}");
    let top = env.ok(&["explain", "widget"]).await;
    assert!(top.contains("A widget for tests."), "{top}");
}

#[tokio::test(flavor = "multi_thread")]
async fn auth_can_i_and_whoami() {
    let env = Env::start().await;
    let yes = env
        .kubectl(&["auth", "can-i", "create", "configmaps"])
        .await;
    assert_eq!((yes.code, yes.stdout.trim()), (0, "yes"));
    let who = env.ok(&["auth", "whoami"]).await;
    assert!(
        who.contains("ATTRIBUTE") && who.contains("Username    app-admin"),
        "{who}"
    );
    assert!(who.contains("system:masters"), "{who}");
    let list = env.ok(&["auth", "can-i", "--list"]).await;
    assert!(list.contains("*.*"), "{list}");
}

#[tokio::test(flavor = "multi_thread")]
async fn unknown_resource_and_bad_input_are_clear_errors() {
    let env = Env::start().await;
    let o = env.kubectl(&["get", "gizmos"]).await;
    assert_eq!(o.code, 1);
    assert!(
        o.stderr
            .contains("the server doesn't have a resource type \"gizmos\""),
        "{}",
        o.stderr
    );
    let o = env
        .kubectl_stdin(
            &["apply", "-f", "-"],
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: Bad_Name\n",
        )
        .await;
    assert_eq!(o.code, 1);
    assert!(
        o.stderr
            .contains("metadata.name: Invalid value: \"Bad_Name\""),
        "{}",
        o.stderr
    );
    let o = env.kubectl(&["get", "cm", "-l", "a in (b"]).await;
    assert_ne!(o.code, 0);
}

/// The kinds generic tools (kdash, kubetui, `kubectl get all`) list on start are served
/// empty; metrics.k8s.io is absent, as in a cluster without metrics-server.
#[tokio::test(flavor = "multi_thread")]
async fn a_clusters_kinds_list_empty_and_metrics_are_absent() {
    let env = Env::start().await;
    for kind in [
        "pods",
        "services",
        "endpoints",
        "nodes",
        "persistentvolumeclaims",
        "persistentvolumes",
        "replicasets",
        "statefulsets",
        "daemonsets",
        "jobs",
        "cronjobs",
        "ingresses",
        "networkpolicies",
        "storageclasses",
        "replicationcontrollers",
    ] {
        let o = env.kubectl(&["get", kind, "-A"]).await;
        assert_eq!(o.code, 0, "kubectl get {kind}: {o:?}");
        assert!(o.stdout.is_empty(), "{kind}: {}", o.stdout);
        assert!(
            o.stderr.contains("No resources found"),
            "{kind}: {}",
            o.stderr
        );
        let o = env.ok(&["get", kind, "-A", "-o", "json"]).await;
        let v: serde_json::Value = serde_json::from_str(&o).unwrap();
        assert_eq!(v["items"], serde_json::json!([]), "{kind}");
    }
    for short in [
        "po", "svc", "no", "pvc", "pv", "rs", "sts", "ds", "cj", "ing", "netpol", "sc",
    ] {
        env.ok(&["get", short, "-A"]).await;
    }
    // `get all` (the category all: pods, services, workloads) works on them.
    env.ok(&["get", "all", "-A"]).await;
    // Stored, not run: a pod stays Pending, and typed clients read it.
    env.apply(
        "apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: default}\n\
         spec: {containers: [{name: c, image: nginx, resources: {limits: {cpu: 1}}}]}\n",
    )
    .await;
    let client = env.app().await;
    let pods: kube::Api<k8s_openapi::api::core::v1::Pod> = kube::Api::all(client.clone());
    let listed = pods.list(&Default::default()).await.unwrap();
    assert_eq!(listed.items.len(), 1);
    let nodes: kube::Api<k8s_openapi::api::core::v1::Node> = kube::Api::all(client.clone());
    assert!(
        nodes
            .list(&Default::default())
            .await
            .unwrap()
            .items
            .is_empty()
    );
    // kube-rs discovery (kubetui's) succeeds and finds them.
    let discovery = kube::Discovery::new(client.clone()).run().await.unwrap();
    assert!(
        discovery
            .groups()
            .any(|g| g.name() == "batch" && g.recommended_kind("CronJob").is_some())
    );
    assert!(!discovery.has_group("metrics.k8s.io"));

    // No metrics-server: kubectl top says so, the API answers 404 as kube-apiserver does
    // for a group nobody serves.
    let o = env.kubectl(&["top", "nodes"]).await;
    assert_eq!(o.code, 1);
    assert!(
        o.stderr.contains("Metrics API not available"),
        "{}",
        o.stderr
    );
    let o = env.kubectl(&["top", "pods", "-A"]).await;
    assert!(
        o.stderr.contains("Metrics API not available"),
        "{}",
        o.stderr
    );
    let req = http::Request::get("/apis/metrics.k8s.io/v1beta1/nodes")
        .body(Vec::new())
        .unwrap();
    match client.request::<serde_json::Value>(req).await {
        Err(kube::Error::Api(s)) => {
            assert_eq!((s.code, s.reason.as_str()), (404, "NotFound"), "{s:?}")
        }
        other => panic!("expected 404, got {other:?}"),
    }
}
