//! Logging in at an OIDC issuer as a public client with the `openidconnect` crate: the
//! authorization code flow with PKCE (S256), state and nonce through a loopback redirect
//! (RFC 8252), the device flow (RFC 8628; its polling honours `interval` and `slow_down`),
//! and refresh. Every ID token is verified — signature against the issuer's keys, issuer,
//! audience, expiry and, in the code flow, the nonce — before it is used or cached.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use openidconnect::core::{
    CoreAuthDisplay, CoreAuthenticationFlow, CoreClaimName, CoreClaimType, CoreClient,
    CoreClientAuthMethod, CoreDeviceAuthorizationResponse, CoreGrantType, CoreIdToken,
    CoreIdTokenClaims, CoreJsonWebKey, CoreJweContentEncryptionAlgorithm,
    CoreJweKeyManagementAlgorithm, CoreResponseMode, CoreResponseType, CoreSubjectIdentifierType,
    CoreTokenResponse,
};
use openidconnect::{
    AdditionalProviderMetadata, AuthorizationCode, ClaimsVerificationError, ClientId, CsrfToken,
    DeviceAuthorizationUrl, IssuerUrl, Nonce, OAuth2TokenResponse, PkceCodeChallenge,
    ProviderMetadata, RedirectUrl, RefreshToken, Scope, TokenResponse,
};
use serde::{Deserialize, Serialize};

use super::Secret;
use super::loopback::Loopback;
use crate::services::bind::error::AuthError;

/// The scopes we ask for: an ID token with a name, and a refresh token.
const SCOPES: [&str; 3] = ["profile", "email", "offline_access"];
/// How long a browser login may take (as upstream's CLI waits).
pub const LOGIN_TIMEOUT: Duration = Duration::from_secs(600);

/// The device endpoint, which core discovery does not carry.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
pub struct DeviceEndpoint {
    #[serde(default)]
    device_authorization_endpoint: Option<DeviceAuthorizationUrl>,
}

impl AdditionalProviderMetadata for DeviceEndpoint {}

type Metadata = ProviderMetadata<
    DeviceEndpoint,
    CoreAuthDisplay,
    CoreClientAuthMethod,
    CoreClaimName,
    CoreClaimType,
    CoreGrantType,
    CoreJweContentEncryptionAlgorithm,
    CoreJweKeyManagementAlgorithm,
    CoreJsonWebKey,
    CoreResponseMode,
    CoreResponseType,
    CoreSubjectIdentifierType,
>;

/// A verified login.
#[derive(Clone, Debug)]
pub struct Tokens {
    /// The ID token (verified).
    pub id_token: Secret,
    /// The refresh token, if any.
    pub refresh_token: Option<Secret>,
    /// Who: preferred username, email or subject.
    pub user: String,
    /// When the ID token expires.
    pub expires: SystemTime,
}

/// An issuer, discovered, and our public client there.
pub struct Issuer {
    url: String,
    client_id: String,
    metadata: Metadata,
    http: reqwest::Client,
}

/// The start of a browser login: where to send the user, and what to wait for.
pub struct BrowserLogin {
    /// The URL to open.
    pub url: String,
    loopback: Loopback,
    state: CsrfToken,
    nonce: Nonce,
    verifier: openidconnect::PkceCodeVerifier,
}

fn chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let line = s.to_string();
        if !text.contains(&line) {
            text.push_str(": ");
            text.push_str(&line);
        }
        source = s.source();
    }
    text
}

fn token_error<RE: std::error::Error + 'static, T: openidconnect::ErrorResponse + 'static>(
    e: &openidconnect::RequestTokenError<RE, T>,
) -> String {
    match e {
        openidconnect::RequestTokenError::ServerResponse(r) => r.to_string(),
        other => chain(other),
    }
}

/// A claims verification failure in words a user can act on.
fn id_token_error(e: &ClaimsVerificationError) -> AuthError {
    AuthError::IdToken(match e {
        ClaimsVerificationError::SignatureVerification(inner) => {
            format!("its signature does not verify ({inner})")
        }
        ClaimsVerificationError::Expired(m) => format!("it has expired ({m})"),
        ClaimsVerificationError::InvalidNonce(m) => {
            format!("its nonce is not the one of this login ({m})")
        }
        ClaimsVerificationError::InvalidAudience(m) => {
            format!("it was issued to another client ({m})")
        }
        ClaimsVerificationError::InvalidIssuer(m) => format!("it is from another issuer ({m})"),
        other => other.to_string(),
    })
}

fn user_of(claims: &CoreIdTokenClaims) -> String {
    claims
        .preferred_username()
        .map(|u| u.to_string())
        .or_else(|| claims.email().map(|e| e.to_string()))
        .unwrap_or_else(|| claims.subject().to_string())
}

impl Issuer {
    /// Discover `url` (metadata and keys) for `client_id`.
    pub async fn discover(
        url: &str,
        client_id: &str,
        http: &reqwest::Client,
    ) -> Result<Issuer, AuthError> {
        let discovery = |reason: String| AuthError::Discovery {
            issuer: url.to_owned(),
            reason,
        };
        let issuer = IssuerUrl::new(url.to_owned()).map_err(|e| discovery(e.to_string()))?;
        let metadata = Metadata::discover_async(issuer, http)
            .await
            .map_err(|e| discovery(chain(&e)))?;
        Ok(Issuer {
            url: url.to_owned(),
            client_id: client_id.to_owned(),
            metadata,
            http: http.clone(),
        })
    }

    /// The issuer URL.
    pub fn url(&self) -> &str {
        &self.url
    }

    fn client(
        &self,
    ) -> CoreClient<
        openidconnect::EndpointSet,
        openidconnect::EndpointNotSet,
        openidconnect::EndpointNotSet,
        openidconnect::EndpointNotSet,
        openidconnect::EndpointMaybeSet,
        openidconnect::EndpointMaybeSet,
    > {
        CoreClient::from_provider_metadata(
            self.metadata.clone(),
            ClientId::new(self.client_id.clone()),
            None,
        )
    }

    /// Verify an ID token of this issuer for our client: signature, issuer, audience,
    /// expiry, and the nonce if one is given.
    pub fn verify(&self, token: &str, nonce: Option<&Nonce>) -> Result<Tokens, AuthError> {
        let id_token: CoreIdToken = token
            .parse()
            .map_err(|e| AuthError::IdToken(format!("it is not a JWT ({e})")))?;
        let client = self.client();
        let verifier = client.id_token_verifier();
        let claims = match nonce {
            Some(nonce) => id_token.claims(&verifier, nonce),
            None => id_token.claims(&verifier, |_: Option<&Nonce>| Ok(())),
        }
        .map_err(|e| id_token_error(&e))?;
        let expires = UNIX_EPOCH
            + Duration::from_secs(u64::try_from(claims.expiration().timestamp()).unwrap_or(0));
        Ok(Tokens {
            id_token: Secret::new(token.to_owned()),
            refresh_token: None,
            user: user_of(claims),
            expires,
        })
    }

    fn finish(
        &self,
        answer: &CoreTokenResponse,
        nonce: Option<&Nonce>,
    ) -> Result<Tokens, AuthError> {
        let id_token = answer.id_token().ok_or(AuthError::NoIdToken)?;
        let mut tokens = self.verify(&id_token.to_string(), nonce)?;
        tokens.refresh_token = answer
            .refresh_token()
            .map(|r| Secret::new(r.secret().clone()));
        Ok(tokens)
    }

    /// Start a browser login: a loopback receiver, PKCE, state and nonce.
    pub async fn start_browser(&self) -> Result<BrowserLogin, AuthError> {
        let loopback = Loopback::start().await?;
        let redirect = RedirectUrl::new(loopback.redirect_uri())
            .map_err(|e| AuthError::Listen(e.to_string()))?;
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let client = self.client().set_redirect_uri(redirect);
        let mut request = client
            .authorize_url(
                CoreAuthenticationFlow::AuthorizationCode,
                CsrfToken::new_random,
                Nonce::new_random,
            )
            .set_pkce_challenge(challenge);
        for scope in SCOPES {
            request = request.add_scope(Scope::new(scope.to_owned()));
        }
        let (url, state, nonce) = request.url();
        Ok(BrowserLogin {
            url: url.to_string(),
            loopback,
            state,
            nonce,
            verifier,
        })
    }

    /// Wait for the browser to come back, check the state, exchange the code (with the
    /// PKCE verifier) and verify the ID token against the nonce.
    pub async fn finish_browser(&self, login: BrowserLogin) -> Result<Tokens, AuthError> {
        let BrowserLogin {
            mut loopback,
            state,
            nonce,
            verifier,
            ..
        } = login;
        let tokens = self
            .receive_browser(&mut loopback, state, nonce, verifier)
            .await;
        loopback.close().await;
        tokens
    }

    async fn receive_browser(
        &self,
        loopback: &mut Loopback,
        state: CsrfToken,
        nonce: Nonce,
        verifier: openidconnect::PkceCodeVerifier,
    ) -> Result<Tokens, AuthError> {
        let hit = tokio::time::timeout(LOGIN_TIMEOUT, loopback.next())
            .await
            .map_err(|_| AuthError::Timeout(LOGIN_TIMEOUT.as_secs() / 60))?
            .ok_or_else(|| AuthError::Listen("the receiver stopped".into()))?;
        let back = "Go back to the terminal.";
        if hit.query.get("state").map(String::as_str) != Some(state.secret().as_str()) {
            hit.answer(
                axum::http::StatusCode::BAD_REQUEST,
                &format!("Login refused: the state does not match. {back}"),
            );
            return Err(AuthError::StateMismatch);
        }
        if let Some(error) = hit.query.get("error").cloned() {
            let description = hit
                .query
                .get("error_description")
                .map(|d| format!(": {d}"))
                .unwrap_or_default();
            hit.answer(
                axum::http::StatusCode::BAD_REQUEST,
                &format!("Login refused ({error}). {back}"),
            );
            return Err(AuthError::Refused(format!("{error}{description}")));
        }
        let Some(code) = hit.query.get("code").cloned() else {
            hit.answer(
                axum::http::StatusCode::BAD_REQUEST,
                &format!("No code arrived. {back}"),
            );
            return Err(AuthError::Refused("the callback carried no code".into()));
        };
        let redirect = RedirectUrl::new(loopback.redirect_uri())
            .map_err(|e| AuthError::Listen(e.to_string()))?;
        let exchanged = async {
            let answer = self
                .client()
                .set_redirect_uri(redirect)
                .exchange_code(AuthorizationCode::new(code))
                .map_err(|e| AuthError::Exchange(e.to_string()))?
                .set_pkce_verifier(verifier)
                .request_async(&self.http)
                .await
                .map_err(|e| AuthError::Exchange(token_error(&e)))?;
            self.finish(&answer, Some(&nonce))
        }
        .await;
        match &exchanged {
            Ok(_) => hit.answer(
                axum::http::StatusCode::OK,
                "You are logged in. Go back to the terminal; you may close this window.",
            ),
            Err(e) => hit.answer(
                axum::http::StatusCode::UNAUTHORIZED,
                &format!("Login failed: {e}. {back}"),
            ),
        }
        exchanged
    }

    /// Start the device flow: the code to show.
    pub async fn start_device(&self) -> Result<CoreDeviceAuthorizationResponse, AuthError> {
        let url = self
            .metadata
            .additional_metadata()
            .device_authorization_endpoint
            .clone()
            .ok_or_else(|| AuthError::NoDeviceFlow(self.url.clone()))?;
        let client = self.client().set_device_authorization_url(url);
        let mut request = client.exchange_device_code();
        for scope in SCOPES {
            request = request.add_scope(Scope::new(scope.to_owned()));
        }
        request
            .request_async(&self.http)
            .await
            .map_err(|e| AuthError::Exchange(token_error(&e)))
    }

    /// Poll until the user approved (RFC 8628 §3.4: `interval`, +5 s on `slow_down`).
    pub async fn finish_device(
        &self,
        details: &CoreDeviceAuthorizationResponse,
    ) -> Result<Tokens, AuthError> {
        let Some(url) = self
            .metadata
            .additional_metadata()
            .device_authorization_endpoint
            .clone()
        else {
            return Err(AuthError::NoDeviceFlow(self.url.clone()));
        };
        let answer = self
            .client()
            .set_device_authorization_url(url)
            .exchange_device_access_token(details)
            .map_err(|e| AuthError::Exchange(e.to_string()))?
            .request_async(&self.http, tokio::time::sleep, None)
            .await
            .map_err(|e| match &e {
                openidconnect::RequestTokenError::ServerResponse(r) => {
                    use openidconnect::DeviceCodeErrorResponseType as T;
                    match r.error() {
                        T::AccessDenied => AuthError::Refused("the device login was denied".into()),
                        T::ExpiredToken => {
                            AuthError::Refused("the code expired before it was entered".into())
                        }
                        _ => AuthError::Exchange(token_error(&e)),
                    }
                }
                _ => AuthError::Exchange(token_error(&e)),
            })?;
        self.finish(&answer, None)
    }

    /// Tokens for a user's name and password (the resource owner password grant, which a
    /// development issuer such as the sandbox's offers for automation; verified).
    pub async fn password(&self, user: &str, password: &str) -> Result<Tokens, AuthError> {
        let answer = self
            .client()
            .exchange_password(
                &openidconnect::ResourceOwnerUsername::new(user.to_owned()),
                &openidconnect::ResourceOwnerPassword::new(password.to_owned()),
            )
            .map_err(|e| AuthError::Exchange(e.to_string()))?
            .add_scope(Scope::new("openid".into()))
            .request_async(&self.http)
            .await
            .map_err(|e| AuthError::Exchange(token_error(&e)))?;
        self.finish(&answer, None)
    }

    /// New tokens from a refresh token (verified; no nonce in a refresh).
    pub async fn refresh(&self, refresh_token: &Secret) -> Result<Tokens, AuthError> {
        let answer = self
            .client()
            .exchange_refresh_token(&RefreshToken::new(refresh_token.expose().to_owned()))
            .map_err(|e| AuthError::Exchange(e.to_string()))?
            .request_async(&self.http)
            .await
            .map_err(|e| AuthError::Exchange(token_error(&e)))?;
        let mut tokens = self.finish(&answer, None)?;
        if tokens.refresh_token.is_none() {
            tokens.refresh_token = Some(refresh_token.clone());
        }
        Ok(tokens)
    }
}
