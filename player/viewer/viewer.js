// reel's viewer: renders the HTML report (mode "report") and the standalone player of
// `reel export` (mode "player") from the inert JSON in the page's #reel-data element.
// Recorded content is only ever put into the page as text (textContent, title, value), never as
// markup; image paths are used only when they are plain relative paths.
(function () {
  "use strict";

  const app = document.getElementById("app");
  const api = { ready: false, error: null, widgets: [], player: null };
  window.reelViewer = api;

  // ---- small DOM helpers -------------------------------------------------------------------

  function el(tag, props, children) {
    const node = document.createElement(tag);
    if (props) {
      for (const key of Object.keys(props)) {
        const v = props[key];
        if (v === undefined || v === null) continue;
        if (key === "text") node.textContent = String(v);
        else if (key === "class") node.className = v;
        else if (key === "title") node.title = String(v);
        else if (key === "data") for (const d of Object.keys(v)) node.dataset[d] = String(v[d]);
        else if (key === "on") for (const ev of Object.keys(v)) node.addEventListener(ev, v[ev]);
        else node[key] = v;
      }
    }
    for (const c of children || []) {
      if (c === null || c === undefined || c === false) continue;
      node.appendChild(typeof c === "string" ? document.createTextNode(c) : c);
    }
    return node;
  }

  // A path inside the report folder (or next to it): relative, no scheme, no backslashes.
  function safePath(p) {
    if (typeof p !== "string" || p === "") return null;
    if (/^[a-zA-Z][a-zA-Z0-9+.-]*:/.test(p) || p.startsWith("/") || p.indexOf("\\") >= 0) return null;
    return p.split("/").map(encodeURIComponent).join("/");
  }

  function fmtMs(ms) {
    if (typeof ms !== "number" || !isFinite(ms)) return "";
    const neg = ms < 0;
    ms = Math.abs(Math.round(ms));
    const m = Math.floor(ms / 60000);
    const s = Math.floor((ms % 60000) / 1000);
    const rest = ms % 1000;
    return (neg ? "-" : "") + m + ":" + String(s).padStart(2, "0") + "." + String(rest).padStart(3, "0");
  }

  function fmtDuration(ms) {
    if (typeof ms !== "number") return "";
    return ms < 1000 ? ms + " ms" : (ms / 1000).toFixed(1) + " s";
  }

  const FAILING = { changed: 1, missing: 1, "size-changed": 1, flaky: 1, error: 1 };

  async function inflate(b64) {
    const bin = atob(b64);
    const bytes = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
    const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
    return JSON.parse(await new Response(stream).text());
  }

  // ---- the session's timeline, from the events ---------------------------------------------

  function consoleMessage(payload) {
    const parts = Array.isArray(payload.payload) ? payload.payload : [];
    // rrweb's console plugin stores each argument JSON-encoded: show strings without the quotes.
    const unquote = (p) => {
      if (typeof p !== "string") return JSON.stringify(p);
      if (p.length >= 2 && p[0] === '"' && p[p.length - 1] === '"') {
        try {
          const v = JSON.parse(p);
          if (typeof v === "string") return v;
        } catch (_) { /* not JSON: as recorded */ }
      }
      return p;
    };
    return parts.map(unquote).join(" ");
  }

  // Items {t, kind, text}: page loads, navigations, clicks, resizes, (recorded) console errors.
  function timelineOf(events, withErrors) {
    const items = [];
    if (!events.length) return items;
    const start = events[0].timestamp;
    for (const e of events) {
      if (!e || typeof e.timestamp !== "number") continue;
      const t = e.timestamp - start;
      const d = e.data || {};
      if (e.type === 4) {
        items.push({ t, kind: "load", text: "page load " + (typeof d.href === "string" ? d.href : "") });
      } else if (e.type === 5 && (d.tag === "$pageview" || d.tag === "$url_changed")) {
        const href = d.payload && typeof d.payload.href === "string" ? d.payload.href : "";
        items.push({ t, kind: "load", text: "navigation " + href });
      } else if (e.type === 3 && d.source === 2 && d.type === 2) {
        items.push({ t, kind: "click", text: "click at " + Math.round(d.x || 0) + "," + Math.round(d.y || 0) });
      } else if (e.type === 3 && d.source === 4) {
        items.push({ t, kind: "resize", text: "resize to " + d.width + "×" + d.height });
      } else if (withErrors && e.type === 6 && d.plugin === "rrweb/console@1" && d.payload && d.payload.level === "error") {
        items.push({ t, kind: "error", text: "console error: " + consoleMessage(d.payload) });
      }
    }
    return items;
  }

  // ---- the replay widget ---------------------------------------------------------------------

  // opts: {checkpoints: [{t, window, name, failing}], errors: [{t, window, text}] or null (then the
  // recorded console errors come from the events), window: index, at: ms}
  function ReplayWidget(host, payload, opts) {
    const self = this;
    this.status = "ready";
    this.payload = payload;
    this.windowIndex = Math.min(Math.max(opts.window || 0, 0), payload.windows.length - 1);
    this.replayer = null;
    this.playing = false;
    this.total = 0;
    this.speed = 1;
    this.stopAt = null;

    const play = el("button", { text: "Play", class: "play", on: { click: () => self.toggle() } });
    const speed = el("select", { class: "speed", title: "speed", on: { change: () => self.setSpeed(Number(speed.value)) } },
      [1, 2, 4, 8].map((s) => el("option", { value: String(s), text: s + "×" })));
    const seek = el("input", { type: "range", min: "0", max: "0", step: "1", value: "0", class: "seek", title: "seek" });
    let dragging = false;
    seek.addEventListener("input", () => { dragging = true; self.showTime(Number(seek.value)); });
    seek.addEventListener("change", () => { dragging = false; self.seekTo(Number(seek.value)); });
    const markers = el("div", { class: "markers" });
    const time = el("span", { class: "time", text: "0:00.000" });
    const controls = el("div", { class: "controls" }, [play, speed, el("div", { class: "seek-wrap" }, [seek, markers]), time]);
    if (payload.windows.length > 1) {
      const pick = el("select", { class: "window", title: "window", on: { change: () => self.mount(Number(pick.value), 0, true) } },
        payload.windows.map((w, i) => el("option", { value: String(i), text: "window " + (i + 1) + ": " + w.id })));
      pick.value = String(this.windowIndex);
      controls.appendChild(pick);
      this.windowSelect = pick;
    }
    const stage = el("div", { class: "replay-stage" });
    const timeline = el("div", { class: "timeline" });
    host.appendChild(controls);
    host.appendChild(el("div", { class: "replay-layout" }, [stage, timeline]));
    Object.assign(this, { play, speedSel: speed, seek, markers, time, stage, timeline, opts, isDragging: () => dragging });

    this.timer = setInterval(() => {
      if (!self.replayer || dragging) return;
      const t = self.current();
      self.seek.value = String(t);
      self.showTime(t);
      if (self.playing && t >= self.total) self.setPlaying(false);
      if (self.playing && self.stopAt !== null && t >= self.stopAt) {
        self.replayer.pause(self.stopAt);
        self.setPlaying(false);
        self.seek.value = String(self.stopAt);
        self.showTime(self.stopAt);
        self.stopAt = null;
      }
    }, 150);
    window.addEventListener("resize", () => self.fit());
    this.mount(this.windowIndex, opts.at || 0, !!opts.fromFirstSnapshot);
  }

  ReplayWidget.prototype.current = function () {
    return this.replayer ? Math.round(this.replayer.getCurrentTime()) : 0;
  };

  ReplayWidget.prototype.showTime = function (t) {
    this.time.textContent = fmtMs(t) + " / " + fmtMs(this.total);
  };

  ReplayWidget.prototype.setPlaying = function (on) {
    this.playing = on;
    this.play.textContent = on ? "Pause" : "Play";
  };

  // What a replayed document may load: what its capture could show — inline styles and data:
  // (or blob:) URLs — and nothing else. This policy adds to the page's own, which has to let the
  // report's images (files next to it) load: a recorded image or background from a file: URL, or
  // one of the host serving the report, stays unloaded, as it was in capture.
  const REPLAY_CSP =
    "default-src 'none'; img-src data: blob:; media-src data: blob:; font-src data:; " +
    "style-src 'unsafe-inline'; frame-src about:; base-uri 'none'; form-action 'none'";

  // Puts REPLAY_CSP on the replay frame's document before anything is built in it (rrweb builds
  // the first snapshot on a timer after the constructor). A policy stays with its document once
  // applied, also when rrweb reopens the document for the next full snapshot.
  function lockDown(replayer) {
    const doc = replayer.iframe && replayer.iframe.contentDocument;
    if (!doc || !doc.head) throw new Error("the replay frame has no document to protect");
    const meta = doc.createElement("meta");
    meta.httpEquiv = "Content-Security-Policy";
    meta.content = REPLAY_CSP;
    doc.head.appendChild(meta);
  }

  ReplayWidget.prototype.mount = function (index, at, fromFirstSnapshot) {
    if (this.replayer) {
      try { this.replayer.destroy(); } catch (_) { /* already gone */ }
      this.replayer = null;
    }
    this.setPlaying(false);
    this.stage.textContent = "";
    this.windowIndex = index;
    if (this.windowSelect) this.windowSelect.value = String(index);
    const win = this.payload.windows[index];
    const events = (win && Array.isArray(win.events) ? win.events : []).filter((e) => e && typeof e.timestamp === "number");
    if (events.length < 2) {
      this.stage.appendChild(el("p", { class: "muted", text: "This window has too few events to replay." }));
      return;
    }
    this.replayer = new rrweb.Replayer(events, {
      root: this.stage,
      speed: this.speed,
      skipInactive: false,
      showWarning: false,
      showDebug: false,
      mouseTail: false,
      triggerFocus: false,
      UNSAFE_replayCanvas: false,
      logger: { log: function () {}, warn: function () {} },
    });
    lockDown(this.replayer);
    this.replayer.on("resize", () => this.fit());
    this.replayer.on("finish", () => this.setPlaying(false));
    this.total = Math.max(0, Math.round(this.replayer.getMetaData().totalTime));
    this.seek.max = String(this.total);
    this.buildMarkers(events, win.id);
    if (fromFirstSnapshot) {
      const full = events.find((e) => e.type === 2);
      at = full ? full.timestamp - events[0].timestamp + 1 : 0;
    }
    this.seekTo(at);
    this.fit();
  };

  ReplayWidget.prototype.buildMarkers = function (events, windowId) {
    const self = this;
    const opts = this.opts;
    let items = timelineOf(events, !opts.errors);
    if (opts.errors) {
      for (const e of opts.errors) if (e.window === windowId || (e.window == null && self.windowIndex === 0)) items.push({ t: e.t, kind: "error", text: e.text });
    }
    for (const c of opts.checkpoints || []) {
      if ((c.window == null && self.windowIndex === 0) || c.window === windowId) {
        items.push({ t: c.t, kind: "checkpoint", text: "checkpoint " + c.name + (c.status ? " (" + c.status + ")" : ""), failing: c.failing });
      }
    }
    items.sort((a, b) => a.t - b.t);
    if (items.length > 2000) items = items.slice(0, 2000);
    this.markers.textContent = "";
    this.timeline.textContent = "";
    const total = Math.max(this.total, 1);
    for (const it of items) {
      const go = () => self.seekTo(it.t);
      if (it.kind !== "click" && it.kind !== "resize") {
        const left = Math.min(100, Math.max(0, (it.t / total) * 100));
        this.markers.appendChild(el("button", {
          class: "marker " + it.kind + (it.failing ? " failing" : ""),
          title: fmtMs(it.t) + " " + it.text,
          on: { click: go },
          style: "left:" + left.toFixed(3) + "%",
        }));
      }
      this.timeline.appendChild(el("button", { class: "kind-" + it.kind, title: it.text, on: { click: go } }, [fmtMs(it.t) + "  " + it.text]));
    }
    this.items = items;
  };

  ReplayWidget.prototype.seekTo = function (t) {
    if (!this.replayer) return;
    this.stopAt = null;
    t = Math.min(Math.max(0, Number(t) || 0), this.total);
    if (this.playing) this.replayer.play(t);
    else this.replayer.pause(t);
    this.seek.value = String(t);
    this.showTime(t);
  };

  // Plays from `from` and stops at `to`: "what happened in the seconds before this".
  ReplayWidget.prototype.playBetween = function (from, to) {
    if (!this.replayer) return;
    from = Math.max(0, from);
    this.stopAt = Math.min(to, this.total);
    this.replayer.play(from);
    this.setPlaying(true);
    this.seek.value = String(from);
    this.showTime(from);
  };

  ReplayWidget.prototype.toggle = function () {
    if (!this.replayer) return;
    this.stopAt = null;
    if (this.playing) {
      this.replayer.pause();
      this.setPlaying(false);
    } else {
      let t = this.current();
      if (t >= this.total) t = 0;
      this.replayer.play(t);
      this.setPlaying(true);
    }
  };

  ReplayWidget.prototype.setSpeed = function (s) {
    this.speed = s;
    if (this.replayer) this.replayer.setConfig({ speed: s });
  };

  // Scales the replayed viewport down to the width available.
  ReplayWidget.prototype.fit = function () {
    const iframe = this.stage.querySelector("iframe");
    const wrapper = this.stage.querySelector(".replayer-wrapper");
    if (!iframe || !wrapper) return;
    const w = parseInt(iframe.getAttribute("width"), 10) || iframe.offsetWidth || 1;
    const h = parseInt(iframe.getAttribute("height"), 10) || iframe.offsetHeight || 1;
    const avail = this.stage.clientWidth || w;
    const scale = Math.min(1, avail / w);
    wrapper.style.transform = "scale(" + scale + ")";
    this.stage.style.height = Math.ceil(h * scale) + "px";
  };

  // ---- the report ----------------------------------------------------------------------------

  function compareWidget(cp) {
    const expected = safePath(cp.expected || null);
    const actual = safePath(cp.actual);
    const diff = safePath(cp.diff);
    const box = el("div", { class: "compare-box" });
    const modes = el("div", { class: "modes" });
    const view = el("div", { class: "view" });
    box.appendChild(modes);
    box.appendChild(view);
    const available = [];
    if (expected && actual && cp.status !== "size-changed") available.push("slider");
    if (expected && actual) available.push("side by side");
    if (diff) available.push("diff");
    if (actual) available.push("actual");
    if (expected) available.push("expected");
    if (!available.length) return el("p", { class: "muted", text: "No images for this checkpoint." });
    const buttons = {};
    function show(mode) {
      for (const m of available) buttons[m].classList.toggle("active", m === mode);
      view.textContent = "";
      box.dataset.mode = mode;
      if (mode === "slider") {
        const over = el("img", { loading: "lazy", class: "over", src: actual, alt: "actual" });
        const handle = el("div", { class: "handle" });
        const range = el("input", { type: "range", min: "0", max: "100", value: "50", class: "slider", title: "expected ← → actual" });
        const apply = () => {
          const v = Number(range.value);
          over.style.clipPath = "inset(0 0 0 " + v + "%)";
          handle.style.left = v + "%";
        };
        range.addEventListener("input", apply);
        view.appendChild(el("div", { class: "compare" }, [el("img", { loading: "lazy", class: "under", src: expected, alt: "expected" }), over, handle]));
        view.appendChild(range);
        view.appendChild(el("div", { class: "muted", text: "left: expected · right: actual" }));
        apply();
      } else if (mode === "side by side") {
        view.appendChild(el("div", { class: "side" }, [
          el("figure", null, [el("img", { loading: "lazy", src: expected, alt: "expected" }), el("figcaption", { text: "expected" })]),
          el("figure", null, [el("img", { loading: "lazy", src: actual, alt: "actual" }), el("figcaption", { text: "actual" })]),
        ]));
      } else {
        const src = mode === "diff" ? diff : mode === "actual" ? actual : expected;
        view.appendChild(el("div", { class: "compare" }, [el("img", { loading: "lazy", src, alt: mode })]));
      }
    }
    for (const m of available) {
      buttons[m] = el("button", { text: m, data: { mode: m }, on: { click: () => show(m) } });
      modes.appendChild(buttons[m]);
    }
    show(available[0]);
    return box;
  }

  function consoleList(items, newOnes) {
    const isNew = (e) => newOnes.some((n) => n.window === e.window && n.source === e.source && n.message === e.message);
    return el("ul", { class: "console" }, items.map((e) => {
      const fresh = isNew(e);
      return el("li", { class: fresh ? "new" : "approved", data: { t: e.t_ms } }, [
        el("span", { class: "tag kind", text: fresh ? "new" : "approved" }),
        el("span", { class: "tag", text: e.source }),
        el("span", { class: "muted", text: fmtMs(e.t_ms) + " " }),
        String(e.message),
      ]);
    }));
  }

  function renderReport(data) {
    const report = data.report;
    const replays = data.replays || {};
    const s = report.summary;
    app.textContent = "";
    app.appendChild(el("h1", { text: "reel report" }));
    app.appendChild(el("p", { class: "muted", text:
      (report.complete ? "" : "Interrupted: this run is incomplete. ") +
      "threshold " + report.settings.threshold + ", update " + report.settings.update +
      ", baselines " + report.settings.baselines + ", " + fmtDuration(s.duration_ms) }));

    const counts = el("div", { class: "counts" });
    const count = (key, n, label, cls) => counts.appendChild(el("div", { class: "count " + (cls || ""), data: { count: key } }, [el("b", { text: String(n) }), label]));
    count("recordings", s.recordings, "recordings");
    count("passed", s.passed, "passed", "pass");
    count("failed", s.failed, "failed", "fail");
    count("errors", s.errors, "errors", "error");
    count("checkpoints", s.checkpoints, "checkpoints");
    for (const k of Object.keys(s.by_status)) {
      if (s.by_status[k] > 0) count("status-" + k, s.by_status[k], k, FAILING[k] ? "fail" : k === "pass" || k === "new" || k === "updated" ? "pass" : "");
    }
    count("new-console-errors", s.new_console_errors, "new console errors", s.new_console_errors ? "fail" : "");
    app.appendChild(counts);

    // The filterable table.
    const search = el("input", { type: "search", placeholder: "filter by id or source", class: "filter-text" });
    const statusSel = el("select", { class: "filter-status" }, ["all", "fail", "error", "pass"].map((v) => el("option", { value: v, text: v })));
    app.appendChild(el("div", { class: "filters" }, [search, statusSel]));
    const tbody = el("tbody");
    app.appendChild(el("table", { class: "recordings" }, [
      el("thead", null, [el("tr", null, [
        el("th", { text: "status" }), el("th", { text: "recording" }), el("th", { class: "num", text: "checkpoints" }),
        el("th", { class: "num", text: "new console errors" }), el("th", { class: "num", text: "duration" }), el("th", { text: "source" }),
      ])]),
      tbody,
    ]));
    const sections = el("div", { class: "sections" });
    app.appendChild(sections);

    const rows = [];
    report.recordings.forEach((r, i) => {
      const failing = r.checkpoints.filter((c) => FAILING[c.status]);
      const newErrors = r.console.accepted ? 0 : r.console.new_errors.length;
      const section = renderRecording(r, i, replays[r.id]);
      const row = el("tr", { class: "rec-row", data: { status: r.status, index: i } }, [
        el("td", null, [el("span", { class: "status " + r.status, text: r.status })]),
        el("td", { text: r.id }),
        el("td", { class: "num", text: (failing.length ? failing.length + " failing / " : "") + r.checkpoints.length }),
        el("td", { class: "num", text: String(newErrors) }),
        el("td", { class: "num", text: fmtDuration(r.duration_ms) }),
        el("td", { class: "muted", text: r.source }),
      ]);
      row.addEventListener("click", () => {
        const d = section.querySelector("details");
        if (d) d.open = true;
        section.scrollIntoView({ block: "start" });
      });
      rows.push({ row, section, r });
      tbody.appendChild(row);
      sections.appendChild(section);
    });
    const filter = () => {
      const q = search.value.trim().toLowerCase();
      const st = statusSel.value;
      for (const { row, section, r } of rows) {
        const ok = (st === "all" || r.status === st) && (!q || r.id.toLowerCase().includes(q) || r.source.toLowerCase().includes(q));
        row.hidden = !ok;
        section.hidden = !ok;
      }
    };
    search.addEventListener("input", filter);
    statusSel.addEventListener("change", filter);
  }

  function renderRecording(r, index, replay) {
    const section = el("section", { class: "recording", id: "rec-" + index, data: { status: r.status, index } });
    const details = el("details", { open: r.status !== "pass" });
    section.appendChild(details);
    details.appendChild(el("summary", null, [
      el("span", { class: "status " + r.status, text: r.status }), " ",
      el("h2", { text: r.id }), " ",
      el("span", { class: "muted", text: r.source + (r.format ? " · " + r.format : "") + " · session " + fmtMs(r.session_duration_ms) }),
    ]));
    if (r.error) details.appendChild(el("p", { class: "error-box", text: r.error }));
    // The replay comes first: what the user did, then what differs.
    const replayHost = replay ? el("div", { class: "replay" }, [el("h3", { text: "replay" }), el("p", { class: "muted loading", text: "loading the replay…" })]) : null;
    if (replayHost) details.appendChild(replayHost);

    const failing = r.checkpoints.filter((c) => FAILING[c.status]);
    const passing = r.checkpoints.filter((c) => !FAILING[c.status]);
    let widget = null;
    const pending = [];
    const seekReplay = (t, w, before) => {
      if (widget) widget.goto(t, w, before);
      else pending.push([t, w, before]);
      if (api.widgets[index]) api.widgets[index].load();
    };

    let shown = 0;
    if (failing.length) {
      details.appendChild(el("h3", { text: failing.length + " failing checkpoint" + (failing.length > 1 ? "s" : "") }));
      for (const cp of failing) {
        const numbers = [];
        if (cp.diff_pixels != null) numbers.push(cp.diff_pixels + " pixels differ (" + (cp.diff_ratio * 100).toFixed(4) + "%)");
        if (cp.message) numbers.push(cp.message);
        const box = el("details", { class: "checkpoint", open: shown++ < 3, data: { name: cp.name, window: cp.window || "", status: cp.status } }, [
          el("summary", null, [
            el("span", { class: "status " + cp.status, text: cp.status }), " ",
            el("b", { text: (cp.window ? cp.window + "/" : "") + cp.name }), " ",
            el("span", { class: "muted", text: "at " + fmtMs(cp.t_ms) + " · " + cp.viewport[0] + "×" + cp.viewport[1] + (numbers.length ? " · " + numbers.join(" · ") : "") }), " ",
            replay ? el("button", { text: "show in replay", class: "goto", on: { click: () => seekReplay(cp.t_ms, cp.window) } }) : null,
            replay ? el("button", { text: "▶ the 5 s before", class: "before", title: "play the 5 seconds before this checkpoint", on: { click: () => seekReplay(cp.t_ms, cp.window, 5000) } }) : null,
          ]),
          compareWidget(cp),
        ]);
        details.appendChild(box);
      }
    }
    if (passing.length) {
      details.appendChild(el("details", { class: "passing" }, [
        el("summary", { text: passing.length + " passing checkpoint" + (passing.length > 1 ? "s" : "") }),
        el("ul", null, passing.map((c) => el("li", null, [
          el("span", { class: "status " + c.status, text: c.status }), " " + (c.window ? c.window + "/" : "") + c.name + " at " + fmtMs(c.t_ms),
        ]))),
      ]));
    }
    const errs = r.console.errors || [];
    if (errs.length) {
      const fresh = r.console.new_errors || [];
      details.appendChild(el("h3", { text: "console errors: " + fresh.length + " new" + (r.console.accepted ? " (accepted)" : "") + ", " + (errs.length - fresh.length) + " approved" }));
      details.appendChild(consoleList(errs, fresh));
      // Console errors read best next to the replay, above the screenshots.
      const heading = details.lastChild.previousSibling;
      const list = details.lastChild;
      const anchor = replayHost ? replayHost.nextSibling : details.querySelector("h3");
      if (anchor) {
        details.insertBefore(heading, anchor);
        details.insertBefore(list, anchor);
      }
    }

    if (replay) {
      const host = replayHost;
      const first = failing[0];
      const firstError = (r.console.new_errors || [])[0];
      const slot = { status: "idle", index, widget: null, error: null };
      api.widgets[index] = slot;
      slot.load = () => {
        if (slot.promise) return slot.promise;
        slot.status = "loading";
        slot.promise = inflate(replay).then((payload) => {
          host.querySelector(".loading").remove();
          const winIdx = (w) => {
            const i = payload.windows.findIndex((x) => x.id === w);
            return i < 0 ? 0 : i;
          };
          const startWin = first ? winIdx(first.window) : firstError ? winIdx(firstError.window) : 0;
          // Nothing failed at a moment (a replay error): open just after the first snapshot.
          const at = first ? first.t_ms : firstError ? firstError.t_ms : null;
          widget = new ReplayWidget(host, payload, {
            window: startWin,
            at: at === null ? 0 : at,
            fromFirstSnapshot: at === null,
            checkpoints: r.checkpoints.map((c) => ({ t: c.t_ms, window: c.window != null ? c.window : payload.windows[0].id, name: c.name, status: c.status, failing: !!FAILING[c.status] })),
            errors: errs.map((e) => ({ t: e.t_ms, window: e.window, text: (e.source === "replay" ? "replay error: " : "console error: ") + e.message })),
          });
          widget.goto = (t, w, before) => {
            const i = w != null ? winIdx(w) : widget.windowIndex;
            if (i !== widget.windowIndex) widget.mount(i, t, false);
            if (before) widget.playBetween(t - before, t);
            else widget.seekTo(t);
            host.scrollIntoView({ block: "nearest" });
          };
          slot.widget = widget;
          slot.status = "ready";
          for (const [t, w, before] of pending.splice(0)) widget.goto(t, w, before);
          return widget;
        }).catch((e) => {
          slot.status = "error";
          slot.error = String(e && e.message ? e.message : e);
          const p = host.querySelector(".loading");
          if (p) p.textContent = "The replay could not be loaded: " + slot.error;
        });
        return slot.promise;
      };
      // Replays are built when they come into view (each one is a whole document).
      if ("IntersectionObserver" in window) {
        const io = new IntersectionObserver((entries) => {
          if (entries.some((e) => e.isIntersecting)) {
            io.disconnect();
            slot.load();
          }
        }, { rootMargin: "200px" });
        io.observe(host);
      } else {
        slot.load();
      }
    }
    return section;
  }

  // ---- the standalone player -----------------------------------------------------------------

  function renderPlayer(data) {
    app.textContent = "";
    app.appendChild(el("h1", { text: "reel player" }));
    app.appendChild(el("p", { class: "muted" }, [el("b", { text: data.id }), " · " + data.source]));
    const host = el("div", { class: "replay" }, [el("p", { class: "muted loading", text: "loading…" })]);
    app.appendChild(host);
    const slot = { status: "loading", widget: null, error: null };
    api.player = slot;
    slot.promise = inflate(data.replay).then((payload) => {
      host.textContent = "";
      if (!payload.windows || !payload.windows.length) throw new Error("the recording has no windows");
      slot.widget = new ReplayWidget(host, payload, { window: 0, fromFirstSnapshot: true, checkpoints: [], errors: null });
      slot.status = "ready";
    }).catch((e) => {
      slot.status = "error";
      slot.error = String(e && e.message ? e.message : e);
      host.textContent = "The recording could not be loaded: " + slot.error;
    });
  }

  // ---- start ---------------------------------------------------------------------------------

  try {
    const data = JSON.parse(document.getElementById("reel-data").textContent);
    if (data.mode === "report") renderReport(data);
    else if (data.mode === "player") renderPlayer(data);
    else throw new Error("unknown page mode");
    api.ready = true;
  } catch (e) {
    api.error = String(e && e.message ? e.message : e);
    app.textContent = "This page could not be shown: " + api.error;
  }
})();
