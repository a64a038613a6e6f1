//! The sandbox's klutch-bind backend (bind-protocol.md §2 and §4): the HTTP
//! routes upstream's CLI binds through (OAuth2 code grant against any OIDC
//! issuer, BindingResponse to the CLI's loopback receiver), a headless bearer
//! extension for our own CLI, and the Control Plane controllers that turn export
//! requests into exports with RBAC for each App Cluster.
//!
//! Fixed against upstream (§6): ID tokens are verified (signature, issuer,
//! audience, expiry, nonce) and the code flow uses PKCE; the state is base64 URL
//! alphabet both ways; session ids come from a CSPRNG; cookies are HttpOnly,
//! SameSite=Lax and Secure over TLS; the template is looked up before anything is
//! made; requests without template or CRD fail with a condition naming it; no
//! flapping ClusterRoleBinding; the binder may GET its cluster namespace; the
//! BindingResponse only goes to a loopback receiver.

mod binder;
mod catalog;
mod controllers;
mod http;
pub mod oidc_client;
mod pages;
mod rbac;
pub mod session;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum_extra::extract::cookie::Key;
use klutch::bind::APIServiceExportSpec;
use sha2::{Digest, Sha256};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

pub use oidc_client::{OidcClientConfig, OidcClientError};

use crate::oidc::{Clock, SystemClock};

/// The backend version `/export` reports (the upstream release whose protocol this is).
pub const VERSION: &str = "v1.5.0";
/// The field manager of everything the backend writes.
pub const MANAGER: &str = "klutch-bind-backend";
/// How long a session lasts.
pub const SESSION_TTL: Duration = Duration::from_secs(3600);
/// Length of the cookie key (signing and encryption keys are derived from it).
pub const COOKIE_KEY_LEN: usize = 64;

/// Everything the backend needs.
#[derive(Clone)]
pub struct BackendConfig {
    /// The OIDC issuer and the backend's client there.
    pub oidc: OidcClientConfig,
    /// The redirect URI registered at the issuer, e.g. `http://127.0.0.1:PORT/callback`.
    pub callback_url: String,
    /// An admin client of the Control Plane.
    pub control_plane: kube::Client,
    /// The Control Plane URL the handed-out kubeconfigs point at.
    pub control_plane_server: String,
    /// The CA (PEM) those kubeconfigs trust.
    pub control_plane_ca_pem: String,
    /// 64 random bytes; keeps sessions valid across restarts when persisted.
    pub cookie_key: Vec<u8>,
    /// The provider name in ClusterBindings and on the catalogue page.
    pub pretty_name: String,
    /// Serve HTTPS with this config (cookies then get `Secure`); plain HTTP if `None`.
    pub tls: Option<Arc<rustls::ServerConfig>>,
    /// How long a session lasts.
    pub session_ttl: Duration,
    /// The time source of sessions and token expiry.
    pub clock: Arc<dyn Clock>,
}

impl std::fmt::Debug for BackendConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BackendConfig")
            .field("oidc", &self.oidc)
            .field("callback_url", &self.callback_url)
            .field("control_plane_server", &self.control_plane_server)
            .field("tls", &self.tls.is_some())
            .finish_non_exhaustive()
    }
}

impl BackendConfig {
    /// A config with the defaults: pretty name `anynines`, 1 h sessions, the
    /// system clock, plain HTTP.
    pub fn new(
        oidc: OidcClientConfig,
        callback_url: String,
        control_plane: kube::Client,
        control_plane_server: String,
        control_plane_ca_pem: String,
        cookie_key: Vec<u8>,
    ) -> Self {
        Self {
            oidc,
            callback_url,
            control_plane,
            control_plane_server,
            control_plane_ca_pem,
            cookie_key,
            pretty_name: "anynines".into(),
            tls: None,
            session_ttl: SESSION_TTL,
            clock: Arc::new(SystemClock),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum BackendError {
    #[error("the bind backend's cookie key must be {COOKIE_KEY_LEN} bytes, got {0}")]
    CookieKey(usize),
    #[error(transparent)]
    Oidc(#[from] OidcClientError),
    #[error("the bind backend could not read the Control Plane's {0} within 30 s")]
    Sync(&'static str),
    #[error("installing ClusterRole klutch-binder on the Control Plane failed: {0}")]
    Install(#[source] kube::Error),
    #[error("the bind backend cannot read its listener's address: {0}")]
    Listener(#[source] std::io::Error),
}

/// A running backend. Call [`Backend::shutdown`] to stop it.
pub struct Backend {
    url: String,
    stop: CancellationToken,
    tasks: Vec<JoinHandle<()>>,
}

/// A fresh cookie key.
pub fn generate_cookie_key() -> Vec<u8> {
    use rand::RngCore;
    let mut key = vec![0u8; COOKIE_KEY_LEN];
    rand::rng().fill_bytes(&mut key);
    key
}

/// The hash of the CRD-derived parts of an export spec (the
/// `source-spec-hash` annotation): SHA-256 of their JSON, hex.
pub fn spec_hash(spec: &APIServiceExportSpec) -> String {
    let parts = serde_json::json!({
        "group": spec.group, "names": spec.names, "scope": spec.scope, "versions": spec.versions,
    });
    let digest = Sha256::digest(serde_json::to_vec(&parts).unwrap_or_default());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

impl Backend {
    /// Start the catalogue, the controllers and the HTTP server on `listener`.
    pub async fn start(config: BackendConfig, listener: TcpListener) -> Result<Self, BackendError> {
        let key = Key::try_from(config.cookie_key.as_slice())
            .map_err(|_| BackendError::CookieKey(config.cookie_key.len()))?;
        let addr: SocketAddr = listener.local_addr().map_err(BackendError::Listener)?;
        let scheme = if config.tls.is_some() {
            "https"
        } else {
            "http"
        };
        let client = config.control_plane.clone();
        rbac::apply(
            &client,
            &rbac::cluster_roles(),
            None,
            rbac::binder_cluster_role(),
        )
        .await
        .map_err(BackendError::Install)?;
        let stop = CancellationToken::new();
        let mut tasks = Vec::new();
        let catalog = match catalog::Catalog::start(client.clone(), &stop, &mut tasks).await {
            Ok(c) => c,
            Err(e) => {
                stop.cancel();
                return Err(e);
            }
        };
        let oidc = oidc_client::OidcClient::new(
            config.oidc.clone(),
            &config.callback_url,
            config.clock.clone(),
        )?;
        tasks.extend(controllers::spawn(
            Arc::new(controllers::Ctx {
                client: client.clone(),
                catalog: catalog.clone(),
                clock: config.clock.clone(),
            }),
            &stop,
        ));
        let state = Arc::new(http::AppState {
            oidc,
            pending: session::PendingLogins::default(),
            catalog,
            binder: binder::Binder::new(
                client,
                &config.pretty_name,
                &config.control_plane_server,
                &config.control_plane_ca_pem,
            ),
            key,
            cookies: session::CookiePolicy {
                secure: config.tls.is_some(),
            },
            clock: config.clock.clone(),
            session_ttl: config.session_ttl,
            pretty_name: config.pretty_name.clone(),
            scheme,
            default_host: addr.to_string(),
        });
        let router = http::router(state);
        let shutdown = stop.clone().cancelled_owned();
        let url = format!("{scheme}://{addr}");
        let tls = config.tls.clone();
        let server = tokio::spawn({
            let url = url.clone();
            async move {
                crate::serve::router(router, listener, tls, &url, "bind-backend", shutdown).await
            }
        });
        tasks.push(server);
        tracing::info!(%url, issuer = %config.oidc.issuer_url, "bind backend ready");
        Ok(Self { url, stop, tasks })
    }

    /// The backend's base URL (`bindUrl`).
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Stop serving and the controllers; wait for them.
    pub async fn shutdown(self) {
        self.stop.cancel();
        for task in self.tasks {
            let _ = task.await;
        }
    }
}
