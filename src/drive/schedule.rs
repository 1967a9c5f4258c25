//! The order of a drive: the steps and checkpoints of every window on one timeline of absolute
//! recording time, so that windows interleave as they did when recorded. A checkpoint at `t`
//! shows every step strictly before `t` (as in `run`, where it shows every event before `t`).

use super::Step;
use crate::plan::Checkpoint;

/// One thing to do, by window and index into that window's steps or checkpoints.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Entry {
    Checkpoint { window: usize, index: usize },
    Step { window: usize, index: usize },
}

/// One window's share: its start (epoch ms of its first event), steps and checkpoints, each in
/// offsets from that start.
pub struct WindowTimes<'a> {
    pub start_ms: i64,
    pub steps: &'a [Step],
    pub checkpoints: &'a [Checkpoint],
}

/// Every entry with its absolute time (epoch ms), in the order to perform them: by time,
/// checkpoints before steps of the same millisecond, then by window, then as given.
pub fn timeline(windows: &[WindowTimes<'_>]) -> Vec<(i64, Entry)> {
    let mut out: Vec<(i64, u8, usize, usize, Entry)> = Vec::new();
    for (w, times) in windows.iter().enumerate() {
        for (i, cp) in times.checkpoints.iter().enumerate() {
            let at = times.start_ms.saturating_add(cp.t_ms);
            out.push((
                at,
                0,
                w,
                i,
                Entry::Checkpoint {
                    window: w,
                    index: i,
                },
            ));
        }
        for (i, step) in times.steps.iter().enumerate() {
            let at = times.start_ms.saturating_add(step.t_ms);
            out.push((
                at,
                1,
                w,
                i,
                Entry::Step {
                    window: w,
                    index: i,
                },
            ));
        }
    }
    out.sort_by_key(|(at, kind, w, i, _)| (*at, *kind, *w, *i));
    out.into_iter().map(|(at, _, _, _, e)| (at, e)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::drive::Action;
    use crate::plan::{Reason, checkpoint_name};

    fn step(t_ms: i64) -> Step {
        Step::new("w", t_ms, Action::Click)
    }

    fn cp(t_ms: i64) -> Checkpoint {
        Checkpoint {
            name: checkpoint_name(t_ms, Reason::Click),
            t_ms,
            reason: Reason::Click,
            viewport: (800, 600),
        }
    }

    #[test]
    fn windows_interleave_by_absolute_time_and_checkpoints_see_only_earlier_steps() {
        let a_steps = [step(0), step(100), step(500)];
        let a_cps = [cp(100), cp(501)];
        let b_steps = [step(0), step(50)];
        let b_cps = [cp(51)];
        let t = timeline(&[
            WindowTimes {
                start_ms: 1_000,
                steps: &a_steps,
                checkpoints: &a_cps,
            },
            WindowTimes {
                start_ms: 1_200,
                steps: &b_steps,
                checkpoints: &b_cps,
            },
        ]);
        use Entry::*;
        assert_eq!(
            t,
            vec![
                (
                    1_000,
                    Step {
                        window: 0,
                        index: 0
                    }
                ),
                (
                    1_100,
                    Checkpoint {
                        window: 0,
                        index: 0
                    }
                ),
                (
                    1_100,
                    Step {
                        window: 0,
                        index: 1
                    }
                ),
                (
                    1_200,
                    Step {
                        window: 1,
                        index: 0
                    }
                ),
                (
                    1_250,
                    Step {
                        window: 1,
                        index: 1
                    }
                ),
                (
                    1_251,
                    Checkpoint {
                        window: 1,
                        index: 0
                    }
                ),
                (
                    1_500,
                    Step {
                        window: 0,
                        index: 2
                    }
                ),
                (
                    1_501,
                    Checkpoint {
                        window: 0,
                        index: 1
                    }
                ),
            ]
        );
    }
}
