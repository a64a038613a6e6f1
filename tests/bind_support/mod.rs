//! Driving `klutch-tui bind` (the real binary) against an in-process sandbox: a home of
//! its own for each test (XDG cache, state and config directories, so the token cache and
//! the log file are the test's), the output read line by line while it runs, and the
//! person at the browser or the device page played with an HTTP client.

#![allow(dead_code, clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::sync::mpsc;

/// Where a test's `klutch-tui` keeps its files.
pub struct Home {
    pub dir: tempfile::TempDir,
    pub kubeconfig: PathBuf,
}

/// What a finished run printed.
#[derive(Debug)]
pub struct Out {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Home {
    pub fn new(kubeconfig: &Path) -> Home {
        Home {
            dir: tempfile::tempdir().unwrap(),
            kubeconfig: kubeconfig.to_path_buf(),
        }
    }

    pub fn cache_file(&self) -> PathBuf {
        self.dir.path().join("cache/klutch-tui/tokens.json")
    }

    pub fn log_file(&self) -> PathBuf {
        self.dir.path().join("state/klutch-tui/klutch-tui.log")
    }

    pub fn command(&self, args: &[&str]) -> tokio::process::Command {
        let mut c = tokio::process::Command::new(env!("CARGO_BIN_EXE_klutch-tui"));
        c.args(args)
            .env("KUBECONFIG", &self.kubeconfig)
            .env("XDG_CACHE_HOME", self.dir.path().join("cache"))
            .env("XDG_STATE_HOME", self.dir.path().join("state"))
            .env("XDG_CONFIG_HOME", self.dir.path().join("config"))
            .env("HOME", self.dir.path())
            .env("KLUTCH_TUI_NO_BROWSER", "1")
            .env("KLUTCH_TUI_LOG", "debug")
            .env_remove("DISPLAY")
            .env_remove("WAYLAND_DISPLAY")
            .kill_on_drop(true);
        c
    }

    /// Run to the end with `stdin` as input.
    pub async fn run(&self, args: &[&str], stdin: &str) -> Out {
        let mut child = self
            .command(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut input = child.stdin.take().unwrap();
        input.write_all(stdin.as_bytes()).await.unwrap();
        drop(input);
        let out = tokio::time::timeout(Duration::from_secs(120), child.wait_with_output())
            .await
            .expect("klutch-tui finished within 120 s")
            .unwrap();
        Out {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    /// `klutch-tui bind URL` headless with an ID token on stdin: the export `export`, the
    /// konnector as `konnector` says (none, local, install).
    pub async fn bind_with_token(
        &self,
        url: &str,
        konnector: &str,
        export: &str,
        token: &str,
    ) -> Out {
        let args = bind_args(url, &["token", "--token-file", "-"], konnector, &[export]);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        self.run(&args, token).await
    }

    /// Start `klutch-tui bind URL --auth device` for `exports`, the konnector as `konnector`
    /// says; the device login's URL comes on its stderr ([`device_url`]).
    pub fn start_device_bind(&self, url: &str, konnector: &str, exports: &[&str]) -> Running {
        let args = bind_args(url, &["device"], konnector, exports);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        self.start(&args)
    }

    /// Start it; its stderr lines arrive on the returned channel as they are printed.
    pub fn start(&self, args: &[&str]) -> Running {
        let mut child = self
            .command(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let (tx, lines) = mpsc::unbounded_channel();
        let stderr = child.stderr.take().unwrap();
        let all = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
        let seen = all.clone();
        tokio::spawn(async move {
            let mut reader = BufReader::new(stderr).lines();
            while let Ok(Some(line)) = reader.next_line().await {
                seen.lock().unwrap().push_str(&format!("{line}\n"));
                let _ = tx.send(line);
            }
        });
        Running {
            child,
            lines,
            stderr: all,
        }
    }
}

/// A running `klutch-tui`.
pub struct Running {
    child: tokio::process::Child,
    lines: mpsc::UnboundedReceiver<String>,
    stderr: std::sync::Arc<std::sync::Mutex<String>>,
}

impl Running {
    /// The first stderr line for which `pick` gives something.
    pub async fn find<T>(&mut self, mut pick: impl FnMut(&str) -> Option<T>) -> T {
        tokio::time::timeout(Duration::from_secs(60), async {
            while let Some(line) = self.lines.recv().await {
                if let Some(t) = pick(&line) {
                    return t;
                }
            }
            panic!(
                "klutch-tui ended first; stderr:\n{}",
                self.stderr.lock().unwrap()
            );
        })
        .await
        .unwrap_or_else(|_| panic!("not printed within 60 s:\n{}", self.stderr.lock().unwrap()))
    }

    /// The first `http…` URL printed on a line of its own.
    pub async fn url(&mut self) -> url::Url {
        self.find(|l| {
            let t = l.trim();
            t.starts_with("http")
                .then(|| url::Url::parse(t).ok())
                .flatten()
        })
        .await
    }

    /// Ctrl-C.
    pub fn interrupt(&self) {
        let pid = self.child.id().unwrap().to_string();
        let sent = std::process::Command::new("kill")
            .args(["-INT", &pid])
            .status()
            .unwrap();
        assert!(sent.success());
    }

    /// Wait for the end.
    pub async fn finish(mut self) -> Out {
        let mut stdout = String::new();
        if let Some(mut out) = self.child.stdout.take() {
            use tokio::io::AsyncReadExt;
            out.read_to_string(&mut stdout).await.unwrap();
        }
        let status = tokio::time::timeout(Duration::from_secs(120), self.child.wait())
            .await
            .expect("klutch-tui finished within 120 s")
            .unwrap();
        // Let the reader take the last lines.
        while self.lines.recv().await.is_some() {}
        Out {
            code: status.code().unwrap_or(-1),
            stdout,
            stderr: self.stderr.lock().unwrap().clone(),
        }
    }
}

/// What `bind --konnector none` needs: the App Cluster serves APIServiceBindings, as
/// after a konnector ran there once (a konnector installs that CRD).
pub async fn serve_bindings(app: &kube::Client) {
    use kube::api::{Api, DynamicObject, Patch, PatchParams};
    use kube::core::{ApiResource, GroupVersionKind};
    let (_, yaml) = sandbox::controlplane::BIND_CRDS
        .iter()
        .find(|(f, _)| f.contains("apiservicebindings"))
        .unwrap();
    let crd: DynamicObject = serde_saphyr::from_str(yaml).unwrap();
    let ar = ApiResource::from_gvk_with_plural(
        &GroupVersionKind::gvk("apiextensions.k8s.io", "v1", "CustomResourceDefinition"),
        "customresourcedefinitions",
    );
    Api::<DynamicObject>::all_with(app.clone(), &ar)
        .patch(
            "apiservicebindings.klutch.anynines.com",
            &PatchParams::apply("test").force(),
            &Patch::Apply(&crd),
        )
        .await
        .unwrap();
    for _ in 0..100 {
        if app
            .list_api_group_resources("klutch.anynines.com/v1alpha1")
            .await
            .is_ok_and(|l| l.resources.iter().any(|r| r.name == "apiservicebindings"))
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("apiservicebindings not served");
}

/// Enter the user code at the device page (the `verification_uri_complete` printed) and
/// approve as `user`.
pub async fn approve_device(complete: &url::Url, (user, password): (&str, &str)) {
    let http = reqwest::Client::new();
    let page = http
        .get(complete.clone())
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let code = attr_after(&page, "name=\"user_code\"", "value");
    let action = attr_after(&page, "<form", "action");
    let answer = http
        .post(complete.join(&action).unwrap())
        .form(&[
            ("user_code", code.as_str()),
            ("username", user),
            ("password", password),
            ("action", "approve"),
        ])
        .send()
        .await
        .unwrap();
    let status = answer.status();
    let body = answer.text().await.unwrap();
    assert!(
        status.is_success() && body.contains("Device connected"),
        "{status}: {body}"
    );
}

/// The value of attribute `name` in the tag that contains `marker`.
fn attr_after(html: &str, marker: &str, name: &str) -> String {
    let at = html
        .find(marker)
        .unwrap_or_else(|| panic!("no {marker} in {html}"));
    let tag_start = html[..at].rfind('<').unwrap_or(at);
    let tag_end = at + html[at..].find('>').unwrap();
    let tag = &html[tag_start..tag_end];
    let key = format!("{name}=\"");
    let start = tag
        .find(&key)
        .unwrap_or_else(|| panic!("no {name} in {tag}"))
        + key.len();
    let end = start + tag[start..].find('"').unwrap();
    tag[start..end].replace("&amp;", "&")
}

/// The device page URL with the code filled in, from the line `… (it opens URL):`.
pub fn device_url(line: &str) -> Option<url::Url> {
    let rest = line.split("it opens ").nth(1)?;
    url::Url::parse(rest.trim_end_matches("):").trim_end_matches(')')).ok()
}

/// Every `name`/`value` of the `<input>`s of the first form on `html`, and its action.
pub fn form_fields(html: &str) -> (String, Vec<(String, String)>) {
    let form_at = html
        .find("<form")
        .unwrap_or_else(|| panic!("no form in {html}"));
    let action = attr_after(&html[form_at..], "<form", "action");
    let end = html[form_at..]
        .find("</form>")
        .map_or(html.len(), |e| form_at + e);
    let mut fields = Vec::new();
    let mut rest = &html[form_at..end];
    while let Some(at) = rest.find("<input") {
        let tag_end = at + rest[at..].find('>').unwrap();
        let tag = &rest[at..tag_end];
        let get = |name: &str| {
            let key = format!(" {name}=\"");
            tag.find(&key).map(|s| {
                let start = s + key.len();
                tag[start..start + tag[start..].find('"').unwrap()].replace("&amp;", "&")
            })
        };
        if let Some(name) = get("name") {
            fields.push((name, get("value").unwrap_or_default()));
        }
        rest = &rest[tag_end..];
    }
    (action, fields)
}

/// The arguments of a headless bind: `--auth` and what follows it, the konnector, the
/// exports, `--yes`.
fn bind_args(url: &str, auth: &[&str], konnector: &str, exports: &[&str]) -> Vec<String> {
    let mut args = vec!["bind".to_string(), url.to_string(), "--auth".to_string()];
    args.extend(auth.iter().map(|a| a.to_string()));
    args.extend(["--konnector".to_string(), konnector.to_string()]);
    for export in exports {
        args.extend(["--export".to_string(), export.to_string()]);
    }
    args.push("--yes".to_string());
    args
}
