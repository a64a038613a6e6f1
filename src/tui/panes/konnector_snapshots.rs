//! Snapshots of the Konnector view (running here and installed, two Control Planes — one
//! judged from its ClusterBinding, one from the loop's own heartbeat — a log, an error and
//! per-object lags) at 80×24 and 160×48, and of the header with the konnector's state.

use super::action_snapshots::state;
use super::snapshot_tests::{render, themes};
use crate::cluster::Store;
use crate::cluster::konnector::{InstallState, Installed, LocalMode};
use crate::services::konnector::local::fold;
use crate::services::konnector::{BindingState, Direction, KonnectorEvent, ObjectKey, SyncAction};
use crate::tui::testing;
use jiff::{SignedDuration, Timestamp};
use std::time::{Duration, SystemTime};

fn ago(secs: i64) -> Timestamp {
    testing::now() - SignedDuration::from_secs(secs)
}

fn synced(resource: &str, name: &str, direction: Direction, lag_ms: u64) -> KonnectorEvent {
    KonnectorEvent::Synced {
        binding: "postgresqlinstances.anynines.com".into(),
        object: ObjectKey {
            resource: resource.into(),
            namespace: "team-a".into(),
            name: name.into(),
        },
        direction,
        action: SyncAction::Written,
        lag: Duration::from_millis(lag_ms),
    }
}

/// The shared fixtures, bound, with a konnector running here that has done some work.
pub(crate) fn store_with_konnector() -> Store {
    let store = testing::store();
    testing::bind_claims(&store);
    let pg = "postgresqlinstances.anynines.com";
    store.update(|d| {
        let k = d.konnector_mut();
        k.local = LocalMode::Running { since: ago(190) };
        k.installed = InstallState::Present(Installed {
            name: "klutch-bind/konnector".into(),
            image: "klutch-tui:v0.1.0".into(),
            version: "v0.1.0".into(),
            ready: 0,
            replicas: 1,
        });
        let events = [
            (
                ago(185),
                KonnectorEvent::Leadership(crate::services::konnector::Leadership::Leader),
            ),
            (
                ago(184),
                KonnectorEvent::Binding {
                    binding: pg.into(),
                    state: BindingState::Ready,
                },
            ),
            (
                ago(60),
                synced(pg, "orders-db", Direction::AppToControlPlane, 42),
            ),
            (
                ago(58),
                synced(pg, "orders-db", Direction::ControlPlaneToApp, 17),
            ),
            (
                ago(40),
                synced(
                    "secrets",
                    "orders-db-creds",
                    Direction::ControlPlaneToApp,
                    9,
                ),
            ),
            (
                ago(12),
                synced(pg, "analytics-db", Direction::AppToControlPlane, 131),
            ),
            (
                ago(8),
                KonnectorEvent::Error {
                    binding: Some(pg.into()),
                    object: Some(ObjectKey {
                        resource: pg.into(),
                        namespace: "team-a".into(),
                        name: "analytics-db".into(),
                    }),
                    reason: "Conflict".into(),
                    message: "the Control Plane copy changed meanwhile; retrying".into(),
                },
            ),
            (
                ago(4),
                KonnectorEvent::Heartbeat {
                    bindings: vec![pg.into()],
                    cluster_namespace: "cluster-8xk2p".into(),
                    interval: Duration::from_secs(300),
                    at: SystemTime::from(ago(4)),
                },
            ),
            (
                ago(700),
                KonnectorEvent::Heartbeat {
                    bindings: vec!["backups.anynines.com".into()],
                    cluster_namespace: "cluster-q9w4e".into(),
                    interval: Duration::from_secs(300),
                    at: SystemTime::from(ago(700)),
                },
            ),
        ];
        for (at, e) in events {
            fold(d, e, at);
        }
    });
    store
}

#[test]
fn the_konnector_view_with_a_log_an_error_and_lags() {
    let store = store_with_konnector();
    for size in [(80, 24), (160, 48)] {
        let s = state(&store, size, "7");
        let text = render(&store, &s, &themes()[0].1);
        for expected in [
            "local + installed v0.1.0",
            "cluster-8xk2p",
            "♥ 2m0s Alive",
            "cluster-q9w4e",
            "✗ 11m HeartbeatLate",
            "Conflict",
            "analytics-db",
            "131 ms",
            // The synced object's name stays whole where its resource is too long.
            "written  postgresqlinstances",
            "team-a/analytics-db ",
        ] {
            assert!(text.contains(expected), "{expected} at {size:?}:\n{text}");
        }
        for (theme_name, theme) in themes() {
            let (w, h) = size;
            insta::assert_snapshot!(
                format!("konnector_{w}x{h}_{theme_name}"),
                render(&store, &s, &theme)
            );
        }
    }
}

#[test]
fn the_header_says_how_the_konnector_runs() {
    let store = store_with_konnector();
    let s = state(&store, (160, 48), "");
    let text = render(&store, &s, &themes()[0].1);
    let app_line = text.lines().find(|l| l.contains("App klutch-app")).unwrap();
    assert!(
        app_line.contains(
            "konnector local + installed v0.1.0 · cluster-8xk2p ♥ 2m0s · cluster-q9w4e ✗ 11m"
        ),
        "{app_line}"
    );
    insta::assert_snapshot!(
        "header_konnector_160x48_dark",
        render(&store, &s, &themes()[1].1)
    );
    // Nothing is said while no konnector runs or is installed.
    let plain = testing::store();
    let s = state(&plain, (160, 48), "");
    let text = render(&plain, &s, &themes()[0].1);
    assert!(!text.contains("konnector"), "{text}");
}

#[test]
fn the_view_says_what_to_do_while_the_konnector_is_off() {
    let store = testing::store();
    let s = state(&store, (80, 24), "7");
    let text = render(&store, &s, &themes()[0].1);
    assert!(
        text.contains("off — press K to run it in this process"),
        "{text}"
    );
    assert!(text.contains("K starts it"), "{text}");
}

#[test]
fn every_binding_shows_whole_however_many_there_are() {
    let store = store_with_konnector();
    let names: Vec<String> = [
        "backups",
        "keyvalueinstances",
        "logme2instances",
        "mariadbinstances",
        "messaginginstances",
        "mongodbinstances",
        "postgresqlinstances",
        "prometheusinstances",
        "restores",
        "searchinstances",
        "servicebindings",
    ]
    .iter()
    .map(|p| format!("{p}.anynines.com"))
    .collect();
    store.update(|d| {
        for name in &names {
            let e = KonnectorEvent::Binding {
                binding: name.clone(),
                state: BindingState::Ready,
            };
            fold(d, e, ago(100));
        }
    });
    for size in [(80, 24), (160, 48)] {
        let s = state(&store, size, "7");
        let text = render(&store, &s, &themes()[0].1);
        for name in &names {
            assert!(
                text.contains(&format!("{name} ✓")),
                "{name} at {size:?}:\n{text}"
            );
        }
    }
}
