//! The klutch-bind CRDs (shared/fixtures/crds/bind): every version's schema compiles, CEL
//! rules included, and example objects validate as the API server would judge them.
#![allow(clippy::unwrap_used)]

use crate::common;

use common::*;
use klutch::schema::{Operation, Schema};
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// Every CRD in the bind fixtures (multi-document files included), by `<plural>.<group>`.
fn bind_schemas() -> BTreeMap<String, Schema> {
    let mut out = BTreeMap::new();
    let mut files: Vec<_> = std::fs::read_dir(fixtures().join("crds/bind"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        let docs: Vec<Value> = serde_saphyr::from_multiple(&text).unwrap();
        for crd in docs
            .into_iter()
            .filter(|d| d["kind"] == json!("CustomResourceDefinition"))
        {
            let name = crd["metadata"]["name"].as_str().unwrap().to_string();
            for version in crd["spec"]["versions"].as_array().unwrap() {
                let schema = Schema::from_value(&version["schema"]["openAPIV3Schema"])
                    .unwrap_or_else(|e| panic!("{name}: {e}"));
                out.insert(
                    format!("{name}/{}", version["name"].as_str().unwrap()),
                    schema,
                );
            }
        }
    }
    out
}

fn object(kind: &str, name: &str, spec: Value) -> Value {
    json!({
        "apiVersion": "klutch.anynines.com/v1alpha1",
        "kind": kind,
        "metadata": {"name": name, "namespace": "kube-bind-abc"},
        "spec": spec,
    })
}

#[test]
fn every_bind_crd_compiles() {
    let schemas = bind_schemas();
    let names: Vec<&str> = schemas.keys().map(String::as_str).collect();
    assert_eq!(
        names,
        [
            "apiservicebindings.klutch.anynines.com/v1alpha1",
            "apiserviceexportrequests.klutch.anynines.com/v1alpha1",
            "apiserviceexports.klutch.anynines.com/v1alpha1",
            "apiserviceexporttemplates.bind.anynines.com/v1alpha1",
            "apiserviceexporttemplates.example-backend.klutch.anynines.com/v1alpha1",
            "apiservicenamespaces.klutch.anynines.com/v1alpha1",
            "appclusterbindings.klutch.anynines.com/v1alpha1",
            "clusterbindings.klutch.anynines.com/v1alpha1",
        ]
    );
}

#[test]
fn cluster_binding_must_be_named_cluster() {
    let schemas = bind_schemas();
    let s = &schemas["clusterbindings.klutch.anynines.com/v1alpha1"];
    let spec = json!({"kubeconfigSecretRef": {"key": "kubeconfig", "name": "kubeconfig-abc"}, "providerPrettyName": "anynines"});
    let ok = object("ClusterBinding", "cluster", spec.clone());
    assert_eq!(messages(&s.validate(&ok, None)), Vec::<String>::new());
    let bad = object("ClusterBinding", "other", spec);
    assert_eq!(
        messages(&s.validate(&bad, None)),
        vec!["<nil>: Invalid value: \"object\": cluster binding name should be cluster"]
    );
    // The kubeconfig reference may not change.
    let mut moved = ok.clone();
    moved["spec"]["kubeconfigSecretRef"]["name"] = json!("elsewhere");
    assert_eq!(
        messages(&s.validate(&moved, Some(&ok))),
        vec![
            "spec.kubeconfigSecretRef: Invalid value: \"object\": kubeconfigSecretRef is immutable"
        ]
    );
    let mut wrong_key = ok;
    wrong_key["spec"]["kubeconfigSecretRef"]["key"] = json!("config");
    assert_eq!(
        messages(&s.validate(&wrong_key, None)),
        vec![
            "spec.kubeconfigSecretRef.key: Unsupported value: \"config\": supported values: \"kubeconfig\"",
            "<nil>: Invalid value: \"null\": some validation rules were not checked because the object was invalid; correct the existing errors to complete validation",
        ]
    );
}

fn export_spec() -> Value {
    json!({
        "group": "anynines.com",
        "informerScope": "Namespaced",
        "names": {"kind": "PostgresqlInstance", "plural": "postgresqlinstances"},
        "scope": "Namespaced",
        "versions": [{
            "name": "v1",
            "served": true,
            "storage": true,
            "schema": {"openAPIV3Schema": {"type": "object"}},
        }],
    })
}

#[test]
fn api_service_export_rules() {
    let schemas = bind_schemas();
    let s = &schemas["apiserviceexports.klutch.anynines.com/v1alpha1"];
    let ok = object(
        "APIServiceExport",
        "postgresqlinstances.anynines.com",
        export_spec(),
    );
    let outcome = s.check(&ok, Operation::Create);
    assert_eq!(messages(&outcome.errors), Vec::<String>::new());

    let misnamed = object("APIServiceExport", "pg", export_spec());
    assert_eq!(
        messages(&s.validate(&misnamed, None)),
        vec!["<nil>: Invalid value: \"object\": informerScope is immutable"]
    );

    let mut cluster = ok.clone();
    cluster["spec"]["scope"] = json!("Cluster");
    assert_eq!(
        messages(&s.validate(&cluster, None)),
        vec![
            "spec: Invalid value: \"object\": informerScope must be Cluster for cluster-scoped resources",
            "spec: Invalid value: \"object\": clusterScopedIsolation must be defined for cluster-scoped resources",
        ]
    );

    let mut rescoped = ok.clone();
    rescoped["spec"]["informerScope"] = json!("Cluster");
    assert_eq!(
        messages(&s.validate(&rescoped, Some(&ok))),
        vec!["spec.informerScope: Invalid value: \"string\": informerScope is immutable"]
    );
}

#[test]
fn export_requests_and_templates() {
    let schemas = bind_schemas();
    let s = &schemas["apiserviceexportrequests.klutch.anynines.com/v1alpha1"];
    let resource =
        json!({"group": "anynines.com", "resource": "postgresqlinstances", "versions": ["v1"]});
    let ok = object(
        "APIServiceExportRequest",
        "req",
        json!({"resources": [resource]}),
    );
    let mut stored = ok.clone();
    s.apply_defaults(&mut stored);
    assert_eq!(messages(&s.validate(&stored, None)), Vec::<String>::new());
    let empty = object("APIServiceExportRequest", "req", json!({"resources": []}));
    assert_eq!(
        messages(&s.validate(&empty, None)),
        vec![
            "spec.resources: Invalid value: 0: spec.resources in body should have at least 1 items"
        ]
    );
    let mut changed = stored.clone();
    changed["spec"]["resources"][0]["resource"] = json!("backups");
    assert_eq!(
        messages(&s.validate(&changed, Some(&stored))),
        vec!["spec.resources: Invalid value: \"array\": resources are immutable"]
    );

    let t = &schemas["apiserviceexporttemplates.example-backend.klutch.anynines.com/v1alpha1"];
    let template = json!({
        "apiVersion": "example-backend.klutch.anynines.com/v1alpha1",
        "kind": "APIServiceExportTemplate",
        "metadata": {"name": "postgresql", "namespace": "default"},
        "spec": {"APIServiceSelector": {"group": "anynines.com", "resource": "postgresqlinstances"}},
    });
    let outcome = t.check(&template, Operation::Create);
    assert_eq!(messages(&outcome.errors), Vec::<String>::new());
}

#[test]
fn app_cluster_binding_name_is_immutable() {
    let schemas = bind_schemas();
    let s = &schemas["appclusterbindings.klutch.anynines.com/v1alpha1"];
    let spec =
        json!({"kubeconfigSecretRef": {"key": "kubeconfig", "name": "kc", "namespace": "ns"}});
    let old = object("AppClusterBinding", "a", spec.clone());
    let outcome = s.check(&old, Operation::Create);
    assert_eq!(messages(&outcome.errors), Vec::<String>::new());
    let renamed = object("AppClusterBinding", "b", spec);
    assert_eq!(
        messages(&s.validate(&renamed, Some(&old))),
        vec!["<nil>: Invalid value: \"object\": name is immutable"]
    );
}
