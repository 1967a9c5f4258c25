//! The one exit-code table of the `reel` binary, and the error type that carries its class to `main`.
//!
//! | code | meaning |
//! |---|---|
//! | 0 | success: everything passed |
//! | 1 | regressions found (changed screenshots, new console errors, differing images) |
//! | 2 | usage or input error (bad flags, unreadable or malformed recording, bad PNG) |
//! | 3 | infrastructure error (browser missing or crashed, network, timeouts) |
//! | 130 | interrupted (Ctrl-C / SIGTERM): browsers closed, nothing half-written |

use std::process::ExitCode;

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
    pub fn code(self) -> ExitCode {
        match self {
            Outcome::Pass => ExitCode::from(PASS),
            Outcome::Regressions => ExitCode::from(REGRESSIONS),
        }
    }
}

/// Which side of the table an error falls on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorClass {
    Input,
    Infra,
    Interrupted,
}

/// An error on its way to `main`: the message chain plus its exit-code class.
#[derive(Debug)]
pub struct Failure {
    pub class: ErrorClass,
    pub error: anyhow::Error,
}

impl Failure {
    pub fn input(error: impl Into<anyhow::Error>) -> Self {
        Failure {
            class: ErrorClass::Input,
            error: error.into(),
        }
    }

    pub fn infra(error: impl Into<anyhow::Error>) -> Self {
        Failure {
            class: ErrorClass::Infra,
            error: error.into(),
        }
    }

    pub fn interrupted() -> Self {
        Failure {
            class: ErrorClass::Interrupted,
            error: anyhow::anyhow!("interrupted; browsers closed, no partial files written"),
        }
    }

    pub fn code(&self) -> ExitCode {
        match self.class {
            ErrorClass::Input => ExitCode::from(INPUT_ERROR),
            ErrorClass::Infra => ExitCode::from(INFRA_ERROR),
            ErrorClass::Interrupted => ExitCode::from(INTERRUPTED),
        }
    }
}

impl From<crate::replay::ReplayError> for Failure {
    fn from(e: crate::replay::ReplayError) -> Self {
        if e.is_input_error() {
            Failure::input(e)
        } else {
            Failure::infra(e)
        }
    }
}

impl From<crate::recording::RecordingError> for Failure {
    fn from(e: crate::recording::RecordingError) -> Self {
        Failure::input(e)
    }
}
