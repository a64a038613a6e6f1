//! The pure decisions of a bind, as upstream's CLI makes them where it makes them: which URL
//! is the provider, whether its version will do, which exports `--export` names, which
//! kubeconfig Secret to reuse, what to do with a binding that exists, and how a permission
//! claim is put to the user. No I/O here; the state machine calls these.

use klutch::bind::{APIServiceBinding, BindingProvider, ExportOffer, Owner, PermissionClaim};
use url::Url;

use super::error::BindError;

/// The oldest backend version we speak (as upstream's CLI checks it).
pub const MINIMUM_VERSION: (u64, u64, u64) = (0, 3, 0);

/// The backend's URLs, from what the user typed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BackendUrls {
    /// Where the BindingProvider is (`…/export`).
    pub export: Url,
    /// The base the headless routes hang off.
    pub base: Url,
}

/// `http://host:port` (the sandbox's bindUrl) becomes `…/export`; a URL ending in
/// `/export` is taken as it is (what upstream's CLI is given).
pub fn backend_urls(given: &str) -> Result<BackendUrls, BindError> {
    let invalid = |reason: &str| BindError::InvalidUrl {
        url: given.to_owned(),
        reason: reason.to_owned(),
    };
    let url = Url::parse(given.trim()).map_err(|e| invalid(&e.to_string()))?;
    if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
        return Err(invalid("not an http(s) URL with a host"));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(invalid("it has a query or fragment"));
    }
    let path = url.path().trim_end_matches('/').to_owned();
    let (base_path, export_path) = match path.strip_suffix("/export") {
        Some(base) => (base.to_owned(), path.clone()),
        None => (path.clone(), format!("{path}/export")),
    };
    let mut base = url.clone();
    base.set_path(&base_path);
    let mut export = url;
    export.set_path(&export_path);
    Ok(BackendUrls { export, base })
}

/// `base` joined with an absolute route such as `/bind/token`.
pub fn route(base: &Url, path: &str) -> String {
    format!("{}{path}", base.as_str().trim_end_matches('/'))
}

/// `vMAJOR.MINOR.PATCH[-pre][+build]`, leading `v` optional.
fn semver(version: &str) -> Option<(u64, u64, u64)> {
    let core = version.trim().trim_start_matches('v');
    let core = core.split(['-', '+']).next()?;
    let mut parts = core.split('.').map(|p| p.parse::<u64>().ok());
    let v = (parts.next()??, parts.next()??, parts.next()??);
    parts.next().is_none().then_some(v)
}

/// Check the provider's type and version and that it offers the code grant, as
/// upstream's CLI does; development builds (`v0.0.0…`) are accepted.
pub fn check_provider(provider: &BindingProvider, url: &str) -> Result<String, BindError> {
    provider.check_type().map_err(|e| BindError::NotABackend {
        url: url.to_owned(),
        reason: format!("unsupported BindingProvider: {e}"),
    })?;
    let version = provider.version.trim();
    let too_old = || BindError::VersionTooOld {
        url: url.to_owned(),
        found: if version.is_empty() {
            "unknown".to_owned()
        } else {
            version.to_owned()
        },
        minimum: format!(
            "v{}.{}.{}",
            MINIMUM_VERSION.0, MINIMUM_VERSION.1, MINIMUM_VERSION.2
        ),
    };
    let parsed = semver(version).ok_or_else(too_old)?;
    if parsed != (0, 0, 0) && parsed < MINIMUM_VERSION {
        return Err(too_old());
    }
    let authorize = provider
        .oauth2_authenticated_url()
        .ok_or_else(|| BindError::NoCodeGrant(url.to_owned()))?;
    Ok(authorize.to_owned())
}

/// The offers `--export` names: by plural (`postgresqlinstances`) or full name
/// (`postgresqlinstances.anynines.com`), in the order given, each once.
pub fn resolve_exports(
    offered: &[ExportOffer],
    names: &[String],
) -> Result<Vec<ExportOffer>, BindError> {
    let known = || {
        offered
            .iter()
            .map(|o| o.resource.clone())
            .collect::<Vec<_>>()
            .join(", ")
    };
    if names.is_empty() {
        return Err(BindError::NothingChosen(known()));
    }
    let mut out: Vec<ExportOffer> = Vec::new();
    for name in names {
        let name = name.trim();
        let matches: Vec<&ExportOffer> = offered
            .iter()
            .filter(|o| o.name() == name || o.resource == name)
            .collect();
        let offer = match matches.as_slice() {
            [one] => *one,
            [] => {
                return Err(BindError::UnknownExport {
                    name: name.to_owned(),
                    known: known(),
                });
            }
            several => {
                return Err(BindError::UnknownExport {
                    name: format!("{name} (ambiguous: name it with its group)"),
                    known: several
                        .iter()
                        .map(|o| o.name())
                        .collect::<Vec<_>>()
                        .join(", "),
                });
            }
        };
        if !out.iter().any(|o| o.name() == offer.name()) {
            out.push(offer.clone());
        }
    }
    Ok(out)
}

/// Server and context namespace of a kubeconfig, as upstream's CLI compares them.
pub fn kubeconfig_target(kubeconfig: &[u8]) -> Option<(String, String)> {
    let text = std::str::from_utf8(kubeconfig).ok()?;
    let kc = kube::config::Kubeconfig::from_yaml(text).ok()?;
    let current = kc.current_context.as_deref()?;
    let context = kc
        .contexts
        .iter()
        .find(|c| c.name == current)?
        .context
        .as_ref()?;
    let cluster = kc
        .clusters
        .iter()
        .find(|c| c.name == context.cluster)?
        .cluster
        .as_ref()?;
    Some((
        cluster.server.clone()?,
        context.namespace.clone().unwrap_or_default(),
    ))
}

/// A kubeconfig Secret in `klutch-bind`: its name and where its kubeconfig points.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KubeconfigSecret {
    /// The Secret's name.
    pub name: String,
    /// Server and context namespace of its `kubeconfig` key.
    pub target: (String, String),
}

/// The Secret to update instead of creating one: the first whose kubeconfig points at
/// the same server and namespace (upstream's rule, so both CLIs share Secrets).
pub fn reusable_secret(existing: &[KubeconfigSecret], target: &(String, String)) -> Option<String> {
    existing
        .iter()
        .find(|s| &s.target == target)
        .map(|s| s.name.clone())
}

/// What to do for one export's APIServiceBinding.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BindingPlan {
    /// None exists: create it (after the claims are answered).
    Create,
    /// One exists with our Secret: nothing to do.
    AlreadyBound,
}

/// Decide for the binding `name` given what exists (upstream refuses a binding of
/// another provider's Secret).
pub fn plan_binding(
    name: &str,
    existing: Option<&APIServiceBinding>,
    secret: &str,
) -> Result<BindingPlan, BindError> {
    match existing {
        None => Ok(BindingPlan::Create),
        Some(b) => {
            let r = &b.spec.kubeconfig_secret_ref;
            if r.namespace == klutch::bind::names::KONNECTOR_NAMESPACE && r.name == secret {
                Ok(BindingPlan::AlreadyBound)
            } else {
                Err(BindError::ForeignBinding(name.to_owned()))
            }
        }
    }
}

/// A permission claim worded as upstream's CLI prompts it, ending in `[No,Yes]`.
pub fn claim_prompt(claim: &PermissionClaim) -> String {
    let what = if claim.group.is_empty() {
        format!(
            "{} objects (apiVersion: \"{}\")",
            claim.resource, claim.version
        )
    } else {
        format!(
            "{} objects (apiVersion: \"{}/{}\")",
            claim.resource, claim.group, claim.version
        )
    };
    let verb = match claim.owner() {
        Some(Owner::Provider) => "write",
        Some(Owner::Consumer) => "read",
        None => "read and write",
    };
    let donate = claim.auto_donate.unwrap_or(false);
    let adopt = claim.auto_adopt.unwrap_or(false);
    let what = match (donate, adopt) {
        (true, false) => format!("create user owned {what}"),
        (false, true) => format!("have ownership of {what}"),
        _ => format!("{verb} {what}"),
    };
    let names = claim
        .selector
        .as_ref()
        .and_then(|s| s.names.clone())
        .unwrap_or_default();
    let reference = if names.is_empty() {
        " ".to_owned()
    } else {
        let mut r = " which are referenced with:".to_owned();
        for n in &names {
            r.push_str(&format!("\n\t- name: \"{n}\""));
        }
        r.push('\n');
        r
    };
    let mut text = format!("The provider wants to {what}{reference}on your cluster.\n");
    if claim.create.as_ref().and_then(|c| c.replace_existing) == Some(true) {
        text.push_str("Conflicting objects will be replaced by the provider. ");
    }
    if claim
        .on_conflict
        .as_ref()
        .and_then(|c| c.recreate_when_consumer_side_deleted)
        == Some(true)
    {
        text.push_str("Created objects will be recreated upon deletion. ");
    }
    if let Some(update) = &claim.update {
        if update.fields.is_some() {
            text.push_str(
                "The following fields of the objects will still be able to be changed by the provider:\n",
            );
        }
        if update.preserving.is_some() {
            text.push_str(
                "The following fields of the objects will be preserved by the provider:\n",
            );
        }
        for field in update
            .fields
            .iter()
            .chain(update.preserving.iter())
            .flatten()
        {
            text.push_str(&format!("\t\"{field}\"\n"));
        }
        if update.always_recreate == Some(true) {
            text.push_str("Modification of said objects will by handled by deletion and recreation of said objects.\n");
        }
    }
    if claim.required == Some(true) {
        text.push_str("Accepting this Permission is required in order to proceed.\n");
    } else {
        text.push_str("Accepting this Permission is optional.\n");
    }
    text.push_str("Do you accept this Permission? [No,Yes]");
    text
}

/// A yes/no answer as upstream reads it (`y`, `yes`, `n`, `no`, any case); `None` asks again.
pub fn yes_no(answer: &str) -> Option<bool> {
    match answer.trim().to_ascii_lowercase().as_str() {
        "y" | "yes" => Some(true),
        "n" | "no" => Some(false),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use klutch::bind::ResourceSelector;

    #[test]
    fn the_bind_url_becomes_the_export_url() {
        let u = backend_urls("http://127.0.0.1:8080").unwrap();
        assert_eq!(u.export.as_str(), "http://127.0.0.1:8080/export");
        assert_eq!(
            route(&u.base, "/bind/token"),
            "http://127.0.0.1:8080/bind/token"
        );
        let u = backend_urls("https://bind.example.com/klutch/export").unwrap();
        assert_eq!(u.export.as_str(), "https://bind.example.com/klutch/export");
        assert_eq!(
            route(&u.base, "/bind/token"),
            "https://bind.example.com/klutch/bind/token"
        );
        for bad in ["ftp://x/", "not a url", "http://x/export?y=1"] {
            let e = backend_urls(bad).unwrap_err().to_string();
            assert!(e.contains("bindUrl"), "{e}");
        }
    }

    fn provider(version: &str) -> BindingProvider {
        BindingProvider::new("p", version, "http://b/authorize")
    }

    #[test]
    fn versions_as_upstream_checks_them() {
        assert_eq!(
            check_provider(&provider("v1.5.0"), "u").unwrap(),
            "http://b/authorize"
        );
        assert!(check_provider(&provider("v0.3.0"), "u").is_ok());
        assert!(check_provider(&provider("v0.0.0"), "u").is_ok());
        assert!(check_provider(&provider("v0.0.0-master+$Format:%H$"), "u").is_ok());
        let old = check_provider(&provider("v0.2.9"), "u")
            .unwrap_err()
            .to_string();
        assert!(old.contains("version v0.2.9, older than v0.3.0"), "{old}");
        assert!(check_provider(&provider(""), "u").is_err());
        let mut bare = provider("v1.0.0");
        bare.api_version = "klutch.anynines.com/v1alpha1".into();
        assert!(
            check_provider(&bare, "u").is_err(),
            "the bare v1alpha1 only"
        );
        bare = provider("v1.0.0");
        bare.authentication_methods.clear();
        assert!(matches!(
            check_provider(&bare, "u"),
            Err(BindError::NoCodeGrant(_))
        ));
    }

    fn offer(group: &str, resource: &str) -> ExportOffer {
        ExportOffer {
            group: group.into(),
            resource: resource.into(),
            ..ExportOffer::default()
        }
    }

    #[test]
    fn exports_by_plural_or_full_name() {
        let offered = [
            offer("anynines.com", "backups"),
            offer("anynines.com", "restores"),
        ];
        let names = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let got = resolve_exports(
            &offered,
            &names(&["restores", "backups.anynines.com", "restores"]),
        )
        .unwrap();
        assert_eq!(
            got.iter().map(|o| o.resource.as_str()).collect::<Vec<_>>(),
            ["restores", "backups"]
        );
        let e = resolve_exports(&offered, &names(&["widgets"]))
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("\"widgets\"") && e.contains("backups, restores"),
            "{e}"
        );
        assert!(matches!(
            resolve_exports(&offered, &[]),
            Err(BindError::NothingChosen(_))
        ));
        let twice = [offer("a.com", "x"), offer("b.com", "x")];
        assert!(
            resolve_exports(&twice, &names(&["x"]))
                .unwrap_err()
                .to_string()
                .contains("ambiguous")
        );
    }

    #[test]
    fn secrets_are_reused_by_server_and_namespace() {
        let kc = b"apiVersion: v1\nkind: Config\ncurrent-context: default\nclusters:\n- name: default\n  cluster:\n    server: https://cp:6443\ncontexts:\n- name: default\n  context:\n    cluster: default\n    user: default\n    namespace: cluster-abc\nusers:\n- name: default\n  user:\n    token: t\n";
        let target = kubeconfig_target(kc).unwrap();
        assert_eq!(target, ("https://cp:6443".into(), "cluster-abc".into()));
        let existing = vec![
            KubeconfigSecret {
                name: "kubeconfig-other".into(),
                target: ("https://cp:6443".into(), "cluster-xyz".into()),
            },
            KubeconfigSecret {
                name: "kubeconfig-ours".into(),
                target: target.clone(),
            },
        ];
        assert_eq!(
            reusable_secret(&existing, &target).as_deref(),
            Some("kubeconfig-ours")
        );
        assert_eq!(reusable_secret(&existing[..1], &target), None);
        assert_eq!(kubeconfig_target(b"not yaml: ["), None);
    }

    #[test]
    fn claims_are_put_as_upstream_puts_them() {
        let claim = PermissionClaim {
            group: String::new(),
            resource: "secrets".into(),
            version: "v1".into(),
            selector: Some(ResourceSelector {
                owner: Some(Owner::Provider),
                ..ResourceSelector::default()
            }),
            required: Some(false),
            ..PermissionClaim::default()
        };
        assert_eq!(
            claim_prompt(&claim),
            "The provider wants to write secrets objects (apiVersion: \"v1\") on your cluster.\n\
             Accepting this Permission is optional.\nDo you accept this Permission? [No,Yes]"
        );
        assert_eq!(yes_no(" YES "), Some(true));
        assert_eq!(yes_no("n"), Some(false));
        assert_eq!(yes_no("maybe"), None);
    }
}
