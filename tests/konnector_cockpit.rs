//! The konnector run by the cockpit, against a sandbox bound through the real backend: started
//! through the services' effect, a claim made with kubectl in the App Cluster arrives in the
//! store as synced with its lag (and as the paired view's lag), heartbeats per Control Plane
//! and the installed state are there, and the stop effect stops it; and end to end in tmux:
//! `K` in a cockpit on the bound sandbox starts it, and the claim shows in the Konnector
//! view's log with its lag.

use crate::support;
use crate::tmux;

use klutch_tui::cluster::konnector::{InstallState, LocalMode};
use klutch_tui::cluster::{ClusterId, Connections, RowKey, Store};
use klutch_tui::services::{self, Effect, KonnectorRequest};
use std::sync::Arc;
use std::time::Duration;
use support::bind::{PG, bind, claim_json, until_ready};
use support::{Env, eventually};

const WAIT: Duration = Duration::from_secs(30);

fn claim_yaml(name: &str) -> String {
    serde_json::to_string(&claim_json("PostgresqlInstance", "default", name, "")).unwrap()
}

#[tokio::test]
async fn the_effect_runs_the_konnector_and_its_syncs_arrive_in_the_store() {
    let env = Env::start().await;
    let bound = bind(&env, &[PG]).await;
    let store = Store::new();
    let connections = Connections::resolve(
        env.kubeconfig.to_str(),
        Some(sandbox::APP_CONTEXT),
        Some(sandbox::CONTROL_PLANE_CONTEXT),
    )
    .await
    .unwrap();
    let clusters = Arc::new(connections.start(&store));
    let ctx = services::Context::new(store.clone(), clusters);
    let started = services::start(ctx.clone());
    started
        .services
        .send(Effect::Konnector(KonnectorRequest::Start))
        .unwrap();
    until_ready(&env, &[PG]).await;
    assert!(matches!(
        store.read().konnector().local,
        LocalMode::Running { .. }
    ));

    let out = env.apply_app(&claim_yaml("orders")).await;
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    let object = "postgresqlinstances.anynines.com default/orders";
    let lag = eventually("the synced claim in the store", WAIT, || async {
        let data = store.read();
        data.konnector()
            .log
            .iter()
            .find(|s| s.object == object && s.direction == "App→CP")
            .map(|s| s.lag_ms)
    })
    .await;
    let key = RowKey {
        namespace: "default".into(),
        kind: "PostgresqlInstance".into(),
        name: "orders".into(),
        cluster: ClusterId::App,
    };
    {
        let data = store.read();
        assert!(data.sync_lag(&key).is_some(), "the paired view's lag");
        assert!(data.konnector().objects.contains_key(object));
    }
    assert!(lag < 30_000, "a lag in ms: {lag}");
    eventually("a heartbeat of the bound Control Plane", WAIT, || async {
        store
            .read()
            .konnector()
            .beats
            .contains_key(&bound.cluster_ns)
            .then_some(())
    })
    .await;
    eventually("the installed state", WAIT, || async {
        (store.read().konnector().installed == InstallState::Absent).then_some(())
    })
    .await;

    started
        .services
        .send(Effect::Konnector(KonnectorRequest::Stop))
        .unwrap();
    eventually("the konnector stopped", WAIT, || async {
        let data = store.read();
        (data.konnector().local == LocalMode::Off && data.konnector().log.is_empty()).then_some(())
    })
    .await;
    assert!(!ctx.konnector.is_running().await);

    // Started again, it says how long this run has lasted, not the first one.
    let restarted_at = jiff::Timestamp::now();
    started
        .services
        .send(Effect::Konnector(KonnectorRequest::Start))
        .unwrap();
    let since = eventually("the konnector running again", WAIT, || async {
        match store.read().konnector().local {
            LocalMode::Running { since } => Some(since),
            _ => None,
        }
    })
    .await;
    assert!(
        since >= restarted_at,
        "running since {since}, restarted at {restarted_at}"
    );
    started
        .services
        .send(Effect::Konnector(KonnectorRequest::Stop))
        .unwrap();
    eventually("the konnector stopped again", WAIT, || async {
        (store.read().konnector().local == LocalMode::Off).then_some(())
    })
    .await;
    started.task.abort();
    env.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn k_in_the_cockpit_runs_the_konnector_and_a_claim_shows_in_its_log_with_its_lag() {
    let env = Env::start().await;
    bind(&env, &[PG]).await;
    let cmd = format!(
        "{} {} --kubeconfig {} --app-context {} --cp-context {}; echo EXITED $?; sleep 30",
        tmux::isolated_env(env.dir.path()),
        tmux::binary(),
        env.kubeconfig.display(),
        sandbox::APP_CONTEXT,
        sandbox::CONTROL_PLANE_CONTEXT,
    );
    let t = tmux::Tmux::start("konnector", &cmd, 160, 48);
    let wait = |what: &str, pred: &dyn Fn(&str) -> bool| {
        tokio::task::block_in_place(|| t.wait_for(what, WAIT, pred));
    };
    wait("the cockpit connected", &|s| {
        s.lines().take(2).all(|l| l.contains("● connected"))
    });
    t.type_text("7");
    wait("the Konnector view, off", &|s| s.contains("State      off"));
    t.type_text("K");
    wait("the binding synced by the konnector here", &|s| {
        s.contains("State      local") && s.contains("postgresqlinstances.anynines.com ✓")
    });
    let header = t.screen().lines().next().unwrap_or_default().to_owned();
    assert!(header.contains("konnector local"), "{header}");

    let out = env.apply_app(&claim_yaml("orders")).await;
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    wait("the claim in the konnector's log with its lag", &|s| {
        s.lines()
            .any(|l| l.contains("App→CP") && l.contains(" ms ") && l.contains("default/orders"))
    });
    // The header shows the bound Control Plane's heartbeat.
    wait("the heartbeat in the header", &|s| {
        s.lines().next().is_some_and(|l| l.contains('♥'))
    });

    t.type_text("K");
    wait("the konnector stopped", &|s| s.contains("State      off"));
    t.type_text("q");
    wait("the cockpit to exit", &|s| s.contains("EXITED 0"));
    env.shutdown().await;
}
