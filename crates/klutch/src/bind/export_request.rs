//! APIServiceExportRequest: a consumer's request to export resources of the
//! Control Plane into its cluster namespace (`apiserviceexportrequest_types.go`).

use kube_derive::CustomResource;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::conditions::Condition;
use super::permission::PermissionClaim;

/// Spec of an [`APIServiceExportRequest`]; immutable once created.
#[derive(CustomResource, Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[kube(
    group = "klutch.anynines.com",
    version = "v1alpha1",
    kind = "APIServiceExportRequest",
    plural = "apiserviceexportrequests",
    namespaced,
    status = "APIServiceExportRequestStatus",
    category = "kube-bindings",
    derive = "PartialEq",
    crates(kube_core = "::kube_core"),
    printcolumn = r#"{"name":"Ready","type":"string","jsonPath":".status.conditions[?(@.type==\"Ready\")].status"}"#,
    printcolumn = r#"{"name":"Age","type":"date","jsonPath":".metadata.creationTimestamp"}"#
)]
#[serde(rename_all = "camelCase")]
pub struct APIServiceExportRequestSpec {
    /// Provider specific parameters (unused by the backend).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(schema_with = "super::schema::preserve_unknown_object")]
    pub parameters: Option<serde_json::Value>,
    /// The resources to export (at least one).
    pub resources: Vec<APIServiceExportRequestResource>,
}

/// One resource of an export request.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct APIServiceExportRequestResource {
    /// API group; empty for the core group.
    #[serde(default)]
    pub group: String,
    /// Resource (plural).
    pub resource: String,
    /// Versions to export; empty lets the provider choose.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub versions: Option<Vec<String>>,
    /// Permission claims of the resource.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub permission_claims: Option<Vec<PermissionClaim>>,
}

impl APIServiceExportRequestResource {
    /// The CRD (and export, and binding) name: `<resource>.<group>`.
    pub fn crd_name(&self) -> String {
        if self.group.is_empty() {
            self.resource.clone()
        } else {
            format!("{}.{}", self.resource, self.group)
        }
    }
}

/// Phase of an export request.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, Default, PartialEq, Eq, JsonSchema)]
pub enum ExportRequestPhase {
    /// Waiting for the backend (the default).
    #[default]
    Pending,
    /// The backend gave up; see `terminalMessage`.
    Failed,
    /// Every export exists.
    Succeeded,
}

/// Status of an [`APIServiceExportRequest`].
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct APIServiceExportRequestStatus {
    /// Pending, then Succeeded or Failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phase: Option<ExportRequestPhase>,
    /// Why the request is in its phase.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub terminal_message: Option<String>,
    /// `ExportsReady` and `Ready`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conditions: Option<Vec<Condition>>,
}

impl APIServiceExportRequest {
    /// The phase, `Pending` when the status does not say (the CRD default).
    pub fn phase(&self) -> ExportRequestPhase {
        self.status
            .as_ref()
            .and_then(|s| s.phase)
            .unwrap_or_default()
    }
}
