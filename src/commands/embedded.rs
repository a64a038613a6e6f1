//! The sandbox `--sandbox` starts inside the cockpit's process. It runs on a runtime of its
//! own whose threads are named [`ISOLATED_THREADS`]: the API servers catch their handlers'
//! panics and answer 500, so the cockpit's panic hook only logs those instead of ending the
//! cockpit. Its kubeconfig lives in a directory of its own in the state directory, removed
//! when it stops. Unless `--unbound`, its App Cluster is bound to its Control Plane before
//! the first frame ([`EmbeddedSandbox::bind`]), the konnector running in this process.

use super::cockpit::CockpitError;
use crate::cli::CockpitArgs;
use crate::services::bind::Summary;
use crate::services::bind::auth::cache::TokenCache;
use crate::services::bind::auto::{AutoBind, bind_all};
use crate::services::bind::konnector::KonnectorDriver;
use crate::tui::terminal::ISOLATED_THREADS;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// How long the bind at start may wait for the konnector to connect the bindings.
const BOUND_WITHIN: std::time::Duration = std::time::Duration::from_secs(30);

/// How long quitting waits for the sandbox to stop.
const STOP_WITHIN: std::time::Duration = std::time::Duration::from_secs(4);

/// A running embedded sandbox.
pub struct EmbeddedSandbox {
    sandbox: sandbox::Sandbox,
    runtime: tokio::runtime::Runtime,
    dir: PathBuf,
}

impl EmbeddedSandbox {
    /// Start it with the cockpit's `--provision-delay` and `--fail-rate`.
    pub async fn start(
        state_dir: &Path,
        args: &CockpitArgs,
    ) -> Result<EmbeddedSandbox, CockpitError> {
        let dir = state_dir.join(format!("embedded-sandbox-{}", std::process::id()));
        std::fs::create_dir_all(&dir)
            .map_err(|e| CockpitError::Sandbox(format!("cannot create {}: {e}", dir.display())))?;
        let defaults = sandbox::SandboxConfig::default();
        let config = sandbox::SandboxConfig {
            kubeconfig_out: dir.join("kubeconfig.yaml"),
            info_out: dir.join("info.json"),
            provision_delay: args.provision_delay.unwrap_or(defaults.provision_delay),
            fail_rate: args.fail_rate.unwrap_or(defaults.fail_rate),
            // An installed konnector Deployment runs in-process, as a kubelet would run it.
            workloads: Some(Arc::new(super::konnector::InProcessKonnector)),
            ..defaults
        };
        let runtime = match tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name(ISOLATED_THREADS)
            .enable_all()
            .build()
        {
            Ok(r) => r,
            Err(e) => {
                let _ = std::fs::remove_dir_all(&dir);
                return Err(CockpitError::Runtime(e));
            }
        };
        let started = runtime.spawn(sandbox::start(config)).await;
        let sandbox = match started {
            Ok(Ok(s)) => s,
            failed => {
                let why = match failed {
                    Ok(Err(e)) => e.to_string(),
                    Err(e) => format!("it stopped while starting: {e}"),
                    Ok(Ok(_)) => String::new(),
                };
                runtime.shutdown_background();
                let _ = std::fs::remove_dir_all(&dir);
                return Err(CockpitError::Sandbox(why));
            }
        };
        tracing::info!(app = %sandbox.info().app_server,
            control_plane = %sandbox.info().control_plane_server, "embedded sandbox ready");
        Ok(EmbeddedSandbox {
            sandbox,
            runtime,
            dir,
        })
    }

    /// Its kubeconfig (contexts `klutch-app` and `klutch-control-plane`).
    pub fn kubeconfig(&self) -> String {
        self.sandbox.info().kubeconfig.display().to_string()
    }

    /// Its klutch-bind backend (what `:bind` without a URL binds to).
    pub fn bind_url(&self) -> String {
        self.sandbox.info().bind_url.clone()
    }

    /// Bind its App Cluster to its Control Plane through the real protocol, as the
    /// development user with the issuer's password grant (the headless token route): every
    /// export, every permission claim accepted, the konnector run in this process by
    /// `konnector` (which the cockpit stops on exit). What was bound, or why not.
    pub async fn bind(
        &self,
        konnector: Arc<dyn KonnectorDriver>,
        paths: &crate::config::Paths,
    ) -> anyhow::Result<Summary> {
        let info = self.sandbox.info();
        let (Some(user), Some(password)) = (info.username.clone(), info.password.clone()) else {
            anyhow::bail!("the sandbox has no development user to bind as");
        };
        let auto = AutoBind {
            url: info.bind_url.clone(),
            issuer: info.oidc_issuer.clone(),
            user,
            password,
        };
        let kubeconfig = self.kubeconfig();
        let app = super::app_client(Some(&kubeconfig), Some(sandbox::APP_CONTEXT), paths).await?;
        let cache = TokenCache::new(&self.dir.join("cache"));
        Ok(bind_all(&auto, app, konnector, cache, BOUND_WITHIN).await?)
    }

    /// Stop it (waiting at most [`STOP_WITHIN`], so that quitting never hangs on a client
    /// that holds a connection) and remove its directory.
    pub async fn stop(self) {
        let EmbeddedSandbox {
            sandbox,
            runtime,
            dir,
        } = self;
        let stopped = tokio::time::timeout(STOP_WITHIN, runtime.spawn(sandbox.shutdown())).await;
        if stopped.is_err() {
            tracing::warn!("the embedded sandbox did not stop within {STOP_WITHIN:?}; leaving it");
        }
        runtime.shutdown_background();
        let _ = std::fs::remove_dir_all(&dir);
    }
}
