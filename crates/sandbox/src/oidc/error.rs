//! Errors of the issuer: [`OidcError`] for its Rust API, [`IdTokenError`] for
//! in-process token verification, and [`OAuthError`] for RFC 6749 JSON answers.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

/// An error setting up or running the issuer.
#[derive(Debug, thiserror::Error)]
pub enum OidcError {
    /// The configuration is not usable.
    #[error("invalid OIDC issuer configuration: {0}")]
    Config(String),
    /// The signing key could not be made or read.
    #[error("OIDC signing key: {0}")]
    SigningKey(String),
    /// Serving failed.
    #[error("OIDC issuer: {what}: {source}")]
    Io {
        /// What was being done.
        what: &'static str,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
}

/// Why an ID token was refused by [`super::OidcIssuer::verify_id_token`].
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum IdTokenError {
    /// Not a compact JWS with an ES256 header and the expected claims.
    #[error("ID token is malformed: {0}")]
    Malformed(String),
    /// The header names a key this issuer does not have.
    #[error("ID token is signed with an unknown key {0:?}")]
    UnknownKey(Option<String>),
    /// The signature does not verify.
    #[error("ID token signature is invalid")]
    BadSignature,
    /// Issued by someone else.
    #[error("ID token issuer {found:?} is not {expected:?}")]
    WrongIssuer {
        /// `iss` of the token.
        found: String,
        /// This issuer.
        expected: String,
    },
    /// Not meant for any registered client.
    #[error("ID token audience {0:?} is not a registered client")]
    WrongAudience(Vec<String>),
    /// Past its `exp`.
    #[error("ID token expired")]
    Expired,
}

/// RFC 6749 / RFC 8628 / RFC 6750 error codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// Missing or malformed parameter.
    InvalidRequest,
    /// Client authentication failed.
    InvalidClient,
    /// Code, refresh token, device code or credentials are not valid.
    InvalidGrant,
    /// The client may not use this grant.
    UnauthorizedClient,
    /// The grant type is not supported.
    UnsupportedGrantType,
    /// The response type is not supported.
    UnsupportedResponseType,
    /// The scope is not valid.
    InvalidScope,
    /// Device flow: the user has not finished yet.
    AuthorizationPending,
    /// Device flow: polling too fast.
    SlowDown,
    /// The user refused.
    AccessDenied,
    /// Device flow: the device code expired.
    ExpiredToken,
    /// Bearer token is not valid (RFC 6750).
    InvalidToken,
    /// The issuer failed (answered with status 500).
    ServerError,
    /// The issuer cannot take more of something now (answered with status 503).
    TemporarilyUnavailable,
}

impl ErrorCode {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::InvalidRequest => "invalid_request",
            ErrorCode::InvalidClient => "invalid_client",
            ErrorCode::InvalidGrant => "invalid_grant",
            ErrorCode::UnauthorizedClient => "unauthorized_client",
            ErrorCode::UnsupportedGrantType => "unsupported_grant_type",
            ErrorCode::UnsupportedResponseType => "unsupported_response_type",
            ErrorCode::InvalidScope => "invalid_scope",
            ErrorCode::AuthorizationPending => "authorization_pending",
            ErrorCode::SlowDown => "slow_down",
            ErrorCode::AccessDenied => "access_denied",
            ErrorCode::ExpiredToken => "expired_token",
            ErrorCode::InvalidToken => "invalid_token",
            ErrorCode::ServerError => "server_error",
            ErrorCode::TemporarilyUnavailable => "temporarily_unavailable",
        }
    }
}

/// An OAuth error answer: `{"error": …, "error_description": …}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OAuthError {
    /// The error code.
    pub code: ErrorCode,
    /// What went wrong, for a human.
    pub description: String,
}

impl OAuthError {
    /// An error with a description.
    pub fn new(code: ErrorCode, description: impl Into<String>) -> Self {
        Self {
            code,
            description: description.into(),
        }
    }

    fn status(&self) -> StatusCode {
        match self.code {
            ErrorCode::InvalidClient | ErrorCode::InvalidToken => StatusCode::UNAUTHORIZED,
            ErrorCode::ServerError => StatusCode::INTERNAL_SERVER_ERROR,
            ErrorCode::TemporarilyUnavailable => StatusCode::SERVICE_UNAVAILABLE,
            _ => StatusCode::BAD_REQUEST,
        }
    }
}

#[derive(Serialize)]
struct ErrorBody<'a> {
    error: ErrorCode,
    error_description: &'a str,
}

impl IntoResponse for OAuthError {
    fn into_response(self) -> Response {
        let body = ErrorBody {
            error: self.code,
            error_description: &self.description,
        };
        let mut response = (self.status(), Json(body)).into_response();
        let headers = response.headers_mut();
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        match self.code {
            ErrorCode::InvalidClient => {
                headers.insert(
                    header::WWW_AUTHENTICATE,
                    HeaderValue::from_static("Basic realm=\"klutch-sandbox\""),
                );
            }
            ErrorCode::InvalidToken => {
                headers.insert(
                    header::WWW_AUTHENTICATE,
                    HeaderValue::from_static("Bearer error=\"invalid_token\""),
                );
            }
            _ => {}
        }
        response
    }
}
