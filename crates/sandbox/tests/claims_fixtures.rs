//! Every claim fixture — upstream's e2e manifests and examples, and the authored ones —
//! applied with kubectl to the sandbox's Control Plane (with its claim CRDs built from the
//! XRDs and the simulated provider running): accepted, or refused with upstream's message
//! exactly as kubectl prints it. The update fixtures are applied in upstream's e2e order in
//! `provider_e2e.rs`.
//!
//! Four fixtures disagree with their own XRDs (see `crates/klutch/tests/claim_fixtures.rs`):
//! upstream's keyvalue parameters example sets replica-only parameters on a single plan and is
//! refused; mariadb's "downgrade" manifest equals its upgrade and is accepted (provider_e2e);
//! `postgresql-claim-with-parameters-invalid.yaml` passes the API server (only the broker would
//! refuse it); and the authored failed Backup's status lacks `lastTransitionTime`, which
//! Crossplane's condition schema requires, so the status subresource refuses it.
#![allow(clippy::unwrap_used)]

use crate::common;

use common::*;
use serde_json::Value;
use std::collections::BTreeSet;

const CP: &str = sandbox::CONTROL_PLANE_CONTEXT;
const BLOCKED: &str = "<nil>: Invalid value: \"null\": some validation rules were not checked because the object was invalid; correct the existing errors to complete validation";

use crate::refusals;
use refusals::refused_creates;

/// How kubectl prints a 422 refusal (`StandardErrorMessage`: the kind and name from the
/// Status details, then its causes: one on the line, several as a list).
pub fn invalid(kind: &str, name: &str, causes: &[impl AsRef<str>]) -> String {
    let head = format!("The {kind} \"{name}\" is invalid: ");
    match causes {
        [one] => format!("{head}{}", one.as_ref()),
        many => format!(
            "{head}\n{}",
            many.iter()
                .map(|c| format!("* {}", c.as_ref()))
                .collect::<Vec<_>>()
                .join("\n")
        ),
    }
}

struct Fixture {
    rel: String,
    path: String,
    kind: String,
    name: String,
    namespace: String,
}

fn claim_fixtures() -> Vec<Fixture> {
    let mut out = Vec::new();
    for dir in ["e2e", "examples", "authored"] {
        for entry in std::fs::read_dir(fixtures().join("claims").join(dir)).unwrap() {
            let path = entry.unwrap().path();
            let v: Value =
                serde_saphyr::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
            if v["apiVersion"] != "anynines.com/v1" {
                continue;
            }
            let file = path.file_name().unwrap().to_string_lossy().to_string();
            out.push(Fixture {
                rel: format!("{dir}/{file}"),
                path: path.to_string_lossy().to_string(),
                kind: v["kind"].as_str().unwrap().to_string(),
                name: v["metadata"]["name"].as_str().unwrap().to_string(),
                namespace: v["metadata"]["namespace"]
                    .as_str()
                    .unwrap_or("default")
                    .to_string(),
            });
        }
    }
    out.sort_by(|a, b| a.rel.cmp(&b.rel));
    out
}

fn is_update(rel: &str) -> bool {
    rel.contains("upgrade") || rel.contains("downgrade")
}

async fn cp_env() -> Env {
    let env = Env::start_with(|c| c.provision_delay = std::time::Duration::ZERO).await;
    let namespaces: BTreeSet<String> = claim_fixtures().into_iter().map(|f| f.namespace).collect();
    for ns in namespaces.iter().filter(|ns| *ns != "default") {
        env.ok(&["--context", CP, "create", "namespace", ns]).await;
    }
    env
}

/// Apply one create fixture and check the outcome; an accepted claim is deleted again (the
/// provider's finalizer goes once it has cleaned up) to make room for the next fixture of
/// the same name. Whether it was accepted.
async fn create_once(env: &Env, f: &Fixture, refused: Option<&Vec<String>>) -> bool {
    let o = env
        .kubectl(&["--context", CP, "apply", "-f", &f.path])
        .await;
    match refused {
        Some(msgs) => {
            assert_eq!(o.code, 1, "{}: {}{}", f.rel, o.stdout, o.stderr);
            assert_eq!(
                o.stderr.trim_end(),
                invalid(&f.kind, &f.name, msgs),
                "{}",
                f.rel
            );
            false
        }
        None => {
            assert_eq!(o.code, 0, "{}: {}{}", f.rel, o.stdout, o.stderr);
            assert_eq!(
                o.stdout.trim_end(),
                format!("{}.anynines.com/{} created", f.kind.to_lowercase(), f.name),
                "{}",
                f.rel
            );
            env.ok(&[
                "--context",
                CP,
                "delete",
                "-f",
                &f.path,
                "--wait",
                "--timeout=20s",
            ])
            .await;
            true
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn creates_are_accepted_or_refused_with_upstreams_messages() {
    use futures::StreamExt;
    let env = cp_env().await;
    let refused = refused_creates();
    // Fixtures of one object (namespace, kind, name) one after the other; objects in parallel.
    let mut groups: std::collections::BTreeMap<(String, String, String), Vec<Fixture>> =
        Default::default();
    for f in claim_fixtures().into_iter().filter(|f| !is_update(&f.rel)) {
        let key = (f.namespace.clone(), f.kind.clone(), f.name.clone());
        groups.entry(key).or_default().push(f);
    }
    let (env, refused) = (&env, &refused);
    let accepted: usize = futures::stream::iter(groups.into_values())
        .map(|group| async move {
            let mut n = 0;
            for f in &group {
                let r = refused.iter().find(|(r, _)| *r == f.rel).map(|(_, m)| m);
                n += usize::from(create_once(env, f, r).await);
            }
            n
        })
        .buffer_unordered(8)
        .collect::<Vec<_>>()
        .await
        .into_iter()
        .sum();
    // Every refused fixture exists, and most are accepted.
    for (r, _) in refused {
        assert!(claim_fixtures().iter().any(|f| f.rel == *r), "{r} missing");
    }
    assert!(accepted > 70, "{accepted}");
}

#[tokio::test(flavor = "multi_thread")]
async fn statuses_go_through_the_status_subresource_with_crossplanes_condition_schema() {
    let env = cp_env().await;
    for (file, kind, name, refusal) in [
        (
            "example-postgresqlinstance-ready.yaml",
            "PostgresqlInstance",
            "orders-db",
            None,
        ),
        (
            "example-backup-failed.yaml",
            "Backup",
            "orders-db-nightly",
            Some(vec![
                "status.conditions[0].lastTransitionTime: Required value",
                "status.conditions[1].lastTransitionTime: Required value",
                BLOCKED,
            ]),
        ),
    ] {
        let path = fixtures().join("claims/authored").join(file);
        let path = path.to_str().unwrap();
        // The create drops the fixture's status (status subresource).
        env.ok(&["--context", CP, "apply", "-f", path]).await;
        let v: Value = serde_saphyr::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        let patch = env.write(
            &format!("{name}-status.json"),
            &serde_json::json!({"status": v["status"]}).to_string(),
        );
        let resource = format!("{}.anynines.com/{name}", kind.to_lowercase());
        let o = env
            .kubectl(&[
                "--context",
                CP,
                "-n",
                "team-a",
                "patch",
                &resource,
                "--subresource=status",
                "--type=merge",
                "--patch-file",
                patch.to_str().unwrap(),
            ])
            .await;
        match refusal {
            None => {
                assert_eq!(o.code, 0, "{file}: {}{}", o.stdout, o.stderr);
                assert_eq!(o.stdout.trim_end(), format!("{resource} patched"));
            }
            Some(msgs) => {
                assert_eq!(o.code, 1, "{file}: {}{}", o.stdout, o.stderr);
                assert_eq!(o.stderr.trim_end(), invalid(kind, name, &msgs), "{file}");
            }
        }
    }
}
