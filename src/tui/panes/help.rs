//! The bottom two lines (message or input line, key hints) and the help overlay. Hints and
//! help come from the key map, so they show the keys actually bound.

use super::Ctx;
use super::format::fit;
use crate::cluster::Level;
use crate::tui::keymap::{Command, KeyMap};
use crate::tui::state::Mode;
use crate::tui::theme::Slot;
use crate::tui::views::Views;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Widget};

/// Draw the message line, or the input line while typing a filter or command.
pub fn draw_message(ctx: &Ctx<'_>, area: Rect, buf: &mut Buffer) {
    let t = ctx.theme;
    let s = ctx.state;
    let line = match s.mode {
        Mode::Filter | Mode::Command => {
            let prompt = if s.mode == Mode::Filter { "/" } else { ":" };
            let mut spans = vec![
                Span::styled(prompt, t.style(Slot::Key)),
                Span::styled(s.input.as_str(), t.style(Slot::Input)),
                Span::styled("▏", t.style(Slot::Input)),
            ];
            if let Some(err) = &s.input_error {
                spans.push(Span::styled(
                    format!("  {err}"),
                    t.style(Slot::MessageError),
                ));
            } else if s.mode == Mode::Filter {
                spans.push(Span::styled(
                    "  text or label selector (app=db,tier in (a,b)) · enter keep · esc clear",
                    t.style(Slot::Dim),
                ));
            }
            Line::from(spans)
        }
        _ => match &s.message {
            Some(m) => {
                let slot = match m.level {
                    Level::Error => Slot::MessageError,
                    Level::Info => Slot::MessageInfo,
                };
                Line::from(Span::styled(m.text.as_str(), t.style(slot)))
            }
            None => Line::default(),
        },
    };
    line.render(area, buf);
}

const HINTS: [(Command, &str); 7] = [
    (Command::Quit, "quit"),
    (Command::Help, "help"),
    (Command::NextView, "view"),
    (Command::Filter, "filter"),
    (Command::CommandLine, "command"),
    (Command::OpenDetail, "detail"),
    (Command::Back, "back"),
];

/// Draw the key hint line.
pub fn draw_hints(ctx: &Ctx<'_>, area: Rect, buf: &mut Buffer) {
    let t = ctx.theme;
    let mut spans = Vec::new();
    for (command, word) in HINTS {
        let Some(key) = ctx.keymap.keys(command).first() else {
            continue;
        };
        spans.push(Span::styled(key.to_string(), t.style(Slot::Key)));
        spans.push(Span::styled(format!(" {word}  "), t.style(Slot::KeyDesc)));
    }
    Line::from(spans).render(area, buf);
}

/// The help text: every binding with its description, then input keys, commands, filters.
/// With `read_only` the commands that change something are left out, and that is said.
pub fn help_lines(keymap: &KeyMap, views: Views, read_only: bool) -> Vec<(String, String)> {
    let mut lines = vec![("Keys".to_string(), String::new())];
    if read_only {
        lines.push((
            "read-only".into(),
            "started with --readonly: keys that change claims are off".into(),
        ));
    }
    for (command, _) in keymap.bindings() {
        if read_only && command.mutates() {
            continue;
        }
        lines.push((
            keymap.keys_text(command),
            keymap.description(command).to_string(),
        ));
    }
    lines.push((String::new(), String::new()));
    lines.push(("While typing".into(), String::new()));
    lines.push(("enter".into(), "Keep the filter / run the command".into()));
    lines.push((
        "esc".into(),
        "Clear the filter / abandon the command".into(),
    ));
    lines.push(("ctrl-c".into(), "Quit".into()));
    lines.push((String::new(), String::new()));
    lines.push(("Commands".into(), String::new()));
    let names: Vec<String> = views
        .all()
        .iter()
        .flat_map(|v| v.names.iter().map(|n| format!(":{n}")))
        .collect();
    for chunk in names.chunks(4) {
        lines.push((String::new(), chunk.join("  ")));
    }
    lines.push((String::new(), ":help  :q".into()));
    lines.push((
        String::new(),
        ":messages  :info  :reconnect [app|cp]".into(),
    ));
    lines.push((String::new(), String::new()));
    lines.push(("Filter".into(), String::new()));
    lines.push((
        "text".into(),
        "substring of namespace/name, kind, cluster, status".into(),
    ));
    lines.push((
        "a=b,c!=d".into(),
        "label selector, also: k in (x,y), k notin (x), !k".into(),
    ));
    lines.push(("mouse".into(), "click a tab or row, wheel scrolls".into()));
    lines
}

/// The rectangle of a centred overlay (help, message log) at most 76 columns wide.
pub fn overlay(area: Rect) -> Rect {
    let width = area.width.saturating_sub(4).min(76);
    let height = area.height.saturating_sub(2);
    Rect::new(
        area.x + (area.width - width) / 2,
        area.y + (area.height - height) / 2,
        width,
        height,
    )
}

/// Draw the help overlay, centred.
pub fn draw_help(ctx: &Ctx<'_>, area: Rect, buf: &mut Buffer) {
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
        .title(Span::styled(" Help ", t.style(Slot::Title)))
        .title_bottom(Span::styled(
            format!(" {close} closes · ↑↓ scroll "),
            t.style(Slot::Dim),
        ));
    let inner = block.inner(rect);
    block.render(rect, buf);
    let read_only = ctx.state.access == crate::tui::state::Access::ReadOnly;
    let lines = wrapped(
        &help_lines(ctx.keymap, ctx.state.table, read_only),
        inner.width,
    );
    let visible = usize::from(inner.height);
    let scroll = ctx
        .state
        .help_scroll
        .min(lines.len().saturating_sub(visible));
    for (i, (keys, desc)) in lines.iter().skip(scroll).take(visible).enumerate() {
        let y = inner.y + i as u16;
        let heading = desc.is_empty() && !keys.is_empty();
        let line = if heading {
            Line::from(Span::styled(keys.as_str(), t.style(Slot::Title)))
        } else {
            Line::from(vec![
                Span::styled(format!(" {}", fit(keys, KEYS)), t.style(Slot::Key)),
                Span::styled(desc.as_str(), t.style(Slot::KeyDesc)),
            ])
        };
        line.render(Rect::new(inner.x, y, inner.width, 1), buf);
    }
}

/// Width of the keys column of the help.
const KEYS: usize = 18;

/// Help lines whose descriptions are wrapped to `width` (continuations have no keys), so
/// that nothing is cut in a narrow terminal.
fn wrapped(lines: &[(String, String)], width: u16) -> Vec<(String, String)> {
    let room = usize::from(width).saturating_sub(KEYS + 1).max(10);
    let mut out = Vec::with_capacity(lines.len());
    for (keys, desc) in lines {
        if desc.is_empty() {
            out.push((keys.clone(), String::new()));
            continue;
        }
        for (i, part) in textwrap::wrap(desc, room).into_iter().enumerate() {
            let keys = if i == 0 { keys.clone() } else { String::new() };
            out.push((keys, part.into_owned()));
        }
    }
    out
}
