//! Request-level behaviour with kube-rs raw requests: bad input answered with the right
//! status and a Status body, streaming lists and bookmarks, propagation policies, the CRD
//! scale subresource, Table output.
#![allow(clippy::unwrap_used)]

use crate::common;
use common::*;
use futures::StreamExt;
use k8s_openapi::api::core::v1::ConfigMap;
use kube::api::{Api, DeleteParams, DynamicObject, PostParams, PropagationPolicy};
use kube::core::{ApiResource, GroupVersionKind};
use kube::runtime::watcher;
use serde_json::{Value, json};

async fn raw(
    client: &kube::Client,
    method: &str,
    path: &str,
    content_type: &str,
    body: Vec<u8>,
) -> kube::Result<Value> {
    let req = http::Request::builder()
        .method(method)
        .uri(path)
        .header("Content-Type", content_type)
        .body(body)
        .unwrap();
    client.request::<Value>(req).await
}

fn api_err(r: kube::Result<Value>) -> kube::core::Status {
    match r {
        Err(kube::Error::Api(s)) => *s,
        other => panic!("expected an API error, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_input_gets_clear_status_errors() {
    let env = Env::start().await;
    let c = env.app().await;
    let cms = "/api/v1/namespaces/default/configmaps";
    let e = api_err(raw(&c, "POST", cms, "application/json", b"{not json".to_vec()).await);
    assert_eq!((e.code, e.reason.as_str()), (400, "BadRequest"));
    assert!(
        e.message.contains("not valid JSON") && e.message.contains("at line 1 column 2"),
        "{}",
        e.message
    );
    let e = api_err(
        raw(
            &c,
            "POST",
            cms,
            "application/json",
            br#"{"apiVersion":"v1","kind":"Secret","metadata":{"name":"x"}}"#.to_vec(),
        )
        .await,
    );
    assert_eq!(e.code, 400);
    assert!(
        e.message.contains("kind in the body (Secret)"),
        "{}",
        e.message
    );
    let e = api_err(raw(&c, "POST", cms, "application/json", br#"[1,2]"#.to_vec()).await);
    assert_eq!(e.code, 400);
    let big = format!(
        r#"{{"apiVersion":"v1","kind":"ConfigMap","metadata":{{"name":"big"}},"data":{{"a":"{}"}}}}"#,
        "x".repeat(4 * 1024 * 1024)
    );
    let e = api_err(raw(&c, "POST", cms, "application/json", big.into_bytes()).await);
    assert_eq!((e.code, e.reason.as_str()), (413, "RequestEntityTooLarge"));
    let e = api_err(raw(&c, "GET", "/api/v1/gizmos", "application/json", Vec::new()).await);
    assert_eq!(
        (e.code, e.message.as_str()),
        (404, "the server could not find the requested resource")
    );
    let e = api_err(
        raw(
            &c,
            "GET",
            &format!("{cms}?labelSelector=a%20in%20(b"),
            "application/json",
            Vec::new(),
        )
        .await,
    );
    assert_eq!(e.code, 400);
    assert!(
        e.message.contains("unable to parse requirement"),
        "{}",
        e.message
    );
    let e = api_err(
        raw(
            &c,
            "GET",
            &format!("{cms}?fieldSelector=spec.x%3D1"),
            "application/json",
            Vec::new(),
        )
        .await,
    );
    assert_eq!(
        (e.code, e.message.as_str()),
        (400, "field label not supported: spec.x")
    );
    c.request::<Value>(
        http::Request::post(cms)
            .header("Content-Type", "application/json")
            .body(br#"{"metadata":{"name":"p"},"data":{"a":"1"}}"#.to_vec())
            .unwrap(),
    )
    .await
    .unwrap();
    let e = api_err(
        raw(
            &c,
            "PATCH",
            &format!("{cms}/p"),
            "application/json-patch+json",
            br#"{"op":"nope"}"#.to_vec(),
        )
        .await,
    );
    assert_eq!(e.code, 400);
    let e = api_err(
        raw(
            &c,
            "PATCH",
            &format!("{cms}/p"),
            "text/plain",
            b"x".to_vec(),
        )
        .await,
    );
    assert_eq!((e.code, e.reason.as_str()), (415, "UnsupportedMediaType"));
    let e = api_err(
        raw(
            &c,
            "PATCH",
            &format!("{cms}/p"),
            "application/apply-patch+yaml",
            br#"{"apiVersion":"v1","kind":"ConfigMap"}"#.to_vec(),
        )
        .await,
    );
    assert_eq!(e.code, 400, "apply without fieldManager: {}", e.message);
    // Nothing half-applied: the failed writes left the object as it was.
    let p: ConfigMap = Api::namespaced(c.clone(), "default")
        .get("p")
        .await
        .unwrap();
    assert_eq!(p.data.unwrap()["a"], "1");
}

#[tokio::test(flavor = "multi_thread")]
async fn streaming_lists_end_with_the_initial_events_bookmark() {
    let env = Env::start().await;
    let c = env.app().await;
    let cms: Api<ConfigMap> = Api::namespaced(c.clone(), "default");
    for i in 0..3 {
        cms.create(
            &PostParams::default(),
            &serde_json::from_value(json!({"metadata": {"name": format!("s{i}")}})).unwrap(),
        )
        .await
        .unwrap();
    }
    let cfg = watcher::Config::default().streaming_lists();
    let mut stream = watcher(cms.clone(), cfg).boxed();
    let mut names = Vec::new();
    loop {
        match stream.next().await.unwrap().unwrap() {
            watcher::Event::InitApply(o) => names.push(o.metadata.name.unwrap()),
            watcher::Event::InitDone => break,
            _ => {}
        }
    }
    names.sort();
    assert_eq!(names, ["s0", "s1", "s2"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn propagation_policies_collect_dependents() {
    let env = Env::start().await;
    let c = env.app().await;
    let cms: Api<ConfigMap> = Api::namespaced(c.clone(), "default");
    let mk = |name: &str, owner: Option<&ConfigMap>| -> ConfigMap {
        let mut v = json!({"metadata": {"name": name}});
        if let Some(o) = owner {
            v["metadata"]["ownerReferences"] = json!([{"apiVersion": "v1", "kind": "ConfigMap", "name": o.metadata.name, "uid": o.metadata.uid}]);
        }
        serde_json::from_value(v).unwrap()
    };
    for (policy, keeps_child) in [
        (PropagationPolicy::Background, false),
        (PropagationPolicy::Foreground, false),
        (PropagationPolicy::Orphan, true),
    ] {
        let parent = cms
            .create(&PostParams::default(), &mk("parent", None))
            .await
            .unwrap();
        cms.create(&PostParams::default(), &mk("child", Some(&parent)))
            .await
            .unwrap();
        let dp = DeleteParams {
            propagation_policy: Some(policy.clone()),
            ..Default::default()
        };
        cms.delete("parent", &dp).await.unwrap();
        let parent_gone = kube::runtime::wait::await_condition(
            cms.clone(),
            "parent",
            kube::runtime::wait::conditions::is_deleted(parent.metadata.uid.as_deref().unwrap()),
        );
        tokio::time::timeout(std::time::Duration::from_secs(10), parent_gone)
            .await
            .unwrap()
            .unwrap();
        let child = cms.get_opt("child").await.unwrap();
        if keeps_child {
            let child = child.expect("an orphan stays");
            assert!(
                child
                    .metadata
                    .owner_references
                    .unwrap_or_default()
                    .is_empty(),
                "{policy:?}: owner reference removed"
            );
            cms.delete("child", &DeleteParams::default()).await.unwrap();
        } else if let Some(ch) = child {
            let gone = kube::runtime::wait::await_condition(
                cms.clone(),
                "child",
                kube::runtime::wait::conditions::is_deleted(ch.metadata.uid.as_deref().unwrap()),
            );
            tokio::time::timeout(std::time::Duration::from_secs(10), gone)
                .await
                .unwrap()
                .unwrap();
        }
        assert!(
            keeps_child || cms.get_opt("child").await.unwrap().is_none(),
            "{policy:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn crd_scale_subresource_and_tables() {
    let env = Env::start().await;
    let crd = WIDGET_CRD.replace("subresources: {status: {}}", "subresources: {status: {}, scale: {specReplicasPath: .spec.size, statusReplicasPath: .status.replicas}}");
    let crd = crd.replace("              owner: {type: string, pattern: '^[a-z]+$'}", "              owner: {type: string, pattern: '^[a-z]+$'}\n          replicas: {type: integer}");
    env.apply(&crd).await;
    env.apply(&widget("w", 2)).await;
    let out = env.ok(&["scale", "widget", "w", "--replicas=5"]).await;
    assert!(out.contains("scaled"), "{out}");
    assert_eq!(
        env.ok(&["get", "widget", "w", "-o", "jsonpath={.spec.size}"])
            .await,
        "5"
    );
    let c = env.app().await;
    let req =
        http::Request::get("/apis/example.com/v1/namespaces/default/widgets?includeObject=Object")
            .header("Accept", "application/json;as=Table;v=v1;g=meta.k8s.io")
            .body(Vec::new())
            .unwrap();
    let t: Value = c.request(req).await.unwrap();
    assert_eq!(t["kind"], "Table");
    let cols: Vec<&str> = t["columnDefinitions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(cols, ["Name", "Size", "Ready", "Owner", "Age"]);
    assert_eq!(t["rows"][0]["cells"][1], 5);
    assert_eq!(t["rows"][0]["object"]["spec"]["size"], 5);
    let ar = ApiResource::from_gvk_with_plural(
        &GroupVersionKind::gvk("example.com", "v1", "Widget"),
        "widgets",
    );
    let api: Api<DynamicObject> = Api::namespaced_with(c, "default", &ar);
    assert_eq!(api.get("w").await.unwrap().data["spec"]["size"], 5);
}

/// A CRD served in two versions (no conversion webhook: the same fields): objects stored in
/// one come back in the version asked for, in GET and LIST, with or without selectors.
#[tokio::test(flavor = "multi_thread")]
async fn objects_come_back_in_the_version_asked_for() {
    let env = Env::start().await;
    let c = env.app().await;
    let version = |name: &str, storage: bool| {
        json!({"name": name, "served": true, "storage": storage,
               "schema": {"openAPIV3Schema": {"type": "object", "x-kubernetes-preserve-unknown-fields": true}}})
    };
    let crd = json!({"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
        "metadata": {"name": "gizmos.example.com"},
        "spec": {"group": "example.com", "scope": "Namespaced",
                 "names": {"kind": "Gizmo", "plural": "gizmos"},
                 "versions": [version("v1", true), version("v1beta1", false)]}});
    raw(
        &c,
        "POST",
        "/apis/apiextensions.k8s.io/v1/customresourcedefinitions",
        "application/json",
        crd.to_string().into_bytes(),
    )
    .await
    .unwrap();
    env.ok(&[
        "wait",
        "--for=condition=Established",
        "crd/gizmos.example.com",
        "--timeout=10s",
    ])
    .await;
    for (name, v) in [("a", "v1"), ("b", "v1beta1")] {
        let gizmo = json!({"apiVersion": format!("example.com/{v}"), "kind": "Gizmo",
            "metadata": {"name": name, "labels": {"made-as": v}}, "spec": {"size": 1}});
        raw(
            &c,
            "POST",
            &format!("/apis/example.com/{v}/namespaces/default/gizmos"),
            "application/json",
            gizmo.to_string().into_bytes(),
        )
        .await
        .unwrap();
    }
    for v in ["v1", "v1beta1"] {
        let want = format!("example.com/{v}");
        for query in ["", "?labelSelector=made-as"] {
            let list = raw(
                &c,
                "GET",
                &format!("/apis/example.com/{v}/namespaces/default/gizmos{query}"),
                "application/json",
                Vec::new(),
            )
            .await
            .unwrap();
            assert_eq!(list["apiVersion"], want.as_str(), "{list}");
            let items = list["items"].as_array().unwrap();
            assert_eq!(items.len(), 2, "{list}");
            for item in items {
                assert_eq!(item["apiVersion"], want.as_str(), "{item}");
            }
        }
        for name in ["a", "b"] {
            let one = raw(
                &c,
                "GET",
                &format!("/apis/example.com/{v}/namespaces/default/gizmos/{name}"),
                "application/json",
                Vec::new(),
            )
            .await
            .unwrap();
            assert_eq!(one["apiVersion"], want.as_str(), "{one}");
        }
    }
    env.sb.shutdown().await;
}

/// Pages follow `continue` across namespace boundaries, with and without selectors, and say
/// how many objects remain.
#[tokio::test(flavor = "multi_thread")]
async fn pages_cover_every_object_once_with_and_without_selectors() {
    use k8s_openapi::api::core::v1::Namespace;
    use kube::api::ListParams;
    let env = Env::start().await;
    let c = env.app().await;
    let mut made = Vec::new();
    for (ns, count) in [("page-a", 3), ("page-b", 4), ("page-c", 2)] {
        Api::<Namespace>::all(c.clone())
            .create(
                &PostParams::default(),
                &serde_json::from_value(json!({"metadata": {"name": ns}})).unwrap(),
            )
            .await
            .unwrap();
        for i in 0..count {
            let tier = if i % 2 == 0 { "even" } else { "odd" };
            let cm: ConfigMap = serde_json::from_value(json!({"metadata": {
                "name": format!("cm-{i}"), "labels": {"suite": "paging", "tier": tier}}}))
            .unwrap();
            Api::<ConfigMap>::namespaced(c.clone(), ns)
                .create(&PostParams::default(), &cm)
                .await
                .unwrap();
            made.push((ns.to_owned(), format!("cm-{i}"), tier));
        }
    }
    let pages = |api: Api<ConfigMap>, selector: &'static str, limit: u32| async move {
        let mut lp = ListParams::default().labels(selector).limit(limit);
        let mut names = Vec::new();
        let mut remaining = Vec::new();
        loop {
            let page = api.list(&lp).await.unwrap();
            assert!(page.items.len() <= limit as usize);
            names.extend(page.items.iter().map(|cm| {
                (
                    cm.metadata.namespace.clone().unwrap(),
                    cm.metadata.name.clone().unwrap(),
                )
            }));
            remaining.push(page.metadata.remaining_item_count);
            match page.metadata.continue_ {
                Some(token) if !token.is_empty() => lp = lp.continue_token(&token),
                _ => break,
            }
        }
        (names, remaining)
    };
    let want = |tier: Option<&str>, ns: Option<&str>| -> Vec<(String, String)> {
        made.iter()
            .filter(|(n, _, t)| tier.is_none_or(|w| w == *t) && ns.is_none_or(|w| w == n))
            .map(|(n, name, _)| (n.clone(), name.clone()))
            .collect()
    };
    // All namespaces, three at a time: 9 objects in pages of 3, 3, 3.
    let (names, remaining) = pages(Api::all(c.clone()), "suite=paging", 3).await;
    assert_eq!(names, want(None, None));
    assert_eq!(remaining, [Some(6), Some(3), None]);
    // A selector that skips objects, across the namespace boundaries.
    let (names, remaining) = pages(Api::all(c.clone()), "suite=paging,tier=even", 2).await;
    assert_eq!(names, want(Some("even"), None));
    assert_eq!(remaining, [Some(3), Some(1), None]);
    // One namespace: the pages stop at its end.
    let (names, _) = pages(Api::namespaced(c.clone(), "page-b"), "suite=paging", 3).await;
    assert_eq!(names, want(None, Some("page-b")));
    env.sb.shutdown().await;
}
