//! Authentication: admin bearer tokens and ServiceAccount tokens (signed JWTs, checked
//! against the ServiceAccount they name so that deleting it revokes them).

use super::error::ApiError;
use super::registry::GroupResource;
use super::store::{ObjKey, Store};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// Who is making a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserInfo {
    pub username: String,
    pub uid: String,
    pub groups: Vec<String>,
}

impl UserInfo {
    pub fn is_master(&self) -> bool {
        self.groups.iter().any(|g| g == "system:masters")
    }
}

/// A static token and who it authenticates.
#[derive(Debug, Clone)]
pub struct StaticToken {
    pub token: String,
    pub user: UserInfo,
}

#[derive(Debug, Serialize, Deserialize)]
struct SaClaims {
    iss: String,
    sub: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    aud: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    exp: Option<i64>,
    iat: i64,
    #[serde(rename = "kubernetes.io")]
    k8s: SaInfo,
}

#[derive(Debug, Serialize, Deserialize)]
struct SaInfo {
    namespace: String,
    serviceaccount: SaRef,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    secret: Option<SaRef>,
}

#[derive(Debug, Serialize, Deserialize)]
struct SaRef {
    name: String,
    uid: String,
}

/// The issuer of ServiceAccount tokens, and the audience of this API server (a token
/// requested without audiences is for it; one for other audiences is refused here, as
/// kube-apiserver's `--api-audiences` does).
pub const SA_ISSUER: &str = "https://kubernetes.default.svc.cluster.local";

pub struct Authenticator {
    tokens: Vec<StaticToken>,
    key: Vec<u8>,
}

/// A token to mint for a ServiceAccount.
pub struct SaToken<'a> {
    pub namespace: &'a str,
    pub name: &'a str,
    pub uid: &'a str,
    pub audiences: Vec<String>,
    /// Unix seconds; `None` for legacy (secret-bound, non-expiring) tokens.
    pub expires: Option<i64>,
    /// `(name, uid)` of the legacy token Secret.
    pub secret: Option<(&'a str, &'a str)>,
}

impl Authenticator {
    /// `key` signs ServiceAccount tokens (keep it to keep tokens valid across restarts).
    pub fn new(tokens: Vec<StaticToken>, key: Vec<u8>) -> Self {
        Self { tokens, key }
    }

    pub fn mint(&self, t: SaToken<'_>) -> Result<String, ApiError> {
        let claims = SaClaims {
            iss: SA_ISSUER.into(),
            sub: format!("system:serviceaccount:{}:{}", t.namespace, t.name),
            aud: t.audiences,
            exp: t.expires,
            iat: jiff::Timestamp::now().as_second(),
            k8s: SaInfo {
                namespace: t.namespace.into(),
                serviceaccount: SaRef {
                    name: t.name.into(),
                    uid: t.uid.into(),
                },
                secret: t.secret.map(|(name, uid)| SaRef {
                    name: name.into(),
                    uid: uid.into(),
                }),
            },
        };
        jsonwebtoken::encode(
            &Header::new(Algorithm::HS256),
            &claims,
            &EncodingKey::from_secret(&self.key),
        )
        .map_err(|e| ApiError::internal(format!("signing the token failed: {e}")))
    }

    /// Who a bearer token belongs to, for this API server; `None` if nobody.
    pub fn identify(&self, token: &str, store: &Store) -> Option<UserInfo> {
        self.identify_for(token, store, &[SA_ISSUER.to_owned()])
            .map(|(user, _)| user)
    }

    /// Who a bearer token belongs to when presented to one of `audiences` (TokenReview),
    /// and which of them it is valid for. Static tokens are valid for all of them; a
    /// ServiceAccount token for those named in its `aud` (a legacy Secret token, which
    /// names none, for all).
    pub fn identify_for(
        &self,
        token: &str,
        store: &Store,
        audiences: &[String],
    ) -> Option<(UserInfo, Vec<String>)> {
        if let Some(user) = self.static_user(token) {
            return Some((user, audiences.to_vec()));
        }
        self.service_account(token, store, audiences)
    }

    /// The user of a static token, compared in constant time (digests, so that neither
    /// the content nor the length of a token leaks through timing); every token is
    /// compared.
    fn static_user(&self, token: &str) -> Option<UserInfo> {
        let presented = Sha256::digest(token.as_bytes());
        let mut found = None;
        for t in &self.tokens {
            let known = Sha256::digest(t.token.as_bytes());
            if bool::from(known[..].ct_eq(&presented[..])) {
                found = Some(t.user.clone());
            }
        }
        found
    }

    fn service_account(
        &self,
        token: &str,
        store: &Store,
        audiences: &[String],
    ) -> Option<(UserInfo, Vec<String>)> {
        let mut v = Validation::new(Algorithm::HS256);
        v.validate_aud = false;
        v.required_spec_claims.clear();
        v.set_issuer(&[SA_ISSUER]);
        let data =
            jsonwebtoken::decode::<SaClaims>(token, &DecodingKey::from_secret(&self.key), &v)
                .ok()?;
        let c = data.claims;
        let valid_for: Vec<String> = if c.k8s.secret.is_some() && c.aud.is_empty() {
            audiences.to_vec()
        } else {
            audiences
                .iter()
                .filter(|a| c.aud.contains(a))
                .cloned()
                .collect()
        };
        if valid_for.is_empty() {
            return None;
        }
        let sa = store.get(
            &GroupResource::new("", "serviceaccounts"),
            &ObjKey::new(&c.k8s.namespace, &c.k8s.serviceaccount.name),
        )?;
        if sa.value["metadata"]["uid"].as_str() != Some(c.k8s.serviceaccount.uid.as_str()) {
            return None;
        }
        if let Some(secret) = &c.k8s.secret {
            let s = store.get(
                &GroupResource::new("", "secrets"),
                &ObjKey::new(&c.k8s.namespace, &secret.name),
            )?;
            if s.value["metadata"]["uid"].as_str() != Some(secret.uid.as_str()) {
                return None;
            }
        }
        let user = UserInfo {
            username: c.sub,
            uid: c.k8s.serviceaccount.uid,
            groups: vec![
                "system:serviceaccounts".into(),
                format!("system:serviceaccounts:{}", c.k8s.namespace),
                "system:authenticated".into(),
            ],
        };
        Some((user, valid_for))
    }

    /// Authenticate an `Authorization` header value.
    pub fn authenticate(&self, header: Option<&str>, store: &Store) -> Result<UserInfo, ApiError> {
        let token = header
            .and_then(|h| {
                h.strip_prefix("Bearer ")
                    .or_else(|| h.strip_prefix("bearer "))
            })
            .map(str::trim)
            .ok_or_else(ApiError::unauthorized)?;
        self.identify(token, store)
            .ok_or_else(ApiError::unauthorized)
    }
}
