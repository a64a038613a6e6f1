//! Running a controller until it is told to stop, for every controller Klutch runs (the
//! sandbox's bind backend and provider, the konnector). A controller is seen only through its
//! stream of reconciliation results, so this needs no Kubernetes client.
//!
//! Stopping has one trap: kube-runtime keeps a stopped controller waiting for a store its
//! stopped watch never fills, so a controller stopped before its first LIST finished would
//! never end. [`run_controller`] therefore drops at once a controller that had not started,
//! and gives one that had its reconciliations in flight a grace period before dropping it.

use futures::{FutureExt, Stream, StreamExt};
use std::fmt::Display;
use std::future::Future;
use std::pin::pin;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// How long reconciliations in flight may take to finish after a stop, unless the caller
/// knows better.
pub const DEFAULT_GRACE: Duration = Duration::from_secs(1);

/// How a controller's run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ControllerEnd {
    /// Its result stream ended: it stopped by itself (after a stop, once its reconciliations
    /// in flight were done).
    Stopped,
    /// The stop came before it had started; it was dropped at once.
    StoppedBeforeStart,
    /// Its reconciliations in flight did not finish within the grace period; it was dropped.
    DidNotStopInTime,
}

/// Drive a controller: drain its `results` into the log (errors at debug level) until the
/// stream ends or `stop` is cancelled. After `stop`, a controller whose `started` future has
/// resolved (e.g. its store is ready) gets `grace` to end by itself; one that had not
/// started is dropped at once. Logs and returns which of the three happened.
pub async fn run_controller<S, T, E>(
    name: &str,
    results: S,
    stop: CancellationToken,
    started: impl Future<Output = ()>,
    grace: Duration,
) -> ControllerEnd
where
    S: Stream<Item = Result<T, E>>,
    E: Display,
{
    let mut drained = pin!(results.for_each(|result| async move {
        if let Err(error) = result {
            tracing::debug!(controller = name, %error, "controller error");
        }
    }));
    let mut started = pin!(started);
    let mut has_started = false;
    let end = loop {
        let stopping = tokio::select! {
            biased;
            () = &mut drained => break ControllerEnd::Stopped,
            () = &mut started, if !has_started => {
                has_started = true;
                false
            }
            () = stop.cancelled() => true,
        };
        if !stopping {
            continue;
        }
        // It may have started since `started` was last polled.
        if !has_started {
            has_started = started.as_mut().now_or_never().is_some();
        }
        if !has_started {
            break ControllerEnd::StoppedBeforeStart;
        }
        break tokio::select! {
            () = &mut drained => ControllerEnd::Stopped,
            () = tokio::time::sleep(grace) => ControllerEnd::DidNotStopInTime,
        };
    };
    match end {
        ControllerEnd::Stopped => tracing::debug!(controller = name, "controller stopped"),
        ControllerEnd::StoppedBeforeStart => {
            tracing::debug!(controller = name, "controller stopped before it started")
        }
        ControllerEnd::DidNotStopInTime => tracing::warn!(
            controller = name,
            grace_ms = grace.as_millis() as u64,
            "controller did not stop in time; dropped"
        ),
    }
    end
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures::stream;
    use std::future::{pending, ready};
    use tokio::time::{Instant, sleep};

    const GRACE: Duration = Duration::from_secs(3);

    /// A result stream that never yields and never ends.
    fn endless() -> impl Stream<Item = Result<(), String>> {
        stream::pending()
    }

    const STOP_AT: Duration = Duration::from_secs(5);

    /// Runs a controller that is told to stop after [`STOP_AT`]: how it ended, and when.
    async fn run_and_stop(
        results: impl Stream<Item = Result<(), String>>,
        stop: CancellationToken,
        started: impl Future<Output = ()>,
    ) -> (ControllerEnd, Duration) {
        let t0 = Instant::now();
        let token = stop.clone();
        tokio::spawn(async move {
            sleep(STOP_AT).await;
            token.cancel();
        });
        let end = run_controller("c", results, stop, started, GRACE).await;
        (end, t0.elapsed())
    }

    #[tokio::test(start_paused = true)]
    async fn a_stream_that_ends_is_a_controller_that_stopped() {
        let results = stream::iter([Ok(()), Err("conflict".to_string()), Ok(())]);
        let ended = run_and_stop(results, CancellationToken::new(), pending()).await;
        assert_eq!(ended, (ControllerEnd::Stopped, Duration::ZERO));
    }

    #[tokio::test(start_paused = true)]
    async fn a_started_controller_that_does_not_end_is_dropped_after_the_grace() {
        let ended = run_and_stop(endless(), CancellationToken::new(), ready(())).await;
        assert_eq!(ended, (ControllerEnd::DidNotStopInTime, STOP_AT + GRACE));
    }

    #[tokio::test(start_paused = true)]
    async fn a_controller_that_starts_late_still_gets_the_grace() {
        let started = sleep(Duration::from_secs(2));
        let ended = run_and_stop(endless(), CancellationToken::new(), started).await;
        assert_eq!(ended, (ControllerEnd::DidNotStopInTime, STOP_AT + GRACE));
    }

    #[tokio::test(start_paused = true)]
    async fn a_controller_that_never_started_is_dropped_at_once() {
        let ended = run_and_stop(endless(), CancellationToken::new(), pending()).await;
        assert_eq!(ended, (ControllerEnd::StoppedBeforeStart, STOP_AT));
    }

    #[tokio::test(start_paused = true)]
    async fn reconciliations_that_finish_within_the_grace_end_the_run() {
        let stop = CancellationToken::new();
        let token = stop.clone();
        // The last reconciliation takes a second after the stop, then the stream ends.
        let results = stream::once(async move {
            token.cancelled().await;
            sleep(Duration::from_secs(1)).await;
            Ok(())
        });
        let ended = run_and_stop(results, stop, ready(())).await;
        assert_eq!(
            ended,
            (ControllerEnd::Stopped, STOP_AT + Duration::from_secs(1))
        );
    }
}
