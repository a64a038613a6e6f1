//! The rows of the current list: the store's objects of one view that pass the filter,
//! grouped by namespace. Built in the update step when the store, the view or the filter
//! changes, so drawing only slices it.

use super::filter::Filter;
use crate::cluster::{Entry, RowKey, StoreData};
use crate::tui::views::{Column, Width};
use jiff::Timestamp;
use klutch::objects::ObjectClass;
use std::sync::Arc;
use unicode_width::UnicodeWidthStr;

/// One row of a list.
#[derive(Clone, Debug)]
pub enum Row {
    /// A namespace heading with the number of its rows that pass the filter.
    Group {
        /// The namespace (empty: cluster-scoped).
        namespace: String,
        /// Rows below it.
        count: usize,
    },
    /// An object.
    Item(Arc<Entry>),
}

/// The lines of a list and where its selectable items are.
#[derive(Clone, Debug, Default)]
pub struct ListModel {
    /// Headings and items, in display order.
    pub lines: Vec<Row>,
    /// The line index of each item.
    pub items: Vec<usize>,
    /// Objects in the view before filtering.
    pub total: usize,
    /// Per column of the view: the width of its widest cell, for [`Width::Fit`] columns.
    pub fit: Vec<u16>,
}

impl ListModel {
    /// Build the list of the objects of `class` from the store.
    pub fn build(store: &StoreData, class: ObjectClass, filter: &Filter) -> ListModel {
        let list = store.list(class);
        let mut lines = Vec::with_capacity(list.len() / 4 + 8);
        let mut items = Vec::with_capacity(list.len());
        let mut group: Option<usize> = None;
        for (key, entry) in list {
            if !filter.matches(entry) {
                continue;
            }
            let same = group.is_some_and(|g| {
                matches!(&lines[g], Row::Group { namespace, .. } if *namespace == key.namespace)
            });
            if !same {
                group = Some(lines.len());
                lines.push(Row::Group {
                    namespace: key.namespace.clone(),
                    count: 0,
                });
            }
            if let Some(Row::Group { count, .. }) = group.and_then(|g| lines.get_mut(g)) {
                *count += 1;
            }
            items.push(lines.len());
            lines.push(Row::Item(entry.clone()));
        }
        ListModel {
            lines,
            items,
            total: list.len(),
            fit: Vec::new(),
        }
    }

    /// Measure the widest cell of each [`Width::Fit`] column over the listed objects.
    pub fn measure(&mut self, columns: &[Column]) {
        self.fit = columns
            .iter()
            .map(|c| match c.width {
                Width::Fit { min, max } => {
                    let widest = self
                        .lines
                        .iter()
                        .filter_map(|l| match l {
                            Row::Item(e) => Some((c.cell)(e, Timestamp::UNIX_EPOCH).0.width()),
                            Row::Group { .. } => None,
                        })
                        .max()
                        .unwrap_or(0);
                    (widest as u16).clamp(min, max)
                }
                _ => 0,
            })
            .collect();
    }

    /// The entry of item `index`.
    pub fn item(&self, index: usize) -> Option<&Arc<Entry>> {
        match self.lines.get(*self.items.get(index)?) {
            Some(Row::Item(e)) => Some(e),
            _ => None,
        }
    }

    /// The item index of `key`, or where it would be.
    pub fn position(&self, key: &RowKey) -> Result<usize, usize> {
        self.items
            .binary_search_by(|&line| match &self.lines[line] {
                Row::Item(e) => e.key.cmp(key),
                Row::Group { .. } => std::cmp::Ordering::Less,
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
        let m = ListModel::build(&store.read(), ObjectClass::Claim, &Filter::All);
        let shown: Vec<String> = m
            .lines
            .iter()
            .map(|l| match l {
                Row::Group { namespace, count } => format!("[{namespace} {count}]"),
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
        let m = ListModel::build(&store.read(), ObjectClass::Claim, &f);
        assert_eq!(m.lines.len(), 2);
        assert_eq!(m.items.len(), 1);
        assert_eq!(m.total, 4);
    }
}
