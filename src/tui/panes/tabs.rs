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
    let line = layout::tab_line(ctx.state.table, area, ctx.state.view);
    if line.more_left {
        buf.set_string(area.x, area.y, "‹", t.style(Slot::Dim));
    }
    if line.more_right {
        buf.set_string(right.saturating_sub(1), area.y, "›", t.style(Slot::Dim));
        end = right;
    }
    for (view, label, x, width) in line.tabs {
        if x + width > right {
            break;
        }
        let slot = if view == ctx.state.view {
            Slot::TabActive
        } else {
            Slot::TabInactive
        };
        buf.set_stringn(x, area.y, &label, usize::from(width), t.style(slot));
        end = end.max(x + width);
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
