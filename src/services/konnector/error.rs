//! The one error type of the konnector's reconcilers: what was being tried, on which object,
//! and the cause; with the CamelCase reason an operator sees in conditions and events.

use std::time::Duration;

/// A failed step of a reconcile; retried with backoff.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    /// A request failed.
    #[error("{what}: {source}")]
    Kube {
        /// What was being tried, naming the object and the cluster.
        what: String,
        /// The cause.
        #[source]
        source: kube::Error,
    },
    /// Something is not as the sync needs it (e.g. a claimed object of the same name that is
    /// not the provider's).
    #[error("{0}")]
    Refused(String),
}

impl SyncError {
    /// The reason shown in events: `Forbidden`, `Conflict`, `NotFound`, `Unreachable`, ….
    pub fn reason(&self) -> &'static str {
        match self {
            SyncError::Kube { source, .. } => reason_of(source),
            SyncError::Refused(_) => "Refused",
        }
    }

    /// How soon to try again: conflicts at once, the rest with a short pause (the
    /// controller's scheduler collapses repeats).
    pub fn retry_in(&self) -> Duration {
        match self.reason() {
            "Conflict" => Duration::from_millis(50),
            "Unreachable" => Duration::from_secs(2),
            _ => Duration::from_millis(500),
        }
    }
}

/// The reason of a kube error, as an operator reads it.
pub fn reason_of(error: &kube::Error) -> &'static str {
    match error {
        kube::Error::Api(s) if s.code == 403 => "Forbidden",
        kube::Error::Api(s) if s.code == 409 => "Conflict",
        kube::Error::Api(s) if s.code == 404 => "NotFound",
        kube::Error::Api(s) if s.code == 422 => "Invalid",
        kube::Error::Api(s) if s.code == 401 => "Unauthorized",
        kube::Error::Api(_) => "ApiError",
        _ => "Unreachable",
    }
}

/// `map_err` helper: a kube error while doing `what`.
pub fn kube_err(what: impl Into<String>) -> impl FnOnce(kube::Error) -> SyncError {
    let what = what.into();
    move |source| SyncError::Kube { what, source }
}

/// Whether an error is a 404.
pub fn is_not_found(error: &kube::Error) -> bool {
    matches!(error, kube::Error::Api(s) if s.code == 404)
}

/// Whether an error is a 409.
pub fn is_conflict(error: &kube::Error) -> bool {
    matches!(error, kube::Error::Api(s) if s.code == 409)
}
