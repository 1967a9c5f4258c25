//! GitHub Actions: the Markdown summary of a run for `$GITHUB_STEP_SUMMARY` ([`render`]) and one
//! `::error` workflow command per recording that did not pass ([`annotations`]), both pure; where
//! the run's page is comes from the `GITHUB_*` variables ([`Github::from_env`]).

use super::{RecordingReport, RecordingStatus, RunReport};

/// What the environment of a GitHub Actions job says.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Github {
    /// `GITHUB_ACTIONS=true`: print `::error` annotations.
    pub actions: bool,
    /// `GITHUB_STEP_SUMMARY`: the file the Markdown summary is appended to.
    pub step_summary: Option<std::path::PathBuf>,
    /// `GITHUB_SERVER_URL/GITHUB_REPOSITORY/actions/runs/GITHUB_RUN_ID`: the run's page, where
    /// its artifacts are listed.
    pub run_url: Option<String>,
}

impl Github {
    /// Reads the variables through `get` (tests pass their own).
    pub fn from_env(get: impl Fn(&str) -> Option<String>) -> Github {
        let var = |name: &str| get(name).filter(|v| !v.trim().is_empty());
        let run_url = match (
            var("GITHUB_SERVER_URL"),
            var("GITHUB_REPOSITORY"),
            var("GITHUB_RUN_ID"),
        ) {
            (Some(server), Some(repo), Some(id)) => Some(format!(
                "{}/{repo}/actions/runs/{id}",
                server.trim_end_matches('/')
            )),
            _ => None,
        };
        Github {
            actions: var("GITHUB_ACTIONS").is_some_and(|v| v == "true"),
            step_summary: var("GITHUB_STEP_SUMMARY").map(Into::into),
            run_url,
        }
    }
}

/// Failing checkpoints listed per recording before "and N more".
const SHOWN: usize = 5;

/// The Markdown summary: the verdict, the totals, a table of the recordings that did not pass
/// and where the report is (`report_dir`, and the run's artifacts when `run_url` is known).
pub fn render(report: &RunReport, report_dir: &str, run_url: Option<&str>) -> Vec<u8> {
    let s = &report.summary;
    let mut out = String::new();
    let verdict = if s.failed + s.errors == 0 {
        format!("✅ {} recordings passed", s.passed)
    } else {
        format!(
            "❌ {} of {} recordings did not pass",
            s.failed + s.errors,
            s.recordings
        )
    };
    out.push_str(&format!("### reel: {verdict}\n\n"));
    let by_status: Vec<String> = s
        .by_status
        .iter()
        .filter(|(_, n)| **n > 0)
        .map(|(st, n)| format!("{n} {}", st.as_str()))
        .collect();
    out.push_str(&format!(
        "**{} recordings**: {} passed, {} failed, {} errors · **{} checkpoints**: {} · {} new \
         console errors · {:.1} s{}\n",
        s.recordings,
        s.passed,
        s.failed,
        s.errors,
        s.checkpoints,
        if by_status.is_empty() {
            "none".to_string()
        } else {
            by_status.join(", ")
        },
        s.new_console_errors,
        s.duration_ms as f64 / 1000.0,
        if report.complete {
            ""
        } else {
            " · **interrupted: incomplete**"
        }
    ));
    let failing: Vec<&RecordingReport> = report
        .recordings
        .iter()
        .filter(|r| r.status != RecordingStatus::Pass)
        .collect();
    if !failing.is_empty() {
        out.push_str("\n| status | recording | what did not pass | new console errors |\n");
        out.push_str("|---|---|---|---|\n");
        for r in failing {
            out.push_str(&format!(
                "| {} | `{}` | {} | {} |\n",
                r.status.as_str(),
                cell(&r.id),
                cell(&what_failed(r)),
                new_console_errors(r)
            ));
        }
    }
    out.push_str(&format!(
        "\nThe report (index.html, report.json, junit.xml) is in `{}`",
        cell(report_dir)
    ));
    match run_url {
        Some(url) => out.push_str(&format!(
            "; download it from the [artifacts of this run]({url}#artifacts).\n\n"
        )),
        None => out.push_str(".\n\n"),
    }
    out.into_bytes()
}

/// One `::error` workflow command per recording that did not pass, each on its own line.
pub fn annotations(report: &RunReport) -> Vec<u8> {
    let mut out = String::new();
    for r in report
        .recordings
        .iter()
        .filter(|r| r.status != RecordingStatus::Pass)
    {
        let mut props = vec![format!("title={}", property(&format!("reel: {}", r.id)))];
        if is_repo_path(&r.source) {
            props.insert(0, format!("file={}", property(&r.source)));
        }
        let mut message = format!("{} {}: {}", r.id, r.status.as_str(), what_failed(r));
        let errors = new_console_errors(r);
        if errors > 0 {
            message.push_str(&format!("; {errors} new console error(s)"));
        }
        out.push_str(&format!(
            "::error {}::{}\n",
            props.join(","),
            data(&message)
        ));
    }
    out.into_bytes()
}

/// A path GitHub can point at in the repository: relative, without `..`, not a URL.
fn is_repo_path(source: &str) -> bool {
    let p = std::path::Path::new(source);
    !source.contains("://")
        && p.is_relative()
        && p.components()
            .all(|c| matches!(c, std::path::Component::Normal(_)))
}

fn new_console_errors(r: &RecordingReport) -> usize {
    if r.console.accepted {
        0
    } else {
        r.console.new_errors.len()
    }
}

/// The error, or the failing checkpoints (`name status`, at most [`SHOWN`]).
fn what_failed(r: &RecordingReport) -> String {
    if let Some(e) = &r.error {
        return e.clone();
    }
    let failing: Vec<String> = r
        .checkpoints
        .iter()
        .filter(|c| c.status.is_failure())
        .map(|c| match &c.window {
            Some(w) => format!("{w}/{} {}", c.name, c.status.as_str()),
            None => format!("{} {}", c.name, c.status.as_str()),
        })
        .collect();
    if failing.is_empty() {
        return "console".to_string();
    }
    let mut text = format!(
        "{} of {} checkpoints: {}",
        failing.len(),
        r.checkpoints.len(),
        failing
            .iter()
            .take(SHOWN)
            .cloned()
            .collect::<Vec<_>>()
            .join(", ")
    );
    if failing.len() > SHOWN {
        text.push_str(&format!(" and {} more", failing.len() - SHOWN));
    }
    text
}

/// Text for one table cell: one line, no table or HTML syntax, no control characters, bounded.
fn cell(text: &str) -> String {
    const MAX: usize = 300;
    let mut out = String::new();
    for (i, c) in text.chars().enumerate() {
        if i == MAX {
            out.push('…');
            break;
        }
        match c {
            '|' => out.push_str("\\|"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '`' => out.push('\''),
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// A workflow command's message: `%`, CR and LF escaped as GitHub's runner reads them.
fn data(text: &str) -> String {
    let encoded = text
        .replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A");
    // Workflow commands go to the job's log, a terminal of sorts: no escape sequence from data.
    crate::printable::printable(&encoded).into_owned()
}

/// A workflow command's property value: also `:` and `,` escaped.
fn property(text: &str) -> String {
    data(text).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_follows_the_runner() {
        assert_eq!(data("50% a\r\nb"), "50%25 a%0D%0Ab");
        assert_eq!(data("\u{1b}[31mred"), "\\u{1b}[31mred");
        assert_eq!(property("reel: a,b"), "reel%3A a%2Cb");
        assert_eq!(cell("a|b\n<script>`x`"), "a\\|b &lt;script&gt;'x'");
        assert!(is_repo_path("recordings/a.jsonl"));
        assert!(!is_repo_path("/tmp/a.jsonl"));
        assert!(!is_repo_path("../a.jsonl"));
        assert!(!is_repo_path("s3://b/a.jsonl"));
    }

    #[test]
    fn the_run_url_needs_all_three_variables() {
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            Github::from_env(|k| {
                pairs
                    .iter()
                    .find(|(n, _)| *n == k)
                    .map(|(_, v)| v.to_string())
            })
        };
        let full = env(&[
            ("GITHUB_ACTIONS", "true"),
            ("GITHUB_SERVER_URL", "https://github.com/"),
            ("GITHUB_REPOSITORY", "o/r"),
            ("GITHUB_RUN_ID", "42"),
            ("GITHUB_STEP_SUMMARY", "/tmp/s.md"),
        ]);
        assert!(full.actions);
        assert_eq!(
            full.run_url.as_deref(),
            Some("https://github.com/o/r/actions/runs/42")
        );
        assert_eq!(full.step_summary, Some("/tmp/s.md".into()));
        let partial = env(&[("GITHUB_REPOSITORY", "o/r"), ("GITHUB_ACTIONS", "false")]);
        assert_eq!(partial, Github::default());
    }
}
