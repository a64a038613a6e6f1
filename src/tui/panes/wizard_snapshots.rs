//! Snapshots of the bind wizard's pages at 80×24 and 160×48: the steps as they go, the
//! browser login with its URL and QR code, the device login with its code and QR code, the
//! exports to choose, a permission claim, the bound summary and a failure with what to do.

use super::snapshot_tests::{render, themes};
use crate::cluster::Store;
use crate::services::Reply;
use crate::services::bind::auth::qr;
use crate::services::bind::{LoginPrompt, Step, StepStatus};
use crate::services::wizard::{Offer, WizardEvent};
use crate::tui::action::Action;
use crate::tui::state::update::update;
use crate::tui::state::{Access, AppState};
use crate::tui::testing::{self, run};

const SIZES: [(u16, u16); 2] = [(80, 24), (160, 48)];

const LOGIN_URL: &str = "http://127.0.0.1:41005/authorize?response_type=code&client_id=klutch-tui&state=Xq3&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=S256&redirect_uri=http%3A%2F%2F127.0.0.1%3A38021%2Fcallback&nonce=n0";
const DEVICE: &str = "http://127.0.0.1:41005/device";

fn done(step: Step, text: &str) -> WizardEvent {
    WizardEvent::Step(step, StepStatus::Done(text.into()))
}

/// A wizard on the sandbox's backend, told `events`.
fn wizard(size: (u16, u16), events: Vec<WizardEvent>) -> (Store, AppState) {
    let store = testing::store();
    // The header names who is logged in and when the token expires.
    store.update(|d| {
        d.set_logins(vec![crate::cluster::Login {
            user: "developer".into(),
            issuer: "http://127.0.0.1:41005".into(),
            expires: testing::now() + jiff::SignedDuration::from_mins(59),
        }])
    });
    let mut s = AppState::new(size, Access::ReadWrite);
    s.clock = testing::now;
    update(&mut s, Action::StoreChanged, &store.read());
    run(&store, &mut s, "B");
    let id = s.wizard.as_ref().unwrap().id;
    let mut all = vec![
        done(Step::DiscoverProvider, "Klutch sandbox v0.0.0-sandbox"),
        done(
            Step::CheckVersion,
            "v0.0.0-sandbox (with the headless routes)",
        ),
        done(Step::CheckAppCluster, "cluster id Hx3kP0, klutch-bind made"),
        WizardEvent::Step(Step::Authenticate, StepStatus::Started),
    ];
    all.extend(events);
    for event in all {
        update(
            &mut s,
            Action::Reply(Reply::Bind { id, event }),
            &store.read(),
        );
    }
    (store, s)
}

fn snap(name: &str, events: impl Fn() -> Vec<WizardEvent>) {
    for size in SIZES {
        let (store, s) = wizard(size, events());
        let (w, h) = size;
        let [(_, plain), (_, dark), _] = themes();
        insta::assert_snapshot!(format!("wizard_{name}_{w}x{h}"), render(&store, &s, &plain));
        if name == "login_browser" {
            insta::assert_snapshot!(
                format!("wizard_{name}_{w}x{h}_dark"),
                render(&store, &s, &dark)
            );
        }
    }
}

fn after_login() -> Vec<WizardEvent> {
    vec![done(
        Step::Authenticate,
        "developer (device code, expires in 59 min)",
    )]
}

#[test]
fn the_browser_login_with_its_qr_code() {
    snap("login_browser", || {
        vec![WizardEvent::Login(LoginPrompt::Browser {
            url: LOGIN_URL.into(),
            qr: qr::render(LOGIN_URL),
        })]
    });
    // At 160×48 the QR code is drawn; at 80×24 it says how much room it needs.
    let (store, s) = wizard(
        (160, 48),
        vec![WizardEvent::Login(LoginPrompt::Browser {
            url: LOGIN_URL.into(),
            qr: qr::render(LOGIN_URL),
        })],
    );
    assert!(render(&store, &s, &themes()[0].1).contains('▀'));
}

#[test]
fn the_device_login_with_its_code_and_qr_code() {
    snap("login_device", || {
        let complete = format!("{DEVICE}?user_code=WDJB-MJHT");
        vec![WizardEvent::Login(LoginPrompt::Device {
            verification_uri: DEVICE.into(),
            user_code: "WDJB-MJHT".into(),
            qr: qr::render(&complete),
            verification_uri_complete: Some(complete),
            expires_in: 600,
        })]
    });
}

#[test]
fn the_exports_to_choose() {
    snap("exports", || {
        let mut events = after_login();
        events.push(WizardEvent::Step(Step::ChooseExports, StepStatus::Started));
        events.push(WizardEvent::ChooseExports(vec![
            Offer {
                name: "postgresqlinstances.anynines.com".into(),
                kind: "PostgresqlInstance".into(),
                claims: Vec::new(),
            },
            Offer {
                name: "servicebindings.anynines.com".into(),
                kind: "ServiceBinding".into(),
                claims: vec!["secrets (core)".into()],
            },
            Offer {
                name: "backups.anynines.com".into(),
                kind: "Backup".into(),
                claims: Vec::new(),
            },
        ]));
        events
    });
}

fn up_to_bindings() -> Vec<WizardEvent> {
    let mut events = after_login();
    events.extend([
        done(
            Step::ChooseExports,
            "postgresqlinstances.anynines.com, servicebindings.anynines.com",
        ),
        done(Step::RequestAccess, "2 request(s) handed out"),
        done(
            Step::CreateExportRequests,
            "created postgresqlinstances.anynines.com, servicebindings.anynines.com",
        ),
        done(
            Step::WaitForExports,
            "postgresqlinstances.anynines.com, servicebindings.anynines.com",
        ),
        done(
            Step::StoreKubeconfig,
            "created klutch-bind/kubeconfig-x7k2q",
        ),
        done(Step::Konnector, "running here"),
        WizardEvent::Step(Step::CreateBindings, StepStatus::Started),
    ]);
    events
}

#[test]
fn a_permission_claim_to_accept() {
    snap("claim", || {
        let mut events = up_to_bindings();
        events.push(WizardEvent::AcceptClaim {
            binding: "servicebindings.anynines.com".into(),
            text: "The provider wants to create user owned secrets (apiVersion: \"v1\") named \"*-creds\" in your cluster.\nDo you accept this Permission? [No,Yes]".into(),
        });
        events
    });
}

#[test]
fn the_steps_while_waiting_and_when_bound() {
    snap("waiting", || {
        let mut events = up_to_bindings();
        events.push(done(
            Step::CreateBindings,
            "created postgresqlinstances.anynines.com, servicebindings.anynines.com",
        ));
        events.push(WizardEvent::Step(Step::WaitUntilBound, StepStatus::Started));
        events
    });
    snap("bound", || {
        let mut events = up_to_bindings();
        events.push(done(
            Step::CreateBindings,
            "created postgresqlinstances.anynines.com",
        ));
        events.push(done(
            Step::WaitUntilBound,
            "postgresqlinstances.anynines.com",
        ));
        events.push(WizardEvent::Bound(vec![
            "bound postgresqlinstances.anynines.com".into(),
            "provider Klutch sandbox at http://127.0.0.1:41004/; cluster namespace cluster-hx3kp0 on the Control Plane; kubeconfig Secret klutch-bind/kubeconfig-x7k2q; konnector: running here".into(),
        ]));
        events
    });
}

#[test]
fn a_failure_names_its_step_and_what_to_do() {
    snap("failed", || {
        let message = "the backend did not accept the ID token: it has expired; log in again (klutch-tui logout, then bind)";
        vec![
            WizardEvent::Step(Step::Authenticate, StepStatus::Failed(message.into())),
            WizardEvent::RolledBack(vec!["Namespace klutch-bind".into()]),
            WizardEvent::Failed {
                step: Some(Step::Authenticate),
                message: message.into(),
            },
        ]
    });
}
