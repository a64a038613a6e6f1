//! Finding list items by key or value in one pass, for the list merges of strategic merge
//! patch and server-side apply and for field-ownership bookkeeping. Searching a list for
//! each item of another made those O(n²) under the store's write turn: a patch of a few
//! thousand container or finalizer entries could stall every writer for seconds. Items
//! are indexed by a canonical string of their key (or whole value), so that a merge is
//! O(n log n).

use super::fields::{Path, Pe};
use serde_json::{Map, Value};
use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};

/// A string equal for equal JSON values (object keys sorted, so that key order does not
/// matter, as it does not for `Value`'s equality).
pub fn canonical(v: &Value) -> String {
    fn rec(v: &Value, out: &mut String) {
        match v {
            Value::Object(m) => {
                let mut keys: Vec<&String> = m.keys().collect();
                keys.sort();
                out.push('{');
                for k in keys {
                    out.push_str(&Value::String(k.clone()).to_string());
                    out.push(':');
                    rec(&m[k], out);
                    out.push(',');
                }
                out.push('}');
            }
            Value::Array(a) => {
                out.push('[');
                for x in a {
                    rec(x, out);
                    out.push(',');
                }
                out.push(']');
            }
            other => out.push_str(&other.to_string()),
        }
    }
    let mut out = String::new();
    rec(v, &mut out);
    out
}

/// The canonical string of an item's merge key fields (a missing field differs from
/// null).
pub fn key_of(item: &Value, keys: &[String]) -> String {
    let mut out = String::new();
    for k in keys {
        match item.get(k) {
            Some(v) => out.push_str(&canonical(v)),
            None => out.push('\u{0}'),
        }
        out.push('\u{1}');
    }
    out
}

/// Positions of a list's items by a string of each (its key, or its canonical value).
#[derive(Default)]
pub struct ListIndex {
    by: HashMap<String, VecDeque<usize>>,
}

impl ListIndex {
    pub fn new<'a>(
        items: impl IntoIterator<Item = &'a Value>,
        id: impl Fn(&Value) -> String,
    ) -> Self {
        let mut index = Self::default();
        for (i, item) in items.into_iter().enumerate() {
            index.push(id(item), i);
        }
        index
    }

    /// The first position with this id.
    pub fn first(&self, id: &str) -> Option<usize> {
        self.by.get(id).and_then(|q| q.front().copied())
    }

    /// Take the first position with this id out of the index.
    pub fn take_first(&mut self, id: &str) -> Option<usize> {
        self.by.get_mut(id).and_then(VecDeque::pop_front)
    }

    pub fn contains(&self, id: &str) -> bool {
        self.first(id).is_some()
    }

    pub fn push(&mut self, id: String, position: usize) {
        self.by.entry(id).or_default().push_back(position);
    }
}

/// Paths to remove, as a tree of steps.
#[derive(Default)]
struct Trie {
    /// The value at this path goes.
    here: bool,
    fields: BTreeMap<String, Trie>,
    /// List items by key: the key's field names, then the key's canonical string.
    keys: BTreeMap<Vec<String>, HashMap<String, Trie>>,
    /// List items by value (canonical string).
    values: HashMap<String, Trie>,
}

impl Trie {
    fn insert(&mut self, path: &[Pe]) {
        let Some((first, rest)) = path.split_first() else {
            self.here = true;
            return;
        };
        let child = match first {
            Pe::Field(f) => self.fields.entry(f.clone()).or_default(),
            Pe::Key(k) => {
                let Ok(key) = serde_json::from_str::<Map<String, Value>>(k) else {
                    return;
                };
                let names: Vec<String> = key.keys().cloned().collect();
                let id = key_of(&Value::Object(key), &names);
                self.keys.entry(names).or_default().entry(id).or_default()
            }
            Pe::Val(v) => {
                let Ok(v) = serde_json::from_str::<Value>(v) else {
                    return;
                };
                self.values.entry(canonical(&v)).or_default()
            }
        };
        child.insert(rest);
    }

    fn is_leaf(&self) -> bool {
        self.fields.is_empty() && self.keys.is_empty() && self.values.is_empty()
    }

    /// The trie child an array item falls under, if any.
    fn child_for(&self, item: &Value) -> Option<&Trie> {
        for (names, by_key) in &self.keys {
            if names.iter().all(|n| item.get(n).is_some())
                && let Some(t) = by_key.get(&key_of(item, names))
            {
                return Some(t);
            }
        }
        if self.values.is_empty() {
            return None;
        }
        self.values.get(&canonical(item))
    }
}

/// Remove the fields at `paths`, and the lists and objects (below the top level) that
/// this leaves empty; as removing them one by one would, in one walk.
pub fn remove_all<'a>(obj: &mut Value, paths: impl IntoIterator<Item = &'a Path>) {
    let mut trie = Trie::default();
    for p in paths {
        trie.insert(p);
    }
    prune(obj, &trie, 0);
}

/// Apply `trie` below `v` (at `depth` steps from the top); whether `v` is now an empty
/// container that should go.
fn prune(v: &mut Value, trie: &Trie, depth: usize) -> bool {
    if trie.is_leaf() {
        return false;
    }
    match v {
        Value::Object(m) => {
            for (f, t) in &trie.fields {
                let gone = match m.get_mut(f) {
                    Some(_) if t.here => true,
                    Some(child) => prune(child, t, depth + 1),
                    None => false,
                };
                if gone {
                    m.remove(f);
                }
            }
            m.is_empty() && depth > 1
        }
        Value::Array(items) => {
            let mut seen: HashSet<*const Trie> = HashSet::new();
            let mut keep = Vec::with_capacity(items.len());
            for mut item in std::mem::take(items) {
                let gone = match trie.child_for(&item) {
                    Some(t) if t.here => true,
                    // Only the first item of a key is looked into (as a lookup finds it).
                    Some(t) if seen.insert(t as *const Trie) => prune(&mut item, t, depth + 1),
                    _ => false,
                };
                if !gone {
                    keep.push(item);
                }
            }
            *items = keep;
            items.is_empty() && depth > 1
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn f(s: &str) -> Pe {
        Pe::Field(s.into())
    }

    #[test]
    fn canonical_ignores_key_order() {
        assert_eq!(
            canonical(&json!({"a": 1, "b": [2]})),
            canonical(&json!({"b": [2], "a": 1}))
        );
        assert_ne!(canonical(&json!(1)), canonical(&json!("1")));
        assert_ne!(
            key_of(&json!({"a": null}), &["a".into()]),
            key_of(&json!({}), &["a".into()])
        );
    }

    #[test]
    fn removing_many_paths_cleans_parents_as_one_by_one() {
        let mut obj = json!({"spec": {
            "a": {"b": 1},
            "c": 2,
            "list": [{"name": "x", "v": 1}, {"name": "y", "v": 2}, {"name": "x", "v": 3}],
            "set": ["p", "q"],
            "keep": [{"name": "z", "v": 1, "w": 2}]
        }});
        let key = |n: &str| Pe::Key(json!({"name": n}).to_string());
        let paths: Vec<Path> = vec![
            vec![f("spec"), f("a"), f("b")],
            vec![f("spec"), f("list"), key("x")],
            vec![f("spec"), f("set"), Pe::Val("\"p\"".into())],
            vec![f("spec"), f("set"), Pe::Val("\"q\"".into())],
            vec![f("spec"), f("keep"), key("z"), f("v")],
            vec![f("spec"), f("missing"), f("x")],
        ];
        remove_all(&mut obj, &paths);
        assert_eq!(
            obj,
            json!({"spec": {"c": 2, "list": [{"name": "y", "v": 2}], "keep": [{"name": "z", "w": 2}]}})
        );
        let mut top = json!({"spec": {"a": 1}});
        remove_all(&mut top, &[vec![f("spec"), f("a")]]);
        assert_eq!(top, json!({"spec": {}}), "top-level fields stay");
    }
}
