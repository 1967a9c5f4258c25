//! `reel approve [RECORDING[/CHECKPOINT]]...`: promotes the last run's actual screenshots (changed,
//! missing, size-changed) and new console errors to baselines, atomically, and says what it took.

use crate::compare::baseline::{ApprovedError, BaselineStore};
use crate::compare::decode_png;
use crate::exit::{Failure, Outcome};
use crate::printable::printable;
use crate::report::{CheckpointStatus, json};
use std::path::PathBuf;

#[derive(clap::Args, Debug)]
pub struct ApproveArgs {
    /// What to approve: a recording id, or RECORDING/CHECKPOINT (window-qualified names as shown
    /// in the report: RECORDING/WINDOW/CHECKPOINT). Nothing given: everything that failed.
    pub targets: Vec<String>,
    /// The report folder of the run to approve from.
    #[arg(long, value_name = "DIR", default_value = "reel-report")]
    pub out: PathBuf,
    /// Baselines folder (default: the one the run used).
    #[arg(long, value_name = "DIR")]
    pub baselines: Option<PathBuf>,
}

pub fn run(args: ApproveArgs) -> Result<Outcome, Failure> {
    let report_path = args.out.join("report.json");
    let bytes = std::fs::read(&report_path).map_err(|e| {
        Failure::input(anyhow::anyhow!(
            "{}: cannot read the last run's report ({e}); run `reel run` first or pass --out",
            report_path.display()
        ))
    })?;
    let report = json::parse(&bytes).map_err(|e| {
        Failure::input(anyhow::anyhow!(
            "{}: not a reel report: {e}",
            report_path.display()
        ))
    })?;
    let store = BaselineStore::new(
        args.baselines
            .clone()
            .unwrap_or_else(|| PathBuf::from(&report.settings.baselines)),
    );

    let mut matched = vec![false; args.targets.len()];
    let wanted = |rec: &str, cp: Option<&str>, matched: &mut Vec<bool>| -> bool {
        if args.targets.is_empty() {
            return true;
        }
        let mut hit = false;
        for (i, t) in args.targets.iter().enumerate() {
            let ok = match cp {
                None => t == rec,
                Some(cp) => t == rec || *t == format!("{rec}/{cp}"),
            };
            if ok {
                matched[i] = true;
                hit = true;
            }
        }
        hit
    };

    let mut accepted = 0usize;
    for rec in &report.recordings {
        for cp in &rec.checkpoints {
            let qualified = match &cp.window {
                Some(w) => format!("{w}/{}", cp.name),
                None => cp.name.clone(),
            };
            if !wanted(&rec.id, Some(&qualified), &mut matched) {
                continue;
            }
            let explicit = args
                .targets
                .iter()
                .any(|t| *t == format!("{}/{qualified}", rec.id));
            let approvable = matches!(
                cp.status,
                CheckpointStatus::Changed
                    | CheckpointStatus::Missing
                    | CheckpointStatus::SizeChanged
            ) || (cp.status == CheckpointStatus::Flaky && explicit);
            let Some(actual) = cp.actual.as_ref().filter(|_| approvable) else {
                continue;
            };
            // report.json is input too: an `actual` that is absolute or climbs out of --out
            // would make approve read (and promote) a file from anywhere.
            let inside = {
                let p = std::path::Path::new(actual);
                p.components().count() > 0
                    && p.components()
                        .all(|c| matches!(c, std::path::Component::Normal(_)))
            };
            if !inside {
                return Err(Failure::input(anyhow::anyhow!(
                    "{}: checkpoint {}/{qualified}: \"actual\" {actual:?} is not a path inside {}",
                    report_path.display(),
                    rec.id,
                    args.out.display()
                )));
            }
            let actual_path = args.out.join(actual);
            let png = std::fs::read(&actual_path).map_err(|e| {
                Failure::input(anyhow::anyhow!(
                    "{}: cannot read: {e}",
                    actual_path.display()
                ))
            })?;
            let img = decode_png(&png).map_err(|_| {
                Failure::input(anyhow::anyhow!(
                    "{}: not a valid PNG",
                    actual_path.display()
                ))
            })?;
            let target = store.png_path(&rec.id, cp.window.as_deref(), &cp.name);
            store.save_png(&target, &img).map_err(Failure::input)?;
            println!(
                "approved {}/{} ({}) → {}",
                rec.id,
                printable(&qualified),
                cp.status.as_str(),
                target.display()
            );
            accepted += 1;
        }
        if !rec.console.new_errors.is_empty()
            && !rec.console.accepted
            && wanted(&rec.id, None, &mut matched)
        {
            let mut approved = store
                .load_console(&rec.id)
                .map_err(Failure::input)?
                .map(|c| c.errors)
                .unwrap_or_default();
            for e in &rec.console.new_errors {
                approved.push(ApprovedError {
                    window: e.window.clone(),
                    source: e.source.clone(),
                    message: e.message.clone(),
                });
                println!(
                    "approved {} console error: {}",
                    rec.id,
                    printable(&e.message)
                );
                accepted += 1;
            }
            store
                .save_console(&rec.id, &approved)
                .map_err(Failure::input)?;
        }
    }
    if let Some(i) = matched.iter().position(|m| !m) {
        return Err(Failure::input(anyhow::anyhow!(
            "{}: no such recording or checkpoint in {}",
            args.targets[i],
            report_path.display()
        )));
    }
    if accepted == 0 {
        println!("nothing to approve in {}", report_path.display());
    }
    Ok(Outcome::Pass)
}
