//! kube-rs 5 against the sandbox: typed and dynamic CRUD, watchers and reflectors in
//! order, resuming a watch from a compacted resourceVersion (410 → relist), a controller.
#![allow(clippy::unwrap_used)]

use crate::common;
use common::*;
use futures::{StreamExt, TryStreamExt};
use k8s_openapi::api::core::v1::ConfigMap;
use kube::api::{
    Api, DeleteParams, DynamicObject, ListParams, Patch, PatchParams, PostParams, WatchEvent,
    WatchParams,
};
use kube::core::{ApiResource, GroupVersionKind};
use kube::runtime::{controller::Action, reflector, watcher};
use serde_json::json;
use std::sync::Arc;
use std::time::Duration;

fn widget_api(client: kube::Client, ns: &str) -> Api<DynamicObject> {
    let ar = ApiResource::from_gvk_with_plural(
        &GroupVersionKind::gvk("example.com", "v1", "Widget"),
        "widgets",
    );
    Api::namespaced_with(client, ns, &ar)
}

fn cm(name: &str, v: &str) -> ConfigMap {
    serde_json::from_value(json!({"metadata": {"name": name}, "data": {"v": v}})).unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn typed_and_dynamic_crud() {
    let env = Env::start().await;
    let client = env.app().await;
    let cms: Api<ConfigMap> = Api::namespaced(client.clone(), "default");
    let created = cms
        .create(&PostParams::default(), &cm("one", "1"))
        .await
        .unwrap();
    assert!(created.metadata.uid.is_some());
    let got = cms.get("one").await.unwrap();
    assert_eq!(got.data.as_ref().unwrap()["v"], "1");
    let mut changed = got.clone();
    changed.data = Some([("v".to_string(), "2".to_string())].into());
    let replaced = cms
        .replace("one", &PostParams::default(), &changed)
        .await
        .unwrap();
    assert_ne!(
        replaced.metadata.resource_version,
        got.metadata.resource_version
    );
    // Replacing with the old resourceVersion conflicts.
    let err = cms
        .replace("one", &PostParams::default(), &got)
        .await
        .unwrap_err();
    assert!(
        matches!(err, kube::Error::Api(ref s) if s.code == 409),
        "{err:?}"
    );
    let applied = cms
        .patch("two", &PatchParams::apply("tests").force(), &Patch::Apply(json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "two"}, "data": {"v": "a"}})))
        .await
        .unwrap();
    assert_eq!(applied.data.unwrap()["v"], "a");
    let list = cms.list(&ListParams::default()).await.unwrap();
    let names: Vec<String> = list
        .items
        .iter()
        .filter_map(|c| c.metadata.name.clone())
        .collect();
    assert_eq!(names, ["one", "two"]);
    cms.delete("one", &DeleteParams::default()).await.unwrap();
    assert!(matches!(cms.get("one").await.unwrap_err(), kube::Error::Api(ref s) if s.code == 404));

    with_widgets(&env).await;
    let widgets = widget_api(client, "default");
    let w: DynamicObject = serde_json::from_value(json!({"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w"}, "spec": {"size": 3}})).unwrap();
    widgets.create(&PostParams::default(), &w).await.unwrap();
    let patched = widgets
        .patch(
            "w",
            &PatchParams::default(),
            &Patch::Merge(json!({"spec": {"size": 4}})),
        )
        .await
        .unwrap();
    assert_eq!(patched.data["spec"]["size"], 4);
    assert_eq!(patched.metadata.generation, Some(2));
    let st = widgets
        .patch_status(
            "w",
            &PatchParams::default(),
            &Patch::Merge(json!({"status": {"conditions": [{"type": "Ready", "status": "True"}]}})),
        )
        .await
        .unwrap();
    assert_eq!(st.metadata.generation, Some(2));
    assert_eq!(st.data["status"]["conditions"][0]["type"], "Ready");
    // Pagination follows `continue`.
    for i in 0..7 {
        cms.create(&PostParams::default(), &cm(&format!("page-{i}"), "x"))
            .await
            .unwrap();
    }
    let mut lp = ListParams::default().limit(3);
    let mut seen = Vec::new();
    loop {
        let page = cms.list(&lp).await.unwrap();
        seen.extend(page.items.iter().filter_map(|c| c.metadata.name.clone()));
        match page.metadata.continue_ {
            Some(c) if !c.is_empty() => lp = lp.continue_token(&c),
            _ => break,
        }
    }
    assert_eq!(seen.len(), 8, "{seen:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn watcher_and_reflector_see_every_change_in_order() {
    let env = Env::start().await;
    let client = env.app().await;
    let cms: Api<ConfigMap> = Api::namespaced(client.clone(), "default");
    let (reader, writer) = reflector::store::<ConfigMap>();
    let events = Arc::new(parking_lot::Mutex::new(Vec::<String>::new()));
    let sink = events.clone();
    let stream = reflector::reflector(writer, watcher(cms.clone(), watcher::Config::default()))
        .try_for_each(move |ev| {
            let v = |c: &ConfigMap| {
                c.data
                    .as_ref()
                    .and_then(|d| d.get("v"))
                    .cloned()
                    .unwrap_or_default()
            };
            match ev {
                watcher::Event::Apply(c) => sink.lock().push(format!("apply {}", v(&c))),
                watcher::Event::Delete(c) => sink.lock().push(format!("delete {}", v(&c))),
                _ => {}
            }
            futures::future::ready(Ok(()))
        });
    let task = tokio::spawn(stream);
    reader.wait_until_ready().await.unwrap();
    for i in 0..20 {
        cms.patch("seq", &PatchParams::apply("t").force(), &Patch::Apply(json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "seq"}, "data": {"v": i.to_string()}})))
            .await
            .unwrap();
    }
    cms.delete("seq", &DeleteParams::default()).await.unwrap();
    tokio::time::timeout(Duration::from_secs(10), async {
        while events.lock().len() < 21
            || reader
                .get(&reflector::ObjectRef::new("seq").within("default"))
                .is_some()
        {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await
    .expect("the reflector caught up");
    let got = events.lock().clone();
    let mut want: Vec<String> = (0..20).map(|i| format!("apply {i}")).collect();
    want.push("delete 19".into());
    assert_eq!(got, want);
    task.abort();
}

#[tokio::test(flavor = "multi_thread")]
async fn watch_from_a_compacted_version_gets_410_and_the_watcher_relists() {
    let env = Env::start_with(|c| c.watch_history = 10).await;
    let client = env.app().await;
    let cms: Api<ConfigMap> = Api::namespaced(client.clone(), "default");
    let first = cms
        .create(&PostParams::default(), &cm("old", "0"))
        .await
        .unwrap();
    let old_rv = first.metadata.resource_version.unwrap();
    for i in 0..30 {
        cms.create(&PostParams::default(), &cm(&format!("n{i}"), "x"))
            .await
            .unwrap();
    }
    // A raw watch from the old version gets an ERROR event with 410.
    let mut raw = cms
        .watch(&WatchParams::default(), &old_rv)
        .await
        .unwrap()
        .boxed();
    match raw.next().await {
        Some(Ok(WatchEvent::Error(e))) => assert_eq!(e.code, 410, "{e:?}"),
        other => panic!("expected a 410 error event, got {other:?}"),
    }
    // kube-runtime's watcher handles it by listing again and still sees everything.
    let (reader, writer) = reflector::store::<ConfigMap>();
    let w = watcher(cms.clone(), watcher::Config::default());
    let task =
        tokio::spawn(reflector::reflector(writer, w).for_each(|_| futures::future::ready(())));
    reader.wait_until_ready().await.unwrap();
    assert_eq!(reader.state().len(), 31);
    task.abort();
}

#[derive(Debug, thiserror::Error)]
#[error("reconcile failed: {0}")]
struct ReconcileError(#[from] kube::Error);

#[tokio::test(flavor = "multi_thread")]
async fn a_controller_reconciles_objects_created_after_it_starts() {
    let env = Env::start().await;
    with_widgets(&env).await;
    let client = env.app().await;
    let widgets = widget_api(client.clone(), "default");
    let ctx = Arc::new(widgets.clone());
    async fn reconcile(
        w: Arc<DynamicObject>,
        api: Arc<Api<DynamicObject>>,
    ) -> Result<Action, ReconcileError> {
        let name = w.metadata.name.clone().unwrap_or_default();
        let ready = json!({"status": {"conditions": [{"type": "Ready", "status": "True", "reason": "Reconciled"}]}});
        api.patch_status(&name, &PatchParams::default(), &Patch::Merge(ready))
            .await?;
        Ok(Action::await_change())
    }
    fn error_policy(
        _: Arc<DynamicObject>,
        _: &ReconcileError,
        _: Arc<Api<DynamicObject>>,
    ) -> Action {
        Action::requeue(Duration::from_millis(100))
    }
    let ar = ApiResource::from_gvk_with_plural(
        &GroupVersionKind::gvk("example.com", "v1", "Widget"),
        "widgets",
    );
    let controller =
        kube::runtime::Controller::new_with(widgets.clone(), watcher::Config::default(), ar)
            .run(reconcile, error_policy, ctx)
            .for_each(|_| futures::future::ready(()));
    let task = tokio::spawn(controller);
    tokio::time::sleep(Duration::from_millis(200)).await;
    for i in 0..5 {
        let w: DynamicObject = serde_json::from_value(json!({"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": format!("w{i}")}, "spec": {"size": 1}})).unwrap();
        widgets.create(&PostParams::default(), &w).await.unwrap();
    }
    tokio::time::timeout(Duration::from_secs(15), async {
        loop {
            let list = widgets.list(&ListParams::default()).await.unwrap();
            let ready = list
                .items
                .iter()
                .filter(|w| w.data["status"]["conditions"][0]["status"] == "True")
                .count();
            if ready == 5 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    })
    .await
    .expect("every widget reconciled");
    task.abort();
}
