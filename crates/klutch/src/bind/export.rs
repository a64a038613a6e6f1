//! APIServiceExport: a snapshot of a Control Plane CRD offered to one consumer
//! (`apiserviceexport_types.go`). Its name is the CRD name `<plural>.<group>`.

use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::{
    CustomResourceColumnDefinition, CustomResourceDefinitionNames, CustomResourceSubresources,
};
use kube_derive::CustomResource;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::conditions::Condition;
use super::permission::PermissionClaim;

/// Spec of an [`APIServiceExport`]: a CRD spec without webhooks or conversion.
#[derive(CustomResource, Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[kube(
    group = "klutch.anynines.com",
    version = "v1alpha1",
    kind = "APIServiceExport",
    plural = "apiserviceexports",
    namespaced,
    status = "APIServiceExportStatus",
    category = "kube-bindings",
    derive = "PartialEq",
    crates(kube_core = "::kube_core"),
    printcolumn = r#"{"name":"Established","type":"string","priority":5,"jsonPath":".status.conditions[?(@.type==\"Established\")].status"}"#,
    printcolumn = r#"{"name":"Age","type":"date","jsonPath":".metadata.creationTimestamp"}"#
)]
#[serde(rename_all = "camelCase")]
pub struct APIServiceExportSpec {
    /// API group of the CRD.
    pub group: String,
    /// Names of the CRD.
    pub names: CustomResourceDefinitionNames,
    /// Scope of the CRD.
    pub scope: Scope,
    /// Versions of the CRD (at least one).
    pub versions: Vec<APIServiceExportVersion>,
    /// Permission claims, copied from the template.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub permission_claims: Option<Vec<PermissionClaim>>,
    /// How the konnector watches the provider side (immutable).
    pub informer_scope: Scope,
    /// How cluster-scoped objects are isolated; required iff `scope` is Cluster.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cluster_scoped_isolation: Option<ClusterScopedIsolation>,
}

/// `Cluster` or `Namespaced` (resource scope and informer scope).
#[derive(Serialize, Deserialize, Clone, Copy, Debug, Default, PartialEq, Eq, JsonSchema)]
pub enum Scope {
    /// Cluster-wide.
    Cluster,
    /// Per namespace.
    #[default]
    Namespaced,
}

/// Isolation of cluster-scoped objects on the provider side.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, JsonSchema)]
pub enum ClusterScopedIsolation {
    /// Names are prefixed with the cluster namespace.
    Prefixed,
    /// Objects are mapped into the cluster namespace.
    Namespaced,
    /// No isolation.
    None,
}

/// One version of an exported CRD.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct APIServiceExportVersion {
    /// Version name, e.g. `v1`.
    pub name: String,
    /// Served by the API server (default true).
    pub served: bool,
    /// The storage version (exactly one).
    pub storage: bool,
    /// Deprecated version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deprecated: Option<bool>,
    /// Warning returned to clients of a deprecated version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deprecation_warning: Option<String>,
    /// The version's schema.
    pub schema: APIServiceExportSchema,
    /// Subresources (status, scale).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subresources: Option<CustomResourceSubresources>,
    /// Printer columns.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub additional_printer_columns: Option<Vec<CustomResourceColumnDefinition>>,
}

/// The schema of an exported version, kept as raw JSON.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
pub struct APIServiceExportSchema {
    /// The `openAPIV3Schema` of the CRD version, verbatim.
    #[serde(rename = "openAPIV3Schema")]
    #[schemars(schema_with = "super::schema::atomic_raw_object")]
    pub open_api_v3_schema: serde_json::Value,
}

/// Status of an [`APIServiceExport`].
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct APIServiceExportStatus {
    /// Names accepted by the App Cluster's CRD.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accepted_names: Option<CustomResourceDefinitionNames>,
    /// Stored versions of the App Cluster's CRD.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stored_versions: Option<Vec<String>>,
    /// `Connected`, `ProviderInSync`, `ConsumerInSync` and the CRD's own conditions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conditions: Option<Vec<Condition>>,
}
