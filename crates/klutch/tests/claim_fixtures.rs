//! Every claim fixture (upstream e2e manifests and examples, and the authored ones) validated
//! against the claim CRD built from its XRD, through the API server's write pipeline.
//!
//! Creates drop `status`, prune, default and validate. Updates follow upstream's e2e order
//! (`test/e2e/<ds>/<ds>_test.go`): the old object is the last manifest the e2e test applied
//! successfully before (the `claim-upgrade-plan.yaml` when there is one, else
//! `claim-initial.yaml`).
#![allow(clippy::unwrap_used)]

use crate::common;

use common::*;
use klutch::schema::{Operation, invalid_message};
use serde_json::json;
use std::collections::BTreeSet;

const BLOCKED: &str = "<nil>: Invalid value: \"null\": some validation rules were not checked because the object was invalid; correct the existing errors to complete validation";
const TRANSITION: &str = "spec.plan: Invalid value: \"string\": Transition from bigger to smaller plan size is not supported.";
const IMMUTABLE: &str = "spec.service: Invalid value: \"string\": Service is an immutable field";

use crate::refusals;
use refusals::refused_creates;

/// (old, new, every message of the update): the update fixtures, in upstream's e2e order.
fn updates() -> Vec<(&'static str, &'static str, Vec<&'static str>)> {
    vec![
        (
            "postgresql-claim-initial",
            "postgresql-claim-upgrade-plan",
            vec![],
        ),
        (
            "postgresql-claim-upgrade-plan",
            "postgresql-claim-upgrade-service-not-allowed",
            vec![IMMUTABLE],
        ),
        (
            "postgresql-claim-upgrade-plan",
            "postgresql-claim-downgrade-plan-not-allowed",
            vec![TRANSITION],
        ),
        (
            "keyvalue-claim-initial",
            "keyvalue-claim-upgrade-plan",
            vec![],
        ),
        (
            "keyvalue-claim-upgrade-plan",
            "keyvalue-claim-upgrade-service-not-allowed",
            vec![
                "spec.service: Unsupported value: \"a9s-keyvalue7\": supported values: \"a9s-keyvalue8\"",
                BLOCKED,
            ],
        ),
        (
            "keyvalue-claim-upgrade-plan",
            "keyvalue-claim-downgrade-plan-not-allowed",
            vec![TRANSITION],
        ),
        (
            "logme2-claim-initial",
            "logme2-claim-upgrade-plan-not-allowed",
            vec![
                "spec.plan: Invalid value: \"string\": Migration from single to clustered Data Service Instance is not supported.",
            ],
        ),
        (
            "logme2-claim-initial",
            "logme2-claim-upgrade-service-not-allowed",
            vec![
                "spec.service: Unsupported value: \"a9s-logme22\": supported values: \"a9s-logme2\"",
                BLOCKED,
            ],
        ),
        (
            "mariadb-claim-initial",
            "mariadb-claim-upgrade-plan",
            vec![],
        ),
        (
            "mariadb-claim-upgrade-plan",
            "mariadb-claim-upgrade-service-not-allowed",
            vec![
                "spec.service: Unsupported value: \"a9s-mariadb9999\": supported values: \"a9s-mariadb106\", \"a9s-mariadb1011\"",
                BLOCKED,
            ],
        ),
        // Upstream's "downgrade" manifest is identical to its upgrade manifest
        // (mariadb-cluster-small-ssl), so the API server accepts it.
        (
            "mariadb-claim-upgrade-plan",
            "mariadb-claim-downgrade-plan-not-allowed",
            vec![],
        ),
        (
            "messaging-claim-initial",
            "messaging-claim-upgrade-plan",
            vec![],
        ),
        (
            "mongodb-claim-initial",
            "mongodb-claim-upgrade-plan",
            vec![],
        ),
        (
            "mongodb-claim-upgrade-plan",
            "mongodb-claim-upgrade-service-not-allowed",
            vec![
                "spec.service: Unsupported value: \"a9s-mongodb595999\": supported values: \"a9s-mongodb50\", \"a9s-mongodb70\"",
                BLOCKED,
            ],
        ),
        (
            "mongodb-claim-upgrade-plan",
            "mongodb-claim-downgrade-plan-not-allowed",
            vec![TRANSITION],
        ),
        (
            "prometheus-claim-initial",
            "prometheus-claim-upgrade-service-not-allowed",
            vec![
                "spec.service: Unsupported value: \"a9s-prometheus999\": supported values: \"a9s-prometheus\"",
                BLOCKED,
            ],
        ),
        (
            "prometheus-claim-initial",
            "prometheus-claim-upgrade-plan-not-allowed",
            vec![
                "spec.plan: Invalid value: \"string\": Upgrade functionality for Prometheus plans is not supported",
            ],
        ),
        ("search-claim-initial", "search-claim-upgrade-plan", vec![]),
        (
            "search-claim-upgrade-plan",
            "search-claim-upgrade-service-not-allowed",
            vec![
                "spec.service: Unsupported value: \"a9s-search9999\": supported values: \"a9s-search2\"",
                BLOCKED,
            ],
        ),
        (
            "search-claim-upgrade-plan",
            "search-claim-downgrade-plan-not-allowed",
            vec![TRANSITION],
        ),
    ]
}

fn claim_files() -> Vec<String> {
    let mut out = Vec::new();
    for dir in ["e2e", "examples", "authored"] {
        for entry in std::fs::read_dir(fixtures().join("claims").join(dir)).unwrap() {
            let path = entry.unwrap().path();
            let v = klutch::claims::read_yaml(&path).unwrap();
            if v["apiVersion"] == json!("anynines.com/v1") {
                let name = path.file_name().unwrap().to_string_lossy().to_string();
                out.push(format!("{dir}/{name}"));
            }
        }
    }
    out.sort();
    out
}

fn is_update_fixture(file: &str) -> bool {
    file.contains("upgrade") || file.contains("downgrade")
}

#[test]
fn every_claim_fixture_is_covered() {
    let updated: BTreeSet<String> = updates()
        .iter()
        .map(|(_, new, _)| format!("e2e/{new}.yaml"))
        .collect();
    for file in claim_files() {
        if is_update_fixture(&file) {
            assert!(
                updated.contains(&file),
                "{file} is an update not in the table"
            );
        }
    }
    assert!(claim_files().len() > 90, "fixtures not found");
}

#[test]
fn creates_are_accepted_or_refused_with_upstream_messages() {
    let schemas = claim_schemas();
    let refused = refused_creates();
    let mut checked = 0;
    for file in claim_files().iter().filter(|f| !is_update_fixture(f)) {
        let obj = yaml(&format!("claims/{file}"));
        let schema = &schemas[obj["kind"].as_str().unwrap()];
        let (_, outcome) = create(schema, &obj);
        let want: Vec<String> = refused
            .iter()
            .find(|(f, _)| f == file)
            .map(|(_, msgs)| msgs.iter().map(|m| m.to_string()).collect())
            .unwrap_or_default();
        assert_eq!(messages(&outcome.errors), want, "{file}");
        assert!(outcome.warnings.is_empty(), "{file}");
        checked += 1;
    }
    assert!(checked > 70);
}

#[test]
fn updates_follow_the_e2e_sequence() {
    let schemas = claim_schemas();
    for (old, new, want) in updates() {
        let old_obj = yaml(&format!("claims/e2e/{old}.yaml"));
        let new_obj = yaml(&format!("claims/e2e/{new}.yaml"));
        let schema = &schemas[old_obj["kind"].as_str().unwrap()];
        let (stored, created) = create(schema, &old_obj);
        assert!(created.errors.is_empty(), "{old}");
        let outcome = update(schema, &stored, &new_obj);
        assert_eq!(messages(&outcome.errors), want, "{old} -> {new}");
    }
}

#[test]
fn keyvalue_service_change_matches_upstream_e2e_message_verbatim() {
    // test/e2e/keyvalue/keyvalue_test.go expects this exact error text.
    let schemas = claim_schemas();
    let schema = &schemas["KeyvalueInstance"];
    let (stored, _) = create(schema, &yaml("claims/e2e/keyvalue-claim-upgrade-plan.yaml"));
    let new = yaml("claims/e2e/keyvalue-claim-upgrade-service-not-allowed.yaml");
    let outcome = update(schema, &stored, &new);
    assert_eq!(
        invalid_message(
            "KeyvalueInstance.anynines.com",
            "example-keyvalue-instance",
            &outcome.errors
        ),
        "KeyvalueInstance.anynines.com \"example-keyvalue-instance\" is invalid: [spec.service: Unsupported value: \"a9s-keyvalue7\": supported values: \"a9s-keyvalue8\", <nil>: Invalid value: \"null\": some validation rules were not checked because the object was invalid; correct the existing errors to complete validation]"
    );
}

#[test]
fn bionic_plans_applied_over_the_upgraded_claim_report_every_rule() {
    // The e2e test applies these manifests to the existing claim; the API server then reports
    // the bionic rule together with the transition rules.
    let schemas = claim_schemas();
    let schema = &schemas["PostgresqlInstance"];
    let (stored, _) = create(
        schema,
        &yaml("claims/e2e/postgresql-claim-upgrade-plan.yaml"),
    );
    let new = yaml("claims/e2e/postgresql-claim-initial-bionic-not-supported-v17.yaml");
    let outcome = update(schema, &stored, &new);
    assert_eq!(
        messages(&outcome.errors),
        vec![
            "spec: Invalid value: \"object\": Bionic plans are only supported by a9s PostgreSQL 13",
            TRANSITION,
            "spec.plan: Invalid value: \"string\": Plan migrations not possible from Non-Bionic to Bionic and Bionic to Non-Bionic",
            "spec.plan: Invalid value: \"string\": Migration from clustered to single Data Service Instance is not supported.",
            IMMUTABLE,
        ]
    );
}

#[test]
fn defaults_and_pruning_on_create() {
    let schemas = claim_schemas();
    let mut claim = yaml("claims/e2e/postgresql-claim-initial.yaml");
    claim["spec"]["bogus"] = json!(1);
    claim["spec"]["parameters"] = json!({"maxConnections": 100, "nope": "x"});
    claim["metadata"]["labels"] = json!({"team": "a"});
    let schema = &schemas["PostgresqlInstance"];
    assert_eq!(
        schema.unknown_fields(&claim),
        vec!["spec.bogus", "spec.parameters.nope"]
    );
    let (stored, outcome) = create(schema, &claim);
    assert!(outcome.errors.is_empty());
    assert_eq!(stored["spec"]["compositeDeletePolicy"], json!("Foreground"));
    assert_eq!(stored["spec"].get("bogus"), None);
    assert_eq!(stored["spec"]["parameters"], json!({"maxConnections": 100}));
    // metadata is the caller's: labels survive.
    assert_eq!(stored["metadata"]["labels"], json!({"team": "a"}));

    // ServiceBinding's XRD has no defaultCompositeDeletePolicy: no default.
    let (binding, _) = create(
        &schemas["ServiceBinding"],
        &yaml("claims/e2e/postgresql-servicebinding-initial.yaml"),
    );
    assert_eq!(binding["spec"].get("compositeDeletePolicy"), None);
}

#[test]
fn a_claim_without_composition_ref_fails_its_rules_at_runtime() {
    let schemas = claim_schemas();
    let mut claim = yaml("claims/e2e/postgresql-claim-initial.yaml");
    claim["spec"]
        .as_object_mut()
        .unwrap()
        .remove("compositionRef");
    let (_, outcome) = create(&schemas["PostgresqlInstance"], &claim);
    // The other rules do not fail: CEL's `||` absorbs an error when the other side is true
    // (`self.service == 'a9s-postgresql13'`, `!has(self.parameters)`).
    assert_eq!(
        messages(&outcome.errors),
        vec![
            "spec: Invalid value: \"object\": no such key: compositionRef evaluating rule: Unsupported service used for postgresql",
            "spec: Invalid value: \"object\": no such key: compositionRef evaluating rule: Unsupported plan used for postgresql",
        ]
    );
}

#[test]
fn invalid_parameters_are_refused_field_by_field() {
    let schemas = claim_schemas();
    let mut claim = yaml("claims/e2e/postgresql-claim-initial.yaml");
    claim["spec"]["parameters"] = json!({
        "tempFileLimit": 0,
        "walWriterDelay": 0,
        "trackIoTiming": true,
        "synchronousCommit": "maybe",
        "maxReplicationSlots": -1,
    });
    let (_, outcome) = create(&schemas["PostgresqlInstance"], &claim);
    assert_eq!(
        messages(&outcome.errors),
        vec![
            "spec.parameters.synchronousCommit: Unsupported value: \"maybe\": supported values: \"on\", \"off\", \"local\", \"remote_write\", \"remote_apply\"",
            "spec.parameters.trackIoTiming: Invalid value: \"boolean\": spec.parameters.trackIoTiming in body must be of type string: \"boolean\"",
            "spec.parameters.trackIoTiming: Unsupported value: true: supported values: \"on\", \"off\"",
            BLOCKED,
        ]
    );
    // Fix the blocking ones: the CEL rules on the parameters run.
    claim["spec"]["parameters"]["trackIoTiming"] = json!("on");
    claim["spec"]["parameters"]["synchronousCommit"] = json!("local");
    let (_, outcome) = create(&schemas["PostgresqlInstance"], &claim);
    assert_eq!(
        messages(&outcome.errors),
        vec![
            "spec.parameters.maxReplicationSlots: Invalid value: \"integer\": Must be greater than or equal to 0",
            "spec.parameters.tempFileLimit: Invalid value: \"integer\": Must be either -1 (no limit) or a limit specified in kilobytes",
            "spec.parameters.walWriterDelay: Invalid value: \"integer\": Must be greater than 0",
        ]
    );
}

#[test]
fn status_updates_check_the_crossplane_condition_schema() {
    let schemas = claim_schemas();
    // The authored fixtures carry statuses as a provider would write them.
    let ready = yaml("claims/authored/example-postgresqlinstance-ready.yaml");
    let schema = &schemas["PostgresqlInstance"];
    let (stored, _) = create(schema, &ready);
    let mut with_status = stored.clone();
    with_status["status"] = ready["status"].clone();
    let outcome = schema.check(&with_status, Operation::UpdateStatus { old: &stored });
    assert_eq!(messages(&outcome.errors), Vec::<String>::new());

    // Crossplane's condition schema requires lastTransitionTime, which this authored backup
    // status lacks: a status write with it is refused.
    let failed = yaml("claims/authored/example-backup-failed.yaml");
    let schema = &schemas["Backup"];
    let (stored, _) = create(schema, &failed);
    let mut with_status = stored.clone();
    with_status["status"] = failed["status"].clone();
    let outcome = schema.check(&with_status, Operation::UpdateStatus { old: &stored });
    assert_eq!(
        messages(&outcome.errors),
        vec![
            "status.conditions[0].lastTransitionTime: Required value",
            "status.conditions[1].lastTransitionTime: Required value",
            BLOCKED,
        ]
    );

    // A malformed time and a duplicate condition type.
    let mut bad = with_status.clone();
    bad["status"]["conditions"] = json!([
        {"type": "Ready", "status": "True", "reason": "Available", "lastTransitionTime": "yesterday"},
        {"type": "Ready", "status": "False", "reason": "Creating", "lastTransitionTime": "2026-06-10T09:00:00Z"},
    ]);
    let outcome = schema.check(&bad, Operation::UpdateStatus { old: &stored });
    assert_eq!(
        messages(&outcome.errors),
        vec![
            "status.conditions[0].lastTransitionTime: Invalid value: \"yesterday\": conditions[0].lastTransitionTime in body must be of type date-time: \"yesterday\"",
            "status.conditions[1]: Duplicate value: map[string]interface {}{\"type\":\"Ready\"}",
            BLOCKED,
        ]
    );
}

#[test]
fn claim_crds_have_crossplanes_shape() {
    let crds = klutch::claims::fixture_claim_crds(&fixtures().join("claims/xrd")).unwrap();
    assert_eq!(crds.len(), 11);
    let kinds: BTreeSet<String> = crds.iter().map(|c| c.spec.names.kind.clone()).collect();
    assert_eq!(
        kinds,
        [
            "Backup",
            "KeyvalueInstance",
            "Logme2Instance",
            "MariadbInstance",
            "MessagingInstance",
            "MongodbInstance",
            "PostgresqlInstance",
            "PrometheusInstance",
            "Restore",
            "SearchInstance",
            "ServiceBinding",
        ]
        .into_iter()
        .map(String::from)
        .collect()
    );

    let xrd = yaml("claims/xrd/keyvalue_definition.yaml");
    let crd = klutch::claims::crd_from_xrd(&xrd).unwrap();
    let crd = serde_json::to_value(&crd).unwrap();
    assert_eq!(crd["apiVersion"], json!("apiextensions.k8s.io/v1"));
    assert_eq!(crd["kind"], json!("CustomResourceDefinition"));
    assert_eq!(
        crd["metadata"]["name"],
        json!("keyvalueinstances.anynines.com")
    );
    assert_eq!(crd["spec"]["scope"], json!("Namespaced"));
    assert_eq!(crd["spec"]["group"], json!("anynines.com"));
    assert_eq!(
        crd["spec"]["names"],
        json!({"kind": "KeyvalueInstance", "plural": "keyvalueinstances", "categories": ["claim"]})
    );
    let v = &crd["spec"]["versions"][0];
    assert_eq!(v["name"], json!("v1"));
    assert_eq!(v["served"], json!(true));
    assert_eq!(v["storage"], json!(true));
    assert_eq!(v["subresources"], json!({"status": {}}));
    let columns: Vec<&str> = v["additionalPrinterColumns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        columns,
        [
            "ManagedResource",
            "SYNCED",
            "READY",
            "CONNECTION-SECRET",
            "AGE"
        ]
    );
    let schema = &v["schema"]["openAPIV3Schema"];
    assert_eq!(
        schema.get("supported"),
        None,
        "unknown XRD keys are dropped"
    );
    assert_eq!(schema["required"], json!(["spec"]));
    assert_eq!(
        schema["properties"]["metadata"],
        json!({"type": "object", "properties": {"name": {"type": "string", "maxLength": 63}}})
    );
    let spec = &schema["properties"]["spec"];
    assert_eq!(spec["type"], json!("object"));
    assert_eq!(spec["required"], json!(["service", "plan"]));
    assert_eq!(
        spec["x-kubernetes-validations"].as_array().unwrap().len(),
        xrd["spec"]["versions"][0]["schema"]["openAPIV3Schema"]["properties"]["spec"]
            ["x-kubernetes-validations"]
            .as_array()
            .unwrap()
            .len()
    );
    for envelope in [
        "compositionRef",
        "compositionSelector",
        "compositionRevisionRef",
        "compositionRevisionSelector",
        "compositionUpdatePolicy",
        "compositeDeletePolicy",
        "resourceRef",
        "publishConnectionDetailsTo",
        "writeConnectionSecretToRef",
        "service",
        "plan",
        "parameters",
    ] {
        assert!(spec["properties"].get(envelope).is_some(), "{envelope}");
    }
    assert_eq!(
        spec["properties"]["compositeDeletePolicy"],
        json!({"type": "string", "enum": ["Background", "Foreground"], "default": "Foreground"})
    );
    assert_eq!(
        spec["properties"]["compositionRef"]["required"],
        json!(["name"])
    );
    assert_eq!(
        spec["properties"]
            .get("compositionRef")
            .unwrap()
            .get("default"),
        None
    );
    let status = &schema["properties"]["status"]["properties"];
    assert_eq!(status["conditions"]["x-kubernetes-list-type"], json!("map"));
    assert_eq!(
        status["conditions"]["x-kubernetes-list-map-keys"],
        json!(["type"])
    );
    assert_eq!(
        status["conditions"]["items"]["required"],
        json!(["lastTransitionTime", "reason", "status", "type"])
    );
    assert_eq!(
        status["managed"],
        json!({"type": "object", "x-kubernetes-preserve-unknown-fields": true})
    );
    assert!(status.get("connectionDetails").is_some());
}

#[test]
fn xrd_without_claim_names_or_with_conflicting_names_is_refused() {
    let mut xrd = yaml("claims/xrd/backup_definition.yaml");
    xrd["spec"]["claimNames"]["kind"] = xrd["spec"]["names"]["kind"].clone();
    let err = klutch::claims::crd_from_xrd(&xrd).unwrap_err().to_string();
    assert_eq!(
        err,
        "XRD xbackups.anynines.com: invalid resource claim names: \"XBackup\" conflicts with composite resource name"
    );
    xrd["spec"].as_object_mut().unwrap().remove("claimNames");
    let err = klutch::claims::crd_from_xrd(&xrd).unwrap_err().to_string();
    assert!(err.contains("missing names"), "{err}");
}

#[test]
fn parameters_the_broker_refuses_pass_the_api_server() {
    // `postgresql-claim-with-parameters-invalid.yaml` sets `archiveTimeout: 5`; upstream's
    // comment says the minimum "depends on platform configuration": the XRD declares only
    // `type: integer`, so the API server accepts it and the a9s broker refuses it later.
    let schemas = claim_schemas();
    let claim = yaml("claims/e2e/postgresql-claim-with-parameters-invalid.yaml");
    let (stored, outcome) = create(&schemas["PostgresqlInstance"], &claim);
    assert!(outcome.is_valid(), "{:?}", outcome.errors);
    assert_eq!(stored["spec"]["parameters"]["archiveTimeout"], json!(5));
}
