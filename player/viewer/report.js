// The report: counts that are filters, the recordings table, and per recording its replay,
// console errors, failing checkpoints, new baselines and passing thumbnails. The URL's hash opens
// a recording or a checkpoint (see review.js).

const FAILING = { changed: 1, missing: 1, "size-changed": 1, flaky: 1, error: 1 };

// Where a checkpoint is shown: compared with its baseline, among the baselines this run wrote or
// would have written (to be looked at before they are committed), or among those that passed.
function placeOf(cp) {
  if (cp.status === "new" || cp.status === "missing" || cp.status === "updated") return "new";
  return FAILING[cp.status] ? "failing" : "passing";
}

function afterLoad(fn) {
  if (document.readyState === "complete") fn();
  else window.addEventListener("load", fn, { once: true });
}

function plural(n, word) {
  return n + " " + word + (n === 1 ? "" : "s");
}

function newConsoleErrors(r) {
  return r.console.accepted ? 0 : (r.console.new_errors || []).length;
}

// Makes a list row a button that shows its moment in the replay (click, Enter or Space).
function seeksOnActivation(li, go) {
  li.tabIndex = 0;
  li.title = "show this moment in the replay";
  li.setAttribute("role", "button");
  li.addEventListener("click", go);
  li.addEventListener("keydown", (ev) => {
    if (ev.key === "Enter" || ev.key === " ") {
      ev.preventDefault();
      go();
    }
  });
}

// The console errors, new ones apart from approved ones; with `seek`, a row seeks the replay to it.
function consoleList(items, newOnes, seek) {
  const isNew = (e) => newOnes.some((n) => n.window === e.window && n.source === e.source && n.message === e.message);
  return el("ul", { class: "console" }, items.map((e) => {
    const fresh = isNew(e);
    const li = el("li", { class: (fresh ? "new" : "approved") + (seek ? " seekable" : ""), data: { t: e.t_ms, window: e.window } }, [
      el("span", { class: "tag kind", text: fresh ? "new" : "approved" }),
      el("span", { class: "tag", text: e.source }),
      el("span", { class: "muted", text: fmtMs(e.t_ms) + " " }),
      String(e.message),
    ]);
    if (seek) seeksOnActivation(li, () => seek(e.t_ms, e.window));
    return li;
  }));
}

// What a drive's step did, in a line: its action, what it acted on and how that was found.
function stepText(step) {
  const loc = step.locator;
  let text = step.action;
  if (loc && loc.selector) text += " " + loc.selector + " (" + loc.strategy + (typeof loc.confidence === "number" ? " " + loc.confidence.toFixed(2) : "") + ")";
  if (step.status !== "ok") text += " — " + step.status;
  return text;
}

// A drive's steps, in the order performed, each with its status, locator and finding; a row
// seeks the replay to the step's moment.
function stepList(steps, seek) {
  return el("ol", { class: "steps" }, steps.map((step) => {
    const li = el("li", { class: "step " + step.status, data: { t: step.t_ms, window: step.window || "", status: step.status, action: step.action } }, [
      el("span", { class: "tag step-status " + step.status, text: step.status }),
      el("span", { class: "muted", text: fmtMs(step.t_ms) + " " }),
      el("b", { text: step.action }), " ",
      step.locator && step.locator.selector ? el("code", { text: step.locator.selector }) : null, " ",
      step.locator && step.locator.strategy ? el("span", { class: "muted", text: step.locator.strategy + (typeof step.locator.confidence === "number" ? " · confidence " + step.locator.confidence.toFixed(2) : "") }) : null,
      step.finding ? el("div", { class: "finding", text: step.finding }) : null,
    ]);
    if (seek) seeksOnActivation(li, () => seek(step.t_ms, step.window));
    return li;
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
  if (report.browser) {
    const name = (b) => b.product + (b.headless_shell ? " (headless shell)" : " (headless mode)");
    const then = report.baselines_browser;
    const changed = then && (then.product !== report.browser.product || then.headless_shell !== report.browser.headless_shell);
    app.appendChild(el("p", { class: changed ? "browser changed" : "browser muted", text:
      "Browser: " + name(report.browser) +
      (changed ? "; the baselines were made with " + name(then) + ": differences may come from the browser" : "") }));
  }

  // What is shown: recordings of a status, with checkpoints of a status, with new console errors,
  // whose id, source or person contains a text.
  const filter = { recording: null, checkpoint: null, consoleErrors: false, text: "" };
  const chips = [];
  const counts = el("div", { class: "counts" });
  const chip = (key, n, label, cls, set, active) => {
    const b = el("button", { class: "count " + (cls || ""), data: { count: key }, title: "show only these", on: { click: () => { set(); apply(); } } }, [el("b", { text: String(n) }), label]);
    chips.push({ b, active });
    counts.appendChild(b);
  };
  const clear = () => Object.assign(filter, { recording: null, checkpoint: null, consoleErrors: false });
  const toggle = (key, value) => () => { filter[key] = filter[key] === value ? null : value; };
  chip("recordings", s.recordings, "recordings", "", clear, () => !filter.recording && !filter.checkpoint && !filter.consoleErrors);
  chip("passed", s.passed, "passed", "pass", toggle("recording", "pass"), () => filter.recording === "pass");
  chip("failed", s.failed, "failed", "fail", toggle("recording", "fail"), () => filter.recording === "fail");
  chip("errors", s.errors, "errors", "error", toggle("recording", "error"), () => filter.recording === "error");
  chip("checkpoints", s.checkpoints, "checkpoints", "", () => { filter.checkpoint = null; }, () => !filter.checkpoint);
  for (const k of Object.keys(s.by_status)) {
    if (s.by_status[k] > 0) chip("status-" + k, s.by_status[k], k, FAILING[k] ? "fail" : k === "pass" || k === "new" || k === "updated" ? "pass" : "", toggle("checkpoint", k), () => filter.checkpoint === k);
  }
  chip("new-console-errors", s.new_console_errors, "new console errors", s.new_console_errors ? "fail" : "",
    () => { filter.consoleErrors = !filter.consoleErrors; }, () => filter.consoleErrors);
  app.appendChild(counts);

  const search = el("input", { type: "search", placeholder: "filter by id, source or person", class: "filter-text" });
  search.addEventListener("input", () => { filter.text = search.value.trim().toLowerCase(); apply(); });
  const shown = el("span", { class: "muted shown" });
  const approveAll = el("div", { class: "approve-all" });
  app.appendChild(el("div", { class: "filters" }, [search, shown]));
  app.appendChild(approveAll);

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

  const views = report.recordings.map((r, i) => {
    const failing = r.checkpoints.filter((c) => FAILING[c.status]);
    const view = renderRecording(r, i, replays[r.id]);
    view.row = el("tr", { class: "rec-row", data: { status: r.status, index: i } }, [
      el("td", null, [el("span", { class: "status " + r.status, text: r.status })]),
      el("td", { text: r.id }),
      el("td", { class: "num", text: (failing.length ? failing.length + " failing / " : "") + r.checkpoints.length }),
      el("td", { class: "num", text: String(newConsoleErrors(r)) }),
      el("td", { class: "num", text: fmtDuration(r.duration_ms) }),
      el("td", { class: "muted", text: r.source }),
    ]);
    view.row.addEventListener("click", () => go(routeHash([r.id])));
    tbody.appendChild(view.row);
    sections.appendChild(view.section);
    return view;
  });

  function recordingShown(r) {
    const q = filter.text;
    const person = r.posthog && r.posthog.person ? r.posthog.person : "";
    return (!filter.recording || r.status === filter.recording) &&
      (!filter.consoleErrors || newConsoleErrors(r) > 0) &&
      (!filter.checkpoint || r.checkpoints.some((c) => c.status === filter.checkpoint)) &&
      (!q || [r.id, r.source, person].some((x) => x.toLowerCase().includes(q)));
  }

  function apply() {
    for (const c of chips) {
      const on = c.active();
      c.b.classList.toggle("active", on);
      c.b.setAttribute("aria-pressed", on ? "true" : "false");
    }
    const targets = [];
    let recordings = 0;
    for (const v of views) {
      const ok = recordingShown(v.r);
      v.row.hidden = !ok;
      v.section.hidden = !ok;
      v.showOnly(filter.checkpoint);
      if (!ok) continue;
      recordings++;
      for (const e of v.entries) if (!e.node.hidden && canApprove(e.cp, false)) targets.push(checkpointPath(v.r, e.cp).join("/"));
    }
    shown.textContent = recordings === views.length ? "" : plural(recordings, "recording") + " of " + views.length + " shown";
    approveAll.textContent = "";
    approveAll.dataset.count = String(targets.length);
    if (targets.length) {
      const command = approveCommand(targets);
      approveAll.appendChild(el("details", null, [
        el("summary", null, [
          "Approve the " + plural(targets.length, "changed or missing screenshot") + " shown (flaky ones only one by one) ",
          copyButton("copy the command", () => command, "copy the reel approve command for all of them"),
        ]),
        commandLine(command, "all"),
      ]));
    }
  }

  // Opens what the URL's hash names: a recording, or one of its checkpoints in a view.
  function openRoute() {
    const route = parseRoute(location.hash);
    if (!route.path.length) return;
    const view = views.find((v) => v.r.id === route.path[0]);
    api.route = { recording: route.path[0], checkpoint: null, view: null, found: !!view };
    if (!view) return;
    if (view.section.hidden) {
      clear();
      filter.text = "";
      search.value = "";
      apply();
    }
    const name = route.path.slice(1).join("/");
    const cp = name ? view.r.checkpoints.find((c) => (c.window ? c.window + "/" : "") + c.name === name) : null;
    if (name && !cp) {
      api.route.found = false;
      view.open();
      return;
    }
    if (cp && filter.checkpoint && cp.status !== filter.checkpoint) {
      filter.checkpoint = null;
      apply();
    }
    api.route.checkpoint = cp ? cp.name : null;
    api.route.view = cp ? view.reveal(cp, route.params.view) : view.open();
  }

  // Following a link to where the page already is opens it again.
  function go(hash) {
    if (location.hash === hash) openRoute();
    else location.hash = hash;
  }
  app.addEventListener("click", (e) => {
    const a = e.target.closest ? e.target.closest("a.permalink") : null;
    if (a && a.getAttribute("href") === location.hash) {
      e.preventDefault();
      openRoute();
    }
  });

  apply();
  window.addEventListener("hashchange", openRoute);
  openRoute();
}

// One recording's section. Returns {r, section, entries: [{cp, node}], open(), reveal(cp, view),
// showOnly(status)}.
function renderRecording(r, index, replay) {
  const section = el("section", { class: "recording", id: "rec-" + index, data: { status: r.status, index } });
  const details = el("details", { open: r.status !== "pass" });
  section.appendChild(details);
  const ph = r.posthog || null;
  details.appendChild(el("summary", null, [
    el("span", { class: "status " + r.status, text: r.status }), " ",
    el("h2", { text: r.id }), " ",
    el("span", { class: "muted", text: r.source + (r.format ? " · " + r.format : "") + " · session " + fmtMs(r.session_duration_ms) }),
  ]));
  if (ph) {
    details.appendChild(el("p", { class: "posthog-info" }, [
      "PostHog session ", el("b", { text: ph.session }),
      ph.person ? " · person " : null, ph.person ? el("b", { class: "person", text: ph.person }) : null,
      ph.start_time ? " · started " : null, ph.start_time ? el("span", { class: "start-time", text: ph.start_time }) : null,
      " ", posthogLink(ph.url, "open in PostHog ↗"),
    ]));
  }
  if (r.error) details.appendChild(el("p", { class: "error-box", text: r.error }));
  const approvable = r.checkpoints.some((c) => canApprove(c, false)) || newConsoleErrors(r) > 0;
  if (approvable) {
    details.appendChild(el("div", { class: "approve-recording" }, [
      el("span", { class: "muted", text: "Approve everything this recording failed on (screenshots and new console errors):" }),
      commandLine(approveCommand([r.id])),
    ]));
  }
  // The replay comes first: what the user did, then what differs.
  const replayHost = replay ? el("div", { class: "replay" }, [el("h3", { text: "replay" }), el("p", { class: "muted loading", text: "loading the replay…" })]) : null;
  if (replayHost) details.appendChild(replayHost);

  let widget = null;
  const pending = [];
  // Shows moment `t` of window `w` in the replay (loading it first when needed); `before`: play
  // the milliseconds before it; `scroll`: bring the replay into view.
  const seekReplay = (t, w, before, scroll) => {
    if (widget) widget.goto(t, w, before, scroll);
    else pending.push([t, w, before, scroll]);
    if (api.widgets[index]) api.widgets[index].load();
  };

  // A drive: the user's actions as performed on the build, findings first to the eye.
  const steps = Array.isArray(r.steps) ? r.steps : [];
  if (steps.length) {
    const notOk = steps.filter((x) => x.status !== "ok");
    const byStatus = {};
    for (const x of notOk) byStatus[x.status] = (byStatus[x.status] || 0) + 1;
    const counts = Object.keys(byStatus).map((k) => byStatus[k] + " " + k);
    const stepsPart = el("details", { class: "drive-steps", open: notOk.length > 0 }, [
      el("summary", null, [el("h3", { text: plural(steps.length, "step") + " performed" + (counts.length ? ": " + counts.join(", ") : ", all ok") })]),
      stepList(steps, replay ? (t, w) => seekReplay(t, w, 0, true) : null),
    ]);
    details.appendChild(stepsPart);
  }

  const errs = r.console.errors || [];
  if (errs.length) {
    const fresh = r.console.new_errors || [];
    details.appendChild(el("h3", { text: "console errors: " + fresh.length + " new" + (r.console.accepted ? " (accepted)" : "") + ", " + (errs.length - fresh.length) + " approved" }));
    details.appendChild(consoleList(errs, fresh, replay ? (t, w) => seekReplay(t, w, 0, true) : null));
  }

  const entries = [];
  const link = (cp, params) => linkTo(routeHash(checkpointPath(r, cp), params || {}));
  const permalink = (cp) => el("a", { class: "permalink", href: routeHash(checkpointPath(r, cp)), text: (cp.window ? cp.window + "/" : "") + cp.name, title: "link to this checkpoint" });
  const when = (cp) => "at " + fmtMs(cp.t_ms) + " · " + cp.viewport[0] + "×" + cp.viewport[1];
  const replayButtons = (cp) => replay ? [
    el("button", { text: "show in replay", class: "goto", on: { click: (e) => { e.preventDefault(); seekReplay(cp.t_ms, cp.window, 0, true); } } }),
    el("button", { text: "▶ the 5 s before", class: "before", title: "play the 5 seconds before this checkpoint", on: { click: (e) => { e.preventDefault(); seekReplay(cp.t_ms, cp.window, 5000, true); } } }),
  ] : [];

  // Checkpoints compared with their baseline.
  const failing = r.checkpoints.filter((c) => placeOf(c) === "failing");
  const failingPart = el("div", { class: "place failing" });
  if (failing.length) {
    failingPart.appendChild(el("h3", { class: "place-title", text: plural(failing.length, "failing checkpoint") }));
    failing.forEach((cp, k) => {
      const numbers = [];
      if (cp.diff_pixels != null) numbers.push(cp.diff_pixels + " pixels differ (" + (cp.diff_ratio * 100).toFixed(4) + "%)");
      if (cp.message) numbers.push(cp.message);
      const compare = compareWidget(cp);
      const box = el("details", { class: "checkpoint", open: k < 3, data: { name: cp.name, window: cp.window || "", status: cp.status } }, [
        el("summary", null, [
          el("span", { class: "status " + cp.status, text: cp.status }), " ", permalink(cp), " ",
          el("span", { class: "muted", text: when(cp) + (numbers.length ? " · " + numbers.join(" · ") : "") }), " ",
          ...replayButtons(cp),
          copyButton("copy link", () => link(cp, { view: compare.dataset.mode }), "copy a link to this checkpoint in this view"),
          posthogLink(cp.posthog_url),
        ]),
        canApprove(cp, true) ? commandLine(approveCommand([checkpointPath(r, cp).join("/")]), "approve") : null,
        compare,
      ]);
      box.compare = compare;
      failingPart.appendChild(box);
      entries.push({ cp, node: box, place: "failing" });
    });
  }
  details.appendChild(failingPart);

  // Baselines this run wrote (new, updated) or would have (missing): to be looked at.
  const fresh = r.checkpoints.filter((c) => placeOf(c) === "new");
  const newPart = el("div", { class: "place new" });
  const newFull = el("div", { class: "full-host" });
  const openNew = (cp) => {
    newFull.textContent = "";
    newFull.dataset.name = cp.name;
    newFull.dataset.window = cp.window || "";
    const src = safePath(cp.actual);
    const recorded = safePath(cp.recorded || null);
    const heading = el("b", { text: (cp.window ? cp.window + "/" : "") + cp.name });
    if (src && recorded) {
      newFull.appendChild(drivenView(heading, recorded, src));
      return "driven";
    }
    newFull.appendChild(src ? fullView(heading, src) : el("p", { class: "muted", text: "No image for this checkpoint." }));
    return "actual";
  };
  if (fresh.length) {
    const missing = fresh.filter((c) => c.status === "missing").length;
    newPart.appendChild(el("h3", { class: "place-title", text: plural(fresh.length, "new baseline") + (missing ? " (" + missing + " not written: approve them)" : "") }));
    const list = el("div", { class: "new-list" });
    for (const cp of fresh) {
      const note = cp.status === "missing"
        ? commandLine(approveCommand([checkpointPath(r, cp).join("/")]), "approve")
        : el("p", { class: "muted", text: (cp.status === "updated" ? "baseline updated: " : "baseline written: ") + (cp.baseline || "") });
      const card = thumbCard(cp, safePath(cp.actual), [
        el("span", { class: "status " + cp.status, text: cp.status }), " ", permalink(cp), " ",
        el("span", { class: "muted", text: when(cp) }), " ",
        ...replayButtons(cp),
        copyButton("copy link", () => link(cp, { view: "actual" }), "copy a link to this checkpoint"),
        posthogLink(cp.posthog_url),
        note,
      ], () => openNew(cp));
      list.appendChild(card);
      entries.push({ cp, node: card, place: "new" });
    }
    newPart.appendChild(list);
    newPart.appendChild(newFull);
  }
  details.appendChild(newPart);

  // Passing checkpoints: thumbnails of what was captured; the full view shows the baseline.
  const passing = r.checkpoints.filter((c) => placeOf(c) === "passing");
  const passingPart = el("details", { class: "place passing" });
  const passFull = el("div", { class: "full-host" });
  const openPassing = (cp) => {
    passFull.textContent = "";
    passFull.dataset.name = cp.name;
    passFull.dataset.window = cp.window || "";
    const thumb = safePath(cp.thumbnail);
    const recorded = safePath(cp.recorded || null);
    const driven = safePath(cp.actual);
    if (recorded && driven) {
      passFull.appendChild(drivenView(el("b", { text: (cp.window ? cp.window + "/" : "") + cp.name }), recorded, driven));
      return "driven";
    }
    const src = safePath(cp.baseline) || thumb;
    passFull.appendChild(src ? fullView(el("b", { text: (cp.window ? cp.window + "/" : "") + cp.name + " (baseline)" }), src, thumb,
      "The baseline is not beside this report folder: this is the thumbnail of what was captured.") : el("p", { class: "muted", text: "No image for this checkpoint." }));
    return "baseline";
  };
  if (passing.length) {
    passingPart.appendChild(el("summary", { class: "place-title", text: plural(passing.length, "passing checkpoint") }));
    const grid = el("div", { class: "grid" });
    for (const cp of passing) {
      const card = thumbCard(cp, safePath(cp.thumbnail), [
        permalink(cp), el("br"), el("span", { class: "muted", text: fmtMs(cp.t_ms) }), " ",
        copyButton("copy link", () => link(cp), "copy a link to this checkpoint"), posthogLink(cp.posthog_url),
      ], () => openPassing(cp));
      grid.appendChild(card);
      entries.push({ cp, node: card, place: "passing" });
    }
    passingPart.appendChild(grid);
    passingPart.appendChild(passFull);
    details.appendChild(passingPart);
  }

  if (replay) loadReplayLazily(r, index, replay, replayHost, errs, r.checkpoints.filter((c) => FAILING[c.status]), (w) => { widget = w; for (const p of pending.splice(0)) w.goto(...p); });

  let target = null;
  const view = {
    r, section, entries,
    open() {
      details.open = true;
      section.scrollIntoView({ block: "start" });
      return null;
    },
    // Opens checkpoint `cp` (in view `key` when it has it), marks it, seeks the replay there.
    reveal(cp, key) {
      details.open = true;
      const entry = entries.find((e) => e.cp === cp);
      if (target) target.classList.remove("target");
      target = entry.node;
      target.classList.add("target");
      let shownView;
      if (entry.place === "failing") {
        entry.node.open = true;
        if (!(key && entry.node.compare.show(key))) shownView = entry.node.compare.dataset.mode || null;
        else shownView = key;
      } else if (entry.place === "new") {
        shownView = openNew(cp);
      } else {
        passingPart.open = true;
        shownView = openPassing(cp);
      }
      entry.node.scrollIntoView({ block: "start" });
      // The replay is a document of its own: built once this page has loaded.
      if (replay) afterLoad(() => seekReplay(cp.t_ms, cp.window, 0, false));
      return shownView;
    },
    // Shows only the checkpoints of `status` (all for null), and the parts that then have any.
    showOnly(status) {
      for (const e of entries) e.node.hidden = !!status && e.cp.status !== status;
      for (const [part, place] of [[failingPart, "failing"], [newPart, "new"], [passingPart, "passing"]]) {
        part.hidden = !entries.some((e) => e.place === place && !e.node.hidden);
      }
    },
  };
  return view;
}

// Builds a recording's replay when it scrolls into view (each one is a whole document), opened at
// the first of `failing` (else the first new console error); `ready(widget)` once built.
function loadReplayLazily(r, index, replay, host, errs, failing, ready) {
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
      const widget = new ReplayWidget(host, payload, {
        window: startWin,
        at: at === null ? 0 : at,
        fromFirstSnapshot: at === null,
        checkpoints: r.checkpoints.map((c) => ({ t: c.t_ms, window: c.window != null ? c.window : payload.windows[0].id, name: c.name, status: c.status, failing: !!FAILING[c.status] })),
        errors: errs.map((e) => ({ t: e.t_ms, window: e.window, text: (e.source === "replay" ? "replay error: " : e.source === "live" ? "live console error: " : "console error: ") + e.message })),
        extra: (Array.isArray(r.steps) ? r.steps : []).map((x) => ({ t: x.t_ms, window: x.window != null ? x.window : payload.windows[0].id, kind: "step", text: "step: " + stepText(x), cls: "step-" + x.status })),
      });
      widget.goto = (t, w, before, scroll) => {
        const i = w != null ? winIdx(w) : widget.windowIndex;
        if (i !== widget.windowIndex) widget.mount(i, t, false);
        if (before) widget.playBetween(t - before, t);
        else widget.seekTo(t);
        if (scroll !== false) host.scrollIntoView({ block: "nearest" });
      };
      slot.widget = widget;
      slot.status = "ready";
      ready(widget);
      return widget;
    }).catch((e) => {
      slot.status = "error";
      slot.error = String(e && e.message ? e.message : e);
      const p = host.querySelector(".loading");
      if (p) p.textContent = "The replay could not be loaded: " + slot.error;
    });
    return slot.promise;
  };
  if ("IntersectionObserver" in window) {
    const io = new IntersectionObserver((entries) => {
      if (entries.some((e) => e.isIntersecting)) {
        io.disconnect();
        afterLoad(slot.load);
      }
    }, { rootMargin: "200px" });
    io.observe(host);
  } else {
    slot.load();
  }
}
