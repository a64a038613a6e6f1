//! How `klutch-tui bind` fails: one line that says what failed and what to do, exit code
//! 1, and nothing half-made left behind — for a backend that is not there, one too old,
//! an export the Control Plane denies, a konnector install RBAC forbids; and the security
//! refusals (the wrong state, nonce, audience or issuer, an expired or tampered token).

#![allow(clippy::unwrap_used)]

use crate::backend_support;
use crate::bind_support;
use crate::common;

use std::time::Duration;

use backend_support::{Browser, custom, custom_token, password_token, tamper};
use bind_support::{Home, Out, serve_bindings};
use common::Env;
use k8s_openapi::api::core::v1::{Namespace, Secret};
use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use klutch_tui::services::bind;
use kube::api::{Api, DeleteParams, ListParams};

const DEVELOPER: (&str, &str) = ("developer", "developer");

/// The one error line: stderr's last line, starting with `error: `, containing `want`.
fn one_error_line(out: &Out, want: &str) {
    assert_eq!(out.code, 1, "{out:?}");
    let last = out.stderr.lines().last().unwrap_or_default();
    assert!(last.starts_with("error: "), "{out:?}");
    assert!(last.contains(want), "{want:?} in {last:?}");
    assert_eq!(
        out.stderr
            .lines()
            .filter(|l| l.starts_with("error"))
            .count(),
        1,
        "{out:?}"
    );
}

/// Nothing of a bind is in the App Cluster: no `klutch-bind` namespace (or one going).
async fn nothing_left(app: &kube::Client) {
    let ns = Api::<Namespace>::all(app.clone())
        .get_opt("klutch-bind")
        .await
        .unwrap();
    assert!(
        ns.is_none_or(|n| n.metadata.deletion_timestamp.is_some()),
        "namespace klutch-bind was left behind"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_or_old_backend() {
    let env = Env::start().await;
    let app = env.client(sandbox::APP_CONTEXT).await;
    let home = Home::new(&env.kubeconfig);
    let port = {
        let probe = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        probe.local_addr().unwrap().port()
    };
    let out = home
        .run(
            &[
                "bind",
                &format!("http://127.0.0.1:{port}"),
                "--konnector",
                "none",
            ],
            "",
        )
        .await;
    one_error_line(
        &out,
        &format!("cannot reach the klutch-bind backend at http://127.0.0.1:{port}/export"),
    );
    assert!(
        out.stderr
            .contains("check the URL and that the backend is running")
    );

    // A backend of an old release (its /export as upstream's v0.2 answered it).
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let old = format!("http://{}", listener.local_addr().unwrap());
    let provider = klutch::bind::BindingProvider::new("old", "v0.2.0", &format!("{old}/authorize"));
    let app_router = axum::Router::new().route(
        "/export",
        axum::routing::get(move || async move { axum::Json(provider.clone()) }),
    );
    tokio::spawn(async move { axum::serve(listener, app_router).await.unwrap() });
    let out = home.run(&["bind", &old, "--konnector", "none"], "").await;
    one_error_line(
        &out,
        "is version v0.2.0, older than v0.3.0 that klutch-tui needs; ask its operator to upgrade it",
    );
    nothing_left(&app).await;
    env.sb.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_export_the_control_plane_denies_leaves_nothing() {
    let env = Env::start().await;
    let app = env.client(sandbox::APP_CONTEXT).await;
    serve_bindings(&app).await;
    let cp = env.client(sandbox::CONTROL_PLANE_CONTEXT).await;
    // The operator removed the CRD behind the backups template.
    Api::<CustomResourceDefinition>::all(cp.clone())
        .delete("backups.anynines.com", &DeleteParams::default())
        .await
        .unwrap();
    let home = Home::new(&env.kubeconfig);
    let info = env.sb.info().clone();
    let token = password_token(&info.oidc_issuer, "developer", "developer").await;
    let out = home
        .bind_with_token(&info.bind_url, "none", "backups", &token)
        .await;
    one_error_line(
        &out,
        "the backend exports no \"backups\"; it exports: keyvalueinstances,",
    );
    assert!(
        out.stderr.contains("Removed again: Namespace klutch-bind"),
        "{out:?}"
    );
    nothing_left(&app).await;

    // The export goes while the user chooses (the walkthrough as the cockpit drives it):
    // the backend refuses, the bind says so and removes what it made.
    let cache = tempfile::tempdir().unwrap();
    let io = bind::BindIo {
        app: app.clone(),
        http: bind::backend::http_client().unwrap(),
        cache: bind::auth::cache::TokenCache::new(cache.path()),
        konnector: std::sync::Arc::new(bind::konnector::ServiceDriver::new()),
        token_file: Some(env.write("token", &token)),
        id_token: None,
        bound_timeout: Duration::from_secs(20),
    };
    let plan = bind::BindPlan {
        url: info.bind_url.clone(),
        auth: bind::AuthMode::Token,
        konnector: bind::KonnectorMode::None,
        exports: Vec::new(),
        assume_yes: true,
    };
    let (tx, mut rx) = tokio::sync::mpsc::channel(8);
    let operator_cp = cp.clone();
    let operator = tokio::spawn(async move {
        let mut steps = Vec::new();
        while let Some(event) = rx.recv().await {
            match event {
                bind::BindEvent::Question(bind::Question::ChooseExports { offered, reply }) => {
                    assert!(offered.iter().any(|o| o.resource == "restores"));
                    Api::<CustomResourceDefinition>::all(operator_cp.clone())
                        .delete("restores.anynines.com", &DeleteParams::default())
                        .await
                        .unwrap();
                    reply.answer(vec!["restores".into()]);
                }
                bind::BindEvent::Step(step, status) => steps.push(format!("{step:?} {status:?}")),
                bind::BindEvent::RolledBack(gone) => {
                    steps.push(format!("removed {}", gone.join(", ")))
                }
                other => panic!("unexpected {other:?}"),
            }
        }
        steps
    });
    let error = bind::run(plan, &io, tx, tokio_util::sync::CancellationToken::new())
        .await
        .unwrap_err()
        .to_string();
    assert_eq!(
        error,
        "the klutch-bind backend refused to bind: HTTP 404 Not Found: The export template for restores.anynines.com exists but the CRD does not; nothing was created."
    );
    let steps = operator.await.unwrap();
    assert!(
        steps.contains(&format!("RequestAccess Failed({error:?})")),
        "{steps:?}"
    );
    assert!(
        steps.contains(&"removed Namespace klutch-bind".to_owned()),
        "{steps:?}"
    );
    nothing_left(&app).await;

    // A request the backend fails after it was made: the denial names the reason.
    let response =
        backend_support::cp::bind(&env, "c0ffee", &[("anynines.com", "postgresqlinstances")]).await;
    let (binder, ns) = bind::control_plane::client(&response.kubeconfig)
        .await
        .unwrap();
    let mut request = response.requests[0].clone();
    request.metadata.name = "widgets.example.com".into();
    request.spec.resources[0].group = "example.com".into();
    request.spec.resources[0].resource = "widgets".into();
    let (made, existing) =
        bind::control_plane::create_requests(&binder, &ns, std::slice::from_ref(&request))
            .await
            .unwrap();
    assert!(existing.is_empty());
    assert_eq!(made.len(), 1);
    let denied =
        bind::control_plane::wait_for_exports(&binder, &ns, &["widgets.example.com".to_owned()])
            .await
            .unwrap_err()
            .to_string();
    assert!(
        denied.starts_with("the Control Plane denied export request widgets.example.com: ")
            && denied.contains("widgets.example.com")
            && denied.ends_with("ask the Control Plane's operator about that export"),
        "{denied}"
    );
    env.sb.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_konnector_install_rbac_forbids_is_refused_before_anything_is_made() {
    use k8s_openapi::api::core::v1::ServiceAccount;
    use k8s_openapi::api::rbac::v1::{PolicyRule, Role, RoleBinding, RoleRef, Subject};
    use kube::api::PostParams;
    let env = Env::start().await;
    let app = env.client(sandbox::APP_CONTEXT).await;
    serve_bindings(&app).await;
    // A developer who may bind in klutch-bind but not install cluster-wide RBAC.
    let pp = PostParams::default();
    let ns = Namespace {
        metadata: kube::api::ObjectMeta {
            name: Some("klutch-bind".into()),
            ..Default::default()
        },
        ..Default::default()
    };
    Api::<Namespace>::all(app.clone())
        .create(&pp, &ns)
        .await
        .unwrap();
    let sa = ServiceAccount {
        metadata: kube::api::ObjectMeta {
            name: Some("dev".into()),
            ..Default::default()
        },
        ..Default::default()
    };
    Api::<ServiceAccount>::namespaced(app.clone(), "klutch-bind")
        .create(&pp, &sa)
        .await
        .unwrap();
    let role = Role {
        metadata: kube::api::ObjectMeta {
            name: Some("binder".into()),
            ..Default::default()
        },
        rules: Some(vec![PolicyRule {
            api_groups: Some(vec!["".into(), "klutch.anynines.com".into()]),
            resources: Some(vec!["secrets".into(), "apiservicebindings".into()]),
            verbs: vec!["*".into()],
            ..Default::default()
        }]),
    };
    Api::<Role>::namespaced(app.clone(), "klutch-bind")
        .create(&pp, &role)
        .await
        .unwrap();
    let binding = RoleBinding {
        metadata: kube::api::ObjectMeta {
            name: Some("binder".into()),
            ..Default::default()
        },
        role_ref: RoleRef {
            api_group: Some("rbac.authorization.k8s.io".into()),
            kind: "Role".into(),
            name: "binder".into(),
        },
        subjects: Some(vec![Subject {
            kind: "ServiceAccount".into(),
            name: "dev".into(),
            namespace: Some("klutch-bind".into()),
            ..Default::default()
        }]),
    };
    Api::<RoleBinding>::namespaced(app.clone(), "klutch-bind")
        .create(&pp, &binding)
        .await
        .unwrap();
    // Reading namespaces (klutch-bind's UID is the cluster id) is all it may do cluster-wide.
    for args in [
        &[
            "create",
            "clusterrole",
            "ns-reader",
            "--verb=get",
            "--resource=namespaces",
        ][..],
        &[
            "create",
            "clusterrolebinding",
            "dev-ns-reader",
            "--clusterrole=ns-reader",
            "--serviceaccount=klutch-bind:dev",
        ][..],
    ] {
        let out = env
            .kubectl(&[&["--context", "klutch-app"][..], args].concat())
            .await;
        assert_eq!(out.code, 0, "{out:?}");
    }
    let out = env
        .kubectl(&[
            "--context",
            "klutch-app",
            "-n",
            "klutch-bind",
            "create",
            "token",
            "dev",
        ])
        .await;
    let sa_token = out.stdout.trim().to_owned();
    let kubeconfig = env.path("dev-kubeconfig");
    let admin = std::fs::read_to_string(&env.kubeconfig).unwrap();
    let mut kc: serde_json::Value = serde_saphyr::from_str(&admin).unwrap();
    for user in kc["users"].as_array_mut().unwrap() {
        user["user"] = serde_json::json!({ "token": sa_token });
    }
    std::fs::write(&kubeconfig, serde_json::to_string(&kc).unwrap()).unwrap();

    let home = Home::new(&kubeconfig);
    let info = env.sb.info().clone();
    let token = password_token(&info.oidc_issuer, "developer", "developer").await;
    let out = home
        .bind_with_token(&info.bind_url, "install", "backups", &token)
        .await;
    one_error_line(
        &out,
        "App Cluster: your user may not create clusterroles, which installing the konnector needs; ask a cluster admin for it, or bind with --konnector local (or none)",
    );
    let secrets = Api::<Secret>::namespaced(app.clone(), "klutch-bind")
        .list(&ListParams::default())
        .await
        .unwrap();
    assert!(secrets.items.iter().all(|s| {
        !s.metadata
            .name
            .clone()
            .unwrap_or_default()
            .starts_with("kubeconfig-")
    }));
    // With --konnector none the same user binds.
    let out = home
        .bind_with_token(&info.bind_url, "none", "backups", &token)
        .await;
    assert_eq!(out.code, 0, "{out:?}");
    env.sb.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_forged_state_or_nonce_is_refused() {
    let env = Env::start().await;
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

    // The wrong state on the callback.
    let mut run = home.start(&args);
    let login = run.url().await;
    let browser = Browser::new();
    let form = browser.get(&login).await;
    let back = browser.log_in(&form, DEVELOPER.0, DEVELOPER.1).await;
    let mut callback = back.location.clone().unwrap();
    let pairs: Vec<(String, String)> = callback
        .query_pairs()
        .into_owned()
        .map(|(k, v)| {
            if k == "state" {
                (k, "forged".into())
            } else {
                (k, v)
            }
        })
        .collect();
    callback.query_pairs_mut().clear().extend_pairs(pairs);
    let page = browser.get(&callback).await;
    assert_eq!(page.status, 400);
    let out = run.finish().await;
    one_error_line(&out, "the login callback carried the wrong state");
    nothing_left(&app).await;

    // A nonce changed on the way to the issuer: the ID token does not answer our login.
    let mut run = home.start(&args);
    let mut login = run.url().await;
    let pairs: Vec<(String, String)> = login
        .query_pairs()
        .into_owned()
        .map(|(k, v)| {
            if k == "nonce" {
                (k, "injected".into())
            } else {
                (k, v)
            }
        })
        .collect();
    login.query_pairs_mut().clear().extend_pairs(pairs);
    let form = browser.get(&login).await;
    let back = browser.log_in(&form, DEVELOPER.0, DEVELOPER.1).await;
    let page = browser
        .follow(back.location.as_ref().unwrap(), |_| true)
        .await;
    assert_eq!(page.last().unwrap().status, 401);
    let out = run.finish().await;
    one_error_line(
        &out,
        "the ID token was refused: its nonce is not the one of this login",
    );
    nothing_left(&app).await;
    assert!(!home.cache_file().exists(), "a refused login is not cached");
    env.sb.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_tokens_are_refused_with_their_reason() {
    let env = Env::start().await;
    let app = env.client(sandbox::APP_CONTEXT).await;
    serve_bindings(&app).await;
    let cp = env.client(sandbox::CONTROL_PLANE_CONTEXT).await;
    // A backend of its own (manual clock), its issuer behind a proxy that tampers with ID
    // tokens (the browser login), and the same issuer direct (tokens for --token-file).
    let tampering = custom(&env.sb, cp.clone(), true).await;
    let plain = custom(&env.sb, cp, false).await;
    let home = Home::new(&env.kubeconfig);
    let url = plain.url();
    let other_client = custom_token(&plain.issuer_url, "other").await;
    one_error_line(
        &home
            .bind_with_token(&url, "none", "backups", &other_client)
            .await,
        "did not accept the ID token: the ID token was refused: it is not meant for this backend",
    );
    let info = env.sb.info().clone();
    let other_issuer = password_token(&info.oidc_issuer, "developer", "developer").await;
    let out = home
        .bind_with_token(&url, "none", "backups", &other_issuer)
        .await;
    one_error_line(
        &out,
        "did not accept the ID token: the ID token was refused:",
    );
    let good = custom_token(&plain.issuer_url, "klutch-tui").await;
    one_error_line(
        &home
            .bind_with_token(&url, "none", "backups", &tamper(&good))
            .await,
        "its signature does not verify",
    );
    plain.clock.advance(Duration::from_secs(2 * 3600));
    one_error_line(
        &home.bind_with_token(&url, "none", "backups", &good).await,
        "it has expired",
    );
    nothing_left(&app).await;

    // Our own login verifies the signature too.
    let mut run = home.start(&[
        "bind",
        &tampering.url(),
        "--auth",
        "browser",
        "--konnector",
        "none",
        "--export",
        "backups",
        "--yes",
    ]);
    let login = run.url().await;
    assert!(login.as_str().starts_with(&tampering.issuer_url), "{login}");
    let browser = Browser::new();
    let form = browser.get(&login).await;
    let back = browser.log_in(&form, "alice", "wonderland").await;
    browser
        .follow(back.location.as_ref().unwrap(), |_| true)
        .await;
    let out = run.finish().await;
    one_error_line(
        &out,
        "the ID token was refused: its signature does not verify",
    );
    nothing_left(&app).await;
    env.sb.shutdown().await;
}
