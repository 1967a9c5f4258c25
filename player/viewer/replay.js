// The replay widget: rrweb's Replayer with play/pause, speed, a seek bar with markers, and a
// timeline of what happened that follows playback and seeks when clicked.

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

// The index of the last item at or before `t` in `items` (sorted by t), or -1.
function lastAtOrBefore(items, t) {
  let lo = 0;
  let hi = items.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (items[mid].t <= t) lo = mid + 1;
    else hi = mid;
  }
  return lo - 1;
}

// opts: {checkpoints: [{t, window, name, status, failing}], errors: [{t, window, text}] or null
// (then the recorded console errors come from the events), extra: [{t, window, kind, text, cls}]
// (more timeline items, e.g. a driven session's steps), window: index, at: ms}
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
  this.items = [];
  this.itemButtons = [];
  this.currentItem = -1;

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

// Shows time `t` on the controls and marks the timeline item it is at.
ReplayWidget.prototype.showTime = function (t) {
  this.time.textContent = fmtMs(t) + " / " + fmtMs(this.total);
  this.follow(t);
};

// Marks the last timeline item at or before `t` and scrolls the timeline (not the page) to it.
ReplayWidget.prototype.follow = function (t) {
  const i = lastAtOrBefore(this.items, t);
  if (i === this.currentItem) return;
  const before = this.itemButtons[this.currentItem];
  if (before) before.classList.remove("current");
  this.currentItem = i;
  const button = this.itemButtons[i];
  if (!button) return;
  button.classList.add("current");
  const box = this.timeline;
  if (button.offsetTop < box.scrollTop || button.offsetTop + button.offsetHeight > box.scrollTop + box.clientHeight) {
    box.scrollTop = Math.max(0, button.offsetTop - box.clientHeight / 2);
  }
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
  const here = (w) => w === windowId || (w == null && self.windowIndex === 0);
  let items = timelineOf(events, !opts.errors);
  for (const e of opts.errors || []) if (here(e.window)) items.push({ t: e.t, kind: "error", text: e.text });
  for (const c of opts.checkpoints || []) {
    if (here(c.window)) items.push({ t: c.t, kind: "checkpoint", text: "checkpoint " + c.name + (c.status ? " (" + c.status + ")" : ""), failing: c.failing });
  }
  for (const x of opts.extra || []) if (here(x.window)) items.push({ t: x.t, kind: x.kind, text: x.text, cls: x.cls });
  items.sort((a, b) => a.t - b.t);
  if (items.length > 2000) items = items.slice(0, 2000);
  this.markers.textContent = "";
  this.timeline.textContent = "";
  this.itemButtons = [];
  this.currentItem = -1;
  const total = Math.max(this.total, 1);
  for (const it of items) {
    const go = () => self.seekTo(it.t);
    // Clicks, resizes and a drive's steps that went well are many: they get no marker.
    if (it.kind !== "click" && it.kind !== "resize" && it.cls !== "step-ok") {
      const left = Math.min(100, Math.max(0, (it.t / total) * 100));
      this.markers.appendChild(el("button", {
        class: "marker " + it.kind + (it.failing ? " failing" : "") + (it.cls ? " " + it.cls : ""),
        title: fmtMs(it.t) + " " + it.text,
        on: { click: go },
        style: "left:" + left.toFixed(3) + "%",
      }));
    }
    const button = el("button", { class: "kind-" + it.kind + (it.cls ? " " + it.cls : ""), title: it.text, data: { t: it.t }, on: { click: go } }, [fmtMs(it.t) + "  " + it.text]);
    this.itemButtons.push(button);
    this.timeline.appendChild(button);
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
