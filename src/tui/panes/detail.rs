//! The detail pane: the object's conditions (its own and the managed resource's) with age
//! and message, and its YAML, highlighted, from the scroll position.

use super::Ctx;
use super::format::{age, fit};
use crate::tui::highlight::{Token, tokens};
use crate::tui::layout::conditions_height;
use crate::tui::state::detail::{Detail, Presence};
use crate::tui::theme::Slot;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Widget};
use unicode_width::UnicodeWidthChar;

fn token_slot(t: Token) -> Slot {
    match t {
        Token::Plain => Slot::Base,
        Token::Key => Slot::YamlKey,
        Token::String => Slot::YamlString,
        Token::Number => Slot::YamlNumber,
        Token::Bool => Slot::YamlBool,
        Token::Punct => Slot::YamlPunct,
        Token::Comment => Slot::YamlComment,
    }
}

fn draw_conditions(ctx: &Ctx<'_>, d: &Detail, area: Rect, buf: &mut Buffer) {
    let t = ctx.theme;
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(t.style(Slot::Border))
        .title(Span::styled(" Conditions ", t.style(Slot::Title)));
    let inner = block.inner(area);
    block.render(area, buf);
    if inner.height == 0 {
        return;
    }
    let conds = &d.entry.conditions;
    let header = format!(
        "{}{}{}{}{}",
        fit("TYPE", 16),
        fit("STATUS", 8),
        fit("REASON", 18),
        fit("AGE", 7),
        "MESSAGE"
    );
    buf.set_stringn(
        inner.x,
        inner.y,
        header,
        usize::from(inner.width),
        t.style(Slot::TableHeader),
    );
    if conds.is_empty() {
        buf.set_stringn(
            inner.x,
            inner.y + 1,
            "none reported",
            usize::from(inner.width),
            t.style(Slot::Dim),
        );
        return;
    }
    let rows = usize::from(inner.height.saturating_sub(1));
    for (i, c) in conds.iter().take(rows).enumerate() {
        let y = inner.y + 1 + i as u16;
        let type_ = if c.source.is_empty() {
            c.type_.clone()
        } else {
            format!("{}.{}", c.source, c.type_)
        };
        let status_slot = match c.status.as_str() {
            "True" => Slot::StatusReady,
            "False" => Slot::StatusFailed,
            _ => Slot::StatusUnknown,
        };
        let line = Line::from(vec![
            Span::styled(fit(&type_, 16), t.style(Slot::Base)),
            Span::styled(fit(&c.status, 8), t.style(status_slot)),
            Span::styled(
                fit(c.reason.as_deref().unwrap_or("-"), 18),
                t.style(Slot::Base),
            ),
            Span::styled(fit(&age(ctx.now, c.last_transition), 7), t.style(Slot::Dim)),
            Span::styled(c.message.clone().unwrap_or_default(), t.style(Slot::Base)),
        ]);
        line.render(Rect::new(inner.x, y, inner.width, 1), buf);
    }
}

/// Draw the detail pane for `d` in `area`.
pub fn draw(ctx: &Ctx<'_>, d: &Detail, area: Rect, buf: &mut Buffer) {
    let t = ctx.theme;
    let key = &d.key;
    let mut title = vec![
        Span::styled(format!(" {} ", key.kind), t.style(Slot::Title)),
        Span::styled(
            format!("{}/{} ({}) ", key.namespace, key.name, key.cluster.short()),
            t.style(Slot::Base),
        ),
    ];
    if d.presence == Presence::Gone {
        title.push(Span::styled("[deleted] ", t.style(Slot::StatusFailed)));
    }
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(t.style(Slot::BorderFocus))
        .title(Line::from(title));
    let inner = block.inner(area);
    block.render(area, buf);
    if inner.height == 0 {
        return;
    }
    let cond_h = conditions_height(d.entry.conditions.len()).min(inner.height);
    draw_conditions(
        ctx,
        d,
        Rect::new(inner.x, inner.y, inner.width, cond_h),
        buf,
    );
    let yaml_area = Rect::new(
        inner.x + 1,
        inner.y + cond_h,
        inner.width.saturating_sub(1),
        inner.height - cond_h,
    );
    let total = d.yaml.len();
    let height = usize::from(yaml_area.height);
    let mut y = 0;
    let mut shown = 0;
    for text in d.yaml.iter().skip(d.scroll) {
        if y >= height {
            break;
        }
        // Long lines (messages, certificates) wrap instead of being cut.
        for row in wrap_line(text, usize::from(yaml_area.width)) {
            if y >= height {
                break;
            }
            let spans: Vec<Span<'_>> = row
                .into_iter()
                .map(|(tok, s)| Span::styled(s, t.style(token_slot(tok))))
                .collect();
            let row_area = Rect::new(yaml_area.x, yaml_area.y + y as u16, yaml_area.width, 1);
            Line::from(spans).render(row_area, buf);
            y += 1;
        }
        shown += 1;
    }
    let last = (d.scroll + shown).min(total);
    let pos = format!(" {}-{}/{} ", (d.scroll + 1).min(total), last, total);
    let x = (area.x + area.width).saturating_sub(pos.len() as u16 + 1);
    buf.set_string(x, area.y + area.height - 1, pos, t.style(Slot::Dim));
}

/// A YAML line's highlighted tokens laid out in rows of `width` columns; rows after the first
/// are indented two columns deeper than the line.
fn wrap_line(text: &str, width: usize) -> Vec<Vec<(Token, String)>> {
    let indent = (text.len() - text.trim_start().len() + 2).min(width / 2);
    let mut rows = vec![Vec::new()];
    let mut used = 0;
    for (tok, piece) in tokens(text) {
        let mut current = String::new();
        for ch in piece.chars() {
            let w = UnicodeWidthChar::width(ch).unwrap_or(0);
            if used + w > width && used > indent {
                if !current.is_empty()
                    && let Some(row) = rows.last_mut()
                {
                    row.push((tok, std::mem::take(&mut current)));
                }
                rows.push(vec![(Token::Plain, " ".repeat(indent))]);
                used = indent;
            }
            current.push(ch);
            used += w;
        }
        if !current.is_empty()
            && let Some(row) = rows.last_mut()
        {
            row.push((tok, current));
        }
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plain(rows: &[Vec<(Token, String)>]) -> Vec<String> {
        rows.iter()
            .map(|r| r.iter().map(|(_, s)| s.as_str()).collect())
            .collect()
    }

    #[test]
    fn long_lines_wrap_with_an_indent_and_short_ones_stay() {
        assert_eq!(plain(&wrap_line("  name: db", 40)), ["  name: db"]);
        let rows = wrap_line("    message: the provider could not reach the broker", 24);
        let text = plain(&rows);
        assert_eq!(text[0], "    message: the provide");
        assert!(
            text[1..].iter().all(|r| r.starts_with("      ")),
            "{text:?}"
        );
        assert!(text.iter().all(|r| r.chars().count() <= 24), "{text:?}");
        let joined: String = text
            .iter()
            .enumerate()
            .map(|(i, r)| if i == 0 { r.as_str() } else { &r[6..] })
            .collect();
        assert_eq!(
            joined,
            "    message: the provider could not reach the broker"
        );
    }
}
