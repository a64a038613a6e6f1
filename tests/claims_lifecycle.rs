//! The lifecycle commands and the claims service against an in-process sandbox:
//! `backup`/`restore --wait` through success, an injected provider failure and a timeout;
//! `credentials` printing the values the sandbox's provider generated; pairing an App claim
//! with its Control Plane copy through the namespace mapping; and the whole path through the
//! real konnector.
#![allow(clippy::unwrap_used)]

use crate::support;

use k8s_openapi::api::core::v1::Secret;
use kube::api::{Api, Patch, PatchParams};
use serde_json::{Value, json};
use std::time::Duration;
use support::Env;
use support::claims::{
    CP, api, command, create, install_claim_crds, instance_with_binding, namespace, pg, ready, run,
    start, wait_for,
};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn backup_and_restore_wait_through_success_and_failure() {
    let env = start(Duration::from_millis(600), 0.0).await;
    let cp = env.cp.clone();
    namespace(&cp, "team-a").await;
    create(&cp, pg("team-a", "orders", "postgresql-single-small")).await;
    wait_for(
        &cp,
        "PostgresqlInstance",
        "team-a",
        "orders",
        "Ready",
        ready,
    )
    .await;
    let ctx = ["--app-context", CP, "-n", "team-a"];
    let ok = run(&env, &[&["backup", "orders", "--wait"], &ctx[..]].concat()).await;
    assert_eq!(ok.code, 0, "{ok:?}");
    let backup = ok.stdout.trim().to_string();
    assert!(
        backup.starts_with("orders-backup-") && backup.len() == "orders-backup-".len() + 5,
        "{backup}"
    );
    let lines: Vec<&str> = ok.stderr.lines().collect();
    assert_eq!(
        lines,
        [
            format!("backup {backup}: pending"),
            format!("backup {backup}: queued"),
            format!("backup {backup}: running"),
            format!("backup {backup}: done"),
        ],
        "{}",
        ok.stderr
    );
    let b = api(&cp, "Backup", Some("team-a"))
        .get(&backup)
        .await
        .unwrap();
    let spec = &b.data["spec"];
    assert_eq!(
        (&spec["instanceRef"], &spec["serviceInstanceType"]),
        (&json!("orders"), &json!("postgresql"))
    );
    assert_eq!(spec["compositionRef"], json!({"name": "a9s-backup"}));
    let ok = run(&env, &[&["restore", &backup, "--wait"], &ctx[..]].concat()).await;
    assert_eq!(ok.code, 0, "{ok:?}");
    let restore = ok.stdout.trim().to_string();
    assert!(
        ok.stderr.ends_with(&format!("restore {restore}: done\n")),
        "{}",
        ok.stderr
    );
    let r = api(&cp, "Restore", Some("team-a"))
        .get(&restore)
        .await
        .unwrap();
    assert_eq!(r.data["spec"]["backupRef"], backup.as_str());
    assert_eq!(r.data["spec"]["compositionRef"]["name"], "a9s-restore");

    // A failure injected into the new backup: its step fails with the provider's message.
    let mut c = command(&env, std::path::Path::new(env!("CARGO_BIN_EXE_klutch-tui")));
    c.args([&["backup", "orders", "--wait"], &ctx[..]].concat())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let mut child = c.spawn().unwrap();
    let mut stdout = tokio::io::BufReader::new(child.stdout.take().unwrap());
    let mut name = String::new();
    tokio::io::AsyncBufReadExt::read_line(&mut stdout, &mut name)
        .await
        .unwrap();
    let failing = name.trim().to_string();
    let patch = json!({"metadata": {"annotations": {sandbox::provider::FAIL_NEXT_ANNOTATION: "quota exceeded for organization"}}});
    api(&cp, "Backup", Some("team-a"))
        .patch(&failing, &PatchParams::default(), &Patch::Merge(&patch))
        .await
        .unwrap();
    let out = tokio::time::timeout(support::claims::WAIT, child.wait_with_output())
        .await
        .unwrap()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.ends_with(&format!("error: backup {failing} failed: Backup has failed: observe failed: quota exceeded for organization\n")),
        "{stderr}"
    );
    // A restore of the failed backup fails too; a short --timeout gives up with exit 1.
    let failed = run(&env, &[&["restore", &failing, "--wait"], &ctx[..]].concat()).await;
    assert_eq!(failed.code, 1, "{failed:?}");
    assert!(
        failed.stderr.contains("failed: Restore has failed"),
        "{failed:?}"
    );
    let slow = run(
        &env,
        &[
            &["backup", "orders", "--wait", "--timeout", "100ms"],
            &ctx[..],
        ]
        .concat(),
    )
    .await;
    assert_eq!(slow.code, 1, "{slow:?}");
    assert!(
        slow.stderr
            .contains("did not finish within 100ms; it goes on"),
        "{slow:?}"
    );
    let wrong = run(&env, &[&["backup", "nope"], &ctx[..]].concat()).await;
    assert_eq!(wrong.code, 1);
    assert!(
        wrong
            .stderr
            .contains("no data service instance named \"nope\" in namespace team-a"),
        "{wrong:?}"
    );
    env.sb.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn credentials_print_the_generated_values() {
    let env = start(Duration::from_millis(300), 0.0).await;
    let cp = env.cp.clone();
    instance_with_binding(&cp, "team-a", "orders", "orders-app").await;
    let ctx = ["--app-context", CP, "-n", "team-a"];
    let secret = Api::<Secret>::namespaced(cp.clone(), "team-a")
        .get("orders-app-creds")
        .await
        .unwrap();
    let data: std::collections::BTreeMap<String, String> = secret
        .data
        .unwrap()
        .into_iter()
        .map(|(k, v)| (k, String::from_utf8(v.0).unwrap()))
        .collect();
    assert!(
        data.contains_key("password") && data.contains_key("uri"),
        "{:?}",
        data.keys()
    );
    let json_out = run(
        &env,
        &[&["credentials", "orders-app", "-o", "json"], &ctx[..]].concat(),
    )
    .await;
    assert_eq!(json_out.code, 0, "{json_out:?}");
    let printed: std::collections::BTreeMap<String, String> =
        serde_json::from_str(&json_out.stdout).unwrap();
    assert_eq!(printed, data);
    let env_out = run(&env, &[&["credentials", "orders-app"], &ctx[..]].concat()).await;
    let password = format!("PASSWORD='{}'", data["password"]);
    assert!(
        env_out.stdout.lines().any(|l| l == password),
        "{}",
        env_out.stdout
    );
    assert_eq!(env_out.stdout.lines().count(), data.len());
    // Never in the log.
    let log = std::fs::read_to_string(env.dir.path().join("home/state/klutch-tui/klutch-tui.log"))
        .unwrap_or_default();
    assert!(!log.contains(&data["password"]));
    let missing = run(&env, &[&["credentials", "nope"], &ctx[..]].concat()).await;
    assert_eq!(missing.code, 1);
    assert!(
        missing.stderr.contains("no ServiceBinding named \"nope\""),
        "{missing:?}"
    );
    env.sb.shutdown().await;
}

/// A kubeconfig whose current context is in `namespace` (what a binding's Secret holds).
fn kubeconfig_in(namespace: &str) -> String {
    format!(
        "apiVersion: v1\nkind: Config\ncurrent-context: provider\nclusters:\n- name: cp\n  cluster:\n    server: https://127.0.0.1:1\ncontexts:\n- name: provider\n  context:\n    cluster: cp\n    user: binder\n    namespace: {namespace}\nusers:\n- name: binder\n  user:\n    token: t\n"
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pairing_follows_the_namespace_mapping_and_measures_the_lag() {
    use klutch::claims::ClaimKind;
    use klutch::claims::DataService::Postgresql;
    use klutch::claims::pairing::Sync;
    use klutch_tui::services::claims::Claims;
    let env = start(Duration::from_secs(3), 0.0).await;
    let app = env.app.clone();
    let cp = env.cp.clone();
    install_claim_crds(&app, true).await;
    namespace(&app, "team-a").await;
    let bind_ns = klutch::bind::names::KONNECTOR_NAMESPACE;
    namespace(&app, bind_ns).await;
    // The App side of a binding, as `klutch-tui bind` leaves it.
    let secret: Secret = serde_json::from_value(
        json!({"metadata": {"name": "kubeconfig-abc", "namespace": bind_ns},
        "stringData": {"kubeconfig": kubeconfig_in("cluster-abc")}}),
    )
    .unwrap();
    Api::<Secret>::namespaced(app.clone(), bind_ns)
        .create(&Default::default(), &secret)
        .await
        .unwrap();
    create(&app, json!({"apiVersion": "klutch.anynines.com/v1alpha1", "kind": "APIServiceBinding",
        "metadata": {"name": "postgresqlinstances.anynines.com", "namespace": bind_ns},
        "spec": {"kubeconfigSecretRef": {"namespace": bind_ns, "name": "kubeconfig-abc", "key": "kubeconfig"}}}))
    .await;
    let ssa = |manager: &str| PatchParams::apply(manager).force();
    let claim = pg("team-a", "orders", "postgresql-single-small");
    api(&app, "PostgresqlInstance", Some("team-a"))
        .patch("orders", &ssa("kubectl"), &Patch::Apply(&claim))
        .await
        .unwrap();
    // The Control Plane side: the cluster namespace and the mapping of team-a.
    namespace(&cp, "cluster-abc").await;
    create(
        &cp,
        json!({"apiVersion": "klutch.anynines.com/v1alpha1", "kind": "APIServiceNamespace",
        "metadata": {"name": "team-a", "namespace": "cluster-abc"}, "spec": {}}),
    )
    .await;
    let mapped = wait_for(
        &cp,
        "APIServiceNamespace",
        "cluster-abc",
        "team-a",
        "mapped",
        |m| m.data["status"]["namespace"].is_string(),
    )
    .await;
    assert_eq!(mapped.data["status"]["namespace"], "cluster-abc-team-a");
    let claims = Claims::new(app.clone(), Some(cp.clone()));
    let kind = ClaimKind::Instance(Postgresql);
    let pair = claims.pair(kind, "team-a", "orders").await.unwrap();
    assert_eq!(pair.cluster_namespace, "cluster-abc");
    assert_eq!(pair.cp_namespace.as_deref(), Some("cluster-abc-team-a"));
    assert_eq!((pair.cp.is_none(), pair.sync), (true, Sync::Missing));

    // The konnector's copy: same name, the App's spec, annotated bound.
    let names = klutch::bind::names::ANNOTATION_BOUND;
    let mut copy = pg("cluster-abc-team-a", "orders", "postgresql-single-small");
    copy["metadata"]["annotations"] = json!({names: "true"});
    let copies = api(&cp, "PostgresqlInstance", Some("cluster-abc-team-a"));
    let konnector = klutch::bind::names::FIELD_MANAGER;
    copies
        .patch("orders", &ssa(konnector), &Patch::Apply(&copy))
        .await
        .unwrap();
    let pair = claims.pair(kind, "team-a", "orders").await.unwrap();
    let Sync::InSync { lag: Some(lag) } = pair.sync else {
        panic!("{:?}", pair.sync)
    };
    assert!(
        lag >= jiff::SignedDuration::ZERO && lag < jiff::SignedDuration::from_secs(5),
        "{lag:?}"
    );
    assert_eq!(
        pair.cp.unwrap()["metadata"]["namespace"],
        "cluster-abc-team-a"
    );

    // A change on the App side is pending until the copy has it.
    let bigger = pg("team-a", "orders", "postgresql-single-big");
    api(&app, "PostgresqlInstance", Some("team-a"))
        .patch("orders", &ssa("kubectl"), &Patch::Apply(&bigger))
        .await
        .unwrap();
    let pair = claims.pair(kind, "team-a", "orders").await.unwrap();
    assert!(
        matches!(pair.sync, Sync::Pending { since: Some(_) }),
        "{:?}",
        pair.sync
    );
    let mut copy = pg("cluster-abc-team-a", "orders", "postgresql-single-big");
    copy["metadata"]["annotations"] = json!({names: "true"});
    copies
        .patch("orders", &ssa(konnector), &Patch::Apply(&copy))
        .await
        .unwrap();
    let pair = claims.pair(kind, "team-a", "orders").await.unwrap();
    assert!(
        matches!(pair.sync, Sync::InSync { lag: Some(_) }),
        "{:?}",
        pair.sync
    );

    // Without a binding on the App side, the one APIServiceNamespace of that name decides.
    namespace(&cp, "team-a").await;
    create(&cp, pg("team-a", "orders", "postgresql-single-big")).await;
    let on_cp = Claims::new(cp.clone(), Some(cp.clone()));
    let pair = on_cp.pair(kind, "team-a", "orders").await.unwrap();
    assert_eq!(pair.cluster_namespace, "cluster-abc");
    assert!(matches!(pair.sync, Sync::InSync { .. }), "{:?}", pair.sync);
    let err = Claims::new(app.clone(), None)
        .pair(kind, "team-a", "orders")
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "pairing needs the Control Plane: name its context with --cp-context"
    );
    env.sb.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_app_claim_goes_through_the_real_konnector() {
    use klutch::claims::ClaimKind;
    use klutch::claims::DataService::Postgresql;
    use klutch::claims::pairing::Sync;
    use klutch_tui::services::claims::Claims;
    use klutch_tui::services::konnector::{Konnector, KonnectorOptions};
    use support::bind::{BACKUPS, PG, RESTORES, SB, bind};
    let env = Env::start().await;
    let bound = bind(&env, &[PG, SB, BACKUPS, RESTORES]).await;
    let konnector = Konnector::start(
        env.app.clone(),
        KonnectorOptions {
            heartbeat_interval: Duration::from_secs(2),
            leader_election: None,
            ..KonnectorOptions::default()
        },
    );
    // The konnector brings the claim CRDs; apply validates against them.
    let crds = api(&env.app, "CustomResourceDefinition", None);
    support::eventually(
        "the claim CRDs in the App Cluster",
        support::claims::WAIT,
        || async {
            let names: Vec<String> = crds
                .list(&Default::default())
                .await
                .ok()?
                .items
                .into_iter()
                .filter_map(|c| c.metadata.name)
                .collect();
            [
                "postgresqlinstances",
                "servicebindings",
                "backups",
                "restores",
            ]
            .iter()
            .all(|p| names.contains(&format!("{p}.anynines.com")))
            .then_some(())
        },
    )
    .await;
    let claims = "apiVersion: anynines.com/v1\nkind: PostgresqlInstance\nmetadata:\n  name: orders\n  namespace: default\nspec:\n  service: a9s-postgresql15\n  plan: postgresql-single-small\n  compositionRef:\n    name: a9s-postgresql\n---\napiVersion: anynines.com/v1\nkind: ServiceBinding\nmetadata:\n  name: orders-app\n  namespace: default\nspec:\n  instanceRef: orders\n  serviceInstanceType: postgresql\n  compositionRef:\n    name: a9s-servicebinding\n";
    let path = support::claims::file(&env, "claims.yaml", claims)
        .display()
        .to_string();
    let applied = run(&env, &["apply", "-f", &path]).await;
    assert_eq!(applied.code, 0, "{applied:?}");
    // Status comes back to the App Cluster: Ready there.
    wait_for(
        &env.app,
        "PostgresqlInstance",
        "default",
        "orders",
        "Ready",
        ready,
    )
    .await;
    let listed = run(&env, &["get", "instances"]).await;
    assert!(
        listed
            .stdout
            .lines()
            .nth(1)
            .is_some_and(|l| l.starts_with("orders") && l.contains("Ready")),
        "{listed:?}"
    );
    // Paired through the real mapping.
    let service = Claims::new(env.app.clone(), Some(env.cp.clone()));
    let pair = service
        .pair(ClaimKind::Instance(Postgresql), "default", "orders")
        .await
        .unwrap();
    assert_eq!(pair.cluster_namespace, bound.cluster_ns);
    assert_eq!(
        pair.cp_namespace,
        Some(format!("{}-default", bound.cluster_ns))
    );
    assert!(
        matches!(pair.sync, Sync::InSync { lag: Some(_) }),
        "{:?}",
        pair.sync
    );
    // A backup taken in the App Cluster is done once the Control Plane says so.
    let backup = run(&env, &["backup", "orders", "--wait", "--timeout", "20s"]).await;
    assert_eq!(backup.code, 0, "{backup:?}");
    assert!(
        backup
            .stderr
            .ends_with(&format!("backup {}: done\n", backup.stdout.trim())),
        "{backup:?}"
    );
    // The binding's credentials arrive through the konnector.
    wait_for(
        &env.app,
        "ServiceBinding",
        "default",
        "orders-app",
        "Ready",
        ready,
    )
    .await;
    let secrets = Api::<Secret>::namespaced(env.app.clone(), "default");
    support::eventually(
        "the credentials in the App Cluster",
        support::claims::WAIT,
        || async { secrets.get_opt("orders-app-creds").await.ok()? },
    )
    .await;
    let creds = run(&env, &["credentials", "orders-app", "-o", "json"]).await;
    assert_eq!(creds.code, 0, "{creds:?}");
    let printed: serde_json::Map<String, Value> = serde_json::from_str(&creds.stdout).unwrap();
    let upstream =
        Api::<Secret>::namespaced(env.cp.clone(), &format!("{}-default", bound.cluster_ns))
            .get("orders-app-creds")
            .await
            .unwrap();
    assert_eq!(printed.len(), upstream.data.unwrap().len());
    konnector.stop().await;
    env.shutdown().await;
}
