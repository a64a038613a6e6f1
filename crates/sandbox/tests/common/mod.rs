//! Test support: an in-process sandbox in a temporary directory, and kubectl against it.
#![allow(dead_code)]

use sandbox::{Sandbox, SandboxConfig};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use tokio::io::AsyncWriteExt;

pub struct Env {
    pub sb: Sandbox,
    pub dir: tempfile::TempDir,
    pub kubeconfig: PathBuf,
}

/// Output of one kubectl run.
#[derive(Debug)]
pub struct Out {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// The repository's shared fixtures.
pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/fixtures")
}

fn kubectl_path() -> &'static str {
    let found = std::process::Command::new("kubectl")
        .arg("version")
        .arg("--client")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
    assert!(
        found.is_ok(),
        "kubectl is not installed: the integration tests drive the real kubectl. Install it (Debian: apt-get install kubernetes-client) — see README.md"
    );
    "kubectl"
}

impl Env {
    pub async fn start() -> Self {
        Self::start_with(|_| {}).await
    }

    pub async fn start_with(tweak: impl FnOnce(&mut SandboxConfig)) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let kubeconfig = dir.path().join("kubeconfig");
        let mut cfg = SandboxConfig {
            kubeconfig_out: kubeconfig.clone(),
            info_out: dir.path().join("info.json"),
            ..Default::default()
        };
        tweak(&mut cfg);
        let sb = sandbox::start(cfg).await.expect("sandbox starts");
        Self {
            sb,
            dir,
            kubeconfig,
        }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    pub fn write(&self, name: &str, content: &str) -> PathBuf {
        let p = self.path(name);
        std::fs::write(&p, content).expect("write file");
        p
    }

    fn command(&self, args: &[&str]) -> tokio::process::Command {
        let mut c = tokio::process::Command::new(kubectl_path());
        c.arg("--kubeconfig")
            .arg(&self.kubeconfig)
            .arg("--cache-dir")
            .arg(self.dir.path().join("kubectl-cache"));
        c.args(args);
        c.env("HOME", self.dir.path());
        c.env_remove("KUBECONFIG");
        c
    }

    /// Run kubectl (App context unless `--context` is given).
    pub async fn kubectl(&self, args: &[&str]) -> Out {
        self.kubectl_env(args, &[]).await
    }

    pub async fn kubectl_env(&self, args: &[&str], env: &[(&str, &str)]) -> Out {
        let mut c = self.command(args);
        for (k, v) in env {
            c.env(k, v);
        }
        let out = c.output().await.expect("run kubectl");
        Out {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    pub async fn kubectl_stdin(&self, args: &[&str], input: &str) -> Out {
        let mut c = self.command(args);
        c.stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = c.spawn().expect("spawn kubectl");
        let mut stdin = child.stdin.take().expect("stdin");
        stdin
            .write_all(input.as_bytes())
            .await
            .expect("write stdin");
        drop(stdin);
        let out = child.wait_with_output().await.expect("kubectl output");
        Out {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    /// Run kubectl and insist that it succeeds; its stdout.
    pub async fn ok(&self, args: &[&str]) -> String {
        let o = self.kubectl(args).await;
        assert_eq!(
            o.code, 0,
            "kubectl {args:?} failed: {}{}",
            o.stdout, o.stderr
        );
        o.stdout
    }

    pub async fn apply(&self, yaml: &str) -> String {
        let o = self.kubectl_stdin(&["apply", "-f", "-"], yaml).await;
        assert_eq!(
            o.code, 0,
            "kubectl apply failed: {}{}\n---\n{yaml}",
            o.stdout, o.stderr
        );
        o.stdout
    }

    /// A kube-rs client for one of the two contexts.
    pub async fn client(&self, context: &str) -> kube::Client {
        let kc = kube::config::Kubeconfig::read_from(&self.kubeconfig).expect("kubeconfig");
        let opts = kube::config::KubeConfigOptions {
            context: Some(context.to_string()),
            ..Default::default()
        };
        let cfg = kube::Config::from_custom_kubeconfig(kc, &opts)
            .await
            .expect("client config");
        kube::Client::try_from(cfg).expect("client")
    }

    pub async fn app(&self) -> kube::Client {
        self.client(sandbox::APP_CONTEXT).await
    }
}

/// The Widget CRD many tests use: a status subresource, printer columns, a schema.
pub const WIDGET_CRD: &str = r#"
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.example.com
spec:
  group: example.com
  names: {plural: widgets, singular: widget, kind: Widget, shortNames: [wd]}
  scope: Namespaced
  versions:
  - name: v1
    served: true
    storage: true
    subresources: {status: {}}
    additionalPrinterColumns:
    - {name: Size, type: integer, jsonPath: .spec.size}
    - {name: Ready, type: string, jsonPath: '.status.conditions[?(@.type=="Ready")].status'}
    - {name: Owner, type: string, jsonPath: .spec.owner, priority: 1}
    - {name: Age, type: date, jsonPath: .metadata.creationTimestamp}
    schema:
      openAPIV3Schema:
        type: object
        description: A widget for tests.
        properties:
          spec:
            type: object
            description: What the widget should be.
            required: [size]
            properties:
              size: {type: integer, minimum: 1, maximum: 100, description: How big the widget is.}
              mode: {type: string, enum: [fast, slow], default: fast}
              owner: {type: string, pattern: '^[a-z]+$'}
          status:
            type: object
            properties:
              conditions:
                type: array
                items:
                  type: object
                  x-kubernetes-preserve-unknown-fields: true
"#;

pub fn widget(name: &str, size: i64) -> String {
    format!(
        "apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: {name}\n  namespace: default\nspec:\n  size: {size}\n"
    )
}

/// Apply the Widget CRD and wait until it is served.
pub async fn with_widgets(env: &Env) {
    env.apply(WIDGET_CRD).await;
    env.ok(&[
        "wait",
        "--for=condition=Established",
        "crd/widgets.example.com",
        "--timeout=10s",
    ])
    .await;
}
