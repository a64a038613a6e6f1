//! `klutch-tui konnector` as a process: usage errors exit 2; it syncs and says so on stderr,
//! logs to the state directory, survives `kill -9` mid-sync (the next run finds every object
//! and every deletion), and stops cleanly with exit 0 on SIGTERM.
#![allow(clippy::unwrap_used)]

use crate::support;

use kube::api::{Api, DeleteParams, DynamicObject};
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use support::bind::{PG, bind, create_claim, until_ready};
use support::sync::{claim, count, until_in_sync};
use support::{Env, eventually};

const WAIT: Duration = Duration::from_secs(30);

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_klutch-tui"))
}

#[test]
fn usage_errors_exit_2() {
    let out = bin().args(["konnector", "--help"]).output().unwrap();
    assert!(out.status.success());
    let help = String::from_utf8_lossy(&out.stdout);
    assert!(
        help.contains("--app-context") && help.contains("--heartbeat-interval"),
        "{help}"
    );
    let out = bin()
        .args(["konnector", "--heartbeat-interval", "soon"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a duration"));
}

/// Start the konnector process; its stderr lines are collected.
fn start(env: &Env, home: &std::path::Path) -> (Child, Arc<Mutex<Vec<String>>>) {
    let mut child = bin()
        .args(["konnector", "--kubeconfig"])
        .arg(&env.kubeconfig)
        .args([
            "--app-context",
            sandbox::APP_CONTEXT,
            "--heartbeat-interval",
            "1s",
        ])
        .env("HOME", home)
        .env("XDG_STATE_HOME", home.join("state"))
        .env_remove("KUBECONFIG")
        .env_remove("POD_NAMESPACE")
        .env_remove("POD_NAME")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let lines = Arc::new(Mutex::new(Vec::new()));
    let stderr = child.stderr.take().unwrap();
    let sink = lines.clone();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines() {
            let Ok(line) = line else { break };
            sink.lock().unwrap().push(line);
        }
    });
    (child, lines)
}

#[tokio::test]
async fn the_command_syncs_survives_kill_9_and_stops_on_sigterm() {
    let env = Env::start().await;
    let bound = bind(&env, &[PG]).await;
    let home = tempfile::tempdir().unwrap();
    let (mut first, lines) = start(&env, home.path());
    until_ready(&env, &[PG]).await;
    eventually("the summary on stderr", WAIT, || async {
        let l = lines.lock().unwrap();
        l.iter()
            .any(|l| l.contains("postgresqlinstances.anynines.com: ready"))
            .then_some(())
    })
    .await;
    for i in 0..10 {
        create_claim(
            &env,
            "PostgresqlInstance",
            "default",
            &format!("db-{i}"),
            "",
        )
        .await;
    }
    eventually("some claims up", WAIT, || async {
        (count(&env, &bound.cluster_ns).await.1 > 0).then_some(())
    })
    .await;
    first.kill().unwrap();
    first.wait().unwrap();

    // Work that waits for the next run: a deletion held by the finalizer, new claims.
    let pg = Api::<DynamicObject>::namespaced_with(
        env.app.clone(),
        "default",
        &claim("PostgresqlInstance"),
    );
    pg.delete("db-0", &DeleteParams::default()).await.unwrap();
    for i in 10..13 {
        create_claim(
            &env,
            "PostgresqlInstance",
            "default",
            &format!("db-{i}"),
            "",
        )
        .await;
    }
    let (second, _) = start(&env, home.path());
    until_in_sync(&env, &bound.cluster_ns, WAIT).await;
    assert_eq!(count(&env, &bound.cluster_ns).await, (12, 12));
    let log = home.path().join("state/klutch-tui/klutch-tui.log");
    assert!(
        std::fs::read_to_string(&log).unwrap().contains("konnector"),
        "logs go to {}",
        log.display()
    );

    let status = Command::new("kill")
        .args(["-TERM", &second.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let code = tokio::task::spawn_blocking(move || {
        let mut second = second;
        second.wait().unwrap()
    });
    let code = tokio::time::timeout(Duration::from_secs(10), code)
        .await
        .expect("the process stops within 10 s of SIGTERM")
        .unwrap();
    assert_eq!(code.code(), Some(0));
    env.shutdown().await;
}
