//! CRD → APIServiceExport spec: the snapshot a bind backend offers a consumer
//! (upstream `bind/pkg/apis/bind/v1alpha1/helpers/crd.go`), without webhooks or
//! conversion; and back, the CRD spec the konnector creates in the App Cluster from an
//! export. Pure: the caller adds permission claims and the informer scope, or metadata.

use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::{
    CustomResourceDefinition, CustomResourceDefinitionSpec, CustomResourceDefinitionVersion,
    CustomResourceValidation, JSONSchemaProps,
};

use super::export::{
    APIServiceExportSchema, APIServiceExportSpec, APIServiceExportVersion, ClusterScopedIsolation,
    Scope,
};
use super::permission::PermissionClaim;

/// Why a CRD cannot be exported.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CrdExportError {
    /// The CRD's scope is neither `Cluster` nor `Namespaced`.
    #[error("CRD {crd} has scope {scope:?}; only Cluster and Namespaced can be exported")]
    Scope {
        /// The CRD's name.
        crd: String,
        /// Its scope.
        scope: String,
    },
    /// A served version has no `openAPIV3Schema`.
    #[error("CRD {crd} version {version} has no openAPIV3Schema; an export needs one per version")]
    MissingSchema {
        /// The CRD's name.
        crd: String,
        /// The version without schema.
        version: String,
    },
    /// The CRD has no versions.
    #[error("CRD {0} has no versions")]
    NoVersions(String),
}

/// The export spec of `crd`, with the given claims and informer scope. Cluster-scoped
/// CRDs get `clusterScopedIsolation: Prefixed` (upstream's default).
pub fn export_spec_from_crd(
    crd: &CustomResourceDefinition,
    permission_claims: Option<Vec<PermissionClaim>>,
    informer_scope: Scope,
) -> Result<APIServiceExportSpec, CrdExportError> {
    let name = crd.metadata.name.clone().unwrap_or_default();
    let scope = match crd.spec.scope.as_str() {
        "Namespaced" => Scope::Namespaced,
        "Cluster" => Scope::Cluster,
        other => {
            return Err(CrdExportError::Scope {
                crd: name,
                scope: other.to_owned(),
            });
        }
    };
    if crd.spec.versions.is_empty() {
        return Err(CrdExportError::NoVersions(name));
    }
    let mut versions = Vec::with_capacity(crd.spec.versions.len());
    for v in &crd.spec.versions {
        let schema = v
            .schema
            .as_ref()
            .and_then(|s| s.open_api_v3_schema.as_ref())
            .and_then(|s| serde_json::to_value(s).ok())
            .ok_or_else(|| CrdExportError::MissingSchema {
                crd: name.clone(),
                version: v.name.clone(),
            })?;
        versions.push(APIServiceExportVersion {
            name: v.name.clone(),
            served: v.served,
            storage: v.storage,
            deprecated: v.deprecated,
            deprecation_warning: v.deprecation_warning.clone(),
            schema: APIServiceExportSchema {
                open_api_v3_schema: schema,
            },
            subresources: v.subresources.clone(),
            additional_printer_columns: v.additional_printer_columns.clone(),
        });
    }
    Ok(APIServiceExportSpec {
        group: crd.spec.group.clone(),
        names: crd.spec.names.clone(),
        scope,
        versions,
        permission_claims,
        informer_scope,
        cluster_scoped_isolation: (scope == Scope::Cluster)
            .then_some(ClusterScopedIsolation::Prefixed),
    })
}

/// The CRD spec an export describes (upstream `ServiceExportToCRD`): group, names, scope
/// and every version with its schema, subresources and printer columns.
pub fn crd_spec_from_export(
    export: &APIServiceExportSpec,
) -> Result<CustomResourceDefinitionSpec, serde_json::Error> {
    let mut versions = Vec::with_capacity(export.versions.len());
    for v in &export.versions {
        let schema: JSONSchemaProps = serde_json::from_value(v.schema.open_api_v3_schema.clone())?;
        versions.push(CustomResourceDefinitionVersion {
            name: v.name.clone(),
            served: v.served,
            storage: v.storage,
            deprecated: v.deprecated,
            deprecation_warning: v.deprecation_warning.clone(),
            schema: Some(CustomResourceValidation {
                open_api_v3_schema: Some(schema),
            }),
            subresources: v.subresources.clone(),
            additional_printer_columns: v.additional_printer_columns.clone(),
            selectable_fields: None,
        });
    }
    Ok(CustomResourceDefinitionSpec {
        group: export.group.clone(),
        names: export.names.clone(),
        scope: match export.scope {
            Scope::Cluster => "Cluster".into(),
            Scope::Namespaced => "Namespaced".into(),
        },
        versions,
        conversion: None,
        preserve_unknown_fields: None,
    })
}

/// Whether the CRD-derived parts of two export specs (group, names, scope,
/// versions) are the same; claims and scopes chosen by the backend are ignored.
pub fn same_crd_snapshot(a: &APIServiceExportSpec, b: &APIServiceExportSpec) -> bool {
    a.group == b.group && a.names == b.names && a.scope == b.scope && a.versions == b.versions
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn crd(scope: &str, with_schema: bool) -> CustomResourceDefinition {
        let schema = if with_schema {
            serde_json::json!({"openAPIV3Schema": {"type": "object",
                "properties": {"spec": {"type": "object", "x-kubernetes-preserve-unknown-fields": true}}}})
        } else {
            serde_json::Value::Null
        };
        serde_json::from_value(serde_json::json!({
            "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
            "metadata": {"name": "widgets.example.com"},
            "spec": {"group": "example.com", "scope": scope,
                "names": {"plural": "widgets", "singular": "widget", "kind": "Widget", "listKind": "WidgetList"},
                "versions": [{"name": "v1", "served": true, "storage": true, "schema": schema,
                    "subresources": {"status": {}},
                    "additionalPrinterColumns": [{"name": "Size", "type": "integer", "jsonPath": ".spec.size"}]}]}
        }))
        .unwrap()
    }

    #[test]
    fn a_namespaced_crd_becomes_a_snapshot() {
        let spec = export_spec_from_crd(&crd("Namespaced", true), None, Scope::Namespaced).unwrap();
        assert_eq!(spec.group, "example.com");
        assert_eq!(spec.names.kind, "Widget");
        assert_eq!(spec.scope, Scope::Namespaced);
        assert_eq!(spec.cluster_scoped_isolation, None);
        assert_eq!(spec.versions.len(), 1);
        let v = &spec.versions[0];
        assert!(v.served && v.storage);
        assert_eq!(
            v.schema.open_api_v3_schema["properties"]["spec"]["x-kubernetes-preserve-unknown-fields"],
            true
        );
        assert!(v.subresources.as_ref().unwrap().status.is_some());
        assert_eq!(
            v.additional_printer_columns.as_ref().unwrap()[0].name,
            "Size"
        );
    }

    #[test]
    fn cluster_scope_is_prefixed_and_schemaless_versions_are_refused() {
        let spec = export_spec_from_crd(&crd("Cluster", true), None, Scope::Namespaced).unwrap();
        assert_eq!(
            spec.cluster_scoped_isolation,
            Some(ClusterScopedIsolation::Prefixed)
        );
        let err =
            export_spec_from_crd(&crd("Namespaced", false), None, Scope::Namespaced).unwrap_err();
        assert!(
            err.to_string()
                .contains("version v1 has no openAPIV3Schema"),
            "{err}"
        );
    }

    #[test]
    fn an_export_gives_back_the_crd_it_was_made_from() {
        let original = crd("Namespaced", true);
        let spec = export_spec_from_crd(&original, None, Scope::Namespaced).unwrap();
        let back = crd_spec_from_export(&spec).unwrap();
        assert_eq!(back, original.spec);
    }

    #[test]
    fn snapshots_compare_only_crd_parts() {
        let a = export_spec_from_crd(&crd("Namespaced", true), None, Scope::Namespaced).unwrap();
        let mut b = a.clone();
        b.permission_claims = Some(vec![]);
        assert!(same_crd_snapshot(&a, &b));
        b.versions[0].served = false;
        assert!(!same_crd_snapshot(&a, &b));
    }
}
