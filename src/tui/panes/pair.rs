//! The paired view of one claim: its App Cluster object and its Control Plane copy side by
//! side (stacked when the pane is narrower than 120 columns), the `spec` lines that differ
//! marked, both sides' conditions as one timeline, the sync lag, and what is missing said
//! plainly.

use super::Ctx;
use super::format::{age, fit};
use crate::cluster::{ClusterId, Entry};
use crate::tui::state::pair::Pair;
use crate::tui::theme::Slot;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Widget};
use std::sync::Arc;

/// Width from which the two sides sit beside each other.
const BESIDE: u16 = 120;

fn side(
    ctx: &Ctx<'_>,
    title: &str,
    e: Option<&Arc<Entry>>,
    spec: &[(String, bool)],
    area: Rect,
    buf: &mut Buffer,
) {
    let t = ctx.theme;
    let status = match e {
        Some(e) => format!("{} · {}/{}", e.status.text, e.key.namespace, e.key.name),
        None => "—".into(),
    };
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(t.style(Slot::Border))
        .title(Line::from(vec![
            Span::styled(format!(" {title} "), t.style(Slot::Title)),
            Span::styled(format!("{status} "), t.style(Slot::Base)),
        ]));
    let inner = block.inner(area);
    block.render(area, buf);
    let lines: Vec<Line> = if e.is_none() {
        vec![Line::from(Span::styled("not there", t.style(Slot::Dim)))]
    } else {
        std::iter::once(Line::from(Span::styled("spec:", t.style(Slot::YamlKey))))
            .chain(spec.iter().map(|(l, differs)| {
                let slot = if *differs {
                    Slot::HealthWarn
                } else {
                    Slot::Base
                };
                let mark = if *differs { "≠ " } else { "  " };
                Line::from(Span::styled(format!("{mark}{l}"), t.style(slot)))
            }))
            .collect()
    };
    Paragraph::new(lines).render(inner, buf);
}

/// Draw `pair` in `area`.
pub fn draw(ctx: &Ctx<'_>, pair: &Pair, area: Rect, buf: &mut Buffer) {
    let t = ctx.theme;
    let timeline_height = (pair.timeline.len() as u16 + 2)
        .clamp(3, 10)
        .min(area.height / 2);
    let footer = 1;
    let sides_height = area.height.saturating_sub(timeline_height + footer);
    let sides = Rect::new(area.x, area.y, area.width, sides_height);
    let (a, c) = if area.width >= BESIDE {
        let half = sides.width / 2;
        (
            Rect::new(sides.x, sides.y, half, sides.height),
            Rect::new(sides.x + half, sides.y, sides.width - half, sides.height),
        )
    } else {
        let half = sides.height / 2;
        (
            Rect::new(sides.x, sides.y, sides.width, half),
            Rect::new(sides.x, sides.y + half, sides.width, sides.height - half),
        )
    };
    side(
        ctx,
        "App Cluster",
        pair.app.as_ref(),
        &pair.app_spec,
        a,
        buf,
    );
    side(
        ctx,
        "Control Plane",
        pair.control_plane.as_ref(),
        &pair.control_plane_spec,
        c,
        buf,
    );
    let tl = Rect::new(area.x, area.y + sides_height, area.width, timeline_height);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(t.style(Slot::Border))
        .title(Span::styled(
            " Conditions of both, newest first ",
            t.style(Slot::Title),
        ));
    let inner = block.inner(tl);
    block.render(tl, buf);
    for (i, ev) in pair
        .timeline
        .iter()
        .take(usize::from(inner.height))
        .enumerate()
    {
        let side = match ev.side {
            ClusterId::App => "app",
            ClusterId::ControlPlane => "cp ",
        };
        let line = Line::from(vec![
            Span::styled(fit(&age(ctx.now, ev.at), 6), t.style(Slot::Dim)),
            Span::styled(format!("{side} "), t.style(Slot::Dim)),
            Span::styled(fit(&ev.text, 34), t.style(Slot::Base)),
            Span::styled(ev.message.clone().unwrap_or_default(), t.style(Slot::Dim)),
        ]);
        line.render(Rect::new(inner.x, inner.y + i as u16, inner.width, 1), buf);
    }
    let (text, slot) = match (pair.missing(), pair.lag_ms) {
        (Some(m), _) => (m.to_string(), Slot::HealthWarn),
        (None, Some(ms)) if pair.differs() => (
            format!("specs differ (≠); last sync took {ms} ms"),
            Slot::HealthWarn,
        ),
        (None, Some(ms)) => (
            format!("in sync; last sync took {ms} ms"),
            Slot::StatusReady,
        ),
        (None, None) if pair.differs() => (
            "specs differ (≠): the konnector has not synced the change yet".into(),
            Slot::HealthWarn,
        ),
        (None, None) => (
            "in sync (lag measured only with the konnector in this process: K)".into(),
            Slot::StatusReady,
        ),
    };
    let y = area.y + sides_height + timeline_height;
    if y < area.y + area.height {
        buf.set_stringn(
            area.x + 1,
            y,
            text,
            usize::from(area.width.saturating_sub(1)),
            t.style(slot),
        );
    }
}
