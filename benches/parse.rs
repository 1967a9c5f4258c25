//! Parsing benchmark (a plain `main`, no harness): throughput in MB/s of input and peak memory of
//! reel's recording stage (detect + decompress + normalize) on the shared recordings and on a
//! generated large session, next to plain `serde_json::from_slice` of the same bytes as the
//! ceiling. Peak memory is measured per run in a child process under `/usr/bin/time -v`.
//!
//! `cargo bench --bench parse` (generates a 256 MB session in a temp dir)
//! `cargo bench --bench parse -- --size-mb 512`

use reel::recording::{Limits, load_with_stats, parse_bytes_with_stats};
use serde::de::IgnoredAny;
use serde_json::Value;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

const MB: f64 = 1_000_000.0;

fn shared_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/recordings")
}

const SHARED: &[&str] = &[
    "swagger-ui/posthog-blob.jsonl",
    "swagger-ui/posthog-export.json",
    "swagger-ui/rrweb-events.json",
    "todomvc-backbone/posthog-blob.jsonl",
    "todomvc-backbone/posthog-export.json",
    "testbed-errors/posthog-blob.jsonl",
    "testbed-errors/posthog-export.json",
    "rrweb-todomvc-angularjs/rrweb-events.json",
    "posthog-fixtures/recording_snapshots.jsonl",
    "posthog-fixtures/recording_snapshots.json",
];

/// Plain serde_json over the same bytes: a whole document, or one value per line for JSONL.
fn ceiling<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> usize {
    let mut n = 0;
    for v in serde_json::Deserializer::from_slice(bytes).into_iter::<T>() {
        std::hint::black_box(v.expect("valid JSON"));
        n += 1;
    }
    n
}

/// Seconds this thread has spent on a CPU (Linux `schedstat`), so that other load on the machine
/// does not count; falls back to wall time elsewhere.
fn cpu_seconds(wall: Instant) -> f64 {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse::<f64>().ok())
        .map_or_else(|| wall.elapsed().as_secs_f64(), |ns| ns / 1e9)
}

/// Runs `f` until about 0.5 s of CPU time have passed (at least 3 times); returns MB/s of
/// `bytes` per CPU second.
fn throughput(bytes: usize, mut f: impl FnMut()) -> f64 {
    f();
    let wall = Instant::now();
    let start = cpu_seconds(wall);
    let mut runs = 0;
    while runs < 3 || cpu_seconds(wall) - start < 0.5 {
        f();
        runs += 1;
    }
    bytes as f64 * runs as f64 / (cpu_seconds(wall) - start) / MB
}

fn small_files() {
    println!("### Shared recordings (in memory, repeated runs, MB/s per CPU second)\n");
    println!(
        "| file | format | input KB | events | reel MB/s | serde_json Value MB/s | serde_json IgnoredAny MB/s |"
    );
    println!("|---|---|---:|---:|---:|---:|---:|");
    for rel in SHARED {
        let path = shared_dir().join(rel);
        let Ok(bytes) = std::fs::read(&path) else {
            println!("| {rel} | (missing) | | | | | |");
            continue;
        };
        let limits = Limits::default();
        let (rec, _) = parse_bytes_with_stats(&bytes, &path, &limits).expect("parses");
        let reel = throughput(bytes.len(), || {
            parse_bytes_with_stats(&bytes, &path, &limits).expect("parses");
        });
        let value = throughput(bytes.len(), || {
            ceiling::<Value>(&bytes);
        });
        let ignored = throughput(bytes.len(), || {
            ceiling::<IgnoredAny>(&bytes);
        });
        println!(
            "| {rel} | {} | {:.0} | {} | {reel:.0} | {value:.0} | {ignored:.0} |",
            rec.format.name(),
            bytes.len() as f64 / 1000.0,
            rec.event_count()
        );
    }
    println!();
}

/// Reads the blob lines of the posthog-js recordings once: (window id, event).
fn seed_blob_events() -> Vec<(Value, Value)> {
    let mut out = Vec::new();
    for rel in [
        "swagger-ui/posthog-blob.jsonl",
        "todomvc-backbone/posthog-blob.jsonl",
        "testbed-errors/posthog-blob.jsonl",
    ] {
        let bytes = std::fs::read(shared_dir().join(rel)).expect("shared recording");
        for line in bytes.split(|b| *b == b'\n').filter(|l| !l.is_empty()) {
            let (w, e): (Value, Value) = serde_json::from_slice(line).expect("blob line");
            out.push((w, e));
        }
    }
    out
}

/// Writes `reps` copies of `events`, each shifted in time past the previous one.
fn repeat_events(
    events: &mut [(Value, Value)],
    target_bytes: u64,
    mut write: impl FnMut(&Value, &Value, bool) -> std::io::Result<u64>,
) -> std::io::Result<()> {
    let base: Vec<i64> = events
        .iter()
        .map(|(_, e)| e["timestamp"].as_i64().unwrap_or(0))
        .collect();
    let span = base.iter().max().unwrap_or(&0) - base.iter().min().unwrap_or(&0) + 1000;
    let mut written = 0u64;
    let mut rep = 0i64;
    let mut first = true;
    while written < target_bytes {
        for ((w, e), t) in events.iter_mut().zip(&base) {
            e["timestamp"] = Value::from(t + rep * span);
            written += write(w, e, first)?;
            first = false;
        }
        rep += 1;
    }
    Ok(())
}

struct Counting<W> {
    inner: W,
    count: u64,
}

impl<W: Write> Write for Counting<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.count += n as u64;
        Ok(n)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// Generates the large inputs: a posthog-blob JSONL (cv compression as recorded), the same
/// gzipped, and an rrweb-json document of already decompressed events.
fn generate(dir: &Path, size_mb: u64) -> std::io::Result<Vec<PathBuf>> {
    let target = size_mb * 1_000_000;
    let mut events = seed_blob_events();

    let blob = dir.join("large-posthog-blob.jsonl");
    let mut out = Counting {
        inner: BufWriter::new(std::fs::File::create(&blob)?),
        count: 0,
    };
    repeat_events(&mut events, target, |w, e, _| {
        let before = out.count;
        serde_json::to_writer(&mut out, &(w, e))?;
        out.write_all(b"\n")?;
        Ok(out.count - before)
    })?;
    out.flush()?;

    let gz = dir.join("large-posthog-blob.jsonl.gz");
    let mut enc = flate2::write::GzEncoder::new(
        BufWriter::new(std::fs::File::create(&gz)?),
        flate2::Compression::fast(),
    );
    std::io::copy(&mut std::fs::File::open(&blob)?, &mut enc)?;
    enc.finish()?.flush()?;

    let doc = dir.join("large-rrweb-events.json");
    let text = std::fs::read(shared_dir().join("swagger-ui/rrweb-events.json"))?;
    let rr: Vec<Value> = serde_json::from_slice(&text).expect("rrweb events");
    let mut rr: Vec<(Value, Value)> = rr.into_iter().map(|e| (Value::Null, e)).collect();
    let mut out = Counting {
        inner: BufWriter::new(std::fs::File::create(&doc)?),
        count: 0,
    };
    out.write_all(b"[")?;
    repeat_events(&mut rr, target, |_, e, first| {
        let before = out.count;
        if !first {
            out.write_all(b",")?;
        }
        serde_json::to_writer(&mut out, e)?;
        Ok(out.count - before)
    })?;
    out.write_all(b"]")?;
    out.flush()?;
    Ok(vec![blob, gz, doc])
}

/// Child mode: load one file with reel and report.
fn child_load(path: &Path) {
    let start = Instant::now();
    let (rec, stats) = load_with_stats(path, &Limits::default()).expect("parses");
    let secs = start.elapsed().as_secs_f64();
    let event_bytes: usize = rec
        .windows
        .iter()
        .flat_map(|w| &w.events)
        .map(|e| e.json.get().len())
        .sum();
    println!(
        "{secs} {} {event_bytes} {} {}",
        rec.event_count(),
        stats.input_bytes,
        rec.windows.len()
    );
}

/// Child mode: read the file and parse it with plain serde_json into `Value`s.
fn child_ceiling(path: &Path) {
    let start = Instant::now();
    let bytes = std::fs::read(path).expect("readable");
    let values: Vec<Value> = serde_json::Deserializer::from_slice(&bytes)
        .into_iter::<Value>()
        .map(|v| v.expect("valid JSON"))
        .collect();
    let secs = start.elapsed().as_secs_f64();
    println!("{secs} {} 0 {} 0", values.len(), bytes.len());
}

/// Runs this binary in `mode` on `path` under `/usr/bin/time -v`: (stdout fields, CPU seconds of
/// the whole child, peak RSS MB). CPU time is robust to other load on the machine; wall time is not.
fn measured(mode: &str, path: &Path) -> Option<(Vec<f64>, f64, f64)> {
    let exe = std::env::current_exe().ok()?;
    let out = Command::new("/usr/bin/time")
        .arg("-v")
        .arg(exe)
        .arg(mode)
        .arg(path)
        .output()
        .ok()?;
    if !out.status.success() {
        eprintln!(
            "{mode} {}: {}",
            path.display(),
            String::from_utf8_lossy(&out.stderr)
        );
        return None;
    }
    let fields = String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .filter_map(|f| f.parse().ok())
        .collect();
    let report = String::from_utf8_lossy(&out.stderr);
    let field = |name: &str| -> Option<f64> {
        report
            .lines()
            .find_map(|l| l.trim().strip_prefix(name))
            .and_then(|v| v.trim().parse().ok())
    };
    let rss_kb = field("Maximum resident set size (kbytes): ")?;
    let cpu = field("User time (seconds): ")? + field("System time (seconds): ")?;
    Some((fields, cpu, rss_kb * 1000.0 / MB))
}

fn large_files(size_mb: u64) {
    let dir = tempfile::tempdir().expect("temp dir");
    let t = Instant::now();
    let files = generate(dir.path(), size_mb).expect("generate");
    eprintln!("generated in {:.1} s", t.elapsed().as_secs_f64());
    println!("### Generated session (~{size_mb} MB per file, child process per run)\n");
    println!(
        "| file | on disk MB | input MB | events | windows | event JSON MB | reel wall s | reel CPU s | reel MB/s (CPU) | reel peak RSS MB | peak / event JSON | Value CPU s | Value MB/s (CPU) | Value peak RSS MB |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for f in &files {
        let disk = std::fs::metadata(f).map(|m| m.len()).unwrap_or(0) as f64 / MB;
        let name = f
            .file_name()
            .map(|n| n.to_string_lossy())
            .unwrap_or_default();
        let Some((r, cpu, rss)) = measured("load", f) else {
            continue;
        };
        let (secs, events, event_bytes, input, windows) = (r[0], r[1], r[2] / MB, r[3] / MB, r[4]);
        let ceiling = if name.ends_with(".gz") {
            None
        } else {
            measured("ceiling", f)
        };
        let (ccpu, cspeed, crss) = match &ceiling {
            Some((_, ccpu, crss)) => (
                format!("{ccpu:.2}"),
                format!("{:.0}", input / ccpu),
                format!("{crss:.0}"),
            ),
            None => ("-".into(), "-".into(), "-".into()),
        };
        println!(
            "| {name} | {disk:.0} | {input:.0} | {events:.0} | {windows:.0} | {event_bytes:.0} | {secs:.2} | {cpu:.2} | {:.0} | {rss:.0} | {:.2} | {ccpu} | {cspeed} | {crss} |",
            input / cpu,
            rss / event_bytes,
        );
    }
    println!();
}

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    match args.first().map(String::as_str) {
        Some("load") => return child_load(Path::new(&args[1])),
        Some("ceiling") => return child_ceiling(Path::new(&args[1])),
        _ => {}
    }
    let size_mb = args
        .iter()
        .position(|a| a == "--size-mb")
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(256);
    small_files();
    if args.iter().any(|a| a == "--small-only") {
        return;
    }
    large_files(size_mb);
}
