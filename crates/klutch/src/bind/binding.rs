//! APIServiceBinding: binds one export into the App Cluster, with the consumer's
//! decisions on the permission claims (`apiservicebinding_types.go`).

use kube_derive::CustomResource;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::conditions::Condition;
use super::permission::PermissionClaim;

/// Spec of an [`APIServiceBinding`].
#[derive(CustomResource, Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[kube(
    group = "klutch.anynines.com",
    version = "v1alpha1",
    kind = "APIServiceBinding",
    plural = "apiservicebindings",
    namespaced,
    status = "APIServiceBindingStatus",
    category = "kube-bindings",
    shortname = "sb",
    derive = "PartialEq",
    crates(kube_core = "::kube_core"),
    printcolumn = r#"{"name":"Provider","type":"string","jsonPath":".status.providerPrettyName"}"#,
    printcolumn = r#"{"name":"Resources","type":"string","priority":1,"jsonPath":".metadata.annotations.bind\\.klutch.\\anynines\\.com/resources"}"#,
    printcolumn = r#"{"name":"Ready","type":"string","jsonPath":".status.conditions[?(@.type==\"Ready\")].status"}"#,
    printcolumn = r#"{"name":"Message","type":"string","jsonPath":".status.conditions[?(@.type==\"Ready\")].message"}"#,
    printcolumn = r#"{"name":"Age","type":"date","jsonPath":".metadata.creationTimestamp"}"#
)]
#[serde(rename_all = "camelCase")]
pub struct APIServiceBindingSpec {
    /// The Secret holding the provider kubeconfig (immutable).
    pub kubeconfig_secret_ref: KubeconfigSecretRef,
    /// The provider's claims with the consumer's decision.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub permission_claims: Option<Vec<AcceptablePermissionClaim>>,
}

/// A Secret key holding a kubeconfig, in a given namespace.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
pub struct KubeconfigSecretRef {
    /// Namespace of the Secret.
    pub namespace: String,
    /// Name of the Secret.
    pub name: String,
    /// The key; only `kubeconfig` is allowed.
    pub key: KubeconfigKey,
}

/// The only allowed key of a kubeconfig Secret reference.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, Default, PartialEq, Eq, JsonSchema)]
pub enum KubeconfigKey {
    /// `kubeconfig`.
    #[default]
    #[serde(rename = "kubeconfig")]
    Kubeconfig,
}

/// A permission claim with the consumer's decision.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, JsonSchema)]
pub struct AcceptablePermissionClaim {
    /// The claim.
    #[serde(flatten)]
    pub claim: PermissionClaim,
    /// Accepted or Rejected.
    pub state: ClaimState,
}

/// The consumer's decision on a claim.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, JsonSchema)]
pub enum ClaimState {
    /// The provider gets the claimed access.
    Accepted,
    /// The provider does not.
    Rejected,
}

/// Status of an [`APIServiceBinding`].
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct APIServiceBindingStatus {
    /// Copied from the ClusterBinding.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider_pretty_name: Option<String>,
    /// `SecretValid`, `InformersSynced`, `Heartbeating`, `Connected`, `Ready`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conditions: Option<Vec<Condition>>,
}

impl APIServiceBinding {
    /// The accepted permission claims.
    pub fn accepted_claims(&self) -> impl Iterator<Item = &PermissionClaim> {
        self.spec
            .permission_claims
            .iter()
            .flatten()
            .filter(|c| c.state == ClaimState::Accepted)
            .map(|c| &c.claim)
    }
}
