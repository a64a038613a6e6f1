//! Where things go on screen: one pure function of the terminal size, used by drawing and
//! by the update step (mouse hit-testing, page size), so both always agree.

use super::state::detail::DetailSize;
use super::views::{ViewId, Views};
use ratatui::layout::Rect;

/// Width from which the detail pane sits beside the list instead of replacing it.
pub const SPLIT_WIDTH: u16 = 120;

/// The screen's regions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Areas {
    /// Two lines: App and Control Plane.
    pub header: Rect,
    /// The view tabs.
    pub tabs: Rect,
    /// The list (zero-sized when the detail takes the whole body).
    pub list: Rect,
    /// The detail pane, when open.
    pub detail: Option<Rect>,
    /// The message line (or the input line while typing).
    pub message: Rect,
    /// Key hints.
    pub hints: Rect,
}

impl Areas {
    /// Rows of list content that fit (inside borders, below the column titles).
    pub fn list_page(&self) -> usize {
        usize::from(self.list.height.saturating_sub(3)).max(1)
    }

    /// Lines of YAML that fit in the detail pane, given `conditions` rows above it.
    pub fn detail_page(&self, conditions: usize) -> usize {
        let Some(d) = self.detail else { return 1 };
        let cond_height = conditions_height(conditions) as usize;
        usize::from(d.height).saturating_sub(cond_height + 2).max(1)
    }
}

/// Rows the conditions box takes (borders included).
pub fn conditions_height(conditions: usize) -> u16 {
    (conditions.min(6) as u16 + 3).min(9)
}

/// Lay out `area`; `detail` says whether the detail pane is open, and how.
pub fn areas(area: Rect, detail: Option<DetailSize>) -> Areas {
    let line = |y: u16| Rect::new(area.x, y, area.width, 1.min(area.height));
    let top = area.y;
    let bottom = area.y + area.height;
    let header = Rect::new(area.x, top, area.width, 2.min(area.height));
    let tabs = line((top + 2).min(bottom));
    let body_top = (top + 3).min(bottom);
    let body_bottom = bottom.saturating_sub(2).max(body_top);
    let body = Rect::new(area.x, body_top, area.width, body_bottom - body_top);
    let message = line(body_bottom.min(bottom.saturating_sub(1)));
    let hints = line(bottom.saturating_sub(1));
    let (list, detail) = if detail.is_none() {
        (body, None)
    } else if area.width >= SPLIT_WIDTH && detail == Some(DetailSize::Beside) {
        let left = body.width * 45 / 100;
        (
            Rect::new(body.x, body.y, left, body.height),
            Some(Rect::new(
                body.x + left,
                body.y,
                body.width - left,
                body.height,
            )),
        )
    } else {
        (Rect::new(body.x, body.y, 0, 0), Some(body))
    };
    Areas {
        header,
        tabs,
        list,
        detail,
        message,
        hints,
    }
}

/// The tabs as (view, label, first column, width), left to right from `x`.
pub fn tabs(views: Views, x: u16) -> Vec<(ViewId, String, u16, u16)> {
    let mut out = Vec::new();
    let mut col = x;
    for (i, view) in views.all().iter().enumerate() {
        let label = format!(" {} {} ", i + 1, view.tab);
        let width = label.chars().count() as u16;
        out.push((view.id, label, col, width));
        col += width;
    }
    out
}

/// The tabs that fit on the tab line `area`, scrolled so that the `active` one shows, and
/// whether tabs are hidden to the left and to the right (drawn as `‹` and `›`).
pub struct TabLine {
    /// The visible tabs as (view, label, first column, width).
    pub tabs: Vec<(ViewId, String, u16, u16)>,
    /// Tabs are hidden to the left.
    pub more_left: bool,
    /// Tabs are hidden to the right.
    pub more_right: bool,
}

/// Lay out the tab line.
pub fn tab_line(views: Views, area: Rect, active: ViewId) -> TabLine {
    let all = tabs(views, 0);
    let total = all.last().map_or(0, |(_, _, x, w)| x + w);
    if total <= area.width {
        let tabs = all
            .into_iter()
            .map(|(v, l, x, w)| (v, l, area.x + x, w))
            .collect();
        return TabLine {
            tabs,
            more_left: false,
            more_right: false,
        };
    }
    // Leave a column on each side for the markers.
    let room = area.width.saturating_sub(2);
    let active = all.iter().position(|(v, ..)| *v == active).unwrap_or(0);
    let end = |i: usize| all[i].2 + all[i].3;
    let mut first = 0;
    while first < active && end(active) - all[first].2 > room {
        first += 1;
    }
    let origin = all[first].2;
    let tabs: Vec<_> = all[first..]
        .iter()
        .take_while(|(_, _, x, w)| x + w - origin <= room)
        .map(|(v, l, x, w)| (*v, l.clone(), area.x + 1 + x - origin, *w))
        .collect();
    let more_right = first + tabs.len() < all.len();
    TabLine {
        tabs,
        more_left: first > 0,
        more_right,
    }
}

/// The view whose tab is at column `x` of the tab line.
pub fn tab_at(views: Views, tabs_area: Rect, active: ViewId, x: u16) -> Option<ViewId> {
    tab_line(views, tabs_area, active)
        .tabs
        .into_iter()
        .find(|(_, _, start, width)| x >= *start && x < start + width)
        .map(|(v, ..)| v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regions_tile_the_screen() {
        let a = areas(Rect::new(0, 0, 80, 24), None);
        assert_eq!((a.header.y, a.header.height), (0, 2));
        assert_eq!(a.tabs.y, 2);
        assert_eq!((a.list.y, a.list.height), (3, 19));
        assert_eq!((a.message.y, a.hints.y), (22, 23));
        assert_eq!(a.list_page(), 16);
        assert!(a.detail.is_none());
    }

    #[test]
    fn detail_replaces_the_list_when_narrow_and_sits_beside_it_when_wide() {
        let narrow = areas(Rect::new(0, 0, 80, 24), Some(DetailSize::Beside));
        assert_eq!(narrow.list.height, 0);
        assert_eq!(narrow.detail.map(|d| d.width), Some(80));
        let wide = areas(Rect::new(0, 0, 160, 48), Some(DetailSize::Beside));
        assert_eq!(wide.list.width + wide.detail.map_or(0, |d| d.width), 160);
        assert!(wide.list.width > 0);
        let full = areas(Rect::new(0, 0, 160, 48), Some(DetailSize::Full));
        assert_eq!(full.list.height, 0);
        assert_eq!(full.detail.map(|d| d.width), Some(160));
    }

    #[test]
    fn tabs_fit_90_columns_and_hit_test() {
        let views = Views::default();
        let tabs = tabs(views, 0);
        let (_, _, start, width) = tabs.last().cloned().unwrap();
        assert!(start + width <= 90);
        let line = Rect::new(0, 2, 90, 1);
        let active = ViewId("claims");
        assert_eq!(tab_at(views, line, active, 1), Some(ViewId("claims")));
        assert_eq!(
            tab_at(views, line, active, start),
            Some(ViewId("konnector"))
        );
        assert_eq!(tab_at(views, line, active, 89), None);
        // At 80 columns the line scrolls to keep the last tab visible.
        let narrow = tab_line(views, Rect::new(0, 2, 80, 1), ViewId("konnector"));
        assert!(narrow.more_left && !narrow.more_right);
    }

    #[test]
    fn at_60_columns_the_tab_line_scrolls_to_the_active_tab() {
        let views = Views::default();
        let line = Rect::new(0, 2, 60, 1);
        let first = tab_line(views, line, ViewId("claims"));
        assert_eq!(first.tabs[0].0, ViewId("claims"));
        assert!(!first.more_left && first.more_right);
        let last = tab_line(views, line, ViewId("bindings"));
        let shown: Vec<ViewId> = last.tabs.iter().map(|t| t.0).collect();
        assert!(shown.contains(&ViewId("bindings")), "{shown:?}");
        assert!(last.more_left);
        for (_, _, x, w) in &last.tabs {
            assert!(x + w <= 59, "inside the line, before the right marker");
        }
        let (_, _, x, _) = last
            .tabs
            .iter()
            .find(|t| t.0 == ViewId("bindings"))
            .cloned()
            .unwrap();
        assert_eq!(
            tab_at(views, line, ViewId("bindings"), x),
            Some(ViewId("bindings"))
        );
    }
}
