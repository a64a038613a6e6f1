//! `k8s.io/apimachinery/pkg/apis/meta/v1` messages.

use super::Ty::*;
use super::{Message, f, keep, msg};

/// meta/v1 ObjectMeta
pub static OBJECT_META: Message = msg(
    "ObjectMeta",
    &[
        f(1, "name", Str),
        f(2, "generateName", Str),
        f(3, "namespace", Str),
        f(4, "selfLink", Str),
        f(5, "uid", Str),
        f(6, "resourceVersion", Str),
        f(7, "generation", I64),
        f(8, "creationTimestamp", Time),
        keep(9, "deletionTimestamp", Time),
        keep(10, "deletionGracePeriodSeconds", I64),
        f(11, "labels", Map(&Str)),
        f(12, "annotations", Map(&Str)),
        f(13, "ownerReferences", Rep(&Msg(&OWNER_REFERENCE))),
        f(14, "finalizers", Rep(&Str)),
        f(17, "managedFields", Rep(&Msg(&MANAGED_FIELDS_ENTRY))),
    ],
);

/// meta/v1 DeleteOptions
pub static DELETE_OPTIONS: Message = msg(
    "DeleteOptions",
    &[
        keep(1, "gracePeriodSeconds", I64),
        keep(2, "preconditions", Msg(&PRECONDITIONS)),
        keep(3, "orphanDependents", Bool),
        keep(4, "propagationPolicy", Str),
        f(5, "dryRun", Rep(&Str)),
        keep(6, "ignoreStoreReadErrorWithClusterBreakingPotential", Bool),
    ],
);

/// meta/v1 OwnerReference
pub static OWNER_REFERENCE: Message = msg(
    "OwnerReference",
    &[
        f(5, "apiVersion", Str),
        f(1, "kind", Str),
        f(3, "name", Str),
        f(4, "uid", Str),
        keep(6, "controller", Bool),
        keep(7, "blockOwnerDeletion", Bool),
    ],
);

/// meta/v1 ManagedFieldsEntry
pub static MANAGED_FIELDS_ENTRY: Message = msg(
    "ManagedFieldsEntry",
    &[
        f(1, "manager", Str),
        f(2, "operation", Str),
        f(3, "apiVersion", Str),
        keep(4, "time", Time),
        f(6, "fieldsType", Str),
        keep(7, "fieldsV1", FieldsV1),
        f(8, "subresource", Str),
    ],
);

/// meta/v1 Preconditions
pub static PRECONDITIONS: Message = msg(
    "Preconditions",
    &[keep(1, "uid", Str), keep(2, "resourceVersion", Str)],
);

/// meta/v1 Condition
pub static CONDITION: Message = msg(
    "Condition",
    &[
        f(1, "type", Str),
        f(2, "status", Str),
        f(3, "observedGeneration", I64),
        f(4, "lastTransitionTime", Time),
        f(5, "reason", Str),
        f(6, "message", Str),
    ],
);

/// meta/v1 LabelSelector
pub static LABEL_SELECTOR: Message = msg(
    "LabelSelector",
    &[
        f(1, "matchLabels", Map(&Str)),
        f(
            2,
            "matchExpressions",
            Rep(&Msg(&LABEL_SELECTOR_REQUIREMENT)),
        ),
    ],
);

/// meta/v1 LabelSelectorRequirement
pub static LABEL_SELECTOR_REQUIREMENT: Message = msg(
    "LabelSelectorRequirement",
    &[
        f(1, "key", Str),
        f(2, "operator", Str),
        f(3, "values", Rep(&Str)),
    ],
);

/// meta/v1 FieldSelectorRequirement
pub static FIELD_SELECTOR_REQUIREMENT: Message = msg(
    "FieldSelectorRequirement",
    &[
        f(1, "key", Str),
        f(2, "operator", Str),
        f(3, "values", Rep(&Str)),
    ],
);
