//! Walking the records of each format and handing every raw event, with the window it belongs
//! to, to a [`Sink`] that converts and groups them. `lines` reads the JSONL formats one line at a
//! time; `document` reads the formats that are one JSON document.

pub(crate) mod document;
pub(crate) mod lines;

use super::budget::Budget;
use super::convert::{Cv, convert};
use super::error::Problem;
use super::{Event, Stats};
use serde_json::value::RawValue;
use std::collections::{BTreeMap, HashMap};

/// The window of events that carry no window id at all.
pub const DEFAULT_WINDOW: &str = "default";

/// Everything a [`Sink`] gathered.
pub(crate) struct Collected {
    pub windows: Vec<(String, Vec<Event>)>,
    pub stats: Stats,
    pub warnings: Vec<String>,
    pub session_id: Option<String>,
}

/// Collects converted events per window, in arrival order (normalization sorts later).
pub(crate) struct Sink {
    pub budget: Budget,
    pub stats: Stats,
    /// The PostHog session id, when the input carries one.
    pub session_id: Option<String>,
    pub warnings: Vec<String>,
    windows: Vec<(String, Vec<Event>)>,
    index: HashMap<String, usize>,
    unknown_cv: BTreeMap<String, usize>,
}

impl Sink {
    pub fn new(budget: Budget) -> Self {
        Sink {
            budget,
            stats: Stats::default(),
            session_id: None,
            warnings: Vec::new(),
            windows: Vec::new(),
            index: HashMap::new(),
            unknown_cv: BTreeMap::new(),
        }
    }

    /// Converts one raw event. `window` is the window the container says it belongs to (a blob
    /// line, a legacy line, a map key); without it the event's own `windowId` decides.
    pub fn push(&mut self, raw: &RawValue, window: Option<&str>) -> Result<(), Problem> {
        self.budget.count_event()?;
        let c = convert(raw, &mut self.budget)?;
        self.stats.raw_events += 1;
        match c.cv {
            Cv::None => {}
            Cv::Expanded => self.stats.cv_events += 1,
            Cv::Unknown(v) => {
                self.stats.cv_events += 1;
                *self.unknown_cv.entry(v).or_default() += 1;
            }
        }
        if c.packed {
            self.stats.packed_events += 1;
        }
        let wid = window.or(c.window.as_deref()).unwrap_or(DEFAULT_WINDOW);
        let slot = match self.index.get(wid) {
            Some(i) => *i,
            None => {
                self.windows.push((wid.to_string(), Vec::new()));
                self.index.insert(wid.to_string(), self.windows.len() - 1);
                self.windows.len() - 1
            }
        };
        self.windows[slot].1.push(c.event);
        Ok(())
    }

    /// The windows in order of first appearance, plus what was seen on the way.
    pub fn finish(mut self) -> Collected {
        for (cv, n) in &self.unknown_cv {
            self.warnings.push(format!(
                "{n} event(s) use unknown compression cv={cv:?}: kept as they are, replay may fail"
            ));
        }
        self.stats.expanded_bytes = self.budget.expanded();
        Collected {
            windows: self.windows,
            stats: self.stats,
            warnings: self.warnings,
            session_id: self.session_id,
        }
    }
}
