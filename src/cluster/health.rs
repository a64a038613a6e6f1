//! Per-cluster connection facts the header shows: where it points, whether it answers
//! (with backoff and the last error when not), what the user may not read, who the user
//! is, the API round-trip time and which Klutch kinds it serves.

use jiff::Timestamp;
use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

/// Something fetched once per connection: loading, there, or failed with a reason.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub enum Fetch<T> {
    /// Not known yet.
    #[default]
    Loading,
    /// Known.
    Loaded(T),
    /// Could not be fetched; the reason.
    Failed(String),
}

/// Who the cluster says we are (SelfSubjectReview).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UserInfo {
    /// User name.
    pub username: String,
    /// Groups.
    pub groups: Vec<String>,
}

/// Whether the API server answers.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub enum Link {
    /// Before the first answer.
    #[default]
    Connecting,
    /// The last heartbeat was answered.
    Up,
    /// The last attempt failed; retrying with backoff.
    Down {
        /// When the link went down.
        since: Timestamp,
        /// How many attempts have failed in a row.
        attempts: u32,
        /// The last error, as a person can read it.
        last_error: String,
        /// The wait before the next attempt.
        retry_in: Duration,
    },
}

/// What the header shows for a cluster, derived from [`ClusterState`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Health {
    /// No context given for this cluster.
    NotConfigured,
    /// Before the first answer.
    Connecting,
    /// Answers, and every watch is allowed.
    Connected,
    /// Answers, but some resources may not be watched (named in the text).
    Forbidden(String),
    /// Answers, but refuses our credentials (401); the reason.
    Unauthorized(String),
    /// Does not answer; retrying.
    Reconnecting {
        /// Attempts failed in a row.
        attempts: u32,
        /// The last error.
        last_error: String,
        /// The wait before the next attempt.
        retry_in: Duration,
    },
}

/// The store's record of one cluster.
#[derive(Clone, Debug, Default)]
pub struct ClusterState {
    /// Kubeconfig context, or `None` when this cluster is not configured.
    pub context: Option<String>,
    /// API server URL.
    pub server: String,
    /// Whether it answers.
    pub link: Link,
    /// Last measured API round-trip time.
    pub rtt: Option<Duration>,
    /// Who we are.
    pub user: Fetch<UserInfo>,
    /// Klutch kinds the cluster serves (`Kind.group`).
    pub kinds: BTreeSet<String>,
    /// Resources the user may not list/watch → the server's message.
    pub forbidden: BTreeMap<String, String>,
    /// Why the server refused our credentials (401), while it does.
    pub unauthorized: Option<String>,
}

impl ClusterState {
    /// A configured cluster about to be connected.
    pub fn configured(context: &str, server: &str) -> ClusterState {
        ClusterState {
            context: Some(context.to_string()),
            server: server.to_string(),
            ..ClusterState::default()
        }
    }

    /// Whether what the store holds from this cluster may be out of date: it does not answer
    /// or refuses us, so its watches are not running.
    pub fn is_stale(&self) -> bool {
        matches!(
            self.health(),
            Health::Reconnecting { .. } | Health::Unauthorized(_)
        )
    }

    /// The health the header shows.
    pub fn health(&self) -> Health {
        if self.context.is_none() {
            return Health::NotConfigured;
        }
        match &self.link {
            Link::Connecting => Health::Connecting,
            Link::Down {
                attempts,
                last_error,
                retry_in,
                ..
            } => Health::Reconnecting {
                attempts: *attempts,
                last_error: last_error.clone(),
                retry_in: *retry_in,
            },
            Link::Up if self.unauthorized.is_some() => {
                Health::Unauthorized(self.unauthorized.clone().unwrap_or_default())
            }
            Link::Up if self.forbidden.is_empty() => Health::Connected,
            Link::Up => {
                let names: Vec<&str> = self.forbidden.keys().map(String::as_str).collect();
                Health::Forbidden(format!("may not watch {}", names.join(", ")))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn health_follows_link_and_forbidden() {
        let mut c = ClusterState::default();
        assert_eq!(c.health(), Health::NotConfigured);
        c = ClusterState::configured("ctx", "https://x");
        assert_eq!(c.health(), Health::Connecting);
        c.link = Link::Up;
        assert_eq!(c.health(), Health::Connected);
        c.forbidden
            .insert("restores".into(), "restores is forbidden".into());
        c.forbidden
            .insert("backups".into(), "backups is forbidden".into());
        let expected = Health::Forbidden("may not watch backups, restores".into());
        assert_eq!(c.health(), expected);
        assert!(!c.is_stale());
        c.unauthorized = Some("Unauthorized".into());
        assert_eq!(c.health(), Health::Unauthorized("Unauthorized".into()));
        assert!(c.is_stale());
        c.link = Link::Down {
            since: Timestamp::UNIX_EPOCH,
            attempts: 2,
            last_error: "connection refused".into(),
            retry_in: Duration::from_secs(2),
        };
        assert!(matches!(
            c.health(),
            Health::Reconnecting { attempts: 2, .. }
        ));
    }
}
