//! `klutch-tui bind` against a real third-party OIDC provider — panva's `oidc-provider`, the
//! one the Control Plane tests use — behind the sandbox's backend: our browser login with
//! PKCE at that provider (the test is the browser), and the refresh token used instead of a
//! new login once the ID token has expired.

#![allow(clippy::unwrap_used)]

use crate::backend_support;
use crate::bind_support;
use crate::common;

use backend_support::Browser;
use backend_support::oidc_provider;
use bind_support::{Home, serve_bindings};
use common::Env;

const ALICE: (&str, &str) = ("alice", "wonderland");

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pkce_login_at_oidc_provider_then_refresh() {
    let port = {
        let probe = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        probe.local_addr().unwrap().port()
    };
    let provider = oidc_provider::start(&[
        ("CLIENT_ID", "klutch-bind"),
        ("CLIENT_SECRET", "a-third-party-secret"),
        ("REDIRECT_URI", &format!("http://127.0.0.1:{port}/callback")),
        ("USERS", &format!("{}:{}", ALICE.0, ALICE.1)),
        ("PUBLIC_CLIENT_ID", "klutch-tui"),
    ])
    .await;
    let issuer = provider.issuer.clone();
    let env = Env::start_with(|c| {
        c.bind_port = port;
        c.bind_issuer = Some(sandbox::backend::OidcClientConfig {
            issuer_url: issuer.clone(),
            client_id: "klutch-bind".into(),
            client_secret: Some("a-third-party-secret".into()),
            extra_audiences: vec!["klutch-tui".into()],
            ca_pem: None,
        });
    })
    .await;
    let app = env.client(sandbox::APP_CONTEXT).await;
    serve_bindings(&app).await;
    let home = Home::new(&env.kubeconfig);
    let url = env.sb.info().bind_url.clone();
    let args = [
        "bind",
        url.as_str(),
        "--auth",
        "browser",
        "--konnector",
        "none",
        "--export",
        "backups",
        "--yes",
    ];

    let mut run = home.start(&args);
    let login = run.url().await;
    assert!(
        login.as_str().starts_with(&issuer),
        "the login is at oidc-provider: {login}"
    );
    let query: std::collections::HashMap<_, _> = login.query_pairs().into_owned().collect();
    assert_eq!(query["code_challenge_method"], "S256");
    let browser = Browser::new();
    let pages = browser.follow(&login, |_| true).await;
    let form = pages.last().unwrap();
    assert!(
        form.url.path().starts_with("/interaction/"),
        "oidc-provider's login: {form:?}"
    );
    let after = browser.log_in(form, ALICE.0, ALICE.1).await;
    // oidc-provider resumes the authorization, then redirects to our receiver.
    let done = browser
        .follow(after.location.as_ref().unwrap(), |_| true)
        .await;
    assert!(
        done.last().unwrap().body.contains("You are logged in"),
        "{done:?}"
    );
    let out = run.finish().await;
    assert_eq!(out.code, 0, "{out:?}");
    assert!(out.stdout.contains("bound backups.anynines.com"), "{out:?}");
    assert!(out.stderr.contains("log in: alice (browser"), "{out:?}");

    // The ID token has expired (as far as the cache knows): the refresh token gets a new
    // one, no browser is needed.
    let path = home.cache_file();
    let mut cache: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    assert!(
        cache["entries"][0]["refreshToken"].is_string(),
        "oidc-provider gave a refresh token"
    );
    cache["entries"][0]["expiresAt"] = 1.into();
    std::fs::write(&path, serde_json::to_vec(&cache).unwrap()).unwrap();
    let again = home.run(&args, "").await;
    assert_eq!(again.code, 0, "{again:?}");
    assert!(
        again
            .stderr
            .contains("log in: alice (refreshed, expires in"),
        "{again:?}"
    );
    assert!(
        !again.stderr.contains("To log in"),
        "no login prompt: {again:?}"
    );
    assert!(
        again.stdout.contains("already bound backups.anynines.com"),
        "{again:?}"
    );
    env.sb.shutdown().await;
    drop(provider);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn device_flow_at_oidc_provider() {
    let provider = oidc_provider::start(&[
        ("CLIENT_ID", "klutch-bind"),
        ("CLIENT_SECRET", "a-third-party-secret"),
        ("REDIRECT_URI", "http://127.0.0.1:1/callback"),
        ("USERS", &format!("{}:{}", ALICE.0, ALICE.1)),
        ("PUBLIC_CLIENT_ID", "klutch-tui"),
    ])
    .await;
    let issuer = provider.issuer.clone();
    let env = Env::start_with(|c| {
        c.bind_issuer = Some(sandbox::backend::OidcClientConfig {
            issuer_url: issuer.clone(),
            client_id: "klutch-bind".into(),
            client_secret: Some("a-third-party-secret".into()),
            extra_audiences: vec!["klutch-tui".into()],
            ca_pem: None,
        });
    })
    .await;
    let app = env.client(sandbox::APP_CONTEXT).await;
    serve_bindings(&app).await;
    let home = Home::new(&env.kubeconfig);
    let url = env.sb.info().bind_url.clone();
    let mut run = home.start_device_bind(&url, "none", &["restores"]);
    let complete = run.find(bind_support::device_url).await;
    assert!(complete.as_str().starts_with(&issuer), "{complete}");
    let code = complete
        .query_pairs()
        .find(|(k, _)| k == "user_code")
        .map(|(_, v)| v.into_owned())
        .unwrap();
    // The person at oidc-provider's device pages: each form submitted as a browser would
    // (the code, the confirmation), the login form filled in, until a page has no form.
    let browser = Browser::new();
    let mut page = browser.get(&complete).await;
    for _ in 0..10 {
        if !page.body.contains("<form") {
            break;
        }
        let sent = if page.body.contains("name=\"password\"") {
            browser.log_in(&page, ALICE.0, ALICE.1).await
        } else {
            let (action, mut fields) = bind_support::form_fields(&page.body);
            for (k, v) in &mut fields {
                if k == "user_code" && v.is_empty() {
                    *v = code.clone();
                }
            }
            let form: Vec<(&str, &str)> = fields
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect();
            browser
                .post_form(&page.url.join(&action).unwrap(), &form)
                .await
        };
        page = match &sent.location {
            Some(next) => browser.follow(next, |_| true).await.pop().unwrap(),
            None => sent,
        };
    }
    assert_eq!(page.status, 200, "{page:?}");
    assert!(
        page.body.contains("Sign-in Success") || page.body.contains("success"),
        "{page:?}"
    );
    let out = run.finish().await;
    assert_eq!(out.code, 0, "{out:?}");
    assert!(
        out.stdout.contains("bound restores.anynines.com"),
        "{out:?}"
    );
    assert!(out.stderr.contains("log in: alice (device code"), "{out:?}");
    env.sb.shutdown().await;
    drop(provider);
}
