//! `k8s.io/api/core/v1` top-level kinds: Namespace, Secret, ConfigMap,
//! ServiceAccount, Service, Event and their parts.

use super::Ty::*;
use super::{CONDITION, OBJECT_META};
use super::{Message, f, keep, msg};

/// core/v1 Namespace
pub static NAMESPACE: Message = msg(
    "Namespace",
    &[
        f(1, "metadata", Msg(&OBJECT_META)),
        f(2, "spec", Msg(&NAMESPACE_SPEC)),
        f(3, "status", Msg(&NAMESPACE_STATUS)),
    ],
);

/// core/v1 Secret
pub static SECRET: Message = msg(
    "Secret",
    &[
        f(1, "metadata", Msg(&OBJECT_META)),
        keep(5, "immutable", Bool),
        f(2, "data", Map(&Bytes)),
        f(4, "stringData", Map(&Str)),
        f(3, "type", Str),
    ],
);

/// core/v1 ConfigMap
pub static CONFIG_MAP: Message = msg(
    "ConfigMap",
    &[
        f(1, "metadata", Msg(&OBJECT_META)),
        keep(4, "immutable", Bool),
        f(2, "data", Map(&Str)),
        f(3, "binaryData", Map(&Bytes)),
    ],
);

/// core/v1 ServiceAccount
pub static SERVICE_ACCOUNT: Message = msg(
    "ServiceAccount",
    &[
        f(1, "metadata", Msg(&OBJECT_META)),
        f(2, "secrets", Rep(&Msg(&OBJECT_REFERENCE))),
        f(3, "imagePullSecrets", Rep(&Msg(&LOCAL_OBJECT_REFERENCE))),
        keep(4, "automountServiceAccountToken", Bool),
    ],
);

/// core/v1 Service
pub static SERVICE: Message = msg(
    "Service",
    &[
        f(1, "metadata", Msg(&OBJECT_META)),
        f(2, "spec", Msg(&SERVICE_SPEC)),
        f(3, "status", Msg(&SERVICE_STATUS)),
    ],
);

/// core/v1 Event
pub static EVENT: Message = msg(
    "Event",
    &[
        f(1, "metadata", Msg(&OBJECT_META)),
        f(2, "involvedObject", Msg(&OBJECT_REFERENCE)),
        f(3, "reason", Str),
        f(4, "message", Str),
        f(5, "source", Msg(&EVENT_SOURCE)),
        f(6, "firstTimestamp", Time),
        f(7, "lastTimestamp", Time),
        f(8, "count", I32),
        f(9, "type", Str),
        f(10, "eventTime", MicroTime),
        keep(11, "series", Msg(&EVENT_SERIES)),
        f(12, "action", Str),
        keep(13, "related", Msg(&OBJECT_REFERENCE)),
        f(14, "reportingComponent", Str),
        f(15, "reportingInstance", Str),
    ],
);

/// core/v1 NamespaceSpec
pub static NAMESPACE_SPEC: Message = msg("NamespaceSpec", &[f(1, "finalizers", Rep(&Str))]);

/// core/v1 NamespaceStatus
pub static NAMESPACE_STATUS: Message = msg(
    "NamespaceStatus",
    &[
        f(1, "phase", Str),
        f(2, "conditions", Rep(&Msg(&NAMESPACE_CONDITION))),
    ],
);

/// core/v1 ObjectReference
pub static OBJECT_REFERENCE: Message = msg(
    "ObjectReference",
    &[
        f(1, "kind", Str),
        f(2, "namespace", Str),
        f(3, "name", Str),
        f(4, "uid", Str),
        f(5, "apiVersion", Str),
        f(6, "resourceVersion", Str),
        f(7, "fieldPath", Str),
    ],
);

/// core/v1 LocalObjectReference
pub static LOCAL_OBJECT_REFERENCE: Message = msg("LocalObjectReference", &[f(1, "name", Str)]);

/// core/v1 ServiceSpec
pub static SERVICE_SPEC: Message = msg(
    "ServiceSpec",
    &[
        f(1, "ports", Rep(&Msg(&SERVICE_PORT))),
        f(2, "selector", Map(&Str)),
        f(3, "clusterIP", Str),
        f(18, "clusterIPs", Rep(&Str)),
        f(4, "type", Str),
        f(5, "externalIPs", Rep(&Str)),
        f(7, "sessionAffinity", Str),
        f(8, "loadBalancerIP", Str),
        f(9, "loadBalancerSourceRanges", Rep(&Str)),
        f(10, "externalName", Str),
        f(11, "externalTrafficPolicy", Str),
        f(12, "healthCheckNodePort", I32),
        f(13, "publishNotReadyAddresses", Bool),
        keep(14, "sessionAffinityConfig", Msg(&SESSION_AFFINITY_CONFIG)),
        f(19, "ipFamilies", Rep(&Str)),
        keep(17, "ipFamilyPolicy", Str),
        keep(20, "allocateLoadBalancerNodePorts", Bool),
        keep(21, "loadBalancerClass", Str),
        keep(22, "internalTrafficPolicy", Str),
        keep(23, "trafficDistribution", Str),
    ],
);

/// core/v1 ServiceStatus
pub static SERVICE_STATUS: Message = msg(
    "ServiceStatus",
    &[
        f(1, "loadBalancer", Msg(&LOAD_BALANCER_STATUS)),
        f(2, "conditions", Rep(&Msg(&CONDITION))),
    ],
);

/// core/v1 EventSource
pub static EVENT_SOURCE: Message = msg("EventSource", &[f(1, "component", Str), f(2, "host", Str)]);

/// core/v1 EventSeries
pub static EVENT_SERIES: Message = msg(
    "EventSeries",
    &[f(1, "count", I32), f(2, "lastObservedTime", MicroTime)],
);

/// core/v1 NamespaceCondition
pub static NAMESPACE_CONDITION: Message = msg(
    "NamespaceCondition",
    &[
        f(1, "type", Str),
        f(2, "status", Str),
        f(4, "lastTransitionTime", Time),
        f(5, "reason", Str),
        f(6, "message", Str),
    ],
);

/// core/v1 ServicePort
pub static SERVICE_PORT: Message = msg(
    "ServicePort",
    &[
        f(1, "name", Str),
        f(2, "protocol", Str),
        keep(6, "appProtocol", Str),
        keep(3, "port", I32),
        f(4, "targetPort", IntOrString),
        f(5, "nodePort", I32),
    ],
);

/// core/v1 SessionAffinityConfig
pub static SESSION_AFFINITY_CONFIG: Message = msg(
    "SessionAffinityConfig",
    &[keep(1, "clientIP", Msg(&CLIENT_IP_CONFIG))],
);

/// core/v1 LoadBalancerStatus
pub static LOAD_BALANCER_STATUS: Message = msg(
    "LoadBalancerStatus",
    &[f(1, "ingress", Rep(&Msg(&LOAD_BALANCER_INGRESS)))],
);

/// core/v1 ClientIPConfig
pub static CLIENT_IP_CONFIG: Message = msg("ClientIPConfig", &[keep(1, "timeoutSeconds", I32)]);

/// core/v1 LoadBalancerIngress
pub static LOAD_BALANCER_INGRESS: Message = msg(
    "LoadBalancerIngress",
    &[
        f(1, "ip", Str),
        f(2, "hostname", Str),
        keep(3, "ipMode", Str),
        f(4, "ports", Rep(&Msg(&PORT_STATUS))),
    ],
);

/// core/v1 PortStatus
pub static PORT_STATUS: Message = msg(
    "PortStatus",
    &[
        keep(1, "port", I32),
        f(2, "protocol", Str),
        keep(3, "error", Str),
    ],
);
