//! The backend's HTTP routes (bind-protocol.md §2): `/export`, `/authorize`,
//! `/callback`, `/resources`, `/bind`, plus the headless extension
//! (`/.well-known/oauth-protected-resource`, `GET /bind/exports`, `POST /bind/token`). Errors are plain pages (JSON for the headless route) that
//! say what went wrong and what to do.

mod bind;
mod headless;
mod login;

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::FromRef;
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum_extra::extract::cookie::Key;

use super::binder::Binder;
use super::catalog::Catalog;
use super::oidc_client::OidcClient;
use super::pages;
use super::session::{CookiePolicy, PendingLogins};
use crate::oidc::Clock;

/// What the handlers share.
pub struct AppState {
    pub oidc: OidcClient,
    pub pending: PendingLogins,
    pub catalog: Arc<Catalog>,
    pub binder: Binder,
    pub key: Key,
    pub cookies: CookiePolicy,
    pub clock: Arc<dyn Clock>,
    pub session_ttl: Duration,
    pub pretty_name: String,
    /// `http` or `https`: how `/export` names `/authorize`.
    pub scheme: &'static str,
    /// `host:port` to use when a request has no Host header.
    pub default_host: String,
}

#[derive(Clone)]
pub struct Shared(pub Arc<AppState>);

impl FromRef<Shared> for Key {
    fn from_ref(state: &Shared) -> Key {
        state.0.key.clone()
    }
}

pub fn router(state: Arc<AppState>) -> Router {
    Router::new()
        .route("/export", get(login::export))
        .route("/authorize", get(login::authorize))
        .route("/callback", get(login::callback))
        .route("/resources", get(bind::resources))
        .route("/bind", get(bind::bind))
        .route(klutch::bind::BIND_TOKEN_PATH, post(bind::bind_token))
        .route(klutch::bind::BIND_EXPORTS_PATH, get(headless::exports))
        .route(
            klutch::bind::PROTECTED_RESOURCE_PATH,
            get(headless::protected_resource),
        )
        .with_state(Shared(state))
}

/// A refusal shown to a person: status, title and a message that says what to do.
pub(crate) fn refuse(status: StatusCode, title: &str, message: &str) -> Response {
    tracing::info!(%status, %message, "bind backend: request refused");
    (
        status,
        [(header::CACHE_CONTROL, "no-store")],
        Html(pages::message(title, message)),
    )
        .into_response()
}

/// A `302 Found` (what upstream sends) to `location`.
pub(crate) fn found(location: &str) -> Response {
    (
        StatusCode::FOUND,
        [
            (header::LOCATION, location.to_owned()),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
    )
        .into_response()
}
