//! The processes of a `reel` child under test, read from `/proc`: its browser, their descendants,
//! whether they are still alive, and waiting (bounded) for the child to exit.

use std::process::{Child, ExitStatus};
use std::time::{Duration, Instant};

/// Child processes of `pid` (all threads).
pub fn children(pid: u32) -> Vec<u32> {
    let mut out = Vec::new();
    if let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) {
        for t in tasks.flatten() {
            if let Ok(text) = std::fs::read_to_string(t.path().join("children")) {
                out.extend(
                    text.split_whitespace()
                        .filter_map(|p| p.parse::<u32>().ok()),
                );
            }
        }
    }
    out
}

/// Every descendant of `pid`.
pub fn descendants(pid: u32) -> Vec<u32> {
    let mut out = Vec::new();
    let mut stack = vec![pid];
    while let Some(p) = stack.pop() {
        for c in children(p) {
            out.push(c);
            stack.push(c);
        }
    }
    out
}

/// The command line of `pid`, its arguments joined by spaces.
pub fn cmdline(pid: u32) -> String {
    std::fs::read(format!("/proc/{pid}/cmdline"))
        .map(|b| String::from_utf8_lossy(&b).replace('\0', " "))
        .unwrap_or_default()
}

/// Whether `pid` runs (a zombie counts as gone).
pub fn alive(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .map(|s| !s.contains(") Z "))
        .unwrap_or(false)
}

/// The browser reel launched: its child whose command line has the DevTools flag.
pub fn launched_browser(reel: u32, timeout: Duration) -> u32 {
    let start = Instant::now();
    while start.elapsed() < timeout {
        if let Some(p) = children(reel)
            .into_iter()
            .find(|p| cmdline(*p).contains("--remote-debugging-port"))
        {
            return p;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    panic!("reel started no browser within {timeout:?}");
}

/// Waits up to `timeout` for `child` to exit; kills it when it does not.
pub fn wait_exit(child: &mut Child, timeout: Duration) -> Option<ExitStatus> {
    let start = Instant::now();
    while start.elapsed() < timeout {
        if let Some(s) = child.try_wait().unwrap() {
            return Some(s);
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let _ = child.kill();
    None
}
