//! Snapshots of the why pane: `w` on a claim asks the services for its chain (an effect), and
//! the reply is drawn — a healthy chain, and one broken at the konnector's heartbeat with
//! what to do — at 80×24 and 160×48, in the dark and light themes and with NO_COLOR.

use super::action_snapshots::snap;
use super::snapshot_tests::{render, themes};
use crate::cluster::Store;
use crate::services::why::{Link, Report, Step};
use crate::services::{Effect, Reply};
use crate::tui::action::Action;
use crate::tui::state::update::update;
use crate::tui::state::{Access, AppState, Mode};
use crate::tui::testing::{self, run};

const SIZES: [(u16, u16); 2] = [(80, 24), (160, 48)];

fn healthy() -> Report {
    Report {
        subject: "PostgresqlInstance team-a/orders-db".into(),
        links: vec![
            Link::ok(
                Step::Claim,
                "PostgresqlInstance team-a/orders-db exists (created 3m ago)",
            ),
            Link::ok(
                Step::Crd,
                "CRD postgresqlinstances.anynines.com is Established (serves v1)",
            ),
            Link::ok(
                Step::Binding,
                "APIServiceBinding klutch-bind/postgresqlinstances.anynines.com: Ready; kubeconfig in Secret klutch-bind/kubeconfig-sandbox",
            ),
            Link::ok(
                Step::Secret,
                "Secret klutch-bind/kubeconfig-sandbox: its kubeconfig reaches the Control Plane, cluster namespace cluster-8xk2p",
            ),
            Link::ok(
                Step::Konnector,
                "konnector v0.1.0: last heartbeat 2s ago (due every 5m)",
            ),
            Link::ok(
                Step::Mapping,
                "APIServiceNamespace team-a in cluster-8xk2p maps it to cluster-8xk2p-team-a",
            ),
            Link::ok(
                Step::Copy,
                "PostgresqlInstance cluster-8xk2p-team-a/orders-db exists, spec in sync, copied 1s after the App's change",
            ),
            Link::ok(Step::Provider, "the provider says Ready"),
            Link::ok(Step::Status, "the App claim shows the copy's status"),
        ],
    }
}

fn broken() -> Report {
    let mut r = healthy();
    r.links.truncate(4);
    r.links.push(Link::broken(
        Step::Konnector,
        "the konnector's last heartbeat was 12m 4s ago, more than two intervals of 5m: it stopped or cannot reach the Control Plane",
        "start the konnector: klutch-tui konnector (or K in the cockpit), or install it with klutch-tui bind URL --konnector install",
    ));
    r
}

/// `jj` selects team-a's PostgresqlInstance orders-db; `w` asks for its chain.
fn opened(store: &Store, size: (u16, u16)) -> (AppState, u64) {
    let mut s = AppState::new(size, Access::ReadWrite);
    s.clock = testing::now;
    update(&mut s, Action::StoreChanged, &store.read());
    run(store, &mut s, "jjw");
    let Some(Effect::Why {
        id,
        kind,
        namespace,
        name,
    }) = s.effects.last().cloned()
    else {
        panic!("w asked for no walk: {:?}", s.effects);
    };
    assert_eq!(
        (kind.as_str(), namespace.as_str(), name.as_str()),
        ("PostgresqlInstance", "team-a", "orders-db")
    );
    assert_eq!(s.mode, Mode::Why);
    (s, id)
}

#[test]
fn the_why_pane_healthy_and_broken() {
    let store = testing::store();
    testing::bind_claims(&store);
    for size in SIZES {
        for (name, report) in [("why_healthy", healthy()), ("why_broken", broken())] {
            let (mut s, id) = opened(&store, size);
            // A reply to another request leaves the pane loading.
            update(
                &mut s,
                Action::Reply(Reply::Why {
                    id: id + 100,
                    report: report.clone(),
                }),
                &store.read(),
            );
            assert!(render(&store, &s, &themes()[0].1).contains("walking the chain"));
            update(
                &mut s,
                Action::Reply(Reply::Why { id, report }),
                &store.read(),
            );
            snap(name, &store, &s);
        }
    }
    let (mut s, id) = opened(&store, (80, 24));
    update(
        &mut s,
        Action::Reply(Reply::Why {
            id,
            report: broken(),
        }),
        &store.read(),
    );
    let text = render(&store, &s, &themes()[0].1);
    assert!(text.contains("broken at konnector"), "{text}");
    run(&store, &mut s, "<esc>");
    assert_eq!((s.mode, s.why.is_none()), (Mode::Normal, true));
}

#[test]
fn why_asks_for_the_app_claim_of_a_selected_copy_and_refuses_other_rows() {
    let store = testing::store();
    testing::bind_claims(&store);
    let mut s = AppState::new((120, 30), Access::ReadOnly);
    s.clock = testing::now;
    update(&mut s, Action::StoreChanged, &store.read());
    run(&store, &mut s, "jj:why<enter>");
    // Read-only still may look.
    assert!(
        matches!(s.effects.last(), Some(Effect::Why { .. })),
        "{:?}",
        s.effects
    );
}
