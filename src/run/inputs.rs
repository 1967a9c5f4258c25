//! What `reel run` replays: the recordings named on the command line, or else those of
//! `reel.toml`'s sources (fetched first). Everything is read and checked before a browser starts:
//! unreadable recordings become error entries of the report, duplicate ids stop the run.

use super::Shard;
use crate::exit::{Classified, ErrorClass};
use crate::recording::{self, Limits, Recording};
use crate::settings::Config;
use crate::source::{
    self,
    sources::{self, SourcesError},
};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// A recording to run, or the reason it could not even be read.
pub enum Input {
    Ready {
        recording: Box<Recording>,
        /// Moments asked for by PostHog replay links (`<id>.reel.json` beside the file), in ms
        /// from the recording's first event: explicit checkpoints of this recording.
        linked_at: Vec<i64>,
    },
    Unreadable {
        source: String,
        error: String,
        input_error: bool,
    },
}

impl Input {
    /// The id the input is known by (for an unreadable one: from its file name).
    pub fn id(&self) -> String {
        match self {
            Input::Ready { recording, .. } => recording.id.clone(),
            Input::Unreadable { source, .. } => {
                recording::sanitize_id(&recording::stem_of_path(source))
            }
        }
    }

    /// Where it came from, for messages and the report.
    pub fn source(&self) -> &str {
        match self {
            Input::Ready { recording, .. } => &recording.source,
            Input::Unreadable { source, .. } => source,
        }
    }
}

/// Why there is nothing to run.
#[derive(Debug, thiserror::Error)]
pub enum InputsError {
    #[error(
        "no recordings: name recording files, or list [[sources]] in reel.toml (or the file given \
         with --config); see `reel run --help`"
    )]
    NoRecordings,
    #[error(
        "two recordings have the id {id}: {first} and {second}; give each recording a distinct file \
         name or session"
    )]
    DuplicateId {
        id: String,
        first: String,
        second: String,
    },
    #[error(transparent)]
    Sources(#[from] SourcesError),
    /// No input could be read: every one's message (the last one is this error's).
    #[error("{}", .0.last().map(String::as_str).unwrap_or_default())]
    NothingReadable(Vec<String>),
}

impl Classified for InputsError {
    fn class(&self) -> ErrorClass {
        match self {
            InputsError::Sources(e) => e.class(),
            _ => ErrorClass::Input,
        }
    }
}

/// The inputs of a run.
pub struct Gathered {
    pub inputs: Vec<Input>,
    /// The inputs came from `reel.toml`'s sources, which gave none (worth a note: their filters).
    pub sources_gave_none: bool,
}

/// Where a run's recordings come from.
pub struct Request<'a> {
    /// Recording files named on the command line; none: the sources of `config`.
    pub recordings: &'a [PathBuf],
    pub config: &'a Config,
    /// Where sources are fetched to.
    pub cache: &'a Path,
    /// Fetch sources again even when already in the cache.
    pub refresh: bool,
    pub limits: &'a Limits,
    /// Keep only this shard's recordings.
    pub shard: Option<Shard>,
}

/// Reads the inputs of a run: files, or the sources (fetched into the cache), then this shard's
/// part. An error when there is nothing to run or when nothing could be read.
pub async fn gather(request: &Request<'_>) -> Result<Gathered, InputsError> {
    let config = request.config;
    let mut gathered = if !request.recordings.is_empty() {
        Gathered {
            inputs: load(request.recordings, request.limits)?,
            sources_gave_none: false,
        }
    } else if !config.sources.is_empty() {
        let fetched = sources::fetch_sources(
            &config.sources,
            &config.dir,
            &config.name(),
            request.cache,
            request.refresh,
            request.limits.max_recording_bytes as u64,
        )
        .await?;
        let mut inputs = load(&fetched.files, request.limits)?;
        inputs.extend(fetched.failed.into_iter().map(|(id, e)| Input::Unreadable {
            source: id,
            error: format!("not fetched: {e}"),
            input_error: e.is_input_error(),
        }));
        Gathered {
            sources_gave_none: inputs.is_empty(),
            inputs,
        }
    } else {
        return Err(InputsError::NoRecordings);
    };
    if let Some(shard) = request.shard {
        gathered.inputs.retain(|i| shard.contains(&i.id()));
    }
    some_readable(&gathered.inputs)?;
    Ok(gathered)
}

/// Fails, naming each one, when every input is unreadable for a reason of its own (an input
/// error, not the machine's).
pub fn some_readable(inputs: &[Input]) -> Result<(), InputsError> {
    let unreadable: Vec<String> = inputs
        .iter()
        .filter_map(|i| match i {
            Input::Unreadable {
                error,
                input_error: true,
                ..
            } => Some(error.clone()),
            _ => None,
        })
        .collect();
    if !unreadable.is_empty() && unreadable.len() == inputs.len() {
        return Err(InputsError::NothingReadable(unreadable));
    }
    Ok(())
}

/// Reads every recording; unreadable ones become error entries (under the id of their file name),
/// duplicate ids — also one of an unreadable input — stop the run. A folder stands for its
/// recording files (recursively, see [`source::recording_files`]); PostHog's `.meta.json` side
/// files are metadata, not recordings, and are passed over.
pub fn load(paths: &[PathBuf], limits: &Limits) -> Result<Vec<Input>, InputsError> {
    let mut inputs = Inputs::default();
    let mut files = Vec::with_capacity(paths.len());
    for path in paths {
        if path.is_dir() {
            let found = source::recording_files(path);
            if found.is_empty() {
                inputs.admit(Input::Unreadable {
                    source: path.display().to_string(),
                    error: format!(
                        "{}: the folder holds no recording files (*.json, *.jsonl, maybe .gz)",
                        path.display()
                    ),
                    input_error: true,
                })?;
            }
            files.extend(found);
        } else if source::is_side_file(path) {
            tracing::debug!("{}: PostHog metadata, not a recording", path.display());
        } else {
            files.push(path.clone());
        }
    }
    let mut named = std::collections::HashSet::new();
    files.retain(|p| named.insert(p.clone()));
    for path in &files {
        let unreadable = |error: String| Input::Unreadable {
            source: path.display().to_string(),
            error,
            input_error: true,
        };
        let input = match source::linked_checkpoints(path) {
            Err(error) => unreadable(error),
            Ok(linked_at) => match recording::load(path, limits) {
                Ok(rec) => Input::Ready {
                    recording: Box::new(rec),
                    linked_at,
                },
                Err(e) => unreadable(e.to_string()),
            },
        };
        inputs.admit(input)?;
    }
    Ok(inputs.list)
}

/// Inputs read so far, and the source of each id taken.
#[derive(Default)]
struct Inputs {
    list: Vec<Input>,
    seen: HashMap<String, String>,
}

impl Inputs {
    /// Adds `input`, unless its id is taken.
    fn admit(&mut self, input: Input) -> Result<(), InputsError> {
        let id = input.id();
        let source = match &input {
            Input::Unreadable { source, .. } => format!("{source} (unreadable)"),
            Input::Ready { .. } => input.source().to_string(),
        };
        if let Some(first) = self.seen.insert(id.clone(), source.clone()) {
            return Err(InputsError::DuplicateId {
                id,
                first,
                second: source,
            });
        }
        self.list.push(input);
        Ok(())
    }
}
