//! Where recordings come from: local files, globs and folders ([`expand`], [`recording_files`]), the PostHog API ([`posthog`])
//! and object storage ([`object_store`]). Fetches save recordings losslessly into a directory
//! through `files::write_atomic` and skip what is already there (`cache`); [`sources`] fetches
//! the `[[sources]]` of `reel.toml` for `reel run`.

pub(crate) mod cache;
mod glob;
pub mod object_store;
pub mod posthog;
pub mod progress;
mod secret;
pub mod sources;

pub use cache::linked_checkpoints;
pub use glob::{expand, is_side_file, recording_files};
pub use progress::{FetchEvent, Observer};
pub use secret::ApiKey;
pub use sources::{PosthogSource, Source};

/// Makes ring's cryptography the process's default for rustls, once: reqwest (the PostHog
/// client) and object_store build their HTTPS clients on it. Public for programs (and tests)
/// that build object_store or reqwest clients of their own beside reel's.
#[cfg(feature = "https")]
pub fn use_ring_for_tls() {
    // Err only when a provider is already installed, which is as good.
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// The error for a source this build of reel leaves out (`--no-default-features`): which cargo
/// feature `what` needs.
#[cfg(not(all(feature = "object-store", feature = "posthog")))]
fn not_built(feature: &str, what: &str) -> SourceError {
    SourceError::Usage(format!(
        "{what}: this reel was built without the `{feature}` feature; build it with the default \
         features (or `--features {feature}`) to fetch from there"
    ))
}

/// What went wrong fetching recordings. Messages name the recording or URL and what to do; none
/// ever contains the API key.
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    #[error(
        "PostHog rejected the API key (HTTP {status}) at {url}: check that POSTHOG_API_KEY (or \
         --api-key-file) holds a personal API key of this PostHog instance with the \
         `session_recording:read` scope and access to project {project}"
    )]
    Unauthorized {
        status: u16,
        url: String,
        project: String,
    },
    #[error("recording {id}: not found on the server (HTTP {status}{detail})")]
    RecordingMissing {
        id: String,
        status: u16,
        detail: String,
    },
    #[error(
        "{url}: HTTP {status} after {attempts} attempts{detail}; try again later or lower --concurrency"
    )]
    Http {
        url: String,
        status: u16,
        attempts: u32,
        detail: String,
    },
    #[error("{url}: unexpected HTTP {status}{detail}")]
    Unexpected {
        url: String,
        status: u16,
        detail: String,
    },
    #[error(
        "cannot reach {url} after {attempts} attempts: {message}; check --host and the network"
    )]
    Unreachable {
        url: String,
        attempts: u32,
        message: String,
    },
    #[error(
        "{what} is larger than --max-recording-bytes ({limit} bytes); nothing of it is kept \
         (raise the limit with --max-recording-bytes)"
    )]
    TooLarge { what: String, limit: u64 },
    #[error(
        "{url}: the host answered with an HTML page (HTTP {status}), not the PostHog API: check \
         --host (e.g. https://us.posthog.com, https://eu.posthog.com or your instance's URL)"
    )]
    NotTheApi { url: String, status: u16 },
    #[error("{url}: the server's answer is not what the PostHog API documents: {message}")]
    BadResponse { url: String, message: String },
    #[error("recording {id}: {message}")]
    Recording { id: String, message: String },
    #[error("{url}: {message}")]
    Storage {
        url: String,
        message: String,
        /// Credentials or permissions, not the network: an input problem (exit 2).
        auth: bool,
        /// Not there at all: an input problem (exit 2).
        not_found: bool,
    },
    #[error("{0}")]
    Usage(String),
    #[error("cannot write {path}: {source}")]
    Write {
        path: String,
        #[source]
        source: std::io::Error,
    },
}

impl SourceError {
    /// Whether the error is the user's to fix (exit 2) rather than the network's or server's (exit 3).
    pub fn is_input_error(&self) -> bool {
        match self {
            SourceError::Unauthorized { .. }
            | SourceError::RecordingMissing { .. }
            | SourceError::Recording { .. }
            | SourceError::TooLarge { .. }
            | SourceError::NotTheApi { .. }
            | SourceError::Usage(_) => true,
            SourceError::Storage {
                auth, not_found, ..
            } => *auth || *not_found,
            SourceError::Http { .. }
            | SourceError::Unexpected { .. }
            | SourceError::Unreachable { .. }
            | SourceError::BadResponse { .. }
            | SourceError::Write { .. } => false,
        }
    }

    /// Whether nothing else can succeed after this error (bad key, unreachable server): the
    /// remaining recordings are not attempted.
    pub fn is_fatal(&self) -> bool {
        matches!(
            self,
            SourceError::Unauthorized { .. }
                | SourceError::Unreachable { .. }
                | SourceError::NotTheApi { .. }
        )
    }
}

/// What one fetch run did, for the summary and the exit code.
#[derive(Debug, Default)]
pub struct FetchSummary {
    /// Recordings (or objects) written this run.
    pub fetched: Vec<String>,
    /// Already present and finished: not fetched again.
    pub cached: Vec<String>,
    /// Objects that are not recordings (skipped, not written).
    pub skipped: Vec<(String, String)>,
    /// Per-recording failures; the others went on.
    pub failed: Vec<(String, SourceError)>,
    /// Bytes written.
    pub bytes: u64,
}

impl FetchSummary {
    /// The error that decides the exit code: a fatal one, else the first infrastructure one,
    /// else the first input one.
    pub fn worst(&self) -> Option<&SourceError> {
        let errs = || self.failed.iter().map(|(_, e)| e);
        errs()
            .find(|e| e.is_fatal())
            .or_else(|| errs().find(|e| !e.is_input_error()))
            .or_else(|| errs().next())
    }
}
