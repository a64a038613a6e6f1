//! Every OpenAPI keyword the API server checks, table-driven, with the message a 1.32 API
//! server gives (kube-openapi's wording inside apimachinery's field errors).
#![allow(clippy::unwrap_used)]

use crate::common;

use common::*;
use serde_json::{Value, json};

struct Case {
    name: &'static str,
    schema: Value,
    value: Value,
    want: &'static [&'static str],
}

fn case(name: &'static str, schema: Value, value: Value, want: &'static [&'static str]) -> Case {
    Case {
        name,
        schema,
        value,
        want,
    }
}

fn run(cases: Vec<Case>) {
    for c in cases {
        let got = spec_errors(c.schema, c.value);
        assert_eq!(got, c.want, "{}", c.name);
    }
}

/// `spec: {type: object, properties: {<field>: schema}}`.
fn field(name: &str, schema: Value) -> Value {
    json!({"type": "object", "properties": {name: schema}})
}

#[test]
fn types() {
    run(vec![
        case(
            "string for integer",
            field("size", json!({"type": "integer"})),
            json!({"size": "string"}),
            &[
                "spec.size: Invalid value: \"string\": spec.size in body must be of type integer: \"string\"",
            ],
        ),
        case(
            "fraction for integer",
            field("size", json!({"type": "integer"})),
            json!({"size": 1.5}),
            &[
                "spec.size: Invalid value: \"number\": spec.size in body must be of type integer: \"number\"",
            ],
        ),
        case(
            "2.0 is an integer",
            field("size", json!({"type": "integer"})),
            json!({"size": 2.0}),
            &[],
        ),
        case(
            "an integer is a number",
            field("n", json!({"type": "number"})),
            json!({"n": 3}),
            &[],
        ),
        case(
            "string for boolean",
            field("b", json!({"type": "boolean"})),
            json!({"b": "true"}),
            &[
                "spec.b: Invalid value: \"string\": spec.b in body must be of type boolean: \"string\"",
            ],
        ),
        case(
            "array for object",
            field("o", json!({"type": "object"})),
            json!({"o": []}),
            &["spec.o: Invalid value: \"array\": spec.o in body must be of type object: \"array\""],
        ),
        case(
            "object for array",
            field("l", json!({"type": "array", "items": {"type": "string"}})),
            json!({"l": {}}),
            &[
                "spec.l: Invalid value: \"object\": spec.l in body must be of type array: \"object\"",
            ],
        ),
        case(
            "null for a non-nullable field",
            field("s", json!({"type": "string"})),
            json!({"s": null}),
            &["spec.s: Invalid value: \"null\": spec.s in body must be of type string: \"null\""],
        ),
        case(
            "null for a nullable field",
            field("s", json!({"type": "string", "nullable": true})),
            json!({"s": null}),
            &[],
        ),
        case(
            "array items are checked one by one",
            field("l", json!({"type": "array", "items": {"type": "integer"}})),
            json!({"l": [1, "two", 3, false]}),
            &[
                "spec.l[1]: Invalid value: \"string\": spec.l[1] in body must be of type integer: \"string\"",
                "spec.l[3]: Invalid value: \"boolean\": spec.l[3] in body must be of type integer: \"boolean\"",
            ],
        ),
        case(
            "int-or-string takes an int",
            field("p", json!({"x-kubernetes-int-or-string": true})),
            json!({"p": 8080}),
            &[],
        ),
        case(
            "int-or-string takes a string",
            field("p", json!({"x-kubernetes-int-or-string": true})),
            json!({"p": "http"}),
            &[],
        ),
        case(
            "int-or-string refuses a fraction",
            field("p", json!({"x-kubernetes-int-or-string": true})),
            json!({"p": 1.5}),
            &[
                "spec.p: Invalid value: \"number\": spec.p in body must be of type integer,string: \"number\"",
            ],
        ),
    ]);
}

#[test]
fn required_and_enum() {
    run(vec![
        case(
            "required",
            json!({"type": "object", "required": ["size", "mode"], "properties": {"size": {"type": "integer"}, "mode": {"type": "string"}}}),
            json!({"mode": "a"}),
            &["spec.size: Required value"],
        ),
        case(
            "enum of strings",
            field("mode", json!({"type": "string", "enum": ["a", "b"]})),
            json!({"mode": "x"}),
            &["spec.mode: Unsupported value: \"x\": supported values: \"a\", \"b\""],
        ),
        case(
            "enum of integers",
            field("n", json!({"type": "integer", "enum": [1, 2]})),
            json!({"n": 3}),
            &["spec.n: Unsupported value: 3: supported values: \"1\", \"2\""],
        ),
        case(
            "a wrong type and the enum both fail",
            field("mode", json!({"type": "string", "enum": ["on", "off"]})),
            json!({"mode": true}),
            &[
                "spec.mode: Invalid value: \"boolean\": spec.mode in body must be of type string: \"boolean\"",
                "spec.mode: Unsupported value: true: supported values: \"on\", \"off\"",
            ],
        ),
        case(
            "enum matches 1.0 to 1",
            field("n", json!({"type": "number", "enum": [1]})),
            json!({"n": 1.0}),
            &[],
        ),
    ]);
}

#[test]
fn strings() {
    run(vec![
        case(
            "pattern",
            field("x", json!({"type": "string", "pattern": "^[a-z]+$"})),
            json!({"x": "ABC"}),
            &["spec.x: Invalid value: \"ABC\": spec.x in body should match '^[a-z]+$'"],
        ),
        case(
            "maxLength",
            field("s", json!({"type": "string", "maxLength": 3})),
            json!({"s": "abcd"}),
            &["spec.s: Too long: may not be more than 3 bytes"],
        ),
        case(
            "maxLength counts characters",
            field("s", json!({"type": "string", "maxLength": 3})),
            json!({"s": "äöü"}),
            &[],
        ),
        case(
            "minLength",
            field("s", json!({"type": "string", "minLength": 3})),
            json!({"s": "ab"}),
            &["spec.s: Invalid value: \"ab\": spec.s in body should be at least 3 chars long"],
        ),
        case(
            "only the first string failure is reported",
            field(
                "s",
                json!({"type": "string", "maxLength": 2, "pattern": "^[0-9]+$"}),
            ),
            json!({"s": "abc"}),
            &["spec.s: Too long: may not be more than 2 bytes"],
        ),
        case(
            "date-time",
            field("t", json!({"type": "string", "format": "date-time"})),
            json!({"t": "yesterday"}),
            &[
                "spec.t: Invalid value: \"yesterday\": spec.t in body must be of type date-time: \"yesterday\"",
            ],
        ),
        case(
            "valid date-time",
            field("t", json!({"type": "string", "format": "date-time"})),
            json!({"t": "2026-06-10T09:00:00.5+02:00"}),
            &[],
        ),
        case(
            "uuid",
            field("u", json!({"type": "string", "format": "uuid"})),
            json!({"u": "not-a-uuid"}),
            &[
                "spec.u: Invalid value: \"not-a-uuid\": spec.u in body must be of type uuid: \"not-a-uuid\"",
            ],
        ),
        case(
            "byte",
            field("b", json!({"type": "string", "format": "byte"})),
            json!({"b": "%%%"}),
            &["spec.b: Invalid value: \"%%%\": spec.b in body must be of type byte: \"%%%\""],
        ),
        case(
            "int32 and int64 are not checked",
            field("n", json!({"type": "integer", "format": "int32"})),
            json!({"n": 1_099_511_627_776_i64}),
            &[],
        ),
        case(
            "unknown formats are not checked",
            field("s", json!({"type": "string", "format": "nonsense"})),
            json!({"s": "x"}),
            &[],
        ),
    ]);
}

#[test]
fn numbers() {
    run(vec![
        case(
            "minimum",
            field("n", json!({"type": "integer", "minimum": 1})),
            json!({"n": 0}),
            &["spec.n: Invalid value: 0: spec.n in body should be greater than or equal to 1"],
        ),
        case(
            "exclusiveMinimum",
            field(
                "n",
                json!({"type": "integer", "minimum": 1, "exclusiveMinimum": true}),
            ),
            json!({"n": 1}),
            &["spec.n: Invalid value: 1: spec.n in body should be greater than 1"],
        ),
        case(
            "maximum",
            field("n", json!({"type": "integer", "maximum": 10})),
            json!({"n": 11}),
            &["spec.n: Invalid value: 11: spec.n in body should be less than or equal to 10"],
        ),
        case(
            "exclusiveMaximum",
            field(
                "n",
                json!({"type": "integer", "maximum": 10, "exclusiveMaximum": true}),
            ),
            json!({"n": 10}),
            &["spec.n: Invalid value: 10: spec.n in body should be less than 10"],
        ),
        case(
            "float bounds print like Go",
            field(
                "f",
                json!({"type": "number", "maximum": 1.5, "minimum": -1e7}),
            ),
            json!({"f": 2.5}),
            &["spec.f: Invalid value: 2.5: spec.f in body should be less than or equal to 1.5"],
        ),
        case(
            "large float bound",
            field("f", json!({"type": "number", "minimum": 1e7})),
            json!({"f": 0.5}),
            &[
                "spec.f: Invalid value: 0.5: spec.f in body should be greater than or equal to 1e+07",
            ],
        ),
        case(
            "multipleOf",
            field("n", json!({"type": "integer", "multipleOf": 5})),
            json!({"n": 7}),
            &["spec.n: Invalid value: 7: spec.n in body should be a multiple of 5"],
        ),
        case(
            "multipleOf of a fraction",
            field("f", json!({"type": "number", "multipleOf": 0.5})),
            json!({"f": 2.5}),
            &[],
        ),
        case(
            "every bound that fails",
            field(
                "n",
                json!({"type": "integer", "minimum": 10, "multipleOf": 3}),
            ),
            json!({"n": 4}),
            &[
                "spec.n: Invalid value: 4: spec.n in body should be a multiple of 3",
                "spec.n: Invalid value: 4: spec.n in body should be greater than or equal to 10",
            ],
        ),
    ]);
}

#[test]
fn arrays_and_objects() {
    run(vec![
        case(
            "maxItems",
            field(
                "l",
                json!({"type": "array", "maxItems": 2, "items": {"type": "integer"}}),
            ),
            json!({"l": [1, 2, 3]}),
            &["spec.l: Too many: 3: must have at most 2 items"],
        ),
        case(
            "minItems",
            field(
                "l",
                json!({"type": "array", "minItems": 2, "items": {"type": "integer"}}),
            ),
            json!({"l": [1]}),
            &["spec.l: Invalid value: 1: spec.l in body should have at least 2 items"],
        ),
        case(
            "uniqueItems",
            field(
                "l",
                json!({"type": "array", "uniqueItems": true, "items": {"type": "integer"}}),
            ),
            json!({"l": [1, 2, 1]}),
            &["spec.l: Invalid value: \"\": spec.l in body shouldn't contain duplicates"],
        ),
        case(
            "maxProperties",
            field(
                "m",
                json!({"type": "object", "maxProperties": 1, "additionalProperties": {"type": "string"}}),
            ),
            json!({"m": {"a": "x", "b": "y"}}),
            &["spec.m: Too many: 2: must have at most 1 items"],
        ),
        case(
            "minProperties",
            field(
                "m",
                json!({"type": "object", "minProperties": 2, "additionalProperties": {"type": "string"}}),
            ),
            json!({"m": {"a": "x"}}),
            &["spec.m: Invalid value: 1: spec.m in body should have at least 2 properties"],
        ),
        case(
            "additionalProperties schema",
            field(
                "m",
                json!({"type": "object", "additionalProperties": {"type": "integer"}}),
            ),
            json!({"m": {"a": 1, "b": "x"}}),
            &[
                "spec.m.b: Invalid value: \"string\": spec.m.b in body must be of type integer: \"string\"",
            ],
        ),
        case(
            "additionalProperties false",
            field(
                "o",
                json!({"type": "object", "properties": {"a": {"type": "string"}}, "additionalProperties": false}),
            ),
            json!({"o": {"a": "x", "b": 1}}),
            &["spec.o: Invalid value: \"b\": spec.o.b in body is a forbidden property"],
        ),
        case(
            "list-type set",
            field(
                "l",
                json!({"type": "array", "x-kubernetes-list-type": "set", "items": {"type": "string"}}),
            ),
            json!({"l": ["a", "b", "a", "a"]}),
            &["spec.l[2]: Duplicate value: \"a\""],
        ),
        case(
            "list-type map with one key",
            field(
                "l",
                json!({"type": "array", "x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["name"],
                "items": {"type": "object", "properties": {"name": {"type": "string"}, "v": {"type": "integer"}}}}),
            ),
            json!({"l": [{"name": "a", "v": 1}, {"name": "b"}, {"name": "a", "v": 2}]}),
            &["spec.l[2]: Duplicate value: map[string]interface {}{\"name\":\"a\"}"],
        ),
        case(
            "list-type map with two keys",
            field(
                "l",
                json!({"type": "array", "x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["name", "port"],
                "items": {"type": "object", "properties": {"name": {"type": "string"}, "port": {"type": "integer"}}}}),
            ),
            json!({"l": [{"name": "a", "port": 1}, {"name": "a", "port": 2}, {"name": "a", "port": 1}]}),
            &["spec.l[2]: Duplicate value: map[string]interface {}{\"name\":\"a\", \"port\":1}"],
        ),
        case(
            "every failing field is reported",
            json!({"type": "object", "required": ["a"], "properties": {
                "a": {"type": "string"}, "b": {"type": "integer", "maximum": 3}, "c": {"type": "string", "enum": ["x"]}}}),
            json!({"b": 4, "c": "y"}),
            &[
                "spec.b: Invalid value: 4: spec.b in body should be less than or equal to 3",
                "spec.c: Unsupported value: \"y\": supported values: \"x\"",
                "spec.a: Required value",
            ],
        ),
        case(
            "embedded resources need apiVersion and kind",
            field(
                "tpl",
                json!({"type": "object", "x-kubernetes-embedded-resource": true, "x-kubernetes-preserve-unknown-fields": true}),
            ),
            json!({"tpl": {"metadata": {"name": "a/b"}}}),
            &[
                "spec.tpl.apiVersion: Required value: must not be empty",
                "spec.tpl.kind: Required value: must not be empty",
                "spec.tpl.metadata.name: Invalid value: \"a/b\": may not contain '/'",
            ],
        ),
    ]);
}

#[test]
fn value_validations_one_of_any_of_all_of_not() {
    let ab = |extra: Value| {
        let mut s = json!({"type": "object", "properties": {"a": {"type": "string"}, "b": {"type": "string"}}});
        for (k, v) in extra.as_object().unwrap() {
            s[k] = v.clone();
        }
        s
    };
    run(vec![
        case(
            "oneOf, none valid",
            ab(json!({"oneOf": [{"required": ["a"]}, {"required": ["b"]}]})),
            json!({}),
            &[
                "<nil>: Invalid value: \"\": \"spec\" must validate one and only one schema (oneOf). Found none valid",
                "spec.a: Required value",
            ],
        ),
        case(
            "oneOf, two valid",
            ab(json!({"oneOf": [{"required": ["a"]}, {"required": ["b"]}]})),
            json!({"a": "x", "b": "y"}),
            &[
                "<nil>: Invalid value: \"\": \"spec\" must validate one and only one schema (oneOf). Found 2 valid alternatives",
            ],
        ),
        case(
            "oneOf, one valid",
            ab(json!({"oneOf": [{"required": ["a"]}, {"required": ["b"]}]})),
            json!({"b": "y"}),
            &[],
        ),
        case(
            "anyOf",
            ab(json!({"anyOf": [{"required": ["a"]}, {"required": ["b"]}]})),
            json!({}),
            &[
                "<nil>: Invalid value: \"\": \"spec\" must validate at least one schema (anyOf)",
                "spec.a: Required value",
            ],
        ),
        case(
            "allOf",
            ab(json!({"allOf": [{"minProperties": 1}]})),
            json!({}),
            &[
                "spec: Invalid value: 0: spec in body should have at least 1 properties",
                "<nil>: Invalid value: \"\": \"spec\" must validate all the schemas (allOf). None validated",
            ],
        ),
        case(
            "not",
            ab(json!({"not": {"required": ["a"]}})),
            json!({"a": "x"}),
            &["<nil>: Invalid value: \"\": \"spec\" must not validate the schema (not)"],
        ),
    ]);
}

#[test]
fn root_level_messages_and_aggregate() {
    use klutch::schema::{FieldError, FieldErrorKind, aggregate, invalid_message};
    let errs = vec![
        FieldError::new("spec.a", FieldErrorKind::Required, None, ""),
        FieldError::new("spec.a", FieldErrorKind::Required, None, ""),
        FieldError::new("spec.b", FieldErrorKind::Forbidden, None, "not here"),
    ];
    assert_eq!(
        aggregate(&errs),
        "[spec.a: Required value, spec.b: Forbidden: not here]"
    );
    assert_eq!(
        invalid_message("Widget.example.com", "w1", &errs[..1]),
        "Widget.example.com \"w1\" is invalid: spec.a: Required value"
    );
    assert_eq!(errs[0].kind.reason(), "FieldValueRequired");
}
