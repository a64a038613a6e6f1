//! One watched object as the store keeps it: the few fields lists need, precomputed when the
//! object arrives (status, columns, search text), plus its compact JSON for the detail pane.
//! Keeping JSON text instead of a `serde_json::Value` tree keeps 10,000 claims small.

use super::ClusterId;
use jiff::Timestamp;
use klutch::objects::ObjectClass;
use klutch::status::{self as reading, Facts};
pub use klutch::status::{Condition, Status, StatusKind};
use kube::api::DynamicObject;
use std::collections::BTreeMap;

/// An object as JSON with its `apiVersion` and `kind` (objects of a LIST come without them).
pub fn object_json(obj: &DynamicObject, api_version: &str, kind: &str) -> serde_json::Value {
    let mut value = serde_json::to_value(obj).unwrap_or(serde_json::Value::Null);
    if let Some(map) = value.as_object_mut() {
        map.insert("apiVersion".into(), api_version.into());
        map.insert("kind".into(), kind.into());
    }
    value
}

/// Sort and identity key of a list row: namespace, kind, name, cluster.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RowKey {
    /// Namespace (empty for cluster-scoped objects).
    pub namespace: String,
    /// Kind, e.g. `PostgresqlInstance`.
    pub kind: String,
    /// Object name.
    pub name: String,
    /// The cluster that holds it.
    pub cluster: ClusterId,
}

/// An object in the store.
#[derive(Clone, Debug)]
pub struct Entry {
    /// Sort and identity key.
    pub key: RowKey,
    /// The class of Klutch object (the list it belongs to).
    pub class: ObjectClass,
    /// `group/version` of the object.
    pub api_version: String,
    /// Creation time (for AGE).
    pub created: Option<Timestamp>,
    /// Reduced status.
    pub status: Status,
    /// What identifies it at a glance, by class.
    pub facts: Facts,
    /// Labels, for label-selector filters.
    pub labels: BTreeMap<String, String>,
    /// Conditions (claim's own, then the managed resource's).
    pub conditions: Vec<Condition>,
    /// The object as compact JSON, without `metadata.managedFields`.
    pub json: Box<str>,
    /// Lower-cased text a substring filter searches.
    pub search: Box<str>,
}

impl Entry {
    /// Reduce a watched object to an entry.
    pub fn from_object(
        mut obj: DynamicObject,
        class: ObjectClass,
        cluster: ClusterId,
        kind: &str,
        api_version: &str,
    ) -> Entry {
        obj.metadata.managed_fields = None;
        let meta = &obj.metadata;
        let key = RowKey {
            namespace: meta.namespace.clone().unwrap_or_default(),
            kind: kind.to_string(),
            name: meta.name.clone().unwrap_or_default(),
            cluster,
        };
        let created = meta.creation_timestamp.as_ref().map(|t| t.0);
        let deleting = meta.deletion_timestamp.is_some();
        let labels = meta.labels.clone().unwrap_or_default();
        let conditions = reading::conditions(&obj.data);
        let status = reading::status(&obj.data, &conditions, deleting);
        let facts = Facts::read(class, &key.name, &obj.data);
        let json = object_json(&obj, api_version, kind)
            .to_string()
            .into_boxed_str();
        let search = format!(
            "{}/{} {} {} {} {}",
            key.namespace,
            key.name,
            key.kind,
            cluster.short(),
            status.text,
            facts.texts().join(" ")
        )
        .to_lowercase()
        .into_boxed_str();
        Entry {
            key,
            class,
            api_version: api_version.to_string(),
            created,
            status,
            facts,
            labels,
            conditions,
            json,
            search,
        }
    }

    /// The object as a JSON value (parsed on demand, for the detail pane).
    pub fn value(&self) -> serde_json::Value {
        serde_json::from_str(&self.json).unwrap_or(serde_json::Value::Null)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn load(path: &str) -> DynamicObject {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/fixtures/claims");
        let text = std::fs::read_to_string(format!("{dir}/{path}")).unwrap();
        serde_saphyr::from_str(&text).unwrap()
    }

    #[test]
    fn a_ready_claim_reduces_to_ready_with_both_condition_lists() {
        let obj = load("authored/example-postgresqlinstance-ready.yaml");
        let e = Entry::from_object(
            obj,
            ObjectClass::Claim,
            ClusterId::App,
            "PostgresqlInstance",
            "anynines.com/v1",
        );
        assert_eq!(e.key.namespace, "team-a");
        assert_eq!(e.key.name, "orders-db");
        assert_eq!(e.status.kind, StatusKind::Ready);
        assert_eq!(e.conditions.len(), 4);
        assert_eq!(e.conditions[2].source, "managed");
        assert!(e.search.contains("team-a/orders-db"));
        assert!(e.search.contains("postgresqlinstance"));
        let v = e.value();
        assert_eq!(v["kind"], "PostgresqlInstance");
        assert_eq!(v["spec"]["plan"], "postgresql-single-small");
    }

    #[test]
    fn a_failed_backup_shows_the_managed_reason() {
        let obj = load("authored/example-backup-failed.yaml");
        let e = Entry::from_object(
            obj,
            ObjectClass::Claim,
            ClusterId::App,
            "Backup",
            "anynines.com/v1",
        );
        assert_eq!(e.status.kind, StatusKind::Failed);
        assert_eq!(e.status.text, "Unavailable");
        assert_eq!(e.status.message.as_deref(), Some("Backup has failed"));
    }
}

/// Entries for tests of code that reads the store.
#[cfg(test)]
pub mod tests_support {
    use super::*;

    /// A claim-like entry with a status and no object body.
    pub fn sample(cluster: ClusterId, ns: &str, kind: &str, name: &str) -> Entry {
        let obj: DynamicObject = serde_json::from_value(serde_json::json!({
            "apiVersion": "anynines.com/v1",
            "kind": kind,
            "metadata": {"name": name, "namespace": ns,
                         "creationTimestamp": "2026-06-10T09:00:00Z"},
            "spec": {"service": "a9s-postgresql15", "plan": "postgresql-single-small"},
            "status": {"conditions": [
                {"type": "Ready", "status": "True", "reason": "Available",
                 "lastTransitionTime": "2026-06-10T09:04:00Z"}]}
        }))
        .unwrap_or_else(|e| panic!("sample object: {e}"));
        Entry::from_object(obj, ObjectClass::Claim, cluster, kind, "anynines.com/v1")
    }
}
