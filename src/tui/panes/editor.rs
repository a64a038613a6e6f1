//! The claim editor: the text with line numbers and the line of the first problem marked,
//! the problems under it (line:column, field, message, what would be accepted), a line that
//! says where a submission stands, and over it the server's diff to confirm or the question
//! whether to leave with unsaved changes.

use super::Ctx;
use super::format::fit;
use super::help::overlay;
use crate::tui::state::editor::{EditTarget, Editor, Phase};
use crate::tui::theme::{Slot, Theme};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Widget, Wrap};

/// Problems listed under the text, at most.
const LISTED: usize = 4;

fn title(e: &Editor) -> String {
    match &e.target {
        EditTarget::New { kind } => format!(" New {kind} "),
        EditTarget::Existing { label, cluster, .. } => {
            format!(" Edit {label} ({}) ", cluster.label())
        }
    }
}

fn status(e: &Editor) -> String {
    match &e.phase {
        Phase::Editing if !e.checked => "checking as you type…".into(),
        Phase::Editing if e.problems.is_empty() => {
            "✓ valid · ctrl-s: the server checks it and shows the diff · esc leaves".into()
        }
        Phase::Editing => format!(
            "✗ {} problem(s): fix them, then ctrl-s · esc leaves",
            e.problems.len()
        ),
        Phase::Checking(_) => "asking the server (dry-run)… esc goes back to editing".into(),
        Phase::Applying(_) => "applying… esc goes back to editing".into(),
        Phase::Confirm { .. } => "confirm the diff: y applies · n edits on".into(),
        Phase::Leaving => "unsaved changes: y leaves without saving · n edits on".into(),
    }
}

/// Draw the editor in `area` (the body).
pub fn draw(ctx: &Ctx<'_>, e: &Editor, area: Rect, buf: &mut Buffer) {
    let t = ctx.theme;
    Clear.render(area, buf);
    let problem_lines: Vec<String> = e
        .problems
        .iter()
        .take(LISTED)
        .flat_map(|p| {
            let text = format!("{}:{} {}", p.line, p.column, p.text);
            textwrap::wrap(&text, usize::from(area.width.saturating_sub(2)).max(20))
                .into_iter()
                .map(|l| format!(" {l}"))
                .collect::<Vec<_>>()
        })
        .take(usize::from(area.height / 3))
        .collect();
    let listed = problem_lines.len() as u16;
    let text_height = area.height.saturating_sub(listed + 1);
    let text_area = Rect::new(area.x, area.y, area.width, text_height);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(t.style(Slot::BorderFocus))
        .title(Span::styled(title(e), t.style(Slot::Title)));
    let inner = block.inner(text_area);
    block.render(text_area, buf);
    // Drawing keeps the text area's scroll position (inside it), so that the view follows the
    // cursor smoothly; its styles are set when the editor opens.
    (&e.area).render(inner, buf);
    // The scroll position is only known once drawn: mark the first problem's line if shown.
    if let Some(p) = e.problems.first() {
        let (top, _) = e.area.scroll_offset();
        let row = i64::from(p.line) - 1 - i64::from(top);
        if row >= 0 && row < i64::from(inner.height) {
            let y = inner.y + row as u16;
            buf.set_style(
                Rect::new(inner.x, y, inner.width, 1),
                t.style(Slot::ErrorLine),
            );
        }
    }
    let mut y = area.y + text_height;
    for line in &problem_lines {
        let width = usize::from(area.width);
        buf.set_stringn(
            area.x,
            y,
            fit(line, width),
            width,
            t.style(Slot::MessageError),
        );
        y += 1;
    }
    let slot = if e.problems.is_empty() {
        Slot::StatusReady
    } else {
        Slot::Dim
    };
    buf.set_stringn(
        area.x,
        y,
        fit(&format!(" {}", status(e)), usize::from(area.width)),
        usize::from(area.width),
        t.style(slot),
    );
    match &e.phase {
        Phase::Confirm {
            summary,
            diff,
            scroll,
        } => draw_diff(t, summary, diff, *scroll, area, buf),
        Phase::Leaving => draw_question(
            t,
            " Leave the editor? ",
            "Your changes are not saved and will be lost.\n\ny leaves without saving · n or esc edits on",
            area,
            buf,
        ),
        _ => {}
    }
}

fn draw_diff(
    t: &Theme,
    summary: &[String],
    diff: &[String],
    scroll: usize,
    area: Rect,
    buf: &mut Buffer,
) {
    let rect = overlay(area);
    Clear.render(rect, buf);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(t.style(Slot::BorderFocus))
        .style(t.style(Slot::Base))
        .title(Span::styled(
            " What the server will do ",
            t.style(Slot::Title),
        ))
        .title_bottom(Span::styled(
            " y apply · n back to the editor · ↑↓ scroll ",
            t.style(Slot::Dim),
        ));
    let inner = block.inner(rect);
    block.render(rect, buf);
    let mut lines: Vec<Line> = summary
        .iter()
        .map(|s| Line::from(Span::styled(s.as_str(), t.style(Slot::Title))))
        .collect();
    if diff.is_empty() {
        lines.push(Line::from(Span::styled("no changes", t.style(Slot::Dim))));
    }
    for l in diff.iter().skip(scroll) {
        let slot = if l.starts_with('+') && !l.starts_with("+++") {
            Slot::DiffAdd
        } else if l.starts_with('-') && !l.starts_with("---") {
            Slot::DiffRemove
        } else {
            Slot::Dim
        };
        lines.push(Line::from(Span::styled(l.as_str(), t.style(slot))));
    }
    Paragraph::new(lines).render(inner, buf);
}

/// A small question box over `area`.
pub fn draw_question(t: &Theme, title: &str, text: &str, area: Rect, buf: &mut Buffer) {
    let width = area.width.saturating_sub(4).min(70);
    let lines = textwrap::wrap(text, usize::from(width.saturating_sub(2)).max(10));
    let height = (lines.len() as u16 + 2).min(area.height);
    let rect = Rect::new(
        area.x + (area.width - width) / 2,
        area.y + area.height.saturating_sub(height) / 2,
        width,
        height,
    );
    Clear.render(rect, buf);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(t.style(Slot::BorderFocus))
        .style(t.style(Slot::Base))
        .title(Span::styled(title.to_string(), t.style(Slot::Title)));
    let inner = block.inner(rect);
    block.render(rect, buf);
    Paragraph::new(text.to_string())
        .wrap(Wrap { trim: false })
        .style(t.style(Slot::Base))
        .render(inner, buf);
}
