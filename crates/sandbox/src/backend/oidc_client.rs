//! The backend as an OIDC relying party, against any issuer found by discovery
//! (the sandbox's own, Dex, Keycloak, ...): the authorization code flow with PKCE
//! (S256) and a nonce, and verification of ID tokens — signature against the
//! issuer's JWKS, issuer, audience, expiry and (in the code flow) nonce. Upstream
//! only base64-decodes the token's payload; we do not copy that.

use std::sync::Arc;

use openidconnect::core::{
    CoreAuthenticationFlow, CoreClient, CoreIdToken, CoreIdTokenClaims, CoreIdTokenVerifier,
    CoreJwsSigningAlgorithm, CoreProviderMetadata,
};
use openidconnect::{
    AuthorizationCode, ClaimsVerificationError, ClientId, ClientSecret, CsrfToken, IssuerUrl,
    Nonce, NonceVerifier, PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, Scope, TokenResponse,
};

use crate::oidc::Clock;

/// Where the issuer is and who the backend is to it.
#[derive(Clone)]
pub struct OidcClientConfig {
    /// The issuer URL (discovery at `<url>/.well-known/openid-configuration`).
    pub issuer_url: String,
    /// The backend's client id.
    pub client_id: String,
    /// The backend's client secret (`None` for a public client; PKCE is used anyway).
    pub client_secret: Option<String>,
    /// Further audiences whose ID tokens the headless `/bind/token` accepts
    /// (e.g. the client id of our own CLI).
    pub extra_audiences: Vec<String>,
    /// A CA (PEM) to trust for an https issuer besides the system's roots.
    pub ca_pem: Option<String>,
}

impl std::fmt::Debug for OidcClientConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OidcClientConfig")
            .field("issuer_url", &self.issuer_url)
            .field("client_id", &self.client_id)
            .field(
                "client_secret",
                &self.client_secret.as_ref().map(|_| "<redacted>"),
            )
            .field("extra_audiences", &self.extra_audiences)
            .finish_non_exhaustive()
    }
}

/// Why a login or a token was not accepted.
#[derive(Debug, thiserror::Error)]
pub enum OidcClientError {
    #[error("the OIDC issuer {issuer} cannot be used: {message}")]
    Discovery { issuer: String, message: String },
    #[error("the identity provider did not accept the login code: {0}")]
    Exchange(String),
    #[error("the identity provider answered without an ID token (is the openid scope allowed?)")]
    NoIdToken,
    #[error("the ID token was refused: {0}")]
    IdToken(String),
    #[error("invalid OIDC client configuration: {0}")]
    Config(String),
}

/// What the backend learns from a verified ID token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    pub issuer: String,
    pub subject: String,
}

/// The start of a login: where to send the browser, and the secrets to keep.
pub struct LoginStart {
    pub authorize_url: String,
    pub pkce_verifier: String,
    pub nonce: String,
}

/// An OIDC relying party for one issuer.
pub struct OidcClient {
    config: OidcClientConfig,
    redirect_url: RedirectUrl,
    http: openidconnect::reqwest::Client,
    clock: Arc<dyn Clock>,
}

type Client = CoreClient<
    openidconnect::EndpointSet,
    openidconnect::EndpointNotSet,
    openidconnect::EndpointNotSet,
    openidconnect::EndpointNotSet,
    openidconnect::EndpointMaybeSet,
    openidconnect::EndpointMaybeSet,
>;

/// Asymmetric algorithms only: an HMAC-signed token would be "signed" with our
/// own client secret.
fn allowed_algs() -> Vec<CoreJwsSigningAlgorithm> {
    use CoreJwsSigningAlgorithm as A;
    vec![
        A::RsaSsaPkcs1V15Sha256,
        A::RsaSsaPkcs1V15Sha384,
        A::RsaSsaPkcs1V15Sha512,
        A::RsaSsaPssSha256,
        A::RsaSsaPssSha384,
        A::RsaSsaPssSha512,
        A::EcdsaP256Sha256,
        A::EcdsaP384Sha384,
        A::EdDsa,
    ]
}

fn chrono_now(clock: &dyn Clock) -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::<chrono::Utc>::from(clock.now())
}

impl OidcClient {
    pub fn new(
        config: OidcClientConfig,
        callback_url: &str,
        clock: Arc<dyn Clock>,
    ) -> Result<Self, OidcClientError> {
        let redirect_url = RedirectUrl::new(callback_url.to_owned())
            .map_err(|e| OidcClientError::Config(format!("callback URL {callback_url:?}: {e}")))?;
        // No redirects: discovery and token requests must not be sent elsewhere (SSRF).
        let mut builder = openidconnect::reqwest::ClientBuilder::new()
            .redirect(openidconnect::reqwest::redirect::Policy::none());
        if let Some(pem) = &config.ca_pem {
            let cert = openidconnect::reqwest::Certificate::from_pem(pem.as_bytes())
                .map_err(|e| OidcClientError::Config(format!("issuer CA: {e}")))?;
            builder = builder.add_root_certificate(cert);
        }
        let http = builder
            .build()
            .map_err(|e| OidcClientError::Config(format!("HTTP client: {e}")))?;
        Ok(Self {
            config,
            redirect_url,
            http,
            clock,
        })
    }

    pub fn issuer_url(&self) -> &str {
        &self.config.issuer_url
    }

    /// The client ids besides the backend's own whose ID tokens the headless routes take.
    pub fn extra_audiences(&self) -> &[String] {
        &self.config.extra_audiences
    }

    /// Discover the issuer (metadata and JWKS). Done per login so that key
    /// rotation and an issuer started after the backend just work.
    async fn client(&self) -> Result<Client, OidcClientError> {
        Ok(self.client_of(self.discover().await?))
    }

    async fn discover(&self) -> Result<CoreProviderMetadata, OidcClientError> {
        let discovery = |message: String| OidcClientError::Discovery {
            issuer: self.config.issuer_url.clone(),
            message,
        };
        let issuer =
            IssuerUrl::new(self.config.issuer_url.clone()).map_err(|e| discovery(e.to_string()))?;
        CoreProviderMetadata::discover_async(issuer, &self.http)
            .await
            .map_err(|e| discovery(error_chain(&e)))
    }

    fn client_of(&self, metadata: CoreProviderMetadata) -> Client {
        CoreClient::from_provider_metadata(
            metadata,
            ClientId::new(self.config.client_id.clone()),
            self.config.client_secret.clone().map(ClientSecret::new),
        )
        .set_redirect_uri(self.redirect_url.clone())
    }

    /// The authorization URL for a login with this `state`, with PKCE and a nonce.
    pub async fn start(&self, state: String) -> Result<LoginStart, OidcClientError> {
        let client = self.client().await?;
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let (url, _, nonce) = client
            .authorize_url(
                CoreAuthenticationFlow::AuthorizationCode,
                move || CsrfToken::new(state),
                Nonce::new_random,
            )
            .add_scope(Scope::new("profile".into()))
            .add_scope(Scope::new("email".into()))
            .set_pkce_challenge(challenge)
            .url();
        Ok(LoginStart {
            authorize_url: url.to_string(),
            pkce_verifier: verifier.secret().clone(),
            nonce: nonce.secret().clone(),
        })
    }

    /// Exchange the code (with the PKCE verifier) and verify the ID token,
    /// including its nonce.
    pub async fn finish(
        &self,
        code: String,
        pkce_verifier: String,
        nonce: String,
    ) -> Result<Identity, OidcClientError> {
        let client = self.client().await?;
        let tokens = client
            .exchange_code(AuthorizationCode::new(code))
            .map_err(|e| OidcClientError::Exchange(e.to_string()))?
            .set_pkce_verifier(PkceCodeVerifier::new(pkce_verifier))
            .request_async(&self.http)
            .await
            .map_err(|e| OidcClientError::Exchange(token_error(&e)))?;
        let id_token = tokens.id_token().ok_or(OidcClientError::NoIdToken)?;
        let clock = self.clock.clone();
        let verifier = client
            .id_token_verifier()
            .set_allowed_algs(allowed_algs())
            .set_time_fn(move || chrono_now(clock.as_ref()));
        let claims = id_token
            .claims(&verifier, &Nonce::new(nonce))
            .map_err(id_token_error)?;
        Ok(identity(claims))
    }

    /// Verify a bearer ID token for the headless flow: signature, issuer, expiry,
    /// and an audience that is the backend's client id or one of the extra ones.
    pub async fn verify_bearer(&self, token: &str) -> Result<Identity, OidcClientError> {
        let id_token: CoreIdToken = token
            .parse()
            .map_err(|e| OidcClientError::IdToken(format!("not a JWT: {e}")))?;
        let jwks = self.discover().await?.jwks().clone();
        let issuer = IssuerUrl::new(self.config.issuer_url.clone())
            .map_err(|e| OidcClientError::Config(e.to_string()))?;
        let mut audiences = vec![self.config.client_id.clone()];
        audiences.extend(self.config.extra_audiences.iter().cloned());
        let mut last = None;
        for audience in audiences {
            let clock = self.clock.clone();
            let verifier = CoreIdTokenVerifier::new_public_client(
                ClientId::new(audience),
                issuer.clone(),
                jwks.clone(),
            )
            .set_allowed_algs(allowed_algs())
            .set_time_fn(move || chrono_now(clock.as_ref()));
            match id_token.claims(&verifier, AnyNonce) {
                Ok(claims) => return Ok(identity(claims)),
                Err(e @ ClaimsVerificationError::InvalidAudience(_)) => last = Some(e),
                Err(e) => return Err(id_token_error(e)),
            }
        }
        Err(last.map_or(
            OidcClientError::Config("no audience".into()),
            id_token_error,
        ))
    }
}

/// The headless flow has no nonce to compare (the token came from a password or
/// device grant).
struct AnyNonce;

impl NonceVerifier for AnyNonce {
    fn verify(self, _: Option<&Nonce>) -> Result<(), String> {
        Ok(())
    }
}

fn identity(claims: &CoreIdTokenClaims) -> Identity {
    Identity {
        issuer: claims.issuer().to_string(),
        subject: claims.subject().to_string(),
    }
}

fn id_token_error(e: ClaimsVerificationError) -> OidcClientError {
    let text = match &e {
        ClaimsVerificationError::SignatureVerification(inner) => {
            format!("its signature does not verify ({inner})")
        }
        ClaimsVerificationError::Expired(m) => format!("it has expired ({m})"),
        ClaimsVerificationError::InvalidNonce(m) => {
            format!("its nonce is not the one of this login ({m})")
        }
        ClaimsVerificationError::InvalidAudience(m) => {
            format!("it is not meant for this backend ({m})")
        }
        ClaimsVerificationError::InvalidIssuer(m) => format!("it is from another issuer ({m})"),
        other => other.to_string(),
    };
    OidcClientError::IdToken(text)
}

/// The OAuth error code and description of a failed token request, if the
/// server sent one.
fn token_error<RE: std::error::Error + 'static, T: openidconnect::ErrorResponse + 'static>(
    e: &openidconnect::RequestTokenError<RE, T>,
) -> String {
    match e {
        openidconnect::RequestTokenError::ServerResponse(response) => response.to_string(),
        other => error_chain(other),
    }
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}
