//! The Control Plane side of binding, without any App Cluster code: credentials
//! from the backend (headless bind with a password-grant ID token), an export
//! request created with them as an App Cluster would, the export with the CRD
//! snapshot, and the limits of the RBAC the backend grants.

#![allow(clippy::unwrap_used)]

use crate::backend_support;
use crate::common;

use backend_support::cp::*;
use backend_support::*;
use common::Env;
use k8s_openapi::api::core::v1::{Namespace, Secret};
use k8s_openapi::api::rbac::v1::ClusterRole;
use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use klutch::bind::names::{ANNOTATION_IDENTITY, ANNOTATION_SOURCE_SPEC_HASH};
use klutch::bind::{
    APIServiceExport, APIServiceExportRequest, APIServiceNamespace, ClusterBinding,
    ExportRequestPhase, condition, condition_types,
};
use kube::api::{Api, DeleteParams, DynamicObject, ListParams, Patch, PatchParams, PostParams};
use kube::runtime::wait::await_condition;
use serde_json::json;

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

    // The ClusterBinding reports its Secret and waits for the first heartbeat; a
    // heartbeat written with the binder's credentials (as the konnector does) makes
    // it healthy.
    let bindings = Api::<ClusterBinding>::namespaced(client.clone(), &ns);
    let reason_of = |cb: &ClusterBinding, type_: &str| {
        cb.status
            .as_ref()
            .and_then(|s| s.conditions.as_ref())
            .and_then(|c| condition(c, type_).cloned())
            .map(|c| (c.status, c.reason))
    };
    let waiting = within(
        "the ClusterBinding's conditions",
        await_condition(
            bindings.clone(),
            "cluster",
            |cb: Option<&ClusterBinding>| {
                cb.is_some_and(|cb| reason_of(cb, condition_types::READY).is_some())
            },
        ),
    )
    .await
    .unwrap()
    .unwrap();
    assert_eq!(
        reason_of(&waiting, condition_types::SECRET_VALID),
        Some((klutch::bind::ConditionStatus::True, None))
    );
    assert_eq!(
        reason_of(&waiting, condition_types::HEALTHY),
        Some((
            klutch::bind::ConditionStatus::False,
            Some("FirstHeartbeatPending".into())
        ))
    );
    let beat = jiff::Timestamp::now().to_string();
    bindings
        .patch_status(
            "cluster",
            &PatchParams::default(),
            &Patch::Merge(
                json!({"status": {"lastHeartbeatTime": beat, "heartbeatInterval": "5m0s"}}),
            ),
        )
        .await
        .unwrap();
    within(
        "the ClusterBinding to become Ready",
        await_condition(bindings, "cluster", |cb: Option<&ClusterBinding>| {
            cb.is_some_and(|cb| {
                reason_of(cb, condition_types::READY)
                    .is_some_and(|(s, _)| s == klutch::bind::ConditionStatus::True)
            })
        }),
    )
    .await
    .unwrap();

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
