//! Non-core API groups: rbac, authorization, authentication, apps,
//! coordination and events (all v1).

use super::Ty::*;
use super::{
    EVENT_SOURCE, FIELD_SELECTOR_REQUIREMENT, LABEL_SELECTOR, LABEL_SELECTOR_REQUIREMENT,
    OBJECT_META, OBJECT_REFERENCE, POD_TEMPLATE_SPEC,
};
use super::{Message, f, keep, msg};

/// rbac.authorization.k8s.io/v1 Role
pub static ROLE: Message = msg(
    "Role",
    &[
        f(1, "metadata", Msg(&OBJECT_META)),
        f(2, "rules", Rep(&Msg(&POLICY_RULE))),
    ],
);

/// rbac.authorization.k8s.io/v1 ClusterRole
pub static CLUSTER_ROLE: Message = msg(
    "ClusterRole",
    &[
        f(1, "metadata", Msg(&OBJECT_META)),
        f(2, "rules", Rep(&Msg(&POLICY_RULE))),
        keep(3, "aggregationRule", Msg(&AGGREGATION_RULE)),
    ],
);

/// rbac.authorization.k8s.io/v1 RoleBinding
pub static ROLE_BINDING: Message = msg(
    "RoleBinding",
    &[
        f(1, "metadata", Msg(&OBJECT_META)),
        f(2, "subjects", Rep(&Msg(&SUBJECT))),
        f(3, "roleRef", Msg(&ROLE_REF)),
    ],
);

/// rbac.authorization.k8s.io/v1 ClusterRoleBinding
pub static CLUSTER_ROLE_BINDING: Message = msg(
    "ClusterRoleBinding",
    &[
        f(1, "metadata", Msg(&OBJECT_META)),
        f(2, "subjects", Rep(&Msg(&SUBJECT))),
        f(3, "roleRef", Msg(&ROLE_REF)),
    ],
);

/// authorization.k8s.io/v1 SelfSubjectAccessReview
pub static SELF_SUBJECT_ACCESS_REVIEW: Message = msg(
    "SelfSubjectAccessReview",
    &[
        f(1, "metadata", Msg(&OBJECT_META)),
        f(2, "spec", Msg(&SELF_SUBJECT_ACCESS_REVIEW_SPEC)),
        f(3, "status", Msg(&SUBJECT_ACCESS_REVIEW_STATUS)),
    ],
);

/// authorization.k8s.io/v1 SelfSubjectRulesReview
pub static SELF_SUBJECT_RULES_REVIEW: Message = msg(
    "SelfSubjectRulesReview",
    &[
        f(1, "metadata", Msg(&OBJECT_META)),
        f(2, "spec", Msg(&SELF_SUBJECT_RULES_REVIEW_SPEC)),
        f(3, "status", Msg(&SUBJECT_RULES_REVIEW_STATUS)),
    ],
);

/// authorization.k8s.io/v1 SubjectAccessReview
pub static SUBJECT_ACCESS_REVIEW: Message = msg(
    "SubjectAccessReview",
    &[
        f(1, "metadata", Msg(&OBJECT_META)),
        f(2, "spec", Msg(&SUBJECT_ACCESS_REVIEW_SPEC)),
        f(3, "status", Msg(&SUBJECT_ACCESS_REVIEW_STATUS)),
    ],
);

/// authorization.k8s.io/v1 LocalSubjectAccessReview
pub static LOCAL_SUBJECT_ACCESS_REVIEW: Message = msg(
    "LocalSubjectAccessReview",
    &[
        f(1, "metadata", Msg(&OBJECT_META)),
        f(2, "spec", Msg(&SUBJECT_ACCESS_REVIEW_SPEC)),
        f(3, "status", Msg(&SUBJECT_ACCESS_REVIEW_STATUS)),
    ],
);

/// authentication.k8s.io/v1 SelfSubjectReview
pub static SELF_SUBJECT_REVIEW: Message = msg(
    "SelfSubjectReview",
    &[
        f(1, "metadata", Msg(&OBJECT_META)),
        f(2, "status", Msg(&SELF_SUBJECT_REVIEW_STATUS)),
    ],
);

/// authentication.k8s.io/v1 TokenRequest
pub static TOKEN_REQUEST: Message = msg(
    "TokenRequest",
    &[
        f(1, "metadata", Msg(&OBJECT_META)),
        f(2, "spec", Msg(&TOKEN_REQUEST_SPEC)),
        f(3, "status", Msg(&TOKEN_REQUEST_STATUS)),
    ],
);

/// authentication.k8s.io/v1 TokenReview
pub static TOKEN_REVIEW: Message = msg(
    "TokenReview",
    &[
        f(1, "metadata", Msg(&OBJECT_META)),
        f(2, "spec", Msg(&TOKEN_REVIEW_SPEC)),
        f(3, "status", Msg(&TOKEN_REVIEW_STATUS)),
    ],
);

/// apps/v1 Deployment
pub static DEPLOYMENT: Message = msg(
    "Deployment",
    &[
        f(1, "metadata", Msg(&OBJECT_META)),
        f(2, "spec", Msg(&DEPLOYMENT_SPEC)),
        f(3, "status", Msg(&DEPLOYMENT_STATUS)),
    ],
);

/// coordination.k8s.io/v1 Lease
pub static LEASE: Message = msg(
    "Lease",
    &[
        f(1, "metadata", Msg(&OBJECT_META)),
        f(2, "spec", Msg(&LEASE_SPEC)),
    ],
);

/// events.k8s.io/v1 Event
pub static EVENTS_EVENT: Message = msg(
    "Event",
    &[
        f(1, "metadata", Msg(&OBJECT_META)),
        f(2, "eventTime", MicroTime),
        keep(3, "series", Msg(&EVENTS_EVENT_SERIES)),
        f(4, "reportingController", Str),
        f(5, "reportingInstance", Str),
        f(6, "action", Str),
        f(7, "reason", Str),
        f(8, "regarding", Msg(&OBJECT_REFERENCE)),
        keep(9, "related", Msg(&OBJECT_REFERENCE)),
        f(10, "note", Str),
        f(11, "type", Str),
        f(12, "deprecatedSource", Msg(&EVENT_SOURCE)),
        f(13, "deprecatedFirstTimestamp", Time),
        f(14, "deprecatedLastTimestamp", Time),
        f(15, "deprecatedCount", I32),
    ],
);

/// rbac.authorization.k8s.io/v1 PolicyRule
pub static POLICY_RULE: Message = msg(
    "PolicyRule",
    &[
        f(1, "verbs", Rep(&Str)),
        f(2, "apiGroups", Rep(&Str)),
        f(3, "resources", Rep(&Str)),
        f(4, "resourceNames", Rep(&Str)),
        f(5, "nonResourceURLs", Rep(&Str)),
    ],
);

/// rbac.authorization.k8s.io/v1 AggregationRule
pub static AGGREGATION_RULE: Message = msg(
    "AggregationRule",
    &[f(1, "clusterRoleSelectors", Rep(&Msg(&LABEL_SELECTOR)))],
);

/// rbac.authorization.k8s.io/v1 Subject
pub static SUBJECT: Message = msg(
    "Subject",
    &[
        f(1, "kind", Str),
        f(2, "apiGroup", Str),
        f(3, "name", Str),
        f(4, "namespace", Str),
    ],
);

/// rbac.authorization.k8s.io/v1 RoleRef
pub static ROLE_REF: Message = msg(
    "RoleRef",
    &[f(1, "apiGroup", Str), f(2, "kind", Str), f(3, "name", Str)],
);

/// authorization.k8s.io/v1 SelfSubjectAccessReviewSpec
pub static SELF_SUBJECT_ACCESS_REVIEW_SPEC: Message = msg(
    "SelfSubjectAccessReviewSpec",
    &[
        keep(1, "resourceAttributes", Msg(&RESOURCE_ATTRIBUTES)),
        keep(2, "nonResourceAttributes", Msg(&NON_RESOURCE_ATTRIBUTES)),
    ],
);

/// authorization.k8s.io/v1 SubjectAccessReviewStatus
pub static SUBJECT_ACCESS_REVIEW_STATUS: Message = msg(
    "SubjectAccessReviewStatus",
    &[
        keep(1, "allowed", Bool),
        f(4, "denied", Bool),
        f(2, "reason", Str),
        f(3, "evaluationError", Str),
    ],
);

/// authorization.k8s.io/v1 SelfSubjectRulesReviewSpec
pub static SELF_SUBJECT_RULES_REVIEW_SPEC: Message =
    msg("SelfSubjectRulesReviewSpec", &[f(1, "namespace", Str)]);

/// authorization.k8s.io/v1 SubjectRulesReviewStatus
pub static SUBJECT_RULES_REVIEW_STATUS: Message = msg(
    "SubjectRulesReviewStatus",
    &[
        f(1, "resourceRules", Rep(&Msg(&RESOURCE_RULE))),
        f(2, "nonResourceRules", Rep(&Msg(&NON_RESOURCE_RULE))),
        keep(3, "incomplete", Bool),
        f(4, "evaluationError", Str),
    ],
);

/// authorization.k8s.io/v1 SubjectAccessReviewSpec
pub static SUBJECT_ACCESS_REVIEW_SPEC: Message = msg(
    "SubjectAccessReviewSpec",
    &[
        keep(1, "resourceAttributes", Msg(&RESOURCE_ATTRIBUTES)),
        keep(2, "nonResourceAttributes", Msg(&NON_RESOURCE_ATTRIBUTES)),
        f(3, "user", Str),
        f(4, "groups", Rep(&Str)),
        f(5, "extra", Map(&StringList)),
        f(6, "uid", Str),
    ],
);

/// authentication.k8s.io/v1 SelfSubjectReviewStatus
pub static SELF_SUBJECT_REVIEW_STATUS: Message = msg(
    "SelfSubjectReviewStatus",
    &[f(1, "userInfo", Msg(&USER_INFO))],
);

/// authentication.k8s.io/v1 TokenRequestSpec
pub static TOKEN_REQUEST_SPEC: Message = msg(
    "TokenRequestSpec",
    &[
        f(1, "audiences", Rep(&Str)),
        keep(4, "expirationSeconds", I64),
        keep(3, "boundObjectRef", Msg(&BOUND_OBJECT_REFERENCE)),
    ],
);

/// authentication.k8s.io/v1 TokenRequestStatus
pub static TOKEN_REQUEST_STATUS: Message = msg(
    "TokenRequestStatus",
    &[f(1, "token", Str), f(2, "expirationTimestamp", Time)],
);

/// authentication.k8s.io/v1 TokenReviewSpec
pub static TOKEN_REVIEW_SPEC: Message = msg(
    "TokenReviewSpec",
    &[f(1, "token", Str), f(2, "audiences", Rep(&Str))],
);

/// authentication.k8s.io/v1 TokenReviewStatus
pub static TOKEN_REVIEW_STATUS: Message = msg(
    "TokenReviewStatus",
    &[
        f(1, "authenticated", Bool),
        f(2, "user", Msg(&USER_INFO)),
        f(4, "audiences", Rep(&Str)),
        f(3, "error", Str),
    ],
);

/// apps/v1 DeploymentSpec
pub static DEPLOYMENT_SPEC: Message = msg(
    "DeploymentSpec",
    &[
        keep(1, "replicas", I32),
        keep(2, "selector", Msg(&LABEL_SELECTOR)),
        f(3, "template", Msg(&POD_TEMPLATE_SPEC)),
        f(4, "strategy", Msg(&DEPLOYMENT_STRATEGY)),
        f(5, "minReadySeconds", I32),
        keep(6, "revisionHistoryLimit", I32),
        f(7, "paused", Bool),
        keep(9, "progressDeadlineSeconds", I32),
    ],
);

/// apps/v1 DeploymentStatus
pub static DEPLOYMENT_STATUS: Message = msg(
    "DeploymentStatus",
    &[
        f(1, "observedGeneration", I64),
        f(2, "replicas", I32),
        f(3, "updatedReplicas", I32),
        f(7, "readyReplicas", I32),
        f(4, "availableReplicas", I32),
        f(5, "unavailableReplicas", I32),
        f(6, "conditions", Rep(&Msg(&DEPLOYMENT_CONDITION))),
        keep(8, "collisionCount", I32),
    ],
);

/// coordination.k8s.io/v1 LeaseSpec
pub static LEASE_SPEC: Message = msg(
    "LeaseSpec",
    &[
        keep(1, "holderIdentity", Str),
        keep(2, "leaseDurationSeconds", I32),
        keep(3, "acquireTime", MicroTime),
        keep(4, "renewTime", MicroTime),
        keep(5, "leaseTransitions", I32),
        keep(6, "strategy", Str),
        keep(7, "preferredHolder", Str),
    ],
);

/// events.k8s.io/v1 EventSeries
pub static EVENTS_EVENT_SERIES: Message = msg(
    "EventSeries",
    &[keep(1, "count", I32), f(2, "lastObservedTime", MicroTime)],
);

/// authorization.k8s.io/v1 ResourceAttributes
pub static RESOURCE_ATTRIBUTES: Message = msg(
    "ResourceAttributes",
    &[
        f(1, "namespace", Str),
        f(2, "verb", Str),
        f(3, "group", Str),
        f(4, "version", Str),
        f(5, "resource", Str),
        f(6, "subresource", Str),
        f(7, "name", Str),
        keep(8, "fieldSelector", Msg(&FIELD_SELECTOR_ATTRIBUTES)),
        keep(9, "labelSelector", Msg(&LABEL_SELECTOR_ATTRIBUTES)),
    ],
);

/// authorization.k8s.io/v1 NonResourceAttributes
pub static NON_RESOURCE_ATTRIBUTES: Message = msg(
    "NonResourceAttributes",
    &[f(1, "path", Str), f(2, "verb", Str)],
);

/// authorization.k8s.io/v1 ResourceRule
pub static RESOURCE_RULE: Message = msg(
    "ResourceRule",
    &[
        f(1, "verbs", Rep(&Str)),
        f(2, "apiGroups", Rep(&Str)),
        f(3, "resources", Rep(&Str)),
        f(4, "resourceNames", Rep(&Str)),
    ],
);

/// authorization.k8s.io/v1 NonResourceRule
pub static NON_RESOURCE_RULE: Message = msg(
    "NonResourceRule",
    &[f(1, "verbs", Rep(&Str)), f(2, "nonResourceURLs", Rep(&Str))],
);

/// authentication.k8s.io/v1 UserInfo
pub static USER_INFO: Message = msg(
    "UserInfo",
    &[
        f(1, "username", Str),
        f(2, "uid", Str),
        f(3, "groups", Rep(&Str)),
        f(4, "extra", Map(&StringList)),
    ],
);

/// authentication.k8s.io/v1 BoundObjectReference
pub static BOUND_OBJECT_REFERENCE: Message = msg(
    "BoundObjectReference",
    &[
        f(1, "kind", Str),
        f(2, "apiVersion", Str),
        f(3, "name", Str),
        f(4, "uid", Str), // proto name uID
    ],
);

/// apps/v1 DeploymentStrategy
pub static DEPLOYMENT_STRATEGY: Message = msg(
    "DeploymentStrategy",
    &[
        f(1, "type", Str),
        keep(2, "rollingUpdate", Msg(&ROLLING_UPDATE_DEPLOYMENT)),
    ],
);

/// apps/v1 DeploymentCondition
pub static DEPLOYMENT_CONDITION: Message = msg(
    "DeploymentCondition",
    &[
        f(1, "type", Str),
        f(2, "status", Str),
        f(6, "lastUpdateTime", Time),
        f(7, "lastTransitionTime", Time),
        f(4, "reason", Str),
        f(5, "message", Str),
    ],
);

/// authorization.k8s.io/v1 FieldSelectorAttributes
pub static FIELD_SELECTOR_ATTRIBUTES: Message = msg(
    "FieldSelectorAttributes",
    &[
        f(1, "rawSelector", Str),
        f(2, "requirements", Rep(&Msg(&FIELD_SELECTOR_REQUIREMENT))),
    ],
);

/// authorization.k8s.io/v1 LabelSelectorAttributes
pub static LABEL_SELECTOR_ATTRIBUTES: Message = msg(
    "LabelSelectorAttributes",
    &[
        f(1, "rawSelector", Str),
        f(2, "requirements", Rep(&Msg(&LABEL_SELECTOR_REQUIREMENT))),
    ],
);

/// apps/v1 RollingUpdateDeployment
pub static ROLLING_UPDATE_DEPLOYMENT: Message = msg(
    "RollingUpdateDeployment",
    &[
        keep(1, "maxUnavailable", IntOrString),
        keep(2, "maxSurge", IntOrString),
    ],
);
