//! What a client without a browser needs before `POST /bind/token`: where to log in
//! (`/.well-known/oauth-protected-resource`, RFC 9728) and what this backend exports
//! (`GET /bind/exports`, JSON, for a bearer ID token). Upstream's backend has neither, so
//! a client that gets 404 here knows to take the browser code grant instead.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use klutch::bind::{ExportList, ExportOffer, ProtectedResource};

use super::Shared;
use super::bind::bearer_identity;

pub async fn protected_resource(
    State(Shared(state)): State<Shared>,
    headers: HeaderMap,
) -> Response {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| !h.is_empty() && !h.contains(['/', ' ']))
        .unwrap_or(&state.default_host);
    Json(ProtectedResource {
        resource: format!("{}://{host}", state.scheme),
        authorization_servers: vec![state.oidc.issuer_url().to_owned()],
        bearer_methods_supported: vec!["header".into()],
        client_ids: state.oidc.extra_audiences().to_vec(),
    })
    .into_response()
}

pub async fn exports(State(Shared(state)): State<Shared>, headers: HeaderMap) -> Response {
    if let Err(refusal) = bearer_identity(&state, &headers).await {
        return refusal;
    }
    // Consumer scope is Namespaced, as on the catalogue page.
    let exports = state
        .catalog
        .exportable()
        .into_iter()
        .filter(|e| e.crd.spec.scope == "Namespaced")
        .map(|e| ExportOffer {
            group: e.crd.spec.group.clone(),
            resource: e.crd.spec.names.plural.clone(),
            kind: e.crd.spec.names.kind.clone(),
            scope: e.crd.spec.scope.clone(),
            versions: e
                .crd
                .spec
                .versions
                .iter()
                .filter(|v| v.served)
                .map(|v| v.name.clone())
                .collect(),
            permission_claims: e
                .template
                .template
                .spec
                .permission_claims
                .clone()
                .unwrap_or_default(),
        })
        .collect();
    (
        [(header::CACHE_CONTROL, "no-store")],
        Json(ExportList { exports }),
    )
        .into_response()
}
