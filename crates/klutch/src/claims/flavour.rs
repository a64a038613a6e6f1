//! Which provider a claim's composition hands it to (claims.md §2): the a9s compositions
//! (`a9s-…`, provider-anynines) or the a8s ones (`a8s-…`, PostgreSQL through
//! provider-kubernetes). Backups, restores and bindings must name a composition of the same
//! flavour as their instance.

use super::ClaimKind;
use serde_json::Value;

/// The family of compositions a claim uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flavour {
    /// provider-anynines and the a9s Service Broker / Backup Manager.
    A9s,
    /// provider-kubernetes wrapping an a8s operator object (PostgreSQL only).
    A8s,
}

impl Flavour {
    /// The flavour of a claim of `kind` (its JSON): from `spec.compositionRef.name`, else the
    /// kind's default composition.
    pub fn of(claim: &Value, kind: ClaimKind) -> Flavour {
        let name = claim
            .pointer("/spec/compositionRef/name")
            .and_then(Value::as_str)
            .filter(|n| !n.is_empty())
            .unwrap_or(kind.default_composition());
        if name.starts_with("a8s-") {
            Flavour::A8s
        } else {
            Flavour::A9s
        }
    }

    /// The composition of this flavour for `kind`, e.g. `a9s-backup`, `a8s-postgresql`.
    pub fn composition(self, kind: ClaimKind) -> String {
        let default = kind.default_composition();
        let base = default.split_once('-').map_or(default, |(_, rest)| rest);
        match self {
            Flavour::A9s => format!("a9s-{base}"),
            Flavour::A8s => format!("a8s-{base}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::claims::DataService;
    use serde_json::json;

    #[test]
    fn flavours_and_their_compositions() {
        let pg = ClaimKind::Instance(DataService::Postgresql);
        assert_eq!(Flavour::of(&json!({}), pg), Flavour::A8s);
        let a9s = json!({"spec": {"compositionRef": {"name": "a9s-postgresql"}}});
        assert_eq!(Flavour::of(&a9s, pg), Flavour::A9s);
        let kv = ClaimKind::Instance(DataService::Keyvalue);
        assert_eq!(Flavour::of(&json!({"spec": {}}), kv), Flavour::A9s);
        assert_eq!(Flavour::A9s.composition(ClaimKind::Backup), "a9s-backup");
        assert_eq!(Flavour::A8s.composition(ClaimKind::Restore), "a8s-restore");
        assert_eq!(Flavour::A9s.composition(kv), "a9s-keyvalue");
    }
}
