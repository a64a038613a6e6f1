//! The bind backend against an external, third-party OIDC provider — panva's
//! `oidc-provider` (npm), started from `tests/oidc-provider/provider.js` — so that
//! our own issuer is not the only one the backend was ever tried with: the code
//! grant end to end with a scripted browser, and its refusals.
//!
//! Needs node (≥ 20) and npm; `npm ci` runs in `tests/oidc-provider/` when its
//! node_modules is missing. Without them the test fails and says what to install.

#![allow(clippy::unwrap_used)]

use crate::backend_support;
use crate::common;

use std::sync::Arc;
use std::time::Duration;

use backend_support::oidc_provider::{self, Provider};
use backend_support::*;
use common::Env;
use klutch::bind::{APIServiceExportRequest, ExportRequestPhase};
use kube::api::{Api, PostParams};
use sandbox::backend::session::AuthState;
use url::Url;

const CLIENT: &str = "klutch-bind";
const SECRET: &str = "a-third-party-secret";

/// oidc-provider with the backend's confidential client (and `alice`).
async fn start_provider(redirect_uri: &str) -> Provider {
    oidc_provider::start(&[
        ("CLIENT_ID", CLIENT),
        ("CLIENT_SECRET", SECRET),
        ("REDIRECT_URI", redirect_uri),
        ("USERS", &format!("{}:{}", ALICE.0, ALICE.1)),
    ])
    .await
}

/// A sandbox whose own backend uses oidc-provider.
struct Bound {
    env: Env,
    issuer: String,
    url: String,
}

/// A sandbox, oidc-provider, and a backend of its own (manual clock) using it.
struct Setup {
    env: Env,
    _provider: Provider,
    issuer: String,
    backend: sandbox::backend::Backend,
    clock: Arc<ManualClock>,
}

async fn setup() -> Setup {
    let env = Env::start().await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let callback = format!("http://{}/callback", listener.local_addr().unwrap());
    let provider = start_provider(&callback).await;
    let clock = Arc::new(ManualClock::starting_now());
    let mut config = sandbox::backend::BackendConfig::new(
        sandbox::backend::OidcClientConfig {
            issuer_url: provider.issuer.clone(),
            client_id: CLIENT.into(),
            client_secret: Some(SECRET.into()),
            extra_audiences: Vec::new(),
            ca_pem: None,
        },
        callback,
        env.client(sandbox::CONTROL_PLANE_CONTEXT).await,
        env.sb.info().control_plane_server.clone(),
        env.sb.control_plane.ca_pem.clone(),
        sandbox::backend::generate_cookie_key(),
    );
    config.clock = clock.clone();
    let backend = sandbox::backend::Backend::start(config, listener)
        .await
        .unwrap();
    Setup {
        env,
        issuer: provider.issuer.clone(),
        _provider: provider,
        backend,
        clock,
    }
}

#[tokio::test]
async fn code_grant_against_oidc_provider_delivers_a_binding_response() {
    // The whole sandbox, its backend pointed at oidc-provider (SandboxConfig::bind_issuer).
    let port = {
        let probe = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        probe.local_addr().unwrap().port()
    };
    let provider = start_provider(&format!("http://127.0.0.1:{port}/callback")).await;
    let issuer = provider.issuer.clone();
    let env = Env::start_with(|c| {
        c.bind_port = port;
        c.bind_issuer = Some(sandbox::backend::OidcClientConfig {
            issuer_url: issuer.clone(),
            client_id: CLIENT.into(),
            client_secret: Some(SECRET.into()),
            extra_audiences: Vec::new(),
            ca_pem: None,
        });
    })
    .await;
    let info = env.sb.info().clone();
    assert_eq!(info.bind_url, format!("http://127.0.0.1:{port}"));
    assert_eq!(info.oidc_issuer, issuer);
    assert_eq!(
        info.username, None,
        "no development user with an external issuer"
    );
    let s = Bound {
        env,
        issuer,
        url: info.bind_url,
    };
    let browser = Browser::new();
    let receiver = Receiver::start().await;
    let pages = browser_bind(
        &browser,
        &s.url,
        "extcid",
        "Zx81Qa",
        &receiver,
        ALICE,
        ("anynines.com", "postgresqlinstances"),
    )
    .await;
    assert!(
        pages
            .last()
            .unwrap()
            .body
            .contains("authenticated successfully")
    );
    assert!(
        pages
            .iter()
            .any(|p| p.url.as_str().starts_with(&s.issuer)
                && p.url.path().starts_with("/interaction/")),
        "the login page was oidc-provider's"
    );
    let responses = receiver.responses();
    let response = &responses[0];
    assert_eq!(response.session_id(), Some("Zx81Qa"));
    assert_eq!(
        response
            .authentication
            .oauth2_code_grant
            .as_ref()
            .unwrap()
            .id,
        format!("{}/alice", s.issuer)
    );

    // The credentials work: the export request succeeds.
    let ns = kubeconfig_namespace(&response.kubeconfig);
    let api =
        Api::<APIServiceExportRequest>::namespaced(client_from(&response.kubeconfig).await, &ns);
    api.create(
        &PostParams::default(),
        &response.requests[0].to_request(&ns),
    )
    .await
    .unwrap();
    let done = tokio::time::timeout(
        Duration::from_secs(20),
        kube::runtime::wait::await_condition(
            api,
            "postgresqlinstances.anynines.com",
            |r: Option<&APIServiceExportRequest>| {
                r.is_some_and(|r| r.phase() != ExportRequestPhase::Pending)
            },
        ),
    )
    .await
    .unwrap()
    .unwrap()
    .unwrap();
    assert_eq!(done.phase(), ExportRequestPhase::Succeeded);
    s.env.sb.shutdown().await;
    drop(provider);
}

/// Log in at oidc-provider (unless its session cookie lets the browser through)
/// and stop at its redirect back to the backend's `/callback`.
async fn to_callback(browser: &Browser, bind_url: &str, port: u16, sid: &str) -> Url {
    let back_home = |u: &Url| u.as_str().starts_with(bind_url) && u.path() == "/callback";
    let start = authorize_url(bind_url, "extcid", port, sid);
    let mut pages = browser.follow(&start, |next| !back_home(next)).await;
    let last = pages.pop().unwrap();
    if let Some(location) = last.location.clone().filter(back_home) {
        return location;
    }
    let after = browser.log_in(&last, ALICE.0, ALICE.1).await;
    // oidc-provider resumes the authorization after the login form.
    let pages = browser
        .follow(after.location.as_ref().unwrap(), |next| !back_home(next))
        .await;
    let last = pages.last().unwrap();
    last.location
        .clone()
        .filter(back_home)
        .unwrap_or_else(|| panic!("no redirect back to /callback: {last:?}"))
}

fn state_of(url: &Url) -> AuthState {
    AuthState::decode(&url.query_pairs().find(|(k, _)| k == "state").unwrap().1).unwrap()
}

fn replace_query(url: &Url, key: &str, value: &str) -> Url {
    let pairs: Vec<(String, String)> = url
        .query_pairs()
        .into_owned()
        .map(|(k, v)| {
            if k == key {
                (k, value.to_owned())
            } else {
                (k, v)
            }
        })
        .collect();
    let mut out = url.clone();
    out.query_pairs_mut().clear().extend_pairs(pairs);
    out
}

#[tokio::test]
async fn oidc_provider_logins_are_refused_when_they_must_be() {
    let s = setup().await;
    let url = s.backend.url().to_owned();
    let browser = Browser::new();
    let receiver = Receiver::start().await;

    // Wrong password: oidc-provider's form says so, nothing is redirected.
    let start = authorize_url(&url, "extcid", receiver.port, "w1");
    let login = browser.follow(&start, |_| true).await.pop().unwrap();
    assert!(login.url.as_str().starts_with(&s.issuer), "{:?}", login.url);
    let wrong = browser.log_in(&login, ALICE.0, "not-the-password").await;
    assert_eq!(wrong.status, 401);
    assert!(wrong.location.is_none());
    assert!(
        wrong.body.contains("Invalid username or password"),
        "{}",
        wrong.body
    );

    // Bad state.
    let callback = to_callback(&browser, &url, receiver.port, "b1").await;
    let forged = AuthState {
        sid: "other".into(),
        ..state_of(&callback)
    };
    let page = browser
        .get(&replace_query(&callback, "state", &forged.encode()))
        .await;
    assert_eq!(page.status, 400);
    assert!(
        page.body.contains("does not match the login"),
        "{}",
        page.body
    );

    // A callback is accepted once; its code cannot be replayed in another login.
    let callback = to_callback(&browser, &url, receiver.port, "r1").await;
    let code = callback
        .query_pairs()
        .find(|(k, _)| k == "code")
        .unwrap()
        .1
        .into_owned();
    let first = browser.get(&callback).await;
    assert_eq!(first.status, 302, "{first:?}");
    let replay = browser.get(&callback).await;
    assert_eq!(replay.status, 400);
    assert!(replay.body.contains("already completed"), "{}", replay.body);
    let next = to_callback(&browser, &url, receiver.port, "r2").await;
    let page = browser.get(&replace_query(&next, "code", &code)).await;
    assert_eq!(page.status, 401, "{page:?}");
    assert!(
        page.body.contains("did not accept the login code"),
        "{}",
        page.body
    );
    assert!(page.body.contains("invalid_grant"), "{}", page.body);

    // The session of the good login expires after an hour.
    let catalogue = browser.get(&first.location.clone().unwrap()).await;
    assert_eq!(catalogue.status, 200);
    s.clock.advance(Duration::from_secs(3601));
    let page = browser
        .get(&bind_link(
            &catalogue,
            "anynines.com",
            "postgresqlinstances",
        ))
        .await;
    assert_eq!(page.status, 401);
    assert!(page.body.contains("session has expired"), "{}", page.body);
    assert!(receiver.responses().is_empty());
    s.backend.shutdown().await;
    s.env.sb.shutdown().await;
}
