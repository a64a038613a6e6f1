//! Places on disk and the config file. `<config dir>/klutch-tui/config.yaml` sets the theme,
//! overrides theme styles and key bindings field by field, and gives default contexts. A
//! missing file means defaults; a broken one means defaults plus a clear message.

use crate::tui::keymap::KeyMap;
use crate::tui::theme::{StyleSpec, Theme, no_color_requested};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Where klutch-tui keeps things (XDG on Linux, via the `directories` crate).
#[derive(Clone, Debug)]
pub struct Paths {
    /// `<config dir>/klutch-tui`.
    pub config_dir: PathBuf,
    /// `<state dir>/klutch-tui`: logs, the sandbox's default files.
    pub state_dir: PathBuf,
}

impl Paths {
    /// The platform's directories, or `./.klutch-tui` when the home directory is unknown.
    pub fn discover() -> Paths {
        match directories::ProjectDirs::from("com", "anynines", "klutch-tui") {
            Some(p) => Paths {
                config_dir: p.config_dir().to_path_buf(),
                state_dir: p
                    .state_dir()
                    .unwrap_or_else(|| p.data_local_dir())
                    .to_path_buf(),
            },
            None => Paths {
                config_dir: PathBuf::from(".klutch-tui"),
                state_dir: PathBuf::from(".klutch-tui"),
            },
        }
    }

    /// The config file.
    pub fn config_file(&self) -> PathBuf {
        self.config_dir.join("config.yaml")
    }

    /// User themes.
    pub fn themes_dir(&self) -> PathBuf {
        self.config_dir.join("themes")
    }
}

/// One key or several.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum OneOrMany {
    /// `quit: x`
    One(String),
    /// `quit: [x, ctrl-c]`
    Many(Vec<String>),
}

impl OneOrMany {
    fn into_vec(self) -> Vec<String> {
        match self {
            OneOrMany::One(s) => vec![s],
            OneOrMany::Many(v) => v,
        }
    }
}

/// The config file, every field optional.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct ConfigFile {
    /// Theme name (built in or in the themes directory) or path.
    pub theme: Option<String>,
    /// Style overrides by slot name, applied over the theme.
    #[serde(default)]
    pub styles: BTreeMap<String, StyleSpec>,
    /// Key overrides by command name.
    #[serde(default)]
    pub keys: BTreeMap<String, OneOrMany>,
    /// Default App Cluster context.
    pub app_context: Option<String>,
    /// Default Control Plane context.
    pub cp_context: Option<String>,
}

/// What the cockpit runs with, and what went wrong reading it.
#[derive(Debug)]
pub struct Settings {
    /// The theme (NO_COLOR applied).
    pub theme: Theme,
    /// The key map.
    pub keymap: KeyMap,
    /// Default App context from the config file.
    pub app_context: Option<String>,
    /// Default Control Plane context from the config file.
    pub cp_context: Option<String>,
    /// Problems to show in the message line (the defaults were used for those parts).
    pub problems: Vec<String>,
}

/// Read the config file at `path` (absent is fine), then pick the theme (`theme_arg` wins
/// over the file), apply overrides and NO_COLOR.
pub fn load(
    path: &Path,
    themes_dir: &Path,
    theme_arg: Option<&str>,
    no_color: Option<&std::ffi::OsStr>,
) -> Settings {
    let mut problems = Vec::new();
    let file = match std::fs::read_to_string(path) {
        Ok(text) => match serde_saphyr::from_str::<Option<ConfigFile>>(&text) {
            Ok(file) => file.unwrap_or_default(),
            Err(e) => {
                problems.push(format!(
                    "config {} is not valid, using defaults: {}",
                    path.display(),
                    first_line(&e.to_string())
                ));
                ConfigFile::default()
            }
        },
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => ConfigFile::default(),
        Err(e) => {
            problems.push(format!("cannot read config {}: {e}", path.display()));
            ConfigFile::default()
        }
    };
    let theme_name = theme_arg.or(file.theme.as_deref()).unwrap_or("dark");
    let mut theme = match Theme::load(theme_name, Some(themes_dir)) {
        Ok(t) => t,
        Err(errors) => {
            problems.extend(
                errors
                    .iter()
                    .map(|e| format!("{e}; using the default theme")),
            );
            Theme::default_theme()
        }
    };
    if let Err(errors) = theme.apply(&file.styles, &path.display().to_string()) {
        problems.extend(errors.iter().map(ToString::to_string));
    }
    if no_color_requested(no_color) {
        theme = theme.without_color();
    }
    let mut keymap = KeyMap::default();
    let keys: BTreeMap<String, Vec<String>> = file
        .keys
        .into_iter()
        .map(|(k, v)| (k, v.into_vec()))
        .collect();
    problems.extend(keymap.apply(&keys));
    Settings {
        theme,
        keymap,
        app_context: file.app_context,
        cp_context: file.cp_context,
        problems,
    }
}

fn first_line(text: &str) -> &str {
    text.lines().next().unwrap_or(text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tui::keymap::{Command, Key};
    use crate::tui::theme::Slot;
    use ratatui::style::Color;

    fn settings(config: Option<&str>, theme_arg: Option<&str>, no_color: Option<&str>) -> Settings {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.yaml");
        if let Some(c) = config {
            std::fs::write(&path, c).unwrap();
        }
        load(
            &path,
            &dir.path().join("themes"),
            theme_arg,
            no_color.map(std::ffi::OsStr::new),
        )
    }

    #[test]
    fn no_file_means_defaults_without_complaint() {
        let s = settings(None, None, None);
        assert!(s.problems.is_empty());
        assert_eq!(s.theme, Theme::default_theme());
        assert_eq!(s.keymap, KeyMap::default());
    }

    #[test]
    fn the_file_overrides_theme_styles_keys_and_contexts() {
        let s = settings(
            Some(
                "theme: light\nstyles:\n  selected: { bg: red }\nkeys:\n  quit: x\n  help: [h, f1]\ncp-context: cp\n",
            ),
            None,
            None,
        );
        assert!(s.problems.is_empty(), "{:?}", s.problems);
        assert_eq!(s.theme.name, "light");
        assert_eq!(s.theme.style(Slot::Selected).bg, Some(Color::Red));
        assert_eq!(
            s.keymap.command(Key::parse("x").unwrap()),
            Some(Command::Quit)
        );
        assert_eq!(
            s.keymap.command(Key::parse("f1").unwrap()),
            Some(Command::Help)
        );
        assert_eq!(s.cp_context.as_deref(), Some("cp"));
    }

    #[test]
    fn the_theme_flag_wins_and_no_color_applies_last() {
        let s = settings(Some("theme: light\n"), Some("high-contrast"), Some("1"));
        assert_eq!(s.theme.name, "high-contrast (no colour)");
        assert_eq!(s.theme.style(Slot::Selected).bg, None);
    }

    #[test]
    fn a_broken_file_gives_a_message_and_the_defaults() {
        let s = settings(Some("theme: [unclosed\n"), None, None);
        assert_eq!(s.problems.len(), 1);
        assert!(
            s.problems[0].contains("is not valid, using defaults"),
            "{:?}",
            s.problems
        );
        assert_eq!(s.keymap, KeyMap::default());
        let s = settings(Some("colour: red\n"), None, None);
        assert!(s.problems[0].contains("colour"), "{:?}", s.problems);
        let s = settings(Some("theme: nosuch\n"), None, None);
        assert!(
            s.problems[0].contains("no theme \"nosuch\""),
            "{:?}",
            s.problems
        );
        assert_eq!(s.theme, Theme::default_theme());
    }
}
