// The peer `reel drive` is measured against: a hand-written Node + playwright-core script that
// performs the same steps on the same build and browser, and screenshots the same checkpoints,
// the way a team scripts it by hand (Playwright's own waiting, no virtual clock, no replay).
// The steps and checkpoints come from a `reel drive` report of the same recording, the page
// loads' URLs from PLAN.json (`{"window id": ["mapped URL", ...]}`, written by benches/drive.py;
// report.json does not carry them), typed texts and whether Enter follows them (`"texts":
// {"window/t_ms": "…"}`, `"enters": {"window/t_ms": true}`) and the recorded answers of fetch/XHR
// calls (`"answers": [{method, url, status, contentType, body}]`). A step it cannot do is reported on
// stderr and counted (`failed steps: N`): a fair comparison has none.
// usage: node peer.js REPORT.json RECORDING_INDEX PLAN.json OUT_DIR
"use strict";
const fs = require("fs");
const path = require("path");
const { chromium } = require("playwright-core");

function target(page, locator) {
  const s = locator.selector;
  switch (locator.strategy) {
    case "role": {
      const m = /^(\S+)\s+"(.*)"$/.exec(s);
      return m ? page.getByRole(m[1], { name: m[2], exact: true }) : page.locator(s);
    }
    case "label":
      return page.getByLabel(s, { exact: true });
    case "placeholder":
      return page.getByPlaceholder(s, { exact: true });
    case "text":
      return page.getByText(s, { exact: true });
    case "href":
      return page.locator(`a[href$=${JSON.stringify(s)}]`);
    default:
      return page.locator(s);
  }
}

async function main() {
  const [reportPath, index, planPath, outDir] = process.argv.slice(2);
  const plan = JSON.parse(fs.readFileSync(planPath, "utf8"));
  const loads = new Map(Object.entries(plan.pages || {}).map(([w, urls]) => [w, urls.slice()]));
  const texts = plan.texts || {};
  const enters = plan.enters || {};
  let failed = 0;
  const rec = JSON.parse(fs.readFileSync(reportPath, "utf8")).recordings[Number(index)];
  fs.mkdirSync(outDir, { recursive: true });
  const browser = await chromium.launch({
    executablePath: process.env.CHROME || "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
      "--disable-sync", "--no-first-run", "--disable-quic", "--force-device-scale-factor=1", "--hide-scrollbars"],
  });
  const context = await browser.newContext({ viewport: { width: 1024, height: 768 } });
  // The fetch/XHR calls the recording answered are answered from it, as reel does (in order per
  // method and URL; the last answer repeats once they are used up).
  const answers = new Map();
  for (const a of plan.answers || []) {
    const key = `${a.method} ${a.url}`;
    if (!answers.has(key)) answers.set(key, []);
    answers.get(key).push(a);
  }
  if (answers.size > 0) {
    const urls = new Set((plan.answers || []).map((a) => a.url));
    await context.route((url) => urls.has(url.href), async (route) => {
      const queue = answers.get(`${route.request().method()} ${route.request().url()}`);
      if (!queue) return route.continue();
      const a = queue.length > 1 ? queue.shift() : queue[0];
      await route.fulfill({ status: a.status, contentType: a.contentType, body: a.body });
    });
  }
  const pages = new Map();
  // Steps and checkpoints in recorded order; checkpoints by (window, t_ms).
  const work = rec.steps
    .filter((s) => s.status !== "skipped")
    .map((s) => ({ kind: "step", window: s.window, t: s.t_ms, s }))
    .concat(rec.checkpoints.map((c) => ({ kind: "shot", window: c.window || "", t: c.t_ms, c })));
  const firstStep = new Map();
  for (const w of work) if (w.kind === "step" && !firstStep.has(w.window)) firstStep.set(w.window, w);
  work.sort((a, b) => a.t - b.t || (a.kind === "shot" ? -1 : 1));
  for (const w of work) {
    let page = pages.get(w.window) || pages.get("");
    if (w.kind === "shot") {
      if (!page) continue;
      const [width, height] = w.c.viewport;
      await page.screenshot({ path: path.join(outDir, `${w.window}-${w.c.name}.png`), clip: { x: 0, y: 0, width, height } });
      continue;
    }
    const s = w.s;
    if (s.action === "navigate") {
      if (!page || !pages.has(w.window)) {
        page = await context.newPage();
        pages.set(w.window, page);
        if (!pages.has("")) pages.set("", page);
      }
      const url = (loads.get(w.window) || []).shift();
      if (url) {
        // A recorded page load to the same document with a hash is still a load: goto alone
        // would only move to the hash (without one, goto loads the page again by itself).
        const sameDocument = url.includes("#") && page.url().split("#")[0] === url.split("#")[0];
        await page.goto(url, { waitUntil: "load" });
        if (sameDocument) await page.reload({ waitUntil: "load" });
      }
      continue;
    }
    if (!page) continue;
    try {
      if (s.action === "resize") {
        const size = (plan.sizes || {})[`${w.window}/${s.t_ms}`];
        if (size) await page.setViewportSize({ width: size[0], height: size[1] });
        continue;
      }
      if (!s.locator) continue;
      if (s.locator.strategy === "point") {
        // Nothing but the position identifies the target: act there, as a person would.
        const [x, y] = s.locator.selector.split(" ")[0].split(",").map(Number);
        if (s.action === "click") await page.mouse.click(x, y);
        else if (s.action === "dblclick") await page.mouse.dblclick(x, y);
        else if (s.action === "contextmenu") await page.mouse.click(x, y, { button: "right" });
        else await page.mouse.move(x, y);
        continue;
      }
      const el = target(page, s.locator).first();
      if (s.action === "click") await el.click({ timeout: 5000 });
      else if (s.action === "dblclick") await el.dblclick({ timeout: 5000 });
      else if (s.action === "contextmenu") await el.click({ button: "right", timeout: 5000 });
      else if (s.action === "hover") await el.hover({ timeout: 5000 });
      else if (s.action === "check") await el.check({ timeout: 5000 });
      else if (s.action === "select") await el.selectOption(s.text || "", { timeout: 5000 });
      else if (s.action === "type") {
        await el.fill("", { timeout: 5000 });
        await el.pressSequentially(texts[`${w.window}/${s.t_ms}`] || "");
        if (enters[`${w.window}/${s.t_ms}`]) await el.press("Enter");
      }
    } catch (e) {
      failed++;
      console.error(`${s.window} ${s.action} at ${s.t_ms} ms (${s.locator.strategy} ${s.locator.selector}): ${String(e.message || e).split("\n")[0]}`);
    }
  }
  await browser.close();
  console.error(`failed steps: ${failed}`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
