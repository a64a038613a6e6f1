//! kubectl patch (merge, JSON, strategic, server-side), edit, diff, and optimistic
//! concurrency (409 on a stale update).
#![allow(clippy::unwrap_used)]

use crate::common;
use common::*;

#[tokio::test(flavor = "multi_thread")]
async fn patch_in_every_flavour() {
    let env = Env::start().await;
    with_widgets(&env).await;
    env.apply(&widget("w1", 2)).await;
    env.ok(&[
        "patch",
        "widget",
        "w1",
        "--type",
        "merge",
        "-p",
        r#"{"spec":{"size":5}}"#,
    ])
    .await;
    assert_eq!(
        env.ok(&["get", "widget", "w1", "-o", "jsonpath={.spec.size}"])
            .await,
        "5"
    );
    env.ok(&[
        "patch",
        "widget",
        "w1",
        "--type",
        "json",
        "-p",
        r#"[{"op":"replace","path":"/spec/size","value":6}]"#,
    ])
    .await;
    assert_eq!(
        env.ok(&[
            "get",
            "widget",
            "w1",
            "-o",
            "jsonpath={.spec.size} {.metadata.generation}"
        ])
        .await,
        "6 3"
    );

    // A strategic merge patch is refused for custom resources, as the real server does.
    let o = env
        .kubectl(&["patch", "widget", "w1", "-p", r#"{"spec":{"size":7}}"#])
        .await;
    assert_eq!(o.code, 1);
    assert!(
        o.stderr.contains("application/merge-patch+json"),
        "{}",
        o.stderr
    );

    // A JSON patch whose test fails changes nothing.
    let o = env.kubectl(&["patch", "widget", "w1", "--type", "json", "-p", r#"[{"op":"replace","path":"/spec/size","value":9},{"op":"test","path":"/spec/size","value":1}]"#]).await;
    assert_eq!(o.code, 1, "{}", o.stdout);
    assert_eq!(
        env.ok(&["get", "widget", "w1", "-o", "jsonpath={.spec.size}"])
            .await,
        "6"
    );

    // Built-ins take strategic merge patches.
    env.ok(&["create", "configmap", "cm", "--from-literal=a=1"])
        .await;
    env.ok(&["patch", "configmap", "cm", "-p", r#"{"data":{"b":"2"}}"#])
        .await;
    assert_eq!(
        env.ok(&["get", "cm", "cm", "-o", "jsonpath={.data.a}{.data.b}"])
            .await,
        "12"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn server_side_apply_owns_fields_and_reports_conflicts() {
    let env = Env::start().await;
    with_widgets(&env).await;
    let w = widget("w2", 2);
    let f = env.write("w2.yaml", &w);
    let f = f.to_str().unwrap();
    let o = env.ok(&["apply", "--server-side", "-f", f]).await;
    assert!(o.contains("serverside-applied"), "{o}");
    let mf = env
        .ok(&[
            "get",
            "widget",
            "w2",
            "-o",
            "jsonpath={.metadata.managedFields[0].manager}/{.metadata.managedFields[0].operation}",
        ])
        .await;
    assert_eq!(mf, "kubectl/Apply");
    let other = env.write("w2b.yaml", &widget("w2", 4));
    let o = env
        .kubectl(&[
            "apply",
            "--server-side",
            "--field-manager",
            "other",
            "-f",
            other.to_str().unwrap(),
        ])
        .await;
    assert_eq!(o.code, 1);
    assert!(o.stderr.contains(r#"Apply failed with 1 conflict: conflict with "kubectl" using example.com/v1: .spec.size"#), "{}", o.stderr);
    env.ok(&[
        "apply",
        "--server-side",
        "--field-manager",
        "other",
        "--force-conflicts",
        "-f",
        other.to_str().unwrap(),
    ])
    .await;
    assert_eq!(
        env.ok(&["get", "widget", "w2", "-o", "jsonpath={.spec.size}"])
            .await,
        "4"
    );
    // A field the manager stops applying is removed.
    let with_owner = format!("{}  owner: alice\n", widget("w3", 1));
    env.kubectl_stdin(&["apply", "--server-side", "-f", "-"], &with_owner)
        .await;
    assert_eq!(
        env.ok(&["get", "widget", "w3", "-o", "jsonpath={.spec.owner}"])
            .await,
        "alice"
    );
    let o = env
        .kubectl_stdin(&["apply", "--server-side", "-f", "-"], &widget("w3", 1))
        .await;
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert_eq!(
        env.ok(&["get", "widget", "w3", "-o", "jsonpath={.spec.owner}"])
            .await,
        ""
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn edit_diff_and_stale_updates() {
    let env = Env::start().await;
    with_widgets(&env).await;
    env.apply(&widget("w1", 2)).await;
    // kubectl edit with a scripted editor.
    let o = env
        .kubectl_env(
            &["edit", "widget", "w1"],
            &[("KUBE_EDITOR", "sed -i s/size:\\ 2/size:\\ 7/")],
        )
        .await;
    assert_eq!(o.code, 0, "{}{}", o.stdout, o.stderr);
    assert_eq!(
        env.ok(&["get", "widget", "w1", "-o", "jsonpath={.spec.size}"])
            .await,
        "7"
    );

    // diff: 1 with differences, 0 without.
    let f = env.write("w1.yaml", &widget("w1", 8));
    let d = env.kubectl(&["diff", "-f", f.to_str().unwrap()]).await;
    assert_eq!(d.code, 1, "{}{}", d.stdout, d.stderr);
    assert!(
        d.stdout.contains("-  size: 7") && d.stdout.contains("+  size: 8"),
        "{}",
        d.stdout
    );
    env.ok(&["apply", "-f", f.to_str().unwrap()]).await;
    let d = env.kubectl(&["diff", "-f", f.to_str().unwrap()]).await;
    assert_eq!(d.code, 0, "{}{}", d.stdout, d.stderr);

    // A replace with a stale resourceVersion is refused with 409.
    let stale = env.ok(&["get", "widget", "w1", "-o", "json"]).await;
    env.ok(&[
        "patch",
        "widget",
        "w1",
        "--type",
        "merge",
        "-p",
        r#"{"spec":{"size":9}}"#,
    ])
    .await;
    let o = env.kubectl_stdin(&["replace", "-f", "-"], &stale).await;
    assert_eq!(o.code, 1);
    assert!(o.stderr.contains("Operation cannot be fulfilled on widgets.example.com \"w1\": the object has been modified"), "{}", o.stderr);
}
