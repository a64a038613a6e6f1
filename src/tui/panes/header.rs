//! The header: one line per cluster with its context, health (with the last error when
//! reconnecting), round-trip time, user and server; the App line also says how the
//! konnector runs and how each bound Control Plane's heartbeat stands, once there is a
//! konnector to speak of.

use super::Ctx;
use crate::cluster::{ClusterId, ClusterState, Fetch, Health};
use crate::tui::theme::Slot;
use crate::tui::views::konnector::{control_planes, heartbeat_text, state_text};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Widget;

fn health_spans<'a>(ctx: &Ctx<'_>, c: &'a ClusterState) -> Vec<Span<'a>> {
    let t = ctx.theme;
    match c.health() {
        Health::NotConfigured => vec![Span::styled(
            "○ not connected: no Control Plane (pass --cp-context or --sandbox)",
            t.style(Slot::HealthWarn),
        )],
        Health::Connecting => vec![Span::styled("◌ connecting", t.style(Slot::HealthWarn))],
        Health::Connected => {
            let mut v = vec![Span::styled("● connected", t.style(Slot::HealthOk))];
            if let Some(rtt) = c.rtt {
                v.push(Span::styled(
                    format!(" {}ms", rtt.as_millis()),
                    t.style(Slot::Dim),
                ));
            }
            v
        }
        Health::Forbidden(msg) => vec![Span::styled(
            format!("⚠ connected, {msg}"),
            t.style(Slot::HealthWarn),
        )],
        Health::Unauthorized(reason) => vec![Span::styled(
            format!("✗ unauthorized: {reason}"),
            t.style(Slot::HealthError),
        )],
        Health::Reconnecting {
            attempts,
            last_error,
            retry_in,
        } => vec![Span::styled(
            format!(
                "↻ reconnecting (attempt {attempts}, next in {:.1}s): {last_error}",
                retry_in.as_secs_f32()
            ),
            t.style(Slot::HealthError),
        )],
    }
}

/// `  konnector local · cluster-8xk2p ♥ 4s` (nothing while none runs or is installed).
fn konnector_spans<'a>(ctx: &Ctx<'_>) -> Vec<Span<'a>> {
    if !ctx.store.konnector().anything() {
        return Vec::new();
    }
    let t = ctx.theme;
    let (state, slot) = state_text(ctx.store);
    let mut v = vec![
        Span::styled("  konnector ", t.style(Slot::Dim)),
        Span::styled(state, t.style(slot)),
    ];
    for cp in control_planes(ctx.store, ctx.now) {
        let (beat, slot) = heartbeat_text(cp.heartbeat);
        v.push(Span::styled(
            format!(" · {} ", cp.namespace),
            t.style(Slot::Dim),
        ));
        v.push(Span::styled(beat, t.style(slot)));
    }
    v
}

fn line<'a>(ctx: &Ctx<'_>, id: ClusterId, c: &'a ClusterState) -> Line<'a> {
    let t = ctx.theme;
    let label = match id {
        ClusterId::App => "App ",
        ClusterId::ControlPlane => "CP  ",
    };
    let mut spans = vec![Span::styled(label, t.style(Slot::ClusterLabel))];
    if let Some(context) = &c.context {
        spans.push(Span::styled(context.as_str(), t.style(Slot::Base)));
        spans.push(Span::raw("  "));
    }
    spans.extend(health_spans(ctx, c));
    if id == ClusterId::App {
        spans.extend(konnector_spans(ctx));
    }
    if c.context.is_some() {
        match &c.user {
            _ if c.unauthorized.is_some() => {}
            Fetch::Loaded(u) => spans.push(Span::styled(
                format!("  as {}", u.username),
                t.style(Slot::Base),
            )),
            Fetch::Failed(_) => spans.push(Span::styled("  as ?", t.style(Slot::Dim))),
            Fetch::Loading => {}
        }
        if id == ClusterId::ControlPlane {
            spans.extend(login_spans(ctx));
        }
        spans.push(Span::styled(format!("  {}", c.server), t.style(Slot::Dim)));
    }
    Line::from(spans)
}

/// Who is logged in at a bind backend's issuer, and how long the ID token has left (the
/// token cache's longest-lived login; `+N` more): `login developer 59m`.
fn login_spans<'a>(ctx: &Ctx<'_>) -> Vec<Span<'a>> {
    let t = ctx.theme;
    let logins = ctx.store.logins();
    let Some(login) = logins.iter().max_by_key(|l| l.expires) else {
        return Vec::new();
    };
    let left = login.expires.as_second() - ctx.now.as_second();
    let (text, slot) = if left > 0 {
        (
            format!("  login {} {}", login.user, expires_in(left)),
            Slot::Base,
        )
    } else {
        (format!("  login {} expired", login.user), Slot::HealthWarn)
    };
    let mut spans = vec![Span::styled(text, t.style(slot))];
    if logins.len() > 1 {
        spans.push(Span::styled(
            format!(" +{}", logins.len() - 1),
            t.style(Slot::Dim),
        ));
    }
    spans
}

fn expires_in(seconds: i64) -> String {
    match seconds {
        0..=119 => format!("{seconds}s"),
        120..=7199 => format!("{}m", seconds / 60),
        _ => format!("{}h", seconds / 3600),
    }
}

/// Draw the two cluster lines.
pub fn draw(ctx: &Ctx<'_>, area: Rect, buf: &mut Buffer) {
    for (i, id) in ClusterId::ALL.into_iter().enumerate() {
        let y = area.y + i as u16;
        if y >= area.y + area.height {
            break;
        }
        let row = Rect::new(area.x, y, area.width, 1);
        line(ctx, id, ctx.store.cluster(id)).render(row, buf);
    }
}
