//! `Table` output (`Accept: …;as=Table`) with the type's columns, as kubectl prints it.

use super::context::Ctx;
use super::meta::partial;
use super::registry::{CellSource, Column};
use super::store::Stored;
use serde_json::{Value, json};
use std::sync::Arc;

/// Kubernetes' `duration.HumanDuration`.
pub fn human_duration(secs: i64) -> String {
    if secs < -1 {
        return "<invalid>".into();
    }
    let s = secs.max(0);
    let (m, h, d) = (s / 60, s / 3600, s / 86400);
    if s < 120 {
        format!("{s}s")
    } else if m < 10 {
        if s % 60 == 0 {
            format!("{m}m")
        } else {
            format!("{m}m{}s", s % 60)
        }
    } else if m < 180 {
        format!("{m}m")
    } else if h < 8 {
        if m % 60 == 0 {
            format!("{h}h")
        } else {
            format!("{h}h{}m", m % 60)
        }
    } else if h < 48 {
        format!("{h}h")
    } else if h < 24 * 8 {
        if h % 24 == 0 {
            format!("{d}d")
        } else {
            format!("{d}d{}h", h % 24)
        }
    } else if h < 24 * 365 * 2 {
        format!("{d}d")
    } else if h < 24 * 365 * 8 {
        let y = d / 365;
        format!("{y}y{}d", d % 365)
    } else {
        format!("{}y", d / 365)
    }
}

fn age(ts: &Value) -> Value {
    let Some(t) = ts.as_str().and_then(|s| s.parse::<jiff::Timestamp>().ok()) else {
        return json!("<unknown>");
    };
    json!(human_duration(
        jiff::Timestamp::now().as_second() - t.as_second()
    ))
}

/// Evaluate a printer column's JSONPath (`.status.conditions[?(@.type=="Ready")].status`).
pub fn eval_json_path(obj: &Value, path: &str) -> Value {
    let full = if path.starts_with('$') {
        path.to_string()
    } else {
        format!("${path}")
    };
    let Ok(p) = serde_json_path::JsonPath::parse(&full) else {
        return Value::Null;
    };
    p.query(obj).first().cloned().unwrap_or(Value::Null)
}

fn cell(c: &Column, obj: &Value) -> Value {
    let raw = match &c.source {
        CellSource::Name => obj["metadata"]["name"].clone(),
        CellSource::Age => return age(&obj["metadata"]["creationTimestamp"]),
        CellSource::Func(f) => f(obj),
        CellSource::JsonPath(p) => eval_json_path(obj, p),
    };
    match (c.type_.as_str(), &raw) {
        ("date", Value::String(_)) if matches!(c.source, CellSource::JsonPath(_)) => age(&raw),
        (_, Value::Null) => json!("<none>"),
        ("string", Value::Object(_) | Value::Array(_)) => json!(raw.to_string()),
        _ => raw,
    }
}

/// Build the Table for these objects.
pub fn table(ctx: &Ctx, objs: &[Arc<Stored>], rv: u64, continue_: Option<String>) -> Value {
    let columns = &ctx.version().columns;
    let defs: Vec<Value> = columns
        .iter()
        .map(|c| json!({"name": c.name, "type": c.type_, "format": c.format, "description": c.description, "priority": c.priority}))
        .collect();
    let include = ctx.query.include_object.as_deref().unwrap_or("Metadata");
    let rows: Vec<Value> = objs
        .iter()
        .map(|s| {
            let cells: Vec<Value> = columns.iter().map(|c| cell(c, &s.value)).collect();
            let mut row = json!({"cells": cells});
            match include {
                "None" => {}
                "Object" => row["object"] = s.value.clone(),
                _ => row["object"] = partial(&s.value),
            }
            row
        })
        .collect();
    let mut meta = json!({"resourceVersion": rv.to_string()});
    if let Some(c) = continue_ {
        meta["continue"] = json!(c);
    }
    json!({"kind": "Table", "apiVersion": "meta.k8s.io/v1", "metadata": meta, "columnDefinitions": defs, "rows": rows})
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(human_duration(5), "5s");
        assert_eq!(human_duration(150), "2m30s");
        assert_eq!(human_duration(3600), "60m");
        assert_eq!(human_duration(4 * 3600 + 120), "4h2m");
        assert_eq!(human_duration(3 * 86400), "3d");
    }

    #[test]
    fn json_paths() {
        let o = json!({"status": {"conditions": [{"type": "Synced", "status": "True"}, {"type": "Ready", "status": "False"}]}});
        assert_eq!(
            eval_json_path(&o, r#".status.conditions[?(@.type=="Ready")].status"#),
            json!("False")
        );
        assert_eq!(eval_json_path(&o, ".status.missing"), Value::Null);
    }
}
