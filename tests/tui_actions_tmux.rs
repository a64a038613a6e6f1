//! The cockpit's claim actions end to end: the real binary in tmux against an in-process
//! sandbox whose App Cluster is bound (PostgreSQL, bindings, backups, restores) with the
//! konnector running. A new claim typed into the inline editor with a plan the CEL rule
//! refuses shows the error and sends nothing (checked on both servers); the valid one is
//! applied after its diff and becomes Ready in its App row; a service binding's credentials
//! are masked, then revealed; a backup and a restore run to done; `$EDITOR` (a script)
//! edits the claim, refused first, then applied; the claim is deleted after its name is
//! typed; and `--readonly` refuses `e`.

#![allow(clippy::unwrap_used)]

use crate::support::bind::{BACKUPS, PG, RESTORES, SB, bound_and_running};
use crate::support::{Env, eventually};
use crate::tmux::{Tmux, apply, binary, isolated_env, kubectl};
use std::path::Path;
use std::time::Duration;

const APP: &str = "klutch-app";
const CP: &str = "klutch-control-plane";
const WAIT: Duration = Duration::from_secs(30);

const REFUSED: &str = "  plan: postgresql-single-huge";
const VALID: &str = "  plan: postgresql-single-small";

/// The claim as typed, without its plan line (typed last, so that it can be retyped).
const CLAIM: &[&str] = &[
    "apiVersion: anynines.com/v1",
    "kind: PostgresqlInstance",
    "metadata:",
    "  name: ledger",
    "  namespace: default",
    "  labels:",
    "    role: db",
    "spec:",
    "  service: a9s-postgresql15",
    "  compositionRef:",
    "    name: a9s-postgresql",
];

/// The `$EDITOR`: the first run saves a plan the rules refuse, later runs a valid one.
fn scripted_editor(dir: &Path) -> String {
    let path = dir.join("editor.sh");
    let count = dir.join("editor.count");
    std::fs::write(
        &path,
        format!(
            "#!/bin/sh\nn=$(cat {c} 2>/dev/null || echo 0)\necho $((n+1)) > {c}\n\
             if [ \"$n\" = 0 ]; then p=postgresql-single-huge; else p=postgresql-single-big; fi\n\
             sed -i \"s/^  plan: .*/  plan: $p/\" \"$1\"\n",
            c = count.display()
        ),
    )
    .unwrap();
    let mut perms = std::fs::metadata(&path).unwrap().permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut perms, 0o755);
    std::fs::set_permissions(&path, perms).unwrap();
    path.display().to_string()
}

fn cockpit(dir: &Path, kubeconfig: &Path, extra: &str) -> String {
    format!(
        "{} VISUAL= EDITOR={} {} --kubeconfig {} --app-context {APP} --cp-context {CP} {extra}; echo EXITED $?; sleep 30",
        isolated_env(dir),
        scripted_editor(dir),
        binary(),
        kubeconfig.display()
    )
}

fn connected(screen: &str) -> bool {
    let lines: Vec<&str> = screen.lines().collect();
    lines.len() > 1 && lines[0].contains("● connected") && lines[1].contains("● connected")
}

/// Whether the screen shows `name`'s App row with `status`.
fn app_row(screen: &str, name: &str, status: &str) -> bool {
    screen.lines().any(|l| {
        l.split_whitespace().any(|w| w == name) && l.contains(" app ") && l.contains(status)
    })
}

fn names(kubeconfig: &Path, context: &str, kind: &str, ns: &str) -> String {
    kubectl(kubeconfig, context, &["get", kind, "-n", ns, "-o", "name"])
}

/// Filter the list to `text` and leave the filter line (the selection is the first match).
fn filter(t: &Tmux, text: &str, expect: &str) {
    t.type_text("/");
    t.type_text(text);
    t.press("Enter");
    t.wait_for(&format!("the filter {text}"), WAIT, |s| s.contains(expect));
}

fn escape(t: &Tmux, then: &str, done: impl Fn(&str) -> bool) {
    t.press("Escape");
    // Two escapes in one read are Alt-Esc to a terminal; wait for this one to land.
    t.wait_for(then, WAIT, done);
}

/// Wait for the server's diff showing `plan`, confirm it, and wait until the server says
/// what it did (the services' own word ends up on the message line).
fn confirm_diff(t: &Tmux, plan: &str, done: &str) {
    t.wait_for("the diff to confirm", WAIT, |s| {
        s.contains("confirm the diff") && s.contains(plan)
    });
    t.type_text("y");
    let said = format!("postgresqlinstance.anynines.com/ledger {done}");
    t.wait_for("applied", WAIT, |s| s.contains(&said));
}

/// Type the claim with `plan` as its last line into the empty editor.
fn type_claim(t: &Tmux, plan: &str) {
    for line in CLAIM {
        t.type_text(line);
        t.press("Enter");
    }
    t.type_text(plan);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn claim_actions_in_tmux_against_a_bound_sandbox() {
    let env = Env::start().await;
    let (bound, _konnector) = bound_and_running(&env, &[PG, SB, BACKUPS, RESTORES]).await;
    let cp_ns = format!("{}-default", bound.cluster_ns);
    let kc = env.kubeconfig.clone();
    let dir = tempfile::tempdir().unwrap();
    let t = Tmux::start("actions", &cockpit(dir.path(), &kc, ""), 160, 45);
    t.wait_for("both clusters connected", WAIT, connected);
    t.wait_for("the empty claims view", WAIT, |s| {
        s.contains("No claims yet")
    });

    // A new claim: the skeleton is replaced by what we type.
    // The claim CRDs reach the cockpit through their watcher a moment after connecting;
    // until then `n` says there are no claim kinds yet.
    let deadline = std::time::Instant::now() + WAIT;
    while !t.screen().contains("New PostgresqlInstance") {
        assert!(std::time::Instant::now() < deadline, "{}", t.screen());
        t.type_text("n");
        t.wait_for("an answer to n", WAIT, |s| {
            s.contains("New PostgresqlInstance") || s.contains("no claim kinds")
        });
        std::thread::sleep(Duration::from_millis(200));
    }
    for _ in 0..6 {
        let keys: Vec<&str> = vec!["C-k"; 50];
        t.press_all(&keys);
    }
    type_claim(&t, REFUSED);
    t.wait_for("the CEL rule's error under the editor", WAIT, |s| {
        s.contains("Unsupported plan used for postgresql") && s.contains("✗ 1 problem(s)")
    });
    t.press("C-s");
    t.wait_for("nothing sent", WAIT, |s| s.contains("nothing was sent"));
    assert_eq!(names(&kc, APP, "postgresqlinstances", "default"), "");
    assert_eq!(names(&kc, CP, "postgresqlinstances", &cp_ns), "");
    t.press_all(&["C-a", "C-k"]);
    t.type_text(VALID);
    t.wait_for("valid", WAIT, |s| s.contains("✓ valid"));
    t.press("C-s");
    confirm_diff(&t, "postgresql-single-small", "created");
    let took = t.wait_for("ledger Ready in its App row", WAIT, |s| {
        app_row(s, "ledger", "✓ Ready")
    });
    eprintln!("ledger Ready {} ms after it was applied", took.as_millis());

    // A service binding's credentials: masked, then revealed.
    apply(
        &kc,
        APP,
        "apiVersion: anynines.com/v1\nkind: ServiceBinding\nmetadata:\n  name: shop-creds\n  namespace: default\nspec:\n  instanceRef: ledger\n  serviceInstanceType: postgresql\n  compositionRef:\n    name: a9s-servicebinding\n",
    );
    t.wait_for("the binding Ready", WAIT, |s| {
        app_row(s, "shop-creds", "✓ Ready")
    });
    eventually("the credentials in the App Cluster", WAIT, || async {
        let out = kubectl(&kc, APP, &["get", "secrets", "-n", "default", "-o", "name"]);
        out.contains("secret/shop-creds-creds").then_some(())
    })
    .await;
    let password = kubectl(
        &kc,
        APP,
        &[
            "get",
            "secret",
            "shop-creds-creds",
            "-n",
            "default",
            "-o",
            "jsonpath={.data.password}",
        ],
    );
    let password = String::from_utf8(
        base64::Engine::decode(&base64::engine::general_purpose::STANDARD, password.trim())
            .unwrap(),
    )
    .unwrap();
    filter(&t, "shop-creds", "shop-creds");
    t.type_text("x");
    t.wait_for("the credentials, masked", WAIT, |s| {
        s.contains("Credentials of shop-creds") && s.contains("password")
    });
    assert!(!t.screen().contains(&password), "masked until revealed");
    t.type_text("x");
    t.wait_for("the password revealed", WAIT, |s| s.contains(&password));
    escape(&t, "the dialog closed", |s| !s.contains("Credentials of"));
    escape(&t, "the filter cleared", |s| s.contains("ledger"));

    // Back up the instance, then restore the backup.
    filter(&t, "role=db", "ledger");
    t.type_text("b");
    t.wait_for("the backup done", WAIT, |s| {
        s.contains("backup default/ledger-backup-") && s.contains(": done")
    });
    let backups = names(&kc, APP, "backups", "default");
    assert_eq!(backups.lines().count(), 1, "{backups}");
    let backup = backups
        .trim()
        .trim_start_matches("backup.anynines.com/")
        .to_string();
    escape(&t, "the filter cleared", |s| s.contains("shop-creds"));
    filter(&t, &backup, &backup);
    t.type_text("R");
    t.wait_for("the restore asked first", WAIT, |s| {
        s.contains("Restore?") && s.contains("default/ledger.")
    });
    assert_eq!(
        names(&kc, APP, "restores", "default").lines().count(),
        0,
        "nothing is restored before y"
    );
    t.type_text("y");
    t.wait_for("the restore done", WAIT, |s| {
        s.contains("restore default/") && s.contains(": done")
    });
    assert_eq!(names(&kc, APP, "restores", "default").lines().count(), 1);
    escape(&t, "the filter cleared", |s| s.contains("shop-creds"));

    // $EDITOR: refused first (nothing sent), then applied after the diff.
    filter(&t, "role=db", "ledger");
    t.type_text("E");
    t.wait_for("the refused plan back in the editor", WAIT, |s| {
        s.contains("nothing was sent") && s.contains("postgresql-single-huge")
    });
    let plan = "jsonpath={.spec.plan}";
    let get_plan = || {
        kubectl(
            &kc,
            APP,
            &[
                "get",
                "postgresqlinstance",
                "ledger",
                "-n",
                "default",
                "-o",
                plan,
            ],
        )
    };
    assert_eq!(get_plan(), "postgresql-single-small");
    escape(&t, "asked whether to leave", |s| {
        s.contains("unsaved changes")
    });
    t.type_text("y");
    t.wait_for("the editor closed", WAIT, |s| {
        !s.contains("unsaved changes")
    });
    t.type_text("E");
    confirm_diff(&t, "postgresql-single-big", "configured");
    assert_eq!(get_plan(), "postgresql-single-big");

    // Delete: only the exact name confirms.
    t.type_text("d");
    t.wait_for("the delete confirm", WAIT, |s| {
        s.contains("ALL ITS") && s.contains("Type its name to delete it")
    });
    t.type_text("ledge");
    t.press("Enter");
    t.wait_for("a wrong name refused", WAIT, |s| {
        s.contains("type ledger exactly")
    });
    assert!(names(&kc, APP, "postgresqlinstances", "default").contains("ledger"));
    t.type_text("r");
    t.press("Enter");
    t.wait_for("being deleted", WAIT, |s| s.contains("is being deleted"));
    eventually("ledger gone from the App Cluster", WAIT, || {
        let kc = kc.clone();
        async move {
            names(&kc, APP, "postgresqlinstances", "default")
                .is_empty()
                .then_some(())
        }
    })
    .await;
    t.wait_for("its row gone", WAIT, |s| !app_row(s, "ledger", ""));
    t.type_text("q");
    t.wait_for("the cockpit quit", WAIT, |s| s.contains("EXITED 0"));

    // --readonly refuses e.
    let ro = Tmux::start("readonly", &cockpit(dir.path(), &kc, "--readonly"), 160, 45);
    ro.wait_for("connected, a claim listed", WAIT, |s| {
        connected(s) && s.contains("shop-creds")
    });
    ro.type_text("e");
    ro.wait_for("the refusal", WAIT, |s| s.contains("read-only"));
    assert!(!ro.screen().contains(" Edit "));
    ro.type_text("q");
    env.sb.shutdown().await;
}
