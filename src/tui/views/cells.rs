//! The cells the views' columns are made of: one extractor per fact an entry shows, drawn
//! in a theme slot.

use super::{Cell, CellCtx, Column, Width};
use crate::cluster::Entry;
use crate::cluster::entry::StatusKind;
use crate::tui::panes::format::age;
use crate::tui::theme::Slot;
use klutch::status::Facts;

pub(super) const fn col(
    title: &'static str,
    width: Width,
    min_pane: u16,
    cell: fn(&Entry, &CellCtx) -> Cell,
) -> Column {
    Column {
        title,
        width,
        min_pane,
        cell,
    }
}

pub(super) fn kind(e: &Entry, _: &CellCtx) -> Cell {
    (e.key.kind.clone(), Slot::Base)
}

pub(super) fn name(e: &Entry, _: &CellCtx) -> Cell {
    (e.key.name.clone(), Slot::Base)
}

pub(super) fn cluster(e: &Entry, _: &CellCtx) -> Cell {
    (e.key.cluster.short().to_string(), Slot::Dim)
}

pub(super) fn status(e: &Entry, _: &CellCtx) -> Cell {
    let (symbol, slot) = match e.status.kind {
        StatusKind::Ready => ("✓", Slot::StatusReady),
        StatusKind::Progressing => ("◷", Slot::StatusProgress),
        StatusKind::Failed => ("✗", Slot::StatusFailed),
        StatusKind::Deleting => ("⌫", Slot::StatusProgress),
        StatusKind::Unknown => ("·", Slot::StatusUnknown),
    };
    (format!("{symbol} {}", e.status.text), slot)
}

/// Why an object is not well, when it says: the message of its status.
pub(super) fn message(e: &Entry, _: &CellCtx) -> Cell {
    let text = match e.status.kind {
        StatusKind::Ready => "",
        _ => e.status.message.as_deref().unwrap_or(""),
    };
    (text.to_string(), Slot::Dim)
}

pub(super) fn created(e: &Entry, ctx: &CellCtx) -> Cell {
    (age(ctx.now, e.created), Slot::Dim)
}

/// A fact of the entry's class as a plain cell (`-` when the entry is of another class).
pub(super) fn fact(e: &Entry, pick: fn(&Facts) -> Option<&str>) -> Cell {
    (pick(&e.facts).unwrap_or("-").to_string(), Slot::Base)
}

pub(super) fn claim_detail(e: &Entry, _: &CellCtx) -> Cell {
    fact(e, |f| match f {
        Facts::Claim { detail } => Some(detail),
        _ => None,
    })
}

pub(super) fn template_exports(e: &Entry, _: &CellCtx) -> Cell {
    fact(e, |f| match f {
        Facts::ExportTemplate { exports } => Some(exports),
        _ => None,
    })
}

pub(super) fn request_resources(e: &Entry, _: &CellCtx) -> Cell {
    fact(e, |f| match f {
        Facts::ExportRequest { resources } => Some(resources),
        _ => None,
    })
}

pub(super) fn export_resource(e: &Entry, _: &CellCtx) -> Cell {
    fact(e, |f| match f {
        Facts::Export { resource } => Some(resource),
        _ => None,
    })
}

pub(super) fn provider(e: &Entry, _: &CellCtx) -> Cell {
    fact(e, |f| match f {
        Facts::ClusterBinding { provider, .. } | Facts::ApiServiceBinding { provider, .. } => {
            Some(provider)
        }
        _ => None,
    })
}

pub(super) fn secret(e: &Entry, _: &CellCtx) -> Cell {
    fact(e, |f| match f {
        Facts::ApiServiceBinding { secret, .. } => Some(secret),
        _ => None,
    })
}
