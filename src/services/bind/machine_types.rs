//! The words of the walkthrough's state machine ([`super::machine`]): what it is given (a
//! [`BindPlan`], the App Cluster's [`AppFacts`], each [`Outcome`]), what it asks to have done
//! ([`Action`]), what it made and must undo ([`Made`]), and what it reports ([`Summary`]).

use klutch::bind::{
    APIServiceBinding, APIServiceExportRequestResponse, BindingProvider, BindingResponse,
    ExportOffer, PermissionClaim, ProtectedResource,
};

use super::error::BindError;
use super::events::Step;
use super::plan::{BackendUrls, KubeconfigSecret};

/// How to log in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AuthMode {
    /// Our own code flow with PKCE in a browser when the backend has the headless routes,
    /// else the backend's own code grant (upstream's).
    Browser,
    /// Always the backend's code grant: log in and choose the export on its page.
    CodeGrant,
    /// The device flow (RFC 8628): a code to enter on any device.
    Device,
    /// An ID token obtained elsewhere (`--token-file`).
    Token,
}

impl AuthMode {
    /// The `--auth` value.
    pub fn name(self) -> &'static str {
        match self {
            AuthMode::Browser => "browser",
            AuthMode::CodeGrant => "code-grant",
            AuthMode::Device => "device",
            AuthMode::Token => "token",
        }
    }
}

/// What happens to the konnector.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KonnectorMode {
    /// Install it into the App Cluster (this image, or the default).
    Install(Option<String>),
    /// Run the sync loop in this process.
    Local,
    /// Leave it to `klutch-tui konnector` or an installed one.
    None,
}

/// What the user asked for.
#[derive(Clone, Debug)]
pub struct BindPlan {
    /// The backend's URL as given.
    pub url: String,
    /// The login.
    pub auth: AuthMode,
    /// The konnector.
    pub konnector: KonnectorMode,
    /// `--export` names; empty: ask.
    pub exports: Vec<String>,
    /// Accept every permission claim without asking (`--yes`).
    pub assume_yes: bool,
}

/// How the walkthrough logs in, once it knows the backend.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Login {
    /// At the backend's issuer as one of its public clients, then the headless routes.
    Headless {
        /// The issuer.
        issuer: String,
        /// Our client id there.
        client_id: String,
        /// Browser, device or token file.
        mode: AuthMode,
    },
    /// Upstream's code grant through the backend's `/authorize`.
    CodeGrant {
        /// The backend's `/authorize` URL.
        authorize_url: String,
        /// The App Cluster's id.
        cluster_id: String,
    },
}

/// What the App Cluster holds that matters to a bind.
#[derive(Clone, Debug, Default)]
pub struct AppFacts {
    /// The cluster id from the `klutch-bind` namespace's UID.
    pub cluster_id: String,
    /// Whether the `klutch-bind` namespace was made just now (undone on failure).
    pub namespace_created: bool,
    /// The kubeconfig Secrets in `klutch-bind`.
    pub secrets: Vec<KubeconfigSecret>,
    /// The APIServiceBindings in `klutch-bind`.
    pub bindings: Vec<APIServiceBinding>,
}

/// Something the bind made, undone in reverse order when it fails.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Made {
    /// The `klutch-bind` namespace in the App Cluster.
    Namespace(String),
    /// An export request in the cluster namespace on the Control Plane.
    ExportRequest {
        /// The cluster namespace.
        namespace: String,
        /// Its name.
        name: String,
    },
    /// The kubeconfig Secret in `klutch-bind`.
    Secret(String),
    /// An APIServiceBinding in `klutch-bind`.
    Binding(String),
    /// An object of the konnector's install (`apiVersion`, kind, namespace, name).
    Object {
        /// `apiVersion`.
        api_version: String,
        /// Kind.
        kind: String,
        /// Namespace, if namespaced.
        namespace: Option<String>,
        /// Name.
        name: String,
    },
}

/// One APIServiceBinding to create.
#[derive(Clone, Debug, PartialEq)]
pub struct NewBinding {
    /// `<resource>.<group>`.
    pub name: String,
    /// The kubeconfig Secret in `klutch-bind`.
    pub secret: String,
    /// The claims with the user's decision (`true`: accepted).
    pub claims: Vec<(PermissionClaim, bool)>,
}

/// The next thing to do.
#[derive(Debug, PartialEq)]
pub enum Action {
    /// `GET` the BindingProvider and the (optional) protected-resource metadata.
    FetchProvider(BackendUrls),
    /// Ensure `klutch-bind`, read the cluster id, Secrets and bindings, check permissions.
    InspectApp,
    /// Log in.
    Authenticate(Login),
    /// List the exports (headless route).
    ListExports,
    /// Ask which exports to bind.
    AskExports(Vec<ExportOffer>),
    /// `POST /bind/token` for these exports.
    RequestAccess(Vec<ExportOffer>),
    /// Create these requests in the cluster namespace (skipping exports that exist).
    CreateRequests(Vec<APIServiceExportRequestResponse>),
    /// Wait until these requests succeeded (or their exports exist).
    WaitForExports(Vec<String>),
    /// Store the kubeconfig, updating this Secret or creating one.
    StoreKubeconfig(Option<String>),
    /// Install, start or leave the konnector for these exports.
    Konnector(KonnectorMode, Vec<ExportOffer>),
    /// Put a permission claim to the user.
    AskClaim {
        /// The binding it belongs to.
        binding: String,
        /// The claim.
        claim: Box<PermissionClaim>,
        /// Upstream's wording.
        text: String,
    },
    /// Create these bindings.
    CreateBindings(Vec<NewBinding>),
    /// Wait until these bindings are Ready.
    WaitBound(Vec<String>),
    /// Undo these, newest first; then fail.
    RollBack(Vec<Made>),
    /// Finished well.
    Finish(Summary),
    /// Finished badly (after any rollback).
    Fail(BindError),
}

/// What came of an action.
#[derive(Debug)]
pub enum Outcome {
    /// The provider, and the headless metadata if the backend has it.
    Provider(BindingProvider, Option<ProtectedResource>),
    /// The App Cluster.
    App(AppFacts),
    /// Logged in headless-ly; who, and how (`"cached token"`, `"device flow"`, …).
    LoggedIn {
        /// Who (e.g. `developer` at the issuer).
        who: String,
        /// How.
        how: String,
    },
    /// The backend's code grant delivered the response (login and choice in the browser).
    Response(BindingResponse),
    /// The exports on offer.
    Offers(Vec<ExportOffer>),
    /// The names the user chose.
    Chosen(Vec<String>),
    /// The requests created (made) and those whose export already existed.
    RequestsCreated {
        /// Created now.
        made: Vec<Made>,
        /// Already exported.
        existing: Vec<String>,
    },
    /// Every export is there.
    ExportsReady,
    /// The Secret's name; `true` if created now.
    SecretStored(String, bool),
    /// The konnector is installed or running (what was made, what to say).
    KonnectorReady(Vec<Made>, String),
    /// The user's answer to the last claim.
    ClaimAnswered(bool),
    /// The bindings created.
    BindingsCreated(Vec<Made>),
    /// Every binding is Ready.
    Bound,
    /// The rollback is done (what it removed, what it could not).
    RolledBack,
    /// The action failed.
    Failed(BindError),
}

/// What a finished bind did.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Summary {
    /// The provider's pretty name.
    pub provider: String,
    /// The backend URL.
    pub url: String,
    /// Who logged in (empty for the code grant: the backend knows).
    pub who: String,
    /// The cluster namespace on the Control Plane.
    pub cluster_namespace: String,
    /// The kubeconfig Secret in `klutch-bind`.
    pub secret: String,
    /// Bindings created now.
    pub created: Vec<String>,
    /// Bindings that were there already.
    pub already_bound: Vec<String>,
    /// What the konnector step did.
    pub konnector: String,
}

/// Where the machine is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum State {
    /// Not started.
    Start,
    /// Waiting for the outcome of this step's action.
    At(Step),
    /// Undoing what was made.
    RollingBack,
    /// Finished well.
    Done,
    /// Finished badly.
    Failed,
}

/// The exports a response's requests name.
pub(super) fn offers_of(response: &BindingResponse) -> Vec<ExportOffer> {
    response
        .requests
        .iter()
        .flat_map(|r| r.spec.resources.iter())
        .map(|r| ExportOffer {
            group: r.group.clone(),
            resource: r.resource.clone(),
            permission_claims: r.permission_claims.clone().unwrap_or_default(),
            ..ExportOffer::default()
        })
        .collect()
}

/// The exports' names, for a message.
pub(super) fn names(offers: &[ExportOffer]) -> String {
    offers
        .iter()
        .map(ExportOffer::name)
        .collect::<Vec<_>>()
        .join(", ")
}

/// The bindings among what was made.
pub(super) fn names_of(made: &[Made]) -> Vec<String> {
    made.iter()
        .filter_map(|m| match m {
            Made::Binding(name) => Some(name.clone()),
            _ => None,
        })
        .collect()
}
