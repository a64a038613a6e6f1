//! `k8s.io/api/core/v1` Volume and volume sources (for PodSpec).

use super::Ty::*;
use super::{
    LABEL_SELECTOR, LOCAL_OBJECT_REFERENCE, OBJECT_FIELD_SELECTOR, OBJECT_META,
    RESOURCE_FIELD_SELECTOR,
};
use super::{Message, f, inline, keep, msg};

/// core/v1 Volume
pub static VOLUME: Message = msg("Volume", &[f(1, "name", Str), inline(2, &VOLUME_SOURCE)]);

/// core/v1 VolumeSource
///
/// Deprecated / removed in-tree volume plugins (fields 3 gcePersistentDisk,
/// 4 awsElasticBlockStore, 5 gitRepo, 8 iscsi, 9 glusterfs, 11 rbd,
/// 12 flexVolume, 13 cinder, 14 cephfs, 15 flocker, 17 fc, 18 azureFile,
/// 20 vsphereVolume, 21 quobyte, 22 azureDisk, 23 photonPersistentDisk,
/// 24 portworxVolume, 25 scaleIO, 27 storageos) are not modelled and are
/// skipped like any unknown field.
pub static VOLUME_SOURCE: Message = msg(
    "VolumeSource",
    &[
        keep(1, "hostPath", Msg(&HOST_PATH_VOLUME_SOURCE)),
        keep(2, "emptyDir", Msg(&EMPTY_DIR_VOLUME_SOURCE)),
        keep(6, "secret", Msg(&SECRET_VOLUME_SOURCE)),
        keep(7, "nfs", Msg(&NFS_VOLUME_SOURCE)),
        keep(
            10,
            "persistentVolumeClaim",
            Msg(&PERSISTENT_VOLUME_CLAIM_VOLUME_SOURCE),
        ),
        keep(16, "downwardAPI", Msg(&DOWNWARD_API_VOLUME_SOURCE)),
        keep(19, "configMap", Msg(&CONFIG_MAP_VOLUME_SOURCE)),
        keep(26, "projected", Msg(&PROJECTED_VOLUME_SOURCE)),
        keep(28, "csi", Msg(&CSI_VOLUME_SOURCE)),
        keep(29, "ephemeral", Msg(&EPHEMERAL_VOLUME_SOURCE)),
        keep(30, "image", Msg(&IMAGE_VOLUME_SOURCE)),
    ],
);

/// core/v1 HostPathVolumeSource
pub static HOST_PATH_VOLUME_SOURCE: Message = msg(
    "HostPathVolumeSource",
    &[f(1, "path", Str), keep(2, "type", Str)],
);

/// core/v1 EmptyDirVolumeSource
pub static EMPTY_DIR_VOLUME_SOURCE: Message = msg(
    "EmptyDirVolumeSource",
    &[f(1, "medium", Str), keep(2, "sizeLimit", Quantity)],
);

/// core/v1 SecretVolumeSource
pub static SECRET_VOLUME_SOURCE: Message = msg(
    "SecretVolumeSource",
    &[
        f(1, "secretName", Str),
        f(2, "items", Rep(&Msg(&KEY_TO_PATH))),
        keep(3, "defaultMode", I32),
        keep(4, "optional", Bool),
    ],
);

/// core/v1 NFSVolumeSource
pub static NFS_VOLUME_SOURCE: Message = msg(
    "NFSVolumeSource",
    &[
        f(1, "server", Str),
        f(2, "path", Str),
        f(3, "readOnly", Bool),
    ],
);

/// core/v1 PersistentVolumeClaimVolumeSource
pub static PERSISTENT_VOLUME_CLAIM_VOLUME_SOURCE: Message = msg(
    "PersistentVolumeClaimVolumeSource",
    &[f(1, "claimName", Str), f(2, "readOnly", Bool)],
);

/// core/v1 DownwardAPIVolumeSource
pub static DOWNWARD_API_VOLUME_SOURCE: Message = msg(
    "DownwardAPIVolumeSource",
    &[
        f(1, "items", Rep(&Msg(&DOWNWARD_API_VOLUME_FILE))),
        keep(2, "defaultMode", I32),
    ],
);

/// core/v1 ConfigMapVolumeSource
pub static CONFIG_MAP_VOLUME_SOURCE: Message = msg(
    "ConfigMapVolumeSource",
    &[
        inline(1, &LOCAL_OBJECT_REFERENCE),
        f(2, "items", Rep(&Msg(&KEY_TO_PATH))),
        keep(3, "defaultMode", I32),
        keep(4, "optional", Bool),
    ],
);

/// core/v1 ProjectedVolumeSource
pub static PROJECTED_VOLUME_SOURCE: Message = msg(
    "ProjectedVolumeSource",
    &[
        f(1, "sources", Rep(&Msg(&VOLUME_PROJECTION))),
        keep(2, "defaultMode", I32),
    ],
);

/// core/v1 CSIVolumeSource
pub static CSI_VOLUME_SOURCE: Message = msg(
    "CSIVolumeSource",
    &[
        f(1, "driver", Str),
        keep(2, "readOnly", Bool),
        keep(3, "fsType", Str),
        f(4, "volumeAttributes", Map(&Str)),
        keep(5, "nodePublishSecretRef", Msg(&LOCAL_OBJECT_REFERENCE)),
    ],
);

/// core/v1 EphemeralVolumeSource
pub static EPHEMERAL_VOLUME_SOURCE: Message = msg(
    "EphemeralVolumeSource",
    &[keep(
        1,
        "volumeClaimTemplate",
        Msg(&PERSISTENT_VOLUME_CLAIM_TEMPLATE),
    )],
);

/// core/v1 ImageVolumeSource
pub static IMAGE_VOLUME_SOURCE: Message = msg(
    "ImageVolumeSource",
    &[f(1, "reference", Str), f(2, "pullPolicy", Str)],
);

/// core/v1 KeyToPath
pub static KEY_TO_PATH: Message = msg(
    "KeyToPath",
    &[f(1, "key", Str), f(2, "path", Str), keep(3, "mode", I32)],
);

/// core/v1 DownwardAPIVolumeFile
pub static DOWNWARD_API_VOLUME_FILE: Message = msg(
    "DownwardAPIVolumeFile",
    &[
        f(1, "path", Str),
        keep(2, "fieldRef", Msg(&OBJECT_FIELD_SELECTOR)),
        keep(3, "resourceFieldRef", Msg(&RESOURCE_FIELD_SELECTOR)),
        keep(4, "mode", I32),
    ],
);

/// core/v1 VolumeProjection
pub static VOLUME_PROJECTION: Message = msg(
    "VolumeProjection",
    &[
        keep(1, "secret", Msg(&SECRET_PROJECTION)),
        keep(2, "downwardAPI", Msg(&DOWNWARD_API_PROJECTION)),
        keep(3, "configMap", Msg(&CONFIG_MAP_PROJECTION)),
        keep(
            4,
            "serviceAccountToken",
            Msg(&SERVICE_ACCOUNT_TOKEN_PROJECTION),
        ),
        keep(
            5,
            "clusterTrustBundle",
            Msg(&CLUSTER_TRUST_BUNDLE_PROJECTION),
        ),
    ],
);

/// core/v1 PersistentVolumeClaimTemplate
pub static PERSISTENT_VOLUME_CLAIM_TEMPLATE: Message = msg(
    "PersistentVolumeClaimTemplate",
    &[
        f(1, "metadata", Msg(&OBJECT_META)),
        f(2, "spec", Msg(&PERSISTENT_VOLUME_CLAIM_SPEC)),
    ],
);

/// core/v1 SecretProjection
pub static SECRET_PROJECTION: Message = msg(
    "SecretProjection",
    &[
        inline(1, &LOCAL_OBJECT_REFERENCE),
        f(2, "items", Rep(&Msg(&KEY_TO_PATH))),
        keep(4, "optional", Bool),
    ],
);

/// core/v1 DownwardAPIProjection
pub static DOWNWARD_API_PROJECTION: Message = msg(
    "DownwardAPIProjection",
    &[f(1, "items", Rep(&Msg(&DOWNWARD_API_VOLUME_FILE)))],
);

/// core/v1 ConfigMapProjection
pub static CONFIG_MAP_PROJECTION: Message = msg(
    "ConfigMapProjection",
    &[
        inline(1, &LOCAL_OBJECT_REFERENCE),
        f(2, "items", Rep(&Msg(&KEY_TO_PATH))),
        keep(4, "optional", Bool),
    ],
);

/// core/v1 ServiceAccountTokenProjection
pub static SERVICE_ACCOUNT_TOKEN_PROJECTION: Message = msg(
    "ServiceAccountTokenProjection",
    &[
        f(1, "audience", Str),
        keep(2, "expirationSeconds", I64),
        f(3, "path", Str),
    ],
);

/// core/v1 ClusterTrustBundleProjection
pub static CLUSTER_TRUST_BUNDLE_PROJECTION: Message = msg(
    "ClusterTrustBundleProjection",
    &[
        keep(1, "name", Str),
        keep(2, "signerName", Str),
        keep(3, "labelSelector", Msg(&LABEL_SELECTOR)),
        keep(5, "optional", Bool),
        f(4, "path", Str),
    ],
);

/// core/v1 PersistentVolumeClaimSpec
pub static PERSISTENT_VOLUME_CLAIM_SPEC: Message = msg(
    "PersistentVolumeClaimSpec",
    &[
        f(1, "accessModes", Rep(&Str)),
        keep(4, "selector", Msg(&LABEL_SELECTOR)),
        f(2, "resources", Msg(&VOLUME_RESOURCE_REQUIREMENTS)),
        f(3, "volumeName", Str),
        keep(5, "storageClassName", Str),
        keep(6, "volumeMode", Str),
        keep(7, "dataSource", Msg(&TYPED_LOCAL_OBJECT_REFERENCE)),
        keep(8, "dataSourceRef", Msg(&TYPED_OBJECT_REFERENCE)),
        keep(9, "volumeAttributesClassName", Str),
    ],
);

/// core/v1 VolumeResourceRequirements
pub static VOLUME_RESOURCE_REQUIREMENTS: Message = msg(
    "VolumeResourceRequirements",
    &[
        f(1, "limits", Map(&Quantity)),
        f(2, "requests", Map(&Quantity)),
    ],
);

/// core/v1 TypedLocalObjectReference
pub static TYPED_LOCAL_OBJECT_REFERENCE: Message = msg(
    "TypedLocalObjectReference",
    &[
        keep(1, "apiGroup", Str),
        f(2, "kind", Str),
        f(3, "name", Str),
    ],
);

/// core/v1 TypedObjectReference
pub static TYPED_OBJECT_REFERENCE: Message = msg(
    "TypedObjectReference",
    &[
        keep(1, "apiGroup", Str),
        f(2, "kind", Str),
        f(3, "name", Str),
        keep(4, "namespace", Str),
    ],
);
