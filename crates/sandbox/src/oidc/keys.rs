//! The ES256 (P-256) key that signs ID tokens, and its public JWK.
//!
//! Generated at start, or given in as PKCS#8 DER so a persisted sandbox keeps
//! tokens valid across restarts.

use std::fmt;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::jwk::{
    AlgorithmParameters, CommonParameters, EllipticCurve, EllipticCurveKeyParameters,
    EllipticCurveKeyType, Jwk, JwkSet, KeyAlgorithm, PublicKeyUse, ThumbprintHash,
};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header};
use rcgen::{KeyPair, PKCS_ECDSA_P256_SHA256};
use serde::Serialize;

use super::error::OidcError;

/// A P-256 signing key with its key id (the RFC 7638 thumbprint of its JWK).
#[derive(Clone)]
pub struct SigningKey {
    pkcs8: Vec<u8>,
    encoding: EncodingKey,
    decoding: DecodingKey,
    jwk: Jwk,
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningKey")
            .field("kid", &self.key_id())
            .finish_non_exhaustive()
    }
}

impl SigningKey {
    /// A fresh key from the system's CSPRNG.
    pub fn generate() -> Result<Self, OidcError> {
        let pair = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256)
            .map_err(|e| OidcError::SigningKey(format!("cannot generate a P-256 key: {e}")))?;
        Self::from_pair(&pair)
    }

    /// Load a key from PKCS#8 DER (as [`SigningKey::to_pkcs8_der`] writes it).
    pub fn from_pkcs8_der(der: &[u8]) -> Result<Self, OidcError> {
        let pair = KeyPair::try_from(der)
            .map_err(|e| OidcError::SigningKey(format!("not a PKCS#8 private key: {e}")))?;
        if pair.algorithm() != &PKCS_ECDSA_P256_SHA256 {
            return Err(OidcError::SigningKey(
                "the PKCS#8 key is not an ECDSA P-256 key (ES256 needs one)".into(),
            ));
        }
        Self::from_pair(&pair)
    }

    fn from_pair(pair: &KeyPair) -> Result<Self, OidcError> {
        let pkcs8 = pair.serialize_der();
        let point = pair.public_key_raw();
        // Uncompressed SEC1 point: 0x04 || x (32 bytes) || y (32 bytes).
        if point.len() != 65 || point[0] != 4 {
            return Err(OidcError::SigningKey(
                "unexpected P-256 public key encoding".into(),
            ));
        }
        let x = URL_SAFE_NO_PAD.encode(&point[1..33]);
        let y = URL_SAFE_NO_PAD.encode(&point[33..65]);
        let decoding = DecodingKey::from_ec_components(&x, &y)
            .map_err(|e| OidcError::SigningKey(format!("bad public key: {e}")))?;
        let mut jwk = Jwk {
            common: CommonParameters {
                public_key_use: Some(PublicKeyUse::Signature),
                key_algorithm: Some(KeyAlgorithm::ES256),
                ..CommonParameters::default()
            },
            algorithm: AlgorithmParameters::EllipticCurve(EllipticCurveKeyParameters {
                key_type: EllipticCurveKeyType::EC,
                curve: EllipticCurve::P256,
                x,
                y,
            }),
        };
        let kid = jwk
            .thumbprint(ThumbprintHash::SHA256)
            .map_err(|e| OidcError::SigningKey(format!("cannot compute the key id: {e}")))?;
        jwk.common.key_id = Some(kid);
        Ok(Self {
            encoding: EncodingKey::from_ec_der(&pkcs8),
            pkcs8,
            decoding,
            jwk,
        })
    }

    /// The private key as PKCS#8 DER, to persist it. Secret: never log it.
    pub fn to_pkcs8_der(&self) -> Vec<u8> {
        self.pkcs8.clone()
    }

    /// The key id (`kid`) tokens carry in their header.
    pub fn key_id(&self) -> &str {
        self.jwk.common.key_id.as_deref().unwrap_or_default()
    }

    /// The public key as a JWK.
    pub fn jwk(&self) -> &Jwk {
        &self.jwk
    }

    /// The JWKS document served at the `jwks_uri`.
    pub fn jwks(&self) -> JwkSet {
        JwkSet {
            keys: vec![self.jwk.clone()],
        }
    }

    pub(crate) fn decoding_key(&self) -> &DecodingKey {
        &self.decoding
    }

    /// Sign `claims` as a compact JWS (ES256, with `kid` and `typ: JWT`).
    pub(crate) fn sign<T: Serialize>(&self, claims: &T) -> Result<String, OidcError> {
        let mut header = Header::new(Algorithm::ES256);
        header.kid = Some(self.key_id().to_owned());
        jsonwebtoken::encode(&header, claims, &self.encoding)
            .map_err(|e| OidcError::SigningKey(format!("cannot sign a token: {e}")))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn a_key_survives_pkcs8_and_keeps_its_id() {
        let key = SigningKey::generate().unwrap();
        let again = SigningKey::from_pkcs8_der(&key.to_pkcs8_der()).unwrap();
        assert_eq!(again.key_id(), key.key_id());
        assert_eq!(again.jwk(), key.jwk());
        let other = SigningKey::generate().unwrap();
        assert_ne!(other.key_id(), key.key_id());
    }

    #[test]
    fn keys_other_than_p256_are_refused() {
        let ed = KeyPair::generate_for(&rcgen::PKCS_ED25519).unwrap();
        let err = SigningKey::from_pkcs8_der(&ed.serialize_der()).unwrap_err();
        assert!(err.to_string().contains("P-256"), "{err}");
        assert!(SigningKey::from_pkcs8_der(b"garbage").is_err());
    }
}
