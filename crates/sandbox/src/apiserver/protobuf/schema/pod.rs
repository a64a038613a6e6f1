//! `k8s.io/api/core/v1` PodTemplateSpec and PodSpec (for Deployment), minus
//! containers (see `container.rs`) and volumes (see `volume.rs`).

use super::Ty::*;
use super::{
    CONTAINER, LABEL_SELECTOR, LOCAL_OBJECT_REFERENCE, OBJECT_META, RESOURCE_REQUIREMENTS, VOLUME,
};
use super::{Message, f, keep, msg};

/// core/v1 PodTemplateSpec
pub static POD_TEMPLATE_SPEC: Message = msg(
    "PodTemplateSpec",
    &[
        f(1, "metadata", Msg(&OBJECT_META)),
        f(2, "spec", Msg(&POD_SPEC)),
    ],
);

/// core/v1 PodSpec
pub static POD_SPEC: Message = msg(
    "PodSpec",
    &[
        f(1, "volumes", Rep(&Msg(&VOLUME))),
        f(20, "initContainers", Rep(&Msg(&CONTAINER))),
        f(2, "containers", Rep(&Msg(&CONTAINER))),
        // 34 ephemeralContainers: not modelled (not allowed in templates), skipped.
        f(3, "restartPolicy", Str),
        keep(4, "terminationGracePeriodSeconds", I64),
        keep(5, "activeDeadlineSeconds", I64),
        f(6, "dnsPolicy", Str),
        f(7, "nodeSelector", Map(&Str)),
        f(8, "serviceAccountName", Str),
        f(9, "serviceAccount", Str),
        keep(21, "automountServiceAccountToken", Bool),
        f(10, "nodeName", Str),
        f(11, "hostNetwork", Bool),
        f(12, "hostPID", Bool),
        f(13, "hostIPC", Bool),
        keep(27, "shareProcessNamespace", Bool),
        keep(14, "securityContext", Msg(&POD_SECURITY_CONTEXT)),
        f(15, "imagePullSecrets", Rep(&Msg(&LOCAL_OBJECT_REFERENCE))),
        f(16, "hostname", Str),
        f(17, "subdomain", Str),
        keep(18, "affinity", Msg(&AFFINITY)),
        f(19, "schedulerName", Str),
        f(22, "tolerations", Rep(&Msg(&TOLERATION))),
        f(23, "hostAliases", Rep(&Msg(&HOST_ALIAS))),
        f(24, "priorityClassName", Str),
        keep(25, "priority", I32),
        keep(26, "dnsConfig", Msg(&POD_DNS_CONFIG)),
        f(28, "readinessGates", Rep(&Msg(&POD_READINESS_GATE))),
        keep(29, "runtimeClassName", Str),
        keep(30, "enableServiceLinks", Bool),
        keep(31, "preemptionPolicy", Str),
        f(32, "overhead", Map(&Quantity)),
        f(
            33,
            "topologySpreadConstraints",
            Rep(&Msg(&TOPOLOGY_SPREAD_CONSTRAINT)),
        ),
        keep(35, "setHostnameAsFQDN", Bool),
        keep(36, "os", Msg(&POD_OS)),
        keep(37, "hostUsers", Bool),
        f(38, "schedulingGates", Rep(&Msg(&POD_SCHEDULING_GATE))),
        f(39, "resourceClaims", Rep(&Msg(&POD_RESOURCE_CLAIM))),
        keep(40, "resources", Msg(&RESOURCE_REQUIREMENTS)),
    ],
);

/// core/v1 PodSecurityContext
pub static POD_SECURITY_CONTEXT: Message = msg(
    "PodSecurityContext",
    &[
        keep(1, "seLinuxOptions", Msg(&SE_LINUX_OPTIONS)),
        keep(8, "windowsOptions", Msg(&WINDOWS_SECURITY_CONTEXT_OPTIONS)),
        keep(2, "runAsUser", I64),
        keep(6, "runAsGroup", I64),
        keep(3, "runAsNonRoot", Bool),
        f(4, "supplementalGroups", Rep(&I64)),
        keep(12, "supplementalGroupsPolicy", Str),
        keep(5, "fsGroup", I64),
        f(7, "sysctls", Rep(&Msg(&SYSCTL))),
        keep(9, "fsGroupChangePolicy", Str),
        keep(10, "seccompProfile", Msg(&SECCOMP_PROFILE)),
        keep(11, "appArmorProfile", Msg(&APP_ARMOR_PROFILE)),
        keep(13, "seLinuxChangePolicy", Str),
    ],
);

/// core/v1 Affinity
pub static AFFINITY: Message = msg(
    "Affinity",
    &[
        keep(1, "nodeAffinity", Msg(&NODE_AFFINITY)),
        keep(2, "podAffinity", Msg(&POD_AFFINITY)),
        keep(3, "podAntiAffinity", Msg(&POD_ANTI_AFFINITY)),
    ],
);

/// core/v1 Toleration
pub static TOLERATION: Message = msg(
    "Toleration",
    &[
        f(1, "key", Str),
        f(2, "operator", Str),
        f(3, "value", Str),
        f(4, "effect", Str),
        keep(5, "tolerationSeconds", I64),
    ],
);

/// core/v1 HostAlias
pub static HOST_ALIAS: Message = msg(
    "HostAlias",
    &[f(1, "ip", Str), f(2, "hostnames", Rep(&Str))],
);

/// core/v1 PodDNSConfig
pub static POD_DNS_CONFIG: Message = msg(
    "PodDNSConfig",
    &[
        f(1, "nameservers", Rep(&Str)),
        f(2, "searches", Rep(&Str)),
        f(3, "options", Rep(&Msg(&POD_DNS_CONFIG_OPTION))),
    ],
);

/// core/v1 PodReadinessGate
pub static POD_READINESS_GATE: Message = msg("PodReadinessGate", &[f(1, "conditionType", Str)]);

/// core/v1 TopologySpreadConstraint
pub static TOPOLOGY_SPREAD_CONSTRAINT: Message = msg(
    "TopologySpreadConstraint",
    &[
        keep(1, "maxSkew", I32),
        f(2, "topologyKey", Str),
        f(3, "whenUnsatisfiable", Str),
        keep(4, "labelSelector", Msg(&LABEL_SELECTOR)),
        keep(5, "minDomains", I32),
        keep(6, "nodeAffinityPolicy", Str),
        keep(7, "nodeTaintsPolicy", Str),
        f(8, "matchLabelKeys", Rep(&Str)),
    ],
);

/// core/v1 PodOS
pub static POD_OS: Message = msg("PodOS", &[f(1, "name", Str)]);

/// core/v1 PodSchedulingGate
pub static POD_SCHEDULING_GATE: Message = msg("PodSchedulingGate", &[f(1, "name", Str)]);

/// core/v1 PodResourceClaim
pub static POD_RESOURCE_CLAIM: Message = msg(
    "PodResourceClaim",
    &[
        f(1, "name", Str),
        keep(3, "resourceClaimName", Str),
        keep(4, "resourceClaimTemplateName", Str),
    ],
);

/// core/v1 SELinuxOptions
pub static SE_LINUX_OPTIONS: Message = msg(
    "SELinuxOptions",
    &[
        f(1, "user", Str),
        f(2, "role", Str),
        f(3, "type", Str),
        f(4, "level", Str),
    ],
);

/// core/v1 WindowsSecurityContextOptions
pub static WINDOWS_SECURITY_CONTEXT_OPTIONS: Message = msg(
    "WindowsSecurityContextOptions",
    &[
        keep(1, "gmsaCredentialSpecName", Str),
        keep(2, "gmsaCredentialSpec", Str),
        keep(3, "runAsUserName", Str),
        keep(4, "hostProcess", Bool),
    ],
);

/// core/v1 Sysctl
pub static SYSCTL: Message = msg("Sysctl", &[f(1, "name", Str), f(2, "value", Str)]);

/// core/v1 SeccompProfile
pub static SECCOMP_PROFILE: Message = msg(
    "SeccompProfile",
    &[f(1, "type", Str), keep(2, "localhostProfile", Str)],
);

/// core/v1 AppArmorProfile
pub static APP_ARMOR_PROFILE: Message = msg(
    "AppArmorProfile",
    &[f(1, "type", Str), keep(2, "localhostProfile", Str)],
);

/// core/v1 NodeAffinity
pub static NODE_AFFINITY: Message = msg(
    "NodeAffinity",
    &[
        keep(
            1,
            "requiredDuringSchedulingIgnoredDuringExecution",
            Msg(&NODE_SELECTOR),
        ),
        f(
            2,
            "preferredDuringSchedulingIgnoredDuringExecution",
            Rep(&Msg(&PREFERRED_SCHEDULING_TERM)),
        ),
    ],
);

/// core/v1 PodAffinity
pub static POD_AFFINITY: Message = msg(
    "PodAffinity",
    &[
        f(
            1,
            "requiredDuringSchedulingIgnoredDuringExecution",
            Rep(&Msg(&POD_AFFINITY_TERM)),
        ),
        f(
            2,
            "preferredDuringSchedulingIgnoredDuringExecution",
            Rep(&Msg(&WEIGHTED_POD_AFFINITY_TERM)),
        ),
    ],
);

/// core/v1 PodAntiAffinity
pub static POD_ANTI_AFFINITY: Message = msg(
    "PodAntiAffinity",
    &[
        f(
            1,
            "requiredDuringSchedulingIgnoredDuringExecution",
            Rep(&Msg(&POD_AFFINITY_TERM)),
        ),
        f(
            2,
            "preferredDuringSchedulingIgnoredDuringExecution",
            Rep(&Msg(&WEIGHTED_POD_AFFINITY_TERM)),
        ),
    ],
);

/// core/v1 PodDNSConfigOption
pub static POD_DNS_CONFIG_OPTION: Message = msg(
    "PodDNSConfigOption",
    &[f(1, "name", Str), keep(2, "value", Str)],
);

/// core/v1 NodeSelector
pub static NODE_SELECTOR: Message = msg(
    "NodeSelector",
    &[f(1, "nodeSelectorTerms", Rep(&Msg(&NODE_SELECTOR_TERM)))],
);

/// core/v1 PreferredSchedulingTerm
pub static PREFERRED_SCHEDULING_TERM: Message = msg(
    "PreferredSchedulingTerm",
    &[
        keep(1, "weight", I32),
        f(2, "preference", Msg(&NODE_SELECTOR_TERM)),
    ],
);

/// core/v1 PodAffinityTerm
pub static POD_AFFINITY_TERM: Message = msg(
    "PodAffinityTerm",
    &[
        keep(1, "labelSelector", Msg(&LABEL_SELECTOR)),
        f(2, "namespaces", Rep(&Str)),
        f(3, "topologyKey", Str),
        keep(4, "namespaceSelector", Msg(&LABEL_SELECTOR)),
        f(5, "matchLabelKeys", Rep(&Str)),
        f(6, "mismatchLabelKeys", Rep(&Str)),
    ],
);

/// core/v1 WeightedPodAffinityTerm
pub static WEIGHTED_POD_AFFINITY_TERM: Message = msg(
    "WeightedPodAffinityTerm",
    &[
        keep(1, "weight", I32),
        f(2, "podAffinityTerm", Msg(&POD_AFFINITY_TERM)),
    ],
);

/// core/v1 NodeSelectorTerm
pub static NODE_SELECTOR_TERM: Message = msg(
    "NodeSelectorTerm",
    &[
        f(1, "matchExpressions", Rep(&Msg(&NODE_SELECTOR_REQUIREMENT))),
        f(2, "matchFields", Rep(&Msg(&NODE_SELECTOR_REQUIREMENT))),
    ],
);

/// core/v1 NodeSelectorRequirement
pub static NODE_SELECTOR_REQUIREMENT: Message = msg(
    "NodeSelectorRequirement",
    &[
        f(1, "key", Str),
        f(2, "operator", Str),
        f(3, "values", Rep(&Str)),
    ],
);
