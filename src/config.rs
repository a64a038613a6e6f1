//! Places on disk (config, state and cache directories) and the config file
//! `<config dir>/klutch-tui/config.yaml`, read once for every command: default contexts for
//! everyone, the theme, style and key overrides for the cockpit (`tui::settings` applies
//! those). A missing file means defaults; a broken one means defaults plus a clear message.

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
    /// `<cache dir>/klutch-tui`: the OIDC token cache.
    pub cache_dir: PathBuf,
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
                cache_dir: p.cache_dir().to_path_buf(),
            },
            None => Paths {
                config_dir: PathBuf::from(".klutch-tui"),
                state_dir: PathBuf::from(".klutch-tui"),
                cache_dir: PathBuf::from(".klutch-tui"),
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

/// A style in a theme or config file; every field optional so files override field by field.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct StyleSpec {
    /// Foreground colour: a name (`red`, `light-blue`), `#rrggbb`, an index, or `reset`.
    pub fg: Option<String>,
    /// Background colour.
    pub bg: Option<String>,
    /// Bold.
    pub bold: Option<bool>,
    /// Italic.
    pub italic: Option<bool>,
    /// Underlined.
    pub underlined: Option<bool>,
    /// Reversed.
    pub reversed: Option<bool>,
    /// Dim.
    pub dim: Option<bool>,
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
    /// The keys as a list.
    pub fn into_vec(self) -> Vec<String> {
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

/// The config file at `path` (absent: defaults) and what went wrong reading it.
pub fn read(path: &Path) -> (ConfigFile, Vec<String>) {
    match std::fs::read_to_string(path) {
        Ok(text) => match serde_saphyr::from_str::<Option<ConfigFile>>(&text) {
            Ok(file) => (file.unwrap_or_default(), Vec::new()),
            Err(e) => (
                ConfigFile::default(),
                vec![format!(
                    "config {} is not valid, using defaults: {}",
                    path.display(),
                    first_line(&e.to_string())
                )],
            ),
        },
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => (ConfigFile::default(), Vec::new()),
        Err(e) => (
            ConfigFile::default(),
            vec![format!("cannot read config {}: {e}", path.display())],
        ),
    }
}

fn first_line(text: &str) -> &str {
    text.lines().next().unwrap_or(text)
}
