// The peer reel is measured against: a straightforward Node + playwright-core + rrweb script that
// replays a recording and screenshots the given offsets, the way teams script it by hand.
// usage: node peer.js EVENTS.json OUT_DIR OFFSET:WIDTHxHEIGHT...
"use strict";
const fs = require("fs");
const path = require("path");
const { chromium } = require("playwright-core");

async function main() {
  const [eventsPath, outDir, ...points] = process.argv.slice(2);
  const events = fs.readFileSync(eventsPath, "utf8");
  const dist = path.join(__dirname, "node_modules", "rrweb", "dist");
  const rrwebJs = fs.readFileSync(path.join(dist, "rrweb.umd.min.cjs"), "utf8");
  const rrwebCss = fs.readFileSync(path.join(dist, "style.css"), "utf8");
  fs.mkdirSync(outDir, { recursive: true });
  const browser = await chromium.launch({
    executablePath: process.env.CHROME || "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
      "--disable-sync", "--no-first-run", "--disable-quic", "--force-device-scale-factor=1", "--hide-scrollbars"],
  });
  const page = await browser.newPage();
  // Offline like reel: only the page itself, everything else blocked.
  await page.route("**/*", (route) => {
    const url = route.request().url();
    if (url === "http://peer.invalid/") {
      return route.fulfill({
        contentType: "text/html",
        body: `<!doctype html><html><head><style>${rrwebCss} body{margin:0} iframe{border:0}</style></head>` +
          `<body><div id="root"></div><script>${rrwebJs}</script></body></html>`,
      });
    }
    return route.abort();
  });
  await page.goto("http://peer.invalid/");
  await page.evaluate((text) => {
    const events = JSON.parse(text);
    window.replayer = new rrweb.Replayer(events, {
      root: document.getElementById("root"),
      mouseTail: false,
      showWarning: false,
      insertStyleRules: ["*{animation:none!important;transition:none!important;caret-color:transparent!important}"],
    });
  }, events);
  for (const p of points) {
    const [t, size] = p.split(":");
    const [w, h] = size.split("x").map(Number);
    await page.setViewportSize({ width: w, height: h });
    await page.evaluate((t) => {
      window.replayer.pause(t);
      return new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
    }, Number(t));
    await page.screenshot({ path: path.join(outDir, `${t}.png`), clip: { x: 0, y: 0, width: w, height: h } });
  }
  await browser.close();
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
