// The floor of a replay (benches/floor.py): what the browser alone costs to produce the screenshots
// reel produces. Launches CHROME with the given flags, waits for its DevTools endpoint as reel does,
// opens one page, and per image: sizes the viewport, shows the PNG (a file:// page, image decoded)
// and captures a PNG screenshot of the viewport with reel's parameters. No rrweb, no events.
// usage: [FLOOR_PAGES=N] node floor.js CHROME CAPTURE_DIR... -- FLAG...
//   CAPTURE_DIR: a `reel replay` output folder (capture.json and its PNGs); with several, one
//   browser takes all their screenshots (the floor of a suite: benches/scale.py --floor).
//   FLOOR_PAGES: pages taking the screenshots side by side, every N-th each (default 1).
// Prints one JSON line: launch_ms (spawn to the endpoint), page_ms (page open and loaded),
// shots_ms (every checkpoint), floor_ms (spawn to the last screenshot), total_ms (browser closed).
"use strict";
const fs = require("fs");
const os = require("os");
const path = require("path");
const { launch } = require("./cdp");

async function main() {
  const args = process.argv.slice(2);
  const sep = args.indexOf("--");
  if (sep < 2) throw new Error("usage: node floor.js CHROME CAPTURE_DIR... -- FLAG...");
  const [chrome, ...captureDirs] = args.slice(0, sep);
  const flags = args.slice(sep + 1);
  const shots = captureDirs.flatMap((captureDir) => {
    const capture = JSON.parse(fs.readFileSync(path.join(captureDir, "capture.json"), "utf8"));
    return capture.checkpoints.map((c) => ({
      url: "file://" + path.resolve(captureDir, c.file),
      w: c.viewport[0],
      h: c.viewport[1],
    }));
  });
  const html = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "reel-floor-page-")), "floor.html");
  fs.writeFileSync(
    html,
    "<!doctype html><style>html,body{margin:0}img{display:block}</style><img id=i>" +
      "<script>function show(src){const i=document.getElementById('i');i.src=src;return i.decode();}</script>",
  );

  const t0 = performance.now();
  const { cdp, close, dispose } = await launch(chrome, flags);
  const launched = performance.now();

  // FLOOR_PAGES pages (default 1) take the screenshots side by side, every FLOOR_PAGES-th each,
  // as reel's lanes split a replay.
  const open = async () => {
    const { targetId } = await cdp.send("Target.createTarget", { url: "about:blank" });
    const { sessionId } = await cdp.send("Target.attachToTarget", { targetId, flatten: true });
    await cdp.send("Page.enable", {}, sessionId);
    const loaded = cdp.once("Page.loadEventFired", sessionId);
    await cdp.send("Page.navigate", { url: "file://" + html }, sessionId);
    await loaded;
    return sessionId;
  };
  const pages = Math.max(1, Number(process.env.FLOOR_PAGES || 1));
  const sessions = await Promise.all(Array.from({ length: pages }, open));
  const pageReady = performance.now();

  let bytes = 0;
  const take = async (sessionId, part) => {
  for (const s of part) {
    await cdp.send("Emulation.setDeviceMetricsOverride",
      { width: s.w, height: s.h, deviceScaleFactor: 1, mobile: false }, sessionId);
    const r = await cdp.send("Runtime.evaluate",
      { expression: `show(${JSON.stringify(s.url)})`, awaitPromise: true, returnByValue: true }, sessionId);
    if (r.exceptionDetails) throw new Error("showing " + s.url + ": " + JSON.stringify(r.exceptionDetails));
    const shot = await cdp.send("Page.captureScreenshot", {
      format: "png",
      fromSurface: true,
      captureBeyondViewport: false,
      optimizeForSpeed: true,
    }, sessionId);
    bytes += Buffer.from(shot.data, "base64").length;
  }
  };
  await Promise.all(sessions.map((id, k) => take(id, shots.filter((_, i) => i % pages === k))));
  const shotsDone = performance.now();
  await close();
  const closed = performance.now();
  dispose();
  fs.rmSync(path.dirname(html), { recursive: true, force: true });
  console.log(JSON.stringify({
    screenshots: shots.length,
    png_bytes: bytes,
    launch_ms: launched - t0,
    page_ms: pageReady - launched,
    shots_ms: shotsDone - pageReady,
    floor_ms: shotsDone - t0,
    total_ms: closed - t0,
  }));
}

main().catch((e) => {
  console.error(e.stack || String(e));
  process.exit(1);
});
