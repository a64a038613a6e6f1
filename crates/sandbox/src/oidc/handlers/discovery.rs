//! Discovery document, JWKS and userinfo.

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::http::header::AUTHORIZATION;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::super::error::{ErrorCode, OAuthError};
use super::super::tokens::UserInfo;
use super::super::{Inner, SUPPORTED_SCOPES};
use super::{DEVICE_CODE_GRANT, paths};

pub(super) async fn configuration(State(inner): State<Arc<Inner>>) -> Response {
    Json(json!({
        "issuer": inner.issuer,
        "authorization_endpoint": inner.endpoint(paths::AUTHORIZE),
        "token_endpoint": inner.endpoint(paths::TOKEN),
        "userinfo_endpoint": inner.endpoint(paths::USERINFO),
        "jwks_uri": inner.endpoint(paths::JWKS),
        "device_authorization_endpoint": inner.endpoint(paths::DEVICE_AUTHORIZATION),
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["ES256"],
        "scopes_supported": SUPPORTED_SCOPES,
        "token_endpoint_auth_methods_supported":
            ["client_secret_basic", "client_secret_post", "none"],
        "grant_types_supported":
            ["authorization_code", "refresh_token", "password", DEVICE_CODE_GRANT],
        "code_challenge_methods_supported": ["S256"],
        "claims_supported": ["iss", "sub", "aud", "exp", "iat", "auth_time", "nonce", "azp",
            "at_hash", "email", "email_verified", "name", "preferred_username"],
    }))
    .into_response()
}

pub(super) async fn jwks(State(inner): State<Arc<Inner>>) -> Response {
    Json(inner.key.jwks()).into_response()
}

pub(super) async fn userinfo(State(inner): State<Arc<Inner>>, headers: HeaderMap) -> Response {
    let token = headers
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .map(str::trim);
    let Some(token) = token else {
        return OAuthError::new(ErrorCode::InvalidToken, "a Bearer access token is required")
            .into_response();
    };
    match inner.store.access_grant(token, inner.now()) {
        Some(grant) => Json(UserInfo::of(&grant.user)).into_response(),
        None => OAuthError::new(
            ErrorCode::InvalidToken,
            "the access token is unknown, expired or revoked",
        )
        .into_response(),
    }
}
