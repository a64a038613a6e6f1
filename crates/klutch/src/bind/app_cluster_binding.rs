//! AppClusterBinding ("control plane mode"): an operator binds an App Cluster from
//! the Control Plane side, optionally deploying the konnector there
//! (`appclusterbinding_types.go`).

use k8s_openapi::api::core::v1::{
    ContainerPort, EnvFromSource, EnvVar, Lifecycle, Probe, ResourceRequirements, SecurityContext,
    VolumeDevice, VolumeMount,
};
use kube_derive::CustomResource;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::binding::KubeconfigSecretRef;
use super::conditions::Condition;

/// Spec of an [`AppClusterBinding`]. The name is immutable.
#[derive(CustomResource, Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[kube(
    group = "klutch.anynines.com",
    version = "v1alpha1",
    kind = "AppClusterBinding",
    plural = "appclusterbindings",
    namespaced,
    status = "AppClusterBindingStatus",
    category = "kube-bindings",
    derive = "PartialEq",
    crates(kube_core = "::kube_core"),
    printcolumn = r#"{"name":"Ready","type":"string","jsonPath":".status.conditions[?(@.type==\"Ready\")].status"}"#,
    printcolumn = r#"{"name":"Age","type":"date","jsonPath":".metadata.creationTimestamp"}"#
)]
#[serde(rename_all = "camelCase")]
pub struct AppClusterBindingSpec {
    /// The Secret on the Control Plane holding the App Cluster's kubeconfig (immutable).
    pub kubeconfig_secret_ref: KubeconfigSecretRef,
    /// Which templates to bind.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_exports: Option<Vec<ApiExportRef>>,
    /// Whether and how to deploy a konnector for this App Cluster.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub konnector: Option<KonnectorSpec>,
}

/// A group/resource whose template is bound.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
pub struct ApiExportRef {
    /// API group; empty for the core group.
    #[serde(default)]
    pub group: String,
    /// Resource (plural).
    pub resource: String,
}

/// Konnector deployment of an AppClusterBinding.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
pub struct KonnectorSpec {
    /// Deploy `konnector-<name>` in the root namespace.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deploy: Option<bool>,
    /// Strategic-merged into the konnector container.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub overrides: Option<KonnectorContainerOverrides>,
}

/// The subset of a core/v1 Container that may override the konnector container.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct KonnectorContainerOverrides {
    /// Container name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Image.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<String>,
    /// Entrypoint.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub command: Option<Vec<String>>,
    /// Arguments.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub args: Option<Vec<String>>,
    /// Working directory.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub working_dir: Option<String>,
    /// Ports.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ports: Option<Vec<ContainerPort>>,
    /// Environment sources.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub env_from: Option<Vec<EnvFromSource>>,
    /// Environment variables.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub env: Option<Vec<EnvVar>>,
    /// Resource requests and limits.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resources: Option<ResourceRequirements>,
    /// Container restart policy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub restart_policy: Option<String>,
    /// Volume mounts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub volume_mounts: Option<Vec<VolumeMount>>,
    /// Block devices.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub volume_devices: Option<Vec<VolumeDevice>>,
    /// Liveness probe.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub liveness_probe: Option<Probe>,
    /// Readiness probe.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub readiness_probe: Option<Probe>,
    /// Startup probe.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub startup_probe: Option<Probe>,
    /// Lifecycle hooks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lifecycle: Option<Lifecycle>,
    /// Termination message path.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub termination_message_path: Option<String>,
    /// Termination message policy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub termination_message_policy: Option<String>,
    /// Image pull policy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_pull_policy: Option<String>,
    /// Security context.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub security_context: Option<SecurityContext>,
    /// Allocate a stdin buffer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stdin: Option<bool>,
    /// Close stdin after the first attach.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stdin_once: Option<bool>,
    /// Allocate a TTY.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tty: Option<bool>,
}

/// Status of an [`AppClusterBinding`].
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
pub struct AppClusterBindingStatus {
    /// `SecretValid`, `KonnectorDeployed`, `Ready`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conditions: Option<Vec<Condition>>,
}
