//! The main loop: one `tokio::select!` over terminal events, store changes, a redraw timer
//! (only for time itself: ages) and shutdown signals. Input is drawn at once; store changes
//! are coalesced to at most one frame per `STORE_FRAME`; nothing is drawn without a change.

use super::action::{self, Action};
use super::keymap::KeyMap;
use super::panes::{self, Ctx};
use super::state::update::{sync, update};
use super::state::{Access, AppState, RunState};
use super::terminal::Term;
use super::theme::Theme;
use crate::cluster::{Level, Store};
use crate::services::Services;
use crate::tui::state::rows::Row;
use crossterm::event::{Event, EventStream};
use futures::StreamExt;
use jiff::Timestamp;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use std::time::{Duration, Instant};
use tokio::time::sleep_until;

/// The shortest time between two frames caused by store changes.
pub const STORE_FRAME: Duration = Duration::from_millis(50);

/// The cockpit: state plus what it is drawn with and whom it asks to act.
pub struct Cockpit {
    /// The state.
    pub state: AppState,
    /// The shared store.
    pub store: Store,
    /// Where effects go.
    pub services: Services,
    /// The theme.
    pub theme: Theme,
    /// The key map.
    pub keymap: KeyMap,
}

impl Cockpit {
    /// A cockpit over `store` for a terminal of `size`, acting through `services`.
    pub fn new(
        store: Store,
        services: Services,
        theme: Theme,
        keymap: KeyMap,
        size: (u16, u16),
        access: Access,
    ) -> Self {
        Cockpit {
            state: AppState::new(size, access),
            store,
            services,
            theme,
            keymap,
        }
    }

    /// Apply a terminal event. Returns whether it changed anything worth a frame.
    pub fn handle_event(&mut self, event: &Event) -> bool {
        match action::from_event(event, self.state.mode, &self.keymap) {
            Some(a) => {
                self.apply(a);
                true
            }
            None => false,
        }
    }

    /// Apply an action, then hand what it asked for to the services.
    pub fn apply(&mut self, action: Action) {
        {
            let data = self.store.read();
            update(&mut self.state, action, &data);
        }
        for effect in std::mem::take(&mut self.state.effects) {
            if let Err(e) = self.services.send(effect) {
                self.state.say(Level::Error, e.to_string());
            }
        }
    }

    /// Catch up with the store (rows, detail, notices).
    pub fn sync(&mut self) {
        let data = self.store.read();
        sync(&mut self.state, &data);
    }

    /// Draw a frame into `buf`.
    pub fn draw(&self, area: Rect, buf: &mut Buffer, now: Timestamp) {
        let data = self.store.read();
        let ctx = Ctx {
            state: &self.state,
            store: &data,
            theme: &self.theme,
            keymap: &self.keymap,
            now,
        };
        panes::draw(&ctx, area, buf);
    }

    /// Whether the list has objects (for the first-frame-with-data measurement).
    pub fn has_data(&self) -> bool {
        self.state.rows.total > 0
    }

    /// How long until a shown age changes: a second while a young object is on screen, a
    /// minute otherwise.
    pub fn age_tick(&self, now: Timestamp) -> Duration {
        let view = self.state.current();
        let young = |t: Option<Timestamp>| t.is_some_and(|t| now.as_second() - t.as_second() < 600);
        let visible = self.state.rows.lines.iter().skip(view.offset).take(200);
        let mut any_young = visible
            .filter_map(|l| match l {
                Row::Item(e) => Some(e.created),
                Row::Group { .. } => None,
            })
            .any(young);
        if let Some(d) = &self.state.detail {
            any_young |= d.entry.conditions.iter().any(|c| young(c.last_transition));
        }
        // The Konnector view and the header's heartbeat ages count seconds.
        any_young |= self.state.def().pane.is_some() || self.store.read().konnector().anything();
        if any_young {
            Duration::from_secs(1)
        } else {
            Duration::from_secs(60)
        }
    }
}

/// Why the cockpit stopped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exit {
    /// The user quit.
    Quit,
    /// SIGTERM or SIGINT.
    Signal,
    /// The terminal's event stream ended.
    TerminalClosed,
    /// A task panicked (the terminal is already restored; the log has the panic).
    Panicked,
}

fn draw(term: &mut Term, cockpit: &Cockpit) -> std::io::Result<()> {
    let now = Timestamp::now();
    term.draw(|f| cockpit.draw(f.area(), f.buffer_mut(), now))?;
    Ok(())
}

/// How long typing in the editor pauses before its text is checked.
pub const VALIDATE_AFTER: Duration = Duration::from_millis(120);

/// Run until the user quits or a signal arrives. Errors are only terminal I/O errors.
pub async fn run(
    term: &mut Term,
    cockpit: &mut Cockpit,
    mut replies: tokio::sync::mpsc::Receiver<crate::services::Reply>,
    started: Instant,
) -> std::io::Result<Exit> {
    let mut events = EventStream::new();
    let mut validate_at: Option<tokio::time::Instant> = None;
    let mut changes = cockpit.store.subscribe();
    let mut sigterm = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    let mut first_data = false;
    let mut store_pending = true;
    let mut draw_at = Some(tokio::time::Instant::now());
    let mut last_draw = tokio::time::Instant::now();
    let mut tick_at = tokio::time::Instant::now() + Duration::from_secs(60);
    loop {
        let now = tokio::time::Instant::now();
        if draw_at.is_some_and(|at| at <= now) {
            if store_pending {
                cockpit.sync();
                store_pending = false;
            }
            draw(term, cockpit)?;
            last_draw = tokio::time::Instant::now();
            draw_at = None;
            tick_at = last_draw + cockpit.age_tick(Timestamp::now());
            if !first_data && cockpit.has_data() {
                first_data = true;
                let ms = started.elapsed().as_millis();
                tracing::info!(elapsed_ms = ms, "first frame with data");
            }
        }
        let wake = [draw_at, validate_at]
            .into_iter()
            .flatten()
            .min()
            .unwrap_or(tick_at);
        tokio::select! {
            event = events.next() => match event {
                Some(Ok(event)) => {
                    if cockpit.handle_event(&event) || matches!(event, Event::Resize(..)) {
                        draw_at = Some(tokio::time::Instant::now());
                    }
                    if cockpit.state.editor.as_ref().is_some_and(|e| !e.checked) {
                        validate_at = Some(tokio::time::Instant::now() + VALIDATE_AFTER);
                    }
                }
                Some(Err(e)) => {
                    tracing::error!(error = %e, "terminal event error");
                    return Err(e);
                }
                None => return Ok(Exit::TerminalClosed),
            },
            changed = changes.changed() => {
                if changed.is_err() {
                    continue;
                }
                store_pending = true;
                let at = (last_draw + STORE_FRAME).max(tokio::time::Instant::now());
                draw_at = Some(draw_at.map_or(at, |d| d.min(at)));
            }
            Some(reply) = replies.recv() => {
                cockpit.apply(Action::Reply(reply));
                draw_at = Some(tokio::time::Instant::now());
            }
            () = sleep_until(wake) => {
                if validate_at.is_some_and(|at| at <= tokio::time::Instant::now()) {
                    validate_at = None;
                    cockpit.apply(Action::Validate);
                }
                if draw_at.is_none() {
                    draw_at = Some(tokio::time::Instant::now());
                }
            }
            () = super::terminal::panicked() => return Ok(Exit::Panicked),
            _ = sigterm.recv() => return Ok(Exit::Signal),
            _ = tokio::signal::ctrl_c() => return Ok(Exit::Signal),
        }
        if cockpit.state.run == RunState::Quitting {
            return Ok(Exit::Quit);
        }
        if let Some(text) = cockpit.state.clipboard.take() {
            super::external::copy(&text)?;
        }
        if let Some((_, text)) = &cockpit.state.external {
            // The editor gets the terminal; our event reader must not steal its keys.
            let text = text.clone();
            drop(events);
            let result = super::external::edit(term, text).await?;
            events = EventStream::new();
            cockpit.apply(Action::ExternalEdited(result));
            draw_at = Some(tokio::time::Instant::now());
        }
    }
}
