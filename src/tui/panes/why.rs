//! The why pane: a claim's chain across both clusters, one line per link — ✓, … or ✗, the
//! link's name and the fact that shows it — with what to do under the link that does not
//! hold, wrapped to the pane. Drawn over the body while it is open; the walk itself ran in
//! the services.

use super::Ctx;
use crate::cluster::Fetch;
use crate::services::why::{Report, Verdict};
use crate::tui::keymap::Command;
use crate::tui::state::why::WhyPane;
use crate::tui::theme::Slot;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Widget};

/// Width of the link-name column.
const STEP: usize = 12;

fn slot(v: Verdict) -> Slot {
    match v {
        Verdict::Ok => Slot::StatusReady,
        Verdict::Waiting => Slot::StatusProgress,
        Verdict::Broken => Slot::StatusFailed,
    }
}

/// `text` wrapped to `width`, the first line after `first`, the others indented as deep.
fn wrapped<'a>(first: Vec<Span<'a>>, text: &str, width: usize, style: Style) -> Vec<Line<'a>> {
    let indent: usize = first.iter().map(|s| s.width()).sum();
    let room = width.saturating_sub(indent).max(10);
    let mut lines = Vec::new();
    let mut head = Some(first);
    for part in textwrap::wrap(text, room) {
        let mut spans = head
            .take()
            .unwrap_or_else(|| vec![Span::raw(" ".repeat(indent))]);
        spans.push(Span::styled(part.into_owned(), style));
        lines.push(Line::from(spans));
    }
    if let Some(first) = head {
        lines.push(Line::from(first));
    }
    lines
}

fn report_lines<'a>(ctx: &Ctx<'_>, report: &Report, width: usize) -> Vec<Line<'a>> {
    let t = ctx.theme;
    let mut lines = Vec::new();
    for link in &report.links {
        let first = vec![
            Span::styled(
                format!("{} ", link.verdict.symbol()),
                t.style(slot(link.verdict)),
            ),
            Span::styled(format!("{:<STEP$}", link.step.label()), t.style(Slot::Key)),
        ];
        lines.extend(wrapped(first, &link.fact, width, t.style(Slot::Base)));
        if let Some(fix) = &link.fix {
            let first = vec![Span::styled(
                format!("{}fix: ", " ".repeat(STEP + 2 - 5)),
                t.style(Slot::KeyDesc),
            )];
            lines.extend(wrapped(first, fix, width, t.style(Slot::KeyDesc)));
        }
    }
    lines.push(Line::default());
    lines.push(match report.broken() {
        None => Line::from(Span::styled(
            "healthy: every link holds",
            t.style(Slot::StatusReady),
        )),
        Some(l) if l.verdict == Verdict::Waiting => Line::from(Span::styled(
            format!("not ready yet at {}", l.step.label()),
            t.style(Slot::StatusProgress),
        )),
        Some(l) => Line::from(Span::styled(
            format!(
                "broken at {}: the links after it were not checked",
                l.step.label()
            ),
            t.style(Slot::StatusFailed),
        )),
    });
    lines
}

/// Draw the why pane over `area` (the body between the tabs and the message line).
pub fn draw(ctx: &Ctx<'_>, pane: &WhyPane, area: Rect, buf: &mut Buffer) {
    let t = ctx.theme;
    Clear.render(area, buf);
    let key = |c: Command| {
        ctx.keymap
            .keys(c)
            .first()
            .map(|k| k.to_string())
            .unwrap_or_default()
    };
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(t.style(Slot::BorderFocus))
        .style(t.style(Slot::Base))
        .title(Line::from(vec![
            Span::styled(" why ", t.style(Slot::Title)),
            Span::styled(format!("{} ", pane.subject), t.style(Slot::Base)),
        ]))
        .title_bottom(Span::styled(
            format!(
                " {} closes · {} walks again ",
                key(Command::Back),
                key(Command::Why)
            ),
            t.style(Slot::Dim),
        ));
    let inner = block.inner(area);
    block.render(area, buf);
    let width = usize::from(inner.width.saturating_sub(1));
    let lines = match &pane.report {
        Fetch::Loading => vec![Line::from(Span::styled(
            "walking the chain: App claim → binding → Secret → konnector → Control Plane copy → provider …",
            t.style(Slot::Dim),
        ))],
        Fetch::Failed(why) => wrapped(
            vec![Span::styled("✗ ", t.style(Slot::StatusFailed))],
            why,
            width,
            t.style(Slot::StatusFailed),
        ),
        Fetch::Loaded(report) => report_lines(ctx, report, width),
    };
    let body = Rect::new(
        inner.x + 1,
        inner.y,
        inner.width.saturating_sub(1),
        inner.height,
    );
    Paragraph::new(lines).render(body, buf);
}
