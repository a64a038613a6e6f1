//! The write fuzz test: thousands of hostile writes (see `fuzz_gen`) against one API
//! server. After every case the server still answers, no request got a 500 (the mark
//! of a caught panic), and every object of the kinds written decodes as kube-rs clients
//! decode it (its k8s-openapi type, in a list); every 2,000 cases and at the end all
//! objects survive a reload from a database, and at the end kube-rs lists every type
//! over HTTPS.
//!
//! `SANDBOX_FUZZ_CASES` sets the number of cases (20,000 by default; the README
//! describes a longer run).

use super::auth::{StaticToken, UserInfo};
use super::dispatch::{Incoming, dispatch};
use super::fuzz_gen::{self, NS, TOKEN, gr_of};
use super::limits;
use super::persist::Persist;
use super::registry::GroupResource;
use super::reply::Reply;
use super::shape;
use super::store::{self, ObjKey, Store};
use super::{ApiServer, ApiServerConfig};
use bytes::Bytes;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use serde_json::{Value, json};
use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

const RELOAD_EVERY: u32 = 2000;

pub fn server() -> Arc<ApiServer> {
    ApiServer::new(ApiServerConfig {
        name: "fuzz".into(),
        url: "https://127.0.0.1:1".into(),
        tokens: vec![StaticToken {
            token: TOKEN.into(),
            user: UserInfo {
                username: "admin".into(),
                uid: String::new(),
                groups: vec!["system:masters".into()],
            },
        }],
        token_key: vec![7; 32],
        ca_pem: String::new(),
        db_path: None,
        watch_history: 100,
    })
    .expect("server")
}

fn post(path: &str, v: &Value) -> Incoming {
    Incoming {
        method: http::Method::POST,
        path: path.into(),
        query: None,
        authorization: Some(format!("Bearer {TOKEN}")),
        accept: None,
        content_type: Some("application/json".into()),
        user_agent: "fuzz/1".into(),
        body: Bytes::from(v.to_string()),
    }
}

fn code(reply: &Reply) -> u16 {
    match reply {
        Reply::Json { code, .. } => *code,
        Reply::Stream(_) => 200,
    }
}

async fn setup(server: &Arc<ApiServer>) {
    let ns = json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": NS}});
    assert_eq!(
        code(&dispatch(server, post("/api/v1/namespaces", &ns)).await),
        201
    );
    for crd in fuzz_gen::crds() {
        let path = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions";
        assert_eq!(code(&dispatch(server, post(path, &crd)).await), 201);
    }
}

/// Every object of `gr` is what a kube-rs client can read: it parses (in a list, as a
/// LIST answers it), it decodes as its type, and it is within the limits.
fn readable(server: &ApiServer, gr: &GroupResource) -> Result<(), TestCaseError> {
    let (items, _) = server.store.list(gr, None);
    let Some(rt) = server.registry.get(gr) else {
        prop_assert!(items.is_empty(), "objects of an unserved type {gr}");
        return Ok(());
    };
    let mut list = Vec::new();
    for s in &items {
        let v: Value = serde_json::from_slice(&s.json)
            .map_err(|e| TestCaseError::fail(format!("{gr}: stored JSON does not parse: {e}")))?;
        prop_assert_eq!(&v, &s.value);
        if let Err(e) = shape::check(&rt, &s.value) {
            return Err(TestCaseError::fail(format!(
                "{gr} stored a wrongly typed object ({e}): {v}"
            )));
        }
        prop_assert!(limits::depth_capped(&s.value, limits::MAX_DEPTH) <= limits::MAX_DEPTH);
        prop_assert!(s.json.len() <= limits::MAX_OBJECT_BYTES);
        list.push(String::from_utf8_lossy(&s.json).into_owned());
    }
    let text = format!(
        "{{\"apiVersion\":\"v1\",\"kind\":\"List\",\"metadata\":{{\"resourceVersion\":\"1\"}},\"items\":[{}]}}",
        list.join(",")
    );
    serde_json::from_str::<kube::core::ObjectList<kube::api::DynamicObject>>(&text)
        .map_err(|e| TestCaseError::fail(format!("{gr}: a kube-rs list does not decode: {e}")))?;
    Ok(())
}

async fn run_case(
    server: &Arc<ApiServer>,
    ops: &[Vec<u32>],
    answers: &RefCell<BTreeMap<u16, u32>>,
) -> Result<(), TestCaseError> {
    let mut touched = BTreeSet::new();
    for seeds in ops {
        let (k, req) = fuzz_gen::next(server, seeds);
        let what = format!(
            "{} {}?{}",
            req.method,
            req.path,
            req.query.as_deref().unwrap_or("")
        );
        let body = String::from_utf8_lossy(&req.body[..req.body.len().min(600)]).into_owned();
        let reply = dispatch(server, req).await;
        *answers.borrow_mut().entry(code(&reply)).or_default() += 1;
        if let Reply::Json {
            code, body: answer, ..
        } = reply
        {
            prop_assert!(
                code < 500,
                "{what} answered {code}: {}\nrequest body: {body}",
                String::from_utf8_lossy(&answer)
            );
        }
        touched.insert(gr_of(k));
    }
    prop_assert_eq!(code(&dispatch(server, fuzz_gen::readyz()).await), 200);
    for gr in touched
        .iter()
        .chain([GroupResource::new("", "namespaces")].iter())
    {
        readable(server, gr)?;
    }
    Ok(())
}

/// Write every object into a new database, load it back: the same objects.
fn survives_reload(server: &ApiServer, dir: &std::path::Path, round: u32) {
    let path = dir.join(format!("reload-{round}.redb"));
    let persist = Persist::open(&path).expect("database");
    let mut count = 0;
    for gr in server.store.types() {
        for s in server.store.list(&gr, None).0 {
            let key = ObjKey::new(
                super::meta::namespace(&s.value),
                super::meta::name(&s.value),
            );
            persist
                .write(&store::persist_key(&gr, &key), Some(&s.json), s.rv)
                .expect("write");
            count += 1;
        }
    }
    drop(persist);
    let reloaded =
        Store::persistent(Persist::open(&path).expect("reopen")).expect("the objects load");
    for gr in server.store.types() {
        let (items, _) = server.store.list(&gr, None);
        let (again, _) = reloaded.list(&gr, None);
        assert_eq!(items.len(), again.len(), "{gr}");
        for (a, b) in items.iter().zip(&again) {
            assert_eq!(a.value, b.value, "{gr}");
            count -= 1;
        }
    }
    assert_eq!(count, 0);
    drop(reloaded);
    let _ = std::fs::remove_file(&path);
}

/// Serve the server over HTTPS and list every type with kube-rs.
async fn kube_rs_lists_everything(server: &Arc<ApiServer>) {
    let ca = crate::tls::Ca::generate().expect("CA");
    let tls = ca
        .server_config(&["127.0.0.1".parse().expect("ip")])
        .expect("tls");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("listen");
    let url = format!("https://{}", listener.local_addr().expect("addr"));
    let serving = tokio::spawn(super::serve(server.clone(), listener, tls));
    let kc = crate::kubeconfig::render(&ca.cert_pem, &url, TOKEN, &url, TOKEN);
    let kc = kube::config::Kubeconfig::from_yaml(&kc).expect("kubeconfig");
    let cfg = kube::Config::from_custom_kubeconfig(kc, &Default::default())
        .await
        .expect("config");
    let client = kube::Client::try_from(cfg).expect("client");
    for rt in server.registry.all().iter().filter(|t| !t.is_review()) {
        let v = rt.storage_version();
        let ar = kube::core::ApiResource {
            group: rt.group.clone(),
            version: v.name.clone(),
            api_version: rt.api_version(&v.name),
            kind: rt.kind.clone(),
            plural: rt.plural.clone(),
        };
        let api: kube::Api<kube::api::DynamicObject> = kube::Api::all_with(client.clone(), &ar);
        // The controllers run meanwhile: a CRD being deleted may stop being served.
        match api.list(&Default::default()).await {
            Ok(_) => {}
            Err(_) if server.registry.get(&rt.gr()).is_none() => {}
            Err(e) => panic!("listing {} with kube-rs: {e}", rt.plural),
        }
    }
    use k8s_openapi::api::{apps::v1 as apps, core::v1 as core, rbac::v1 as rbac};
    macro_rules! typed {
        ($($t:ty),*) => {$(
            kube::Api::<$t>::all(client.clone()).list(&Default::default()).await
                .unwrap_or_else(|e| panic!("{}: {e}", stringify!($t)));
        )*};
    }
    typed!(core::ConfigMap, core::Secret, core::Namespace, core::Pod, core::Service,
        core::ServiceAccount, apps::Deployment, rbac::Role, rbac::RoleBinding,
        k8s_openapi::api::coordination::v1::Lease, k8s_openapi::api::events::v1::Event,
        k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition);
    server.shutdown.cancel();
    let _ = serving.await;
}

#[test]
fn hostile_writes_leave_every_object_readable() {
    let cases: u32 = std::env::var("SANDBOX_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20_000);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let dir = tempfile::tempdir().expect("temp dir");
    let server = server();
    rt.block_on(setup(&server));
    {
        let _in_runtime = rt.enter();
        server.spawn_controllers();
    }
    // Panics the controllers catch (they log them and go on) still fail the test.
    let panics = Arc::new(AtomicUsize::new(0));
    let test_thread = std::thread::current().id();
    let earlier = std::panic::take_hook();
    std::panic::set_hook({
        let panics = panics.clone();
        Box::new(move |info| {
            if std::thread::current().id() == test_thread {
                panics.fetch_add(1, Ordering::SeqCst);
            }
            earlier(info)
        })
    });
    let mut runner = TestRunner::new(Config {
        cases,
        failure_persistence: None,
        max_shrink_iters: 0,
        ..Config::default()
    });
    let ops = proptest::collection::vec(proptest::collection::vec(any::<u32>(), 24), 1..5);
    let round = std::cell::Cell::new(0u32);
    let answers = RefCell::new(BTreeMap::new());
    let result = runner.run(&ops, |ops| {
        rt.block_on(run_case(&server, &ops, &answers))?;
        round.set(round.get() + 1);
        if round.get().is_multiple_of(RELOAD_EVERY) {
            survives_reload(&server, dir.path(), round.get());
        }
        Ok(())
    });
    let round = round.get();
    eprintln!("{round} cases; answers by status: {:?}", answers.borrow());
    if let Err(e) = result {
        panic!("{e}");
    }
    survives_reload(&server, dir.path(), round);
    rt.block_on(kube_rs_lists_everything(&server));
    assert_eq!(
        panics.load(Ordering::SeqCst),
        0,
        "something panicked (see the log above)"
    );
}
