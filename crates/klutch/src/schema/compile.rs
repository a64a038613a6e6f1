//! Compiling an `openAPIV3Schema` into [`Node`]s, following apiextensions-apiserver's
//! `ConvertJSONSchemaProps` and its `StripUnsupportedFormatsPostProcess`: formats a 1.32 API
//! server does not check are dropped, patterns and CEL rules are compiled, and defaults are
//! pruned to what the schema declares.

use super::cel;
use super::formats::Format;
use super::node::{Additional, Node, Pattern, Ty};
use super::{SchemaError, prune};
use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::{
    JSONSchemaProps, JSONSchemaPropsOrArray, JSONSchemaPropsOrBool,
};
use regex::Regex;
use std::collections::BTreeMap;

/// Where a node sits, for compiling its rules.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Place {
    /// The object itself (`self` also sees `apiVersion`, `kind` and `metadata.name`).
    Root,
    /// A node holding data.
    Data,
    /// Inside `allOf`/`anyOf`/`oneOf`/`not`: value validations only.
    Nested,
}

impl Node {
    pub(crate) fn compile(
        props: &JSONSchemaProps,
        path: &str,
        place: Place,
        env: &cel::Environment,
    ) -> Result<Node, SchemaError> {
        let int_or_string = props.x_kubernetes_int_or_string.unwrap_or(false);
        let sts_type = props.type_.clone().unwrap_or_default();
        let types: Vec<Ty> = if int_or_string {
            vec![Ty::Integer, Ty::String]
        } else if sts_type.is_empty() {
            Vec::new()
        } else {
            vec![Ty::parse(&sts_type)]
        };
        let type_name = if int_or_string {
            "integer,string".to_string()
        } else {
            sts_type.clone()
        };
        let pattern = match &props.pattern {
            Some(p) => Some(Pattern {
                source: p.clone(),
                re: Regex::new(p).map_err(|e| SchemaError::Pattern {
                    path: path.to_string(),
                    pattern: p.clone(),
                    message: e.to_string(),
                })?,
            }),
            None => None,
        };
        let child_place = if place == Place::Nested {
            Place::Nested
        } else {
            Place::Data
        };
        let properties = match &props.properties {
            Some(map) => {
                let mut out = BTreeMap::new();
                for (name, p) in map {
                    let child = Node::compile(p, &join(path, name), child_place, env)?;
                    out.insert(name.clone(), child);
                }
                Some(out)
            }
            None => None,
        };
        let additional =
            match &props.additional_properties {
                None => Additional::Absent,
                Some(JSONSchemaPropsOrBool::Bool(b)) => Additional::Bool(*b),
                Some(JSONSchemaPropsOrBool::Schema(s)) => Additional::Schema(Box::new(
                    Node::compile(s, &format!("{path}.additionalProperties"), child_place, env)?,
                )),
            };
        let items = match &props.items {
            None => None,
            Some(JSONSchemaPropsOrArray::Schema(s)) => Some(Box::new(Node::compile(
                s,
                &format!("{path}.items"),
                child_place,
                env,
            )?)),
            Some(JSONSchemaPropsOrArray::Schemas(_)) => {
                return Err(SchemaError::Malformed(format!(
                    "{path}.items: must be a single schema (a list of schemas is not structural)"
                )));
            }
        };
        let nested = |list: &Option<Vec<JSONSchemaProps>>, what: &str| {
            list.iter()
                .flatten()
                .enumerate()
                .map(|(i, s)| Node::compile(s, &format!("{path}.{what}[{i}]"), Place::Nested, env))
                .collect::<Result<Vec<_>, _>>()
        };
        let all_of = nested(&props.all_of, "allOf")?;
        let any_of = nested(&props.any_of, "anyOf")?;
        let one_of = nested(&props.one_of, "oneOf")?;
        let not = match &props.not {
            Some(s) => Some(Box::new(Node::compile(
                s,
                &format!("{path}.not"),
                Place::Nested,
                env,
            )?)),
            None => None,
        };
        let enum_values = props
            .enum_
            .as_ref()
            .map(|vals| vals.iter().map(|j| j.0.clone()).collect::<Vec<_>>())
            .filter(|v| !v.is_empty());

        let mut node = Node {
            types,
            type_name,
            sts_type,
            nullable: props.nullable.unwrap_or(false),
            raw_format: props.format.clone().filter(|f| !f.is_empty()),
            format: props.format.as_deref().and_then(Format::supported),
            maximum: props.maximum,
            exclusive_maximum: props.exclusive_maximum.unwrap_or(false),
            minimum: props.minimum,
            exclusive_minimum: props.exclusive_minimum.unwrap_or(false),
            multiple_of: props.multiple_of,
            max_length: props.max_length,
            min_length: props.min_length,
            pattern,
            max_items: props.max_items,
            min_items: props.min_items,
            unique_items: props.unique_items.unwrap_or(false),
            max_properties: props.max_properties,
            min_properties: props.min_properties,
            required: props.required.clone().unwrap_or_default(),
            enum_values,
            properties,
            additional,
            items,
            all_of,
            any_of,
            one_of,
            not,
            preserve_unknown: props.x_kubernetes_preserve_unknown_fields.unwrap_or(false),
            embedded: props.x_kubernetes_embedded_resource.unwrap_or(false),
            int_or_string,
            list_type: props.x_kubernetes_list_type.clone(),
            list_map_keys: props.x_kubernetes_list_map_keys.clone().unwrap_or_default(),
            map_type: props.x_kubernetes_map_type.clone(),
            default: None,
            rules: Vec::new(),
            rules_below: false,
            defaults_below: false,
        };
        if let Some(d) = &props.default {
            // Like the API server (`PruneDefaults`), a default only carries declared fields.
            let mut d = d.0.clone();
            prune::prune_value(&mut d, &node, false);
            node.default = Some(d);
        }
        if let Some(rules) = &props.x_kubernetes_validations {
            node.rules = cel::compile_rules(
                rules,
                &node,
                path,
                place == Place::Root,
                place != Place::Nested,
                env,
            )?;
        }
        node.rules_below = !node.rules.is_empty() || node.children().any(|c| c.rules_below);
        node.defaults_below = node.default.is_some()
            || node
                .properties
                .iter()
                .flat_map(|p| p.values())
                .chain(node.items.as_deref())
                .chain(node.additional_schema())
                .any(|c| c.defaults_below);
        Ok(node)
    }
}

fn join(path: &str, name: &str) -> String {
    if path.is_empty() {
        name.to_string()
    } else {
        format!("{path}.{name}")
    }
}
