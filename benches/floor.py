#!/usr/bin/env python3
"""Floor benchmark: `reel replay` (whole process) against the floor of the same work — the same
browser launched with reel's flags, one page, the same number of screenshots of reel's own output
images at the same viewports, timed inside a minimal CDP script without rrweb
(benches/floor/floor.js). Alternating runs, medians.

usage: benches/floor.py [--runs N] [--reel PATH] [--chrome PATH] [--jobs N] [--peer]
                        [--floor-pages N] [RECORDING...]
Needs: a release build (cargo build --release), Chromium, `npm ci` in benches/floor (done here).

--peer adds the Playwright + rrweb script of benches/replay.py (benches/replay-peer/peer.js, on
the same browser, whole process) to the same alternation, and prints floor/peer: the lowest
reel/peer any harness could reach on this machine, since the floor does nothing but the launch
and the screenshots. --floor-pages N has the floor take its screenshots in N pages side by side
(every N-th each), as reel's lanes split a replay: the floor of a harness that works in parallel.

reel gets `--chrome` explicitly so both sides run the same binary (default: the headless shell
reel finds first). The floor's flags are read from `launch_flags` in src/replay/chrome.rs, so
they stay reel's. CPU is `perf stat -e task-clock` of each whole process tree (the browser's
processes included, however they end); without perf, CPU columns are empty.
"""
import argparse, json, os, re, shutil, statistics, subprocess, sys, tempfile, time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RECORDINGS = ROOT / "tests" / "data" / "recordings"
DEFAULT = [
    "testbed-errors/rrweb-events.json",
    "swagger-ui/rrweb-events.json",
    "todomvc-backbone/rrweb-events.json",
    "rrweb-todomvc-angularjs/rrweb-events.json",
]
SHELL = "/usr/lib/chromium/chromium-headless-shell"


def reel_flags():
    """The literal flags of `launch_flags`, plus what it adds without --allow-network."""
    src = (ROOT / "src" / "replay" / "chrome.rs").read_text()
    body = src[src.index("let mut flags: Vec<String> = ["):]
    body = body[: body.index("\n    ]\n")]
    flags = re.findall(r'^\s*"(--[^"]*)"', body, re.M)
    flags += ["--proxy-server=http://127.0.0.1:9", "--proxy-bypass-list=<-loopback>"]
    if os.geteuid() == 0:
        flags.append("--no-sandbox")
    return flags


PERF = shutil.which("perf")


def run(cmd, tmp, env=None):
    """Wall seconds, CPU seconds of the whole process tree (NaN without perf), stdout."""
    stat = tmp / "perf.csv"
    prefix = [PERF, "stat", "-x,", "-e", "task-clock", "-o", str(stat), "--"] if PERF else []
    t0 = time.perf_counter()
    out = subprocess.run(prefix + cmd, check=True, stdout=subprocess.PIPE,
                         stderr=subprocess.DEVNULL, env=env).stdout
    wall = time.perf_counter() - t0
    cpu = float("nan")
    if PERF:
        for line in stat.read_text().splitlines():
            fields = line.split(",")
            if len(fields) > 2 and fields[2] == "task-clock":
                cpu = float(fields[0]) / 1000
    return wall, cpu, out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--reel", default=str(ROOT / "target" / "release" / "reel"))
    ap.add_argument("--chrome", default=SHELL if os.path.exists(SHELL) else None)
    ap.add_argument("--jobs", type=int, help="reel's --jobs (default: reel's own default)")
    ap.add_argument("--floor-pages", type=int, default=1,
                    help="pages the floor takes its screenshots in, side by side (as reel's lanes)")
    ap.add_argument("--peer", action="store_true",
                    help="also time benches/replay-peer/peer.js on the same browser, alternating")
    ap.add_argument("recordings", nargs="*")
    args = ap.parse_args()
    if not args.chrome:
        sys.exit("no --chrome given and no headless shell at " + SHELL)
    floor_dir = ROOT / "benches" / "floor"
    if not (floor_dir / "node_modules").exists():
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=floor_dir, check=True)
    peer_dir = ROOT / "benches" / "replay-peer"
    if args.peer and not (peer_dir / "node_modules").exists():
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=peer_dir, check=True)
    flags = reel_flags()
    recordings = [Path(r) for r in args.recordings] or [RECORDINGS / r for r in DEFAULT]
    reel_extra = ["--chrome", args.chrome] + (["--jobs", str(args.jobs)] if args.jobs else [])
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        for rec in recordings:
            name = rec.parent.name if rec.name == "rrweb-events.json" else rec.stem
            probe = tmp / f"probe-{name}"
            subprocess.run([args.reel, "replay", str(rec), "--out", str(probe), *reel_extra],
                           check=True, stdout=subprocess.DEVNULL)
            checkpoints = json.loads((probe / "capture.json").read_text())["checkpoints"]
            n = len(checkpoints)
            points = [f'{c["t_ms"]}:{c["viewport"][0]}x{c["viewport"][1]}' for c in checkpoints]
            reel_wall, reel_cpu, floor_ms, floor_launch, floor_cpu, peer_wall = [], [], [], [], [], []
            for i in range(args.runs):
                out = tmp / f"reel-{name}-{i}"
                sides = ["reel", "floor"] + (["peer"] if args.peer else [])
                sides = sides[i % len(sides):] + sides[:i % len(sides)]
                for side in sides:
                    if side == "peer":
                        wall, _, _ = run(["node", str(peer_dir / "peer.js"), str(rec),
                                          str(tmp / f"peer-{name}-{i}"), *points], tmp,
                                         dict(os.environ, CHROME=args.chrome))
                        peer_wall.append(wall)
                        continue
                    if side == "reel":
                        wall, cpu, _ = run([args.reel, "replay", str(rec), "--out", str(out),
                                            *reel_extra], tmp)
                        reel_wall.append(wall)
                        reel_cpu.append(cpu)
                    else:
                        _, cpu, text = run(["node", str(floor_dir / "floor.js"), args.chrome,
                                            str(probe), "--", *flags], tmp,
                                           dict(os.environ, FLOOR_PAGES=str(args.floor_pages)))
                        r = json.loads(text)
                        assert r["screenshots"] == n
                        floor_ms.append(r["floor_ms"] / 1000)
                        floor_launch.append(r["launch_ms"] / 1000)
                        floor_cpu.append(cpu)
            med = statistics.median
            rows.append((name, n, med(reel_wall), med(floor_ms), med(floor_launch), med(reel_cpu),
                         med(floor_cpu), med(peer_wall) if peer_wall else float("nan")))
    print(f"# {time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime())}, {os.cpu_count()} cores, "
          f"load {' '.join(open('/proc/loadavg').read().split()[:3])}, runs {args.runs}, "
          f"browser {args.chrome}, reel {' '.join(reel_extra[2:]) or 'default jobs'}, "
          f"floor pages {args.floor_pages}")
    print(f"{'recording':<26}{'checkpoints':>12}{'reel s':>9}{'floor s':>9}{'reel/floor':>12}"
          f"{'launch s':>10}{'reel CPU s':>12}{'floor CPU s':>13}{'CPU ratio':>11}"
          + (f"{'peer s':>9}{'reel/peer':>11}{'floor/peer':>12}" if args.peer else ""))
    for name, n, r, f, launch, rc, fc, p in rows:
        print(f"{name:<26}{n:>12}{r:>9.2f}{f:>9.2f}{r / f:>12.2f}{launch:>10.2f}{rc:>12.2f}"
              f"{fc:>13.2f}{rc / fc:>11.2f}"
              + (f"{p:>9.2f}{r / p:>11.2f}{f / p:>12.2f}" if args.peer else ""))


if __name__ == "__main__":
    sys.exit(main())
