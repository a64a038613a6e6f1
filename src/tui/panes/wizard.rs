//! The bind wizard over the list: every step of the walkthrough with its state (beside the
//! page on a wide terminal, as one line above it on a narrow one), and the page that waits
//! for the person — the login with its URL and QR code (or the device code), the exports to
//! choose, a permission claim, the outcome with what to do.

use super::Ctx;
use crate::services::bind::{LoginPrompt, StepStatus};
use crate::tui::state::wizard::{Page, Wizard};
use crate::tui::theme::Slot;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Widget, Wrap};

/// Width of the steps column on a wide terminal.
const STEPS_WIDTH: u16 = 48;
/// From this inner width on the steps stand beside the page.
const WIDE: u16 = 110;

/// Draw the wizard over `area` (all but the header and the message line).
pub fn draw(ctx: &Ctx<'_>, w: &Wizard, area: Rect, buf: &mut Buffer) {
    let t = ctx.theme;
    let rect = Rect::new(
        area.x,
        area.y + 2.min(area.height),
        area.width,
        area.height.saturating_sub(3),
    );
    Clear.render(rect, buf);
    let hint = match (&w.page, w.cancelling) {
        (Page::Bound(_) | Page::Failed { .. }, _) => " enter or esc closes ",
        (_, true) => " cancelling… ",
        (Page::Exports { .. }, _) => {
            " ↑↓ move · space chooses · a all · enter binds · esc cancels "
        }
        (Page::Claim { .. }, _) => " y accepts · n rejects · esc cancels ",
        (Page::Login(_), _) => " c copies the URL · esc cancels ",
        (Page::Working, _) => " esc cancels (what was made is removed) ",
    };
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(t.style(Slot::BorderFocus))
        .style(t.style(Slot::Base))
        .title(Span::styled(
            format!(" Bind {} ", w.target),
            t.style(Slot::Title),
        ))
        .title_bottom(Span::styled(hint, t.style(Slot::Dim)));
    let inner = block.inner(rect);
    block.render(rect, buf);
    if inner.width >= WIDE {
        let steps = Rect::new(inner.x, inner.y, STEPS_WIDTH, inner.height);
        draw_steps(ctx, w, steps, buf);
        let page = Rect::new(
            inner.x + STEPS_WIDTH + 1,
            inner.y,
            inner.width - STEPS_WIDTH - 1,
            inner.height,
        );
        draw_page(ctx, w, page, buf);
    } else {
        let line = Rect::new(inner.x, inner.y, inner.width, 1.min(inner.height));
        summary_line(ctx, w).render(line, buf);
        let page = Rect::new(
            inner.x,
            inner.y + 2.min(inner.height),
            inner.width,
            inner.height.saturating_sub(2),
        );
        draw_page(ctx, w, page, buf);
    }
}

fn icon(status: Option<&StepStatus>) -> (&'static str, Slot) {
    match status {
        None => ("·", Slot::Dim),
        Some(StepStatus::Started | StepStatus::Progress(_)) => ("●", Slot::StatusProgress),
        Some(StepStatus::Done(_)) => ("✓", Slot::StatusReady),
        Some(StepStatus::Skipped(_)) => ("–", Slot::Dim),
        Some(StepStatus::Failed(_)) => ("✗", Slot::StatusFailed),
    }
}

fn draw_steps(ctx: &Ctx<'_>, w: &Wizard, area: Rect, buf: &mut Buffer) {
    let t = ctx.theme;
    let mut lines = Vec::new();
    for (step, status) in &w.steps {
        let (mark, slot) = icon(status.as_ref());
        lines.push(Line::from(vec![
            Span::styled(format!("{mark} "), t.style(slot)),
            Span::styled(step.title(), t.style(Slot::Base)),
        ]));
        let said = match status {
            Some(StepStatus::Done(s) | StepStatus::Skipped(s) | StepStatus::Progress(s))
                if !s.is_empty() =>
            {
                Some((s.as_str(), Slot::Dim))
            }
            Some(StepStatus::Failed(s)) => Some((s.as_str(), Slot::StatusFailed)),
            _ => None,
        };
        if let Some((text, slot)) = said {
            let room = usize::from(area.width.saturating_sub(4));
            lines.push(Line::from(Span::styled(
                format!("  {}", super::format::fit(text, room)),
                t.style(slot),
            )));
        }
    }
    Paragraph::new(lines).render(area, buf);
}

/// `step 4/12: log in` — where the bind is, for a narrow terminal.
fn summary_line<'a>(ctx: &Ctx<'_>, w: &'a Wizard) -> Line<'a> {
    let t = ctx.theme;
    let total = w.steps.len();
    let at = w
        .steps
        .iter()
        .rposition(|(_, st)| st.is_some())
        .unwrap_or(0);
    let (step, status) = &w.steps[at];
    let (mark, slot) = icon(status.as_ref());
    Line::from(vec![
        Span::styled(format!("{mark} "), t.style(slot)),
        Span::styled(
            format!("step {}/{total}: {}", at + 1, step.title()),
            t.style(Slot::Base),
        ),
    ])
}

fn styled<'a>(text: impl Into<String>, style: Style) -> Line<'a> {
    Line::from(Span::styled(text.into(), style))
}

fn draw_page(ctx: &Ctx<'_>, w: &Wizard, area: Rect, buf: &mut Buffer) {
    let t = ctx.theme;
    let base = t.style(Slot::Base);
    let dim = t.style(Slot::Dim);
    let mut lines: Vec<Line> = Vec::new();
    match &w.page {
        Page::Working => {
            let text = match (w.cancelling, w.current()) {
                (true, _) => "Cancelling: removing what this bind made…".to_owned(),
                (false, Some((step, StepStatus::Progress(p)))) => {
                    format!("{}… {p}", capital(step.title()))
                }
                (false, Some((step, _))) => format!("{}…", capital(step.title())),
                (false, None) => "Starting…".to_owned(),
            };
            lines.push(styled(text, base));
        }
        Page::Login(prompt) => return draw_login(ctx, prompt, area, buf),
        Page::Exports {
            offers,
            chosen,
            cursor,
        } => {
            lines.push(styled("Which exports to bind?", t.style(Slot::Title)));
            lines.push(Line::default());
            for (i, o) in offers.iter().enumerate() {
                let mark = if chosen.get(i).copied().unwrap_or(false) {
                    "[x]"
                } else {
                    "[ ]"
                };
                let style = if i == *cursor {
                    t.style(Slot::Selected)
                } else {
                    base
                };
                let mut spans = vec![Span::styled(format!("{mark} {} ", o.name), style)];
                if !o.kind.is_empty() {
                    spans.push(Span::styled(format!("({})", o.kind), dim));
                }
                if !o.claims.is_empty() {
                    spans.push(Span::styled(
                        format!("  claims {}", o.claims.join(", ")),
                        dim,
                    ));
                }
                lines.push(Line::from(spans));
            }
        }
        Page::Claim { binding, text } => {
            lines.push(styled(
                format!("{binding} asks for access:"),
                t.style(Slot::Title),
            ));
            lines.push(Line::default());
            lines.extend(text.lines().map(|l| styled(l.to_owned(), base)));
        }
        Page::Bound(summary) => {
            lines.push(styled("✓ Bound.", t.style(Slot::StatusReady)));
            lines.push(Line::default());
            lines.extend(summary.iter().map(|l| styled(l.clone(), base)));
            lines.push(Line::default());
            lines.push(styled(
                "The bound kinds show in Claims (1) and Bindings (6); n makes a claim.",
                dim,
            ));
        }
        Page::Failed { step, message } => {
            let head = match step {
                Some(s) => format!("✗ Failed at \"{}\".", s.title()),
                None => "✗ Not started.".to_owned(),
            };
            lines.push(styled(head, t.style(Slot::StatusFailed)));
            lines.push(Line::default());
            lines.push(styled(message.clone(), base));
            lines.push(Line::default());
            let removed = match &w.removed {
                Some(gone) if !gone.is_empty() => format!("Removed again: {}.", gone.join(", ")),
                _ => "Nothing was left behind.".to_owned(),
            };
            lines.push(styled(removed, dim));
            lines.push(styled("B tries again.", dim));
        }
    }
    Paragraph::new(lines)
        .wrap(Wrap { trim: false })
        .render(area, buf);
}

fn capital(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// The login: what to open (and the code to enter), then the QR code where it fits.
fn draw_login(ctx: &Ctx<'_>, prompt: &LoginPrompt, area: Rect, buf: &mut Buffer) {
    let t = ctx.theme;
    let base = t.style(Slot::Base);
    let mut lines: Vec<Line> = Vec::new();
    let qr = match prompt {
        LoginPrompt::Browser { url, qr } => {
            lines.push(styled(
                "Log in: open this URL in a browser (here, or scan the QR code with another device):",
                t.style(Slot::Title),
            ));
            lines.push(styled(url.clone(), t.style(Slot::Input)));
            qr
        }
        LoginPrompt::Device {
            verification_uri,
            user_code,
            qr,
            expires_in,
            ..
        } => {
            lines.push(styled(
                format!("Log in: on any device, open {verification_uri} and enter the code"),
                t.style(Slot::Title),
            ));
            lines.push(Line::from(vec![
                Span::styled("    ", base),
                Span::styled(user_code.clone(), t.style(Slot::Key)),
                Span::styled(
                    format!(
                        "    (or scan the QR code; it expires in {} min)",
                        expires_in / 60
                    ),
                    t.style(Slot::Dim),
                ),
            ]));
            qr
        }
    };
    lines.push(styled(
        "Waiting for the login…",
        t.style(Slot::StatusProgress),
    ));
    let width = usize::from(area.width).max(1);
    let used: usize = lines
        .iter()
        .map(|l| textwrap::wrap(&l.to_string(), width).len().max(1))
        .sum();
    let used = (used as u16).min(area.height);
    Paragraph::new(lines)
        .wrap(Wrap { trim: false })
        .render(area, buf);
    let rows: Vec<&str> = qr.lines().collect();
    let width = rows.first().map_or(0, |r| r.chars().count()) as u16;
    let room = Rect::new(
        area.x,
        area.y + used + 1,
        area.width,
        area.height.saturating_sub(used + 1),
    );
    if rows.is_empty() {
        return;
    }
    if width > room.width || rows.len() as u16 > room.height {
        let need = format!(
            "(the QR code needs {}×{} characters: enlarge the terminal to see it)",
            width + 2,
            rows.len() as u16 + used + 7
        );
        Paragraph::new(styled(need, t.style(Slot::Dim)))
            .wrap(Wrap { trim: false })
            .render(room, buf);
        return;
    }
    let qr_lines: Vec<Line> = rows.iter().map(|r| styled((*r).to_owned(), base)).collect();
    Paragraph::new(qr_lines).render(room, buf);
}
