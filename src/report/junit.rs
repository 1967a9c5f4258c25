//! `junit.xml` as GitHub test-report actions, GitLab and Jenkins read it: one testsuite per
//! recording, one testcase per checkpoint plus one for the console; each testcase's `time` is the
//! time spent capturing it. Failures carry the numbers, and `[[ATTACHMENT|path]]` lines point at
//! the images. Every string goes through [`xml_text`], so the file is XML 1.0 whatever a
//! recording holds.

use super::{CheckpointStatus, RecordingStatus, RunReport};
use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestSuite};
use std::time::Duration;

pub fn render(report: &RunReport) -> Vec<u8> {
    render_with_prefix(report, "")
}

/// [`render`] with `prefix` put before every attachment path (the paths are relative to the report
/// folder; GitLab resolves them from the project root, so it wants e.g. `reel-report/`).
pub fn render_with_prefix(report: &RunReport, prefix: &str) -> Vec<u8> {
    let mut junit = Report::new("reel");
    for rec in &report.recordings {
        let mut suite = TestSuite::new(xml_text(&rec.id));
        suite.set_time(Duration::from_millis(rec.duration_ms));
        if rec.status == RecordingStatus::Error {
            let mut status = TestCaseStatus::non_success(NonSuccessKind::Error);
            status.set_message(xml_text(rec.error.as_deref().unwrap_or_default()));
            let mut case = TestCase::new("replay", status);
            case.set_classname(xml_text(&rec.id));
            case.set_time(Duration::from_millis(rec.duration_ms));
            suite.add_test_case(case);
        }
        for cp in &rec.checkpoints {
            let name = match &cp.window {
                Some(w) => format!("{w}/{}", cp.name),
                None => cp.name.clone(),
            };
            let status = if cp.status.is_failure() {
                let kind = if cp.status == CheckpointStatus::Error {
                    NonSuccessKind::Error
                } else {
                    NonSuccessKind::Failure
                };
                let mut s = TestCaseStatus::non_success(kind);
                s.set_type(cp.status.as_str());
                s.set_message(xml_text(&checkpoint_message(cp)));
                s
            } else {
                TestCaseStatus::success()
            };
            let mut case = TestCase::new(xml_text(&name), status);
            case.set_classname(xml_text(&rec.id));
            case.set_time(Duration::from_millis(cp.duration_ms.unwrap_or(0)));
            // The baseline as copied into the report folder (`expected/`) when there is a copy,
            // so the attachments resolve inside an uploaded artifact.
            let baseline = if cp.expected.is_some() {
                &cp.expected
            } else {
                &cp.baseline
            };
            // The diff first: GitLab links only the first attachment.
            let attachments: Vec<String> = [&cp.diff, &cp.actual, baseline]
                .into_iter()
                .flatten()
                .filter(|_| cp.status.is_failure())
                .map(|p| format!("[[ATTACHMENT|{prefix}{p}]]"))
                .collect();
            if !attachments.is_empty() {
                case.set_system_out(xml_text(&attachments.join("\n")));
            }
            suite.add_test_case(case);
        }
        for step in crate::drive::DriveExtras::broken_steps(rec) {
            let mut status = TestCaseStatus::non_success(NonSuccessKind::Failure);
            status.set_type(if step.status == crate::drive::StepStatus::Unresolved {
                "unresolved"
            } else {
                "failed"
            });
            status.set_message(xml_text(step.finding.as_deref().unwrap_or_default()));
            let name = format!(
                "{}/step-{:07}-{}",
                step.window,
                step.t_ms,
                step.action.as_str()
            );
            let mut case = TestCase::new(xml_text(&name), status);
            case.set_classname(xml_text(&rec.id));
            suite.add_test_case(case);
        }
        if rec.status != RecordingStatus::Error {
            let status = if rec.console.new_errors.is_empty() || rec.console.accepted {
                TestCaseStatus::success()
            } else {
                let mut s = TestCaseStatus::non_success(NonSuccessKind::Failure);
                s.set_type("new-console-errors");
                s.set_message(xml_text(&format!(
                    "{} new console error(s): {}",
                    rec.console.new_errors.len(),
                    rec.console
                        .new_errors
                        .iter()
                        .map(|e| e.message.as_str())
                        .collect::<Vec<_>>()
                        .join(" | ")
                )));
                s
            };
            let mut case = TestCase::new("console", status);
            case.set_classname(xml_text(&rec.id));
            case.set_time(Duration::ZERO);
            suite.add_test_case(case);
        }
        junit.add_test_suite(suite);
    }
    junit
        .to_string()
        .map(String::into_bytes)
        .unwrap_or_default()
}

/// `text` with every character XML 1.0 does not allow (C0 controls but tab, newline and carriage
/// return; U+FFFE and U+FFFF; lone surrogates cannot occur in a `str`) replaced by U+FFFD.
pub fn xml_text(text: &str) -> String {
    let allowed = |c: char| {
        matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}')
            || c >= '\u{10000}'
    };
    text.chars()
        .map(|c| if allowed(c) { c } else { '\u{FFFD}' })
        .collect()
}

fn checkpoint_message(cp: &super::CheckpointReport) -> String {
    let mut m = format!("{} at {} ms", cp.status.as_str(), cp.t_ms);
    if let (Some(p), Some(r)) = (cp.diff_pixels, cp.diff_ratio) {
        m.push_str(&format!(": {p} pixels differ ({:.4}%)", r * 100.0));
    }
    if let Some(msg) = &cp.message {
        m.push_str(&format!(": {msg}"));
    }
    m
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_xml_characters_remain() {
        assert_eq!(
            xml_text("a\u{0}b\u{1}\t\n\r\u{FFFE}\u{FFFF}\u{FFFD}\u{10000}\u{7F}é"),
            "a\u{FFFD}b\u{FFFD}\t\n\r\u{FFFD}\u{FFFD}\u{FFFD}\u{10000}\u{7F}é"
        );
    }
}
