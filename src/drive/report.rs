//! What `reel drive` adds to a recording's entry of `report.json`, as the report's extras (see
//! [`crate::report::Extras`]): `steps`, `blocked_hosts` and `recorded_answers`. `run` reports
//! have none of them. Per checkpoint, drive fills the report's own `recorded` (a file of the
//! report folder) and writes `actual` for every checkpoint, passing ones included.

use super::{StepOutcome, StepStatus};
use crate::report::{Extras, RecordingReport};
use serde::{Deserialize, Serialize};

/// A drive's fields of one recording.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DriveExtras {
    /// Every step, in the order performed.
    pub steps: Vec<StepOutcome>,
    /// Origins the live pages asked for that were blocked (neither the build under test nor
    /// answered from the recording).
    pub blocked_hosts: Vec<String>,
    /// fetch/XHR calls of the live pages answered from the recording.
    pub recorded_answers: u64,
}

impl DriveExtras {
    /// As extras of a [`RecordingReport`].
    pub fn into_extras(self) -> Extras {
        let mut extras = Extras::new();
        let value = |v: serde_json::Result<serde_json::Value>| v.unwrap_or_default();
        extras.insert("steps".into(), value(serde_json::to_value(&self.steps)));
        extras.insert(
            "blocked_hosts".into(),
            value(serde_json::to_value(&self.blocked_hosts)),
        );
        extras.insert("recorded_answers".into(), self.recorded_answers.into());
        extras
    }

    /// The steps of a drive's recording (none for `run`'s, or when a report was edited into
    /// something else).
    pub fn steps_of(report: &RecordingReport) -> Vec<StepOutcome> {
        report
            .extras
            .get("steps")
            .and_then(|v| serde_json::from_value(v.clone()).ok())
            .unwrap_or_default()
    }

    /// The steps of `report` that no longer resolve or failed: findings that fail the recording.
    pub fn broken_steps(report: &RecordingReport) -> Vec<StepOutcome> {
        Self::steps_of(report)
            .into_iter()
            .filter(|s| s.status.is_broken())
            .collect()
    }
}

impl StepStatus {
    /// `unresolved` or `failed`: the step is a finding that fails the recording.
    pub fn is_broken(self) -> bool {
        matches!(self, StepStatus::Unresolved | StepStatus::Failed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::drive::{Action, Locator, Strategy};

    #[test]
    fn round_trip_through_the_report() {
        let step = |status, finding: Option<&str>| StepOutcome {
            action: Action::Click,
            t_ms: 120,
            window: "w".into(),
            status,
            locator: Some(Locator {
                strategy: Strategy::Id,
                selector: "#a".into(),
                confidence: 0.9,
            }),
            finding: finding.map(str::to_string),
        };
        let extras = DriveExtras {
            steps: vec![
                step(StepStatus::Ok, None),
                step(StepStatus::Unresolved, Some("gone")),
            ],
            blocked_hosts: vec!["http://127.0.0.1:8701".into()],
            recorded_answers: 2,
        };
        let mut report = RecordingReport::error(
            "r".into(),
            "r.json".into(),
            None,
            String::new(),
            crate::report::ErrorKind::Input,
            0,
        );
        report.extras = extras.clone().into_extras();
        let json = serde_json::to_value(&report).unwrap();
        assert_eq!(json["steps"][1]["status"], "unresolved");
        assert_eq!(json["steps"][0]["locator"]["strategy"], "id");
        assert_eq!(json["recorded_answers"], 2);
        let back: RecordingReport = serde_json::from_value(json).unwrap();
        assert_eq!(DriveExtras::steps_of(&back), extras.steps);
        assert_eq!(DriveExtras::broken_steps(&back).len(), 1);
        report.extras.clear();
        assert!(DriveExtras::steps_of(&report).is_empty());
    }
}
