//! The update step: `(state, action, store) → state`. The only place the cockpit's state
//! changes. Reads the store (never waits on it) to rebuild rows when something changed.

use super::detail::{Detail, DetailSize};
use super::filter::Filter;
use super::rows::ListModel;
use super::{AppState, Mode, RunState};
use super::{claims, dialog, edit, konnector, why, wizard};
use crate::cluster::{ClusterId, Level, StoreData};
use crate::services::Effect;
use crate::tui::action::{Action, Edit};
use crate::tui::keymap::Command;
use crate::tui::layout::{self, Areas};
use crate::tui::views::{CellCtx, ViewId};
use ratatui::layout::Rect;

/// Lines a wheel notch moves.
const WHEEL: isize = 3;

/// Apply one action.
pub fn update(state: &mut AppState, action: Action, store: &StoreData) {
    match action {
        Action::Command(c) => command(state, c, store),
        Action::Edit(e) => edit(state, e, store),
        Action::Resize(w, h) => {
            state.size = (w, h);
            keep_visible(state);
        }
        Action::Click(x, y) => click(state, x, y, store),
        Action::ScrollUp(x, y) => wheel(state, x, y, -WHEEL),
        Action::ScrollDown(x, y) => wheel(state, x, y, WHEEL),
        Action::StoreChanged => sync(state, store),
        Action::EditorKey(key) => edit::editor_key(state, key, store),
        Action::DialogKey(key) => dialog::dialog_key(state, key, store),
        Action::WizardKey(key) => wizard::key(state, key),
        Action::Validate => edit::validate(state, store),
        Action::Reply(crate::services::Reply::Bind { id, event }) => {
            wizard::event(state, id, event);
        }
        Action::Reply(reply) => {
            if !why::reply(state, &reply) {
                claims::reply(state, reply);
            }
        }
        Action::ExternalEdited(result) => match (state.external.take(), result) {
            (Some((target, _)), Ok(text)) => edit::external_edited(state, store, target, text),
            (_, Err(why)) => state.say(Level::Error, why),
            (None, Ok(_)) => {}
        },
    }
}

/// Catch up with the store: rebuild rows, follow the detail, show the newest message.
pub fn sync(state: &mut AppState, store: &StoreData) {
    if store.generation() != state.seen_generation {
        state.seen_generation = store.generation();
        rebuild(state, store);
        if let Some(d) = &mut state.detail {
            d.refresh(store);
        }
    }
    if let Some(m) = store.messages().since(state.seen_message).last() {
        state.seen_message = m.seq;
        state.say(m.level, m.text.clone());
    }
}

fn areas(state: &AppState) -> Areas {
    let (w, h) = state.size;
    layout::areas(Rect::new(0, 0, w, h), state.detail.as_ref().map(|d| d.size))
}

fn rebuild(state: &mut AppState, store: &StoreData) {
    if state.def().pane.is_some() {
        // A view drawn by its own pane has no rows.
        state.rows = ListModel::default();
        return;
    }
    let view = state.current();
    let ctx = CellCtx {
        now: (state.clock)(),
        store,
    };
    state.rows = ListModel::build(&ctx, state.def(), &view.filter, view.sort, &view.folded);
    let measured_for = (state.table.index(state.view), store.generation());
    let fit = match state.fit.take() {
        Some((key, fit)) if key == measured_for => fit,
        _ => {
            let def = state.def();
            ListModel::measure(def.columns, store.list(def.shows).values(), &ctx)
        }
    };
    state.rows.fit = fit.clone();
    state.fit = Some((measured_for, fit));
    let n = state.rows.items.len();
    let i = state.table.index(state.view);
    let view = &mut state.views[i];
    // Until the person moves, the first row stays selected while the lists arrive (kinds
    // listed later would otherwise push the selection down the list).
    let key = view.selected_key.as_ref().filter(|_| view.moved);
    let selected = match key.map(|k| state.rows.position(k)) {
        Some(Ok(i)) => i,
        Some(Err(i)) => i.min(n.saturating_sub(1)),
        None if view.moved => view.selected.min(n.saturating_sub(1)),
        None => 0,
    };
    view.selected = selected;
    view.selected_key = state.rows.item(selected).map(|e| e.key.clone());
    keep_visible(state);
}

/// Scroll so that the selected row (and its group heading, if it is the first) shows.
fn keep_visible(state: &mut AppState) {
    let page = areas(state).list_page();
    let lines = state.rows.lines.len();
    let i = state.table.index(state.view);
    let view = &mut state.views[i];
    let Some(&line) = state.rows.items.get(view.selected) else {
        view.offset = 0;
        return;
    };
    let top = if view.selected == 0 { 0 } else { line };
    if top < view.offset {
        view.offset = top;
    } else if line >= view.offset + page {
        view.offset = line + 1 - page;
    }
    view.offset = view.offset.min(lines.saturating_sub(page));
}

/// Select the row of `key`, if it is shown; an open detail follows it.
pub(super) fn select_key(state: &mut AppState, key: &crate::cluster::RowKey) {
    let Ok(index) = state.rows.position(key) else {
        return;
    };
    select(state, index);
    if let (Some(old), Some(entry)) = (&state.detail, state.rows.item(index)) {
        let mut detail = Detail::open(entry.clone());
        detail.size = old.size;
        state.detail = Some(detail);
    }
}

fn select(state: &mut AppState, index: usize) {
    let n = state.rows.items.len();
    let i = state.table.index(state.view);
    let view = &mut state.views[i];
    view.moved = true;
    view.selected = index.min(n.saturating_sub(1));
    view.selected_key = state.rows.item(view.selected).map(|e| e.key.clone());
    keep_visible(state);
}

fn move_by(state: &mut AppState, delta: isize) {
    if state.mode == Mode::Help {
        state.help_scroll = state.help_scroll.saturating_add_signed(delta).min(200);
        return;
    }
    if state.mode == Mode::Messages {
        // The log is newest-last; scrolling up (negative) reveals older messages.
        state.messages_scroll = state.messages_scroll.saturating_add_signed(-delta);
        return;
    }
    if let Some(page) = state
        .detail
        .as_ref()
        .map(|d| areas(state).detail_page(d.entry.conditions.len()))
        && let Some(d) = &mut state.detail
    {
        let max = d.yaml.len().saturating_sub(page);
        d.scroll = d.scroll.saturating_add_signed(delta).min(max);
        return;
    }
    let current = state.current().selected;
    select(state, current.saturating_add_signed(delta));
}

fn page(state: &AppState) -> isize {
    let a = areas(state);
    let page = match &state.detail {
        Some(d) => a.detail_page(d.entry.conditions.len()),
        None => a.list_page(),
    };
    page as isize
}

fn switch_view(state: &mut AppState, view: ViewId, store: &StoreData) {
    state.view = view;
    state.detail = None;
    state.why = None;
    if matches!(
        state.mode,
        Mode::Help | Mode::Messages | Mode::Info | Mode::Why
    ) {
        state.mode = Mode::Normal;
    }
    rebuild(state, store);
}

fn toggle(state: &mut AppState, mode: Mode) {
    state.mode = if state.mode == mode {
        Mode::Normal
    } else {
        state.help_scroll = 0;
        state.messages_scroll = 0;
        mode
    };
}

fn command(state: &mut AppState, c: Command, store: &StoreData) {
    if claims::command(state, c, store) {
        return;
    }
    let count = state.table.all().len();
    match c {
        Command::Quit => state.run = RunState::Quitting,
        Command::Help => toggle(state, Mode::Help),
        Command::Messages => toggle(state, Mode::Messages),
        Command::NextView => switch_view(state, state.table.after(state.view, 1), store),
        Command::PrevView => switch_view(state, state.table.after(state.view, count - 1), store),
        Command::View(id) => switch_view(state, id, store),
        Command::Up => move_by(state, -1),
        Command::Down => move_by(state, 1),
        Command::PageUp => move_by(state, -page(state)),
        Command::PageDown => move_by(state, page(state)),
        Command::Top => move_by(state, isize::MIN / 2),
        Command::Bottom => move_by(state, isize::MAX / 2),
        Command::Filter => {
            state.mode = Mode::Filter;
            state.input = state.current().filter_text.clone();
            state.input_error = None;
        }
        Command::CommandLine => {
            state.mode = Mode::Command;
            state.input.clear();
            state.input_error = None;
        }
        Command::Sort => {
            let view = state.current_mut();
            view.sort = view.sort.next();
            let column = view.sort.column().unwrap_or("KIND (as stored)");
            rebuild(state, store);
            state.say(Level::Info, format!("sorted by {column}"));
        }
        Command::Fold => fold(state, store),
        Command::Konnector => konnector::toggle(state, store),
        // Claim commands are handled above; these two are drawn from the detail.
        Command::New
        | Command::Edit
        | Command::EditExternal
        | Command::Backup
        | Command::Restore
        | Command::Delete
        | Command::Reveal
        | Command::Related => {}
        Command::Yaml => {
            command(state, Command::OpenDetail, store);
            super::related::describe(state);
        }
        Command::Pair => open_pair(state, store),
        Command::Why => why::open(state, store),
        Command::Bind => wizard::open(state, &[]),
        Command::FullScreen => {
            if let Some(d) = &mut state.detail {
                d.size = match d.size {
                    DetailSize::Beside => DetailSize::Full,
                    DetailSize::Full => DetailSize::Beside,
                };
                keep_visible(state);
            }
        }
        Command::OpenDetail => {
            if matches!(
                state.mode,
                Mode::Help | Mode::Messages | Mode::Info | Mode::Why
            ) {
                return;
            }
            let selected = state.current().selected;
            if let Some(entry) = state.rows.item(selected) {
                state.detail = Some(Detail::open(entry.clone()));
                keep_visible(state);
            } else if state.rows.namespace_of(selected).is_some() {
                // A folded group's heading: Enter unfolds it.
                fold(state, store);
            }
        }
        Command::Back => {
            if state.mode == Mode::Why {
                why::close(state);
            } else if matches!(state.mode, Mode::Help | Mode::Messages | Mode::Info) {
                state.mode = Mode::Normal;
            } else if state.detail.is_some() {
                state.detail = None;
                keep_visible(state);
            } else if !state.current().filter_text.is_empty() {
                set_filter(state, "", store);
            } else {
                state.message = None;
            }
        }
    }
}

/// The paired view of the selected claim: its App object beside its Control Plane copy.
fn open_pair(state: &mut AppState, store: &StoreData) {
    let selected = state.current().selected;
    let Some(entry) = state.rows.item(selected).cloned() else {
        return;
    };
    if entry.class != klutch::objects::ObjectClass::Claim {
        state.say(
            Level::Error,
            "p pairs a claim with its Control Plane copy; select a claim",
        );
        return;
    }
    let mut detail = Detail::open(entry);
    detail.pair(store);
    state.detail = Some(detail);
    keep_visible(state);
}

/// Fold the selected row's namespace group, or unfold the folded group whose heading is
/// selected; the selection stays on that group.
fn fold(state: &mut AppState, store: &StoreData) {
    let selected = state.current().selected;
    let Some(namespace) = state.rows.namespace_of(selected).map(str::to_string) else {
        return;
    };
    let view = state.current_mut();
    view.moved = true;
    if !view.folded.remove(&namespace) {
        view.folded.insert(namespace.clone());
    }
    rebuild(state, store);
    let index = match state.rows.folded_group(&namespace) {
        Some(i) => i,
        // Unfolded: the group's first row.
        None => (0..state.rows.items.len())
            .find(|&i| state.rows.namespace_of(i) == Some(namespace.as_str()))
            .unwrap_or(0),
    };
    select(state, index);
}

/// Show only what `filter` passes; `text` is what the list's title shows for it.
pub(super) fn apply_filter(state: &mut AppState, text: String, filter: Filter, store: &StoreData) {
    let view = state.current_mut();
    view.filter_text = text;
    view.filter = filter;
    state.input_error = None;
    rebuild(state, store);
}

fn set_filter(state: &mut AppState, text: &str, store: &StoreData) {
    match Filter::parse(text) {
        Ok(filter) => apply_filter(state, text.to_string(), filter, store),
        Err(e) => state.input_error = Some(e),
    }
}

fn edit(state: &mut AppState, e: Edit, store: &StoreData) {
    match (state.mode, e) {
        (Mode::Filter | Mode::Command, Edit::Char(c)) => {
            state.input.push(c);
            if state.mode == Mode::Filter {
                let text = state.input.clone();
                set_filter(state, &text, store);
            }
        }
        (Mode::Filter | Mode::Command, Edit::Backspace) => {
            state.input.pop();
            if state.mode == Mode::Filter {
                let text = state.input.clone();
                set_filter(state, &text, store);
            }
        }
        (Mode::Filter, Edit::Submit) => {
            state.mode = Mode::Normal;
            if let Some(err) = state.input_error.take() {
                state.say(Level::Error, format!("filter not applied: {err}"));
            }
        }
        (Mode::Filter, Edit::Cancel) => {
            state.mode = Mode::Normal;
            state.input.clear();
            set_filter(state, "", store);
        }
        (Mode::Command, Edit::Submit) => {
            state.mode = Mode::Normal;
            let text = std::mem::take(&mut state.input);
            run_command(state, text.trim(), store);
        }
        (Mode::Command, Edit::Cancel) => {
            state.mode = Mode::Normal;
            state.input.clear();
        }
        _ => {}
    }
}

fn run_command(state: &mut AppState, text: &str, store: &StoreData) {
    let text = text.trim_start_matches(':');
    // URLs keep their case.
    if let Some(("bind", rest)) = text.split_once(' ').or(Some((text, ""))) {
        let args: Vec<&str> = rest.split_whitespace().collect();
        wizard::open(state, &args);
        return;
    }
    let text = text.to_lowercase();
    let mut words = text.split_whitespace();
    let Some(word) = words.next() else {
        return;
    };
    if word == "konnector"
        && let Some(arg) = words.next()
    {
        konnector::command(state, arg, store);
        return;
    }
    if let Some(view) = state.table.by_name(word) {
        switch_view(state, view, store);
        return;
    }
    match word {
        "q" | "q!" | "quit" => state.run = RunState::Quitting,
        "help" | "h" | "?" => {
            state.help_scroll = 0;
            state.mode = Mode::Help;
        }
        "messages" | "msg" => {
            state.messages_scroll = 0;
            state.mode = Mode::Messages;
        }
        "info" => state.mode = Mode::Info,
        "new" => {
            if state.access == super::Access::ReadOnly {
                command(state, Command::New, store);
            } else {
                edit::new_claim(state, store, words.next());
            }
        }
        "edit" if words.next() == Some("--control-plane") => edit::edit_control_plane(state, store),
        "edit" => command(state, Command::Edit, store),
        "edit!" => command(state, Command::EditExternal, store),
        "backup" => command(state, Command::Backup, store),
        "restore" => command(state, Command::Restore, store),
        "delete" => command(state, Command::Delete, store),
        "reveal" => command(state, Command::Reveal, store),
        "related" => command(state, Command::Related, store),
        "yaml" => command(state, Command::Yaml, store),
        "pair" => command(state, Command::Pair, store),
        "why" => command(state, Command::Why, store),
        "reconnect" => reconnect(state, words.next()),
        _ => {
            let views: Vec<String> = state
                .table
                .all()
                .iter()
                .map(|v| format!(":{}", v.id.0))
                .collect();
            state.say(
                Level::Error,
                format!(
                    "unknown command :{word} (try {}, :help, :q)",
                    views.join(", ")
                ),
            );
        }
    }
}

/// `:reconnect [app|cp]`: try to reach a cluster now (both when none is named).
fn reconnect(state: &mut AppState, which: Option<&str>) {
    let ids: &[ClusterId] = match which {
        None => &ClusterId::ALL,
        Some("app") => &[ClusterId::App],
        Some("cp" | "control-plane") => &[ClusterId::ControlPlane],
        Some(other) => {
            state.say(
                Level::Error,
                format!(":reconnect {other}: name app or cp, or nothing for both"),
            );
            return;
        }
    };
    state
        .effects
        .extend(ids.iter().map(|id| Effect::Reconnect(*id)));
}

fn click(state: &mut AppState, x: u16, y: u16, store: &StoreData) {
    if matches!(
        state.mode,
        Mode::Help | Mode::Messages | Mode::Info | Mode::Why
    ) {
        state.why = None;
        state.mode = Mode::Normal;
        return;
    }
    let a = areas(state);
    let inside = |r: Rect| x >= r.x && x < r.x + r.width && y >= r.y && y < r.y + r.height;
    if inside(a.tabs) {
        if let Some(view) = layout::tab_at(state.table, a.tabs, state.view, x) {
            switch_view(state, view, store);
        }
        return;
    }
    if inside(a.list) && y >= a.list.y + 2 {
        let line = state.current().offset + usize::from(y - a.list.y - 2);
        if let Some(item) = state.rows.item_at_line(line) {
            if item == state.current().selected && state.detail.is_none() {
                command(state, Command::OpenDetail, store);
            } else {
                if let Some(key) = state.rows.item(item).map(|e| e.key.clone()) {
                    select_key(state, &key);
                } else {
                    select(state, item);
                }
            }
        }
    }
}

fn wheel(state: &mut AppState, x: u16, y: u16, delta: isize) {
    let a = areas(state);
    let inside = |r: Rect| x >= r.x && x < r.x + r.width && y >= r.y && y < r.y + r.height;
    if matches!(state.mode, Mode::Help | Mode::Messages | Mode::Info)
        || a.detail.is_some_and(inside)
    {
        move_by(state, delta);
    } else if inside(a.list) {
        let current = state.current().selected;
        select(state, current.saturating_add_signed(delta));
    }
}
