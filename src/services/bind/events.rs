//! What the walkthrough tells whoever drives it (the headless `bind` command, the cockpit's
//! wizard): each step as it starts and ends, what to show for a login, and the questions
//! only a person can answer. Questions carry their own reply channel, so the same runner
//! serves stdin prompts and a TUI dialog; a question dropped unanswered cancels the bind.

use klutch::bind::{ExportOffer, PermissionClaim};
use tokio::sync::oneshot;

/// The steps of a bind, in the order they run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Step {
    /// `GET <url>`: the backend's BindingProvider.
    DiscoverProvider,
    /// The provider's type and version are ones we speak.
    CheckVersion,
    /// The App Cluster: the `klutch-bind` namespace, its cluster id, what we may do there.
    CheckAppCluster,
    /// Logging in (cached token, refresh, browser, device code or token file).
    Authenticate,
    /// Which exports to bind.
    ChooseExports,
    /// The backend makes (or finds) the cluster namespace and hands out its kubeconfig.
    RequestAccess,
    /// APIServiceExportRequests in the cluster namespace on the Control Plane.
    CreateExportRequests,
    /// The backend turns them into APIServiceExports.
    WaitForExports,
    /// The kubeconfig Secret in `klutch-bind` in the App Cluster.
    StoreKubeconfig,
    /// Install the konnector, start the local loop, or leave it.
    Konnector,
    /// One APIServiceBinding per export (permission claims answered).
    CreateBindings,
    /// The konnector has connected each binding.
    WaitUntilBound,
}

impl Step {
    /// Every step in order.
    pub const ALL: [Step; 12] = [
        Step::DiscoverProvider,
        Step::CheckVersion,
        Step::CheckAppCluster,
        Step::Authenticate,
        Step::ChooseExports,
        Step::RequestAccess,
        Step::CreateExportRequests,
        Step::WaitForExports,
        Step::StoreKubeconfig,
        Step::Konnector,
        Step::CreateBindings,
        Step::WaitUntilBound,
    ];

    /// A short title for progress lines and the wizard.
    pub fn title(self) -> &'static str {
        match self {
            Step::DiscoverProvider => "discover the provider",
            Step::CheckVersion => "check its version",
            Step::CheckAppCluster => "check the App Cluster",
            Step::Authenticate => "log in",
            Step::ChooseExports => "choose exports",
            Step::RequestAccess => "request access",
            Step::CreateExportRequests => "create export requests",
            Step::WaitForExports => "wait for the exports",
            Step::StoreKubeconfig => "store the kubeconfig Secret",
            Step::Konnector => "konnector",
            Step::CreateBindings => "create APIServiceBindings",
            Step::WaitUntilBound => "wait until bound",
        }
    }
}

/// How a step is going.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StepStatus {
    /// It began.
    Started,
    /// Something worth saying while it runs.
    Progress(String),
    /// It ended well; what it did.
    Done(String),
    /// Nothing to do; why.
    Skipped(String),
    /// It failed; the error's message.
    Failed(String),
}

/// What a login asks the user to do (shown; nothing to answer but "shown").
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LoginPrompt {
    /// Open this URL in a browser (here, or on another device by its QR code).
    Browser {
        /// The URL.
        url: String,
        /// The URL as a QR code of Unicode half blocks, one line per row.
        qr: String,
    },
    /// Enter `user_code` at `verification_uri` on any device.
    Device {
        /// Where to enter the code.
        verification_uri: String,
        /// The code.
        user_code: String,
        /// The URL with the code filled in, if the issuer gave one.
        verification_uri_complete: Option<String>,
        /// QR code of the complete URL (else of the verification URI).
        qr: String,
        /// Seconds until the code expires.
        expires_in: u64,
    },
}

/// The answer channel of a question.
#[derive(Debug)]
pub struct Reply<T>(oneshot::Sender<T>);

impl<T> Reply<T> {
    /// A reply and the receiver the runner waits on.
    pub fn channel() -> (Reply<T>, oneshot::Receiver<T>) {
        let (tx, rx) = oneshot::channel();
        (Reply(tx), rx)
    }

    /// Answer (ignored when the bind has gone away).
    pub fn answer(self, value: T) {
        let _ = self.0.send(value);
    }
}

/// Something only the user can decide.
#[derive(Debug)]
pub enum Question {
    /// Show a login prompt; answer once it is shown (the device flow starts polling then).
    ShowLogin {
        /// What to show.
        prompt: LoginPrompt,
        /// Answer `()` when shown.
        reply: Reply<()>,
    },
    /// Which of these exports to bind (answer with their names, `<resource>.<group>`).
    ChooseExports {
        /// What the backend exports.
        offered: Vec<ExportOffer>,
        /// The chosen names.
        reply: Reply<Vec<String>>,
    },
    /// Accept this permission claim of a binding? (upstream's wording in `text`)
    AcceptClaim {
        /// The binding, `<resource>.<group>`.
        binding: String,
        /// The claim.
        claim: Box<PermissionClaim>,
        /// The prompt as upstream's CLI words it, ending in `[No,Yes]`.
        text: String,
        /// `true` to accept.
        reply: Reply<bool>,
    },
}

/// One thing the walkthrough tells its driver.
#[derive(Debug)]
pub enum BindEvent {
    /// A step changed.
    Step(Step, StepStatus),
    /// A question to answer.
    Question(Question),
    /// After a failure: what was removed again (`kind namespace/name`).
    RolledBack(Vec<String>),
}
