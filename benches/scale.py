#!/usr/bin/env python3
"""Speed and scale benchmark for reel (issue: parallel replay, long sessions, memory, start-up).

Prints one table per measurement with ratios against the targets:
  - throughput: `reel run` over the shared recordings with --jobs 1, --jobs 2 (one browser) and
    --jobs 2 --browsers 2: checkpoints per second, sessions per minute, time ratio vs --jobs 1,
    and the whole machine's busy CPU seconds (browser included) with the share of the cores used;
  - a generated 30-minute session with 20 000+ events: processing speed as a multiple of real time;
  - peak RSS of reel and of its Chromium process tree on the largest shared session and on a
    generated session of >= 100 MB of events;
  - `reel run` of one small recording, Chromium launch included.

usage: benches/scale.py [--runs N] [--reel PATH] [--baselines-written [--floor]]
(build first: cargo build --release)

--floor (with --baselines-written) adds the floor of the suite to the same alternation: one
browser launched with reel's flags taking the same 94 screenshots of reel's own images as a
bare CDP client (benches/floor/floor.js, `npm ci` in benches/floor), in one page and in as many
pages side by side as `--jobs 2` keeps busy. No harness doing these screenshots on this machine
can take less than the floor's time, so the floor's time over reel's `--jobs 1` is the lowest
`--jobs 2` / `--jobs 1` any harness could show here with reel's `--jobs 1` as it is.
"""
import argparse, json, os, re, shutil, statistics, subprocess, sys, tempfile, threading, time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT / "tests" / "data" / "recordings"
SUITE = [
    "testbed-errors/posthog-blob.jsonl",
    "swagger-ui/posthog-blob.jsonl",
    "todomvc-backbone/posthog-blob.jsonl",
    "rrweb-todomvc-angularjs/rrweb-events.json",
    "posthog-fixtures/recording_snapshots.jsonl",
]


def tree_rss_kb(pid):
    """RSS of pid and all its descendants, in kB."""
    total, stack = 0, [pid]
    while stack:
        p = stack.pop()
        try:
            for line in open(f"/proc/{p}/status"):
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
            for t in os.listdir(f"/proc/{p}/task"):
                stack.extend(int(c) for c in open(f"/proc/{p}/task/{t}/children").read().split())
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            pass
    return total


def own_rss_kb(pid):
    try:
        for line in open(f"/proc/{pid}/status"):
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except FileNotFoundError:
        pass
    return 0


def machine_busy_s():
    """Busy CPU seconds of the whole machine so far (user + nice + system + irq + softirq)."""
    fields = open("/proc/stat").readline().split()[1:]
    user, nice, system, _idle, _iowait, irq, softirq = (int(x) for x in fields[:7])
    return (user + nice + system + irq + softirq) / os.sysconf("SC_CLK_TCK")


def run_measured(cmd, cwd):
    """Runs cmd; returns (seconds, peak reel RSS kB, peak tree RSS kB, exit code, reel's own CPU s)."""
    t0 = time.perf_counter()
    p = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peak_own = peak_tree = 0
    while True:
        pid, status, usage = os.wait4(p.pid, os.WNOHANG)
        if pid:
            break
        peak_own = max(peak_own, own_rss_kb(p.pid))
        peak_tree = max(peak_tree, tree_rss_kb(p.pid))
        time.sleep(0.02)
    elapsed = time.perf_counter() - t0
    code = os.waitstatus_to_exitcode(status)
    p.returncode = code
    if code not in (0, 1):
        sys.stderr.write(p.stderr.read().decode(errors="replace"))
        raise SystemExit(f"{cmd} exited {code}")
    return elapsed, peak_own, peak_tree, code, usage.ru_utime + usage.ru_stime


def real_page():
    """testbed-errors' Meta and full snapshot, with a text node and a button of that snapshot."""
    events = json.loads((SHARED / "testbed-errors/rrweb-events.json").read_text())
    meta = next(e for e in events if e["type"] == 4)
    full = next(e for e in events if e["type"] == 2)
    text_id = click_id = None
    stack = [full["data"]["node"]]
    while stack:
        n = stack.pop()
        if n.get("type") == 3 and text_id is None and n.get("textContent", "").strip():
            text_id = n["id"]
        if n.get("type") == 2 and n.get("tagName") == "button" and click_id is None:
            click_id = n["id"]
        stack.extend(reversed(n.get("childNodes", [])))
    return meta, full, text_id, click_id


def generate_big_session(path, megabytes=108):
    """A session of >= 100 MB of events on a real page (testbed-errors' Meta + full snapshot): one
    60 KB text mutation per second, a mouse move per second and a click per minute."""
    meta, full, text_id, click_id = real_page()
    t0 = meta["timestamp"]
    with open(path, "w") as f:
        f.write("[" + json.dumps(dict(meta, timestamp=t0)) + "," + json.dumps(dict(full, timestamp=t0 + 5)))
        size, i, n = 0, 0, 2
        while size < megabytes * 1e6:
            t = t0 + 1000 * (i + 1)
            text = (f"block {i} " + "lorem ipsum dolor sit amet " * 2300)[:60_000]
            chunk = [
                {"type": 3, "timestamp": t, "data": {"source": 0, "texts": [{"id": text_id, "value": text}],
                                                     "attributes": [], "removes": [], "adds": []}},
                {"type": 3, "timestamp": t + 1, "data": {"source": 1, "positions": [
                    {"x": 100 + (i * 37) % 900, "y": 100 + (i * 53) % 600, "id": click_id, "timeOffset": 0}]}},
            ]
            if i % 60 == 30:
                chunk.append({"type": 3, "timestamp": t + 2, "data": {"source": 2, "type": 2, "id": click_id,
                                                                     "x": 120, "y": 230}})
            for e in chunk:
                s = json.dumps(e)
                f.write("," + s)
                size += len(s)
                n += 1
            i += 1
        f.write("]")
    return n, os.path.getsize(path)


def generate_long_session(path, minutes=30):
    """A 30-minute session built on a real page (testbed-errors' Meta + full snapshot): mouse moves
    every 100 ms, a click every 10 s, a text mutation every 5 s, a scroll every 30 s."""
    meta, full, text_id, click_id = real_page()
    t0 = meta["timestamp"]
    out = [dict(meta, timestamp=t0), dict(full, timestamp=t0 + 5)]
    end = t0 + minutes * 60_000
    t = t0 + 100
    i = 0
    while t < end:
        out.append({"type": 3, "timestamp": t, "data": {"source": 1, "positions": [
            {"x": 100 + (i * 37) % 900, "y": 100 + (i * 53) % 600, "id": click_id, "timeOffset": 0}]}})
        if i % 100 == 50:
            out.append({"type": 3, "timestamp": t + 1, "data": {"source": 2, "type": 2, "id": click_id, "x": 120, "y": 230}})
        if i % 50 == 25:
            out.append({"type": 3, "timestamp": t + 2, "data": {"source": 0, "texts": [{"id": text_id, "value": f"tick {i}"}],
                                                             "attributes": [], "removes": [], "adds": []}})
        if i % 300 == 150:
            out.append({"type": 3, "timestamp": t + 3, "data": {"source": 3, "id": 1, "x": 0, "y": (i * 7) % 400}})
        t += 100
        i += 1
    path.write_text(json.dumps(out))
    return len(out), (end - t0) / 1000


def run_once(reel, recording, work):
    """`reel run RECORDING --update=none` in a new folder `work`: seconds, peak RSS of reel and of
    reel + Chromium (kB), and the report."""
    work.mkdir()
    secs, own, tree, _, _ = run_measured([reel, "run", str(recording), "--update=none"], work)
    report = json.loads((work / "reel-report" / "report.json").read_text())
    return secs, own, tree, report


def suite_floor(reel, files, tmp):
    """The command of the suite's floor (benches/floor/floor.js over every recording's `reel
    replay` output, reel's flags, the headless shell) and the pages `--jobs 2` keeps busy."""
    sys.path.insert(0, str(ROOT / "benches"))
    import floor
    chrome = floor.SHELL if os.path.exists(floor.SHELL) else shutil.which("chromium-headless-shell")
    if not chrome:
        raise SystemExit("--floor needs chromium-headless-shell")
    floor_dir = ROOT / "benches" / "floor"
    if not (floor_dir / "node_modules").is_dir():
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=floor_dir, check=True,
                       stdout=subprocess.DEVNULL)
    captures = []
    for i, f in enumerate(files):
        out = tmp / f"floor-capture-{i}"
        subprocess.run([reel, "replay", f, "--out", str(out), "--chrome", chrome], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        # Every window of the recording: a capture.json per window folder, or one at the top.
        captures += [str(c.parent) for c in sorted(out.rglob("capture.json"))]
    src = (ROOT / "src" / "run" / "mod.rs").read_text()
    pages = 2 * int(re.search(r"PAGES_PER_JOB: usize = (\d+);", src).group(1))
    return ["node", str(floor_dir / "floor.js"), chrome, *captures, "--", *floor.reel_flags()], pages


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--reel", default=str(ROOT / "target" / "release" / "reel"))
    ap.add_argument("--baselines-written", action="store_true",
                    help="only the throughput of --jobs 1 and --jobs 2, every baseline new and "
                         "written (--update=missing in an empty folder)")
    ap.add_argument("--floor", action="store_true",
                    help="with --baselines-written: the suite's floor (benches/floor/floor.js) "
                         "in one page and in --jobs 2's pages, in the same alternation")
    args = ap.parse_args()
    if args.floor and not args.baselines_written:
        ap.error("--floor goes with --baselines-written")
    reel = args.reel
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        files = []
        for rel in SUITE:
            dst = tmp / (rel.split("/")[0] + Path(rel).suffix)
            shutil.copy(SHARED / rel, dst)
            files.append(str(dst))

        # Throughput.
        configs = [("--jobs 1", ["--jobs", "1"]), ("--jobs 2", ["--jobs", "2"]),
                   ("--jobs 2 --browsers 2", ["--jobs", "2", "--browsers", "2"])]
        update = "--update=none"
        if args.baselines_written:
            configs, update = configs[:2], "--update=missing"
        results, cpus, busy = {}, {}, {}
        checkpoints = written = None
        floor_cmd = None
        if args.floor:
            floor_cmd, floor_pages = suite_floor(reel, files, tmp)
            configs += [(f"floor, 1 page", None), (f"floor, {floor_pages} pages", floor_pages)]
        for r in range(args.runs):
            for name, flags in (configs if r % 2 == 0 else list(reversed(configs))):
                if name.startswith("floor"):
                    busy0 = machine_busy_s()
                    out = subprocess.run(floor_cmd, check=True, stdout=subprocess.PIPE,
                                         env=dict(os.environ, FLOOR_PAGES=str(flags or 1))).stdout
                    busy.setdefault(name, []).append(machine_busy_s() - busy0)
                    # Spawning the browser to the last screenshot: the floor's own measure.
                    results.setdefault(name, []).append(json.loads(out)["floor_ms"] / 1000)
                    cpus.setdefault(name, []).append(float("nan"))  # no reel process
                    continue
                work = tmp / f"w{r}{len(results.get(name, []))}{name.replace(' ', '')}"
                work.mkdir()
                busy0 = machine_busy_s()
                secs, _, _, _, cpu = run_measured([reel, "run", *files, update, *flags], work)
                busy.setdefault(name, []).append(machine_busy_s() - busy0)
                results.setdefault(name, []).append(secs)
                cpus.setdefault(name, []).append(cpu)
                written = sum(f.stat().st_size for f in (work / "snapshots").rglob("*.png"))
                report = json.loads((work / "reel-report" / "report.json").read_text())
                checkpoints = report["summary"]["checkpoints"]
        base = statistics.median(results["--jobs 1"])
        print(f"throughput: {len(files)} shared recordings, {checkpoints} checkpoints, median of {args.runs}")
        cores = os.cpu_count()
        print(f"{'config':<24}{'seconds':>9}{'checkpoints/s':>15}{'sessions/min':>14}{'vs --jobs 1':>13}"
              f"{'reel CPU s':>12}{'machine busy s':>16}{'of the cores':>14}")
        for name, _ in configs:
            m = statistics.median(results[name])
            b = statistics.median(busy[name])
            print(f"{name:<24}{m:>9.2f}{checkpoints / m:>15.1f}{len(files) * 60 / m:>14.1f}{m / base:>13.2f}"
                  f"{statistics.median(cpus[name]):>12.2f}{b:>16.2f}{b / (m * cores):>14.0%}")
        print("(machine busy: every process of the machine while reel ran, its browser included; "
              "the best --jobs 2 could do with the same work is busy / cores)")
        print("(all runs, s: " + "; ".join(f"{n} " + " ".join(f"{x:.2f}" for x in results[n]) for n, _ in configs) + ")")
        if args.floor:
            print("(floor: a bare CDP client's time from spawning the browser to its last "
                  "screenshot; vs --jobs 1: the lowest --jobs 2 / --jobs 1 any harness could reach)")
        if args.baselines_written:
            print(f"baselines written: {written // 1024} KiB")
        goal = "0.55x (issue #19, baselines written)" if args.baselines_written else "0.65x"
        print(f"target: --jobs 2 at most {goal} the time of --jobs 1\n")
        if args.baselines_written:
            return

        # Long session.
        long_path = tmp / "long-session.json"
        n_events, real_s = generate_long_session(long_path)
        secs, own, tree, report = run_once(reel, long_path, tmp / "long")
        cps = report["summary"]["checkpoints"]
        print(f"long session: {n_events} events, {real_s / 60:.0f} min, {cps} checkpoints (automatic plan)")
        print(f"  processed in {secs:.1f} s = {real_s / secs:.0f}x real time (target >= 100x)")
        print(f"  peak RSS: reel {own / 1024:.0f} MB, reel + Chromium {tree / 1024:.0f} MB\n")

        # A >= 100 MB session: loads in chunks, no timeout, memory.
        big_path = tmp / "big-session.json"
        n_events, size = generate_big_session(big_path)
        secs, own, tree, report = run_once(reel, big_path, tmp / "big")
        rec = report["recordings"][0]
        print(f"big session: {size / 1e6:.0f} MB of events, {n_events} events, "
              f"{report['summary']['checkpoints']} checkpoints, status {rec['status']}"
              f"{' (' + rec['error'] + ')' if rec.get('error') else ''}")
        print(f"  processed in {secs:.1f} s; peak RSS: reel {own / 1024:.0f} MB "
              f"({own * 1024 / size:.1f}x the events), reel + Chromium {tree / 1024:.0f} MB\n")
        big_path.unlink()

        # Largest shared session, memory.
        largest = max(files, key=lambda f: os.path.getsize(f))
        secs, own, tree, _ = run_once(reel, largest, tmp / "largest")
        print(f"largest shared session ({Path(largest).name}, {os.path.getsize(largest) / 1e6:.1f} MB): "
              f"peak RSS reel {own / 1024:.0f} MB, reel + Chromium {tree / 1024:.0f} MB\n")

        # Small recording, whole process.
        small = str(tmp / "rrweb-todomvc-angularjs.json")
        times = []
        for r in range(max(args.runs, 3)):
            work = tmp / f"small{r}"
            work.mkdir()
            secs, _, _, _, _ = run_measured([reel, "run", small, "--update=none", "--max-checkpoints", "1"], work)
            times.append(secs)
        m = statistics.median(times)
        print(f"reel run, one small recording (1 checkpoint, Chromium launch included): {m:.2f} s "
              f"(target < 1.5 s)")


if __name__ == "__main__":
    sys.exit(main())
