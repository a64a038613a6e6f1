//! `:yaml`'s read against the sandbox, through the same request the cockpit sends: a ready
//! service binding's credentials Secret comes back as keys and sizes only (no value), and
//! exactly the Events about the object, from both Event APIs, oldest first; an object
//! without a Secret gets none, and a gone object is said to be gone.
#![allow(clippy::unwrap_used)]

use crate::support;

use k8s_openapi::api::core::v1::Secret;
use klutch_tui::cluster::{ClusterId, Store};
use klutch_tui::services::claims::related::SecretView;
use klutch_tui::services::requests::{self, Replies};
use klutch_tui::services::{ClaimRequest, ObjectRef, Reply};
use kube::api::{Api, DynamicObject, PostParams};
use serde_json::{Value, json};
use std::time::Duration;
use support::claims::{instance_with_binding, start};

fn binding_ref(name: &str) -> ObjectRef {
    ObjectRef {
        api_version: "anynines.com/v1".into(),
        kind: "ServiceBinding".into(),
        plural: "servicebindings".into(),
        namespace: "team-a".into(),
        name: name.into(),
        cluster: ClusterId::App,
    }
}

async fn post(client: &kube::Client, api_version: &str, event: Value) {
    let (group, version) = api_version.rsplit_once('/').unwrap_or(("", api_version));
    let gvk = kube::core::GroupVersionKind::gvk(group, version, "Event");
    let resource = kube::core::ApiResource::from_gvk_with_plural(&gvk, "events");
    let api: Api<DynamicObject> = Api::namespaced_with(client.clone(), "team-a", &resource);
    let obj: DynamicObject = serde_json::from_value(event).unwrap();
    api.create(&PostParams::default(), &obj).await.unwrap();
}

/// Ask as the cockpit does and return the one reply.
async fn describe(client: &kube::Client, target: ObjectRef) -> Reply {
    let (tx, mut rx) = tokio::sync::mpsc::channel(8);
    let replies = Replies::new(tx, Store::new());
    let request = ClaimRequest::Describe(target);
    requests::run(7, request, client.clone(), None, &replies).await;
    let reply = rx.recv().await.unwrap();
    assert_eq!(reply.id(), 7);
    reply
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn yaml_reads_the_masked_secret_and_the_objects_events() {
    let env = start(Duration::from_millis(200), 0.0).await;
    let cp = env.cp.clone();
    instance_with_binding(&cp, "team-a", "orders", "orders-app").await;
    let involved = json!({"apiVersion": "anynines.com/v1", "kind": "ServiceBinding",
        "name": "orders-app", "namespace": "team-a"});
    post(
        &cp,
        "v1",
        json!({"apiVersion": "v1", "kind": "Event",
            "metadata": {"name": "orders-app.1", "namespace": "team-a"},
            "involvedObject": involved, "type": "Normal", "reason": "Bound",
            "message": "credentials written", "count": 2,
            "source": {"component": "a9s-provider"},
            "lastTimestamp": "2026-06-10T11:00:00Z"}),
    )
    .await;
    post(
        &cp,
        "events.k8s.io/v1",
        json!({"apiVersion": "events.k8s.io/v1", "kind": "Event",
            "metadata": {"name": "orders-app.2", "namespace": "team-a"},
            "regarding": involved, "type": "Warning", "reason": "Slow",
            "note": "the broker answered late", "action": "Bind",
            "reportingController": "konnector", "reportingInstance": "konnector-1",
            "eventTime": "2026-06-10T11:30:00.000000Z"}),
    )
    .await;
    post(
        &cp,
        "v1",
        json!({"apiVersion": "v1", "kind": "Event",
            "metadata": {"name": "orders.1", "namespace": "team-a"},
            "involvedObject": {"kind": "PostgresqlInstance", "name": "orders", "namespace": "team-a"},
            "type": "Normal", "reason": "Created", "message": "not about the binding"}),
    )
    .await;

    let reply = describe(&cp, binding_ref("orders-app")).await;
    let Reply::Described { related, .. } = &reply else {
        panic!("{reply:?}")
    };
    let secret = Api::<Secret>::namespaced(cp.clone(), "team-a")
        .get("orders-app-creds")
        .await
        .unwrap();
    let values: Vec<(String, Vec<u8>)> = secret
        .data
        .unwrap()
        .into_iter()
        .map(|(k, v)| (k, v.0))
        .collect();
    let Some(SecretView::Masked { name, keys, .. }) = &related.secret else {
        panic!("{:?}", related.secret)
    };
    assert_eq!(name, "orders-app-creds");
    let expected: Vec<(String, usize)> = values.iter().map(|(k, v)| (k.clone(), v.len())).collect();
    assert_eq!(*keys, expected);
    let shown = format!("{reply:?}");
    for (key, value) in &values {
        let value = String::from_utf8_lossy(value);
        assert!(
            value.len() < 4 || !shown.contains(value.as_ref()),
            "{key} leaked"
        );
    }
    let events = related.events.as_ref().unwrap();
    let reasons: Vec<(&str, &str, i32, &str)> = events
        .iter()
        .map(|e| {
            (
                e.reason.as_str(),
                e.message.as_str(),
                e.count,
                e.source.as_str(),
            )
        })
        .collect();
    assert_eq!(
        reasons,
        [
            ("Bound", "credentials written", 2, "a9s-provider"),
            ("Slow", "the broker answered late", 1, "konnector"),
        ]
    );

    // An instance has no Secret; only its own event.
    let mut instance = binding_ref("orders");
    instance.kind = "PostgresqlInstance".into();
    instance.plural = "postgresqlinstances".into();
    let Reply::Described { related, .. } = describe(&cp, instance).await else {
        panic!()
    };
    assert_eq!(related.secret, None);
    let events = related.events.unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].reason, "Created");

    // Gone is said plainly.
    let reply = describe(&cp, binding_ref("nope")).await;
    assert!(
        matches!(&reply, Reply::Failed { message, .. } if message == "ServiceBinding team-a/nope is gone"),
        "{reply:?}"
    );
    env.sb.shutdown().await;
}
