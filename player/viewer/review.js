// What a reviewer copies out of the report: deep links to a checkpoint, the exact `reel approve`
// command for one checkpoint or many, and links back to PostHog.

// ---- deep links ------------------------------------------------------------------------------
//
// `#RECORDING[/WINDOW]/CHECKPOINT?view=VIEW`: the names `reel approve` takes, each part
// URI-encoded; `#RECORDING` opens a recording. The parameters are open-ended (`view` today).

function parseRoute(hash) {
  let text = String(hash || "").replace(/^#/, "");
  let query = "";
  const q = text.indexOf("?");
  if (q >= 0) {
    query = text.slice(q + 1);
    text = text.slice(0, q);
  }
  const decode = (s) => {
    try { return decodeURIComponent(s); } catch (_) { return s; }
  };
  const path = text === "" ? [] : text.split("/").map(decode);
  const params = {};
  for (const pair of query.split("&")) {
    if (!pair) continue;
    const eq = pair.indexOf("=");
    const key = decode(eq < 0 ? pair : pair.slice(0, eq));
    params[key] = eq < 0 ? "" : decode(pair.slice(eq + 1));
  }
  return { path, params };
}

function routeHash(path, params) {
  let hash = "#" + path.map(encodeURIComponent).join("/");
  const keys = Object.keys(params || {}).filter((k) => params[k] !== undefined && params[k] !== null);
  if (keys.length) hash += "?" + keys.map((k) => encodeURIComponent(k) + "=" + encodeURIComponent(params[k])).join("&");
  return hash;
}

// The parts of a checkpoint's deep link (and of its `reel approve` name).
function checkpointPath(r, cp) {
  return cp.window ? [r.id, cp.window, cp.name] : [r.id, cp.name];
}

// This page's address with `hash`.
function linkTo(hash) {
  return location.href.split("#")[0] + hash;
}

// ---- `reel approve` --------------------------------------------------------------------------

// What `reel approve` promotes when given no names; flaky checkpoints only when named one by one.
const APPROVABLE = { changed: 1, missing: 1, "size-changed": 1 };

function canApprove(cp, alone) {
  return !!cp.actual && (!!APPROVABLE[cp.status] || (alone && cp.status === "flaky"));
}

// A word for a POSIX shell: as it is when it only has characters no shell treats specially, else
// in single quotes (a quote inside written as '\'').
function shellQuote(word) {
  word = String(word);
  if (/^[A-Za-z0-9_\/.:@%+=,-]+$/.test(word)) return word;
  return "'" + word.replace(/'/g, "'\\''") + "'";
}

// The folder this report is in, when the page was opened from disk (what `--out` must say);
// null elsewhere (a web server: the reader has to download the report first).
function reportFolder() {
  if (location.protocol !== "file:") return null;
  let path;
  try { path = decodeURIComponent(location.pathname); } catch (_) { return null; }
  path = path.slice(0, path.lastIndexOf("/")) || "/";
  // file:///C:/… on Windows, file://server/share/… for network shares.
  if (/^\/[A-Za-z]:\//.test(path + "/")) path = path.slice(1);
  if (location.host) path = "//" + location.host + path;
  return path;
}

// `reel approve --out FOLDER TARGET...`, to be run where `reel run` ran (the baselines are the
// run's, relative to that folder).
function approveCommand(targets) {
  const folder = reportFolder();
  const words = ["reel", "approve", "--out", folder === null ? "REPORT_FOLDER" : shellQuote(folder)];
  for (const t of targets) words.push(shellQuote(t));
  return words.join(" ");
}

// ---- PostHog ---------------------------------------------------------------------------------

// `u` when it is an absolute http(s) URL, else null (links come from recorded metadata).
function httpUrl(u) {
  if (typeof u !== "string" || !/^https?:\/\//i.test(u)) return null;
  try { return new URL(u).href; } catch (_) { return null; }
}

function posthogLink(url, label) {
  const href = httpUrl(url);
  if (!href) return null;
  return el("a", { class: "posthog", href, target: "_blank", rel: "noopener noreferrer", text: label || "PostHog ↗", title: "open this moment in PostHog" });
}
