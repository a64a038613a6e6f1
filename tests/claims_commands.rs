//! `get` as a user runs it, against an in-process sandbox: every KIND in every output format,
//! `--watch`, shell completion of names from the cluster, and `kubectl klutch` as a plugin.
#![allow(clippy::unwrap_used)]

use crate::support;

use serde_json::{Value, json};
use std::time::Duration;
use support::Env;
use support::claims::{CP, api, command, create, install_claim_crds, namespace, pg, run, start};

/// Objects of every KIND: claims and an APIServiceBinding on the App server, an export
/// request (and the exports the backend makes of it) and a ClusterBinding on the Control
/// Plane, whose templates the sandbox installs.
async fn objects_of_every_kind(env: &Env) {
    let app = env.app.clone();
    let cp = env.cp.clone();
    install_claim_crds(&app, true).await;
    namespace(&app, "team-a").await;
    namespace(&app, klutch::bind::names::KONNECTOR_NAMESPACE).await;
    create(&app, pg("team-a", "orders", "postgresql-single-small")).await;
    create(
        &app,
        json!({"apiVersion": "anynines.com/v1", "kind": "ServiceBinding",
        "metadata": {"name": "orders-app", "namespace": "team-a"},
        "spec": {"instanceRef": "orders", "serviceInstanceType": "postgresql",
                 "compositionRef": {"name": "a9s-servicebinding"}}}),
    )
    .await;
    create(
        &app,
        json!({"apiVersion": "anynines.com/v1", "kind": "Backup",
        "metadata": {"name": "nightly", "namespace": "team-a"},
        "spec": {"instanceRef": "orders", "serviceInstanceType": "postgresql",
                 "compositionRef": {"name": "a9s-backup"}}}),
    )
    .await;
    create(&app, json!({"apiVersion": "anynines.com/v1", "kind": "Restore",
        "metadata": {"name": "undo", "namespace": "team-a"},
        "spec": {"backupRef": "nightly", "instanceRef": "orders", "serviceInstanceType": "postgresql",
                 "compositionRef": {"name": "a9s-restore"}}}))
    .await;
    create(&app, json!({"apiVersion": "klutch.anynines.com/v1alpha1", "kind": "APIServiceBinding",
        "metadata": {"name": "postgresqlinstances.anynines.com", "namespace": "klutch-bind"},
        "spec": {"kubeconfigSecretRef": {"namespace": "klutch-bind", "name": "kubeconfig", "key": "kubeconfig"}}}))
    .await;
    namespace(&cp, "cluster-test").await;
    create(
        &cp,
        json!({"apiVersion": "klutch.anynines.com/v1alpha1", "kind": "APIServiceExportRequest",
        "metadata": {"name": "pg-request", "namespace": "cluster-test"},
        "spec": {"resources": [{"group": "anynines.com", "resource": "postgresqlinstances"}]}}),
    )
    .await;
    create(
        &cp,
        json!({"apiVersion": "klutch.anynines.com/v1alpha1", "kind": "ClusterBinding",
        "metadata": {"name": "cluster", "namespace": "cluster-test"},
        "spec": {"kubeconfigSecretRef": {"name": "kubeconfig", "key": "kubeconfig"},
                 "providerPrettyName": "anynines"}}),
    )
    .await;
    let exports = api(&cp, "APIServiceExportRequest", Some("cluster-test"));
    tokio::time::timeout(support::claims::WAIT, async {
        loop {
            let r = exports.get("pg-request").await.unwrap();
            if r.data["status"]["phase"] == "Succeeded" {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    })
    .await
    .expect("the export request succeeds");
}

/// KIND, an object name `get` must show, and the kinds its items may have.
const KINDS: [(&str, &str, &[&str]); 10] = [
    (
        "templates",
        "postgresqlinstances",
        &["APIServiceExportTemplate"],
    ),
    ("requests", "pg-request", &["APIServiceExportRequest"]),
    (
        "exports",
        "postgresqlinstances.anynines.com",
        &["APIServiceExport"],
    ),
    (
        "bindings",
        "postgresqlinstances.anynines.com",
        &["APIServiceBinding"],
    ),
    ("clusterbindings", "cluster", &["ClusterBinding"]),
    ("instances", "orders", &["PostgresqlInstance"]),
    ("servicebindings", "orders-app", &["ServiceBinding"]),
    ("backups", "nightly", &["Backup"]),
    ("restores", "undo", &["Restore"]),
    (
        "claims",
        "undo",
        &["PostgresqlInstance", "ServiceBinding", "Backup", "Restore"],
    ),
];

fn names_in_list(list: &Value, kinds: &[&str]) -> Vec<String> {
    assert_eq!(list["kind"], "List", "{list}");
    assert_eq!(list["apiVersion"], "v1");
    list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            assert!(kinds.contains(&i["kind"].as_str().unwrap()), "{i}");
            assert!(i["apiVersion"].as_str().unwrap().contains('/'), "{i}");
            assert!(i["metadata"].get("managedFields").is_none(), "{i}");
            i["metadata"]["name"].as_str().unwrap().to_string()
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn get_every_kind_in_every_format() {
    let env = start(Duration::from_secs(3), 0.0).await;
    // Nothing bound yet: say so.
    let unbound = run(&env, &["get", "bindings"]).await;
    assert_eq!(unbound.code, 1);
    assert!(
        unbound
            .stderr
            .contains("bind it first: klutch-tui bind URL"),
        "{unbound:?}"
    );
    objects_of_every_kind(&env).await;
    for (kind, name, kinds) in KINDS {
        let base = ["get", kind, "-A", "--cp-context", CP];
        let table = run(&env, &[&base[..], &["-o", "table"]].concat()).await;
        assert_eq!(table.code, 0, "{kind}: {table:?}");
        let header = table.stdout.lines().next().unwrap();
        assert!(
            header.starts_with("NAMESPACE")
                && header.contains("STATUS")
                && header.ends_with("MESSAGE"),
            "{header}"
        );
        assert!(
            table
                .stdout
                .lines()
                .skip(1)
                .any(|l| l.split_whitespace().any(|w| w == name)),
            "{kind}: {}",
            table.stdout
        );
        let wide = run(&env, &[&base[..], &["-o", "wide"]].concat()).await;
        assert!(
            wide.stdout.lines().next().unwrap().contains("DETAIL"),
            "{kind}: {wide:?}"
        );
        let json = run(&env, &[&base[..], &["-o", "json"]].concat()).await;
        assert_eq!(json.code, 0, "{kind}: {json:?}");
        let list: Value = serde_json::from_str(&json.stdout).unwrap();
        assert!(
            names_in_list(&list, kinds).iter().any(|n| n == name),
            "{kind}: {list}"
        );
        let yaml = run(&env, &[&base[..], &["-o", "yaml"]].concat()).await;
        let list: Value = serde_saphyr::from_str(&yaml.stdout).unwrap();
        assert!(
            names_in_list(&list, kinds).iter().any(|n| n == name),
            "{kind}"
        );
        let names = run(&env, &[&base[..], &["-o", "name"]].concat()).await;
        assert!(
            names.stdout.lines().all(|l| kinds
                .iter()
                .any(|k| l.starts_with(&format!("{}.", k.to_lowercase())))),
            "{kind}: {}",
            names.stdout
        );
        assert!(
            names
                .stdout
                .lines()
                .any(|l| l.ends_with(&format!("/{name}"))),
            "{kind}: {}",
            names.stdout
        );
    }
    // The claims of one namespace (the default when -n is given), one by name, a label.
    let one = run(
        &env,
        &["get", "instances", "orders", "-n", "team-a", "-o", "json"],
    )
    .await;
    let obj: Value = serde_json::from_str(&one.stdout).unwrap();
    assert_eq!(
        (obj["kind"].as_str(), obj["spec"]["plan"].as_str()),
        (Some("PostgresqlInstance"), Some("postgresql-single-small"))
    );
    let table = run(&env, &["get", "claims", "-n", "team-a"]).await;
    assert!(table.stdout.starts_with("NAME "), "{table:?}");
    assert_eq!(table.stdout.lines().count(), 5, "{}", table.stdout);
    let missing = run(&env, &["get", "backups", "weekly", "-n", "team-a"]).await;
    assert_eq!(missing.code, 1);
    assert!(
        missing
            .stderr
            .contains("no backups named \"weekly\" in namespace team-a"),
        "{missing:?}"
    );
    let none = run(&env, &["get", "claims", "-l", "app=nothing", "-A"]).await;
    assert_eq!((none.code, none.stdout.as_str()), (0, ""));
    let empty = run(
        &env,
        &["get", "claims", "-A", "-l", "app=nothing", "-o", "json"],
    )
    .await;
    assert_eq!(
        serde_json::from_str::<Value>(&empty.stdout).unwrap()["items"],
        json!([])
    );
    // An unknown KIND is a usage error.
    let unknown = run(&env, &["get", "databases"]).await;
    assert_eq!(unknown.code, 2);
    assert!(unknown.stderr.contains("[possible values: templates, requests, exports, bindings, clusterbindings, instances, servicebindings, backups, restores, claims]"), "{unknown:?}");
    env.sb.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn names_complete_from_the_cluster_and_kubectl_runs_the_plugin() {
    let env = start(Duration::from_secs(3), 0.0).await;
    let app = env.app.clone();
    install_claim_crds(&app, false).await;
    namespace(&app, "team-a").await;
    for name in ["orders", "orders-eu", "billing"] {
        create(&app, pg("team-a", name, "postgresql-single-small")).await;
    }
    let complete = |words: &'static [&'static str]| {
        let mut c = command(&env, std::path::Path::new(env!("CARGO_BIN_EXE_klutch-tui")));
        c.env("COMPLETE", "bash")
            .env("_CLAP_IFS", "\n")
            .env("_CLAP_COMPLETE_INDEX", (words.len() - 1).to_string())
            .arg("--")
            .args(words);
        c
    };
    let out = complete(&["klutch-tui", "get", "instances", "-n", "team-a", "or"])
        .output()
        .await
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout), "orders\norders-eu");
    let out = complete(&["klutch-tui", "backup", "-n", "team-a", "b"])
        .output()
        .await
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout), "billing");
    let out = complete(&["klutch-tui", "get", "ins"])
        .output()
        .await
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout), "instances");
    let out = complete(&["klutch-tui", "get", "claims", "-n", "team"])
        .output()
        .await
        .unwrap();
    assert!(
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .any(|l| l == "team-a")
    );

    // kubectl finds kubectl-klutch on PATH and runs it as `kubectl klutch`.
    let bin = env.dir.path().join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    std::fs::copy(
        env!("CARGO_BIN_EXE_kubectl-klutch"),
        bin.join("kubectl-klutch"),
    )
    .unwrap();
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let mut kubectl = command(&env, std::path::Path::new("kubectl"));
    let out = kubectl
        .env("PATH", &path)
        .args(["klutch", "get", "instances", "-A"])
        .output()
        .await
        .expect("kubectl is installed (see README)");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{out:?}");
    assert!(
        stdout.starts_with("NAMESPACE   NAME        KIND"),
        "{stdout}"
    );
    assert_eq!(stdout.lines().count(), 4, "{stdout}");
    let mut kubectl = command(&env, std::path::Path::new("kubectl"));
    let help = kubectl
        .env("PATH", &path)
        .args(["klutch", "--help"])
        .output()
        .await
        .unwrap();
    assert!(
        String::from_utf8_lossy(&help.stdout).contains("Usage: kubectl klutch"),
        "{help:?}"
    );
    env.sb.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn get_watch_lists_then_prints_each_change() {
    use tokio::io::AsyncBufReadExt;
    let env = start(Duration::from_secs(3), 0.0).await;
    install_claim_crds(&env.app, false).await;
    namespace(&env.app, "team-a").await;
    create(&env.app, pg("team-a", "orders", "postgresql-single-small")).await;
    let mut c = command(&env, std::path::Path::new(env!("CARGO_BIN_EXE_klutch-tui")));
    c.args(["get", "instances", "-n", "team-a", "--watch"])
        .stdout(std::process::Stdio::piped());
    let mut child = c.spawn().unwrap();
    let mut lines = tokio::io::BufReader::new(child.stdout.take().unwrap()).lines();
    let mut next = async || {
        tokio::time::timeout(support::claims::WAIT, lines.next_line())
            .await
            .expect("a line within the wait")
            .unwrap()
            .unwrap()
    };
    assert!(next().await.starts_with("NAME "));
    assert!(next().await.starts_with("orders "));
    create(&env.app, pg("team-a", "billing", "postgresql-single-small")).await;
    let line = next().await;
    assert!(
        line.starts_with("billing ") && line.contains("PostgresqlInstance"),
        "{line}"
    );
    child.kill().await.unwrap();
    env.shutdown().await;
}
