//! Claims benchmark: prints the figures the README's performance section records.
//!
//! - Validating a 200-line claim in process against the claim CRDs (schema and CEL; target
//!   ≤ 1 ms), valid and with a refused plan (whose hint evaluates the rules per candidate).
//! - `klutch-tui get claims -A` (the release binary) over 10,000 claims in the sandbox's App
//!   server, process start to exit (≤ 300 ms), and `kubectl get` of the same eleven kinds in
//!   the same run (ours ≤ half of kubectl's).
//! - `klutch-tui apply -f` of one claim, process start to exit (≤ 50 ms): a create and an
//!   update, each validated, dry-run, diffed and applied.
//!
//! Run: `cargo bench --bench claims` (needs kubectl). `BENCH_CLAIMS` changes the count,
//! `BENCH_RUNS` the runs per command.

use anyhow::{Context, Result, bail};
use klutch::claims::ClaimKind;
use klutch::claims::catalog::Catalog;
use kube::api::{Api, DynamicObject, Patch, PatchParams};
use kube::core::{ApiResource, GroupVersionKind};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

#[path = "support/fill.rs"]
mod fill;
#[path = "support/long_claim.rs"]
mod long_claim;
use long_claim::two_hundred_lines;

const NAMESPACES: usize = 50;

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Mean, p50, p99 and max of `samples`, with the verdict against `target`.
fn report(label: &str, mut samples: Vec<Duration>, target: Option<Duration>) -> Duration {
    samples.sort();
    let n = samples.len().max(1);
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    let mean = samples.iter().sum::<Duration>() / n as u32;
    let p50 = samples[n / 2];
    let p99 = samples[(n * 99 / 100).min(n - 1)];
    let max = samples[n - 1];
    let verdict = match target {
        Some(t) if p50 <= t => format!("target ≤ {:.1} ms  ok", ms(t)),
        Some(t) => format!("target ≤ {:.1} ms  OVER", ms(t)),
        None => String::new(),
    };
    println!(
        "{label:<44} mean {:>8.3} ms  p50 {:>8.3} ms  p99 {:>8.3} ms  max {:>8.3} ms  ({n} runs)  {verdict}",
        ms(mean),
        ms(p50),
        ms(p99),
        ms(max)
    );
    p50
}

fn claim_crds() -> Result<Vec<Value>> {
    Ok(sandbox::controlplane::crds()?
        .into_iter()
        .filter(|c| c["spec"]["group"] == klutch::claims::GROUP)
        .collect())
}

fn validation() -> Result<()> {
    let crds = claim_crds()?
        .into_iter()
        .map(serde_json::from_value)
        .collect::<Result<Vec<_>, _>>()?;
    let catalog = Catalog::from_crds(crds);
    let good = two_hundred_lines("postgresql-single-small");
    let bad = two_hundred_lines("postgresql-single-huge");
    println!("validating a claim of {} lines", good.lines().count());
    for (label, text, problems) in [("valid", &good, 0), ("refused plan, with hint", &bad, 1)] {
        let report_now = klutch::claims::validate::validate_text(&catalog, text);
        if report_now.problems.len() != problems {
            bail!("{label}: {:?}", report_now.problems);
        }
        let samples: Vec<Duration> = (0..2000)
            .map(|_| {
                let t = Instant::now();
                let r = klutch::claims::validate::validate_text(&catalog, text);
                std::hint::black_box(r);
                t.elapsed()
            })
            .collect();
        report(
            &format!("validate ({label})"),
            samples,
            Some(Duration::from_millis(1)),
        );
    }
    Ok(())
}

/// A valid claim of every fourth kind, spread over the namespaces.
fn claim(i: usize) -> (ClaimKind, String, Value) {
    let ns = format!("ns-{:02}", i % NAMESPACES);
    let name = format!("claim-{i:05}");
    let (kind, spec) = match i % 4 {
        0 => (
            ClaimKind::from_kind("PostgresqlInstance"),
            json!({"service": "a9s-postgresql15", "plan": "postgresql-single-small",
                   "compositionRef": {"name": "a9s-postgresql"}}),
        ),
        1 => (
            ClaimKind::from_kind("ServiceBinding"),
            json!({"instanceRef": "db", "serviceInstanceType": "postgresql",
                   "compositionRef": {"name": "a9s-servicebinding"}}),
        ),
        2 => (
            ClaimKind::from_kind("Backup"),
            json!({"instanceRef": "db", "serviceInstanceType": "postgresql",
                   "compositionRef": {"name": "a9s-backup"}}),
        ),
        _ => (
            ClaimKind::from_kind("Restore"),
            json!({"backupRef": "b", "instanceRef": "db", "serviceInstanceType": "postgresql",
                   "compositionRef": {"name": "a9s-restore"}}),
        ),
    };
    let kind = kind.unwrap_or(ClaimKind::Backup);
    let obj = json!({"apiVersion": klutch::claims::API_VERSION, "kind": kind.kind(),
        "metadata": {"name": name, "namespace": ns, "labels": {"app": format!("app-{}", i % 7)}},
        "spec": spec});
    (kind, ns, obj)
}

fn resource(kind: ClaimKind) -> ApiResource {
    let gvk = GroupVersionKind::gvk(klutch::claims::GROUP, klutch::claims::VERSION, kind.kind());
    ApiResource::from_gvk_with_plural(&gvk, kind.plural())
}

async fn populate(client: &kube::Client, n: usize) -> Result<()> {
    let crds: Api<DynamicObject> = Api::all_with(
        client.clone(),
        &ApiResource::from_gvk_with_plural(
            &GroupVersionKind::gvk("apiextensions.k8s.io", "v1", "CustomResourceDefinition"),
            "customresourcedefinitions",
        ),
    );
    for crd in claim_crds()? {
        let name = crd["metadata"]["name"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        crds.patch(
            &name,
            &PatchParams::apply("bench").force(),
            &Patch::Apply(&crd),
        )
        .await?;
    }
    fill::namespaces(client, NAMESPACES).await?;
    let took = fill::claims(client, n, |i| {
        let (kind, ns, obj) = claim(i);
        (resource(kind), ns, obj)
    })
    .await?;
    println!(
        "created {n} claims in the sandbox's App server in {:.1} s",
        took.as_secs_f64()
    );
    Ok(())
}

/// Run a command to its end, timed from spawn to exit; its stdout.
fn timed(cmd: &mut Command) -> Result<(Duration, String)> {
    let t = Instant::now();
    let out = cmd.output().with_context(|| format!("running {cmd:?}"))?;
    let took = t.elapsed();
    if !out.status.success() {
        bail!("{cmd:?}: {}", String::from_utf8_lossy(&out.stderr));
    }
    Ok((took, String::from_utf8_lossy(&out.stdout).into_owned()))
}

fn binary() -> Result<PathBuf> {
    let bin = PathBuf::from(env!("CARGO_BIN_EXE_klutch-tui"));
    if !bin.exists() {
        bail!(
            "{} is missing; run `cargo bench --bench claims`",
            bin.display()
        );
    }
    Ok(bin)
}

fn ours(bin: &Path, kubeconfig: &Path, state: &Path) -> Command {
    let mut c = Command::new(bin);
    c.env("KUBECONFIG", kubeconfig)
        .env("XDG_STATE_HOME", state)
        .env("XDG_CONFIG_HOME", state);
    c
}

async fn against_sandbox(n: usize, runs: usize) -> Result<()> {
    let dir = tempfile::tempdir()?;
    let sb = sandbox::start(sandbox::SandboxConfig {
        kubeconfig_out: dir.path().join("kubeconfig.yaml"),
        info_out: dir.path().join("info.json"),
        ..Default::default()
    })
    .await?;
    let kubeconfig = sb.info().kubeconfig.clone();
    let kc = kube::config::Kubeconfig::read_from(&kubeconfig)?;
    let opts = kube::config::KubeConfigOptions {
        context: Some(sandbox::APP_CONTEXT.to_string()),
        ..Default::default()
    };
    let client = kube::Client::try_from(kube::Config::from_custom_kubeconfig(kc, &opts).await?)?;
    populate(&client, n).await?;
    let bin = binary()?;
    let state = dir.path().join("state");
    let plurals: Vec<&str> = ClaimKind::ALL.iter().map(|k| k.plural()).collect();
    let kinds = plurals.join(",");

    let mut get = Vec::new();
    let mut kubectl = Vec::new();
    for _ in 0..runs {
        let (took, out) = tokio::task::block_in_place(|| {
            timed(ours(&bin, &kubeconfig, &state).args(["get", "claims", "-A"]))
        })?;
        if out.lines().count() != n + 1 {
            bail!(
                "get claims -A printed {} lines for {n} claims",
                out.lines().count()
            );
        }
        get.push(took);
        let (took, out) = tokio::task::block_in_place(|| {
            timed(
                Command::new("kubectl")
                    .arg("--kubeconfig")
                    .arg(&kubeconfig)
                    .arg("--cache-dir")
                    .arg(dir.path().join("kubectl-cache"))
                    .args(["get", &kinds, "-A", "--no-headers"]),
            )
        })?;
        if out.lines().count() != n {
            bail!(
                "kubectl printed {} lines for {n} claims",
                out.lines().count()
            );
        }
        kubectl.push(took);
    }
    let g = report(
        &format!("klutch-tui get claims -A ({n} claims)"),
        get,
        Some(Duration::from_millis(300)),
    );
    let k = report(
        &format!("kubectl get <the 11 kinds> -A ({n} claims)"),
        kubectl,
        None,
    );
    println!(
        "get claims -A takes {:.0} % of kubectl's time (target ≤ 50 %)  {}",
        g.as_secs_f64() / k.as_secs_f64() * 100.0,
        if g * 2 <= k { "ok" } else { "OVER" }
    );

    let mut create = Vec::new();
    let mut update = Vec::new();
    for i in 0..runs {
        let text = format!(
            "apiVersion: anynines.com/v1\nkind: PostgresqlInstance\nmetadata:\n  name: bench-{i}\n  namespace: ns-00\nspec:\n  service: a9s-postgresql15\n  plan: postgresql-single-small\n  compositionRef:\n    name: a9s-postgresql\n"
        );
        let file = dir.path().join(format!("bench-{i}.yaml"));
        std::fs::write(&file, &text)?;
        let apply = |file: &Path| {
            tokio::task::block_in_place(|| {
                timed(
                    ours(&bin, &kubeconfig, &state)
                        .arg("apply")
                        .arg("-f")
                        .arg(file),
                )
            })
        };
        create.push(apply(&file)?.0);
        std::fs::write(&file, text.replace("single-small", "single-big"))?;
        update.push(apply(&file)?.0);
    }
    report(
        "klutch-tui apply -f (create one claim)",
        create,
        Some(Duration::from_millis(50)),
    );
    report(
        "klutch-tui apply -f (update one claim)",
        update,
        Some(Duration::from_millis(50)),
    );
    sb.shutdown().await;
    Ok(())
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> Result<()> {
    validation()?;
    let n = env_usize("BENCH_CLAIMS", 10_000);
    let runs = env_usize("BENCH_RUNS", 10);
    against_sandbox(n, runs).await
}
