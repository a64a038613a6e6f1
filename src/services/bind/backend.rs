//! Talking to a klutch-bind backend over HTTP: its BindingProvider (`GET …/export`, what
//! upstream's CLI reads), and our headless extension where it has one — the protected
//! resource metadata (which issuer, which client), the export list, and `POST /bind/token`.
//! Refusals come back as the backend's own message.

use klutch::bind::{
    BIND_EXPORTS_PATH, BIND_TOKEN_PATH, BindingProvider, BindingResponse, ExportList, ExportOffer,
    HeadlessBindRequest, PROTECTED_RESOURCE_PATH, ProtectedResource,
};
use reqwest::StatusCode;
use serde::Deserialize;

use super::auth::Secret;
use super::error::BindError;
use super::plan::{BackendUrls, route};

/// How long one request to the backend may take.
const TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

/// An HTTP client for backends (no redirects followed: a redirect is an answer here).
pub fn http_client() -> Result<reqwest::Client, BindError> {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(TIMEOUT)
        .build()
        .map_err(|e| BindError::Unreachable {
            url: String::new(),
            reason: e.to_string(),
        })
}

fn unreachable(url: &str, e: &reqwest::Error) -> BindError {
    let mut reason = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        reason = s.to_string();
        source = s.source();
    }
    BindError::Unreachable {
        url: url.to_owned(),
        reason,
    }
}

/// The BindingProvider, and the headless metadata if the backend has it.
pub async fn provider(
    http: &reqwest::Client,
    urls: &BackendUrls,
) -> Result<(BindingProvider, Option<ProtectedResource>), BindError> {
    let url = urls.export.as_str();
    let answer = http
        .get(url)
        .send()
        .await
        .map_err(|e| unreachable(url, &e))?;
    let status = answer.status();
    if !status.is_success() {
        return Err(BindError::NotABackend {
            url: url.to_owned(),
            reason: format!("HTTP {status}"),
        });
    }
    let body = answer.bytes().await.map_err(|e| unreachable(url, &e))?;
    let provider: BindingProvider =
        serde_json::from_slice(&body).map_err(|e| BindError::NotABackend {
            url: url.to_owned(),
            reason: format!("its answer is not a BindingProvider: {e}"),
        })?;
    let meta_url = route(&urls.base, PROTECTED_RESOURCE_PATH);
    let metadata = match http.get(&meta_url).send().await {
        Ok(r) if r.status().is_success() => r.json::<ProtectedResource>().await.ok(),
        Ok(_) => None,
        Err(e) => return Err(unreachable(&meta_url, &e)),
    };
    Ok((
        provider,
        metadata.filter(|m| !m.authorization_servers.is_empty()),
    ))
}

#[derive(Deserialize)]
struct Refusal {
    #[serde(default)]
    message: String,
}

async fn refusal(answer: reqwest::Response) -> BindError {
    let status = answer.status();
    let text = answer.text().await.unwrap_or_default();
    let message = serde_json::from_str::<Refusal>(&text)
        .map(|r| r.message)
        .unwrap_or(text);
    let what = if status == StatusCode::UNAUTHORIZED {
        format!("it did not accept the ID token: {message}")
    } else {
        format!("HTTP {status}: {message}")
    };
    BindError::Refused(what)
}

/// `GET /bind/exports`.
pub async fn exports(
    http: &reqwest::Client,
    urls: &BackendUrls,
    token: &Secret,
) -> Result<Vec<ExportOffer>, BindError> {
    let url = route(&urls.base, BIND_EXPORTS_PATH);
    let answer = http
        .get(&url)
        .bearer_auth(token.expose())
        .send()
        .await
        .map_err(|e| unreachable(&url, &e))?;
    if !answer.status().is_success() {
        return Err(refusal(answer).await);
    }
    let list: ExportList = answer.json().await.map_err(|e| BindError::NotABackend {
        url: url.clone(),
        reason: e.to_string(),
    })?;
    Ok(list.exports)
}

/// `POST /bind/token`.
pub async fn bind(
    http: &reqwest::Client,
    urls: &BackendUrls,
    token: &Secret,
    request: &HeadlessBindRequest,
) -> Result<BindingResponse, BindError> {
    let url = route(&urls.base, BIND_TOKEN_PATH);
    let answer = http
        .post(&url)
        .bearer_auth(token.expose())
        .json(request)
        .send()
        .await
        .map_err(|e| unreachable(&url, &e))?;
    if !answer.status().is_success() {
        return Err(refusal(answer).await);
    }
    answer.json().await.map_err(|e| BindError::NotABackend {
        url,
        reason: format!("its answer is not a BindingResponse: {e}"),
    })
}
