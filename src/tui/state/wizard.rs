//! The bind wizard's state: the walkthrough's steps as they go, and the page that waits for
//! the person — the login to do (URL and QR code, or the device code), the exports to choose,
//! a permission claim to accept or reject — then the outcome. Opened with `B` or
//! `:bind [URL] [device] [install]`; Esc cancels the bind (the service removes what it made)
//! and closes the wizard once it has stopped.

use super::{Access, AppState, Mode};
use crate::cluster::Level;
use crate::services::Effect;
use crate::services::bind::{AuthMode, LoginPrompt, Step, StepStatus};
use crate::services::wizard::{BindRequest, Offer, WizardEvent};
use crossterm::event::{KeyCode, KeyEvent};

/// What the wizard shows below (or beside) the steps.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Page {
    /// The walkthrough works; nothing to decide.
    Working,
    /// Log in there.
    Login(LoginPrompt),
    /// Which exports to bind.
    Exports {
        /// What is on offer.
        offers: Vec<Offer>,
        /// Whether each is chosen.
        chosen: Vec<bool>,
        /// The row under the cursor.
        cursor: usize,
    },
    /// Accept this permission claim?
    Claim {
        /// The binding it belongs to.
        binding: String,
        /// Upstream's wording.
        text: String,
    },
    /// Bound; what and where.
    Bound(Vec<String>),
    /// It failed (or was cancelled) at `step`.
    Failed {
        /// Where.
        step: Option<Step>,
        /// Why, and what to do.
        message: String,
    },
}

/// The open wizard.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Wizard {
    /// The request its events name.
    pub id: crate::services::RequestId,
    /// The backend as given (`the sandbox's backend` without a URL).
    pub target: String,
    /// Each step's last status, in order (`None`: not begun).
    pub steps: Vec<(Step, Option<StepStatus>)>,
    /// The page.
    pub page: Page,
    /// Esc was pressed while it ran: waiting for the bind to stop.
    pub cancelling: bool,
    /// What a failed bind removed again.
    pub removed: Option<Vec<String>>,
}

impl Wizard {
    /// Whether the bind has ended (bound or failed).
    pub fn ended(&self) -> bool {
        matches!(self.page, Page::Bound(_) | Page::Failed { .. })
    }

    /// The step running now, if any.
    pub fn current(&self) -> Option<(Step, &StepStatus)> {
        self.steps.iter().rev().find_map(|(s, st)| match st {
            Some(st @ (StepStatus::Started | StepStatus::Progress(_))) => Some((*s, st)),
            _ => None,
        })
    }
}

/// Open the wizard (or show the one that runs): `args` are `:bind`'s words.
pub fn open(state: &mut AppState, args: &[&str]) {
    if state.access == Access::ReadOnly {
        state.say(
            Level::Error,
            "read-only: started with --readonly, so nothing is bound (start without it to bind)",
        );
        return;
    }
    if state.wizard.as_ref().is_some_and(|w| !w.ended()) {
        state.mode = Mode::Wizard;
        return;
    }
    let mut url = None;
    let mut auth = AuthMode::Browser;
    let mut install = false;
    for word in args {
        match word.to_lowercase().as_str() {
            "device" => auth = AuthMode::Device,
            "browser" => auth = AuthMode::Browser,
            "install" => install = true,
            "local" => install = false,
            _ if word.contains("://") => url = Some((*word).to_owned()),
            other => {
                state.say(
                    Level::Error,
                    format!(
                        ":bind {other}: give the backend's URL, and optionally device (log in with a code) or install (install the konnector)"
                    ),
                );
                return;
            }
        }
    }
    let id = state.request_id();
    state.wizard = Some(Wizard {
        id,
        target: url
            .clone()
            .unwrap_or_else(|| "the sandbox's backend".into()),
        steps: Step::ALL.iter().map(|s| (*s, None)).collect(),
        page: Page::Working,
        cancelling: false,
        removed: None,
    });
    state.mode = Mode::Wizard;
    state.effects.push(Effect::Bind {
        id,
        request: BindRequest::Start { url, auth, install },
    });
}

/// Something the walkthrough told.
pub fn event(state: &mut AppState, id: crate::services::RequestId, event: WizardEvent) {
    let Some(w) = state.wizard.as_mut().filter(|w| w.id == id) else {
        return;
    };
    match event {
        WizardEvent::Step(step, status) => {
            // The login page stays until the login has ended.
            let login_ended = step == Step::Authenticate
                && matches!(status, StepStatus::Done(_) | StepStatus::Failed(_));
            if login_ended && matches!(w.page, Page::Login(_)) {
                w.page = Page::Working;
            }
            if let Some(slot) = w.steps.iter_mut().find(|(s, _)| *s == step) {
                slot.1 = Some(status);
            }
        }
        WizardEvent::Login(prompt) => {
            w.page = Page::Login(prompt);
            // Drawn with the next frame; the device flow starts polling now.
            state.effects.push(Effect::Bind {
                id,
                request: BindRequest::Shown,
            });
        }
        WizardEvent::ChooseExports(offers) => {
            let chosen = vec![false; offers.len()];
            w.page = Page::Exports {
                offers,
                chosen,
                cursor: 0,
            };
        }
        WizardEvent::AcceptClaim { binding, text } => w.page = Page::Claim { binding, text },
        WizardEvent::RolledBack(gone) => w.removed = Some(gone),
        WizardEvent::Bound(lines) => {
            w.page = Page::Bound(lines);
            w.cancelling = false;
        }
        WizardEvent::Failed { step, message } => {
            w.page = Page::Failed { step, message };
            w.cancelling = false;
        }
    }
}

fn answer(state: &mut AppState, id: crate::services::RequestId, request: BindRequest) {
    state.effects.push(Effect::Bind { id, request });
}

/// A key while the wizard is shown.
pub fn key(state: &mut AppState, key: KeyEvent) {
    let Some(w) = state.wizard.as_mut() else {
        state.mode = Mode::Normal;
        return;
    };
    let id = w.id;
    if w.ended() {
        if matches!(key.code, KeyCode::Esc | KeyCode::Enter | KeyCode::Char('q')) {
            state.mode = Mode::Normal;
        }
        return;
    }
    if key.code == KeyCode::Esc {
        if !w.cancelling {
            w.cancelling = true;
            w.page = Page::Working;
            answer(state, id, BindRequest::Cancel);
        }
        return;
    }
    match &mut w.page {
        Page::Login(prompt) => {
            if key.code == KeyCode::Char('c') {
                let url = match prompt {
                    LoginPrompt::Browser { url, .. } => url.clone(),
                    LoginPrompt::Device {
                        verification_uri,
                        verification_uri_complete,
                        ..
                    } => verification_uri_complete
                        .clone()
                        .unwrap_or_else(|| verification_uri.clone()),
                };
                state.clipboard = Some(url);
                state.say(Level::Info, "login URL copied to the clipboard (OSC 52)");
            }
        }
        Page::Exports {
            offers,
            chosen,
            cursor,
        } => match key.code {
            KeyCode::Down | KeyCode::Char('j') => {
                *cursor = (*cursor + 1).min(offers.len().saturating_sub(1));
            }
            KeyCode::Up | KeyCode::Char('k') => *cursor = cursor.saturating_sub(1),
            KeyCode::Char(' ') | KeyCode::Char('x') => {
                if let Some(c) = chosen.get_mut(*cursor) {
                    *c = !*c;
                }
            }
            KeyCode::Char('a') => {
                let all = chosen.iter().all(|c| *c);
                chosen.iter_mut().for_each(|c| *c = !all);
            }
            KeyCode::Enter => {
                let mut names: Vec<String> = offers
                    .iter()
                    .zip(chosen.iter())
                    .filter(|(_, c)| **c)
                    .map(|(o, _)| o.name.clone())
                    .collect();
                if names.is_empty()
                    && let Some(o) = offers.get(*cursor)
                {
                    names.push(o.name.clone());
                }
                if names.is_empty() {
                    return;
                }
                w.page = Page::Working;
                answer(state, id, BindRequest::Choose(names));
            }
            _ => {}
        },
        Page::Claim { .. } => {
            let accepted = match key.code {
                KeyCode::Char('y' | 'Y') => true,
                KeyCode::Char('n' | 'N') => false,
                _ => return,
            };
            w.page = Page::Working;
            answer(state, id, BindRequest::Claim(accepted));
        }
        Page::Working | Page::Bound(_) | Page::Failed { .. } => {}
    }
}
