//! The state directory of a persistent sandbox: an exclusive lock, and the secrets and
//! ports that must survive a restart so that kubeconfigs written earlier keep working.

use base64::Engine;
use rand::RngCore;
use serde::{Deserialize, Serialize};
use std::fs::File;
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum StateError {
    #[error("cannot use the state directory {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "another sandbox is running on the state directory {0}; stop it first or choose another --state-dir"
    )]
    Locked(PathBuf),
    #[error("{path} is damaged ({message}); remove it to start over (stored objects are kept)")]
    Corrupt { path: PathBuf, message: String },
    #[error(transparent)]
    Tls(#[from] crate::tls::TlsError),
}

/// What a sandbox needs to come back as it was. Its `Debug` shows the ports only: the rest
/// are keys and tokens, never to be logged.
#[derive(Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Secrets {
    pub ca_cert: String,
    pub ca_key: String,
    pub app_token: String,
    pub cp_token: String,
    #[serde(with = "b64")]
    pub token_key: Vec<u8>,
    #[serde(default)]
    pub app_port: u16,
    #[serde(default)]
    pub cp_port: u16,
    /// Port of the klutch-bind backend.
    #[serde(default)]
    pub bind_port: u16,
    /// Port of the development OIDC issuer.
    #[serde(default)]
    pub oidc_port: u16,
    /// The OIDC issuer's ES256 key (PKCS#8 DER); empty until first generated.
    #[serde(default, with = "b64")]
    pub oidc_key: Vec<u8>,
    /// The bind backend's cookie key (64 bytes); empty until first generated.
    #[serde(default, with = "b64")]
    pub cookie_key: Vec<u8>,
}

impl std::fmt::Debug for Secrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Secrets")
            .field("app_port", &self.app_port)
            .field("cp_port", &self.cp_port)
            .field("bind_port", &self.bind_port)
            .field("oidc_port", &self.oidc_port)
            .finish_non_exhaustive()
    }
}

mod b64 {
    use base64::Engine;
    use base64::engine::general_purpose::STANDARD;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(v: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&STANDARD.encode(v))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        let s = String::deserialize(d)?;
        STANDARD.decode(s).map_err(serde::de::Error::custom)
    }
}

pub fn random_token() -> String {
    let mut b = [0u8; 32];
    rand::rng().fill_bytes(&mut b);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b)
}

impl Secrets {
    pub fn generate() -> Result<Self, StateError> {
        let ca = crate::tls::Ca::generate()?;
        let mut key = vec![0u8; 32];
        rand::rng().fill_bytes(&mut key);
        Ok(Self {
            ca_cert: ca.cert_pem.clone(),
            ca_key: ca.key_pem.clone(),
            app_token: random_token(),
            cp_token: random_token(),
            token_key: key,
            app_port: 0,
            cp_port: 0,
            bind_port: 0,
            oidc_port: 0,
            oidc_key: Vec::new(),
            cookie_key: Vec::new(),
        })
    }
}

/// A locked state directory.
pub struct StateDir {
    path: PathBuf,
    _lock: File,
}

const SECRETS_FILE: &str = "sandbox-state.json";

impl StateDir {
    /// Lock the directory (creating it), make it private (0700) and every file already in
    /// it (0600): it holds tokens, keys and kubeconfig Secrets.
    pub fn open(path: &Path) -> Result<Self, StateError> {
        let io = |source| StateError::Io {
            path: path.to_path_buf(),
            source,
        };
        crate::files::private_dir(path).map_err(io)?;
        let lock = crate::files::open_private(&path.join("sandbox.lock")).map_err(io)?;
        match lock.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => {
                return Err(StateError::Locked(path.to_path_buf()));
            }
            Err(std::fs::TryLockError::Error(e)) => return Err(io(e)),
        }
        crate::files::make_files_private(path).map_err(io)?;
        Ok(Self {
            path: path.to_path_buf(),
            _lock: lock,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn load_or_create(&self) -> Result<Secrets, StateError> {
        let file = self.path.join(SECRETS_FILE);
        match std::fs::read(&file) {
            Ok(bytes) => serde_json::from_slice(&bytes).map_err(|e| StateError::Corrupt {
                path: file,
                message: e.to_string(),
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let s = Secrets::generate()?;
                self.save(&s)?;
                Ok(s)
            }
            Err(source) => Err(StateError::Io { path: file, source }),
        }
    }

    pub fn save(&self, s: &Secrets) -> Result<(), StateError> {
        let file = self.path.join(SECRETS_FILE);
        let bytes = serde_json::to_vec_pretty(s).unwrap_or_default();
        crate::files::write_private(&file, &bytes)
            .map_err(|source| StateError::Io { path: file, source })
    }
}
