//! The limits every write is held to, as kube-apiserver has them: a JSON patch of at most
//! 10,000 operations whose copies add at most 3 MiB, objects at most 3 MiB and 100
//! levels deep. Tried as the least privileged writer there is, an App Cluster's binder
//! account on the Control Plane (it may patch its export requests).
#![allow(clippy::unwrap_used)]

use crate::backend_support;
use crate::common;

use backend_support::cp::*;
use backend_support::*;
use common::Env;
use serde_json::{Value, json};
use std::time::{Duration, Instant};

async fn patch(c: &kube::Client, path: &str, ct: &str, body: &Value) -> (u16, Value) {
    let req = http::Request::builder()
        .method("PATCH")
        .uri(path)
        .header("Content-Type", ct)
        .body(serde_json::to_vec(body).unwrap())
        .unwrap();
    match c.request::<Value>(req).await {
        Ok(v) => (200, v),
        Err(kube::Error::Api(s)) => (s.code, serde_json::to_value(&*s).unwrap()),
        Err(e) => panic!("PATCH {path}: {e}"),
    }
}

/// Resident memory of this process (the sandbox runs in it), from /proc.
fn rss_bytes() -> u64 {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap();
    let pages: u64 = statm.split_whitespace().nth(1).unwrap().parse().unwrap();
    pages * 4096
}

fn nested(levels: usize) -> Value {
    let mut v = json!("leaf");
    for _ in 0..levels {
        v = json!({ "a": v });
    }
    v
}

#[tokio::test(flavor = "multi_thread")]
async fn the_binder_cannot_exhaust_memory_or_store_what_clients_cannot_read() {
    let env = Env::start().await;
    let response = bind(&env, "cluster-a", &[PG]).await;
    let requests = request_exports(&response).await;
    let binder = client_from(&response.kubeconfig).await;
    let ns = kubeconfig_namespace(&response.kubeconfig);
    let name = requests[0].metadata.name.clone().unwrap();
    let path = format!(
        "/apis/klutch.anynines.com/v1alpha1/namespaces/{ns}/apiserviceexportrequests/{name}"
    );
    let json_patch = "application/json-patch+json";

    // The copy bomb: each level holds two copies of the one below, 40 levels of a 1 KiB
    // string would be a terabyte.
    let mut ops = vec![json!({"op": "add", "path": "/spec/d0", "value": "x".repeat(1024)})];
    for level in 1..=40 {
        ops.push(json!({"op": "add", "path": format!("/spec/d{level}"), "value": {}}));
        for side in ["l", "r"] {
            ops.push(
                json!({"op": "copy", "from": format!("/spec/d{}", level - 1),
                "path": format!("/spec/d{level}/{side}")}),
            );
        }
    }
    let before = rss_bytes();
    let started = Instant::now();
    // `/readyz` is asked at the same moment: it answers while the bomb is being refused.
    let readyz = || http::Request::get("/readyz").body(Vec::new()).unwrap();
    let (((code, status), took), (ready_during, ready_took)) = tokio::join!(
        async {
            let answer = patch(&binder, &path, json_patch, &Value::Array(ops)).await;
            (answer, started.elapsed())
        },
        async {
            let asked = Instant::now();
            let ready = binder.request_text(readyz()).await;
            (ready, asked.elapsed())
        }
    );
    let grew = rss_bytes().saturating_sub(before);
    assert_eq!(ready_during.unwrap(), "ok");
    assert!(
        ready_took < Duration::from_secs(1),
        "/readyz answered after {ready_took:?}"
    );
    assert_eq!(code, 422, "{status}");
    assert!(
        status["message"]
            .as_str()
            .unwrap()
            .contains("accumulated size increase of copy"),
        "{status}"
    );
    assert!(took < Duration::from_secs(1), "refused in {took:?}");
    assert!(grew < 64 << 20, "memory grew by {} MiB", grew >> 20);
    let ready = binder.request_text(readyz()).await.unwrap();
    assert_eq!(ready, "ok");

    // Too many operations: 413, as kube-apiserver answers.
    let many: Vec<Value> = (0..10_001)
        .map(|_| json!({"op": "test", "path": "/kind", "value": "APIServiceExportRequest"}))
        .collect();
    let (code, status) = patch(&binder, &path, json_patch, &Value::Array(many)).await;
    assert_eq!(code, 413, "{status}");
    assert!(
        status["message"]
            .as_str()
            .unwrap()
            .contains("The allowed maximum operations in a JSON patch is 10000, got 10001"),
        "{status}"
    );

    // 200 levels, built by two operations of about 100 (each alone within what a JSON
    // body may hold).
    let deep_path = format!("/spec/deep{}", "/a".repeat(90));
    let ops = json!([
        {"op": "add", "path": "/spec/deep", "value": nested(90)},
        {"op": "replace", "path": deep_path, "value": nested(108)},
    ]);
    let (code, status) = patch(&binder, &path, json_patch, &ops).await;
    assert_eq!(code, 422, "{status}");
    assert!(
        status["message"].as_str().unwrap().contains("100 levels"),
        "{status}"
    );
    // What is stored can be read by kube-rs clients, and the export request still works.
    let all = binder
        .request_text(
            http::Request::get(format!(
                "/apis/klutch.anynines.com/v1alpha1/namespaces/{ns}/apiserviceexportrequests"
            ))
            .body(Vec::new())
            .unwrap(),
        )
        .await
        .unwrap();
    let list: kube::core::ObjectList<kube::api::DynamicObject> =
        serde_json::from_str(&all).unwrap();
    assert_eq!(list.items.len(), requests.len());
    env.sb.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn merge_patches_are_held_to_the_depth_too() {
    let env = Env::start().await;
    common::with_widgets(&env).await;
    env.apply(&common::widget("w", 1)).await;
    let admin = env.app().await;
    let status = "/apis/example.com/v1/namespaces/default/widgets/w/status";
    let merge = "application/merge-patch+json";
    // Conditions keep unknown fields: as deep as a JSON body may be is refused...
    let (code, answer) = patch(
        &admin,
        status,
        merge,
        &json!({"status": {"conditions": [{"type": "Deep", "x": nested(120)}]}}),
    )
    .await;
    assert_eq!(code, 422, "{answer}");
    assert!(
        answer["message"]
            .as_str()
            .unwrap()
            .contains("status.conditions[0].x"),
        "{answer}"
    );
    // ...90 levels are stored, and kube-rs reads them back in a list and a watch.
    let (code, answer) = patch(
        &admin,
        status,
        merge,
        &json!({"status": {"conditions": [{"type": "Deep", "x": nested(90)}]}}),
    )
    .await;
    assert_eq!(code, 200, "{answer}");
    let ar = kube::core::ApiResource::from_gvk(&kube::core::GroupVersionKind::gvk(
        "example.com",
        "v1",
        "Widget",
    ));
    let api: kube::Api<kube::api::DynamicObject> =
        kube::Api::namespaced_with(admin.clone(), "default", &ar);
    let listed = api.list(&Default::default()).await.unwrap();
    assert_eq!(listed.items.len(), 1);
    env.sb.shutdown().await;
}
