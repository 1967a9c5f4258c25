//! Ctrl-C and SIGTERM: work that must stop within seconds when they arrive, and browsers that are
//! always closed — on success, on error and on a signal.

use crate::exit::Interrupted;
use crate::replay::{BrowserOptions, BrowserPool, ReplayError};

/// Resolves on SIGINT or SIGTERM.
pub async fn interrupted() {
    use tokio::signal::unix::{SignalKind, signal};
    let term = signal(SignalKind::terminate());
    let int = signal(SignalKind::interrupt());
    match (term, int) {
        (Ok(mut term), Ok(mut int)) => {
            tokio::select! {
                _ = term.recv() => {},
                _ = int.recv() => {},
            }
        }
        _ => std::future::pending::<()>().await,
    }
}

/// Runs `work` unless a signal comes first (then `why`). Files are only ever written whole (temp
/// file + rename, with no await in between), so stopping at any await leaves no partial file.
pub async fn until_interrupted<T>(
    work: impl Future<Output = T>,
    why: Interrupted,
) -> Result<T, Interrupted> {
    tokio::select! {
        r = work => Ok(r),
        _ = interrupted() => Err(why),
    }
}

/// Starts the browsers, runs `work` with them, and always closes them: on success, on error, and
/// on Ctrl-C / SIGTERM (which end the work with [`Interrupted`]).
pub async fn with_browsers<T, E, F>(opts: &BrowserOptions, work: F) -> Result<T, E>
where
    F: AsyncFnOnce(&BrowserPool) -> Result<T, E>,
    E: From<ReplayError> + From<Interrupted>,
{
    let pool = tokio::select! {
        p = crate::timings::span("browser start", BrowserPool::start(opts)) => p?,
        _ = interrupted() => return Err(Interrupted::BROWSERS.into()),
    };
    let result = tokio::select! {
        r = work(&pool) => r,
        _ = interrupted() => Err(Interrupted::BROWSERS.into()),
    };
    crate::timings::span("browser close", pool.close()).await;
    result
}
