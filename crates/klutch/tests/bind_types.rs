//! The typed bind kinds against upstream's fixtures: every fixture loads and
//! round-trips, the CRDs kube-derive generates match upstream's, and an object
//! that sets every field of upstream's schema survives the typed structs intact.

#![allow(clippy::unwrap_used)] // tests may unwrap

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use klutch::bind::{
    APIServiceBinding, APIServiceExport, APIServiceExportRequest, APIServiceExportTemplate,
    APIServiceNamespace, AnyExportTemplate, AppClusterBinding, ClusterBinding, TemplateApiGroup,
};
use kube_core::CustomResourceExt;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

fn fixtures() -> PathBuf {
    Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/fixtures"
    ))
    .to_path_buf()
}

fn yaml_files(dir: &str) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(fixtures().join(dir))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no fixtures in {dir}");
    files
}

fn load_docs(path: &Path) -> Vec<Value> {
    let text = std::fs::read_to_string(path).unwrap();
    let docs: Vec<Value> =
        serde_saphyr::from_multiple(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    docs.into_iter().filter(|d| !d.is_null()).collect()
}

fn load_crd(file: &str) -> Value {
    let mut docs = load_docs(&fixtures().join("crds/bind").join(file));
    assert_eq!(docs.len(), 1, "{file}");
    docs.remove(0)
}

/// Drop `null` members: Kubernetes treats them as absent (`creationTimestamp: null`).
fn strip_nulls(value: &mut Value) {
    match value {
        Value::Object(map) => {
            map.retain(|_, v| !v.is_null());
            map.values_mut().for_each(strip_nulls);
        }
        Value::Array(items) => items.iter_mut().for_each(strip_nulls),
        _ => {}
    }
}

/// The first place where two values differ, for a readable failure.
fn first_diff(a: &Value, b: &Value, path: &str) -> Option<String> {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            let keys: BTreeSet<&String> = x.keys().chain(y.keys()).collect();
            keys.into_iter().find_map(|k| match (x.get(k), y.get(k)) {
                (Some(l), Some(r)) => first_diff(l, r, &format!("{path}.{k}")),
                (l, r) => Some(format!("{path}.{k}: {l:?} != {r:?}")),
            })
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => x
            .iter()
            .zip(y)
            .enumerate()
            .find_map(|(i, (l, r))| first_diff(l, r, &format!("{path}[{i}]"))),
        _ if a == b => None,
        _ => Some(format!("{path}: {a} != {b}")),
    }
}

fn assert_same(actual: &Value, expected: &Value, what: &str) {
    if let Some(diff) = first_diff(actual, expected, "") {
        panic!("{what}: {diff}");
    }
}

fn round_trip<K: Serialize + DeserializeOwned>(value: &Value) -> Value {
    let typed: K = serde_json::from_value(value.clone())
        .unwrap_or_else(|e| panic!("does not parse: {e}\n{value:#}"));
    serde_json::to_value(&typed).unwrap()
}

#[test]
fn every_bind_crd_fixture_loads_and_round_trips() {
    let mut count = 0;
    for file in yaml_files("crds/bind") {
        for mut doc in load_docs(&file) {
            assert_eq!(
                doc["kind"],
                "CustomResourceDefinition",
                "{}",
                file.display()
            );
            strip_nulls(&mut doc);
            let back = round_trip::<CustomResourceDefinition>(&doc);
            assert_same(&back, &doc, &file.display().to_string());
            count += 1;
        }
    }
    assert_eq!(count, 8);
}

#[test]
fn every_export_template_fixture_loads_under_its_group_and_round_trips() {
    let mut seen = BTreeSet::new();
    for file in yaml_files("export-templates") {
        let docs = load_docs(&file);
        assert!(!docs.is_empty(), "{}", file.display());
        for doc in docs {
            let any = AnyExportTemplate::from_value(doc.clone())
                .unwrap_or_else(|e| panic!("{}: {e}", file.display()));
            let expected_group = if file.to_string_lossy().contains("release-bundle") {
                TemplateApiGroup::ReleaseBundle
            } else {
                TemplateApiGroup::ExampleBackend
            };
            assert_eq!(any.api_group, expected_group, "{}", file.display());
            assert_same(&any.to_value().unwrap(), &doc, &file.display().to_string());
            let selector = &any.template.spec.api_service_selector;
            assert_eq!(
                any.template.metadata.name.as_deref(),
                Some(selector.resource.as_str())
            );
            seen.insert((expected_group.group(), selector.crd_name()));
        }
    }
    assert!(seen.contains(&("bind.anynines.com", "backups.anynines.com".to_owned())));
    assert!(seen.contains(&(
        "example-backend.klutch.anynines.com",
        "postgresqlinstances.anynines.com".to_owned()
    )));
}

#[test]
fn export_template_conversion_refuses_foreign_objects() {
    let foreign = json!({"apiVersion": "kube-bind.io/v1alpha2", "kind": "APIServiceExportTemplate",
        "metadata": {"name": "x"}, "spec": {"APIServiceSelector": {"resource": "x"}}});
    let err = AnyExportTemplate::from_value(foreign)
        .unwrap_err()
        .to_string();
    assert!(err.contains("kube-bind.io/v1alpha2"), "{err}");
    assert!(err.contains("bind.anynines.com/v1alpha1"), "{err}");

    let wrong_kind = json!({"apiVersion": "bind.anynines.com/v1alpha1", "kind": "Other",
        "metadata": {"name": "x"}, "spec": {"APIServiceSelector": {"resource": "x"}}});
    assert!(AnyExportTemplate::from_value(wrong_kind).is_err());

    let lower_case_key = json!({"apiVersion": "bind.anynines.com/v1alpha1",
        "kind": "APIServiceExportTemplate", "metadata": {"name": "x"},
        "spec": {"apiServiceSelector": {"resource": "x"}}});
    assert!(AnyExportTemplate::from_value(lower_case_key).is_err());
}

#[test]
fn export_template_converts_from_a_dynamic_object() {
    let doc =
        load_docs(&fixtures().join("export-templates/release-bundle_common-export-templates.yaml"))
            .remove(0);
    let dynamic: kube_core::DynamicObject = serde_json::from_value(doc.clone()).unwrap();
    let any = AnyExportTemplate::from_dynamic(&dynamic).unwrap();
    assert_eq!(any.api_group, TemplateApiGroup::ReleaseBundle);
    assert_eq!(
        any.template.spec.api_service_selector.resource,
        "servicebindings"
    );
    assert_eq!(any.to_value().unwrap(), doc);
}

/// The CRD kube-derive generates for `K` and the upstream fixture.
fn kinds() -> Vec<(&'static str, CustomResourceDefinition)> {
    vec![
        (
            "klutch.anynines.com_apiserviceexportrequests.yaml",
            APIServiceExportRequest::crd(),
        ),
        (
            "klutch.anynines.com_apiserviceexports.yaml",
            APIServiceExport::crd(),
        ),
        (
            "klutch.anynines.com_apiservicebindings.yaml",
            APIServiceBinding::crd(),
        ),
        (
            "klutch.anynines.com_apiservicenamespaces.yaml",
            APIServiceNamespace::crd(),
        ),
        (
            "klutch.anynines.com_clusterbindings.yaml",
            ClusterBinding::crd(),
        ),
        (
            "klutch.anynines.com_appclusterbindings.yaml",
            AppClusterBinding::crd(),
        ),
        (
            "example-backend.klutch.anynines.com_apiserviceexporttemplates.yaml",
            APIServiceExportTemplate::crd(),
        ),
        (
            "release-bundle_kube-bind-crds.yaml",
            APIServiceExportTemplate::crd(),
        ),
    ]
}

fn columns(version: &Value) -> Vec<Value> {
    version["additionalPrinterColumns"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .map(|c| json!([c["name"], c["type"], c["jsonPath"], c["priority"]]))
        .collect()
}

#[test]
fn derived_crds_match_the_fixture_crds() {
    for (file, crd) in kinds() {
        let fixture = load_crd(file);
        let ours = serde_json::to_value(&crd).unwrap();
        let (f, o) = (&fixture["spec"], &ours["spec"]);
        if file.starts_with("release-bundle") {
            assert_eq!(f["group"], TemplateApiGroup::ReleaseBundle.group());
            assert_eq!(o["group"], TemplateApiGroup::ExampleBackend.group());
        } else {
            assert_eq!(f["group"], o["group"], "{file}");
            assert_eq!(
                fixture["metadata"]["name"], ours["metadata"]["name"],
                "{file}"
            );
        }
        // The API server defaults listKind to `<kind>List`; kube-derive leaves it out.
        let mut names = o["names"].clone();
        names["listKind"] = json!(format!("{}List", names["kind"].as_str().unwrap()));
        assert_same(&names, &f["names"], file);
        assert_eq!(f["scope"], o["scope"], "{file}");
        let (fv, ov) = (&f["versions"][0], &o["versions"][0]);
        assert_eq!(f["versions"].as_array().unwrap().len(), 1, "{file}");
        assert_eq!(o["versions"].as_array().unwrap().len(), 1, "{file}");
        for key in ["name", "served", "storage", "subresources"] {
            assert_eq!(fv[key], ov[key], "{file}: {key}");
        }
        assert_eq!(columns(fv), columns(ov), "{file}: printer columns");
    }
}

/// Every property path of a schema, `.spec.resources[].group` style.
fn paths(schema: &Value, prefix: &str, out: &mut BTreeSet<String>) {
    if let Some(props) = schema.get("properties").and_then(Value::as_object) {
        for (key, sub) in props {
            let path = format!("{prefix}.{key}");
            out.insert(path.clone());
            paths(sub, &path, out);
        }
    }
    if let Some(items) = schema.get("items") {
        paths(items, &format!("{prefix}[]"), out);
    }
    if let Some(extra) = schema.get("additionalProperties").filter(|a| a.is_object()) {
        paths(extra, &format!("{prefix}{{}}"), out);
    }
}

fn schema_paths(crd: &Value) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    paths(
        &crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"],
        "",
        &mut out,
    );
    out
}

#[test]
fn derived_schemas_have_exactly_the_fixture_fields() {
    // Below this path the fields are core/v1 Container types, taken from k8s-openapi,
    // which knows a newer Kubernetes than the fixture was generated from.
    const NEWER_CORE_TYPES: &str = ".spec.konnector.overrides.";
    for (file, crd) in kinds() {
        let fixture = schema_paths(&load_crd(file));
        let ours = schema_paths(&serde_json::to_value(&crd).unwrap());
        // `metadata` is skipped by kube-derive (the API server knows it).
        let missing: Vec<_> = fixture
            .iter()
            .filter(|p| {
                !ours.contains(*p) && !matches!(p.as_str(), ".metadata" | ".apiVersion" | ".kind")
            })
            .collect();
        assert!(
            missing.is_empty(),
            "{file}: fields the typed struct would drop: {missing:?}"
        );
        let extra: Vec<_> = ours
            .iter()
            .filter(|p| !fixture.contains(*p) && !p.starts_with(NEWER_CORE_TYPES))
            .filter(|p| {
                // The typed template carries both selector spellings of the two groups.
                !(file.contains("apiserviceexporttemplates")
                    && p.as_str() == ".spec.APIServiceSelector.versions"
                    || file.starts_with("release-bundle")
                        && p.as_str() == ".spec.APIServiceSelector.version")
            })
            .collect();
        assert!(
            extra.is_empty(),
            "{file}: fields upstream does not have: {extra:?}"
        );
    }
}

/// An instance of a schema that sets every property it declares.
fn full_instance(schema: &Value, path: &str) -> Value {
    if path.ends_with("conditions[].status") {
        return json!("True");
    }
    if path.ends_with("conditions[].severity") {
        return json!("Warning");
    }
    if schema.get("x-kubernetes-int-or-string") == Some(&json!(true)) {
        // Quantities (they carry a pattern) are strings on the wire; ports are numbers.
        return if schema.get("pattern").is_some() {
            json!("1Gi")
        } else {
            json!(8080)
        };
    }
    if let Some(first) = schema.get("enum").and_then(|e| e.get(0)) {
        return first.clone();
    }
    match schema.get("type").and_then(Value::as_str) {
        Some("object") | None => {
            let mut obj = serde_json::Map::new();
            if let Some(props) = schema.get("properties").and_then(Value::as_object) {
                for (key, sub) in props {
                    obj.insert(key.clone(), full_instance(sub, &format!("{path}.{key}")));
                }
            } else if let Some(extra) = schema.get("additionalProperties").filter(|a| a.is_object())
            {
                obj.insert(
                    "some-key".into(),
                    full_instance(extra, &format!("{path}{{}}")),
                );
            } else if schema.get("x-kubernetes-preserve-unknown-fields") == Some(&json!(true)) {
                obj.insert("free".into(), json!({"form": [1, "two", {"three": null}]}));
            }
            Value::Object(obj)
        }
        Some("array") => json!([full_instance(&schema["items"], &format!("{path}[]"))]),
        Some("string") if schema.get("format") == Some(&json!("date-time")) => {
            json!("2026-01-02T03:04:05Z")
        }
        Some("string") => json!(format!("text{}", path.len())),
        Some("integer") => json!(7),
        Some("number") => json!(1.5),
        Some("boolean") => json!(true),
        Some(other) => panic!("unhandled schema type {other} at {path}"),
    }
}

#[test]
fn objects_setting_every_upstream_field_round_trip_through_the_typed_structs() {
    for (file, _) in kinds() {
        let crd = load_crd(file);
        let spec = &crd["spec"];
        let mut obj = full_instance(&spec["versions"][0]["schema"]["openAPIV3Schema"], "");
        let group = spec["group"].as_str().unwrap();
        obj["apiVersion"] = json!(format!("{group}/v1alpha1"));
        obj["kind"] = spec["names"]["kind"].clone();
        obj["metadata"] = json!({"name": "example", "namespace": "default",
            "labels": {"a": "b"}, "resourceVersion": "12", "finalizers": ["klutch.anynines.com/syncer"]});
        let back = match spec["names"]["kind"].as_str().unwrap() {
            "APIServiceExportRequest" => round_trip::<APIServiceExportRequest>(&obj),
            "APIServiceExport" => round_trip::<APIServiceExport>(&obj),
            "APIServiceBinding" => round_trip::<APIServiceBinding>(&obj),
            "APIServiceNamespace" => round_trip::<APIServiceNamespace>(&obj),
            "ClusterBinding" => round_trip::<ClusterBinding>(&obj),
            "AppClusterBinding" => round_trip::<AppClusterBinding>(&obj),
            "APIServiceExportTemplate" => AnyExportTemplate::from_value(obj.clone())
                .unwrap()
                .to_value()
                .unwrap(),
            other => panic!("unexpected kind {other}"),
        };
        assert_same(&back, &obj, file);
    }
}

#[test]
fn the_cli_minimal_binding_reads_as_documented() {
    let yaml = r#"
apiVersion: klutch.anynines.com/v1alpha1
kind: APIServiceBinding
metadata: {name: servicebindings.anynines.com, namespace: klutch-bind}
spec:
  kubeconfigSecretRef: {namespace: klutch-bind, name: kubeconfig-7wq2d, key: kubeconfig}
  permissionClaims:
  - {group: "", resource: secrets, version: v1, selector: {owner: Provider}, required: false, state: Accepted}
  - {group: "", resource: configmaps, version: v1, selector: {owner: Provider, names: [only-this]}, state: Rejected}
"#;
    let value: Value = serde_saphyr::from_str(yaml).unwrap();
    let binding: APIServiceBinding = serde_json::from_value(value.clone()).unwrap();
    let accepted: Vec<_> = binding.accepted_claims().collect();
    assert_eq!(accepted.len(), 1);
    assert_eq!(accepted[0].resource, "secrets");
    assert_eq!(accepted[0].owner(), Some(klutch::bind::Owner::Provider));
    assert!(accepted[0].claims_name("anything"));
    let rejected = &binding.spec.permission_claims.as_ref().unwrap()[1].claim;
    assert!(rejected.claims_name("only-this"));
    assert!(!rejected.claims_name("other"));
    assert_eq!(serde_json::to_value(&binding).unwrap(), value);
}
