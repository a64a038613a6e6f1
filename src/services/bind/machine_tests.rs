//! The walkthrough's paths without I/O: what it asks for next after each outcome.

use klutch::bind::{
    APIServiceBinding, APIServiceBindingSpec, APIServiceExportRequestResource,
    APIServiceExportRequestResponse, APIServiceExportRequestSpec, BindingProvider, BindingResponse,
    ExportOffer, KubeconfigKey, KubeconfigSecretRef, Owner, PermissionClaim, ProtectedResource,
    ResourceSelector,
};

use super::error::BindError;
use super::events::{Step, StepStatus};
use super::machine::*;
use super::plan::KubeconfigSecret;

const KUBECONFIG: &str = "apiVersion: v1\nkind: Config\ncurrent-context: default\nclusters:\n- name: default\n  cluster:\n    server: https://cp:6443\ncontexts:\n- name: default\n  context:\n    cluster: default\n    user: default\n    namespace: cluster-abc\nusers:\n- name: default\n  user:\n    token: t\n";

fn plan(auth: AuthMode, konnector: KonnectorMode, exports: &[&str]) -> BindPlan {
    BindPlan {
        url: "http://127.0.0.1:8080".into(),
        auth,
        konnector,
        exports: exports.iter().map(|s| s.to_string()).collect(),
        assume_yes: false,
    }
}

fn provider(version: &str) -> BindingProvider {
    BindingProvider::new("anynines", version, "http://127.0.0.1:8080/authorize")
}

fn metadata() -> Option<ProtectedResource> {
    Some(ProtectedResource {
        resource: "http://127.0.0.1:8080".into(),
        authorization_servers: vec!["http://127.0.0.1:5556".into()],
        bearer_methods_supported: vec!["header".into()],
        client_ids: vec!["klutch-tui".into()],
    })
}

fn secrets_claim(required: bool) -> PermissionClaim {
    PermissionClaim {
        resource: "secrets".into(),
        version: "v1".into(),
        selector: Some(ResourceSelector {
            owner: Some(Owner::Provider),
            ..ResourceSelector::default()
        }),
        required: Some(required),
        ..PermissionClaim::default()
    }
}

fn offer(resource: &str, claims: Vec<PermissionClaim>) -> ExportOffer {
    ExportOffer {
        group: "anynines.com".into(),
        resource: resource.into(),
        kind: resource.into(),
        scope: "Namespaced".into(),
        versions: vec!["v1".into()],
        permission_claims: claims,
    }
}

fn response(offers: &[ExportOffer]) -> BindingResponse {
    let requests = offers
        .iter()
        .map(|o| {
            APIServiceExportRequestResponse::new(
                &o.name(),
                APIServiceExportRequestSpec {
                    parameters: None,
                    resources: vec![APIServiceExportRequestResource {
                        group: o.group.clone(),
                        resource: o.resource.clone(),
                        versions: None,
                        permission_claims: Some(o.permission_claims.clone()),
                    }],
                },
            )
        })
        .collect();
    BindingResponse::new("sid", "iss/sub", KUBECONFIG.as_bytes().to_vec(), requests)
}

fn app(
    bindings: Vec<APIServiceBinding>,
    secrets: Vec<KubeconfigSecret>,
    created: bool,
) -> AppFacts {
    AppFacts {
        cluster_id: "c1d2e3".into(),
        namespace_created: created,
        secrets,
        bindings,
    }
}

fn binding(name: &str, secret: &str) -> APIServiceBinding {
    let mut b = APIServiceBinding::new(
        name,
        APIServiceBindingSpec {
            kubeconfig_secret_ref: KubeconfigSecretRef {
                namespace: "klutch-bind".into(),
                name: secret.into(),
                key: KubeconfigKey::Kubeconfig,
            },
            permission_claims: None,
        },
    );
    b.metadata.namespace = Some("klutch-bind".into());
    b
}

fn request_made(name: &str) -> Made {
    Made::ExportRequest {
        namespace: "cluster-abc".into(),
        name: name.into(),
    }
}

#[test]
fn a_headless_bind_runs_every_step_in_order() {
    let pg = offer("postgresqlinstances", Vec::new());
    let sb = offer("servicebindings", vec![secrets_claim(false)]);
    let (mut w, next) = Walkthrough::start(plan(
        AuthMode::Device,
        KonnectorMode::Install(None),
        &["postgresqlinstances", "servicebindings"],
    ));
    assert!(
        matches!(next.action, Action::FetchProvider(ref u) if u.export.as_str() == "http://127.0.0.1:8080/export")
    );
    assert_eq!(
        next.events,
        vec![(Step::DiscoverProvider, StepStatus::Started)]
    );

    let next = w.advance(Outcome::Provider(provider("v1.5.0"), metadata()));
    assert_eq!(next.action, Action::InspectApp);
    let steps: Vec<Step> = next.events.iter().map(|(s, _)| *s).collect();
    assert_eq!(
        steps,
        [
            Step::DiscoverProvider,
            Step::CheckVersion,
            Step::CheckVersion,
            Step::CheckAppCluster
        ]
    );

    let next = w.advance(Outcome::App(app(Vec::new(), Vec::new(), true)));
    assert_eq!(
        next.action,
        Action::Authenticate(Login::Headless {
            issuer: "http://127.0.0.1:5556".into(),
            client_id: "klutch-tui".into(),
            mode: AuthMode::Device,
        })
    );
    assert_eq!(w.made(), [Made::Namespace("klutch-bind".into())]);

    let next = w.advance(Outcome::LoggedIn {
        who: "developer".into(),
        how: "device code".into(),
    });
    assert_eq!(next.action, Action::ListExports);
    let next = w.advance(Outcome::Offers(vec![
        pg.clone(),
        sb.clone(),
        offer("backups", Vec::new()),
    ]));
    assert_eq!(
        next.action,
        Action::RequestAccess(vec![pg.clone(), sb.clone()])
    );

    let resp = response(&[pg.clone(), sb.clone()]);
    let next = w.advance(Outcome::Response(resp.clone()));
    assert_eq!(next.action, Action::CreateRequests(resp.requests.clone()));

    let made = vec![
        request_made("postgresqlinstances.anynines.com"),
        request_made("servicebindings.anynines.com"),
    ];
    let next = w.advance(Outcome::RequestsCreated {
        made,
        existing: Vec::new(),
    });
    assert_eq!(
        next.action,
        Action::WaitForExports(vec![
            "postgresqlinstances.anynines.com".into(),
            "servicebindings.anynines.com".into()
        ])
    );
    let next = w.advance(Outcome::ExportsReady);
    assert_eq!(next.action, Action::StoreKubeconfig(None));
    let next = w.advance(Outcome::SecretStored("kubeconfig-x1".into(), true));
    assert_eq!(
        next.action,
        Action::Konnector(KonnectorMode::Install(None), vec![pg.clone(), sb.clone()])
    );
    let next = w.advance(Outcome::KonnectorReady(Vec::new(), "installed".into()));
    let Action::AskClaim { binding, text, .. } = next.action else {
        panic!("the claim is asked: {next:?}")
    };
    assert_eq!(binding, "servicebindings.anynines.com");
    assert!(
        text.starts_with("The provider wants to write secrets objects"),
        "{text}"
    );
    let next = w.advance(Outcome::ClaimAnswered(true));
    let Action::CreateBindings(bindings) = next.action else {
        panic!("{next:?}")
    };
    assert_eq!(bindings.len(), 2);
    assert!(bindings.iter().all(|b| b.secret == "kubeconfig-x1"));
    assert_eq!(bindings[1].claims, vec![(secrets_claim(false), true)]);
    assert!(bindings[0].claims.is_empty());

    let next = w.advance(Outcome::BindingsCreated(vec![
        Made::Binding("postgresqlinstances.anynines.com".into()),
        Made::Binding("servicebindings.anynines.com".into()),
    ]));
    assert!(matches!(next.action, Action::WaitBound(ref n) if n.len() == 2));
    let next = w.advance(Outcome::Bound);
    let Action::Finish(summary) = next.action else {
        panic!("{next:?}")
    };
    assert_eq!(summary.cluster_namespace, "cluster-abc");
    assert_eq!(summary.secret, "kubeconfig-x1");
    assert_eq!(summary.who, "developer");
    assert_eq!(summary.created.len(), 2);
    assert_eq!(*w.state(), State::Done);
}

#[test]
fn upstreams_backend_gets_upstreams_browser_flow() {
    let pg = offer("postgresqlinstances", Vec::new());
    let (mut w, _) = Walkthrough::start(plan(AuthMode::Browser, KonnectorMode::None, &[]));
    w.advance(Outcome::Provider(provider("v1.5.0"), None));
    let next = w.advance(Outcome::App(app(Vec::new(), Vec::new(), false)));
    assert_eq!(
        next.action,
        Action::Authenticate(Login::CodeGrant {
            authorize_url: "http://127.0.0.1:8080/authorize".into(),
            cluster_id: "c1d2e3".into(),
        })
    );
    let resp = response(std::slice::from_ref(&pg));
    let next = w.advance(Outcome::Response(resp.clone()));
    assert_eq!(next.action, Action::CreateRequests(resp.requests));
    assert!(next.events.contains(&(
        Step::ChooseExports,
        StepStatus::Done("postgresqlinstances.anynines.com (in the browser)".into())
    )));
}

#[test]
fn code_grant_is_chosen_even_where_headless_routes_exist() {
    let (mut w, _) = Walkthrough::start(plan(AuthMode::CodeGrant, KonnectorMode::None, &[]));
    w.advance(Outcome::Provider(provider("v1.5.0"), metadata()));
    let next = w.advance(Outcome::App(app(Vec::new(), Vec::new(), false)));
    assert!(matches!(
        next.action,
        Action::Authenticate(Login::CodeGrant { .. })
    ));
}

#[test]
fn device_and_token_logins_need_the_headless_routes() {
    for mode in [AuthMode::Device, AuthMode::Token] {
        let (mut w, _) = Walkthrough::start(plan(mode, KonnectorMode::None, &[]));
        let next = w.advance(Outcome::Provider(provider("v1.5.0"), None));
        let Action::Fail(BindError::NoHeadlessRoute { auth, .. }) = next.action else {
            panic!("{next:?}")
        };
        assert_eq!(auth, mode.name());
        assert_eq!(*w.state(), State::Failed);
    }
}

#[test]
fn an_old_backend_is_refused_before_anything_is_made() {
    let (mut w, _) = Walkthrough::start(plan(AuthMode::Browser, KonnectorMode::None, &[]));
    let next = w.advance(Outcome::Provider(provider("v0.2.0"), None));
    assert!(matches!(
        next.action,
        Action::Fail(BindError::VersionTooOld { .. })
    ));
    assert!(matches!(
        next.events.last(),
        Some((Step::CheckVersion, StepStatus::Failed(_)))
    ));
}

#[test]
fn a_failure_rolls_back_what_was_made_newest_first() {
    let pg = offer("postgresqlinstances", Vec::new());
    let (mut w, _) = Walkthrough::start(plan(
        AuthMode::Token,
        KonnectorMode::Install(None),
        &["postgresqlinstances"],
    ));
    w.advance(Outcome::Provider(provider("v1.5.0"), metadata()));
    w.advance(Outcome::App(app(Vec::new(), Vec::new(), true)));
    w.advance(Outcome::LoggedIn {
        who: "ci".into(),
        how: "token file".into(),
    });
    w.advance(Outcome::Offers(vec![pg.clone()]));
    w.advance(Outcome::Response(response(std::slice::from_ref(&pg))));
    w.advance(Outcome::RequestsCreated {
        made: vec![request_made("postgresqlinstances.anynines.com")],
        existing: Vec::new(),
    });
    w.advance(Outcome::ExportsReady);
    w.advance(Outcome::SecretStored("kubeconfig-x1".into(), true));
    let next = w.advance(Outcome::Failed(BindError::Konnector(
        "installing it is forbidden".into(),
    )));
    assert_eq!(
        next.action,
        Action::RollBack(vec![
            Made::Secret("kubeconfig-x1".into()),
            request_made("postgresqlinstances.anynines.com"),
            Made::Namespace("klutch-bind".into()),
        ])
    );
    assert!(matches!(
        next.events.last(),
        Some((Step::Konnector, StepStatus::Failed(_)))
    ));
    assert_eq!(*w.state(), State::RollingBack);
    let next = w.advance(Outcome::RolledBack);
    assert!(matches!(next.action, Action::Fail(BindError::Konnector(_))));
}

#[test]
fn binding_again_changes_nothing_and_says_so() {
    let pg = offer("postgresqlinstances", Vec::new());
    let existing_secret = KubeconfigSecret {
        name: "kubeconfig-old".into(),
        target: ("https://cp:6443".into(), "cluster-abc".into()),
    };
    let (mut w, _) = Walkthrough::start(BindPlan {
        assume_yes: true,
        ..plan(
            AuthMode::Token,
            KonnectorMode::None,
            &["postgresqlinstances"],
        )
    });
    w.advance(Outcome::Provider(provider("v1.5.0"), metadata()));
    w.advance(Outcome::App(app(
        vec![binding(
            "postgresqlinstances.anynines.com",
            "kubeconfig-old",
        )],
        vec![existing_secret],
        false,
    )));
    w.advance(Outcome::LoggedIn {
        who: "ci".into(),
        how: "token file".into(),
    });
    w.advance(Outcome::Offers(vec![pg.clone()]));
    w.advance(Outcome::Response(response(std::slice::from_ref(&pg))));
    let next = w.advance(Outcome::RequestsCreated {
        made: Vec::new(),
        existing: vec!["postgresqlinstances.anynines.com".into()],
    });
    assert_eq!(
        next.action,
        Action::StoreKubeconfig(Some("kubeconfig-old".into()))
    );
    assert!(next.events.contains(&(
        Step::WaitForExports,
        StepStatus::Skipped("nothing new".into())
    )));
    w.advance(Outcome::SecretStored("kubeconfig-old".into(), false));
    let next = w.advance(Outcome::KonnectorReady(Vec::new(), "left".into()));
    assert_eq!(next.action, Action::CreateBindings(Vec::new()));
    let next = w.advance(Outcome::BindingsCreated(Vec::new()));
    let Action::Finish(summary) = next.action else {
        panic!("{next:?}")
    };
    assert!(summary.created.is_empty());
    assert_eq!(summary.already_bound, ["postgresqlinstances.anynines.com"]);
    assert!(w.made().is_empty(), "nothing was made");
}

#[test]
fn a_binding_of_another_provider_is_not_taken_over() {
    let pg = offer("postgresqlinstances", Vec::new());
    let (mut w, _) = Walkthrough::start(plan(
        AuthMode::Token,
        KonnectorMode::None,
        &["postgresqlinstances"],
    ));
    w.advance(Outcome::Provider(provider("v1.5.0"), metadata()));
    w.advance(Outcome::App(app(
        vec![binding(
            "postgresqlinstances.anynines.com",
            "kubeconfig-theirs",
        )],
        Vec::new(),
        false,
    )));
    w.advance(Outcome::LoggedIn {
        who: "ci".into(),
        how: "token".into(),
    });
    w.advance(Outcome::Offers(vec![pg.clone()]));
    w.advance(Outcome::Response(response(std::slice::from_ref(&pg))));
    w.advance(Outcome::RequestsCreated {
        made: Vec::new(),
        existing: vec![pg.name()],
    });
    w.advance(Outcome::SecretStored("kubeconfig-new".into(), true));
    let next = w.advance(Outcome::KonnectorReady(Vec::new(), "left".into()));
    assert_eq!(
        next.action,
        Action::RollBack(vec![Made::Secret("kubeconfig-new".into())])
    );
    let next = w.advance(Outcome::RolledBack);
    assert!(
        matches!(next.action, Action::Fail(BindError::ForeignBinding(ref n)) if n == "postgresqlinstances.anynines.com")
    );
}

#[test]
fn declining_a_required_claim_fails_and_yes_accepts_them_all() {
    let sb = offer("servicebindings", vec![secrets_claim(true)]);
    let walk_to_claims = |assume_yes: bool| {
        let (mut w, _) = Walkthrough::start(BindPlan {
            assume_yes,
            ..plan(AuthMode::Token, KonnectorMode::None, &["servicebindings"])
        });
        w.advance(Outcome::Provider(provider("v1.5.0"), metadata()));
        w.advance(Outcome::App(app(Vec::new(), Vec::new(), false)));
        w.advance(Outcome::LoggedIn {
            who: "ci".into(),
            how: "token".into(),
        });
        w.advance(Outcome::Offers(vec![sb.clone()]));
        w.advance(Outcome::Response(response(std::slice::from_ref(&sb))));
        w.advance(Outcome::RequestsCreated {
            made: Vec::new(),
            existing: vec![sb.name()],
        });
        w.advance(Outcome::SecretStored("kubeconfig-x".into(), false));
        let next = w.advance(Outcome::KonnectorReady(Vec::new(), "left".into()));
        (w, next)
    };
    let (mut w, next) = walk_to_claims(false);
    assert!(matches!(next.action, Action::AskClaim { .. }));
    let next = w.advance(Outcome::ClaimAnswered(false));
    let Action::Fail(e) = next.action else {
        panic!("{next:?}")
    };
    assert!(e.to_string().contains("requires access to secrets"), "{e}");

    let (_, next) = walk_to_claims(true);
    let Action::CreateBindings(bindings) = next.action else {
        panic!("{next:?}")
    };
    assert_eq!(bindings[0].claims, vec![(secrets_claim(true), true)]);
}

#[test]
fn unknown_exports_and_bad_urls_fail_with_what_there_is() {
    let (w, next) = Walkthrough::start(plan(AuthMode::Browser, KonnectorMode::None, &[]));
    drop(w);
    assert!(matches!(next.action, Action::FetchProvider(_)));
    let (_, next) = Walkthrough::start(BindPlan {
        url: "not a url".into(),
        ..plan(AuthMode::Browser, KonnectorMode::None, &[])
    });
    assert!(matches!(
        next.action,
        Action::Fail(BindError::InvalidUrl { .. })
    ));

    let (mut w, _) = Walkthrough::start(plan(AuthMode::Device, KonnectorMode::None, &["widgets"]));
    w.advance(Outcome::Provider(provider("v1.5.0"), metadata()));
    w.advance(Outcome::App(app(Vec::new(), Vec::new(), false)));
    w.advance(Outcome::LoggedIn {
        who: "d".into(),
        how: "device".into(),
    });
    let next = w.advance(Outcome::Offers(vec![offer("backups", Vec::new())]));
    let Action::Fail(e) = next.action else {
        panic!("{next:?}")
    };
    assert_eq!(
        e.to_string(),
        "the backend exports no \"widgets\"; it exports: backups"
    );
}
