//! Shared harness of the bind backend tests: a scripted browser (reqwest with a
//! cookie store, redirects followed by hand so that every hop can be checked), a
//! loopback receiver like upstream's CLI, tokens from the password grant, the
//! headless bind, and kube clients from handed-out kubeconfigs.

#![allow(dead_code, clippy::unwrap_used)]

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
/// issuer, land on the catalogue, click Bind for `<resource>.<group>`. Returns the
/// pages of the last leg (ending at the receiver).
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
    let link = links(&catalogue.body)
        .into_iter()
        .find(|l| {
            l.contains(&format!("resource={resource}&")) && l.contains(&format!("group={group}"))
        })
        .unwrap_or_else(|| panic!("no Bind link for {resource}.{group}: {}", catalogue.body));
    browser
        .follow(&catalogue.url.join(&link).unwrap(), |_| true)
        .await
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
