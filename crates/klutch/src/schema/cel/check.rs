//! Compile-time checks of a rule's syntax tree, the part of cel-go's type checker a CRD author
//! needs: every identifier is `self`, `oldSelf`, a type name or a comprehension variable, and
//! every function exists. The API server refuses a CRD whose rules fail these checks; so do we.

use super::library::FUNCTIONS;
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

pub(crate) fn check(expr: &IdedExpr) -> Result<Facts, String> {
    let mut walker = Walker {
        scopes: Vec::new(),
        uses_old_self: false,
    };
    walker.walk(expr)?;
    Ok(Facts {
        uses_old_self: walker.uses_old_self,
    })
}

struct Walker {
    scopes: Vec<String>,
    uses_old_self: bool,
}

fn is_operator(name: &str) -> bool {
    !name.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
}

impl Walker {
    fn bound(&self, name: &str) -> bool {
        self.scopes.iter().any(|s| s == name)
    }

    fn walk(&mut self, e: &IdedExpr) -> Result<(), String> {
        match &e.expr {
            Expr::Unspecified | Expr::Literal(_) => Ok(()),
            Expr::Ident(name) => self.ident(name),
            Expr::Select(sel) => self.walk(&sel.operand),
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
