//! The compiled form of an `openAPIV3Schema`: one [`Node`] per schema node, with patterns,
//! formats and CEL rules compiled once so that validating an object never parses anything.
//!
//! The conversion follows apiextensions-apiserver's `ConvertJSONSchemaProps` and its
//! `StripUnsupportedFormatsPostProcess`: formats a 1.32 API server does not check are dropped.

use super::cel::{self, Rule};
use super::formats::Format;
use super::{SchemaError, prune};
use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::{
    JSONSchemaProps, JSONSchemaPropsOrArray, JSONSchemaPropsOrBool,
};
use regex::Regex;
use serde_json::Value;
use std::collections::BTreeMap;

/// The JSON types a node accepts (kube-openapi's `Type` string array).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Ty {
    Object,
    Array,
    String,
    Integer,
    Number,
    Boolean,
    /// A type name kube-openapi does not know: nothing matches it.
    Other,
}

impl Ty {
    fn parse(s: &str) -> Ty {
        match s {
            "object" => Ty::Object,
            "array" => Ty::Array,
            "string" => Ty::String,
            "integer" => Ty::Integer,
            "number" => Ty::Number,
            "boolean" => Ty::Boolean,
            _ => Ty::Other,
        }
    }
}

/// `additionalProperties`.
#[derive(Debug)]
pub(crate) enum Additional {
    Absent,
    /// `true` or `false` without a schema.
    Bool(bool),
    Schema(Box<Node>),
}

#[derive(Debug)]
pub(crate) struct Pattern {
    pub source: String,
    pub re: Regex,
}

#[derive(Debug)]
pub(crate) struct Node {
    /// kube-openapi's `Type` (`["integer", "string"]` for int-or-string).
    pub types: Vec<Ty>,
    /// The same, joined with `,` as kube-openapi prints it.
    pub type_name: String,
    /// The structural `type` (what CEL errors show as the value), `""` when none.
    pub sts_type: String,
    pub nullable: bool,
    /// The format as written (CEL maps `date-time`, `duration`, `byte`, … to typed values).
    pub raw_format: Option<String>,
    /// The format the API server checks, if it checks this one.
    pub format: Option<Format>,
    pub maximum: Option<f64>,
    pub exclusive_maximum: bool,
    pub minimum: Option<f64>,
    pub exclusive_minimum: bool,
    pub multiple_of: Option<f64>,
    pub max_length: Option<i64>,
    pub min_length: Option<i64>,
    pub pattern: Option<Pattern>,
    pub max_items: Option<i64>,
    pub min_items: Option<i64>,
    pub unique_items: bool,
    pub max_properties: Option<i64>,
    pub min_properties: Option<i64>,
    pub required: Vec<String>,
    /// `enum`, when it lists at least one value.
    pub enum_values: Option<Vec<Value>>,
    /// `None` when the schema has no `properties` at all (not even `{}`).
    pub properties: Option<BTreeMap<String, Node>>,
    pub additional: Additional,
    pub items: Option<Box<Node>>,
    pub all_of: Vec<Node>,
    pub any_of: Vec<Node>,
    pub one_of: Vec<Node>,
    pub not: Option<Box<Node>>,
    pub preserve_unknown: bool,
    pub embedded: bool,
    pub int_or_string: bool,
    pub list_type: Option<String>,
    pub list_map_keys: Vec<String>,
    pub map_type: Option<String>,
    /// `default`, already pruned to what the schema declares.
    pub default: Option<Value>,
    pub rules: Vec<Rule>,
    /// Whether this node or a node below it (value validations included) has CEL rules.
    pub rules_below: bool,
    /// Whether this node or a node below it has a default.
    pub defaults_below: bool,
}

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

    /// Every sub-schema: properties, additionalProperties, items and value validations.
    fn children(&self) -> impl Iterator<Item = &Node> {
        self.properties
            .iter()
            .flat_map(|p| p.values())
            .chain(self.additional_schema())
            .chain(self.items.as_deref())
            .chain(self.all_of.iter())
            .chain(self.any_of.iter())
            .chain(self.one_of.iter())
            .chain(self.not.as_deref())
    }

    pub(crate) fn additional_schema(&self) -> Option<&Node> {
        match &self.additional {
            Additional::Schema(s) => Some(s),
            _ => None,
        }
    }

    pub(crate) fn property(&self, name: &str) -> Option<&Node> {
        self.properties.as_ref().and_then(|p| p.get(name))
    }

    /// The schema for the value under `key` of an object: its property, or
    /// `additionalProperties`.
    pub(crate) fn field_schema(&self, key: &str) -> Option<&Node> {
        self.property(key).or_else(|| self.additional_schema())
    }

    pub(crate) fn has_type(&self, t: Ty) -> bool {
        self.types.contains(&t)
    }
}

fn join(path: &str, name: &str) -> String {
    if path.is_empty() {
        name.to_string()
    } else {
        format!("{path}.{name}")
    }
}
