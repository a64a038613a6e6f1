//! The command line: help, completions, usage errors (exit 2), and the sandbox command
//! as a process — `sandbox ready`, persistence across SIGKILL, the state-dir lock.
#![allow(clippy::unwrap_used)]

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_klutch-tui"))
}

#[test]
fn help_completions_and_usage_errors() {
    let out = bin().arg("--help").output().unwrap();
    assert!(out.status.success());
    let help = String::from_utf8_lossy(&out.stdout);
    assert!(
        help.contains("sandbox") && help.contains("completions"),
        "{help}"
    );
    let out = bin().args(["completions", "bash"]).output().unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("complete -F _klutch__tui"));
    let out = bin()
        .args(["sandbox", "--listen", "not-an-ip"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("invalid value 'not-an-ip'"));
    let out = bin().arg("no-such-command").output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let out = bin()
        .args(["sandbox", "--user", "nopassword"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("expected NAME:PASSWORD"));
}

/// Start `klutch-tui sandbox` on a state dir and wait for `sandbox ready`.
fn start_sandbox(dir: &Path) -> Child {
    let mut child = bin()
        .args(["sandbox", "--state-dir"])
        .arg(dir)
        .arg("--kubeconfig-out")
        .arg(dir.join("kubeconfig"))
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if line == "sandbox ready" {
                let _ = tx.send(());
            }
        }
    });
    rx.recv_timeout(Duration::from_secs(30))
        .expect("sandbox ready within 30 s");
    child
}

fn kubectl(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("kubectl")
        .arg("--kubeconfig")
        .arg(dir.join("kubeconfig"))
        .arg("--cache-dir")
        .arg(dir.join("cache"))
        .args(args)
        .output()
        .expect("kubectl is installed (see README)");
    assert!(
        out.status.success(),
        "kubectl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn persistence_survives_sigkill_and_the_state_dir_is_locked() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let mut first = start_sandbox(dir);
    kubectl(dir, &["create", "namespace", "keep"]);
    for i in 0..20 {
        kubectl(
            dir,
            &[
                "-n",
                "keep",
                "create",
                "configmap",
                &format!("cm{i}"),
                &format!("--from-literal=i={i}"),
            ],
        );
    }
    kubectl(
        dir,
        &[
            "--context",
            "klutch-control-plane",
            "create",
            "serviceaccount",
            "cp-sa",
        ],
    );
    let before = kubectl(
        dir,
        &[
            "-n",
            "keep",
            "get",
            "configmaps",
            "-o",
            "jsonpath={range .items[*]}{.metadata.name}={.metadata.resourceVersion}={.data.i}{\"\\n\"}{end}",
        ],
    );

    // A second sandbox on the same state dir is refused clearly.
    let second = bin()
        .args(["sandbox", "--state-dir"])
        .arg(dir)
        .arg("--kubeconfig-out")
        .arg(dir.join("kc2"))
        .output()
        .unwrap();
    assert_eq!(second.status.code(), Some(1));
    let err = String::from_utf8_lossy(&second.stderr);
    assert!(
        err.contains("another sandbox is running on the state directory"),
        "{err}"
    );

    first.kill().unwrap(); // SIGKILL
    first.wait().unwrap();
    let started = Instant::now();
    let mut again = start_sandbox(dir);
    assert!(started.elapsed() < Duration::from_secs(30));
    let after = kubectl(
        dir,
        &[
            "-n",
            "keep",
            "get",
            "configmaps",
            "-o",
            "jsonpath={range .items[*]}{.metadata.name}={.metadata.resourceVersion}={.data.i}{\"\\n\"}{end}",
        ],
    );
    assert_eq!(before, after);
    assert_eq!(before.lines().count(), 20);
    kubectl(
        dir,
        &[
            "--context",
            "klutch-control-plane",
            "get",
            "serviceaccount",
            "cp-sa",
        ],
    );
    // New writes continue the resourceVersion sequence.
    let max_before: u64 = before
        .lines()
        .map(|l| l.split('=').nth(1).unwrap().parse::<u64>().unwrap())
        .max()
        .unwrap();
    kubectl(dir, &["-n", "keep", "create", "configmap", "new"]);
    let rv: u64 = kubectl(
        dir,
        &[
            "-n",
            "keep",
            "get",
            "configmap",
            "new",
            "-o",
            "jsonpath={.metadata.resourceVersion}",
        ],
    )
    .parse()
    .unwrap();
    assert!(rv > max_before, "{rv} > {max_before}");
    // SIGTERM stops it cleanly.
    let pid = again.id().to_string();
    Command::new("kill").args(["-TERM", &pid]).status().unwrap();
    let status = again.wait().unwrap();
    assert!(status.success(), "{status:?}");
}
