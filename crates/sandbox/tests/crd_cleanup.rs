//! A CRD deleted while its objects are held by finalizers finishes once the last finalizer
//! is removed (kube-controller-manager's CRD finalizer waits for its instances the same way).
#![allow(clippy::unwrap_used)]

use crate::common;

use common::{Env, with_widgets};
use std::time::Duration;

#[tokio::test]
async fn a_terminating_crd_goes_when_its_last_held_object_is_released() {
    let env = Env::start().await;
    with_widgets(&env).await;
    env.apply(
        "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: held, namespace: default, finalizers: [example.com/hold]}\nspec: {size: 1}\n",
    )
    .await;
    env.ok(&["delete", "crd", "widgets.example.com", "--wait=false"])
        .await;
    let terminating = env
        .ok(&[
            "get",
            "widget",
            "held",
            "-o",
            "jsonpath={.metadata.deletionTimestamp}",
        ])
        .await;
    assert!(!terminating.is_empty(), "the object is being deleted");
    env.ok(&[
        "patch",
        "widget",
        "held",
        "--type=json",
        "-p",
        r#"[{"op":"remove","path":"/metadata/finalizers"}]"#,
    ])
    .await;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let out = env.kubectl(&["get", "crd", "widgets.example.com"]).await;
        if out.code != 0 && out.stderr.contains("NotFound") {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the CRD is still there: {}",
            out.stdout
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
