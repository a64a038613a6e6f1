//! Shared harness of the OIDC issuer tests: an issuer on a loopback port with a
//! manual clock, a "browser" (reqwest, redirects off) and openidconnect clients.

#![allow(dead_code, clippy::unwrap_used)]

use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use openidconnect::core::{
    CoreAuthDisplay, CoreClaimName, CoreClaimType, CoreClient, CoreClientAuthMethod, CoreGrantType,
    CoreJsonWebKey, CoreJweContentEncryptionAlgorithm, CoreJweKeyManagementAlgorithm,
    CoreJwsSigningAlgorithm, CoreResponseMode, CoreResponseType, CoreSubjectIdentifierType,
};
use openidconnect::reqwest;
use openidconnect::{
    AdditionalProviderMetadata, ClientId, ClientSecret, DeviceAuthorizationUrl, IdTokenVerifier,
    IssuerUrl, ProviderMetadata, RedirectUrl,
};
use sandbox::oidc::{Client, Clock, IssuerConfig, OidcIssuer};
use serde::{Deserialize, Serialize};
use tokio::sync::oneshot;

pub const USER: &str = "alice";
pub const PASSWORD: &str = "wonderland";
/// A public client (PKCE required) with a loopback redirect on any port.
pub const CLI: &str = "klutch-tui";
pub const CLI_REDIRECT: &str = "http://127.0.0.1/callback";
/// A confidential client.
pub const BACKEND: &str = "klutch-bind";
pub const BACKEND_SECRET: &str = "bind-secret";
pub const BACKEND_REDIRECT: &str = "http://127.0.0.1:8080/callback";

/// A clock that moves only when told to.
#[derive(Debug)]
pub struct ManualClock(Mutex<SystemTime>);

impl ManualClock {
    pub fn advance(&self, by: Duration) {
        *self.0.lock().unwrap() += by;
    }
}

impl Clock for ManualClock {
    fn now(&self) -> SystemTime {
        *self.0.lock().unwrap()
    }
}

#[derive(Clone, Debug, Deserialize, Serialize)]
pub struct DeviceEndpoint {
    pub device_authorization_endpoint: DeviceAuthorizationUrl,
}
impl AdditionalProviderMetadata for DeviceEndpoint {}
pub type Metadata = ProviderMetadata<
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

pub struct Harness {
    pub issuer: OidcIssuer,
    pub url: String,
    pub clock: Arc<ManualClock>,
    /// Plays the browser and raw clients: never follows redirects.
    pub http: reqwest::Client,
    stop: Option<oneshot::Sender<()>>,
}

impl Drop for Harness {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

pub async fn start() -> Harness {
    start_with(|_| {}).await
}

pub async fn start_with(tweak: impl FnOnce(&mut IssuerConfig)) -> Harness {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let clock = Arc::new(ManualClock(Mutex::new(SystemTime::now())));
    let mut config = IssuerConfig::new(
        &url,
        vec![(USER.into(), PASSWORD.into())],
        vec![
            Client::public(CLI, &[CLI_REDIRECT]),
            Client::confidential(BACKEND, BACKEND_SECRET, &[BACKEND_REDIRECT]),
        ],
    );
    config.clock = clock.clone();
    config.device_poll_interval = Duration::from_secs(1);
    tweak(&mut config);
    let issuer = OidcIssuer::new(config).unwrap();
    let (stop, stopped) = oneshot::channel::<()>();
    tokio::spawn(issuer.clone().serve(listener, async {
        let _ = stopped.await;
    }));
    Harness {
        issuer,
        url,
        clock,
        http: reqwest::ClientBuilder::new()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap(),
        stop: Some(stop),
    }
}

impl Harness {
    pub async fn metadata(&self) -> Metadata {
        Metadata::discover_async(IssuerUrl::new(self.url.clone()).unwrap(), &self.http)
            .await
            .unwrap()
    }

    /// The public CLI client, configured from discovery, redirecting to `port`.
    pub async fn cli_client(
        &self,
        port: u16,
    ) -> CoreClient<
        openidconnect::EndpointSet,
        openidconnect::EndpointNotSet,
        openidconnect::EndpointNotSet,
        openidconnect::EndpointNotSet,
        openidconnect::EndpointMaybeSet,
        openidconnect::EndpointMaybeSet,
    > {
        CoreClient::from_provider_metadata(self.metadata().await, ClientId::new(CLI.into()), None)
            .set_redirect_uri(
                RedirectUrl::new(format!("http://127.0.0.1:{port}/callback")).unwrap(),
            )
    }

    /// A verifier for ID tokens of `client_id` that accepts this issuer's ES256.
    pub fn verifier<'a>(
        &self,
        client: &'a CoreClient<
            impl openidconnect::EndpointState,
            impl openidconnect::EndpointState,
            impl openidconnect::EndpointState,
            impl openidconnect::EndpointState,
            impl openidconnect::EndpointState,
            impl openidconnect::EndpointState,
        >,
    ) -> IdTokenVerifier<'a, CoreJsonWebKey> {
        client
            .id_token_verifier()
            .set_allowed_algs(vec![CoreJwsSigningAlgorithm::EcdsaP256Sha256])
    }

    pub fn backend_secret() -> ClientSecret {
        ClientSecret::new(BACKEND_SECRET.into())
    }

    /// GET the login page of `authorize_url`, then POST the credentials to it, as
    /// a browser does. Returns the POST's response.
    pub async fn log_in(
        &self,
        authorize_url: &str,
        user: &str,
        password: &str,
    ) -> reqwest::Response {
        let page = self.http.get(authorize_url).send().await.unwrap();
        assert_eq!(page.status(), 200, "login page");
        let html = page.text().await.unwrap();
        assert!(html.contains("<form method=\"post\""), "{html}");
        let action = html_attr(&html, "action");
        self.http
            .post(format!("{}{action}", self.url))
            .form(&[
                ("username", user),
                ("password", password),
                ("action", "login"),
            ])
            .send()
            .await
            .unwrap()
    }

    /// POST a form to the token endpoint, as a client without a library would.
    pub async fn token_request(&self, form: &[(&str, &str)]) -> (u16, serde_json::Value) {
        let response = self
            .http
            .post(format!("{}/token", self.url))
            .form(form)
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        (status, response.json().await.unwrap())
    }
}

/// The unescaped value of the first `name="…"` attribute in `html`.
pub fn html_attr(html: &str, name: &str) -> String {
    let start = html.find(&format!("{name}=\"")).unwrap() + name.len() + 2;
    let end = start + html[start..].find('"').unwrap();
    html[start..end]
        .replace("&amp;", "&")
        .replace("&quot;", "\"")
}

/// The query parameter `name` of a redirect's Location.
pub fn location_param(response: &reqwest::Response, name: &str) -> Option<String> {
    let location = response.headers().get("location")?.to_str().ok()?;
    let url = url::Url::parse(location).ok()?;
    url.query_pairs()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}
