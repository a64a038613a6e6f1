//! Upstream's e2e lifecycle suite (`test/e2e/<ds>/<ds>_test.go` in klutchio), one test per
//! data service, run with kubectl against the sandbox's Control Plane and its simulated
//! provider, in upstream's order: provision the instance and wait for Ready; bind it and check
//! that the Secret has the keys of `<ds>-servicebinding-secret.yaml`; take a backup and
//! restore it (both Ready); upgrade the plan (the claim goes not-Ready, then Ready again);
//! apply the invalid updates, which the API server refuses with the message kubectl prints;
//! delete backup, binding (its Secret goes), restore and instance, in upstream's order.
//!
//! Like upstream (`funcs.ApplyResources`), manifests are applied server-side with a field
//! manager and forced ownership. Where upstream's expected substring differs from what the
//! XRD actually says, the XRD wins and the test says so: for mariadb, mongodb, prometheus and
//! search, the new `service` of the "service not allowed" manifest is outside the XRD's enum,
//! so the API server refuses it as an unsupported value and never reaches the CEL rule whose
//! "Service is an immutable field" upstream's e2e expects (keyvalue's e2e expects the enum
//! message); mariadb's "downgrade" manifest is identical to its upgrade and is accepted.
#![allow(clippy::unwrap_used)]

use crate::common;
use crate::provider_support;

use common::*;
use provider_support::{Recorder, cp, ready};
use serde_json::Value;
use std::time::Duration;

const CP: &str = sandbox::CONTROL_PLANE_CONTEXT;
const BLOCKED: &str = "<nil>: Invalid value: \"null\": some validation rules were not checked because the object was invalid; correct the existing errors to complete validation";
const TRANSITION: &str = "spec.plan: Invalid value: \"string\": Transition from bigger to smaller plan size is not supported.";
const IMMUTABLE: &str = "spec.service: Invalid value: \"string\": Service is an immutable field";

/// One data service's e2e suite.
struct Suite {
    /// The fixture prefix (`postgresql`, `keyvalue`, …).
    ds: &'static str,
    kind: &'static str,
    /// Whether it has `claim-upgrade-plan.yaml`.
    upgrade: bool,
    /// Invalid manifests in upstream's order, with every cause the API server gives
    /// (empty: accepted).
    invalid: Vec<(&'static str, Vec<&'static str>)>,
    /// Deletions in upstream's order: `backup`, `binding`, `restore`, `instance`.
    deletes: [&'static str; 4],
}

fn unsupported(service: &str, supported: &str) -> String {
    format!("spec.service: Unsupported value: \"{service}\": supported values: {supported}")
}

fn file(suite: &Suite, name: &str) -> String {
    fixtures()
        .join(format!("claims/e2e/{}-{name}.yaml", suite.ds))
        .to_string_lossy()
        .to_string()
}

fn yaml(path: &str) -> Value {
    serde_saphyr::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// How kubectl prints a 422 refusal: kind and name, then the causes.
fn invalid(kind: &str, name: &str, causes: &[&str]) -> String {
    let head = format!("The {kind} \"{name}\" is invalid: ");
    match causes {
        [one] => format!("{head}{one}"),
        many => format!(
            "{head}\n{}",
            many.iter()
                .map(|c| format!("* {c}"))
                .collect::<Vec<_>>()
                .join("\n")
        ),
    }
}

async fn apply(env: &Env, path: &str) -> Out {
    env.kubectl(&[
        "--context",
        CP,
        "apply",
        "--server-side",
        "--force-conflicts",
        "--field-manager=klutch-e2e",
        "-f",
        path,
    ])
    .await
}

async fn wait(env: &Env, path: &str, what: &str) {
    env.ok(&[
        "--context",
        CP,
        "wait",
        &format!("--for={what}"),
        "--timeout=20s",
        "-f",
        path,
    ])
    .await;
}

async fn run(suite: Suite) {
    let env = Env::start_with(|c| c.provision_delay = Duration::ZERO).await;
    let initial = file(&suite, "claim-initial");
    let claim = yaml(&initial);
    let ns = claim["metadata"]["namespace"].as_str().unwrap();
    let name = claim["metadata"]["name"].as_str().unwrap();
    env.ok(&["--context", CP, "create", "namespace", ns]).await;

    // Provision: the claim becomes Available.
    let o = apply(&env, &initial).await;
    assert_eq!(o.code, 0, "{}", o.stderr);
    wait(&env, &initial, "condition=Ready").await;

    // Bind: a Secret with the fixture's keys.
    let binding = file(&suite, "servicebinding-initial");
    assert_eq!(apply(&env, &binding).await.code, 0);
    let secret_file = file(&suite, "servicebinding-secret");
    let expected = yaml(&secret_file);
    let secret = format!("secret/{}", expected["metadata"]["name"].as_str().unwrap());
    env.ok(&[
        "--context",
        CP,
        "-n",
        ns,
        "wait",
        "--for=create",
        &secret,
        "--timeout=20s",
    ])
    .await;
    let got: Value = serde_json::from_str(
        &env.ok(&["--context", CP, "-n", ns, "get", &secret, "-o", "json"])
            .await,
    )
    .unwrap();
    let keys = |v: &Value| {
        let mut k: Vec<String> = v.as_object().unwrap().keys().cloned().collect();
        k.sort();
        k
    };
    assert_eq!(
        keys(&got["data"]),
        keys(&expected["stringData"]),
        "{}",
        suite.ds
    );

    // Backup and restore.
    let backup = file(&suite, "claim-backup");
    let restore = file(&suite, "claim-restore");
    assert_eq!(apply(&env, &backup).await.code, 0);
    wait(&env, &backup, "condition=Ready").await;
    assert_eq!(apply(&env, &restore).await.code, 0);
    wait(&env, &restore, "condition=Ready").await;

    // Upgrade: the plan changes, the claim is not Ready while the broker updates, then is.
    if suite.upgrade {
        let client = cp(&env).await;
        let rec = Recorder::start(&client, suite.kind, ns, name).await;
        let upgrade = file(&suite, "claim-upgrade-plan");
        let o = apply(&env, &upgrade).await;
        assert_eq!(o.code, 0, "{}", o.stderr);
        let plan = env
            .ok(&[
                "--context",
                CP,
                "get",
                "-f",
                &upgrade,
                "-o",
                "jsonpath={.spec.plan}",
            ])
            .await;
        assert_eq!(plan, yaml(&upgrade)["spec"]["plan"].as_str().unwrap());
        let o = provider_support::wait_for(&client, suite.kind, ns, name, "upgraded", |o| {
            ready(o)
                && o.is_some_and(|o| o.data["status"]["managed"]["state"] == "provisioned")
                && o.is_some_and(|o| o.data["spec"]["plan"].as_str() == Some(plan.as_str()))
                && o.is_some_and(|o| {
                    o.data["status"]["managed"]["updatedAt"]
                        != o.data["status"]["managed"]["createdAt"]
                })
        })
        .await;
        rec.caught_up(o.as_ref()).await;
        let trail = rec.trail(|o| ready(Some(o)));
        assert_eq!(
            trail,
            [true, false, true],
            "{}: Ready over the upgrade",
            suite.ds
        );
    }

    // Invalid updates.
    for (manifest, causes) in &suite.invalid {
        let path = file(&suite, manifest);
        let o = apply(&env, &path).await;
        if causes.is_empty() {
            assert_eq!(o.code, 0, "{manifest}: {}", o.stderr);
        } else {
            assert_eq!(o.code, 1, "{manifest} was accepted: {}", o.stdout);
            assert_eq!(
                o.stderr.trim_end(),
                invalid(suite.kind, name, causes),
                "{manifest}"
            );
        }
    }

    // Deletions in upstream's order.
    for what in suite.deletes {
        let path = match what {
            "backup" => backup.clone(),
            "binding" => binding.clone(),
            "restore" => restore.clone(),
            _ => initial.clone(),
        };
        env.ok(&["--context", CP, "delete", "-f", &path, "--wait=false"])
            .await;
        wait(&env, &path, "delete").await;
        if what == "binding" {
            let o = env
                .kubectl(&["--context", CP, "-n", ns, "get", &secret])
                .await;
            assert_eq!(o.code, 1, "the binding's Secret is gone: {}", o.stdout);
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn postgresql() {
    run(Suite {
        ds: "postgresql",
        kind: "PostgresqlInstance",
        upgrade: true,
        invalid: vec![
            ("claim-upgrade-service-not-allowed", vec![IMMUTABLE]),
            ("claim-downgrade-plan-not-allowed", vec![TRANSITION]),
            // Applied over the upgraded claim (a9s-postgresql13, postgresql-replica-big): the
            // bionic rule and every transition rule.
            (
                "claim-initial-bionic-not-supported-v15",
                vec![
                    "spec: Invalid value: \"object\": Bionic plans are only supported by a9s PostgreSQL 13",
                    TRANSITION,
                    "spec.plan: Invalid value: \"string\": Plan migrations not possible from Non-Bionic to Bionic and Bionic to Non-Bionic",
                    "spec.plan: Invalid value: \"string\": Migration from clustered to single Data Service Instance is not supported.",
                    IMMUTABLE,
                ],
            ),
            (
                "claim-initial-bionic-not-supported-v17",
                vec![
                    "spec: Invalid value: \"object\": Bionic plans are only supported by a9s PostgreSQL 13",
                    TRANSITION,
                    "spec.plan: Invalid value: \"string\": Plan migrations not possible from Non-Bionic to Bionic and Bionic to Non-Bionic",
                    "spec.plan: Invalid value: \"string\": Migration from clustered to single Data Service Instance is not supported.",
                    IMMUTABLE,
                ],
            ),
        ],
        deletes: ["backup", "binding", "restore", "instance"],
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn keyvalue() {
    let service = unsupported("a9s-keyvalue7", "\"a9s-keyvalue8\"");
    run(Suite {
        ds: "keyvalue",
        kind: "KeyvalueInstance",
        upgrade: true,
        invalid: vec![
            (
                "claim-upgrade-service-not-allowed",
                vec![service.leak(), BLOCKED],
            ),
            ("claim-downgrade-plan-not-allowed", vec![TRANSITION]),
        ],
        deletes: ["backup", "binding", "restore", "instance"],
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn logme2() {
    let service = unsupported("a9s-logme22", "\"a9s-logme2\"");
    run(Suite {
        ds: "logme2",
        kind: "Logme2Instance",
        upgrade: false,
        invalid: vec![
            // Commented out in upstream's suite; applied here too.
            ("claim-upgrade-service-not-allowed", vec![service.leak(), BLOCKED]),
            (
                "claim-upgrade-plan-not-allowed",
                vec![
                    "spec.plan: Invalid value: \"string\": Migration from single to clustered Data Service Instance is not supported.",
                ],
            ),
        ],
        deletes: ["backup", "restore", "binding", "instance"],
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn mariadb() {
    let service = unsupported("a9s-mariadb9999", "\"a9s-mariadb106\", \"a9s-mariadb1011\"");
    run(Suite {
        ds: "mariadb",
        kind: "MariadbInstance",
        upgrade: true,
        invalid: vec![
            ("claim-upgrade-service-not-allowed", vec![service.leak(), BLOCKED]),
            // Identical to the upgrade manifest: nothing to refuse.
            ("claim-downgrade-plan-not-allowed", vec![]),
            // Applied over the upgraded claim (a9s-mariadb106, mariadb-cluster-small-ssl).
            (
                "claim-initial-plan-not-supported",
                vec![
                    "spec: Invalid value: \"object\": MariaDB v10.11 only supports ssl plans",
                    TRANSITION,
                    "spec.plan: Invalid value: \"string\": Migration from replicated to single Data Service Instance is not supported.",
                    "spec.plan: Invalid value: \"string\": Plan migrations not possible from Non-SSL to SSL and SSL to Non-SSL",
                    IMMUTABLE,
                ],
            ),
        ],
        deletes: ["binding", "backup", "restore", "instance"],
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn messaging() {
    run(Suite {
        ds: "messaging",
        kind: "MessagingInstance",
        upgrade: true,
        invalid: vec![],
        deletes: ["binding", "backup", "restore", "instance"],
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn mongodb() {
    let service = unsupported("a9s-mongodb595999", "\"a9s-mongodb50\", \"a9s-mongodb70\"");
    run(Suite {
        ds: "mongodb",
        kind: "MongodbInstance",
        upgrade: true,
        invalid: vec![
            (
                "claim-upgrade-service-not-allowed",
                vec![service.leak(), BLOCKED],
            ),
            ("claim-downgrade-plan-not-allowed", vec![TRANSITION]),
        ],
        deletes: ["binding", "backup", "restore", "instance"],
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn prometheus() {
    let service = unsupported("a9s-prometheus999", "\"a9s-prometheus\"");
    run(Suite {
        ds: "prometheus",
        kind: "PrometheusInstance",
        upgrade: false,
        invalid: vec![
            ("claim-upgrade-service-not-allowed", vec![service.leak(), BLOCKED]),
            (
                "claim-upgrade-plan-not-allowed",
                vec![
                    "spec.plan: Invalid value: \"string\": Upgrade functionality for Prometheus plans is not supported",
                ],
            ),
        ],
        deletes: ["binding", "backup", "restore", "instance"],
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn search() {
    let service = unsupported("a9s-search9999", "\"a9s-search2\"");
    run(Suite {
        ds: "search",
        kind: "SearchInstance",
        upgrade: true,
        invalid: vec![
            (
                "claim-upgrade-service-not-allowed",
                vec![service.leak(), BLOCKED],
            ),
            ("claim-downgrade-plan-not-allowed", vec![TRANSITION]),
        ],
        deletes: ["backup", "restore", "binding", "instance"],
    })
    .await;
}
