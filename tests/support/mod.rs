//! Test support for the binary's integration tests: an in-process sandbox in a temporary
//! directory with admin clients and kubectl for both clusters ([`Env`]), what a bind leaves
//! behind ([`bind`]), and waiting for a condition with a deadline ([`eventually`]).
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

pub mod bind;

use sandbox::{Sandbox, SandboxConfig};
use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;
use tokio::io::AsyncWriteExt;

/// A sandbox with clients for both clusters.
pub struct Env {
    pub sb: Sandbox,
    pub dir: tempfile::TempDir,
    pub kubeconfig: PathBuf,
    pub app: kube::Client,
    pub cp: kube::Client,
}

/// Output of one kubectl run.
#[derive(Debug)]
pub struct Out {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// A sandbox whose provider takes `provision_delay` for an instance.
pub fn config(dir: &std::path::Path, provision_delay: Duration) -> SandboxConfig {
    SandboxConfig {
        kubeconfig_out: dir.join("kubeconfig"),
        info_out: dir.join("info.json"),
        provision_delay,
        ..SandboxConfig::default()
    }
}

impl Env {
    /// A sandbox with a fast provider (200 ms to provision).
    pub async fn start() -> Self {
        Self::start_with(|_| {}).await
    }

    pub async fn start_with(tweak: impl FnOnce(&mut SandboxConfig)) -> Self {
        // RUST_LOG=klutch_tui::services::konnector=debug shows what the konnector does.
        let _ = tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
            .with_test_writer()
            .try_init();
        let dir = tempfile::tempdir().expect("temp dir");
        let mut cfg = config(dir.path(), Duration::from_millis(200));
        tweak(&mut cfg);
        let kubeconfig = cfg.kubeconfig_out.clone();
        let sb = sandbox::start(cfg).await.expect("sandbox starts");
        let app = client(&kubeconfig, sandbox::APP_CONTEXT).await;
        let cp = client(&kubeconfig, sandbox::CONTROL_PLANE_CONTEXT).await;
        Self {
            sb,
            dir,
            kubeconfig,
            app,
            cp,
        }
    }

    fn command(&self, context: &str, args: &[&str]) -> tokio::process::Command {
        let mut c = tokio::process::Command::new("kubectl");
        c.arg("--kubeconfig")
            .arg(&self.kubeconfig)
            .arg("--cache-dir")
            .arg(self.dir.path().join("kubectl-cache"))
            .arg("--context")
            .arg(context)
            .args(args)
            .env("HOME", self.dir.path())
            .env_remove("KUBECONFIG")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        c
    }

    /// Run kubectl against one context with `input` on stdin.
    pub async fn kubectl_in(&self, context: &str, args: &[&str], input: &str) -> Out {
        let mut child = self
            .command(context, args)
            .spawn()
            .expect("kubectl is installed (Debian: apt-get install kubernetes-client; see README)");
        let mut stdin = child.stdin.take().unwrap();
        stdin.write_all(input.as_bytes()).await.unwrap();
        drop(stdin);
        let out = child.wait_with_output().await.unwrap();
        Out {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    /// `kubectl apply -f -` in the App Cluster.
    pub async fn apply_app(&self, yaml: &str) -> Out {
        self.kubectl_in(sandbox::APP_CONTEXT, &["apply", "-f", "-"], yaml)
            .await
    }

    /// kubectl in the App Cluster, insisting on success; its stdout.
    pub async fn app_ok(&self, args: &[&str]) -> String {
        let out = self.kubectl_in(sandbox::APP_CONTEXT, args, "").await;
        assert_eq!(
            out.code, 0,
            "kubectl {args:?}: {}{}",
            out.stdout, out.stderr
        );
        out.stdout
    }

    pub async fn shutdown(self) {
        self.sb.shutdown().await;
    }
}

/// An admin client for one context of a kubeconfig file.
pub async fn client(kubeconfig: &std::path::Path, context: &str) -> kube::Client {
    let kc = kube::config::Kubeconfig::read_from(kubeconfig).unwrap();
    let opts = kube::config::KubeConfigOptions {
        context: Some(context.to_string()),
        ..Default::default()
    };
    let cfg = kube::Config::from_custom_kubeconfig(kc, &opts)
        .await
        .unwrap();
    kube::Client::try_from(cfg).unwrap()
}

/// Wait until `check` gives `Some`, trying again every 20 ms, for at most `limit`.
pub async fn eventually<T, F, Fut>(what: &str, limit: Duration, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = tokio::time::Instant::now() + limit;
    loop {
        if let Some(v) = check().await {
            return v;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out after {limit:?} waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
