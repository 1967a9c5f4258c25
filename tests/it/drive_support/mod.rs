//! The real apps the shared recordings were made on, served on an ephemeral 127.0.0.1 port for
//! `reel drive` (npm `todomvc@0.1.1` at `/todomvc/`, `swagger-ui-dist@5.35.0` at `/swagger/`,
//! installed in `tests/apps/` by `./scripts/install-deps`), and variants of the build.
//!
//! As when recorded: swagger-ui's initializer points at `openapi.json` (which only the
//! recording answers: this server has no API), and its page loads an analytics script from
//! `http://127.0.0.1:8701` (the recording's PostHog host). Every TodoMVC page reports what it
//! writes to localStorage to `/__state` (a beacon per write), so a test can read the final state
//! of a drive.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// A build of the apps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Variant {
    Unchanged,
    /// The backbone example's "Clear completed" button painted magenta ([`RESTYLED`]).
    Css,
    /// The backbone example's "Clear completed" button renamed: new id (`purge-done`) and text
    /// ("Remove finished"), its script and stylesheet following.
    Renamed,
    /// The backbone example without its filter links (All, Active, Completed).
    Removed,
    /// The backbone example logs a console error when it loads.
    ConsoleError,
}

/// The colour of the restyled control in [`Variant::Css`].
pub const RESTYLED: [u8; 3] = [255, 0, 255];
/// What [`Variant::ConsoleError`] logs.
pub const VARIANT_ERROR: &str = "reel-drive-test: the new build logs an error";

pub struct AppServer {
    pub port: u16,
    /// Last value written to each localStorage key, per the pages' beacons.
    state: Arc<Mutex<HashMap<String, (f64, String)>>>,
    /// Paths requested, in order.
    requests: Arc<Mutex<Vec<String>>>,
}

impl AppServer {
    pub fn origin(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// `--url` mapping the recordings' origin to this server.
    pub fn url_arg(&self) -> String {
        format!("http://127.0.0.1:8700={}", self.origin())
    }

    /// The last value a page stored under `key` in localStorage.
    pub fn stored(&self, key: &str) -> Option<String> {
        self.state.lock().unwrap().get(key).map(|(_, v)| v.clone())
    }

    pub fn requests(&self) -> Vec<String> {
        self.requests.lock().unwrap().clone()
    }
}

pub fn apps_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/apps/node_modules");
    assert!(
        dir.join("todomvc/examples/backbone/index.html").is_file()
            && dir.join("swagger-ui-dist/swagger-ui-bundle.js").is_file(),
        "the drive tests need the apps: run ./scripts/install-deps (npm ci in tests/apps)"
    );
    dir
}

/// Starts a server for `variant` on a free port; it lives as long as the test process.
pub fn serve(variant: Variant) -> AppServer {
    let root = apps_dir();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let state = Arc::new(Mutex::new(HashMap::new()));
    let requests = Arc::new(Mutex::new(Vec::new()));
    let (st, rq) = (state.clone(), requests.clone());
    std::thread::spawn(move || {
        for conn in listener.incoming() {
            let Ok(conn) = conn else { continue };
            let (root, st, rq) = (root.clone(), st.clone(), rq.clone());
            std::thread::spawn(move || {
                let _ = handle(conn, &root, variant, &st, &rq);
            });
        }
    });
    AppServer {
        port,
        state,
        requests,
    }
}

/// Serves requests on one connection until the client closes it.
fn handle(
    conn: TcpStream,
    root: &Path,
    variant: Variant,
    state: &Mutex<HashMap<String, (f64, String)>>,
    requests: &Mutex<Vec<String>>,
) -> std::io::Result<()> {
    let mut reader = BufReader::new(conn.try_clone()?);
    let mut out = conn;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 {
            return Ok(());
        }
        let mut parts = line.split_whitespace();
        let (method, target) = (
            parts.next().unwrap_or("").to_string(),
            parts.next().unwrap_or("/").to_string(),
        );
        let mut length = 0usize;
        loop {
            let mut h = String::new();
            if reader.read_line(&mut h)? == 0 {
                return Ok(());
            }
            let h = h.trim_end();
            if h.is_empty() {
                break;
            }
            if let Some((k, v)) = h.split_once(':')
                && k.eq_ignore_ascii_case("content-length")
            {
                length = v.trim().parse().unwrap_or(0);
            }
        }
        let mut body = vec![0u8; length];
        reader.read_exact(&mut body)?;
        requests.lock().unwrap().push(target.clone());
        let (status, mime, bytes) = respond(&method, &target, &body, root, variant, state);
        write!(
            out,
            "HTTP/1.1 {status}\r\nContent-Type: {mime}\r\nContent-Length: {}\r\nCache-Control: no-store\r\nConnection: keep-alive\r\n\r\n",
            bytes.len()
        )?;
        out.write_all(&bytes)?;
        out.flush()?;
    }
}

fn mime(path: &str) -> &'static str {
    match path.rsplit('.').next().unwrap_or("") {
        "html" => "text/html; charset=utf-8",
        "js" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "json" => "application/json",
        "png" => "image/png",
        "svg" => "image/svg+xml",
        "ico" => "image/x-icon",
        _ => "application/octet-stream",
    }
}

/// Records what a page stored in localStorage (latest by the page's own clock and order), through
/// `setItem` (the Backbone example) or a property write (`localStorage[key] = v`, the VanillaJS
/// example), which bypasses `setItem`: the page sees its storage through a proxy.
const STATE_REPORTER: &str = r#"<script>(function () {
  var set = Storage.prototype.setItem, n = 0;
  Storage.prototype.setItem = function (k, v) {
    set.call(this, k, v);
    try { navigator.sendBeacon('/__state?key=' + encodeURIComponent(k) + '&at=' + (Date.now() * 1000 + (n++ % 1000)), String(v)); } catch (e) {}
  };
  var real = window.localStorage;
  var seen = new Proxy(real, {
    get: function (t, k) {
      if (typeof k !== 'string' || k in Storage.prototype) {
        var v = t[k];
        return typeof v === 'function' ? v.bind(t) : v;
      }
      var s = t.getItem(k);
      return s === null ? undefined : s;
    },
    set: function (t, k, v) { t.setItem(k, v); return true; }
  });
  Object.defineProperty(window, 'localStorage', { get: function () { return seen; }, configurable: true });
})();</script>"#;

const SWAGGER_INITIALIZER: &str = r##"window.onload = function () {
  window.ui = SwaggerUIBundle({
    url: "openapi.json",
    dom_id: "#swagger-ui",
    deepLinking: true,
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
    plugins: [SwaggerUIBundle.plugins.DownloadUrl],
    layout: "StandaloneLayout"
  });
};
"##;

/// A page whose look after an action needs frames to run: a hover transition, an infinite
/// animation and a box that an IntersectionObserver (made 500 ms after the click on `#show`: right before the next screenshot) turns green.
pub const FRAMES_PAGE_PATH: &str = "/frames.html";
const FRAMES_PAGE: &str = r#"<!doctype html><html><head><style>
body { margin: 0; }
#hover { position: absolute; top: 0; left: 0; width: 200px; height: 100px;
  background: rgb(0, 0, 255); transition: background-color 400ms linear; }
#hover:hover { background: rgb(255, 0, 0); }
#seen { position: absolute; top: 300px; left: 0; width: 200px; height: 100px; background: rgb(0, 0, 0); }
#seen.shown { background: rgb(0, 255, 0); }
#show { position: absolute; top: 500px; left: 0; width: 100px; height: 40px; }
#spin { position: absolute; top: 0; left: 400px; width: 100px; height: 100px;
  background: rgb(0, 0, 255); animation: spin 1s linear infinite; }
@keyframes spin { from { transform: rotate(0deg); } to { transform: rotate(90deg); } }
</style></head><body>
<div id="hover"></div><div id="seen"></div><button id="show">show</button><div id="spin"></div>
<script>
document.getElementById('show').addEventListener('click', function () {
  setTimeout(function () {
    var el = document.getElementById('seen');
    new IntersectionObserver(function (entries, o) {
      if (entries[0].isIntersecting) { el.classList.add('shown'); o.disconnect(); }
    }).observe(el);
  }, 500);
});
</script></body></html>"#;

/// A page that changes only when a timer (3 s after the load) turns its box red.
pub const TIMER_PAGE_PATH: &str = "/timer.html";
const TIMER_PAGE: &str = r#"<!doctype html><html><head><style>
body { margin: 0; }
#box { position: absolute; top: 0; left: 0; width: 200px; height: 100px; background: rgb(0, 0, 255); }
#box.late { background: rgb(255, 0, 0); }
</style></head><body><div id="box"></div>
<script>
setTimeout(function () { document.getElementById('box').classList.add('late'); }, 3000);
</script></body></html>"#;

pub const SCROLLED_PAGE_PATH: &str = "/scrolled.html";
const SCROLLED_PAGE: &str = r#"<!doctype html><html><head><style>
body { margin: 0; height: 3000px; }
#top { position: absolute; top: 0; left: 0; width: 100%; height: 100px; background: rgb(255, 0, 0); }
#band { position: absolute; top: 1000px; left: 0; width: 100%; height: 100px; background: rgb(0, 255, 0); }
#mark { position: absolute; top: 1200px; left: 0; width: 100px; height: 40px; }
#under { position: absolute; top: 1010px; left: 300px; width: 100px; height: 30px; }
#header { position: fixed; top: 0; left: 0; width: 100%; height: 60px; background: rgb(128, 128, 128); }
.clicked { background: rgb(0, 0, 255); }
</style></head><body>
<div id="top"></div><div id="band"></div><button id="mark">mark</button><button id="under">under</button>
<div id="header"></div>
<script>
for (const id of ['mark', 'under']) {
  document.getElementById(id).addEventListener('click', function (e) { e.target.classList.add('clicked'); });
}
</script></body></html>"#;

fn respond(
    method: &str,
    target: &str,
    body: &[u8],
    root: &Path,
    variant: Variant,
    state: &Mutex<HashMap<String, (f64, String)>>,
) -> (&'static str, &'static str, Vec<u8>) {
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    if path == "/__state" {
        if method == "POST" {
            let param = |name: &str| {
                query
                    .split('&')
                    .find_map(|kv| kv.strip_prefix(&format!("{name}=")))
                    .map(percent_decode)
            };
            if let (Some(key), Some(at)) = (param("key"), param("at")) {
                let at: f64 = at.parse().unwrap_or(0.0);
                let mut s = state.lock().unwrap();
                let newer = s.get(&key).is_none_or(|(t, _)| at >= *t);
                if newer {
                    s.insert(key, (at, String::from_utf8_lossy(body).into_owned()));
                }
            }
        }
        return ("204 No Content", "text/plain", Vec::new());
    }
    if path == FRAMES_PAGE_PATH {
        return ("200 OK", "text/html", FRAMES_PAGE.as_bytes().to_vec());
    }
    if path == TIMER_PAGE_PATH {
        return ("200 OK", "text/html", TIMER_PAGE.as_bytes().to_vec());
    }
    if path == SCROLLED_PAGE_PATH {
        return ("200 OK", "text/html", SCROLLED_PAGE.as_bytes().to_vec());
    }
    if path == "/swagger/swagger-initializer.js" {
        return (
            "200 OK",
            mime(path),
            SWAGGER_INITIALIZER.as_bytes().to_vec(),
        );
    }
    let file = if let Some(rest) = path.strip_prefix("/todomvc/") {
        root.join("todomvc").join(rest)
    } else if let Some(rest) = path.strip_prefix("/swagger/") {
        root.join("swagger-ui-dist").join(rest)
    } else {
        return ("404 Not Found", "text/plain", b"not found".to_vec());
    };
    let file = if file.is_dir() {
        file.join("index.html")
    } else {
        file
    };
    if path.contains("..") {
        return ("404 Not Found", "text/plain", b"not found".to_vec());
    }
    let Ok(bytes) = std::fs::read(&file) else {
        return ("404 Not Found", "text/plain", b"not found".to_vec());
    };
    let name = file.to_string_lossy().replace('\\', "/");
    let bytes = if name.ends_with("swagger-ui-dist/index.html") {
        let page = String::from_utf8_lossy(&bytes).replace(
            "<head>",
            "<head>\n    <script async src=\"http://127.0.0.1:8701/static/array.js\"></script>",
        );
        page.into_bytes()
    } else if name.contains("/todomvc/examples/") && name.ends_with("/index.html") {
        let mut page =
            String::from_utf8_lossy(&bytes).replace("<head>", &format!("<head>\n{STATE_REPORTER}"));
        if name.ends_with("/examples/backbone/index.html") {
            page = backbone_page(page, variant);
        }
        page.into_bytes()
    } else if (name.ends_with("/examples/backbone/js/views/app-view.js")
        || name.ends_with("/examples/backbone/bower_components/todomvc-common/base.css"))
        && variant == Variant::Renamed
    {
        String::from_utf8_lossy(&bytes)
            .replace("clear-completed", "purge-done")
            .into_bytes()
    } else {
        bytes
    };
    ("200 OK", mime(&name), bytes)
}

fn backbone_page(page: String, variant: Variant) -> String {
    match variant {
        Variant::Unchanged => page,
        Variant::Css => page.replace(
            "</head>",
            "<style>#clear-completed { background: rgb(255, 0, 255) !important; }</style>\n</head>",
        ),
        Variant::Renamed => page
            .replace("clear-completed", "purge-done")
            .replace("Clear completed", "Remove finished"),
        Variant::Removed => {
            let start = page.find("<ul id=\"filters\">").expect("the filters");
            let end = start + page[start..].find("</ul>").expect("their end") + "</ul>".len();
            format!("{}{}", &page[..start], &page[end..])
        }
        Variant::ConsoleError => page.replace(
            "</body>",
            &format!("<script>console.error({VARIANT_ERROR:?});</script>\n</body>"),
        ),
    }
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let Ok(b) = u8::from_str_radix(&s[i + 1..i + 3], 16)
        {
            out.push(b);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}
