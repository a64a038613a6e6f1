//! `klutch-tui apply` against the sandbox's App server (claim CRDs installed as a binding
//! brings them): the corpus of bad claim files is refused before anything is sent — each at
//! the line and column of its first problem, and no object's resourceVersion moves —; good
//! files go through dry-run, diff and server-side apply; a field another manager owns is a
//! conflict that names it and is taken over with --force-conflicts.
#![allow(clippy::unwrap_used)]

use crate::support;

use kube::api::{ListParams, Patch, PatchParams};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;
use support::Env;
use support::claims::{
    api, create, file, install_claim_crds, namespace, pg, run, run_with_input, start,
};

fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/bad-claims")
}

/// Every claim on the server with its resourceVersion, and the store's own resourceVersion
/// (a LIST's), which any write anywhere moves.
async fn versions(client: &kube::Client) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for kind in klutch::claims::ClaimKind::ALL {
        let list = api(client, kind.kind(), None)
            .list(&ListParams::default())
            .await
            .unwrap();
        out.insert(
            format!("{} list", kind.kind()),
            list.metadata.resource_version.unwrap_or_default(),
        );
        for o in list.items {
            out.insert(
                format!(
                    "{}/{}/{}",
                    kind.kind(),
                    o.metadata.namespace.unwrap_or_default(),
                    o.metadata.name.unwrap_or_default()
                ),
                o.metadata.resource_version.unwrap_or_default(),
            );
        }
    }
    out
}

/// The App server with the claim CRDs, namespace `team-a` and the instance `existing-db`
/// (plan `postgresql-single-big`) that the transition-rule cases update.
async fn app_with_claims(env: &Env) -> kube::Client {
    let app = env.app.clone();
    install_claim_crds(&app, false).await;
    namespace(&app, "team-a").await;
    create(&app, pg("team-a", "existing-db", "postgresql-single-big")).await;
    app
}

/// A claim with a 10 MB annotation (the API server takes 256 KiB of annotations).
fn ten_megabytes() -> String {
    format!(
        "apiVersion: anynines.com/v1\nkind: PostgresqlInstance\nmetadata:\n  name: big\n  namespace: team-a\n  annotations:\n    note: \"{}\"\nspec:\n  service: a9s-postgresql15\n  plan: postgresql-single-small\n  compositionRef:\n    name: a9s-postgresql\n",
        "x".repeat(10 * 1024 * 1024)
    )
}

/// A claim whose parameters nest 200 levels deep.
fn two_hundred_levels() -> String {
    let mut s = String::from(
        "apiVersion: anynines.com/v1\nkind: PostgresqlInstance\nmetadata:\n  name: deep\nspec:\n  parameters:\n",
    );
    for i in 0..200 {
        s.push_str(&format!("{}level{i}:\n", "  ".repeat(i + 2)));
    }
    s
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_claims_are_refused_where_they_are_wrong_and_nothing_changes() {
    let env = start(Duration::from_secs(3), 0.0).await;
    let app = app_with_claims(&env).await;
    let mut cases: Vec<(PathBuf, String, String)> =
        std::fs::read_to_string(corpus().join("expected.txt"))
            .unwrap()
            .lines()
            .filter(|l| !l.starts_with('#') && !l.is_empty())
            .map(|l| {
                let mut parts = l.splitn(3, '\t');
                let file = corpus().join(parts.next().unwrap());
                (
                    file,
                    parts.next().unwrap().to_string(),
                    parts.next().unwrap().to_string(),
                )
            })
            .collect();
    let listed: Vec<String> = cases
        .iter()
        .map(|(f, _, _)| f.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    for entry in std::fs::read_dir(corpus()).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        assert!(
            name == "expected.txt" || listed.contains(&name),
            "{name} has no line in expected.txt"
        );
    }
    cases.push((
        file(&env, "ten-megabytes.yaml", ten_megabytes()),
        "6:3".into(),
        "metadata.annotations: Too long: must have at most 262144 bytes".into(),
    ));
    cases.push((
        file(&env, "two-hundred-levels.yaml", two_hundred_levels()),
        "37:65".into(),
        "nested more than 32 levels deep".into(),
    ));
    assert!(cases.len() >= 30, "{}", cases.len());
    let before = versions(&app).await;
    for (file, at, says) in &cases {
        let shown = file.display().to_string();
        let run = run(&env, &["apply", "-f", &shown]).await;
        assert_eq!(run.code, 1, "{shown}: {run:?}");
        let first = run.stderr.lines().next().unwrap_or_default();
        assert!(
            first.starts_with(&format!("{shown}:{at}: ")),
            "{shown}: expected at {at}, got {first}"
        );
        assert!(
            first.contains(says.as_str()),
            "{shown}: expected {says:?} in {first}"
        );
        assert!(
            run.stderr
                .lines()
                .last()
                .unwrap()
                .ends_with("; nothing was applied"),
            "{run:?}"
        );
        assert_eq!(run.stdout, "", "{shown}: no diff for a refused file");
    }
    // The same from standard input.
    let text = std::fs::read(corpus().join("multi-document-one-bad.yaml")).unwrap();
    let run = run_with_input(&env, &["apply", "-f", "-"], Some(&text)).await;
    assert!(run.stderr.starts_with("<stdin>:19:9: spec: "), "{run:?}");
    assert_eq!(
        versions(&app).await,
        before,
        "a refused file changed something on the server"
    );
    env.sb.shutdown().await;
}

/// A valid a9s PostgreSQL claim (plan postgresql-single-small on line 8).
const V1: &str = include_str!("../crates/klutch/tests/data/orders.yaml");

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn apply_shows_the_diff_dry_runs_and_explains_conflicts() {
    let env = start(Duration::from_secs(3), 0.0).await;
    let app = app_with_claims(&env).await;
    let pgs = api(&app, "PostgresqlInstance", Some("team-a"));
    let v1 = file(&env, "v1.yaml", V1).display().to_string();
    let v2 = file(
        &env,
        "v2.yaml",
        V1.replace("postgresql-single-small", "postgresql-single-big"),
    )
    .display()
    .to_string();

    let dry = run(&env, &["apply", "-f", &v1, "--dry-run"]).await;
    assert_eq!(dry.code, 0, "{dry:?}");
    assert!(
        dry.stdout.starts_with(
            "--- /dev/null\n+++ applied/team-a/postgresqlinstance.anynines.com/orders\n"
        ),
        "{}",
        dry.stdout
    );
    assert!(
        dry.stdout.contains("+  plan: postgresql-single-small\n"),
        "{}",
        dry.stdout
    );
    assert_eq!(
        dry.stderr,
        "postgresqlinstance.anynines.com/orders created (dry run)\n"
    );
    assert!(
        pgs.get_opt("orders").await.unwrap().is_none(),
        "a dry run created the claim"
    );

    let created = run(&env, &["apply", "-f", &v1]).await;
    assert_eq!(
        (created.code, created.stderr.as_str()),
        (0, "postgresqlinstance.anynines.com/orders created\n")
    );
    let live = pgs.get("orders").await.unwrap();
    let managers: Vec<_> = live
        .metadata
        .managed_fields
        .iter()
        .flatten()
        .map(|m| (m.manager.clone(), m.operation.clone()))
        .collect();
    assert!(
        managers.contains(&(Some("klutch-tui".into()), Some("Apply".into()))),
        "{managers:?}"
    );
    let again = run(&env, &["apply", "-f", &v1]).await;
    assert_eq!(
        (again.stdout.as_str(), again.stderr.as_str()),
        ("", "postgresqlinstance.anynines.com/orders unchanged\n")
    );

    let rv = pgs.get("orders").await.unwrap().metadata.resource_version;
    let dry = run(&env, &["apply", "-f", &v2, "--dry-run"]).await;
    assert!(
        dry.stdout
            .starts_with("--- live/team-a/postgresqlinstance.anynines.com/orders\n"),
        "{}",
        dry.stdout
    );
    assert!(
        dry.stdout
            .contains("-  plan: postgresql-single-small\n+  plan: postgresql-single-big\n"),
        "{}",
        dry.stdout
    );
    assert!(
        !dry.stdout.contains("resourceVersion") && !dry.stdout.contains("managedFields"),
        "{}",
        dry.stdout
    );
    assert_eq!(
        pgs.get("orders").await.unwrap().metadata.resource_version,
        rv
    );
    let configured = run(&env, &["apply", "-f", &v2]).await;
    assert_eq!(
        configured.stderr,
        "postgresqlinstance.anynines.com/orders configured\n"
    );
    assert_eq!(
        pgs.get("orders").await.unwrap().data["spec"]["plan"],
        "postgresql-single-big"
    );

    // Someone else sets spec.acceptsIncomplete; applying ours is a conflict.
    let theirs = serde_json::json!({"apiVersion": "anynines.com/v1", "kind": "PostgresqlInstance",
        "metadata": {"name": "orders", "namespace": "team-a"},
        "spec": {"acceptsIncomplete": false}});
    pgs.patch(
        "orders",
        &PatchParams::apply("ops-team").force(),
        &Patch::Apply(&theirs),
    )
    .await
    .unwrap();
    let rv = pgs.get("orders").await.unwrap().metadata.resource_version;
    let v3 = V1.replace("postgresql-single-small", "postgresql-single-big")
        + "  acceptsIncomplete: true\n";
    let v3 = file(&env, "v3.yaml", v3).display().to_string();
    let conflict = run(&env, &["apply", "-f", &v3]).await;
    assert_eq!(conflict.code, 1, "{conflict:?}");
    let owned =
        format!("{v3}:11:22: spec.acceptsIncomplete: owned by field manager \"ops-team\"\n");
    assert!(conflict.stderr.starts_with(&owned), "{}", conflict.stderr);
    assert!(
        conflict
            .stderr
            .contains("apply again with --force-conflicts"),
        "{}",
        conflict.stderr
    );
    assert_eq!(
        pgs.get("orders").await.unwrap().metadata.resource_version,
        rv
    );
    let forced = run(&env, &["apply", "-f", &v3, "--force-conflicts"]).await;
    assert_eq!(forced.code, 0, "{forced:?}");
    assert_eq!(
        pgs.get("orders").await.unwrap().data["spec"]["acceptsIncomplete"],
        true
    );

    // What only the server knows is placed in the file too.
    let nowhere = file(
        &env,
        "nowhere.yaml",
        V1.replace("namespace: team-a", "namespace: nowhere"),
    );
    let refused = run(&env, &["apply", "-f", &nowhere.display().to_string()]).await;
    assert_eq!(refused.code, 1);
    assert!(
        refused
            .stderr
            .contains(":5:14: metadata.namespace: namespace \"nowhere\" does not exist"),
        "{}",
        refused.stderr
    );
    env.sb.shutdown().await;
}
