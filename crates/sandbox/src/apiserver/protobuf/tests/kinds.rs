//! One test per kind/shape: decode the realistic body, compare with JSON.

use std::collections::HashSet;

use super::{
    all_fixtures, check, fixtures_apis as apis, fixtures_apps as apps, fixtures_core as core,
    prost_cross,
};
use crate::apiserver::protobuf::schema::KINDS;

macro_rules! kind_tests {
    ($($name:ident => $fixture:path),* $(,)?) => {
        $( #[test] fn $name() { check($fixture()); } )*
    };
}

kind_tests! {
    namespace => core::namespace,
    secret => core::secret,
    secret_immutable_false => core::secret_immutable_false,
    configmap => core::configmap,
    configmap_full_object_meta => core::configmap_full_meta,
    serviceaccount => core::serviceaccount,
    serviceaccount_full => core::serviceaccount_full,
    service_clusterip => core::service_clusterip,
    service_nodeport => core::service_nodeport,
    event_core_v1 => core::event_core,
    deployment => apps::deployment,
    deployment_full => apps::deployment_full,
    role => apis::role,
    clusterrole_aggregation => apis::clusterrole_aggregation,
    clusterrole_nonresource => apis::clusterrole_nonresource,
    rolebinding => apis::rolebinding,
    clusterrolebinding => apis::clusterrolebinding,
    ssar_captured => apis::ssar_captured,
    ssar_nonresource => apis::ssar_nonresource,
    ssrr => apis::ssrr,
    subject_access_review => apis::sar,
    local_subject_access_review => apis::local_sar,
    self_subject_review => apis::self_subject_review,
    token_request_captured => apis::token_request,
    token_request_bound => apis::token_request_bound,
    token_review => apis::token_review,
    event_events_v1 => apis::event_events_v1,
    delete_options => apis::delete_options,
    lease_prost => prost_cross::lease,
    token_request_prost => prost_cross::token_request,
}

#[test]
fn every_supported_kind_has_a_fixture() {
    let covered: HashSet<(String, String)> = all_fixtures()
        .iter()
        .map(|f| {
            (
                f.expected["apiVersion"].as_str().unwrap().to_string(),
                f.expected["kind"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    for k in KINDS {
        assert!(
            covered.contains(&(k.api_version.to_string(), k.kind.to_string())),
            "no fixture for {} {}",
            k.api_version,
            k.kind
        );
    }
}

#[test]
fn delete_options_in_any_group_version() {
    for gv in ["apps/v1", "meta.k8s.io/v1", "rbac.authorization.k8s.io/v1"] {
        let body = super::enc::body(gv, "DeleteOptions", &[super::enc::s(4, "Background")]);
        let got = crate::apiserver::protobuf::decode(&body).unwrap();
        assert_eq!(
            got,
            serde_json::json!({"apiVersion": gv, "kind": "DeleteOptions", "propagationPolicy": "Background"})
        );
    }
}
