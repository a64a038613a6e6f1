//! Whether a reflector store has had its first listing, for anybody but its controller.
//! kube-runtime's `Store::wait_until_ready` wakes only the last of several waiters (its
//! one-shot channel keeps one waker), so a store's controller stays its only waiter and
//! everybody else waits on a [`Ready`], set by the task that drives the store's watch when
//! it sees `InitDone`.

use tokio::sync::watch;

/// Whether a store has had its first listing.
#[derive(Clone)]
pub struct Ready(watch::Receiver<bool>);

/// Set a [`Ready`].
pub struct SetReady(watch::Sender<bool>);

/// A readiness flag, not set.
pub fn readiness() -> (SetReady, Ready) {
    let (tx, rx) = watch::channel(false);
    (SetReady(tx), Ready(rx))
}

impl SetReady {
    /// Set it (on the first `InitDone`; later ones change nothing).
    pub fn set(&self) {
        self.0.send_if_modified(|r| !std::mem::replace(r, true));
    }
}

impl Ready {
    /// Wait until set (forever if the setter went without setting it).
    pub async fn wait(&self) {
        let mut rx = self.0.clone();
        if rx.wait_for(|r| *r).await.is_err() {
            std::future::pending::<()>().await;
        }
    }
}
