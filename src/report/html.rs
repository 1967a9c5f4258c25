//! `index.html`: the self-contained HTML report, and the standalone player of `reel export`.
//!
//! Both are one page made of constant code (the viewer script and CSS from `player/viewer/`, rrweb's
//! bundle and CSS) plus data. Everything that comes from a recording or a report travels as data
//! only: a JSON document inside `<script type="application/json">` with `<`, `>`, `&` and U+2028/9
//! escaped, and the events as base64 of gzip inside it. The viewer builds the DOM with
//! `textContent`, never markup. A Content-Security-Policy allows only the page's own scripts (by
//! hash), inline styles, and images from the report folder (`'self'`, and `file:` because
//! browsers other than Chromium give a `file://` page an opaque origin that `'self'` does not
//! match) or `data:`/`blob:` URLs: nothing is fetched from the network. The replayed document
//! (rrweb's sandboxed iframe) inherits that policy and gets a stricter one of its own from the
//! viewer before anything is built in it (`REPLAY_CSP` in `replay.js`: inline styles and
//! `data:`/`blob:` only), so recorded content loads nothing — no local file, nothing of the
//! report's host — exactly as in capture.

use super::RunReport;
use crate::recording::Recording;
use base64::Engine;
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::io::Write;

/// The viewer script: its parts (see `player/viewer/dom.js`) in order, inside one function so that
/// nothing leaks into the page's global scope but `window.reelViewer`.
pub const VIEWER_JS: &str = concat!(
    "(function () {\n\"use strict\";\n",
    include_str!("../../player/viewer/dom.js"),
    include_str!("../../player/viewer/review.js"),
    include_str!("../../player/viewer/replay.js"),
    include_str!("../../player/viewer/images.js"),
    include_str!("../../player/viewer/report.js"),
    include_str!("../../player/viewer/viewer.js"),
    "})();\n"
);
pub const VIEWER_CSS: &str = include_str!("../../player/viewer/viewer.css");

/// The events of one recording as the viewer loads them: gzip of
/// `{"id": …, "windows": [{"id": …, "events": [...]}]}`.
pub fn replay_payload(recording: &Recording) -> Vec<u8> {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    // Writing into a Vec cannot fail; the events go in one by one, never as one big string.
    let _ = write_payload(recording, &mut gz);
    gz.finish().unwrap_or_default()
}

fn write_payload(recording: &Recording, out: &mut impl Write) -> std::io::Result<()> {
    out.write_all(b"{\"id\":")?;
    out.write_all(&serde_json::to_vec(&recording.id).unwrap_or_default())?;
    out.write_all(b",\"windows\":[")?;
    for (i, w) in recording.windows.iter().enumerate() {
        if i > 0 {
            out.write_all(b",")?;
        }
        out.write_all(b"{\"id\":")?;
        out.write_all(&serde_json::to_vec(&w.id).unwrap_or_default())?;
        out.write_all(b",\"events\":")?;
        crate::replay::write_events_json(w, out)?;
        out.write_all(b"}")?;
    }
    out.write_all(b"]}")
}

#[derive(Serialize)]
struct ReportData<'a> {
    mode: &'static str,
    report: &'a RunReport,
    /// Recording id → base64 of the gzipped replay payload.
    replays: BTreeMap<&'a str, String>,
}

#[derive(Serialize)]
struct PlayerData<'a> {
    mode: &'static str,
    id: &'a str,
    source: &'a str,
    replay: String,
}

/// The HTML report. `replays` maps recording ids to their [`replay_payload`] (only the recordings
/// whose events were kept, i.e. the failing ones).
pub fn render(report: &RunReport, replays: &BTreeMap<String, Vec<u8>>) -> Vec<u8> {
    let b64 = base64::engine::general_purpose::STANDARD;
    let data = ReportData {
        mode: "report",
        report,
        replays: replays
            .iter()
            .map(|(id, gz)| (id.as_str(), b64.encode(gz)))
            .collect(),
    };
    page("reel report", &script_json(&data))
}

/// The standalone player of `reel export`: one file that plays `recording` offline.
pub fn render_player(recording: &Recording) -> Vec<u8> {
    // Only the file name: the page is meant to be attached to bug reports, without local paths.
    let source = std::path::Path::new(&recording.source)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let data = PlayerData {
        mode: "player",
        id: &recording.id,
        source: &source,
        replay: base64::engine::general_purpose::STANDARD.encode(replay_payload(recording)),
    };
    page("reel player", &script_json(&data))
}

/// JSON that is inert inside a `<script type="application/json">` element: no `<`, `>` or `&`
/// (so no `</script>` or `<!--`), no U+2028/2029.
pub fn script_json<T: Serialize>(value: &T) -> String {
    let json = serde_json::to_string(value).unwrap_or_else(|_| "null".into());
    let mut out = String::with_capacity(json.len() + 64);
    for c in json.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c => out.push(c),
        }
    }
    out
}

fn csp_hash(script: &str) -> String {
    let digest = Sha256::digest(script.as_bytes());
    format!(
        "'sha256-{}'",
        base64::engine::general_purpose::STANDARD.encode(digest)
    )
}

/// Text safe inside an inline `<script>` or `<style>` element (the embedded bundles never contain
/// `</`, this makes sure).
fn inline(code: &str) -> String {
    code.replace("</", "<\\/")
}

fn page(title: &str, data_json: &str) -> Vec<u8> {
    let rrweb_js = inline(&String::from_utf8_lossy(crate::replay::assets::RRWEB_JS));
    let rrweb_css = inline(&String::from_utf8_lossy(crate::replay::assets::RRWEB_CSS));
    let viewer_js = inline(VIEWER_JS);
    let viewer_css = inline(VIEWER_CSS);
    let csp = format!(
        "default-src 'none'; script-src {} {}; style-src 'unsafe-inline'; img-src 'self' file: data: blob:; \
         font-src data:; frame-src 'self' about: blob:; base-uri 'none'; form-action 'none'",
        csp_hash(&rrweb_js),
        csp_hash(&viewer_js)
    );
    let mut out = String::with_capacity(rrweb_js.len() + data_json.len() + 8192);
    out.push_str("<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    out.push_str(&format!(
        "<meta http-equiv=\"Content-Security-Policy\" content=\"{csp}\">\n"
    ));
    out.push_str("<meta name=\"referrer\" content=\"no-referrer\">\n");
    out.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    // `title` is one of our constants, never recorded content.
    out.push_str(&format!("<title>{title}</title>\n"));
    out.push_str(&format!(
        "<style>{rrweb_css}</style>\n<style>{viewer_css}</style>\n"
    ));
    out.push_str("</head>\n<body>\n<div id=\"app\"><noscript>This report needs JavaScript.</noscript></div>\n");
    out.push_str("<script type=\"application/json\" id=\"reel-data\">");
    out.push_str(data_json);
    out.push_str("</script>\n<script>");
    out.push_str(&rrweb_js);
    out.push_str("</script>\n<script>");
    out.push_str(&viewer_js);
    out.push_str("</script>\n</body>\n</html>\n");
    out.into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compare::UpdateMode;
    use crate::report::{
        CheckpointReport, CheckpointStatus, ConsoleError, ConsoleReport, ConsoleSource, Extras,
        Format, Reason, RecordingReport, RecordingStatus, ReportSettings,
    };

    const HOSTILE: &str =
        "</script><script>alert(1)</script><img src=x onerror=alert(2)> <!-- &amp; \u{2028}";

    fn hostile_report() -> RunReport {
        let error = ConsoleError {
            window: HOSTILE.into(),
            source: ConsoleSource::Recorded,
            t_ms: 5,
            message: HOSTILE.into(),
        };
        RunReport::new(
            ReportSettings {
                threshold: 0.1,
                include_aa: false,
                max_diff_pixels: None,
                max_diff_ratio: None,
                update: UpdateMode::None,
                baselines: HOSTILE.into(),
            },
            vec![RecordingReport {
                id: "x".into(),
                source: HOSTILE.into(),
                status: RecordingStatus::Fail,
                error: Some(HOSTILE.into()),
                error_kind: None,
                format: Some(Format::RrwebJson),
                duration_ms: 1,
                session_duration_ms: 1,
                checkpoints: vec![CheckpointReport {
                    name: HOSTILE.into(),
                    window: Some(HOSTILE.into()),
                    t_ms: 1,
                    reason: Reason::Click,
                    viewport: [1, 1],
                    status: CheckpointStatus::Changed,
                    diff_pixels: Some(1),
                    diff_ratio: Some(1.0),
                    actual: Some(format!("actual/{HOSTILE}")),
                    baseline: Some(HOSTILE.into()),
                    diff: Some(HOSTILE.into()),
                    expected: None,
                    message: Some(HOSTILE.into()),
                    varying_pixels: None,
                    varying_regions: None,
                    duration_ms: None,
                    recorded: None,
                    thumbnail: Some(format!("thumbs/{HOSTILE}")),
                    posthog_url: Some(HOSTILE.into()),
                    extras: Extras::from([("note".to_string(), HOSTILE.into())]),
                }],
                console: ConsoleReport {
                    errors: vec![error.clone()],
                    new_errors: vec![error],
                    accepted: false,
                },
                blocked_requests: 0,
                canvas: None,
                posthog: Some(crate::report::PosthogReplay {
                    session: HOSTILE.into(),
                    url: Some(HOSTILE.into()),
                    person: Some(HOSTILE.into()),
                    start_time: Some(HOSTILE.into()),
                }),
                extras: Extras::from([("steps".to_string(), serde_json::json!([HOSTILE]))]),
            }],
            true,
            1,
        )
    }

    fn gzip(bytes: &[u8]) -> Vec<u8> {
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        enc.write_all(bytes).unwrap();
        enc.finish().unwrap()
    }

    fn between<'a>(page: &'a str, start: &str, end: &str) -> &'a str {
        let a = page.find(start).map(|i| i + start.len()).unwrap_or(0);
        let b = page[a..].find(end).map(|i| a + i).unwrap_or(page.len());
        &page[a..b]
    }

    #[test]
    fn recorded_strings_never_become_markup() {
        let mut replays = BTreeMap::new();
        replays.insert("x".to_string(), gzip(HOSTILE.as_bytes()));
        let page = String::from_utf8(render(&hostile_report(), &replays)).unwrap();
        // The data is one inert JSON document: no `<` in it at all.
        let data = between(&page, "id=\"reel-data\">", "</script>");
        assert!(data.len() > 100);
        assert!(!data.contains('<') && !data.contains('>') && !data.contains('&'));
        let back: serde_json::Value = serde_json::from_str(data).unwrap();
        assert_eq!(back["report"]["recordings"][0]["source"], HOSTILE);
        assert_eq!(back["report"]["recordings"][0]["steps"][0], HOSTILE);
        // Exactly three script elements: the data and our two scripts.
        assert_eq!(page.matches("<script").count(), 3);
        assert!(!page.contains("<img"));
    }

    #[test]
    fn csp_hashes_match_the_inline_scripts() {
        let page = String::from_utf8(render(&hostile_report(), &BTreeMap::new())).unwrap();
        let csp = between(&page, "Content-Security-Policy\" content=\"", "\"");
        let mut scripts = page.split("<script>").skip(1);
        for _ in 0..2 {
            let code = scripts.next().unwrap().split("</script>").next().unwrap();
            assert!(csp.contains(&csp_hash(code)), "a script without its hash");
        }
        assert!(csp.contains("default-src 'none'"));
        assert!(!csp.contains("script-src 'unsafe-inline'"));
    }

    #[test]
    fn player_page_embeds_gzip() {
        let rec = crate::recording::parse_bytes(
            br#"[{"type":4,"timestamp":1,"data":{"href":"</script>","width":10,"height":10}},{"type":2,"timestamp":2,"data":{"node":{"type":0,"id":1,"childNodes":[]},"initialOffset":{"left":0,"top":0}}}]"#,
            std::path::Path::new("a.json"),
            &crate::recording::Limits::default(),
        )
        .unwrap();
        let page = String::from_utf8(render_player(&rec)).unwrap();
        let data: serde_json::Value =
            serde_json::from_str(between(&page, "id=\"reel-data\">", "</script>")).unwrap();
        let gz = base64::engine::general_purpose::STANDARD
            .decode(data["replay"].as_str().unwrap())
            .unwrap();
        let mut json = String::new();
        std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(&gz[..]), &mut json)
            .unwrap();
        let payload: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(
            payload["windows"][0]["events"][0]["data"]["href"],
            "</script>"
        );
    }

    #[test]
    fn script_json_is_inert() {
        let s = script_json(&"</script><script>alert(1)</script> <!-- & \u{2028}");
        assert!(!s.contains('<') && !s.contains('>') && !s.contains('&'));
        assert!(!s.contains('\u{2028}'));
        let back: String = serde_json::from_str(&s).unwrap();
        assert_eq!(back, "</script><script>alert(1)</script> <!-- & \u{2028}");
    }
}
