//! Starting and stopping the konnector loop in this process from the cockpit (`K`,
//! `:konnector on|off`): the update step asks the services with an effect and says so; the
//! loop's state comes back through the store. `--readonly` refuses starting it, since a
//! running konnector writes to both clusters.

use super::{Access, AppState};
use crate::cluster::konnector::LocalMode;
use crate::cluster::{Level, StoreData};
use crate::services::{Effect, KonnectorRequest};

/// `K`: start the loop when it is off, stop it otherwise.
pub fn toggle(state: &mut AppState, store: &StoreData) {
    let on = store.konnector().local == LocalMode::Off;
    set(state, on, store);
}

/// `:konnector on|off`.
pub fn set(state: &mut AppState, on: bool, store: &StoreData) {
    let local = &store.konnector().local;
    if on {
        if state.access == Access::ReadOnly {
            state.say(
                Level::Error,
                "read-only: started with --readonly, so the konnector is not started here (it writes to both clusters)",
            );
            return;
        }
        if matches!(local, LocalMode::Running { .. } | LocalMode::Starting) {
            state.say(Level::Info, "konnector: already running in this process");
            return;
        }
        state
            .effects
            .push(Effect::Konnector(KonnectorRequest::Start));
        state.say(Level::Info, "konnector: starting in this process…");
    } else {
        if *local == LocalMode::Off {
            state.say(Level::Info, "konnector: not running in this process");
            return;
        }
        state
            .effects
            .push(Effect::Konnector(KonnectorRequest::Stop));
        state.say(Level::Info, "konnector: stopping…");
    }
}

/// `:konnector ARG`.
pub fn command(state: &mut AppState, arg: &str, store: &StoreData) {
    match arg {
        "on" | "start" => set(state, true, store),
        "off" | "stop" => set(state, false, store),
        other => state.say(
            Level::Error,
            format!(":konnector {other}: say on or off (or :konnector alone for its view)"),
        ),
    }
}

#[cfg(test)]
mod tests {
    use crate::cluster::Store;
    use crate::cluster::konnector::LocalMode;
    use crate::services::{Effect, KonnectorRequest};
    use crate::tui::action::Action;
    use crate::tui::state::update::update;
    use crate::tui::state::{Access, AppState};
    use crate::tui::testing::{self, run};

    fn state(store: &Store, access: Access) -> AppState {
        let mut s = AppState::new((120, 40), access);
        s.clock = testing::now;
        update(&mut s, Action::StoreChanged, &store.read());
        s
    }

    fn running(store: &Store) {
        store.update(|d| {
            d.konnector_mut().local = LocalMode::Running {
                since: testing::now(),
            }
        });
    }

    #[test]
    fn k_starts_the_konnector_when_off_and_stops_it_when_running() {
        let store = testing::store();
        let mut s = state(&store, Access::ReadWrite);
        run(&store, &mut s, "K");
        assert_eq!(s.effects, [Effect::Konnector(KonnectorRequest::Start)]);
        s.effects.clear();
        running(&store);
        run(&store, &mut s, "K");
        assert_eq!(s.effects, [Effect::Konnector(KonnectorRequest::Stop)]);
        assert_eq!(s.message.as_ref().unwrap().text, "konnector: stopping…");
    }

    #[test]
    fn konnector_on_and_off_on_the_command_line() {
        let store = testing::store();
        let mut s = state(&store, Access::ReadWrite);
        run(&store, &mut s, ":konnector on<enter>");
        assert_eq!(s.effects, [Effect::Konnector(KonnectorRequest::Start)]);
        s.effects.clear();
        // Off while off does nothing but say so.
        run(&store, &mut s, ":konnector off<enter>");
        assert!(s.effects.is_empty());
        assert_eq!(
            s.message.as_ref().unwrap().text,
            "konnector: not running in this process"
        );
        running(&store);
        run(&store, &mut s, ":konnector on<enter>");
        assert!(s.effects.is_empty(), "already running");
        run(&store, &mut s, ":konnector off<enter>");
        assert_eq!(s.effects, [Effect::Konnector(KonnectorRequest::Stop)]);
        run(&store, &mut s, ":konnector sideways<enter>");
        assert!(s.message.as_ref().unwrap().text.contains("say on or off"));
        // Without an argument it is the view's name.
        run(&store, &mut s, ":konnector<enter>");
        assert_eq!(s.view.0, "konnector");
        assert_eq!(s.effects.len(), 1);
    }

    #[test]
    fn readonly_refuses_starting_the_konnector() {
        let store = testing::store();
        let mut s = state(&store, Access::ReadOnly);
        run(&store, &mut s, "K");
        run(&store, &mut s, ":konnector on<enter>");
        assert!(s.effects.is_empty());
        assert!(
            s.message.as_ref().unwrap().text.starts_with("read-only:"),
            "{:?}",
            s.message
        );
    }
}
