//! Certificates for the sandbox: a CA generated at start (or loaded from the state
//! directory) and a serving certificate for 127.0.0.1/localhost signed by it.

use rcgen::{
    BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair, KeyUsagePurpose, SanType,
};
use std::net::IpAddr;
use std::sync::Arc;

#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("generating certificates failed: {0}")]
    Generate(#[from] rcgen::Error),
    #[error("the TLS configuration is invalid: {0}")]
    Rustls(#[from] rustls::Error),
    #[error(
        "the stored CA is unreadable ({0}); delete the state directory's ca.pem and ca-key.pem to make a new one"
    )]
    Stored(String),
}

/// The sandbox's certificate authority.
pub struct Ca {
    pub cert_pem: String,
    pub key_pem: String,
    key: KeyPair,
    params: CertificateParams,
}

impl Ca {
    pub fn generate() -> Result<Self, TlsError> {
        let key = KeyPair::generate()?;
        let params = ca_params();
        let cert = params.clone().self_signed(&key)?;
        Ok(Self {
            cert_pem: cert.pem(),
            key_pem: key.serialize_pem(),
            key,
            params,
        })
    }

    /// Load a CA written earlier (its PEMs).
    pub fn load(cert_pem: &str, key_pem: &str) -> Result<Self, TlsError> {
        let key = KeyPair::from_pem(key_pem).map_err(|e| TlsError::Stored(e.to_string()))?;
        // The issuer needs the CA's name and key; both are what `generate` used.
        let params = ca_params();
        Ok(Self {
            cert_pem: cert_pem.to_string(),
            key_pem: key_pem.to_string(),
            key,
            params,
        })
    }

    /// A rustls server config with a fresh certificate for these addresses.
    pub fn server_config(&self, ips: &[IpAddr]) -> Result<Arc<rustls::ServerConfig>, TlsError> {
        let mut params = CertificateParams::new(vec!["localhost".to_string()])?;
        params
            .distinguished_name
            .push(DnType::CommonName, "klutch-tui sandbox");
        for ip in ips {
            params.subject_alt_names.push(SanType::IpAddress(*ip));
        }
        params.key_usages = vec![
            KeyUsagePurpose::DigitalSignature,
            KeyUsagePurpose::KeyEncipherment,
        ];
        params.extended_key_usages = vec![rcgen::ExtendedKeyUsagePurpose::ServerAuth];
        let key = KeyPair::generate()?;
        let issuer = Issuer::from_params(&self.params, &self.key);
        let cert = params.signed_by(&key, &issuer)?;
        let chain = vec![cert.der().clone()];
        let key_der = rustls::pki_types::PrivateKeyDer::try_from(key.serialize_der())
            .map_err(|e| TlsError::Stored(e.to_string()))?;
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut cfg = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()?
            .with_no_client_auth()
            .with_single_cert(chain, key_der)?;
        cfg.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
        Ok(Arc::new(cfg))
    }
}

fn ca_params() -> CertificateParams {
    let mut params = CertificateParams::default();
    params
        .distinguished_name
        .push(DnType::CommonName, "klutch-tui sandbox CA");
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    params
}
