//! reel's integration tests: one binary, one module per topic, all driving the real `reel`
//! binary against real files, real HTTP servers on 127.0.0.1 and one headless Chromium shared by
//! the whole binary ([`common::browser_ws`]). The tests of `process` let reel launch browsers of its
//! own, since killing and interrupting them is what they test; they only ever signal their own
//! `reel` child and the browser it started.

mod common;
mod drive_support;
#[cfg(all(feature = "posthog", feature = "object-store"))]
mod fetch_support;
mod processes;

mod browser_record;
mod canvas;
mod ci;
mod cli;
mod config;
mod css;
mod diff;
mod drive;
mod drive_steps;
#[cfg(all(feature = "posthog", feature = "object-store"))]
mod fetch;
mod hardening;
mod inspect;
mod process;
mod replay;
mod report_html;
mod report_outputs;
mod report_review;
mod robustness;
mod run;
mod scale_out;
mod shard;
mod suite;
