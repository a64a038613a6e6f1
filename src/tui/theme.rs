//! Themes as data: named style slots read from YAML (`themes/*.yaml` built in, user themes
//! from the config directory or a path), merged field by field over the default theme and
//! then over the config file's overrides. NO_COLOR keeps only modifiers.

pub use crate::config::StyleSpec;
use ratatui::style::{Color, Modifier, Style};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

macro_rules! slots {
    ($($variant:ident = $name:literal: $doc:literal,)*) => {
        /// A named place that has a style.
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub enum Slot { $(#[doc = $doc] $variant,)* }

        impl Slot {
            /// Every slot, in declaration order.
            pub const ALL: &'static [Slot] = &[$(Slot::$variant,)*];
            /// The slot's name in theme files.
            pub fn name(self) -> &'static str {
                match self { $(Slot::$variant => $name,)* }
            }
        }
    };
}

slots! {
    Base = "base": "Everything not styled otherwise.",
    Title = "title": "The program name in the tab line.",
    TabActive = "tab_active": "The selected view's tab.",
    TabInactive = "tab_inactive": "Other tabs.",
    ClusterLabel = "cluster_label": "App / CP labels in the header.",
    Dim = "dim": "Secondary text (servers, ages).",
    Border = "border": "Borders of panes.",
    BorderFocus = "border_focus": "Border of the focused pane.",
    TableHeader = "table_header": "Column titles.",
    Group = "group": "Namespace group rows.",
    Selected = "selected": "The selected row.",
    StatusReady = "status_ready": "Ready objects.",
    StatusProgress = "status_progress": "Objects on their way.",
    StatusFailed = "status_failed": "Failed objects.",
    StatusUnknown = "status_unknown": "Objects without status.",
    HealthOk = "health_ok": "A connected cluster.",
    HealthWarn = "health_warn": "Connecting or forbidden.",
    HealthError = "health_error": "A cluster that does not answer.",
    Key = "key": "Keys in hints and help.",
    KeyDesc = "key_desc": "Descriptions next to keys.",
    MessageInfo = "message_info": "Informational messages.",
    MessageError = "message_error": "Error messages.",
    Input = "input": "Filter and command input.",
    YamlKey = "yaml_key": "YAML mapping keys.",
    YamlString = "yaml_string": "YAML strings.",
    YamlNumber = "yaml_number": "YAML numbers.",
    YamlBool = "yaml_bool": "YAML booleans and null.",
    YamlPunct = "yaml_punct": "YAML punctuation (- : ).",
    YamlComment = "yaml_comment": "YAML comments.",
    ErrorLine = "error_line": "The editor line a problem is on.",
    DiffAdd = "diff_add": "Added lines of a diff.",
    DiffRemove = "diff_remove": "Removed lines of a diff.",
    Secret = "secret": "Credentials, when revealed.",
}

/// A theme file: a name and styles by slot name.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ThemeFile {
    /// The theme's name.
    #[serde(default)]
    pub name: Option<String>,
    /// Styles by slot name.
    #[serde(default)]
    pub styles: BTreeMap<String, StyleSpec>,
}

/// Why a theme could not be (fully) used.
#[derive(Debug, thiserror::Error)]
pub enum ThemeError {
    /// No built-in theme of that name and no such file.
    #[error("no theme {name:?}: not built in ({builtin}) and no file {path}")]
    NotFound {
        /// What was asked for.
        name: String,
        /// Built-in names.
        builtin: String,
        /// The user theme file looked at.
        path: PathBuf,
    },
    /// The file could not be read.
    #[error("cannot read theme {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// The file is not a valid theme.
    #[error("theme {origin} is not valid: {message}")]
    Parse {
        /// Where it came from.
        origin: String,
        /// What is wrong.
        message: String,
    },
    /// A style names an unknown slot or has a bad colour.
    #[error("{origin}: {message}")]
    Style {
        /// Where it came from.
        origin: String,
        /// What is wrong.
        message: String,
    },
}

/// The built-in themes, from the repository's `themes/`.
pub const BUILTIN: [(&str, &str); 3] = [
    ("dark", include_str!("../../themes/dark.yaml")),
    ("light", include_str!("../../themes/light.yaml")),
    (
        "high-contrast",
        include_str!("../../themes/high-contrast.yaml"),
    ),
];

/// A complete theme: one style per slot.
#[derive(Clone, Debug, PartialEq)]
pub struct Theme {
    /// Its name.
    pub name: String,
    styles: Vec<Style>,
}

fn parse_file(text: &str, origin: &str) -> Result<ThemeFile, ThemeError> {
    serde_saphyr::from_str(text).map_err(|e| ThemeError::Parse {
        origin: origin.to_string(),
        message: e.to_string(),
    })
}

fn color(value: &str, origin: &str, slot: &str) -> Result<Color, ThemeError> {
    value.parse().map_err(|_| ThemeError::Style {
        origin: origin.to_string(),
        message: format!("{slot}: {value:?} is not a colour (a name, #rrggbb or 0-255)"),
    })
}

fn with_modifier(style: Style, flag: Option<bool>, m: Modifier) -> Style {
    match flag {
        Some(true) => style.add_modifier(m),
        Some(false) => {
            let mut s = style;
            s.add_modifier.remove(m);
            s.sub_modifier.remove(m);
            s
        }
        None => style,
    }
}

impl Theme {
    /// The default theme (dark).
    pub fn default_theme() -> Theme {
        let mut theme = Theme {
            name: "dark".into(),
            styles: vec![Style::default(); Slot::ALL.len()],
        };
        let (_, text) = BUILTIN[0];
        if let Ok(file) = parse_file(text, "dark") {
            // The built-in file is tested to parse and to be complete.
            let _ = theme.apply(&file.styles, "dark");
        }
        theme
    }

    /// The style of `slot`.
    pub fn style(&self, slot: Slot) -> Style {
        self.styles
            .get(Slot::ALL.iter().position(|s| *s == slot).unwrap_or(0))
            .copied()
            .unwrap_or_default()
    }

    /// Apply styles field by field. Every valid entry is applied; the errors of the others
    /// are returned together.
    pub fn apply(
        &mut self,
        styles: &BTreeMap<String, StyleSpec>,
        origin: &str,
    ) -> Result<(), Vec<ThemeError>> {
        let mut errors = Vec::new();
        for (name, spec) in styles {
            let Some(index) = Slot::ALL.iter().position(|s| s.name() == name) else {
                let known: Vec<&str> = Slot::ALL.iter().map(|s| s.name()).collect();
                errors.push(ThemeError::Style {
                    origin: origin.to_string(),
                    message: format!("unknown style {name:?} (known: {})", known.join(", ")),
                });
                continue;
            };
            match Theme::merge(self.styles[index], spec, origin, name) {
                Ok(style) => self.styles[index] = style,
                Err(e) => errors.push(e),
            }
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }

    fn merge(base: Style, spec: &StyleSpec, origin: &str, slot: &str) -> Result<Style, ThemeError> {
        let mut style = base;
        if let Some(fg) = &spec.fg {
            style.fg = Some(color(fg, origin, slot)?);
        }
        if let Some(bg) = &spec.bg {
            style.bg = Some(color(bg, origin, slot)?);
        }
        style = with_modifier(style, spec.bold, Modifier::BOLD);
        style = with_modifier(style, spec.italic, Modifier::ITALIC);
        style = with_modifier(style, spec.underlined, Modifier::UNDERLINED);
        style = with_modifier(style, spec.reversed, Modifier::REVERSED);
        style = with_modifier(style, spec.dim, Modifier::DIM);
        Ok(style)
    }

    /// Load a theme by built-in name, by name from `user_dir` (`NAME.yaml`), or from a path,
    /// merged over the default theme.
    pub fn load(name_or_path: &str, user_dir: Option<&Path>) -> Result<Theme, Vec<ThemeError>> {
        let (origin, text) =
            if let Some((name, text)) = BUILTIN.iter().find(|(n, _)| *n == name_or_path) {
                (name.to_string(), text.to_string())
            } else {
                let path = if name_or_path.contains('/') || name_or_path.ends_with(".yaml") {
                    PathBuf::from(name_or_path)
                } else {
                    user_dir
                        .map(|d| d.join(format!("{name_or_path}.yaml")))
                        .unwrap_or_else(|| PathBuf::from(format!("{name_or_path}.yaml")))
                };
                if !path.exists() {
                    let builtin: Vec<&str> = BUILTIN.iter().map(|(n, _)| *n).collect();
                    return Err(vec![ThemeError::NotFound {
                        name: name_or_path.to_string(),
                        builtin: builtin.join(", "),
                        path,
                    }]);
                }
                let text = std::fs::read_to_string(&path).map_err(|source| {
                    vec![ThemeError::Read {
                        path: path.clone(),
                        source,
                    }]
                })?;
                (path.display().to_string(), text)
            };
        let file = parse_file(&text, &origin).map_err(|e| vec![e])?;
        let mut theme = Theme::default_theme();
        theme.name = file.name.clone().unwrap_or(origin.clone());
        theme.apply(&file.styles, &origin)?;
        Ok(theme)
    }

    /// The same theme without colours (NO_COLOR): modifiers stay, and the selection is
    /// shown reversed so it remains visible.
    pub fn without_color(&self) -> Theme {
        let styles = Slot::ALL
            .iter()
            .zip(&self.styles)
            .map(|(slot, s)| {
                let plain = Style {
                    add_modifier: s.add_modifier,
                    sub_modifier: s.sub_modifier,
                    ..Style::default()
                };
                match slot {
                    Slot::Selected | Slot::TabActive => plain.add_modifier(Modifier::REVERSED),
                    _ => plain,
                }
            })
            .collect();
        Theme {
            name: format!("{} (no colour)", self.name),
            styles,
        }
    }
}

/// Whether NO_COLOR asks for no colours (set and not empty, as no-color.org says).
pub fn no_color_requested(value: Option<&std::ffi::OsStr>) -> bool {
    value.is_some_and(|v| !v.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_builtin_theme_parses_and_sets_every_slot() {
        for (name, text) in BUILTIN {
            let file = parse_file(text, name).unwrap();
            for slot in Slot::ALL {
                assert!(
                    file.styles.contains_key(slot.name()),
                    "{name} lacks {}",
                    slot.name()
                );
            }
            let theme = Theme::load(name, None).unwrap();
            assert_eq!(theme.name, name);
        }
        assert_ne!(Theme::load("light", None).unwrap(), Theme::default_theme());
    }

    #[test]
    fn user_theme_files_override_field_by_field() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("mine.yaml"),
            "name: mine\nstyles:\n  selected: { bg: '#102030' }\n",
        )
        .unwrap();
        let theme = Theme::load("mine", Some(dir.path())).unwrap();
        let base = Theme::default_theme();
        assert_eq!(
            theme.style(Slot::Selected).bg,
            Some(Color::Rgb(0x10, 0x20, 0x30))
        );
        assert_eq!(
            theme.style(Slot::Selected).fg,
            base.style(Slot::Selected).fg
        );
        assert_eq!(theme.style(Slot::Base), base.style(Slot::Base));
    }

    #[test]
    fn bad_styles_are_reported_and_good_ones_kept() {
        let mut theme = Theme::default_theme();
        let styles: BTreeMap<String, StyleSpec> = serde_saphyr::from_str(
            "selected: { fg: red }\nnope: { fg: red }\nkey: { fg: notacolour }\n",
        )
        .unwrap();
        let errors = theme.apply(&styles, "config.yaml").unwrap_err();
        assert_eq!(errors.len(), 2);
        let text: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
        assert!(
            text.iter().any(|t| t.contains("unknown style \"nope\"")),
            "{text:?}"
        );
        assert!(text.iter().any(|t| t.contains("notacolour")), "{text:?}");
        assert_eq!(theme.style(Slot::Selected).fg, Some(Color::Red));
    }

    #[test]
    fn missing_theme_names_the_places_looked_at() {
        let err = &Theme::load("nosuch", Some(Path::new("/tmp/x"))).unwrap_err()[0];
        let text = err.to_string();
        assert!(text.contains("dark, light, high-contrast") && text.contains("/tmp/x/nosuch.yaml"));
    }

    #[test]
    fn no_color_drops_colours_keeps_selection_visible() {
        let theme = Theme::default_theme().without_color();
        for slot in Slot::ALL {
            let s = theme.style(*slot);
            assert_eq!((s.fg, s.bg), (None, None), "{}", slot.name());
        }
        assert!(
            theme
                .style(Slot::Selected)
                .add_modifier
                .contains(Modifier::REVERSED)
        );
        assert!(no_color_requested(Some(std::ffi::OsStr::new("1"))));
        assert!(!no_color_requested(Some(std::ffi::OsStr::new(""))));
        assert!(!no_color_requested(None));
    }
}
