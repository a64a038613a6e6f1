//! What the issuer hands out: ID token claims, token responses, userinfo; and
//! the in-process verification of its own ID tokens.

use std::time::{Duration, SystemTime};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, Validation};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::error::IdTokenError;
use super::keys::SigningKey;

/// The claims of an ID token issued by the sandbox.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdTokenClaims {
    /// The issuer URL.
    pub iss: String,
    /// The user (the username).
    pub sub: String,
    /// The client the token is for.
    pub aud: String,
    /// Expiry, seconds since the epoch.
    pub exp: u64,
    /// Issued at, seconds since the epoch.
    pub iat: u64,
    /// When the user logged in, seconds since the epoch.
    pub auth_time: u64,
    /// The nonce of the authorization request, if it had one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nonce: Option<String>,
    /// Authorized party: the client.
    pub azp: String,
    /// Hash of the access token issued with it (OIDC Core §3.1.3.6).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at_hash: Option<String>,
    /// The user's e-mail address.
    pub email: String,
    /// Always true for sandbox users.
    pub email_verified: bool,
    /// Display name.
    pub name: String,
    /// The username.
    pub preferred_username: String,
}

/// The profile of a sandbox user, as the userinfo endpoint reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserInfo {
    /// The user (the username).
    pub sub: String,
    /// The username.
    pub preferred_username: String,
    /// Display name.
    pub name: String,
    /// E-mail address.
    pub email: String,
    /// Always true.
    pub email_verified: bool,
}

impl UserInfo {
    /// The profile of `username`.
    pub fn of(username: &str) -> Self {
        Self {
            sub: username.to_owned(),
            preferred_username: username.to_owned(),
            name: username.to_owned(),
            email: format!("{username}@example.com"),
            email_verified: true,
        }
    }
}

/// A successful token endpoint answer (RFC 6749 §5.1).
#[derive(Debug, Clone, Serialize)]
pub(crate) struct TokenResponse {
    pub access_token: String,
    pub token_type: &'static str,
    pub expires_in: u64,
    pub refresh_token: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id_token: Option<String>,
    pub scope: String,
}

pub(crate) fn epoch_seconds(t: SystemTime) -> u64 {
    t.duration_since(SystemTime::UNIX_EPOCH)
        .unwrap_or(Duration::ZERO)
        .as_secs()
}

/// `at_hash`: left half of SHA-256 of the access token, base64url (for ES256).
pub(crate) fn access_token_hash(access_token: &str) -> String {
    let hash = Sha256::digest(access_token.as_bytes());
    URL_SAFE_NO_PAD.encode(&hash[..16])
}

/// Verify an ID token of `issuer` for any of `audiences`, at time `now`.
pub(crate) fn verify(
    token: &str,
    key: &SigningKey,
    issuer: &str,
    audiences: &[&str],
    now: SystemTime,
) -> Result<IdTokenClaims, IdTokenError> {
    let header =
        jsonwebtoken::decode_header(token).map_err(|e| IdTokenError::Malformed(e.to_string()))?;
    if header.alg != Algorithm::ES256 {
        return Err(IdTokenError::Malformed(format!(
            "algorithm {:?} is not ES256",
            header.alg
        )));
    }
    if header.kid.as_deref() != Some(key.key_id()) {
        return Err(IdTokenError::UnknownKey(header.kid));
    }
    let mut validation = Validation::new(Algorithm::ES256);
    // Time and audience are checked below against the issuer's clock and clients.
    validation.validate_exp = false;
    validation.validate_aud = false;
    validation.set_required_spec_claims(&["exp", "iat", "iss", "sub", "aud"]);
    let data = jsonwebtoken::decode::<IdTokenClaims>(token, key.decoding_key(), &validation)
        .map_err(|e| match e.kind() {
            ErrorKind::InvalidSignature => IdTokenError::BadSignature,
            _ => IdTokenError::Malformed(e.to_string()),
        })?;
    let claims = data.claims;
    if claims.iss != issuer {
        return Err(IdTokenError::WrongIssuer {
            found: claims.iss,
            expected: issuer.to_owned(),
        });
    }
    if !audiences.contains(&claims.aud.as_str()) {
        return Err(IdTokenError::WrongAudience(vec![claims.aud]));
    }
    if claims.exp <= epoch_seconds(now) {
        return Err(IdTokenError::Expired);
    }
    Ok(claims)
}
