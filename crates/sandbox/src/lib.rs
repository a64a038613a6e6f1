//! The klutch-tui sandbox: two emulated Kubernetes API servers (App and Control Plane)
//! served over HTTPS, and the Klutch Control Plane around them.
//!
//! Knows nothing of the TUI; depends only on the `klutch` domain crate.

#![cfg_attr(test, allow(clippy::unwrap_used))]

pub mod apiserver;
pub mod backend;
pub mod controlplane;
mod files;
mod kubeconfig;
pub mod oidc;
pub mod provider;
mod serve;
mod state;
pub mod tls;
pub mod workloads;

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

/// The user every sandbox has (its password is the same word).
pub const DEFAULT_USER: &str = "developer";
/// The client id of the bind backend at the development issuer.
pub const BIND_CLIENT_ID: &str = "klutch-bind";
/// The public client id of our own CLI at the development issuer (device flow,
/// password grant, loopback code flow); its ID tokens are accepted by the
/// backend's headless `POST /bind/token`.
pub const CLI_CLIENT_ID: &str = "klutch-tui";

/// How to start a sandbox.
#[derive(Clone)]
pub struct SandboxConfig {
    pub listen: IpAddr,
    pub kubeconfig_out: PathBuf,
    pub info_out: PathBuf,
    /// Persist objects (and the CA, tokens and ports) here; in memory when `None`.
    pub state_dir: Option<PathBuf>,
    /// How many past events a watch may resume from before it gets 410 Gone.
    pub watch_history: usize,
    /// More `(name, password)` users of the development OIDC issuer (besides
    /// `developer`/`developer`; naming `developer` replaces its password).
    pub users: Vec<(String, String)>,
    /// Use this external OIDC issuer (Dex, Keycloak, ...) for the bind backend
    /// instead of the development one; its client must allow the callback
    /// `http://127.0.0.1:<bind_port>/callback`.
    pub bind_issuer: Option<backend::OidcClientConfig>,
    /// Port of the bind backend; 0 lets the OS choose (or keeps the stored one).
    pub bind_port: u16,
    /// How long the simulated anynines provider takes to provision an instance (bindings,
    /// backups and restores scale with it); zero makes every step immediate.
    pub provision_delay: Duration,
    /// The share (0.0–1.0) of provider steps that fail (failure injection).
    pub fail_rate: f64,
    /// Seed of the provider's random numbers (failure injection, ids); `None`: from the OS.
    pub provider_seed: Option<u64>,
    /// Runs the App Cluster's Deployments it recognises in-process (a simulated kubelet for
    /// those workloads); `None`: Deployments are only stored.
    pub workloads: Option<Arc<dyn workloads::WorkloadRunner>>,
}

impl std::fmt::Debug for SandboxConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let users: Vec<&str> = self.users.iter().map(|(u, _)| u.as_str()).collect();
        f.debug_struct("SandboxConfig")
            .field("listen", &self.listen)
            .field("kubeconfig_out", &self.kubeconfig_out)
            .field("info_out", &self.info_out)
            .field("state_dir", &self.state_dir)
            .field("watch_history", &self.watch_history)
            .field("users", &users)
            .field("bind_issuer", &self.bind_issuer)
            .field("bind_port", &self.bind_port)
            .field("provision_delay", &self.provision_delay)
            .field("fail_rate", &self.fail_rate)
            .field("provider_seed", &self.provider_seed)
            .field("workloads", &self.workloads.is_some())
            .finish()
    }
}

impl Default for SandboxConfig {
    fn default() -> Self {
        Self {
            listen: IpAddr::from([127, 0, 0, 1]),
            kubeconfig_out: PathBuf::from("kubeconfig"),
            info_out: PathBuf::from("sandbox.json"),
            state_dir: None,
            watch_history: apiserver::store::DEFAULT_HISTORY,
            users: Vec::new(),
            bind_issuer: None,
            bind_port: 0,
            provision_delay: provider::DEFAULT_PROVISION_DELAY,
            fail_rate: 0.0,
            provider_seed: None,
            workloads: None,
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
    /// The klutch-bind backend (`klutch-bind <bindUrl>/export`).
    pub bind_url: String,
    /// The OIDC issuer the backend logs users in with.
    pub oidc_issuer: String,
    /// A user of the development issuer (absent with an external issuer).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    /// That user's password.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub password: Option<String>,
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
    Backend(#[from] backend::BackendError),
    #[error(transparent)]
    Oidc(#[from] oidc::OidcError),
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
    backend: backend::Backend,
    /// Stops the development OIDC issuer.
    oidc_stop: tokio_util::sync::CancellationToken,
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
    let loopback = IpAddr::from([127, 0, 0, 1]);
    let bind_port = if config.bind_port != 0 {
        config.bind_port
    } else {
        secrets.bind_port
    };
    let bind_listener = bind(loopback, bind_port).await?;
    let oidc_listener = match config.bind_issuer {
        None => Some(bind(loopback, secrets.oidc_port).await?),
        Some(_) => None,
    };
    let port_of = |l: &TcpListener| {
        l.local_addr()
            .map(|a| a.port())
            .map_err(|source| SandboxError::Listen {
                addr: SocketAddr::new(loopback, 0),
                source,
            })
    };
    let bind_port = port_of(&bind_listener)?;
    let oidc_port = oidc_listener.as_ref().map(port_of).transpose()?;
    let oidc_key = match secrets.oidc_key.as_slice() {
        [] => oidc::SigningKey::generate()?,
        der => oidc::SigningKey::from_pkcs8_der(der)?,
    };
    let cookie_key = match secrets.cookie_key.len() {
        backend::COOKIE_KEY_LEN => secrets.cookie_key.clone(),
        _ => backend::generate_cookie_key(),
    };
    if let Some(s) = &state_dir {
        s.save(&state::Secrets {
            app_port: app_addr.port(),
            cp_port: cp_addr.port(),
            bind_port,
            oidc_port: oidc_port.unwrap_or(secrets.oidc_port),
            oidc_key: oidc_key.to_pkcs8_der(),
            cookie_key: cookie_key.clone(),
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
    if let Some(runner) = config.workloads.clone() {
        workloads::spawn(app.clone(), runner);
    }
    let mut tasks = vec![
        tokio::spawn(apiserver::serve(app.clone(), app_listener, tls.clone())),
        tokio::spawn(apiserver::serve(control_plane.clone(), cp_listener, tls)),
    ];
    let bind_url = format!("http://{loopback}:{bind_port}");
    let callback_url = format!("{bind_url}/callback");
    let oidc_stop = tokio_util::sync::CancellationToken::new();
    let (oidc_config, user) = match (config.bind_issuer.clone(), oidc_listener) {
        (Some(external), _) => (external, None),
        (None, Some(listener)) => {
            let (issuer, client) = dev_issuer(&config, oidc_key, &listener, &callback_url)?;
            let stop = oidc_stop.clone();
            let issuer_url = issuer.issuer_url().to_owned();
            tasks.push(tokio::spawn(async move {
                if let Err(error) = issuer.serve(listener, stop.cancelled_owned()).await {
                    tracing::error!(%error, "OIDC issuer stopped");
                }
            }));
            let password = dev_users(&config.users)
                .into_iter()
                .find(|(u, _)| u == DEFAULT_USER)
                .map(|(_, p)| p);
            (
                backend::OidcClientConfig {
                    issuer_url,
                    client_id: client.id.clone(),
                    client_secret: client.secret.clone(),
                    extra_audiences: vec![CLI_CLIENT_ID.to_owned()],
                    ca_pem: None,
                },
                password.map(|p| (DEFAULT_USER.to_owned(), p)),
            )
        }
        (None, None) => {
            return Err(SandboxError::Client(
                "the OIDC issuer has no listener (internal error)".into(),
            ));
        }
    };
    let info = SandboxInfo {
        kubeconfig: config.kubeconfig_out.clone(),
        app_server: url(app_addr),
        control_plane_server: url(cp_addr),
        bind_url: bind_url.clone(),
        oidc_issuer: oidc_config.issuer_url.clone(),
        username: user.as_ref().map(|(u, _)| u.clone()),
        password: user.map(|(_, p)| p),
    };
    let kc = kubeconfig::render(
        &ca.cert_pem,
        &info.app_server,
        &secrets.app_token,
        &info.control_plane_server,
        &secrets.cp_token,
    );
    files::write_private(&config.kubeconfig_out, kc.as_bytes()).map_err(|source| {
        SandboxError::Write {
            path: config.kubeconfig_out.clone(),
            source,
        }
    })?;
    let cp_client = client_for(&kc, CONTROL_PLANE_CONTEXT).await?;
    controlplane::install(&cp_client).await?;
    let provider = provider::spawn(
        cp_client.clone(),
        provider::ProviderConfig {
            provision_delay: config.provision_delay,
            fail_rate: config.fail_rate,
            seed: config.provider_seed,
        },
        control_plane.shutdown.child_token(),
    )
    .await?;
    let backend = backend::Backend::start(
        backend::BackendConfig::new(
            oidc_config,
            callback_url,
            cp_client,
            info.control_plane_server.clone(),
            ca.cert_pem.clone(),
            cookie_key,
        ),
        bind_listener,
    )
    .await?;
    let info_json = serde_json::to_vec_pretty(&info).unwrap_or_default();
    files::write_private(&config.info_out, &info_json).map_err(|source| SandboxError::Write {
        path: config.info_out.clone(),
        source,
    })?;
    Ok(Sandbox {
        app,
        control_plane,
        info,
        tasks,
        backend,
        oidc_stop,
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
        self.backend.shutdown().await;
        self.oidc_stop.cancel();
        self.provider.shutdown().await;
        // Wait for every connection, watch and controller of both servers: when this
        // returns, their stores are closed and a sandbox may start on the same state.
        tokio::join!(self.app.stop(), self.control_plane.stop());
        for t in self.tasks {
            let _ = t.await;
        }
    }
}

/// `developer`/`developer` plus the configured users (a configured `developer`
/// replaces the default password).
fn dev_users(extra: &[(String, String)]) -> Vec<(String, String)> {
    let mut users = Vec::with_capacity(extra.len() + 1);
    if !extra.iter().any(|(u, _)| u == DEFAULT_USER) {
        users.push((DEFAULT_USER.to_owned(), DEFAULT_USER.to_owned()));
    }
    users.extend(extra.iter().cloned());
    users
}

/// The development issuer on `listener`, with the backend's confidential client
/// (a secret made for this run: both live in this process) and our CLI's public one.
fn dev_issuer(
    config: &SandboxConfig,
    key: oidc::SigningKey,
    listener: &TcpListener,
    callback_url: &str,
) -> Result<(oidc::OidcIssuer, oidc::Client), SandboxError> {
    let addr = listener
        .local_addr()
        .map_err(|source| SandboxError::Listen {
            addr: SocketAddr::new(IpAddr::from([127, 0, 0, 1]), 0),
            source,
        })?;
    let backend_client =
        oidc::Client::confidential(BIND_CLIENT_ID, &state::random_token(), &[callback_url]);
    let cli_client = oidc::Client::public(CLI_CLIENT_ID, &["http://127.0.0.1/callback"]);
    let mut issuer_config = oidc::IssuerConfig::new(
        &format!("http://{addr}"),
        dev_users(&config.users),
        vec![backend_client.clone(), cli_client],
    );
    issuer_config.signing_key = Some(key);
    Ok((oidc::OidcIssuer::new(issuer_config)?, backend_client))
}
