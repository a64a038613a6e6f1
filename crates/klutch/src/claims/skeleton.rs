//! What a new claim of a kind needs, as data for an editor's "new claim" skeleton: each
//! `spec` field with its type, whether it is required, its default and the values it may
//! take — from `enum`s and from the literals the CRD's CEL rules compare it with (how claim
//! CRDs name valid services, plans and compositions).

use super::catalog::ServedKind;
use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::JSONSchemaProps;
use serde_json::{Map, Value, json};

/// One field below `spec`.
#[derive(Clone, Debug, PartialEq)]
pub struct Field {
    /// Dotted path, e.g. `spec.compositionRef.name`.
    pub path: String,
    /// JSON type (`string`, `object`, …; empty when the schema leaves it open).
    pub type_: String,
    /// Required by its parent object (a required field of an optional object is only
    /// needed once the object is written).
    pub required: bool,
    /// The schema's default.
    pub default: Option<Value>,
    /// The values it may take: the `enum`, else the literals the CEL rules compare it with.
    pub choices: Vec<String>,
    /// The schema's description.
    pub description: Option<String>,
}

/// The fields of a kind, parents before children, in name order.
#[derive(Clone, Debug, PartialEq)]
pub struct Skeleton {
    /// `group/version` to write.
    pub api_version: String,
    /// The kind.
    pub kind: String,
    /// Every field below `spec` (not into lists).
    pub fields: Vec<Field>,
}

/// The skeleton of `kind` in its preferred version (`None`: no schema, or one that does not
/// compile).
pub fn skeleton(kind: &ServedKind) -> Option<Skeleton> {
    let version = kind.preferred()?;
    let schema = version.schema().ok()??;
    let spec = schema.props().properties.as_ref()?.get("spec")?;
    let literals: Vec<(String, Vec<String>)> = schema
        .rules()
        .into_iter()
        .filter(|r| !r.transition)
        .flat_map(|r| {
            let base = r.field.clone();
            r.compared
                .into_iter()
                .map(move |(p, values)| (child(&base, &p), values))
        })
        .collect();
    let mut fields = Vec::new();
    walk(spec, "spec", &literals, &mut fields);
    Some(Skeleton {
        api_version: kind.api_version(&version.name),
        kind: kind.kind.clone(),
        fields,
    })
}

fn child(base: &str, name: &str) -> String {
    if base == "<nil>" || base.is_empty() {
        name.to_string()
    } else {
        format!("{base}.{name}")
    }
}

fn walk(
    props: &JSONSchemaProps,
    path: &str,
    literals: &[(String, Vec<String>)],
    out: &mut Vec<Field>,
) {
    let Some(children) = &props.properties else {
        return;
    };
    let required = props.required.clone().unwrap_or_default();
    for (name, p) in children {
        let path = child(path, name);
        let mut choices: Vec<String> = p
            .enum_
            .iter()
            .flatten()
            .filter_map(|v| v.0.as_str().map(str::to_string))
            .collect();
        if choices.is_empty() {
            for (_, values) in literals.iter().filter(|(p, _)| *p == path) {
                for v in values.iter().filter(|v| !v.is_empty()) {
                    if !choices.contains(v) {
                        choices.push(v.clone());
                    }
                }
            }
        }
        out.push(Field {
            path: path.clone(),
            type_: p.type_.clone().unwrap_or_default(),
            required: required.contains(name),
            default: p.default.as_ref().map(|d| d.0.clone()),
            choices,
            description: p.description.clone(),
        });
        walk(p, &path, literals, out);
    }
}

impl Skeleton {
    /// A claim to start from: every required field of `spec` (and `compositionRef.name`
    /// where the rules name compositions) set to its default or first choice; strings
    /// without either are left empty for the user to fill in.
    pub fn example(&self, name: &str, namespace: &str) -> Value {
        let mut spec = Map::new();
        for f in &self.fields {
            let parent = f.path.rsplit_once('.').map_or("", |(p, _)| p);
            let parent_present = parent == "spec" || lookup(&spec, parent).is_some();
            let composition = f.path == "spec.compositionRef.name" && !f.choices.is_empty();
            if !(composition || (f.required && parent_present)) {
                continue;
            }
            let value = match (&f.default, f.choices.first(), f.type_.as_str()) {
                (Some(d), _, _) => d.clone(),
                (None, Some(c), _) => Value::from(c.as_str()),
                (None, None, "object") => json!({}),
                (None, None, "boolean") => Value::Bool(false),
                (None, None, "integer" | "number") => json!(0),
                (None, None, _) => Value::from(""),
            };
            insert(&mut spec, &f.path, value);
        }
        json!({
            "apiVersion": self.api_version,
            "kind": self.kind,
            "metadata": {"name": name, "namespace": namespace},
            "spec": Value::Object(spec),
        })
    }
}

fn lookup<'v>(spec: &'v Map<String, Value>, path: &str) -> Option<&'v Value> {
    let mut parts = path.split('.').skip(1);
    let first = parts.next()?;
    parts.try_fold(spec.get(first)?, |cur, k| cur.get(k))
}

fn insert(spec: &mut Map<String, Value>, path: &str, value: Value) {
    let parts: Vec<&str> = path.split('.').skip(1).collect();
    let Some((last, parents)) = parts.split_last() else {
        return;
    };
    let mut cur = spec;
    for p in parents {
        let entry = cur.entry(p.to_string()).or_insert_with(|| json!({}));
        if !entry.is_object() {
            *entry = json!({});
        }
        let Some(map) = entry.as_object_mut() else {
            return;
        };
        cur = map;
    }
    cur.insert(last.to_string(), value);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::claims::catalog::Catalog;

    #[test]
    fn postgresql_fields_and_a_valid_example() {
        let dir = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../../shared/fixtures/claims/xrd"
        );
        let catalog = Catalog::from_crds(
            crate::claims::fixture_claim_crds(std::path::Path::new(dir)).unwrap(),
        );
        let s = skeleton(catalog.find("PostgresqlInstance").unwrap()).unwrap();
        let field = |p: &str| s.fields.iter().find(|f| f.path == p).unwrap();
        assert!(field("spec.service").required);
        assert_eq!(
            field("spec.service").choices,
            [
                "a9s-postgresql13",
                "a9s-postgresql15",
                "a9s-postgresql17",
                "a9s-postgresql14"
            ]
        );
        assert_eq!(field("spec.plan").choices.len(), 23); // 20 a9s, 8 a8s, 5 in both
        assert_eq!(
            field("spec.compositionRef.name").choices,
            ["a9s-postgresql", "a8s-postgresql"]
        );
        assert_eq!(field("spec.expose").choices, ["Internal", "LoadBalancer"]);
        let example = s.example("orders", "team-a");
        assert_eq!(example["spec"]["compositionRef"]["name"], "a9s-postgresql");
        let text = serde_json::to_string(&example).unwrap();
        let report = crate::claims::validate::validate_text(&catalog, &text);
        assert!(report.problems.is_empty(), "{:?}", report.problems);
        let kv = skeleton(catalog.find("KeyvalueInstance").unwrap()).unwrap();
        let text = serde_json::to_string(&kv.example("cache", "team-a")).unwrap();
        let report = crate::claims::validate::validate_text(&catalog, &text);
        assert!(report.problems.is_empty(), "{:?}", report.problems);
    }
}
