//! Shared harness of the bind backend tests: a scripted browser (reqwest with a
//! cookie store, redirects followed by hand so that every hop can be checked), a
//! loopback receiver like upstream's CLI, tokens from the password grant, the
//! headless bind, and kube clients from handed-out kubeconfigs.

#![allow(dead_code, clippy::unwrap_used)]

pub mod cp;
pub mod oidc_provider;

use std::sync::{Arc, Mutex};

use klutch::bind::{BindingResponse, decode_binding_response};
use tokio::sync::oneshot;
use url::Url;

/// A browser: keeps cookies, follows redirects only when told.
pub struct Browser {
    pub http: reqwest::Client,
}

/// One response of the browser, read whole.
#[derive(Debug)]
pub struct Page {
    pub url: Url,
    pub status: u16,
    pub location: Option<Url>,
    pub set_cookies: Vec<String>,
    pub body: String,
}

impl Default for Browser {
    fn default() -> Self {
        Self::new()
    }
}

impl Browser {
    /// A browser that also trusts `ca_pem`.
    pub fn trusting(ca_pem: &str) -> Self {
        Self {
            http: reqwest::ClientBuilder::new()
                .cookie_store(true)
                .redirect(reqwest::redirect::Policy::none())
                .add_root_certificate(reqwest::Certificate::from_pem(ca_pem.as_bytes()).unwrap())
                .build()
                .unwrap(),
        }
    }

    pub fn new() -> Self {
        Self {
            http: reqwest::ClientBuilder::new()
                .cookie_store(true)
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
        }
    }

    async fn read(url: Url, response: reqwest::Response) -> Page {
        let status = response.status().as_u16();
        let location = response
            .headers()
            .get("location")
            .and_then(|l| l.to_str().ok())
            .map(|l| url.join(l).unwrap());
        let set_cookies = response
            .headers()
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok().map(str::to_owned))
            .collect();
        let body = response.text().await.unwrap_or_default();
        Page {
            url,
            status,
            location,
            set_cookies,
            body,
        }
    }

    pub async fn get(&self, url: &Url) -> Page {
        let response = self.http.get(url.clone()).send().await.unwrap();
        Self::read(url.clone(), response).await
    }

    pub async fn post_form(&self, url: &Url, form: &[(&str, &str)]) -> Page {
        let response = self.http.post(url.clone()).form(form).send().await.unwrap();
        Self::read(url.clone(), response).await
    }

    /// GET `url` and follow redirects while `go_on(next)` says so; every page seen.
    pub async fn follow(&self, url: &Url, go_on: impl Fn(&Url) -> bool) -> Vec<Page> {
        let mut pages = vec![self.get(url).await];
        for _ in 0..20 {
            let last = pages.last().unwrap();
            match &last.location {
                Some(next) if (300..400).contains(&last.status) && go_on(next) => {
                    let next = next.clone();
                    pages.push(self.get(&next).await);
                }
                _ => break,
            }
        }
        pages
    }

    /// Fill the login form of `page` (any issuer: a form with `username` and
    /// `password`) and submit it.
    pub async fn log_in(&self, page: &Page, user: &str, password: &str) -> Page {
        assert_eq!(page.status, 200, "login page expected: {page:?}");
        assert!(
            page.body.contains("<form"),
            "no form on {}: {}",
            page.url,
            page.body
        );
        let action = html_attr(&page.body, "action");
        let target = page.url.join(&action).unwrap();
        self.post_form(
            &target,
            &[
                ("username", user),
                ("password", password),
                ("action", "login"),
            ],
        )
        .await
    }
}

/// The unescaped value of the first `name="…"` attribute in `html`.
pub fn html_attr(html: &str, name: &str) -> String {
    let start = html.find(&format!("{name}=\"")).unwrap() + name.len() + 2;
    let end = start + html[start..].find('"').unwrap();
    html[start..end]
        .replace("&amp;", "&")
        .replace("&quot;", "\"")
        .replace("&#x27;", "'")
}

/// Every `href="…"` of a page, unescaped.
pub fn links(html: &str) -> Vec<String> {
    html.split("href=\"")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .map(|h| h.replace("&amp;", "&"))
        .collect()
}

/// Upstream's CLI receiver: `GET /callback?response=…` on a loopback port.
pub struct Receiver {
    pub port: u16,
    responses: Arc<Mutex<Vec<String>>>,
    stop: Option<oneshot::Sender<()>>,
}

impl Drop for Receiver {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

impl Receiver {
    pub async fn start() -> Self {
        use axum::extract::{Query, State};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let responses: Arc<Mutex<Vec<String>>> = Arc::default();
        let app = axum::Router::new()
            .route(
                "/callback",
                axum::routing::get(
                    |State(seen): State<Arc<Mutex<Vec<String>>>>,
                     Query(q): Query<std::collections::HashMap<String, String>>| async move {
                        let mut seen = seen.lock().unwrap();
                        let first = seen.is_empty();
                        if let Some(r) = q.get("response") {
                            seen.push(r.clone());
                        }
                        axum::response::Html(if first {
                            "<h1>You have been authenticated successfully! Please head back to the command line</h1>"
                        } else {
                            "Already authenticated"
                        })
                    },
                ),
            )
            .with_state(responses.clone());
        let (stop, stopped) = oneshot::channel::<()>();
        tokio::spawn(async move {
            axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = stopped.await;
                })
                .await
                .unwrap();
        });
        Self {
            port,
            responses,
            stop: Some(stop),
        }
    }

    /// The responses received so far, decoded as upstream's CLI does.
    pub fn responses(&self) -> Vec<BindingResponse> {
        self.responses
            .lock()
            .unwrap()
            .iter()
            .map(|r| decode_binding_response(r).unwrap())
            .collect()
    }
}

/// The `/authorize` URL upstream's CLI prints: `?c=<cid>&p=<port>&s=<sid>`.
pub fn authorize_url(bind_url: &str, cid: &str, port: u16, sid: &str) -> Url {
    Url::parse(&format!("{bind_url}/authorize?c={cid}&p={port}&s={sid}")).unwrap()
}

/// Drive the whole code grant like a person in a browser: authorize, log in at the
/// issuer, land on the catalogue, click Bind for `<resource>.<group>`. Returns
/// every page seen (the last one is the receiver's).
pub async fn browser_bind(
    browser: &Browser,
    bind_url: &str,
    cid: &str,
    sid: &str,
    receiver: &Receiver,
    (user, password): (&str, &str),
    (group, resource): (&str, &str),
) -> Vec<Page> {
    let start = authorize_url(bind_url, cid, receiver.port, sid);
    let to_issuer = browser.follow(&start, |_| true).await;
    let login = to_issuer.last().unwrap();
    let after_login = browser.log_in(login, user, password).await;
    assert!(
        (300..400).contains(&after_login.status),
        "login should redirect: {after_login:?}"
    );
    let back = browser
        .follow(after_login.location.as_ref().unwrap(), |_| true)
        .await;
    let catalogue = back.last().unwrap();
    assert_eq!(catalogue.status, 200, "{catalogue:?}");
    assert!(catalogue.url.path() == "/resources", "{catalogue:?}");
    let link = bind_link(catalogue, group, resource);
    let last = browser.follow(&link, |_| true).await;
    to_issuer
        .into_iter()
        .chain([after_login])
        .chain(back)
        .chain(last)
        .collect()
}

/// The Bind link of `<resource>.<group>` on the catalogue page.
pub fn bind_link(catalogue: &Page, group: &str, resource: &str) -> Url {
    let link = links(&catalogue.body)
        .into_iter()
        .find(|l| {
            l.contains(&format!("resource={resource}&")) && l.contains(&format!("group={group}"))
        })
        .unwrap_or_else(|| panic!("no Bind link for {resource}.{group}: {}", catalogue.body));
    catalogue.url.join(&link).unwrap()
}

/// An ID token of the development issuer for our CLI's client, by password grant.
pub async fn password_token(issuer: &str, user: &str, password: &str) -> String {
    let http = reqwest::Client::new();
    let response: serde_json::Value = http
        .post(format!("{issuer}/token"))
        .form(&[
            ("grant_type", "password"),
            ("client_id", sandbox::CLI_CLIENT_ID),
            ("username", user),
            ("password", password),
            ("scope", "openid profile email"),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    response["id_token"]
        .as_str()
        .unwrap_or_else(|| panic!("no id_token: {response}"))
        .to_owned()
}

/// `POST /bind/token`; the status and the JSON answer.
pub async fn headless_bind(
    bind_url: &str,
    token: Option<&str>,
    body: serde_json::Value,
) -> (u16, serde_json::Value, Option<String>) {
    let mut request = reqwest::Client::new()
        .post(format!("{bind_url}/bind/token"))
        .json(&body);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let challenge = response
        .headers()
        .get("www-authenticate")
        .map(|v| v.to_str().unwrap().to_owned());
    (status, response.json().await.unwrap(), challenge)
}

/// A kube client from a kubeconfig the backend handed out.
pub async fn client_from(kubeconfig: &[u8]) -> kube::Client {
    let kc = kube::config::Kubeconfig::from_yaml(std::str::from_utf8(kubeconfig).unwrap()).unwrap();
    let cfg = kube::Config::from_custom_kubeconfig(kc, &kube::config::KubeConfigOptions::default())
        .await
        .unwrap();
    kube::Client::try_from(cfg).unwrap()
}

/// The context namespace of a handed-out kubeconfig (the cluster namespace).
pub fn kubeconfig_namespace(kubeconfig: &[u8]) -> String {
    let kc = kube::config::Kubeconfig::from_yaml(std::str::from_utf8(kubeconfig).unwrap()).unwrap();
    kc.contexts[0]
        .context
        .as_ref()
        .unwrap()
        .namespace
        .clone()
        .unwrap()
}

/// A clock that moves only when told to (shared by issuer and backend).
#[derive(Debug)]
pub struct ManualClock(Mutex<std::time::SystemTime>);

impl ManualClock {
    pub fn starting_now() -> Self {
        Self(Mutex::new(std::time::SystemTime::now()))
    }

    pub fn advance(&self, by: std::time::Duration) {
        *self.0.lock().unwrap() += by;
    }
}

impl sandbox::oidc::Clock for ManualClock {
    fn now(&self) -> std::time::SystemTime {
        *self.0.lock().unwrap()
    }
}

pub const ALICE: (&str, &str) = ("alice", "wonderland");
pub const BACKEND_SECRET: &str = "backend-secret";

/// A backend of its own next to a sandbox: its own issuer (manual clock; clients
/// `klutch-bind`, `klutch-tui` and `other`), optionally behind a proxy that
/// tampers with the ID tokens of the token endpoint.
pub struct Custom {
    pub backend: sandbox::backend::Backend,
    pub issuer: sandbox::oidc::OidcIssuer,
    pub issuer_url: String,
    pub clock: Arc<ManualClock>,
    stops: Vec<oneshot::Sender<()>>,
}

impl Custom {
    pub fn url(&self) -> String {
        self.backend.url().to_owned()
    }
}

/// Change the payload of a JWT (here: its subject) and keep the signature.
pub fn tamper(jwt: &str) -> String {
    use base64::Engine;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let parts: Vec<&str> = jwt.split('.').collect();
    let mut claims: serde_json::Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap();
    claims["sub"] = "mallory".into();
    let payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&claims).unwrap());
    format!("{}.{payload}.{}", parts[0], parts[2])
}

async fn proxy(
    axum::extract::State(upstream): axum::extract::State<String>,
    request: axum::extract::Request,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    let (parts, body) = request.into_parts();
    let body = axum::body::to_bytes(body, 1 << 20).await.unwrap();
    let path = parts
        .uri
        .path_and_query()
        .map(|p| p.as_str())
        .unwrap_or("/");
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let mut forward = http.request(parts.method.clone(), format!("{upstream}{path}"));
    for (name, value) in &parts.headers {
        if name != "host" {
            forward = forward.header(name, value);
        }
    }
    let response = forward.body(body).send().await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let mut bytes = response.bytes().await.unwrap().to_vec();
    if parts.uri.path() == "/token" && status.is_success() {
        let mut json: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
        if let Some(token) = json["id_token"].as_str() {
            json["id_token"] = tamper(token).into();
        }
        bytes = serde_json::to_vec(&json).unwrap();
    }
    let mut out = (status, bytes).into_response();
    out.headers_mut().remove("content-type");
    for name in ["location", "content-type", "set-cookie"] {
        for value in headers.get_all(name) {
            out.headers_mut().append(name, value.clone());
        }
    }
    out
}

impl Drop for Custom {
    fn drop(&mut self) {
        for stop in self.stops.drain(..) {
            let _ = stop.send(());
        }
    }
}

/// Start a [`Custom`] backend against the sandbox's Control Plane.
pub async fn custom(sb: &sandbox::Sandbox, cp: kube::Client, tampering: bool) -> Custom {
    custom_with(sb, cp, tampering, None).await
}

/// [`custom`], served over TLS with `tls` when given (its callback is then https).
pub async fn custom_with(
    sb: &sandbox::Sandbox,
    cp: kube::Client,
    tampering: bool,
    tls: Option<Arc<rustls::ServerConfig>>,
) -> Custom {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let scheme = if tls.is_some() { "https" } else { "http" };
    let callback = format!("{scheme}://{}/callback", listener.local_addr().unwrap());
    use sandbox::oidc::{Client, IssuerConfig, OidcIssuer};
    let clock = Arc::new(ManualClock::starting_now());
    let mut stops = Vec::new();
    let issuer_listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let issuer_addr = format!("http://{}", issuer_listener.local_addr().unwrap());
    let (issuer_url, front) = if tampering {
        let front = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        (
            format!("http://{}", front.local_addr().unwrap()),
            Some(front),
        )
    } else {
        (issuer_addr.clone(), None)
    };
    let mut config = IssuerConfig::new(
        &issuer_url,
        vec![(ALICE.0.into(), ALICE.1.into())],
        vec![
            Client::confidential(
                "klutch-bind",
                BACKEND_SECRET,
                &["http://127.0.0.1/callback", callback.as_str()],
            ),
            Client::public("klutch-tui", &["http://127.0.0.1/callback"]),
            Client::public("other", &["http://127.0.0.1/callback"]),
        ],
    );
    config.clock = clock.clone();
    let issuer = OidcIssuer::new(config).unwrap();
    let (stop, stopped) = oneshot::channel::<()>();
    stops.push(stop);
    tokio::spawn(issuer.clone().serve(issuer_listener, async {
        let _ = stopped.await;
    }));
    if let Some(front) = front {
        let app = axum::Router::new()
            .fallback(proxy)
            .with_state(issuer_addr.clone());
        let (stop, stopped) = oneshot::channel::<()>();
        stops.push(stop);
        tokio::spawn(async move {
            axum::serve(front, app)
                .with_graceful_shutdown(async {
                    let _ = stopped.await;
                })
                .await
                .unwrap();
        });
    }
    let mut config = sandbox::backend::BackendConfig::new(
        sandbox::backend::OidcClientConfig {
            issuer_url: issuer_url.clone(),
            client_id: "klutch-bind".into(),
            client_secret: Some(BACKEND_SECRET.into()),
            extra_audiences: vec!["klutch-tui".into()],
            ca_pem: None,
        },
        callback,
        cp,
        sb.info().control_plane_server.clone(),
        sb.control_plane.ca_pem.clone(),
        sandbox::backend::generate_cookie_key(),
    );
    config.clock = clock.clone();
    config.tls = tls;
    let backend = sandbox::backend::Backend::start(config, listener)
        .await
        .unwrap();
    Custom {
        backend,
        issuer,
        issuer_url,
        clock,
        stops,
    }
}

/// An ID token of a [`Custom`] issuer for `client` (public), by password grant.
pub async fn custom_token(issuer_url: &str, client: &str) -> String {
    let response: serde_json::Value = reqwest::Client::new()
        .post(format!("{issuer_url}/token"))
        .form(&[
            ("grant_type", "password"),
            ("client_id", client),
            ("username", ALICE.0),
            ("password", ALICE.1),
            ("scope", "openid"),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    response["id_token"].as_str().unwrap().to_owned()
}

/// Start a login and stop at the issuer's redirect back to `/callback`.
pub async fn callback_url(
    browser: &Browser,
    bind_url: &str,
    port: u16,
    sid: &str,
    user: (&str, &str),
) -> Url {
    let start = authorize_url(bind_url, "cid", port, sid);
    let login = browser.follow(&start, |_| true).await.pop().unwrap();
    let back = browser.log_in(&login, user.0, user.1).await;
    let location = back.location.unwrap();
    assert_eq!(location.path(), "/callback");
    location
}
