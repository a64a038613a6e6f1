//! panva's `oidc-provider` (npm), the third-party OIDC provider of the tests, started from
//! `tests/oidc-provider/provider.js`: installed once with `npm ci` (under a lock: tests run
//! in parallel processes), one Node.js process per test, killed when dropped. Without node
//! and npm the test fails and says what to install.

use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, BufReader};

fn provider_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/oidc-provider")
}

/// Where `provider.js` lives, from the sandbox crate's or the workspace root's tests.
fn dir() -> PathBuf {
    let own = provider_dir();
    if own.exists() {
        own
    } else {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("crates/sandbox/tests/oidc-provider")
    }
}

/// Check node and npm, and install oidc-provider once.
pub fn install() {
    let dir = dir();
    for tool in ["node", "npm"] {
        let found = std::process::Command::new(tool)
            .arg("--version")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        assert!(
            found.is_ok_and(|s| s.success()),
            "{tool} is not installed: the third-party OIDC provider test runs panva's oidc-provider on Node.js. \
             Install Node.js ≥ 20 with npm (Debian: apt-get install nodejs npm) — see README.md"
        );
    }
    let lock =
        std::fs::File::create(std::env::temp_dir().join("klutch-tui-oidc-provider-npm.lock"))
            .unwrap();
    lock.lock().unwrap();
    if !dir.join("node_modules/oidc-provider/package.json").exists() {
        let out = std::process::Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund"])
            .current_dir(&dir)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "npm ci in {} failed (the npm registry must be reachable once):\n{}{}",
            dir.display(),
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

/// A running oidc-provider; killed when dropped.
pub struct Provider {
    _child: tokio::process::Child,
    pub issuer: String,
}

/// Start `provider.js` with `env` (see its head for the variables).
pub async fn start(env: &[(&str, &str)]) -> Provider {
    install();
    let mut command = tokio::process::Command::new("node");
    command.arg("provider.js").current_dir(dir());
    for (k, v) in env {
        command.env(k, v);
    }
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let issuer = tokio::time::timeout(Duration::from_secs(30), async {
        while let Some(line) = lines.next_line().await.unwrap() {
            if let Some(url) = line.strip_prefix("listening ") {
                return url.to_owned();
            }
        }
        panic!("oidc-provider exited before listening");
    })
    .await
    .expect("oidc-provider did not start within 30 s");
    // Keep reading: a closed pipe would kill node at its next log line (EPIPE).
    tokio::spawn(async move {
        while let Ok(Some(line)) = lines.next_line().await {
            if !line.contains("NOTICE") {
                eprintln!("oidc-provider: {line}");
            }
        }
    });
    Provider {
        _child: child,
        issuer,
    }
}
