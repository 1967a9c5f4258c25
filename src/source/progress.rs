//! What a fetch reports while it runs. The source stage emits [`FetchEvent`]s; the command line
//! decides how to show them (a progress bar on a terminal, plain lines otherwise).

/// One step of a fetch run.
#[derive(Debug, Clone)]
pub enum FetchEvent {
    /// The number of recordings (or objects) to go through is known (or grew).
    Total(u64),
    /// A recording (object) was written: id, bytes.
    Fetched { id: String, bytes: u64 },
    /// Already there and finished: not fetched again.
    Cached { id: String },
    /// Not written: why (a missing recording, a non-recording object, a server error).
    Failed { id: String, message: String },
    /// Something worth a line that is not about one recording (a rate-limit pause, a retry).
    Note(String),
}

/// Receives [`FetchEvent`]s; must be cheap and never block for long.
pub trait Observer: Send + Sync {
    fn event(&self, event: FetchEvent);
}

/// Ignores every event.
pub struct Quiet;

impl Observer for Quiet {
    fn event(&self, _event: FetchEvent) {}
}
