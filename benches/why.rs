//! `why` benchmark: the release `klutch-tui why KIND/NAME` as its own process, start to exit,
//! against an in-process sandbox bound through the real backend with the konnector running
//! here — a healthy service binding (the longest chain: every link, credentials on both
//! sides) and an instance, and the binding again once the konnector has stopped. Target: ≤ 200 ms for one claim. `doctor` over the same App
//! Cluster is printed for information. `WHY_BENCH_RUNS` (default 20) sets the runs.
//!
//! Run: `cargo bench --bench why`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../tests/support/mod.rs"]
mod support;

use std::process::Command;
use std::time::{Duration, Instant};
use support::Env;
use support::bind::{PG, SB, bind, create_claim, until_ready};
use support::claims::{ready, wait_for};

const TARGET: Duration = Duration::from_millis(200);

/// The release `klutch-tui ARGS` on the sandbox's kubeconfig, with a home of its own.
fn ours(env: &Env, args: &[&str]) -> Command {
    let home = env.dir.path().join("home");
    let mut c = Command::new(env!("CARGO_BIN_EXE_klutch-tui"));
    c.args(args)
        .env("KUBECONFIG", &env.kubeconfig)
        .env("HOME", &home)
        .env("XDG_STATE_HOME", home.join("state"))
        .env("XDG_CONFIG_HOME", home.join("config"));
    c
}

/// Run `klutch-tui ARGS` `runs` times; the times from spawn to exit, sorted.
fn times(env: &Env, args: &[&str], runs: usize, want: i32) -> Vec<Duration> {
    let mut out: Vec<Duration> = (0..runs)
        .map(|_| {
            let started = Instant::now();
            let done = ours(env, args).output().expect("the release binary runs");
            let took = started.elapsed();
            assert_eq!(
                done.status.code(),
                Some(want),
                "klutch-tui {args:?}: {}{}",
                String::from_utf8_lossy(&done.stdout),
                String::from_utf8_lossy(&done.stderr)
            );
            took
        })
        .collect();
    out.sort();
    out
}

fn print(label: &str, sorted: &[Duration], target: Option<Duration>) {
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    let at = |q: usize| sorted[(sorted.len() * q / 100).min(sorted.len() - 1)];
    let verdict = match target {
        Some(t) if at(50) <= t => format!("target ≤ {:.0} ms  ok", ms(t)),
        Some(t) => format!("target ≤ {:.0} ms  OVER", ms(t)),
        None => String::new(),
    };
    println!(
        "{label:<46} p50 {:>7.1} ms  p99 {:>7.1} ms  max {:>7.1} ms  ({} runs)  {verdict}",
        ms(at(50)),
        ms(at(99)),
        ms(sorted[sorted.len() - 1]),
        sorted.len()
    );
}

/// Print one run's output: what the README shows.
fn example(env: &Env, args: &[&str]) {
    let done = ours(env, args).output().expect("the release binary runs");
    println!(
        "$ klutch-tui {}\n{}",
        args.join(" "),
        String::from_utf8_lossy(&done.stdout)
    );
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let runs = std::env::var("WHY_BENCH_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20);
    let env = Env::start().await;
    bind(&env, &[PG, SB]).await;
    let konnector = klutch_tui::services::konnector::Konnector::start(
        env.app.clone(),
        support::bind::test_options(),
    );
    until_ready(&env, &[PG, SB]).await;
    create_claim(&env, "PostgresqlInstance", "default", "orders", "").await;
    wait_for(
        &env.app,
        "PostgresqlInstance",
        "default",
        "orders",
        "Ready",
        ready,
    )
    .await;
    create_claim(&env, "ServiceBinding", "default", "orders-app", "orders").await;
    wait_for(
        &env.app,
        "ServiceBinding",
        "default",
        "orders-app",
        "Ready",
        ready,
    )
    .await;
    let secrets =
        kube::Api::<k8s_openapi::api::core::v1::Secret>::namespaced(env.app.clone(), "default");
    support::eventually("the credentials", Duration::from_secs(20), || async {
        secrets.get_opt("orders-app-creds").await.ok().flatten()
    })
    .await;
    tokio::task::block_in_place(|| {
        example(&env, &["why", "servicebinding/orders-app"]);
        let sb = times(&env, &["why", "servicebinding/orders-app"], runs, 0);
        print(
            "klutch-tui why servicebinding/orders-app",
            &sb,
            Some(TARGET),
        );
        let pg = times(&env, &["why", "postgresqlinstance/orders"], runs, 0);
        print(
            "klutch-tui why postgresqlinstance/orders",
            &pg,
            Some(TARGET),
        );
        let doctor = times(&env, &["doctor"], runs.min(5), 0);
        print("klutch-tui doctor (2 bindings, 2 claims)", &doctor, None);
    });
    // The konnector stopped: its heartbeat (due every second) goes late after two.
    konnector.stop().await;
    tokio::time::sleep(Duration::from_millis(2500)).await;
    tokio::task::block_in_place(|| {
        example(&env, &["why", "servicebinding/orders-app"]);
        let broken = times(&env, &["why", "servicebinding/orders-app"], runs, 1);
        print(
            "klutch-tui why (broken at the konnector)",
            &broken,
            Some(TARGET),
        );
    });
    env.shutdown().await;
}
