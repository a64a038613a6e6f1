//! PermissionClaim: what a provider may read or write in the consumer's cluster
//! (shared by templates, export requests, exports and bindings).
//!
//! The konnector only honours `selector.names` and `selector.owner`; the rest is
//! carried so that objects keep every field they were written with.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Selects objects of a group/version/resource that a provider asks access to.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct PermissionClaim {
    /// API group; the empty string is the core group.
    #[serde(default)]
    pub group: String,
    /// Resource (plural), e.g. `secrets`.
    pub resource: String,
    /// Version of the claimed resource, e.g. `v1`.
    pub version: String,
    /// Which objects are claimed; unset claims all of them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub selector: Option<ResourceSelector>,
    /// Whether the binding is aborted when this claim is rejected.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub required: Option<bool>,
    /// Read access to labels and annotations.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub read: Option<ReadClaim>,
    /// Sync of provider objects down to the consumer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub create: Option<CreateClaim>,
    /// Objects created by the consumer are adopted by the provider.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auto_adopt: Option<bool>,
    /// Objects created by the provider are owned by the consumer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auto_donate: Option<bool>,
    /// Conflict resolution on the consumer side.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on_conflict: Option<OnConflict>,
    /// Which updates to consumer objects are claimed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub update: Option<UpdateClaim>,
}

impl PermissionClaim {
    /// The owner named by the selector, if any.
    pub fn owner(&self) -> Option<Owner> {
        self.selector.as_ref().and_then(|s| s.owner)
    }

    /// Whether the claim covers an object of this name (`selector.names`,
    /// default `["*"]`).
    pub fn claims_name(&self, name: &str) -> bool {
        match self.selector.as_ref().and_then(|s| s.names.as_ref()) {
            None => true,
            Some(names) => names.iter().any(|n| n == "*" || n == name),
        }
    }
}

/// Which side owns an object.
#[derive(
    Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, JsonSchema,
)]
pub enum Owner {
    /// The Control Plane (service provider).
    Provider,
    /// The App Cluster (service consumer).
    Consumer,
}

impl Owner {
    /// The wire value, also used for the `resource-owner` annotation.
    pub fn as_str(self) -> &'static str {
        match self {
            Owner::Provider => "Provider",
            Owner::Consumer => "Consumer",
        }
    }
}

/// Selects the claimed objects.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ResourceSelector {
    /// Object names; `*` selects all (default `["*"]`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub names: Option<Vec<String>>,
    /// Namespaces; `*` selects all (default `["*"]`, empty for cluster-scoped).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespaces: Option<Vec<String>>,
    /// Label selectors (match labels).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label_selectors: Option<Vec<BTreeMap<String, String>>>,
    /// Field selectors.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field_selectors: Option<Vec<String>>,
    /// Only objects owned by this side.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<Owner>,
}

/// A label or annotation key wildcard pattern.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
pub struct PatternEntry {
    /// The pattern.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pattern: Option<String>,
}

/// Claimed read access to metadata.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ReadClaim {
    /// Label patterns synced up on consumer-owned objects.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub labels: Option<Vec<PatternEntry>>,
    /// Label patterns synced up on provider-owned objects.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub labels_on_provider_owned_objects: Option<Vec<PatternEntry>>,
    /// Annotation patterns synced up on consumer-owned objects.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub annotations: Option<Vec<PatternEntry>>,
    /// Annotation patterns synced up on provider-owned objects.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub override_annotations: Option<Vec<PatternEntry>>,
}

/// Sync of provider objects down to the consumer.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct CreateClaim {
    /// Replace an existing consumer-owned object.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replace_existing: Option<bool>,
}

/// Conflict resolution.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct OnConflict {
    /// Recreate a provider object deleted on the consumer side (default true).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recreate_when_consumer_side_deleted: Option<bool>,
}

/// Claimed updates.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct UpdateClaim {
    /// JSON paths the provider controls.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fields: Option<Vec<String>>,
    /// JSON paths the consumer keeps controlling.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preserving: Option<Vec<String>>,
    /// Delete and recreate instead of updating.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub always_recreate: Option<bool>,
    /// Label patterns synced down on provider-owned objects.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub labels: Option<Vec<PatternEntry>>,
    /// Annotation patterns synced down on provider-owned objects.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub annotations: Option<Vec<PatternEntry>>,
    /// Label patterns synced down on consumer-owned objects.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub labels_on_consumer_owned_objects: Option<Vec<PatternEntry>>,
    /// Annotation patterns synced down on consumer-owned objects.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub annotations_on_consumer_owned_objects: Option<Vec<PatternEntry>>,
}
