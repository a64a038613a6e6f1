//! The claim kinds of group `anynines.com` and what the provider needs to know of each: the
//! data service behind an instance kind, the `serviceInstanceType` names bindings, backups and
//! restores use for it, default compositions, the flavour (a9s or a8s) a claim selects, and the
//! composite resource Crossplane would create for it.

use kube::api::DynamicObject;
use serde_json::Value;

/// The API group of the claims.
pub const GROUP: &str = "anynines.com";

/// The eight a9s data services.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DataService {
    Postgresql,
    Keyvalue,
    Logme2,
    Mariadb,
    Messaging,
    Mongodb,
    Prometheus,
    Search,
}

impl DataService {
    pub const ALL: [DataService; 8] = [
        DataService::Postgresql,
        DataService::Keyvalue,
        DataService::Logme2,
        DataService::Mariadb,
        DataService::Messaging,
        DataService::Mongodb,
        DataService::Prometheus,
        DataService::Search,
    ];

    /// The `serviceInstanceType` value naming it (`postgresql`, `keyvalue`, …).
    pub fn instance_type(self) -> &'static str {
        match self {
            DataService::Postgresql => "postgresql",
            DataService::Keyvalue => "keyvalue",
            DataService::Logme2 => "logme2",
            DataService::Mariadb => "mariadb",
            DataService::Messaging => "messaging",
            DataService::Mongodb => "mongodb",
            DataService::Prometheus => "prometheus",
            DataService::Search => "search",
        }
    }

    pub fn from_instance_type(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|d| d.instance_type() == s)
    }

    /// The claim kind of its instances.
    pub fn instance_kind(self) -> &'static str {
        match self {
            DataService::Postgresql => "PostgresqlInstance",
            DataService::Keyvalue => "KeyvalueInstance",
            DataService::Logme2 => "Logme2Instance",
            DataService::Mariadb => "MariadbInstance",
            DataService::Messaging => "MessagingInstance",
            DataService::Mongodb => "MongodbInstance",
            DataService::Prometheus => "PrometheusInstance",
            DataService::Search => "SearchInstance",
        }
    }

    pub fn from_instance_kind(kind: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|d| d.instance_kind() == kind)
    }

    /// The XRD's `defaultCompositionRef`.
    pub fn default_composition(self) -> &'static str {
        match self {
            DataService::Postgresql => "a8s-postgresql",
            DataService::Keyvalue => "a9s-keyvalue",
            DataService::Logme2 => "a9s-logme2",
            DataService::Mariadb => "a9s-mariadb",
            DataService::Messaging => "a9s-messaging",
            DataService::Mongodb => "a9s-mongodb",
            DataService::Prometheus => "a9s-prometheus",
            DataService::Search => "a9s-search",
        }
    }
}

/// What the provider reconciles.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ClaimKind {
    Instance(DataService),
    ServiceBinding,
    Backup,
    Restore,
}

impl ClaimKind {
    pub fn from_kind(kind: &str) -> Option<Self> {
        match kind {
            "ServiceBinding" => Some(ClaimKind::ServiceBinding),
            "Backup" => Some(ClaimKind::Backup),
            "Restore" => Some(ClaimKind::Restore),
            k => DataService::from_instance_kind(k).map(ClaimKind::Instance),
        }
    }

    pub fn kind(self) -> &'static str {
        match self {
            ClaimKind::Instance(ds) => ds.instance_kind(),
            ClaimKind::ServiceBinding => "ServiceBinding",
            ClaimKind::Backup => "Backup",
            ClaimKind::Restore => "Restore",
        }
    }

    /// The XRD's `defaultCompositionRef`.
    pub fn default_composition(self) -> &'static str {
        match self {
            ClaimKind::Instance(ds) => ds.default_composition(),
            ClaimKind::ServiceBinding => "a8s-servicebinding",
            ClaimKind::Backup => "a8s-backup",
            ClaimKind::Restore => "a8s-restore",
        }
    }
}

/// Which provider a claim's composition hands it to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flavour {
    /// provider-anynines and the a9s Service Broker / Backup Manager.
    A9s,
    /// provider-kubernetes wrapping an a8s operator object (PostgreSQL only).
    A8s,
}

impl Flavour {
    /// From `spec.compositionRef.name`, else the kind's default composition.
    pub fn of(obj: &DynamicObject, kind: ClaimKind) -> Flavour {
        let name = obj
            .data
            .pointer("/spec/compositionRef/name")
            .and_then(Value::as_str)
            .unwrap_or(kind.default_composition());
        if name.starts_with("a8s-") {
            Flavour::A8s
        } else {
            Flavour::A9s
        }
    }
}

/// A short, stable, lowercase-alphanumeric token derived from `seed` (for names Crossplane
/// and the broker would generate randomly, stable here so that reconciling is idempotent).
pub fn stable_token(seed: &str, len: usize) -> String {
    use sha2::{Digest, Sha256};
    const ALPHABET: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";
    let digest = Sha256::digest(seed.as_bytes());
    digest
        .iter()
        .cycle()
        .take(len)
        .map(|b| ALPHABET[usize::from(*b) % ALPHABET.len()] as char)
        .collect()
}

/// Lowercase hex of a stable digest of `seed`, `len` characters (at most 64).
pub fn stable_hex(seed: &str, len: usize) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(seed.as_bytes());
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    hex[..len.min(hex.len())].to_string()
}

/// `spec.resourceRef` as Crossplane sets it on the claim: the composite `X<Kind>` named
/// `<claim>-<5 characters>`.
pub fn resource_ref(kind: ClaimKind, name: &str, uid: &str) -> Value {
    serde_json::json!({
        "apiVersion": format!("{GROUP}/v1"),
        "kind": format!("X{}", kind.kind()),
        "name": format!("{name}-{}", stable_token(uid, 5)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_round_trip() {
        for ds in DataService::ALL {
            assert_eq!(
                DataService::from_instance_type(ds.instance_type()),
                Some(ds)
            );
            assert_eq!(
                ClaimKind::from_kind(ds.instance_kind()),
                Some(ClaimKind::Instance(ds))
            );
        }
        assert_eq!(ClaimKind::from_kind("Backup"), Some(ClaimKind::Backup));
        assert_eq!(ClaimKind::from_kind("XBackup"), None);
        assert_eq!(DataService::from_instance_type("redis"), None);
    }

    #[test]
    fn resource_refs_are_stable_and_crossplane_shaped() {
        let r = resource_ref(ClaimKind::Instance(DataService::Mongodb), "db", "uid-1");
        assert_eq!(
            r,
            resource_ref(ClaimKind::Instance(DataService::Mongodb), "db", "uid-1")
        );
        assert_eq!(r["kind"], "XMongodbInstance");
        assert_eq!(r["apiVersion"], "anynines.com/v1");
        let name = r["name"].as_str().unwrap();
        assert!(name.starts_with("db-") && name.len() == 8, "{name}");
        assert!(
            name[3..]
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        );
        assert_ne!(
            r,
            resource_ref(ClaimKind::Instance(DataService::Mongodb), "db", "uid-2")
        );
    }
}
