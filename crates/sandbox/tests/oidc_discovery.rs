//! Discovery and JWKS of the sandbox issuer, an issuer URL with a path, and a
//! signing key that survives a restart.

#![allow(clippy::unwrap_used)] // tests may unwrap

use crate::oidc_support;

use oidc_support::*;
use openidconnect::core::CoreJwsSigningAlgorithm;
use openidconnect::{JsonWebKey, JsonWebKeyAlgorithm, JsonWebKeyId};
use sandbox::oidc::{IssuerConfig, OidcError, OidcIssuer, SigningKey};

#[tokio::test]
async fn discovery_document_describes_every_endpoint() {
    let h = start().await;
    let doc: serde_json::Value = h
        .http
        .get(format!("{}/.well-known/openid-configuration", h.url))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(doc["issuer"], h.url);
    for (key, path) in [
        ("authorization_endpoint", "/authorize"),
        ("token_endpoint", "/token"),
        ("userinfo_endpoint", "/userinfo"),
        ("jwks_uri", "/jwks"),
        ("device_authorization_endpoint", "/device/code"),
    ] {
        assert_eq!(doc[key], format!("{}{path}", h.url), "{key}");
    }
    assert_eq!(
        doc["id_token_signing_alg_values_supported"],
        serde_json::json!(["ES256"])
    );
    assert_eq!(
        doc["code_challenge_methods_supported"],
        serde_json::json!(["S256"])
    );
    let grants = doc["grant_types_supported"].as_array().unwrap();
    assert!(grants.contains(&"urn:ietf:params:oauth:grant-type:device_code".into()));
    assert!(grants.contains(&"password".into()));
}

#[tokio::test]
async fn openidconnect_discovers_the_issuer_and_its_es256_key() {
    let h = start().await;
    let metadata = h.metadata().await;
    assert_eq!(metadata.issuer().as_str(), h.url);
    let keys = metadata.jwks().keys();
    assert_eq!(keys.len(), 1);
    let key_id = h.issuer.signing_key().key_id().to_owned();
    assert_eq!(keys[0].key_id(), Some(&JsonWebKeyId::new(key_id)));
    assert!(matches!(
        keys[0].signing_alg(),
        JsonWebKeyAlgorithm::Algorithm(CoreJwsSigningAlgorithm::EcdsaP256Sha256)
    ));
}

#[tokio::test]
async fn an_issuer_url_with_a_path_serves_below_it() {
    let h = start_with(|c| c.issuer_url = format!("{}/dex/", c.issuer_url)).await;
    let base = format!("{}/dex", h.url);
    assert_eq!(h.issuer.issuer_url(), base);
    let doc: serde_json::Value = h
        .http
        .get(format!("{base}/.well-known/openid-configuration"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(doc["issuer"], base);
    assert_eq!(doc["token_endpoint"], format!("{base}/token"));
    let root = h
        .http
        .get(format!("{}/.well-known/openid-configuration", h.url))
        .send()
        .await
        .unwrap();
    assert_eq!(root.status(), 404);
    // The login form posts back below the path, too.
    let page = h
        .http
        .get(format!(
            "{base}/authorize?response_type=code&client_id={BACKEND}&redirect_uri={}&scope=openid",
            url::form_urlencoded::byte_serialize(BACKEND_REDIRECT.as_bytes()).collect::<String>()
        ))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        html_attr(&page, "action").starts_with("/dex/authorize?"),
        "{page}"
    );
}

#[tokio::test]
async fn a_persisted_key_keeps_tokens_valid_across_restarts() {
    let h = start().await;
    let answer = h
        .token_request(&[
            ("grant_type", "password"),
            ("client_id", CLI),
            ("username", USER),
            ("password", PASSWORD),
        ])
        .await;
    let token = answer.1["id_token"].as_str().unwrap();
    let saved = h.issuer.signing_key().to_pkcs8_der();

    let mut config = IssuerConfig::new(
        &h.url,
        vec![],
        vec![sandbox::oidc::Client::public(CLI, &[])],
    );
    config.signing_key = Some(SigningKey::from_pkcs8_der(&saved).unwrap());
    let restarted = OidcIssuer::new(config).unwrap();
    assert_eq!(restarted.verify_id_token(token).unwrap().sub, USER);

    let fresh = OidcIssuer::new(IssuerConfig::new(
        &h.url,
        vec![],
        vec![sandbox::oidc::Client::public(CLI, &[])],
    ))
    .unwrap();
    assert!(fresh.verify_id_token(token).is_err());
}

#[test]
fn bad_configurations_are_refused_with_a_reason() {
    let cases = [
        IssuerConfig::new("not a url", vec![], vec![]),
        IssuerConfig::new("ftp://127.0.0.1", vec![], vec![]),
        IssuerConfig::new(
            "http://127.0.0.1",
            vec![],
            vec![
                sandbox::oidc::Client::public("a", &[]),
                sandbox::oidc::Client::public("a", &[]),
            ],
        ),
        IssuerConfig::new(
            "http://127.0.0.1",
            vec![],
            vec![sandbox::oidc::Client::public(
                "a",
                &["http://127.0.0.1/cb#frag"],
            )],
        ),
        IssuerConfig::new(
            "http://127.0.0.1",
            vec![("u".into(), "p".into()), ("u".into(), "q".into())],
            vec![],
        ),
    ];
    for config in cases {
        let err = OidcIssuer::new(config).unwrap_err();
        assert!(matches!(err, OidcError::Config(_)), "{err}");
    }
}
