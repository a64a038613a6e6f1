//! Which values a rule names for a field: `self.plan == 'postgresql-single-nano'` or
//! `self.service in ['a', 'b']` say that `plan` and `service` are meant to take those values.
//! Claim CRDs encode valid services and plans this way rather than as enums; reading them off
//! the compiled rules lets an editor say what would be accepted, from the rules the server
//! itself evaluates.

use cel::common::ast::{EntryExpr, Expr, IdedExpr, LiteralValue};
use std::collections::BTreeMap;

/// String literals compared with a field of `self` anywhere in `expr`, by the field's path
/// below `self` (`plan`, `compositionRef.name`), in the order they first appear, once each.
pub(crate) fn compared(expr: &IdedExpr) -> BTreeMap<String, Vec<String>> {
    let mut out = BTreeMap::new();
    visit(expr, &mut |e| {
        if let Expr::Call(call) = &e.expr {
            match (call.func_name.as_str(), call.args.as_slice()) {
                ("_==_" | "_!=_", [a, b]) => {
                    for (field, lit) in [(a, b), (b, a)] {
                        if let (Some(path), Some(s)) = (self_path(field), string(lit)) {
                            add(&mut out, path, s);
                        }
                    }
                }
                ("@in", [a, b]) => {
                    if let (Some(path), Expr::List(list)) = (self_path(a), &b.expr) {
                        for s in list.elements.iter().filter_map(string) {
                            add(&mut out, path.clone(), s);
                        }
                    }
                }
                _ => {}
            }
        }
        true
    });
    out
}

/// Every field of `self` the rule reads (`self.a.b` → `a.b`, longest chains only), sorted.
pub(crate) fn reads(expr: &IdedExpr) -> Vec<String> {
    let mut out = Vec::new();
    visit(expr, &mut |e| match self_path(e) {
        Some(path) => {
            out.push(path);
            false
        }
        None => true,
    });
    out.sort();
    out.dedup();
    out
}

/// Visit `e` and what it contains, parents first; `f` says whether to go below a node.
fn visit(e: &IdedExpr, f: &mut impl FnMut(&IdedExpr) -> bool) {
    if !f(e) {
        return;
    }
    match &e.expr {
        Expr::Call(call) => {
            call.target.iter().for_each(|t| visit(t, f));
            call.args.iter().for_each(|a| visit(a, f));
        }
        Expr::Select(sel) => visit(&sel.operand, f),
        Expr::Map(map) => {
            for entry in &map.entries {
                if let EntryExpr::MapEntry(m) = &entry.expr {
                    visit(&m.key, f);
                    visit(&m.value, f);
                }
            }
        }
        Expr::List(list) => list.elements.iter().for_each(|x| visit(x, f)),
        Expr::Comprehension(c) => {
            for x in [
                &c.iter_range,
                &c.accu_init,
                &c.loop_cond,
                &c.loop_step,
                &c.result,
            ] {
                visit(x, f);
            }
        }
        _ => {}
    }
}

fn add(out: &mut BTreeMap<String, Vec<String>>, path: String, value: String) {
    let values = out.entry(path).or_default();
    if !values.contains(&value) {
        values.push(value);
    }
}

fn string(e: &IdedExpr) -> Option<String> {
    match &e.expr {
        Expr::Literal(LiteralValue::String(s)) => Some(s.inner().to_string()),
        _ => None,
    }
}

/// `self.a.b` → `a.b` (not `self` alone, not presence tests).
fn self_path(e: &IdedExpr) -> Option<String> {
    let mut parts = Vec::new();
    let mut cur = e;
    loop {
        match &cur.expr {
            Expr::Select(sel) if !sel.test => {
                parts.push(sel.field.as_str());
                cur = &sel.operand;
            }
            Expr::Ident(name) if name == "self" && !parts.is_empty() => {
                parts.reverse();
                return Some(parts.join("."));
            }
            _ => return None,
        }
    }
}
