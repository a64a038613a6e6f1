//! `/resources` (the catalogue), `/bind` (make the cluster namespace and send the
//! BindingResponse to the consumer's receiver) and the headless extension
//! `POST /bind/token` (the same with a bearer ID token, answered as JSON).

use std::collections::HashMap;

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum_extra::extract::PrivateCookieJar;
use klutch::bind::{
    APIServiceExportRequestResource, APIServiceExportRequestResponse, APIServiceExportRequestSpec,
    AnyExportTemplate, BindingResponse, HeadlessBindRequest, encode_binding_response,
};
use serde::Serialize;
use url::Url;

use super::{AppState, Shared, found, refuse};
use crate::backend::pages;
use crate::backend::session::{SESSION_COOKIE_PREFIX, Session, random_id, valid_id};

const LOG_IN_AGAIN: &str =
    "Log in again: start `klutch-bind <backend URL>` (or `klutch-tui bind`) anew.";

/// The session of `sid` from its cookie, checked against the clock; else the
/// status and message of the refusal.
fn session(
    state: &AppState,
    jar: &PrivateCookieJar,
    sid: Option<&String>,
) -> Result<Session, (StatusCode, String)> {
    let unauthorized = |m: String| (StatusCode::UNAUTHORIZED, m);
    let Some(sid) = sid.filter(|s| valid_id(s)) else {
        return Err((
            StatusCode::BAD_REQUEST,
            "The session id (s) is missing or malformed.".into(),
        ));
    };
    let Some(cookie) = jar.get(&format!("{SESSION_COOKIE_PREFIX}{sid}")) else {
        return Err(unauthorized(format!(
            "There is no valid session {sid} in this browser (no cookie, or it was not made by this backend). {LOG_IN_AGAIN}"
        )));
    };
    let Ok(session) = serde_json::from_str::<Session>(cookie.value()) else {
        return Err(unauthorized(format!(
            "The session cookie is unreadable. {LOG_IN_AGAIN}"
        )));
    };
    if session.sid != *sid {
        return Err(unauthorized(format!(
            "The session cookie belongs to another session. {LOG_IN_AGAIN}"
        )));
    }
    if session.is_expired(state.clock.now()) {
        return Err(unauthorized(format!(
            "Your session has expired (sessions last one hour). {LOG_IN_AGAIN}"
        )));
    }
    Ok(session)
}

pub async fn resources(
    State(Shared(state)): State<Shared>,
    jar: PrivateCookieJar,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let session = match session(&state, &jar, q.get("s")) {
        Ok(s) => s,
        Err((status, message)) => return refuse(status, "Not logged in", &message),
    };
    // Consumer scope is Namespaced: cluster-scoped CRDs are not offered.
    let exportable: Vec<_> = state
        .catalog
        .exportable()
        .into_iter()
        .filter(|e| e.crd.spec.scope == "Namespaced")
        .collect();
    (
        [
            (header::CACHE_CONTROL, "no-cache, no-store, must-revalidate"),
            (header::PRAGMA, "no-cache"),
        ],
        Html(pages::resources(
            &state.pretty_name,
            &session.sid,
            &exportable,
        )),
    )
        .into_response()
}

/// Why a bind cannot go on, with its HTTP status.
struct BindRefusal {
    status: StatusCode,
    message: String,
}

/// The template and the export request of each `(group, resource)`, all looked up
/// before anything is made on the Control Plane.
async fn requests_for(
    state: &AppState,
    wanted: &[(String, String)],
) -> Result<Vec<APIServiceExportRequestResponse>, BindRefusal> {
    let mut out = Vec::new();
    for (group, resource) in wanted {
        let template: Option<AnyExportTemplate> = state
            .catalog
            .template_for_fresh(group, resource)
            .await
            .map_err(|e| BindRefusal {
                status: StatusCode::BAD_GATEWAY,
                message: format!("The Control Plane could not list export templates: {e}"),
            })?;
        let Some(template) = template else {
            return Err(BindRefusal {
                status: StatusCode::NOT_FOUND,
                message: format!(
                    "No APIServiceExportTemplate offers resource {resource:?} in group {group:?}; nothing was created. \
                     Pick one of the resources this backend lists."
                ),
            });
        };
        let crd_name = template.template.spec.api_service_selector.crd_name();
        let live = state
            .catalog
            .crd_live(&crd_name)
            .await
            .map_err(|e| BindRefusal {
                status: StatusCode::BAD_GATEWAY,
                message: format!("The Control Plane could not be asked for CRD {crd_name}: {e}"),
            })?;
        if !live {
            return Err(BindRefusal {
                status: StatusCode::NOT_FOUND,
                message: format!(
                    "The export template for {crd_name} exists but the CRD does not; nothing was created."
                ),
            });
        }
        out.push(APIServiceExportRequestResponse::new(
            &crd_name,
            APIServiceExportRequestSpec {
                parameters: None,
                resources: vec![APIServiceExportRequestResource {
                    group: group.clone(),
                    resource: resource.clone(),
                    versions: None,
                    permission_claims: template.template.spec.permission_claims.clone(),
                }],
            },
        ));
    }
    Ok(out)
}

/// Make the cluster namespace of `identity` and build the BindingResponse.
async fn binding_response(
    state: &AppState,
    sid: &str,
    user_id: &str,
    identity: &str,
    requests: Vec<APIServiceExportRequestResponse>,
) -> Result<BindingResponse, BindRefusal> {
    let bound = state.binder.bind(identity).await.map_err(|e| {
        tracing::warn!(error = %e, "bind backend: bind failed");
        BindRefusal {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            message: format!("Binding failed: {e}"),
        }
    })?;
    tracing::info!(namespace = %bound.namespace, "bind backend: bound");
    Ok(BindingResponse::new(
        sid,
        user_id,
        bound.kubeconfig,
        requests,
    ))
}

pub async fn bind(
    State(Shared(state)): State<Shared>,
    jar: PrivateCookieJar,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let session = match session(&state, &jar, q.get("s")) {
        Ok(s) => s,
        Err((status, message)) => return refuse(status, "Not logged in", &message),
    };
    let (Some(group), Some(resource)) =
        (q.get("group"), q.get("resource").filter(|r| !r.is_empty()))
    else {
        return refuse(
            StatusCode::BAD_REQUEST,
            "Cannot bind",
            "Name a group and a resource.",
        );
    };
    let done = async {
        let requests = requests_for(&state, &[(group.clone(), resource.clone())]).await?;
        let user = format!("{}/{}", session.issuer, session.subject);
        let response =
            binding_response(&state, &session.sid, &user, &session.identity(), requests).await?;
        let encoded = encode_binding_response(&response).map_err(|e| BindRefusal {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            message: e.to_string(),
        })?;
        let mut url = Url::parse(&session.redirect_url).map_err(|e| BindRefusal {
            status: StatusCode::BAD_REQUEST,
            message: format!("The session's redirect URL is invalid: {e}"),
        })?;
        url.query_pairs_mut().append_pair("response", &encoded);
        Ok::<_, BindRefusal>(url.to_string())
    };
    match done.await {
        Ok(location) => found(&location),
        Err(r) => refuse(r.status, "Cannot bind", &r.message),
    }
}

#[derive(Serialize)]
struct JsonError {
    error: &'static str,
    message: String,
}

pub(super) fn json_error(status: StatusCode, error: &'static str, message: String) -> Response {
    tracing::info!(%status, %message, "bind backend: headless bind refused");
    let mut response = (
        status,
        Json(JsonError {
            error,
            message: message.clone(),
        }),
    )
        .into_response();
    if status == StatusCode::UNAUTHORIZED {
        let challenge = format!(
            "Bearer error=\"invalid_token\", error_description=\"{}\"",
            message.replace(['"', '\\'], "'")
        );
        if let Ok(value) = HeaderValue::from_str(&challenge) {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, value);
        }
    }
    response
}

/// The verified identity of the request's bearer ID token, or the 401 to answer.
pub(super) async fn bearer_identity(
    state: &AppState,
    headers: &HeaderMap,
) -> Result<crate::backend::oidc_client::Identity, Response> {
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|h| h.to_str().ok())
        .and_then(|h| {
            h.strip_prefix("Bearer ")
                .or_else(|| h.strip_prefix("bearer "))
        })
        .map(str::trim)
        .filter(|t| !t.is_empty());
    let Some(token) = token else {
        return Err(json_error(
            StatusCode::UNAUTHORIZED,
            "invalid_token",
            "send an OIDC ID token of the issuer as `Authorization: Bearer <token>`".into(),
        ));
    };
    state
        .oidc
        .verify_bearer(token)
        .await
        .map_err(|e| json_error(StatusCode::UNAUTHORIZED, "invalid_token", e.to_string()))
}

pub async fn bind_token(
    State(Shared(state)): State<Shared>,
    headers: HeaderMap,
    body: Result<Json<HeadlessBindRequest>, JsonRejection>,
) -> Response {
    let identity = match bearer_identity(&state, &headers).await {
        Ok(identity) => identity,
        Err(refusal) => return refusal,
    };
    let Json(request) = match body {
        Ok(body) => body,
        Err(e) => return json_error(StatusCode::BAD_REQUEST, "invalid_request", e.body_text()),
    };
    if !valid_id(&request.cluster_id) {
        return json_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "clusterID must be 1–64 characters of [A-Za-z0-9_-]".into(),
        );
    }
    let sid = match request.session_id {
        Some(s) if valid_id(&s) => s,
        Some(_) => {
            return json_error(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                "sessionID must be 1–64 characters of [A-Za-z0-9_-]".into(),
            );
        }
        None => random_id(6),
    };
    if request.resources.is_empty() {
        return json_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "name at least one resource".into(),
        );
    }
    let wanted: Vec<(String, String)> = request
        .resources
        .into_iter()
        .map(|r| (r.group, r.resource))
        .collect();
    let requests = match requests_for(&state, &wanted).await {
        Ok(r) => r,
        Err(r) => {
            let code = if r.status == StatusCode::NOT_FOUND {
                "not_found"
            } else {
                "server_error"
            };
            return json_error(r.status, code, r.message);
        }
    };
    let identity_key = format!("{}#{}", identity.subject, request.cluster_id);
    let user = format!("{}/{}", identity.issuer, identity.subject);
    match binding_response(&state, &sid, &user, &identity_key, requests).await {
        Ok(response) => Json(response).into_response(),
        Err(r) => json_error(r.status, "server_error", r.message),
    }
}
