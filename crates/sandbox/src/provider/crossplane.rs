//! What Crossplane and the brokers decide for a claim, as the simulation derives it: the
//! composite resource Crossplane creates for it and stable tokens for the names that are
//! random upstream (the flavour a composition selects is `klutch::claims::Flavour`).

use klutch::claims::{API_VERSION, ClaimKind};
use serde_json::Value;

pub use klutch::claims::Flavour;

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
