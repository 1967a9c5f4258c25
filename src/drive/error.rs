//! What can go wrong while preparing a drive from a recording.

use crate::replay::ReplayError;

#[derive(Debug, thiserror::Error)]
pub enum DriveError {
    #[error(transparent)]
    Replay(#[from] ReplayError),
    #[error("window {window} has no FullSnapshot, so its steps cannot be located")]
    NoFullSnapshot { window: String },
    #[error("window {window}: the player's answer to locating a step was not understood: {detail}")]
    UnexpectedAnswer { window: String, detail: String },
}

impl DriveError {
    /// Input problems (exit 2) as opposed to infrastructure problems (exit 3).
    pub fn is_input_error(&self) -> bool {
        match self {
            DriveError::Replay(e) => e.is_input_error(),
            DriveError::NoFullSnapshot { .. } => true,
            DriveError::UnexpectedAnswer { .. } => false,
        }
    }
}
