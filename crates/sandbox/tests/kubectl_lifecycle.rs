//! CRD lifecycle and object lifecycles with kubectl: schema violations (422 with every
//! field), wait --for=condition, get -w, finalizers, namespace deletion.
#![allow(clippy::unwrap_used)]

use crate::common;
use common::*;
use std::time::Duration;

#[tokio::test(flavor = "multi_thread")]
async fn schema_violations_list_every_field() {
    let env = Env::start().await;
    with_widgets(&env).await;
    let bad = "apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: bad\n  namespace: default\nspec:\n  size: \"big\"\n  mode: medium\n  owner: Alice\n";
    let o = env.kubectl_stdin(&["apply", "-f", "-"], bad).await;
    assert_eq!(o.code, 1);
    for want in [
        "The Widget \"bad\" is invalid",
        "spec.size: Invalid value: \"string\": spec.size in body must be of type integer: \"string\"",
        "spec.mode: Unsupported value: \"medium\": supported values: \"fast\", \"slow\"",
        "spec.owner: Invalid value: \"Alice\": spec.owner in body should match '^[a-z]+$'",
    ] {
        assert!(
            o.stderr.contains(want),
            "missing {want:?} in:\n{}",
            o.stderr
        );
    }
    let missing = "apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: bad\n  namespace: default\nspec:\n  mode: fast\n";
    let o = env.kubectl_stdin(&["apply", "-f", "-"], missing).await;
    assert!(
        o.stderr.contains("spec.size: Required value"),
        "{}",
        o.stderr
    );
    // Nothing was stored.
    assert_eq!(env.kubectl(&["get", "widget", "bad"]).await.code, 1);
    // Defaults are applied.
    env.apply(&widget("good", 3)).await;
    assert_eq!(
        env.ok(&["get", "widget", "good", "-o", "jsonpath={.spec.mode}"])
            .await,
        "fast"
    );
    // Unknown fields: kubectl validates strictly by default.
    let o = env
        .kubectl_stdin(
            &["apply", "-f", "-"],
            &format!("{}  bogus: 1\n", widget("x", 1)),
        )
        .await;
    assert_eq!(o.code, 1);
    assert!(
        o.stderr.contains("unknown field \"spec.bogus\""),
        "{}",
        o.stderr
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn wait_for_condition_and_watch() {
    let env = Env::start().await;
    with_widgets(&env).await;
    env.apply(&widget("w1", 1)).await;
    let table = env.ok(&["get", "widgets"]).await;
    let header: Vec<&str> = table.lines().next().unwrap().split_whitespace().collect();
    assert_eq!(header, ["NAME", "SIZE", "READY", "AGE"]);
    let wide = env.ok(&["get", "widgets", "-o", "wide"]).await;
    assert!(wide.lines().next().unwrap().contains("OWNER"), "{wide}");

    let waiter = {
        let args = [
            "wait",
            "--for=condition=Ready",
            "widget/w1",
            "--timeout=20s",
        ];
        let kc = env.kubeconfig.clone();
        let cache = env.path("wait-cache");
        tokio::spawn(async move {
            tokio::process::Command::new("kubectl")
                .arg("--kubeconfig")
                .arg(kc)
                .arg("--cache-dir")
                .arg(cache)
                .args(args)
                .output()
                .await
                .unwrap()
        })
    };
    let mut watch = tokio::process::Command::new("kubectl")
        .arg("--kubeconfig")
        .arg(&env.kubeconfig)
        .arg("--cache-dir")
        .arg(env.path("watch-cache"))
        .args(["get", "widgets", "-w", "--output-watch-events"])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines =
        tokio::io::AsyncBufReadExt::lines(tokio::io::BufReader::new(watch.stdout.take().unwrap()));
    // The first lines are the header and the existing object.
    let mut seen = Vec::new();
    while let Ok(Some(l)) = tokio::time::timeout(Duration::from_secs(10), lines.next_line())
        .await
        .unwrap()
    {
        seen.push(l.clone());
        if l.contains("w1") {
            break;
        }
    }
    let status = r#"{"status":{"conditions":[{"type":"Ready","status":"True","reason":"Done","message":"ok"}]}}"#;
    env.ok(&[
        "patch",
        "widget",
        "w1",
        "--subresource",
        "status",
        "--type",
        "merge",
        "-p",
        status,
    ])
    .await;
    let waited = tokio::time::timeout(Duration::from_secs(20), waiter)
        .await
        .unwrap()
        .unwrap();
    assert!(
        waited.status.success(),
        "{}",
        String::from_utf8_lossy(&waited.stderr)
    );
    assert!(String::from_utf8_lossy(&waited.stdout).contains("condition met"));
    let l = tokio::time::timeout(Duration::from_secs(10), lines.next_line())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert!(
        l.contains("MODIFIED") && l.contains("w1") && l.contains("True"),
        "{l}"
    );
    watch.kill().await.unwrap();
    // A status write does not bump the generation.
    assert_eq!(
        env.ok(&[
            "get",
            "widget",
            "w1",
            "-o",
            "jsonpath={.metadata.generation}"
        ])
        .await,
        "1"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn finalizers_hold_deletion_until_removed() {
    let env = Env::start().await;
    with_widgets(&env).await;
    let w = widget("held", 1).replace(
        "metadata:\n",
        "metadata:\n  finalizers: [example.com/hold]\n",
    );
    env.apply(&w).await;
    env.ok(&["delete", "widget", "held", "--wait=false"]).await;
    let ts = env
        .ok(&[
            "get",
            "widget",
            "held",
            "-o",
            "jsonpath={.metadata.deletionTimestamp}",
        ])
        .await;
    assert!(ts.ends_with('Z'), "still there, terminating: {ts}");
    // No new finalizers while terminating.
    let o = env
        .kubectl(&[
            "patch",
            "widget",
            "held",
            "--type",
            "json",
            "-p",
            r#"[{"op":"add","path":"/metadata/finalizers/-","value":"other"}]"#,
        ])
        .await;
    assert_eq!(o.code, 1);
    assert!(
        o.stderr.contains("no new finalizers can be added"),
        "{}",
        o.stderr
    );
    env.ok(&[
        "patch",
        "widget",
        "held",
        "--type",
        "json",
        "-p",
        r#"[{"op":"remove","path":"/metadata/finalizers"}]"#,
    ])
    .await;
    let o = env.kubectl(&["get", "widget", "held"]).await;
    assert!(o.stderr.contains("not found"), "{}", o.stderr);
}

#[tokio::test(flavor = "multi_thread")]
async fn namespace_deletion_cascades() {
    let env = Env::start().await;
    with_widgets(&env).await;
    env.ok(&["create", "namespace", "doomed"]).await;
    env.ok(&[
        "-n",
        "doomed",
        "create",
        "configmap",
        "a",
        "--from-literal=x=y",
    ])
    .await;
    env.apply(&widget("w", 1).replace("namespace: default", "namespace: doomed"))
        .await;
    let o = env
        .ok(&["delete", "namespace", "doomed", "--timeout=20s"])
        .await;
    assert!(o.contains("namespace \"doomed\" deleted"), "{o}");
    assert_eq!(env.kubectl(&["get", "ns", "doomed"]).await.code, 1);
    assert!(
        env.ok(&["-n", "doomed", "get", "configmaps,widgets", "-o", "name"])
            .await
            .trim()
            .is_empty()
    );
    // Creating in a missing namespace is a 404.
    let o = env
        .kubectl(&["-n", "nowhere", "create", "configmap", "x"])
        .await;
    assert!(
        o.stderr.contains("namespaces \"nowhere\" not found"),
        "{}",
        o.stderr
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn service_account_tokens() {
    let env = Env::start().await;
    env.ok(&["create", "serviceaccount", "bot"]).await;
    let token = env
        .ok(&[
            "create",
            "token",
            "bot",
            "--duration=10m",
            "--audience=aud1",
        ])
        .await;
    assert_eq!(token.trim().split('.').count(), 3, "a JWT: {token}");
    // A token for another audience is not valid here (kube-apiserver's --api-audiences);
    // one requested without audiences is.
    let o = env
        .kubectl(&["--token", token.trim(), "auth", "whoami"])
        .await;
    assert!(o.stderr.contains("Unauthorized"), "{o:?}");
    let own = env.ok(&["create", "token", "bot"]).await;
    let o = env.ok(&["--token", own.trim(), "auth", "whoami"]).await;
    assert!(o.contains("system:serviceaccount:default:bot"), "{o}");
    let o = env.kubectl(&["create", "token", "nobody"]).await;
    assert!(
        o.stderr.contains("serviceaccounts \"nobody\" not found"),
        "{}",
        o.stderr
    );
}

/// Deployments are stored, not run; their status says every replica is there, for the
/// generation of the spec, so that `kubectl rollout status` finishes after a change.
#[tokio::test(flavor = "multi_thread")]
async fn deployment_rollouts_complete() {
    let env = Env::start().await;
    env.ok(&[
        "create",
        "deployment",
        "web",
        "--image=nginx:1.27",
        "--replicas=2",
    ])
    .await;
    let status = ["rollout", "status", "deployment/web", "--timeout=10s"];
    let o = env.ok(&status).await;
    assert!(o.contains("successfully rolled out"), "{o}");
    env.ok(&["set", "image", "deployment/web", "nginx=nginx:1.28"])
        .await;
    assert_eq!(
        env.ok(&[
            "get",
            "deployment",
            "web",
            "-o",
            "jsonpath={.metadata.generation} {.status.observedGeneration}"
        ])
        .await,
        "2 2"
    );
    let o = env.ok(&status).await;
    assert!(o.contains("successfully rolled out"), "{o}");
    env.ok(&["scale", "deployment/web", "--replicas=3"]).await;
    let o = env.ok(&status).await;
    assert!(o.contains("successfully rolled out"), "{o}");
    assert_eq!(
        env.ok(&[
            "get",
            "deployment",
            "web",
            "-o",
            "jsonpath={.status.readyReplicas}"
        ])
        .await,
        "3"
    );
}
