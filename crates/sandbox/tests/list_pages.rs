//! A paged LIST reports the first page's resourceVersion on every page, so that a watch
//! started from it (as kube-runtime's watchers start) also sees what changed while the later
//! pages were read — before, an object of the first page updated meanwhile stayed stale in
//! every watcher's cache.
#![allow(clippy::unwrap_used)]

use crate::common;

use common::Env;
use futures::{StreamExt, TryStreamExt};
use k8s_openapi::api::core::v1::ConfigMap;
use kube::api::{Api, ListParams, Patch, PatchParams, PostParams, WatchEvent, WatchParams};
use serde_json::json;

#[tokio::test]
async fn later_pages_report_the_first_pages_version_and_a_watch_from_it_sees_the_change() {
    let env = Env::start().await;
    let api = Api::<ConfigMap>::namespaced(env.app().await, "default");
    for name in ["a", "b", "c"] {
        let cm: ConfigMap =
            serde_json::from_value(json!({"metadata": {"name": name}, "data": {"v": "0"}}))
                .unwrap();
        api.create(&PostParams::default(), &cm).await.unwrap();
    }
    let first = api.list(&ListParams::default().limit(2)).await.unwrap();
    let rv = first.metadata.resource_version.clone().unwrap();
    assert_eq!(first.items.len(), 2);
    api.patch(
        "a",
        &PatchParams::default(),
        &Patch::Merge(json!({"data": {"v": "1"}})),
    )
    .await
    .unwrap();
    let token = first.metadata.continue_.clone().unwrap();
    let second = api
        .list(&ListParams::default().limit(2).continue_token(&token))
        .await
        .unwrap();
    assert_eq!(second.items.len(), 1);
    assert_eq!(
        second.metadata.resource_version.as_deref(),
        Some(rv.as_str())
    );
    let mut events = api
        .watch(&WatchParams::default(), &rv)
        .await
        .unwrap()
        .boxed();
    let event = events.try_next().await.unwrap().unwrap();
    let WatchEvent::Modified(cm) = event else {
        panic!("expected the change of a, got {event:?}")
    };
    assert_eq!(cm.metadata.name.as_deref(), Some("a"));
    assert_eq!(cm.data.unwrap()["v"], "1");
}
