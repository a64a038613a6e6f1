//! The walkthrough as a pure state machine: it says what to do next ([`Action`]), is told
//! what came of it ([`Outcome`]), and decides — which login, which exports, which Secret,
//! which bindings, what to put to the user, what to undo. It does no I/O, so every path
//! (the upstream browser grant, the headless logins, idempotent re-runs, failures and
//! their rollback) is tested without a cluster; [`super::runner`] does the I/O.

use klutch::bind::{
    BindingProvider, BindingResponse, ExportOffer, PermissionClaim, ProtectedResource,
};

use super::error::{AuthError, BindError};
use super::events::{Step, StepStatus};
use super::plan::{self, BackendUrls, BindingPlan};

pub use super::machine_types::{
    Action, AppFacts, AuthMode, BindPlan, KonnectorMode, Login, Made, NewBinding, Outcome, State,
    Summary,
};
use super::machine_types::{names, names_of, offers_of};

/// The walkthrough.
#[derive(Debug)]
pub struct Walkthrough {
    plan: BindPlan,
    state: State,
    urls: Option<BackendUrls>,
    provider: Option<BindingProvider>,
    metadata: Option<ProtectedResource>,
    authorize_url: String,
    app: AppFacts,
    who: String,
    offers: Vec<ExportOffer>,
    chosen: Vec<ExportOffer>,
    response: Option<BindingResponse>,
    secret: String,
    konnector: String,
    bindings: Vec<NewBinding>,
    claims_pending: Vec<(String, PermissionClaim)>,
    already_bound: Vec<String>,
    made: Vec<Made>,
    error: Option<BindError>,
}

/// The next action and the step changes to report before doing it.
#[derive(Debug)]
pub struct Next {
    /// Step changes, in order.
    pub events: Vec<(Step, StepStatus)>,
    /// What to do.
    pub action: Action,
}

impl Walkthrough {
    /// A walkthrough for `plan` and its first action.
    pub fn start(plan: BindPlan) -> (Walkthrough, Next) {
        let mut w = Walkthrough {
            plan,
            state: State::Start,
            urls: None,
            provider: None,
            metadata: None,
            authorize_url: String::new(),
            app: AppFacts::default(),
            who: String::new(),
            offers: Vec::new(),
            chosen: Vec::new(),
            response: None,
            secret: String::new(),
            konnector: String::new(),
            bindings: Vec::new(),
            claims_pending: Vec::new(),
            already_bound: Vec::new(),
            made: Vec::new(),
            error: None,
        };
        let next = match plan::backend_urls(&w.plan.url) {
            Ok(urls) => {
                w.urls = Some(urls.clone());
                w.go(
                    Vec::new(),
                    Step::DiscoverProvider,
                    Action::FetchProvider(urls),
                )
            }
            Err(e) => w.fail(Vec::new(), Step::DiscoverProvider, e),
        };
        (w, next)
    }

    /// Where it is.
    pub fn state(&self) -> &State {
        &self.state
    }

    /// What was made so far (undone on failure).
    pub fn made(&self) -> &[Made] {
        &self.made
    }

    fn go(&mut self, mut events: Vec<(Step, StepStatus)>, step: Step, action: Action) -> Next {
        if self.state != State::At(step) {
            events.push((step, StepStatus::Started));
        }
        self.state = State::At(step);
        Next { events, action }
    }

    /// Fail at `step`: roll back what was made, if anything.
    fn fail(&mut self, mut events: Vec<(Step, StepStatus)>, step: Step, error: BindError) -> Next {
        events.push((step, StepStatus::Failed(error.to_string())));
        if self.made.is_empty() {
            self.state = State::Failed;
            return Next {
                events,
                action: Action::Fail(error),
            };
        }
        self.error = Some(error);
        self.state = State::RollingBack;
        let mut undo = self.made.clone();
        undo.reverse();
        Next {
            events,
            action: Action::RollBack(undo),
        }
    }

    fn url(&self) -> String {
        self.urls
            .as_ref()
            .map_or_else(|| self.plan.url.clone(), |u| u.base.to_string())
    }

    /// Take the outcome of the last action and say what to do next.
    pub fn advance(&mut self, outcome: Outcome) -> Next {
        let step = match &self.state {
            State::At(step) => *step,
            State::RollingBack => {
                self.state = State::Failed;
                let error = self.error.take().unwrap_or(BindError::Cancelled);
                return Next {
                    events: Vec::new(),
                    action: Action::Fail(error),
                };
            }
            State::Start | State::Done | State::Failed => {
                return Next {
                    events: Vec::new(),
                    action: Action::Fail(BindError::Cancelled),
                };
            }
        };
        if let Outcome::Failed(error) = outcome {
            return self.fail(Vec::new(), step, error);
        }
        match self.on(step, outcome) {
            Ok(next) => next,
            Err(stopped) => {
                let (step, error) = *stopped;
                self.fail(Vec::new(), step, error)
            }
        }
    }

    fn on(&mut self, step: Step, outcome: Outcome) -> Result<Next, Stop> {
        let done = |s: Step, text: String| (s, StepStatus::Done(text));
        match (step, outcome) {
            (Step::DiscoverProvider, Outcome::Provider(provider, metadata)) => {
                let url = self.url();
                let mut events = vec![done(
                    Step::DiscoverProvider,
                    format!("{} {}", provider.provider_pretty_name, provider.version),
                )];
                events.push((Step::CheckVersion, StepStatus::Started));
                let authorize = plan::check_provider(&provider, &url)
                    .map_err(|e| stop(Step::CheckVersion, e))?;
                let headless = if metadata.is_some() {
                    "with the headless routes"
                } else {
                    "browser login only"
                };
                events.push(done(
                    Step::CheckVersion,
                    format!("{} ({headless})", provider.version),
                ));
                if matches!(self.plan.auth, AuthMode::Device | AuthMode::Token)
                    && metadata.is_none()
                {
                    return Err(stop(
                        Step::CheckVersion,
                        BindError::NoHeadlessRoute {
                            url,
                            auth: self.plan.auth.name(),
                        },
                    ));
                }
                self.authorize_url = authorize;
                self.provider = Some(provider);
                self.metadata = metadata;
                Ok(self.go(events, Step::CheckAppCluster, Action::InspectApp))
            }
            (Step::CheckAppCluster, Outcome::App(app)) => {
                if app.namespace_created {
                    self.made.push(Made::Namespace(
                        klutch::bind::names::KONNECTOR_NAMESPACE.into(),
                    ));
                }
                let events = vec![done(
                    Step::CheckAppCluster,
                    format!(
                        "cluster id {}, {} binding(s) in {}",
                        app.cluster_id,
                        app.bindings.len(),
                        klutch::bind::names::KONNECTOR_NAMESPACE
                    ),
                )];
                let login = self.login(&app.cluster_id);
                self.app = app;
                Ok(self.go(events, Step::Authenticate, Action::Authenticate(login)))
            }
            (Step::Authenticate, Outcome::LoggedIn { who, how }) => {
                let events = vec![done(Step::Authenticate, format!("{who} ({how})"))];
                self.who = who;
                Ok(self.go(events, Step::ChooseExports, Action::ListExports))
            }
            (Step::Authenticate, Outcome::Response(response)) => {
                let mut events = vec![done(
                    Step::Authenticate,
                    "logged in at the backend's page".into(),
                )];
                self.chosen = offers_of(&response);
                events.push((
                    Step::ChooseExports,
                    StepStatus::Done(format!("{} (in the browser)", names(&self.chosen))),
                ));
                if !self.plan.exports.is_empty() {
                    let wanted = plan::resolve_exports(&self.chosen, &self.plan.exports)
                        .map_err(|e| stop(Step::ChooseExports, e))?;
                    if wanted.len() != self.chosen.len() {
                        return Err(stop(
                            Step::ChooseExports,
                            BindError::UnknownExport {
                                name: self.plan.exports.join(", "),
                                known: format!("{} was chosen in the browser", names(&self.chosen)),
                            },
                        ));
                    }
                }
                events.push((
                    Step::RequestAccess,
                    StepStatus::Done("the backend answered the browser".into()),
                ));
                self.accept_response(events, response)
            }
            (Step::ChooseExports, Outcome::Offers(offers)) => {
                self.offers = offers;
                if self.plan.exports.is_empty() {
                    let offers = self.offers.clone();
                    return Ok(self.go(
                        Vec::new(),
                        Step::ChooseExports,
                        Action::AskExports(offers),
                    ));
                }
                let names = self.plan.exports.clone();
                self.chose(&names)
            }
            (Step::ChooseExports, Outcome::Chosen(chosen)) => self.chose(&chosen),
            (Step::RequestAccess, Outcome::Response(response)) => {
                let events = vec![done(
                    Step::RequestAccess,
                    format!("{} request(s) handed out", response.requests.len()),
                )];
                self.accept_response(events, response)
            }
            (Step::CreateExportRequests, Outcome::RequestsCreated { made, existing }) => {
                let created: Vec<String> = made
                    .iter()
                    .filter_map(|m| match m {
                        Made::ExportRequest { name, .. } => Some(name.clone()),
                        _ => None,
                    })
                    .collect();
                self.made.extend(made);
                let mut text = Vec::new();
                if !created.is_empty() {
                    text.push(format!("created {}", created.join(", ")));
                }
                if !existing.is_empty() {
                    text.push(format!("already exported: {}", existing.join(", ")));
                }
                let events = vec![done(Step::CreateExportRequests, text.join("; "))];
                if created.is_empty() {
                    let events = [
                        events,
                        vec![(
                            Step::WaitForExports,
                            StepStatus::Skipped("nothing new".into()),
                        )],
                    ]
                    .concat();
                    return Ok(self.store_kubeconfig(events));
                }
                Ok(self.go(
                    events,
                    Step::WaitForExports,
                    Action::WaitForExports(created),
                ))
            }
            (Step::WaitForExports, Outcome::ExportsReady) => {
                let events = vec![done(Step::WaitForExports, names(&self.chosen))];
                Ok(self.store_kubeconfig(events))
            }
            (Step::StoreKubeconfig, Outcome::SecretStored(name, created)) => {
                let ns = klutch::bind::names::KONNECTOR_NAMESPACE;
                let text = if created {
                    self.made.push(Made::Secret(name.clone()));
                    format!("created {ns}/{name}")
                } else {
                    format!("updated {ns}/{name}")
                };
                self.secret = name;
                let events = vec![done(Step::StoreKubeconfig, text)];
                let action = Action::Konnector(self.plan.konnector.clone(), self.chosen.clone());
                Ok(self.go(events, Step::Konnector, action))
            }
            (Step::Konnector, Outcome::KonnectorReady(made, text)) => {
                self.made.extend(made);
                self.konnector = text.clone();
                let events = vec![done(Step::Konnector, text)];
                self.plan_bindings(events)
            }
            (Step::CreateBindings, Outcome::ClaimAnswered(accepted)) => {
                if let Some((binding, claim)) = self.claims_pending.first().cloned() {
                    self.claims_pending.remove(0);
                    if claim.required == Some(true) && !accepted {
                        return Err(stop(
                            Step::CreateBindings,
                            BindError::Refused(format!(
                                "{binding} requires access to {} that was declined; accept it to bind",
                                claim.resource
                            )),
                        ));
                    }
                    if let Some(b) = self.bindings.iter_mut().find(|b| b.name == binding) {
                        b.claims.push((claim, accepted));
                    }
                }
                Ok(self.next_claim(Vec::new()))
            }
            (Step::CreateBindings, Outcome::BindingsCreated(made)) => {
                let created = names_of(&made);
                self.made.extend(made);
                let mut text = Vec::new();
                if !created.is_empty() {
                    text.push(format!("created {}", created.join(", ")));
                }
                if !self.already_bound.is_empty() {
                    text.push(format!("already bound: {}", self.already_bound.join(", ")));
                }
                let events = vec![done(Step::CreateBindings, text.join("; "))];
                if self.plan.konnector == KonnectorMode::None {
                    let events = [
                        events,
                        vec![(
                            Step::WaitUntilBound,
                            StepStatus::Skipped(
                                "no konnector started here; the one that runs connects them".into(),
                            ),
                        )],
                    ]
                    .concat();
                    return Ok(self.finish(events));
                }
                let all: Vec<String> = self.chosen.iter().map(ExportOffer::name).collect();
                Ok(self.go(events, Step::WaitUntilBound, Action::WaitBound(all)))
            }
            (Step::WaitUntilBound, Outcome::Bound) => {
                let events = vec![done(Step::WaitUntilBound, names(&self.chosen))];
                Ok(self.finish(events))
            }
            (step, other) => Err(stop(
                step,
                BindError::AppCluster(format!(
                    "internal error: {other:?} does not answer step {}",
                    step.title()
                )),
            )),
        }
    }

    /// The login for this backend and `--auth`.
    fn login(&self, cluster_id: &str) -> Login {
        let code_grant = Login::CodeGrant {
            authorize_url: self.authorize_url.clone(),
            cluster_id: cluster_id.to_owned(),
        };
        match (&self.metadata, self.plan.auth) {
            (_, AuthMode::CodeGrant) | (None, _) => code_grant,
            (Some(meta), mode) => match meta.authorization_servers.first() {
                Some(issuer) => Login::Headless {
                    issuer: issuer.clone(),
                    client_id: meta
                        .client_ids
                        .first()
                        .cloned()
                        .unwrap_or_else(|| DEFAULT_CLIENT_ID.to_owned()),
                    mode,
                },
                None => code_grant,
            },
        }
    }

    fn chose(&mut self, wanted: &[String]) -> Result<Next, Stop> {
        let chosen = plan::resolve_exports(&self.offers, wanted)
            .map_err(|e| stop(Step::ChooseExports, e))?;
        let events = vec![(Step::ChooseExports, StepStatus::Done(names(&chosen)))];
        self.chosen = chosen.clone();
        Ok(self.go(events, Step::RequestAccess, Action::RequestAccess(chosen)))
    }

    /// Check a BindingResponse (as upstream's CLI does) and create its requests.
    fn accept_response(
        &mut self,
        events: Vec<(Step, StepStatus)>,
        response: BindingResponse,
    ) -> Result<Next, Stop> {
        let bad = |m: String| stop(Step::RequestAccess, BindError::Auth(AuthError::Response(m)));
        for request in &response.requests {
            request.check_type().map_err(|e| bad(e.to_string()))?;
        }
        if response.requests.is_empty() {
            return Err(bad("it holds no export request".into()));
        }
        if plan::kubeconfig_target(&response.kubeconfig).is_none() {
            return Err(bad("its kubeconfig has no server or context".into()));
        }
        let requests = response.requests.clone();
        self.response = Some(response);
        Ok(self.go(
            events,
            Step::CreateExportRequests,
            Action::CreateRequests(requests),
        ))
    }

    fn store_kubeconfig(&mut self, events: Vec<(Step, StepStatus)>) -> Next {
        let target = self
            .response
            .as_ref()
            .and_then(|r| plan::kubeconfig_target(&r.kubeconfig))
            .unwrap_or_default();
        let reuse = plan::reusable_secret(&self.app.secrets, &target);
        self.go(
            events,
            Step::StoreKubeconfig,
            Action::StoreKubeconfig(reuse),
        )
    }

    fn plan_bindings(&mut self, events: Vec<(Step, StepStatus)>) -> Result<Next, Stop> {
        self.bindings.clear();
        self.claims_pending.clear();
        self.already_bound.clear();
        let requests = self
            .response
            .as_ref()
            .map(|r| r.requests.clone())
            .unwrap_or_default();
        for offer in &self.chosen {
            let name = offer.name();
            let existing = self
                .app
                .bindings
                .iter()
                .find(|b| b.metadata.name.as_deref() == Some(name.as_str()));
            match plan::plan_binding(&name, existing, &self.secret)
                .map_err(|e| stop(Step::CreateBindings, e))?
            {
                BindingPlan::AlreadyBound => self.already_bound.push(name),
                BindingPlan::Create => {
                    // The claims the backend put in the request (upstream prompts for those).
                    let claims: Vec<PermissionClaim> = requests
                        .iter()
                        .flat_map(|r| r.spec.resources.iter())
                        .filter(|r| r.crd_name() == name)
                        .flat_map(|r| r.permission_claims.clone().unwrap_or_default())
                        .collect();
                    for claim in claims {
                        self.claims_pending.push((name.clone(), claim));
                    }
                    self.bindings.push(NewBinding {
                        name,
                        secret: self.secret.clone(),
                        claims: Vec::new(),
                    });
                }
            }
        }
        let mut events = events;
        events.push((Step::CreateBindings, StepStatus::Started));
        self.state = State::At(Step::CreateBindings);
        Ok(self.next_claim(events))
    }

    fn next_claim(&mut self, events: Vec<(Step, StepStatus)>) -> Next {
        match self.claims_pending.first().cloned() {
            Some((binding, claim)) if !self.plan.assume_yes => Next {
                events,
                action: Action::AskClaim {
                    binding,
                    text: plan::claim_prompt(&claim),
                    claim: Box::new(claim),
                },
            },
            Some(_) => {
                // --yes accepts every claim.
                for (binding, claim) in std::mem::take(&mut self.claims_pending) {
                    if let Some(b) = self.bindings.iter_mut().find(|b| b.name == binding) {
                        b.claims.push((claim, true));
                    }
                }
                self.next_claim(events)
            }
            None => Next {
                events,
                action: Action::CreateBindings(self.bindings.clone()),
            },
        }
    }

    fn finish(&mut self, events: Vec<(Step, StepStatus)>) -> Next {
        self.state = State::Done;
        let cluster_namespace = self
            .response
            .as_ref()
            .and_then(|r| plan::kubeconfig_target(&r.kubeconfig))
            .map(|(_, ns)| ns)
            .unwrap_or_default();
        let created: Vec<String> = self.bindings.iter().map(|b| b.name.clone()).collect();
        Next {
            events,
            action: Action::Finish(Summary {
                provider: self
                    .provider
                    .as_ref()
                    .map(|p| p.provider_pretty_name.clone())
                    .unwrap_or_default(),
                url: self.url(),
                who: self.who.clone(),
                cluster_namespace,
                secret: self.secret.clone(),
                created,
                already_bound: self.already_bound.clone(),
                konnector: self.konnector.clone(),
            }),
        }
    }

    /// The response the backend handed out (kubeconfig and requests).
    pub fn response(&self) -> Option<&BindingResponse> {
        self.response.as_ref()
    }
}

/// Where the walkthrough stopped, and why (boxed: errors are large, steps are many).
type Stop = Box<(Step, BindError)>;

fn stop(step: Step, error: BindError) -> Stop {
    Box::new((step, error))
}

/// The client id a CLI logs in as when the backend does not name one.
pub const DEFAULT_CLIENT_ID: &str = "klutch-tui";
