//! The issuer's in-memory state: authorization codes, access and refresh tokens,
//! and device grants. Secrets are kept only as SHA-256 digests (map keys), so the
//! state never holds a usable code or token; every value comes from a CSPRNG.

use std::collections::HashMap;
use std::time::{Duration, SystemTime};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use parking_lot::Mutex;
use rand::Rng;
use rand::seq::IndexedRandom;
use sha2::{Digest as _, Sha256};

type Digest = [u8; 32];

fn digest(secret: &str) -> Digest {
    Sha256::digest(secret.as_bytes()).into()
}

/// 256 random bits, base64url. `rand::rng()` is a CSPRNG seeded from the OS.
pub(crate) fn random_secret() -> String {
    let bytes: [u8; 32] = rand::rng().random();
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Letters without vowels or look-alikes (RFC 8628 §6.1): 20^8 ≈ 2^34.5 codes.
const USER_CODE_ALPHABET: &[u8] = b"BCDFGHJKLMNPQRSTVWXZ";
/// Device authorizations waiting at once (anyone may start one; each is kept until it
/// expires).
pub(crate) const MAX_DEVICES: usize = 1000;

fn random_user_code() -> String {
    let mut rng = rand::rng();
    (0..8)
        .filter_map(|_| USER_CODE_ALPHABET.choose(&mut rng).map(|b| char::from(*b)))
        .collect()
}

/// A user code as typed: case and separators do not matter.
pub(crate) fn normalise_user_code(typed: &str) -> String {
    typed
        .chars()
        .filter(char::is_ascii_alphabetic)
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

/// `BCDFGHJK` shown as `BCDF-GHJK`.
pub(crate) fn display_user_code(code: &str) -> String {
    match code.split_at_checked(4) {
        Some((a, b)) => format!("{a}-{b}"),
        None => code.to_owned(),
    }
}

/// Who authorised what for which client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Grant {
    pub user: String,
    pub client_id: String,
    pub scope: String,
    pub auth_time: SystemTime,
}

/// An issued authorization code.
#[derive(Debug, Clone)]
pub(crate) struct AuthCode {
    pub grant: Grant,
    pub redirect_uri: String,
    pub nonce: Option<String>,
    pub code_challenge: Option<String>,
    pub expires: SystemTime,
}

/// The outcome of redeeming an authorization code.
#[derive(Debug)]
pub(crate) enum Redeemed {
    Valid(Box<AuthCode>),
    Expired,
    /// Used before; the tokens issued for it have been revoked.
    Replayed,
    Unknown,
}

#[derive(Debug)]
struct SpentCode {
    expires: SystemTime,
    issued: Vec<Digest>,
}

#[derive(Debug)]
struct TokenEntry {
    grant: Grant,
    expires: SystemTime,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum DeviceState {
    Pending,
    Approved { user: String, at: SystemTime },
    Denied,
}

#[derive(Debug)]
struct DeviceGrant {
    client_id: String,
    scope: String,
    user_code: String,
    state: DeviceState,
    expires: SystemTime,
    last_poll: Option<SystemTime>,
    interval: Duration,
}

/// A started device authorization.
pub(crate) struct DeviceStart {
    pub device_code: String,
    pub user_code: String,
}

/// The answer to one device-code poll.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum DevicePoll {
    Approved(Grant),
    Pending,
    SlowDown,
    Denied,
    Expired,
    Unknown,
}

/// Tokens put into the store.
pub(crate) struct IssuedTokens {
    pub access_token: String,
    pub refresh_token: String,
}

#[derive(Default)]
struct State {
    codes: HashMap<Digest, AuthCode>,
    spent: HashMap<Digest, SpentCode>,
    access: HashMap<Digest, TokenEntry>,
    refresh: HashMap<Digest, TokenEntry>,
    devices: HashMap<Digest, DeviceGrant>,
    user_codes: HashMap<String, Digest>,
}

impl State {
    fn prune(&mut self, now: SystemTime) {
        self.codes.retain(|_, c| c.expires > now);
        self.spent.retain(|_, s| s.expires > now);
        self.access.retain(|_, t| t.expires > now);
        self.refresh.retain(|_, t| t.expires > now);
        // Expired device grants stay until polled once more, to answer `expired_token`,
        // but not longer than another lifetime.
        self.devices
            .retain(|_, d| d.expires + d.interval * 2 + Duration::from_secs(600) > now);
        let devices = &self.devices;
        self.user_codes.retain(|_, d| devices.contains_key(d));
    }
}

/// The issuer's state behind one lock; no lock is held across an await.
#[derive(Default)]
pub(crate) struct Store {
    state: Mutex<State>,
}

impl Store {
    /// Store a code and return its value.
    pub fn insert_code(&self, code: AuthCode, now: SystemTime) -> String {
        let value = random_secret();
        let mut state = self.state.lock();
        state.prune(now);
        state.codes.insert(digest(&value), code);
        value
    }

    /// Redeem a code: valid codes are consumed whatever happens next; a second
    /// redemption revokes the tokens issued for the first (RFC 6749 §4.1.2).
    pub fn redeem_code(&self, value: &str, now: SystemTime) -> Redeemed {
        let key = digest(value);
        let mut state = self.state.lock();
        if let Some(spent) = state.spent.remove(&key) {
            for token in spent.issued {
                state.access.remove(&token);
                state.refresh.remove(&token);
            }
            return Redeemed::Replayed;
        }
        match state.codes.remove(&key) {
            Some(code) if code.expires <= now => Redeemed::Expired,
            Some(code) => {
                state.spent.insert(
                    key,
                    SpentCode {
                        expires: code.expires,
                        issued: Vec::new(),
                    },
                );
                Redeemed::Valid(Box::new(code))
            }
            None => Redeemed::Unknown,
        }
    }

    /// Put a fresh access and refresh token for `grant` into the store. With
    /// `from_code`, they are revoked if that code is ever replayed.
    pub fn issue_tokens(
        &self,
        grant: &Grant,
        access_expires: SystemTime,
        refresh_expires: SystemTime,
        from_code: Option<&str>,
        now: SystemTime,
    ) -> IssuedTokens {
        let tokens = IssuedTokens {
            access_token: random_secret(),
            refresh_token: random_secret(),
        };
        let (access, refresh) = (digest(&tokens.access_token), digest(&tokens.refresh_token));
        let mut state = self.state.lock();
        state.prune(now);
        state.access.insert(
            access,
            TokenEntry {
                grant: grant.clone(),
                expires: access_expires,
            },
        );
        state.refresh.insert(
            refresh,
            TokenEntry {
                grant: grant.clone(),
                expires: refresh_expires,
            },
        );
        if let Some(spent) = from_code.and_then(|c| state.spent.get_mut(&digest(c))) {
            spent.issued.extend([access, refresh]);
        }
        tokens
    }

    /// The grant behind a live access token.
    pub fn access_grant(&self, token: &str, now: SystemTime) -> Option<Grant> {
        let state = self.state.lock();
        state
            .access
            .get(&digest(token))
            .filter(|t| t.expires > now)
            .map(|t| t.grant.clone())
    }

    /// Consume a live refresh token of `client_id` (refresh tokens rotate).
    pub fn take_refresh(&self, token: &str, client_id: &str, now: SystemTime) -> Option<Grant> {
        let key = digest(token);
        let mut state = self.state.lock();
        let entry = state.refresh.get(&key)?;
        if entry.expires <= now || entry.grant.client_id != client_id {
            return None;
        }
        state.refresh.remove(&key).map(|t| t.grant)
    }

    /// Start a device authorization; `None` when [`MAX_DEVICES`] are already pending.
    pub fn start_device(
        &self,
        client_id: &str,
        scope: &str,
        expires: SystemTime,
        interval: Duration,
        now: SystemTime,
    ) -> Option<DeviceStart> {
        let device_code = random_secret();
        let mut state = self.state.lock();
        state.prune(now);
        if state.devices.len() >= MAX_DEVICES {
            return None;
        }
        let user_code = loop {
            let candidate = random_user_code();
            if !state.user_codes.contains_key(&candidate) {
                break candidate;
            }
        };
        let key = digest(&device_code);
        state.user_codes.insert(user_code.clone(), key);
        state.devices.insert(
            key,
            DeviceGrant {
                client_id: client_id.to_owned(),
                scope: scope.to_owned(),
                user_code: user_code.clone(),
                state: DeviceState::Pending,
                expires,
                last_poll: None,
                interval,
            },
        );
        Some(DeviceStart {
            device_code,
            user_code,
        })
    }

    /// The client id of a pending, unexpired device grant by its user code.
    pub fn pending_device(&self, user_code: &str, now: SystemTime) -> Option<String> {
        let state = self.state.lock();
        let key = state.user_codes.get(&normalise_user_code(user_code))?;
        state
            .devices
            .get(key)
            .filter(|d| d.expires > now && d.state == DeviceState::Pending)
            .map(|d| d.client_id.clone())
    }

    /// Approve (`Some(user)`) or deny (`None`) a pending device grant. Returns
    /// false when the user code is unknown, expired or already decided.
    pub fn decide_device(&self, user_code: &str, user: Option<&str>, now: SystemTime) -> bool {
        let mut state = self.state.lock();
        let Some(key) = state
            .user_codes
            .get(&normalise_user_code(user_code))
            .copied()
        else {
            return false;
        };
        match state.devices.get_mut(&key) {
            Some(d) if d.expires > now && d.state == DeviceState::Pending => {
                d.state = match user {
                    Some(user) => DeviceState::Approved {
                        user: user.to_owned(),
                        at: now,
                    },
                    None => DeviceState::Denied,
                };
                true
            }
            _ => false,
        }
    }

    /// One poll of the token endpoint with a device code (RFC 8628 §3.5): a poll
    /// sooner than the interval after the last one is told to slow down, and the
    /// interval grows by 5 s.
    pub fn poll_device(&self, device_code: &str, client_id: &str, now: SystemTime) -> DevicePoll {
        let key = digest(device_code);
        let mut state = self.state.lock();
        let Some(device) = state.devices.get_mut(&key) else {
            return DevicePoll::Unknown;
        };
        if device.client_id != client_id {
            return DevicePoll::Unknown;
        }
        if device.expires <= now {
            return DevicePoll::Expired;
        }
        let too_soon = device
            .last_poll
            .is_some_and(|last| now.duration_since(last).unwrap_or_default() < device.interval);
        device.last_poll = Some(now);
        if too_soon {
            device.interval += Duration::from_secs(5);
            return DevicePoll::SlowDown;
        }
        let answer = match &device.state {
            DeviceState::Pending => return DevicePoll::Pending,
            DeviceState::Denied => DevicePoll::Denied,
            DeviceState::Approved { user, at } => DevicePoll::Approved(Grant {
                user: user.clone(),
                client_id: device.client_id.clone(),
                scope: device.scope.clone(),
                auth_time: *at,
            }),
        };
        let user_code = device.user_code.clone();
        state.devices.remove(&key);
        state.user_codes.remove(&user_code);
        answer
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn t(secs: u64) -> SystemTime {
        SystemTime::UNIX_EPOCH + Duration::from_secs(secs)
    }

    #[test]
    fn user_codes_are_typed_loosely() {
        assert_eq!(normalise_user_code(" bcdf-ghjk "), "BCDFGHJK");
        assert_eq!(display_user_code("BCDFGHJK"), "BCDF-GHJK");
        let code = random_user_code();
        assert_eq!(code.len(), 8);
        assert!(code.bytes().all(|b| USER_CODE_ALPHABET.contains(&b)));
    }

    #[test]
    fn pending_device_authorizations_are_bounded() {
        let store = Store::default();
        for _ in 0..MAX_DEVICES {
            assert!(
                store
                    .start_device("cli", "openid", t(100), Duration::from_secs(5), t(0))
                    .is_some()
            );
        }
        assert!(
            store
                .start_device("cli", "openid", t(100), Duration::from_secs(5), t(1))
                .is_none(),
            "the table is full"
        );
        // Once they have expired (and lingered to answer expired_token), there is room.
        assert!(
            store
                .start_device("cli", "openid", t(2000), Duration::from_secs(5), t(1000))
                .is_some()
        );
    }

    #[test]
    fn device_polling_follows_rfc_8628() {
        let store = Store::default();
        let start = store
            .start_device("cli", "openid", t(100), Duration::from_secs(5), t(0))
            .unwrap();
        assert_eq!(
            store.poll_device(&start.device_code, "other", t(1)),
            DevicePoll::Unknown
        );
        assert_eq!(
            store.poll_device(&start.device_code, "cli", t(1)),
            DevicePoll::Pending
        );
        assert_eq!(
            store.poll_device(&start.device_code, "cli", t(2)),
            DevicePoll::SlowDown
        );
        // The interval grew to 10 s, and grows by 5 s on every early poll.
        assert_eq!(
            store.poll_device(&start.device_code, "cli", t(9)),
            DevicePoll::SlowDown
        );
        assert_eq!(
            store.poll_device(&start.device_code, "cli", t(24)),
            DevicePoll::Pending
        );
        assert_eq!(
            store
                .pending_device(&start.user_code.to_lowercase(), t(25))
                .as_deref(),
            Some("cli")
        );
        assert!(store.decide_device(&display_user_code(&start.user_code), Some("alice"), t(25)));
        assert!(
            !store.decide_device(&start.user_code, None, t(26)),
            "decided once only"
        );
        match store.poll_device(&start.device_code, "cli", t(40)) {
            DevicePoll::Approved(grant) => {
                assert_eq!((grant.user.as_str(), grant.auth_time), ("alice", t(25)));
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(
            store.poll_device(&start.device_code, "cli", t(60)),
            DevicePoll::Unknown
        );

        let denied = store
            .start_device("cli", "openid", t(100), Duration::from_secs(5), t(0))
            .unwrap();
        assert!(store.decide_device(&denied.user_code, None, t(1)));
        assert_eq!(
            store.poll_device(&denied.device_code, "cli", t(2)),
            DevicePoll::Denied
        );

        let late = store
            .start_device("cli", "openid", t(100), Duration::from_secs(5), t(0))
            .unwrap();
        assert!(!store.decide_device(&late.user_code, Some("alice"), t(100)));
        assert_eq!(
            store.poll_device(&late.device_code, "cli", t(101)),
            DevicePoll::Expired
        );
    }

    #[test]
    fn a_replayed_code_revokes_what_it_bought() {
        let store = Store::default();
        let grant = Grant {
            user: "alice".into(),
            client_id: "cli".into(),
            scope: "openid".into(),
            auth_time: t(0),
        };
        let code = AuthCode {
            grant: grant.clone(),
            redirect_uri: "http://127.0.0.1/cb".into(),
            nonce: None,
            code_challenge: None,
            expires: t(60),
        };
        let value = store.insert_code(code, t(0));
        assert!(matches!(
            store.redeem_code(&value, t(1)),
            Redeemed::Valid(_)
        ));
        let tokens = store.issue_tokens(&grant, t(3600), t(7200), Some(&value), t(1));
        assert_eq!(
            store.access_grant(&tokens.access_token, t(2)),
            Some(grant.clone())
        );
        assert!(matches!(
            store.redeem_code(&value, t(2)),
            Redeemed::Replayed
        ));
        assert_eq!(store.access_grant(&tokens.access_token, t(3)), None);
        assert_eq!(store.take_refresh(&tokens.refresh_token, "cli", t(3)), None);

        let late = store.insert_code(
            AuthCode {
                expires: t(60),
                ..store_code(&grant)
            },
            t(0),
        );
        assert!(matches!(store.redeem_code(&late, t(60)), Redeemed::Expired));
        assert!(matches!(
            store.redeem_code("made-up", t(1)),
            Redeemed::Unknown
        ));
    }

    fn store_code(grant: &Grant) -> AuthCode {
        AuthCode {
            grant: grant.clone(),
            redirect_uri: "http://127.0.0.1/cb".into(),
            nonce: None,
            code_challenge: None,
            expires: t(0),
        }
    }
}
