//! What Crossplane and the brokers decide for a claim, as the simulation derives it: the
//! flavour (a9s or a8s) a claim's composition selects, the composite resource Crossplane
//! creates for it, and stable tokens for the names that are random upstream.

use klutch::claims::{API_VERSION, ClaimKind};
use kube::api::DynamicObject;
use serde_json::Value;

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
        "apiVersion": API_VERSION,
        "kind": format!("X{}", kind.kind()),
        "name": format!("{name}-{}", stable_token(uid, 5)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use klutch::claims::DataService;

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
