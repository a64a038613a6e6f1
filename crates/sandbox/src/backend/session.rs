//! Login and session state of the bind backend: CSPRNG ids, the OAuth2 `state`
//! value (base64 URL alphabet both ways — upstream encodes with one alphabet and
//! decodes with the other), logins in progress (one-shot, server side, with their
//! PKCE verifier and nonce), and the session kept in an encrypted, signed cookie
//! named `klutch-bind-<sid>`.

use std::collections::HashMap;
use std::time::{Duration, SystemTime};

use axum_extra::extract::cookie::{Cookie, SameSite};
use base64::Engine;
use base64::alphabet;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig, URL_SAFE};
use base64::engine::{DecodePaddingMode, general_purpose::URL_SAFE_NO_PAD};
use parking_lot::Mutex;
use rand::RngCore;
use serde::{Deserialize, Serialize};

/// Prefix of session cookies; the session id follows.
pub const SESSION_COOKIE_PREFIX: &str = "klutch-bind-";
/// Prefix of the cookie that ties a login in progress to the browser that started it.
pub const LOGIN_COOKIE_PREFIX: &str = "klutch-bind-login-";
/// How long a login may take from `/authorize` to `/callback`.
pub const LOGIN_TTL: Duration = Duration::from_secs(600);
/// How many logins may be in progress at once (older ones are dropped first).
const MAX_PENDING: usize = 10_000;

/// URL-alphabet base64 that accepts padded and unpadded input.
const URL_LENIENT: GeneralPurpose = GeneralPurpose::new(
    &alphabet::URL_SAFE,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// `n` random bytes from a CSPRNG (rand's thread RNG: ChaCha seeded by the OS),
/// base64url without padding.
pub fn random_id(n: usize) -> String {
    let mut bytes = vec![0u8; n];
    rand::rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Whether `id` is usable as a session or cluster id: 1–64 characters of
/// `[A-Za-z0-9_-]` (it becomes part of a cookie name and an annotation).
pub fn valid_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 64
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// The OAuth2 `state` of a login: upstream's `AuthCode` plus the key of the
/// server-side login record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuthState {
    /// Where the BindingResponse goes (the consumer's loopback receiver).
    #[serde(rename = "redirectURL")]
    pub redirect_url: String,
    /// The consumer's session id.
    pub sid: String,
    /// The consumer's cluster id.
    pub cid: String,
    /// Key of the login record (random, one-shot).
    pub key: String,
}

impl AuthState {
    /// Padded base64 (URL alphabet) of the JSON, as upstream sends it.
    pub fn encode(&self) -> String {
        URL_SAFE.encode(serde_json::to_vec(self).unwrap_or_default())
    }

    /// Decode what [`AuthState::encode`] made (padding optional).
    pub fn decode(value: &str) -> Option<Self> {
        let bytes = URL_LENIENT.decode(value.trim()).ok()?;
        serde_json::from_slice(&bytes).ok()
    }
}

/// A login between `/authorize` and `/callback`.
#[derive(Clone)]
pub struct PendingLogin {
    pub state: AuthState,
    /// PKCE code verifier (secret).
    pub pkce_verifier: String,
    /// The nonce the ID token must carry.
    pub nonce: String,
    pub started: SystemTime,
}

/// Logins in progress, by key. Taking one removes it, so a callback (and its code)
/// is accepted once at most.
#[derive(Default)]
pub struct PendingLogins {
    logins: Mutex<HashMap<String, PendingLogin>>,
}

impl PendingLogins {
    /// Remember a login; drops expired ones (and the oldest beyond the cap).
    pub fn insert(&self, login: PendingLogin, now: SystemTime) {
        let mut logins = self.logins.lock();
        logins.retain(|_, l| !expired(l.started, LOGIN_TTL, now));
        if logins.len() >= MAX_PENDING
            && let Some(oldest) = logins
                .iter()
                .min_by_key(|(_, l)| l.started)
                .map(|(k, _)| k.clone())
        {
            logins.remove(&oldest);
        }
        logins.insert(login.state.key.clone(), login);
    }

    /// The login with this key, left in place.
    pub fn peek(&self, key: &str) -> Option<PendingLogin> {
        self.logins.lock().get(key).cloned()
    }

    /// Take the login with this key out (one-shot).
    pub fn take(&self, key: &str) -> Option<PendingLogin> {
        self.logins.lock().remove(key)
    }
}

/// Whether something started at `since` has outlived `ttl` at `now`.
pub fn expired(since: SystemTime, ttl: Duration, now: SystemTime) -> bool {
    now.duration_since(since).is_ok_and(|age| age > ttl)
}

/// A logged-in consumer session, kept in the browser (encrypted and signed).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Session {
    pub sid: String,
    pub cid: String,
    #[serde(rename = "redirectURL")]
    pub redirect_url: String,
    /// `sub` of the verified ID token.
    pub subject: String,
    /// `iss` of the verified ID token.
    pub issuer: String,
    /// Seconds since the epoch.
    pub created_at: u64,
    /// Seconds since the epoch; checked on every request (the cookie's own expiry
    /// is only advice to the browser).
    pub expires_on: u64,
}

impl Session {
    /// The identity of the cluster namespace: `<sub>#<clusterID>`.
    pub fn identity(&self) -> String {
        format!("{}#{}", self.subject, self.cid)
    }

    pub fn is_expired(&self, now: SystemTime) -> bool {
        epoch(now) >= self.expires_on
    }
}

pub fn epoch(t: SystemTime) -> u64 {
    t.duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default()
}

/// How cookies are set: `Secure` only when served over TLS; always HttpOnly,
/// SameSite=Lax, Path `/`.
#[derive(Debug, Clone, Copy)]
pub struct CookiePolicy {
    pub secure: bool,
}

impl CookiePolicy {
    pub fn cookie(&self, name: String, value: String, max_age: Duration) -> Cookie<'static> {
        let max_age = cookie_time(max_age);
        Cookie::build((name, value))
            .path("/")
            .http_only(true)
            .secure(self.secure)
            .same_site(SameSite::Lax)
            .max_age(max_age)
            .build()
    }

    /// A cookie that removes `name` (for `PrivateCookieJar::remove`).
    pub fn removal(&self, name: String) -> Cookie<'static> {
        Cookie::build((name, "")).path("/").build()
    }
}

fn cookie_time(d: Duration) -> cookie::time::Duration {
    cookie::time::Duration::seconds(i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn state_round_trips_in_the_url_alphabet_with_or_without_padding() {
        // Characters that give '-' and '_' in the URL alphabet.
        let state = AuthState {
            redirect_url: "http://localhost:1234/callback?x=>>>???".into(),
            sid: "a".into(),
            cid: "b".into(),
            key: random_id(32),
        };
        let encoded = state.encode();
        assert!(!encoded.contains('+') && !encoded.contains('/'));
        assert_eq!(AuthState::decode(&encoded), Some(state.clone()));
        assert_eq!(
            AuthState::decode(encoded.trim_end_matches('=')),
            Some(state)
        );
        assert_eq!(AuthState::decode("not base64!"), None);
        assert_eq!(AuthState::decode(&URL_SAFE.encode(b"{}")), None);
    }

    #[test]
    fn logins_are_taken_once_and_expire() {
        let logins = PendingLogins::default();
        let now = SystemTime::now();
        let login = |key: &str, started| PendingLogin {
            state: AuthState {
                redirect_url: String::new(),
                sid: "s".into(),
                cid: "c".into(),
                key: key.into(),
            },
            pkce_verifier: String::new(),
            nonce: String::new(),
            started,
        };
        logins.insert(login("old", now - LOGIN_TTL * 2), now - LOGIN_TTL * 2);
        logins.insert(login("new", now), now);
        assert!(logins.take("old").is_none(), "expired logins are dropped");
        assert!(logins.take("new").is_some());
        assert!(logins.take("new").is_none(), "a login is taken once");
    }

    #[test]
    fn ids_are_random_and_checked() {
        assert_ne!(random_id(16), random_id(16));
        assert!(valid_id("3kF9aZ") && valid_id("a-b_c"));
        assert!(!valid_id("") && !valid_id("a b") && !valid_id(&"x".repeat(65)));
        assert!(!valid_id("a;b=c"));
    }

    #[test]
    fn cookies_are_http_only_lax_and_secure_only_with_tls() {
        let plain = CookiePolicy { secure: false }
            .cookie("n".into(), "v".into(), Duration::from_secs(3600))
            .to_string();
        assert!(
            plain.contains("HttpOnly") && plain.contains("SameSite=Lax"),
            "{plain}"
        );
        assert!(!plain.contains("Secure"), "{plain}");
        assert!(plain.contains("Max-Age=3600"), "{plain}");
        let tls = CookiePolicy { secure: true }
            .cookie("n".into(), "v".into(), Duration::from_secs(1))
            .to_string();
        assert!(tls.contains("Secure"), "{tls}");
    }
}
