//! The terminal: raw mode, alternate screen and mouse capture on entry; restored on drop,
//! on panic (a hook runs before the default one prints, and a panic in any task ends the
//! main loop) and therefore on Ctrl-C, q and SIGTERM, which all end the main loop normally.

use crossterm::event::{DisableMouseCapture, EnableMouseCapture};
use crossterm::execute;
use crossterm::terminal::{
    Clear, ClearType, EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode,
};
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;
use std::io::{self, Stdout};

/// The terminal the cockpit draws on.
pub type Term = Terminal<CrosstermBackend<Stdout>>;

/// Put the terminal back as it was. Safe to call more than once.
pub fn restore() {
    let _ = disable_raw_mode();
    let _ = execute!(
        io::stdout(),
        DisableMouseCapture,
        LeaveAlternateScreen,
        crossterm::cursor::Show
    );
}

/// The name of threads whose panics are their own business: the embedded sandbox's API
/// servers catch a handler's panic and answer 500. The hook only logs those.
pub const ISOLATED_THREADS: &str = "klutch-isolated";

/// Told when any of the cockpit's own threads panics: a panic in a background task (a
/// watcher) restores the terminal too, so the cockpit must stop drawing and end.
static PANICKED: tokio::sync::Notify = tokio::sync::Notify::const_new();

/// Resolves once a panic has happened anywhere in the process (after
/// [`install_panic_hook`]).
pub async fn panicked() {
    PANICKED.notified().await;
}

/// Make every panic log itself; one of the cockpit's own also restores the terminal before
/// its message is printed and wakes [`panicked`]. A panic on an [`ISOLATED_THREADS`] thread
/// is only logged (printing it would garble the screen the cockpit goes on drawing).
pub fn install_panic_hook() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        tracing::error!(panic = %info, "panic");
        if is_isolated(std::thread::current().name()) {
            return;
        }
        restore();
        previous(info);
        PANICKED.notify_one();
    }));
}

fn is_isolated(thread: Option<&str>) -> bool {
    thread.is_some_and(|n| n.starts_with(ISOLATED_THREADS))
}

/// Holds the terminal in cockpit mode; restores it when dropped.
pub struct TerminalGuard {
    /// The terminal to draw on.
    pub terminal: Term,
}

impl TerminalGuard {
    /// Enter raw mode, the alternate screen and mouse capture, and make panics restore the
    /// terminal before their message is printed.
    pub fn enter() -> io::Result<TerminalGuard> {
        install_panic_hook();
        enable_raw_mode()?;
        let mut stdout = io::stdout();
        if let Err(e) = execute!(stdout, EnterAlternateScreen, EnableMouseCapture) {
            restore();
            return Err(e);
        }
        let mut terminal = Terminal::new(CrosstermBackend::new(stdout))?;
        terminal.hide_cursor()?;
        terminal.clear()?;
        Ok(TerminalGuard { terminal })
    }
}

impl TerminalGuard {
    /// Take the terminal back after another program had it (`$EDITOR`): raw mode, the
    /// alternate screen and mouse capture again, and a full redraw.
    pub fn reenter(terminal: &mut Term) -> io::Result<()> {
        enable_raw_mode()?;
        execute!(
            io::stdout(),
            EnterAlternateScreen,
            EnableMouseCapture,
            Clear(ClearType::All)
        )?;
        terminal.hide_cursor()?;
        // Not `Terminal::clear`: it asks the terminal where the cursor is, and the answer can
        // go to the event reader that was just stopped, failing the cockpit after a timeout.
        // An empty frame makes the previous buffer as blank as the screen now is, so the next
        // frame draws every cell.
        terminal.draw(|_| {})?;
        Ok(())
    }
}

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        restore();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_on_an_isolated_thread_does_not_end_the_cockpit() {
        install_panic_hook();
        let panicked_there = std::thread::Builder::new()
            .name(ISOLATED_THREADS.into())
            .spawn(|| panic!("a sandbox handler broke"))
            .unwrap()
            .join()
            .is_err();
        assert!(panicked_there);
        let woken = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
            .block_on(async {
                tokio::time::timeout(std::time::Duration::from_millis(300), panicked())
                    .await
                    .is_ok()
            });
        assert!(!woken, "the main loop was told to end");
        assert!(is_isolated(Some("klutch-isolated")));
        assert!(!is_isolated(Some("tokio-runtime-worker")));
        assert!(!is_isolated(None));
    }

    #[tokio::test]
    async fn a_panic_in_a_background_task_wakes_the_main_loop() {
        install_panic_hook();
        let task = tokio::spawn(async { panic!("a watcher broke") });
        assert!(task.await.is_err_and(|e| e.is_panic()));
        tokio::time::timeout(std::time::Duration::from_secs(5), panicked())
            .await
            .expect("the main loop is told");
    }
}
