//! `report.json`: the stable, versioned machine-readable report (documented in the README).

use super::RunReport;

pub fn render(report: &RunReport) -> Vec<u8> {
    let mut out = serde_json::to_vec_pretty(report).unwrap_or_default();
    out.push(b'\n');
    out
}

/// Reads a `report.json` back (for `reel approve` and `merge-reports`).
pub fn parse(bytes: &[u8]) -> Result<RunReport, serde_json::Error> {
    serde_json::from_slice(bytes)
}
