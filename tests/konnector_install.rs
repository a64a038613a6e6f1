//! The installed konnector: its manifests applied with kubectl to the sandbox's App server,
//! whose simulated kubelet runs the Deployment in-process with its ServiceAccount's token.
//! It syncs a claim and its credentials end to end under that RBAC alone, and the token can
//! do its job but cannot read a Secret of a namespace it has not bound, nor create a Pod.
#![allow(clippy::unwrap_used)]

use crate::support;

use k8s_openapi::api::authorization::v1::{
    ResourceAttributes, SelfSubjectAccessReview, SelfSubjectAccessReviewSpec,
};
use k8s_openapi::api::core::v1::Secret;
use klutch::bind::names::KONNECTOR_NAMESPACE;
use klutch_tui::commands::konnector::InProcessKonnector;
use klutch_tui::services::konnector::install::{BoundResource, InstallSpec, manifests, to_yaml};
use kube::api::{Api, DynamicObject, ListParams, PostParams};
use std::sync::Arc;
use std::time::Duration;
use support::bind::{PG, SB, bind, create_claim, until_ready};
use support::sync::{claim, until_in_sync};
use support::{Env, eventually};

const WAIT: Duration = Duration::from_secs(30);

/// A client with the konnector ServiceAccount's token (from `kubectl create token`).
async fn konnector_client(env: &Env) -> kube::Client {
    let token = env
        .app_ok(&["-n", KONNECTOR_NAMESPACE, "create", "token", "konnector"])
        .await;
    let mut config = kube::Config::new(env.sb.info().app_server.parse().unwrap());
    let kc = kube::config::Kubeconfig::read_from(&env.kubeconfig).unwrap();
    let opts = kube::config::KubeConfigOptions {
        context: Some(sandbox::APP_CONTEXT.into()),
        ..Default::default()
    };
    let admin = kube::Config::from_custom_kubeconfig(kc, &opts)
        .await
        .unwrap();
    config.root_cert = admin.root_cert;
    config.auth_info.token = Some(token.trim().to_owned().into());
    kube::Client::try_from(config).unwrap()
}

async fn can(client: &kube::Client, verb: &str, resource: &str, ns: &str) -> bool {
    let (group, resource) = resource
        .split_once('.')
        .map_or(("", resource), |(r, g)| (g, r));
    let review = SelfSubjectAccessReview {
        spec: SelfSubjectAccessReviewSpec {
            resource_attributes: Some(ResourceAttributes {
                verb: Some(verb.into()),
                group: Some(group.into()),
                resource: Some(resource.into()),
                namespace: Some(ns.into()),
                ..ResourceAttributes::default()
            }),
            ..SelfSubjectAccessReviewSpec::default()
        },
        ..SelfSubjectAccessReview::default()
    };
    Api::<SelfSubjectAccessReview>::all(client.clone())
        .create(&PostParams::default(), &review)
        .await
        .unwrap()
        .status
        .unwrap()
        .allowed
}

#[tokio::test]
async fn the_installed_konnector_syncs_with_least_privilege() {
    let env = Env::start_with(|c| c.workloads = Some(Arc::new(InProcessKonnector))).await;
    let bound = bind(&env, &[PG, SB]).await;
    let mut sb = BoundResource::new(SB.0, SB.1);
    sb.claims = bound.response.requests[1].spec.resources[0]
        .permission_claims
        .clone()
        .unwrap_or_default();
    let mut spec = InstallSpec::new(vec![BoundResource::new(PG.0, PG.1), sb]);
    spec.heartbeat_interval = Some(Duration::from_secs(1));
    let out = env
        .kubectl_in(
            sandbox::APP_CONTEXT,
            &["apply", "-f", "-"],
            &to_yaml(&manifests(&spec)),
        )
        .await;
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);

    // Two replicas run in-process; one holds the lease and syncs.
    until_ready(&env, &[PG, SB]).await;
    create_claim(&env, "PostgresqlInstance", "default", "db", "").await;
    create_claim(&env, "ServiceBinding", "default", "db", "db").await;
    until_in_sync(&env, &bound.cluster_ns, WAIT).await;
    let secrets = Api::<Secret>::namespaced(env.app.clone(), "default");
    eventually("the credentials in the App Cluster", WAIT, || async {
        secrets.get_opt("db-creds").await.unwrap()
    })
    .await;
    let lease = env
        .app_ok(&[
            "-n",
            KONNECTOR_NAMESPACE,
            "get",
            "lease",
            "klutch-bind",
            "-o",
            "jsonpath={.spec.holderIdentity}",
        ])
        .await;
    assert!(
        lease.starts_with("konnector-"),
        "a replica holds the lease: {lease:?}"
    );

    // What its token may do.
    env.app_ok(&["create", "namespace", "unbound"]).await;
    env.app_ok(&[
        "-n",
        "unbound",
        "create",
        "secret",
        "generic",
        "private",
        "--from-literal=k=v",
    ])
    .await;
    let k = konnector_client(&env).await;
    let listed = Api::<DynamicObject>::all_with(k.clone(), &claim("PostgresqlInstance"))
        .list(&ListParams::default())
        .await
        .unwrap();
    assert_eq!(listed.items.len(), 1);
    assert!(
        Api::<Secret>::namespaced(k.clone(), "default")
            .get("db-creds")
            .await
            .is_ok()
    );
    let denied = Api::<Secret>::namespaced(k.clone(), "unbound")
        .get("private")
        .await;
    assert!(
        matches!(denied, Err(kube::Error::Api(ref s)) if s.code == 403),
        "{denied:?}"
    );
    assert!(!can(&k, "create", "pods", "default").await);
    assert!(!can(&k, "list", "secrets", "kube-system").await);
    assert!(!can(&k, "delete", "namespaces", "").await);
    assert!(can(&k, "update", "postgresqlinstances.anynines.com", "team-x").await);
    assert!(!can(&k, "update", "mariadbinstances.anynines.com", "team-x").await);

    // Uninstalling the Deployment stops the konnector: a new claim stays home.
    env.app_ok(&[
        "-n",
        KONNECTOR_NAMESPACE,
        "delete",
        "deployment",
        "konnector",
    ])
    .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    create_claim(&env, "PostgresqlInstance", "default", "later", "").await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let cp = Api::<DynamicObject>::namespaced_with(
        env.cp.clone(),
        &format!("{}-default", bound.cluster_ns),
        &claim("PostgresqlInstance"),
    );
    assert!(
        cp.get_opt("later").await.unwrap().is_none(),
        "no konnector runs any more"
    );
    env.shutdown().await;
}
