//! Paths to the node being validated, kept as a chain of borrowed segments on the stack and
//! rendered only when an error needs one.
//!
//! The API server writes paths two ways, and error messages quote both:
//! - kube-openapi's (`spec.items[2].name`, with `.key` for additionalProperties, even at the
//!   root) inside messages such as `spec.size in body must be of type integer`;
//! - `field.Path` (`spec.labels[key]`, `<nil>` for the root) for CEL, list-type and
//!   embedded-object errors.

use std::fmt::Write as _;

#[derive(Clone, Copy)]
pub(crate) enum Path<'a> {
    Root,
    /// A declared property.
    Prop(&'a Path<'a>, &'a str),
    /// A key matched by `additionalProperties`.
    Key(&'a Path<'a>, &'a str),
    Index(&'a Path<'a>, usize),
}

impl<'a> Path<'a> {
    pub(crate) fn prop(&'a self, name: &'a str) -> Path<'a> {
        Path::Prop(self, name)
    }

    pub(crate) fn key(&'a self, name: &'a str) -> Path<'a> {
        Path::Key(self, name)
    }

    pub(crate) fn index(&'a self, i: usize) -> Path<'a> {
        Path::Index(self, i)
    }

    /// kube-openapi's spelling, `""` at the root.
    pub(crate) fn openapi(&self) -> String {
        let mut out = String::new();
        self.write_openapi(&mut out);
        out
    }

    fn write_openapi(&self, out: &mut String) {
        match self {
            Path::Root => {}
            Path::Prop(parent, name) => {
                parent.write_openapi(out);
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(name);
            }
            Path::Key(parent, name) => {
                parent.write_openapi(out);
                out.push('.');
                out.push_str(name);
            }
            Path::Index(parent, i) => {
                parent.write_openapi(out);
                let _ = write!(out, "[{i}]");
            }
        }
    }

    /// `field.Path.String()`: `<nil>` at the root.
    pub(crate) fn field(&self) -> String {
        let mut out = String::new();
        self.write_field(&mut out);
        if out.is_empty() { "<nil>".into() } else { out }
    }

    fn write_field(&self, out: &mut String) {
        match self {
            Path::Root => {}
            Path::Prop(parent, name) => {
                parent.write_field(out);
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(name);
            }
            Path::Key(parent, name) => {
                parent.write_field(out);
                let _ = write!(out, "[{name}]");
            }
            Path::Index(parent, i) => {
                parent.write_field(out);
                let _ = write!(out, "[{i}]");
            }
        }
    }
}

/// `field.Path.Child` on an already rendered path: `prefix.child`, or `child` alone when the
/// prefix is the root (`<nil>`).
pub(crate) fn child(prefix: &str, child: &str) -> String {
    if prefix == "<nil>" || prefix.is_empty() {
        child.to_string()
    } else {
        format!("{prefix}.{child}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_spellings() {
        let root = Path::Root;
        let spec = root.prop("spec");
        let labels = spec.prop("labels");
        let key = labels.key("app");
        let items = spec.prop("items");
        let second = items.index(2);
        let name = second.prop("name");
        assert_eq!(root.openapi(), "");
        assert_eq!(root.field(), "<nil>");
        assert_eq!(key.openapi(), "spec.labels.app");
        assert_eq!(key.field(), "spec.labels[app]");
        assert_eq!(name.openapi(), "spec.items[2].name");
        assert_eq!(name.field(), "spec.items[2].name");
        assert_eq!(root.key("x").openapi(), ".x");
    }
}
