//! The compiled form of an `openAPIV3Schema`: one [`Node`] per schema node, with patterns,
//! formats and CEL rules compiled once so that validating an object never parses anything.
//! `compile` builds it.

use super::cel::Rule;
use super::formats::Format;
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
    pub(super) fn parse(s: &str) -> Ty {
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

impl Node {
    /// Every sub-schema: properties, additionalProperties, items and value validations.
    pub(super) fn children(&self) -> impl Iterator<Item = &Node> {
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
