//! Upstream's login, as its CLI does it (reference/bind-protocol.md §2–3): the browser
//! goes to the backend's `/authorize?c=<cluster id>&p=<port>&s=<session id>`, logs in at
//! the backend's issuer, chooses an export on the backend's page, and comes back to our
//! loopback receiver with `response=<base64 BindingResponse>`. The session id is random
//! from a CSPRNG (upstream: math/rand); the response is read in either base64 alphabet and
//! must answer our session.

use klutch::bind::{BindingResponse, base62, decode_binding_response};
use rand::RngCore;
use url::Url;

use super::loopback::Loopback;
use super::oidc::LOGIN_TIMEOUT;
use crate::services::bind::error::AuthError;

/// The page upstream's receiver shows (its tests look for it).
const SUCCESS: &str =
    "You have been authenticated successfully! Please head back to the command line";

/// A started code grant.
pub struct CodeGrant {
    /// The URL to open.
    pub url: String,
    session_id: String,
    loopback: Loopback,
}

/// Six base-62 characters of 28 random bytes, as upstream's session ids.
pub fn session_id() -> String {
    let mut bytes = [0u8; 28];
    rand::rng().fill_bytes(&mut bytes);
    base62(&bytes).chars().take(6).collect()
}

impl CodeGrant {
    /// Listen on a loopback port and build the `/authorize` URL. Besides upstream's `p`
    /// (which makes the backend redirect to `localhost`) it passes `u` with 127.0.0.1,
    /// where we listen, so that a browser resolving `localhost` to `::1` still arrives.
    pub async fn start(authorize_url: &str, cluster_id: &str) -> Result<CodeGrant, AuthError> {
        let loopback = Loopback::start().await?;
        let session_id = session_id();
        let mut url = Url::parse(authorize_url).map_err(|e| {
            AuthError::Response(format!(
                "the backend's authorize URL {authorize_url:?}: {e}"
            ))
        })?;
        url.query_pairs_mut()
            .append_pair("c", cluster_id)
            .append_pair("p", &loopback.port().to_string())
            .append_pair("s", &session_id)
            .append_pair("u", &loopback.redirect_uri());
        Ok(CodeGrant {
            url: url.to_string(),
            session_id,
            loopback,
        })
    }

    /// Wait (≤ 10 min) for the backend's redirect and check the response.
    pub async fn finish(mut self) -> Result<BindingResponse, AuthError> {
        let response = self.receive().await;
        self.loopback.close().await;
        response
    }

    async fn receive(&mut self) -> Result<BindingResponse, AuthError> {
        let deadline = tokio::time::Instant::now() + LOGIN_TIMEOUT;
        loop {
            let hit = tokio::time::timeout_at(deadline, self.loopback.next())
                .await
                .map_err(|_| AuthError::Timeout(LOGIN_TIMEOUT.as_secs() / 60))?
                .ok_or_else(|| AuthError::Listen("the receiver stopped".into()))?;
            let Some(raw) = hit.query.get("response").cloned() else {
                // A stray request (a favicon, a reload without the query): keep waiting.
                hit.answer(
                    axum::http::StatusCode::BAD_REQUEST,
                    "This is klutch-tui's login receiver; it waits for the backend's answer.",
                );
                continue;
            };
            let checked = decode_binding_response(&raw)
                .map_err(|e| AuthError::Response(e.to_string()))
                .and_then(|response| match response.session_id() {
                    Some(sid) if sid == self.session_id => Ok(response),
                    Some(_) => Err(AuthError::Response(
                        "it answers another session (sessionID does not match)".into(),
                    )),
                    None => Err(AuthError::Response(
                        "authentication.oauth2CodeGrant is missing".into(),
                    )),
                });
            match &checked {
                Ok(_) => hit.answer(axum::http::StatusCode::OK, SUCCESS),
                Err(e) => hit.answer(axum::http::StatusCode::BAD_REQUEST, &e.to_string()),
            }
            return checked;
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn session_ids_are_six_base62_characters_and_differ() {
        let a = super::session_id();
        let b = super::session_id();
        assert!(a.len() <= 6 && !a.is_empty());
        assert!(a.bytes().all(|c| c.is_ascii_alphanumeric()));
        assert_ne!(a, b);
    }
}
