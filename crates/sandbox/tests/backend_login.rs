//! The OAuth2 code-grant login of the bind backend end to end over HTTP, with a
//! scripted browser against the sandbox's own issuer, as upstream's CLI drives
//! it (`/authorize?c&p&s` → issuer login → `/callback` → `/resources` → `/bind`
//! → the CLI's loopback receiver); and every way it must refuse: wrong password,
//! bad state, replayed callback, another browser, expired session, tampered ID
//! token (the last three in backend_own_issuer.rs), and a restart.

#![allow(clippy::unwrap_used)]

use crate::backend_support;
use crate::common;

use backend_support::*;
use common::Env;
use klutch::bind::BindingProvider;
use sandbox::backend::session::AuthState;
use serde_json::json;
use url::Url;

const PG: (&str, &str) = ("anynines.com", "postgresqlinstances");

fn developer(env: &Env) -> (String, String) {
    let info = env.sb.info();
    (
        info.username.clone().unwrap(),
        info.password.clone().unwrap(),
    )
}

#[tokio::test]
async fn upstream_cli_flow_delivers_a_binding_response_to_the_loopback_receiver() {
    let env = Env::start().await;
    let info = env.sb.info().clone();
    let info_file: serde_json::Value =
        serde_json::from_slice(&std::fs::read(env.path("info.json")).unwrap()).unwrap();
    assert_eq!(info_file["bindUrl"], info.bind_url.as_str());
    assert_eq!(info_file["oidcIssuer"], info.oidc_issuer.as_str());
    assert_eq!(info_file["username"], "developer");
    assert_eq!(info_file["password"], "developer");

    let browser = Browser::new();
    let provider: BindingProvider = browser
        .http
        .get(format!("{}/export", info.bind_url))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    provider.check_type().unwrap();
    assert_eq!(
        provider.oauth2_authenticated_url(),
        Some(format!("{}/authorize", info.bind_url).as_str())
    );

    let receiver = Receiver::start().await;
    let (user, password) = developer(&env);
    let pages = browser_bind(
        &browser,
        &info.bind_url,
        "cid001",
        "3kF9aZ",
        &receiver,
        (&user, &password),
        PG,
    )
    .await;
    let last = pages.last().unwrap();
    assert_eq!(last.url.port(), Some(receiver.port));
    assert!(last.body.contains("authenticated successfully"), "{last:?}");

    // The issuer was asked with PKCE and a nonce, and the callback set the
    // session cookie HttpOnly and SameSite=Lax (not Secure: plain HTTP).
    let to_issuer = pages
        .iter()
        .find_map(|p| {
            p.location
                .as_ref()
                .filter(|l| l.as_str().starts_with(&info.oidc_issuer))
        })
        .unwrap();
    let query: std::collections::HashMap<_, _> = to_issuer.query_pairs().into_owned().collect();
    assert_eq!(query["code_challenge_method"], "S256");
    assert!(query.contains_key("nonce"));
    assert_eq!(query["client_id"], sandbox::BIND_CLIENT_ID);
    let callback = pages.iter().find(|p| p.url.path() == "/callback").unwrap();
    let session_cookie = callback
        .set_cookies
        .iter()
        .find(|c| c.starts_with("klutch-bind-3kF9aZ="))
        .unwrap();
    assert!(session_cookie.contains("HttpOnly"), "{session_cookie}");
    assert!(session_cookie.contains("SameSite=Lax"), "{session_cookie}");
    assert!(session_cookie.contains("Max-Age=3600"), "{session_cookie}");
    assert!(!session_cookie.contains("Secure"), "{session_cookie}");
    assert!(
        !session_cookie.contains("developer"),
        "the cookie is encrypted"
    );

    let responses = receiver.responses();
    assert_eq!(responses.len(), 1);
    let response = &responses[0];
    assert_eq!(response.session_id(), Some("3kF9aZ"));
    assert_eq!(
        response
            .authentication
            .oauth2_code_grant
            .as_ref()
            .unwrap()
            .id,
        format!("{}/developer", info.oidc_issuer)
    );
    assert_eq!(
        response.requests[0].metadata.name,
        "postgresqlinstances.anynines.com"
    );
    let ns = kubeconfig_namespace(&response.kubeconfig);
    assert!(ns.starts_with("cluster-"), "{ns}");

    // Binding another resource in the same session lands in the same namespace.
    let catalogue = pages
        .iter()
        .rev()
        .find(|p| p.url.path() == "/resources")
        .unwrap();
    let again = browser
        .follow(
            &bind_link(catalogue, "anynines.com", "servicebindings"),
            |_| true,
        )
        .await;
    assert_eq!(again.last().unwrap().status, 200);
    let second = receiver.responses();
    assert_eq!(kubeconfig_namespace(&second[1].kubeconfig), ns);
    assert_eq!(
        second[1].requests[0].metadata.name,
        "servicebindings.anynines.com"
    );
    env.sb.shutdown().await;
}

#[tokio::test]
async fn wrong_password_and_unusable_requests_are_refused() {
    let env = Env::start_with(|c| c.users = vec![("bob".into(), "builder:1".into())]).await;
    let info = env.sb.info().clone();
    let browser = Browser::new();
    let receiver = Receiver::start().await;
    let start = authorize_url(&info.bind_url, "cid", receiver.port, "sid");
    let login = browser.follow(&start, |_| true).await.pop().unwrap();
    let refused = browser.log_in(&login, "developer", "wrong").await;
    assert_eq!(refused.status, 401);
    assert!(refused.location.is_none());
    assert!(
        refused.body.contains("Invalid username or password"),
        "{}",
        refused.body
    );
    // A user added with --user logs in (its password may contain ':').
    let accepted = browser.log_in(&login, "bob", "builder:1").await;
    assert_eq!(accepted.status, 303, "{accepted:?}");

    // Requests /authorize refuses before anything happens.
    for (query, needle) in [
        ("c=x&p=1", "session id"),
        ("s=x&p=1", "cluster id"),
        ("s=x&c=y", "Neither a callback port"),
        ("s=x&c=y&u=http://evil.example/callback", "on this machine"),
        ("s=a%3Bb&c=y&p=1", "session id"),
    ] {
        let page = browser
            .get(&Url::parse(&format!("{}/authorize?{query}", info.bind_url)).unwrap())
            .await;
        assert_eq!(page.status, 400, "{query}");
        assert!(page.body.contains(needle), "{query}: {}", page.body);
    }
    env.sb.shutdown().await;
}

/// `url` with its query parameter `name` set to `value` (the others as they are).
fn with_param(url: &Url, name: &str, value: &str) -> Url {
    let mut out = url.clone();
    let pairs: Vec<(String, String)> = url
        .query_pairs()
        .into_owned()
        .map(|(k, v)| {
            if k == name {
                (k, value.to_owned())
            } else {
                (k, v)
            }
        })
        .collect();
    out.query_pairs_mut().clear().extend_pairs(pairs);
    out
}

fn with_state(url: &Url, state: &str) -> Url {
    with_param(url, "state", state)
}

#[tokio::test]
async fn bad_state_replayed_callbacks_and_other_browsers_are_refused() {
    let env = Env::start().await;
    let info = env.sb.info().clone();
    let (user, password) = developer(&env);
    let browser = Browser::new();
    let receiver = Receiver::start().await;
    let callback = callback_url(
        &browser,
        &info.bind_url,
        receiver.port,
        "s1",
        (&user, &password),
    )
    .await;
    let state = AuthState::decode(
        &callback
            .query_pairs()
            .find(|(k, _)| k == "state")
            .unwrap()
            .1,
    )
    .unwrap();

    let garbage = browser.get(&with_state(&callback, "bm90IGpzb24")).await;
    assert_eq!(garbage.status, 400);
    assert!(
        garbage.body.contains("login state is missing or damaged"),
        "{}",
        garbage.body
    );
    let forged = AuthState {
        key: "forged".into(),
        ..state.clone()
    };
    let page = browser.get(&with_state(&callback, &forged.encode())).await;
    assert_eq!(page.status, 400);
    assert!(
        page.body.contains("unknown or was already completed"),
        "{}",
        page.body
    );

    // The real callback works once; its replay is refused.
    let first = browser.get(&callback).await;
    assert_eq!(first.status, 302, "{first:?}");
    assert_eq!(first.location.as_ref().unwrap().path(), "/resources");
    let replay = browser.get(&callback).await;
    assert_eq!(replay.status, 400);
    assert!(replay.body.contains("already completed"), "{}", replay.body);

    // The code of that login cannot be replayed in a new one: the issuer refuses it.
    let code = callback
        .query_pairs()
        .find(|(k, _)| k == "code")
        .unwrap()
        .1
        .into_owned();
    let next = callback_url(
        &browser,
        &info.bind_url,
        receiver.port,
        "s4",
        (&user, &password),
    )
    .await;
    let replayed = with_param(&next, "code", &code);
    let page = browser.get(&replayed).await;
    assert_eq!(page.status, 401, "{page:?}");
    assert!(
        page.body.contains("did not accept the login code"),
        "{}",
        page.body
    );
    assert!(page.body.contains("invalid_grant"), "{}", page.body);

    // A state changed to another session (same key) does not match the login.
    let callback = callback_url(
        &browser,
        &info.bind_url,
        receiver.port,
        "s2",
        (&user, &password),
    )
    .await;
    let mut state = AuthState::decode(
        &callback
            .query_pairs()
            .find(|(k, _)| k == "state")
            .unwrap()
            .1,
    )
    .unwrap();
    state.redirect_url = "http://localhost:1/stolen".into();
    let page = browser.get(&with_state(&callback, &state.encode())).await;
    assert_eq!(page.status, 400);
    assert!(
        page.body.contains("does not match the login"),
        "{}",
        page.body
    );

    // A callback carried to another browser (login CSRF) is refused.
    let callback = callback_url(
        &browser,
        &info.bind_url,
        receiver.port,
        "s3",
        (&user, &password),
    )
    .await;
    let page = Browser::new().get(&callback).await;
    assert_eq!(page.status, 400);
    assert!(page.body.contains("another browser"), "{}", page.body);
    // Whoever sees the callback URL can neither finish nor cancel the login (not even by
    // claiming the issuer refused it): its own browser still finishes it.
    let cancel = with_param(&callback, "error", "access_denied");
    assert_eq!(Browser::new().get(&cancel).await.status, 400);
    let page = browser.get(&callback).await;
    assert_eq!(page.status, 302, "{page:?}");
    assert_eq!(page.location.as_ref().unwrap().path(), "/resources");

    // An error from the issuer is shown as such.
    let denied = browser
        .get(
            &Url::parse(&format!(
                "{}/callback?error=access_denied&error_description=the+user+cancelled",
                info.bind_url
            ))
            .unwrap(),
        )
        .await;
    assert_eq!(denied.status, 400);
    assert!(
        denied
            .body
            .contains("refused the login: access_denied: the user cancelled"),
        "{}",
        denied.body
    );

    // No session cookie, no catalogue.
    let page = Browser::new()
        .get(&Url::parse(&format!("{}/resources?s=s1", info.bind_url)).unwrap())
        .await;
    assert_eq!(page.status, 401);
    assert!(page.body.contains("no valid session s1"), "{}", page.body);
    env.sb.shutdown().await;
}

#[tokio::test]
async fn a_restart_on_the_same_state_dir_keeps_urls_and_sessions() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state");
    let start = |out: &str| {
        let state = state.clone();
        let out = dir.path().join(out);
        async move {
            Env::start_with(move |c| {
                c.state_dir = Some(state);
                c.info_out = out;
            })
            .await
        }
    };
    let env = start("info1.json").await;
    let info = env.sb.info().clone();
    let (user, password) = developer(&env);
    let browser = Browser::new();
    let receiver = Receiver::start().await;
    let callback = callback_url(
        &browser,
        &info.bind_url,
        receiver.port,
        "keep",
        (&user, &password),
    )
    .await;
    let catalogue = browser.follow(&callback, |_| true).await.pop().unwrap();
    assert_eq!(catalogue.status, 200);
    let token = password_token(&info.oidc_issuer, &user, &password).await;
    env.sb.shutdown().await;

    let env = start("info2.json").await;
    let again = env.sb.info().clone();
    assert_eq!(again.bind_url, info.bind_url);
    assert_eq!(again.oidc_issuer, info.oidc_issuer);
    let page = browser.get(&catalogue.url).await;
    assert_eq!(
        page.status, 200,
        "the session survives the restart: {page:?}"
    );
    let bound = browser
        .follow(&bind_link(&page, PG.0, PG.1), |_| true)
        .await;
    assert_eq!(bound.last().unwrap().status, 200);
    assert_eq!(receiver.responses().len(), 1);
    // ID tokens issued before the restart still verify (the signing key is kept).
    let (status, body, _) = headless_bind(
        &again.bind_url,
        Some(&token),
        json!({"clusterID": "c9", "resources": [{"group": PG.0, "resource": PG.1}]}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    env.sb.shutdown().await;
}
