// reel drive: helpers evaluated in an isolated world of the live page (the page's scripts never
// see them, and they see the browser's own timers and frames, not the virtual clock). Finding a
// step's target goes through `__reelLocate` (player/locate.js, loaded into the same world).
// Defines `globalThis.__reelDrive`.
(function () {
  'use strict';
  if (globalThis.__reelDrive) return;

  let current = null; // { el, doc, frameOffset: [x, y] } of the last step's target

  function describe(el) {
    if (!el || !el.tagName) return String(el);
    let s = el.tagName.toLowerCase();
    if (el.id) s += '#' + el.id;
    const cls = (el.getAttribute('class') || '').trim().split(/\s+/).filter(Boolean);
    if (cls.length) s += '.' + cls.slice(0, 3).join('.');
    return s;
  }

  // The first locator that matches exactly one element in `doc`; the match count of each tried.
  function pick(locators, doc) {
    const counts = [];
    for (let i = 0; i < locators.length; i++) {
      let found = [];
      try {
        found = Array.from(globalThis.__reelLocate.resolve(locators[i], doc) || []);
      } catch (e) {
        found = [];
      }
      counts.push(found.length);
      if (found.length === 1) return { el: found[0], index: i, counts };
    }
    return { el: null, index: -1, counts };
  }

  function frameOffset(frames) {
    let x = 0;
    let y = 0;
    for (const f of frames) {
      const r = f.getBoundingClientRect();
      x += r.left + f.clientLeft;
      y += r.top + f.clientTop;
    }
    return [x, y];
  }

  // Resolves a step's frames and target; remembers the target for the calls that follow. With
  // `then` ('point' or 'focusForTyping'), that call's answer comes along (`then`) when the
  // target is found: one round trip instead of two.
  function find(step, then) {
    const r = findTarget(step);
    if (r.found && (then === 'point' || then === 'focusForTyping')) r.then = globalThis.__reelDrive[then]();
    return r;
  }

  function findTarget(step) {
    current = null;
    let doc = document;
    const frames = [];
    for (const locators of step.frames || []) {
      const r = pick(locators, doc);
      if (!r.el) return { found: false, in_frame: frames.length + 1, counts: r.counts };
      let inner = null;
      try {
        inner = r.el.contentDocument;
      } catch (e) {
        inner = null;
      }
      if (!inner) return { found: false, in_frame: frames.length + 1, counts: r.counts, cross_origin: true };
      frames.push(r.el);
      doc = inner;
    }
    const r = pick(step.locators || [], doc);
    if (!r.el) return { found: false, in_frame: 0, counts: r.counts };
    current = { el: r.el, doc, frames };
    return { found: true, index: r.index, counts: r.counts, element: describe(r.el) };
  }

  function whollyInView(el) {
    const view = el.ownerDocument.defaultView;
    const r = el.getBoundingClientRect();
    return r.width > 0 && r.height > 0 && r.left >= 0 && r.top >= 0 && r.right <= view.innerWidth && r.bottom <= view.innerHeight;
  }

  // Where a pointer should act on the target, in top-level viewport pixels, and whether the
  // target (or something inside it) is what is there.
  function aim(el, doc, frames) {
    const rects = Array.from(el.getClientRects()).filter((r) => r.width > 0 && r.height > 0);
    if (!rects.length) return { ok: false, reason: `${describe(el)} is not visible (no box)` };
    const view = doc.defaultView;
    const r = rects[0];
    const left = Math.max(r.left, 0);
    const top = Math.max(r.top, 0);
    const right = Math.min(r.right, view.innerWidth);
    const bottom = Math.min(r.bottom, view.innerHeight);
    if (right <= left || bottom <= top) {
      return { ok: false, reason: `${describe(el)} is outside the viewport` };
    }
    const lx = (left + right) / 2;
    const ly = (top + bottom) / 2;
    const hit = doc.elementFromPoint(lx, ly);
    const [ox, oy] = frameOffset(frames);
    const reaches =
      hit && (hit === el || el.contains(hit) || (hit.control && hit.control === el) || (el.control && el.control === hit));
    return {
      ok: !!reaches,
      x: lx + ox,
      y: ly + oy,
      reason: reaches ? '' : `${describe(el)} is covered by ${describe(hit)}`,
    };
  }

  // `aim` at the target. It is scrolled to the middle of the view only when it (or a frame
  // holding it) is not wholly in view, or is covered where it is (under a fixed header, say): a
  // person scrolls only to what they cannot see or reach, so the page keeps the user's scroll.
  function point() {
    if (!current) return { ok: false, reason: 'no target' };
    const { el, doc, frames } = current;
    if (whollyInView(el) && frames.every(whollyInView)) {
      const there = aim(el, doc, frames);
      if (there.ok) return there;
    }
    el.scrollIntoView({ block: 'center', inline: 'center', behavior: 'instant' });
    return aim(el, doc, frames);
  }

  function isTextField(el) {
    if (el.tagName === 'TEXTAREA') return true;
    if (el.tagName !== 'INPUT') return false;
    return !['checkbox', 'radio', 'button', 'submit', 'reset', 'file', 'image', 'range', 'color'].includes(
      (el.type || '').toLowerCase(),
    );
  }

  // Focuses the target for typing, its current text selected (typing replaces it).
  function focusForTyping() {
    if (!current) return { ok: false, reason: 'no target' };
    const { el, doc } = current;
    el.focus();
    if (isTextField(el) && typeof el.select === 'function') el.select();
    const focused = doc.activeElement === el;
    return { ok: focused, reason: focused ? '' : `${describe(el)} does not take the focus` };
  }

  function state() {
    if (!current) return {};
    const { el } = current;
    return { value: 'value' in el ? String(el.value) : null, checked: 'checked' in el ? !!el.checked : null };
  }

  function selectValue(value) {
    if (!current) return { ok: false, reason: 'no target' };
    const { el } = current;
    if (el.tagName !== 'SELECT') return { ok: false, reason: `${describe(el)} is not a <select>` };
    if (!Array.from(el.options).some((o) => o.value === value)) {
      return { ok: false, reason: `${describe(el)} has no option with value ${JSON.stringify(value)}` };
    }
    el.value = value;
    el.dispatchEvent(new Event('input', { bubbles: true }));
    el.dispatchEvent(new Event('change', { bubbles: true }));
    return { ok: el.value === value, reason: '' };
  }

  function scrollTo(x, y, onTarget) {
    if (onTarget) {
      if (!current) return { ok: false, reason: 'no target' };
      current.el.scrollTo(x, y);
      return { ok: true };
    }
    window.scrollTo(x, y);
    return { ok: true };
  }

  // Settles the page for a screenshot: fonts and images loaded (within `budgetMs`), animations
  // and transitions frozen (finite ones at their end, infinite ones at their start), carets
  // hidden, two frames painted when anything needs them. Returns the boxes of the mask selectors
  // and whether the page is `still`: nothing in it moves or changes by itself (no animation,
  // observer, media, frame or load in progress), so until a script runs or a request comes and
  // goes it paints these same pixels.
  const paused = [];
  let caretStyle = null;
  // Lazily loaded content and iframes (their own frames and observers) need frames to run.
  const FRAME_BOUND = 'img[loading=lazy], iframe';
  // What can change the page's pixels without a script of the page running.
  const RESTLESS = 'iframe, frame, video, audio, embed, object, marquee, img[loading=lazy]';
  // Longest wait for two frames (normally a few ms each: frames are not rate-limited).
  const FRAME_WAIT_MS = 1000;

  async function prepareShot(budgetMs, maskSelectors) {
    const deadline = performance.now() + budgetMs;
    const within = (p) =>
      Promise.race([p, new Promise((r) => setTimeout(r, Math.max(0, deadline - performance.now())))]);
    let settled = true;
    let waited = false;
    try {
      if (document.fonts.status !== 'loaded') {
        waited = true;
        await within(document.fonts.ready);
      }
      const images = Array.from(document.images).filter((i) => !i.complete);
      if (images.length > 0) {
        waited = true;
        await within(Promise.all(images.map((i) => i.decode().catch(() => {}))));
      }
      settled = Array.from(document.images).every((i) => i.complete) && document.fonts.status === 'loaded';
    } catch (e) {
      settled = false;
    }
    if (!caretStyle) {
      caretStyle = document.createElement('style');
      caretStyle.textContent = '*, *::before, *::after { caret-color: transparent !important; }';
      (document.head || document.documentElement).appendChild(caretStyle);
    }
    // A frame runs observers' callbacks, lazy loads and what just arrived; without any of them
    // the screenshot's own frame paints the same pixels, so none is waited for.
    const observed = !window.dispatchEvent(new CustomEvent('__reel-observers', { cancelable: true }));
    let frames = waited || observed || document.querySelector(FRAME_BOUND) !== null;
    let animated = false;
    // Transitions can start late (hover follows layout a frame later): freeze, wait two frames,
    // and again while anything still runs. getAnimations() brings style up to date first.
    for (let round = 0; round < 4; round++) {
      let running = false;
      for (const a of document.getAnimations()) {
        if (a.playState !== 'running') continue;
        running = true;
        animated = true;
        const timing = a.effect && a.effect.getComputedTiming ? a.effect.getComputedTiming() : {};
        if (timing.iterations === Infinity) {
          a.pause();
          a.currentTime = 0;
          paused.push(a);
        } else {
          try {
            a.finish();
          } catch (e) {
            a.pause();
          }
        }
      }
      if (!running && !frames) break;
      frames = false;
      // Bounded: a tab that paints no frame (a stalled compositor) must not hold the drive until
      // the browser call's timeout; the screenshot is then marked as not settled.
      const painted = await Promise.race([
        new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(() => r(true)))),
        new Promise((r) => setTimeout(() => r(false), FRAME_WAIT_MS)),
      ]);
      if (!painted) {
        settled = false;
        break;
      }
      if (!document.getAnimations().some((a) => a.playState === 'running')) break;
    }
    const masks = [];
    for (const sel of maskSelectors || []) {
      let els = [];
      try {
        els = Array.from(document.querySelectorAll(sel));
      } catch (e) {
        els = [];
      }
      for (const el of els) {
        const r = el.getBoundingClientRect();
        const x = Math.max(0, Math.floor(r.left));
        const y = Math.max(0, Math.floor(r.top));
        const w = Math.ceil(r.right) - x;
        const h = Math.ceil(r.bottom) - y;
        if (w > 0 && h > 0) masks.push([x, y, w, h]);
      }
    }
    const still =
      settled &&
      !waited &&
      !observed &&
      !animated &&
      document.readyState === 'complete' &&
      document.getAnimations().length === 0 &&
      document.querySelector(RESTLESS) === null;
    return { settled, masks, href: location.href, still };
  }

  function afterShot() {
    if (caretStyle) caretStyle.remove();
    caretStyle = null;
    while (paused.length) paused.pop().play();
  }

  globalThis.__reelDrive = { find, point, focusForTyping, state, selectValue, scrollTo, prepareShot, afterShot };
})();
