//! What the sandbox issuer refuses, and how it says so: wrong passwords, replayed
//! or expired codes, PKCE and redirect mismatches, unknown clients, and ID tokens
//! that were tampered with or signed by someone else.

#![allow(clippy::unwrap_used)] // tests may unwrap

use crate::oidc_support;

use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use oidc_support::*;
use openidconnect::core::{CoreAuthenticationFlow, CoreIdToken};
use openidconnect::{CsrfToken, Nonce, PkceCodeChallenge, PkceCodeVerifier};
use sandbox::oidc::{IdTokenError, SigningKey};

/// Log in through the browser and return (code, PKCE verifier, redirect URI).
async fn code_for_cli(h: &Harness) -> (String, PkceCodeVerifier, String) {
    let client = h.cli_client(40000).await;
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let (url, _, _) = client
        .authorize_url(
            CoreAuthenticationFlow::AuthorizationCode,
            CsrfToken::new_random,
            Nonce::new_random,
        )
        .set_pkce_challenge(challenge)
        .url();
    let redirect = h.log_in(url.as_str(), USER, PASSWORD).await;
    assert_eq!(redirect.status(), 303);
    (
        location_param(&redirect, "code").unwrap(),
        verifier,
        "http://127.0.0.1:40000/callback".to_owned(),
    )
}

async fn exchange(
    h: &Harness,
    code: &str,
    verifier: &str,
    redirect_uri: &str,
) -> (u16, serde_json::Value) {
    h.token_request(&[
        ("grant_type", "authorization_code"),
        ("client_id", CLI),
        ("code", code),
        ("code_verifier", verifier),
        ("redirect_uri", redirect_uri),
    ])
    .await
}

fn refusal(answer: &(u16, serde_json::Value)) -> (u16, &str, &str) {
    (
        answer.0,
        answer.1["error"].as_str().unwrap_or("<none>"),
        answer.1["error_description"].as_str().unwrap_or("<none>"),
    )
}

#[tokio::test]
async fn a_wrong_password_shows_the_form_again_with_an_error() {
    let h = start().await;
    let client = h.cli_client(40000).await;
    let (url, _, _) = client
        .authorize_url(
            CoreAuthenticationFlow::AuthorizationCode,
            CsrfToken::new_random,
            Nonce::new_random,
        )
        .set_pkce_challenge(PkceCodeChallenge::new_random_sha256().0)
        .url();
    let response = h.log_in(url.as_str(), USER, "not-the-password").await;
    assert_eq!(response.status(), 401);
    assert!(response.headers().get("location").is_none());
    let html = response.text().await.unwrap();
    assert!(html.contains("Invalid username or password"), "{html}");
    assert!(
        html.contains("<form method=\"post\""),
        "the form is shown again"
    );
    let unknown_user = h.log_in(url.as_str(), "mallory", PASSWORD).await;
    assert_eq!(unknown_user.status(), 401);

    let (status, body) = h
        .token_request(&[
            ("grant_type", "password"),
            ("client_id", CLI),
            ("username", USER),
            ("password", "nope"),
        ])
        .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant")),
        "{body}"
    );
}

#[tokio::test]
async fn a_replayed_code_is_refused_and_revokes_the_first_tokens() {
    let h = start().await;
    let (code, verifier, redirect_uri) = code_for_cli(&h).await;
    let first = exchange(&h, &code, verifier.secret(), &redirect_uri).await;
    assert_eq!(first.0, 200, "{}", first.1);
    let access = first.1["access_token"].as_str().unwrap();
    let userinfo = |token: String| {
        let http = h.http.clone();
        let url = format!("{}/userinfo", h.url);
        async move { http.get(url).bearer_auth(token).send().await.unwrap() }
    };
    assert_eq!(userinfo(access.to_owned()).await.status(), 200);

    let replay = exchange(&h, &code, verifier.secret(), &redirect_uri).await;
    let (status, error, description) = refusal(&replay);
    assert_eq!((status, error), (400, "invalid_grant"));
    assert!(description.contains("already used"), "{description}");
    let revoked = userinfo(access.to_owned()).await;
    assert_eq!(revoked.status(), 401);
    assert!(
        revoked.headers()["www-authenticate"]
            .to_str()
            .unwrap()
            .contains("invalid_token")
    );
    let refreshed = h
        .token_request(&[
            ("grant_type", "refresh_token"),
            ("client_id", CLI),
            ("refresh_token", first.1["refresh_token"].as_str().unwrap()),
        ])
        .await;
    assert_eq!(refusal(&refreshed).1, "invalid_grant");
}

#[tokio::test]
async fn a_wrong_pkce_verifier_is_refused_and_spends_the_code() {
    let h = start().await;
    let (code, verifier, redirect_uri) = code_for_cli(&h).await;
    let other = PkceCodeChallenge::new_random_sha256().1;
    let answer = exchange(&h, &code, other.secret(), &redirect_uri).await;
    let (status, error, description) = refusal(&answer);
    assert_eq!((status, error), (400, "invalid_grant"));
    assert!(description.contains("PKCE"), "{description}");
    let retry = exchange(&h, &code, verifier.secret(), &redirect_uri).await;
    assert_eq!(refusal(&retry).1, "invalid_grant");

    // No verifier at all for a PKCE request.
    let (code, _, redirect_uri) = code_for_cli(&h).await;
    let answer = h
        .token_request(&[
            ("grant_type", "authorization_code"),
            ("client_id", CLI),
            ("code", &code),
            ("redirect_uri", &redirect_uri),
        ])
        .await;
    assert!(refusal(&answer).2.contains("code_verifier"), "{}", answer.1);
}

#[tokio::test]
async fn a_different_redirect_uri_at_the_token_endpoint_is_refused() {
    let h = start().await;
    let (code, verifier, _) = code_for_cli(&h).await;
    let answer = exchange(
        &h,
        &code,
        verifier.secret(),
        "http://127.0.0.1:40001/callback",
    )
    .await;
    let (status, error, description) = refusal(&answer);
    assert_eq!((status, error), (400, "invalid_grant"));
    assert!(description.contains("redirect_uri"), "{description}");
}

#[tokio::test]
async fn an_unregistered_redirect_uri_is_never_redirected_to() {
    let h = start().await;
    let challenge = PkceCodeChallenge::new_random_sha256().0;
    for redirect in [
        "http%3A%2F%2Fevil.example%2Fcallback",
        "http%3A%2F%2F127.0.0.1%3A5000%2Fother",
    ] {
        let response = h
            .http
            .get(format!(
                "{}/authorize?response_type=code&client_id={CLI}&redirect_uri={redirect}&scope=openid\
                 &code_challenge={}&code_challenge_method=S256",
                h.url,
                challenge.as_str()
            ))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 400);
        assert!(response.headers().get("location").is_none());
        assert!(response.text().await.unwrap().contains("is not registered"));
    }
}

#[tokio::test]
async fn an_expired_code_is_refused() {
    let h = start().await;
    let (code, verifier, redirect_uri) = code_for_cli(&h).await;
    h.clock.advance(Duration::from_secs(61));
    let answer = exchange(&h, &code, verifier.secret(), &redirect_uri).await;
    let (status, error, description) = refusal(&answer);
    assert_eq!((status, error), (400, "invalid_grant"));
    assert!(description.contains("expired"), "{description}");
}

#[tokio::test]
async fn unknown_clients_and_wrong_secrets_are_refused() {
    let h = start().await;
    let answer = h
        .token_request(&[
            ("grant_type", "password"),
            ("client_id", "nobody"),
            ("username", USER),
            ("password", PASSWORD),
        ])
        .await;
    assert_eq!(refusal(&answer).0, 401);
    assert_eq!(refusal(&answer).1, "invalid_client");
    assert!(refusal(&answer).2.contains("nobody"));

    let basic = h
        .http
        .post(format!("{}/token", h.url))
        .basic_auth(BACKEND, Some("wrong-secret"))
        .form(&[
            ("grant_type", "password"),
            ("username", USER),
            ("password", PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(basic.status(), 401);
    assert!(
        basic.headers()["www-authenticate"]
            .to_str()
            .unwrap()
            .starts_with("Basic")
    );
    let body: serde_json::Value = basic.json().await.unwrap();
    assert_eq!(body["error"], "invalid_client");

    let no_secret = h
        .token_request(&[
            ("grant_type", "password"),
            ("client_id", BACKEND),
            ("username", USER),
            ("password", PASSWORD),
        ])
        .await;
    assert_eq!(refusal(&no_secret).1, "invalid_client");

    let page = h
        .http
        .get(format!(
            "{}/authorize?response_type=code&client_id=nobody&redirect_uri=http%3A%2F%2F127.0.0.1%2Fcallback",
            h.url
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 400);
    assert!(page.text().await.unwrap().contains("Unknown client"));
}

#[tokio::test]
async fn malformed_requests_get_rfc_6749_errors() {
    let h = start().await;
    let unsupported = h
        .token_request(&[("grant_type", "client_credentials"), ("client_id", CLI)])
        .await;
    assert_eq!(refusal(&unsupported).1, "unsupported_grant_type");
    let scope = h
        .token_request(&[
            ("grant_type", "password"),
            ("client_id", CLI),
            ("username", USER),
            ("password", PASSWORD),
            ("scope", "openid admin"),
        ])
        .await;
    assert_eq!(refusal(&scope).1, "invalid_scope");
    let twice = h
        .token_request(&[
            ("grant_type", "password"),
            ("grant_type", "password"),
            ("client_id", CLI),
        ])
        .await;
    assert_eq!(refusal(&twice).1, "invalid_request");
    let missing = h.token_request(&[("client_id", CLI)]).await;
    assert!(refusal(&missing).2.contains("grant_type"));

    // A public client must use PKCE: the error goes back to the (valid) redirect.
    let response = h
        .http
        .get(format!(
            "{}/authorize?response_type=code&client_id={CLI}&redirect_uri=http%3A%2F%2F127.0.0.1%3A1234%2Fcallback\
             &scope=openid&state=s1",
            h.url
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 303);
    assert_eq!(
        location_param(&response, "error").as_deref(),
        Some("invalid_request")
    );
    assert_eq!(location_param(&response, "state").as_deref(), Some("s1"));
    assert!(
        location_param(&response, "error_description")
            .unwrap()
            .contains("PKCE")
    );
}

/// Replace the payload of a JWT, keeping header and signature.
fn with_payload(token: &str, edit: impl FnOnce(&mut serde_json::Value)) -> String {
    let parts: Vec<&str> = token.split('.').collect();
    let mut payload: serde_json::Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap();
    edit(&mut payload);
    let payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&payload).unwrap());
    format!("{}.{payload}.{}", parts[0], parts[2])
}

#[tokio::test]
async fn tampered_or_foreign_id_tokens_fail_verification() {
    let h = start().await;
    let answer = h
        .token_request(&[
            ("grant_type", "password"),
            ("client_id", CLI),
            ("username", USER),
            ("password", PASSWORD),
            ("scope", "openid"),
        ])
        .await;
    let token = answer.1["id_token"].as_str().unwrap().to_owned();
    let client = h.cli_client(40000).await;
    let verifier = h.verifier(&client);
    let accept_any_nonce = |_: Option<&Nonce>| Ok(());
    let genuine: CoreIdToken = token.parse().unwrap();
    assert!(genuine.claims(&verifier, accept_any_nonce).is_ok());

    let tampered = with_payload(&token, |p| p["sub"] = "admin".into());
    let parsed: CoreIdToken = tampered.parse().unwrap();
    assert!(parsed.claims(&verifier, accept_any_nonce).is_err());
    assert_eq!(
        h.issuer.verify_id_token(&tampered),
        Err(IdTokenError::BadSignature)
    );

    // A token from another issuer instance with its own key.
    let other = start_with(|c| c.signing_key = Some(SigningKey::generate().unwrap())).await;
    let foreign = other
        .token_request(&[
            ("grant_type", "password"),
            ("client_id", CLI),
            ("username", USER),
            ("password", PASSWORD),
        ])
        .await;
    let foreign = foreign.1["id_token"].as_str().unwrap();
    let parsed: CoreIdToken = foreign.parse().unwrap();
    assert!(parsed.claims(&verifier, accept_any_nonce).is_err());
    assert!(matches!(
        h.issuer.verify_id_token(foreign),
        Err(IdTokenError::UnknownKey(_))
    ));

    // Expiry follows the issuer's clock.
    h.clock.advance(Duration::from_secs(3601));
    assert_eq!(h.issuer.verify_id_token(&token), Err(IdTokenError::Expired));
    assert!(matches!(
        h.issuer.verify_id_token("a.b"),
        Err(IdTokenError::Malformed(_))
    ));
}
