//! The developer's whole path in the sandbox, headless: `klutch-tui bind <bindUrl>` with the
//! device flow and `--konnector local` (the sync loop keeps running in the foreground), then
//! a claim applied in the App Cluster with kubectl becomes Ready there; Ctrl-C stops the
//! loop and leaves the bindings. The same with `--konnector install`: the konnector's
//! Deployment applied to the sandbox's App server, which runs it in-process as its kubelet
//! would, with its own ServiceAccount's RBAC.

#![allow(clippy::unwrap_used)]

use crate::bind_support;
use crate::support;

use std::time::Duration;

use bind_support::{Home, approve_device, device_url};
use klutch::bind::{APIServiceBinding, ConditionStatus, condition, condition_types};
use kube::api::{Api, DynamicObject};
use kube::core::{ApiResource, GroupVersionKind};
use support::{Env, eventually};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bind_with_the_local_konnector_then_a_claim_becomes_ready() {
    let env = Env::start().await;
    let home = Home::new(&env.kubeconfig);
    let url = env.sb.info().bind_url.clone();
    let mut run = home.start_device_bind(&url, "local", &["postgresqlinstances"]);
    let complete = run.find(device_url).await;
    approve_device(&complete, ("developer", "developer")).await;
    run.find(|l| l.contains("✓ wait until bound").then_some(()))
        .await;
    run.find(|l| l.starts_with("The konnector runs here").then_some(()))
        .await;
    let binding = Api::<APIServiceBinding>::namespaced(env.app.clone(), "klutch-bind")
        .get("postgresqlinstances.anynines.com")
        .await
        .unwrap();
    let conditions = binding.status.unwrap().conditions.unwrap();
    assert_eq!(
        condition(&conditions, condition_types::READY)
            .unwrap()
            .status,
        ConditionStatus::True
    );

    the_example_claim_becomes_ready(&env).await;

    run.interrupt();
    let out = run.finish().await;
    assert_eq!(out.code, 0, "{out:?}");
    assert!(
        out.stdout
            .contains("bound postgresqlinstances.anynines.com"),
        "{out:?}"
    );
    assert!(out.stdout.contains("konnector: running here"), "{out:?}");
    assert!(
        Api::<APIServiceBinding>::namespaced(env.app.clone(), "klutch-bind")
            .get_opt("postgresqlinstances.anynines.com")
            .await
            .unwrap()
            .is_some(),
        "Ctrl-C leaves the binding"
    );
    env.shutdown().await;
}

/// The upstream example PostgresqlInstance, applied with kubectl in the App Cluster, becomes
/// Ready there (the konnector carries it to the Control Plane and its status back).
async fn the_example_claim_becomes_ready(env: &Env) {
    let pg = std::fs::read_to_string(
        "../shared/fixtures/claims/examples/a9s-postgresql-serviceinstance-claim.yaml",
    )
    .unwrap();
    let out = env.apply_app(&pg).await;
    assert_eq!(out.code, 0, "{}", out.stderr);
    let ar = ApiResource::from_gvk_with_plural(
        &GroupVersionKind::gvk("anynines.com", "v1", "PostgresqlInstance"),
        "postgresqlinstances",
    );
    let claims = Api::<DynamicObject>::namespaced_with(env.app.clone(), "default", &ar);
    eventually(
        "the claim Ready in the App Cluster",
        Duration::from_secs(30),
        || async {
            claims
                .get_opt("example-a9s-postgresql")
                .await
                .ok()
                .flatten()
                .filter(|o| {
                    o.data["status"]["conditions"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .any(|c| c["type"] == "Ready" && c["status"] == "True")
                })
        },
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bind_installing_the_konnector_then_a_claim_becomes_ready() {
    let env = Env::start_with(|c| {
        c.workloads = Some(std::sync::Arc::new(
            klutch_tui::commands::konnector::InProcessKonnector,
        ))
    })
    .await;
    let home = Home::new(&env.kubeconfig);
    let url = env.sb.info().bind_url.clone();
    let mut run = home.start_device_bind(&url, "install", &["postgresqlinstances"]);
    let complete = run.find(device_url).await;
    approve_device(&complete, ("developer", "developer")).await;
    let out = run.finish().await;
    assert_eq!(out.code, 0, "{out:?}");
    assert!(
        out.stdout
            .contains("bound postgresqlinstances.anynines.com"),
        "{out:?}"
    );
    the_example_claim_becomes_ready(&env).await;
    env.shutdown().await;
}
