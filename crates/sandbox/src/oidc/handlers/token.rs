//! The token endpoint: authorization_code (with PKCE), refresh_token, password,
//! and device_code polling. Answers are JSON, never cached.

use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};

use super::super::Inner;
use super::super::config::Client;
use super::super::error::{ErrorCode, OAuthError};
use super::super::params::{Params, authenticate_client, secrets_equal};
use super::super::store::{Grant, Redeemed};
use super::super::tokens::TokenResponse;
use super::{DEVICE_CODE_GRANT, device};

pub(super) async fn token(
    State(inner): State<Arc<Inner>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    match handle(&inner, &headers, &body) {
        Ok(tokens) => {
            let mut response = Json(tokens).into_response();
            response
                .headers_mut()
                .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            response
        }
        Err(error) => {
            tracing::info!(error = error.code.as_str(), description = %error.description,
                "token request refused");
            error.into_response()
        }
    }
}

fn handle(inner: &Inner, headers: &HeaderMap, body: &[u8]) -> Result<TokenResponse, OAuthError> {
    let params = Params::parse(body)?;
    let grant_type = params.require("grant_type")?;
    let client = authenticate_client(headers, &params, |id| inner.client(id))?;
    match grant_type {
        "authorization_code" => authorization_code(inner, client, &params),
        "refresh_token" => refresh(inner, client, &params),
        "password" => password(inner, client, &params),
        DEVICE_CODE_GRANT => device::poll(inner, client, &params),
        other => Err(OAuthError::new(
            ErrorCode::UnsupportedGrantType,
            format!("grant_type {other:?} is not supported"),
        )),
    }
}

fn invalid_grant(description: impl Into<String>) -> OAuthError {
    OAuthError::new(ErrorCode::InvalidGrant, description)
}

/// A valid PKCE verifier: 43–128 unreserved characters (RFC 7636 §4.1).
fn valid_verifier(verifier: &str) -> bool {
    (43..=128).contains(&verifier.len())
        && verifier
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'))
}

fn authorization_code(
    inner: &Inner,
    client: &Client,
    params: &Params,
) -> Result<TokenResponse, OAuthError> {
    let code_value = params.require("code")?;
    let redirect_uri = params.require("redirect_uri")?;
    let code = match inner.store.redeem_code(code_value, inner.now()) {
        Redeemed::Valid(code) => code,
        Redeemed::Expired => return Err(invalid_grant("the authorization code expired")),
        Redeemed::Replayed => {
            tracing::warn!(client = %client.id, "authorization code replayed; tokens revoked");
            return Err(invalid_grant(
                "the authorization code was already used; the tokens issued for it are revoked",
            ));
        }
        Redeemed::Unknown => {
            return Err(invalid_grant(
                "the authorization code is unknown or expired",
            ));
        }
    };
    if code.grant.client_id != client.id {
        return Err(invalid_grant(
            "the authorization code was issued to another client",
        ));
    }
    if code.redirect_uri != redirect_uri {
        return Err(invalid_grant(
            "redirect_uri does not match the one of the authorization request",
        ));
    }
    match (&code.code_challenge, params.get("code_verifier")) {
        (Some(challenge), Some(verifier)) => {
            let computed = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
            if !valid_verifier(verifier) || !secrets_equal(&computed, challenge) {
                return Err(invalid_grant(
                    "PKCE verification failed: code_verifier does not match the code_challenge",
                ));
            }
        }
        (Some(_), None) => {
            return Err(invalid_grant(
                "code_verifier is required: the request used PKCE",
            ));
        }
        (None, Some(_)) => {
            return Err(invalid_grant(
                "code_verifier given, but the authorization request had no code_challenge",
            ));
        }
        (None, None) => {}
    }
    inner.issue(&code.grant, code.nonce.as_deref(), Some(code_value))
}

fn refresh(inner: &Inner, client: &Client, params: &Params) -> Result<TokenResponse, OAuthError> {
    let token = params.require("refresh_token")?;
    let mut grant = inner
        .store
        .take_refresh(token, &client.id, inner.now())
        .ok_or_else(|| {
            invalid_grant("the refresh token is unknown, expired, used or of another client")
        })?;
    if let Some(asked) = params.get("scope") {
        let asked = inner.scope(Some(asked))?;
        let granted: Vec<&str> = grant.scope.split(' ').collect();
        if let Some(extra) = asked.split(' ').find(|s| !granted.contains(s)) {
            return Err(OAuthError::new(
                ErrorCode::InvalidScope,
                format!("scope {extra:?} was not granted originally"),
            ));
        }
        grant.scope = asked;
    }
    inner.issue(&grant, None, None)
}

fn password(inner: &Inner, client: &Client, params: &Params) -> Result<TokenResponse, OAuthError> {
    let username = params.require("username")?;
    let password = params.require("password")?;
    let scope = inner.scope(params.get("scope"))?;
    if !inner.check_password(username, password) {
        tracing::warn!(user = %username, client = %client.id, "password grant: login failed");
        return Err(invalid_grant("invalid username or password"));
    }
    let grant = Grant {
        user: username.to_owned(),
        client_id: client.id.clone(),
        scope,
        auth_time: inner.now(),
    };
    inner.issue(&grant, None, None)
}
