//! Our extension of the bind protocol for clients without a browser (not in upstream's
//! backend): the backend says where its users log in as an OAuth protected resource
//! (RFC 9728 metadata), lists what it exports as JSON, and binds with a bearer ID token.
//! A client finds out whether a backend has the extension by asking for the metadata;
//! upstream's backend answers 404 there and only speaks the browser code grant.
//!
//! Also the ids both CLIs derive the same way, so that a cluster bound by one can be
//! managed by the other: the cluster id from the `klutch-bind` namespace's UID.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha224};

use super::permission::PermissionClaim;

/// Where the backend's protected-resource metadata lives (RFC 9728 §3).
pub const PROTECTED_RESOURCE_PATH: &str = "/.well-known/oauth-protected-resource";
/// `POST`: bind with a bearer ID token, answered with the BindingResponse as JSON.
pub const BIND_TOKEN_PATH: &str = "/bind/token";
/// `GET`: what the backend exports, as JSON (bearer ID token).
pub const BIND_EXPORTS_PATH: &str = "/bind/exports";

/// The backend's protected-resource metadata: who issues the tokens it takes.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct ProtectedResource {
    /// The backend's base URL.
    pub resource: String,
    /// The OIDC issuers whose ID tokens it accepts (the first is the one to use).
    pub authorization_servers: Vec<String>,
    /// Always `["header"]`.
    #[serde(default)]
    pub bearer_methods_supported: Vec<String>,
    /// The public client ids at that issuer whose ID tokens it accepts (a CLI logs in
    /// as the first).
    #[serde(default, rename = "klutch_bind_client_ids")]
    pub client_ids: Vec<String>,
}

/// The answer of `GET /bind/exports`.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq)]
pub struct ExportList {
    /// One entry per exported resource, sorted by CRD name.
    pub exports: Vec<ExportOffer>,
}

/// One resource a backend exports.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct ExportOffer {
    /// API group, e.g. `anynines.com`.
    pub group: String,
    /// Plural, e.g. `postgresqlinstances`: the name `--export` takes.
    pub resource: String,
    /// Kind, e.g. `PostgresqlInstance`.
    #[serde(default)]
    pub kind: String,
    /// `Namespaced` or `Cluster`.
    #[serde(default)]
    pub scope: String,
    /// Served versions.
    #[serde(default)]
    pub versions: Vec<String>,
    /// What the provider asks to read or write in the consumer's cluster.
    #[serde(default)]
    pub permission_claims: Vec<PermissionClaim>,
}

impl ExportOffer {
    /// `<resource>.<group>`: the CRD, export and APIServiceBinding name.
    pub fn name(&self) -> String {
        if self.group.is_empty() {
            self.resource.clone()
        } else {
            format!("{}.{}", self.resource, self.group)
        }
    }
}

/// The body of `POST /bind/token`.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct HeadlessBindRequest {
    /// The App Cluster's id ([`cluster_id`]).
    #[serde(rename = "clusterID")]
    pub cluster_id: String,
    /// Echoed in `authentication.oauth2CodeGrant.sid`; a random one if absent.
    #[serde(default, rename = "sessionID", skip_serializing_if = "Option::is_none")]
    pub session_id: Option<String>,
    /// What to bind.
    pub resources: Vec<GroupResource>,
}

/// A resource of an API group.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct GroupResource {
    /// API group; empty for the core group.
    #[serde(default)]
    pub group: String,
    /// Plural.
    pub resource: String,
}

/// The App Cluster's id as upstream's CLI derives it: the first 6 base-62 digits of the
/// SHA-224 of the `klutch-bind` namespace's UID (stable per App Cluster, so that binding
/// again lands in the same cluster namespace on the Control Plane).
pub fn cluster_id(namespace_uid: &str) -> String {
    let digest = Sha224::digest(namespace_uid.as_bytes());
    base62(&digest).chars().take(6).collect()
}

/// A big-endian number in base 62 with Go's digits (`0-9a-z A-Z`), most significant
/// first, no leading zeros (`math/big`'s `Text(62)`).
pub fn base62(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 62] = b"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
    let mut number: Vec<u8> = bytes.iter().copied().skip_while(|b| *b == 0).collect();
    let mut out = Vec::new();
    while !number.is_empty() {
        let mut remainder = 0u32;
        let mut quotient = Vec::with_capacity(number.len());
        for byte in &number {
            let value = (remainder << 8) | u32::from(*byte);
            let q = value / 62;
            remainder = value % 62;
            if !(quotient.is_empty() && q == 0) {
                quotient.push(q as u8);
            }
        }
        out.push(DIGITS[remainder as usize]);
        number = quotient;
    }
    if out.is_empty() {
        out.push(b'0');
    }
    out.reverse();
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base62_is_gos_big_int_text() {
        assert_eq!(base62(&[]), "0");
        assert_eq!(base62(&[0, 0]), "0");
        assert_eq!(base62(&[61]), "Z");
        assert_eq!(base62(&[62]), "10");
        // 0xffff = 65535 = 17*62^2 + 3*62 + 1
        assert_eq!(base62(&[0xff, 0xff]), "h31");
        // 2^64 - 1 in base 62 (checked against Go: new(big.Int).SetUint64(^uint64(0)).Text(62)).
        assert_eq!(base62(&[0xff; 8]), "lYGhA16ahyf");
    }

    #[test]
    fn cluster_ids_are_six_stable_characters() {
        let a = cluster_id("0b1f7f3e-7a43-4c1b-9d0a-6f1de2d0c9a1");
        assert_eq!(a.len(), 6);
        assert_eq!(a, cluster_id("0b1f7f3e-7a43-4c1b-9d0a-6f1de2d0c9a1"));
        assert_ne!(a, cluster_id("another-uid"));
        assert!(a.bytes().all(|b| b.is_ascii_alphanumeric()));
    }

    #[test]
    fn offers_are_named_like_their_crd() {
        let offer = ExportOffer {
            group: "anynines.com".into(),
            resource: "backups".into(),
            ..ExportOffer::default()
        };
        assert_eq!(offer.name(), "backups.anynines.com");
    }
}
