//! The issuer served over HTTPS with a caller-provided rustls configuration.

#![allow(clippy::unwrap_used)] // tests may unwrap

use std::sync::Arc;

use openidconnect::reqwest;
use rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};
use sandbox::oidc::{Client, IssuerConfig, OidcIssuer};
use tokio::sync::oneshot;

#[tokio::test]
async fn discovery_and_tokens_over_tls() {
    let cert = rcgen::generate_simple_self_signed(vec!["127.0.0.1".into()]).unwrap();
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(cert.signing_key.serialize_der()));
    let tls = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_no_client_auth()
    .with_single_cert(vec![cert.cert.der().clone()], key)
    .unwrap();

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("https://{}", listener.local_addr().unwrap());
    let issuer = OidcIssuer::new(IssuerConfig::new(
        &url,
        vec![("alice".into(), "pw".into())],
        vec![Client::public("cli", &["http://127.0.0.1/callback"])],
    ))
    .unwrap();
    let (stop, stopped) = oneshot::channel::<()>();
    let server = tokio::spawn(issuer.clone().serve_tls(listener, Arc::new(tls), async {
        let _ = stopped.await;
    }));

    let http = reqwest::ClientBuilder::new()
        .add_root_certificate(reqwest::Certificate::from_der(cert.cert.der()).unwrap())
        .build()
        .unwrap();
    let metadata = openidconnect::core::CoreProviderMetadata::discover_async(
        openidconnect::IssuerUrl::new(url.clone()).unwrap(),
        &http,
    )
    .await
    .unwrap();
    assert_eq!(
        metadata.token_endpoint().unwrap().as_str(),
        format!("{url}/token")
    );

    let answer: serde_json::Value = http
        .post(format!("{url}/token"))
        .form(&[
            ("grant_type", "password"),
            ("client_id", "cli"),
            ("username", "alice"),
            ("password", "pw"),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let claims = issuer
        .verify_id_token(answer["id_token"].as_str().unwrap())
        .unwrap();
    assert_eq!(claims.iss, url);

    // Plain HTTP to the TLS port gets no answer.
    let plain = reqwest::Client::new()
        .get(format!("{}/jwks", url.replace("https", "http")))
        .send()
        .await;
    assert!(plain.is_err() || !plain.unwrap().status().is_success());

    stop.send(()).unwrap();
    server.await.unwrap().unwrap();
}
