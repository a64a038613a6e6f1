//! The list pane: the current view's rows grouped by namespace, with the columns of its
//! kind. Column widths come from the pane width (stable while scrolling); only the visible
//! slice of rows is drawn.

use super::Ctx;
use super::format::{age, fit, parse_time};
use crate::cluster::entry::StatusKind;
use crate::cluster::{Category, ClusterId, Entry, Health};
use crate::tui::state::Mode;
use crate::tui::state::rows::Line as Row;
use crate::tui::theme::{Slot, Theme};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Widget};

#[derive(Clone, Copy)]
enum Col {
    Kind,
    Name,
    Cluster,
    Status,
    Extra(usize),
    ExtraAge(usize),
    Age,
}

#[derive(Clone, Copy)]
enum Width {
    Fixed(u16),
    Flex(u16),
}

struct Column {
    col: Col,
    title: &'static str,
    width: Width,
    /// Hidden when the pane is narrower than this.
    min_pane: u16,
}

const fn c(col: Col, title: &'static str, width: Width, min_pane: u16) -> Column {
    Column {
        col,
        title,
        width,
        min_pane,
    }
}

fn columns(view: Category) -> Vec<Column> {
    use Col::*;
    use Width::*;
    let status = c(Status, "STATUS", Fixed(18), 0);
    let age_col = c(Age, "AGE", Fixed(6), 0);
    match view {
        Category::Claim => vec![
            c(Kind, "KIND", Fixed(20), 0),
            c(Name, "NAME", Flex(3), 0),
            c(Cluster, "CL", Fixed(3), 0),
            status,
            c(Extra(0), "DETAIL", Flex(4), 100),
            age_col,
        ],
        Category::Template => vec![
            c(Name, "NAME", Flex(2), 0),
            c(Extra(0), "EXPORTS", Flex(3), 0),
            age_col,
        ],
        Category::ExportRequest => vec![
            c(Name, "NAME", Flex(2), 0),
            c(Extra(0), "RESOURCES", Flex(3), 0),
            status,
            age_col,
        ],
        Category::Export => vec![
            c(Name, "NAME", Flex(2), 0),
            c(Extra(0), "RESOURCE", Flex(3), 0),
            status,
            age_col,
        ],
        Category::ClusterBinding => vec![
            c(Name, "NAME", Flex(2), 0),
            c(Extra(0), "PROVIDER", Flex(2), 0),
            c(ExtraAge(1), "HEARTBEAT", Fixed(9), 0),
            status,
            age_col,
        ],
        Category::Binding => vec![
            c(Name, "NAME", Flex(3), 0),
            c(Extra(0), "PROVIDER", Flex(2), 0),
            c(Extra(1), "SECRET", Flex(2), 90),
            status,
            age_col,
        ],
    }
}

/// Resolve widths for a pane of `inner` columns (after the 2-column indent).
/// The width a flexible column (a name) keeps before fixed columns give way.
const MIN_FLEX: u16 = 16;
/// The narrowest a fixed column becomes.
const MIN_FIXED: u16 = 3;

fn widths(cols: &[Column], inner: u16) -> Vec<(usize, u16)> {
    let shown: Vec<usize> = (0..cols.len())
        .filter(|&i| inner >= cols[i].min_pane)
        .collect();
    let gaps = shown.len().saturating_sub(1) as u16;
    let mut fixed: Vec<(usize, u16)> = shown
        .iter()
        .filter_map(|&i| match cols[i].width {
            Width::Fixed(w) => Some((i, w)),
            Width::Flex(_) => None,
        })
        .collect();
    let weights: u16 = shown
        .iter()
        .map(|&i| match cols[i].width {
            Width::Flex(w) => w,
            Width::Fixed(_) => 0,
        })
        .sum();
    let flex_count = shown
        .iter()
        .filter(|&&i| matches!(cols[i].width, Width::Flex(_)))
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
                Width::Fixed(_) => fixed.iter().find(|(f, _)| *f == i).map_or(0, |(_, w)| *w),
                Width::Flex(weight) => {
                    seen += 1;
                    let w = if seen == flex_count {
                        flex_total - given
                    } else if matches!(cols[i].col, Col::Name) {
                        // Names first: the other flexible columns share what is left.
                        (flex_total * weight / weights.max(1)).max(MIN_FLEX.min(flex_total))
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

fn status_cell(theme: &Theme, kind: StatusKind, text: &str) -> (String, Style) {
    let (symbol, slot) = match kind {
        StatusKind::Ready => ("✓", Slot::StatusReady),
        StatusKind::Progressing => ("◷", Slot::StatusProgress),
        StatusKind::Failed => ("✗", Slot::StatusFailed),
        StatusKind::Deleting => ("⌫", Slot::StatusProgress),
        StatusKind::Unknown => ("·", Slot::StatusUnknown),
    };
    (format!("{symbol} {text}"), theme.style(slot))
}

fn cell(ctx: &Ctx<'_>, e: &Entry, col: Col) -> (String, Style) {
    let t = ctx.theme;
    let extra = |i: usize| e.columns.get(i).map(String::as_str).unwrap_or("-");
    match col {
        Col::Kind => (e.key.kind.clone(), t.style(Slot::Base)),
        Col::Name => (e.key.name.clone(), t.style(Slot::Base)),
        Col::Cluster => (e.key.cluster.short().to_string(), t.style(Slot::Dim)),
        Col::Status => status_cell(t, e.status.kind, &e.status.text),
        Col::Extra(i) => (extra(i).to_string(), t.style(Slot::Base)),
        Col::ExtraAge(i) => (age(ctx.now, parse_time(extra(i))), t.style(Slot::Dim)),
        Col::Age => (age(ctx.now, e.created), t.style(Slot::Dim)),
    }
}

fn title(ctx: &Ctx<'_>) -> Line<'static> {
    let t = ctx.theme;
    let view = ctx.state.view;
    let (name, side) = match view {
        Category::Claim => ("Claims", "both clusters"),
        Category::Template => ("Export templates", "Control Plane"),
        Category::ExportRequest => ("Export requests", "Control Plane"),
        Category::Export => ("Exports", "Control Plane"),
        Category::ClusterBinding => ("Cluster bindings", "Control Plane"),
        Category::Binding => ("API service bindings", "App"),
    };
    let rows = &ctx.state.rows;
    let count = if rows.items.len() == rows.total {
        format!("{}", rows.total)
    } else {
        format!("{}/{}", rows.items.len(), rows.total)
    };
    let mut spans = vec![
        Span::styled(format!(" {name} "), t.style(Slot::Title)),
        Span::styled(format!("({side}) [{count}] "), t.style(Slot::Dim)),
    ];
    let filter = &ctx.state.current().filter_text;
    if !filter.is_empty() && ctx.state.mode != Mode::Filter {
        spans.push(Span::styled(format!("/{filter} "), t.style(Slot::Input)));
    }
    Line::from(spans)
}

fn empty_text(ctx: &Ctx<'_>) -> String {
    let view = ctx.state.view;
    if ctx.state.rows.total > 0 {
        return format!("Nothing matches /{}", ctx.state.current().filter_text);
    }
    let cp_only = !matches!(view, Category::Claim | Category::Binding);
    if cp_only && ctx.store.cluster(ClusterId::ControlPlane).health() == Health::NotConfigured {
        return "No Control Plane is connected.".into();
    }
    let what = match view {
        Category::Claim => "claims",
        Category::Template => "export templates",
        Category::ExportRequest => "export requests",
        Category::Export => "exports",
        Category::ClusterBinding => "cluster bindings",
        Category::Binding => "API service bindings",
    };
    format!("No {what} yet.")
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
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(t.style(border))
        .title(title(ctx));
    let inner = block.inner(area);
    block.render(area, buf);
    if inner.height == 0 || inner.width < 4 {
        return;
    }
    let cols = columns(ctx.state.view);
    let widths = widths(&cols, inner.width.saturating_sub(2));
    let mut x = inner.x + 2;
    for (i, w) in &widths {
        buf.set_stringn(
            x,
            inner.y,
            cols[*i].title,
            usize::from(*w),
            t.style(Slot::TableHeader),
        );
        x += w + 1;
    }
    let rows = &ctx.state.rows;
    if rows.items.is_empty() {
        let msg = Paragraph::new(empty_text(ctx)).style(t.style(Slot::Dim));
        msg.render(
            Rect::new(inner.x + 2, inner.y + 2, inner.width - 2, 1).intersection(inner),
            buf,
        );
        return;
    }
    let view = ctx.state.current();
    let selected_line = rows.items.get(view.selected).copied();
    let height = usize::from(inner.height - 1);
    for (n, line) in rows.lines.iter().skip(view.offset).take(height).enumerate() {
        let y = inner.y + 1 + n as u16;
        match line {
            Row::Group { namespace, count } => {
                let ns = if namespace.is_empty() {
                    "(cluster)"
                } else {
                    namespace
                };
                let text = format!("▾ {ns} ({count})");
                buf.set_stringn(
                    inner.x,
                    y,
                    text,
                    usize::from(inner.width),
                    t.style(Slot::Group),
                );
            }
            Row::Item(e) => {
                let mut x = inner.x + 2;
                for (i, w) in &widths {
                    let (text, style) = cell(ctx, e, cols[*i].col);
                    buf.set_string(x, y, fit(&text, usize::from(*w)), style);
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

    fn titled(view: Category, inner: u16) -> Vec<(&'static str, u16)> {
        let cols = columns(view);
        widths(&cols, inner)
            .into_iter()
            .map(|(i, w)| (cols[i].title, w))
            .collect()
    }

    #[test]
    fn columns_fill_the_pane_and_names_stay_readable_when_it_is_narrow() {
        for view in [
            Category::Claim,
            Category::Template,
            Category::ExportRequest,
            Category::Export,
            Category::ClusterBinding,
            Category::Binding,
        ] {
            for inner in [40u16, 50, 60, 76, 100, 156] {
                let shown = titled(view, inner);
                let gaps = shown.len() as u16 - 1;
                let total: u16 = shown.iter().map(|(_, w)| w).sum::<u16>() + gaps;
                assert_eq!(total, inner, "{view:?} at {inner}: {shown:?}");
                let name = shown.iter().find(|(t, _)| *t == "NAME").map(|(_, w)| *w);
                assert!(
                    name.is_some_and(|w| w >= MIN_FLEX),
                    "{view:?} at {inner}: {shown:?}"
                );
            }
        }
        // Wide enough: every fixed column keeps its width.
        let wide = titled(Category::Claim, 156);
        assert!(
            wide.contains(&("KIND", 20)) && wide.contains(&("STATUS", 18)),
            "{wide:?}"
        );
        // Beside a detail pane the widest fixed columns give way first.
        let narrow = titled(Category::Claim, 50);
        assert_eq!(
            narrow.iter().map(|(t, _)| *t).collect::<Vec<_>>(),
            ["KIND", "NAME", "CL", "STATUS", "AGE"]
        );
        assert!(narrow.contains(&("NAME", 16)), "{narrow:?}");
    }
}
