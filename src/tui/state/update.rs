//! The update step: `(state, action, store) → state`. The only place the cockpit's state
//! changes. Reads the store (never waits on it) to rebuild rows when something changed.

use super::detail::Detail;
use super::filter::Filter;
use super::rows::ListModel;
use super::{AppState, Mode, RunState};
use crate::cluster::store::Level;
use crate::cluster::{Category, StoreData};
use crate::tui::action::{Action, Edit};
use crate::tui::keymap::Command;
use crate::tui::layout::{self, Areas};
use ratatui::layout::Rect;

/// `:` commands that switch views (name, view); the help lists them.
pub const VIEW_COMMANDS: [(&str, Category); 12] = [
    ("claims", Category::Claim),
    ("c", Category::Claim),
    ("templates", Category::Template),
    ("tpl", Category::Template),
    ("requests", Category::ExportRequest),
    ("apiserviceexportrequests", Category::ExportRequest),
    ("exports", Category::Export),
    ("apiserviceexports", Category::Export),
    ("clusterbindings", Category::ClusterBinding),
    ("cb", Category::ClusterBinding),
    ("bindings", Category::Binding),
    ("apiservicebindings", Category::Binding),
];

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
    }
}

/// Catch up with the store: rebuild rows, follow the detail, show new notices.
pub fn sync(state: &mut AppState, store: &StoreData) {
    if store.generation() != state.seen_generation {
        state.seen_generation = store.generation();
        rebuild(state, store);
        if let Some(d) = &mut state.detail {
            d.refresh(store);
        }
    }
    if let Some(n) = store.notice().filter(|n| n.seq > state.seen_notice) {
        state.seen_notice = n.seq;
        state.say(n.level, n.text.clone());
    }
}

fn areas(state: &AppState) -> Areas {
    let (w, h) = state.size;
    layout::areas(Rect::new(0, 0, w, h), state.detail.is_some())
}

fn rebuild(state: &mut AppState, store: &StoreData) {
    let view = &state.views[state.view.index()];
    state.rows = ListModel::build(store, state.view, &view.filter);
    let view = &mut state.views[state.view.index()];
    let n = state.rows.items.len();
    let selected = match view.selected_key.as_ref().map(|k| state.rows.position(k)) {
        Some(Ok(i)) => i,
        Some(Err(i)) => i.min(n.saturating_sub(1)),
        None => view.selected.min(n.saturating_sub(1)),
    };
    view.selected = selected;
    view.selected_key = state.rows.item(selected).map(|e| e.key.clone());
    keep_visible(state);
}

/// Scroll so that the selected row (and its group heading, if it is the first) shows.
fn keep_visible(state: &mut AppState) {
    let page = areas(state).list_page();
    let lines = state.rows.lines.len();
    let view = &mut state.views[state.view.index()];
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

fn select(state: &mut AppState, index: usize) {
    let n = state.rows.items.len();
    let view = &mut state.views[state.view.index()];
    view.selected = index.min(n.saturating_sub(1));
    view.selected_key = state.rows.item(view.selected).map(|e| e.key.clone());
    keep_visible(state);
}

fn move_by(state: &mut AppState, delta: isize) {
    if state.mode == Mode::Help {
        state.help_scroll = state.help_scroll.saturating_add_signed(delta).min(200);
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

fn switch_view(state: &mut AppState, view: Category, store: &StoreData) {
    state.view = view;
    state.detail = None;
    if state.mode == Mode::Help {
        state.mode = Mode::Normal;
    }
    rebuild(state, store);
}

fn command(state: &mut AppState, c: Command, store: &StoreData) {
    let views = Category::ALL;
    let at = |offset: usize| views[(state.view.index() + offset) % views.len()];
    match c {
        Command::Quit => state.run = RunState::Quitting,
        Command::Help => {
            state.mode = if state.mode == Mode::Help {
                Mode::Normal
            } else {
                state.help_scroll = 0;
                Mode::Help
            };
        }
        Command::NextView => switch_view(state, at(1), store),
        Command::PrevView => switch_view(state, at(views.len() - 1), store),
        Command::ViewClaims => switch_view(state, Category::Claim, store),
        Command::ViewTemplates => switch_view(state, Category::Template, store),
        Command::ViewRequests => switch_view(state, Category::ExportRequest, store),
        Command::ViewExports => switch_view(state, Category::Export, store),
        Command::ViewClusterBindings => switch_view(state, Category::ClusterBinding, store),
        Command::ViewBindings => switch_view(state, Category::Binding, store),
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
        Command::OpenDetail => {
            if state.mode == Mode::Help {
                return;
            }
            if let Some(entry) = state.rows.item(state.current().selected) {
                state.detail = Some(Detail::open(entry.clone()));
                keep_visible(state);
            }
        }
        Command::Back => {
            if state.mode == Mode::Help {
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

fn set_filter(state: &mut AppState, text: &str, store: &StoreData) {
    match Filter::parse(text) {
        Ok(filter) => {
            let view = &mut state.views[state.view.index()];
            view.filter_text = text.to_string();
            view.filter = filter;
            state.input_error = None;
            rebuild(state, store);
        }
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
    let word = text.trim_start_matches(':').to_lowercase();
    if word.is_empty() {
        return;
    }
    if let Some((_, view)) = VIEW_COMMANDS.iter().find(|(name, _)| *name == word) {
        switch_view(state, *view, store);
        return;
    }
    match word.as_str() {
        "q" | "q!" | "quit" => state.run = RunState::Quitting,
        "help" | "h" | "?" => {
            state.help_scroll = 0;
            state.mode = Mode::Help;
        }
        _ => state.say(
            Level::Error,
            format!("unknown command :{word} (try :claims, :templates, :requests, :exports, :clusterbindings, :bindings, :help, :q)"),
        ),
    }
}

fn click(state: &mut AppState, x: u16, y: u16, store: &StoreData) {
    if state.mode == Mode::Help {
        state.mode = Mode::Normal;
        return;
    }
    let a = areas(state);
    let inside = |r: Rect| x >= r.x && x < r.x + r.width && y >= r.y && y < r.y + r.height;
    if inside(a.tabs) {
        if let Some(view) = layout::tab_at(a.tabs, x) {
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
                select(state, item);
                if let Some(entry) = state.rows.item(item).cloned()
                    && state.detail.is_some()
                {
                    state.detail = Some(Detail::open(entry));
                }
            }
        }
    }
}

fn wheel(state: &mut AppState, x: u16, y: u16, delta: isize) {
    let a = areas(state);
    let inside = |r: Rect| x >= r.x && x < r.x + r.width && y >= r.y && y < r.y + r.height;
    if state.mode == Mode::Help || a.detail.is_some_and(inside) {
        move_by(state, delta);
    } else if inside(a.list) {
        let current = state.current().selected;
        select(state, current.saturating_add_signed(delta));
    }
}
