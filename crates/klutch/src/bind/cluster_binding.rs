//! ClusterBinding (one per cluster namespace, the konnector's heartbeat target) and
//! APIServiceNamespace (maps a consumer namespace to a Control Plane namespace).

use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;
use kube_derive::CustomResource;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::binding::KubeconfigKey;
use super::conditions::Condition;

/// Spec of a [`ClusterBinding`]; its name must be `cluster`.
#[derive(CustomResource, Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[kube(
    group = "klutch.anynines.com",
    version = "v1alpha1",
    kind = "ClusterBinding",
    plural = "clusterbindings",
    namespaced,
    status = "ClusterBindingStatus",
    category = "kube-bindings",
    derive = "PartialEq",
    crates(kube_core = "::kube_core"),
    printcolumn = r#"{"name":"Konnector Version","type":"string","jsonPath":".status.konnectorVersion"}"#,
    printcolumn = r#"{"name":"Last Heartbeat","type":"date","jsonPath":".status.lastHeartbeatTime"}"#,
    printcolumn = r#"{"name":"Ready","type":"string","jsonPath":".status.conditions[?(@.type==\"Ready\")].status"}"#,
    printcolumn = r#"{"name":"Age","type":"date","jsonPath":".metadata.creationTimestamp"}"#
)]
#[serde(rename_all = "camelCase")]
pub struct ClusterBindingSpec {
    /// The Secret (same namespace) with the kubeconfig the konnector uses (immutable).
    pub kubeconfig_secret_ref: LocalKubeconfigSecretRef,
    /// Provider name shown to the user.
    pub provider_pretty_name: String,
    /// Provider specific data (unused).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(schema_with = "super::schema::preserve_unknown_object")]
    pub service_provider_spec: Option<serde_json::Value>,
}

/// A kubeconfig Secret key in the object's own namespace.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
pub struct LocalKubeconfigSecretRef {
    /// Name of the Secret.
    pub name: String,
    /// The key; only `kubeconfig` is allowed.
    pub key: KubeconfigKey,
}

/// Status of a [`ClusterBinding`], written by the konnector's heartbeat.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ClusterBindingStatus {
    /// When the konnector last reported.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_heartbeat_time: Option<Time>,
    /// Go duration string, e.g. `5m0s`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub heartbeat_interval: Option<String>,
    /// Version of the konnector.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub konnector_version: Option<String>,
    /// `SecretValid`, `ValidVersion`, `Healthy`, `Ready`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conditions: Option<Vec<Condition>>,
}

/// Spec of an [`APIServiceNamespace`] (empty); its name is the consumer namespace.
#[derive(CustomResource, Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[kube(
    group = "klutch.anynines.com",
    version = "v1alpha1",
    kind = "APIServiceNamespace",
    plural = "apiservicenamespaces",
    namespaced,
    status = "APIServiceNamespaceStatus",
    category = "kube-bindings",
    derive = "PartialEq",
    crates(kube_core = "::kube_core"),
    printcolumn = r#"{"name":"Namespace","type":"string","jsonPath":".status.namespace"}"#,
    printcolumn = r#"{"name":"Age","type":"date","jsonPath":".metadata.creationTimestamp"}"#
)]
pub struct APIServiceNamespaceSpec {}

/// Status of an [`APIServiceNamespace`].
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
pub struct APIServiceNamespaceStatus {
    /// The Control Plane namespace bound to the consumer namespace.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
}
