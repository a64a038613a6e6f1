//! What the konnector's caches keep of a synced object, on either side: its metadata, its
//! `spec` and `status` as compact JSON text, and the keys our field manager owns.
//!
//! Why not the whole `DynamicObject`: parsed JSON takes several times its text — every value
//! is a 72-byte slot, every key and string its own allocation, every map (a claim with its
//! conditions has a dozen) an index table besides its entries — and the managedFields of a
//! claim are as many maps again. With both sides of 10,000 claims cached that was about 20 KB
//! a claim and 263 MB in all. The text is parsed only where a reconcile needs the value (a
//! few hundred bytes, once per change).
//!
//! Left out: other managers' managedFields (the spec sync reads only which keys we applied)
//! and kubectl's last-applied-configuration annotation (a copy of the whole object that is
//! never synced).

use klutch::bind::names::FIELD_MANAGER;
use kube::api::ObjectMeta;
use kube::core::{ApiResource, DynamicResourceScope, Resource};
use serde::Deserialize;
use serde_json::{Map, Value};
use std::borrow::Cow;
use std::sync::Arc;

/// kubectl's bookkeeping annotation: the whole object as last applied.
pub const LAST_APPLIED: &str = "kubectl.kubernetes.io/last-applied-configuration";

/// The kind a cache holds (shared by every key of the store instead of cloned into each).
pub type Kind = Arc<ApiResource>;

/// A JSON value kept as its compact text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Json(Box<str>);

impl Json {
    fn new(value: &Value) -> Json {
        Json(value.to_string().into_boxed_str())
    }

    /// The value again (the text is our own serialization of a value, so it parses).
    pub fn value(&self) -> Value {
        serde_json::from_str(&self.0).unwrap_or_default()
    }
}

/// The keys of `spec`, `metadata.labels` and `metadata.annotations` our field manager
/// applied last time.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Owned {
    pub spec: Vec<String>,
    pub labels: Vec<String>,
    pub annotations: Vec<String>,
}

/// One object of a synced kind as the caches keep it.
#[derive(Clone, Debug, Deserialize)]
#[serde(from = "Wire")]
pub struct Cached {
    /// Without managedFields and kubectl's last-applied annotation.
    pub metadata: ObjectMeta,
    pub spec: Option<Json>,
    pub status: Option<Json>,
    pub owned: Owned,
}

impl Cached {
    /// The spec as a value (`None` when the object has none).
    pub fn spec(&self) -> Option<Value> {
        self.spec.as_ref().map(Json::value)
    }

    /// The status as a value (`None` when the object has none).
    pub fn status(&self) -> Option<Value> {
        self.status.as_ref().map(Json::value)
    }

    /// An object known only by name (a deletion the watch did not see).
    pub fn stub(ns: &str, name: &str) -> Cached {
        Cached {
            metadata: ObjectMeta {
                name: Some(name.to_owned()),
                namespace: Some(ns.to_owned()),
                ..ObjectMeta::default()
            },
            spec: None,
            status: None,
            owned: Owned::default(),
        }
    }
}

/// An object as the API server sends it (what else it carries is not read).
#[derive(Deserialize)]
struct Wire {
    #[serde(default)]
    metadata: ObjectMeta,
    #[serde(default)]
    spec: Option<Value>,
    #[serde(default)]
    status: Option<Value>,
}

impl From<Wire> for Cached {
    fn from(wire: Wire) -> Cached {
        let mut metadata = wire.metadata;
        let owned = owned(&metadata);
        metadata.managed_fields = None;
        if let Some(annotations) = metadata.annotations.as_mut() {
            annotations.remove(LAST_APPLIED);
        }
        Cached {
            metadata,
            spec: wire.spec.as_ref().map(Json::new),
            status: wire.status.as_ref().map(Json::new),
            owned,
        }
    }
}

fn owned(metadata: &ObjectMeta) -> Owned {
    let ours: Vec<&Map<String, Value>> = metadata
        .managed_fields
        .iter()
        .flatten()
        .filter(|m| m.manager.as_deref() == Some(FIELD_MANAGER))
        .filter_map(|m| m.fields_v1.as_ref()?.0.as_object())
        .collect();
    let keys = |path: &[&str]| -> Vec<String> {
        ours.iter()
            .filter_map(|fields| {
                path.iter()
                    .try_fold(*fields, |at, step| at.get(*step)?.as_object())
            })
            .flat_map(Map::keys)
            .filter_map(|k| k.strip_prefix("f:").map(str::to_owned))
            .collect()
    };
    Owned {
        spec: keys(&["f:spec"]),
        labels: keys(&["f:metadata", "f:labels"]),
        annotations: keys(&["f:metadata", "f:annotations"]),
    }
}

impl Resource for Cached {
    type DynamicType = Kind;
    type Scope = DynamicResourceScope;

    fn group(dt: &Kind) -> Cow<'_, str> {
        dt.group.as_str().into()
    }

    fn version(dt: &Kind) -> Cow<'_, str> {
        dt.version.as_str().into()
    }

    fn kind(dt: &Kind) -> Cow<'_, str> {
        dt.kind.as_str().into()
    }

    fn api_version(dt: &Kind) -> Cow<'_, str> {
        dt.api_version.as_str().into()
    }

    fn plural(dt: &Kind) -> Cow<'_, str> {
        dt.plural.as_str().into()
    }

    fn meta(&self) -> &ObjectMeta {
        &self.metadata
    }

    fn meta_mut(&mut self) -> &mut ObjectMeta {
        &mut self.metadata
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_cache_keeps_what_the_sync_reads_and_drops_the_rest() {
        let cached: Cached = serde_json::from_value(json!({
            "apiVersion": "anynines.com/v1", "kind": "PostgresqlInstance",
            "metadata": {
                "name": "db", "namespace": "team-a", "labels": {"team": "a"},
                "annotations": {LAST_APPLIED: "{…the whole object…}", "owner": "me"},
                "managedFields": [
                    {"manager": FIELD_MANAGER, "operation": "Apply", "fieldsType": "FieldsV1",
                     "fieldsV1": {"f:metadata": {"f:labels": {"f:team": {}},
                                                 "f:annotations": {"f:owner": {}}},
                                  "f:spec": {"f:plan": {}, "f:service": {}}}},
                    {"manager": "provider", "operation": "Update", "fieldsType": "FieldsV1",
                     "fieldsV1": {"f:spec": {"f:resourceRef": {}}}},
                ],
            },
            "spec": {"plan": "small", "service": "pg", "resourceRef": {"name": "x"}},
            "status": {"conditions": [{"type": "Ready", "status": "True"}]},
        }))
        .unwrap();
        assert_eq!(cached.metadata.managed_fields, None);
        let annotations = cached.metadata.annotations.clone().unwrap_or_default();
        assert_eq!(annotations.keys().collect::<Vec<_>>(), ["owner"]);
        assert_eq!(
            cached.owned,
            Owned {
                spec: vec!["plan".into(), "service".into()],
                labels: vec!["team".into()],
                annotations: vec!["owner".into()],
            }
        );
        assert_eq!(
            cached.spec(),
            Some(json!({"plan": "small", "service": "pg", "resourceRef": {"name": "x"}}))
        );
        assert_eq!(
            cached.status(),
            Some(json!({"conditions": [{"type": "Ready", "status": "True"}]}))
        );
        let bare: Cached = serde_json::from_value(json!({"metadata": {"name": "x"}})).unwrap();
        assert_eq!((bare.spec(), bare.status()), (None, None));
        assert_eq!(bare.owned, Owned::default());
    }
}
