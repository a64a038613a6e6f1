//! `klutch-tui bind` end to end against the sandbox, the binary as a user runs it: the
//! device flow (the test approves on the device page), our browser flow with PKCE and
//! upstream's code grant through the backend's page (the test is the browser), binding
//! again, the token cache (0600, whoami, logout), unbind, and no token in any output.

#![allow(clippy::unwrap_used)]

use crate::backend_support;
use crate::bind_support;
use crate::common;

use backend_support::{Browser, bind_link};
use bind_support::{Home, approve_device, device_url, serve_bindings};
use common::Env;
use k8s_openapi::api::core::v1::Secret;
use klutch::bind::{APIServiceBinding, APIServiceExport, ClaimState};
use kube::api::{Api, ListParams};

const DEVELOPER: (&str, &str) = ("developer", "developer");

async fn bindings(app: &kube::Client) -> Vec<APIServiceBinding> {
    Api::<APIServiceBinding>::namespaced(app.clone(), "klutch-bind")
        .list(&ListParams::default())
        .await
        .unwrap()
        .items
}

async fn kubeconfig_secrets(app: &kube::Client) -> Vec<Secret> {
    Api::<Secret>::namespaced(app.clone(), "klutch-bind")
        .list(&ListParams::default())
        .await
        .unwrap()
        .items
        .into_iter()
        .filter(|s| {
            s.metadata
                .name
                .as_deref()
                .unwrap_or("")
                .starts_with("kubeconfig-")
        })
        .collect()
}

/// `cluster namespace X` from the summary.
fn cluster_namespace(stdout: &str) -> String {
    stdout
        .split("cluster namespace ")
        .nth(1)
        .and_then(|r| r.split_whitespace().next())
        .unwrap()
        .to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn device_flow_binds_and_binding_again_changes_nothing() {
    let env = Env::start().await;
    let app = env.client(sandbox::APP_CONTEXT).await;
    serve_bindings(&app).await;
    let home = Home::new(&env.kubeconfig);
    let url = env.sb.info().bind_url.clone();
    let args = [
        "bind",
        &url,
        "--auth",
        "device",
        "--konnector",
        "none",
        "--export",
        "postgresqlinstances",
        "--export",
        "servicebindings",
        "--yes",
    ];
    let mut run = home.start(&args);
    let complete = run.find(device_url).await;
    approve_device(&complete, DEVELOPER).await;
    let out = run.finish().await;
    assert_eq!(out.code, 0, "{out:?}");
    assert!(
        out.stdout
            .contains("bound postgresqlinstances.anynines.com\n"),
        "{out:?}"
    );
    assert!(
        out.stdout.contains("bound servicebindings.anynines.com\n"),
        "{out:?}"
    );
    for step in [
        "✓ log in: developer (device code",
        "✓ create export requests",
        "✓ store the kubeconfig Secret: created klutch-bind/kubeconfig-",
    ] {
        assert!(out.stderr.contains(step), "{step} in {}", out.stderr);
    }

    // In the App Cluster: one kubeconfig Secret, two bindings on it, the claim accepted.
    let secrets = kubeconfig_secrets(&app).await;
    assert_eq!(secrets.len(), 1);
    let secret = secrets[0].metadata.name.clone().unwrap();
    assert!(secrets[0].data.as_ref().unwrap().contains_key("kubeconfig"));
    let bound = bindings(&app).await;
    assert_eq!(bound.len(), 2);
    for b in &bound {
        assert_eq!(b.spec.kubeconfig_secret_ref.name, secret);
        assert_eq!(b.spec.kubeconfig_secret_ref.namespace, "klutch-bind");
    }
    let sb = bound
        .iter()
        .find(|b| b.metadata.name.as_deref() == Some("servicebindings.anynines.com"))
        .unwrap();
    let claims = sb.spec.permission_claims.clone().unwrap();
    assert!(
        claims
            .iter()
            .any(|c| c.claim.resource == "secrets" && c.state == ClaimState::Accepted)
    );

    // On the Control Plane: the exports in the cluster namespace.
    let cp = env.client(sandbox::CONTROL_PLANE_CONTEXT).await;
    let ns = cluster_namespace(&out.stdout);
    let exports = Api::<APIServiceExport>::namespaced(cp, &ns);
    for name in [
        "postgresqlinstances.anynines.com",
        "servicebindings.anynines.com",
    ] {
        assert!(
            exports.get_opt(name).await.unwrap().is_some(),
            "{name} in {ns}"
        );
    }

    // The token cache: private, and what whoami shows.
    let cache = home.cache_file();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&cache).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "the token cache is 0600");
    }
    let cached: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&cache).unwrap()).unwrap();
    let id_token = cached["entries"][0]["idToken"].as_str().unwrap().to_owned();
    let refresh = cached["entries"][0]["refreshToken"]
        .as_str()
        .unwrap()
        .to_owned();
    let whoami = home.run(&["whoami"], "").await;
    assert_eq!(whoami.code, 0);
    let issuer = &env.sb.info().oidc_issuer;
    assert!(
        whoami.stdout.contains(&format!(
            "developer at {issuer} (client klutch-tui): ID token in "
        )),
        "{whoami:?}"
    );
    assert!(
        whoami.stdout.contains("a refresh token is kept"),
        "{whoami:?}"
    );

    // Again: the cached login, nothing new, said so.
    let again = home.run(&args, "").await;
    assert_eq!(again.code, 0, "{again:?}");
    assert!(
        !again.stderr.contains("enter the code"),
        "no new login: {again:?}"
    );
    assert!(again.stderr.contains("cached login"), "{again:?}");
    assert!(
        again
            .stdout
            .contains("already bound postgresqlinstances.anynines.com (nothing changed)"),
        "{again:?}"
    );
    assert!(
        again
            .stdout
            .contains("already bound servicebindings.anynines.com (nothing changed)"),
        "{again:?}"
    );
    assert_eq!(
        kubeconfig_secrets(&app).await.len(),
        1,
        "the Secret was reused"
    );
    assert_eq!(bindings(&app).await.len(), 2);

    // No token anywhere it could be read.
    let log = std::fs::read_to_string(home.log_file()).unwrap();
    assert!(log.contains("bind step"), "the log has the steps");
    for text in [
        &out.stdout,
        &out.stderr,
        &again.stdout,
        &again.stderr,
        &whoami.stdout,
        &log,
    ] {
        assert!(!text.contains(&id_token), "the ID token leaked");
        assert!(!text.contains(&refresh), "the refresh token leaked");
    }

    // Unbind one, by name; the other stays, and so does the Control Plane.
    let refused = home
        .run(&["unbind", "postgresqlinstances"], "wrong\n")
        .await;
    assert_eq!(refused.code, 1, "{refused:?}");
    assert_eq!(
        bindings(&app).await.len(),
        2,
        "not confirmed: nothing changed"
    );
    let unbound = home
        .run(
            &["unbind", "postgresqlinstances"],
            "postgresqlinstances.anynines.com\n",
        )
        .await;
    assert_eq!(unbound.code, 0, "{unbound:?}");
    assert_eq!(unbound.stdout, "unbound postgresqlinstances.anynines.com\n");
    assert!(
        unbound
            .stderr
            .contains("Kept: the export and the objects on the Control Plane"),
        "{unbound:?}"
    );
    assert_eq!(bindings(&app).await.len(), 1);

    let logout = home.run(&["logout"], "").await;
    assert_eq!(logout.code, 0);
    assert!(
        logout.stderr.contains("forgot 1 cached login"),
        "{logout:?}"
    );
    assert!(!cache.exists());
    let whoami = home.run(&["bind", "--status"], "").await;
    assert!(whoami.stderr.contains("Not logged in"), "{whoami:?}");
    env.sb.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_flow_with_pkce_and_upstreams_code_grant() {
    let env = Env::start().await;
    let app = env.client(sandbox::APP_CONTEXT).await;
    serve_bindings(&app).await;
    let home = Home::new(&env.kubeconfig);
    let url = env.sb.info().bind_url.clone();

    // Our login: PKCE at the issuer, redirected to our loopback receiver.
    let mut run = home.start(&[
        "bind",
        &url,
        "--auth",
        "browser",
        "--konnector",
        "none",
        "--export",
        "backups",
        "--yes",
    ]);
    let login_url = run.url().await;
    assert!(
        login_url.as_str().starts_with(&env.sb.info().oidc_issuer),
        "{login_url}"
    );
    let query: std::collections::HashMap<_, _> = login_url.query_pairs().into_owned().collect();
    assert_eq!(query["code_challenge_method"], "S256");
    assert_eq!(query["client_id"], "klutch-tui");
    assert!(query.contains_key("nonce") && query.contains_key("state"));
    assert!(
        query["redirect_uri"].starts_with("http://127.0.0.1:"),
        "{query:?}"
    );
    let browser = Browser::new();
    let form = browser.get(&login_url).await;
    let back = browser.log_in(&form, DEVELOPER.0, DEVELOPER.1).await;
    let done = browser
        .follow(back.location.as_ref().unwrap(), |_| true)
        .await;
    assert!(
        done.last().unwrap().body.contains("You are logged in"),
        "{done:?}"
    );
    let out = run.finish().await;
    assert_eq!(out.code, 0, "{out:?}");
    assert!(out.stdout.contains("bound backups.anynines.com"), "{out:?}");
    assert!(out.stderr.contains("(browser, expires in"), "{out:?}");

    // Upstream's flow: the backend's page, the export chosen there.
    let mut run = home.start(&[
        "bind",
        &url,
        "--auth",
        "code-grant",
        "--konnector",
        "none",
        "--yes",
    ]);
    let start = run.url().await;
    assert_eq!(start.path(), "/authorize");
    let query: std::collections::HashMap<_, _> = start.query_pairs().into_owned().collect();
    assert_eq!(query["s"].len(), 6);
    assert_eq!(query["c"].len(), 6);
    let browser = Browser::new();
    let to_issuer = browser.follow(&start, |_| true).await;
    let after = browser
        .log_in(to_issuer.last().unwrap(), DEVELOPER.0, DEVELOPER.1)
        .await;
    let back = browser
        .follow(after.location.as_ref().unwrap(), |_| true)
        .await;
    let catalogue = back.last().unwrap();
    let link = bind_link(catalogue, "anynines.com", "postgresqlinstances");
    let last = browser.follow(&link, |_| true).await;
    assert!(
        last.last()
            .unwrap()
            .body
            .contains("You have been authenticated successfully!"),
        "{last:?}"
    );
    let out = run.finish().await;
    assert_eq!(out.code, 0, "{out:?}");
    assert!(
        out.stdout
            .contains("bound postgresqlinstances.anynines.com"),
        "{out:?}"
    );
    assert!(out.stderr.contains("(in the browser)"), "{out:?}");
    // Both logins share one cluster id, so one cluster namespace and one Secret.
    assert_eq!(kubeconfig_secrets(&app).await.len(), 1);
    assert_eq!(bindings(&app).await.len(), 2);
    env.sb.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn token_from_a_file_or_stdin() {
    let env = Env::start().await;
    let app = env.client(sandbox::APP_CONTEXT).await;
    serve_bindings(&app).await;
    let home = Home::new(&env.kubeconfig);
    let info = env.sb.info().clone();
    let token = backend_support::password_token(&info.oidc_issuer, "developer", "developer").await;
    let file = home.dir.path().join("token");
    std::fs::write(&file, format!("{token}\n")).unwrap();
    let out = home
        .run(
            &[
                "bind",
                &info.bind_url,
                "--auth",
                "token",
                "--token-file",
                file.to_str().unwrap(),
                "--konnector",
                "none",
                "--export",
                "restores",
                "--yes",
            ],
            "",
        )
        .await;
    assert_eq!(out.code, 0, "{out:?}");
    assert!(out.stdout.contains("bound restores.anynines.com"));
    let out = home
        .run(
            &[
                "bind",
                &info.bind_url,
                "--auth",
                "token",
                "--token-file",
                "-",
                "--konnector",
                "none",
                "--export",
                "restores",
                "--yes",
            ],
            &token,
        )
        .await;
    assert_eq!(out.code, 0, "{out:?}");
    assert!(
        out.stdout.contains("already bound restores.anynines.com"),
        "{out:?}"
    );
    assert!(
        !home.cache_file().exists(),
        "a token from elsewhere is not cached"
    );
    for text in [&out.stdout, &out.stderr] {
        assert!(!text.contains(&token));
    }
    env.sb.shutdown().await;
}
