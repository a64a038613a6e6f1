//! `/export` (who we are), `/authorize` (start the OAuth2 code grant at the
//! issuer) and `/callback` (finish it: state, PKCE, ID token; then a session).

use std::collections::HashMap;

use axum::Json;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum_extra::extract::PrivateCookieJar;
use klutch::bind::BindingProvider;
use url::Url;

use super::{Shared, found, refuse};
use crate::backend::VERSION;
use crate::backend::session::{
    AuthState, LOGIN_COOKIE_PREFIX, LOGIN_TTL, PendingLogin, SESSION_COOKIE_PREFIX, Session, epoch,
    expired, random_id, valid_id,
};
use crate::oidc::secrets_equal;

const START_AGAIN: &str = "Start again with `klutch-bind <backend URL>` (or `klutch-tui bind`).";

pub async fn export(State(Shared(state)): State<Shared>, headers: HeaderMap) -> Response {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| !h.is_empty() && !h.contains(['/', ' ']))
        .unwrap_or(&state.default_host);
    let url = format!("{}://{host}/authorize", state.scheme);
    Json(BindingProvider::new(&state.pretty_name, VERSION, &url)).into_response()
}

/// Whether the consumer's receiver is on this machine: the BindingResponse
/// carries credentials and must not be sent anywhere else.
fn loopback_url(raw: &str) -> Option<Url> {
    let url = Url::parse(raw).ok()?;
    let loopback = match url.host()? {
        url::Host::Ipv4(ip) => ip.is_loopback(),
        url::Host::Ipv6(ip) => ip.is_loopback(),
        url::Host::Domain(d) => d.eq_ignore_ascii_case("localhost"),
    };
    (matches!(url.scheme(), "http" | "https") && loopback && url.fragment().is_none())
        .then_some(url)
}

pub async fn authorize(
    State(Shared(state)): State<Shared>,
    jar: PrivateCookieJar,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let bad = |m: &str| refuse(StatusCode::BAD_REQUEST, "Cannot start the login", m);
    let sid = q.get("s").map(String::as_str).unwrap_or_default();
    let cid = q.get("c").map(String::as_str).unwrap_or_default();
    if !valid_id(sid) {
        return bad("The session id (s) is missing or not 1–64 characters of [A-Za-z0-9_-].");
    }
    if !valid_id(cid) {
        return bad("The cluster id (c) is missing or not 1–64 characters of [A-Za-z0-9_-].");
    }
    let redirect = match (q.get("u").filter(|u| !u.is_empty()), q.get("p")) {
        (Some(u), _) => u.clone(),
        (None, Some(p)) => match p.parse::<u16>() {
            Ok(port) if port != 0 => format!("http://localhost:{port}/callback"),
            _ => return bad("The callback port (p) is not a port number."),
        },
        (None, None) => {
            return bad("Neither a callback port (p) nor a redirect URL (u) was given.");
        }
    };
    if loopback_url(&redirect).is_none() {
        return bad(
            "The redirect URL (u) must be an http(s) URL on this machine (127.0.0.1, [::1] or localhost): \
             the binding response carries credentials.",
        );
    }
    let auth_state = AuthState {
        redirect_url: redirect,
        sid: sid.to_owned(),
        cid: cid.to_owned(),
        key: random_id(32),
    };
    let start = match state.oidc.start(auth_state.encode()).await {
        Ok(start) => start,
        Err(e) => {
            tracing::warn!(error = %e, "bind backend: cannot start a login");
            return refuse(
                StatusCode::BAD_GATEWAY,
                "Cannot start the login",
                &e.to_string(),
            );
        }
    };
    let now = state.clock.now();
    let key = auth_state.key.clone();
    state.pending.insert(
        PendingLogin {
            state: auth_state,
            pkce_verifier: start.pkce_verifier,
            nonce: start.nonce,
            started: now,
        },
        now,
    );
    let jar = jar.add(
        state
            .cookies
            .cookie(format!("{LOGIN_COOKIE_PREFIX}{sid}"), key, LOGIN_TTL),
    );
    (jar, found(&start.authorize_url)).into_response()
}

pub async fn callback(
    State(Shared(state)): State<Shared>,
    jar: PrivateCookieJar,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let bad = |m: String| refuse(StatusCode::BAD_REQUEST, "Login refused", &m);
    let decoded = q.get("state").and_then(|s| AuthState::decode(s));
    // The login record is touched only by the browser that started the login (its cookie,
    // named by the record's session id, holds the record's key): whoever else sees the
    // callback URL can neither finish nor cancel it.
    let started_here = |login: &PendingLogin| {
        jar.get(&format!("{LOGIN_COOKIE_PREFIX}{}", login.state.sid))
            .is_some_and(|c| secrets_equal(c.value(), &login.state.key))
    };
    if let Some(error) = q.get("error") {
        if let Some(s) = &decoded
            && state.pending.peek(&s.key).is_some_and(|l| started_here(&l))
        {
            state.pending.take(&s.key);
        }
        let description = q.get("error_description").map(String::as_str).unwrap_or("");
        return bad(format!(
            "The identity provider refused the login: {error}{}{description}. {START_AGAIN}",
            if description.is_empty() { "" } else { ": " }
        ));
    }
    let Some(auth_state) = decoded else {
        return bad(format!(
            "The login state is missing or damaged (it was changed, or did not come from this backend). {START_AGAIN}"
        ));
    };
    let unknown = || {
        bad(format!(
            "This login is unknown or was already completed (a callback is accepted once). {START_AGAIN}"
        ))
    };
    let Some(login) = state.pending.peek(&auth_state.key) else {
        return unknown();
    };
    if !started_here(&login) {
        return bad(format!(
            "This login was started in another browser (its cookie is missing). {START_AGAIN}"
        ));
    }
    if login.state != auth_state {
        return bad(format!(
            "The login state does not match the login that was started. {START_AGAIN}"
        ));
    }
    let Some(code) = q.get("code").filter(|c| !c.is_empty()) else {
        return bad(format!(
            "The identity provider sent no authorization code. {START_AGAIN}"
        ));
    };
    let Some(login) = state.pending.take(&auth_state.key) else {
        return unknown();
    };
    let login_cookie = format!("{LOGIN_COOKIE_PREFIX}{}", auth_state.sid);
    let now = state.clock.now();
    if expired(login.started, LOGIN_TTL, now) {
        return bad(format!(
            "The login took longer than 10 minutes. {START_AGAIN}"
        ));
    }
    let identity = match state
        .oidc
        .finish(code.clone(), login.pkce_verifier, login.nonce)
        .await
    {
        Ok(identity) => identity,
        Err(e) => {
            tracing::warn!(error = %e, "bind backend: login failed");
            return refuse(
                StatusCode::UNAUTHORIZED,
                "Login refused",
                &format!("{e}. {START_AGAIN}"),
            );
        }
    };
    tracing::info!(subject = %identity.subject, cluster = %auth_state.cid, "bind backend: logged in");
    let session = Session {
        sid: auth_state.sid.clone(),
        cid: auth_state.cid,
        redirect_url: auth_state.redirect_url,
        subject: identity.subject,
        issuer: identity.issuer,
        created_at: epoch(now),
        expires_on: epoch(now + state.session_ttl),
    };
    let value = serde_json::to_string(&session).unwrap_or_default();
    let jar = jar
        .remove(state.cookies.removal(login_cookie))
        .add(state.cookies.cookie(
            format!("{SESSION_COOKIE_PREFIX}{}", session.sid),
            value,
            state.session_ttl,
        ));
    let target = format!(
        "/resources?s={}",
        form_urlencoded::byte_serialize(session.sid.as_bytes()).collect::<String>()
    );
    (jar, found(&target)).into_response()
}

#[cfg(test)]
mod tests {
    #[test]
    fn only_loopback_receivers_are_accepted() {
        for ok in [
            "http://localhost:1234/callback",
            "http://127.0.0.1:9/cb?x=1",
            "http://[::1]:80/",
            "https://localhost/x",
        ] {
            assert!(super::loopback_url(ok).is_some(), "{ok}");
        }
        for bad in [
            "http://evil.example/callback",
            "http://127.0.0.1.evil.example/",
            "ftp://localhost/",
            "http://10.0.0.1/",
            "javascript:alert(1)",
            "not a url",
        ] {
            assert!(super::loopback_url(bad).is_none(), "{bad}");
        }
    }
}
