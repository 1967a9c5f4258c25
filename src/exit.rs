//! The one exit-code table of the `reel` binary, and the classes every library error falls into
//! ([`Classified`]), which decide its row.
//!
//! | code | meaning |
//! |---|---|
//! | 0 | success: everything passed |
//! | 1 | regressions found (changed screenshots, new console errors, differing images) |
//! | 2 | usage or input error (bad flags, unreadable or malformed recording, bad PNG) |
//! | 3 | infrastructure error (browser missing or crashed, network, timeouts) |
//! | 130 | interrupted (Ctrl-C / SIGTERM): browsers closed, nothing half-written |

pub const PASS: u8 = 0;
pub const REGRESSIONS: u8 = 1;
pub const INPUT_ERROR: u8 = 2;
pub const INFRA_ERROR: u8 = 3;
pub const INTERRUPTED: u8 = 130;

/// What a finished command reports, before errors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Pass,
    Regressions,
}

impl Outcome {
    pub fn code(self) -> u8 {
        match self {
            Outcome::Pass => PASS,
            Outcome::Regressions => REGRESSIONS,
        }
    }
}

/// Which side of the table an error falls on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorClass {
    /// The user's to fix: bad flags or settings, unreadable or malformed input (exit 2).
    Input,
    /// The machine's or the network's: browser, server, disk (exit 3).
    Infra,
    /// Ctrl-C or SIGTERM (exit 130).
    Interrupted,
}

impl ErrorClass {
    pub fn code(self) -> u8 {
        match self {
            ErrorClass::Input => INPUT_ERROR,
            ErrorClass::Infra => INFRA_ERROR,
            ErrorClass::Interrupted => INTERRUPTED,
        }
    }
}

/// An error that knows its row of the table.
pub trait Classified: std::error::Error + Send + Sync + 'static {
    fn class(&self) -> ErrorClass;
}

impl Classified for crate::replay::ReplayError {
    fn class(&self) -> ErrorClass {
        if self.is_input_error() {
            ErrorClass::Input
        } else {
            ErrorClass::Infra
        }
    }
}

impl Classified for crate::recording::RecordingError {
    fn class(&self) -> ErrorClass {
        ErrorClass::Input
    }
}

impl Classified for crate::source::SourceError {
    fn class(&self) -> ErrorClass {
        if self.is_input_error() {
            ErrorClass::Input
        } else {
            ErrorClass::Infra
        }
    }
}

impl Classified for crate::compare::CompareError {
    fn class(&self) -> ErrorClass {
        ErrorClass::Input
    }
}

/// A one-line message and its class, for errors that are only ever shown.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct Classed {
    pub class: ErrorClass,
    pub message: String,
}

impl Classed {
    pub fn input(message: impl Into<String>) -> Classed {
        Classed {
            class: ErrorClass::Input,
            message: message.into(),
        }
    }

    pub fn infra(message: impl Into<String>) -> Classed {
        Classed {
            class: ErrorClass::Infra,
            message: message.into(),
        }
    }
}

impl Classified for Classed {
    fn class(&self) -> ErrorClass {
        self.class
    }
}

/// Ctrl-C or SIGTERM arrived: the work stopped, browsers were closed, nothing is half-written.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct Interrupted(pub &'static str);

impl Interrupted {
    /// Stopped while browsers ran.
    pub const BROWSERS: Interrupted =
        Interrupted("interrupted; browsers closed, no partial files written");
    /// Stopped while fetching.
    pub const FETCH: Interrupted = Interrupted(
        "interrupted; the recordings saved so far are complete, nothing is half-written",
    );
}

impl Classified for Interrupted {
    fn class(&self) -> ErrorClass {
        ErrorClass::Interrupted
    }
}
