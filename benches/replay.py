#!/usr/bin/env python3
"""Replay benchmark: `reel replay` against the straightforward Node + playwright-core + rrweb
script (benches/replay-peer/peer.js) on the same recordings and the same checkpoint offsets,
whole process, alternating runs, medians. Also compares with real time (what rrvideo-style
playback costs).

usage: benches/replay.py [--runs N] [--reel PATH]
Needs: a release build (cargo build --release), Chromium, `npm ci` in benches/replay-peer.

reel uses the browser it finds (the headless shell first, see README). The peer runs twice: with
the full Chromium at /usr/bin/chromium (what a hand-written script points playwright-core at) and,
when installed, with the same headless shell reel uses (same browser, so the ratio is about the
harness alone).
"""
import argparse, json, os, statistics, subprocess, sys, tempfile, time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT / "tests" / "data" / "recordings"
RECORDINGS = [
    "testbed-errors/rrweb-events.json",
    "swagger-ui/rrweb-events.json",
    "todomvc-backbone/rrweb-events.json",
    "rrweb-todomvc-angularjs/rrweb-events.json",
]


def timed(cmd, env=None):
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   env=env)
    return time.perf_counter() - t0


SHELL = "/usr/lib/chromium/chromium-headless-shell"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--reel", default=str(ROOT / "target" / "release" / "reel"))
    args = ap.parse_args()
    peer = ROOT / "benches" / "replay-peer"
    if not (peer / "node_modules").exists():
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=peer, check=True)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        for rel in RECORDINGS:
            rec = SHARED / rel
            probe = tmp / "probe"
            subprocess.run([args.reel, "replay", str(rec), "--out", str(probe)], check=True,
                           stdout=subprocess.DEVNULL)
            cap = json.loads((probe / "capture.json").read_text())
            points = [f'{c["t_ms"]}:{c["viewport"][0]}x{c["viewport"][1]}' for c in cap["checkpoints"]]
            events = json.loads(rec.read_text())
            real_s = (max(e["timestamp"] for e in events) - min(e["timestamp"] for e in events)) / 1000
            shell_env = dict(os.environ, CHROME=SHELL) if os.path.exists(SHELL) else None
            times = {"reel": [], "peer": [], "peer_shell": []}
            for i in range(args.runs):
                cmds = [
                    ("reel", [args.reel, "replay", str(rec), "--out", str(tmp / f"reel{i}")], None),
                    ("peer", ["node", str(peer / "peer.js"), str(rec), str(tmp / f"peer{i}"),
                              *points], None),
                ]
                if shell_env:
                    cmds.append(("peer_shell", ["node", str(peer / "peer.js"), str(rec),
                                                str(tmp / f"peers{i}"), *points], shell_env))
                # Rotate which goes first, so none always gets the warmer machine.
                for k in range(len(cmds)):
                    name, cmd, env = cmds[(i + k) % len(cmds)]
                    times[name].append(timed(cmd, env))
            med = {k: statistics.median(v) if v else float("nan") for k, v in times.items()}
            rows.append((rel.split("/")[0], len(points), real_s, med["reel"], med["peer"],
                         med["peer_shell"]))
    print(f"# {time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime())}, {os.cpu_count()} cores, "
          f"load {' '.join(open('/proc/loadavg').read().split()[:3])}, runs {args.runs}")
    print(f"{'recording':<26}{'checkpoints':>12}{'real time s':>13}{'reel s':>9}{'peer s':>9}"
          f"{'reel/peer':>11}{'peer(shell) s':>15}{'reel/peer(shell)':>18}{'x real time':>13}"
          f"{'ms/checkpoint':>15}")
    for name, n, real_s, r, p, ps in rows:
        print(f"{name:<26}{n:>12}{real_s:>13.1f}{r:>9.2f}{p:>9.2f}{r / p:>11.2f}{ps:>15.2f}"
              f"{r / ps:>18.2f}{real_s / r:>13.1f}{1000 * r / n:>15.0f}")
    tr, tp, tps = (sum(r[i] for r in rows) for i in (3, 4, 5))
    print(f"{'total':<26}{sum(r[1] for r in rows):>12}{sum(r[2] for r in rows):>13.1f}{tr:>9.2f}"
          f"{tp:>9.2f}{tr / tp:>11.2f}{tps:>15.2f}{tr / tps:>18.2f}")


if __name__ == "__main__":
    sys.exit(main())
