//! The cockpit's settings from the config file: the theme (the `--theme` flag wins over the
//! file), style overrides over it, NO_COLOR last, and key bindings overridden by command name.
//! What cannot be used is reported and replaced by the default.

use super::keymap::KeyMap;
use super::theme::{Theme, no_color_requested};
use crate::config::{self, ConfigFile};
use std::collections::BTreeMap;
use std::path::Path;

/// What the cockpit runs with, and what went wrong reading it.
#[derive(Debug)]
pub struct Settings {
    /// The theme (NO_COLOR applied).
    pub theme: Theme,
    /// The key map.
    pub keymap: KeyMap,
    /// Problems to show in the message line (the defaults were used for those parts).
    pub problems: Vec<String>,
}

/// Read the config file at `path` (absent is fine) and make the cockpit's settings from it.
pub fn load(
    path: &Path,
    themes_dir: &Path,
    theme_arg: Option<&str>,
    no_color: Option<&std::ffi::OsStr>,
) -> Settings {
    let (file, problems) = config::read(path);
    from_file(file, problems, path, themes_dir, theme_arg, no_color)
}

/// The settings from a config file already read (`problems`: what reading it found).
pub fn from_file(
    file: ConfigFile,
    mut problems: Vec<String>,
    path: &Path,
    themes_dir: &Path,
    theme_arg: Option<&str>,
    no_color: Option<&std::ffi::OsStr>,
) -> Settings {
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
        problems,
    }
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
        let text = "theme: light\nstyles:\n  selected: { bg: red }\nkeys:\n  quit: x\n  help: [h, f1]\ncp-context: cp\n";
        let s = settings(Some(text), None, None);
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
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.yaml");
        std::fs::write(&path, text).unwrap();
        let (file, problems) = config::read(&path);
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(file.cp_context.as_deref(), Some("cp"));
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
