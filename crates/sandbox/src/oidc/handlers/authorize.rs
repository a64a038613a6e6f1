//! The authorization endpoint of the code flow: GET shows the login form, POST
//! checks the credentials and redirects back with `code` and `state`.
//!
//! Requests naming an unknown client or an unregistered redirect URI get an error
//! page and are never redirected (RFC 6749 §4.1.2.1); other errors are redirected.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use url::Url;

use super::super::error::{ErrorCode, OAuthError};
use super::super::params::Params;
use super::super::store::{AuthCode, Grant};
use super::super::{Inner, pages};
use super::paths;

/// A validated authorization request.
struct AuthRequest {
    client_id: String,
    redirect_uri: String,
    scope: String,
    state: Option<String>,
    nonce: Option<String>,
    code_challenge: Option<String>,
}

/// Why a request cannot go on.
enum Refusal {
    /// Shown to the user; the client is not trusted with a redirect.
    Page(StatusCode, String),
    /// Sent back to the client's redirect URI.
    Redirect {
        redirect_uri: String,
        state: Option<String>,
        error: OAuthError,
    },
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        match self {
            Refusal::Page(status, message) => (
                status,
                Html(pages::message("Login request refused", &message)),
            )
                .into_response(),
            Refusal::Redirect {
                redirect_uri,
                state,
                error,
            } => {
                let mut pairs = vec![
                    ("error", error.code.as_str().to_owned()),
                    ("error_description", error.description),
                ];
                pairs.extend(state.map(|s| ("state", s)));
                redirect(&redirect_uri, &pairs)
            }
        }
    }
}

/// A 303 to `uri` with `pairs` added to its query.
fn redirect(uri: &str, pairs: &[(&str, String)]) -> Response {
    let Ok(mut url) = Url::parse(uri) else {
        // Redirect URIs were parsed when they were registered or matched.
        return (StatusCode::BAD_REQUEST, "invalid redirect_uri").into_response();
    };
    url.query_pairs_mut()
        .extend_pairs(pairs.iter().map(|(k, v)| (*k, v.as_str())));
    (StatusCode::SEE_OTHER, [(header::LOCATION, url.to_string())]).into_response()
}

/// A valid PKCE S256 challenge: base64url of 32 bytes (RFC 7636 §4.2).
fn valid_challenge(challenge: &str) -> bool {
    challenge.len() == 43
        && challenge
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

fn validate(inner: &Inner, params: &Params) -> Result<AuthRequest, Refusal> {
    let page = |message: String| Refusal::Page(StatusCode::BAD_REQUEST, message);
    let client_id = params
        .get("client_id")
        .ok_or_else(|| page("The request names no client (client_id is missing).".into()))?;
    let client = inner
        .client(client_id)
        .ok_or_else(|| page(format!("Unknown client {client_id:?}.")))?;
    let redirect_uri = params
        .get("redirect_uri")
        .ok_or_else(|| page("The request has no redirect_uri.".into()))?;
    if !client.allows_redirect(redirect_uri) {
        return Err(page(format!(
            "The redirect_uri {redirect_uri:?} is not registered for client {client_id:?}."
        )));
    }
    let state = params.get("state").map(str::to_owned);
    let refuse = |code: ErrorCode, description: String| Refusal::Redirect {
        redirect_uri: redirect_uri.to_owned(),
        state: state.clone(),
        error: OAuthError::new(code, description),
    };
    match params.get("response_type") {
        Some("code") => {}
        Some(other) => {
            return Err(refuse(
                ErrorCode::UnsupportedResponseType,
                format!("response_type {other:?} is not supported; use \"code\""),
            ));
        }
        None => {
            return Err(refuse(
                ErrorCode::InvalidRequest,
                "response_type is missing".into(),
            ));
        }
    }
    let scope = inner
        .scope(params.get("scope"))
        .map_err(|e| refuse(e.code, e.description))?;
    let code_challenge = match (
        params.get("code_challenge"),
        params.get("code_challenge_method"),
    ) {
        (Some(challenge), Some("S256")) if valid_challenge(challenge) => Some(challenge.to_owned()),
        (Some(_), Some("S256")) => {
            return Err(refuse(
                ErrorCode::InvalidRequest,
                "code_challenge is not a base64url SHA-256 value".into(),
            ));
        }
        (Some(_), _) => {
            return Err(refuse(
                ErrorCode::InvalidRequest,
                "code_challenge_method must be S256 (plain is not supported)".into(),
            ));
        }
        (None, _) if client.secret.is_none() => {
            return Err(refuse(
                ErrorCode::InvalidRequest,
                format!("client {client_id:?} is public and must use PKCE (S256)"),
            ));
        }
        (None, _) => None,
    };
    Ok(AuthRequest {
        client_id: client_id.to_owned(),
        redirect_uri: redirect_uri.to_owned(),
        scope,
        state,
        nonce: params.get("nonce").map(str::to_owned),
        code_challenge,
    })
}

fn parse_query(query: Option<&str>) -> Result<Params, Refusal> {
    Params::parse(query.unwrap_or_default().as_bytes())
        .map_err(|e| Refusal::Page(StatusCode::BAD_REQUEST, e.description))
}

/// The form posts back to the same URL, so the request travels with it.
fn form_action(inner: &Inner, query: Option<&str>) -> String {
    format!(
        "{}?{}",
        inner.local_path(paths::AUTHORIZE),
        query.unwrap_or_default()
    )
}

pub(super) async fn show(State(inner): State<Arc<Inner>>, RawQuery(query): RawQuery) -> Response {
    let request = match parse_query(query.as_deref()).and_then(|p| validate(&inner, &p)) {
        Ok(request) => request,
        Err(refusal) => return refusal.into_response(),
    };
    let action = form_action(&inner, query.as_deref());
    Html(pages::login(&action, &request.client_id, None)).into_response()
}

pub(super) async fn submit(
    State(inner): State<Arc<Inner>>,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> Response {
    let request = match parse_query(query.as_deref()).and_then(|p| validate(&inner, &p)) {
        Ok(request) => request,
        Err(refusal) => return refusal.into_response(),
    };
    let form = match Params::parse(&body) {
        Ok(form) => form,
        Err(e) => return Refusal::Page(StatusCode::BAD_REQUEST, e.description).into_response(),
    };
    if form.get("action") == Some("deny") {
        return Refusal::Redirect {
            redirect_uri: request.redirect_uri,
            state: request.state,
            error: OAuthError::new(ErrorCode::AccessDenied, "the user cancelled the login"),
        }
        .into_response();
    }
    let username = form.get("username").unwrap_or_default();
    let password = form.get("password").unwrap_or_default();
    if !inner.check_password(username, password) {
        tracing::warn!(user = %username, client = %request.client_id, "login failed");
        let action = form_action(&inner, query.as_deref());
        return (
            StatusCode::UNAUTHORIZED,
            Html(pages::login(
                &action,
                &request.client_id,
                Some("Invalid username or password"),
            )),
        )
            .into_response();
    }
    let now = inner.now();
    let code = inner.store.insert_code(
        AuthCode {
            grant: Grant {
                user: username.to_owned(),
                client_id: request.client_id.clone(),
                scope: request.scope,
                auth_time: now,
            },
            redirect_uri: request.redirect_uri.clone(),
            nonce: request.nonce,
            code_challenge: request.code_challenge,
            expires: now + inner.code_ttl,
        },
        now,
    );
    tracing::info!(user = %username, client = %request.client_id, "login succeeded");
    let mut pairs = vec![("code", code)];
    pairs.extend(request.state.map(|s| ("state", s)));
    redirect(&request.redirect_uri, &pairs)
}
