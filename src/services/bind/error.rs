//! Every way a bind can fail, each as one line that says what failed and what to do. The
//! cockpit's wizard shows the same text; the headless command prints it and exits 1.

use std::path::PathBuf;

/// Why logging in failed.
#[derive(Debug, PartialEq, thiserror::Error)]
pub enum AuthError {
    /// The issuer's discovery document could not be read.
    #[error(
        "cannot use the OIDC issuer {issuer}: {reason}; check that it runs and is reachable from here"
    )]
    Discovery {
        /// The issuer URL.
        issuer: String,
        /// Why.
        reason: String,
    },
    /// The issuer has no device authorization endpoint.
    #[error(
        "the OIDC issuer {0} does not offer the device flow; use --auth browser (or --auth token with a token from elsewhere)"
    )]
    NoDeviceFlow(String),
    /// The loopback receiver could not listen.
    #[error("cannot listen for the login callback on 127.0.0.1: {0}")]
    Listen(String),
    /// The callback's state is not the one sent.
    #[error(
        "the login callback carried the wrong state (forged, or from an older login); nothing was accepted — run bind again"
    )]
    StateMismatch,
    /// The issuer answered the login with an error.
    #[error(
        "the identity provider refused the login: {0}; run bind again, or log in as another user"
    )]
    Refused(String),
    /// The code or device code could not be exchanged.
    #[error("the identity provider did not hand out tokens: {0}; run bind again")]
    Exchange(String),
    /// The token answer had no ID token.
    #[error(
        "the identity provider answered without an ID token (is the openid scope allowed for this client?)"
    )]
    NoIdToken,
    /// The ID token did not verify.
    #[error("the ID token was refused: {0}; log in again (klutch-tui logout, then bind)")]
    IdToken(String),
    /// The backend's callback did not answer for this session.
    #[error("the binding response is not for this login: {0}; run bind again")]
    Response(String),
    /// Nothing arrived in time.
    #[error("no login arrived within {0} minutes; run bind again")]
    Timeout(u64),
    /// The token file could not be read.
    #[error("cannot read the ID token from {path}: {reason}")]
    TokenFile {
        /// The file (`-` for stdin).
        path: PathBuf,
        /// Why.
        reason: String,
    },
}

/// Why a bind failed.
#[derive(Debug, PartialEq, thiserror::Error)]
pub enum BindError {
    /// The URL is not usable.
    #[error(
        "{url:?} is not a klutch-bind backend URL ({reason}); pass its http(s) URL, e.g. the sandbox's bindUrl"
    )]
    InvalidUrl {
        /// What was given.
        url: String,
        /// Why not.
        reason: String,
    },
    /// Nothing answers at the URL.
    #[error(
        "cannot reach the klutch-bind backend at {url}: {reason}; check the URL and that the backend is running"
    )]
    Unreachable {
        /// The URL.
        url: String,
        /// The connection error.
        reason: String,
    },
    /// Something answers, but not as a backend.
    #[error(
        "{url} does not answer like a klutch-bind backend ({reason}); pass the backend's URL (its /export route)"
    )]
    NotABackend {
        /// The URL.
        url: String,
        /// What came back.
        reason: String,
    },
    /// The provider's version is too old.
    #[error(
        "the klutch-bind backend at {url} is version {found}, older than {minimum} that klutch-tui needs; ask its operator to upgrade it"
    )]
    VersionTooOld {
        /// The URL.
        url: String,
        /// Its version.
        found: String,
        /// Ours.
        minimum: String,
    },
    /// The provider offers no login we speak.
    #[error(
        "the klutch-bind backend at {0} offers no OAuth2 code grant login; it cannot be bound with this CLI"
    )]
    NoCodeGrant(String),
    /// The chosen login needs the headless extension.
    #[error(
        "the klutch-bind backend at {url} has no headless bind route (it is upstream's backend); --auth {auth} needs one — use --auth browser"
    )]
    NoHeadlessRoute {
        /// The URL.
        url: String,
        /// The login asked for.
        auth: &'static str,
    },
    /// Logging in failed.
    #[error(transparent)]
    Auth(#[from] AuthError),
    /// The backend refused the bind (or the token).
    #[error("the klutch-bind backend refused to bind: {0}")]
    Refused(String),
    /// An export name is not offered.
    #[error("the backend exports no {name:?}; it exports: {known}")]
    UnknownExport {
        /// The name given.
        name: String,
        /// What it exports.
        known: String,
    },
    /// Nothing was chosen.
    #[error("no export was chosen; pass --export NAME (it exports: {0})")]
    NothingChosen(String),
    /// The App Cluster (kubeconfig or API) failed.
    #[error("App Cluster: {0}")]
    AppCluster(String),
    /// The App Cluster user lacks a permission the bind needs.
    #[error(
        "App Cluster: your user may not {verb} {resource}{scope}, which {why} needs; ask a cluster admin for it{alternative}"
    )]
    Forbidden {
        /// The verb.
        verb: String,
        /// The resource.
        resource: String,
        /// ` in namespace N` or empty.
        scope: String,
        /// What needs it.
        why: String,
        /// `, or use …` or empty.
        alternative: String,
    },
    /// The Control Plane (through the handed-out kubeconfig) failed.
    #[error("Control Plane: {0}")]
    ControlPlane(String),
    /// The backend denied an export request.
    #[error(
        "the Control Plane denied export request {name}: {message}; ask the Control Plane's operator about that export"
    )]
    ExportDenied {
        /// The request.
        name: String,
        /// Its terminal message.
        message: String,
    },
    /// A binding of that name exists for another provider.
    #[error(
        "APIServiceBinding klutch-bind/{0} exists and is bound to another provider's kubeconfig; unbind it first (klutch-tui unbind {0})"
    )]
    ForeignBinding(String),
    /// Installing or starting the konnector failed.
    #[error("konnector: {0}")]
    Konnector(String),
    /// A step took too long.
    #[error("{step} did not finish within {seconds} s: {detail}")]
    Timeout {
        /// The step.
        step: &'static str,
        /// The limit.
        seconds: u64,
        /// What was still missing.
        detail: String,
    },
    /// Stopped by the user (Ctrl-C, a question left unanswered, the wizard closed).
    #[error("cancelled; nothing half-made was left behind")]
    Cancelled,
}

impl BindError {
    /// A permission failure as [`BindError::Forbidden`].
    pub fn forbidden(
        verb: &str,
        resource: &str,
        namespace: Option<&str>,
        why: &str,
        alternative: &str,
    ) -> BindError {
        BindError::Forbidden {
            verb: verb.to_owned(),
            resource: resource.to_owned(),
            scope: namespace
                .map(|n| format!(" in namespace {n}"))
                .unwrap_or_default(),
            why: why.to_owned(),
            alternative: alternative.to_owned(),
        }
    }
}

/// A kube error as one short line (the API server's message, not the whole Status).
pub fn kube_text(error: &kube::Error) -> String {
    match error {
        kube::Error::Api(status) => status.message.clone(),
        other => {
            let mut text = other.to_string();
            let mut source = std::error::Error::source(other);
            while let Some(s) = source {
                let line = s.to_string();
                if !text.contains(&line) {
                    text.push_str(": ");
                    text.push_str(&line);
                }
                source = s.source();
            }
            text
        }
    }
}
