//! Helpers shared by the integration tests: the real `reel` binary, the shared recordings, and one
//! headless Chromium per test binary that every `reel` invocation attaches to (`--browser-ws`).
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;

pub fn reel() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_reel"));
    c.env_remove("CI")
        .env_remove("REEL_BROWSER_WS")
        .env("NO_COLOR", "1");
    c
}

pub fn shared(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared")
        .join(rel)
}

pub fn recording(rel: &str) -> PathBuf {
    shared(&format!("recordings/{rel}"))
}

/// Runs `cmd`, returning its output; prints stderr on the way for failing tests.
pub fn run(cmd: &mut Command) -> Output {
    let out = cmd.output().expect("reel runs");
    if !out.status.success() {
        eprintln!(
            "reel exited {:?}\nstdout: {}\nstderr: {}",
            out.status.code(),
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    out
}

/// The DevTools websocket of a browser shared by all tests of this binary. It is started from a
/// thread that lives as long as the process and dies with it (parent-death signal).
pub fn browser_ws() -> String {
    static WS: OnceLock<String> = OnceLock::new();
    WS.get_or_init(|| {
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let profile = tempfile::tempdir().expect("temp dir");
            let exe = reel::replay::chrome::find_chrome(None).expect("tests need Chromium");
            let mut flags = reel::replay::chrome::launch_flags(profile.path(), false);
            flags.push("about:blank".into());
            let mut cmd = Command::new(exe);
            cmd.args(&flags)
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::piped());
            unsafe {
                use std::os::unix::process::CommandExt;
                cmd.pre_exec(|| {
                    libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
                    Ok(())
                });
            }
            let mut child = cmd.spawn().expect("chromium starts");
            let stderr = child.stderr.take().unwrap();
            use std::io::BufRead;
            let mut sent = false;
            for line in std::io::BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                if !sent && let Some(p) = line.find("ws://") {
                    tx.send(line[p..].trim().to_string()).unwrap();
                    sent = true;
                }
            }
            let _ = child.wait();
            drop(profile);
            loop {
                std::thread::park();
            }
        });
        rx.recv_timeout(std::time::Duration::from_secs(30))
            .expect("shared Chromium reports its DevTools address")
    })
    .clone()
}

/// Decodes a PNG into (width, height, RGBA bytes).
pub fn decode_png(path: &Path) -> (u32, u32, Vec<u8>) {
    let img = image::open(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .to_rgba8();
    (img.width(), img.height(), img.into_raw())
}
