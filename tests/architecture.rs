//! The dependency direction the README's Architecture section describes, checked:
//! `commands` → `tui` → `services` → `cluster` → `klutch`, `sandbox` → `klutch`, and no
//! terminal crate in the sandbox's dependency tree.
#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};

fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(rust_files(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
    out
}

/// Lines under `room` (a folder or file of `src/`) that mention any of `forbidden`.
fn offences(room: &str, forbidden: &[&str]) -> Vec<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src").join(room);
    let files = if root.is_dir() {
        rust_files(&root)
    } else {
        vec![root.with_extension("rs")]
    };
    assert!(!files.is_empty(), "src/{room} has Rust files");
    let mut out = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        for (n, line) in text.lines().enumerate() {
            let code = line.split("//").next().unwrap_or("");
            for f in forbidden {
                if code.contains(f) {
                    out.push(format!("{}:{}: {}", file.display(), n + 1, line.trim()));
                }
            }
        }
    }
    out
}

#[test]
fn each_room_imports_only_downstream() {
    let rules: &[(&str, &[&str])] = &[
        ("tui", &["sandbox::", "crate::commands"]),
        ("services", &["crate::tui", "crate::commands", "sandbox::"]),
        (
            "cluster",
            &[
                "crate::tui",
                "crate::services",
                "crate::commands",
                "sandbox::",
            ],
        ),
        (
            "config",
            &["crate::tui", "crate::services", "crate::cluster"],
        ),
    ];
    let mut all = Vec::new();
    for (room, forbidden) in rules {
        all.extend(offences(room, forbidden));
    }
    assert!(
        all.is_empty(),
        "imports against the direction:\n{}",
        all.join("\n")
    );
}

#[test]
fn the_sandbox_has_no_terminal_crate_in_its_tree() {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = std::process::Command::new(cargo)
        .args([
            "tree",
            "-p",
            "sandbox",
            "-e",
            "normal",
            "--prefix",
            "none",
            "--offline",
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let tree = String::from_utf8_lossy(&out.stdout);
    assert!(tree.contains("klutch v"), "{tree}");
    for terminal in ["ratatui", "crossterm"] {
        assert!(
            !tree
                .lines()
                .any(|l| l.starts_with(&format!("{terminal} v"))),
            "{terminal} in the sandbox's tree"
        );
    }
}
