//! Actions: everything that may change the cockpit's state, and the mapping from terminal
//! events to them (through the key map, by mode). The update step is the only consumer.

use super::keymap::{Command, Key, KeyMap};
use super::state::Mode;
use crossterm::event::{
    Event, KeyCode, KeyEvent, KeyEventKind, KeyModifiers, MouseButton, MouseEventKind,
};

/// An edit of the filter or command input line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Edit {
    /// Type a character.
    Char(char),
    /// Delete the last character.
    Backspace,
    /// Accept the input.
    Submit,
    /// Abandon the input.
    Cancel,
}

/// Something that changes the state.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Action {
    /// A command from the key map.
    Command(Command),
    /// An edit of the input line.
    Edit(Edit),
    /// The terminal has a new size.
    Resize(u16, u16),
    /// A left click at column, row.
    Click(u16, u16),
    /// Wheel up at column, row.
    ScrollUp(u16, u16),
    /// Wheel down at column, row.
    ScrollDown(u16, u16),
    /// The store has a new generation.
    StoreChanged,
    /// A key for the claim editor.
    EditorKey(KeyEvent),
    /// A key for the open dialog.
    DialogKey(KeyEvent),
    /// Typing paused: check the editor's text.
    Validate,
    /// The services answered a request.
    Reply(crate::services::Reply),
    /// `$EDITOR` returned with this text (or why it could not run).
    ExternalEdited(Result<String, String>),
}

/// The action a terminal event asks for in `mode`, if any.
pub fn from_event(event: &Event, mode: Mode, keymap: &KeyMap) -> Option<Action> {
    match event {
        Event::Key(key) if key.kind != KeyEventKind::Release => {
            let ctrl_c = key.code == KeyCode::Char('c') && key.modifiers == KeyModifiers::CONTROL;
            match mode {
                Mode::Edit => Some(Action::EditorKey(*key)),
                Mode::Dialog => Some(Action::DialogKey(*key)),
                Mode::Filter | Mode::Command => {
                    if ctrl_c {
                        return Some(Action::Command(Command::Quit));
                    }
                    let edit = match key.code {
                        KeyCode::Enter => Edit::Submit,
                        KeyCode::Esc => Edit::Cancel,
                        KeyCode::Backspace => Edit::Backspace,
                        KeyCode::Char(c)
                            if !key
                                .modifiers
                                .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT) =>
                        {
                            Edit::Char(c)
                        }
                        _ => return None,
                    };
                    Some(Action::Edit(edit))
                }
                Mode::Normal | Mode::Help | Mode::Messages | Mode::Info | Mode::Why => {
                    match keymap.command(Key::from_event(key)) {
                        Some(c) => Some(Action::Command(c)),
                        None if ctrl_c => Some(Action::Command(Command::Quit)),
                        None => None,
                    }
                }
            }
        }
        Event::Resize(w, h) => Some(Action::Resize(*w, *h)),
        Event::Mouse(m) => match m.kind {
            MouseEventKind::Down(MouseButton::Left) => Some(Action::Click(m.column, m.row)),
            MouseEventKind::ScrollUp => Some(Action::ScrollUp(m.column, m.row)),
            MouseEventKind::ScrollDown => Some(Action::ScrollDown(m.column, m.row)),
            _ => None,
        },
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crossterm::event::{KeyEvent, MouseEvent};

    fn key(code: KeyCode, m: KeyModifiers) -> Event {
        Event::Key(KeyEvent::new(code, m))
    }

    #[test]
    fn keys_map_by_mode() {
        let km = KeyMap::default();
        let q = key(KeyCode::Char('q'), KeyModifiers::NONE);
        assert_eq!(
            from_event(&q, Mode::Normal, &km),
            Some(Action::Command(Command::Quit))
        );
        assert_eq!(
            from_event(&q, Mode::Filter, &km),
            Some(Action::Edit(Edit::Char('q')))
        );
        let esc = key(KeyCode::Esc, KeyModifiers::NONE);
        assert_eq!(
            from_event(&esc, Mode::Command, &km),
            Some(Action::Edit(Edit::Cancel))
        );
        let cc = key(KeyCode::Char('c'), KeyModifiers::CONTROL);
        assert_eq!(
            from_event(&cc, Mode::Filter, &km),
            Some(Action::Command(Command::Quit))
        );
        // A key bound to nothing does nothing.
        let z = key(KeyCode::Char('z'), KeyModifiers::NONE);
        assert_eq!(from_event(&z, Mode::Normal, &km), None);
        // In the editor every key is the editor's.
        assert_eq!(
            from_event(&q, Mode::Edit, &km),
            Some(Action::EditorKey(KeyEvent::new(
                KeyCode::Char('q'),
                KeyModifiers::NONE
            )))
        );
    }

    #[test]
    fn ctrl_c_quits_even_when_rebound() {
        let mut km = KeyMap::default();
        km.apply(&[("quit".to_string(), vec!["x".to_string()])].into());
        let cc = key(KeyCode::Char('c'), KeyModifiers::CONTROL);
        assert_eq!(
            from_event(&cc, Mode::Normal, &km),
            Some(Action::Command(Command::Quit))
        );
    }

    #[test]
    fn mouse_and_resize() {
        let km = KeyMap::default();
        let click = Event::Mouse(MouseEvent {
            kind: MouseEventKind::Down(MouseButton::Left),
            column: 3,
            row: 4,
            modifiers: KeyModifiers::NONE,
        });
        assert_eq!(
            from_event(&click, Mode::Normal, &km),
            Some(Action::Click(3, 4))
        );
        assert_eq!(
            from_event(&Event::Resize(80, 24), Mode::Help, &km),
            Some(Action::Resize(80, 24))
        );
    }
}
