//! The sandbox's development OIDC issuer: discovery, JWKS, the authorization
//! code flow with a login page (PKCE S256 required for public clients), refresh
//! tokens, the device flow (RFC 8628) with a verification page, the password
//! grant for headless tests, and userinfo. ID tokens are ES256 JWTs; access and
//! refresh tokens are opaque. Everything lives in memory.
//!
//! Never logs a token, code or password.

mod config;
mod error;
mod handlers;
mod keys;
mod pages;
mod params;
mod store;
mod tokens;

use std::collections::HashMap;
use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use axum::Router;
use tokio::net::TcpListener;

pub use config::{Client, Clock, IssuerConfig, SystemClock};
pub use error::{ErrorCode, IdTokenError, OAuthError, OidcError};
pub use keys::SigningKey;
pub use tokens::{IdTokenClaims, UserInfo};

use error::ErrorCode as Code;
pub(crate) use params::secrets_equal;
use store::{Grant, Store};
use tokens::TokenResponse;

/// Scopes the issuer knows; others are refused with `invalid_scope`.
pub const SUPPORTED_SCOPES: [&str; 5] = ["openid", "profile", "email", "offline_access", "groups"];
/// The scope used when a token request names none.
const DEFAULT_SCOPE: &str = "openid profile email offline_access";

/// A running-or-ready issuer; cheap to clone.
#[derive(Clone)]
pub struct OidcIssuer {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for OidcIssuer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OidcIssuer")
            .field("issuer", &self.inner.issuer)
            .finish_non_exhaustive()
    }
}

/// The shared state of the handlers.
pub(crate) struct Inner {
    issuer: String,
    base_path: String,
    users: HashMap<String, String>,
    clients: HashMap<String, Client>,
    token_ttl: Duration,
    refresh_token_ttl: Duration,
    code_ttl: Duration,
    device_code_ttl: Duration,
    device_poll_interval: Duration,
    key: SigningKey,
    clock: Arc<dyn Clock>,
    store: Store,
}

impl OidcIssuer {
    /// Check the configuration and build the issuer (generating a key if none is given).
    pub fn new(mut config: IssuerConfig) -> Result<Self, OidcError> {
        let url = config.validate()?;
        let key = match config.signing_key.take() {
            Some(key) => key,
            None => SigningKey::generate()?,
        };
        let base_path = url.path().trim_end_matches('/').to_owned();
        let inner = Inner {
            issuer: config.issuer_url,
            base_path,
            users: config.users.into_iter().collect(),
            clients: config
                .clients
                .into_iter()
                .map(|c| (c.id.clone(), c))
                .collect(),
            token_ttl: config.token_ttl,
            refresh_token_ttl: config.refresh_token_ttl,
            code_ttl: config.code_ttl,
            device_code_ttl: config.device_code_ttl,
            device_poll_interval: config.device_poll_interval,
            key,
            clock: config.clock,
            store: Store::default(),
        };
        Ok(Self {
            inner: Arc::new(inner),
        })
    }

    /// The issuer identifier (no trailing slash).
    pub fn issuer_url(&self) -> &str {
        &self.inner.issuer
    }

    /// The signing key, e.g. to persist it with [`SigningKey::to_pkcs8_der`].
    pub fn signing_key(&self) -> &SigningKey {
        &self.inner.key
    }

    /// The routes of the issuer, below the issuer URL's path.
    pub fn router(&self) -> Router {
        handlers::router(self.inner.clone())
    }

    /// Serve plain HTTP on `listener` until `shutdown` completes.
    pub async fn serve(
        self,
        listener: TcpListener,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> Result<(), OidcError> {
        let url = self.inner.issuer.clone();
        crate::serve::router(self.router(), listener, None, &url, "oidc", shutdown).await;
        Ok(())
    }

    /// Serve HTTPS on `listener` until `shutdown` completes.
    pub async fn serve_tls(
        self,
        listener: TcpListener,
        tls: Arc<rustls::ServerConfig>,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> Result<(), OidcError> {
        let url = self.inner.issuer.clone();
        crate::serve::router(self.router(), listener, Some(tls), &url, "oidc", shutdown).await;
        Ok(())
    }

    /// Verify an ID token of this issuer for any registered client: signature,
    /// issuer, audience and expiry (against the issuer's clock).
    pub fn verify_id_token(&self, token: &str) -> Result<IdTokenClaims, IdTokenError> {
        let inner = &self.inner;
        let audiences: Vec<&str> = inner.clients.keys().map(String::as_str).collect();
        tokens::verify(token, &inner.key, &inner.issuer, &audiences, inner.now())
    }
}

impl Inner {
    fn now(&self) -> SystemTime {
        self.clock.now()
    }

    /// The absolute URL of an endpoint path.
    fn endpoint(&self, path: &str) -> String {
        format!("{}{path}", self.issuer)
    }

    /// The path of an endpoint as the browser sees it (below the issuer's path).
    fn local_path(&self, path: &str) -> String {
        format!("{}{path}", self.base_path)
    }

    fn client(&self, id: &str) -> Option<&Client> {
        self.clients.get(id)
    }

    /// Check a user's password in constant time (also for unknown users).
    fn check_password(&self, username: &str, password: &str) -> bool {
        match self.users.get(username) {
            Some(expected) => secrets_equal(expected, password),
            None => {
                let _ = secrets_equal(password, password);
                false
            }
        }
    }

    /// Check a requested scope; `None` gives the default.
    fn scope(&self, requested: Option<&str>) -> Result<String, OAuthError> {
        let requested = requested.unwrap_or(DEFAULT_SCOPE);
        let mut scopes: Vec<&str> = Vec::new();
        for scope in requested.split_ascii_whitespace() {
            if !SUPPORTED_SCOPES.contains(&scope) {
                return Err(OAuthError::new(
                    Code::InvalidScope,
                    format!(
                        "unknown scope {scope:?}; supported: {}",
                        SUPPORTED_SCOPES.join(" ")
                    ),
                ));
            }
            if !scopes.contains(&scope) {
                scopes.push(scope);
            }
        }
        Ok(scopes.join(" "))
    }

    /// Issue access, refresh and (with the `openid` scope) ID tokens for a grant.
    fn issue(
        &self,
        grant: &Grant,
        nonce: Option<&str>,
        from_code: Option<&str>,
    ) -> Result<TokenResponse, OAuthError> {
        let now = self.now();
        let tokens = self.store.issue_tokens(
            grant,
            now + self.token_ttl,
            now + self.refresh_token_ttl,
            from_code,
            now,
        );
        let id_token = if grant.scope.split(' ').any(|s| s == "openid") {
            let profile = UserInfo::of(&grant.user);
            let claims = IdTokenClaims {
                iss: self.issuer.clone(),
                sub: profile.sub,
                aud: grant.client_id.clone(),
                exp: tokens::epoch_seconds(now + self.token_ttl),
                iat: tokens::epoch_seconds(now),
                auth_time: tokens::epoch_seconds(grant.auth_time),
                nonce: nonce.map(str::to_owned),
                azp: grant.client_id.clone(),
                at_hash: Some(tokens::access_token_hash(&tokens.access_token)),
                email: profile.email,
                email_verified: profile.email_verified,
                name: profile.name,
                preferred_username: profile.preferred_username,
            };
            let signed = self.key.sign(&claims).map_err(|e| {
                tracing::error!(error = %e, "cannot sign an ID token");
                OAuthError::new(Code::ServerError, "the issuer cannot sign tokens")
            })?;
            Some(signed)
        } else {
            None
        };
        tracing::info!(user = %grant.user, client = %grant.client_id, scope = %grant.scope,
            "issued tokens");
        Ok(TokenResponse {
            access_token: tokens.access_token,
            token_type: "Bearer",
            expires_in: self.token_ttl.as_secs(),
            refresh_token: tokens.refresh_token,
            id_token,
            scope: grant.scope.clone(),
        })
    }
}
