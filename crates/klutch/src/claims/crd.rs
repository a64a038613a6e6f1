//! Claim CRDs from Crossplane CompositeResourceDefinitions, built the way Crossplane v1
//! (1.20, `internal/xcrd.ForCompositeResourceClaim`) generates them for an XRD with
//! `claimNames`: namespaced, named `<claim plural>.<group>`, category `claim`, one CRD version
//! per XRD version (`storage` = `referenceable`) with a status subresource, the XRD's schema
//! for `spec` and `status` (their `x-kubernetes-validations` included) merged into Crossplane's
//! base schema and claim envelope, and the claim printer columns after the XRD's own.
//!
//! Like Crossplane, only `spec` and `status` are taken from the XRD's schema (their
//! properties, required lists, rules, `oneOf` and descriptions); keys the CRD schema does not
//! know (the fixtures' `supported:` anchors) are dropped.
//!
//! As in Crossplane, `defaultCompositionRef` is not a schema default (Crossplane picks the
//! composition when it reconciles the claim), while `defaultCompositeDeletePolicy` is the
//! default of `spec.compositeDeletePolicy`. The result is a typed k8s-openapi
//! `CustomResourceDefinition`; `serde_json::to_value` gives its JSON.

use super::envelope;
use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::{
    CustomResourceConversion, CustomResourceDefinition, CustomResourceDefinitionNames,
    CustomResourceDefinitionSpec, CustomResourceDefinitionVersion, CustomResourceSubresourceStatus,
    CustomResourceSubresources, CustomResourceValidation, JSONSchemaProps,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ObjectMeta, OwnerReference};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Why a claim CRD could not be built.
#[derive(Debug, thiserror::Error)]
pub enum ClaimCrdError {
    #[error("XRD {xrd}: {field} is missing or not of the expected type")]
    Field { xrd: String, field: String },
    #[error("XRD {xrd}: invalid resource claim names: missing names (the XRD offers no claim)")]
    MissingClaimNames { xrd: String },
    #[error(
        "XRD {xrd}: invalid resource claim names: {name:?} conflicts with composite resource name"
    )]
    ConflictingClaimName { xrd: String, name: String },
    #[error(
        "XRD {xrd}: cannot generate CRD for \"Composite Resource Claim\": version {version}: cannot parse validation schema: {source}"
    )]
    Schema {
        xrd: String,
        version: String,
        source: serde_json::Error,
    },
    #[error(
        "XRD {xrd}: cannot generate CRD for \"Composite Resource Claim\": version {version}: custom resource validation cannot be nil"
    )]
    NoSchema { xrd: String, version: String },
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot parse {path} as YAML: {message}")]
    Yaml { path: PathBuf, message: String },
}

/// The claim CRD Crossplane generates from `xrd` (a CompositeResourceDefinition as JSON).
pub fn crd_from_xrd(xrd: &Value) -> Result<CustomResourceDefinition, ClaimCrdError> {
    let xrd_name = xrd
        .pointer("/metadata/name")
        .and_then(Value::as_str)
        .unwrap_or("<unnamed>")
        .to_string();
    let field_err = |field: &str| ClaimCrdError::Field {
        xrd: xrd_name.clone(),
        field: field.to_string(),
    };
    let spec = xrd.get("spec").ok_or_else(|| field_err("spec"))?;
    let group = spec
        .get("group")
        .and_then(Value::as_str)
        .ok_or_else(|| field_err("spec.group"))?;
    let names: CustomResourceDefinitionNames = spec
        .get("names")
        .cloned()
        .and_then(|n| serde_json::from_value(n).ok())
        .ok_or_else(|| field_err("spec.names"))?;
    let mut claim_names: CustomResourceDefinitionNames = match spec.get("claimNames") {
        None | Some(Value::Null) => {
            return Err(ClaimCrdError::MissingClaimNames { xrd: xrd_name });
        }
        Some(n) => serde_json::from_value(n.clone()).map_err(|_| field_err("spec.claimNames"))?,
    };
    validate_claim_names(&xrd_name, &names, &claim_names)?;
    claim_names
        .categories
        .get_or_insert_with(Vec::new)
        .push("claim".into());

    let delete_policy = spec
        .get("defaultCompositeDeletePolicy")
        .and_then(Value::as_str);
    let versions = spec
        .get("versions")
        .and_then(Value::as_array)
        .ok_or_else(|| field_err("spec.versions"))?;
    let versions = versions
        .iter()
        .map(|v| claim_version(&xrd_name, v, delete_policy))
        .collect::<Result<Vec<_>, _>>()?;
    let conversion: Option<CustomResourceConversion> = spec
        .get("conversion")
        .cloned()
        .and_then(|c| serde_json::from_value(c).ok());

    Ok(CustomResourceDefinition {
        metadata: crd_metadata(xrd, &xrd_name, &claim_names.plural, group),
        spec: CustomResourceDefinitionSpec {
            group: group.to_string(),
            names: claim_names,
            scope: "Namespaced".into(),
            versions,
            conversion,
            preserve_unknown_fields: None,
        },
        status: None,
    })
}

fn validate_claim_names(
    xrd: &str,
    names: &CustomResourceDefinitionNames,
    claim: &CustomResourceDefinitionNames,
) -> Result<(), ClaimCrdError> {
    let conflict = |name: &str| ClaimCrdError::ConflictingClaimName {
        xrd: xrd.to_string(),
        name: name.to_string(),
    };
    if claim.kind == names.kind {
        return Err(conflict(&claim.kind));
    }
    if claim.plural == names.plural {
        return Err(conflict(&claim.plural));
    }
    if let Some(s) = claim.singular.as_deref().filter(|s| !s.is_empty())
        && names.singular.as_deref() == Some(s)
    {
        return Err(conflict(s));
    }
    if let Some(l) = claim.list_kind.as_deref().filter(|s| !s.is_empty())
        && names.list_kind.as_deref() == Some(l)
    {
        return Err(conflict(l));
    }
    Ok(())
}

/// Name, labels (the XRD's, then `spec.metadata.labels`), annotations (`spec.metadata`) and,
/// when the XRD has a uid, the controller owner reference to it.
fn crd_metadata(xrd: &Value, xrd_name: &str, plural: &str, group: &str) -> ObjectMeta {
    let string_map = |v: Option<&Value>| -> Option<BTreeMap<String, String>> {
        v.and_then(|v| serde_json::from_value(v.clone()).ok())
    };
    let mut labels = string_map(xrd.pointer("/metadata/labels"));
    if let Some(extra) = string_map(xrd.pointer("/spec/metadata/labels")) {
        labels.get_or_insert_with(BTreeMap::new).extend(extra);
    }
    let owner = xrd
        .pointer("/metadata/uid")
        .and_then(Value::as_str)
        .map(|uid| OwnerReference {
            api_version: "apiextensions.crossplane.io/v1".into(),
            kind: "CompositeResourceDefinition".into(),
            name: xrd_name.to_string(),
            uid: uid.to_string(),
            controller: Some(true),
            block_owner_deletion: Some(true),
        });
    ObjectMeta {
        name: Some(format!("{plural}.{group}")),
        labels,
        annotations: string_map(xrd.pointer("/spec/metadata/annotations")),
        owner_references: owner.map(|o| vec![o]),
        ..Default::default()
    }
}

fn claim_version(
    xrd: &str,
    v: &Value,
    delete_policy: Option<&str>,
) -> Result<CustomResourceDefinitionVersion, ClaimCrdError> {
    let name = v
        .get("name")
        .and_then(Value::as_str)
        .ok_or_else(|| ClaimCrdError::Field {
            xrd: xrd.to_string(),
            field: "spec.versions[].name".into(),
        })?
        .to_string();
    let raw_schema = v
        .pointer("/schema/openAPIV3Schema")
        .filter(|s| !s.is_null())
        .ok_or_else(|| ClaimCrdError::NoSchema {
            xrd: xrd.to_string(),
            version: name.clone(),
        })?;
    let xrd_schema: JSONSchemaProps =
        serde_json::from_value(raw_schema.clone()).map_err(|source| ClaimCrdError::Schema {
            xrd: xrd.to_string(),
            version: name.clone(),
            source,
        })?;
    let mut columns: Vec<_> = v
        .get("additionalPrinterColumns")
        .cloned()
        .and_then(|c| serde_json::from_value(c).ok())
        .unwrap_or_default();
    columns.extend(envelope::claim_printer_columns());
    Ok(CustomResourceDefinitionVersion {
        name: name.clone(),
        served: v.get("served").and_then(Value::as_bool).unwrap_or(false),
        storage: v
            .get("referenceable")
            .and_then(Value::as_bool)
            .unwrap_or(false),
        deprecated: v.get("deprecated").and_then(Value::as_bool).filter(|d| *d),
        deprecation_warning: v
            .get("deprecationWarning")
            .and_then(Value::as_str)
            .map(str::to_string),
        additional_printer_columns: Some(columns),
        schema: Some(CustomResourceValidation {
            open_api_v3_schema: Some(claim_schema(xrd_schema, delete_policy)),
        }),
        subresources: Some(CustomResourceSubresources {
            status: Some(CustomResourceSubresourceStatus(Value::Object(
                Default::default(),
            ))),
            scale: None,
        }),
        selectable_fields: None,
    })
}

/// `genCrdVersion` for a claim: Crossplane's base schema with the XRD's `spec` and `status`
/// merged in, then the claim envelope.
fn claim_schema(xrd: JSONSchemaProps, delete_policy: Option<&str>) -> JSONSchemaProps {
    const MAX_CLAIM_NAME_LENGTH: i64 = 63;
    let mut root = envelope::base_props();
    root.description = xrd.description.clone();
    let xprops = xrd.properties.unwrap_or_default();

    let max_length = xprops
        .get("metadata")
        .and_then(|m| m.properties.as_ref())
        .and_then(|p| p.get("name"))
        .and_then(|n| n.max_length)
        .filter(|old| *old < MAX_CLAIM_NAME_LENGTH)
        .unwrap_or(MAX_CLAIM_NAME_LENGTH);
    let props = root.properties.get_or_insert_with(BTreeMap::new);
    if let Some(meta) = props.get_mut("metadata") {
        let name = JSONSchemaProps {
            type_: Some("string".into()),
            max_length: Some(max_length),
            ..Default::default()
        };
        meta.properties = Some(BTreeMap::from([("name".to_string(), name)]));
    }

    let x_spec = xprops.get("spec").cloned().unwrap_or_default();
    if let Some(spec) = props.get_mut("spec") {
        let mut required = spec.required.take().unwrap_or_default();
        required.extend(x_spec.required.unwrap_or_default());
        spec.required = (!required.is_empty()).then_some(required);
        spec.x_kubernetes_preserve_unknown_fields = x_spec.x_kubernetes_preserve_unknown_fields;
        spec.x_kubernetes_validations = x_spec.x_kubernetes_validations;
        spec.one_of = x_spec.one_of;
        spec.description = x_spec.description;
        let sp = spec.properties.get_or_insert_with(BTreeMap::new);
        sp.extend(x_spec.properties.unwrap_or_default());
        sp.extend(envelope::claim_spec_props(delete_policy));
    }

    let x_status = xprops.get("status").cloned().unwrap_or_default();
    if let Some(status) = props.get_mut("status") {
        status.required = x_status.required;
        status.x_kubernetes_validations = x_status.x_kubernetes_validations;
        status.description = x_status.description;
        status.one_of = x_status.one_of;
        let sp = status.properties.get_or_insert_with(BTreeMap::new);
        sp.extend(x_status.properties.unwrap_or_default());
        sp.extend(envelope::status_props());
    }
    root
}

/// The claim CRDs of every XRD (`*.yaml`, one XRD per file, files in name order) in `dir`,
/// e.g. `shared/fixtures/claims/xrd`.
pub fn fixture_claim_crds(dir: &Path) -> Result<Vec<CustomResourceDefinition>, ClaimCrdError> {
    let read_err = |source| ClaimCrdError::Read {
        path: dir.to_path_buf(),
        source,
    };
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(read_err)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "yaml" || e == "yml"))
        .collect();
    files.sort();
    files
        .iter()
        .map(|path| crd_from_xrd(&read_yaml(path)?))
        .collect()
}

/// One YAML document read as JSON.
pub fn read_yaml(path: &Path) -> Result<Value, ClaimCrdError> {
    let text = std::fs::read_to_string(path).map_err(|source| ClaimCrdError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    serde_saphyr::from_str(&text).map_err(|e| ClaimCrdError::Yaml {
        path: path.to_path_buf(),
        message: e.to_string(),
    })
}
