//! The one way durations and times are written, on the command line, in `REEL_*` variables and
//! in `reel.toml`: humantime's syntax — `1.5s`, `500ms`, `2m` (minutes), `1h30m`, `7d`, `2w`,
//! `3M` (months of 30.44 days), `1y` (365.25 days), units may be spelled out (`2min`, `3 days`)
//! and combined. A bare number keeps the unit its setting documents: seconds, or milliseconds for
//! the settings whose name ends in `_ms`. A point in time (`--since`, `--until`) is such a
//! duration ago, or a date (`2026-01-31`) or an RFC 3339 date-time (`2026-01-31T10:00:00Z`).

use std::time::Duration;

/// What a bare number means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bare {
    Seconds,
    Millis,
}

/// The longest duration accepted anywhere (longer ones are surely typos): 100 years.
const LONGEST: Duration = Duration::from_secs(100 * 31_557_600);

/// Reads a duration; see the module docs.
pub fn parse(text: &str, bare: Bare) -> Result<Duration, String> {
    let t = text.trim();
    let bad = |why: String| {
        format!("{text:?} is not a duration ({why}); write e.g. 1.5s, 500ms, 2m, 1h30m or 7d")
    };
    let d = if let Ok(n) = t.parse::<f64>() {
        if !n.is_finite() || n < 0.0 {
            return Err(bad("negative or not finite".into()));
        }
        let secs = match bare {
            Bare::Seconds => n,
            Bare::Millis => n / 1000.0,
        };
        Duration::try_from_secs_f64(secs).map_err(|e| bad(e.to_string()))?
    } else {
        humantime::parse_duration(t).map_err(|e| bad(e.to_string()))?
    };
    if d > LONGEST {
        return Err(bad("longer than 100 years".into()));
    }
    Ok(d)
}

/// [`parse`] with bare numbers in seconds (a command-line value parser).
pub fn seconds(text: &str) -> Result<Duration, String> {
    parse(text, Bare::Seconds)
}

/// [`parse`] with bare numbers in milliseconds (a command-line value parser).
pub fn millis(text: &str) -> Result<Duration, String> {
    parse(text, Bare::Millis)
}

/// [`parse`] in whole milliseconds (rounded).
pub fn parse_ms(text: &str, bare: Bare) -> Result<i64, String> {
    parse(text, bare).map(|d| (d.as_secs_f64() * 1000.0).round() as i64)
}

/// A point in time as written for `--since` / `--until`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum When {
    /// This long before now.
    Ago(Duration),
    /// A date (`2026-01-31`) or RFC 3339 date-time, as written.
    At(String),
}

impl When {
    /// How PostHog's list filters take it: `-7d` / `-24h` for whole days / hours ago, else the
    /// date-time that long before `now` (RFC 3339, UTC), or the date as written.
    pub fn for_posthog(&self, now: chrono::DateTime<chrono::Utc>) -> String {
        match self {
            When::At(s) => s.clone(),
            When::Ago(d) => {
                let secs = d.as_secs();
                if d.subsec_nanos() == 0 && secs > 0 && secs % 86_400 == 0 {
                    format!("-{}d", secs / 86_400)
                } else if d.subsec_nanos() == 0 && secs > 0 && secs % 3_600 == 0 {
                    format!("-{}h", secs / 3_600)
                } else {
                    let ago = chrono::Duration::from_std(*d).unwrap_or(chrono::Duration::zero());
                    (now - ago).to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
                }
            }
        }
    }
}

/// Reads a point in time: a duration ago (`7d`, `24h`, `30m`, `3M`; a leading `-` is allowed),
/// a date or an RFC 3339 date-time.
pub fn parse_when(text: &str) -> Result<When, String> {
    let t = text.trim();
    if let Some(day) = t.get(..10)
        && chrono::NaiveDate::parse_from_str(day, "%Y-%m-%d").is_ok()
    {
        return if t.len() == 10 || chrono::DateTime::parse_from_rfc3339(t).is_ok() {
            Ok(When::At(t.to_string()))
        } else {
            Err(format!(
                "{text:?}: a date-time must be RFC 3339, e.g. 2026-01-31T10:00:00Z"
            ))
        };
    }
    let ago = t.strip_prefix('-').unwrap_or(t);
    if ago.parse::<f64>().is_ok() {
        return Err(format!(
            "{text:?}: give a unit (7d, 24h, 30m, 3M for months) or a date (2026-01-31)"
        ));
    }
    humantime::parse_duration(ago)
        .ok()
        .filter(|d| *d <= LONGEST)
        .map(When::Ago)
        .ok_or_else(|| {
            format!(
                "{text:?}: use a time ago (7d, 24h, 30m, 2w, 3M for months) or a date \
                 (2026-01-31) or an RFC 3339 date-time"
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        let ms = |t: &str| parse_ms(t, Bare::Seconds);
        assert_eq!(ms("1.5s"), Ok(1500));
        assert_eq!(ms("500ms"), Ok(500));
        assert_eq!(ms("2m"), Ok(120_000), "m is minutes");
        assert_eq!(ms("1m30s"), Ok(90_000));
        assert_eq!(ms("1h 30min"), Ok(5_400_000));
        assert_eq!(ms("12"), Ok(12_000), "bare: seconds");
        assert_eq!(ms("1.5"), Ok(1500));
        assert_eq!(parse_ms("250", Bare::Millis), Ok(250));
        assert_eq!(parse_ms("1s", Bare::Millis), Ok(1000));
        assert_eq!(
            parse("1M", Bare::Seconds),
            Ok(Duration::from_secs(2_630_016)),
            "M is months"
        );
        for bad in ["", "abc", "5x", "-1", "-1s", "1e400", "200y"] {
            assert!(ms(bad).is_err(), "{bad:?}");
        }
        assert!(ms("5x").unwrap_err().contains("\"5x\""));
    }

    #[test]
    fn points_in_time() {
        let now = chrono::DateTime::parse_from_rfc3339("2026-02-10T12:00:00Z")
            .unwrap()
            .with_timezone(&chrono::Utc);
        let ph = |t: &str| parse_when(t).map(|w| w.for_posthog(now));
        assert_eq!(ph("7d").as_deref(), Ok("-7d"));
        assert_eq!(ph("-24h").as_deref(), Ok("-1d"));
        assert_eq!(ph("2w").as_deref(), Ok("-14d"));
        assert_eq!(ph("3h").as_deref(), Ok("-3h"));
        assert_eq!(
            ph("1m").as_deref(),
            Ok("2026-02-10T11:59:00Z"),
            "m is minutes"
        );
        assert_eq!(
            ph("1M").as_deref(),
            Ok("2026-01-11T01:26:24Z"),
            "M is months"
        );
        assert_eq!(ph("2026-01-31").as_deref(), Ok("2026-01-31"));
        assert_eq!(
            ph("2026-01-31T10:00:00Z").as_deref(),
            Ok("2026-01-31T10:00:00Z")
        );
        for bad in ["d", "7", "last week", "2026-01-3\u{e9}", "2026-01-31T10"] {
            assert!(parse_when(bad).is_err(), "{bad:?}");
        }
    }
}
