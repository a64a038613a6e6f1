//! Compile-time checks of a rule's syntax tree, the part of cel-go's type checker a CRD author
//! needs: every identifier is `self`, `oldSelf`, a type name or a comprehension variable, every
//! function exists, and a field selected from `self` (through objects with declared
//! properties) is declared. The API server refuses a CRD whose rules fail these checks; so do
//! we.

use super::convert::escape;
use super::library::FUNCTIONS;
use crate::schema::node::{Node, Ty};
use cel::common::ast::{EntryExpr, Expr, IdedExpr};

/// What compiling found out about a rule.
pub(crate) struct Facts {
    /// The rule reads `oldSelf` (a transition rule).
    pub uses_old_self: bool,
}

const TYPE_NAMES: &[&str] = &[
    "int",
    "uint",
    "double",
    "bool",
    "string",
    "bytes",
    "list",
    "map",
    "null_type",
    "type",
];

/// What `self` is: the node, and whether it is an object's root (which also has
/// `apiVersion`, `kind` and `metadata.name`/`generateName`). `old_self_typed` is false when
/// `oldSelf` is an optional.
pub(crate) struct SelfType<'n> {
    pub node: Option<&'n Node>,
    pub root: bool,
    pub old_self_typed: bool,
}

pub(crate) fn check(expr: &IdedExpr, self_type: &SelfType) -> Result<Facts, String> {
    let mut walker = Walker {
        scopes: Vec::new(),
        uses_old_self: false,
        self_type,
    };
    walker.walk(expr)?;
    Ok(Facts {
        uses_old_self: walker.uses_old_self,
    })
}

struct Walker<'a, 'n> {
    scopes: Vec<String>,
    uses_old_self: bool,
    self_type: &'a SelfType<'n>,
}

/// The statically known shape of a sub-expression.
#[derive(Clone, Copy)]
enum Shape<'n> {
    Node(&'n Node),
    /// `self.metadata` at an object's root: only `name` and `generateName`.
    RootMeta,
}

fn is_operator(name: &str) -> bool {
    !name.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
}

impl<'n> Walker<'_, 'n> {
    /// The shape of `e`, when it is a chain of fields from `self` or `oldSelf`; fails on a
    /// field that the shape does not declare.
    fn shape(&self, e: &IdedExpr) -> Result<Option<Shape<'n>>, String> {
        match &e.expr {
            Expr::Ident(name) if !self.bound(name) => {
                let typed = name == "self" || (name == "oldSelf" && self.self_type.old_self_typed);
                Ok(self.self_type.node.filter(|_| typed).map(Shape::Node))
            }
            Expr::Select(sel) => {
                let Some(parent) = self.shape(&sel.operand)? else {
                    return Ok(None);
                };
                let undefined = || Err(format!("undefined field '{}'", sel.field));
                match parent {
                    Shape::RootMeta => match sel.field.as_str() {
                        "name" | "generateName" => Ok(None),
                        _ => undefined(),
                    },
                    Shape::Node(node) => {
                        let root_like = node.embedded
                            || (self.self_type.root
                                && self.self_type.node.is_some_and(|s| std::ptr::eq(s, node)));
                        if root_like {
                            match sel.field.as_str() {
                                "metadata" => return Ok(Some(Shape::RootMeta)),
                                "apiVersion" | "kind" => return Ok(None),
                                _ => {}
                            }
                        }
                        let checked = node.types.first() == Some(&Ty::Object)
                            && !node.preserve_unknown
                            && node.additional_schema().is_none();
                        let Some(props) = node.properties.as_ref().filter(|_| checked) else {
                            return Ok(None);
                        };
                        let found = props.iter().find(|(name, _)| match escape(name) {
                            Some(Some(escaped)) => escaped == sel.field,
                            Some(None) => **name == sel.field,
                            None => false,
                        });
                        match found {
                            Some((_, child)) => Ok(Some(Shape::Node(child))),
                            None => undefined(),
                        }
                    }
                }
            }
            _ => Ok(None),
        }
    }

    fn bound(&self, name: &str) -> bool {
        self.scopes.iter().any(|s| s == name)
    }

    fn walk(&mut self, e: &IdedExpr) -> Result<(), String> {
        match &e.expr {
            Expr::Unspecified | Expr::Literal(_) => Ok(()),
            Expr::Ident(name) => self.ident(name),
            Expr::Select(sel) => {
                self.shape(e)?;
                self.walk(&sel.operand)
            }
            Expr::Call(call) => {
                let mut target = call.target.as_deref();
                let mut name = call.func_name.clone();
                if let Some(IdedExpr {
                    expr: Expr::Ident(ns),
                    ..
                }) = target
                {
                    let qualified = format!("{ns}.{}", call.func_name);
                    if !self.bound(ns) && FUNCTIONS.contains(&qualified.as_str()) {
                        target = None;
                        name = qualified;
                    }
                }
                if !is_operator(&name) && !FUNCTIONS.contains(&name.as_str()) {
                    return Err(format!(
                        "undeclared reference to '{name}' (in container '')"
                    ));
                }
                if let Some(t) = target {
                    self.walk(t)?;
                }
                for a in &call.args {
                    self.walk(a)?;
                }
                Ok(())
            }
            Expr::List(list) => list.elements.iter().try_for_each(|x| self.walk(x)),
            Expr::Map(map) => map.entries.iter().try_for_each(|entry| match &entry.expr {
                EntryExpr::MapEntry(m) => {
                    self.walk(&m.key)?;
                    self.walk(&m.value)
                }
                EntryExpr::StructField(f) => self.walk(&f.value),
            }),
            Expr::Struct(s) => s.entries.iter().try_for_each(|entry| match &entry.expr {
                EntryExpr::MapEntry(m) => {
                    self.walk(&m.key)?;
                    self.walk(&m.value)
                }
                EntryExpr::StructField(f) => self.walk(&f.value),
            }),
            Expr::Comprehension(c) => {
                self.walk(&c.iter_range)?;
                self.walk(&c.accu_init)?;
                let depth = self.scopes.len();
                self.scopes.push(c.iter_var.clone());
                if let Some(v2) = &c.iter_var2 {
                    self.scopes.push(v2.clone());
                }
                self.scopes.push(c.accu_var.clone());
                let r = self
                    .walk(&c.loop_cond)
                    .and_then(|()| self.walk(&c.loop_step))
                    .and_then(|()| self.walk(&c.result));
                self.scopes.truncate(depth);
                r
            }
        }
    }

    fn ident(&mut self, name: &str) -> Result<(), String> {
        if self.bound(name) || name == "self" || TYPE_NAMES.contains(&name) {
            return Ok(());
        }
        if name == "oldSelf" {
            self.uses_old_self = true;
            return Ok(());
        }
        Err(format!(
            "undeclared reference to '{name}' (in container '')"
        ))
    }
}
