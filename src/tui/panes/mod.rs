//! The panes the screen is drawn in (header, tabs, list, detail, message line, overlays):
//! pure functions from the state, the store and the theme to a buffer. Nothing here changes
//! state, waits, or touches the network; only visible rows are drawn.

mod detail;
mod dialog;
pub mod editor;
pub mod format;
mod header;
pub mod help;
pub mod konnector;
mod list;
mod messages;
mod pair;
mod tabs;
mod why;
mod wizard;

use super::keymap::KeyMap;
use super::layout;
use super::state::AppState;
use super::theme::{Slot, Theme};
use crate::cluster::StoreData;
use jiff::Timestamp;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;

/// Everything a frame is drawn from.
pub struct Ctx<'a> {
    /// The cockpit's state.
    pub state: &'a AppState,
    /// The store, read-locked for the frame.
    pub store: &'a StoreData,
    /// Colours.
    pub theme: &'a Theme,
    /// Keys (for hints and help).
    pub keymap: &'a KeyMap,
    /// The time ages are computed against.
    pub now: Timestamp,
}

/// Draw a whole frame into `buf`.
pub fn draw(ctx: &Ctx<'_>, area: Rect, buf: &mut Buffer) {
    buf.set_style(area, ctx.theme.style(Slot::Base));
    let areas = layout::areas(area, ctx.state.detail.as_ref().map(|d| d.size));
    header::draw(ctx, areas.header, buf);
    tabs::draw(ctx, areas.tabs, buf);
    if areas.list.height > 0 {
        match ctx.state.def().pane {
            Some(pane) => pane(ctx, areas.list, buf),
            None => list::draw(ctx, areas.list, buf),
        }
    }
    if let (Some(rect), Some(d)) = (areas.detail, &ctx.state.detail) {
        detail::draw(ctx, d, rect, buf);
    }
    help::draw_message(ctx, areas.message, buf);
    help::draw_hints(ctx, areas.hints, buf);
    if let Some(e) = &ctx.state.editor {
        let body = Rect::new(
            areas.list.x.min(areas.tabs.x),
            areas.tabs.y + 1,
            area.width,
            areas.message.y.saturating_sub(areas.tabs.y + 1),
        );
        editor::draw(ctx, e, body, buf);
    }
    if let Some(w) = &ctx.state.why {
        let body = Rect::new(
            area.x,
            areas.tabs.y + 1,
            area.width,
            areas.message.y.saturating_sub(areas.tabs.y + 1),
        );
        why::draw(ctx, w, body, buf);
    }
    if let Some(d) = &ctx.state.dialog {
        dialog::draw(ctx, d, area, buf);
    }
    if let (super::state::Mode::Wizard, Some(w)) = (ctx.state.mode, &ctx.state.wizard) {
        wizard::draw(ctx, w, area, buf);
    }
    match ctx.state.mode {
        super::state::Mode::Help => help::draw_help(ctx, area, buf),
        super::state::Mode::Messages => messages::draw(ctx, area, buf),
        super::state::Mode::Info => messages::draw_info(ctx, area, buf),
        _ => {}
    }
}

#[cfg(test)]
mod action_snapshots;
#[cfg(test)]
mod konnector_snapshots;
#[cfg(test)]
mod operator_snapshots;
#[cfg(test)]
mod snapshot_tests;
#[cfg(test)]
mod why_snapshots;
#[cfg(test)]
mod wizard_snapshots;
