//! CRD schema handling: structural validation, defaulting, pruning and
//! `x-kubernetes-validations` (CEL), with Kubernetes-style field errors.
//!
//! One implementation for the sandbox's API server and for claim validation. It follows what a
//! Kubernetes 1.32 API server does for custom resources (apiextensions-apiserver on top of
//! kube-openapi and cel-go), down to the wording of every message:
//!
//! - [`Schema::prune`] and [`Schema::apply_defaults`] are the decoding steps (pruning of
//!   undeclared fields and of forbidden nulls, then defaulting); [`Schema::unknown_fields`]
//!   lists what pruning would remove, for `fieldValidation=Strict`
//!   (`unknown field "spec.foo"`).
//! - [`Schema::check`] is the strategy's validation: OpenAPI value validation of the whole
//!   object (all failures, not just the first), embedded resources, list-type sets and maps,
//!   then the CEL rules unless a blocking error (type, required, enum, too long, too many)
//!   already stopped them. Updates ratchet: a value that is unchanged and was already invalid
//!   stays accepted (CEL failures on it become warnings).
//!
//! The object's own `metadata` is the caller's: only what the schema declares for it (a
//! name's maxLength…) is validated here, and it is never pruned. So is the status subresource:
//! on a create the caller drops `status`, on an update of the main resource it puts the old
//! `status` back, before calling these (the strategy's `PrepareForCreate/Update`).
//!
//! A typical write, as the API server orders it:
//!
//! ```
//! use klutch::schema::{Operation, Schema};
//! use serde_json::json;
//!
//! let schema = Schema::from_value(&json!({
//!     "type": "object",
//!     "properties": {"spec": {"type": "object", "properties": {
//!         "size": {"type": "integer", "minimum": 1, "default": 1},
//!     }}},
//! }))?;
//! let mut obj = json!({"apiVersion": "example.com/v1", "kind": "Widget",
//!     "metadata": {"name": "w"}, "spec": {"size": 0, "colour": "red"}});
//! // fieldValidation=Strict refuses what pruning would drop.
//! assert_eq!(schema.unknown_fields(&obj), ["spec.colour"]);
//! schema.prune(&mut obj);
//! schema.apply_defaults(&mut obj);
//! let outcome = schema.check(&obj, Operation::Create);
//! assert_eq!(
//!     outcome.errors[0].to_string(),
//!     "spec.size: Invalid value: 0: spec.size in body should be greater than or equal to 1"
//! );
//! # Ok::<(), klutch::schema::SchemaError>(())
//! ```
//!
//! Not modelled: CEL cost budgets, the `url`/`quantity`/`ip`/`cidr`/authorizer CEL libraries,
//! order-insensitive CEL equality of list-type sets and maps, and checks of the CRD itself
//! beyond what compiling needs (rules, patterns, `fieldPath`, `reason`).

// One import circle stays on purpose: `node` ↔ `cel` (and `structural`, which `cel` uses
// and which reads nodes). A compiled `Node` carries its compiled `cel::Rule`s, and `cel`
// type-checks and evaluates a rule against the node's types. Moving `Rule` out of `cel`
// would expose its fields to a module that neither builds nor evaluates it. Building nodes
// (`compile`, which also needs `cel` and `prune`) is kept out of `node`.
mod cel;
mod compile;
mod defaults;
mod embedded;
mod error;
mod formats;
mod gofmt;
mod listtype;
mod node;
mod path;
mod prune;
mod structural;

pub use embedded::{MAX_ANNOTATIONS_BYTES, check_object_meta};
pub use error::{FieldError, FieldErrorKind, SchemaError, aggregate, invalid_message};

use compile::Place;
use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::JSONSchemaProps;
use node::Node;
use serde_json::Value;
use std::sync::Arc;
use structural::Corr;

/// A compiled `openAPIV3Schema` of one CRD version. Cheap to clone and shareable between
/// threads.
#[derive(Debug, Clone)]
pub struct Schema {
    props: JSONSchemaProps,
    compiled: Arc<Compiled>,
}

#[derive(Debug)]
struct Compiled {
    root: Node,
    env: cel::Environment,
}

/// What is being validated, with the stored object for updates.
#[derive(Debug, Clone, Copy)]
pub enum Operation<'a> {
    /// A create (`POST`): nothing to compare with.
    Create,
    /// An update of the main resource: transition rules see `oldSelf`, unchanged invalid
    /// values ratchet.
    Update { old: &'a Value },
    /// An update through the `status` subresource: only `status` is validated against the
    /// schema (errors read `status.…`), every rule runs with `oldSelf`, nothing ratchets.
    UpdateStatus { old: &'a Value },
}

/// The result of [`Schema::check`].
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Outcome {
    /// Every failure, in the API server's order; empty when the object is valid.
    pub errors: Vec<FieldError>,
    /// Messages for `Warning:` headers (rule failures on unchanged, ratcheted values).
    pub warnings: Vec<String>,
}

impl Outcome {
    pub fn is_valid(&self) -> bool {
        self.errors.is_empty()
    }
}

/// A CEL rule of a schema as an editor needs it: where it sits, what a failure says and which
/// values it names for which fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleSummary {
    /// The field the rule sits on, as errors name it (`spec`; `<nil>` for the object).
    pub field: String,
    /// What a failure says (the rule's `message`, else `failed rule: <rule>`).
    pub message: String,
    /// String literals the rule compares fields of `self` with, by path below the rule's
    /// field (`plan`, `compositionRef.name`), in the rule's order.
    pub compared: std::collections::BTreeMap<String, Vec<String>>,
    /// Every field of `self` the rule reads (`plan`, `compositionRef.name`), sorted.
    pub reads: Vec<String>,
    /// A transition rule (reads `oldSelf`): it runs on updates only.
    pub transition: bool,
}

/// The error the API server adds when a blocking error keeps CEL rules from running.
pub const RULES_NOT_CHECKED: &str = "some validation rules were not checked because the object was invalid; correct the existing errors to complete validation";

impl Schema {
    /// Compile a schema (and its CEL rules). Fails on a rule that does not compile, a pattern
    /// that is not a regular expression or a malformed `fieldPath`/`reason`, as the API server
    /// refuses such a CRD.
    pub fn new(props: JSONSchemaProps) -> Result<Self, SchemaError> {
        let env = cel::Environment::new()?;
        let root = Node::compile(&props, "", Place::Root, &env)?;
        Ok(Self {
            props,
            compiled: Arc::new(Compiled { root, env }),
        })
    }

    /// Build from the JSON form of an `openAPIV3Schema`.
    pub fn from_value(value: &Value) -> Result<Self, SchemaError> {
        let props: JSONSchemaProps = serde_json::from_value(value.clone())
            .map_err(|e| SchemaError::Malformed(e.to_string()))?;
        Self::new(props)
    }

    /// The schema as given.
    pub fn props(&self) -> &JSONSchemaProps {
        &self.props
    }

    /// Fill in `default:` values: of missing fields, and of `null`s where the schema does not
    /// allow them; recursively, also inside array items and additionalProperties values.
    pub fn apply_defaults(&self, obj: &mut Value) {
        defaults::apply(obj, &self.compiled.root);
    }

    /// Paths (like `spec.foo` or `spec.items[0].bar`), sorted, of fields the schema does not
    /// declare: what [`Schema::prune`] would remove.
    pub fn unknown_fields(&self, obj: &Value) -> Vec<String> {
        prune::unknown_paths(obj, &self.compiled.root, true)
    }

    /// Remove fields the schema does not declare (and `null`s it does not allow where there is
    /// no default to replace them); returns the removed fields' paths, sorted.
    pub fn prune(&self, obj: &mut Value) -> Vec<String> {
        let removed = prune::prune_value(obj, &self.compiled.root, true);
        prune::prune_nulls(obj, Some(&self.compiled.root));
        removed
    }

    /// Validate an object (and, for transition rules, its previous state): a create when
    /// `old` is `None`, an update of the main resource otherwise. Every failure is returned.
    pub fn validate(&self, obj: &Value, old: Option<&Value>) -> Vec<FieldError> {
        let op = match old {
            Some(old) => Operation::Update { old },
            None => Operation::Create,
        };
        self.check(obj, op).errors
    }

    /// Every CEL rule on a node reached through declared properties, parents first.
    pub fn rules(&self) -> Vec<RuleSummary> {
        let mut out = Vec::new();
        collect_rules(&self.compiled.root, "<nil>", &mut out);
        out
    }

    /// Evaluate only the rules that sit on `field` (a dotted path of declared properties,
    /// `<nil>` for the object) and whose message `only` accepts, with `value` as `self`, as
    /// on a create: which of them fail. What an editor asks when it tries candidate values
    /// for one field.
    pub fn check_rules_at(
        &self,
        field: &str,
        value: &Value,
        only: &dyn Fn(&str) -> bool,
    ) -> Vec<FieldError> {
        let mut node = &self.compiled.root;
        if field != "<nil>" {
            for name in field.split('.') {
                match node.property(name) {
                    Some(n) => node = n,
                    None => return Vec::new(),
                }
            }
        }
        let mut eval = cel::Evaluator::only(&self.compiled.env, only);
        eval.own_rules(node, value);
        eval.errors
    }

    /// Validate an object for `op`, with warnings.
    pub fn check(&self, obj: &Value, op: Operation<'_>) -> Outcome {
        self.check_after(obj, op, Vec::new())
    }

    /// Like [`Schema::check`], after `prior` errors the caller found itself (object metadata,
    /// `kind`/`apiVersion`): they come first and, like schema errors, a blocking one keeps the
    /// CEL rules from running.
    pub fn check_after(&self, obj: &Value, op: Operation<'_>, prior: Vec<FieldError>) -> Outcome {
        let root = &self.compiled.root;
        let mut errors = prior;
        let (old, ratchet) = match op {
            Operation::Create => {
                let res = structural::validate(root, obj, &path::Path::Root, Corr::NONE);
                errors.extend(structural::to_field_errors(res.errors, None));
                (None, cel::Ratchet::OFF)
            }
            Operation::Update { old } => {
                let res =
                    structural::validate(root, obj, &path::Path::Root, Corr { old: Some(old) });
                errors.extend(structural::to_field_errors(res.errors, None));
                (Some(old), cel::Ratchet::ON)
            }
            Operation::UpdateStatus { old } => {
                if let (Some(status), Some(status_schema)) =
                    (obj.get("status"), root.property("status"))
                {
                    let res =
                        structural::validate(status_schema, status, &path::Path::Root, Corr::NONE);
                    errors.extend(structural::to_field_errors(res.errors, Some("status")));
                }
                (Some(old), cel::Ratchet::OFF)
            }
        };
        if !matches!(op, Operation::UpdateStatus { .. }) {
            embedded::validate(root, obj, &mut errors);
        }
        let mut list_errors = Vec::new();
        listtype::validate(root, obj, &path::Path::Root, &mut list_errors);
        if !list_errors.is_empty() {
            // On updates, list-type errors only count if the old object had none (ratcheting).
            let old_ok = old.is_none_or(|o| {
                let mut old_errors = Vec::new();
                listtype::validate(root, o, &path::Path::Root, &mut old_errors);
                old_errors.is_empty()
            });
            if old_ok {
                errors.extend(list_errors);
            }
        }
        let mut warnings = Vec::new();
        if root.rules_below {
            if errors.iter().any(is_blocking) {
                errors.push(FieldError::new(
                    "<nil>",
                    FieldErrorKind::Invalid,
                    Some(Value::Null),
                    RULES_NOT_CHECKED,
                ));
            } else {
                let mut eval = cel::Evaluator::new(&self.compiled.env);
                eval.root(root, obj, old, ratchet);
                errors.extend(eval.errors);
                warnings = eval.warnings;
            }
        }
        Outcome { errors, warnings }
    }
}

fn collect_rules(node: &Node, field: &str, out: &mut Vec<RuleSummary>) {
    out.extend(node.rules.iter().map(|r| RuleSummary {
        field: field.to_string(),
        message: r.message(),
        compared: r.compared(),
        reads: r.reads(),
        transition: r.is_transition(),
    }));
    if let Some(props) = &node.properties {
        for (name, child) in props {
            if child.rules_below {
                collect_rules(child, &path::child(field, name), out);
            }
        }
    }
}

/// `hasBlockingErr`: OpenAPI type, required, enum, maxLength, maxItems/maxProperties failures
/// stop CEL validation.
fn is_blocking(e: &FieldError) -> bool {
    matches!(
        e.kind,
        FieldErrorKind::NotSupported
            | FieldErrorKind::Required
            | FieldErrorKind::TooLong
            | FieldErrorKind::TooMany
            | FieldErrorKind::TypeInvalid
    )
}

#[cfg(test)]
mod tests {
    use super::Schema;

    #[test]
    fn rules_name_their_literals_and_run_alone() {
        let schema = Schema::from_value(&serde_json::json!({
            "type": "object",
            "properties": {"spec": {
                "type": "object",
                "x-kubernetes-validations": [
                    {"rule": "self.tier == 'x' ? self.plan == 'a' : self.plan in ['b', 'c']",
                     "message": "bad plan"},
                    {"rule": "self.plan == oldSelf.plan", "message": "immutable"}],
                "properties": {"plan": {"type": "string"}, "tier": {"type": "string"}},
            }},
        }))
        .unwrap();
        let rules = schema.rules();
        assert_eq!(rules.len(), 2);
        assert_eq!(rules[0].field, "spec");
        assert_eq!(rules[0].message, "bad plan");
        assert_eq!(rules[0].compared["plan"], ["a", "b", "c"]);
        assert_eq!(rules[0].compared["tier"], ["x"]);
        assert_eq!(rules[0].reads, ["plan", "tier"]);
        assert!(rules[1].transition && !rules[0].transition);
        let failing = |v| schema.check_rules_at("spec", &v, &|_| true);
        assert_eq!(
            failing(serde_json::json!({"plan": "d", "tier": "y"}))[0].detail,
            "bad plan"
        );
        assert!(failing(serde_json::json!({"plan": "b", "tier": "y"})).is_empty());
        assert!(
            schema
                .check_rules_at("spec.nope", &serde_json::json!({}), &|_| true)
                .is_empty()
        );
        let only_immutable = |m: &str| m == "immutable";
        let v = serde_json::json!({"plan": "d", "tier": "y"});
        assert!(
            schema
                .check_rules_at("spec", &v, &only_immutable)
                .is_empty()
        );
    }

    #[test]
    fn schema_is_send_and_sync() {
        fn assert<T: Send + Sync>() {}
        assert::<Schema>();
    }
}
