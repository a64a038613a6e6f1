//! Claim YAML as the user wrote it: every document of a file as JSON (what is sent to the API
//! server) together with where each key and value stands, so that a problem found in the JSON
//! — by the schema, by a CEL rule, by the server itself — can be shown at its line and column.
//!
//! Parsing is serde-saphyr's (the YAML kube itself reads), with its limits against hostile
//! input (nesting depth, document count, alias expansion); duplicate keys are errors, as in
//! kubectl.

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};
use serde_saphyr::Spanned;
use std::fmt;

/// A place in the text: 1-based line and column (in characters).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Pos {
    /// Line, from 1.
    pub line: u32,
    /// Column, from 1.
    pub column: u32,
}

impl Pos {
    /// The start of the text.
    pub const START: Pos = Pos { line: 1, column: 1 };

    fn of(loc: &serde_saphyr::Location) -> Pos {
        Pos {
            line: loc.line().max(1) as u32,
            column: loc.column().max(1) as u32,
        }
    }
}

impl fmt::Display for Pos {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.line, self.column)
    }
}

/// Text that is no YAML a claim can be read from.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{pos}: {message}")]
pub struct SyntaxError {
    /// Where the parser stopped.
    pub pos: Pos,
    /// What it found, in one line.
    pub message: String,
}

/// One YAML document of a file.
#[derive(Clone, Debug)]
pub struct Document {
    /// Its place in the file, from 0.
    pub index: usize,
    /// Where its content starts.
    pub start: Pos,
    /// The content as JSON.
    pub value: Value,
    tree: Tree,
}

/// Positions of a value and of everything inside it.
#[derive(Clone, Debug)]
struct Tree {
    at: Pos,
    kids: Kids,
}

#[derive(Clone, Debug)]
enum Kids {
    Scalar,
    Seq(Vec<Tree>),
    Map(Vec<(String, Pos, Tree)>),
}

/// Where a field path points in a document.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Located {
    /// The position to show.
    pub pos: Pos,
    /// Whether the field itself was found; `false`: `pos` is its nearest written parent
    /// (a missing field is shown at the key of the object that should hold it).
    pub exact: bool,
}

/// How deep collections may nest. A claim needs about ten levels; the limit keeps the
/// recursive reading well inside a 2 MiB thread stack (a tokio worker's) in any build.
pub const MAX_DEPTH: usize = 32;

/// Read every document of `bytes` (UTF-8 with an optional byte-order mark). Empty documents
/// (a lone `---`, comments only) are skipped, as kubectl skips them.
pub fn parse_bytes(bytes: &[u8]) -> Result<Vec<Document>, SyntaxError> {
    let text = match std::str::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => {
            let good = &bytes[..e.valid_up_to()];
            // The valid prefix is UTF-8 by construction.
            let prefix = std::str::from_utf8(good).unwrap_or_default();
            let line = prefix.matches('\n').count() as u32 + 1;
            let column = prefix.rsplit('\n').next().map_or(0, |l| l.chars().count()) as u32 + 1;
            return Err(SyntaxError {
                pos: Pos { line, column },
                message: format!(
                    "not UTF-8 text (byte 0x{:02x}); is this a binary file? Claims are YAML text",
                    bytes[e.valid_up_to()]
                ),
            });
        }
    };
    parse(text)
}

/// Read every document of `text`.
pub fn parse(text: &str) -> Result<Vec<Document>, SyntaxError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut budget = serde_saphyr::Budget::default();
    budget.max_depth = MAX_DEPTH;
    let mut options = serde_saphyr::Options::default();
    options.budget = Some(budget);
    let docs: Vec<Spanned<Node>> =
        serde_saphyr::from_multiple_with_options(text, options).map_err(syntax_error)?;
    docs.into_iter()
        .enumerate()
        .map(|(index, doc)| {
            let start = Pos::of(&doc.referenced);
            let (value, tree) = convert(doc)?;
            Ok(Document {
                index,
                start,
                value,
                tree,
            })
        })
        .collect()
}

fn syntax_error(e: serde_saphyr::Error) -> SyntaxError {
    let pos = e.location().map_or(Pos::START, |l| Pos::of(&l));
    let inner = e.without_snippet();
    let message = match inner {
        serde_saphyr::Error::Budget { breach, .. } => match breach {
            serde_saphyr::budget::BudgetBreach::Depth { .. } => format!(
                "nested more than {MAX_DEPTH} levels deep; no claim field is that deep (is the indentation right?)"
            ),
            serde_saphyr::budget::BudgetBreach::Documents { documents } => {
                format!(
                    "more than {} documents in one file",
                    documents.saturating_sub(1)
                )
            }
            other => format!("the YAML is too large to read safely ({other:?})"),
        },
        other => {
            let text = other.to_string();
            let suffix = format!(" at line {}, column {}", pos.line, pos.column);
            let text = text.strip_suffix(&suffix).unwrap_or(&text);
            text.replace(", set DuplicateKeyPolicy in Options if acceptable", "")
        }
    };
    SyntaxError { pos, message }
}

/// A YAML node with the positions serde-saphyr records for it.
enum Node {
    Null,
    Bool(bool),
    Int(i64),
    UInt(u64),
    Float(f64),
    Str(String),
    Seq(Vec<Spanned<Node>>),
    Map(Vec<(Spanned<String>, Spanned<Node>)>),
}

fn convert(node: Spanned<Node>) -> Result<(Value, Tree), SyntaxError> {
    let at = Pos::of(&node.referenced);
    let scalar = |v: Value| {
        Ok((
            v,
            Tree {
                at,
                kids: Kids::Scalar,
            },
        ))
    };
    match node.value {
        Node::Null => scalar(Value::Null),
        Node::Bool(b) => scalar(Value::Bool(b)),
        Node::Int(i) => scalar(Value::from(i)),
        Node::UInt(u) => scalar(Value::from(u)),
        Node::Float(f) => match Number::from_f64(f) {
            Some(n) => scalar(Value::Number(n)),
            None => Err(SyntaxError {
                pos: at,
                message: format!("{f} is not a number JSON can carry; quote it to send a string"),
            }),
        },
        Node::Str(s) => scalar(Value::String(s)),
        Node::Seq(items) => {
            let mut values = Vec::with_capacity(items.len());
            let mut trees = Vec::with_capacity(items.len());
            for item in items {
                let (v, t) = convert(item)?;
                values.push(v);
                trees.push(t);
            }
            Ok((
                Value::Array(values),
                Tree {
                    at,
                    kids: Kids::Seq(trees),
                },
            ))
        }
        Node::Map(entries) => {
            let mut map = Map::with_capacity(entries.len());
            let mut trees = Vec::with_capacity(entries.len());
            for (key, value) in entries {
                let (v, t) = convert(value)?;
                map.insert(key.value.clone(), v);
                trees.push((key.value, Pos::of(&key.referenced), t));
            }
            Ok((
                Value::Object(map),
                Tree {
                    at,
                    kids: Kids::Map(trees),
                },
            ))
        }
    }
}

impl<'de> Deserialize<'de> for Node {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(NodeVisitor)
    }
}

struct NodeVisitor;

impl<'de> Visitor<'de> for NodeVisitor {
    type Value = Node;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a YAML value")
    }
    fn visit_unit<E>(self) -> Result<Node, E> {
        Ok(Node::Null)
    }
    fn visit_none<E>(self) -> Result<Node, E> {
        Ok(Node::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Node, D::Error> {
        Node::deserialize(d)
    }
    fn visit_bool<E>(self, b: bool) -> Result<Node, E> {
        Ok(Node::Bool(b))
    }
    fn visit_i64<E>(self, i: i64) -> Result<Node, E> {
        Ok(Node::Int(i))
    }
    fn visit_u64<E>(self, u: u64) -> Result<Node, E> {
        Ok(Node::UInt(u))
    }
    fn visit_f64<E>(self, f: f64) -> Result<Node, E> {
        Ok(Node::Float(f))
    }
    fn visit_str<E>(self, s: &str) -> Result<Node, E> {
        Ok(Node::Str(s.to_string()))
    }
    fn visit_string<E>(self, s: String) -> Result<Node, E> {
        Ok(Node::Str(s))
    }
    fn visit_bytes<E: de::Error>(self, b: &[u8]) -> Result<Node, E> {
        String::from_utf8(b.to_vec())
            .map(Node::Str)
            .map_err(|_| E::custom("binary data that is not UTF-8 text"))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Node, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0));
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(Node::Seq(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Node, A::Error> {
        let mut entries = Vec::with_capacity(map.size_hint().unwrap_or(0));
        while let Some(entry) = map.next_entry()? {
            entries.push(entry);
        }
        Ok(Node::Map(entries))
    }
}

/// One step of a field path.
#[derive(Debug, PartialEq, Eq)]
enum Step<'a> {
    Key(&'a str),
    /// `[…]`: an index, or a map key (`metadata.labels[app]`).
    Bracket(&'a str),
}

/// Split a field path as the API server writes them (`spec.items[2].name`,
/// `metadata.labels[app.kubernetes.io/name]`, `<nil>`) into steps.
fn steps(path: &str) -> Vec<Step<'_>> {
    let mut out = Vec::new();
    if path == "<nil>" || path.is_empty() {
        return out;
    }
    let mut rest = path;
    while !rest.is_empty() {
        if let Some(r) = rest.strip_prefix('[') {
            let end = r.find(']').unwrap_or(r.len());
            out.push(Step::Bracket(&r[..end]));
            rest = r.get(end + 1..).unwrap_or("");
        } else {
            let r = rest.strip_prefix('.').unwrap_or(rest);
            let end = r.find(['.', '[']).unwrap_or(r.len());
            if end > 0 {
                out.push(Step::Key(&r[..end]));
            }
            rest = &r[end..];
        }
    }
    out
}

impl Document {
    /// Where `field` (a path as the API server and the schema module write it) is written:
    /// a scalar at its value, an object or list at its key, a missing field at its nearest
    /// written parent's key.
    pub fn locate(&self, field: &str) -> Located {
        let mut tree = &self.tree;
        let mut key_at: Option<Pos> = None;
        for step in steps(field) {
            let next = match (&tree.kids, step) {
                (Kids::Map(entries), Step::Key(k) | Step::Bracket(k)) => entries
                    .iter()
                    .find(|(name, _, _)| name == k)
                    .map(|(_, kp, t)| (Some(*kp), t)),
                (Kids::Seq(items), Step::Bracket(i)) => i
                    .parse::<usize>()
                    .ok()
                    .and_then(|i| items.get(i))
                    .map(|t| (None, t)),
                _ => None,
            };
            match next {
                Some((kp, t)) => {
                    key_at = kp.or(Some(t.at));
                    tree = t;
                }
                None => {
                    return Located {
                        pos: key_at.unwrap_or(self.start),
                        exact: false,
                    };
                }
            }
        }
        let pos = match tree.kids {
            Kids::Scalar => tree.at,
            _ => key_at.unwrap_or(self.start),
        };
        Located { pos, exact: true }
    }

    /// Where the key of `field` is written (for fields that should not be there at all).
    pub fn key_of(&self, field: &str) -> Located {
        let found = self.locate(field);
        if !found.exact {
            return found;
        }
        let (parent, last) = match field.rfind(['.', '[']) {
            Some(i) => (&field[..i], &field[i..]),
            None => ("<nil>", field),
        };
        let last = last.trim_start_matches(['.', '[']).trim_end_matches(']');
        let mut tree = &self.tree;
        for step in steps(parent) {
            match (&tree.kids, step) {
                (Kids::Map(entries), Step::Key(k) | Step::Bracket(k)) => {
                    match entries.iter().find(|(name, _, _)| name == k) {
                        Some((_, _, t)) => tree = t,
                        None => return found,
                    }
                }
                (Kids::Seq(items), Step::Bracket(i)) => {
                    match i.parse::<usize>().ok().and_then(|i| items.get(i)) {
                        Some(t) => tree = t,
                        None => return found,
                    }
                }
                _ => return found,
            }
        }
        match &tree.kids {
            Kids::Map(entries) => {
                entries
                    .iter()
                    .find(|(name, _, _)| name == last)
                    .map_or(found, |(_, kp, _)| Located {
                        pos: *kp,
                        exact: true,
                    })
            }
            _ => found,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CLAIM: &str = "\
apiVersion: anynines.com/v1
kind: PostgresqlInstance
metadata:
  name: orders
  labels:
    app.kubernetes.io/name: orders
spec:
  service: a9s-postgresql15
  plan: postgresql-single-small
  list:
  - a
  - b: 1
";

    fn p(line: u32, column: u32) -> Pos {
        Pos { line, column }
    }

    #[test]
    fn values_and_positions() {
        let docs = parse(CLAIM).unwrap();
        assert_eq!(docs.len(), 1);
        let d = &docs[0];
        assert_eq!(d.value["spec"]["plan"], "postgresql-single-small");
        assert_eq!(
            d.locate("spec.plan"),
            Located {
                pos: p(9, 9),
                exact: true
            }
        );
        assert_eq!(d.locate("spec").pos, p(7, 1));
        assert_eq!(d.locate("spec.list[1].b").pos, p(12, 8));
        assert_eq!(d.locate("spec.list[0]").pos, p(11, 5));
        assert_eq!(
            d.locate("metadata.labels[app.kubernetes.io/name]").pos,
            p(6, 29)
        );
        let missing = d.locate("spec.compositionRef.name");
        assert_eq!((missing.pos, missing.exact), (p(7, 1), false));
        assert_eq!(d.locate("<nil>").pos, p(1, 1));
        assert_eq!(d.key_of("spec.plan").pos, p(9, 3));
        assert_eq!(d.key_of("spec.list[1].b").pos, p(12, 5));
    }

    #[test]
    fn syntax_errors_point_at_the_problem() {
        let e = parse("a: 1\na: 2\n").unwrap_err();
        assert_eq!(
            (e.pos, e.message.as_str()),
            (p(2, 1), "duplicate mapping key: a")
        );
        let e = parse("a:\n\tb: 1\n").unwrap_err();
        assert_eq!(e.pos, p(2, 2));
        assert!(e.message.contains("tabs"), "{e}");
        let e = parse_bytes(b"a: 1\nb: \xff\xfe\n").unwrap_err();
        assert_eq!(e.pos, p(2, 4));
        assert!(e.message.contains("not UTF-8"), "{e}");
        let deep: String = (0..100)
            .map(|i| format!("{}a:\n", "  ".repeat(i)))
            .collect();
        let e = parse(&deep).unwrap_err();
        assert!(e.message.contains("levels deep"), "{e}");
        assert_eq!(e.pos.line, MAX_DEPTH as u32 + 1);
    }

    #[test]
    fn documents_keep_their_places() {
        let docs = parse("a: 1\n---\n---\n# only a comment\nb: [1, 2.5, true, ~]\n").unwrap();
        let values: Vec<&Value> = docs.iter().map(|d| &d.value).collect();
        assert_eq!(values.len(), 2, "{values:?}");
        assert_eq!(docs[1].value["b"], serde_json::json!([1, 2.5, true, null]));
        assert_eq!((docs[1].index, docs[1].start.line), (1, 5));
        assert!(parse("").unwrap().is_empty());
    }

    #[test]
    fn path_steps() {
        assert_eq!(
            steps("spec.items[2].name"),
            [
                Step::Key("spec"),
                Step::Key("items"),
                Step::Bracket("2"),
                Step::Key("name")
            ]
        );
        assert_eq!(steps("<nil>"), []);
        assert_eq!(
            steps("metadata.labels[a.b/c]"),
            [
                Step::Key("metadata"),
                Step::Key("labels"),
                Step::Bracket("a.b/c")
            ]
        );
    }
}
