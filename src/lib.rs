//! reel: a headless replay QA harness. Recordings (PostHog session replay or plain rrweb) flow one
//! way through the stages below; the `reel` binary ([`main`]) only parses a command line, calls
//! them and prints what they return. `docs/architecture.md` draws the whole picture.
//!
//! `source` (where recordings come from) → `recording` (parse, normalize) → `plan` (checkpoints) →
//! `replay` (Chromium + player: screenshots, console) → `compare` (pixel diff, baselines) →
//! `report` (what people and CI read).
//!
//! Around them: [`settings`] (the one table of `reel run`'s settings, and `reel.toml`), [`duration`] (the one
//! duration syntax), [`run`]
//! (the runner of `reel run`: inputs, scheduling over browser pages, verdicts) and [`exit`] (the
//! exit-code table and the class of every error). [`drive`] holds the contract of `reel drive`.
//!
//! What a library user needs is public: reading recordings ([`recording::load`]), planning
//! ([`plan::plan`]), browsers and capture ([`replay::BrowserPool`],
//! [`replay::capture_window`]), the diff kernel and baselines ([`compare::diff`],
//! [`compare::baseline::BaselineStore`]), a whole run from settings ([`settings::Settings`],
//! [`run::RunOptions`], [`run::run`]) and its reports ([`report::ReportDir`]). The rest — the
//! command line, file writing, signal handling, the browser's isolation and the kernel's inner
//! loops — is private to the crate.

mod cli;
pub mod compare;
pub mod drive;
pub mod duration;
pub mod exit;
mod files;
mod interrupt;
pub mod plan;
mod printable;
pub mod recording;
pub mod replay;
pub mod report;
pub mod run;
pub mod settings;
pub mod source;
pub mod timings;

pub use cli::main;
