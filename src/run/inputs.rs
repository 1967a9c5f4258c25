//! What `reel run` replays: the recordings named on the command line, or else those of
//! `reel.toml`'s sources (fetched first). Everything is read and checked before a browser starts:
//! unreadable recordings become error entries of the report, duplicate ids stop the run.

use super::Shard;
use crate::exit::{Classified, ErrorClass};
use crate::recording::{self, Limits, Recording};
use crate::settings::Config;
use crate::source::sources::{self, SourcesError};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// A recording to run, or the reason it could not even be read.
pub enum Input {
    Ready(Box<Recording>),
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
            Input::Ready(r) => r.id.clone(),
            Input::Unreadable { source, .. } => {
                recording::sanitize_id(&recording::stem_of_path(source))
            }
        }
    }

    /// Where it came from, for messages and the report.
    pub fn source(&self) -> &str {
        match self {
            Input::Ready(r) => &r.source,
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
    let unreadable: Vec<String> = gathered
        .inputs
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
    if !unreadable.is_empty() && unreadable.len() == gathered.inputs.len() {
        return Err(InputsError::NothingReadable(unreadable));
    }
    Ok(gathered)
}

/// Reads every recording; unreadable ones become error entries (under the id of their file name),
/// duplicate ids — also one of an unreadable input — stop the run.
pub fn load(paths: &[PathBuf], limits: &Limits) -> Result<Vec<Input>, InputsError> {
    let mut inputs = Vec::with_capacity(paths.len());
    let mut seen: HashMap<String, String> = HashMap::new();
    for path in paths {
        let input = match recording::load(path, limits) {
            Ok(rec) => Input::Ready(Box::new(rec)),
            Err(e) => Input::Unreadable {
                source: path.display().to_string(),
                error: e.to_string(),
                input_error: true,
            },
        };
        let id = input.id();
        let source = match &input {
            Input::Ready(rec) => rec.source.clone(),
            Input::Unreadable { source, .. } => format!("{source} (unreadable)"),
        };
        if let Some(first) = seen.insert(id.clone(), source.clone()) {
            return Err(InputsError::DuplicateId {
                id,
                first,
                second: source,
            });
        }
        inputs.push(input);
    }
    Ok(inputs)
}
