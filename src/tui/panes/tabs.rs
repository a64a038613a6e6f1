//! The tab line: one tab per view (numbered as their keys), the program name on the right
//! (or `read-only`) when there is room.

use super::Ctx;
use crate::tui::layout;
use crate::tui::state::Access;
use crate::tui::theme::Slot;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;

/// Draw the tabs.
pub fn draw(ctx: &Ctx<'_>, area: Rect, buf: &mut Buffer) {
    let t = ctx.theme;
    let right = area.x + area.width;
    let mut end = area.x;
    for (view, label, x, width) in layout::tabs(ctx.state.table, area.x) {
        if x + width > right {
            break;
        }
        let slot = if view == ctx.state.view {
            Slot::TabActive
        } else {
            Slot::TabInactive
        };
        buf.set_stringn(x, area.y, &label, usize::from(width), t.style(slot));
        end = x + width;
    }
    let (name, slot) = match ctx.state.access {
        Access::ReadOnly => ("read-only", Slot::HealthWarn),
        Access::ReadWrite => ("klutch-tui", Slot::Title),
    };
    let len = name.len() as u16;
    if right > end + len {
        buf.set_string(right - len - 1, area.y, name, t.style(slot));
    }
}
