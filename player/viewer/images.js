// Screenshots: a checkpoint's expected / actual / diff as a slider, side by side or one at a
// time; zoom (fit, 1:1, 2×) for any of them; thumbnails and a full view.

// The views of a checkpoint, by the key deep links use (`?view=side`), with their labels.
const VIEWS = { slider: "slider", side: "side by side", diff: "diff", actual: "actual", expected: "expected" };

// Zoom levels: `fit` scales down to the width available; the others show `z` image pixels per
// screen pixel (screenshots are taken at a device pixel ratio of 1).
const ZOOMS = { fit: null, "1:1": 1, "2×": 2 };

// A scrolling frame whose images follow a zoom bar. Returns {bar, frame, refresh}.
function zoomable(content) {
  const frame = el("div", { class: "zoom-frame", data: { zoom: "fit" } }, [content]);
  const bar = el("div", { class: "zoom" });
  const buttons = {};
  const apply = () => {
    const z = ZOOMS[frame.dataset.zoom];
    for (const img of frame.querySelectorAll("img.zoomable")) {
      if (!z) {
        img.style.width = "";
      } else if (img.naturalWidth) {
        img.style.width = (img.naturalWidth * z) / (window.devicePixelRatio || 1) + "px";
      }
    }
    for (const k of Object.keys(buttons)) buttons[k].classList.toggle("active", k === frame.dataset.zoom);
  };
  for (const k of Object.keys(ZOOMS)) {
    buttons[k] = el("button", { text: k, data: { zoom: k }, title: k === "fit" ? "fit to the page" : k + " image pixels per screen pixel", on: { click: () => { frame.dataset.zoom = k; apply(); } } });
    bar.appendChild(buttons[k]);
  }
  // Images that load later get the zoom too.
  frame.addEventListener("load", apply, true);
  apply();
  return { bar, frame, refresh: apply };
}

function image(src, alt, cls) {
  return el("img", { loading: "lazy", src, alt, class: "zoomable" + (cls ? " " + cls : ""), draggable: false });
}

// The expected/actual slider: the actual image clipped at the divider over the expected one. The
// divider, the handle and the range's thumb are at the same fraction of the image's width, and
// dragging on the image moves them.
function slider(expected, actual) {
  const under = image(expected, "expected", "under");
  const over = image(actual, "actual", "over");
  const handle = el("div", { class: "handle" });
  const box = el("div", { class: "compare slider-box" }, [under, over, handle]);
  const range = el("input", { type: "range", min: "0", max: "1000", value: "500", class: "slider", title: "expected ← → actual" });
  const wrap = el("div", { class: "slider-wrap" }, [box, range]);
  const set = (fraction) => {
    fraction = Math.min(1, Math.max(0, fraction));
    const pct = (fraction * 100).toFixed(4) + "%";
    over.style.clipPath = "inset(0 0 0 " + pct + ")";
    handle.style.left = pct;
    range.value = String(Math.round(fraction * 1000));
    wrap.dataset.fraction = String(fraction);
  };
  range.addEventListener("input", () => set(Number(range.value) / 1000));
  const fromPointer = (e) => {
    const r = under.getBoundingClientRect();
    if (r.width > 0) set((e.clientX - r.left) / r.width);
  };
  box.addEventListener("pointerdown", (e) => {
    box.setPointerCapture(e.pointerId);
    fromPointer(e);
  });
  box.addEventListener("pointermove", (e) => {
    if (box.hasPointerCapture(e.pointerId)) fromPointer(e);
  });
  set(0.5);
  wrap.setFraction = set;
  return wrap;
}

// The compare widget of a checkpoint that did not pass. `box.show(view)` switches views.
function compareWidget(cp) {
  const expected = safePath(cp.expected || null);
  const actual = safePath(cp.actual);
  const diff = safePath(cp.diff);
  const available = [];
  if (expected && actual && cp.status !== "size-changed") available.push("slider");
  if (expected && actual) available.push("side");
  if (diff) available.push("diff");
  if (actual) available.push("actual");
  if (expected) available.push("expected");
  if (!available.length) {
    const none = el("p", { class: "muted", text: "No images for this checkpoint." });
    none.show = () => false;
    return none;
  }
  const modes = el("div", { class: "modes" });
  const view = el("div", { class: "view" });
  const zoom = zoomable(view);
  const box = el("div", { class: "compare-box" }, [el("div", { class: "image-bar" }, [modes, zoom.bar]), zoom.frame]);
  const buttons = {};
  function show(mode) {
    if (available.indexOf(mode) < 0) return false;
    for (const m of available) buttons[m].classList.toggle("active", m === mode);
    view.textContent = "";
    box.dataset.mode = mode;
    if (mode === "slider") {
      view.appendChild(slider(expected, actual));
      view.appendChild(el("div", { class: "muted", text: "left: expected · right: actual · drag on the image" }));
    } else if (mode === "side") {
      view.appendChild(el("div", { class: "side" }, [
        el("figure", null, [image(expected, "expected"), el("figcaption", { text: "expected" })]),
        el("figure", null, [image(actual, "actual"), el("figcaption", { text: "actual" })]),
      ]));
    } else {
      const src = mode === "diff" ? diff : mode === "actual" ? actual : expected;
      view.appendChild(el("div", { class: "compare" }, [image(src, mode)]));
    }
    zoom.refresh();
    return true;
  }
  for (const m of available) {
    buttons[m] = el("button", { text: VIEWS[m], data: { mode: m }, on: { click: () => show(m) } });
    modes.appendChild(buttons[m]);
  }
  show(available[0]);
  box.show = show;
  return box;
}

// A small picture of a checkpoint that opens its full view.
function thumbCard(cp, src, caption, open) {
  const img = src ? el("img", { loading: "lazy", src, alt: cp.name, class: "thumb", draggable: false }) : el("div", { class: "thumb none", text: "no image" });
  const card = el("figure", { class: "card", data: { name: cp.name, window: cp.window || "", status: cp.status } }, [
    el("button", { class: "thumb-button", title: "full view", on: { click: open } }, [img]),
    el("figcaption", null, caption),
  ]);
  return card;
}

// One screenshot at full size with zoom, under a heading; `fallback` is shown instead when `src`
// does not load (a baseline outside a downloaded report folder).
function fullView(heading, src, fallback, note) {
  const img = image(src, "full view");
  const zoom = zoomable(el("div", { class: "compare" }, [img]));
  const notice = el("p", { class: "muted", hidden: true });
  img.addEventListener("error", () => {
    if (fallback && img.getAttribute("src") !== fallback) {
      notice.textContent = note || "";
      notice.hidden = !note;
      img.src = fallback;
    }
  });
  return el("div", { class: "full-view" }, [el("div", { class: "image-bar" }, [heading, zoom.bar]), notice, zoom.frame]);
}
