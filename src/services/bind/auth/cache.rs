//! The token cache: `<cache dir>/klutch-tui/tokens.json`, mode 0600, one entry per issuer
//! and client id, so that a second bind within the token's life needs no login and a
//! refresh token spares the next one. Tokens are never printed or logged; `whoami` shows
//! who is logged in where and until when, `logout` removes the file's entries.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

use super::Secret;

/// The file in the cache directory.
pub const FILE: &str = "tokens.json";

/// Why the cache could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum CacheError {
    /// Reading or writing the file failed.
    #[error("token cache {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
}

/// One login.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Entry {
    /// The issuer.
    pub issuer: String,
    /// The client id.
    pub client_id: String,
    /// Who (preferred username, email or subject).
    pub user: String,
    /// The ID token.
    pub id_token: Secret,
    /// The refresh token, if the issuer gave one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<Secret>,
    /// When the ID token expires (seconds since the epoch).
    pub expires_at: u64,
}

impl Entry {
    /// When the ID token expires.
    pub fn expires(&self) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(self.expires_at)
    }

    /// Whether the ID token is good for at least `margin` more.
    pub fn fresh(&self, now: SystemTime, margin: Duration) -> bool {
        self.expires() > now + margin
    }
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct File {
    #[serde(default)]
    entries: Vec<Entry>,
}

/// The cache in a directory.
#[derive(Clone, Debug)]
pub struct TokenCache {
    path: PathBuf,
}

impl TokenCache {
    /// The cache in `dir` (created on first write).
    pub fn new(dir: &Path) -> TokenCache {
        TokenCache {
            path: dir.join(FILE),
        }
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn io(&self, source: std::io::Error) -> CacheError {
        CacheError::Io {
            path: self.path.clone(),
            source,
        }
    }

    fn read(&self) -> Result<File, CacheError> {
        match std::fs::read(&self.path) {
            Ok(bytes) => Ok(serde_json::from_slice(&bytes).unwrap_or_else(|error| {
                tracing::warn!(path = %self.path.display(), %error, "token cache unreadable; starting afresh");
                File::default()
            })),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(File::default()),
            Err(e) => Err(self.io(e)),
        }
    }

    /// Every entry.
    pub fn entries(&self) -> Result<Vec<Entry>, CacheError> {
        Ok(self.read()?.entries)
    }

    /// The entry of `issuer` and `client_id`.
    pub fn get(&self, issuer: &str, client_id: &str) -> Result<Option<Entry>, CacheError> {
        Ok(self
            .read()?
            .entries
            .into_iter()
            .find(|e| e.issuer == issuer && e.client_id == client_id))
    }

    /// Store `entry`, replacing the one of its issuer and client.
    pub fn put(&self, entry: Entry) -> Result<(), CacheError> {
        let mut file = self.read()?;
        file.entries
            .retain(|e| !(e.issuer == entry.issuer && e.client_id == entry.client_id));
        file.entries.push(entry);
        self.write(&file)
    }

    /// Remove the entry of `issuer` and `client_id` (a refused token).
    pub fn remove(&self, issuer: &str, client_id: &str) -> Result<(), CacheError> {
        let mut file = self.read()?;
        let before = file.entries.len();
        file.entries
            .retain(|e| !(e.issuer == issuer && e.client_id == client_id));
        if file.entries.len() != before {
            self.write(&file)?;
        }
        Ok(())
    }

    /// Remove every entry; how many there were.
    pub fn clear(&self) -> Result<usize, CacheError> {
        let n = self.read()?.entries.len();
        match std::fs::remove_file(&self.path) {
            Ok(()) => Ok(n),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(0),
            Err(e) => Err(self.io(e)),
        }
    }

    /// Write the whole file: a private temporary file renamed over it, so that it is
    /// never readable by others, not even for a moment, and never half written.
    fn write(&self, file: &File) -> Result<(), CacheError> {
        let dir = self.path.parent().unwrap_or(Path::new("."));
        std::fs::create_dir_all(dir).map_err(|e| self.io(e))?;
        let json = serde_json::to_vec_pretty(file).map_err(|e| self.io(e.into()))?;
        let tmp = self
            .path
            .with_extension(format!("json.{}", std::process::id()));
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create(true).truncate(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let written = (|| {
            use std::io::Write;
            let mut f = options.open(&tmp)?;
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt;
                f.set_permissions(std::fs::Permissions::from_mode(0o600))?;
            }
            f.write_all(&json)?;
            f.sync_all()?;
            std::fs::rename(&tmp, &self.path)
        })();
        if written.is_err() {
            let _ = std::fs::remove_file(&tmp);
        }
        written.map_err(|e| self.io(e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(issuer: &str, user: &str) -> Entry {
        Entry {
            issuer: issuer.into(),
            client_id: "klutch-tui".into(),
            user: user.into(),
            id_token: Secret::new("header.payload.signature".into()),
            refresh_token: Some(Secret::new("refresh".into())),
            expires_at: 4_000_000_000,
        }
    }

    #[test]
    fn one_entry_per_issuer_and_client_in_a_private_file() {
        let dir = tempfile::tempdir().unwrap();
        let cache = TokenCache::new(&dir.path().join("nested"));
        assert!(cache.entries().unwrap().is_empty());
        cache.put(entry("https://a", "alice")).unwrap();
        cache.put(entry("https://b", "bob")).unwrap();
        cache.put(entry("https://a", "alice2")).unwrap();
        let entries = cache.entries().unwrap();
        assert_eq!(entries.len(), 2);
        assert_eq!(
            cache.get("https://a", "klutch-tui").unwrap().unwrap().user,
            "alice2"
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(cache.path())
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        cache.remove("https://b", "klutch-tui").unwrap();
        assert_eq!(cache.entries().unwrap().len(), 1);
        assert_eq!(cache.clear().unwrap(), 1);
        assert!(!cache.path().exists());
        assert_eq!(cache.clear().unwrap(), 0);
    }

    #[test]
    fn freshness_keeps_a_margin() {
        let e = entry("https://a", "alice");
        let expires = e.expires();
        assert!(e.fresh(expires - Duration::from_secs(120), Duration::from_secs(60)));
        assert!(!e.fresh(expires - Duration::from_secs(30), Duration::from_secs(60)));
    }
}
