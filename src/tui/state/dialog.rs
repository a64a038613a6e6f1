//! Dialogs over the list: a deletion to confirm (for a data service instance the name must
//! be typed, so that no key leaves the dialog with a deletion by accident), a restore to
//! confirm (it replaces the instance's data), and a service
//! binding's credentials, masked until revealed. What a request is waiting for is kept here
//! too, so that its reply finds the dialog, editor or progress line it belongs to.

use super::claims::request;
use super::edit;
use super::{AppState, Mode};
use crate::cluster::{Level, StoreData};
use crate::services::requests::Secrets;
use crate::services::{ClaimRequest, ObjectRef};
use crossterm::event::{KeyCode, KeyEvent};

/// A dialog.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Dialog {
    /// Delete `target`?
    Delete {
        /// What goes.
        target: ObjectRef,
        /// What else goes with it, said plainly.
        consequence: String,
        /// Whether the name must be typed (instances: data goes).
        needs_name: bool,
        /// What has been typed.
        typed: String,
    },
    /// Restore `backup` into the instance it was taken of (its data is replaced)?
    Restore {
        /// The backup's namespace.
        namespace: String,
        /// The Backup claim.
        backup: String,
        /// The instance it was taken of (its `spec.instanceRef`), when known.
        instance: Option<String>,
        /// What the backup's state means for the restore (failed, not done yet).
        note: Option<String>,
    },
    /// Edit the Control Plane copy itself?
    ControlPlaneEdit {
        /// The copy.
        target: ObjectRef,
    },
    /// A service binding's credentials.
    Credentials {
        /// The binding.
        binding: String,
        /// The Secret they came from.
        secret: String,
        /// The values.
        values: Secrets,
        /// Shown in clear.
        revealed: bool,
    },
}

/// What a request in flight is for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Pending {
    /// The editor's dry-run or apply.
    Editor,
    /// A backup or restore (its progress goes to the message line).
    Progress(String),
    /// A deletion.
    Delete(String),
    /// Credentials to show.
    Credentials(String),
    /// The Secret and Events of the object whose detail is open.
    Describe(crate::cluster::RowKey),
}

/// A dialog key.
pub fn dialog_key(state: &mut AppState, key: KeyEvent, store: &StoreData) {
    let Some(dialog) = &mut state.dialog else {
        state.mode = Mode::Normal;
        return;
    };
    let close = |state: &mut AppState| {
        state.dialog = None;
        state.mode = Mode::Normal;
    };
    match dialog {
        Dialog::Delete {
            target,
            needs_name,
            typed,
            ..
        } => match key.code {
            KeyCode::Esc => close(state),
            KeyCode::Char('y') if !*needs_name => {
                let target = target.clone();
                close(state);
                confirm_delete(state, target);
            }
            KeyCode::Char('n') if !*needs_name => close(state),
            KeyCode::Char(c) if *needs_name => typed.push(c),
            KeyCode::Backspace if *needs_name => {
                typed.pop();
            }
            KeyCode::Enter if *needs_name => {
                if *typed == target.name {
                    let target = target.clone();
                    close(state);
                    confirm_delete(state, target);
                } else {
                    let name = target.name.clone();
                    state.say(
                        Level::Error,
                        format!("type {name} exactly to delete it; esc keeps it"),
                    );
                }
            }
            _ => {}
        },
        Dialog::Restore {
            namespace, backup, ..
        } => match key.code {
            KeyCode::Char('y') => {
                let (namespace, backup) = (namespace.clone(), backup.clone());
                close(state);
                super::claims::confirmed_restore(state, namespace, backup);
            }
            KeyCode::Char('n') | KeyCode::Esc => close(state),
            _ => {}
        },
        Dialog::ControlPlaneEdit { target } => match key.code {
            KeyCode::Char('y') => {
                let target = target.clone();
                close(state);
                edit::control_plane_confirmed(state, store, &target);
            }
            KeyCode::Char('n') | KeyCode::Esc => close(state),
            _ => {}
        },
        Dialog::Credentials {
            revealed, values, ..
        } => match key.code {
            KeyCode::Char('x') | KeyCode::Char(' ') => *revealed = !*revealed,
            KeyCode::Char('c') => {
                let text: Vec<String> = values.0.iter().map(|(k, v)| format!("{k}={v}")).collect();
                state.clipboard = Some(text.join("\n"));
                state.say(Level::Info, "credentials copied to the clipboard (OSC 52)");
            }
            KeyCode::Esc | KeyCode::Char('q') => close(state),
            _ => {}
        },
    }
}

fn confirm_delete(state: &mut AppState, target: ObjectRef) {
    let label = target.to_string();
    state.say(Level::Info, format!("deleting {label}"));
    request(state, Pending::Delete(label), ClaimRequest::Delete(target));
}
