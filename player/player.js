// reel's player: hosts rrweb's Replayer and exposes a narrow API that the Rust side drives
// through CDP: load events, seek to an offset and wait until the frame is ready, report state.
(function () {
  "use strict";

  // Injected into the replayed document: no animations, transitions or carets, so that two
  // replays of the same moment paint the same pixels.
  const FREEZE_RULES = [
    "*, *::before, *::after { animation-duration: 0s !important; animation-delay: 0s !important;" +
      " animation-iteration-count: 1 !important; transition-duration: 0s !important;" +
      " transition-delay: 0s !important; caret-color: transparent !important;" +
      " scroll-behavior: auto !important; }",
  ];
  const MAX_WARNINGS = 500;

  let replayer = null;
  let href = null;
  let warnings = [];
  let droppedWarnings = 0;
  let appliedEvents = 0;

  function stringify(arg) {
    if (typeof arg === "string") return arg;
    if (arg instanceof Error) return arg.message;
    try {
      return JSON.stringify(arg);
    } catch (_) {
      return String(arg);
    }
  }

  function recordWarning(args) {
    const message = Array.from(args).map(stringify).join(" ").replace(/^\[replayer\]\s*/, "");
    if (warnings.length >= MAX_WARNINGS) {
      droppedWarnings += 1;
      return;
    }
    const t = replayer ? Math.round(replayer.getCurrentTime()) : 0;
    warnings.push({ t_ms: t, message: message });
  }

  function noteEvent(event) {
    appliedEvents += 1;
    if (event.type === 4 && event.data && typeof event.data.href === "string") {
      href = event.data.href;
    } else if (
      event.type === 5 &&
      event.data &&
      (event.data.tag === "$pageview" || event.data.tag === "$url_changed") &&
      event.data.payload &&
      typeof event.data.payload.href === "string"
    ) {
      href = event.data.payload.href;
    }
  }

  function nextFrame() {
    return new Promise((resolve) => requestAnimationFrame(() => resolve()));
  }

  function sleep(ms) {
    return new Promise((resolve) => setTimeout(resolve, ms));
  }

  // Resolves when the replayed document's stylesheets, images and fonts have loaded or failed,
  // or when `budgetMs` has passed; reports which.
  async function settle(budgetMs) {
    const deadline = performance.now() + budgetMs;
    const doc = replayer && replayer.iframe && replayer.iframe.contentDocument;
    if (!doc) return { settled: true, pending: 0 };
    const pendingNow = () => {
      let pending = 0;
      for (const link of doc.querySelectorAll('link[rel~="stylesheet"]')) {
        if (!link.sheet && !link.__reelFailed) pending += 1;
      }
      for (const img of doc.images) {
        if (!img.complete) pending += 1;
      }
      if (doc.fonts && doc.fonts.status === "loading") pending += 1;
      return pending;
    };
    for (const link of doc.querySelectorAll('link[rel~="stylesheet"]')) {
      if (!link.__reelWatched) {
        link.__reelWatched = true;
        link.addEventListener("error", () => (link.__reelFailed = true));
      }
    }
    let pending = pendingNow();
    while (pending > 0 && performance.now() < deadline) {
      await sleep(10);
      pending = pendingNow();
    }
    await nextFrame();
    await nextFrame();
    return { settled: pending === 0, pending: pending };
  }

  function viewport() {
    if (!replayer || !replayer.iframe) return null;
    const w = parseInt(replayer.iframe.getAttribute("width"), 10);
    const h = parseInt(replayer.iframe.getAttribute("height"), 10);
    return Number.isFinite(w) && Number.isFinite(h) ? [w, h] : null;
  }

  function state() {
    return {
      href: href,
      viewport: viewport(),
      time_ms: replayer ? Math.round(replayer.getCurrentTime()) : 0,
      applied_events: appliedEvents,
      warnings: warnings,
      dropped_warnings: droppedWarnings,
    };
  }

  window.reel = {
    // Fetches the events (served from memory by the harness) and builds the Replayer.
    async load(url, options) {
      options = options || {};
      const response = await fetch(url);
      if (!response.ok) throw new Error("events request failed: " + response.status);
      const events = await response.json();
      if (!Array.isArray(events) || events.length < 2) {
        throw new Error("a replay needs at least 2 events, got " + (Array.isArray(events) ? events.length : typeof events));
      }
      document.body.classList.toggle("reel-hide-cursor", !options.showCursor);
      replayer = new rrweb.Replayer(events, {
        root: document.getElementById("root"),
        speed: 1,
        skipInactive: false,
        showWarning: true,
        showDebug: false,
        mouseTail: false,
        triggerFocus: false,
        pauseAnimation: true,
        insertStyleRules: FREEZE_RULES,
        UNSAFE_replayCanvas: !!options.replayCanvas,
        logger: { log: function () {}, warn: function () { recordWarning(arguments); } },
      });
      replayer.on("event-cast", noteEvent);
      const meta = replayer.getMetaData();
      return { start_time: meta.startTime, end_time: meta.endTime, total_time: meta.totalTime, events: events.length };
    },

    // Shows the replay as it was `t` ms after the first event (every event strictly before it
    // applied), then waits (bounded) for the frame to be ready.
    async seek(t, budgetMs) {
      if (!replayer) throw new Error("no recording loaded");
      const before = appliedEvents;
      replayer.pause(t);
      const ready = await settle(budgetMs === undefined ? 2000 : budgetMs);
      const s = state();
      s.settled = ready.settled;
      s.pending = ready.pending;
      s.events_applied = appliedEvents - before;
      return s;
    },

    state: state,
  };
})();
