//! `x-kubernetes-validations`: compiling, messages, reasons, field paths, transition rules,
//! runtime errors, typing of values and the Kubernetes library functions.
#![allow(clippy::unwrap_used)]

use crate::common;

use common::*;
use klutch::schema::{Operation, Schema, SchemaError};
use serde_json::{Value, json};

fn with_rules(schema: Value, rules: Value) -> Value {
    let mut s = schema;
    s["x-kubernetes-validations"] = rules;
    s
}

fn obj(spec: Value) -> Value {
    json!({"apiVersion": "x/v1", "kind": "X", "metadata": {"name": "x"}, "spec": spec})
}

#[test]
fn failures_show_the_node_type_and_the_message() {
    let spec = json!({"type": "object", "properties": {
        "x": with_rules(json!({"type": "integer"}), json!([{"rule": "self > 0"}])),
        "s": with_rules(json!({"type": "string"}), json!([{"rule": "self.startsWith('a')", "message": "must start with a"}])),
        "n": with_rules(json!({"type": "number"}), json!([{"rule": "self < 1.5", "messageExpression": "'got ' + string(self)"}])),
    }});
    let spec = with_rules(
        spec,
        json!([{"rule": "has(self.x)", "message": "x is needed"}]),
    );
    assert_eq!(
        spec_errors(spec.clone(), json!({"x": -1, "s": "b", "n": 2})),
        vec![
            "spec.n: Invalid value: \"number\": got 2",
            "spec.s: Invalid value: \"string\": must start with a",
            "spec.x: Invalid value: \"integer\": failed rule: self > 0",
        ]
    );
    assert_eq!(
        spec_errors(spec, json!({"s": "a"})),
        vec!["spec: Invalid value: \"object\": x is needed"]
    );
}

#[test]
fn reasons_and_field_paths() {
    let spec = json!({"type": "object", "properties": {"a": {"type": "integer"}, "b": {"type": "integer"}}});
    let spec = with_rules(
        spec,
        json!([
            {"rule": "self.a < 10", "message": "a is too big", "reason": "FieldValueForbidden", "fieldPath": ".a"},
            {"rule": "has(self.b)", "message": "b is needed", "reason": "FieldValueRequired", "fieldPath": ".b"},
            {"rule": "self.a != 5", "reason": "FieldValueDuplicate"},
        ]),
    );
    assert_eq!(
        spec_errors(spec, json!({"a": 5})),
        vec![
            "spec.b: Required value: b is needed",
            "spec: Duplicate value: \"object\"",
        ]
    );
    let spec = json!({"type": "object", "properties": {"a": {"type": "integer"}}});
    let spec = with_rules(
        spec,
        json!([{"rule": "self.a < 10", "message": "a is too big", "reason": "FieldValueForbidden", "fieldPath": ".a"}]),
    );
    assert_eq!(
        spec_errors(spec, json!({"a": 50})),
        vec!["spec.a: Forbidden: a is too big"]
    );
}

#[test]
fn transition_rules_run_on_updates_only() {
    let spec = json!({"type": "object", "properties": {
        "plan": with_rules(json!({"type": "string"}), json!([{"rule": "self == oldSelf", "message": "plan is immutable"}])),
        "size": with_rules(json!({"type": "integer"}), json!([
            {"rule": "!oldSelf.hasValue() || self >= oldSelf.value()", "message": "size may only grow", "optionalOldSelf": true},
            {"rule": "self <= 100", "message": "at most 100"},
        ])),
    }});
    let schema = spec_schema(spec);
    let v1 = obj(json!({"plan": "small", "size": 10}));
    assert!(schema.validate(&v1, None).is_empty());
    let v2 = obj(json!({"plan": "big", "size": 5}));
    assert_eq!(
        messages(&schema.validate(&v2, Some(&v1))),
        vec![
            "spec.plan: Invalid value: \"string\": plan is immutable",
            "spec.size: Invalid value: \"integer\": size may only grow",
        ]
    );
    // optionalOldSelf rules also run on create (oldSelf is optional.none()).
    assert!(
        schema
            .validate(&obj(json!({"plan": "big", "size": 5})), None)
            .is_empty()
    );
    // A field that is new in the update has no old value: its transition rules are skipped.
    let v0 = obj(json!({"size": 10}));
    assert!(schema.validate(&v2_with_plan(), Some(&v0)).is_empty());
}

fn v2_with_plan() -> Value {
    obj(json!({"plan": "big", "size": 10}))
}

#[test]
fn runtime_errors_are_reported_like_the_api_server() {
    let spec = json!({"type": "object", "properties": {
        "x": with_rules(json!({"type": "integer"}), json!([{"rule": "100 / (self - self) == 1"}])),
        "p": with_rules(json!({"x-kubernetes-int-or-string": true}), json!([{"rule": "self > 1", "message": "p must exceed 1"}])),
        "m": with_rules(json!({"type": "object", "properties": {"k": {"type": "string"}}}),
            json!([{"rule": "self.k == 'v'", "message": "k must be v"}])),
    }});
    assert_eq!(
        spec_errors(spec, json!({"x": 3, "p": "http", "m": {}})),
        vec![
            "spec.m: Invalid value: \"object\": no such key: k evaluating rule: k must be v",
            "spec.p: Invalid value: \"\": 'no such overload': call arguments did not match a supported operator, function or macro signature for rule: p must exceed 1",
            "spec.x: Invalid value: \"integer\": division by zero evaluating rule: 100 / (self - self) == 1",
        ]
    );
}

#[test]
fn blocking_errors_keep_rules_from_running() {
    let spec = json!({"type": "object", "properties": {
        "a": {"type": "integer"},
        "b": with_rules(json!({"type": "string", "pattern": "^x"}), json!([{"rule": "self == 'x'", "message": "b must be x"}])),
    }});
    // A pattern failure does not block.
    assert_eq!(
        spec_errors(spec.clone(), json!({"b": "y"})),
        vec![
            "spec.b: Invalid value: \"y\": spec.b in body should match '^x'",
            "spec.b: Invalid value: \"string\": b must be x",
        ]
    );
    // A type failure does.
    assert_eq!(
        spec_errors(spec, json!({"a": "1", "b": "y"})),
        vec![
            "spec.a: Invalid value: \"string\": spec.a in body must be of type integer: \"string\"",
            "spec.b: Invalid value: \"y\": spec.b in body should match '^x'",
            "<nil>: Invalid value: \"null\": some validation rules were not checked because the object was invalid; correct the existing errors to complete validation",
        ]
    );
}

#[test]
fn values_are_typed_by_the_schema() {
    let rules = json!([
        {"rule": "type(self.n) == double && self.n == 100.0", "message": "number"},
        {"rule": "type(self.i) == int && self.i == 3", "message": "integer"},
        {"rule": "self.t < timestamp('2030-01-01T00:00:00Z')", "message": "timestamp"},
        {"rule": "self.d > duration('1h')", "message": "duration"},
        {"rule": "self.b == b'hello'", "message": "bytes"},
        {"rule": "self.__namespace__ == 'ns' && self.a__dash__b == 'dash'", "message": "escaping"},
        {"rule": "self.labels['app'] == 'web' && self.labels.all(k, k.size() > 0)", "message": "map"},
        {"rule": "self.l.exists(x, x == 2) && self.l.all(x, x > 0) && 3 in self.l", "message": "list"},
        {"rule": "self.free.x == 1", "message": "preserved"},
        {"rule": "type(self.__namespace__) == string && type(self.l) == list && type(self.labels) == map", "message": "type()"},
    ]);
    let spec = with_rules(
        json!({"type": "object", "properties": {
            "n": {"type": "number"}, "i": {"type": "integer"},
            "t": {"type": "string", "format": "date-time"}, "d": {"type": "string", "format": "duration"},
            "b": {"type": "string", "format": "byte"},
            "namespace": {"type": "string"}, "a-b": {"type": "string"},
            "labels": {"type": "object", "additionalProperties": {"type": "string"}},
            "l": {"type": "array", "items": {"type": "integer"}},
            "free": {"x-kubernetes-preserve-unknown-fields": true},
        }}),
        rules,
    );
    let value = json!({
        "n": 100, "i": 3, "t": "2026-06-10T09:00:00Z", "d": "90m", "b": "aGVsbG8=",
        "namespace": "ns", "a-b": "dash", "labels": {"app": "web"}, "l": [1, 2, 3], "free": {"x": 1},
    });
    assert_eq!(
        spec_errors(spec.clone(), value.clone()),
        Vec::<String>::new()
    );
    let mut wrong = value;
    wrong["d"] = json!("10m");
    assert_eq!(
        spec_errors(spec, wrong),
        vec!["spec: Invalid value: \"object\": duration"]
    );
}

#[test]
fn kubernetes_library_functions() {
    let rules = json!([
        {"rule": "self.nums.isSorted() && self.nums.sum() == 6 && self.nums.min() == 1 && self.nums.max() == 3"},
        {"rule": "self.nums.indexOf(2) == 1 && self.nums.lastIndexOf(5) == -1"},
        {"rule": "self.s.find('[0-9]+') == '42' && self.s.findAll('[a-z]') == ['a', 'b']"},
        {"rule": "sets.contains(self.nums, [1, 2]) && sets.intersects(self.nums, [3, 9]) && !sets.equivalent(self.nums, [1])"},
        {"rule": "self.s.lowerAscii() == 'a42b' && self.s.upperAscii() == 'A42B' && self.s.split('4') == ['a', '2b']"},
        {"rule": "self.s.matches('^a[0-9]+b$') && self.s.contains('42') && self.s.endsWith('b') && size(self.s) == 4"},
        {"rule": "self.s.charAt(0) == 'a' && self.s.indexOf('4') == 1 && self.s.substring(1, 3) == '42'"},
        {"rule": "self.nums.map(x, x * 2) == [2, 4, 6] && self.nums.filter(x, x > 1).size() == 2 && self.nums.exists_one(x, x == 3)"},
        {"rule": "'%s-%d'.format(['a', 1]) == 'a-1'"},
    ]);
    let spec = with_rules(
        json!({"type": "object", "properties": {
            "nums": {"type": "array", "items": {"type": "integer"}},
            "s": {"type": "string"},
        }}),
        rules,
    );
    assert_eq!(
        spec_errors(spec.clone(), json!({"nums": [1, 2, 3], "s": "a42b"})),
        Vec::<String>::new()
    );
    let failing = spec_errors(spec, json!({"nums": [3, 2, 1], "s": "a42b"}));
    assert_eq!(
        failing,
        vec![
            "spec: Invalid value: \"object\": failed rule: self.nums.isSorted() && self.nums.sum() == 6 && self.nums.min() == 1 && self.nums.max() == 3",
            "spec: Invalid value: \"object\": failed rule: self.nums.map(x, x * 2) == [2, 4, 6] && self.nums.filter(x, x > 1).size() == 2 && self.nums.exists_one(x, x == 3)",
        ]
    );
}

#[test]
fn root_rules_see_metadata_name_and_report_at_nil() {
    let schema = Schema::from_value(&json!({
        "type": "object",
        "properties": {"metadata": {"type": "object"}, "spec": {"type": "object"}},
        "x-kubernetes-validations": [{"rule": "self.metadata.name == 'cluster'", "message": "cluster binding name should be cluster"}],
    }))
    .unwrap();
    let mut o = obj(json!({}));
    assert_eq!(
        messages(&schema.validate(&o, None)),
        vec!["<nil>: Invalid value: \"object\": cluster binding name should be cluster"]
    );
    o["metadata"]["name"] = json!("cluster");
    assert!(schema.validate(&o, None).is_empty());
}

#[test]
fn rules_that_do_not_compile_are_refused() {
    let cases = [
        ("self.x ==", "compilation failed"),
        (
            "self.x.frobnicate()",
            "undeclared reference to 'frobnicate'",
        ),
        ("other > 1", "undeclared reference to 'other'"),
        ("self.l.all(x, y > 1)", "undeclared reference to 'y'"),
    ];
    for (rule, want) in cases {
        let err = Schema::from_value(&json!({"type": "object", "properties": {"spec": {
            "type": "object", "x-kubernetes-validations": [{"rule": rule}]}}}))
        .unwrap_err();
        assert!(matches!(err, SchemaError::Rule { .. }), "{rule}");
        assert!(err.to_string().contains(want), "{rule}: {err}");
        assert!(
            err.to_string().starts_with("spec: invalid CEL rule"),
            "{err}"
        );
    }
    let bad_reason = Schema::from_value(&json!({"type": "object", "x-kubernetes-validations": [
        {"rule": "true", "reason": "Nope"}]}));
    assert!(
        bad_reason
            .unwrap_err()
            .to_string()
            .contains("Unsupported value: \"Nope\"")
    );
    let bad_path = Schema::from_value(
        &json!({"type": "object", "properties": {"a": {"type": "string"}},
        "x-kubernetes-validations": [{"rule": "true", "fieldPath": ".b"}]}),
    );
    assert!(
        bad_path
            .unwrap_err()
            .to_string()
            .contains("does not refer to a valid field")
    );
    let bad_pattern = Schema::from_value(
        &json!({"type": "object", "properties": {"a": {"type": "string", "pattern": "(["}}}),
    );
    assert!(matches!(
        bad_pattern.unwrap_err(),
        SchemaError::Pattern { .. }
    ));
}

#[test]
fn failing_rules_on_unchanged_values_ratchet_into_warnings() {
    let spec = json!({"type": "object", "properties": {
        "a": with_rules(json!({"type": "integer"}), json!([{"rule": "self < 10", "message": "a must be below 10"}])),
        "b": {"type": "string", "maxLength": 3},
        "c": {"type": "integer"},
    }});
    let schema = spec_schema(spec);
    // Stored before the rules were tightened.
    let old = obj(json!({"a": 50, "b": "long", "c": 1}));
    let new = obj(json!({"a": 50, "b": "long", "c": 2}));
    let outcome = schema.check(&new, Operation::Update { old: &old });
    assert!(outcome.errors.is_empty(), "{:?}", outcome.errors);
    assert_eq!(
        outcome.warnings,
        vec!["spec.a: Invalid value: \"integer\": a must be below 10"]
    );
    // Changing the invalid value is refused.
    let changed = obj(json!({"a": 51, "b": "longer", "c": 2}));
    let outcome = schema.check(&changed, Operation::Update { old: &old });
    assert_eq!(
        messages(&outcome.errors),
        vec![
            "spec.b: Too long: may not be more than 3 bytes",
            "<nil>: Invalid value: \"null\": some validation rules were not checked because the object was invalid; correct the existing errors to complete validation",
        ]
    );
}

#[test]
fn fields_selected_from_self_must_be_declared() {
    let compile = |schema: Value| {
        Schema::from_value(&schema)
            .map(|_| ())
            .map_err(|e| e.to_string())
    };
    let spec = |rule: &str| {
        json!({"type": "object", "properties": {"spec": {
            "type": "object",
            "properties": {"plan": {"type": "string"}, "namespace": {"type": "string"},
                "labels": {"type": "object", "additionalProperties": {"type": "string"}}},
            "x-kubernetes-validations": [{"rule": rule}],
        }}})
    };
    assert_eq!(
        compile(spec("self.plan == 'a' && self.__namespace__ == 'b'")),
        Ok(())
    );
    assert_eq!(compile(spec("has(self.labels.anything)")), Ok(()));
    let err = compile(spec("has(self.plna)")).unwrap_err();
    assert!(err.contains("undefined field 'plna'"), "{err}");
    let err = compile(spec("self.namespace == 'x'")).unwrap_err();
    assert!(err.contains("undefined field 'namespace'"), "{err}");
    // Comprehension variables are not checked.
    assert_eq!(compile(spec("self.labels.all(k, k.size() > 0)")), Ok(()));

    let root = |rule: &str| {
        json!({"type": "object", "properties": {"metadata": {"type": "object"}, "spec": {"type": "object"}},
            "x-kubernetes-validations": [{"rule": rule}]})
    };
    assert_eq!(
        compile(root("self.metadata.name == 'a' && self.kind == 'X'")),
        Ok(())
    );
    let err = compile(root("self.metadata.namespace == 'a'")).unwrap_err();
    assert!(err.contains("undefined field 'namespace'"), "{err}");
}

#[test]
fn null_fields_of_objects_read_as_absent() {
    let spec = with_rules(
        json!({"type": "object", "properties": {"opt": {"type": "string", "nullable": true}}}),
        json!([{"rule": "!has(self.opt)", "message": "opt is set"}]),
    );
    assert_eq!(
        spec_errors(spec.clone(), json!({"opt": null})),
        Vec::<String>::new()
    );
    assert_eq!(
        spec_errors(spec, json!({"opt": "x"})),
        vec!["spec: Invalid value: \"object\": opt is set"]
    );
}
