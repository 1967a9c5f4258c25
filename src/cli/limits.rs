//! The input bounds every command that reads recordings accepts (`--max-event-bytes`,
//! `--max-recording-bytes`, `--max-events`, `--max-depth`); unset flags keep [`Limits::default`].

use crate::recording::Limits;

#[derive(clap::Args, Debug, Clone, Default)]
pub struct LimitArgs {
    /// Largest decompressed size of one compressed field or packed event, in bytes [default: 256 MiB].
    #[arg(long, value_name = "BYTES")]
    pub max_event_bytes: Option<usize>,
    /// Largest decompressed size of a whole recording, in bytes [default: 4 GiB].
    #[arg(long, value_name = "BYTES")]
    pub max_recording_bytes: Option<usize>,
    /// Largest number of events in one recording [default: 5000000].
    #[arg(long, value_name = "N")]
    pub max_events: Option<usize>,
    /// Deepest JSON nesting allowed in one event [default: 4096].
    #[arg(long, value_name = "N")]
    pub max_depth: Option<usize>,
}

impl LimitArgs {
    pub fn limits(&self) -> Limits {
        let d = Limits::default();
        Limits {
            max_event_bytes: self.max_event_bytes.unwrap_or(d.max_event_bytes),
            max_recording_bytes: self.max_recording_bytes.unwrap_or(d.max_recording_bytes),
            max_events: self.max_events.unwrap_or(d.max_events),
            max_depth: self.max_depth.unwrap_or(d.max_depth),
        }
    }
}
