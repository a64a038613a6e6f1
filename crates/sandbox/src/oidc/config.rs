//! Configuration of the development OIDC issuer: who may log in, which clients
//! exist and where they may be redirected, lifetimes, and the clock.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use url::Url;

use super::error::OidcError;
use super::keys::SigningKey;

/// The time source of the issuer; tests drive expiry with a manual one.
pub trait Clock: Send + Sync + fmt::Debug {
    /// The current time.
    fn now(&self) -> SystemTime;
}

/// The system's wall clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> SystemTime {
        SystemTime::now()
    }
}

/// A registered OAuth client.
#[derive(Clone)]
pub struct Client {
    /// The `client_id`.
    pub id: String,
    /// The secret of a confidential client; `None` makes a public client, which
    /// must use PKCE (S256) in the code flow.
    pub secret: Option<String>,
    /// Allowed redirect URIs. For `http://127.0.0.1`, `http://[::1]` and
    /// `http://localhost` URIs any port is accepted (RFC 8252 §7.3).
    pub redirect_uris: Vec<String>,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("id", &self.id)
            .field("secret", &self.secret.as_ref().map(|_| "<redacted>"))
            .field("redirect_uris", &self.redirect_uris)
            .finish()
    }
}

impl Client {
    /// A public client (no secret; PKCE required).
    pub fn public(id: &str, redirect_uris: &[&str]) -> Self {
        Self {
            id: id.to_owned(),
            secret: None,
            redirect_uris: redirect_uris.iter().map(|s| (*s).to_owned()).collect(),
        }
    }

    /// A confidential client.
    pub fn confidential(id: &str, secret: &str, redirect_uris: &[&str]) -> Self {
        Self {
            id: id.to_owned(),
            secret: Some(secret.to_owned()),
            redirect_uris: redirect_uris.iter().map(|s| (*s).to_owned()).collect(),
        }
    }

    /// Whether `uri` is an allowed redirect for this client: an exact match, or a
    /// loopback URI that differs from a registered one only in its port.
    pub fn allows_redirect(&self, uri: &str) -> bool {
        if self.redirect_uris.iter().any(|r| r == uri) {
            return true;
        }
        let Ok(asked) = Url::parse(uri) else {
            return false;
        };
        if asked.scheme() != "http" || !is_loopback(&asked) || asked.fragment().is_some() {
            return false;
        }
        self.redirect_uris.iter().any(|registered| {
            Url::parse(registered).is_ok_and(|r| {
                r.scheme() == "http"
                    && is_loopback(&r)
                    && r.host() == asked.host()
                    && r.path() == asked.path()
                    && r.query() == asked.query()
            })
        })
    }
}

fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        None => false,
    }
}

/// Everything the issuer needs.
#[derive(Debug, Clone)]
pub struct IssuerConfig {
    /// The issuer identifier, e.g. `http://127.0.0.1:5556` (endpoints live below it).
    pub issuer_url: String,
    /// `(username, password)` pairs that may log in.
    pub users: Vec<(String, String)>,
    /// Registered clients.
    pub clients: Vec<Client>,
    /// Lifetime of access and ID tokens.
    pub token_ttl: Duration,
    /// Lifetime of refresh tokens.
    pub refresh_token_ttl: Duration,
    /// Lifetime of authorization codes.
    pub code_ttl: Duration,
    /// Lifetime of device codes.
    pub device_code_ttl: Duration,
    /// Minimum polling interval of the device flow (whole seconds on the wire).
    pub device_poll_interval: Duration,
    /// The ID token signing key; `None` generates one.
    pub signing_key: Option<SigningKey>,
    /// The time source.
    pub clock: Arc<dyn Clock>,
}

impl IssuerConfig {
    /// A configuration with default lifetimes (tokens 1 h, refresh tokens 24 h,
    /// codes 60 s, device codes 10 min polled every 5 s), a fresh key and the
    /// system clock.
    pub fn new(issuer_url: &str, users: Vec<(String, String)>, clients: Vec<Client>) -> Self {
        Self {
            issuer_url: issuer_url.to_owned(),
            users,
            clients,
            token_ttl: Duration::from_secs(3600),
            refresh_token_ttl: Duration::from_secs(24 * 3600),
            code_ttl: Duration::from_secs(60),
            device_code_ttl: Duration::from_secs(600),
            device_poll_interval: Duration::from_secs(5),
            signing_key: None,
            clock: Arc::new(SystemClock),
        }
    }

    /// Check the configuration and normalise the issuer URL (no trailing slash).
    pub(crate) fn validate(&mut self) -> Result<Url, OidcError> {
        let trimmed = self.issuer_url.trim_end_matches('/').to_owned();
        let url = Url::parse(&trimmed)
            .map_err(|e| OidcError::Config(format!("issuer URL {trimmed:?} is not a URL: {e}")))?;
        if !matches!(url.scheme(), "http" | "https")
            || url.query().is_some()
            || url.fragment().is_some()
        {
            return Err(OidcError::Config(format!(
                "issuer URL {trimmed:?} must be http(s) without query or fragment"
            )));
        }
        self.issuer_url = trimmed;
        for (i, client) in self.clients.iter().enumerate() {
            if client.id.is_empty() {
                return Err(OidcError::Config("a client has an empty id".into()));
            }
            if self.clients[..i].iter().any(|c| c.id == client.id) {
                return Err(OidcError::Config(format!(
                    "client {:?} is registered twice",
                    client.id
                )));
            }
            for uri in &client.redirect_uris {
                let parsed = Url::parse(uri).map_err(|e| {
                    OidcError::Config(format!(
                        "redirect URI {uri:?} of client {:?} is not a URL: {e}",
                        client.id
                    ))
                })?;
                if parsed.fragment().is_some() {
                    return Err(OidcError::Config(format!(
                        "redirect URI {uri:?} of client {:?} has a fragment",
                        client.id
                    )));
                }
            }
        }
        for (i, (user, _)) in self.users.iter().enumerate() {
            if user.is_empty() || self.users[..i].iter().any(|(u, _)| u == user) {
                return Err(OidcError::Config(format!(
                    "user {user:?} is empty or listed twice"
                )));
            }
        }
        if self.device_poll_interval.as_secs() == 0 {
            return Err(OidcError::Config(
                "device_poll_interval must be at least 1 s".into(),
            ));
        }
        Ok(url)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_redirects_may_use_any_port() {
        let c = Client::public(
            "cli",
            &["http://127.0.0.1/callback", "http://localhost:8000/cb"],
        );
        assert!(c.allows_redirect("http://127.0.0.1/callback"));
        assert!(c.allows_redirect("http://127.0.0.1:49152/callback"));
        assert!(c.allows_redirect("http://localhost:1234/cb"));
        assert!(!c.allows_redirect("http://127.0.0.1:49152/other"));
        assert!(!c.allows_redirect("http://localhost:1234/callback"));
        assert!(!c.allows_redirect("https://127.0.0.1:49152/callback"));
        assert!(!c.allows_redirect("http://127.0.0.1:49152/callback?x=1"));
        assert!(!c.allows_redirect("http://evil.example:49152/callback"));
        let web = Client::confidential("web", "s", &["https://app.example/cb"]);
        assert!(web.allows_redirect("https://app.example/cb"));
        assert!(!web.allows_redirect("https://app.example:444/cb"));
    }
}
