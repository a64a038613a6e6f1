//! RBAC: a ServiceAccount bound to one namespace reads and writes there, gets 403
//! elsewhere; unknown tokens get 401.
#![allow(clippy::unwrap_used)]

use crate::common;
use common::*;
use k8s_openapi::api::core::v1::ConfigMap;
use kube::api::{Api, PostParams};
use serde_json::json;

async fn client_with_token(env: &Env, token: &str) -> kube::Client {
    let kc = kube::config::Kubeconfig::read_from(&env.kubeconfig).unwrap();
    let opts = kube::config::KubeConfigOptions {
        context: Some(sandbox::APP_CONTEXT.into()),
        ..Default::default()
    };
    let mut cfg = kube::Config::from_custom_kubeconfig(kc, &opts)
        .await
        .unwrap();
    cfg.auth_info.token = Some(token.to_string().into());
    kube::Client::try_from(cfg).unwrap()
}

fn cm(name: &str) -> ConfigMap {
    serde_json::from_value(json!({"metadata": {"name": name}, "data": {"k": "v"}})).unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn service_account_limited_to_its_namespace() {
    let env = Env::start().await;
    env.ok(&["create", "namespace", "team"]).await;
    env.ok(&["create", "namespace", "other"]).await;
    env.ok(&["-n", "team", "create", "serviceaccount", "dev"])
        .await;
    env.ok(&[
        "-n",
        "team",
        "create",
        "role",
        "cm-editor",
        "--verb=get,list,watch,create,update,patch,delete",
        "--resource=configmaps",
    ])
    .await;
    env.ok(&[
        "-n",
        "team",
        "create",
        "rolebinding",
        "dev-cm",
        "--role=cm-editor",
        "--serviceaccount=team:dev",
    ])
    .await;
    let token = env.ok(&["-n", "team", "create", "token", "dev"]).await;
    let client = client_with_token(&env, token.trim()).await;

    let team: Api<ConfigMap> = Api::namespaced(client.clone(), "team");
    team.create(&PostParams::default(), &cm("ok"))
        .await
        .expect("may write in its namespace");
    assert_eq!(team.get("ok").await.unwrap().data.unwrap()["k"], "v");

    let other: Api<ConfigMap> = Api::namespaced(client.clone(), "other");
    let err = other
        .create(&PostParams::default(), &cm("no"))
        .await
        .unwrap_err();
    let kube::Error::Api(s) = err else {
        panic!("expected an API error")
    };
    assert_eq!(s.code, 403);
    assert_eq!(s.reason, "Forbidden");
    assert_eq!(
        s.message,
        r#"configmaps is forbidden: User "system:serviceaccount:team:dev" cannot create resource "configmaps" in API group "" in the namespace "other""#
    );
    let err = other.get("x").await.unwrap_err();
    assert!(
        matches!(err, kube::Error::Api(ref s) if s.code == 403),
        "{err:?}"
    );
    let secrets: Api<k8s_openapi::api::core::v1::Secret> = Api::namespaced(client.clone(), "team");
    assert!(
        matches!(secrets.list(&Default::default()).await.unwrap_err(), kube::Error::Api(ref s) if s.code == 403)
    );
    // Discovery and self reviews are open to every authenticated user.
    let v = client.apiserver_version().await.unwrap();
    assert_eq!(v.minor, "32");
    kube::discovery::Discovery::new(client.clone())
        .run()
        .await
        .expect("discovery allowed");

    // kubectl auth can-i with the ServiceAccount's token.
    let can = env
        .kubectl(&[
            "--token",
            token.trim(),
            "-n",
            "team",
            "auth",
            "can-i",
            "create",
            "configmaps",
        ])
        .await;
    assert_eq!(can.stdout.trim(), "yes");
    let cannot = env
        .kubectl(&[
            "--token",
            token.trim(),
            "-n",
            "other",
            "auth",
            "can-i",
            "create",
            "configmaps",
        ])
        .await;
    assert_eq!((cannot.code, cannot.stdout.trim()), (1, "no"));
    let who = env.ok(&["--token", token.trim(), "auth", "whoami"]).await;
    assert!(who.contains("system:serviceaccount:team:dev"), "{who}");

    // Deleting the ServiceAccount revokes its tokens.
    env.ok(&["-n", "team", "delete", "serviceaccount", "dev"])
        .await;
    let err = team.get("ok").await.unwrap_err();
    assert!(
        matches!(err, kube::Error::Api(ref s) if s.code == 401),
        "{err:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn unknown_tokens_are_unauthorized() {
    let env = Env::start().await;
    let o = env
        .kubectl(&["--token", "not-a-token", "get", "configmaps"])
        .await;
    assert_eq!(o.code, 1);
    assert!(
        o.stderr.contains("You must be logged in to the server"),
        "{}",
        o.stderr
    );
}
