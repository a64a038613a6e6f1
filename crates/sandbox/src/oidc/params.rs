//! Request parameters (query strings and form bodies) and client authentication
//! (HTTP Basic or `client_id`/`client_secret` in the body, RFC 6749 §2.3.1).

use std::collections::HashMap;

use axum::http::HeaderMap;
use axum::http::header::AUTHORIZATION;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use percent_encoding::percent_decode_str;
use subtle::ConstantTimeEq;

use super::config::Client;
use super::error::{ErrorCode, OAuthError};

/// Parameters of one request; each may appear once (RFC 6749 §3.1, §3.2).
#[derive(Debug, Default)]
pub(crate) struct Params(HashMap<String, String>);

impl Params {
    /// Parse `application/x-www-form-urlencoded` text (a query or a body).
    pub fn parse(encoded: &[u8]) -> Result<Self, OAuthError> {
        let mut map = HashMap::new();
        for (key, value) in url::form_urlencoded::parse(encoded) {
            if map.insert(key.to_string(), value.into_owned()).is_some() {
                return Err(OAuthError::new(
                    ErrorCode::InvalidRequest,
                    format!("parameter {key:?} is given more than once"),
                ));
            }
        }
        Ok(Self(map))
    }

    /// A parameter; empty values count as absent.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.0
            .get(key)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    }

    /// A required parameter.
    pub fn require(&self, key: &str) -> Result<&str, OAuthError> {
        self.get(key).ok_or_else(|| {
            OAuthError::new(
                ErrorCode::InvalidRequest,
                format!("missing parameter {key:?}"),
            )
        })
    }
}

/// Compare secrets without leaking where they differ.
pub(crate) fn secrets_equal(a: &str, b: &str) -> bool {
    a.len() == b.len() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

fn invalid_client(description: impl Into<String>) -> OAuthError {
    OAuthError::new(ErrorCode::InvalidClient, description)
}

fn basic_credentials(headers: &HeaderMap) -> Result<Option<(String, String)>, OAuthError> {
    let Some(value) = headers.get(AUTHORIZATION) else {
        return Ok(None);
    };
    let value = value
        .to_str()
        .map_err(|_| invalid_client("Authorization header is not ASCII"))?;
    let Some(encoded) = value
        .strip_prefix("Basic ")
        .or_else(|| value.strip_prefix("basic "))
    else {
        return Err(invalid_client(
            "only HTTP Basic client authentication is supported",
        ));
    };
    let decoded = STANDARD
        .decode(encoded.trim())
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .ok_or_else(|| invalid_client("HTTP Basic credentials are not valid base64"))?;
    let (id, secret) = decoded
        .split_once(':')
        .ok_or_else(|| invalid_client("HTTP Basic credentials lack a ':'"))?;
    // RFC 6749 §2.3.1: both parts are form-urlencoded before base64.
    let unescape = |s: &str| {
        percent_decode_str(&s.replace('+', " "))
            .decode_utf8()
            .map(|c| c.into_owned())
            .map_err(|_| invalid_client("HTTP Basic credentials are not valid UTF-8"))
    };
    Ok(Some((unescape(id)?, unescape(secret)?)))
}

/// Authenticate the client of a token or device request.
pub(crate) fn authenticate_client<'a>(
    headers: &HeaderMap,
    params: &Params,
    find: impl Fn(&str) -> Option<&'a Client>,
) -> Result<&'a Client, OAuthError> {
    let (id, secret) = match basic_credentials(headers)? {
        Some((id, secret)) => {
            if params.get("client_secret").is_some() {
                return Err(OAuthError::new(
                    ErrorCode::InvalidRequest,
                    "client credentials are given both in the header and in the body",
                ));
            }
            (id, Some(secret))
        }
        None => (
            params.require("client_id")?.to_owned(),
            params.get("client_secret").map(str::to_owned),
        ),
    };
    if let Some(body_id) = params.get("client_id")
        && body_id != id
    {
        return Err(invalid_client(
            "client_id does not match the authenticated client",
        ));
    }
    let client = find(&id).ok_or_else(|| invalid_client(format!("unknown client {id:?}")))?;
    match (&client.secret, secret.as_deref().filter(|s| !s.is_empty())) {
        (Some(expected), Some(given)) if secrets_equal(expected, given) => Ok(client),
        (Some(_), Some(_)) => Err(invalid_client(format!("wrong secret for client {id:?}"))),
        (Some(_), None) => Err(invalid_client(format!(
            "client {id:?} is confidential and must authenticate with its secret"
        ))),
        (None, None) => Ok(client),
        (None, Some(_)) => Err(invalid_client(format!(
            "client {id:?} is public and has no secret"
        ))),
    }
}
