//! The Control Plane side of binding, without any App Cluster code: credentials
//! from the backend (headless bind with a password-grant ID token), an export
//! request created with them as an App Cluster would, the export with the CRD
//! snapshot, and the limits of the RBAC the backend grants.

#![allow(clippy::unwrap_used)]

mod backend_support;
mod common;

use std::time::Duration;

use backend_support::*;
use common::Env;
use k8s_openapi::api::core::v1::{Namespace, Secret};
use k8s_openapi::api::rbac::v1::ClusterRole;
use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use klutch::bind::names::{ANNOTATION_IDENTITY, ANNOTATION_SOURCE_SPEC_HASH};
use klutch::bind::{
    APIServiceExport, APIServiceExportRequest, APIServiceNamespace, BindingResponse,
    ClusterBinding, ExportRequestPhase, condition, condition_types,
};
use kube::api::{Api, DeleteParams, DynamicObject, ListParams, Patch, PatchParams, PostParams};
use kube::core::{ApiResource, GroupVersionKind};
use kube::runtime::wait::await_condition;
use serde_json::json;

const PG: (&str, &str) = ("anynines.com", "postgresqlinstances");
const SB: (&str, &str) = ("anynines.com", "servicebindings");

async fn within<T>(what: &str, f: impl std::future::Future<Output = T>) -> T {
    tokio::time::timeout(Duration::from_secs(20), f)
        .await
        .unwrap_or_else(|_| panic!("timed out waiting for {what}"))
}

/// Bind `resources` for cluster `cid` as `developer`; the BindingResponse.
async fn bind(env: &Env, cid: &str, resources: &[(&str, &str)]) -> BindingResponse {
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
async fn request_exports(response: &BindingResponse) -> Vec<APIServiceExportRequest> {
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

fn forbidden(result: Result<impl std::fmt::Debug, kube::Error>) -> bool {
    matches!(result, Err(kube::Error::Api(ref e)) if e.code == 403)
}

fn claim_ar(plural: &str, kind: &str) -> ApiResource {
    ApiResource::from_gvk_with_plural(&GroupVersionKind::gvk("anynines.com", "v1", kind), plural)
}

#[tokio::test]
async fn an_export_request_becomes_an_export_and_the_rbac_holds() {
    let env = Env::start().await;
    let admin = env.client(sandbox::CONTROL_PLANE_CONTEXT).await;
    let response = bind(&env, "clusterA", &[PG, SB]).await;
    assert_eq!(response.requests.len(), 2);
    assert_eq!(response.session_id(), Some("s1"));
    let ns = kubeconfig_namespace(&response.kubeconfig);
    assert!(ns.starts_with("cluster-"), "{ns}");
    let namespace = Api::<Namespace>::all(admin.clone()).get(&ns).await.unwrap();
    assert_eq!(
        namespace.metadata.annotations.unwrap()[ANNOTATION_IDENTITY],
        "developer#clusterA"
    );
    let cb = Api::<ClusterBinding>::namespaced(admin.clone(), &ns)
        .get("cluster")
        .await
        .unwrap();
    assert_eq!(cb.spec.kubeconfig_secret_ref.name, "kubeconfig");
    let stored = Api::<Secret>::namespaced(admin.clone(), &ns)
        .get("kubeconfig")
        .await
        .unwrap();
    assert_eq!(
        stored.data.unwrap()["kubeconfig"].0,
        response.kubeconfig,
        "the kubeconfig Secret holds what was handed out"
    );

    // The App Cluster's part, done with the handed-out credentials only.
    for request in request_exports(&response).await {
        assert_eq!(
            request.phase(),
            ExportRequestPhase::Succeeded,
            "{request:?}"
        );
        let conditions = request.status.as_ref().unwrap().conditions.clone().unwrap();
        assert!(
            condition(&conditions, condition_types::EXPORTS_READY)
                .unwrap()
                .is_true()
        );
    }
    let client = client_from(&response.kubeconfig).await;
    let export = Api::<APIServiceExport>::namespaced(client.clone(), &ns)
        .get("postgresqlinstances.anynines.com")
        .await
        .unwrap();
    let crd = Api::<CustomResourceDefinition>::all(admin.clone())
        .get("postgresqlinstances.anynines.com")
        .await
        .unwrap();
    assert_eq!(export.spec.names, crd.spec.names);
    assert_eq!(export.spec.versions.len(), crd.spec.versions.len());
    for (e, c) in export.spec.versions.iter().zip(&crd.spec.versions) {
        assert_eq!(e.name, c.name);
        assert_eq!(
            e.schema.open_api_v3_schema,
            serde_json::to_value(
                c.schema
                    .as_ref()
                    .unwrap()
                    .open_api_v3_schema
                    .as_ref()
                    .unwrap()
            )
            .unwrap(),
            "the export carries the CRD's schema"
        );
    }
    assert!(
        export
            .metadata
            .annotations
            .unwrap()
            .contains_key(ANNOTATION_SOURCE_SPEC_HASH)
    );
    assert_eq!(
        export.spec.permission_claims, None,
        "the template has no claims"
    );
    let sb_export = Api::<APIServiceExport>::namespaced(client.clone(), &ns)
        .get("servicebindings.anynines.com")
        .await
        .unwrap();
    let claims: Vec<_> = sb_export
        .spec
        .permission_claims
        .unwrap()
        .iter()
        .map(|c| c.resource.clone())
        .collect();
    assert_eq!(
        claims,
        ["secrets", "configmaps"],
        "claims come from the template"
    );

    // The per-cluster role follows the exports (watch-driven).
    let role_name = format!("klutch-binder-{ns}");
    let role = within(
        "ClusterRole klutch-binder-<ns> with the export's rule",
        await_condition(
            Api::<ClusterRole>::all(admin.clone()),
            &role_name,
            |r: Option<&ClusterRole>| {
                r.and_then(|r| r.rules.as_ref()).is_some_and(|rules| {
                    ["postgresqlinstances", "servicebindings", "secrets"]
                        .iter()
                        .all(|want| {
                            rules.iter().any(|rule| {
                                rule.resources
                                    .as_ref()
                                    .is_some_and(|r| r.iter().any(|x| x == want))
                            })
                        })
                })
            },
        ),
    )
    .await
    .unwrap()
    .unwrap();
    assert_eq!(role.metadata.owner_references.unwrap()[0].name, ns);

    // The binder may read its own namespace (the konnector needs its UID)...
    Api::<Namespace>::all(client.clone())
        .get(&ns)
        .await
        .unwrap();
    // ...but nothing of another App Cluster.
    let other = bind(&env, "clusterB", &[PG]).await;
    let other_ns = kubeconfig_namespace(&other.kubeconfig);
    assert_ne!(other_ns, ns);
    assert!(forbidden(
        Api::<Namespace>::all(client.clone()).get(&other_ns).await
    ));
    assert!(forbidden(
        Api::<APIServiceExportRequest>::namespaced(client.clone(), &other_ns)
            .list(&ListParams::default())
            .await
    ));
    assert!(forbidden(
        Api::<Secret>::namespaced(client.clone(), &other_ns)
            .list(&ListParams::default())
            .await
    ));

    // A consumer namespace: the exported and claimed resources, and nothing else.
    let asn_api = Api::<APIServiceNamespace>::namespaced(client.clone(), &ns);
    let asn: APIServiceNamespace = serde_json::from_value(json!({
        "apiVersion": "klutch.anynines.com/v1alpha1", "kind": "APIServiceNamespace",
        "metadata": {"name": "default"}, "spec": {}}))
    .unwrap();
    asn_api.create(&PostParams::default(), &asn).await.unwrap();
    let bound = within(
        "the APIServiceNamespace's status.namespace",
        await_condition(
            asn_api.clone(),
            "default",
            |a: Option<&APIServiceNamespace>| {
                a.and_then(|a| a.status.as_ref())
                    .and_then(|s| s.namespace.as_ref())
                    .is_some()
            },
        ),
    )
    .await
    .unwrap()
    .unwrap();
    let consumer_ns = format!("{ns}-default");
    assert_eq!(
        bound.status.unwrap().namespace.as_deref(),
        Some(consumer_ns.as_str())
    );
    let pg = Api::<DynamicObject>::namespaced_with(
        client.clone(),
        &consumer_ns,
        &claim_ar("postgresqlinstances", "PostgresqlInstance"),
    );
    pg.list(&ListParams::default()).await.unwrap();
    Api::<Secret>::namespaced(client.clone(), &consumer_ns)
        .list(&ListParams::default())
        .await
        .unwrap();
    let mongo = Api::<DynamicObject>::namespaced_with(
        client.clone(),
        &consumer_ns,
        &claim_ar("mongodbinstances", "MongodbInstance"),
    );
    assert!(
        forbidden(mongo.list(&ListParams::default()).await),
        "not requested"
    );
    let other_client = client_from(&other.kubeconfig).await;
    assert!(forbidden(
        Api::<Secret>::namespaced(other_client, &consumer_ns)
            .list(&ListParams::default())
            .await
    ));

    // Deletion cleans up: the consumer namespace, then everything of the cluster.
    asn_api
        .delete("default", &DeleteParams::default())
        .await
        .unwrap();
    within(
        "the consumer namespace to go",
        await_condition(
            Api::<Namespace>::all(admin.clone()),
            &consumer_ns,
            |n: Option<&Namespace>| n.is_none(),
        ),
    )
    .await
    .unwrap();
    Api::<Namespace>::all(admin.clone())
        .delete(&ns, &DeleteParams::default())
        .await
        .unwrap();
    within(
        "ClusterRole klutch-binder-<ns> to be collected with its namespace",
        await_condition(
            Api::<ClusterRole>::all(admin.clone()),
            &role_name,
            |r: Option<&ClusterRole>| r.is_none(),
        ),
    )
    .await
    .unwrap();
    env.sb.shutdown().await;
}

async fn request_as_admin(
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
