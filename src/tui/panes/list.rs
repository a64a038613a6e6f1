//! The list pane: the current view's rows grouped by namespace, with the columns of its
//! kind. Column widths come from the pane width (stable while scrolling); only the visible
//! slice of rows is drawn.

use super::Ctx;
use super::format::fit;
use crate::cluster::kinds::watched_on;
use crate::cluster::{ClusterId, Health};
use crate::tui::state::Mode;
use crate::tui::state::rows::Row;
use crate::tui::theme::Slot;
use crate::tui::views::{CellCtx, Column, Width};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{
    Block, Borders, Paragraph, Scrollbar, ScrollbarOrientation, ScrollbarState, StatefulWidget,
    Widget,
};

/// The width a flexible column (a name) keeps before fixed columns give way.
const MIN_FLEX: u16 = 16;
/// The narrowest a fixed column becomes.
const MIN_FIXED: u16 = 3;

/// Resolve widths for a pane of `inner` columns (after the 2-column indent).
fn widths(cols: &[Column], fit: &[u16], inner: u16) -> Vec<(usize, u16)> {
    let shown: Vec<usize> = (0..cols.len())
        .filter(|&i| inner >= cols[i].min_pane)
        .collect();
    let gaps = shown.len().saturating_sub(1) as u16;
    let mut fixed: Vec<(usize, u16)> = shown
        .iter()
        .filter_map(|&i| match cols[i].width {
            Width::Fixed(w) => Some((i, w)),
            Width::Fit { min, .. } => Some((i, fit.get(i).copied().unwrap_or(min).max(min))),
            Width::Flex(_) | Width::Primary(_) => None,
        })
        .collect();
    let weights: u16 = shown
        .iter()
        .map(|&i| match cols[i].width {
            Width::Flex(w) | Width::Primary(w) => w,
            Width::Fixed(_) | Width::Fit { .. } => 0,
        })
        .sum();
    let flex_count = shown
        .iter()
        .filter(|&&i| matches!(cols[i].width, Width::Flex(_) | Width::Primary(_)))
        .count() as u16;
    // In a narrow pane (a detail open beside the list) the fixed columns give way, widest
    // first, down to their titles, so that the names keep a readable width.
    let want = fixed.iter().map(|(_, w)| w).sum::<u16>() + gaps + MIN_FLEX * flex_count;
    let mut short = want.saturating_sub(inner);
    while short > 0 {
        let Some(widest) = fixed
            .iter_mut()
            .filter(|(i, w)| *w > (cols[*i].title.len() as u16).max(MIN_FIXED))
            .max_by_key(|(_, w)| *w)
        else {
            break;
        };
        widest.1 -= 1;
        short -= 1;
    }
    let fixed_total: u16 = fixed.iter().map(|(_, w)| w).sum();
    let flex_total = inner.saturating_sub(fixed_total + gaps);
    let mut given = 0;
    let mut seen = 0;
    shown
        .iter()
        .map(|&i| {
            let w = match cols[i].width {
                Width::Fixed(_) | Width::Fit { .. } => {
                    fixed.iter().find(|(f, _)| *f == i).map_or(0, |(_, w)| *w)
                }
                Width::Flex(weight) | Width::Primary(weight) => {
                    seen += 1;
                    let w = if seen == flex_count {
                        flex_total - given
                    } else if matches!(cols[i].width, Width::Primary(_)) {
                        // Names first, at least as wide as their title: the other flexible
                        // columns share what is left.
                        let least = MIN_FLEX.max(cols[i].title.chars().count() as u16);
                        (flex_total * weight / weights.max(1)).max(least.min(flex_total))
                    } else {
                        (flex_total * weight / weights.max(1)).min(flex_total - given)
                    };
                    given += w;
                    w
                }
            };
            (i, w)
        })
        .collect()
}

fn title(ctx: &Ctx<'_>) -> Line<'static> {
    let t = ctx.theme;
    let view = ctx.state.def();
    let (name, side) = (view.heading, view.scope);
    let rows = &ctx.state.rows;
    let count = if rows.matching == rows.total {
        format!("{}", rows.total)
    } else {
        format!("{}/{}", rows.matching, rows.total)
    };
    let mut spans = vec![
        Span::styled(format!(" {name} "), t.style(Slot::Title)),
        Span::styled(format!("({side}) [{count}] "), t.style(Slot::Dim)),
    ];
    let filter = &ctx.state.current().filter_text;
    if !filter.is_empty() && ctx.state.mode != Mode::Filter {
        spans.push(Span::styled(format!("/{filter} "), t.style(Slot::Input)));
    }
    let stale: Vec<&str> = ClusterId::ALL
        .into_iter()
        .filter(|id| watched_on(view.shows, *id) && ctx.store.cluster(*id).is_stale())
        .map(ClusterId::label)
        .collect();
    if !stale.is_empty() {
        spans.push(Span::styled(
            format!("stale (?): {} ", stale.join(" · ")),
            t.style(Slot::HealthError),
        ));
    }
    Line::from(spans)
}

fn empty_text(ctx: &Ctx<'_>) -> String {
    let view = ctx.state.def();
    if ctx.state.rows.total > 0 {
        return format!("Nothing matches /{}", ctx.state.current().filter_text);
    }
    if view.control_plane_only()
        && ctx.store.cluster(ClusterId::ControlPlane).health() == Health::NotConfigured
    {
        return "No Control Plane is connected.".into();
    }
    view.empty.to_string()
}

/// Draw the list pane.
pub fn draw(ctx: &Ctx<'_>, area: Rect, buf: &mut Buffer) {
    let t = ctx.theme;
    let focused = ctx.state.detail.is_none();
    let border = if focused {
        Slot::BorderFocus
    } else {
        Slot::Border
    };
    let rows = &ctx.state.rows;
    let view = ctx.state.current();
    let page = usize::from(area.height.saturating_sub(3));
    let long = rows.lines.len() > page;
    let mut block = Block::default()
        .borders(Borders::ALL)
        .border_style(t.style(border))
        .title(title(ctx));
    if long && !rows.items.is_empty() {
        // Where the selection is in a list longer than the pane.
        let at = format!(" {}/{} ", view.selected + 1, rows.items.len());
        block =
            block.title_bottom(Line::from(Span::styled(at, t.style(Slot::Dim))).right_aligned());
    }
    let inner = block.inner(area);
    block.render(area, buf);
    if long {
        let mut bar = ScrollbarState::new(rows.lines.len().saturating_sub(page))
            .position(view.offset)
            .viewport_content_length(page);
        Scrollbar::new(ScrollbarOrientation::VerticalRight)
            .begin_symbol(None)
            .end_symbol(None)
            .style(t.style(Slot::Dim))
            .render(
                area.inner(ratatui::layout::Margin::new(0, 1)),
                buf,
                &mut bar,
            );
    }
    if inner.height == 0 || inner.width < 4 {
        return;
    }
    let cols = ctx.state.def().columns;
    let widths = widths(cols, &ctx.state.rows.fit, inner.width.saturating_sub(2));
    let sorted = ctx.state.rows.sort.column();
    let mut x = inner.x + 2;
    for (i, w) in &widths {
        let title = cols[*i].title;
        let title = match sorted {
            Some(c) if c == title => format!("{title}↓"),
            _ => title.to_string(),
        };
        buf.set_stringn(
            x,
            inner.y,
            title,
            usize::from(*w),
            t.style(Slot::TableHeader),
        );
        x += w + 1;
    }
    if rows.items.is_empty() {
        let msg = Paragraph::new(empty_text(ctx))
            .style(t.style(Slot::Dim))
            .wrap(ratatui::widgets::Wrap { trim: true });
        msg.render(
            Rect::new(inner.x + 2, inner.y + 2, inner.width - 3, 3).intersection(inner),
            buf,
        );
        return;
    }
    let selected_line = rows.items.get(view.selected).copied();
    let stale = ClusterId::ALL.map(|id| ctx.store.cluster(id).is_stale());
    let cells = CellCtx {
        now: ctx.now,
        store: ctx.store,
    };
    let height = usize::from(inner.height - 1);
    for (n, line) in rows.lines.iter().skip(view.offset).take(height).enumerate() {
        let y = inner.y + 1 + n as u16;
        match line {
            Row::Group {
                namespace,
                count,
                folded,
            } => {
                let ns = if namespace.is_empty() {
                    "(cluster)"
                } else {
                    namespace
                };
                let text = match folded {
                    true => format!("▸ {ns} ({count}, folded)"),
                    false => format!("▾ {ns} ({count})"),
                };
                buf.set_stringn(
                    inner.x,
                    y,
                    text,
                    usize::from(inner.width),
                    t.style(Slot::Group),
                );
                if selected_line == Some(view.offset + n) {
                    let row = Rect::new(inner.x, y, inner.width, 1);
                    buf.set_style(row, t.style(Slot::Selected));
                }
            }
            Row::Item(e) => {
                // Rows of a cluster that does not answer (or refuses us) are what it last
                // said: drawn dim, the cluster cell marked.
                let stale = stale[e.key.cluster.index()];
                let mut x = inner.x + 2;
                for (i, w) in &widths {
                    let (mut text, mut slot) = (cols[*i].cell)(e, &cells);
                    if stale {
                        slot = Slot::Dim;
                        if cols[*i].title == "CL" {
                            text.push('?');
                        }
                    }
                    buf.set_string(x, y, fit(&text, usize::from(*w)), t.style(slot));
                    x += w + 1;
                }
                if selected_line == Some(view.offset + n) {
                    let row = Rect::new(inner.x, y, inner.width, 1);
                    buf.set_style(row, t.style(Slot::Selected));
                    buf.set_string(inner.x, y, "▶", t.style(Slot::Selected));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::tui::views::{VIEWS, ViewId, Views};

    fn titled(view: &'static str, inner: u16) -> Vec<(&'static str, u16)> {
        let cols = Views::default().get(ViewId(view)).columns;
        widths(cols, &[], inner)
            .into_iter()
            .map(|(i, w)| (cols[i].title, w))
            .collect()
    }

    #[test]
    fn columns_fill_the_pane_and_names_stay_readable_when_it_is_narrow() {
        // Views drawn by a pane of their own have no columns.
        for view in VIEWS.iter().filter(|v| v.pane.is_none()).map(|v| v.id.0) {
            for inner in [40u16, 50, 60, 76, 100, 156] {
                let shown = titled(view, inner);
                let gaps = shown.len() as u16 - 1;
                let total: u16 = shown.iter().map(|(_, w)| w).sum::<u16>() + gaps;
                assert_eq!(total, inner, "{view} at {inner}: {shown:?}");
                let cols = Views::default().get(ViewId(view)).columns;
                let primary = cols
                    .iter()
                    .find(|c| matches!(c.width, Width::Primary(_)))
                    .map(|c| c.title);
                let name = shown
                    .iter()
                    .find(|(t, _)| Some(*t) == primary)
                    .map(|(_, w)| *w);
                assert!(
                    name.is_some_and(|w| w >= MIN_FLEX),
                    "{view} at {inner}: {shown:?}"
                );
            }
        }
        // Wide enough: every fixed column keeps its width.
        let wide = titled("claims", 156);
        assert!(
            wide.contains(&("KIND", 20)) && wide.contains(&("STATUS", 18)),
            "{wide:?}"
        );
        // Beside a detail pane the widest fixed columns give way first.
        let narrow = titled("claims", 50);
        assert_eq!(
            narrow.iter().map(|(t, _)| *t).collect::<Vec<_>>(),
            ["KIND", "NAME", "CL", "STATUS", "AGE"]
        );
        assert!(narrow.contains(&("NAME", 16)), "{narrow:?}");
    }
}
