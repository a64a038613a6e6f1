//! The claim editor's state: the text (a ratatui-textarea), what it edits (a new claim or an
//! existing one, whose live object makes transition rules apply), the problems validation
//! found with their line and column, and where a submission stands — checked locally,
//! dry-run by the server, its diff shown for confirmation, applied. Nothing here talks to a
//! cluster: submission and application are effects; their replies move the phase on.

use crate::cluster::ClusterId;
use crate::services::RequestId;
use klutch::claims::catalog::Catalog;
use klutch::claims::source;
use klutch::claims::validate::{self, Problem};
use ratatui::style::{Modifier, Style};
use ratatui_textarea::TextArea;
use serde_json::Value;

/// What the editor edits.
#[derive(Clone, Debug)]
pub enum EditTarget {
    /// A claim that does not exist yet.
    New {
        /// Its kind.
        kind: String,
    },
    /// An existing claim.
    Existing {
        /// `Kind namespace/name`, for titles.
        label: String,
        /// The cluster the change goes to (the App Cluster unless asked for otherwise).
        cluster: ClusterId,
        /// The object as it was when editing began (transition rules compare with it).
        live: Box<Value>,
    },
}

/// One problem, placed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Spot {
    /// Line, from 1.
    pub line: u32,
    /// Column, from 1.
    pub column: u32,
    /// `field: message — hint`.
    pub text: String,
}

impl Spot {
    fn of(p: &Problem) -> Spot {
        let mut text = String::new();
        if !p.field.is_empty() {
            text.push_str(&p.field);
            text.push_str(": ");
        }
        text.push_str(&p.message);
        if let Some(h) = &p.hint {
            text.push_str(" — ");
            text.push_str(h);
        }
        Spot {
            line: p.pos.line,
            column: p.pos.column,
            text,
        }
    }
}

/// Where a submission stands.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Phase {
    /// Typing.
    Editing,
    /// The server is asked what applying would do.
    Checking(RequestId),
    /// The server's diff is shown; `y` applies.
    Confirm {
        /// One line per object and what happens to it.
        summary: Vec<String>,
        /// The diff, line by line.
        diff: Vec<String>,
        /// First diff line shown.
        scroll: usize,
    },
    /// Being applied.
    Applying(RequestId),
    /// Leaving with unsaved changes: `y` discards them.
    Leaving,
}

/// The open editor.
pub struct Editor {
    /// What it edits.
    pub target: EditTarget,
    /// The text.
    pub area: TextArea<'static>,
    /// The text when the editor opened (unsaved changes differ from it).
    pub opened_with: String,
    /// What validation found in the text as it was last checked.
    pub problems: Vec<Spot>,
    /// Whether `problems` belong to the text as it is now.
    pub checked: bool,
    /// Where a submission stands.
    pub phase: Phase,
}

impl std::fmt::Debug for Editor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Editor")
            .field("target", &self.target)
            .field("lines", &self.area.lines().len())
            .field("problems", &self.problems)
            .field("phase", &self.phase)
            .finish()
    }
}

fn text_area(lines: Vec<String>) -> TextArea<'static> {
    let mut area = TextArea::new(if lines.is_empty() {
        vec![String::new()]
    } else {
        lines
    });
    area.set_tab_length(2);
    area.set_line_number_style(Style::default().add_modifier(Modifier::DIM));
    area.set_cursor_line_style(Style::default());
    area
}

impl Clone for Editor {
    fn clone(&self) -> Editor {
        let mut area = text_area(self.area.lines().to_vec());
        let ratatui_textarea::DataCursor(row, col) = self.area.cursor();
        area.move_cursor(ratatui_textarea::CursorMove::Jump(row as u16, col as u16));
        Editor {
            target: self.target.clone(),
            area,
            opened_with: self.opened_with.clone(),
            problems: self.problems.clone(),
            checked: self.checked,
            phase: self.phase.clone(),
        }
    }
}

impl Editor {
    /// An editor on `text`.
    pub fn open(target: EditTarget, text: &str) -> Editor {
        let area = text_area(text.lines().map(str::to_string).collect());
        Editor {
            target,
            area,
            opened_with: text.to_string(),
            problems: Vec::new(),
            checked: false,
            phase: Phase::Editing,
        }
    }

    /// The text now.
    pub fn text(&self) -> String {
        let mut t = self.area.lines().join("\n");
        t.push('\n');
        t
    }

    /// Whether the text differs from what the editor opened with.
    pub fn is_dirty(&self) -> bool {
        self.text().trim_end() != self.opened_with.trim_end()
    }

    /// Check the text against the kinds `catalog` serves (as an update of the live object
    /// for an existing claim); remembers and returns how many problems there are.
    pub fn validate(&mut self, catalog: &Catalog) -> usize {
        let text = self.text();
        let problems = if catalog.is_empty() {
            vec![Spot {
                line: 1,
                column: 1,
                text: "the App Cluster serves no claim kinds yet: bind an API first (:bind, or klutch-tui bind URL)".into(),
            }]
        } else {
            match &self.target {
                EditTarget::New { .. } => validate::validate_text(catalog, &text)
                    .problems
                    .iter()
                    .map(Spot::of)
                    .collect(),
                EditTarget::Existing { live, .. } => check_update(catalog, &text, live),
            }
        };
        self.problems = problems;
        self.checked = true;
        self.problems.len()
    }

    /// Problems the server found (a refused dry-run): shown like local ones.
    pub fn refused(&mut self, problems: Vec<(u32, u32, String)>) {
        self.problems = problems
            .into_iter()
            .map(|(line, column, text)| Spot { line, column, text })
            .collect();
        self.checked = true;
        self.phase = Phase::Editing;
    }

    /// The first problem on line `line` (from 1).
    pub fn problem_on(&self, line: u32) -> Option<&Spot> {
        self.problems.iter().find(|p| p.line == line)
    }
}

fn check_update(catalog: &Catalog, text: &str, live: &Value) -> Vec<Spot> {
    let documents = match source::parse(text) {
        Ok(d) => d,
        Err(e) => return vec![Spot::of(&validate::syntax_problem(e))],
    };
    let Some(doc) = documents.first() else {
        return vec![Spot::of(&validate::empty_problem())];
    };
    let mut spots: Vec<Spot> = match validate::validate(catalog, doc, Some(live)) {
        Ok(_) => Vec::new(),
        Err(p) => p.iter().map(Spot::of).collect(),
    };
    if documents.len() > 1 {
        spots.push(Spot {
            line: documents[1].start.line,
            column: 1,
            text: "the editor changes one claim: remove the other documents".into(),
        });
    }
    for (field, was) in [
        ("metadata.name", &live["metadata"]["name"]),
        ("kind", &live["kind"]),
    ] {
        let now = field.split('.').fold(&doc.value, |v, k| &v[k]);
        if now != was {
            spots.push(Spot {
                line: doc.locate(field).pos.line,
                column: doc.locate(field).pos.column,
                text: format!(
                    "{field}: cannot change while editing ({was}); make a new claim with :new instead"
                ),
            });
        }
    }
    spots
}
