//! Helpers for end-to-end tests in a real terminal: a private tmux server, keys sent with
//! send-keys, the screen read with capture-pane, kubectl against the sandbox.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The klutch-tui binary under test.
pub fn binary() -> &'static str {
    env!("CARGO_BIN_EXE_klutch-tui")
}

/// Files shipped with these tests.
pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/tmux")
        .join(name)
}

/// The shared fixtures beside the repository.
pub fn shared(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/fixtures")
        .join(path)
}

fn need(tool: &str) {
    let args: &[&str] = if tool == "tmux" {
        &["-V"]
    } else {
        &["version", "--client"]
    };
    let ok = Command::new(tool)
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok();
    assert!(
        ok,
        "{tool} is needed for the end-to-end tests (apt-get install {tool})"
    );
}

/// A tmux server of our own running one session.
pub struct Tmux {
    socket: String,
}

impl Tmux {
    /// Start `command` (run by sh) in a detached session of `width`×`height`.
    pub fn start(name: &str, command: &str, width: u16, height: u16) -> Tmux {
        need("tmux");
        let socket = format!("klutch-test-{}-{name}", std::process::id());
        let t = Tmux { socket };
        let status = t
            .cmd()
            .args([
                "new-session",
                "-d",
                "-s",
                "t",
                "-x",
                &width.to_string(),
                "-y",
            ])
            .arg(height.to_string())
            .arg(command)
            .status()
            .unwrap();
        assert!(status.success(), "tmux new-session failed");
        t
    }

    fn cmd(&self) -> Command {
        let mut c = Command::new("tmux");
        c.args(["-L", &self.socket, "-f", "/dev/null"]);
        c
    }

    /// The screen as text.
    pub fn screen(&self) -> String {
        let out = self
            .cmd()
            .args(["capture-pane", "-p", "-t", "t"])
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Type text literally.
    pub fn type_text(&self, text: &str) {
        let s = self
            .cmd()
            .args(["send-keys", "-t", "t", "-l", text])
            .status()
            .unwrap();
        assert!(s.success());
    }

    /// Press a named key (`Enter`, `Escape`, `C-c`).
    pub fn press(&self, key: &str) {
        let s = self
            .cmd()
            .args(["send-keys", "-t", "t", key])
            .status()
            .unwrap();
        assert!(s.success());
    }

    /// Press named keys in one go (`["C-a", "C-k"]`).
    pub fn press_all(&self, keys: &[&str]) {
        let s = self
            .cmd()
            .args(["send-keys", "-t", "t"])
            .args(keys)
            .status()
            .unwrap();
        assert!(s.success());
    }

    /// Whether the pane shows the alternate screen.
    pub fn alternate_on(&self) -> bool {
        let out = self
            .cmd()
            .args(["display-message", "-p", "-t", "t", "#{alternate_on}"])
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).trim() == "1"
    }

    /// Wait until `pred` holds for the screen; panics with the screen after `timeout`.
    pub fn wait_for(&self, what: &str, timeout: Duration, pred: impl Fn(&str) -> bool) -> Duration {
        let start = Instant::now();
        loop {
            let screen = self.screen();
            if pred(&screen) {
                return start.elapsed();
            }
            if start.elapsed() > timeout {
                panic!("timed out after {timeout:?} waiting for {what}; screen:\n{screen}");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.cmd().arg("kill-server").status();
    }
}

/// Run kubectl; panics with its output when it fails.
pub fn kubectl(kubeconfig: &Path, context: &str, args: &[&str]) -> String {
    need("kubectl");
    let out = Command::new("kubectl")
        .arg("--kubeconfig")
        .arg(kubeconfig)
        .args(["--context", context])
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "kubectl {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Apply a manifest given as text.
pub fn apply(kubeconfig: &Path, context: &str, manifest: &str) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("m.yaml");
    std::fs::write(&file, manifest).unwrap();
    kubectl(
        kubeconfig,
        context,
        &["apply", "-f", file.to_str().unwrap()],
    );
}

/// A claim manifest.
pub fn claim(kind: &str, ns: &str, name: &str) -> String {
    format!(
        "apiVersion: anynines.com/v1\nkind: {kind}\nmetadata:\n  name: {name}\n  namespace: {ns}\n  labels:\n    app: {name}\nspec:\n  service: a9s-postgresql15\n  plan: postgresql-single-small\n"
    )
}

/// A `klutch-tui sandbox` process in the foreground, stopped (SIGTERM) on drop.
pub struct SandboxProcess {
    child: Child,
}

impl SandboxProcess {
    /// Start it on `dir` and wait for `sandbox ready`.
    pub fn start(dir: &Path) -> SandboxProcess {
        use std::io::{BufRead, BufReader};
        let mut child = Command::new(binary())
            .arg("sandbox")
            .arg("--state-dir")
            .arg(dir.join("state"))
            .arg("--kubeconfig-out")
            .arg(dir.join("kubeconfig.yaml"))
            .arg("--info-out")
            .arg(dir.join("info.json"))
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let mut lines = BufReader::new(stdout).lines();
        loop {
            match lines.next() {
                Some(Ok(line)) if line.trim() == "sandbox ready" => break,
                Some(Ok(_)) => continue,
                _ => panic!("the sandbox exited before it was ready"),
            }
        }
        SandboxProcess { child }
    }

    /// Stop it (SIGTERM) and wait until it has exited.
    pub fn stop(mut self) {
        self.terminate();
    }

    fn terminate(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for SandboxProcess {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            self.terminate();
        }
    }
}

/// The environment that keeps a test's config, state and kubectl cache in `dir`.
pub fn isolated_env(dir: &Path) -> String {
    format!(
        "env XDG_CONFIG_HOME={d}/config XDG_STATE_HOME={d}/xdg-state HOME={d}",
        d = dir.display()
    )
}

impl Tmux {
    /// The process the pane's shell started (the program under test).
    pub fn program_pid(&self) -> u32 {
        let out = self
            .cmd()
            .args(["display-message", "-p", "-t", "t", "#{pane_pid}"])
            .output()
            .unwrap();
        let shell = String::from_utf8_lossy(&out.stdout).trim().to_string();
        let out = Command::new("ps")
            .args(["-o", "pid=", "--ppid", &shell])
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        text.split_whitespace().next().unwrap().parse().unwrap()
    }
}
