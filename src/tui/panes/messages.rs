//! Overlays of what this run has said and where it keeps things: the message log (every kept
//! message, newest at the bottom, with its age and level, scrolled back with the usual keys;
//! the message line shows only the newest) and `:info` (kubeconfig, contexts, log file, …).

use super::Ctx;
use super::format::age;
use super::help::overlay;
use crate::cluster::Level;
use crate::tui::keymap::Command;
use crate::tui::theme::Slot;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Widget, Wrap};

/// A centred overlay's frame titled `title`; returns the area inside it.
fn frame(ctx: &Ctx<'_>, area: Rect, title: String, buf: &mut Buffer) -> Rect {
    let t = ctx.theme;
    let rect = overlay(area);
    Clear.render(rect, buf);
    let close = ctx
        .keymap
        .keys(Command::Back)
        .first()
        .map(|k| k.to_string())
        .unwrap_or_default();
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(t.style(Slot::BorderFocus))
        .style(t.style(Slot::Base))
        .title(Span::styled(title, t.style(Slot::Title)))
        .title_bottom(Span::styled(
            format!(" {close} closes · ↑↓ scroll "),
            t.style(Slot::Dim),
        ));
    let inner = block.inner(rect);
    block.render(rect, buf);
    inner
}

/// Draw `:info`: facts about this run, one per line, values wrapped.
pub fn draw_info(ctx: &Ctx<'_>, area: Rect, buf: &mut Buffer) {
    let t = ctx.theme;
    let inner = frame(ctx, area, " Info ".into(), buf);
    let lines: Vec<Line> = ctx
        .store
        .about()
        .iter()
        .map(|(name, value)| {
            Line::from(vec![
                Span::styled(format!("{name}: "), t.style(Slot::Key)),
                Span::styled(value.as_str(), t.style(Slot::Base)),
            ])
        })
        .collect();
    Paragraph::new(lines)
        .wrap(Wrap { trim: false })
        .render(inner, buf);
}

/// Draw the message log, centred.
pub fn draw(ctx: &Ctx<'_>, area: Rect, buf: &mut Buffer) {
    let t = ctx.theme;
    let messages = ctx.store.messages();
    let inner = frame(ctx, area, format!(" Messages ({}) ", messages.len()), buf);
    if messages.is_empty() {
        Paragraph::new("No messages yet.")
            .style(t.style(Slot::Dim))
            .render(inner, buf);
        return;
    }
    let visible = usize::from(inner.height);
    let hidden_below = ctx
        .state
        .messages_scroll
        .min(messages.len().saturating_sub(visible));
    let lines: Vec<Line> = messages
        .iter()
        .rev()
        .skip(hidden_below)
        .take(visible)
        .rev()
        .map(|m| {
            let slot = match m.level {
                Level::Error => Slot::MessageError,
                Level::Info => Slot::MessageInfo,
            };
            let ago = age(ctx.now, Some(m.at));
            Line::from(vec![
                Span::styled(format!("{ago:>6} "), t.style(Slot::Dim)),
                Span::styled(m.text.as_str(), t.style(slot)),
            ])
        })
        .collect();
    Paragraph::new(lines)
        .wrap(Wrap { trim: false })
        .render(inner, buf);
}
