// reel's locators: how to find a step's target again on another page. One file, one meaning,
// two uses: in the player page it ranks locators for a replayed element (run from the parent page
// against the replay iframe's document), and injected unchanged into a live page (possibly in an
// isolated world) it resolves them. It defines one global, `__reelLocate`, and uses no page
// global: only the DOM it is handed.
//
// Strategies, strongest first, and what `selector` holds for each:
//   test-id      CSS attribute selector: [data-testid="…"] (also data-test-id, data-test, data-cy, data-qa)
//   id           CSS id selector: #…, only for ids that do not look generated
//   role         ARIA role and accessible name: button "Clear completed"
//   label        the text of the control's <label>
//   placeholder  the placeholder attribute
//   text         the element's whole text (the interactive element around the deepest element
//                whose text it is)
//   href         path + query + hash of a link (origin-independent)
//   path         CSS path of tag:nth-of-type steps, anchored at the nearest stable, unique id
//   point        x,y in the document's viewport: the interactive element under that point
// Texts are compared after collapsing whitespace runs to one space and trimming. When some
// matches are rendered and some are not (display: none, visibility: hidden), only the rendered
// ones count; a locator resolves when exactly one element is left.
(function (global) {
  "use strict";

  const STRATEGIES = ["test-id", "id", "role", "label", "placeholder", "text", "href", "path", "point"];
  const TEST_ID_ATTRS = ["data-testid", "data-test-id", "data-test", "data-cy", "data-qa"];
  const MAX_TEXT = 80;
  const MAX_NAME = 120;
  const SHOW_TEXT = 4; // NodeFilter.SHOW_TEXT
  const SKIP_TEXT_OF = new Set(["script", "style", "template", "noscript", "select", "textarea"]);
  // Elements whose text reads as separate from their neighbours' (a space around it).
  const BLOCKS = new Set([
    "address", "article", "aside", "blockquote", "br", "dd", "details", "div", "dl", "dt",
    "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6",
    "header", "hr", "li", "main", "nav", "ol", "p", "pre", "section", "summary", "table", "td",
    "th", "tr", "ul",
  ]);
  const LABELABLE = "input,select,textarea,button,meter,output,progress";
  const INTERACTIVE_ROLES = new Set([
    "button", "link", "checkbox", "radio", "switch", "tab", "menuitem", "menuitemcheckbox",
    "menuitemradio", "option", "treeitem", "textbox", "searchbox", "combobox", "slider",
    "spinbutton", "gridcell",
  ]);
  const NAME_FROM_CONTENT = new Set([
    "button", "link", "checkbox", "radio", "switch", "tab", "menuitem", "menuitemcheckbox",
    "menuitemradio", "option", "treeitem", "heading", "cell", "gridcell", "columnheader",
    "rowheader", "tooltip", "row",
  ]);

  function normalize(s) {
    return (s || "").replace(/\s+/g, " ").trim();
  }

  function isElement(n) {
    return !!n && n.nodeType === 1;
  }

  function tagOf(el) {
    return (el.localName || "").toLowerCase();
  }

  function attr(el, name) {
    const v = el.getAttribute(name);
    return v === null ? null : v;
  }

  function inputType(el) {
    return (attr(el, "type") || "text").toLowerCase();
  }

  // Ids that change from render to render or build to build: base64-looking (`mlDvVOU=`),
  // React's `:r1:` / `«r1»`, runs of 3+ digits (`name_123`), uuids and long hex, random
  // mixed-case tokens, and the numbered ids of common UI libraries.
  function looksGenerated(id) {
    if (!id || /\s/.test(id) || /[=+/]/.test(id)) return true;
    if (/^:.*:$/.test(id) || /^«.*»$/.test(id) || /^\d/.test(id) || /\d{3,}/.test(id)) return true;
    for (const t of id.split(/[-_.:]+/)) {
      if (t.length >= 8 && /^[0-9a-f]+$/i.test(t) && /\d/.test(t) && /[a-f]/i.test(t)) return true;
      if (t.length >= 6 && /\d/.test(t) && /[a-z]/.test(t) && /[A-Z]/.test(t)) return true;
    }
    return /^(ember|mui-|headlessui-|radix-|react-select-|downshift-|rc[-_]|yui_|ext-|gwt-|j_id|ui-id-)/i.test(id) && /\d/.test(id);
  }

  function explicitRole(el) {
    const r = attr(el, "role");
    return r && r.trim() ? r.trim().split(/\s+/)[0].toLowerCase() : null;
  }

  function implicitRole(el) {
    const t = tagOf(el);
    switch (t) {
      case "a":
      case "area":
        return el.hasAttribute("href") ? "link" : null;
      case "button":
        return "button";
      case "input":
        switch (inputType(el)) {
          case "button":
          case "submit":
          case "reset":
          case "image":
            return "button";
          case "checkbox":
            return "checkbox";
          case "radio":
            return "radio";
          case "range":
            return "slider";
          case "number":
            return "spinbutton";
          case "search":
            return el.hasAttribute("list") ? "combobox" : "searchbox";
          case "hidden":
          case "password":
          case "file":
          case "color":
          case "date":
          case "datetime-local":
          case "month":
          case "week":
          case "time":
            return null;
          default:
            return el.hasAttribute("list") ? "combobox" : "textbox";
        }
      case "select":
        return el.hasAttribute("multiple") || parseInt(attr(el, "size") || "0", 10) > 1 ? "listbox" : "combobox";
      case "textarea":
        return "textbox";
      case "option":
        return "option";
      case "h1":
      case "h2":
      case "h3":
      case "h4":
      case "h5":
      case "h6":
        return "heading";
      case "img":
        return attr(el, "alt") === "" ? null : "img";
      case "li":
        return "listitem";
      case "ul":
      case "ol":
        return "list";
      case "nav":
        return "navigation";
      case "main":
        return "main";
      case "dialog":
        return "dialog";
      case "table":
        return "table";
      case "tr":
        return "row";
      case "td":
        return "cell";
      case "th":
        return "columnheader";
      case "details":
      case "fieldset":
        return "group";
      case "progress":
        return "progressbar";
      case "meter":
        return "meter";
      case "hr":
        return "separator";
      default:
        return null;
    }
  }

  function roleOf(el) {
    return explicitRole(el) || implicitRole(el);
  }

  function isInteractive(el) {
    switch (tagOf(el)) {
      case "button":
      case "select":
      case "textarea":
      case "summary":
      case "label":
      case "option":
        return true;
      case "a":
      case "area":
        return el.hasAttribute("href");
      case "input":
        return inputType(el) !== "hidden";
      default:
        break;
    }
    const role = explicitRole(el);
    if (role && INTERACTIVE_ROLES.has(role)) return true;
    if (el.hasAttribute("onclick")) return true;
    const tabindex = parseInt(attr(el, "tabindex") || "", 10);
    if (tabindex >= 0) return true;
    const editable = attr(el, "contenteditable");
    return editable !== null && editable.toLowerCase() !== "false";
  }

  // The element a locator stands for: the nearest interactive element at or above `node`
  // (the node itself, or its parent element for a text node, when there is none).
  function interactiveTarget(node) {
    const start = isElement(node) ? node : node && node.parentElement;
    for (let e = start; e; e = e.parentElement) {
      if (isInteractive(e)) return e;
    }
    return start || null;
  }

  // Text of a subtree as names and the text strategy see it: text nodes and image alts (block
  // elements set apart by spaces), not the contents of scripts, styles, form fields or
  // aria-hidden subtrees.
  function textOf(root, skip) {
    let out = "";
    const stack = [root];
    while (stack.length) {
      const n = stack.pop();
      if (n === " ") {
        out += " ";
        continue;
      }
      if (n.nodeType === 3) {
        out += n.data;
        continue;
      }
      if (!isElement(n) || (n !== root && n === skip)) continue;
      const t = tagOf(n);
      if (n !== root && (SKIP_TEXT_OF.has(t) || attr(n, "aria-hidden") === "true")) continue;
      if (t === "img" || (t === "input" && inputType(n) === "image")) {
        out += " " + (attr(n, "alt") || "") + " ";
        continue;
      }
      const block = BLOCKS.has(t);
      if (block) stack.push(" ");
      for (let c = n.lastChild; c; c = c.previousSibling) stack.push(c);
      if (block) out += " ";
    }
    return out;
  }

  function labelText(el) {
    if (!el.labels || !el.labels.length) return "";
    return normalize(Array.prototype.map.call(el.labels, (l) => textOf(l, el)).join(" "));
  }

  function accessibleName(el) {
    const doc = el.ownerDocument;
    const labelledby = attr(el, "aria-labelledby");
    if (labelledby) {
      const parts = labelledby
        .trim()
        .split(/\s+/)
        .map((id) => doc.getElementById(id))
        .filter((r) => r)
        .map((r) => textOf(r, null));
      const t = normalize(parts.join(" "));
      if (t) return t;
    }
    const aria = normalize(attr(el, "aria-label"));
    if (aria) return aria;
    const t = tagOf(el);
    if (el.matches(LABELABLE)) {
      const l = labelText(el);
      if (l) return l;
    }
    if (t === "input") {
      const type = inputType(el);
      if (type === "submit" || type === "reset" || type === "button") {
        const v = normalize(attr(el, "value"));
        if (v || type === "button") return v;
        return type === "submit" ? "Submit" : "Reset";
      }
      if (type === "image") return normalize(attr(el, "alt"));
    }
    if (t === "img" || t === "area") {
      const alt = normalize(attr(el, "alt"));
      if (alt) return alt;
    }
    const role = roleOf(el);
    if (role && NAME_FROM_CONTENT.has(role)) {
      const c = normalize(textOf(el, null));
      if (c) return c;
    }
    const title = normalize(attr(el, "title"));
    if (title) return title;
    if (t === "input" || t === "textarea") return normalize(attr(el, "placeholder"));
    return "";
  }

  function hrefKey(el) {
    const raw = attr(el, "href");
    if (raw === null || /^\s*javascript:/i.test(raw)) return null;
    // Documents without a hierarchical base (about:blank, srcdoc) leave relative hrefs as
    // they are: resolve those against a placeholder origin.
    for (const base of [undefined, "http://reel.invalid/"]) {
      try {
        const u = new URL(base === undefined ? el.href : raw, base);
        return u.pathname + u.search + u.hash;
      } catch (_) {
        continue;
      }
    }
    return null;
  }

  function cssString(s) {
    return '"' + s.replace(/["\\]/g, "\\$&").replace(/\n/g, "\\a ") + '"';
  }

  function cssIdent(s) {
    return global.CSS && global.CSS.escape ? global.CSS.escape(s) : s.replace(/[^\w-]/g, "\\$&");
  }

  function rendered(el) {
    if (typeof el.checkVisibility === "function") {
      return el.checkVisibility({ visibilityProperty: true });
    }
    return el.getClientRects().length > 0;
  }

  // Seen by a person: rendered, not transparent, with a box.
  function visible(el) {
    if (typeof el.checkVisibility === "function") {
      if (!el.checkVisibility({ visibilityProperty: true, opacityProperty: true })) return false;
    } else if (!el.getClientRects().length) {
      return false;
    }
    const r = el.getBoundingClientRect();
    return r.width > 0 && r.height > 0;
  }

  function unique(list) {
    return Array.from(new Set(list));
  }

  // Matches count only among rendered elements when any match is rendered.
  function preferRendered(matches) {
    const all = unique(matches);
    const shown = all.filter(rendered);
    return shown.length ? shown : all;
  }

  function query(doc, selector) {
    try {
      return Array.from(doc.querySelectorAll(selector));
    } catch (_) {
      return [];
    }
  }

  function parseRole(selector) {
    const m = /^([a-z][a-z-]*) (".*")$/s.exec(selector);
    if (!m) return null;
    try {
      return { role: m[1], name: JSON.parse(m[2]) };
    } catch (_) {
      return null;
    }
  }

  function resolveText(doc, want) {
    const root = doc.body || doc.documentElement;
    if (!root || !want) return [];
    const matches = [];
    const seen = new Set();
    const walker = doc.createTreeWalker(root, SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      const piece = normalize(n.data);
      if (!piece || want.indexOf(piece) < 0) continue;
      for (let e = n.parentElement; e && !seen.has(e); e = e.parentElement) {
        seen.add(e);
        if (SKIP_TEXT_OF.has(tagOf(e))) break;
        const t = normalize(textOf(e, null));
        if (t === want) {
          matches.push(interactiveTarget(e));
          break;
        }
        if (t.length > want.length) break;
      }
    }
    return matches;
  }

  function resolvePoint(doc, selector) {
    const m = /^(-?[\d.]+),(-?[\d.]+)$/.exec(selector);
    if (!m) return [];
    const el = doc.elementFromPoint(parseFloat(m[1]), parseFloat(m[2]));
    const target = el && interactiveTarget(el);
    return target ? [target] : [];
  }

  // Every element `locator` ({strategy, selector}) finds in `doc` (rendered ones preferred).
  function resolve(locator, doc) {
    const s = locator.selector;
    let matches;
    switch (locator.strategy) {
      case "test-id":
      case "id":
      case "path":
        matches = query(doc, s);
        break;
      case "role": {
        const want = parseRole(s);
        if (!want) return [];
        matches = query(doc, "*").filter((e) => roleOf(e) === want.role && accessibleName(e) === want.name);
        break;
      }
      case "label":
        matches = query(doc, LABELABLE).filter((e) => labelText(e) === s);
        break;
      case "placeholder":
        matches = query(doc, "[placeholder]").filter((e) => normalize(attr(e, "placeholder")) === s);
        break;
      case "text":
        matches = resolveText(doc, s);
        break;
      case "href":
        matches = query(doc, "a[href],area[href]").filter((e) => hrefKey(e) === s);
        break;
      case "point":
        matches = resolvePoint(doc, s);
        break;
      default:
        return [];
    }
    return preferRendered(matches);
  }

  // The first of `locators` that finds exactly one element: {index, element}, or null.
  function resolveFirst(locators, doc) {
    for (let i = 0; i < locators.length; i++) {
      const found = resolve(locators[i], doc);
      if (found.length === 1) return { index: i, element: found[0] };
    }
    return null;
  }

  // A step's target: through `frames` (locators of each <iframe>, outermost first) into the
  // frame's document, then its own locators. {index, element, frames: [index per frame]} or
  // {failed_frame: i} / null.
  function resolveStep(step, doc) {
    const chosen = [];
    let d = doc;
    const frames = step.frames || [];
    for (let i = 0; i < frames.length; i++) {
      const hit = resolveFirst(frames[i], d);
      const inner = hit && hit.element.contentDocument;
      if (!inner) return { failed_frame: i };
      chosen.push(hit.index);
      d = inner;
    }
    const hit = resolveFirst(step.locators || [], d);
    return hit ? { index: hit.index, element: hit.element, frames: chosen } : null;
  }

  function stableId(el) {
    const id = attr(el, "id");
    if (!id || looksGenerated(id)) return null;
    return query(el.ownerDocument, "#" + cssIdent(id)).length === 1 ? id : null;
  }

  function pathStep(el) {
    const tag = tagOf(el);
    const parent = el.parentElement;
    if (!parent) return cssIdent(tag);
    const same = Array.prototype.filter.call(parent.children, (c) => tagOf(c) === tag);
    return same.length > 1 ? cssIdent(tag) + ":nth-of-type(" + (same.indexOf(el) + 1) + ")" : cssIdent(tag);
  }

  function structuralPath(el) {
    const steps = [];
    for (let e = el; e; e = e.parentElement) {
      const id = e !== el && stableId(e);
      if (id) {
        steps.unshift("#" + cssIdent(id));
        break;
      }
      steps.unshift(pathStep(e));
    }
    return steps.join(" > ");
  }

  // Ranked locators for `el`, strongest first: every candidate resolves in el's document to
  // exactly `el`. `options.point`: recorded [x, y] to offer as the last resort.
  function candidates(el, options) {
    options = options || {};
    const doc = el.ownerDocument;
    const out = [];
    const offer = (strategy, selector) => {
      if (!selector) return;
      const loc = { strategy: strategy, selector: selector };
      const found = resolve(loc, doc);
      if (found.length === 1 && found[0] === el) out.push(loc);
    };
    for (const a of TEST_ID_ATTRS) {
      const v = attr(el, a);
      if (v && v.trim()) offer("test-id", "[" + a + "=" + cssString(v) + "]");
    }
    const id = attr(el, "id");
    if (id && !looksGenerated(id)) offer("id", "#" + cssIdent(id));
    const role = roleOf(el);
    const name = role ? accessibleName(el) : "";
    if (role && name && name.length <= MAX_NAME) offer("role", role + " " + JSON.stringify(name));
    if (el.matches(LABELABLE)) {
      const l = labelText(el);
      if (l && l.length <= MAX_NAME) offer("label", l);
    }
    const placeholder = normalize(attr(el, "placeholder"));
    if (placeholder) offer("placeholder", placeholder);
    const text = normalize(textOf(el, null));
    if (text && text.length <= MAX_TEXT) offer("text", text);
    if (tagOf(el) === "a" || tagOf(el) === "area") offer("href", hrefKey(el));
    offer("path", structuralPath(el));
    if (options.point && isFinite(options.point[0]) && isFinite(options.point[1])) {
      offer("point", options.point[0] + "," + options.point[1]);
    }
    return out;
  }

  // The innermost ancestor whose hover (rrweb's `:hover` class in the replay) `target` needs to
  // be visible, or null when it is visible without any.
  function hoverHost(target, hoverClass) {
    const doc = target.ownerDocument;
    const hovered = query(doc, "." + cssIdent(hoverClass));
    if (!hovered.length || !visible(target)) return null;
    hovered.forEach((e) => e.classList.remove(hoverClass));
    let host = null;
    try {
      if (!visible(target)) {
        for (let e = target; e && !host; e = e.parentElement) {
          if (hovered.indexOf(e) < 0) continue;
          e.classList.add(hoverClass);
          if (visible(target)) host = e;
          e.classList.remove(hoverClass);
        }
      }
    } finally {
      hovered.forEach((e) => e.classList.add(hoverClass));
    }
    return host;
  }

  // The <iframe> elements between `doc` and `el`, outermost first (null when el is not below doc).
  function framesBetween(el, doc) {
    const chain = [];
    let d = el.ownerDocument;
    while (d !== doc) {
      const frame = d.defaultView && d.defaultView.frameElement;
      if (!frame) return null;
      chain.unshift(frame);
      d = frame.ownerDocument;
    }
    return chain;
  }

  // Everything `reel drive` takes from the replayed DOM for one step: the target (climbed from
  // `node`), its locators and frames, the hover host (its id by `request.idOf`, and locators)
  // when it needs one, and whether a field to type into is hidden (rendered, but transparent or
  // without a box). `request.point`: the recorded pointer; `request.hoverClass`: the class that
  // stands for :hover; `request.exact`: the node itself is the target (a scrolled element).
  function describe(node, doc, request) {
    request = request || {};
    const target = request.exact ? (isElement(node) ? node : null) : node ? interactiveTarget(node) : null;
    if (!target || !doc) return { found: false, tag: "", locators: [], frames: [], hover: null, hidden_field: false };
    const frames = framesBetween(target, doc);
    if (!frames) return { found: false, tag: tagOf(target), locators: [], frames: [], hover: null, hidden_field: false };
    const point = request.point || null;
    const host = request.hoverClass ? hoverHost(target, request.hoverClass) : null;
    const field = tagOf(target) === "textarea" || tagOf(target) === "input";
    const idOf = request.idOf || (() => null);
    return {
      found: true,
      tag: tagOf(target),
      locators: candidates(target, { point: point }),
      frames: frames.map((f) => candidates(f, {})),
      hover: host ? { node: idOf(host), locators: candidates(host, {}) } : null,
      hidden_field: field && rendered(target) && !visible(target),
    };
  }

  global.__reelLocate = {
    strategies: STRATEGIES,
    normalize: normalize,
    looksGenerated: looksGenerated,
    interactiveTarget: interactiveTarget,
    accessibleName: accessibleName,
    roleOf: roleOf,
    candidates: candidates,
    resolve: resolve,
    resolveFirst: resolveFirst,
    resolveStep: resolveStep,
    visible: visible,
    hoverHost: hoverHost,
    describe: describe,
  };
})(typeof globalThis !== "undefined" ? globalThis : window);
