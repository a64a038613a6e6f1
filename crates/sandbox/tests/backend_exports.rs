//! Export requests on the Control Plane: failures that name what is missing,
//! exports that follow their CRD, nothing half-made for unknown resources, and
//! templates of upstream's release bundle group.

#![allow(clippy::unwrap_used)]

use crate::backend_support;
use crate::common;

use backend_support::cp::*;
use backend_support::*;
use common::Env;
use k8s_openapi::api::core::v1::Namespace;
use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use klutch::bind::names::ANNOTATION_SOURCE_SPEC_HASH;
use klutch::bind::{APIServiceExport, ExportRequestPhase, condition, condition_types};
use kube::api::{Api, DeleteParams, DynamicObject, ListParams, Patch, PatchParams, PostParams};
use kube::core::{ApiResource, GroupVersionKind};
use kube::runtime::wait::await_condition;
use serde_json::json;

#[tokio::test]
async fn requests_without_template_or_crd_fail_naming_what_is_missing() {
    let env = Env::start().await;
    let admin = env.client(sandbox::CONTROL_PLANE_CONTEXT).await;
    env.kubectl(&[
        "--context",
        "klutch-control-plane",
        "create",
        "namespace",
        "cluster-x",
    ])
    .await;
    let failed = request_as_admin(&admin, "cluster-x", "example.com", "widgets").await;
    assert_eq!(failed.phase(), ExportRequestPhase::Failed);
    let status = failed.status.unwrap();
    let ready = condition(
        status.conditions.as_ref().unwrap(),
        condition_types::EXPORTS_READY,
    )
    .unwrap()
    .clone();
    assert_eq!(ready.reason.as_deref(), Some("TemplateNotFound"));
    assert!(
        ready
            .message
            .unwrap()
            .contains("\"widgets\" in group \"example.com\"")
    );
    assert!(
        status
            .terminal_message
            .unwrap()
            .contains("no APIServiceExportTemplate")
    );

    // A template whose CRD does not exist.
    let templates = Api::<DynamicObject>::namespaced_with(
        admin.clone(),
        "crossplane-system",
        &ApiResource::from_gvk_with_plural(
            &GroupVersionKind::gvk(
                "example-backend.klutch.anynines.com",
                "v1alpha1",
                "APIServiceExportTemplate",
            ),
            "apiserviceexporttemplates",
        ),
    );
    let template: DynamicObject = serde_json::from_value(json!({
        "apiVersion": "example-backend.klutch.anynines.com/v1alpha1", "kind": "APIServiceExportTemplate",
        "metadata": {"name": "gadgets"},
        "spec": {"APIServiceSelector": {"group": "example.com", "resource": "gadgets"}}}))
    .unwrap();
    templates
        .create(&PostParams::default(), &template)
        .await
        .unwrap();
    let failed = request_as_admin(&admin, "cluster-x", "example.com", "gadgets").await;
    let status = failed.status.unwrap();
    assert_eq!(status.phase, Some(ExportRequestPhase::Failed));
    assert!(
        status
            .terminal_message
            .as_deref()
            .unwrap()
            .contains("gadgets.example.com does not exist"),
        "{status:?}"
    );
    env.sb.shutdown().await;
}

#[tokio::test]
async fn exports_follow_their_crd_and_unknown_resources_make_nothing() {
    let env = Env::start().await;
    let admin = env.client(sandbox::CONTROL_PLANE_CONTEXT).await;
    let namespaces = Api::<Namespace>::all(admin.clone());
    let before = namespaces
        .list(&ListParams::default())
        .await
        .unwrap()
        .items
        .len();
    let info = env.sb.info();
    let token = password_token(&info.oidc_issuer, "developer", "developer").await;
    let (status, body, _) = headless_bind(
        &info.bind_url,
        Some(&token),
        json!({"clusterID": "c1", "resources": [{"group": "anynines.com", "resource": "nosuchinstances"}]}),
    )
    .await;
    assert_eq!(status, 404, "{body}");
    assert_eq!(body["error"], "not_found");
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("nothing was created"),
        "{body}"
    );
    let after = namespaces.list(&ListParams::default()).await.unwrap().items;
    assert_eq!(
        after.len(),
        before,
        "no half-made cluster namespace: {after:?}"
    );

    let response = bind(&env, "c1", &[PG]).await;
    request_exports(&response).await;
    let ns = kubeconfig_namespace(&response.kubeconfig);
    let exports = Api::<APIServiceExport>::namespaced(admin.clone(), &ns);
    let name = "postgresqlinstances.anynines.com";
    let hash = |e: &APIServiceExport| {
        e.metadata.annotations.as_ref().unwrap()[ANNOTATION_SOURCE_SPEC_HASH].clone()
    };
    let first = exports.get(name).await.unwrap();
    within(
        "ProviderInSync",
        await_condition(exports.clone(), name, |e: Option<&APIServiceExport>| {
            e.and_then(|e| e.status.as_ref())
                .and_then(|s| s.conditions.as_ref())
                .and_then(|c| condition(c, condition_types::PROVIDER_IN_SYNC).cloned())
                .is_some_and(|c| c.is_true())
        }),
    )
    .await
    .unwrap();

    // The CRD changes: the export follows, with a new hash.
    let crds = Api::<CustomResourceDefinition>::all(admin.clone());
    let mut crd = crds.get(name).await.unwrap();
    crd.spec.versions[0]
        .additional_printer_columns
        .get_or_insert_with(Vec::new)
        .push(
            serde_json::from_value(
                json!({"name": "Plan", "type": "string", "jsonPath": ".spec.plan"}),
            )
            .unwrap(),
        );
    crd.metadata.managed_fields = None;
    crds.patch(
        name,
        &PatchParams::default(),
        &Patch::Merge(json!({"spec": {"versions": crd.spec.versions}})),
    )
    .await
    .unwrap();
    let updated = within(
        "the export to follow its CRD",
        await_condition(exports.clone(), name, |e: Option<&APIServiceExport>| {
            e.is_some_and(|e| {
                e.spec.versions[0]
                    .additional_printer_columns
                    .iter()
                    .flatten()
                    .any(|c| c.name == "Plan")
            })
        }),
    )
    .await
    .unwrap()
    .unwrap();
    assert_ne!(hash(&updated), hash(&first));
    assert_eq!(updated.spec.permission_claims, first.spec.permission_claims);

    // The CRD goes: so does the export.
    crds.delete(name, &DeleteParams::default()).await.unwrap();
    within(
        "the export to go with its CRD",
        await_condition(exports, name, |e: Option<&APIServiceExport>| e.is_none()),
    )
    .await
    .unwrap();
    env.sb.shutdown().await;
}

#[tokio::test]
async fn templates_of_the_release_bundle_group_are_read_too() {
    let env = Env::start().await;
    let admin = env.client(sandbox::CONTROL_PLANE_CONTEXT).await;
    let dynamic = |group: &str, version: &str, kind: &str, plural: &str| {
        ApiResource::from_gvk_with_plural(&GroupVersionKind::gvk(group, version, kind), plural)
    };
    let crds = Api::<DynamicObject>::all_with(
        admin.clone(),
        &dynamic(
            "apiextensions.k8s.io",
            "v1",
            "CustomResourceDefinition",
            "customresourcedefinitions",
        ),
    );
    // The template CRD as upstream's release bundle ships it, and a Widget CRD.
    let (_, text) = sandbox::controlplane::BIND_CRDS
        .iter()
        .find(|(file, _)| file.starts_with("example-backend"))
        .unwrap();
    let bundle = text.replace("example-backend.klutch.anynines.com", "bind.anynines.com");
    for yaml in [bundle.as_str(), common::WIDGET_CRD] {
        let crd: DynamicObject = serde_saphyr::from_str(yaml).unwrap();
        crds.create(&PostParams::default(), &crd).await.unwrap();
    }
    let templates = Api::<DynamicObject>::namespaced_with(
        admin.clone(),
        "crossplane-system",
        &dynamic(
            "bind.anynines.com",
            "v1alpha1",
            "APIServiceExportTemplate",
            "apiserviceexporttemplates",
        ),
    );
    let template: DynamicObject = serde_json::from_value(json!({
        "apiVersion": "bind.anynines.com/v1alpha1", "kind": "APIServiceExportTemplate",
        "metadata": {"name": "widgets"},
        "spec": {"APIServiceSelector": {"group": "example.com", "resource": "widgets"},
            "permissionClaims": [{"group": "", "resource": "configmaps", "version": "v1",
                "selector": {"owner": "Provider"}}]}}))
    .unwrap();
    within(
        "the release bundle's template kind to be served",
        await_condition(
            crds.clone(),
            "apiserviceexporttemplates.bind.anynines.com",
            |crd: Option<&DynamicObject>| {
                crd.and_then(|c| c.data["status"]["conditions"].as_array())
                    .is_some_and(|cs| {
                        cs.iter()
                            .any(|c| c["type"] == "Established" && c["status"] == "True")
                    })
            },
        ),
    )
    .await
    .unwrap();
    templates
        .create(&PostParams::default(), &template)
        .await
        .unwrap();
    env.kubectl(&[
        "--context",
        "klutch-control-plane",
        "create",
        "namespace",
        "cluster-y",
    ])
    .await;
    let done = request_as_admin(&admin, "cluster-y", "example.com", "widgets").await;
    assert_eq!(
        done.phase(),
        ExportRequestPhase::Succeeded,
        "{:?}",
        done.status
    );
    let export = Api::<APIServiceExport>::namespaced(admin, "cluster-y")
        .get("widgets.example.com")
        .await
        .unwrap();
    assert_eq!(export.spec.names.kind, "Widget");
    assert_eq!(
        export.spec.permission_claims.unwrap()[0].resource,
        "configmaps"
    );
    env.sb.shutdown().await;
}

/// Upstream's backend deletes export requests that are no longer Pending once they are ten
/// minutes old; ours does too (time moved on with a backend on a manual clock).
#[tokio::test]
async fn finished_requests_are_deleted_after_ten_minutes() {
    let env = Env::start().await;
    let admin = env.client(sandbox::CONTROL_PLANE_CONTEXT).await;
    let later = custom(&env.sb, admin.clone(), false).await;
    env.kubectl(&[
        "--context",
        "klutch-control-plane",
        "create",
        "namespace",
        "cluster-y",
    ])
    .await;
    let done = request_as_admin(&admin, "cluster-y", PG.0, PG.1).await;
    assert_eq!(done.phase(), ExportRequestPhase::Succeeded);
    let name = done.metadata.name.clone().unwrap();
    let api = Api::<klutch::bind::APIServiceExportRequest>::namespaced(admin.clone(), "cluster-y");

    later
        .clock
        .advance(std::time::Duration::from_secs(10 * 60 + 1));
    // Any change makes the controllers look again; the one whose clock says eleven
    // minutes have passed deletes the request, the export stays. (That backend may get to
    // it on its own first: then the request is gone already.)
    let touched = api
        .patch(
            &name,
            &PatchParams::default(),
            &Patch::Merge(json!({"metadata": {"labels": {"touched": "yes"}}})),
        )
        .await;
    let gone = matches!(&touched, Err(kube::Error::Api(e)) if e.code == 404);
    assert!(touched.is_ok() || gone, "{touched:?}");
    within(
        "the finished request to be deleted",
        await_condition(
            api.clone(),
            &name,
            |r: Option<&klutch::bind::APIServiceExportRequest>| r.is_none(),
        ),
    )
    .await
    .unwrap();
    let exports = Api::<APIServiceExport>::namespaced(admin.clone(), "cluster-y");
    assert!(
        exports
            .get_opt("postgresqlinstances.anynines.com")
            .await
            .unwrap()
            .is_some(),
        "the export outlives its request"
    );
    drop(later);
    env.sb.shutdown().await;
}

#[tokio::test]
async fn headless_clients_find_the_issuer_and_the_exports() {
    let env = Env::start().await;
    let info = env.sb.info().clone();
    let http = reqwest::Client::new();
    let meta: klutch::bind::ProtectedResource = http
        .get(format!(
            "{}{}",
            info.bind_url,
            klutch::bind::PROTECTED_RESOURCE_PATH
        ))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(meta.resource, info.bind_url);
    assert_eq!(meta.authorization_servers, vec![info.oidc_issuer.clone()]);
    assert_eq!(meta.client_ids, vec![sandbox::CLI_CLIENT_ID.to_owned()]);

    let url = format!("{}{}", info.bind_url, klutch::bind::BIND_EXPORTS_PATH);
    let refused = http.get(&url).send().await.unwrap();
    assert_eq!(refused.status().as_u16(), 401, "a bearer token is required");
    let token = password_token(&info.oidc_issuer, "developer", "developer").await;
    let list: klutch::bind::ExportList = http
        .get(&url)
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let names: Vec<String> = list.exports.iter().map(|e| e.name()).collect();
    for wanted in [
        "postgresqlinstances.anynines.com",
        "servicebindings.anynines.com",
        "backups.anynines.com",
        "restores.anynines.com",
    ] {
        assert!(names.iter().any(|n| n == wanted), "{wanted} in {names:?}");
    }
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names, sorted);
    let sb = list
        .exports
        .iter()
        .find(|e| e.resource == "servicebindings")
        .unwrap();
    assert_eq!(sb.kind, "ServiceBinding");
    assert!(
        sb.permission_claims.iter().any(|c| c.resource == "secrets"),
        "{sb:?}"
    );
    env.sb.shutdown().await;
}
