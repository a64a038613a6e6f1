//! Dialogs over the list: a deletion to confirm (naming what goes, and for a data service
//! instance the name to type), a restore to confirm, editing a Control Plane copy, and
//! credentials — masked until revealed with `x`, copied with `c`.

use super::Ctx;
use super::editor::draw_question;
use super::help::overlay;
use crate::tui::state::dialog::Dialog;
use crate::tui::theme::Slot;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Widget, Wrap};

/// Draw `dialog` over `area`.
pub fn draw(ctx: &Ctx<'_>, dialog: &Dialog, area: Rect, buf: &mut Buffer) {
    let t = ctx.theme;
    match dialog {
        Dialog::Delete {
            target,
            consequence,
            needs_name,
            typed,
        } => {
            let place = match target.cluster {
                crate::cluster::ClusterId::App => "App Cluster",
                crate::cluster::ClusterId::ControlPlane => "Control Plane",
            };
            let ask = if *needs_name {
                format!(
                    "Type its name to delete it: {typed}▏\n\nenter deletes once the name matches · esc keeps it"
                )
            } else {
                "y deletes · n or esc keeps it".to_string()
            };
            let text = format!("{target} in the {place} will be deleted.\n{consequence}\n\n{ask}");
            draw_question(t, " Delete? ", &text, area, buf);
        }
        Dialog::Restore {
            namespace,
            backup,
            instance,
            note,
        } => {
            let into = instance.as_deref().map_or_else(
                || "the instance it was taken of".to_string(),
                |i| format!("instance {namespace}/{i}"),
            );
            let note = note
                .as_deref()
                .map(|n| format!("\n{n}"))
                .unwrap_or_default();
            let text = format!(
                "Backup {namespace}/{backup} will be restored into {into}.\nIts data is replaced by the backup's; what was written since the backup is lost.{note}\n\ny restores · n or esc keeps the data as it is"
            );
            draw_question(t, " Restore? ", &text, area, buf);
        }
        Dialog::ControlPlaneEdit { target } => {
            let text = format!(
                "{target} on the Control Plane is a copy the konnector keeps in step with the App Cluster: what you change there may be put back.\n\ny edits the copy anyway · n or esc keeps it"
            );
            draw_question(t, " Edit the Control Plane copy? ", &text, area, buf);
        }
        Dialog::Credentials {
            binding,
            secret,
            values,
            revealed,
        } => {
            let rect = overlay(area);
            Clear.render(rect, buf);
            let hint = if *revealed {
                " x hides · c copies (OSC 52) · esc closes "
            } else {
                " x reveals · c copies (OSC 52) · esc closes "
            };
            let block = Block::default()
                .borders(Borders::ALL)
                .border_style(t.style(Slot::BorderFocus))
                .style(t.style(Slot::Base))
                .title(Span::styled(
                    format!(" Credentials of {binding} (Secret {secret}) "),
                    t.style(Slot::Title),
                ))
                .title_bottom(Span::styled(hint, t.style(Slot::Dim)));
            let inner = block.inner(rect);
            block.render(rect, buf);
            let lines: Vec<Line> = values
                .0
                .iter()
                .map(|(k, v)| {
                    let shown = if *revealed {
                        Span::styled(v.as_str(), t.style(Slot::Secret))
                    } else {
                        Span::styled(
                            "•".repeat(v.chars().count().clamp(4, 12)),
                            t.style(Slot::Dim),
                        )
                    };
                    Line::from(vec![
                        Span::styled(format!("{k}: "), t.style(Slot::Key)),
                        shown,
                    ])
                })
                .collect();
            Paragraph::new(lines)
                .wrap(Wrap { trim: false })
                .render(inner, buf);
        }
    }
}
