//! Which Klutch object a Kubernetes group and kind are, and on which side of a binding
//! each lives: the classification the cockpit's store, the headless `get` and the
//! troubleshooting walk share (reference/bind-protocol.md §1, reference/claims.md §1).

use crate::bind::TemplateApiGroup;

/// The kinds of Klutch objects, each a list of its own in the cockpit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ObjectClass {
    /// Proxy claims: every `*Instance`, ServiceBinding, Backup and Restore (`anynines.com`).
    Claim,
    /// APIServiceExportTemplate (Control Plane; served under two groups).
    ExportTemplate,
    /// APIServiceExportRequest (Control Plane).
    ExportRequest,
    /// APIServiceExport (Control Plane).
    Export,
    /// ClusterBinding (Control Plane).
    ClusterBinding,
    /// APIServiceBinding (App Cluster).
    ApiServiceBinding,
    /// APIServiceNamespace (Control Plane): which namespace there holds an App namespace's
    /// objects.
    ApiServiceNamespace,
}

/// Where objects of a class live.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
    /// Only in the App Cluster.
    App,
    /// Only on the Control Plane.
    ControlPlane,
    /// In both (claims and their Control Plane copies).
    Both,
}

impl ObjectClass {
    /// Every class.
    pub const ALL: [ObjectClass; 7] = [
        ObjectClass::Claim,
        ObjectClass::ExportTemplate,
        ObjectClass::ExportRequest,
        ObjectClass::Export,
        ObjectClass::ClusterBinding,
        ObjectClass::ApiServiceBinding,
        ObjectClass::ApiServiceNamespace,
    ];

    /// How many classes there are (for per-class arrays).
    pub const COUNT: usize = ObjectClass::ALL.len();

    /// Index into per-class arrays.
    pub fn index(self) -> usize {
        match self {
            ObjectClass::Claim => 0,
            ObjectClass::ExportTemplate => 1,
            ObjectClass::ExportRequest => 2,
            ObjectClass::Export => 3,
            ObjectClass::ClusterBinding => 4,
            ObjectClass::ApiServiceBinding => 5,
            ObjectClass::ApiServiceNamespace => 6,
        }
    }

    /// Where objects of this class live.
    pub fn side(self) -> Side {
        match self {
            ObjectClass::Claim => Side::Both,
            ObjectClass::ApiServiceBinding => Side::App,
            ObjectClass::ExportTemplate
            | ObjectClass::ExportRequest
            | ObjectClass::Export
            | ObjectClass::ClusterBinding
            | ObjectClass::ApiServiceNamespace => Side::ControlPlane,
        }
    }

    /// The class of `group`/`kind`, or `None` for a kind that is no Klutch object.
    pub fn of(group: &str, kind: &str) -> Option<ObjectClass> {
        if group == crate::claims::GROUP {
            return Some(ObjectClass::Claim);
        }
        if TemplateApiGroup::ALL.iter().any(|g| g.group() == group) {
            return (kind == crate::bind::TEMPLATE_KIND).then_some(ObjectClass::ExportTemplate);
        }
        if group == crate::bind::GROUP {
            return match kind {
                "APIServiceExportRequest" => Some(ObjectClass::ExportRequest),
                "APIServiceExport" => Some(ObjectClass::Export),
                "ClusterBinding" => Some(ObjectClass::ClusterBinding),
                "APIServiceBinding" => Some(ObjectClass::ApiServiceBinding),
                "APIServiceNamespace" => Some(ObjectClass::ApiServiceNamespace),
                _ => None,
            };
        }
        None
    }

    /// Every API group whose kinds may be Klutch objects.
    pub fn groups() -> [&'static str; 4] {
        [
            crate::claims::GROUP,
            crate::bind::GROUP,
            TemplateApiGroup::ALL[0].group(),
            TemplateApiGroup::ALL[1].group(),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes_follow_the_reference_names() {
        assert_eq!(
            ObjectClass::of("anynines.com", "PostgresqlInstance"),
            Some(ObjectClass::Claim)
        );
        assert_eq!(
            ObjectClass::of("anynines.com", "Backup"),
            Some(ObjectClass::Claim)
        );
        assert_eq!(
            ObjectClass::of("bind.anynines.com", "APIServiceExportTemplate"),
            Some(ObjectClass::ExportTemplate)
        );
        assert_eq!(
            ObjectClass::of(
                "example-backend.klutch.anynines.com",
                "APIServiceExportTemplate"
            ),
            Some(ObjectClass::ExportTemplate)
        );
        assert_eq!(
            ObjectClass::of("klutch.anynines.com", "APIServiceBinding"),
            Some(ObjectClass::ApiServiceBinding)
        );
        assert_eq!(
            ObjectClass::of("klutch.anynines.com", "APIServiceNamespace"),
            Some(ObjectClass::ApiServiceNamespace)
        );
        assert_eq!(
            ObjectClass::of("klutch.anynines.com", "AppClusterBinding"),
            None
        );
        assert_eq!(
            ObjectClass::of("dataservices.anynines.com", "ServiceInstance"),
            None
        );
    }

    #[test]
    fn sides_and_indices() {
        assert_eq!(ObjectClass::Claim.side(), Side::Both);
        assert_eq!(ObjectClass::ApiServiceBinding.side(), Side::App);
        assert_eq!(ObjectClass::Export.side(), Side::ControlPlane);
        for (i, c) in ObjectClass::ALL.into_iter().enumerate() {
            assert_eq!(c.index(), i);
        }
    }
}
