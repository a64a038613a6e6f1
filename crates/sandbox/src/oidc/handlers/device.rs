//! The device flow (RFC 8628): the device authorization endpoint, the
//! verification page where a person types the user code and logs in, and the
//! polling answers of the token endpoint.

use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use serde::Serialize;

use super::super::config::Client;
use super::super::error::{ErrorCode, OAuthError};
use super::super::params::{Params, authenticate_client};
use super::super::store::{DevicePoll, display_user_code};
use super::super::tokens::TokenResponse;
use super::super::{Inner, pages};
use super::paths;

#[derive(Serialize)]
struct DeviceAuthorization {
    device_code: String,
    user_code: String,
    verification_uri: String,
    verification_uri_complete: String,
    expires_in: u64,
    interval: u64,
}

pub(super) async fn authorize(
    State(inner): State<Arc<Inner>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let started = Params::parse(&body).and_then(|params| {
        let client = authenticate_client(&headers, &params, |id| inner.client(id))?;
        let scope = inner.scope(params.get("scope"))?;
        Ok((client.id.clone(), scope))
    });
    let (client_id, scope) = match started {
        Ok(ok) => ok,
        Err(error) => return error.into_response(),
    };
    let now = inner.now();
    let Some(start) = inner.store.start_device(
        &client_id,
        &scope,
        now + inner.device_code_ttl,
        inner.device_poll_interval,
        now,
    ) else {
        tracing::warn!(client = %client_id, "device authorization refused: too many pending");
        return OAuthError::new(
            ErrorCode::TemporarilyUnavailable,
            "too many device authorizations are waiting for a user; try again when some have \
             been approved or have expired",
        )
        .into_response();
    };
    let user_code = display_user_code(&start.user_code);
    let verification_uri = inner.endpoint(paths::DEVICE_VERIFICATION);
    let mut complete = url::Url::parse(&verification_uri).ok();
    if let Some(url) = complete.as_mut() {
        url.query_pairs_mut().append_pair("user_code", &user_code);
    }
    tracing::info!(client = %client_id, "device authorization started");
    Json(DeviceAuthorization {
        device_code: start.device_code,
        verification_uri_complete: complete.map_or_else(|| verification_uri.clone(), String::from),
        verification_uri,
        user_code,
        expires_in: inner.device_code_ttl.as_secs(),
        interval: inner.device_poll_interval.as_secs(),
    })
    .into_response()
}

fn form_page(
    inner: &Inner,
    status: StatusCode,
    code: Option<&str>,
    error: Option<&str>,
) -> Response {
    let action = inner.local_path(paths::DEVICE_VERIFICATION);
    (status, Html(pages::device(&action, code, error))).into_response()
}

pub(super) async fn show(State(inner): State<Arc<Inner>>, RawQuery(query): RawQuery) -> Response {
    let params = Params::parse(query.unwrap_or_default().as_bytes()).unwrap_or_default();
    form_page(&inner, StatusCode::OK, params.get("user_code"), None)
}

pub(super) async fn submit(State(inner): State<Arc<Inner>>, body: Bytes) -> Response {
    let Ok(form) = Params::parse(&body) else {
        return form_page(
            &inner,
            StatusCode::BAD_REQUEST,
            None,
            Some("Malformed form."),
        );
    };
    let typed = form.get("user_code").unwrap_or_default();
    let now = inner.now();
    let Some(client_id) = inner.store.pending_device(typed, now) else {
        return form_page(
            &inner,
            StatusCode::BAD_REQUEST,
            Some(typed),
            Some("Unknown or expired code. Check the code on your device."),
        );
    };
    // Approving and denying both need a login: whoever merely sees the code (it is shown
    // on the device's screen and in the URL) must not be able to cancel the flow.
    let username = form.get("username").unwrap_or_default();
    if !inner.check_password(username, form.get("password").unwrap_or_default()) {
        tracing::warn!(user = %username, client = %client_id, "device login failed");
        return form_page(
            &inner,
            StatusCode::UNAUTHORIZED,
            Some(typed),
            Some("Invalid username or password"),
        );
    }
    if form.get("action") == Some("deny") {
        if !inner.store.decide_device(typed, None, now) {
            return form_page(
                &inner,
                StatusCode::BAD_REQUEST,
                Some(typed),
                Some("Unknown or expired code. Check the code on your device."),
            );
        }
        tracing::info!(user = %username, client = %client_id, "device authorization denied");
        return Html(pages::message(
            "Access denied",
            "The device was not connected. You may close this window.",
        ))
        .into_response();
    }
    if !inner.store.decide_device(typed, Some(username), now) {
        return form_page(
            &inner,
            StatusCode::BAD_REQUEST,
            Some(typed),
            Some("Unknown or expired code. Check the code on your device."),
        );
    }
    tracing::info!(user = %username, client = %client_id, "device authorization approved");
    Html(pages::message(
        "Device connected",
        "You may close this window and return to your device.",
    ))
    .into_response()
}

/// Answer one poll of the token endpoint with a device code.
pub(super) fn poll(
    inner: &Inner,
    client: &Client,
    params: &Params,
) -> Result<TokenResponse, OAuthError> {
    let device_code = params.require("device_code")?;
    match inner
        .store
        .poll_device(device_code, &client.id, inner.now())
    {
        DevicePoll::Approved(grant) => inner.issue(&grant, None, None),
        DevicePoll::Pending => Err(OAuthError::new(
            ErrorCode::AuthorizationPending,
            "the user has not approved the device yet",
        )),
        DevicePoll::SlowDown => Err(OAuthError::new(
            ErrorCode::SlowDown,
            "polling too fast; wait 5 s longer between polls",
        )),
        DevicePoll::Denied => Err(OAuthError::new(
            ErrorCode::AccessDenied,
            "the user denied the device",
        )),
        DevicePoll::Expired => Err(OAuthError::new(
            ErrorCode::ExpiredToken,
            "the device code expired; start the device flow again",
        )),
        DevicePoll::Unknown => Err(OAuthError::new(
            ErrorCode::InvalidGrant,
            "the device code is unknown, already used, or of another client",
        )),
    }
}
