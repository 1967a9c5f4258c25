//! Links a recording's report back to PostHog when the recording was fetched from there (the
//! `<id>.meta.json` beside it, see [`origin`]): the session, person and start time on the
//! recording, and PostHog's replay at each checkpoint's moment.

use crate::recording::Recording;
use crate::report::{PosthogReplay, RecordingReport};
use crate::source::posthog::origin::{self, Origin};
use std::path::Path;

/// Adds the PostHog links of `recording` to its `report`, when it came from PostHog.
pub fn link(report: &mut RecordingReport, recording: &Recording) {
    if let Some(origin) = origin::beside(Path::new(&recording.source)) {
        link_to(report, recording, &origin);
    }
}

fn link_to(report: &mut RecordingReport, recording: &Recording, origin: &Origin) {
    // PostHog plays a session's windows on one clock that starts at its first event.
    let session_start = recording.windows.iter().map(|w| w.start_ms()).min();
    for cp in &mut report.checkpoints {
        let window = match &cp.window {
            Some(id) => recording.windows.iter().find(|w| w.id == *id),
            None => recording.windows.first(),
        };
        let (Some(window), Some(session_start)) = (window, session_start) else {
            continue;
        };
        let at_ms = (window.start_ms() + cp.t_ms).saturating_sub(session_start);
        cp.posthog_url = origin.replay_url(Some(at_ms.div_euclid(1000)));
    }
    report.posthog = Some(PosthogReplay {
        session: origin.session.clone(),
        url: origin.replay_url(None),
        person: origin.person.clone(),
        start_time: origin.start_time.clone(),
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::{CheckpointReport, CheckpointStatus, Extras, Reason, RecordingStatus};
    use crate::source::posthog::origin::Place;

    fn checkpoint(window: Option<&str>, t_ms: i64) -> CheckpointReport {
        CheckpointReport {
            name: format!("{t_ms:07}-click"),
            window: window.map(String::from),
            t_ms,
            reason: Reason::Click,
            viewport: [10, 10],
            status: CheckpointStatus::Pass,
            diff_pixels: None,
            diff_ratio: None,
            actual: None,
            baseline: None,
            diff: None,
            expected: None,
            message: None,
            varying_pixels: None,
            varying_regions: None,
            duration_ms: None,
            thumbnail: None,
            posthog_url: None,
            extras: Extras::new(),
        }
    }

    #[test]
    fn checkpoints_link_to_their_moment_on_the_session_clock() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/data/recordings/posthog-fixtures/recording_snapshots.jsonl");
        let recording =
            crate::recording::load(&path, &crate::recording::Limits::default()).unwrap();
        assert_eq!(recording.windows.len(), 2);
        let (a, b) = (&recording.windows[0], &recording.windows[1]);
        let start = a.start_ms().min(b.start_ms());
        let mut report = RecordingReport::error(
            recording.id.clone(),
            recording.source.clone(),
            None,
            String::new(),
            crate::report::ErrorKind::Input,
            0,
        );
        report.status = RecordingStatus::Fail;
        report.checkpoints = vec![checkpoint(Some(&a.id), 2500), checkpoint(Some(&b.id), 999)];
        let origin = Origin {
            session: "s1".into(),
            place: Some(Place {
                host: "https://us.posthog.com".into(),
                project: "5".into(),
            }),
            person: Some("p@x".into()),
            start_time: Some("2023-05-01T14:46:20.877000Z".into()),
        };
        link_to(&mut report, &recording, &origin);
        let url = |w: &crate::recording::WindowStream, t: i64| {
            format!(
                "https://us.posthog.com/project/5/replay/s1?t={}",
                (w.start_ms() + t - start) / 1000
            )
        };
        assert_eq!(report.checkpoints[0].posthog_url, Some(url(a, 2500)));
        assert_eq!(report.checkpoints[1].posthog_url, Some(url(b, 999)));
        let replay = report.posthog.unwrap();
        assert_eq!(
            replay.url.as_deref(),
            Some("https://us.posthog.com/project/5/replay/s1")
        );
        assert_eq!(replay.person.as_deref(), Some("p@x"));
    }

    #[test]
    fn nothing_beside_means_no_links() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("rec.json");
        std::fs::copy(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("tests/data/recordings/rrweb-todomvc-angularjs/rrweb-events.json"),
            &file,
        )
        .unwrap();
        let recording = crate::recording::load(&file, &Default::default()).unwrap();
        let mut report = RecordingReport::error(
            "rec".into(),
            recording.source.clone(),
            None,
            String::new(),
            crate::report::ErrorKind::Input,
            0,
        );
        report.checkpoints = vec![checkpoint(None, 1000)];
        link(&mut report, &recording);
        assert_eq!(report.posthog, None);
        // Metadata without the host and project: who and when, but no link.
        std::fs::write(
            dir.path().join("rec.meta.json"),
            br#"{"id": "s2", "distinct_id": "d"}"#,
        )
        .unwrap();
        link(&mut report, &recording);
        let replay = report.posthog.unwrap();
        assert_eq!(
            (
                replay.session.as_str(),
                replay.url,
                replay.person.as_deref()
            ),
            ("s2", None, Some("d"))
        );
        assert_eq!(report.checkpoints[0].posthog_url, None);
    }
}
