//! The konnector end to end in the sandbox: a bind made through the real backend, the
//! konnector running in-process, claims applied with kubectl in the App Cluster. The CRDs
//! appear, an instance reaches the Control Plane and becomes Ready there, its status comes
//! back, a ServiceBinding's credentials arrive, a Backup and a Restore go through, and
//! deleting in the App Cluster deletes on the Control Plane with nothing left behind.
#![allow(clippy::unwrap_used)]

use crate::support;

use k8s_openapi::api::core::v1::Secret;
use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use klutch::bind::names::{ANNOTATION_BOUND, FINALIZER_SYNCER, KONNECTOR_NAMESPACE};
use klutch::bind::{APIServiceBinding, ClusterBinding, condition, condition_types};
use klutch_tui::services::konnector::{
    BindingState, Direction, Konnector, KonnectorEvent, KonnectorOptions, SyncAction,
};
use kube::ResourceExt;
use kube::api::{Api, DynamicObject, ListParams};
use kube::core::{ApiResource, GroupVersionKind};
use serde_json::Value;
use std::time::Duration;
use support::bind::{BACKUPS, PG, RESTORES, SB, bind};
use support::{Env, eventually};

const WAIT: Duration = Duration::from_secs(20);

fn claim(kind: &str) -> ApiResource {
    let plural = format!("{}s", kind.to_lowercase());
    ApiResource::from_gvk_with_plural(&GroupVersionKind::gvk("anynines.com", "v1", kind), &plural)
}

fn options() -> KonnectorOptions {
    KonnectorOptions {
        heartbeat_interval: Duration::from_secs(2),
        leader_election: None,
        ..KonnectorOptions::default()
    }
}

/// The object's `status` field at `pointer`, as a string.
fn at<'a>(o: &'a DynamicObject, pointer: &str) -> Option<&'a str> {
    o.data.pointer(pointer).and_then(Value::as_str)
}

async fn get(client: &kube::Client, kind: &str, ns: &str, name: &str) -> Option<DynamicObject> {
    Api::<DynamicObject>::namespaced_with(client.clone(), ns, &claim(kind))
        .get_opt(name)
        .await
        .unwrap()
}

fn ready(o: &DynamicObject) -> bool {
    o.data["status"]["conditions"]
        .as_array()
        .into_iter()
        .flatten()
        .any(|c| c["type"] == "Ready" && c["status"] == "True")
}

#[tokio::test]
async fn claims_go_up_status_and_credentials_come_back_and_deletion_cleans_both_sides() {
    let env = Env::start().await;
    let bound = bind(&env, &[PG, SB, BACKUPS, RESTORES]).await;
    let konnector = Konnector::start(env.app.clone(), options());
    let mut events = konnector.subscribe();
    let cp_ns = format!("{}-default", bound.cluster_ns);

    // The CRDs appear in the App Cluster and every binding becomes Ready.
    let crds = Api::<CustomResourceDefinition>::all(env.app.clone());
    let bindings = Api::<APIServiceBinding>::namespaced(env.app.clone(), KONNECTOR_NAMESPACE);
    for (group, plural) in [PG, SB, BACKUPS, RESTORES] {
        let name = format!("{plural}.{group}");
        eventually(&format!("binding {name} Ready"), WAIT, || async {
            let b = bindings.get(&name).await.unwrap();
            let conds = b.status?.conditions?;
            condition(&conds, condition_types::READY)?
                .is_true()
                .then_some(())
        })
        .await;
        assert!(crds.get_opt(&name).await.unwrap().is_some(), "CRD {name}");
    }

    // An instance applied with kubectl goes up, becomes Ready there, and its status comes back.
    let pg = std::fs::read_to_string(
        "../shared/fixtures/claims/examples/a9s-postgresql-serviceinstance-claim.yaml",
    )
    .unwrap();
    let out = env.apply_app(&pg).await;
    assert_eq!(out.code, 0, "{}", out.stderr);
    let name = "example-a9s-postgresql";
    let upstairs = eventually("the instance Ready on the Control Plane", WAIT, || async {
        get(&env.cp, "PostgresqlInstance", &cp_ns, name)
            .await
            .filter(ready)
    })
    .await;
    assert_eq!(
        upstairs
            .annotations()
            .get(ANNOTATION_BOUND)
            .map(String::as_str),
        Some("true")
    );
    assert_eq!(upstairs.data["spec"]["plan"], "postgresql-single-nano");
    let home = eventually("the instance Ready in the App Cluster", WAIT, || async {
        get(&env.app, "PostgresqlInstance", "default", name)
            .await
            .filter(ready)
    })
    .await;
    assert_eq!(home.finalizers(), [FINALIZER_SYNCER]);
    eventually("the same status on both sides", WAIT, || async {
        let app = get(&env.app, "PostgresqlInstance", "default", name).await?;
        let cp = get(&env.cp, "PostgresqlInstance", &cp_ns, name).await?;
        (app.data["status"] == cp.data["status"]).then_some(())
    })
    .await;

    // A spec change goes up.
    env.app_ok(&[
        "patch",
        "postgresqlinstance",
        name,
        "--type=merge",
        "-p",
        r#"{"spec":{"plan":"postgresql-single-small"}}"#,
    ])
    .await;
    eventually("the new plan on the Control Plane", WAIT, || async {
        get(&env.cp, "PostgresqlInstance", &cp_ns, name)
            .await
            .filter(|o| o.data["spec"]["plan"] == "postgresql-single-small")
    })
    .await;

    // A ServiceBinding's credentials Secret arrives in the claim's namespace; an unrelated
    // Secret of that namespace stays home.
    env.app_ok(&[
        "create",
        "secret",
        "generic",
        "not-for-the-provider",
        "--from-literal=k=v",
    ])
    .await;
    let sb = std::fs::read_to_string(
        "../shared/fixtures/claims/examples/a9s-postgresql-servicebinding-claim.yaml",
    )
    .unwrap();
    assert_eq!(env.apply_app(&sb).await.code, 0);
    let secrets = Api::<Secret>::namespaced(env.app.clone(), "default");
    let cp_secrets = Api::<Secret>::namespaced(env.cp.clone(), &cp_ns);
    let creds = format!("{name}-creds");
    // The copy holds what the provider wrote (compared without printing credentials).
    eventually(
        "the credentials Secret copied into the App Cluster",
        WAIT,
        || async {
            let home = secrets.get_opt(&creds).await.unwrap()?;
            let up = cp_secrets.get_opt(&creds).await.unwrap()?;
            (home.data == up.data && home.data.is_some()).then_some(())
        },
    )
    .await;
    assert!(
        Api::<Secret>::namespaced(env.cp.clone(), &cp_ns)
            .get_opt("not-for-the-provider")
            .await
            .unwrap()
            .is_none(),
        "an unclaimed App Secret never goes up"
    );

    // A Backup and a Restore go through.
    for file in [
        "a9s-postgresql-backup-claim.yaml",
        "a9s-postgresql-restore-claim.yaml",
    ] {
        let yaml =
            std::fs::read_to_string(format!("../shared/fixtures/claims/examples/{file}")).unwrap();
        assert_eq!(env.apply_app(&yaml).await.code, 0, "{file}");
    }
    eventually("the backup done in the App Cluster", WAIT, || async {
        get(&env.app, "Backup", "default", name)
            .await
            .filter(|o| at(o, "/status/managed/status") == Some("done"))
    })
    .await;
    eventually("the restore done in the App Cluster", WAIT, || async {
        get(&env.app, "Restore", "default", name)
            .await
            .filter(|o| at(o, "/status/managed/state") == Some("done"))
    })
    .await;

    // The heartbeat reaches the ClusterBinding; the snapshot knows the objects and their lag.
    let cb = Api::<ClusterBinding>::namespaced(env.cp.clone(), &bound.cluster_ns)
        .get("cluster")
        .await
        .unwrap();
    let status = cb.status.unwrap();
    assert_eq!(status.heartbeat_interval.as_deref(), Some("2s"));
    assert!(status.last_heartbeat_time.is_some());
    let snapshot = konnector.snapshot();
    let pg_binding = &snapshot.bindings[&format!("{}.{}", PG.1, PG.0)];
    assert_eq!(pg_binding.state, BindingState::Ready);
    assert!(pg_binding.last_heartbeat.is_some());
    assert!(pg_binding.objects.keys().any(|k| k.name == name));

    // Deleting in the App Cluster deletes on the Control Plane first; nothing is left.
    for kind in ["restore", "backup", "servicebinding", "postgresqlinstance"] {
        env.app_ok(&["delete", kind, name, "--wait=false"]).await;
    }
    for kind in ["Restore", "Backup", "ServiceBinding", "PostgresqlInstance"] {
        eventually(&format!("{kind} gone from both sides"), WAIT, || async {
            let app = get(&env.app, kind, "default", name).await;
            let cp = get(&env.cp, kind, &cp_ns, name).await;
            (app.is_none() && cp.is_none()).then_some(())
        })
        .await;
    }
    eventually("the credentials copy gone", WAIT, || async {
        secrets
            .get_opt(&creds)
            .await
            .unwrap()
            .is_none()
            .then_some(())
    })
    .await;
    for kind in ["PostgresqlInstance", "ServiceBinding", "Backup", "Restore"] {
        let left = Api::<DynamicObject>::all_with(env.cp.clone(), &claim(kind))
            .list(&ListParams::default())
            .await
            .unwrap();
        assert!(
            left.items.is_empty(),
            "{kind} left on the Control Plane: {:?}",
            left.items
        );
    }

    // The events said what happened.
    let mut saw_up = false;
    let mut saw_down = false;
    while let Ok(e) = events.try_recv() {
        if let KonnectorEvent::Synced {
            direction, action, ..
        } = e
        {
            saw_up |= direction == Direction::AppToControlPlane && action == SyncAction::Written;
            saw_down |= direction == Direction::ControlPlaneToApp;
        }
    }
    assert!(saw_up && saw_down);
    konnector.stop().await;
    env.shutdown().await;
}
