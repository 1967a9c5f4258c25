//! Builds the player bundle at compile time: makes sure rrweb (pinned in player/package-lock.json)
//! is installed, and hands the paths of the files to embed to the compiler. reel needs no Node at
//! run time.

use std::path::{Path, PathBuf};
use std::process::Command;

fn main() {
    let manifest =
        PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let player = manifest.join("player");
    for f in [
        "index.html",
        "player.js",
        "locate.js",
        "package.json",
        "package-lock.json",
    ] {
        println!("cargo:rerun-if-changed={}", player.join(f).display());
    }
    for f in [
        "dom.js",
        "review.js",
        "replay.js",
        "images.js",
        "report.js",
        "viewer.js",
        "viewer.css",
    ] {
        println!(
            "cargo:rerun-if-changed={}",
            player.join("viewer").join(f).display()
        );
    }
    let rrweb_dist = player.join("node_modules/rrweb/dist");
    let rrweb_js = rrweb_dist.join("rrweb.umd.min.cjs");
    let rrweb_css = rrweb_dist.join("style.css");
    println!("cargo:rerun-if-changed={}", rrweb_js.display());
    if !rrweb_js.exists() || lock_is_newer(&player) {
        npm_ci(&player);
    }
    if !rrweb_js.exists() {
        panic!(
            "player/node_modules/rrweb is missing after `npm ci` in {}: install Node.js and npm, then rebuild",
            player.display()
        );
    }
    println!("cargo:rustc-env=REEL_RRWEB_JS={}", rrweb_js.display());
    println!("cargo:rustc-env=REEL_RRWEB_CSS={}", rrweb_css.display());
    println!(
        "cargo:rustc-env=REEL_PLAYER_HTML={}",
        player.join("index.html").display()
    );
    println!(
        "cargo:rustc-env=REEL_PLAYER_JS={}",
        player.join("player.js").display()
    );
    println!(
        "cargo:rustc-env=REEL_LOCATE_JS={}",
        player.join("locate.js").display()
    );
}

/// True when package-lock.json changed after the last install (npm writes this marker file).
fn lock_is_newer(player: &Path) -> bool {
    let modified = |p: PathBuf| std::fs::metadata(p).and_then(|m| m.modified()).ok();
    match (
        modified(player.join("package-lock.json")),
        modified(player.join("node_modules/.package-lock.json")),
    ) {
        (Some(lock), Some(installed)) => lock > installed,
        _ => true,
    }
}

fn npm_ci(player: &Path) {
    let status = Command::new("npm")
        .args(["ci", "--no-audit", "--no-fund", "--loglevel=error"])
        .current_dir(player)
        .status();
    match status {
        Ok(s) if s.success() => {}
        Ok(s) => panic!(
            "`npm ci` in {} failed ({s}); rrweb is needed to build reel's player",
            player.display()
        ),
        Err(e) => panic!(
            "cannot run `npm ci` in {}: {e}; install Node.js and npm to build reel",
            player.display()
        ),
    }
}
