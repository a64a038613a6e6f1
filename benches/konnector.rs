//! Konnector benchmark: the release `klutch-tui konnector` as its own process against an
//! in-process sandbox (provider without provisioning delay), with claims bound through the
//! real backend. Prints, next to their targets: the initial sync of 1,000 claims, the
//! latency of a spec change App → Control Plane and of a status change back (p50, p99 over
//! 200 changes each, one at a time, seen by watches on the other side), the konnector's idle
//! CPU, and its RSS at 10,000 claims. `KONNECTOR_BENCH_CLAIMS` (default 1000) and
//! `KONNECTOR_BENCH_MANY` (default 10000) change the counts.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../tests/support/mod.rs"]
mod support;

use futures::{StreamExt, TryStreamExt};
use kube::ResourceExt;
use kube::api::{Api, DynamicObject, Patch, PatchParams, PostParams};
use kube::runtime::{WatchStreamExt, watcher};
use serde_json::json;
use std::collections::HashSet;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use support::Env;
use support::bind::{PG, bind, claim_json, until_ready};
use support::sync::claim;

const NAMESPACES: usize = 10;

fn env_count(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn konnector(env: &Env, home: &std::path::Path, extra: &[&str]) -> Child {
    Command::new(env!("CARGO_BIN_EXE_klutch-tui"))
        .args(["konnector", "--kubeconfig"])
        .arg(&env.kubeconfig)
        .args(extra)
        .args([
            "--app-context",
            sandbox::APP_CONTEXT,
            "--heartbeat-interval",
            "10s",
        ])
        .env("HOME", home)
        .env("XDG_STATE_HOME", home.join("state"))
        .env("KLUTCH_TUI_LOG", "warn")
        .env_remove("KUBECONFIG")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("the release binary runs")
}

/// (utime + stime) in clock ticks, and RSS in kB, of a process.
fn usage(pid: u32) -> (u64, u64) {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    let fields: Vec<&str> = stat
        .rsplit(')')
        .next()
        .unwrap()
        .split_whitespace()
        .collect();
    let ticks = fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap();
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let rss = status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    (ticks, rss)
}

async fn create_claims(env: &Env, from: usize, to: usize) {
    futures::stream::iter(from..to)
        .map(|i| {
            let app = env.app.clone();
            async move {
                let ns = format!("bench-{}", i % NAMESPACES);
                let obj: DynamicObject = serde_json::from_value(claim_json(
                    "PostgresqlInstance",
                    &ns,
                    &format!("db-{i}"),
                    "",
                ))
                .unwrap();
                Api::<DynamicObject>::namespaced_with(app, &ns, &claim("PostgresqlInstance"))
                    .create(&PostParams::default(), &obj)
                    .await
                    .unwrap();
            }
        })
        .buffer_unordered(64)
        .collect::<Vec<_>>()
        .await;
}

/// Wait until `n` objects of the watch satisfy `done`; the time it took.
async fn until_count(
    api: Api<DynamicObject>,
    n: usize,
    done: impl Fn(&DynamicObject) -> bool,
) -> Duration {
    let t0 = Instant::now();
    eprintln!("bench: waiting for {n} objects");
    let mut seen = HashSet::new();
    let mut events = std::pin::pin!(
        watcher(api, watcher::Config::default())
            .default_backoff()
            .applied_objects()
    );
    while let Some(o) = events.try_next().await.unwrap() {
        let key = format!("{}/{}", o.namespace().unwrap_or_default(), o.name_any());
        if done(&o) {
            seen.insert(key);
        } else {
            seen.remove(&key);
        }
        if seen.len() >= n {
            break;
        }
        if seen.len() % 250 == 0 {
            eprintln!("bench: {} of {n}", seen.len());
        }
    }
    t0.elapsed()
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

/// Change `field` on one side and time until a watch on the other side sees it, `n` times.
async fn latencies(
    write: impl Fn(usize) -> futures::future::BoxFuture<'static, ()>,
    watch_on: Api<DynamicObject>,
    name: &str,
    seen: impl Fn(&DynamicObject, usize) -> bool,
    n: usize,
) -> Vec<Duration> {
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let cfg = watcher::Config::default().fields(&format!("metadata.name={name}"));
    let watch = tokio::spawn(async move {
        let mut events = std::pin::pin!(watcher(watch_on, cfg).default_backoff().applied_objects());
        while let Ok(Some(o)) = events.try_next().await {
            let _ = tx.send((Instant::now(), o));
        }
    });
    let mut out = Vec::with_capacity(n);
    for i in 1..=n {
        let t0 = Instant::now();
        write(i).await;
        loop {
            let (at, o) = rx.recv().await.unwrap();
            if seen(&o, i) {
                out.push(at.saturating_duration_since(t0));
                break;
            }
        }
    }
    watch.abort();
    out.sort();
    out
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(run());
}

async fn run() {
    let claims = env_count("KONNECTOR_BENCH_CLAIMS", 1000);
    let many = env_count("KONNECTOR_BENCH_MANY", 10_000).max(claims);
    let env = Env::start_with(|c| c.provision_delay = Duration::ZERO).await;
    let bound = bind(&env, &[PG]).await;
    let home = tempfile::tempdir().unwrap();
    // The CRD first (a konnector that then stops), so that claims can be created.
    let mut first = konnector(&env, home.path(), &["--no-leader-election"]);
    until_ready(&env, &[PG]).await;
    let _ = first.kill();
    let _ = first.wait();
    for i in 0..NAMESPACES {
        env.app_ok(&["create", "namespace", &format!("bench-{i}")])
            .await;
    }
    create_claims(&env, 0, claims).await;

    let t0 = Instant::now();
    let mut child = konnector(&env, home.path(), &[]);
    let cp_all = Api::<DynamicObject>::all_with(env.cp.clone(), &claim("PostgresqlInstance"));
    let app_all = Api::<DynamicObject>::all_with(env.app.clone(), &claim("PostgresqlInstance"));
    until_count(cp_all, claims, |_| true).await;
    let up = t0.elapsed();
    until_count(app_all.clone(), claims, |o| {
        o.data["status"]["conditions"].is_array()
    })
    .await;
    let back = t0.elapsed();
    println!(
        "initial sync of {claims} claims: on the Control Plane after {:.2} s, status back in the App Cluster after {:.2} s (target ≤ 2 s)",
        up.as_secs_f64(),
        back.as_secs_f64()
    );

    let ns = "bench-1";
    let cp_ns = format!("{}-{ns}", bound.cluster_ns);
    let app_api =
        Api::<DynamicObject>::namespaced_with(env.app.clone(), ns, &claim("PostgresqlInstance"));
    let cp_api =
        Api::<DynamicObject>::namespaced_with(env.cp.clone(), &cp_ns, &claim("PostgresqlInstance"));
    let a = app_api.clone();
    let spec = latencies(
        move |i| {
            let a = a.clone();
            Box::pin(async move {
                a.patch(
                    "db-1",
                    &PatchParams::default(),
                    &Patch::Merge(json!({"spec": {"parameters": {"maxConnections": i}}})),
                )
                .await
                .unwrap();
            })
        },
        cp_api.clone(),
        "db-1",
        |o, i| o.data["spec"]["parameters"]["maxConnections"].as_f64() == Some(i as f64),
        200,
    )
    .await;
    println!(
        "spec change App → Control Plane: p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms (targets p50 ≤ 10 ms, p99 ≤ 50 ms)",
        percentile(&spec, 0.5).as_secs_f64() * 1e3,
        percentile(&spec, 0.99).as_secs_f64() * 1e3,
        spec.last().unwrap().as_secs_f64() * 1e3
    );
    let c = cp_api.clone();
    let status = latencies(
        move |i| {
            let c = c.clone();
            Box::pin(async move {
                c.patch_status(
                    "db-11",
                    &PatchParams::default(),
                    &Patch::Merge(json!({"status": {"managed": {"bench": i}}})),
                )
                .await
                .unwrap();
            })
        },
        app_api.clone(),
        "db-11",
        |o, i| o.data["status"]["managed"]["bench"].as_f64() == Some(i as f64),
        200,
    )
    .await;
    println!(
        "status change Control Plane → App: p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms (targets p50 ≤ 10 ms, p99 ≤ 50 ms)",
        percentile(&status, 0.5).as_secs_f64() * 1e3,
        percentile(&status, 0.99).as_secs_f64() * 1e3,
        status.last().unwrap().as_secs_f64() * 1e3
    );

    tokio::time::sleep(Duration::from_secs(2)).await;
    let (before, _) = usage(child.id());
    let idle = Duration::from_secs(20);
    tokio::time::sleep(idle).await;
    let (after, rss) = usage(child.id());
    let hz = 100.0;
    println!(
        "idle CPU over {} s with {claims} claims: {:.3} % of one core (heartbeats only; target ≈ 0); RSS {} MB",
        idle.as_secs(),
        (after - before) as f64 / hz / idle.as_secs_f64() * 100.0,
        rss / 1024
    );

    let t1 = Instant::now();
    create_claims(&env, claims, many).await;
    until_count(app_all, many, |o| o.data["status"]["conditions"].is_array()).await;
    let (_, rss) = usage(child.id());
    println!(
        "{many} claims in sync after {:.1} s more; konnector RSS {} MB (target ≤ 100 MB)",
        t1.elapsed().as_secs_f64(),
        rss / 1024
    );
    let _ = child.kill();
    let _ = child.wait();
    env.shutdown().await;
}
