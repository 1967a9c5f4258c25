//! Accounting of decompressed bytes and event counts against [`Limits`], and a reader adapter
//! that stops a decompressor the moment it exceeds its allowance (a gzip bomb becomes an error,
//! never an out-of-memory).

use super::Limits;
use super::error::Problem;
use std::cell::Cell;
use std::io::{self, Read};
use std::rc::Rc;

/// What one recording has used so far.
#[derive(Debug)]
pub(crate) struct Budget {
    pub limits: Limits,
    /// Bytes produced by decompressing fields and packed events.
    used: usize,
    /// Bytes of input read so far (decompressed when gzipped), counted by the input reader.
    input: Rc<Cell<u64>>,
    events: usize,
}

impl Budget {
    #[cfg(test)]
    pub fn new(limits: Limits) -> Self {
        Self::with_input(limits, Rc::default())
    }

    /// A budget that also counts the input bytes `input` reports.
    pub fn with_input(limits: Limits, input: Rc<Cell<u64>>) -> Self {
        Budget {
            limits,
            used: 0,
            input,
            events: 0,
        }
    }

    /// Bytes produced by decompressing fields and packed events so far.
    pub fn expanded(&self) -> usize {
        self.used
    }

    fn total(&self) -> usize {
        self.used
            .saturating_add(usize::try_from(self.input.get()).unwrap_or(usize::MAX))
    }

    /// Charges `bytes` of (decompressed) data to the whole recording.
    pub fn charge(&mut self, bytes: usize) -> Result<(), Problem> {
        self.used = self.used.saturating_add(bytes);
        if self.total() > self.limits.max_recording_bytes {
            return Err(Problem::TooLarge {
                message: format!(
                    "recording decompresses to more than {} bytes",
                    self.limits.max_recording_bytes
                ),
                limit: self.limits.max_recording_bytes,
            });
        }
        Ok(())
    }

    /// Counts one more event.
    pub fn count_event(&mut self) -> Result<(), Problem> {
        self.events += 1;
        if self.events > self.limits.max_events {
            return Err(Problem::invalid(format!(
                "more than {} events (raise the limit with --max-events)",
                self.limits.max_events
            )));
        }
        Ok(())
    }

    /// Room left for decompressing one field: the per-event limit, or less if the recording is
    /// nearly full.
    pub fn field_allowance(&self) -> usize {
        self.limits
            .max_event_bytes
            .min(self.limits.max_recording_bytes.saturating_sub(self.total()))
    }
}

/// Reads everything `reader` yields, failing once it would exceed `limit` bytes.
/// `what` names the data in the message ("compressed \"data\"").
pub(crate) fn read_bounded(
    reader: impl Read,
    limit: usize,
    what: &str,
) -> Result<Vec<u8>, Problem> {
    let mut out = Vec::new();
    let cap = (limit as u64).saturating_add(1);
    let mut taken = reader.take(cap);
    match taken.read_to_end(&mut out) {
        Ok(_) if out.len() > limit => Err(Problem::TooLarge {
            message: format!("{what} decompresses to more than {limit} bytes (gzip bomb?)"),
            limit,
        }),
        Ok(_) => Ok(out),
        Err(e) => Err(Problem::invalid(format!(
            "corrupt {what}: {}",
            io_message(&e)
        ))),
    }
}

/// A short description of a decompression error.
pub(crate) fn io_message(e: &io::Error) -> String {
    match e.kind() {
        io::ErrorKind::UnexpectedEof => "truncated (unexpected end of compressed data)".into(),
        _ => e.to_string(),
    }
}
