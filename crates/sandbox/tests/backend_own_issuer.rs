//! The bind backend with an issuer of its own next to a sandbox (manual clock,
//! extra clients, optionally a proxy that tampers with ID tokens, optionally
//! TLS): expired sessions, tampered and foreign ID tokens in the code flow and
//! in the headless bearer extension, and Secure cookies over TLS.

#![allow(clippy::unwrap_used)]

use crate::backend_support;
use crate::common;

use std::time::Duration;

use backend_support::*;
use common::Env;
use serde_json::json;

const PG: (&str, &str) = ("anynines.com", "postgresqlinstances");

#[tokio::test]
async fn expired_sessions_are_refused() {
    let env = Env::start().await;
    let cp = env.client(sandbox::CONTROL_PLANE_CONTEXT).await;
    let custom = custom(&env.sb, cp, false).await;
    let browser = Browser::new();
    let receiver = Receiver::start().await;
    let callback = callback_url(&browser, &custom.url(), receiver.port, "sx", ALICE).await;
    let pages = browser.follow(&callback, |_| true).await;
    let catalogue = pages.last().unwrap();
    assert_eq!(catalogue.status, 200, "{catalogue:?}");
    let link = bind_link(catalogue, PG.0, PG.1);
    custom.clock.advance(Duration::from_secs(3601));
    let page = browser.get(&link).await;
    assert_eq!(page.status, 401);
    assert!(page.body.contains("session has expired"), "{}", page.body);
    assert!(receiver.responses().is_empty());
    drop(custom);
    env.sb.shutdown().await;
}

#[tokio::test]
async fn a_tampered_id_token_is_refused_in_the_code_flow() {
    let env = Env::start().await;
    let cp = env.client(sandbox::CONTROL_PLANE_CONTEXT).await;
    let custom = custom(&env.sb, cp, true).await;
    let browser = Browser::new();
    let receiver = Receiver::start().await;
    let callback = callback_url(&browser, &custom.url(), receiver.port, "st", ALICE).await;
    let page = browser.get(&callback).await;
    assert_eq!(page.status, 401, "{page:?}");
    assert!(
        page.body.contains("signature does not verify"),
        "{}",
        page.body
    );
    assert!(
        page.set_cookies
            .iter()
            .all(|c| !c.starts_with("klutch-bind-st="))
    );
    drop(custom);
    env.sb.shutdown().await;
}

#[tokio::test]
async fn headless_bind_verifies_the_bearer_token() {
    let env = Env::start().await;
    let cp = env.client(sandbox::CONTROL_PLANE_CONTEXT).await;
    let custom = custom(&env.sb, cp, false).await;
    let url = custom.url();
    let body = json!({"clusterID": "c1", "resources": [{"group": PG.0, "resource": PG.1}]});

    let token = custom_token(&custom.issuer_url, "klutch-tui").await;
    let (status, answer, _) = headless_bind(&url, Some(&token), body.clone()).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["kind"], "BindingResponse");
    assert_eq!(
        answer["authentication"]["oauth2CodeGrant"]["id"],
        format!("{}/alice", custom.issuer_url)
    );

    let (status, answer, challenge) = headless_bind(&url, None, body.clone()).await;
    assert_eq!(status, 401);
    assert!(
        challenge
            .unwrap()
            .starts_with("Bearer error=\"invalid_token\"")
    );
    assert!(
        answer["message"]
            .as_str()
            .unwrap()
            .contains("Authorization: Bearer")
    );

    let (status, answer, _) = headless_bind(&url, Some(&tamper(&token)), body.clone()).await;
    assert_eq!(status, 401);
    assert!(
        answer["message"]
            .as_str()
            .unwrap()
            .contains("signature does not verify"),
        "{answer}"
    );

    let foreign = custom_token(&custom.issuer_url, "other").await;
    let (status, answer, _) = headless_bind(&url, Some(&foreign), body.clone()).await;
    assert_eq!(status, 401);
    assert!(
        answer["message"]
            .as_str()
            .unwrap()
            .contains("not meant for this backend"),
        "{answer}"
    );

    // A token of another issuer (the sandbox's own) is not this issuer's.
    let info = env.sb.info();
    let other_issuer = password_token(&info.oidc_issuer, "developer", "developer").await;
    let (status, answer, _) = headless_bind(&url, Some(&other_issuer), body.clone()).await;
    assert_eq!(status, 401, "{answer}");

    custom.clock.advance(Duration::from_secs(2 * 3600));
    let (status, answer, _) = headless_bind(&url, Some(&token), body.clone()).await;
    assert_eq!(status, 401);
    assert!(
        answer["message"].as_str().unwrap().contains("expired"),
        "{answer}"
    );

    let fresh = custom_token(&custom.issuer_url, "klutch-tui").await;
    let (status, answer, _) = headless_bind(
        &url,
        Some(&fresh),
        json!({"clusterID": "bad id!", "resources": []}),
    )
    .await;
    assert_eq!(status, 400);
    assert!(
        answer["message"].as_str().unwrap().contains("clusterID"),
        "{answer}"
    );
    drop(custom);
    env.sb.shutdown().await;
}

#[tokio::test]
async fn over_tls_cookies_are_secure_and_the_provider_names_https() {
    let env = Env::start().await;
    let cp = env.client(sandbox::CONTROL_PLANE_CONTEXT).await;
    let ca = sandbox::tls::Ca::generate().unwrap();
    let tls = ca.server_config(&["127.0.0.1".parse().unwrap()]).unwrap();
    let custom = custom_with(&env.sb, cp, false, Some(tls)).await;
    let url = custom.url();
    assert!(url.starts_with("https://"), "{url}");
    let browser = Browser::trusting(&ca.cert_pem);
    let provider: klutch::bind::BindingProvider = browser
        .http
        .get(format!("{url}/export"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        provider.oauth2_authenticated_url(),
        Some(format!("{url}/authorize").as_str())
    );
    let receiver = Receiver::start().await;
    let pages = browser_bind(&browser, &url, "tls", "tls1", &receiver, ALICE, PG).await;
    assert!(
        pages
            .last()
            .unwrap()
            .body
            .contains("authenticated successfully")
    );
    let authorize = pages.iter().find(|p| p.url.path() == "/authorize").unwrap();
    let login_cookie = authorize
        .set_cookies
        .iter()
        .find(|c| c.starts_with("klutch-bind-login-tls1="))
        .unwrap();
    assert!(
        login_cookie.contains("Secure") && login_cookie.contains("HttpOnly"),
        "{login_cookie}"
    );
    let callback = pages.iter().find(|p| p.url.path() == "/callback").unwrap();
    let cookie = callback
        .set_cookies
        .iter()
        .find(|c| c.starts_with("klutch-bind-tls1="))
        .unwrap();
    assert!(cookie.contains("Secure"), "{cookie}");
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
    assert_eq!(receiver.responses().len(), 1);
    drop(custom);
    env.sb.shutdown().await;
}
