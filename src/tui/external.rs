//! What the cockpit hands to the terminal outside its own drawing: a claim edited in
//! `$VISUAL` / `$EDITOR` (the terminal is given to the editor and taken back afterwards) and
//! text put on the clipboard with OSC 52 (which works over SSH too).

use super::terminal::{Term, TerminalGuard, restore};
use base64::Engine;
use std::io::Write;
use std::path::PathBuf;

/// The editor to run: `$VISUAL`, else `$EDITOR`, else `vi`.
fn editor() -> String {
    std::env::var("VISUAL")
        .ok()
        .filter(|v| !v.trim().is_empty())
        .or_else(|| {
            std::env::var("EDITOR")
                .ok()
                .filter(|v| !v.trim().is_empty())
        })
        .unwrap_or_else(|| "vi".into())
}

fn temp_file(text: &str) -> std::io::Result<PathBuf> {
    let dir = std::env::temp_dir();
    for n in 0..100u32 {
        let path = dir.join(format!("klutch-tui-{}-{n}.yaml", std::process::id()));
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        match options.open(&path) {
            Ok(mut f) => {
                f.write_all(text.as_bytes())?;
                return Ok(path);
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    }
    Err(std::io::Error::other("no free temporary file name"))
}

/// Give the terminal to the editor on `text`; take it back and return what was saved (or
/// why nothing was). Only a failure to take the terminal back is an error.
pub async fn edit(term: &mut Term, text: String) -> std::io::Result<Result<String, String>> {
    let path = match temp_file(&text) {
        Ok(p) => p,
        Err(e) => {
            return Ok(Err(format!(
                "cannot write a temporary file for the editor: {e}"
            )));
        }
    };
    restore();
    let editor = editor();
    let run = {
        let path = path.clone();
        let editor = editor.clone();
        tokio::task::spawn_blocking(move || {
            std::process::Command::new("sh")
                .arg("-c")
                .arg(format!("{editor} \"$1\""))
                .arg("sh")
                .arg(&path)
                .status()
        })
        .await
    };
    TerminalGuard::reenter(term)?;
    let result = match run {
        Ok(Ok(status)) if status.success() => std::fs::read_to_string(&path)
            .map_err(|e| format!("cannot read back {}: {e}", path.display())),
        Ok(Ok(status)) => Err(format!("{editor} ended with {status}; nothing changed")),
        Ok(Err(e)) => Err(format!("cannot run {editor} ({e}); set $VISUAL or $EDITOR")),
        Err(e) => Err(format!("the editor could not be waited for: {e}")),
    };
    let _ = std::fs::remove_file(&path);
    Ok(result)
}

/// Put `text` on the terminal's clipboard (OSC 52).
pub fn copy(text: &str) -> std::io::Result<()> {
    let encoded = base64::engine::general_purpose::STANDARD.encode(text);
    let mut out = std::io::stdout();
    write!(out, "\x1b]52;c;{encoded}\x07")?;
    out.flush()
}
