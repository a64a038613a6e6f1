//! HTTP routes of the issuer, one file per endpoint group.

mod authorize;
mod device;
mod discovery;
mod token;

use std::sync::Arc;

use axum::Router;
use axum::routing::{get, post};

use super::Inner;

/// Endpoint paths below the issuer URL.
pub(crate) mod paths {
    pub const DISCOVERY: &str = "/.well-known/openid-configuration";
    pub const JWKS: &str = "/jwks";
    pub const AUTHORIZE: &str = "/authorize";
    pub const TOKEN: &str = "/token";
    pub const USERINFO: &str = "/userinfo";
    pub const DEVICE_AUTHORIZATION: &str = "/device/code";
    pub const DEVICE_VERIFICATION: &str = "/device";
}

/// The grant type of device-code polling.
pub(crate) const DEVICE_CODE_GRANT: &str = "urn:ietf:params:oauth:grant-type:device_code";

pub(crate) fn router(inner: Arc<Inner>) -> Router {
    let base_path = inner.base_path.clone();
    let routes = Router::new()
        .route(paths::DISCOVERY, get(discovery::configuration))
        .route(paths::JWKS, get(discovery::jwks))
        .route(
            paths::USERINFO,
            get(discovery::userinfo).post(discovery::userinfo),
        )
        .route(
            paths::AUTHORIZE,
            get(authorize::show).post(authorize::submit),
        )
        .route(paths::TOKEN, post(token::token))
        .route(paths::DEVICE_AUTHORIZATION, post(device::authorize))
        .route(
            paths::DEVICE_VERIFICATION,
            get(device::show).post(device::submit),
        )
        .with_state(inner);
    if base_path.is_empty() {
        routes
    } else {
        Router::new().nest(&base_path, routes)
    }
}
