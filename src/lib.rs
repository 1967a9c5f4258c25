//! reel: a headless replay QA harness. Recordings (PostHog session replay or plain rrweb) flow one
//! way through the stages below; `main.rs` only turns a parsed command line into calls to them.
//!
//! `recording` (parse, normalize) → `plan` (checkpoints) → `replay` (Chromium + player, screenshots,
//! console) → `compare` (pixel diff, baselines) → `report` (what people and CI read).

pub mod cli;
pub mod compare;
pub mod config;
pub mod drive;
pub mod exit;
pub mod files;
pub mod plan;
pub mod printable;
pub mod recording;
pub mod replay;
pub mod report;
pub mod run;
pub mod source;
