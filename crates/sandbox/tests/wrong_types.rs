//! Bodies whose fields have the wrong JSON type (a string where an object belongs), sent
//! to every kind of handler: each gets a 4xx naming the field, never a 500 (the panic a
//! handler had), nothing wrongly typed is stored, and the controllers keep working.
#![allow(clippy::unwrap_used)]

use crate::common;
use common::*;
use serde_json::Value;

async fn send(c: &kube::Client, method: &str, path: &str, ct: &str, body: &str) -> (u16, Value) {
    let req = http::Request::builder()
        .method(method)
        .uri(path)
        .header("Content-Type", ct)
        .body(body.as_bytes().to_vec())
        .unwrap();
    match c.request::<Value>(req).await {
        Ok(v) => (200, v),
        Err(kube::Error::Api(s)) => (s.code, serde_json::to_value(&*s).unwrap()),
        Err(e) => panic!("{method} {path}: {e}"),
    }
}

const JSON: &str = "application/json";
const MERGE: &str = "application/merge-patch+json";
const JSON_PATCH: &str = "application/json-patch+json";
const STRATEGIC: &str = "application/strategic-merge-patch+json";
const APPLY: &str = "application/apply-patch+yaml";

#[tokio::test(flavor = "multi_thread")]
async fn wrongly_typed_fields_get_4xx_naming_the_field() {
    let env = Env::start().await;
    with_widgets(&env).await;
    env.ok(&["create", "serviceaccount", "bot"]).await;
    env.ok(&["create", "namespace", "n1"]).await;
    env.ok(&["create", "deployment", "web", "--image=nginx"])
        .await;
    env.ok(&["create", "configmap", "cm", "--from-literal=a=b"])
        .await;
    let c = env.app().await;
    let ns = "/api/v1/namespaces";
    let cms = "/api/v1/namespaces/default/configmaps";
    let cases: &[(&str, &str, &str, &str, u16, &str)] = &[
        (
            "POST",
            "/apis/authentication.k8s.io/v1/selfsubjectreviews",
            JSON,
            r#"{"metadata":"x"}"#,
            400,
            "metadata",
        ),
        (
            "POST",
            "/api/v1/namespaces/default/serviceaccounts/bot/token",
            JSON,
            r#"{"spec":"x"}"#,
            400,
            "spec",
        ),
        (
            "POST",
            "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews",
            JSON,
            r#"{"spec":{"resourceAttributes":[1]}}"#,
            400,
            "spec.resourceAttributes",
        ),
        (
            "POST",
            "/apis/apps/v1/namespaces/default/deployments",
            JSON,
            r#"{"metadata":{"name":"d"},"spec":"x"}"#,
            400,
            "spec",
        ),
        (
            "POST",
            ns,
            JSON,
            r#"{"metadata":{"name":"n2","labels":"x"}}"#,
            400,
            "metadata.labels",
        ),
        (
            "POST",
            cms,
            JSON,
            r#"{"metadata":{"name":"c2","finalizers":"x"},"data":{"a":1}}"#,
            400,
            "metadata.finalizers",
        ),
        (
            "PATCH",
            "/api/v1/namespaces/n1/status",
            MERGE,
            r#"{"status":"x"}"#,
            422,
            "status",
        ),
        (
            "PATCH",
            "/api/v1/namespaces/n1",
            MERGE,
            r#"{"metadata":{"labels":{"a":{"b":1}}}}"#,
            422,
            "metadata.labels.a",
        ),
        (
            "PUT",
            "/api/v1/namespaces/n1/finalize",
            JSON,
            r#"{"metadata":{"name":"n1"},"spec":{"finalizers":"x"}}"#,
            400,
            "spec.finalizers",
        ),
        (
            "PATCH",
            "/api/v1/namespaces/default/configmaps/cm",
            JSON_PATCH,
            r#"[{"op":"replace","path":"/data","value":5}]"#,
            422,
            "data",
        ),
        (
            "PATCH",
            "/apis/apps/v1/namespaces/default/deployments/web",
            STRATEGIC,
            r#"{"spec":{"template":{"spec":{"containers":"x"}}}}"#,
            422,
            "spec.template.spec.containers",
        ),
        (
            "PATCH",
            "/api/v1/namespaces/default/configmaps/cm?fieldManager=t",
            APPLY,
            r#"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"cm"},"data":"x"}"#,
            422,
            "data",
        ),
        (
            "DELETE",
            "/api/v1/namespaces/default/configmaps/cm",
            JSON,
            r#"{"preconditions":"x"}"#,
            400,
            "preconditions",
        ),
        (
            "POST",
            "/apis/example.com/v1/namespaces/default/widgets",
            JSON,
            r#"{"metadata":{"name":"w","ownerReferences":{"a":1}},"spec":{"size":1}}"#,
            400,
            "metadata.ownerReferences",
        ),
    ];
    for (method, path, ct, body, code, field) in cases {
        let (got, status) = send(&c, method, path, ct, body).await;
        let message = status["message"].as_str().unwrap_or_default();
        assert_eq!(got, *code, "{method} {path} {body}: {status}");
        assert!(
            message.contains(&format!("{field}:")),
            "{method} {path} {body}: the message names {field}: {message}"
        );
    }
    // Nothing of that was stored, and the server still answers.
    assert_eq!(
        env.ok(&["get", "ns", "n1", "-o", "jsonpath={.status.phase}"])
            .await,
        "Active"
    );
    assert_eq!(
        env.ok(&["get", "cm", "cm", "-o", "jsonpath={.data.a}"])
            .await,
        "b"
    );
    // The controllers still work: a namespace with something in it is deleted.
    env.ok(&["-n", "n1", "create", "configmap", "inside"]).await;
    let o = env
        .ok(&["delete", "namespace", "n1", "--timeout=20s"])
        .await;
    assert!(o.contains("deleted"), "{o}");
    assert_eq!(env.kubectl(&["get", "ns", "n1"]).await.code, 1);
    env.sb.shutdown().await;
}
