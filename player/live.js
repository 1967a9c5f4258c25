// reel drive: the init script of every live page, run in the main world before the page's own
// scripts (Page.addScriptToEvaluateOnNewDocument). It makes time and randomness the same in every
// drive:
// - a virtual clock: Date, performance.now, Event#timeStamp, setTimeout/setInterval,
//   requestAnimationFrame and requestIdleCallback only move when reel advances the clock
//   (`__reelClock.advanceTo(epochMs)`), by the recorded gaps between steps; timers due on the way
//   run in order, each as its own task, and the fetch/XHR calls they start are waited for before
//   the next one runs;
// - seeded Math.random, crypto.getRandomValues and crypto.randomUUID;
// - a count of the IntersectionObserver / ResizeObserver instances made (see the end).
// Same-origin iframes share their parent's clock. reel prepends the configuration:
// `globalThis.__reelLiveConfig = {now: <epoch ms>, seed: <u32>};`.
(function () {
  'use strict';
  const config = globalThis.__reelLiveConfig || { now: 0, seed: 1 };
  try {
    delete globalThis.__reelLiveConfig;
  } catch (e) {
    /* not deletable: harmless */
  }
  if (Object.prototype.hasOwnProperty.call(globalThis, '__reelClock')) return;

  const native = {
    setTimeout: globalThis.setTimeout.bind(globalThis),
    clearTimeout: globalThis.clearTimeout.bind(globalThis),
    MessageChannel: globalThis.MessageChannel,
    perfNow: performance.now.bind(performance),
  };
  const FRAME_MS = 16;
  // Most timer callbacks one advance runs (a guard against timers that re-arm at zero delay).
  const MAX_CALLBACKS = 200000;

  function makeClock(start) {
    let now = start;
    let seq = 0;
    let nextId = 1;
    let nesting = 0;
    let pending = 0;
    const timers = new Map();

    const channel = new native.MessageChannel();
    const waiting = [];
    channel.port1.onmessage = () => {
      const r = waiting.shift();
      if (r) r();
    };
    // A real task boundary: every microtask queued so far (promise chains included) runs first.
    function macrotask() {
      return new Promise((resolve) => {
        waiting.push(resolve);
        channel.port2.postMessage(0);
      });
    }

    function add(fn, delay, args, interval, kind, origin) {
      let d = Number(delay) || 0;
      if (!(d > 0)) d = 0;
      if (nesting >= 5 && d < 4) d = 4;
      const id = nextId++;
      const due = kind === 'frame' ? (Math.floor(now / FRAME_MS) + 1) * FRAME_MS : now + d;
      timers.set(id, {
        id,
        fn,
        args,
        due,
        seq: seq++,
        interval: interval ? Math.max(d, 1) : 0,
        nesting: nesting + 1,
        kind,
        origin,
      });
      return id;
    }

    function next(limit) {
      let best = null;
      for (const t of timers.values()) {
        if (t.due > limit) continue;
        if (!best || t.due < best.due || (t.due === best.due && t.seq < best.seq)) best = t;
      }
      return best;
    }

    function run(t) {
      now = Math.max(now, t.due);
      const due = t.due;
      if (t.interval) {
        t.due += t.interval;
        t.seq = seq++;
      } else {
        timers.delete(t.id);
      }
      const outer = nesting;
      nesting = t.nesting;
      try {
        if (typeof t.fn === 'function') {
          if (t.kind === 'frame') t.fn(due - t.origin);
          else if (t.kind === 'idle') t.fn({ didTimeout: false, timeRemaining: () => 50 });
          else t.fn(...t.args);
        } else {
          (0, eval)(String(t.fn));
        }
      } catch (e) {
        // An exception in a timer is the page's own uncaught error, reported as such.
        if (typeof reportError === 'function') reportError(e);
        else native.setTimeout(() => {
          throw e;
        }, 0);
      } finally {
        nesting = outer;
      }
    }

    // Waits (in real time, until `deadline`) for the page's fetch/XHR calls to finish, then lets
    // their handlers run.
    async function settleIO(deadline) {
      while (pending > 0 && native.perfNow() < deadline) {
        await new Promise((r) => native.setTimeout(r, 1));
      }
      await macrotask();
    }

    return {
      now: () => now,
      add,
      remove: (id) => timers.delete(id),
      busy: (delta) => {
        pending = Math.max(0, pending + delta);
      },
      pending: () => pending,
      // Moves the clock to `target` (epoch ms), running every timer due on the way in order.
      async advanceTo(target, budgetMs) {
        const deadline = native.perfNow() + (budgetMs || 5000);
        let ran = 0;
        await settleIO(deadline);
        for (;;) {
          const t = next(target);
          if (!t || ran >= MAX_CALLBACKS) break;
          run(t);
          ran++;
          await macrotask();
          if (pending > 0) await settleIO(deadline);
        }
        if (now < target) now = target;
        await settleIO(deadline);
        return { now, ran, pending, timers: timers.size };
      },
    };
  }

  function parentClock() {
    try {
      if (window.parent !== window && window.parent.__reelClock) return window.parent.__reelClock;
    } catch (e) {
      /* cross-origin parent */
    }
    return null;
  }

  const clock = parentClock() || makeClock(config.now);
  const docStart = clock.now();
  Object.defineProperty(globalThis, '__reelClock', { value: clock, enumerable: false });

  // Timers.
  globalThis.setTimeout = function setTimeout(fn, delay, ...args) {
    return clock.add(fn, delay, args, false, 'timeout', docStart);
  };
  globalThis.setInterval = function setInterval(fn, delay, ...args) {
    return clock.add(fn, delay, args, true, 'timeout', docStart);
  };
  globalThis.clearTimeout = function clearTimeout(id) {
    clock.remove(id);
  };
  globalThis.clearInterval = globalThis.clearTimeout;
  globalThis.requestAnimationFrame = function requestAnimationFrame(fn) {
    return clock.add(fn, 0, [], false, 'frame', docStart);
  };
  globalThis.cancelAnimationFrame = globalThis.clearTimeout;
  globalThis.requestIdleCallback = function requestIdleCallback(fn) {
    return clock.add(fn, 1, [], false, 'idle', docStart);
  };
  globalThis.cancelIdleCallback = globalThis.clearTimeout;

  // Time.
  const NativeDate = globalThis.Date;
  function VirtualDate(...args) {
    if (!new.target) return new NativeDate(Math.floor(clock.now())).toString();
    if (args.length === 0) return Reflect.construct(NativeDate, [Math.floor(clock.now())], new.target);
    return Reflect.construct(NativeDate, args, new.target);
  }
  Object.defineProperty(VirtualDate, 'name', { value: 'Date' });
  VirtualDate.prototype = NativeDate.prototype;
  VirtualDate.now = () => Math.floor(clock.now());
  VirtualDate.parse = NativeDate.parse;
  VirtualDate.UTC = NativeDate.UTC;
  VirtualDate.toString = () => NativeDate.toString();
  globalThis.Date = VirtualDate;
  const perfNow = () => clock.now() - docStart;
  Performance.prototype.now = function now() {
    return perfNow();
  };
  Object.defineProperty(Event.prototype, 'timeStamp', {
    get: perfNow,
    configurable: true,
  });

  // Randomness: mulberry32, one stream for Math.random and one for crypto.
  function prng(seed) {
    let a = seed >>> 0;
    return () => {
      a = (a + 0x6d2b79f5) >>> 0;
      let t = a;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
  }
  Math.random = prng(config.seed);
  const cryptoRandom = prng(config.seed ^ 0x9e3779b9);
  const fill = (bytes) => {
    for (let i = 0; i < bytes.length; i++) bytes[i] = Math.floor(cryptoRandom() * 256);
  };
  if (globalThis.Crypto) {
    Crypto.prototype.getRandomValues = function getRandomValues(array) {
      fill(new Uint8Array(array.buffer, array.byteOffset, array.byteLength));
      return array;
    };
    Crypto.prototype.randomUUID = function randomUUID() {
      const b = new Uint8Array(16);
      fill(b);
      b[6] = (b[6] & 0x0f) | 0x40;
      b[8] = (b[8] & 0x3f) | 0x80;
      const h = Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
      return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
    };
  }

  // fetch and XHR in flight (bodies being read included): the clock waits for them.
  const nativeFetch = globalThis.fetch;
  if (nativeFetch) {
    globalThis.fetch = function fetch(...args) {
      clock.busy(1);
      const p = nativeFetch.apply(this, args);
      p.then(
        () => clock.busy(-1),
        () => clock.busy(-1),
      );
      return p;
    };
    for (const name of ['json', 'text', 'arrayBuffer', 'blob', 'formData']) {
      const method = Response.prototype[name];
      if (!method) continue;
      Response.prototype[name] = function (...args) {
        clock.busy(1);
        const p = method.apply(this, args);
        p.then(
          () => clock.busy(-1),
          () => clock.busy(-1),
        );
        return p;
      };
    }
  }
  const send = XMLHttpRequest.prototype.send;
  XMLHttpRequest.prototype.send = function (...args) {
    clock.busy(1);
    this.addEventListener('loadend', () => clock.busy(-1), { once: true });
    return send.apply(this, args);
  };

  // Observers whose callbacks the rendering of a frame delivers: while the page has any, reel
  // lets frames run before each screenshot (reel's isolated world asks with a cancelable event).
  let observers = 0;
  for (const name of ['IntersectionObserver', 'ResizeObserver']) {
    const Native = globalThis[name];
    if (typeof Native !== 'function') continue;
    globalThis[name] = new Proxy(Native, {
      construct(target, args, newTarget) {
        observers++;
        return Reflect.construct(target, args, newTarget);
      },
    });
  }
  globalThis.addEventListener('__reel-observers', (e) => {
    if (observers > 0) e.preventDefault();
  });
})();
