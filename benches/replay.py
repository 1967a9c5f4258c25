#!/usr/bin/env python3
"""Replay benchmark: `reel replay` against the straightforward Node + playwright-core + rrweb
script (benches/replay-peer/peer.js) on the same recordings and the same checkpoint offsets,
whole process, alternating runs, medians. Also compares with real time (what rrvideo-style
playback costs).

usage: benches/replay.py [--runs N] [--reel PATH]
Needs: a release build (cargo build --release), Chromium, `npm ci` in benches/replay-peer.
"""
import argparse, json, os, statistics, subprocess, sys, tempfile, time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "recordings"
RECORDINGS = [
    "testbed-errors/rrweb-events.json",
    "swagger-ui/rrweb-events.json",
    "todomvc-backbone/rrweb-events.json",
    "rrweb-todomvc-angularjs/rrweb-events.json",
]


def timed(cmd):
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - t0


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
            reel_t, peer_t = [], []
            for i in range(args.runs):
                reel_cmd = [args.reel, "replay", str(rec), "--out", str(tmp / f"reel{i}")]
                peer_cmd = ["node", str(peer / "peer.js"), str(rec), str(tmp / f"peer{i}"), *points]
                # Alternate which goes first, so neither always gets the warmer machine.
                if i % 2 == 0:
                    reel_t.append(timed(reel_cmd)); peer_t.append(timed(peer_cmd))
                else:
                    peer_t.append(timed(peer_cmd)); reel_t.append(timed(reel_cmd))
            r, p = statistics.median(reel_t), statistics.median(peer_t)
            rows.append((rel.split("/")[0], len(points), real_s, r, p))
    print(f"{'recording':<26}{'checkpoints':>12}{'real time s':>13}{'reel s':>9}{'peer s':>9}"
          f"{'reel/peer':>11}{'x real time':>13}{'ms/checkpoint':>15}")
    for name, n, real_s, r, p in rows:
        print(f"{name:<26}{n:>12}{real_s:>13.1f}{r:>9.2f}{p:>9.2f}{r / p:>11.2f}{real_s / r:>13.1f}"
              f"{1000 * r / n:>15.0f}")
    tr, tp = sum(r[3] for r in rows), sum(r[4] for r in rows)
    print(f"{'total':<26}{sum(r[1] for r in rows):>12}{sum(r[2] for r in rows):>13.1f}{tr:>9.2f}"
          f"{tp:>9.2f}{tr / tp:>11.2f}")


if __name__ == "__main__":
    sys.exit(main())
