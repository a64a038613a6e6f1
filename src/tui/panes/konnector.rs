//! The Konnector view: its state (off, running here, installed in the App Cluster with its
//! version), the heartbeat of each bound Control Plane, the bindings the loop here syncs,
//! its errors with their reason, a live log of what was synced (object, direction, lag in
//! ms; newest first) and the last lag of each object — the log and the lags beside each
//! other from 120 columns, stacked below.

use super::Ctx;
use super::format::{age, fit};
use crate::cluster::konnector::{BindingState, InstallState, LocalMode, ObjectLag};
use crate::tui::theme::Slot;
use crate::tui::views::konnector::{control_planes, heartbeat_text, state_text};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Widget};
use unicode_width::UnicodeWidthStr;

/// Width from which the log and the lags sit beside each other.
const BESIDE: u16 = 120;

/// Lines drawn top-down in a rectangle, until it is full.
struct Lines<'b> {
    area: Rect,
    y: u16,
    buf: &'b mut Buffer,
}

impl Lines<'_> {
    fn room(&self) -> u16 {
        (self.area.y + self.area.height).saturating_sub(self.y)
    }

    fn push(&mut self, line: Line<'_>) {
        if self.room() == 0 {
            return;
        }
        line.render(Rect::new(self.area.x, self.y, self.area.width, 1), self.buf);
        self.y += 1;
    }
}

fn heading<'a>(ctx: &Ctx<'_>, text: impl Into<String>) -> Line<'a> {
    Line::from(Span::styled(
        text.into(),
        ctx.theme.style(Slot::TableHeader),
    ))
}

fn span<'a>(ctx: &Ctx<'_>, text: impl Into<String>, slot: Slot) -> Span<'a> {
    Span::styled(text.into(), ctx.theme.style(slot))
}

fn state_lines(ctx: &Ctx<'_>, out: &mut Lines<'_>) {
    let k = ctx.store.konnector();
    let (state, slot) = state_text(ctx.store);
    let mut line = vec![
        span(ctx, "State      ", Slot::TableHeader),
        span(ctx, state, slot),
    ];
    let detail = match &k.local {
        LocalMode::Running { since } => format!(
            " — running in this process for {}{}; {} synced",
            age(ctx.now, Some(*since)),
            k.leadership.map(|l| format!(", {l}")).unwrap_or_default(),
            k.synced_total
        ),
        LocalMode::Off => " — press K to run it in this process".into(),
        LocalMode::Starting | LocalMode::Stopping => String::new(),
    };
    line.push(span(ctx, detail, Slot::Dim));
    out.push(Line::from(line));
    let (installed, slot) = match &k.installed {
        InstallState::Present(i) => (
            format!(
                "{} image {} ({}/{} ready)",
                i.name, i.image, i.ready, i.replicas
            ),
            Slot::Base,
        ),
        InstallState::Absent => ("none in klutch-bind".into(), Slot::Dim),
        InstallState::Unknown => ("not known yet".into(), Slot::Dim),
        InstallState::Unreadable(why) => (why.clone(), Slot::HealthWarn),
    };
    out.push(Line::from(vec![
        span(ctx, "Installed  ", Slot::TableHeader),
        span(ctx, installed, slot),
    ]));
}

fn control_plane_lines(ctx: &Ctx<'_>, out: &mut Lines<'_>) {
    let cps = control_planes(ctx.store, ctx.now);
    out.push(heading(ctx, "Control Planes (heartbeat)"));
    if cps.is_empty() {
        out.push(Line::from(span(
            ctx,
            "  none known: no konnector has beaten here, and no ClusterBinding of a bound provider is seen",
            Slot::Dim,
        )));
    }
    for cp in cps {
        let (beat, slot) = heartbeat_text(cp.heartbeat);
        let interval = match cp.heartbeat {
            klutch::heartbeat::Heartbeat::Alive { interval, .. }
            | klutch::heartbeat::Heartbeat::Late { interval, .. } => {
                format!(" (every {})", super::format::age_of(Some(interval)))
            }
            _ => String::new(),
        };
        out.push(Line::from(vec![
            span(ctx, format!("  {} ", cp.namespace), Slot::Base),
            span(ctx, format!("{} ", cp.provider), Slot::Dim),
            span(ctx, format!("{beat} {}", cp.heartbeat.word()), slot),
            span(ctx, format!("{interval} from {}", cp.source), Slot::Dim),
        ]));
    }
}

fn binding_lines(ctx: &Ctx<'_>, out: &mut Lines<'_>) {
    let bindings = &ctx.store.konnector().bindings;
    if bindings.is_empty() {
        return;
    }
    // As many bindings a line as fit, the next ones on lines below, under the first.
    const INDENT: &str = "           ";
    let width = usize::from(out.area.width);
    let mut line = vec![span(ctx, "Bindings   ", Slot::TableHeader)];
    let mut used = INDENT.len();
    for (name, b) in bindings {
        let (mark, slot) = match b {
            BindingState::Ready => ("✓".to_string(), Slot::StatusReady),
            BindingState::Starting => ("◷".to_string(), Slot::StatusProgress),
            BindingState::Failing { reason, .. } => (format!("✗ {reason}"), Slot::StatusFailed),
        };
        let wide = name.chars().count() + 1 + mark.chars().count();
        if used > INDENT.len() {
            if used + 2 + wide > width {
                out.push(Line::from(std::mem::take(&mut line)));
                line.push(span(ctx, INDENT, Slot::Base));
                used = INDENT.len();
            } else {
                line.push(span(ctx, "  ", Slot::Base));
                used += 2;
            }
        }
        line.push(span(ctx, format!("{name} "), Slot::Base));
        line.push(span(ctx, mark, slot));
        used += wide;
    }
    out.push(Line::from(line));
}

fn error_lines(ctx: &Ctx<'_>, out: &mut Lines<'_>, max: usize) {
    let errors = &ctx.store.konnector().errors;
    if errors.is_empty() {
        return;
    }
    out.push(heading(
        ctx,
        format!("Errors ({}, newest first)", errors.len()),
    ));
    for e in errors.iter().rev().take(max) {
        let about = e.object.as_deref().or(e.binding.as_deref()).unwrap_or("-");
        out.push(Line::from(vec![
            span(
                ctx,
                format!("  {} ", fit(&age(ctx.now, Some(e.at)), 5)),
                Slot::Dim,
            ),
            span(ctx, format!("{} ", e.reason), Slot::StatusFailed),
            span(ctx, format!("{about}: "), Slot::Base),
            span(ctx, e.message.clone(), Slot::Dim),
        ]));
    }
}

fn lag_text(ms: u64) -> String {
    format!("{ms:>6} ms")
}

fn log_lines(ctx: &Ctx<'_>, area: Rect, buf: &mut Buffer) {
    let k = ctx.store.konnector();
    let mut out = Lines {
        area,
        y: area.y,
        buf,
    };
    let missed = if k.missed > 0 {
        format!(" — {} events missed while busy", k.missed)
    } else {
        String::new()
    };
    out.push(heading(ctx, format!("Synced (newest first){missed}")));
    if k.log.is_empty() {
        let text = if k.local == LocalMode::Off {
            "  nothing: the konnector is not running in this process (K starts it)"
        } else {
            "  nothing yet: create or change a claim in the App Cluster"
        };
        out.push(Line::from(span(ctx, text, Slot::Dim)));
        return;
    }
    for s in k.log.iter().rev().take(usize::from(out.room())) {
        let line = vec![
            span(
                ctx,
                format!("  {} ", fit(&age(ctx.now, Some(s.at)), 5)),
                Slot::Dim,
            ),
            span(ctx, format!("{} ", s.direction), Slot::Key),
            span(ctx, lag_text(s.lag_ms), Slot::StatusReady),
            span(ctx, format!("  {} ", fit(s.action, 8)), Slot::Dim),
        ];
        out.push(with_object(ctx, line, &s.object, area.width));
    }
}

/// `line` ended by `object` (`<plural>.<group> <namespace>/<name>`): where it does not fit,
/// the group goes first, so that the name stays readable.
fn with_object<'a>(ctx: &Ctx<'_>, mut line: Vec<Span<'a>>, object: &str, width: u16) -> Line<'a> {
    let used: usize = line.iter().map(Span::width).sum();
    let room = usize::from(width).saturating_sub(used);
    let text = if object.width() <= room {
        object.to_string()
    } else {
        let short = match object.split_once(' ') {
            Some((resource, name)) => {
                let plural = resource.split_once('.').map_or(resource, |(p, _)| p);
                format!("{plural} {name}")
            }
            None => object.to_string(),
        };
        fit(&short, room).trim_end().to_string()
    };
    line.push(span(ctx, text, Slot::Base));
    Line::from(line)
}

fn lag_lines(ctx: &Ctx<'_>, area: Rect, buf: &mut Buffer) {
    let k = ctx.store.konnector();
    let mut out = Lines {
        area,
        y: area.y,
        buf,
    };
    out.push(heading(
        ctx,
        format!("Lag per object ({}, slowest first)", k.objects.len()),
    ));
    // Only the slowest that fit are sorted (10,000 objects per frame would cost a sort).
    let room = usize::from(out.room());
    let slowest = |a: &(&String, &ObjectLag), b: &(&String, &ObjectLag)| {
        b.1.lag_ms.cmp(&a.1.lag_ms).then(a.0.cmp(b.0))
    };
    let mut objects: Vec<_> = k.objects.iter().collect();
    if room > 0 && objects.len() > room {
        objects.select_nth_unstable_by(room - 1, slowest);
        objects.truncate(room);
    }
    objects.sort_by(slowest);
    for (object, lag) in objects.into_iter().take(room) {
        let line = vec![
            span(ctx, format!("  {} ", lag.direction), Slot::Key),
            span(ctx, lag_text(lag.lag_ms), Slot::StatusReady),
            span(
                ctx,
                format!(" {:>5}  ", age(ctx.now, Some(lag.at))),
                Slot::Dim,
            ),
        ];
        out.push(with_object(ctx, line, object, area.width));
    }
}

/// Draw the Konnector view in `area` (where the list would be).
pub fn draw(ctx: &Ctx<'_>, area: Rect, buf: &mut Buffer) {
    let t = ctx.theme;
    let view = ctx.state.def();
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(t.style(Slot::BorderFocus))
        .title(Line::from(vec![
            Span::styled(format!(" {} ", view.heading), t.style(Slot::Title)),
            Span::styled(format!("({}) ", view.scope), t.style(Slot::Dim)),
        ]));
    let inner = block.inner(area);
    block.render(area, buf);
    if inner.height == 0 || inner.width < 4 {
        return;
    }
    let inner = Rect::new(inner.x + 1, inner.y, inner.width - 1, inner.height);
    let mut top = Lines {
        area: inner,
        y: inner.y,
        buf,
    };
    state_lines(ctx, &mut top);
    control_plane_lines(ctx, &mut top);
    binding_lines(ctx, &mut top);
    // Errors take at most a third of what is left; the log and lags the rest.
    let max_errors = usize::from(top.room() / 3).max(1);
    error_lines(ctx, &mut top, max_errors);
    let rest_y = top.y;
    let rest = Rect::new(
        inner.x,
        rest_y,
        inner.width,
        (inner.y + inner.height).saturating_sub(rest_y),
    );
    if rest.height == 0 {
        return;
    }
    let objects = ctx.store.konnector().objects.len() as u16;
    if area.width >= BESIDE {
        let left = rest.width * 60 / 100;
        log_lines(ctx, Rect::new(rest.x, rest.y, left - 1, rest.height), buf);
        lag_lines(
            ctx,
            Rect::new(rest.x + left, rest.y, rest.width - left, rest.height),
            buf,
        );
    } else {
        let lags = if objects == 0 {
            0
        } else {
            (objects + 1).min(rest.height / 3)
        };
        let log = rest.height - lags;
        log_lines(ctx, Rect::new(rest.x, rest.y, rest.width, log), buf);
        if lags > 0 {
            lag_lines(ctx, Rect::new(rest.x, rest.y + log, rest.width, lags), buf);
        }
    }
}
