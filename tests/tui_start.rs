//! What the cockpit says when it cannot start: no terminal (scripts get pointed at the
//! headless commands, and an embedded sandbox leaves nothing behind), a missing kubeconfig
//! (said once, with the sandbox suggested), one context for both clusters (refused).

#![allow(clippy::unwrap_used)]

use crate::tmux;

use std::process::{Command, Stdio};
use std::time::Duration;
use tmux::{Tmux, isolated_env};

#[test]
fn without_a_terminal_it_says_so_and_leaves_no_sandbox_behind() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(tmux::binary())
        .arg("--sandbox")
        .env("XDG_CONFIG_HOME", dir.path().join("config"))
        .env("XDG_STATE_HOME", dir.path().join("xdg-state"))
        .env("HOME", dir.path())
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(
            "klutch-tui needs a terminal; for scripts use the get/apply/backup/restore commands"
        ),
        "{err}"
    );
    let state = dir.path().join("xdg-state/klutch-tui");
    let leftovers: Vec<_> = std::fs::read_dir(&state)
        .map(|d| {
            d.filter_map(Result::ok)
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| n.starts_with("embedded-sandbox-"))
                .collect()
        })
        .unwrap_or_default();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

fn run_in_tmux(name: &str, dir: &std::path::Path, args: &str) -> String {
    let cmd = format!(
        "{} {} {args}; echo EXITED $?; sleep 30",
        isolated_env(dir),
        tmux::binary()
    );
    let t = Tmux::start(name, &cmd, 160, 20);
    t.wait_for("the cockpit to give up", Duration::from_secs(20), |s| {
        s.contains("EXITED 1")
    });
    t.screen()
}

#[test]
fn a_missing_kubeconfig_is_said_once_with_the_sandbox_suggested() {
    let dir = tempfile::tempdir().unwrap();
    let screen = run_in_tmux("nokubeconfig", dir.path(), "--kubeconfig /nonexistent/kc");
    assert_eq!(screen.matches("/nonexistent/kc").count(), 1, "{screen}");
    assert!(screen.contains("klutch-tui --sandbox"), "{screen}");
}

#[test]
fn one_context_for_both_clusters_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let kc = dir.path().join("kc.yaml");
    std::fs::write(
        &kc,
        "apiVersion: v1\nkind: Config\ncurrent-context: one\nclusters:\n- name: c\n  cluster: {server: 'https://127.0.0.1:6443'}\nusers:\n- name: u\n  user: {token: t}\ncontexts:\n- name: one\n  context: {cluster: c, user: u}\n",
    )
    .unwrap();
    let screen = run_in_tmux(
        "samecontext",
        dir.path(),
        &format!("--kubeconfig {} --cp-context one", kc.display()),
    );
    assert!(
        screen.contains("--cp-context \"one\" is also the App Cluster's context"),
        "{screen}"
    );
}
