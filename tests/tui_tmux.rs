//! The cockpit end to end in a real terminal (tmux) against the sandbox: objects created
//! with kubectl appear without a key pressed, the filter and the detail work, a stopped
//! sandbox shows as reconnecting and, restarted, as connected again, and `q` restores the
//! terminal.

#![allow(clippy::unwrap_used)]

use crate::tmux;

use std::time::Duration;
use tmux::{
    Tmux, apply, claim, connected_both, embedded_kubeconfig, fixture, isolated_env, kubectl, shared,
};

const APP: &str = "klutch-app";
const CP: &str = "klutch-control-plane";

#[test]
fn cockpit_on_the_embedded_sandbox() {
    let dir = tempfile::tempdir().unwrap();
    let cmd = format!(
        "{} {} --sandbox --unbound; echo EXITED $?; sleep 30",
        isolated_env(dir.path()),
        tmux::binary()
    );
    let t = Tmux::start("embedded", &cmd, 120, 30);
    t.wait_for(
        "both clusters connected",
        Duration::from_secs(20),
        connected_both,
    );
    let kc = embedded_kubeconfig(dir.path());
    let crds = fixture("claim-crds.yaml");
    kubectl(&kc, APP, &["apply", "-f", crds.to_str().unwrap()]);
    kubectl(&kc, APP, &["create", "namespace", "team-a"]);
    apply(
        &kc,
        APP,
        &claim("PostgresqlInstance", "team-a", "orders-db"),
    );
    t.wait_for(
        "the first claim (CRD picked up live)",
        Duration::from_secs(10),
        |s| s.contains("orders-db"),
    );

    // With the kind watched, a new object shows within a second, no key pressed.
    apply(&kc, APP, &claim("Backup", "team-a", "nightly"));
    let took = t.wait_for("a new claim", Duration::from_secs(1), |s| {
        s.contains("nightly")
    });
    eprintln!(
        "claim appeared {} ms after kubectl returned",
        took.as_millis()
    );

    // Control Plane kinds show in their views.
    let export_crd = shared("crds/bind/klutch.anynines.com_clusterbindings.yaml");
    kubectl(&kc, CP, &["apply", "-f", export_crd.to_str().unwrap()]);
    kubectl(&kc, CP, &["create", "namespace", "cluster-abc"]);
    t.type_text("5");
    t.wait_for("the cluster bindings view", Duration::from_secs(2), |s| {
        s.contains("App clusters (cluster bindings) (Control Plane)")
    });
    apply(
        &kc,
        CP,
        "apiVersion: klutch.anynines.com/v1alpha1\nkind: ClusterBinding\nmetadata:\n  name: cluster\n  namespace: cluster-abc\nspec:\n  providerPrettyName: anynines\n  kubeconfigSecretRef:\n    name: kubeconfig\n    key: kubeconfig\n",
    );
    t.wait_for("the cluster binding", Duration::from_secs(10), |s| {
        s.contains("cluster-abc") && s.contains("◷ NoHeartbeatYet")
    });

    // Filter, then open the detail of what is left.
    t.type_text("1");
    t.type_text("/night");
    t.wait_for("the filter to apply", Duration::from_secs(2), |s| {
        s.contains("nightly") && !s.contains("orders-db ")
    });
    t.press("Enter");
    t.press("Enter");
    t.wait_for("the detail pane", Duration::from_secs(2), |s| {
        s.contains("Conditions") && s.contains("kind: Backup") && s.contains("name: nightly")
    });
    t.press("Escape");
    // Two escapes in one read are Alt-Esc to a terminal; wait for the first to land.
    t.wait_for("the detail closed", Duration::from_secs(2), |s| {
        !s.contains("Conditions")
    });
    t.press("Escape");
    t.wait_for("the filter cleared", Duration::from_secs(2), |s| {
        s.contains("orders-db") && s.contains("nightly")
    });

    // Deleting with kubectl removes the row, again without a key.
    kubectl(&kc, APP, &["delete", "backup", "nightly", "-n", "team-a"]);
    t.wait_for("the deleted claim to go", Duration::from_secs(1), |s| {
        !s.contains("nightly")
    });

    // :info keeps the sandbox's kubeconfig at hand after the message line moved on.
    let kubeconfig = kc.display().to_string();
    t.type_text(":info");
    t.press("Enter");
    t.wait_for("the info pane", Duration::from_secs(2), |s| {
        s.contains(" Info ")
            && s.contains("log file:")
            && s.replace(['│', '\n', ' '], "")
                .contains(&kubeconfig.replace(' ', ""))
    });
    t.press("Escape");
    t.wait_for("the info pane closed", Duration::from_secs(2), |s| {
        !s.contains(" Info ")
    });

    // q quits and restores the terminal.
    assert!(t.alternate_on());
    t.type_text("q");
    t.wait_for("the cockpit to exit", Duration::from_secs(10), |s| {
        s.contains("EXITED 0")
    });
    assert!(!t.alternate_on(), "the alternate screen was left");
}

#[test]
fn a_stopped_sandbox_shows_as_reconnecting_and_comes_back() {
    let dir = tempfile::tempdir().unwrap();
    let sandbox = tmux::SandboxProcess::start(dir.path());
    let kc = dir.path().join("kubeconfig.yaml");
    let crds = fixture("claim-crds.yaml");
    kubectl(&kc, APP, &["apply", "-f", crds.to_str().unwrap()]);
    kubectl(&kc, APP, &["create", "namespace", "team-b"]);
    apply(
        &kc,
        APP,
        &claim("PostgresqlInstance", "team-b", "before-stop"),
    );
    let cmd = format!(
        "{} {} --kubeconfig {} --app-context {APP} --cp-context {CP}; echo EXITED $?; sleep 30",
        isolated_env(dir.path()),
        tmux::binary(),
        kc.display()
    );
    let t = Tmux::start("reconnect", &cmd, 120, 30);
    t.wait_for("both clusters connected", Duration::from_secs(20), |s| {
        connected_both(s) && s.contains("before-stop")
    });

    sandbox.stop();
    t.wait_for("reconnecting", Duration::from_secs(15), |s| {
        let lines: Vec<&str> = s.lines().collect();
        lines[0].contains("reconnecting") && lines[1].contains("reconnecting")
    });
    let screen = t.screen();
    assert!(
        screen.contains("before-stop"),
        "last known objects stay visible"
    );
    assert!(
        screen.contains("app?") && screen.contains("stale (?): App · Control Plane"),
        "and are marked stale:\n{screen}"
    );

    let _again = tmux::SandboxProcess::start(dir.path());
    t.wait_for("connected again", Duration::from_secs(20), |s| {
        connected_both(s) && !s.contains("app?")
    });
    apply(&kc, APP, &claim("Backup", "team-b", "after-restart"));
    t.wait_for("watches resumed", Duration::from_secs(15), |s| {
        s.contains("after-restart")
    });

    t.press("C-c");
    t.wait_for("the cockpit to exit", Duration::from_secs(10), |s| {
        s.contains("EXITED 0")
    });
    assert!(!t.alternate_on());
}

#[test]
fn sigterm_restores_the_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let cmd = format!(
        "{} {} --sandbox --theme light; echo EXITED $?; sleep 30",
        isolated_env(dir.path()),
        tmux::binary()
    );
    let t = Tmux::start("sigterm", &cmd, 80, 24);
    t.wait_for(
        "both clusters connected",
        Duration::from_secs(20),
        connected_both,
    );
    assert!(t.alternate_on());
    let pid = t.program_pid();
    let status = std::process::Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    t.wait_for("the cockpit to exit", Duration::from_secs(10), |s| {
        s.contains("EXITED 0")
    });
    assert!(!t.alternate_on(), "the alternate screen was left");
}

#[test]
fn a_broken_config_gives_a_message_and_the_defaults() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config/klutch-tui");
    std::fs::create_dir_all(&config).unwrap();
    std::fs::write(config.join("config.yaml"), "keys:\n  fly: x\n").unwrap();
    let cmd = format!(
        "{} NO_COLOR=1 {} --sandbox; echo EXITED $?; sleep 30",
        isolated_env(dir.path()),
        tmux::binary()
    );
    let t = Tmux::start("config", &cmd, 80, 24);
    t.wait_for("the config message", Duration::from_secs(20), |s| {
        s.contains("unknown command \"fly\"")
    });
    t.type_text("q");
    t.wait_for("the cockpit to exit", Duration::from_secs(10), |s| {
        s.contains("EXITED 0")
    });
}

#[test]
fn a_user_who_may_not_watch_everything_sees_forbidden() {
    let dir = tempfile::tempdir().unwrap();
    let _sandbox = tmux::SandboxProcess::start(dir.path());
    let kc = dir.path().join("kubeconfig.yaml");
    let crds = fixture("claim-crds.yaml");
    kubectl(&kc, APP, &["apply", "-f", crds.to_str().unwrap()]);
    kubectl(&kc, APP, &["create", "namespace", "dev"]);
    kubectl(&kc, APP, &["create", "serviceaccount", "dev", "-n", "dev"]);
    kubectl(
        &kc,
        APP,
        &[
            "create",
            "clusterrole",
            "pg-reader",
            "--verb=get,list,watch",
            "--resource=postgresqlinstances.anynines.com",
        ],
    );
    kubectl(
        &kc,
        APP,
        &[
            "create",
            "clusterrolebinding",
            "dev-pg",
            "--clusterrole=pg-reader",
            "--serviceaccount=dev:dev",
        ],
    );
    let token = kubectl(&kc, APP, &["create", "token", "dev", "-n", "dev"]);
    let cluster = kubectl(
        &kc,
        APP,
        &[
            "config",
            "view",
            "-o",
            "jsonpath={.contexts[?(@.name==\"klutch-app\")].context.cluster}",
        ],
    );
    kubectl(
        &kc,
        APP,
        &[
            "config",
            "set-credentials",
            "dev",
            &format!("--token={}", token.trim()),
        ],
    );
    kubectl(
        &kc,
        APP,
        &[
            "config",
            "set-context",
            "dev",
            &format!("--cluster={cluster}"),
            "--user=dev",
        ],
    );
    apply(&kc, APP, &claim("PostgresqlInstance", "dev", "visible-db"));
    let cmd = format!(
        "{} {} --kubeconfig {} --app-context dev; echo EXITED $?; sleep 30",
        isolated_env(dir.path()),
        tmux::binary(),
        kc.display()
    );
    let t = Tmux::start("forbidden", &cmd, 120, 30);
    t.wait_for(
        "forbidden health and the readable claim",
        Duration::from_secs(20),
        |s| {
            let first = s.lines().next().unwrap_or_default();
            first.contains("may not watch") && first.contains("backups") && s.contains("visible-db")
        },
    );
    t.wait_for(
        "the server's message in the message line",
        Duration::from_secs(5),
        |s| s.contains("cannot list resource"),
    );
    t.type_text("q");
    t.wait_for("the cockpit to exit", Duration::from_secs(10), |s| {
        s.contains("EXITED 0")
    });
}

#[test]
fn refused_credentials_show_as_unauthorized_not_connected() {
    let dir = tempfile::tempdir().unwrap();
    let _sandbox = tmux::SandboxProcess::start(dir.path());
    let kc = dir.path().join("kubeconfig.yaml");
    let cluster = kubectl(
        &kc,
        APP,
        &[
            "config",
            "view",
            "-o",
            "jsonpath={.contexts[?(@.name==\"klutch-app\")].context.cluster}",
        ],
    );
    kubectl(
        &kc,
        APP,
        &[
            "config",
            "set-credentials",
            "stranger",
            "--token=not-a-token",
        ],
    );
    kubectl(
        &kc,
        APP,
        &[
            "config",
            "set-context",
            "stranger",
            &format!("--cluster={cluster}"),
            "--user=stranger",
        ],
    );
    let cmd = format!(
        "{} {} --kubeconfig {} --app-context stranger; echo EXITED $?; sleep 30",
        isolated_env(dir.path()),
        tmux::binary(),
        kc.display()
    );
    let t = Tmux::start("unauthorized", &cmd, 160, 30);
    t.wait_for("unauthorized in the header", Duration::from_secs(20), |s| {
        let first = s.lines().next().unwrap_or_default();
        first.contains("✗ unauthorized") && first.contains("refused the credentials")
    });
    let first = t.screen().lines().next().unwrap_or_default().to_string();
    assert!(
        !first.contains("● connected") && !first.contains("as ?"),
        "{first}"
    );
    t.type_text("q");
    t.wait_for("the cockpit to exit", Duration::from_secs(10), |s| {
        s.contains("EXITED 0")
    });
}
