//! What Crossplane v1 (1.20) adds to every claim CRD it generates from an XRD
//! (`internal/xcrd/schemas.go`): the base object schema, the claim's `spec` envelope
//! (composition selection, delete policy, resource and connection-secret references), the
//! `status` conditions and connection details, and the claim printer columns.

use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::{
    CustomResourceColumnDefinition, JSON, JSONSchemaProps, JSONSchemaPropsOrArray,
    JSONSchemaPropsOrBool,
};
use serde_json::json;
use std::collections::BTreeMap;

fn typed(t: &str) -> JSONSchemaProps {
    JSONSchemaProps {
        type_: Some(t.to_string()),
        ..Default::default()
    }
}

fn object(required: &[&str], props: &[(&str, JSONSchemaProps)]) -> JSONSchemaProps {
    JSONSchemaProps {
        type_: Some("object".into()),
        required: (!required.is_empty()).then(|| required.iter().map(|s| s.to_string()).collect()),
        properties: Some(
            props
                .iter()
                .map(|(k, v)| (k.to_string(), v.clone()))
                .collect(),
        ),
        ..Default::default()
    }
}

fn string_enum(values: &[&str]) -> JSONSchemaProps {
    JSONSchemaProps {
        type_: Some("string".into()),
        enum_: Some(values.iter().map(|v| JSON(json!(v))).collect()),
        ..Default::default()
    }
}

fn string_map() -> JSONSchemaProps {
    JSONSchemaProps {
        type_: Some("object".into()),
        additional_properties: Some(JSONSchemaPropsOrBool::Schema(Box::new(typed("string")))),
        ..Default::default()
    }
}

/// `BaseProps`: the object with `apiVersion`, `kind`, `metadata`, and empty `spec` and
/// `status` objects; `spec` is required.
pub(crate) fn base_props() -> JSONSchemaProps {
    object(
        &["spec"],
        &[
            ("apiVersion", typed("string")),
            ("kind", typed("string")),
            ("metadata", typed("object")),
            ("spec", object(&[], &[])),
            ("status", object(&[], &[])),
        ],
    )
}

/// `CompositeResourceClaimSpecProps`, with the XRD's `defaultCompositeDeletePolicy` as the
/// default of `compositeDeletePolicy`.
pub(crate) fn claim_spec_props(
    default_delete_policy: Option<&str>,
) -> BTreeMap<String, JSONSchemaProps> {
    let selector = || object(&["matchLabels"], &[("matchLabels", string_map())]);
    let mut delete_policy = string_enum(&["Background", "Foreground"]);
    if let Some(p) = default_delete_policy {
        delete_policy.default = Some(JSON(json!(p)));
    }
    let mut config_ref = object(&[], &[("name", typed("string"))]);
    config_ref.default = Some(JSON(json!({"name": "default"})));
    let props = [
        (
            "compositionRef",
            object(&["name"], &[("name", typed("string"))]),
        ),
        ("compositionSelector", selector()),
        (
            "compositionRevisionRef",
            object(&["name"], &[("name", typed("string"))]),
        ),
        ("compositionRevisionSelector", selector()),
        (
            "compositionUpdatePolicy",
            string_enum(&["Automatic", "Manual"]),
        ),
        ("compositeDeletePolicy", delete_policy),
        (
            "resourceRef",
            object(
                &["apiVersion", "kind", "name"],
                &[
                    ("apiVersion", typed("string")),
                    ("kind", typed("string")),
                    ("name", typed("string")),
                ],
            ),
        ),
        (
            "publishConnectionDetailsTo",
            object(
                &["name"],
                &[
                    ("name", typed("string")),
                    ("configRef", config_ref),
                    (
                        "metadata",
                        object(
                            &[],
                            &[
                                ("labels", string_map()),
                                ("annotations", string_map()),
                                ("type", typed("string")),
                            ],
                        ),
                    ),
                ],
            ),
        ),
        (
            "writeConnectionSecretToRef",
            object(&["name"], &[("name", typed("string"))]),
        ),
    ];
    props.into_iter().map(|(k, v)| (k.to_string(), v)).collect()
}

/// `CompositeResourceStatusProps`: the Crossplane conditions (a list-type map keyed by
/// `type`), `connectionDetails` and `claimConditionTypes`.
pub(crate) fn status_props() -> BTreeMap<String, JSONSchemaProps> {
    let mut date_time = typed("string");
    date_time.format = Some("date-time".into());
    let condition = object(
        &["lastTransitionTime", "reason", "status", "type"],
        &[
            ("lastTransitionTime", date_time.clone()),
            ("message", typed("string")),
            ("reason", typed("string")),
            ("status", typed("string")),
            ("type", typed("string")),
        ],
    );
    let conditions = JSONSchemaProps {
        description: Some("Conditions of the resource.".into()),
        type_: Some("array".into()),
        x_kubernetes_list_map_keys: Some(vec!["type".into()]),
        x_kubernetes_list_type: Some("map".into()),
        items: Some(JSONSchemaPropsOrArray::Schema(Box::new(condition))),
        ..Default::default()
    };
    let claim_condition_types = JSONSchemaProps {
        type_: Some("array".into()),
        x_kubernetes_list_type: Some("set".into()),
        items: Some(JSONSchemaPropsOrArray::Schema(Box::new(typed("string")))),
        ..Default::default()
    };
    [
        ("conditions", conditions),
        (
            "connectionDetails",
            object(&[], &[("lastPublishedTime", date_time)]),
        ),
        ("claimConditionTypes", claim_condition_types),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect()
}

/// `CompositeResourceClaimPrinterColumns`.
pub(crate) fn claim_printer_columns() -> Vec<CustomResourceColumnDefinition> {
    let col = |name: &str, type_: &str, json_path: &str| CustomResourceColumnDefinition {
        name: name.into(),
        type_: type_.into(),
        json_path: json_path.into(),
        ..Default::default()
    };
    vec![
        col(
            "SYNCED",
            "string",
            ".status.conditions[?(@.type=='Synced')].status",
        ),
        col(
            "READY",
            "string",
            ".status.conditions[?(@.type=='Ready')].status",
        ),
        col(
            "CONNECTION-SECRET",
            "string",
            ".spec.writeConnectionSecretToRef.name",
        ),
        col("AGE", "date", ".metadata.creationTimestamp"),
    ]
}
