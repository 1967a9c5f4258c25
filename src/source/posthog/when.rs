//! Times and durations of the PostHog list filters, as people write them on the command line and
//! in `reel.toml`.

/// `7d` → `-7d` (PostHog's relative form); dates and RFC 3339 date-times pass through.
pub fn parse_when(s: &str) -> Result<String, String> {
    let t = s.trim();
    let rel = t.strip_prefix('-').unwrap_or(t);
    if let Some(unit) = rel.chars().last()
        && "hdwmy".contains(unit)
        && rel.len() > 1
        && rel[..rel.len() - 1].chars().all(|c| c.is_ascii_digit())
    {
        return Ok(format!("-{rel}"));
    }
    if let Some(day) = t.get(..10)
        && chrono::NaiveDate::parse_from_str(day, "%Y-%m-%d").is_ok()
        && (t.len() == 10 || chrono::DateTime::parse_from_rfc3339(t).is_ok())
    {
        return Ok(t.to_string());
    }
    Err(format!(
        "{s:?}: use a relative time (7d, 24h, 2w, 1m) or a date (2026-01-31) or RFC 3339 date-time"
    ))
}

/// `30s`, `2m`, `1h`, `90` → seconds.
pub fn parse_seconds(s: &str) -> Result<f64, String> {
    let t = s.trim();
    let (num, mult) = match t.chars().last() {
        Some('s') => (&t[..t.len() - 1], 1.0),
        Some('m') => (&t[..t.len() - 1], 60.0),
        Some('h') => (&t[..t.len() - 1], 3600.0),
        _ => (t, 1.0),
    };
    match num.trim().parse::<f64>() {
        Ok(v) if v.is_finite() && v >= 0.0 => Ok(v * mult),
        _ => Err(format!("{s:?} is not a duration like 30s, 2m or 1h")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn when_and_durations() {
        assert_eq!(parse_when("7d").unwrap(), "-7d");
        assert_eq!(parse_when("-24h").unwrap(), "-24h");
        assert_eq!(parse_when("2026-01-31").unwrap(), "2026-01-31");
        assert_eq!(
            parse_when("2026-01-31T10:00:00Z").unwrap(),
            "2026-01-31T10:00:00Z"
        );
        assert!(parse_when("d").is_err());
        assert!(parse_when("last week").is_err());
        assert!(parse_when("2026-01-3\u{e9}").is_err());
        assert_eq!(parse_seconds("30s").unwrap(), 30.0);
        assert_eq!(parse_seconds("2m").unwrap(), 120.0);
        assert_eq!(parse_seconds("90").unwrap(), 90.0);
        assert!(parse_seconds("-1").is_err());
    }
}
