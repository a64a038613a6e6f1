//! Helpers of the Control Plane tests: bind headless as `developer`, create the
//! export requests of a BindingResponse with its kubeconfig, wait with a bound.

use std::time::Duration;

use klutch::bind::{APIServiceExportRequest, BindingResponse, ExportRequestPhase};
use kube::api::{Api, PostParams};
use kube::core::{ApiResource, GroupVersionKind};
use kube::runtime::wait::await_condition;
use serde_json::json;

use super::{client_from, headless_bind, kubeconfig_namespace, password_token};
use crate::common::Env;

pub const PG: (&str, &str) = ("anynines.com", "postgresqlinstances");
pub const SB: (&str, &str) = ("anynines.com", "servicebindings");

pub async fn within<T>(what: &str, f: impl std::future::Future<Output = T>) -> T {
    tokio::time::timeout(Duration::from_secs(20), f)
        .await
        .unwrap_or_else(|_| panic!("timed out waiting for {what}"))
}

/// Bind `resources` for cluster `cid` as `developer`; the BindingResponse.
pub async fn bind(env: &Env, cid: &str, resources: &[(&str, &str)]) -> BindingResponse {
    let info = env.sb.info();
    let token = password_token(&info.oidc_issuer, "developer", "developer").await;
    let resources: Vec<_> = resources
        .iter()
        .map(|(g, r)| json!({"group": g, "resource": r}))
        .collect();
    let (status, body, _) = headless_bind(
        &info.bind_url,
        Some(&token),
        json!({"clusterID": cid, "sessionID": "s1", "resources": resources}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    serde_json::from_value(body).unwrap()
}

/// Create the response's requests with its kubeconfig and wait for them to end.
pub async fn request_exports(response: &BindingResponse) -> Vec<APIServiceExportRequest> {
    let client = client_from(&response.kubeconfig).await;
    let ns = kubeconfig_namespace(&response.kubeconfig);
    let api = Api::<APIServiceExportRequest>::namespaced(client, &ns);
    let mut done = Vec::new();
    for request in &response.requests {
        request.check_type().unwrap();
        let made = api
            .create(&PostParams::default(), &request.to_request(&ns))
            .await
            .unwrap();
        let name = made.metadata.name.unwrap();
        let ended = within(
            "the export request to end",
            await_condition(api.clone(), &name, |r: Option<&APIServiceExportRequest>| {
                r.is_some_and(|r| r.phase() != ExportRequestPhase::Pending)
            }),
        )
        .await
        .unwrap()
        .unwrap();
        done.push(ended);
    }
    done
}

pub fn forbidden(result: Result<impl std::fmt::Debug, kube::Error>) -> bool {
    matches!(result, Err(kube::Error::Api(ref e)) if e.code == 403)
}

pub fn claim_ar(plural: &str, kind: &str) -> ApiResource {
    ApiResource::from_gvk_with_plural(&GroupVersionKind::gvk("anynines.com", "v1", kind), plural)
}

pub async fn request_as_admin(
    admin: &kube::Client,
    ns: &str,
    group: &str,
    resource: &str,
) -> APIServiceExportRequest {
    let api = Api::<APIServiceExportRequest>::namespaced(admin.clone(), ns);
    let request: APIServiceExportRequest = serde_json::from_value(json!({
        "apiVersion": "klutch.anynines.com/v1alpha1", "kind": "APIServiceExportRequest",
        "metadata": {"name": format!("{resource}.{group}")},
        "spec": {"resources": [{"group": group, "resource": resource}]}}))
    .unwrap();
    api.create(&PostParams::default(), &request).await.unwrap();
    within(
        "the request to end",
        await_condition(
            api,
            &format!("{resource}.{group}"),
            |r: Option<&APIServiceExportRequest>| {
                r.is_some_and(|r| r.phase() != ExportRequestPhase::Pending)
            },
        ),
    )
    .await
    .unwrap()
    .unwrap()
}
