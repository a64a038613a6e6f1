//! The bind wizard driven by key strings: opening it (`B`, `:bind URL device`), the answers
//! it sends (login shown, exports chosen, claims accepted or rejected), Esc cancelling the
//! bind and closing once it stopped, and `--readonly` refusing it.

use super::wizard::Page;
use super::{Access, AppState, Mode};
use crate::services::Effect;
use crate::services::Reply;
use crate::services::bind::{AuthMode, LoginPrompt, Step, StepStatus};
use crate::services::wizard::{BindRequest, Offer, WizardEvent};
use crate::tui::action::Action;
use crate::tui::state::update::update;
use crate::tui::testing::{self, run};

fn state(access: Access) -> (crate::cluster::Store, AppState) {
    let store = testing::store();
    let mut s = AppState::new((120, 40), access);
    s.clock = testing::now;
    update(&mut s, Action::StoreChanged, &store.read());
    (store, s)
}

fn tell(store: &crate::cluster::Store, s: &mut AppState, event: WizardEvent) {
    let id = s.wizard.as_ref().map(|w| w.id).unwrap();
    update(s, Action::Reply(Reply::Bind { id, event }), &store.read());
}

/// The bind requests the update step asked for since the last call.
fn sent(s: &mut AppState) -> Vec<BindRequest> {
    std::mem::take(&mut s.effects)
        .into_iter()
        .filter_map(|e| match e {
            Effect::Bind { request, .. } => Some(request),
            _ => None,
        })
        .collect()
}

fn offers() -> Vec<Offer> {
    ["postgresqlinstances", "servicebindings", "backups"]
        .iter()
        .map(|r| Offer {
            name: format!("{r}.anynines.com"),
            kind: String::new(),
            claims: Vec::new(),
        })
        .collect()
}

#[test]
fn b_opens_the_wizard_on_the_default_backend() {
    let (store, mut s) = state(Access::ReadWrite);
    run(&store, &mut s, "B");
    assert_eq!(s.mode, Mode::Wizard);
    assert_eq!(
        sent(&mut s),
        vec![BindRequest::Start {
            url: None,
            auth: AuthMode::Browser,
            install: false
        }]
    );
    // Esc cancels the bind it started.
    run(&store, &mut s, "<esc>");
    assert_eq!(sent(&mut s), vec![BindRequest::Cancel]);
}

#[test]
fn the_command_keeps_the_url_and_takes_device_and_install() {
    let (store, mut s) = state(Access::ReadWrite);
    run(
        &store,
        &mut s,
        ":bind http://Backend.example:8080/Export device install<enter>",
    );
    assert_eq!(
        sent(&mut s),
        vec![BindRequest::Start {
            url: Some("http://Backend.example:8080/Export".into()),
            auth: AuthMode::Device,
            install: true
        }]
    );
    assert_eq!(
        s.wizard.as_ref().unwrap().target,
        "http://Backend.example:8080/Export"
    );
}

#[test]
fn an_unknown_word_is_refused_with_what_bind_takes() {
    let (store, mut s) = state(Access::ReadWrite);
    run(&store, &mut s, ":bind sideways<enter>");
    assert!(s.wizard.is_none());
    let said = s.message.as_ref().unwrap().text.clone();
    assert!(
        said.contains(":bind sideways") && said.contains("URL"),
        "{said}"
    );
}

#[test]
fn the_login_is_answered_as_shown_and_its_url_can_be_copied() {
    let (store, mut s) = state(Access::ReadWrite);
    run(&store, &mut s, "B");
    sent(&mut s);
    tell(
        &store,
        &mut s,
        WizardEvent::Login(LoginPrompt::Device {
            verification_uri: "http://127.0.0.1:5556/device".into(),
            user_code: "ABCD-EFGH".into(),
            verification_uri_complete: Some(
                "http://127.0.0.1:5556/device?user_code=ABCD-EFGH".into(),
            ),
            qr: String::new(),
            expires_in: 600,
        }),
    );
    assert_eq!(sent(&mut s), vec![BindRequest::Shown]);
    run(&store, &mut s, "c");
    assert_eq!(
        s.clipboard.as_deref(),
        Some("http://127.0.0.1:5556/device?user_code=ABCD-EFGH")
    );
    // The page stays until the login step has ended.
    tell(
        &store,
        &mut s,
        WizardEvent::Step(Step::Authenticate, StepStatus::Progress("waiting".into())),
    );
    assert!(matches!(s.wizard.as_ref().unwrap().page, Page::Login(_)));
    tell(
        &store,
        &mut s,
        WizardEvent::Step(Step::Authenticate, StepStatus::Done("developer".into())),
    );
    assert_eq!(s.wizard.as_ref().unwrap().page, Page::Working);
}

#[test]
fn exports_are_chosen_with_space_and_enter() {
    let (store, mut s) = state(Access::ReadWrite);
    run(&store, &mut s, "B");
    sent(&mut s);
    tell(&store, &mut s, WizardEvent::ChooseExports(offers()));
    run(&store, &mut s, "j j k  <enter>");
    assert_eq!(
        sent(&mut s),
        vec![BindRequest::Choose(vec![
            "servicebindings.anynines.com".into(),
            "backups.anynines.com".into()
        ])]
    );
    // `a` chooses all; enter with nothing chosen takes the row under the cursor.
    tell(&store, &mut s, WizardEvent::ChooseExports(offers()));
    run(&store, &mut s, "a<enter>");
    assert_eq!(
        sent(&mut s),
        vec![BindRequest::Choose(
            offers().into_iter().map(|o| o.name).collect()
        )]
    );
    tell(&store, &mut s, WizardEvent::ChooseExports(offers()));
    run(&store, &mut s, "jj<enter>");
    assert_eq!(
        sent(&mut s),
        vec![BindRequest::Choose(vec!["backups.anynines.com".into()])]
    );
}

#[test]
fn permission_claims_are_accepted_with_y_and_rejected_with_n() {
    let (store, mut s) = state(Access::ReadWrite);
    run(&store, &mut s, "B");
    sent(&mut s);
    let claim = || WizardEvent::AcceptClaim {
        binding: "servicebindings.anynines.com".into(),
        text: "… wants to create secrets [No,Yes]".into(),
    };
    tell(&store, &mut s, claim());
    // Other keys do not answer.
    run(&store, &mut s, "x<enter>");
    assert!(sent(&mut s).is_empty());
    run(&store, &mut s, "n");
    assert_eq!(sent(&mut s), vec![BindRequest::Claim(false)]);
    tell(&store, &mut s, claim());
    run(&store, &mut s, "y");
    assert_eq!(sent(&mut s), vec![BindRequest::Claim(true)]);
}

#[test]
fn esc_cancels_once_and_closes_after_the_bind_stopped() {
    let (store, mut s) = state(Access::ReadWrite);
    run(&store, &mut s, "B");
    sent(&mut s);
    tell(&store, &mut s, WizardEvent::ChooseExports(offers()));
    run(&store, &mut s, "<esc><esc>");
    assert_eq!(sent(&mut s), vec![BindRequest::Cancel]);
    let w = s.wizard.as_ref().unwrap();
    assert!(w.cancelling);
    assert_eq!(s.mode, Mode::Wizard, "open until the bind has stopped");
    tell(
        &store,
        &mut s,
        WizardEvent::RolledBack(vec!["Namespace klutch-bind".into()]),
    );
    tell(
        &store,
        &mut s,
        WizardEvent::Failed {
            step: Some(Step::ChooseExports),
            message: "cancelled".into(),
        },
    );
    assert!(s.wizard.as_ref().unwrap().ended());
    run(&store, &mut s, "<esc>");
    assert_eq!(s.mode, Mode::Normal);
    assert!(sent(&mut s).is_empty());
    // A new B starts a new bind.
    run(&store, &mut s, "B");
    assert_eq!(sent(&mut s).len(), 1);
}

#[test]
fn events_of_another_bind_are_ignored() {
    let (store, mut s) = state(Access::ReadWrite);
    run(&store, &mut s, "B");
    let id = s.wizard.as_ref().unwrap().id;
    update(
        &mut s,
        Action::Reply(Reply::Bind {
            id: id + 100,
            event: WizardEvent::Bound(vec!["bound x".into()]),
        }),
        &store.read(),
    );
    assert_eq!(s.wizard.as_ref().unwrap().page, Page::Working);
}

#[test]
fn read_only_refuses_to_bind() {
    let (store, mut s) = state(Access::ReadOnly);
    run(&store, &mut s, "B");
    assert!(s.wizard.is_none());
    assert_eq!(s.mode, Mode::Normal);
    assert!(s.message.as_ref().unwrap().text.contains("read-only"));
}
