//! Benchmark of the simulated provider: N PostgresqlInstance claims (default 1,000) created
//! at once on the Control Plane of an in-process sandbox with no provisioning delay; the time
//! until a watch has seen every one of them Ready. Prints figures; exits non-zero over the
//! target.
//!
//! `cargo bench -p sandbox --bench provider` (`PROVIDER_BENCH_CLAIMS`, `PROVIDER_BENCH_RUNS`,
//! `PROVIDER_BENCH_CONCURRENCY` change the defaults).
#![allow(clippy::unwrap_used)]

mod support;

use futures::{StreamExt, TryStreamExt};
use kube::api::{Api, DynamicObject, PostParams};
use kube::core::{ApiResource, GroupVersionKind};
use kube::runtime::watcher;
use serde_json::json;
use std::collections::HashSet;
use std::time::{Duration, Instant};
use support::{cpu_time, env_u64};

const TARGET: Duration = Duration::from_secs(2);

fn ready(o: &DynamicObject) -> bool {
    o.data["status"]["conditions"].as_array().is_some_and(|cs| {
        cs.iter()
            .any(|c| c["type"] == "Ready" && c["status"] == "True")
    })
}

struct Run {
    created: Duration,
    first_ready: Duration,
    all_ready: Duration,
    /// CPU time the process used meanwhile (client, API servers and provider together).
    cpu: Duration,
}

async fn run(n: usize, concurrency: usize) -> Run {
    let dir = tempfile::tempdir().unwrap();
    let sb = sandbox::start(sandbox::SandboxConfig {
        kubeconfig_out: dir.path().join("kubeconfig"),
        info_out: dir.path().join("info.json"),
        provision_delay: Duration::ZERO,
        ..Default::default()
    })
    .await
    .unwrap();
    let kc = kube::config::Kubeconfig::read_from(dir.path().join("kubeconfig")).unwrap();
    let opts = kube::config::KubeConfigOptions {
        context: Some(sandbox::CONTROL_PLANE_CONTEXT.to_string()),
        ..Default::default()
    };
    let client = kube::Client::try_from(
        kube::Config::from_custom_kubeconfig(kc, &opts)
            .await
            .unwrap(),
    )
    .unwrap();
    let ns_ar = ApiResource::from_gvk_with_plural(
        &GroupVersionKind::gvk("", "v1", "Namespace"),
        "namespaces",
    );
    let ns: DynamicObject = serde_json::from_value(
        json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "bench"}}),
    )
    .unwrap();
    Api::<DynamicObject>::all_with(client.clone(), &ns_ar)
        .create(&PostParams::default(), &ns)
        .await
        .unwrap();
    let ar = ApiResource::from_gvk_with_plural(
        &GroupVersionKind::gvk("anynines.com", "v1", "PostgresqlInstance"),
        "postgresqlinstances",
    );
    let api: Api<DynamicObject> = Api::namespaced_with(client.clone(), "bench", &ar);

    // Watch first, so that no transition is missed.
    let (init_tx, init_rx) = tokio::sync::oneshot::channel();
    let (done_tx, done_rx) = tokio::sync::oneshot::channel();
    let watch_api = api.clone();
    let t0_cell = std::sync::Arc::new(std::sync::OnceLock::<Instant>::new());
    let t0w = t0_cell.clone();
    tokio::spawn(async move {
        let mut init_tx = Some(init_tx);
        let mut ready_names = HashSet::new();
        let mut first = None;
        let mut stream = watcher(watch_api, watcher::Config::default()).boxed();
        while let Some(ev) = stream.try_next().await.unwrap() {
            let o = match ev {
                watcher::Event::InitDone => {
                    if let Some(tx) = init_tx.take() {
                        let _ = tx.send(());
                    }
                    continue;
                }
                watcher::Event::Apply(o) | watcher::Event::InitApply(o) => o,
                _ => continue,
            };
            if ready(&o) && ready_names.insert(o.metadata.name.clone().unwrap()) {
                let t0 = *t0w.get().unwrap();
                first.get_or_insert_with(|| t0.elapsed());
                if ready_names.len() == n {
                    let _ = done_tx.send((first.unwrap(), t0.elapsed()));
                    return;
                }
            }
        }
    });
    init_rx.await.unwrap();

    let cpu0 = cpu_time();
    let t0 = Instant::now();
    t0_cell.set(t0).unwrap();
    futures::stream::iter(0..n)
        .map(|i| {
            let api = api.clone();
            async move {
                let obj: DynamicObject = serde_json::from_value(json!({
                    "apiVersion": "anynines.com/v1", "kind": "PostgresqlInstance",
                    "metadata": {"name": format!("pg-{i:04}"), "namespace": "bench"},
                    "spec": {"service": "a9s-postgresql15", "plan": "postgresql-single-small",
                             "compositionRef": {"name": "a9s-postgresql"}},
                }))
                .unwrap();
                api.create(&PostParams::default(), &obj).await.unwrap();
            }
        })
        .buffer_unordered(concurrency)
        .collect::<Vec<_>>()
        .await;
    let created = t0.elapsed();
    let (first_ready, all_ready) = tokio::time::timeout(Duration::from_secs(120), done_rx)
        .await
        .expect("all claims Ready within 2 minutes")
        .unwrap();
    let cpu = cpu_time().saturating_sub(cpu0);
    sb.shutdown().await;
    Run {
        created,
        first_ready,
        all_ready,
        cpu,
    }
}

fn main() {
    let n = env_u64("PROVIDER_BENCH_CLAIMS", 1000) as usize;
    let runs = env_u64("PROVIDER_BENCH_RUNS", 5) as usize;
    let concurrency = env_u64("PROVIDER_BENCH_CONCURRENCY", n as u64) as usize;
    let rt = tokio::runtime::Runtime::new().unwrap();
    let mut all = Vec::new();
    for i in 0..runs {
        let r = rt.block_on(run(n, concurrency));
        println!(
            "run {}: {n} PostgresqlInstance claims created in {:.0} ms, first Ready after {:.0} ms, all Ready after {:.0} ms; CPU {:.0} ms ({:.2} cores)",
            i + 1,
            r.created.as_secs_f64() * 1000.0,
            r.first_ready.as_secs_f64() * 1000.0,
            r.all_ready.as_secs_f64() * 1000.0,
            r.cpu.as_secs_f64() * 1000.0,
            r.cpu.as_secs_f64() / r.all_ready.as_secs_f64(),
        );
        all.push(r.all_ready);
    }
    all.sort();
    let median = all[all.len() / 2];
    let max = all[all.len() - 1];
    println!(
        "provider: {n} claims created at once (concurrency {concurrency}), all Ready: median {:.0} ms, max {:.0} ms (target <= {} ms)",
        median.as_secs_f64() * 1000.0,
        max.as_secs_f64() * 1000.0,
        TARGET.as_millis()
    );
    if median > TARGET {
        eprintln!("over target");
        std::process::exit(1);
    }
}
