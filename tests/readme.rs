//! The README's examples work as written: every config example (a YAML block after a
//! `<!-- config example -->` line) loads as a config file without a single complaint.
#![allow(clippy::unwrap_used)]

use klutch_tui::config;
use klutch_tui::tui::settings;

/// The YAML blocks marked as config examples.
fn config_examples(readme: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut lines = readme.lines();
    while let Some(line) = lines.next() {
        if line.trim() != "<!-- config example -->" {
            continue;
        }
        assert_eq!(
            lines.next().map(str::trim),
            Some("```yaml"),
            "a yaml block follows"
        );
        let block: Vec<&str> = lines.by_ref().take_while(|l| l.trim() != "```").collect();
        out.push(block.join("\n"));
    }
    out
}

#[test]
fn every_config_example_loads() {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let examples = config_examples(&readme);
    assert!(!examples.is_empty(), "the README has a config example");
    for example in examples {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.yaml");
        std::fs::write(&path, &example).unwrap();
        let (file, problems) = config::read(&path);
        assert!(problems.is_empty(), "{problems:?}\n{example}");
        assert!(
            file.app_context.is_some() || file.theme.is_some(),
            "{example}"
        );
        let s = settings::load(&path, &dir.path().join("themes"), None, None);
        assert!(s.problems.is_empty(), "{:?}\n{example}", s.problems);
    }
}
