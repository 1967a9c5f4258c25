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
  let events = [];
  let freshSeeks = false;
  let awaitRequests = false;
  let href = null;
  let warnings = [];
  let droppedWarnings = 0;
  let appliedEvents = 0;
  // Whether the events applied since the last seek started changed the replay's viewport.
  let viewportChanged = false;
  let rebuilds = 0;
  // Stylesheet texts rrweb got from the harness's rewrites, and those it ran PostCSS on itself.
  const stylesheets = { ahead: 0, by_rrweb: 0 };

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
    if (event.type === 4 || (event.type === 3 && event.data && event.data.source === 4)) {
      viewportChanged = true;
    }
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

  const BARRIER = "/barrier";
  const FRAME_BOUND_CONTENT = 'img[loading="lazy"], iframe[loading="lazy"], img[decoding="async"]';

  function nextFrame() {
    return new Promise((resolve) => requestAnimationFrame(() => resolve()));
  }

  // Resolves when the replayed document's stylesheets, images and fonts have loaded or failed,
  // or when `budgetMs` has passed; reports which. Style and layout run first, here rather than in
  // the next frame, so the CSS images and fonts they need are requested now. With the network
  // allowed (what loads then changes the picture), a request to BARRIER follows, which the
  // harness answers only after every request that reached it before, so that when the seek
  // returns the harness has counted what it started (blocked, a CSS image or font paints as if
  // still loading, and images are awaited here). The screenshot paints a frame of its own; two
  // animation frames are waited for only where a frame starts more work: lazy images and iframes
  // load when a frame finds them near the viewport, and async-decoded images may be painted a
  // frame after they load.
  async function settle(budgetMs) {
    const started = performance.now();
    const doc = replayer && replayer.iframe && replayer.iframe.contentDocument;
    const waits = [];
    const awaited = [];
    if (doc && doc.documentElement) doc.documentElement.getBoundingClientRect();
    if (awaitRequests) await fetch(BARRIER, { cache: "no-store" }).catch(() => {});
    if (doc) {
      const done = (el, isReady) =>
        new Promise((resolve) => {
          if (isReady()) return resolve();
          el.addEventListener("load", () => resolve(), { once: true });
          el.addEventListener("error", () => resolve(), { once: true });
        });
      for (const link of doc.querySelectorAll('link[rel~="stylesheet"]')) {
        if (!link.sheet) {
          waits.push(done(link, () => !!link.sheet));
          awaited.push(link.href);
        }
      }
      for (const img of doc.images) {
        if (!img.complete) {
          waits.push(done(img, () => img.complete));
          awaited.push(img.currentSrc || img.src);
        }
      }
      if (doc.fonts && doc.fonts.status === "loading") waits.push(doc.fonts.ready);
    }
    let settled = true;
    if (waits.length) {
      let timer;
      const timeout = new Promise((resolve) => (timer = setTimeout(() => resolve(false), budgetMs)));
      settled = await Promise.race([Promise.all(waits).then(() => true), timeout]);
      clearTimeout(timer);
    }
    const settledAt = performance.now();
    if (waits.length || (doc && doc.querySelector(FRAME_BOUND_CONTENT))) {
      await nextFrame();
      await nextFrame();
    }
    return {
      settled: settled,
      waited_for: waits.length,
      awaited: awaited,
      pending: settled ? 0 : waits.length,
      settle_ms: settledAt - started,
      frames_ms: performance.now() - settledAt,
    };
  }

  // Index of the first event at or after offset `t` (events strictly before it are applied).
  function firstAtOrAfter(t) {
    const baseline = events[0].timestamp + t;
    let lo = 0;
    let hi = events.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (events[mid].timestamp < baseline) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  // Applied straight to the DOM, events meet the browser's own reactions: shrinking the viewport
  // while scrolled to the bottom moves the scroll, as it did for the user (whose recorder logged
  // the move as a scroll event a moment later, so not yet applied at a checkpoint right after the
  // resize). A frame shows what the recording says before `t`: after a seek that changed the
  // viewport every scroll position is set back to the last one recorded before `t` (the full
  // snapshot's, for the document, when none was), as rrweb's virtual DOM did after each batch.
  function restoreScrolls(t) {
    const mirror = replayer.getMirror();
    const doc = replayer.iframe && replayer.iframe.contentDocument;
    if (!doc) return;
    const docId = mirror.getId(doc);
    const seen = new Set();
    const scroll = (id, x, y) => {
      const node = mirror.getNode(id);
      if (node === doc && doc.defaultView) doc.defaultView.scrollTo(x, y);
      else if (node && typeof node.scrollTo === "function") node.scrollTo(x, y);
    };
    for (let i = firstAtOrAfter(t) - 1; i >= 0; i--) {
      const e = events[i];
      if (e.type === 2) {
        const offset = e.data && e.data.initialOffset;
        if (!seen.has(docId) && offset) scroll(docId, offset.left || 0, offset.top || 0);
        return;
      }
      if (e.type !== 3 || !e.data || e.data.source !== 3 || seen.has(e.data.id)) continue;
      seen.add(e.data.id);
      scroll(e.data.id, e.data.x || 0, e.data.y || 0);
    }
  }

  function viewport() {
    if (!replayer || !replayer.iframe) return null;
    const w = parseInt(replayer.iframe.getAttribute("width"), 10);
    const h = parseInt(replayer.iframe.getAttribute("height"), 10);
    return Number.isFinite(w) && Number.isFinite(h) ? [w, h] : null;
  }

  // The last pointer position (and its target) that the replayer would hover after applying every
  // event strictly before offset `t`, counting only events since the last full snapshot.
  function lastPointer(t) {
    for (let i = firstAtOrAfter(t) - 1; i >= 0; i--) {
      const e = events[i];
      if (e.type === 2) return null;
      if (e.type !== 3 || !e.data) continue;
      const d = e.data;
      if ((d.source === 1 || d.source === 6 || d.source === 12) && Array.isArray(d.positions) && d.positions.length) {
        const p = d.positions[d.positions.length - 1];
        return { x: p.x, y: p.y, id: p.id, data: d };
      }
      if (d.source === 2 && d.id !== -1 && [0, 1, 2, 7, 9].indexOf(d.type) >= 0) {
        return { x: d.x || 0, y: d.y || 0, id: d.id, data: d };
      }
    }
    return null;
  }

  // rrweb keeps hover state across forward seeks, so how a moment was reached could change what
  // it looks like. Recompute it from the events alone: every checkpoint then looks the same
  // whichever checkpoints came before it.
  function normalizeHover(t) {
    const doc = replayer.iframe && replayer.iframe.contentDocument;
    if (!doc) return;
    for (const root of [doc, replayer.lastHoveredRootNode]) {
      if (!root || !root.querySelectorAll) continue;
      for (const el of root.querySelectorAll(".\\:hover")) el.classList.remove(":hover");
    }
    const p = lastPointer(t);
    if (p && replayer.getMirror().getNode(p.id)) {
      replayer.moveAndHover(p.x, p.y, p.id, true, p.data);
    }
  }

  function maskRects(selectors) {
    const doc = replayer && replayer.iframe && replayer.iframe.contentDocument;
    const rects = [];
    if (!doc) return rects;
    for (const selector of selectors) {
      let nodes;
      try {
        nodes = doc.querySelectorAll(selector);
      } catch (e) {
        throw new Error("invalid mask selector " + JSON.stringify(selector));
      }
      for (const el of nodes) {
        const r = el.getBoundingClientRect();
        const x = Math.max(0, Math.floor(r.left));
        const y = Math.max(0, Math.floor(r.top));
        const w = Math.ceil(r.right) - x;
        const h = Math.ceil(r.bottom) - y;
        if (w > 0 && h > 0) rects.push([x, y, w, h]);
      }
    }
    return rects;
  }

  function state() {
    return {
      href: href,
      viewport: viewport(),
      time_ms: replayer ? Math.round(replayer.getCurrentTime()) : 0,
      applied_events: appliedEvents,
      rebuilds: rebuilds,
      warnings: warnings,
      dropped_warnings: droppedWarnings,
      stylesheets: stylesheets,
    };
  }

  // A canvas's content in a full snapshot (or an added node) is a data URL that rrweb draws when
  // an <img> has loaded it, after the events a seek applies synchronously: a seek that rebuilt
  // from the snapshot painted that first picture over the frames drawn after it. Each such
  // picture becomes a drawing event right after the event that carries it, decoded with the
  // other canvas frames before the replay starts and drawn in event order.
  function canvasSnapshotsAsDrawing(source) {
    const out = [];
    for (const event of source) {
      const drawings = [];
      const take = (node) => {
        if (!node || typeof node !== "object") return;
        const attributes = node.attributes;
        if (node.tagName === "canvas" && attributes && typeof attributes.rr_dataURL === "string") {
          const drawing = dataUrlDrawing(node.id, attributes);
          if (drawing) {
            delete attributes.rr_dataURL;
            drawings.push(drawing);
          }
        }
        if (Array.isArray(node.childNodes)) node.childNodes.forEach(take);
      };
      if (event && event.type === 2 && event.data) take(event.data.node);
      if (event && event.type === 3 && event.data && event.data.source === 0 && Array.isArray(event.data.adds)) {
        event.data.adds.forEach((add) => take(add && add.node));
      }
      out.push(event);
      for (const data of drawings) out.push({ type: 3, timestamp: event.timestamp, data: data });
    }
    return out;
  }

  function dataUrlDrawing(id, attributes) {
    const match = /^data:([^;,]+);base64,(.*)$/s.exec(attributes.rr_dataURL);
    if (!match || typeof id !== "number") return null;
    const width = Number(attributes.width) || 300;
    const height = Number(attributes.height) || 150;
    const blob = { rr_type: "Blob", type: match[1], data: [{ rr_type: "ArrayBuffer", base64: match[2] }] };
    return {
      source: 9,
      id: id,
      type: 0,
      commands: [
        { property: "clearRect", args: [0, 0, width, height] },
        { property: "drawImage", args: [{ rr_type: "ImageBitmap", args: [blob] }, 0, 0] },
      ],
    };
  }

  // rrweb's cache of stylesheet rewrites (`cache`, a Map from original text to rewritten),
  // answering also for the texts the harness rewrote ahead (src/replay/css.rs): `entries` are
  // [length, hash, edits] per original text, identified by its length and utf16Hash, with
  // [start, end, replacement] edits in UTF-16 offsets. rrweb asks the cache before running
  // PostCSS on a text, so those texts never reach PostCSS.
  function adaptedCache(cache, entries) {
    const known = new Map();
    const lengths = new Set();
    for (const [length, hash, edits] of entries) {
      known.set(length + ":" + hash, edits);
      lengths.add(length);
    }
    return {
      get(text) {
        const hit = cache.get(text);
        if (hit !== undefined || typeof text !== "string" || !lengths.has(text.length)) return hit;
        const edits = known.get(text.length + ":" + utf16Hash(text));
        if (edits === undefined) return undefined;
        stylesheets.ahead += 1;
        let out = "";
        let at = 0;
        for (const [start, end, replacement] of edits) {
          out += text.slice(at, start) + replacement;
          at = end;
        }
        out += text.slice(at);
        cache.set(text, out);
        return out;
      },
      set(text, value) {
        if (!cache.has(text)) stylesheets.by_rrweb += 1;
        cache.set(text, value);
        return this;
      },
    };
  }

  // 32-bit FNV-1a and 31 * h + unit over the UTF-16 units, as 16 hex digits (css.rs's utf16_hash).
  function utf16Hash(text) {
    let fnv = 0x811c9dc5;
    let poly = 0;
    for (let i = 0; i < text.length; i++) {
      const unit = text.charCodeAt(i);
      fnv = Math.imul(fnv ^ unit, 0x01000193);
      poly = (Math.imul(poly, 31) + unit) | 0;
    }
    const hex = (n) => (n >>> 0).toString(16).padStart(8, "0");
    return hex(fnv) + hex(poly);
  }

  window.reel = {
    // Fetches the events (served from memory by the harness) and builds the Replayer.
    // `urls`: the events as JSON arrays in chunks (so no single transfer is huge), in order.
    async load(urls, options) {
      options = options || {};
      const t0 = performance.now();
      // rrweb's stylesheet rewrites done ahead by the harness, fetched beside the events.
      const rewrites = options.css
        ? fetch(options.css)
            .then((r) => (r.ok ? r.json() : []))
            .catch(() => [])
        : Promise.resolve([]);
      events = [];
      for (const url of urls) {
        const response = await fetch(url);
        if (!response.ok) throw new Error("events request failed: " + response.status);
        const chunk = await response.json();
        if (!Array.isArray(chunk)) throw new Error("events chunk is not an array");
        for (let i = 0; i < chunk.length; i++) events.push(chunk[i]);
      }
      if (events.length < 2) {
        throw new Error("a replay needs at least 2 events, got " + (Array.isArray(events) ? events.length : typeof events));
      }
      // Before the Replayer exists: awaiting after would let its start-up timers run.
      const adapted = await rewrites;
      const t1 = performance.now();
      if (options.replayCanvas) events = canvasSnapshotsAsDrawing(events);
      document.body.classList.toggle("reel-hide-cursor", !options.showCursor);
      freshSeeks = !!options.freshSeeks;
      awaitRequests = !!options.awaitRequests;
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
        // Events are applied straight to the DOM. rrweb's virtual DOM copies the whole replayed
        // document into itself and diffs it back on every seek that applies any event (its cost
        // grows with the page: swagger-ui's replay took 1.2x the CPU with it), and it queues canvas
        // drawing on its nodes and draws it after a rebuild, where a later frame could lose to an
        // earlier one. What it did for scroll positions, restoreScrolls does.
        useVirtualDom: false,
        logger: { log: function () {}, warn: function () { recordWarning(arguments); } },
      });
      const cache = replayer.cache && replayer.cache.stylesWithHoverClass;
      if (cache instanceof Map && Array.isArray(adapted) && adapted.length) {
        replayer.cache.stylesWithHoverClass = adaptedCache(cache, adapted);
      }
      replayer.on("event-cast", noteEvent);
      replayer.on("fullsnapshot-rebuilded", () => (rebuilds += 1));
      // The constructor schedules the first Meta (resize) and full snapshot on timers of 0 and 1 ms.
      // Whether that rebuild ran before the first seek would depend on timing, and it builds
      // asynchronously where seeks build synchronously: mark it done, so every rebuild happens
      // inside a seek, and let the resize timer run now rather than in the middle of a seek.
      replayer.firstFullSnapshot = true;
      const t2 = performance.now();
      // Due after those two (timers due at the same time run in the order they were set).
      await new Promise((resolve) => setTimeout(resolve, 1));
      if (options.replayCanvas) {
        // Decode every canvas frame now: a seek then draws each from memory, in event order,
        // rather than racing image decodes (which would make two replays paint differently).
        await replayer.preloadAllImages();
      }
      await nextFrame();
      const meta = replayer.getMetaData();
      return {
        start_time: meta.startTime,
        end_time: meta.endTime,
        total_time: meta.totalTime,
        events: events.length,
        sandbox: replayer.iframe.getAttribute("sandbox") || "",
        fetch_ms: t1 - t0,
        build_ms: t2 - t1,
        ready_ms: performance.now() - t2,
      };
    },

    // Shows the replay as it was `t` ms after the first event (every event strictly before it
    // applied), then waits (bounded) for the frame to be ready.
    // `maskSelectors`: CSS selectors whose elements' boxes (in replay-viewport pixels) are returned
    // as `mask_rects`, for masking before comparison.
    async seek(t, budgetMs, maskSelectors) {
      if (!replayer) throw new Error("no recording loaded");
      const before = appliedEvents;
      const t0 = performance.now();
      if (freshSeeks) {
        // Forget what was played, so the seek rebuilds from the last Meta + full snapshot.
        replayer.play(0);
        replayer.service.send("END");
      }
      viewportChanged = false;
      replayer.pause(t);
      if (viewportChanged) restoreScrolls(t);
      normalizeHover(t);
      const t1 = performance.now();
      const ready = await settle(budgetMs === undefined ? 2000 : budgetMs);
      const s = state();
      s.settled = ready.settled;
      s.pending = ready.pending;
      s.events_applied = appliedEvents - before;
      s.mask_rects = maskRects(maskSelectors || []);
      s.apply_ms = t1 - t0;
      s.settle_ms = ready.settle_ms;
      s.frames_ms = ready.frames_ms;
      // Awaited URLs count only when everything settled (a timed-out wait proves nothing).
      s.awaited = ready.settled ? ready.awaited : [];
      return s;
    },

    // Two more animation frames: the harness asks for them when requests of the replayed page
    // were answered after the seek's own frames, so their outcome is painted.
    async frames() {
      await nextFrame();
      await nextFrame();
      return true;
    },

    state: state,

    // Lets go of the replay (its document, events and replayer) while the page waits to be
    // loaded again for another recording.
    unload() {
      // The replay is torn down in a task of its own, so the harness does not wait for it (the
      // page may never be used again, or is loaded afresh first, which ends that task's document).
      const old = replayer;
      const root = document.getElementById("root");
      const stale = root ? Array.from(root.childNodes) : [];
      replayer = null;
      events = [];
      setTimeout(() => {
        if (old) {
          try {
            old.pause();
            if (typeof old.destroy === "function") old.destroy();
          } catch (e) {}
        }
        for (const node of stale) node.remove();
      }, 0);
      return true;
    },

    // For `reel drive`: the replayed element with rrweb id `request.node`, described by
    // locate.js (its locators, frames, hover host, hidden field) as it is now, or first at offset
    // `request.t` (events applied as by seek, scrolls restored and hover recomputed as by seek,
    // so a later seek paints the same frame; no wait for assets or frames: layout is read
    // synchronously).
    locate(request) {
      if (!replayer) throw new Error("no recording loaded");
      const t0 = performance.now();
      if (typeof request.t === "number") {
        viewportChanged = false;
        replayer.pause(request.t);
        if (viewportChanged) restoreScrolls(request.t);
        normalizeHover(request.t);
      }
      const t1 = performance.now();
      const doc = replayer.iframe && replayer.iframe.contentDocument;
      const mirror = replayer.getMirror();
      const described = window.__reelLocate.describe(mirror.getNode(request.node), doc, {
        point: request.point,
        exact: request.exact,
        hoverClass: ":hover",
        idOf: (el) => mirror.getId(el),
      });
      described.apply_ms = t1 - t0;
      described.describe_ms = performance.now() - t1;
      return described;
    },

    // The replayed element with rrweb id `id`, climbed to its interactive target unless `exact`
    // (for tests that check what a locator resolves to).
    target(id, exact) {
      const node = replayer ? replayer.getMirror().getNode(id) : null;
      if (!node || exact) return node;
      return window.__reelLocate.interactiveTarget(node);
    },

    // The replayed document (for the same tests).
    document() {
      return replayer && replayer.iframe ? replayer.iframe.contentDocument : null;
    },
  };
})();
