// The floor of a drive (benches/drive.py): the same steps and screenshots as `reel drive` and its
// Playwright peer (benches/drive-peer/peer.js), done as cheaply as a CDP client can — reel's
// launch flags, one fresh browser context, a tab per window, the recording's answers to fetch/XHR
// calls fulfilled as the peer does, each target found by one evaluation (CSS, or a plain
// role/text/label match; asked again while not there yet or still moving after a frame), input as
// one batch of events, two animation frames after each page load, a PNG screenshot of the viewport with
// reel's parameters at each checkpoint. No virtual clock, no waiting for fonts, images or
// animations, no hover refresh, no locator ranking, nothing written: what any harness doing these
// steps on this browser pays at the least.
// usage: node drive-floor.js CHROME REPORT.json RECORDING_INDEX PLAN.json -- FLAG...
//   REPORT.json and PLAN.json as for peer.js.
// Prints one JSON line: launch_ms, floor_ms (spawn to the last screenshot), total_ms (browser
// closed), screenshots, failed (steps it could not do; a fair floor has none).
"use strict";
const fs = require("fs");
const { launch } = require("./cdp");

// Evaluated in the page: the centre of the one element a locator names (scrolled into view when
// it is not), with what a step needs to know about it.
const FIND = String.raw`(strategy, selector) => {
  const norm = (s) => (s || "").replace(/\s+/g, " ").trim();
  const ROLES = {
    button: 'button, [role=button], input[type=button], input[type=submit], summary',
    link: 'a[href], [role=link]',
    textbox: 'input:not([type]), input[type=text], input[type=number], input[type=search], input[type=email], input[type=url], input[type=tel], input[type=password], textarea, [role=textbox]',
    checkbox: 'input[type=checkbox], [role=checkbox]',
    combobox: 'select, [role=combobox]',
  };
  // Names compared without whitespace (textContent, unlike innerText, needs no layout but runs
  // the text of adjacent elements together).
  const squash = (s) => (s || "").replace(/\s+/g, "");
  const name = (el) => squash(el.getAttribute("aria-label")) ||
    squash(el.labels && el.labels[0] && el.labels[0].textContent) || squash(el.getAttribute("placeholder")) ||
    squash(el.textContent) || squash(el.value) || squash(el.getAttribute("title"));
  let el = null;
  if (strategy === "role") {
    const m = /^(\S+)\s+"(.*)"$/.exec(selector);
    if (m) el = Array.from(document.querySelectorAll(ROLES[m[1]] || "[role=" + m[1] + "]")).find((e) => name(e) === squash(m[2]));
  } else if (strategy === "text") {
    const all = Array.from(document.querySelectorAll("body *")).filter((e) => norm(e.textContent) === selector);
    el = all[all.length - 1];
  } else if (strategy === "label") {
    const label = Array.from(document.querySelectorAll("label")).find((l) => norm(l.textContent) === selector);
    el = label && label.control;
  } else if (strategy === "placeholder") {
    el = Array.from(document.querySelectorAll("[placeholder]")).find((e) => e.getAttribute("placeholder") === selector);
  } else if (strategy === "href") {
    el = Array.from(document.querySelectorAll("a[href]")).find((a) => a.getAttribute("href").endsWith(selector));
  } else {
    el = document.querySelector(selector);
  }
  if (!el) return null;
  let r = el.getBoundingClientRect();
  if (r.top < 0 || r.left < 0 || r.bottom > innerHeight || r.right > innerWidth) {
    el.scrollIntoView({ block: "center", inline: "center" });
    r = el.getBoundingClientRect();
  }
  window.__floorTarget = el;
  // Where it is after a frame too (not moving: an expanding section, a transition), as any
  // harness must know before it clicks; null (asked again) while it moves.
  return new Promise((resolve) => requestAnimationFrame(() => {
    const s = el.getBoundingClientRect();
    const still = s.left === r.left && s.top === r.top && s.width === r.width && s.height === r.height;
    resolve(still ? { x: r.left + r.width / 2, y: r.top + r.height / 2, checked: !!el.checked } : null);
  }));
}`;

async function main() {
  const [chrome, reportPath, index, planPath, sep, ...flags] = process.argv.slice(2);
  if (sep !== "--") throw new Error("usage: node drive-floor.js CHROME REPORT.json INDEX PLAN.json -- FLAG...");
  const plan = JSON.parse(fs.readFileSync(planPath, "utf8"));
  const rec = JSON.parse(fs.readFileSync(reportPath, "utf8")).recordings[Number(index)];
  const loads = new Map(Object.entries(plan.pages || {}).map(([w, urls]) => [w, urls.slice()]));
  const answers = new Map();
  for (const a of plan.answers || []) {
    const key = `${a.method} ${a.url}`;
    if (!answers.has(key)) answers.set(key, []);
    answers.get(key).push(a);
  }
  const work = rec.steps
    .filter((s) => s.status !== "skipped")
    .map((s) => ({ kind: "step", window: s.window, t: s.t_ms, s }))
    .concat(rec.checkpoints.map((c) => ({ kind: "shot", window: c.window || "", t: c.t_ms, c })));
  work.sort((a, b) => a.t - b.t || (a.kind === "shot" ? -1 : 1));

  const t0 = performance.now();
  const { cdp, close, dispose } = await launch(chrome, flags);
  const launched = performance.now();
  // The recording's answers to fetch/XHR calls, as the peer routes them.
  cdp.on((msg) => {
    if (msg.method !== "Fetch.requestPaused") return;
    const p = msg.params;
    const queue = answers.get(`${p.request.method} ${p.request.url}`);
    if (!queue) {
      cdp.send("Fetch.continueRequest", { requestId: p.requestId }, msg.sessionId).catch(() => {});
      return;
    }
    const a = queue.length > 1 ? queue.shift() : queue[0];
    cdp.send("Fetch.fulfillRequest", {
      requestId: p.requestId,
      responseCode: a.status,
      responseHeaders: [{ name: "Content-Type", value: a.contentType }],
      body: Buffer.from(a.body).toString("base64"),
    }, msg.sessionId).catch(() => {});
  });
  const { browserContextId } = await cdp.send("Target.createBrowserContext", {});
  const tabs = new Map();
  let failed = 0;
  let shots = 0;
  const spent = { loads_ms: 0, steps_ms: 0, shots_ms: 0 };
  let firstStepAt = 0;
  const open = async (window) => {
    const { targetId } = await cdp.send("Target.createTarget", { url: "about:blank", browserContextId, newWindow: true });
    const { sessionId } = await cdp.send("Target.attachToTarget", { targetId, flatten: true });
    await Promise.all([
      cdp.send("Page.enable", {}, sessionId),
      cdp.send("Emulation.setDeviceMetricsOverride", { width: 1024, height: 768, deviceScaleFactor: 1, mobile: false }, sessionId),
      answers.size > 0
        ? cdp.send("Fetch.enable", { patterns: [...new Set((plan.answers || []).map((a) => a.url))].map((urlPattern) => ({ urlPattern })) }, sessionId)
        : null,
    ]);
    const tab = { sessionId, url: "about:blank" };
    tabs.set(window, tab);
    if (!tabs.has("")) tabs.set("", tab);
    return tab;
  };
  const evaluate = async (tab, expression) => {
    const r = await cdp.send("Runtime.evaluate", { expression, returnByValue: true, awaitPromise: true }, tab.sessionId);
    if (r.exceptionDetails) throw new Error(JSON.stringify(r.exceptionDetails.exception || r.exceptionDetails.text));
    return r.result.value;
  };
  const mouse = (tab, x, y, button, clicks) => {
    const events = [{ type: "mouseMoved", x, y }];
    for (let n = 1; n <= clicks; n++) {
      events.push({ type: "mousePressed", x, y, button, buttons: button === "right" ? 2 : 1, clickCount: n });
      events.push({ type: "mouseReleased", x, y, button, buttons: 0, clickCount: n });
    }
    return Promise.all(events.map((e) => cdp.send("Input.dispatchMouseEvent", e, tab.sessionId)));
  };
  const keys = (tab, text, enter) => {
    const events = [];
    for (const ch of text) {
      events.push({ type: "keyDown", key: ch, text: ch, unmodifiedText: ch });
      events.push({ type: "keyUp", key: ch });
    }
    if (enter) {
      events.push({ type: "keyDown", key: "Enter", code: "Enter", windowsVirtualKeyCode: 13, text: "\r", unmodifiedText: "\r" });
      events.push({ type: "keyUp", key: "Enter", code: "Enter", windowsVirtualKeyCode: 13 });
    }
    return Promise.all(events.map((e) => cdp.send("Input.dispatchKeyEvent", e, tab.sessionId)));
  };

  for (const w of work) {
    let tab = tabs.get(w.window) || tabs.get("");
    const began = performance.now();
    if (w.kind === "shot") {
      if (!tab) continue;
      const shot = await cdp.send("Page.captureScreenshot",
        { format: "png", fromSurface: true, captureBeyondViewport: false, optimizeForSpeed: true }, tab.sessionId);
      if (shot.data.length > 0) shots++;
      spent.shots_ms += performance.now() - began;
      continue;
    }
    const s = w.s;
    try {
      if (s.action === "navigate") {
        if (!tabs.has(w.window)) tab = await open(w.window);
        const url = (loads.get(w.window) || []).shift();
        if (!url) continue;
        const loaded = cdp.once("Page.loadEventFired", tab.sessionId);
        const sameDocument = url.includes("#") && tab.url.split("#")[0] === url.split("#")[0];
        if (sameDocument) {
          await evaluate(tab, `history.replaceState(history.state, "", ${JSON.stringify(url)})`);
          await cdp.send("Page.reload", {}, tab.sessionId);
        } else {
          await cdp.send("Page.navigate", { url }, tab.sessionId);
        }
        await loaded;
        // What the page renders after its load event (a single-page app fetching its data)
        // drawn before the first step looks at it.
        await evaluate(tab, "new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))");
        tab.url = url;
        spent.loads_ms += performance.now() - began;
        continue;
      }
      if (!tab) continue;
      if (s.action === "resize") {
        const size = (plan.sizes || {})[`${w.window}/${s.t_ms}`];
        if (size) {
          await cdp.send("Emulation.setDeviceMetricsOverride",
            { width: size[0], height: size[1], deviceScaleFactor: 1, mobile: false }, tab.sessionId);
        }
        continue;
      }
      if (!s.locator) continue;
      let at;
      if (s.locator.strategy === "point") {
        const [x, y] = s.locator.selector.split(" ")[0].split(",").map(Number);
        at = { x, y, checked: false };
      } else {
        // Not there yet (the page still rendering what the last step started): asked again, as
        // any harness without a virtual clock must.
        const find = `(${FIND})(${JSON.stringify(s.locator.strategy)}, ${JSON.stringify(s.locator.selector)})`;
        const deadline = performance.now() + 5000;
        at = await evaluate(tab, find);
        while (!at && performance.now() < deadline) {
          await new Promise((r) => setTimeout(r, 5));
          at = await evaluate(tab, find);
        }
        if (!at) throw new Error("not found");
      }
      if (s.action === "click") await mouse(tab, at.x, at.y, "left", 1);
      else if (s.action === "dblclick") await mouse(tab, at.x, at.y, "left", 2);
      else if (s.action === "contextmenu") await mouse(tab, at.x, at.y, "right", 1);
      else if (s.action === "hover") await mouse(tab, at.x, at.y, "none", 0);
      else if (s.action === "check") {
        if (!at.checked) await mouse(tab, at.x, at.y, "left", 1);
      } else if (s.action === "select") {
        await evaluate(tab, `(() => { const el = window.__floorTarget; el.value = ${JSON.stringify(s.text || "")};
          el.dispatchEvent(new Event("input", { bubbles: true })); el.dispatchEvent(new Event("change", { bubbles: true })); })()`);
      } else if (s.action === "type") {
        await evaluate(tab, "(() => { const el = window.__floorTarget; el.focus(); if ('value' in el) el.value = ''; })()");
        await keys(tab, (plan.texts || {})[`${w.window}/${s.t_ms}`] || "", !!(plan.enters || {})[`${w.window}/${s.t_ms}`]);
      }
      if (!firstStepAt) firstStepAt = performance.now() - t0;
      spent.steps_ms += performance.now() - began;
    } catch (e) {
      failed++;
      console.error(`${s.window} ${s.action} at ${s.t_ms} ms: ${String(e.message || e).split("\n")[0]}`);
    }
  }
  const done = performance.now();
  console.error(`failed steps: ${failed}`);
  await close();
  const closed = performance.now();
  dispose();
  console.log(JSON.stringify({
    screenshots: shots,
    failed,
    launch_ms: launched - t0,
    first_step_ms: firstStepAt,
    ...spent,
    floor_ms: done - t0,
    total_ms: closed - t0,
  }));
}

main().catch((e) => {
  console.error(e.stack || String(e));
  process.exit(1);
});
