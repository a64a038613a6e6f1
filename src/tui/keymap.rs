//! Key bindings as data: every command has a name (used in the config file), a description
//! (used by the help, so it never goes stale) and its keys. The config file replaces the keys
//! of a command by name; unknown names and unparsable keys are reported, the rest applies.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use std::collections::BTreeMap;
use std::fmt;

use super::views::{ViewId, Views};

macro_rules! commands {
    ($($variant:ident = $name:literal, $desc:literal, [$($key:literal),*];)*) => {
        /// Something a key can ask for in the list views.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum Command {
            $(#[doc = $desc] $variant,)*
            /// Show a view (from the views table, which names it and gives its key).
            View(ViewId),
        }

        impl Command {
            /// Every command but the views, in help order (the views follow [`VIEWS_AFTER`]).
            pub const FIXED: &'static [Command] = &[$(Command::$variant,)*];

            fn fixed_name(self) -> Option<&'static str> {
                match self { $(Command::$variant => Some($name),)* Command::View(_) => None }
            }

            fn fixed_description(self) -> Option<&'static str> {
                match self { $(Command::$variant => Some($desc),)* Command::View(_) => None }
            }

            fn default_keys(self) -> &'static [&'static str] {
                match self { $(Command::$variant => &[$($key),*],)* Command::View(_) => &[] }
            }
        }
    };
}

commands! {
    Quit = "quit", "Quit klutch-tui", ["q", "ctrl-c"];
    Help = "help", "Show or hide this help", ["?"];
    NextView = "next-view", "Next view", ["tab"];
    PrevView = "prev-view", "Previous view", ["backtab"];
    Up = "up", "Select the row above / scroll up", ["k", "up"];
    Down = "down", "Select the row below / scroll down", ["j", "down"];
    PageUp = "page-up", "One page up", ["pgup", "ctrl-b"];
    PageDown = "page-down", "One page down", ["pgdown", "ctrl-f"];
    Top = "top", "First row", ["g", "home"];
    Bottom = "bottom", "Last row", ["G", "end"];
    Filter = "filter", "Filter the list (text or label selector)", ["/"];
    CommandLine = "command", "Type a command (:claims, :exports, :q …)", [":"];
    OpenDetail = "open-detail", "Show the selected object's YAML and conditions", ["enter"];
    Back = "back", "Close the detail / help, clear the filter", ["esc"];
    Messages = "messages", "Show or hide the message log", ["m"];
    Sort = "sort", "Sort rows by NAME, AGE, STATUS, or as stored", ["s"];
    Fold = "fold", "Fold or unfold the selected row's namespace group", ["space"];
    FullScreen = "full-screen", "Detail: full screen or beside the list", ["f"];
    New = "new", "New claim of the selected kind (:new KIND for another)", ["n"];
    Edit = "edit", "Edit the selected claim here (ctrl-s submits, esc leaves)", ["e"];
    EditExternal = "edit-external", "Edit the selected claim in $VISUAL / $EDITOR", ["E"];
    Backup = "backup", "Back up the selected instance", ["b"];
    Restore = "restore", "Restore the selected backup", ["R"];
    Delete = "delete", "Delete the selected claim (asks first)", ["d", "ctrl-d"];
    Reveal = "reveal", "Show the selected service binding's credentials", ["x"];
    Yaml = "yaml", "YAML of the selected object with its events and Secret", ["y"];
    Related = "related", "Only the selected claim's family; again: jump instance → bindings → backups → restores", ["r"];
    Pair = "pair", "The selected claim beside its Control Plane copy", ["p"];
    Why = "why", "Why the selected claim is not well: its chain across both clusters", ["w"];
    Bind = "bind", "Bind a backend's exports: the bind wizard (:bind [URL])", ["B"];
    Konnector = "konnector", "Run or stop the konnector loop in this process (:konnector on|off)", ["K"];
}

/// The fixed command after which the view commands come in the key map and the help.
pub const VIEWS_AFTER: Command = Command::PrevView;

impl Command {
    /// Whether it changes something in a cluster (refused with `--readonly`).
    pub fn mutates(self) -> bool {
        matches!(
            self,
            Command::New
                | Command::Edit
                | Command::EditExternal
                | Command::Backup
                | Command::Restore
                | Command::Delete
        )
    }
}

/// A key with modifiers, as written in the config file (`ctrl-c`, `G`, `pgdown`, `?`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Key {
    /// The key.
    pub code: KeyCode,
    /// Ctrl/Alt (Shift is part of the character for printable keys).
    pub modifiers: KeyModifiers,
}

impl Key {
    /// The key of a terminal event, normalised: Shift is dropped for characters and BackTab.
    pub fn from_event(ev: &KeyEvent) -> Key {
        let mut modifiers = ev.modifiers & (KeyModifiers::CONTROL | KeyModifiers::ALT);
        if !matches!(ev.code, KeyCode::Char(_) | KeyCode::BackTab) {
            modifiers |= ev.modifiers & KeyModifiers::SHIFT;
        }
        Key {
            code: ev.code,
            modifiers,
        }
    }

    /// Parse `ctrl-c`, `alt-x`, `enter`, `G`, `f5`, `space`, …
    pub fn parse(text: &str) -> Result<Key, String> {
        let mut modifiers = KeyModifiers::NONE;
        let mut rest = text;
        loop {
            if let Some(r) = rest.strip_prefix("ctrl-") {
                modifiers |= KeyModifiers::CONTROL;
                rest = r;
            } else if let Some(r) = rest.strip_prefix("alt-") {
                modifiers |= KeyModifiers::ALT;
                rest = r;
            } else if let Some(r) = rest.strip_prefix("shift-") {
                modifiers |= KeyModifiers::SHIFT;
                rest = r;
            } else {
                break;
            }
        }
        let code = match rest {
            "enter" => KeyCode::Enter,
            "esc" => KeyCode::Esc,
            "tab" if modifiers.contains(KeyModifiers::SHIFT) => {
                modifiers.remove(KeyModifiers::SHIFT);
                KeyCode::BackTab
            }
            "tab" => KeyCode::Tab,
            "backtab" => KeyCode::BackTab,
            "backspace" => KeyCode::Backspace,
            "delete" => KeyCode::Delete,
            "up" => KeyCode::Up,
            "down" => KeyCode::Down,
            "left" => KeyCode::Left,
            "right" => KeyCode::Right,
            "pgup" => KeyCode::PageUp,
            "pgdown" => KeyCode::PageDown,
            "home" => KeyCode::Home,
            "end" => KeyCode::End,
            "space" => KeyCode::Char(' '),
            f if f.len() > 1 && f.starts_with('f') => match f[1..].parse::<u8>() {
                Ok(n) if (1..=12).contains(&n) => KeyCode::F(n),
                _ => return Err(format!("unknown key {text:?}")),
            },
            c if c.chars().count() == 1 => {
                let ch = c.chars().next().unwrap_or(' ');
                if modifiers.contains(KeyModifiers::SHIFT) {
                    modifiers.remove(KeyModifiers::SHIFT);
                    KeyCode::Char(ch.to_ascii_uppercase())
                } else {
                    KeyCode::Char(ch)
                }
            }
            _ => return Err(format!("unknown key {text:?}")),
        };
        Ok(Key { code, modifiers })
    }
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.modifiers.contains(KeyModifiers::CONTROL) {
            f.write_str("ctrl-")?;
        }
        if self.modifiers.contains(KeyModifiers::ALT) {
            f.write_str("alt-")?;
        }
        if self.modifiers.contains(KeyModifiers::SHIFT) {
            f.write_str("shift-")?;
        }
        match self.code {
            KeyCode::Enter => f.write_str("enter"),
            KeyCode::Esc => f.write_str("esc"),
            KeyCode::Tab => f.write_str("tab"),
            KeyCode::BackTab => f.write_str("shift-tab"),
            KeyCode::Backspace => f.write_str("backspace"),
            KeyCode::Delete => f.write_str("delete"),
            KeyCode::Up => f.write_str("↑"),
            KeyCode::Down => f.write_str("↓"),
            KeyCode::Left => f.write_str("←"),
            KeyCode::Right => f.write_str("→"),
            KeyCode::PageUp => f.write_str("pgup"),
            KeyCode::PageDown => f.write_str("pgdown"),
            KeyCode::Home => f.write_str("home"),
            KeyCode::End => f.write_str("end"),
            KeyCode::Char(' ') => f.write_str("space"),
            KeyCode::Char(c) => write!(f, "{c}"),
            KeyCode::F(n) => write!(f, "f{n}"),
            other => write!(f, "{other:?}"),
        }
    }
}

/// The key map: commands and their keys, in help order.
#[derive(Clone, Debug, PartialEq)]
pub struct KeyMap {
    views: Views,
    bindings: Vec<(Command, Vec<Key>)>,
}

impl Default for KeyMap {
    fn default() -> Self {
        KeyMap::new(Views::default())
    }
}

fn parse_all(keys: &[&str]) -> Vec<Key> {
    keys.iter().filter_map(|k| Key::parse(k).ok()).collect()
}

impl KeyMap {
    /// The default bindings, with the views of `views`.
    pub fn new(views: Views) -> KeyMap {
        let mut bindings = Vec::new();
        for c in Command::FIXED {
            bindings.push((*c, parse_all(c.default_keys())));
            if *c == VIEWS_AFTER {
                for v in views.all() {
                    bindings.push((Command::View(v.id), parse_all(&[v.key])));
                }
            }
        }
        KeyMap { views, bindings }
    }

    /// The name of `command` in the config file.
    pub fn name(&self, command: Command) -> &'static str {
        match command {
            Command::View(id) => self.views.get(id).command,
            c => c.fixed_name().unwrap_or_default(),
        }
    }

    /// What `command` does (shown in the help).
    pub fn description(&self, command: Command) -> &'static str {
        match command {
            Command::View(id) => self.views.get(id).description,
            c => c.fixed_description().unwrap_or_default(),
        }
    }

    /// The command bound to `key`, if any.
    pub fn command(&self, key: Key) -> Option<Command> {
        self.bindings
            .iter()
            .find(|(_, keys)| keys.contains(&key))
            .map(|(c, _)| *c)
    }

    /// The keys of `command`.
    pub fn keys(&self, command: Command) -> &[Key] {
        self.bindings
            .iter()
            .find(|(c, _)| *c == command)
            .map_or(&[], |(_, k)| k.as_slice())
    }

    /// The keys of `command` as text (`q, ctrl-c`).
    pub fn keys_text(&self, command: Command) -> String {
        let keys: Vec<String> = self.keys(command).iter().map(Key::to_string).collect();
        keys.join(", ")
    }

    /// Every binding, in help order.
    pub fn bindings(&self) -> impl Iterator<Item = (Command, &[Key])> {
        self.bindings.iter().map(|(c, k)| (*c, k.as_slice()))
    }

    /// Replace the keys of commands by name. Applies what it can; returns what it could not.
    pub fn apply(&mut self, overrides: &BTreeMap<String, Vec<String>>) -> Vec<String> {
        let mut problems = Vec::new();
        for (name, keys) in overrides {
            let Some(command) = self
                .bindings
                .iter()
                .map(|(c, _)| *c)
                .find(|c| self.name(*c) == name)
            else {
                let known: Vec<&str> = self.bindings.iter().map(|(c, _)| self.name(*c)).collect();
                problems.push(format!(
                    "unknown command {name:?} in keys (known: {})",
                    known.join(", ")
                ));
                continue;
            };
            let mut parsed = Vec::new();
            for k in keys {
                match Key::parse(k) {
                    Ok(key) => parsed.push(key),
                    Err(e) => problems.push(format!("keys.{name}: {e}")),
                }
            }
            if parsed.is_empty() {
                continue;
            }
            for (c, ks) in &mut self.bindings {
                if *c == command {
                    *ks = parsed.clone();
                } else {
                    ks.retain(|k| !parsed.contains(k));
                }
            }
        }
        problems
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_parse_and_print_back() {
        for text in [
            "q", "ctrl-c", "G", "enter", "pgdown", "f5", "alt-x", "space", "?", "/",
        ] {
            let key = Key::parse(text).unwrap();
            let again = Key::parse(&key.to_string()).unwrap_or(key);
            assert_eq!(again, key, "{text}");
        }
        assert_eq!(Key::parse("shift-tab").unwrap().code, KeyCode::BackTab);
        assert_eq!(Key::parse("shift-g").unwrap(), Key::parse("G").unwrap());
        assert!(Key::parse("hyper-x").is_err());
        assert!(Key::parse("f13").is_err());
    }

    #[test]
    fn events_normalise_shift_for_characters() {
        let ev = KeyEvent::new(KeyCode::Char('G'), KeyModifiers::SHIFT);
        assert_eq!(
            KeyMap::default().command(Key::from_event(&ev)),
            Some(Command::Bottom)
        );
        let ev = KeyEvent::new(KeyCode::BackTab, KeyModifiers::SHIFT);
        assert_eq!(
            KeyMap::default().command(Key::from_event(&ev)),
            Some(Command::PrevView)
        );
        let ev = KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL);
        assert_eq!(
            KeyMap::default().command(Key::from_event(&ev)),
            Some(Command::Quit)
        );
    }

    #[test]
    fn every_command_has_keys_and_no_key_is_bound_twice() {
        let map = KeyMap::default();
        let mut seen = Vec::new();
        for (c, keys) in map.bindings() {
            assert!(!keys.is_empty(), "{}", map.name(c));
            assert!(!map.description(c).is_empty());
            for k in keys {
                assert!(!seen.contains(k), "{k} bound twice");
                seen.push(*k);
            }
        }
    }

    #[test]
    fn overrides_replace_by_name_and_report_problems() {
        let mut map = KeyMap::default();
        let overrides: BTreeMap<String, Vec<String>> = [
            ("quit".to_string(), vec!["x".to_string()]),
            (
                "down".to_string(),
                vec!["q".to_string(), "bogus-key".to_string()],
            ),
            ("fly".to_string(), vec!["f".to_string()]),
        ]
        .into();
        let problems = map.apply(&overrides);
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert!(problems[0].contains("bogus-key"));
        assert!(problems[1].contains("unknown command \"fly\""));
        let key = |s| Key::parse(s).unwrap();
        assert_eq!(map.command(key("x")), Some(Command::Quit));
        assert_eq!(map.command(key("q")), Some(Command::Down));
        assert_eq!(map.command(key("j")), None);
        assert_eq!(map.keys_text(Command::Up), "k, ↑");
    }
}
