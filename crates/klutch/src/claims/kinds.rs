//! The claim kinds of group `anynines.com` (reference/claims.md §3–§6): the eight data service
//! instance kinds and ServiceBinding, Backup and Restore, each with its plural, the
//! `serviceInstanceType` name bindings, backups and restores use for a data service, and the
//! composition the XRD defaults to. The sandbox's provider and the cockpit read these facts
//! here and nowhere else.

/// The API group of the claims.
pub const GROUP: &str = "anynines.com";
/// The version of every claim kind.
pub const VERSION: &str = "v1";
/// `apiVersion` of the claims, `anynines.com/v1`.
pub const API_VERSION: &str = "anynines.com/v1";

/// The eight a9s data services.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DataService {
    Postgresql,
    Keyvalue,
    Logme2,
    Mariadb,
    Messaging,
    Mongodb,
    Prometheus,
    Search,
}

impl DataService {
    pub const ALL: [DataService; 8] = [
        DataService::Postgresql,
        DataService::Keyvalue,
        DataService::Logme2,
        DataService::Mariadb,
        DataService::Messaging,
        DataService::Mongodb,
        DataService::Prometheus,
        DataService::Search,
    ];

    /// The `serviceInstanceType` value naming it (`postgresql`, `keyvalue`, …).
    pub fn instance_type(self) -> &'static str {
        match self {
            DataService::Postgresql => "postgresql",
            DataService::Keyvalue => "keyvalue",
            DataService::Logme2 => "logme2",
            DataService::Mariadb => "mariadb",
            DataService::Messaging => "messaging",
            DataService::Mongodb => "mongodb",
            DataService::Prometheus => "prometheus",
            DataService::Search => "search",
        }
    }

    pub fn from_instance_type(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|d| d.instance_type() == s)
    }

    /// The claim kind of its instances.
    pub fn instance_kind(self) -> &'static str {
        match self {
            DataService::Postgresql => "PostgresqlInstance",
            DataService::Keyvalue => "KeyvalueInstance",
            DataService::Logme2 => "Logme2Instance",
            DataService::Mariadb => "MariadbInstance",
            DataService::Messaging => "MessagingInstance",
            DataService::Mongodb => "MongodbInstance",
            DataService::Prometheus => "PrometheusInstance",
            DataService::Search => "SearchInstance",
        }
    }

    pub fn from_instance_kind(kind: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|d| d.instance_kind() == kind)
    }

    /// The resource (plural) of its instances.
    pub fn instance_plural(self) -> &'static str {
        match self {
            DataService::Postgresql => "postgresqlinstances",
            DataService::Keyvalue => "keyvalueinstances",
            DataService::Logme2 => "logme2instances",
            DataService::Mariadb => "mariadbinstances",
            DataService::Messaging => "messaginginstances",
            DataService::Mongodb => "mongodbinstances",
            DataService::Prometheus => "prometheusinstances",
            DataService::Search => "searchinstances",
        }
    }

    /// The XRD's `defaultCompositionRef`.
    pub fn default_composition(self) -> &'static str {
        match self {
            DataService::Postgresql => "a8s-postgresql",
            DataService::Keyvalue => "a9s-keyvalue",
            DataService::Logme2 => "a9s-logme2",
            DataService::Mariadb => "a9s-mariadb",
            DataService::Messaging => "a9s-messaging",
            DataService::Mongodb => "a9s-mongodb",
            DataService::Prometheus => "a9s-prometheus",
            DataService::Search => "a9s-search",
        }
    }
}

/// One claim kind of group [`GROUP`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ClaimKind {
    Instance(DataService),
    ServiceBinding,
    Backup,
    Restore,
}

impl ClaimKind {
    /// Every claim kind: the instance kinds in [`DataService::ALL`]'s order, then
    /// ServiceBinding, Backup and Restore.
    pub const ALL: [ClaimKind; 11] = [
        ClaimKind::Instance(DataService::Postgresql),
        ClaimKind::Instance(DataService::Keyvalue),
        ClaimKind::Instance(DataService::Logme2),
        ClaimKind::Instance(DataService::Mariadb),
        ClaimKind::Instance(DataService::Messaging),
        ClaimKind::Instance(DataService::Mongodb),
        ClaimKind::Instance(DataService::Prometheus),
        ClaimKind::Instance(DataService::Search),
        ClaimKind::ServiceBinding,
        ClaimKind::Backup,
        ClaimKind::Restore,
    ];

    pub fn from_kind(kind: &str) -> Option<Self> {
        match kind {
            "ServiceBinding" => Some(ClaimKind::ServiceBinding),
            "Backup" => Some(ClaimKind::Backup),
            "Restore" => Some(ClaimKind::Restore),
            k => DataService::from_instance_kind(k).map(ClaimKind::Instance),
        }
    }

    pub fn kind(self) -> &'static str {
        match self {
            ClaimKind::Instance(ds) => ds.instance_kind(),
            ClaimKind::ServiceBinding => "ServiceBinding",
            ClaimKind::Backup => "Backup",
            ClaimKind::Restore => "Restore",
        }
    }

    /// The resource name in URLs and RBAC rules (`postgresqlinstances`, `servicebindings`, …).
    pub fn plural(self) -> &'static str {
        match self {
            ClaimKind::Instance(ds) => ds.instance_plural(),
            ClaimKind::ServiceBinding => "servicebindings",
            ClaimKind::Backup => "backups",
            ClaimKind::Restore => "restores",
        }
    }

    pub fn from_plural(plural: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.plural() == plural)
    }

    /// The XRD's `defaultCompositionRef`.
    pub fn default_composition(self) -> &'static str {
        match self {
            ClaimKind::Instance(ds) => ds.default_composition(),
            ClaimKind::ServiceBinding => "a8s-servicebinding",
            ClaimKind::Backup => "a8s-backup",
            ClaimKind::Restore => "a8s-restore",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_round_trip() {
        for ds in DataService::ALL {
            assert_eq!(
                DataService::from_instance_type(ds.instance_type()),
                Some(ds)
            );
            assert_eq!(
                ClaimKind::from_kind(ds.instance_kind()),
                Some(ClaimKind::Instance(ds))
            );
        }
        assert_eq!(ClaimKind::from_kind("Backup"), Some(ClaimKind::Backup));
        assert_eq!(ClaimKind::from_kind("XBackup"), None);
        assert_eq!(DataService::from_instance_type("redis"), None);
    }

    #[test]
    fn plurals_round_trip() {
        for kind in ClaimKind::ALL {
            assert_eq!(ClaimKind::from_plural(kind.plural()), Some(kind));
            assert_eq!(ClaimKind::from_kind(kind.kind()), Some(kind));
        }
        assert_eq!(
            ClaimKind::from_plural("servicebindings"),
            Some(ClaimKind::ServiceBinding)
        );
        assert_eq!(ClaimKind::from_plural("ServiceBinding"), None);
        assert_eq!(API_VERSION, format!("{GROUP}/{VERSION}"));
    }
}
