//! `k8s.io/api/core/v1` Container and its parts.

use super::Ty::*;
use super::{
    APP_ARMOR_PROFILE, SE_LINUX_OPTIONS, SECCOMP_PROFILE, WINDOWS_SECURITY_CONTEXT_OPTIONS,
};
use super::{LOCAL_OBJECT_REFERENCE, Message, f, inline, keep, msg};

/// core/v1 Container
pub static CONTAINER: Message = msg(
    "Container",
    &[
        f(1, "name", Str),
        f(2, "image", Str),
        f(3, "command", Rep(&Str)),
        f(4, "args", Rep(&Str)),
        f(5, "workingDir", Str),
        f(6, "ports", Rep(&Msg(&CONTAINER_PORT))),
        f(19, "envFrom", Rep(&Msg(&ENV_FROM_SOURCE))),
        f(7, "env", Rep(&Msg(&ENV_VAR))),
        f(8, "resources", Msg(&RESOURCE_REQUIREMENTS)),
        f(23, "resizePolicy", Rep(&Msg(&CONTAINER_RESIZE_POLICY))),
        keep(24, "restartPolicy", Str),
        f(9, "volumeMounts", Rep(&Msg(&VOLUME_MOUNT))),
        f(21, "volumeDevices", Rep(&Msg(&VOLUME_DEVICE))),
        keep(10, "livenessProbe", Msg(&PROBE)),
        keep(11, "readinessProbe", Msg(&PROBE)),
        keep(22, "startupProbe", Msg(&PROBE)),
        keep(12, "lifecycle", Msg(&LIFECYCLE)),
        f(13, "terminationMessagePath", Str),
        f(20, "terminationMessagePolicy", Str),
        f(14, "imagePullPolicy", Str),
        keep(15, "securityContext", Msg(&SECURITY_CONTEXT)),
        f(16, "stdin", Bool),
        f(17, "stdinOnce", Bool),
        f(18, "tty", Bool),
    ],
);

/// core/v1 ResourceRequirements
pub static RESOURCE_REQUIREMENTS: Message = msg(
    "ResourceRequirements",
    &[
        f(1, "limits", Map(&Quantity)),
        f(2, "requests", Map(&Quantity)),
        f(3, "claims", Rep(&Msg(&RESOURCE_CLAIM))),
    ],
);

/// core/v1 ContainerPort
pub static CONTAINER_PORT: Message = msg(
    "ContainerPort",
    &[
        f(1, "name", Str),
        f(2, "hostPort", I32),
        keep(3, "containerPort", I32),
        f(4, "protocol", Str),
        f(5, "hostIP", Str),
    ],
);

/// core/v1 EnvFromSource
pub static ENV_FROM_SOURCE: Message = msg(
    "EnvFromSource",
    &[
        f(1, "prefix", Str),
        keep(2, "configMapRef", Msg(&CONFIG_MAP_ENV_SOURCE)),
        keep(3, "secretRef", Msg(&SECRET_ENV_SOURCE)),
    ],
);

/// core/v1 EnvVar
pub static ENV_VAR: Message = msg(
    "EnvVar",
    &[
        f(1, "name", Str),
        f(2, "value", Str),
        keep(3, "valueFrom", Msg(&ENV_VAR_SOURCE)),
    ],
);

/// core/v1 ContainerResizePolicy
pub static CONTAINER_RESIZE_POLICY: Message = msg(
    "ContainerResizePolicy",
    &[f(1, "resourceName", Str), f(2, "restartPolicy", Str)],
);

/// core/v1 Probe
pub static PROBE: Message = msg(
    "Probe",
    &[
        inline(1, &PROBE_HANDLER),
        f(2, "initialDelaySeconds", I32),
        f(3, "timeoutSeconds", I32),
        f(4, "periodSeconds", I32),
        f(5, "successThreshold", I32),
        f(6, "failureThreshold", I32),
        keep(7, "terminationGracePeriodSeconds", I64),
    ],
);

/// core/v1 Lifecycle
pub static LIFECYCLE: Message = msg(
    "Lifecycle",
    &[
        keep(1, "postStart", Msg(&LIFECYCLE_HANDLER)),
        keep(2, "preStop", Msg(&LIFECYCLE_HANDLER)),
    ],
);

/// core/v1 SecurityContext
pub static SECURITY_CONTEXT: Message = msg(
    "SecurityContext",
    &[
        keep(1, "capabilities", Msg(&CAPABILITIES)),
        keep(2, "privileged", Bool),
        keep(3, "seLinuxOptions", Msg(&SE_LINUX_OPTIONS)),
        keep(10, "windowsOptions", Msg(&WINDOWS_SECURITY_CONTEXT_OPTIONS)),
        keep(4, "runAsUser", I64),
        keep(8, "runAsGroup", I64),
        keep(5, "runAsNonRoot", Bool),
        keep(6, "readOnlyRootFilesystem", Bool),
        keep(7, "allowPrivilegeEscalation", Bool),
        keep(9, "procMount", Str),
        keep(11, "seccompProfile", Msg(&SECCOMP_PROFILE)),
        keep(12, "appArmorProfile", Msg(&APP_ARMOR_PROFILE)),
    ],
);

/// core/v1 ConfigMapEnvSource
pub static CONFIG_MAP_ENV_SOURCE: Message = msg(
    "ConfigMapEnvSource",
    &[
        inline(1, &LOCAL_OBJECT_REFERENCE),
        keep(2, "optional", Bool),
    ],
);

/// core/v1 SecretEnvSource
pub static SECRET_ENV_SOURCE: Message = msg(
    "SecretEnvSource",
    &[
        inline(1, &LOCAL_OBJECT_REFERENCE),
        keep(2, "optional", Bool),
    ],
);

/// core/v1 EnvVarSource
pub static ENV_VAR_SOURCE: Message = msg(
    "EnvVarSource",
    &[
        keep(1, "fieldRef", Msg(&OBJECT_FIELD_SELECTOR)),
        keep(2, "resourceFieldRef", Msg(&RESOURCE_FIELD_SELECTOR)),
        keep(3, "configMapKeyRef", Msg(&CONFIG_MAP_KEY_SELECTOR)),
        keep(4, "secretKeyRef", Msg(&SECRET_KEY_SELECTOR)),
    ],
);

/// core/v1 ProbeHandler
pub static PROBE_HANDLER: Message = msg(
    "ProbeHandler",
    &[
        keep(1, "exec", Msg(&EXEC_ACTION)),
        keep(2, "httpGet", Msg(&HTTP_GET_ACTION)),
        keep(3, "tcpSocket", Msg(&TCP_SOCKET_ACTION)),
        keep(4, "grpc", Msg(&GRPC_ACTION)),
    ],
);

/// core/v1 LifecycleHandler
pub static LIFECYCLE_HANDLER: Message = msg(
    "LifecycleHandler",
    &[
        keep(1, "exec", Msg(&EXEC_ACTION)),
        keep(2, "httpGet", Msg(&HTTP_GET_ACTION)),
        keep(3, "tcpSocket", Msg(&TCP_SOCKET_ACTION)),
        keep(4, "sleep", Msg(&SLEEP_ACTION)),
    ],
);

/// core/v1 Capabilities
pub static CAPABILITIES: Message = msg(
    "Capabilities",
    &[f(1, "add", Rep(&Str)), f(2, "drop", Rep(&Str))],
);

/// core/v1 ObjectFieldSelector
pub static OBJECT_FIELD_SELECTOR: Message = msg(
    "ObjectFieldSelector",
    &[f(1, "apiVersion", Str), f(2, "fieldPath", Str)],
);

/// core/v1 ResourceFieldSelector
pub static RESOURCE_FIELD_SELECTOR: Message = msg(
    "ResourceFieldSelector",
    &[
        f(1, "containerName", Str),
        f(2, "resource", Str),
        f(3, "divisor", Quantity),
    ],
);

/// core/v1 ConfigMapKeySelector
pub static CONFIG_MAP_KEY_SELECTOR: Message = msg(
    "ConfigMapKeySelector",
    &[
        inline(1, &LOCAL_OBJECT_REFERENCE),
        f(2, "key", Str),
        keep(3, "optional", Bool),
    ],
);

/// core/v1 SecretKeySelector
pub static SECRET_KEY_SELECTOR: Message = msg(
    "SecretKeySelector",
    &[
        inline(1, &LOCAL_OBJECT_REFERENCE),
        f(2, "key", Str),
        keep(3, "optional", Bool),
    ],
);

/// core/v1 ExecAction
pub static EXEC_ACTION: Message = msg("ExecAction", &[f(1, "command", Rep(&Str))]);

/// core/v1 HTTPGetAction
pub static HTTP_GET_ACTION: Message = msg(
    "HTTPGetAction",
    &[
        f(1, "path", Str),
        f(2, "port", IntOrString),
        f(3, "host", Str),
        f(4, "scheme", Str),
        f(5, "httpHeaders", Rep(&Msg(&HTTP_HEADER))),
    ],
);

/// core/v1 TCPSocketAction
pub static TCP_SOCKET_ACTION: Message = msg(
    "TCPSocketAction",
    &[f(1, "port", IntOrString), f(2, "host", Str)],
);

/// core/v1 GRPCAction
pub static GRPC_ACTION: Message = msg(
    "GRPCAction",
    &[keep(1, "port", I32), keep(2, "service", Str)],
);

/// core/v1 SleepAction
pub static SLEEP_ACTION: Message = msg("SleepAction", &[keep(1, "seconds", I64)]);

/// core/v1 HTTPHeader
pub static HTTP_HEADER: Message = msg("HTTPHeader", &[f(1, "name", Str), f(2, "value", Str)]);

/// core/v1 VolumeMount
pub static VOLUME_MOUNT: Message = msg(
    "VolumeMount",
    &[
        f(1, "name", Str),
        f(2, "readOnly", Bool),
        keep(7, "recursiveReadOnly", Str),
        f(3, "mountPath", Str),
        f(4, "subPath", Str),
        keep(5, "mountPropagation", Str),
        f(6, "subPathExpr", Str),
    ],
);

/// core/v1 VolumeDevice
pub static VOLUME_DEVICE: Message = msg(
    "VolumeDevice",
    &[f(1, "name", Str), f(2, "devicePath", Str)],
);

/// core/v1 ResourceClaim
pub static RESOURCE_CLAIM: Message =
    msg("ResourceClaim", &[f(1, "name", Str), f(2, "request", Str)]);
