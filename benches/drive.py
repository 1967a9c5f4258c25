#!/usr/bin/env python3
"""Drive benchmark: `reel drive` on the shared app recordings against the apps served locally
(npm todomvc 0.1.1 and swagger-ui-dist 5.35.0 from tests/apps, on a free 127.0.0.1 port), whole
process, medians of alternating runs. Compared with:
- the session's own length (real time; goal: reel at least 5x faster), and
- a hand-written Node + playwright-core script (benches/drive-peer/peer.js) performing the same
  steps on the same build and browser and screenshotting the same checkpoints (goal: reel at most
  0.5x its time).
reel is timed twice: as in the regression use (`reel`: the recording was driven before, so each
window's replay — steps located, recorded frames — is read from --cache) and cold (`cold`:
--refresh, the recording replayed alongside the drive). The peer never replays; like reel, it
answers the fetch/XHR calls the recording answered from the recording (Playwright routes).
Beside them, the floor (benches/floor/drive-floor.js): the same steps and screenshots done as
cheaply as a CDP client can on reel's launch flags — no virtual clock, no settling, no locator
ranking — what any harness doing this work on this browser pays at the least; `floor/peer` is
the lowest reel/peer such a harness could reach here.

usage: benches/drive.py [--runs N] [--reel PATH] [--chrome PATH]  (default browser for both: the
headless shell, which reel picks by default and Playwright uses for headless runs)
Needs: a release build (cargo build --release --bin reel --example drive_steps), Chromium, `npm ci`
in tests/apps, benches/drive-peer and benches/floor (./scripts/install-deps does the first).

Numbers taken while other work runs on the machine are noisy: the load average is printed.
"""
import argparse, http.server, json, os, resource, statistics, subprocess, sys, tempfile, threading, time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RECORDINGS = ROOT / "tests" / "data" / "recordings"
APPS = ROOT / "tests" / "apps" / "node_modules"
CASES = [
    "todomvc-backbone/posthog-blob.jsonl",
    "rrweb-todomvc-angularjs/rrweb-events.json",
    "swagger-ui/posthog-blob.jsonl",
]
SWAGGER_INITIALIZER = b"""window.onload = function () {
  window.ui = SwaggerUIBundle({url: "openapi.json", dom_id: "#swagger-ui", deepLinking: true,
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
    plugins: [SwaggerUIBundle.plugins.DownloadUrl], layout: "StandaloneLayout"});
};
"""


class Apps(http.server.SimpleHTTPRequestHandler):
    """/todomvc/ and /swagger/ from tests/apps, swagger-ui's initializer pointing at openapi.json."""

    def translate_path(self, path):
        path = path.split("?", 1)[0].split("#", 1)[0]
        for prefix, pkg in (("/todomvc/", "todomvc"), ("/swagger/", "swagger-ui-dist")):
            if path.startswith(prefix):
                return str(APPS / pkg / path[len(prefix):])
        return str(APPS / "missing")

    def do_GET(self):
        if self.path.split("?")[0] == "/swagger/swagger-initializer.js":
            self.send_response(200)
            self.send_header("Content-Type", "text/javascript")
            self.send_header("Content-Length", str(len(SWAGGER_INITIALIZER)))
            self.end_headers()
            self.wfile.write(SWAGGER_INITIALIZER)
            return
        super().do_GET()

    def end_headers(self):
        self.send_header("Cache-Control", "no-store")
        super().end_headers()

    def log_message(self, *args):
        pass


def serve():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Apps)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server.server_address[1]


def events_by_window(path):
    """(window id, events) of a recording file: rrweb JSON array or posthog blob lines."""
    text = path.read_text()
    if path.suffix == ".json":
        return {"default": json.loads(text)}
    windows = {}
    for line in text.split("\n"):
        if line.strip():
            w, e = json.loads(line)
            windows.setdefault(w, []).append(e)
    return windows


def peer_plan(rec_path, report_rec, origin, steps_bin):
    """Page-load URLs (mapped), resize sizes, typed texts per window and the recorded answers of
    fetch/XHR calls, for the peer."""
    pages, sizes, texts, enters = {}, {}, {}, {}
    for s in json.loads(subprocess.run([steps_bin, str(rec_path)], check=True,
                                       capture_output=True, text=True).stdout):
        if s["action"] == "type" and s.get("text") is not None:
            texts[f'{s["window"]}/{s["t_ms"]}'] = s["text"]
            enters[f'{s["window"]}/{s["t_ms"]}'] = bool(s.get("enter"))
    windows = events_by_window(rec_path)
    answers = []
    for w, events in windows.items():
        events = sorted(events, key=lambda e: e["timestamp"])
        # The fetch/XHR calls the recording answered (rrweb/network@1), as reel answers them.
        for e in events:
            d = e.get("data", {})
            if e.get("type") != 6 or d.get("plugin") != "rrweb/network@1":
                continue
            for r in (d.get("payload") or {}).get("requests", []):
                if r.get("initiatorType") not in ("fetch", "xmlhttprequest") or "responseBody" not in r:
                    continue
                headers = {k.lower(): v for k, v in (r.get("responseHeaders") or {}).items()}
                body = r["responseBody"]
                answers.append({
                    "method": r.get("method", "GET"),
                    "url": r["name"].replace("http://127.0.0.1:8700", origin),
                    "status": r.get("responseStatus", 200),
                    "contentType": headers.get("content-type", "application/json"),
                    "body": body if isinstance(body, str) else json.dumps(body),
                })
        key = w if len(windows) > 1 or w != "default" else "default"
        t0 = events[0]["timestamp"]
        pages[key] = [e["data"]["href"].replace("http://127.0.0.1:8700", origin)
                      for e in events if e.get("type") == 4 and e.get("data", {}).get("href")]
        for e in events:
            d = e.get("data", {})
            if e.get("type") == 3 and d.get("source") == 4:
                sizes[f"{key}/{e['timestamp'] - t0}"] = [d["width"], d["height"]]
    # Steps name their window; a one-window rrweb file is "default" there too.
    return {"pages": pages, "sizes": sizes, "texts": texts, "enters": enters, "answers": answers}


def timed(cmd, env=None):
    """(wall s, CPU s): CPU is user + system of the command and every process it waited for
    (the browser and its renderers), steadier than wall time on a loaded machine."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    done = subprocess.run(cmd, check=False, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env,
                          text=True)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    # The peer and the floor say which steps they could not do; a fair comparison has none.
    for line in done.stderr.splitlines():
        if line.startswith("failed steps: ") and line != "failed steps: 0":
            print(f"warning: {Path(cmd[1]).name} {line}", file=sys.stderr)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--reel", default=str(ROOT / "target" / "release" / "reel"))
    ap.add_argument("--chrome", default="/usr/bin/chromium-headless-shell")
    args = ap.parse_args()
    peer = ROOT / "benches" / "drive-peer"
    floor_dir = ROOT / "benches" / "floor"
    for d in (peer, floor_dir):
        if not (d / "node_modules").exists():
            subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=d, check=True)
    sys.path.insert(0, str(ROOT / "benches"))
    import floor as replay_floor
    # reel drives with its launch flags, the network allowed (requests are routed, not proxied).
    flags = [f for f in replay_floor.reel_flags() if not f.startswith("--proxy")]
    port = serve()
    origin = f"http://127.0.0.1:{port}"
    url = f"http://127.0.0.1:8700={origin}"
    env = dict(os.environ, REEL_CHROME=args.chrome, CHROME=args.chrome)
    env.pop("CI", None)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        for rel in CASES:
            rec = RECORDINGS / rel
            work = tmp / rel.split("/")[0]
            base = [args.reel, "drive", str(rec), "--url", url, "--baselines", str(work / "snap"),
                    "--cache", str(work / "cache"), "--jobs", "1", "-q"]
            # First drive: writes the baselines, keeps the replay of each window (in --cache) and
            # writes the report the peer takes its steps from.
            subprocess.run(base + ["--out", str(work / "first")], check=False,
                           stdout=subprocess.DEVNULL, env=env)
            report = json.loads((work / "first" / "report.json").read_text())
            r = report["recordings"][0]
            plan_path = work / "plan.json"
            steps_bin = str(Path(args.reel).parent / "examples" / "drive_steps")
            plan_path.write_text(json.dumps(peer_plan(rec, r, origin, steps_bin)))
            real_s = r["session_duration_ms"] / 1000
            steps = sum(1 for s in r.get("steps", []) if s["status"] != "skipped")
            times = {"reel": [], "cold": [], "peer": [], "floor": []}
            cpu = {"reel": [], "cold": [], "peer": [], "floor": []}
            for i in range(args.runs):
                cmds = [
                    # The regression use: the recording was driven before, its replay is kept.
                    ("reel", base + ["--out", str(work / f"reel{i}")]),
                    # A recording never driven before: replayed alongside the drive.
                    ("cold", base + ["--refresh", "--out", str(work / f"cold{i}")]),
                    ("peer", ["node", str(peer / "peer.js"), str(work / "first" / "report.json"), "0",
                              str(plan_path), str(work / f"peer{i}")]),
                    ("floor", ["node", str(floor_dir / "drive-floor.js"), args.chrome,
                               str(work / "first" / "report.json"), "0", str(plan_path), "--", *flags]),
                ]
                for k in range(len(cmds)):
                    name, cmd = cmds[(i + k) % len(cmds)]
                    wall, cpu_s = timed(cmd, env)
                    times[name].append(wall)
                    cpu[name].append(cpu_s)
            med = {k: statistics.median(v) for k, v in times.items()}
            med_cpu = {k: statistics.median(v) for k, v in cpu.items()}
            rows.append((rel.split("/")[0], steps, len(r["checkpoints"]), real_s, med["reel"], med["peer"],
                         med_cpu["reel"], med_cpu["peer"], min(times["reel"]), max(times["reel"]),
                         med["cold"], med["floor"]))
    print(f"# {time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime())}, {os.cpu_count()} cores, "
          f"load {' '.join(open('/proc/loadavg').read().split()[:3])}, runs {args.runs}, browser {args.chrome}")
    print("reel: replays kept from the first drive; cold: --refresh (every window replayed again)")
    print(f"{'recording':<26}{'steps':>7}{'checkpoints':>13}{'real time s':>13}{'reel s':>9}{'(min-max)':>13}"
          f"{'peer s':>9}{'reel/peer':>11}{'x real time':>13}{'cold s':>9}{'cold/peer':>11}{'cold x real':>13}"
          f"{'reel CPU s':>12}{'peer CPU s':>12}{'floor s':>9}{'floor/peer':>12}{'reel/floor':>12}")
    for name, steps, n, real_s, r, p, rc, pc, lo, hi, cold, fl in rows:
        print(f"{name:<26}{steps:>7}{n:>13}{real_s:>13.1f}{r:>9.2f}{f'{lo:.2f}-{hi:.2f}':>13}{p:>9.2f}"
              f"{r / p:>11.2f}{real_s / r:>13.1f}{cold:>9.2f}{cold / p:>11.2f}{real_s / cold:>13.1f}"
              f"{rc:>12.2f}{pc:>12.2f}{fl:>9.2f}{fl / p:>12.2f}{r / fl:>12.2f}")


if __name__ == "__main__":
    sys.exit(main())
