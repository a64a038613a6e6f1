//! The detail pane's state: which object, its YAML (rendered once per version of the
//! object, not per frame) and the scroll position. Follows the object as it changes and
//! says so when it is deleted.

use super::related::{self, Extra};
use crate::cluster::{Entry, RowKey, StoreData};
use klutch::objects::ObjectClass;
use std::sync::Arc;

/// Whether the shown object still exists.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Presence {
    /// In the store.
    Live,
    /// Deleted since it was opened (the last version is shown).
    Gone,
}

/// How much of the screen the detail pane takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DetailSize {
    /// Beside the list when the terminal is wide enough, else instead of it.
    Beside,
    /// The whole body, always.
    Full,
}

/// The open detail pane.
#[derive(Clone, Debug)]
pub struct Detail {
    /// The object.
    pub key: RowKey,
    /// Its class (which list of the store holds it).
    pub class: ObjectClass,
    /// The version shown.
    pub entry: Arc<Entry>,
    /// Its YAML, one string per line.
    pub yaml: Vec<String>,
    /// First YAML line shown.
    pub scroll: usize,
    /// Whether it still exists.
    pub presence: Presence,
    /// Beside the list or full screen.
    pub size: DetailSize,
    /// With `p`: the claim beside its Control Plane copy.
    pub pair: Option<super::pair::Pair>,
    /// With `y`: the Secret and Events shown after the YAML.
    pub extra: Option<Extra>,
}

/// The YAML of an entry, line by line.
pub fn yaml_lines(entry: &Entry) -> Vec<String> {
    let value = entry.value();
    let text = serde_saphyr::to_string(&value)
        .or_else(|_| serde_json::to_string_pretty(&value))
        .unwrap_or_else(|e| format!("# cannot show this object: {e}"));
    text.lines().map(str::to_string).collect()
}

impl Detail {
    /// Open the detail of `entry`.
    pub fn open(entry: Arc<Entry>) -> Detail {
        Detail {
            key: entry.key.clone(),
            class: entry.class,
            yaml: yaml_lines(&entry),
            entry,
            scroll: 0,
            presence: Presence::Live,
            size: DetailSize::Beside,
            pair: None,
            extra: None,
        }
    }

    /// Show `extra` after the YAML.
    pub fn set_extra(&mut self, extra: Extra) {
        self.extra = Some(extra);
        self.render();
    }

    /// The YAML lines: the object's, then what `extra` adds.
    fn render(&mut self) {
        self.yaml = yaml_lines(&self.entry);
        if let Some(extra) = &self.extra {
            self.yaml.extend(related::lines(extra, &self.key));
        }
        self.scroll = self.scroll.min(self.yaml.len().saturating_sub(1));
    }

    /// Show the claim beside its Control Plane copy.
    pub fn pair(&mut self, store: &StoreData) {
        self.pair = Some(super::pair::Pair::of(store, &self.entry));
    }

    /// Follow the store: a new version re-renders the YAML (keeping the scroll), a deletion
    /// marks it gone.
    pub fn refresh(&mut self, store: &StoreData) {
        if self.pair.is_some() {
            self.pair(store);
        }
        match store.get(self.class, &self.key) {
            Some(e) if Arc::ptr_eq(e, &self.entry) => {}
            Some(e) => {
                self.entry = e.clone();
                self.presence = Presence::Live;
                self.render();
            }
            None => self.presence = Presence::Gone,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::entry::tests_support::sample;
    use crate::cluster::{ClusterId, Store};

    #[test]
    fn yaml_follows_the_object_and_notices_deletion() {
        let store = Store::new();
        let e = sample(ClusterId::App, "ns", "Backup", "b1");
        let key = e.key.clone();
        store.update(|d| d.apply(e));
        let first = store.read().get(ObjectClass::Claim, &key).unwrap().clone();
        let mut detail = Detail::open(first);
        assert!(
            detail.yaml.iter().any(|l| l.starts_with("kind: Backup")),
            "{:?}",
            detail.yaml
        );
        assert!(detail.yaml.iter().any(|l| l.contains("name: b1")));
        let mut changed = sample(ClusterId::App, "ns", "Backup", "b1");
        changed.json = r#"{"kind":"Backup","spec":{"instanceRef":"other"}}"#.into();
        store.update(|d| d.apply(changed));
        detail.refresh(&store.read());
        assert!(detail.yaml.iter().any(|l| l.contains("instanceRef: other")));
        store.update(|d| d.remove(ObjectClass::Claim, &key));
        detail.refresh(&store.read());
        assert_eq!(detail.presence, Presence::Gone);
    }
}
