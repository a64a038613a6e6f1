//! The why pane's state: which claim's chain was asked for (`w`, `:why`), and the walk as it
//! comes back from the services — loading, the report, or why it could not be walked. The
//! walk runs in the services; a reply naming another request (an older `w`) is ignored.

use super::claims::target;
use super::{AppState, Mode};
use crate::cluster::{Fetch, Level, StoreData};
use crate::services::why::Report;
use crate::services::{Effect, Reply, RequestId};

/// The open why pane.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WhyPane {
    /// The request its report answers.
    pub id: RequestId,
    /// The claim, `Kind namespace/name`.
    pub subject: String,
    /// The walk.
    pub report: Fetch<Report>,
}

/// Ask for the selected claim's chain and open the pane.
pub fn open(state: &mut AppState, store: &StoreData) {
    let Some(e) = target(state, store) else {
        return;
    };
    let id = state.request_id();
    state.effects.push(Effect::Why {
        id,
        kind: e.key.kind.clone(),
        namespace: e.key.namespace.clone(),
        name: e.key.name.clone(),
    });
    state.why = Some(WhyPane {
        id,
        subject: format!("{} {}/{}", e.key.kind, e.key.namespace, e.key.name),
        report: Fetch::Loading,
    });
    state.mode = Mode::Why;
}

/// Take a reply if it answers the open pane; whether it did.
pub fn reply(state: &mut AppState, reply: &Reply) -> bool {
    let Some(pane) = state.why.as_mut().filter(|p| p.id == reply.id()) else {
        return false;
    };
    match reply {
        Reply::Why { report, .. } => {
            let said = match report.broken() {
                None => format!("{}: healthy", pane.subject),
                Some(l) => format!(
                    "{}: {} at {}",
                    pane.subject,
                    l.verdict.symbol(),
                    l.step.label()
                ),
            };
            pane.report = Fetch::Loaded(report.clone());
            state.say(Level::Info, said);
        }
        Reply::Failed { message, .. } => pane.report = Fetch::Failed(message.clone()),
        _ => return false,
    }
    true
}

/// Close the pane.
pub fn close(state: &mut AppState) {
    state.why = None;
    state.mode = Mode::Normal;
}
