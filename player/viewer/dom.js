// reel's viewer: renders the HTML report (mode "report") and the standalone player of
// `reel export` (mode "player") from the inert JSON in the page's #reel-data element. It is made
// of these files, joined in this order into one script (src/report/html.rs): dom.js (building the
// page, formatting, the clipboard), review.js (deep links, `reel approve` commands, PostHog
// links), replay.js (the replay widget), images.js (screenshots: compare, zoom, thumbnails),
// report.js (the report), viewer.js (the player and the start).
//
// Recorded content is only ever put into the page as text (textContent, title, value), never as
// markup; image paths are used only when they are plain relative paths, links only when they are
// http(s) URLs.

const app = document.getElementById("app");
// What tests and curious people can look at: whether the page is ready, each replay, the route.
const api = { ready: false, error: null, widgets: [], player: null, route: null, copied: null };
window.reelViewer = api;

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

async function inflate(b64) {
  const bin = atob(b64);
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
  return JSON.parse(await new Response(stream).text());
}

// Puts `text` on the clipboard: the Clipboard API where the page may use it, else a selected
// textarea and the copy command. The text is also kept in `reelViewer.copied`.
function copyText(text) {
  api.copied = text;
  const fallback = () => {
    const area = el("textarea", { value: text, readOnly: true, class: "copy-buffer" });
    document.body.appendChild(area);
    area.select();
    let ok = false;
    try { ok = document.execCommand("copy"); } catch (_) { ok = false; }
    area.remove();
    return ok;
  };
  if (navigator.clipboard && window.isSecureContext) {
    return navigator.clipboard.writeText(text).then(() => true, fallback);
  }
  return Promise.resolve(fallback());
}

// A button that copies what `text()` gives at the moment it is clicked, and says so.
function copyButton(label, text, title) {
  const button = el("button", { text: label, class: "copy", title: title || "copy to the clipboard" });
  button.addEventListener("click", (e) => {
    e.preventDefault();
    e.stopPropagation();
    copyText(text()).then((ok) => {
      button.textContent = ok ? "copied" : "select and copy";
      setTimeout(() => { button.textContent = label; }, 1500);
    });
  });
  return button;
}

// A command shown as text the reader can select, with a copy button.
function commandLine(command, cls) {
  return el("div", { class: "command " + (cls || "") }, [
    el("code", { text: command }),
    copyButton("copy", () => command, "copy this command"),
  ]);
}
