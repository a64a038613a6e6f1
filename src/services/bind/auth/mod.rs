//! Logging in for a bind. At a backend with the headless routes we log in at its issuer
//! ourselves — from the token cache, by refresh, in a browser (PKCE), by device code, or
//! with a token file — and bind with the ID token; at upstream's backend the browser does
//! the backend's own code grant ([`code_grant`]). Tokens live in [`Secret`]s, which never
//! print themselves.

pub mod cache;
pub mod code_grant;
pub mod loopback;
pub mod oidc;
pub mod qr;

use std::io::Read;
use std::path::Path;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

use super::error::AuthError;

/// A token: printed and logged as `<redacted>`, readable only through [`Secret::expose`].
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    /// Wrap a token.
    pub fn new(value: String) -> Secret {
        Secret(value)
    }

    /// The token itself (to send it, or store it in the cache).
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("<redacted>")
    }
}

/// An ID token from a file, or from stdin for `-` (surrounding whitespace removed).
pub fn read_token_file(path: &Path) -> Result<Secret, AuthError> {
    let fail = |reason: String| AuthError::TokenFile {
        path: path.to_path_buf(),
        reason,
    };
    let mut text = String::new();
    if path.as_os_str() == "-" {
        std::io::stdin()
            .read_to_string(&mut text)
            .map_err(|e| fail(e.to_string()))?;
    } else {
        text = std::fs::read_to_string(path).map_err(|e| fail(e.to_string()))?;
    }
    let token = text.trim();
    if token.is_empty() {
        return Err(fail("it is empty".into()));
    }
    if token.split('.').count() != 3 || token.chars().any(char::is_whitespace) {
        return Err(fail(
            "it does not hold a JWT (three dot-separated parts); put the bare ID token in it"
                .into(),
        ));
    }
    Ok(Secret::new(token.to_owned()))
}

/// Whether a browser can be opened here (not over SSH without a display, not with
/// `KLUTCH_TUI_NO_BROWSER` set).
pub fn browser_available() -> bool {
    if std::env::var_os("KLUTCH_TUI_NO_BROWSER").is_some() {
        return false;
    }
    if cfg!(target_os = "linux") {
        return std::env::var_os("DISPLAY").is_some()
            || std::env::var_os("WAYLAND_DISPLAY").is_some();
    }
    true
}

/// How long before its expiry a cached ID token is no longer used.
pub const EXPIRY_MARGIN: Duration = Duration::from_secs(60);

/// A login to keep in the cache.
pub fn cache_entry(issuer: &str, client_id: &str, tokens: &oidc::Tokens) -> cache::Entry {
    cache::Entry {
        issuer: issuer.to_owned(),
        client_id: client_id.to_owned(),
        user: tokens.user.clone(),
        id_token: tokens.id_token.clone(),
        refresh_token: tokens.refresh_token.clone(),
        expires_at: tokens
            .expires
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0),
    }
}

/// "in 42 min", "expired 3 h ago": an expiry for people.
pub fn until(expires: SystemTime, now: SystemTime) -> String {
    let words = |d: Duration| {
        let s = d.as_secs();
        match s {
            0..=119 => format!("{s} s"),
            120..=7199 => format!("{} min", s / 60),
            7200..=172_799 => format!("{} h", s / 3600),
            _ => format!("{} days", s / 86_400),
        }
    };
    match expires.duration_since(now) {
        Ok(left) => format!("in {}", words(left)),
        Err(e) => format!("expired {} ago", words(e.duration())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_never_show_themselves() {
        let s = Secret::new("eyJhbGciOi.secret.sig".into());
        assert_eq!(format!("{s:?}"), "<redacted>");
        assert_eq!(
            serde_json::to_string(&s).unwrap(),
            "\"eyJhbGciOi.secret.sig\""
        );
    }

    #[test]
    fn token_files_hold_one_jwt() {
        let dir = tempfile::tempdir().unwrap();
        let ok = dir.path().join("ok");
        std::fs::write(&ok, "  aaa.bbb.ccc\n").unwrap();
        assert_eq!(read_token_file(&ok).unwrap().expose(), "aaa.bbb.ccc");
        let empty = dir.path().join("empty");
        std::fs::write(&empty, "\n").unwrap();
        assert!(
            read_token_file(&empty)
                .unwrap_err()
                .to_string()
                .contains("it is empty")
        );
        let json = dir.path().join("json");
        std::fs::write(&json, "{\"id_token\": \"a.b.c\"}").unwrap();
        assert!(
            read_token_file(&json)
                .unwrap_err()
                .to_string()
                .contains("JWT")
        );
        let missing = dir.path().join("missing");
        let e = read_token_file(&missing).unwrap_err().to_string();
        assert!(e.contains(&missing.display().to_string()), "{e}");
    }

    #[test]
    fn expiry_in_words() {
        let now = UNIX_EPOCH + Duration::from_secs(1_000_000);
        assert_eq!(until(now + Duration::from_secs(42 * 60), now), "in 42 min");
        assert_eq!(
            until(now - Duration::from_secs(3 * 3600), now),
            "expired 3 h ago"
        );
        assert_eq!(until(now + Duration::from_secs(30), now), "in 30 s");
    }
}
