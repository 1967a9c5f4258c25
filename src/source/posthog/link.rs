//! `--recording` values: a session id, or a PostHog replay link — `…/replay/<id>?t=12`,
//! `…/project/<n>/replay/<id>`, `…/replay/…?sessionRecordingId=<id>` (the player opened over a
//! list), as the replay's "Share" / "Copy link" gives them — read into the id and the moment `t`
//! (seconds from the start of the recording, or any [`crate::duration`]).

use crate::duration::{self, Bare};

/// One recording asked for on the command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordingRef {
    pub id: String,
    /// The link's `t`, in ms from the recording's start: a checkpoint to add when it is run.
    pub at_ms: Option<i64>,
    /// The link as given (none for a plain id).
    pub link: Option<String>,
}

/// Reads a session id or a replay link.
pub fn parse(text: &str) -> Result<RecordingRef, String> {
    let t = text.trim();
    if !t.contains("://") {
        if t.is_empty() || t.contains(['/', '?', '#', ' ']) {
            return Err(format!(
                "{text:?} is neither a recording id nor a PostHog replay link"
            ));
        }
        return Ok(RecordingRef {
            id: t.to_string(),
            at_ms: None,
            link: None,
        });
    }
    let url = url::Url::parse(t).map_err(|e| format!("{text:?}: not a valid URL: {e}"))?;
    let segments: Vec<&str> = url
        .path_segments()
        .map(|s| s.filter(|p| !p.is_empty()).collect())
        .unwrap_or_default();
    let query = |name: &str| {
        url.query_pairs()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
    };
    if matches!(segments.first(), Some(&"shared") | Some(&"embedded")) {
        return Err(format!(
            "{text:?} is a public share link, which does not name the recording: open the \
             recording in PostHog and copy its link (…/replay/<id>?t=…) from Share → Copy link"
        ));
    }
    let from_path = segments
        .iter()
        .position(|s| *s == "replay")
        .and_then(|i| segments.get(i + 1))
        .filter(|id| !matches!(**id, "home" | "recent" | "playlists" | "settings"))
        .map(|id| id.to_string());
    let id = query("sessionRecordingId")
        .or(from_path)
        .filter(|id| !id.is_empty())
        .ok_or_else(|| {
            format!(
                "{text:?}: no recording in this link; expected …/replay/<id>?t=… or \
                 …?sessionRecordingId=<id>"
            )
        })?;
    let at_ms = query("t")
        .map(|v| duration::parse_ms(&v, Bare::Seconds))
        .transpose()
        .map_err(|e| format!("{text:?}: t: {e}"))?;
    Ok(RecordingRef {
        id,
        at_ms,
        link: Some(t.to_string()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id_at(text: &str) -> (String, Option<i64>) {
        let r = parse(text).unwrap();
        (r.id, r.at_ms)
    }

    #[test]
    fn ids_and_links() {
        let id = "01a21deb-1a85-7095-97cc-400f3f992b4d";
        assert_eq!(id_at(id), (id.into(), None));
        assert_eq!(
            id_at(&format!("https://us.posthog.com/replay/{id}?t=12")),
            (id.into(), Some(12_000))
        );
        assert_eq!(
            id_at(&format!(
                "https://eu.posthog.com/project/4242/replay/{id}?t=95&foo=bar"
            )),
            (id.into(), Some(95_000))
        );
        assert_eq!(
            id_at(&format!("https://ph.example.com/project/1/replay/{id}")),
            (id.into(), None)
        );
        assert_eq!(
            id_at(&format!(
                "https://us.posthog.com/project/1/replay/home?sessionRecordingId={id}&t=1m30s"
            )),
            (id.into(), Some(90_000))
        );
        assert!(
            parse("https://us.posthog.com/shared/AbCdEf123")
                .unwrap_err()
                .contains("public share link")
        );
        assert!(parse("https://us.posthog.com/project/1/replay/home").is_err());
        assert!(parse(&format!("https://us.posthog.com/replay/{id}?t=soon")).is_err());
        assert!(parse("a/b").is_err());
        assert!(parse("").is_err());
    }
}
