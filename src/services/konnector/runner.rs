//! Driving one controller's result stream until it is told to stop. kube-runtime keeps a
//! stopped controller waiting for a store its stopped watch never fills, so a controller that
//! had not started is dropped at once, and one that had gets a bounded grace for the
//! reconciliations in flight (a half-done write is retried by the next run: every reconcile
//! is level-triggered and idempotent).

use futures::{FutureExt, Stream, StreamExt};
use std::fmt::Display;
use std::future::Future;
use std::pin::pin;
use std::time::Duration;
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

/// How long reconciliations in flight may take to finish after a stop.
pub const GRACE: Duration = Duration::from_secs(1);

/// Drain `results` (errors go to the log at debug level; the reconcilers report what
/// matters) until the stream ends or `stop` is cancelled, as described above.
pub async fn run_controller<S, T, E>(
    name: &str,
    results: S,
    stop: CancellationToken,
    started: impl Future<Output = ()>,
    grace: Duration,
) where
    S: Stream<Item = Result<T, E>>,
    E: Display,
{
    let mut drained = pin!(results.for_each(|result| async move {
        if let Err(error) = result {
            tracing::debug!(controller = name, %error, "konnector: controller event");
        }
    }));
    let mut started = pin!(started);
    let mut has_started = false;
    loop {
        let stopping = tokio::select! {
            biased;
            () = &mut drained => return,
            () = &mut started, if !has_started => {
                has_started = true;
                false
            }
            () = stop.cancelled() => true,
        };
        if stopping {
            break;
        }
    }
    if !has_started && started.as_mut().now_or_never().is_none() {
        return;
    }
    if tokio::time::timeout(grace, drained).await.is_err() {
        tracing::debug!(
            controller = name,
            "konnector: controller dropped after the grace"
        );
    }
}

/// Whether a reflector store has had its first listing. kube-runtime's
/// `Store::wait_until_ready` wakes only the last of several waiters (its one-shot channel
/// keeps one waker), so the applier stays its only waiter and everybody else waits on this,
/// set by the task that drives the store's watch when it sees `InitDone`.
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
