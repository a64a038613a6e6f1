//! Unit tests for the protobuf decoder.
//!
//! - `enc`: a tiny hand-rolled encoder for building bodies field by field;
//! - `fixtures_*`: realistic kubectl bodies with their expected JSON;
//! - `prost_cross`: bodies encoded independently with `prost`;
//! - `kinds`, `errors`, `robust`, `schema_check`: the tests.

mod enc;
mod errors;
mod fixtures_apis;
mod fixtures_apps;
mod fixtures_core;
mod kinds;
mod prost_cross;
mod robust;
mod schema_check;

use serde_json::Value;

/// A request body and the JSON object it must decode to.
pub struct Fixture {
    pub name: &'static str,
    pub body: Vec<u8>,
    pub expected: Value,
}

/// Every fixture, for table-wide tests (coverage, truncation, mutation).
pub fn all_fixtures() -> Vec<Fixture> {
    vec![
        fixtures_core::namespace(),
        fixtures_core::secret(),
        fixtures_core::secret_immutable_false(),
        fixtures_core::configmap(),
        fixtures_core::configmap_full_meta(),
        fixtures_core::serviceaccount(),
        fixtures_core::serviceaccount_full(),
        fixtures_core::service_clusterip(),
        fixtures_core::service_nodeport(),
        fixtures_core::event_core(),
        fixtures_apps::deployment(),
        fixtures_apps::deployment_full(),
        fixtures_apis::role(),
        fixtures_apis::clusterrole_aggregation(),
        fixtures_apis::clusterrole_nonresource(),
        fixtures_apis::rolebinding(),
        fixtures_apis::clusterrolebinding(),
        fixtures_apis::ssar_captured(),
        fixtures_apis::ssar_nonresource(),
        fixtures_apis::ssrr(),
        fixtures_apis::sar(),
        fixtures_apis::local_sar(),
        fixtures_apis::self_subject_review(),
        fixtures_apis::token_request(),
        fixtures_apis::token_request_bound(),
        fixtures_apis::token_review(),
        fixtures_apis::event_events_v1(),
        fixtures_apis::delete_options(),
        prost_cross::lease(),
        prost_cross::token_request(),
    ]
}

/// Decode a fixture and compare with its expected JSON.
pub fn check(fx: Fixture) {
    let got = crate::apiserver::protobuf::decode(&fx.body)
        .unwrap_or_else(|e| panic!("{}: decode failed: {e}", fx.name));
    assert_eq!(
        got,
        fx.expected,
        "{}: got\n{}\nexpected\n{}",
        fx.name,
        serde_json::to_string_pretty(&got).unwrap(),
        serde_json::to_string_pretty(&fx.expected).unwrap()
    );
}
