//! The klutch-tui sandbox: two emulated Kubernetes API servers (App and Control Plane)
//! served over HTTPS, and the Klutch Control Plane around them.
//!
//! Knows nothing of the TUI; depends only on the `klutch` domain crate.

#![cfg_attr(test, allow(clippy::unwrap_used))]

pub mod apiserver;
pub mod controlplane;
mod kubeconfig;
pub mod oidc;
pub mod provider;
mod state;
pub mod tls;

use apiserver::auth::{StaticToken, UserInfo};
use apiserver::{ApiServer, ApiServerConfig, ApiServerError};
use serde::Serialize;
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

pub use kubeconfig::{APP_CONTEXT, CONTROL_PLANE_CONTEXT};

/// How to start a sandbox.
#[derive(Debug, Clone)]
pub struct SandboxConfig {
    pub listen: IpAddr,
    pub kubeconfig_out: PathBuf,
    pub info_out: PathBuf,
    /// Persist objects (and the CA, tokens and ports) here; in memory when `None`.
    pub state_dir: Option<PathBuf>,
    /// How many past events a watch may resume from before it gets 410 Gone.
    pub watch_history: usize,
    /// How long the simulated anynines provider takes to provision an instance (bindings,
    /// backups and restores scale with it); zero makes every step immediate.
    pub provision_delay: Duration,
    /// The share (0.0–1.0) of provider steps that fail (failure injection).
    pub fail_rate: f64,
    /// Seed of the provider's random numbers (failure injection, ids); `None`: from the OS.
    pub provider_seed: Option<u64>,
}

impl Default for SandboxConfig {
    fn default() -> Self {
        Self {
            listen: IpAddr::from([127, 0, 0, 1]),
            kubeconfig_out: PathBuf::from("kubeconfig"),
            info_out: PathBuf::from("sandbox.json"),
            state_dir: None,
            watch_history: apiserver::store::DEFAULT_HISTORY,
            provision_delay: provider::DEFAULT_PROVISION_DELAY,
            fail_rate: 0.0,
            provider_seed: None,
        }
    }
}

/// Where everything is (written as the info JSON).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SandboxInfo {
    pub kubeconfig: PathBuf,
    pub app_server: String,
    pub control_plane_server: String,
}

#[derive(Debug, thiserror::Error)]
pub enum SandboxError {
    #[error("cannot listen on {addr}: {source}")]
    Listen {
        addr: SocketAddr,
        #[source]
        source: std::io::Error,
    },
    #[error(transparent)]
    Tls(#[from] tls::TlsError),
    #[error(transparent)]
    ApiServer(#[from] ApiServerError),
    #[error(transparent)]
    State(#[from] state::StateError),
    #[error(transparent)]
    ControlPlane(#[from] controlplane::ControlPlaneError),
    #[error(transparent)]
    Provider(#[from] provider::ProviderError),
    #[error("connecting to the sandbox's own servers failed: {0}")]
    Client(String),
    #[error("writing {path}: {source}")]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// A running sandbox. Dropping it does not stop it; call [`Sandbox::shutdown`].
pub struct Sandbox {
    pub app: Arc<ApiServer>,
    pub control_plane: Arc<ApiServer>,
    info: SandboxInfo,
    tasks: Vec<JoinHandle<()>>,
    provider: provider::Provider,
    _state: Option<state::StateDir>,
}

fn admin(token: String, cluster: &str) -> StaticToken {
    StaticToken {
        token,
        user: UserInfo {
            username: format!("{cluster}-admin"),
            uid: String::new(),
            groups: vec!["system:masters".into(), "system:authenticated".into()],
        },
    }
}

async fn bind(ip: IpAddr, port: u16) -> Result<TcpListener, SandboxError> {
    let addr = SocketAddr::new(ip, port);
    TcpListener::bind(addr)
        .await
        .map_err(|source| SandboxError::Listen { addr, source })
}

/// A kube client for one context of the kubeconfig the sandbox wrote.
async fn client_for(kubeconfig_yaml: &str, context: &str) -> Result<kube::Client, SandboxError> {
    let kc = kube::config::Kubeconfig::from_yaml(kubeconfig_yaml)
        .map_err(|e| SandboxError::Client(e.to_string()))?;
    let opts = kube::config::KubeConfigOptions {
        context: Some(context.to_string()),
        ..Default::default()
    };
    let cfg = kube::Config::from_custom_kubeconfig(kc, &opts)
        .await
        .map_err(|e| SandboxError::Client(e.to_string()))?;
    kube::Client::try_from(cfg).map_err(|e| SandboxError::Client(e.to_string()))
}

/// Start both API servers, write the kubeconfig and info file, and return once both
/// accept requests.
pub async fn start(config: SandboxConfig) -> Result<Sandbox, SandboxError> {
    if !(0.0..=1.0).contains(&config.fail_rate) {
        return Err(provider::ProviderError::FailRate(config.fail_rate).into());
    }
    let state_dir = config
        .state_dir
        .as_deref()
        .map(state::StateDir::open)
        .transpose()?;
    let secrets = match &state_dir {
        Some(s) => s.load_or_create()?,
        None => state::Secrets::generate()?,
    };
    let ca = tls::Ca::load(&secrets.ca_cert, &secrets.ca_key)?;
    let tls = ca.server_config(&[config.listen])?;
    let app_listener = bind(config.listen, secrets.app_port).await?;
    let cp_listener = bind(config.listen, secrets.cp_port).await?;
    let app_addr = app_listener
        .local_addr()
        .map_err(|source| SandboxError::Listen {
            addr: SocketAddr::new(config.listen, 0),
            source,
        })?;
    let cp_addr = cp_listener
        .local_addr()
        .map_err(|source| SandboxError::Listen {
            addr: SocketAddr::new(config.listen, 0),
            source,
        })?;
    if let Some(s) = &state_dir {
        s.save(&state::Secrets {
            app_port: app_addr.port(),
            cp_port: cp_addr.port(),
            ..secrets.clone()
        })?;
    }
    let url = |a: SocketAddr| format!("https://{a}");
    let make = |name: &str, addr: SocketAddr, token: &str, db: &str| ApiServerConfig {
        name: name.to_string(),
        url: url(addr),
        tokens: vec![admin(token.to_string(), name)],
        token_key: secrets.token_key.clone(),
        ca_pem: ca.cert_pem.clone(),
        db_path: state_dir.as_ref().map(|s| s.path().join(db)),
        watch_history: config.watch_history,
    };
    let app = ApiServer::new(make("app", app_addr, &secrets.app_token, "app.redb"))?;
    let control_plane = ApiServer::new(make(
        "control-plane",
        cp_addr,
        &secrets.cp_token,
        "control-plane.redb",
    ))?;
    app.spawn_controllers();
    control_plane.spawn_controllers();
    let tasks = vec![
        tokio::spawn(apiserver::serve(app.clone(), app_listener, tls.clone())),
        tokio::spawn(apiserver::serve(control_plane.clone(), cp_listener, tls)),
    ];
    let info = SandboxInfo {
        kubeconfig: config.kubeconfig_out.clone(),
        app_server: url(app_addr),
        control_plane_server: url(cp_addr),
    };
    let kc = kubeconfig::render(
        &ca.cert_pem,
        &info.app_server,
        &secrets.app_token,
        &info.control_plane_server,
        &secrets.cp_token,
    );
    kubeconfig::write_private(&config.kubeconfig_out, kc.as_bytes()).map_err(|source| {
        SandboxError::Write {
            path: config.kubeconfig_out.clone(),
            source,
        }
    })?;
    let cp_client = client_for(&kc, CONTROL_PLANE_CONTEXT).await?;
    controlplane::install(&cp_client).await?;
    let provider = provider::spawn(
        cp_client,
        provider::ProviderConfig {
            provision_delay: config.provision_delay,
            fail_rate: config.fail_rate,
            seed: config.provider_seed,
        },
        control_plane.shutdown.child_token(),
    )
    .await?;
    let info_json = serde_json::to_vec_pretty(&info).unwrap_or_default();
    kubeconfig::write_private(&config.info_out, &info_json).map_err(|source| {
        SandboxError::Write {
            path: config.info_out.clone(),
            source,
        }
    })?;
    Ok(Sandbox {
        app,
        control_plane,
        info,
        tasks,
        provider,
        _state: state_dir,
    })
}

impl Sandbox {
    pub fn info(&self) -> &SandboxInfo {
        &self.info
    }

    /// Stop serving and wait for the servers to finish.
    pub async fn shutdown(self) {
        self.provider.shutdown().await;
        self.app.shutdown.cancel();
        self.control_plane.shutdown.cancel();
        for t in self.tasks {
            let _ = t.await;
        }
    }
}
