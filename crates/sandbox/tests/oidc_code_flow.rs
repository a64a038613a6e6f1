//! The authorization code flow against the sandbox issuer, with the real
//! `openidconnect` crate as client and reqwest as the browser; plus refresh,
//! the password grant and userinfo.

#![allow(clippy::unwrap_used)] // tests may unwrap

use crate::oidc_support;

use oidc_support::*;
use openidconnect::core::{CoreAuthenticationFlow, CoreClient, CoreUserInfoClaims};
use openidconnect::{
    AccessTokenHash, AuthType, AuthorizationCode, ClientId, CsrfToken, Nonce, OAuth2TokenResponse,
    PkceCodeChallenge, RedirectUrl, RefreshToken, ResourceOwnerPassword, ResourceOwnerUsername,
    Scope, TokenResponse,
};

#[tokio::test]
async fn public_client_logs_in_with_pkce_and_verifies_the_id_token() {
    let h = start().await;
    // Any loopback port is accepted for the registered http://127.0.0.1/callback.
    let client = h.cli_client(49152).await;
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let (auth_url, csrf, nonce) = client
        .authorize_url(
            CoreAuthenticationFlow::AuthorizationCode,
            CsrfToken::new_random,
            Nonce::new_random,
        )
        .add_scope(Scope::new("email".into()))
        .add_scope(Scope::new("profile".into()))
        .set_pkce_challenge(challenge)
        .url();

    let redirect = h.log_in(auth_url.as_str(), USER, PASSWORD).await;
    assert_eq!(redirect.status(), 303);
    let location = redirect.headers()["location"].to_str().unwrap().to_owned();
    assert!(
        location.starts_with("http://127.0.0.1:49152/callback?"),
        "{location}"
    );
    assert_eq!(
        location_param(&redirect, "state").as_deref(),
        Some(csrf.secret().as_str())
    );
    let code = location_param(&redirect, "code").unwrap();

    let tokens = client
        .exchange_code(AuthorizationCode::new(code))
        .unwrap()
        .set_pkce_verifier(verifier)
        .request_async(&h.http)
        .await
        .unwrap();
    let id_token = tokens.id_token().expect("openid scope gives an ID token");
    let verifier = h.verifier(&client);
    let claims = id_token.claims(&verifier, &nonce).unwrap();
    assert_eq!(claims.subject().as_str(), USER);
    assert_eq!(claims.issuer().as_str(), h.url);
    assert_eq!(claims.audiences().len(), 1);
    assert_eq!(claims.audiences()[0].as_str(), CLI);
    assert_eq!(claims.authorized_party().unwrap().as_str(), CLI);
    assert_eq!(claims.email().unwrap().as_str(), "alice@example.com");
    assert_eq!(claims.preferred_username().unwrap().as_str(), USER);
    assert_eq!(claims.nonce().map(Nonce::secret), Some(nonce.secret()));
    let at_hash = AccessTokenHash::from_token(
        tokens.access_token(),
        id_token.signing_alg().unwrap(),
        id_token.signing_key(&verifier).unwrap(),
    )
    .unwrap();
    assert_eq!(claims.access_token_hash(), Some(&at_hash));
    assert!(tokens.refresh_token().is_some());

    // The same token, verified in process.
    let ours = h.issuer.verify_id_token(&id_token.to_string()).unwrap();
    assert_eq!(ours.sub, USER);
    assert_eq!(ours.nonce.as_deref(), Some(nonce.secret().as_str()));

    // Userinfo with the access token.
    let info: CoreUserInfoClaims = client
        .user_info(
            tokens.access_token().clone(),
            Some(claims.subject().clone()),
        )
        .unwrap()
        .request_async(&h.http)
        .await
        .unwrap();
    assert_eq!(info.preferred_username().unwrap().as_str(), USER);
}

#[tokio::test]
async fn confidential_client_may_skip_pkce_and_authenticate_either_way() {
    let h = start().await;
    for auth_type in [AuthType::BasicAuth, AuthType::RequestBody] {
        let client = CoreClient::from_provider_metadata(
            h.metadata().await,
            ClientId::new(BACKEND.into()),
            Some(Harness::backend_secret()),
        )
        .set_redirect_uri(RedirectUrl::new(BACKEND_REDIRECT.into()).unwrap())
        .set_auth_type(auth_type.clone());
        let (auth_url, _, nonce) = client
            .authorize_url(
                CoreAuthenticationFlow::AuthorizationCode,
                CsrfToken::new_random,
                Nonce::new_random,
            )
            .add_scope(Scope::new("offline_access".into()))
            .url();
        let redirect = h.log_in(auth_url.as_str(), USER, PASSWORD).await;
        let code = location_param(&redirect, "code").unwrap();
        let tokens = client
            .exchange_code(AuthorizationCode::new(code))
            .unwrap()
            .request_async(&h.http)
            .await
            .unwrap_or_else(|e| panic!("{auth_type:?}: {e:?}"));
        let claims = tokens
            .id_token()
            .unwrap()
            .claims(&h.verifier(&client), &nonce)
            .unwrap();
        assert_eq!(claims.audiences()[0].as_str(), BACKEND);
    }
}

#[tokio::test]
async fn refresh_tokens_rotate_and_give_a_fresh_id_token() {
    let h = start().await;
    let client = h.cli_client(50000).await;
    let tokens = client
        .exchange_password(
            &ResourceOwnerUsername::new(USER.into()),
            &ResourceOwnerPassword::new(PASSWORD.into()),
        )
        .unwrap()
        .add_scope(Scope::new("openid".into()))
        .add_scope(Scope::new("email".into()))
        .add_scope(Scope::new("profile".into()))
        .request_async(&h.http)
        .await
        .unwrap();
    let first_refresh = tokens.refresh_token().unwrap().clone();

    let refreshed = client
        .exchange_refresh_token(&first_refresh)
        .unwrap()
        .request_async(&h.http)
        .await
        .unwrap();
    assert_ne!(
        refreshed.access_token().secret(),
        tokens.access_token().secret()
    );
    let id_token = refreshed.id_token().expect("the openid scope carries over");
    let claims = id_token
        .claims(&h.verifier(&client), |_: Option<&Nonce>| Ok(()))
        .unwrap();
    assert_eq!(claims.subject().as_str(), USER);

    // The first refresh token was used up by the rotation.
    let (status, body) = h
        .token_request(&[
            ("grant_type", "refresh_token"),
            ("client_id", CLI),
            ("refresh_token", first_refresh.secret()),
        ])
        .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant")),
        "{body}"
    );

    // A refresh token is bound to its client.
    let second = refreshed.refresh_token().unwrap();
    let (status, body) = h
        .token_request(&[
            ("grant_type", "refresh_token"),
            ("client_id", BACKEND),
            ("client_secret", BACKEND_SECRET),
            ("refresh_token", second.secret()),
        ])
        .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant")),
        "{body}"
    );

    // Narrowing the scope works; widening it does not.
    let (status, body) = h
        .token_request(&[
            ("grant_type", "refresh_token"),
            ("client_id", CLI),
            ("refresh_token", second.secret()),
            ("scope", "openid email"),
        ])
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["scope"], "openid email");
    let narrowed = RefreshToken::new(body["refresh_token"].as_str().unwrap().into());
    let (status, body) = h
        .token_request(&[
            ("grant_type", "refresh_token"),
            ("client_id", CLI),
            ("refresh_token", narrowed.secret()),
            ("scope", "openid profile"),
        ])
        .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_scope")),
        "{body}"
    );
}

#[tokio::test]
async fn password_grant_serves_headless_tests() {
    let h = start().await;
    let (status, body) = h
        .token_request(&[
            ("grant_type", "password"),
            ("client_id", BACKEND),
            ("client_secret", BACKEND_SECRET),
            ("username", USER),
            ("password", PASSWORD),
            ("scope", "openid email"),
        ])
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 3600);
    let claims = h
        .issuer
        .verify_id_token(body["id_token"].as_str().unwrap())
        .unwrap();
    assert_eq!((claims.sub.as_str(), claims.aud.as_str()), (USER, BACKEND));
    assert_eq!(claims.nonce, None);

    // Without the openid scope there is no ID token, but userinfo still works.
    let (status, body) = h
        .token_request(&[
            ("grant_type", "password"),
            ("client_id", CLI),
            ("username", USER),
            ("password", PASSWORD),
            ("scope", "email"),
        ])
        .await;
    assert_eq!(status, 200, "{body}");
    assert!(body.get("id_token").is_none(), "{body}");
    let info: serde_json::Value = h
        .http
        .get(format!("{}/userinfo", h.url))
        .bearer_auth(body["access_token"].as_str().unwrap())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(info["sub"], USER);
    assert_eq!(info["email"], "alice@example.com");
}

#[tokio::test]
async fn cancelling_the_login_redirects_with_access_denied() {
    let h = start().await;
    let challenge = PkceCodeChallenge::new_random_sha256().0;
    let url = format!(
        "{}/authorize?response_type=code&client_id={CLI}&redirect_uri=http%3A%2F%2F127.0.0.1%3A5000%2Fcallback\
         &scope=openid&state=xyz&code_challenge={}&code_challenge_method=S256",
        h.url,
        challenge.as_str()
    );
    let page = h.http.get(&url).send().await.unwrap().text().await.unwrap();
    let action = html_attr(&page, "action");
    let response = h
        .http
        .post(format!("{}{action}", h.url))
        .form(&[("action", "deny")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 303);
    assert_eq!(
        location_param(&response, "error").as_deref(),
        Some("access_denied")
    );
    assert_eq!(location_param(&response, "state").as_deref(), Some("xyz"));
    assert_eq!(location_param(&response, "code"), None);
}
