//! The device flow (RFC 8628) against the sandbox issuer: driven end to end by
//! openidconnect's device-flow support, and poll by poll with raw requests.

#![allow(clippy::unwrap_used)] // tests may unwrap

use crate::oidc_support;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use oidc_support::*;
use openidconnect::core::{CoreClient, CoreDeviceAuthorizationResponse};
use openidconnect::{ClientId, Nonce, Scope, TokenResponse};

/// Type the user code into the verification page and approve (or deny).
async fn verify_device(h: &Harness, page_url: &str, password: &str, action: &str) -> (u16, String) {
    let page = h.http.get(page_url).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    let user_code = html_attr(&html, "value");
    let action_path = html_attr(&html, "action");
    let response = h
        .http
        .post(format!("{}{action_path}", h.url))
        .form(&[
            ("user_code", user_code.as_str()),
            ("username", USER),
            ("password", password),
            ("action", action),
        ])
        .send()
        .await
        .unwrap();
    (response.status().as_u16(), response.text().await.unwrap())
}

#[tokio::test]
async fn openidconnect_device_flow_gets_a_verified_id_token() {
    let h = Arc::new(start().await);
    let metadata = h.metadata().await;
    let device_url = metadata
        .additional_metadata()
        .device_authorization_endpoint
        .clone();
    assert_eq!(device_url.as_str(), format!("{}/device/code", h.url));
    let client = CoreClient::from_provider_metadata(metadata, ClientId::new(CLI.into()), None)
        .set_device_authorization_url(device_url);
    let details: CoreDeviceAuthorizationResponse = client
        .exchange_device_code()
        .add_scope(Scope::new("openid".into()))
        .add_scope(Scope::new("email".into()))
        .request_async(&h.http)
        .await
        .unwrap();
    assert_eq!(
        details.verification_uri().as_str(),
        format!("{}/device", h.url)
    );
    assert_eq!(details.interval(), Duration::from_secs(1));
    let user_code = details.user_code().secret().clone();
    assert!(regex_like_user_code(&user_code), "{user_code}");
    let complete = details
        .verification_uri_complete()
        .unwrap()
        .secret()
        .clone();

    // The client sleeps between polls; in this sleep the user approves, and the
    // issuer's clock moves by exactly the interval.
    let sleeps = Arc::new(AtomicUsize::new(0));
    let sleep_fn = {
        let (h, sleeps, complete) = (h.clone(), sleeps.clone(), complete.clone());
        move |interval: Duration| {
            let (h, sleeps, complete) = (h.clone(), sleeps.clone(), complete.clone());
            async move {
                h.clock.advance(interval);
                if sleeps.fetch_add(1, Ordering::SeqCst) == 0 {
                    let (status, page) = verify_device(&h, &complete, PASSWORD, "approve").await;
                    assert_eq!(status, 200, "{page}");
                    assert!(page.contains("Device connected"), "{page}");
                }
            }
        }
    };
    let tokens = client
        .exchange_device_access_token(&details)
        .unwrap()
        .request_async(&h.http, sleep_fn, None)
        .await
        .unwrap();
    assert_eq!(
        sleeps.load(Ordering::SeqCst),
        1,
        "one authorization_pending, then tokens"
    );
    let claims = tokens
        .id_token()
        .unwrap()
        .claims(&h.verifier(&client), |_: Option<&Nonce>| Ok(()))
        .unwrap();
    assert_eq!(claims.subject().as_str(), USER);
    assert_eq!(claims.audiences()[0].as_str(), CLI);
}

fn regex_like_user_code(code: &str) -> bool {
    let (a, b) = code.split_once('-').unwrap_or_default();
    a.len() == 4 && b.len() == 4 && code.chars().all(|c| c == '-' || c.is_ascii_uppercase())
}

async fn start_device(h: &Harness) -> serde_json::Value {
    let response = h
        .http
        .post(format!("{}/device/code", h.url))
        .form(&[("client_id", CLI), ("scope", "openid")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    response.json().await.unwrap()
}

async fn poll(h: &Harness, device_code: &str) -> (u16, serde_json::Value) {
    h.token_request(&[
        ("grant_type", "urn:ietf:params:oauth:grant-type:device_code"),
        ("client_id", CLI),
        ("device_code", device_code),
    ])
    .await
}

fn error(answer: &(u16, serde_json::Value)) -> (u16, &str) {
    (answer.0, answer.1["error"].as_str().unwrap_or("<none>"))
}

#[tokio::test]
async fn polling_answers_pending_slow_down_denied_and_expired() {
    let h = start().await;
    let started = start_device(&h).await;
    assert_eq!(started["expires_in"], 600);
    let device_code = started["device_code"].as_str().unwrap();
    let complete = started["verification_uri_complete"].as_str().unwrap();

    assert_eq!(
        error(&poll(&h, device_code).await),
        (400, "authorization_pending")
    );
    // Again at the same instant: too fast. Each slow_down adds 5 s: now 6 s.
    assert_eq!(error(&poll(&h, device_code).await), (400, "slow_down"));
    h.clock.advance(Duration::from_secs(5));
    assert_eq!(
        error(&poll(&h, device_code).await),
        (400, "slow_down"),
        "5 s < 6 s"
    );
    // Now 11 s.
    h.clock.advance(Duration::from_secs(11));
    assert_eq!(
        error(&poll(&h, device_code).await),
        (400, "authorization_pending")
    );

    // A wrong password does not decide anything, neither approval nor denial: whoever
    // sees the code on the device's screen cannot cancel the flow.
    for action in ["approve", "deny"] {
        let (status, page) = verify_device(&h, complete, "wrong", action).await;
        assert_eq!(status, 401, "{action}");
        assert!(page.contains("Invalid username or password"), "{page}");
    }
    h.clock.advance(Duration::from_secs(11));
    assert_eq!(
        error(&poll(&h, device_code).await),
        (400, "authorization_pending")
    );

    // The user denies.
    let (status, page) = verify_device(&h, complete, PASSWORD, "deny").await;
    assert_eq!(status, 200);
    assert!(page.contains("Access denied"), "{page}");
    h.clock.advance(Duration::from_secs(11));
    assert_eq!(error(&poll(&h, device_code).await), (400, "access_denied"));

    // Another device code that nobody approves in time.
    let late = start_device(&h).await;
    let late_code = late["device_code"].as_str().unwrap();
    h.clock.advance(Duration::from_secs(601));
    assert_eq!(error(&poll(&h, late_code).await), (400, "expired_token"));
    let (status, page) = verify_device(
        &h,
        late["verification_uri_complete"].as_str().unwrap(),
        PASSWORD,
        "approve",
    )
    .await;
    assert_eq!(status, 400);
    assert!(page.contains("Unknown or expired code"), "{page}");

    assert_eq!(error(&poll(&h, "made-up").await), (400, "invalid_grant"));
}

#[tokio::test]
async fn a_device_code_serves_only_its_client() {
    let h = start().await;
    let started = start_device(&h).await;
    let (status, body) = h
        .token_request(&[
            ("grant_type", "urn:ietf:params:oauth:grant-type:device_code"),
            ("client_id", BACKEND),
            ("client_secret", BACKEND_SECRET),
            ("device_code", started["device_code"].as_str().unwrap()),
        ])
        .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant")),
        "{body}"
    );
}

#[tokio::test]
async fn pending_device_flows_are_bounded() {
    // Anyone may start a device flow; the issuer keeps at most 1,000 waiting for a user,
    // then answers 503 temporarily_unavailable instead of growing without bound.
    let h = start().await;
    for _ in 0..1000 {
        start_device(&h).await;
    }
    let response = h
        .http
        .post(format!("{}/device/code", h.url))
        .form(&[("client_id", CLI), ("scope", "openid")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 503);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["error"], "temporarily_unavailable", "{body}");
    // Once they expire there is room again.
    h.clock.advance(Duration::from_secs(2000));
    start_device(&h).await;
}
