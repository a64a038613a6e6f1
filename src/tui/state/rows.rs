//! The rows of the current list: the store's objects of one view that pass the filter,
//! grouped by namespace, sorted within each group, with folded groups showing only their
//! heading. Built in the update step when the store, the view, the filter, the sort or a fold
//! changes, so drawing only slices it.

use super::filter::Filter;
use crate::cluster::entry::StatusKind;
use crate::cluster::{Entry, RowKey};
use crate::tui::views::{CellCtx, Column, View, Width};
use std::collections::BTreeSet;
use std::sync::Arc;
use unicode_width::UnicodeWidthStr;

/// How the rows of each namespace group are ordered.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum SortBy {
    /// The store's order: kind, name, cluster.
    #[default]
    Kind,
    /// By name (then kind, cluster).
    Name,
    /// Newest first.
    Age,
    /// Trouble first: failed, progressing, deleting, unknown, ready.
    Status,
}

impl SortBy {
    /// The next order `s` gives: NAME, AGE, STATUS, then back to the store's order.
    pub fn next(self) -> SortBy {
        match self {
            SortBy::Kind => SortBy::Name,
            SortBy::Name => SortBy::Age,
            SortBy::Age => SortBy::Status,
            SortBy::Status => SortBy::Kind,
        }
    }

    /// The column title it sorts by (`None`: the store's order).
    pub fn column(self) -> Option<&'static str> {
        match self {
            SortBy::Kind => None,
            SortBy::Name => Some("NAME"),
            SortBy::Age => Some("AGE"),
            SortBy::Status => Some("STATUS"),
        }
    }
}

fn trouble(kind: StatusKind) -> u8 {
    match kind {
        StatusKind::Failed => 0,
        StatusKind::Progressing => 1,
        StatusKind::Deleting => 2,
        StatusKind::Unknown => 3,
        StatusKind::Ready => 4,
    }
}

fn order(sort: SortBy, items: &mut [&Arc<Entry>], rank: Option<&dyn Fn(&Entry) -> u8>) {
    match sort {
        SortBy::Kind => {}
        SortBy::Name => items.sort_by(|a, b| {
            (&a.key.name, &a.key.kind, a.key.cluster).cmp(&(
                &b.key.name,
                &b.key.kind,
                b.key.cluster,
            ))
        }),
        SortBy::Age => items.sort_by(|a, b| b.created.cmp(&a.created).then(a.key.cmp(&b.key))),
        SortBy::Status => match rank {
            Some(rank) => items.sort_by_cached_key(|e| (rank(e), e.key.clone())),
            None => items.sort_by(|a, b| {
                (trouble(a.status.kind), &a.status.text)
                    .cmp(&(trouble(b.status.kind), &b.status.text))
                    .then(a.key.cmp(&b.key))
            }),
        },
    }
}

/// One row of a list.
#[derive(Clone, Debug)]
pub enum Row {
    /// A namespace heading with the number of its rows that pass the filter.
    Group {
        /// The namespace (empty: cluster-scoped).
        namespace: String,
        /// Rows below it (also while folded).
        count: usize,
        /// Whether its rows are hidden.
        folded: bool,
    },
    /// An object.
    Item(Arc<Entry>),
}

/// The lines of a list and where its selectable items are.
#[derive(Clone, Debug, Default)]
pub struct ListModel {
    /// Headings and items, in display order.
    pub lines: Vec<Row>,
    /// The line index of each selectable item: every object shown, and the heading of each
    /// folded group (so that it can be unfolded).
    pub items: Vec<usize>,
    /// Objects that pass the filter (shown or folded away).
    pub matching: usize,
    /// Objects in the view before filtering.
    pub total: usize,
    /// Per column of the view: the width of its widest cell, for [`Width::Fit`] columns.
    pub fit: Vec<u16>,
    /// The order within groups.
    pub sort: SortBy,
}

impl ListModel {
    /// Build the list of `view` from the store; the time ranks rows of views whose order
    /// depends on it.
    pub fn build(
        ctx: &CellCtx,
        view: &View,
        filter: &Filter,
        sort: SortBy,
        folded: &BTreeSet<String>,
    ) -> ListModel {
        let list = ctx.store.list(view.shows);
        let rank = view.rank.map(|rank| move |e: &Entry| rank(e, ctx));
        let rank = rank.as_ref().map(|r| r as &dyn Fn(&Entry) -> u8);
        if !view.grouped {
            let mut items: Vec<&Arc<Entry>> = list.values().filter(|e| filter.matches(e)).collect();
            order(sort, &mut items, rank);
            let lines: Vec<Row> = items
                .into_iter()
                .map(|e| Row::Item(Arc::clone(e)))
                .collect();
            return ListModel {
                items: (0..lines.len()).collect(),
                matching: lines.len(),
                lines,
                total: list.len(),
                fit: Vec::new(),
                sort,
            };
        }
        let mut lines = Vec::with_capacity(list.len() / 4 + 8);
        let mut items = Vec::with_capacity(list.len());
        let mut matching = 0;
        let mut group: Vec<&Arc<Entry>> = Vec::new();
        let mut flush = |namespace: &str, group: &mut Vec<&Arc<Entry>>| {
            if group.is_empty() {
                return;
            }
            let fold = folded.contains(namespace);
            if fold {
                items.push(lines.len());
            }
            lines.push(Row::Group {
                namespace: namespace.to_string(),
                count: group.len(),
                folded: fold,
            });
            matching += group.len();
            if !fold {
                order(sort, group, rank);
                for entry in group.iter() {
                    items.push(lines.len());
                    lines.push(Row::Item(Arc::clone(entry)));
                }
            }
            group.clear();
        };
        let mut namespace: Option<&str> = None;
        for (key, entry) in list {
            if !filter.matches(entry) {
                continue;
            }
            if namespace != Some(key.namespace.as_str()) {
                if let Some(ns) = namespace {
                    flush(ns, &mut group);
                }
                namespace = Some(key.namespace.as_str());
            }
            group.push(entry);
        }
        if let Some(ns) = namespace {
            flush(ns, &mut group);
        }
        ListModel {
            lines,
            items,
            matching,
            total: list.len(),
            fit: Vec::new(),
            sort,
        }
    }

    /// The width of each [`Width::Fit`] column: its widest cell over `entries` (all the
    /// view's objects, filtered or not, so that columns stay put while a filter is typed).
    pub fn measure<'a>(
        columns: &[Column],
        entries: impl Iterator<Item = &'a Arc<Entry>> + Clone,
        ctx: &CellCtx,
    ) -> Vec<u16> {
        columns
            .iter()
            .map(|c| match c.width {
                Width::Fit { min, max } => {
                    let widest = entries
                        .clone()
                        .map(|e| (c.cell)(e, ctx).0.width())
                        .max()
                        .unwrap_or(0);
                    (widest as u16).clamp(min, max)
                }
                _ => 0,
            })
            .collect()
    }

    /// The entry of item `index` (`None` for a folded group's heading).
    pub fn item(&self, index: usize) -> Option<&Arc<Entry>> {
        match self.lines.get(*self.items.get(index)?) {
            Some(Row::Item(e)) => Some(e),
            _ => None,
        }
    }

    /// The namespace of the group item `index` belongs to (or heads, when folded).
    pub fn namespace_of(&self, index: usize) -> Option<&str> {
        match self.lines.get(*self.items.get(index)?)? {
            Row::Item(e) => Some(&e.key.namespace),
            Row::Group { namespace, .. } => Some(namespace),
        }
    }

    /// The item index of `key`, or (in the store's order) where it would be.
    pub fn position(&self, key: &RowKey) -> Result<usize, usize> {
        if self.sort == SortBy::Kind {
            return self
                .items
                .binary_search_by(|&line| match &self.lines[line] {
                    Row::Item(e) => e.key.cmp(key),
                    Row::Group { namespace, .. } => namespace.as_str().cmp(&key.namespace),
                });
        }
        self.items
            .iter()
            .position(|&line| matches!(&self.lines[line], Row::Item(e) if e.key == *key))
            .ok_or(0)
    }

    /// The item index of the heading of folded group `namespace`.
    pub fn folded_group(&self, namespace: &str) -> Option<usize> {
        self.items.iter().position(|&line| {
            matches!(&self.lines[line], Row::Group { namespace: n, folded: true, .. } if n == namespace)
        })
    }

    /// The item shown on line `line`, if that line is an item.
    pub fn item_at_line(&self, line: usize) -> Option<usize> {
        self.items.binary_search(&line).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::entry::tests_support::sample;
    use crate::cluster::{ClusterId, Store};

    fn store() -> Store {
        let store = Store::new();
        store.update(|d| {
            for (c, ns, k, n) in [
                (ClusterId::App, "b", "Backup", "nightly"),
                (ClusterId::App, "a", "PostgresqlInstance", "db"),
                (ClusterId::ControlPlane, "a", "PostgresqlInstance", "db"),
                (ClusterId::App, "a", "ServiceBinding", "db-creds"),
            ] {
                d.apply(sample(c, ns, k, n));
            }
        });
        store
    }

    #[test]
    fn grouped_by_namespace_in_order_with_counts() {
        let store = store();
        let data = store.read();
        let ctx = CellCtx {
            now: jiff::Timestamp::UNIX_EPOCH,
            store: &data,
        };
        let claims = crate::tui::views::Views::default().first();
        let m = ListModel::build(&ctx, claims, &Filter::All, SortBy::Kind, &BTreeSet::new());
        let shown: Vec<String> = m
            .lines
            .iter()
            .map(|l| match l {
                Row::Group {
                    namespace, count, ..
                } => format!("[{namespace} {count}]"),
                Row::Item(e) => format!("{}:{}", e.key.cluster.short(), e.key.name),
            })
            .collect();
        assert_eq!(
            shown,
            [
                "[a 3]",
                "app:db",
                "cp:db",
                "app:db-creds",
                "[b 1]",
                "app:nightly"
            ]
        );
        assert_eq!(m.items, [1, 2, 3, 5]);
        assert_eq!(m.total, 4);
        assert_eq!(m.item_at_line(4), None);
        assert_eq!(m.item_at_line(5), Some(3));
        let key = m.item(2).unwrap().key.clone();
        assert_eq!(m.position(&key), Ok(2));
    }

    #[test]
    fn filtering_drops_rows_and_empty_groups() {
        let store = store();
        let f = Filter::parse("nightly").unwrap();
        let data = store.read();
        let ctx = CellCtx {
            now: jiff::Timestamp::UNIX_EPOCH,
            store: &data,
        };
        let claims = crate::tui::views::Views::default().first();
        let m = ListModel::build(&ctx, claims, &f, SortBy::Kind, &BTreeSet::new());
        assert_eq!(m.lines.len(), 2);
        assert_eq!(m.items.len(), 1);
        assert_eq!(m.total, 4);
    }
}
