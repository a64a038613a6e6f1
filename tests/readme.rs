//! The README's examples work as written: every config example (a YAML block after a
//! `<!-- config example -->` line) loads as a config file without a single complaint, and
//! the headless example (the shell block after `<!-- headless example -->`) runs against a
//! sandbox as a user would paste it.
#![allow(clippy::unwrap_used)]

use crate::support;

use klutch_tui::config;
use klutch_tui::tui::settings;
use std::path::Path;
use std::time::Duration;

/// The blocks of `language` after a `<!-- marker -->` line.
fn examples(readme: &str, marker: &str, language: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut lines = readme.lines();
    while let Some(line) = lines.next() {
        if line.trim() != format!("<!-- {marker} -->") {
            continue;
        }
        assert_eq!(
            lines.next().map(str::trim),
            Some(format!("```{language}").as_str()),
            "a {language} block follows"
        );
        let block: Vec<&str> = lines.by_ref().take_while(|l| l.trim() != "```").collect();
        out.push(block.join("\n"));
    }
    out
}

fn readme() -> String {
    std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_headless_example_runs() {
    let scripts = examples(&readme(), "headless example", "sh");
    assert_eq!(scripts.len(), 1);
    let env = support::claims::start(Duration::from_millis(300), 0.0).await;
    let bin = Path::new(env!("CARGO_BIN_EXE_klutch-tui"))
        .parent()
        .unwrap();
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let mut bash = support::claims::command(&env, Path::new("bash"));
    bash.args(["-euo", "pipefail", "-c", &scripts[0]])
        .current_dir(env.dir.path())
        .env("PATH", path);
    let out = tokio::time::timeout(support::claims::WAIT, bash.output())
        .await
        .unwrap()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stdout}\n{stderr}");
    assert!(
        stdout.contains("+  plan: postgresql-single-small"),
        "{stdout}"
    );
    assert!(
        stdout
            .lines()
            .any(|l| l.starts_with("orders ") && l.contains("PostgresqlInstance")),
        "{stdout}"
    );
    assert!(
        stdout
            .lines()
            .any(|l| l.starts_with("backup.anynines.com/orders-backup-")),
        "{stdout}"
    );
    assert!(
        stdout
            .lines()
            .any(|l| l.starts_with("connect as ") && l.ends_with(":5432")),
        "{stdout}"
    );
    assert!(stderr.contains(": done"), "{stderr}");
    env.shutdown().await;
}

#[test]
fn every_config_example_loads() {
    let examples = examples(&readme(), "config example", "yaml");
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
