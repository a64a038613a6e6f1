//! Binding from the cockpit, end to end in a real terminal (tmux): `--sandbox` starts bound
//! (bindings Ready, the claim kinds served in the App Cluster, a claim made there reaches
//! the Control Plane through the konnector running in the cockpit), `--sandbox --unbound`
//! does not, and there the bind wizard binds — Esc first cancels a bind and leaves nothing
//! behind, then a device login played with an HTTP client, the exports and permission claims
//! answered with keys, and the bindings become Ready on screen.

#![allow(clippy::unwrap_used)]

use crate::bind_support::approve_device;
use crate::tmux::{
    self, Tmux, apply, claim, connected_both, embedded_kubeconfig, isolated_env, kubectl,
};

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

const APP: &str = "klutch-app";
const CP: &str = "klutch-control-plane";

/// Poll `f` (kubectl) until it holds; panics with the last output after `timeout`.
fn eventually(what: &str, timeout: Duration, f: impl Fn() -> (bool, String)) {
    let start = Instant::now();
    loop {
        let (ok, out) = f();
        if ok {
            return;
        }
        assert!(
            start.elapsed() < timeout,
            "timed out waiting for {what}: {out}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Every APIServiceBinding in `klutch-bind` is Ready; their names.
fn ready_bindings(kc: &Path) -> (bool, String) {
    let out = Command::new("kubectl")
        .arg("--kubeconfig")
        .arg(kc)
        .args(["--context", APP, "get", "apiservicebindings", "-n", "klutch-bind"])
        .args(["-o", "jsonpath={range .items[*]}{.metadata.name}={.status.conditions[?(@.type==\"Ready\")].status};{end}"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let ok = out.status.success()
        && !text.is_empty()
        && text
            .split(';')
            .filter(|p| !p.is_empty())
            .all(|p| p.ends_with("=True"));
    (
        ok,
        format!("{text}{}", String::from_utf8_lossy(&out.stderr)),
    )
}

fn served_in_app(kc: &Path, group: &str) -> String {
    kubectl(
        kc,
        APP,
        &["api-resources", "--api-group", group, "-o", "name"],
    )
}

#[test]
fn sandbox_starts_bound_with_the_konnector_running() {
    let dir = tempfile::tempdir().unwrap();
    let cmd = format!(
        "{} {} --sandbox --provision-delay 0; echo EXITED $?; sleep 30",
        isolated_env(dir.path()),
        tmux::binary()
    );
    let t = Tmux::start("bound", &cmd, 160, 40);
    t.wait_for("the sandbox bound", Duration::from_secs(60), |s| {
        s.contains("sandbox bound as developer") && connected_both(s)
    });
    let kc = embedded_kubeconfig(dir.path());
    let (ok, out) = ready_bindings(&kc);
    assert!(ok, "bindings not Ready at the first screen: {out}");
    assert!(
        out.contains("postgresqlinstances.anynines.com=True"),
        "{out}"
    );
    let kinds = served_in_app(&kc, "anynines.com");
    assert!(
        kinds.contains("postgresqlinstances.anynines.com"),
        "{kinds}"
    );

    // A claim made in the App Cluster at once reaches the Control Plane.
    kubectl(&kc, APP, &["create", "namespace", "team-a"]);
    let mut orders = claim("PostgresqlInstance", "team-a", "orders-db");
    orders.push_str("  compositionRef:\n    name: a9s-postgresql\n");
    apply(&kc, APP, &orders);
    eventually("the Control Plane copy", Duration::from_secs(40), || {
        let out = kubectl(&kc, CP, &["get", "postgresqlinstances", "-A", "-o", "name"]);
        (out.contains("orders-db"), out)
    });
    // The cockpit lists the bindings.
    t.type_text("6");
    t.wait_for("the bindings view", Duration::from_secs(30), |s| {
        s.contains("postgresqlinstances.anynines.com") && s.contains("servicebindings.anynines.com")
    });
    t.type_text("q");
    t.wait_for("the cockpit to exit", Duration::from_secs(15), |s| {
        s.contains("EXITED 0")
    });
}

#[test]
fn unbound_then_bound_through_the_wizard() {
    let dir = tempfile::tempdir().unwrap();
    let cmd = format!(
        "{} {} --sandbox --unbound; echo EXITED $?; sleep 30",
        isolated_env(dir.path()),
        tmux::binary()
    );
    let t = Tmux::start("wizard", &cmd, 160, 48);
    t.wait_for(
        "both clusters connected",
        Duration::from_secs(30),
        connected_both,
    );
    let kc = embedded_kubeconfig(dir.path());
    assert!(
        !served_in_app(&kc, "klutch.anynines.com").contains("apiservicebindings"),
        "--unbound started bound"
    );
    assert!(!served_in_app(&kc, "anynines.com").contains("postgresqlinstances"));

    // Esc cancels: the klutch-bind namespace the bind made goes again.
    t.type_text(":bind device");
    t.press("Enter");
    t.wait_for("the device login", Duration::from_secs(40), |s| {
        s.contains("enter the code")
    });
    t.press("Escape");
    t.wait_for("the bind cancelled", Duration::from_secs(40), |s| {
        s.contains("✗ Failed at \"log in\"")
    });
    eventually("klutch-bind removed", Duration::from_secs(30), || {
        let out = kubectl(&kc, APP, &["get", "namespaces", "-o", "name"]);
        (!out.contains("namespace/klutch-bind"), out)
    });
    t.press("Enter");

    // Now for real: the device login approved by "the browser".
    t.type_text(":bind device");
    t.press("Enter");
    t.wait_for("the device login", Duration::from_secs(40), |s| {
        s.contains("enter the code")
    });
    let screen = t.screen();
    let open = screen
        .lines()
        .find_map(|l| l.split("open ").nth(1)?.split(" and enter").next())
        .unwrap()
        .trim()
        .to_owned();
    let code = screen
        .lines()
        .find_map(|l| {
            l.split("(or scan the QR code")
                .nth(1)
                .and(l.split("(or scan").next())
        })
        .and_then(|before| before.split_whitespace().last())
        .unwrap()
        .to_owned();
    let complete = url::Url::parse(&format!("{open}?user_code={code}")).unwrap();
    tokio::runtime::Runtime::new()
        .unwrap()
        .block_on(approve_device(&complete, ("developer", "developer")));
    t.wait_for("the exports", Duration::from_secs(40), |s| {
        s.contains("Which exports to bind?")
    });
    t.type_text("a");
    t.press("Enter");
    let start = Instant::now();
    loop {
        let s = t.screen();
        if s.contains("✓ Bound.") {
            break;
        }
        if s.contains("[No,Yes]") {
            t.type_text("y");
            t.wait_for("the claim answered", Duration::from_secs(30), |now| {
                !now.contains("[No,Yes]") || now != s
            });
        }
        assert!(!s.contains("✗ Failed"), "{s}");
        assert!(start.elapsed() < Duration::from_secs(90), "not bound:\n{s}");
        std::thread::sleep(Duration::from_millis(50));
    }
    let (ok, out) = ready_bindings(&kc);
    assert!(ok, "{out}");
    // The header shows who logged in; the bindings view shows them Ready.
    t.press("Escape");
    t.type_text("6");
    t.wait_for("the bindings Ready", Duration::from_secs(30), |s| {
        s.contains("login developer")
            && s.lines()
                .any(|l| l.contains("postgresqlinstances.anynines.com") && l.contains("Ready"))
    });
    // The bind started the konnector here: K stops it and starts it again, and a claim made
    // with kubectl shows in its log with its lag.
    t.type_text("7");
    t.wait_for("the konnector running", Duration::from_secs(30), |s| {
        s.contains("State      local")
    });
    t.type_text("K");
    t.wait_for("the konnector stopped", Duration::from_secs(30), |s| {
        s.contains("State      off")
    });
    t.type_text("K");
    t.wait_for(
        "the konnector running again",
        Duration::from_secs(30),
        |s| s.contains("State      local") && s.contains("leader"),
    );
    kubectl(&kc, APP, &["create", "namespace", "team-w"]);
    let mut claimed = claim("PostgresqlInstance", "team-w", "wizard-db");
    claimed.push_str("  compositionRef:\n    name: a9s-postgresql\n");
    apply(&kc, APP, &claimed);
    t.wait_for(
        "the claim in the konnector's log",
        Duration::from_secs(40),
        |s| {
            s.lines().any(|l| {
                l.contains("App→CP") && l.contains(" ms ") && l.contains("team-w/wizard-db")
            })
        },
    );
    t.type_text("q");
    t.wait_for("the cockpit to exit", Duration::from_secs(15), |s| {
        s.contains("EXITED 0")
    });
}
