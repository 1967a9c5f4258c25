//! Finding, launching, attaching to and closing Chromium. A launched browser gets a fresh temporary
//! profile and the flags for stable screenshots, and dies with reel (parent-death signal), so no
//! run ever leaves an orphaned browser behind. A browser whose process exits or whose connection
//! drops raises its session's [`Alarm`] at once, failing whatever step waits on it.

use super::ReplayError;
use super::liveness::{Alarm, Watch};
use chromiumoxide::Browser;
use chromiumoxide::handler::HandlerConfig;
use futures::StreamExt;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::task::JoinHandle;

/// Executable names tried on PATH, in order. The headless shells come first: the same engine
/// without the browser's UI layer, which costs 35–45% less CPU per replay (BENCHMARKS.md).
pub const CANDIDATES: [&str; 6] = [
    "chromium-headless-shell",
    "chrome-headless-shell",
    "chromium",
    "chromium-browser",
    "google-chrome",
    "chrome",
];

pub const INSTALL_HINT: &str = "install Chromium (Debian/Ubuntu: `sudo apt-get install -y chromium`), or point reel at a browser with --chrome PATH or REEL_CHROME, or attach to a running one with --browser-ws URL";

/// Finds the browser: `explicit` (from `--chrome`), then `REEL_CHROME`, then [`CANDIDATES`] on PATH.
pub fn find_chrome(explicit: Option<&Path>) -> Result<PathBuf, ReplayError> {
    if let Some(p) = explicit {
        return executable(p).ok_or_else(|| ReplayError::BrowserNotFound {
            detail: format!("--chrome {} is not an executable file", p.display()),
        });
    }
    if let Some(env) = std::env::var_os("REEL_CHROME").filter(|v| !v.is_empty()) {
        let p = PathBuf::from(env);
        return executable(&p).ok_or_else(|| ReplayError::BrowserNotFound {
            detail: format!("REEL_CHROME={} is not an executable file", p.display()),
        });
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    for name in CANDIDATES {
        for dir in std::env::split_paths(&path) {
            if let Some(found) = executable(&dir.join(name)) {
                return Ok(past_launcher_script(found));
            }
        }
    }
    Err(ReplayError::BrowserNotFound {
        detail: format!("none of {} is on PATH", CANDIDATES.join(", ")),
    })
}

/// Debian's `chromium` on PATH is a shell script that runs `findmnt`, sources `/etc/chromium.d`
/// and adds flags (GPU rasterization, extensions) before exec'ing the real binary; reel sets its
/// own flags, so it starts the binary the script names (`LIBDIR/APPNAME`) directly, saving the
/// script's start-up. Debian's `chromium-headless-shell` is a one-line script that runs the binary
/// as its child (which would then not die with reel): that binary is started directly too.
/// Anything else is returned as found.
fn past_launcher_script(found: PathBuf) -> PathBuf {
    let text = match std::fs::metadata(&found) {
        Ok(m) if m.len() <= 64 * 1024 => std::fs::read(&found).ok(),
        _ => None,
    };
    let Some(text) = text.filter(|t| t.starts_with(b"#!")) else {
        return found;
    };
    let text = String::from_utf8_lossy(&text);
    let var = |name: &str| {
        text.lines()
            .find_map(|l| l.trim().strip_prefix(name)?.strip_prefix('='))
            .map(|v| v.trim().trim_matches('"').to_string())
    };
    let real = if let (Some(app), Some(lib)) = (var("APPNAME"), var("LIBDIR")) {
        PathBuf::from(lib.replace("$APPNAME", &app)).join(&app)
    } else {
        let mut commands = text
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'));
        let only = match (commands.next(), commands.next()) {
            (Some(only), None) => only.strip_prefix("exec ").unwrap_or(only),
            _ => return found,
        };
        match only.strip_suffix("\"$@\"").map(str::trim) {
            Some(path) if path.starts_with('/') && !path.contains(' ') => PathBuf::from(path),
            _ => return found,
        }
    };
    match executable(&real) {
        Some(real) if !is_script(&real) => {
            tracing::debug!(
                "{} is a launcher script; starting {}",
                found.display(),
                real.display()
            );
            real
        }
        _ => found,
    }
}

fn is_script(p: &Path) -> bool {
    use std::io::Read;
    let mut head = [0u8; 2];
    std::fs::File::open(p).is_ok_and(|mut f| f.read_exact(&mut head).is_ok() && &head == b"#!")
}

fn executable(p: &Path) -> Option<PathBuf> {
    use std::os::unix::fs::PermissionsExt;
    let meta = std::fs::metadata(p).ok()?;
    (meta.is_file() && meta.permissions().mode() & 0o111 != 0).then(|| p.to_path_buf())
}

/// Which browser made a run's screenshots: recorded in `report.json` and beside the baselines
/// (`reel-baselines.json`), from what the browser itself reports over CDP (`Browser.getVersion`),
/// so it is known for attached browsers too.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct BrowserInfo {
    /// The browser's own name for itself, e.g. `HeadlessChrome/156.0.8078.114`.
    pub product: String,
    /// The version part of `product`.
    pub version: String,
    /// chrome-headless-shell (which calls itself `HeadlessChrome`) rather than Chrome or Chromium
    /// in headless mode (`Chrome`): the same engine, but screenshots may differ between the two.
    pub headless_shell: bool,
}

impl BrowserInfo {
    pub fn from_product(product: &str) -> BrowserInfo {
        let (name, version) = product.split_once('/').unwrap_or((product, ""));
        BrowserInfo {
            product: product.to_string(),
            version: version.to_string(),
            headless_shell: name == "HeadlessChrome",
        }
    }
}

impl std::fmt::Display for BrowserInfo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let kind = if self.headless_shell {
            "headless shell"
        } else {
            "headless mode"
        };
        write!(f, "{} ({kind})", self.product)
    }
}

/// What `exe --version` prints (e.g. `Chromium 156.0.8078.114`), without starting a browser;
/// `None` when it does not answer within two seconds or prints nothing.
pub fn version_output(exe: &Path) -> Option<String> {
    let mut child = Command::new(exe)
        .arg("--version")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    let deadline = std::time::Instant::now() + Duration::from_secs(2);
    loop {
        match child.try_wait() {
            Ok(Some(_)) => break,
            Ok(None) if std::time::Instant::now() < deadline => {
                std::thread::sleep(Duration::from_millis(10))
            }
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                return None;
            }
        }
    }
    let mut out = String::new();
    std::io::Read::read_to_string(&mut child.stdout.take()?, &mut out).ok()?;
    let out = out.trim();
    (!out.is_empty()).then(|| out.to_string())
}

/// Whether `exe` is a headless shell, by its file name (`chromium-headless-shell`,
/// `chrome-headless-shell`, `headless_shell`).
pub fn is_headless_shell(exe: &Path) -> bool {
    exe.file_name().is_some_and(|n| {
        n.to_string_lossy()
            .replace('_', "-")
            .contains("headless-shell")
    })
}

/// How to get a browser.
#[derive(Debug, Clone, Default)]
pub struct BrowserOptions {
    pub chrome: Option<PathBuf>,
    /// Attach to running browsers (a pool) instead of launching them.
    pub browser_ws: Vec<String>,
    /// How many browsers to launch when not attaching.
    pub browsers: usize,
    /// Extra flags for a launched browser (`--chrome-arg`).
    pub extra_args: Vec<String>,
    /// Let replayed pages reach the network (off: a dead proxy catches anything interception misses).
    pub allow_network: bool,
    /// Per-call timeout for browser operations.
    pub timeout: Duration,
}

/// Flags for deterministic, offline-friendly headless screenshots.
pub fn launch_flags(profile: &Path, allow_network: bool) -> Vec<String> {
    let mut flags: Vec<String> = [
        "--headless",
        "--remote-debugging-port=0",
        "--hide-scrollbars",
        "--mute-audio",
        "--force-color-profile=srgb",
        "--font-render-hinting=none",
        "--disable-lcd-text",
        "--force-device-scale-factor=1",
        "--disable-gpu",
        // Frames as fast as they can be produced, not at 60 Hz: animation-frame waits and
        // screenshots take a few ms instead of a vsync interval each.
        "--disable-gpu-vsync",
        "--disable-frame-rate-limit",
        // Re-raster whole tiles, not just their invalidated parts: with partial raster a tile's
        // pixels depend on the history of invalidations (a live page driven twice differed by 2
        // anti-aliased pixels of a translucent glyph in 5 of 5 drives; 0 of 5 with this flag).
        "--disable-partial-raster",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-default-apps",
        "--disable-extensions",
        "--disable-breakpad",
        "--disable-dev-shm-usage",
        "--disable-background-timer-throttling",
        "--disable-renderer-backgrounding",
        "--disable-backgrounding-occluded-windows",
        "--disable-ipc-flooding-protection",
        "--disable-hang-monitor",
        "--disable-client-side-phishing-detection",
        "--disable-domain-reliability",
        "--disable-site-isolation-trials",
        // LocalNetworkAccessChecks: with --allow-network, a recording of an app on localhost or
        // an intranet must load its assets although the player's origin is not local.
        "--disable-features=Translate,PaintHolding,OptimizationHints,MediaRouter,IsolateOrigins,site-per-process,AutofillServerCommunication,LocalNetworkAccessChecks",
        "--no-first-run",
        "--no-default-browser-check",
        "--disable-quic",
        "--password-store=basic",
        "--use-mock-keychain",
        "--metrics-recording-only",
        // No initial tab, hence no renderer, until reel opens its own page.
        "--no-startup-window",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    if !allow_network {
        // Second line of defence behind request interception: anything that escaped it goes to a
        // proxy that refuses connections, loopback included.
        flags.push("--proxy-server=http://127.0.0.1:9".into());
        flags.push("--proxy-bypass-list=<-loopback>".into());
    }
    // SAFETY-free check: geteuid has no preconditions.
    if unsafe { libc::geteuid() } == 0 {
        flags.push("--no-sandbox".into());
    }
    flags.push(format!("--user-data-dir={}", profile.display()));
    flags
}

/// The start of the name of every browser profile reel creates in the temp dir; the owner
/// ([`crate::files::owner_tag`]) follows.
pub const PROFILE_PREFIX: &str = "reel-chrome-";

/// Removes the browser profiles that runs killed with `kill -9` left in the temp dir (their
/// browser died with them; see [`crate::files::is_stale`]). Once per process.
fn sweep_stale_profiles() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let tmp = std::env::temp_dir();
        for entry in std::fs::read_dir(&tmp).into_iter().flatten().flatten() {
            let name = entry.file_name();
            let name = name.to_string_lossy();
            let path = entry.path();
            if name.starts_with(PROFILE_PREFIX)
                && entry.file_type().is_ok_and(|t| t.is_dir())
                && crate::files::is_stale(&path, &name, PROFILE_PREFIX)
                && std::fs::remove_dir_all(&path).is_ok()
            {
                tracing::debug!("removed {}, left by a run that was killed", path.display());
            }
        }
    });
}

/// A connected browser: the CDP client, its event-loop task, and (when launched) the process and
/// its temporary profile.
pub struct BrowserSession {
    pub browser: Arc<Browser>,
    handler: Mutex<Option<JoinHandle<()>>>,
    child: Mutex<Option<Child>>,
    profile: Mutex<Option<tempfile::TempDir>>,
    /// Raised when the browser process exits or the connection to it drops.
    lost: Arc<Alarm>,
    watcher: Mutex<Option<JoinHandle<()>>>,
    /// Where it runs: the executable path or the websocket it was attached through.
    pub label: String,
    /// What the browser says it is.
    pub info: BrowserInfo,
    pub timeout: Duration,
    pub allow_network: bool,
    /// The URL at which the browser's side of request interception serves the player page to
    /// this session's new pages, so a page is created straight at it (see
    /// [`super::player::PlayerPage::open`]), and the task serving it; `None` when the browser
    /// would not intercept at its level (pages then open blank and navigate to the player).
    pub(crate) player: Option<(String, JoinHandle<()>)>,
    /// Player pages that finished a replay, kept for the next (see
    /// [`super::player::PlayerPage::open`]).
    pub(crate) idle_players: Mutex<Vec<super::player::PlayerPage>>,
}

impl BrowserSession {
    /// Launches Chromium, or attaches to `ws` when given.
    pub async fn start(
        opts: &BrowserOptions,
        ws: Option<&str>,
    ) -> Result<BrowserSession, ReplayError> {
        let config = HandlerConfig {
            request_timeout: opts.timeout,
            viewport: None,
            ..HandlerConfig::default()
        };
        if let Some(url) = ws {
            let (browser, handler) = tokio::time::timeout(
                opts.timeout,
                Browser::connect_with_config(url.to_string(), config),
            )
            .await
            .map_err(|_| ReplayError::Browser(format!("attaching to {url} timed out")))?
            .map_err(|e| ReplayError::Browser(format!("cannot attach to {url}: {e}")))?;
            return match Connected::set_up(browser, handler, opts.timeout).await {
                Ok(c) => Ok(c.into_session(None, url.to_string(), opts)),
                Err(e) => Err(ReplayError::Browser(format!("{url}: {e}"))),
            };
        }
        let exe = find_chrome(opts.chrome.as_deref())?;
        sweep_stale_profiles();
        let profile = tempfile::Builder::new()
            .prefix(&format!("{PROFILE_PREFIX}{}-", crate::files::owner_tag()))
            .tempdir()
            .map_err(|e| {
                ReplayError::Browser(format!("cannot create a browser profile dir: {e}"))
            })?;
        let mut flags = launch_flags(profile.path(), opts.allow_network);
        flags.extend(opts.extra_args.iter().cloned());
        let launch = std::time::Instant::now();
        let (mut child, ws) = spawn_chrome(&exe, &flags, opts.timeout)?;
        crate::timings::since("browser launch", launch);
        let connected = crate::timings::span(
            "browser connect",
            tokio::time::timeout(opts.timeout, Browser::connect_with_config(ws, config)),
        )
        .await;
        let failure = match connected {
            Ok(Ok((browser, handler))) => {
                match Connected::set_up(browser, handler, opts.timeout).await {
                    Ok(c) => {
                        let label = exe.display().to_string();
                        return Ok(c.into_session(Some((child, profile)), label, opts));
                    }
                    Err(e) => format!("{}: {e}", exe.display()),
                }
            }
            Ok(Err(e)) => format!("cannot connect to {}: {e}", exe.display()),
            Err(_) => format!("connecting to {} timed out", exe.display()),
        };
        kill_group(&mut child);
        Err(ReplayError::Browser(failure))
    }

    /// The process id of a browser reel launched.
    pub fn pid(&self) -> Option<u32> {
        self.child.lock().ok()?.as_ref().map(|c| c.id())
    }

    /// Why the browser is gone (its process exited, the connection dropped), once it is.
    pub fn lost(&self) -> Option<String> {
        self.lost.reason()
    }

    /// The step timeout and this browser's alarm, for the steps of a page of it.
    pub fn watch(&self) -> Watch {
        Watch::new(self.timeout, &[&self.lost])
    }

    /// Whether the browser still answers (and, when launched, its process still runs).
    pub async fn is_healthy(&self) -> bool {
        if self.lost.reason().is_some() {
            return false;
        }
        if let Ok(mut child) = self.child.lock()
            && let Some(c) = child.as_mut()
            && !matches!(c.try_wait(), Ok(None))
        {
            return false;
        }
        matches!(
            tokio::time::timeout(Duration::from_secs(5), self.browser.version()).await,
            Ok(Ok(_))
        )
    }

    /// Closes the browser and removes its profile. A launched browser runs in its own process
    /// group, which is killed as a whole: nothing of it is worth a graceful shutdown (the profile
    /// is thrown away), and no helper process outlives it. Attached browsers are left running;
    /// only the connection is dropped.
    pub async fn close(&self) {
        let idle = self
            .idle_players
            .lock()
            .map(|mut p| std::mem::take(&mut *p))
            .unwrap_or_default();
        let child = self.child.lock().ok().and_then(|mut c| c.take());
        if child.is_some() {
            // Killing the browser ends its pages.
            idle.into_iter().for_each(super::player::PlayerPage::forget);
        } else {
            futures::future::join_all(idle.into_iter().map(|p| p.close())).await;
        }
        self.lost.raise("the browser was closed");
        if let Some(child) = &child {
            signal_group(child);
        }
        for task in [&self.handler, &self.watcher] {
            if let Ok(mut t) = task.lock()
                && let Some(t) = t.take()
            {
                t.abort();
            }
        }
        if let Some((_, task)) = &self.player {
            task.abort();
        }
        // While the killed processes are torn down: nothing of theirs writes to it any more.
        if let Ok(mut p) = self.profile.lock()
            && let Some(p) = p.take()
        {
            let _ = p.close();
        }
        if let Some(mut child) = child {
            // Reaped aside: its teardown takes 8-20 ms that nothing needs to wait for (when reel
            // exits first, init reaps it).
            std::thread::spawn(move || {
                let _ = child.kill();
                let _ = child.wait();
            });
        }
    }

    /// Ends a launched browser and every process it started, now.
    pub fn kill(&self) {
        if let Ok(mut guard) = self.child.lock()
            && let Some(mut child) = guard.take()
        {
            kill_group(&mut child);
        }
    }
}

/// A browser connected and identified, before it becomes a [`BrowserSession`].
struct Connected {
    browser: Arc<Browser>,
    handler: JoinHandle<()>,
    lost: Arc<Alarm>,
    info: BrowserInfo,
    player: Option<(String, JoinHandle<()>)>,
}

impl Connected {
    /// Runs the client's event loop, then identifies the browser while it starts serving the
    /// player page; nothing keeps running when identifying fails.
    async fn set_up(
        browser: Browser,
        handler: chromiumoxide::Handler,
        timeout: Duration,
    ) -> Result<Connected, String> {
        let lost = Arc::new(Alarm::default());
        let handler = spawn_handler(handler, lost.clone());
        let browser = Arc::new(browser);
        let (info, player) =
            tokio::join!(identify(&browser, timeout), serve_player(&browser, timeout));
        let player = player
            .inspect_err(|e| tracing::debug!("pages open blank: {e}"))
            .ok();
        match info {
            Ok(info) => Ok(Connected {
                browser,
                handler,
                lost,
                info,
                player,
            }),
            Err(e) => {
                handler.abort();
                if let Some((_, task)) = player {
                    task.abort();
                }
                Err(e)
            }
        }
    }

    /// The session; `launched`: the browser's process and profile when reel started it.
    fn into_session(
        self,
        launched: Option<(Child, tempfile::TempDir)>,
        label: String,
        opts: &BrowserOptions,
    ) -> BrowserSession {
        let watcher = launched
            .as_ref()
            .map(|(child, _)| watch_process(child.id(), self.lost.clone()));
        let (child, profile) = launched.unzip();
        BrowserSession {
            browser: self.browser,
            player: self.player,
            handler: Mutex::new(Some(self.handler)),
            child: Mutex::new(child),
            profile: Mutex::new(profile),
            lost: self.lost,
            watcher: Mutex::new(watcher),
            label,
            info: self.info,
            timeout: opts.timeout,
            allow_network: opts.allow_network,
            idle_players: Mutex::new(Vec::new()),
        }
    }
}

/// Serves the player page from the browser's side of request interception at a URL of this
/// session's own (so reel processes sharing a browser never answer each other's pages): a page
/// created at that URL loads the player while it is being attached and set up, instead of
/// opening blank and navigating afterwards (~30 ms a page). Only that URL is intercepted at the
/// browser's level; once a page intercepts its own requests, the browser's level no longer sees
/// them.
async fn serve_player(
    browser: &Arc<Browser>,
    timeout: Duration,
) -> Result<(String, JoinHandle<()>), String> {
    use chromiumoxide::cdp::browser_protocol::fetch::{
        ContinueRequestParams, EnableParams, EventRequestPaused, RequestPattern,
    };
    static SERVED: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let url = format!(
        "{}/player-{}-{}-{nanos}.html",
        super::assets::ORIGIN,
        std::process::id(),
        SERVED.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    );
    let mut paused = browser
        .event_listener::<EventRequestPaused>()
        .await
        .map_err(|e| e.to_string())?;
    let enable = EnableParams::builder()
        .pattern(RequestPattern::builder().url_pattern(url.clone()).build())
        .build();
    tokio::time::timeout(timeout, browser.execute(enable))
        .await
        .map_err(|_| "timed out".to_string())?
        .map_err(|e| e.to_string())?;
    let [(_, mime, page)] = super::assets::player_files();
    let (served, browser) = (url.clone(), browser.clone());
    let task = tokio::spawn(async move {
        while let Some(event) = paused.next().await {
            let id = event.request_id.clone();
            let answer = if event.request.url == served {
                match super::isolation::response(id, mime, page) {
                    Some(p) => browser.execute(p).await.map(|_| ()),
                    None => continue,
                }
            } else {
                browser
                    .execute(ContinueRequestParams::new(id))
                    .await
                    .map(|_| ())
            };
            if let Err(e) = answer {
                tracing::debug!("serving the player from the browser: {e}");
            }
        }
    });
    Ok((url, task))
}

/// Kills the process group `child` leads (the browser and its helpers), then reaps `child`.
fn kill_group(child: &mut Child) {
    signal_group(child);
    let _ = child.kill();
    let _ = child.wait();
}

/// Sends SIGKILL to the process group `child` leads.
fn signal_group(child: &Child) {
    if let Ok(pid) = i32::try_from(child.id()) {
        // SAFETY-free check: kill has no memory-safety preconditions.
        unsafe {
            libc::kill(-pid, libc::SIGKILL);
        }
    }
}

impl Drop for BrowserSession {
    fn drop(&mut self) {
        if let Some((_, task)) = &self.player {
            task.abort();
        }
        if let Ok(mut guard) = self.child.lock()
            && let Some(child) = guard.as_mut()
        {
            kill_group(child);
        }
        for task in [&self.handler, &self.watcher] {
            if let Ok(mut t) = task.lock()
                && let Some(t) = t.take()
            {
                t.abort();
            }
        }
    }
}

/// Asks the browser what it is (`Browser.getVersion`).
async fn identify(browser: &Browser, timeout: Duration) -> Result<BrowserInfo, String> {
    match tokio::time::timeout(timeout, browser.version()).await {
        Ok(Ok(v)) => Ok(BrowserInfo::from_product(&v.product)),
        Ok(Err(e)) => Err(format!("cannot read the browser's version: {e}")),
        Err(_) => Err("reading the browser's version timed out".into()),
    }
}

/// Polls the browser's event loop; a broken DevTools connection raises `lost`.
fn spawn_handler(mut handler: chromiumoxide::Handler, lost: Arc<Alarm>) -> JoinHandle<()> {
    tokio::spawn(async move {
        while let Some(event) = handler.next().await {
            match event {
                Err(chromiumoxide::error::CdpError::Ws(e)) => {
                    tracing::trace!("browser connection: {e}");
                    lost.raise(format!("the connection to the browser was lost ({e})"));
                }
                Err(e) => tracing::trace!("browser event loop: {e}"),
                Ok(()) => {}
            }
        }
    })
}

/// How often a launched browser's process is checked for having exited.
const PROCESS_POLL: Duration = Duration::from_millis(50);

/// Raises `lost` as soon as the process `pid` (a child of reel, not yet reaped) exits, saying how.
fn watch_process(pid: u32, lost: Arc<Alarm>) -> JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(PROCESS_POLL).await;
            if let Some(how) = exited(pid) {
                lost.raise(format!("the browser process {how}"));
                return;
            }
        }
    })
}

/// Whether child process `pid` has exited, and how; it stays unreaped (`WNOWAIT`), so the
/// `Child` that owns it still reaps it.
fn exited(pid: u32) -> Option<String> {
    let pid = libc::id_t::try_from(pid).ok()?;
    // SAFETY: `info` is a plain C struct that waitid fills in; zeroed is a valid value for it.
    let mut info: libc::siginfo_t = unsafe { std::mem::zeroed() };
    let flags = libc::WEXITED | libc::WNOHANG | libc::WNOWAIT;
    // SAFETY: waitid only writes into `info`, which lives for the call.
    let r = unsafe { libc::waitid(libc::P_PID, pid, &mut info, flags) };
    if r != 0 {
        // ECHILD: already reaped (reel closed it).
        return Some("is gone".into());
    }
    // SAFETY: si_pid and si_status are valid to read after waitid returned 0.
    let (who, status) = unsafe { (info.si_pid(), info.si_status()) };
    if who == 0 {
        return None;
    }
    Some(match info.si_code {
        libc::CLD_EXITED => format!("exited with status {status}"),
        _ => format!("was killed by signal {status}"),
    })
}

/// Starts the browser process and reads its DevTools websocket address from stderr.
fn spawn_chrome(
    exe: &Path,
    flags: &[String],
    timeout: Duration,
) -> Result<(Child, String), ReplayError> {
    use std::os::unix::process::CommandExt;
    let mut cmd = Command::new(exe);
    cmd.args(flags)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    // The browser leads its own process group (so closing it can kill it with all its helpers at
    // once, and a Ctrl-C in the terminal reaches reel, not the browser), and dies with the thread
    // that started it: reel's main thread.
    unsafe {
        cmd.pre_exec(|| {
            if libc::setpgid(0, 0) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    tracing::debug!("launching {} {}", exe.display(), flags.join(" "));
    let mut child = cmd
        .spawn()
        .map_err(|e| ReplayError::Browser(format!("cannot start {}: {e}", exe.display())))?;
    let stderr = child.stderr.take().expect("stderr is piped");
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut sent = false;
        let mut tail: Vec<String> = Vec::new();
        for line in BufReader::new(stderr).lines() {
            let Ok(line) = line else { break };
            if !sent {
                if let Some(pos) = line.find("ws://") {
                    let _ = tx.send(Ok(line[pos..].trim().to_string()));
                    sent = true;
                    continue;
                }
                tail.push(line.clone());
                if tail.len() > 8 {
                    tail.remove(0);
                }
            }
            tracing::trace!(target: "reel::chrome", "{line}");
        }
        if !sent {
            let _ = tx.send(Err(tail.join(" | ")));
        }
    });
    match rx.recv_timeout(timeout) {
        Ok(Ok(ws)) => Ok((child, ws)),
        Ok(Err(tail)) => {
            kill_group(&mut child);
            Err(ReplayError::Browser(format!(
                "{} exited before it was ready: {}",
                exe.display(),
                if tail.is_empty() {
                    "no output".into()
                } else {
                    tail
                }
            )))
        }
        Err(_) => {
            kill_group(&mut child);
            Err(ReplayError::Browser(format!(
                "{} did not report a DevTools address within {:?}",
                exe.display(),
                timeout
            )))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn file(dir: &Path, name: &str, text: &str) -> PathBuf {
        let p = dir.join(name);
        std::fs::write(&p, text).unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
        p
    }

    #[test]
    fn an_exited_child_is_seen_without_being_reaped() {
        let mut child = Command::new("sleep").arg("30").spawn().unwrap();
        assert_eq!(exited(child.id()), None);
        child.kill().unwrap();
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        let how = loop {
            if let Some(how) = exited(child.id()) {
                break how;
            }
            assert!(std::time::Instant::now() < deadline, "never seen exiting");
            std::thread::sleep(Duration::from_millis(5));
        };
        assert_eq!(how, "was killed by signal 9");
        // Still there to reap.
        assert!(child.wait().is_ok());
    }

    #[test]
    fn launcher_scripts_are_skipped_for_the_binary_they_start() {
        let dir = tempfile::tempdir().unwrap();
        let lib = dir.path().join("lib/chromium");
        std::fs::create_dir_all(&lib).unwrap();
        let real = file(&lib, "chromium", "\x7fELF not really");
        let shell = file(&lib, "chromium-headless-shell", "\x7fELF not really");
        let debian = file(
            dir.path(),
            "chromium",
            &format!(
                "#!/bin/sh\nAPPNAME=chromium\nLIBDIR={}/lib/$APPNAME\nexec $LIBDIR/$APPNAME $CHROMIUM_FLAGS \"$@\"\n",
                dir.path().display()
            ),
        );
        assert_eq!(past_launcher_script(debian), real);
        let one_line = file(
            dir.path(),
            "chromium-headless-shell",
            &format!("#!/bin/sh\n\n{} \"$@\"\n", shell.display()),
        );
        assert_eq!(past_launcher_script(one_line), shell);
        for other in [
            "#!/bin/sh\nset -e\n/opt/chrome/chrome \"$@\"\n",
            "#!/bin/sh\nrelative/chrome \"$@\"\n",
            "#!/bin/sh\n/no/such/chrome \"$@\"\n",
        ] {
            let script = file(dir.path(), "wrapper", other);
            assert_eq!(past_launcher_script(script.clone()), script, "{other}");
        }
        assert_eq!(past_launcher_script(real.clone()), real);
    }
}
