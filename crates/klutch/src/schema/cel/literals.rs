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
    walk(expr, &mut out);
    out
}

fn walk(e: &IdedExpr, out: &mut BTreeMap<String, Vec<String>>) {
    match &e.expr {
        Expr::Call(call) => {
            match (call.func_name.as_str(), call.args.as_slice()) {
                ("_==_" | "_!=_", [a, b]) => {
                    for (field, lit) in [(a, b), (b, a)] {
                        if let (Some(path), Some(s)) = (self_path(field), string(lit)) {
                            add(out, path, s);
                        }
                    }
                }
                ("@in", [a, b]) => {
                    if let (Some(path), Expr::List(list)) = (self_path(a), &b.expr) {
                        for s in list.elements.iter().filter_map(string) {
                            add(out, path.clone(), s);
                        }
                    }
                }
                _ => {}
            }
            if let Some(t) = &call.target {
                walk(t, out);
            }
            for a in &call.args {
                walk(a, out);
            }
        }
        Expr::Select(sel) => walk(&sel.operand, out),
        Expr::Map(map) => {
            for entry in &map.entries {
                if let EntryExpr::MapEntry(e) = &entry.expr {
                    walk(&e.key, out);
                    walk(&e.value, out);
                }
            }
        }
        Expr::List(list) => list.elements.iter().for_each(|x| walk(x, out)),
        Expr::Comprehension(c) => {
            for x in [
                &c.iter_range,
                &c.accu_init,
                &c.loop_cond,
                &c.loop_step,
                &c.result,
            ] {
                walk(x, out);
            }
        }
        _ => {}
    }
}

/// Every field of `self` the rule reads (`self.a.b` → `a.b`, longest chains only), sorted.
pub(crate) fn reads(expr: &IdedExpr) -> Vec<String> {
    let mut out = Vec::new();
    collect_reads(expr, &mut out);
    out.sort();
    out.dedup();
    out
}

fn collect_reads(e: &IdedExpr, out: &mut Vec<String>) {
    if let Some(path) = self_path(e) {
        out.push(path);
        return;
    }
    match &e.expr {
        Expr::Call(call) => {
            if let Some(t) = &call.target {
                collect_reads(t, out);
            }
            for a in &call.args {
                collect_reads(a, out);
            }
        }
        Expr::Select(sel) => collect_reads(&sel.operand, out),
        Expr::List(list) => list.elements.iter().for_each(|x| collect_reads(x, out)),
        Expr::Comprehension(c) => {
            for x in [
                &c.iter_range,
                &c.accu_init,
                &c.loop_cond,
                &c.loop_step,
                &c.result,
            ] {
                collect_reads(x, out);
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
