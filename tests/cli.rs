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
    let script = String::from_utf8_lossy(&out.stdout);
    assert!(
        script.contains("COMPLETE=\"bash\"") && script.contains("complete -o nospace -o bashdefault -o nosort -F _clap_complete_klutch_tui klutch-tui"),
        "{script}"
    );
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
    start_sandbox_with(dir, &[])
}

/// [`start_sandbox`] with more options; the info file is `<dir>/info.json`.
fn start_sandbox_with(dir: &Path, args: &[&str]) -> Child {
    let mut child = bin()
        .args(["sandbox", "--state-dir"])
        .arg(dir)
        .arg("--kubeconfig-out")
        .arg(dir.join("kubeconfig"))
        .arg("--info-out")
        .arg(dir.join("info.json"))
        .args(args)
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

fn info(dir: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(dir.join("info.json")).unwrap()).unwrap()
}

/// `--oidc-issuer`: the bind backend trusts another issuer (here: a second sandbox's) and
/// no development issuer of its own is started.
#[test]
fn the_bind_backend_can_use_an_external_issuer() {
    let tmp = tempfile::tempdir().unwrap();
    let (issuer_dir, dir) = (tmp.path().join("issuer"), tmp.path().join("sb"));
    let mut issuer_sb = start_sandbox(&issuer_dir);
    let issuer = info(&issuer_dir)["oidcIssuer"].as_str().unwrap().to_owned();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
        .to_string();
    let mut sb = start_sandbox_with(&dir, &["--oidc-issuer", &issuer, "--bind-port", &port]);
    let own = info(&dir);
    assert_eq!(own["oidcIssuer"], issuer.as_str(), "{own}");
    assert_eq!(own["bindUrl"], format!("http://127.0.0.1:{port}").as_str());
    assert!(
        own["username"].is_null() && own["password"].is_null(),
        "{own}"
    );

    let rt = tokio::runtime::Runtime::new().unwrap();
    let http = reqwest::Client::new();
    let (status, body) = rt.block_on(async {
        let token: serde_json::Value = http
            .post(format!("{issuer}/token"))
            .form(&[
                ("grant_type", "password"),
                ("client_id", "klutch-tui"),
                ("username", "developer"),
                ("password", "developer"),
                ("scope", "openid"),
            ])
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let response = http
            .post(format!("http://127.0.0.1:{port}/bind/token"))
            .bearer_auth(token["id_token"].as_str().unwrap())
            .json(&serde_json::json!({"clusterID": "c1", "resources": [
                {"group": "anynines.com", "resource": "postgresqlinstances"}]}))
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        (status, response.json::<serde_json::Value>().await.unwrap())
    });
    assert_eq!(status, 200, "{body}");
    assert!(body["kubeconfig"].is_string(), "{body}");
    for child in [&mut sb, &mut issuer_sb] {
        child.kill().unwrap();
        child.wait().unwrap();
    }

    // Bad values are refused before anything starts.
    let out = bin()
        .args(["sandbox", "--oidc-issuer", "dex.example.com"])
        .arg("--state-dir")
        .arg(tmp.path().join("bad"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("--oidc-issuer \"dex.example.com\" is not a URL"),
        "{err}"
    );
    let out = bin()
        .args(["sandbox", "--oidc-client-secret", "s"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}
