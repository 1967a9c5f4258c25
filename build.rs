//! Builds the player bundle at compile time: makes sure rrweb, at the exact version and tarball
//! integrity pinned in `player/package-lock.json`, is what is installed in `player/node_modules`
//! (running `npm ci` when it is missing or out of date), and hands the paths of the files to
//! embed to the compiler. rrweb comes from npm, so building needs Node.js and npm; running reel
//! needs neither.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The player's own files (rrweb aside), embedded or pinning what is.
const PLAYER_FILES: [&str; 7] = [
    "index.html",
    "player.js",
    "live.js",
    "drive.js",
    "locate.js",
    "package.json",
    "package-lock.json",
];

fn main() {
    let manifest =
        PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let player = manifest.join("player");
    for f in PLAYER_FILES {
        println!("cargo::rerun-if-changed={}", player.join(f).display());
    }
    for f in [
        "dom.js",
        "review.js",
        "replay.js",
        "images.js",
        "report.js",
        "viewer.js",
        "viewer.css",
    ] {
        println!(
            "cargo::rerun-if-changed={}",
            player.join("viewer").join(f).display()
        );
    }
    let installed = player.join("node_modules/rrweb");
    let rrweb_js = installed.join("dist/rrweb.umd.min.cjs");
    let rrweb_css = installed.join("dist/style.css");
    for p in [
        &rrweb_js,
        &rrweb_css,
        &installed.join("package.json"),
        &player.join("node_modules/.package-lock.json"),
    ] {
        println!("cargo::rerun-if-changed={}", p.display());
    }

    let pinned = match pinned_rrweb(&player.join("package-lock.json")) {
        Ok(p) => p,
        Err(e) => fail(&e),
    };
    if installed_rrweb(&player).as_ref() != Ok(&pinned)
        && let Err(e) = npm_ci(&player, &pinned)
    {
        fail(&e);
    }
    match installed_rrweb(&player) {
        Ok(found) if found == pinned => {}
        Ok(found) => fail(&format!(
            "player/node_modules holds rrweb {} ({}) after `npm ci`, but player/package-lock.json pins {} ({}); \
             delete player/node_modules and build again",
            found.version, found.integrity, pinned.version, pinned.integrity
        )),
        Err(e) => fail(&format!("after `npm ci` in player/: {e}")),
    }
    for f in [&rrweb_js, &rrweb_css] {
        if !f.is_file() {
            fail(&format!(
                "{} is missing from rrweb {}: delete player/node_modules and build again",
                f.display(),
                pinned.version
            ));
        }
    }

    println!("cargo::rustc-env=REEL_RRWEB_VERSION={}", pinned.version);
    println!("cargo::rustc-env=REEL_RRWEB_JS={}", rrweb_js.display());
    println!("cargo::rustc-env=REEL_RRWEB_CSS={}", rrweb_css.display());
    println!(
        "cargo::rustc-env=REEL_PLAYER_HTML={}",
        player.join("index.html").display()
    );
    println!(
        "cargo::rustc-env=REEL_PLAYER_JS={}",
        player.join("player.js").display()
    );
    for (var, file) in [
        ("REEL_LIVE_JS", "live.js"),
        ("REEL_DRIVE_JS", "drive.js"),
        ("REEL_LOCATE_JS", "locate.js"),
    ] {
        println!("cargo::rustc-env={var}={}", player.join(file).display());
    }

    // What reel's replays and drives are made of, for caches of their results (`reel drive`
    // keeps its replays of the recordings): every source file, the player and rrweb.
    println!("cargo::rerun-if-changed={}", manifest.join("src").display());
    let mut inputs = Vec::new();
    collect_files(&manifest.join("src"), &mut inputs);
    inputs.extend(PLAYER_FILES.iter().map(|f| player.join(f)));
    inputs.push(rrweb_js.clone());
    inputs.push(manifest.join("Cargo.lock"));
    inputs.sort();
    let mut hash = Fnv::default();
    for f in &inputs {
        hash.write(
            f.strip_prefix(&manifest)
                .unwrap_or(f)
                .to_string_lossy()
                .as_bytes(),
        );
        match std::fs::read(f) {
            Ok(bytes) => hash.write(&bytes),
            Err(e) => fail(&format!("cannot read {}: {e}", f.display())),
        }
    }
    println!("cargo::rustc-env=REEL_SOURCE_FINGERPRINT={:016x}", hash.0);
}

fn collect_files(dir: &Path, into: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        match entry.file_type() {
            Ok(t) if t.is_dir() => collect_files(&path, into),
            Ok(t) if t.is_file() => into.push(path),
            _ => {}
        }
    }
}

/// FNV-1a, 64 bits: enough to tell one source tree from another.
struct Fnv(u64);

impl Default for Fnv {
    fn default() -> Fnv {
        Fnv(0xcbf2_9ce4_8422_2325)
    }
}

impl Fnv {
    fn write(&mut self, bytes: &[u8]) {
        for b in (bytes.len() as u64).to_le_bytes().iter().chain(bytes) {
            self.0 = (self.0 ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3);
        }
    }
}

/// rrweb as npm records it: the version and the integrity (sha512 of the tarball) of the package.
#[derive(Debug, PartialEq, Eq)]
struct Package {
    version: String,
    integrity: String,
}

/// The rrweb that `player/package-lock.json` pins.
fn pinned_rrweb(lock: &Path) -> Result<Package, String> {
    let text = std::fs::read_to_string(lock).map_err(|e| format!("{}: {e}", lock.display()))?;
    lock_entry(&text, "node_modules/rrweb")
        .ok_or_else(|| format!("{} has no node_modules/rrweb entry", lock.display()))
}

/// The rrweb installed in `player/node_modules`: the version of its `package.json`, and the
/// integrity npm recorded for it in `node_modules/.package-lock.json` when it installed it.
fn installed_rrweb(player: &Path) -> Result<Package, String> {
    let modules = player.join("node_modules");
    let hidden = modules.join(".package-lock.json");
    let text =
        std::fs::read_to_string(&hidden).map_err(|_| "rrweb is not installed".to_string())?;
    let recorded = lock_entry(&text, "node_modules/rrweb")
        .ok_or_else(|| format!("{} has no rrweb entry", hidden.display()))?;
    let manifest = modules.join("rrweb/package.json");
    let text =
        std::fs::read_to_string(&manifest).map_err(|e| format!("{}: {e}", manifest.display()))?;
    let version = string_field(&text, "version")
        .ok_or_else(|| format!("{} has no version", manifest.display()))?;
    if version != recorded.version {
        return Err(format!(
            "{} says {version}, npm recorded {}",
            manifest.display(),
            recorded.version
        ));
    }
    Ok(recorded)
}

/// The `version` and `integrity` of the `"<key>": { … }` object of an npm lockfile. npm writes
/// lockfiles in one fixed layout: the package's fields follow its key, before the next `}` of
/// its nesting level.
fn lock_entry(lock: &str, key: &str) -> Option<Package> {
    let start = lock.find(&format!("\"{key}\": {{"))?;
    let body = &lock[start..];
    let end = body.find("\n    }").unwrap_or(body.len());
    let body = &body[..end];
    Some(Package {
        version: string_field(body, "version")?,
        integrity: string_field(body, "integrity")?,
    })
}

/// The value of the first `"<name>": "<value>"` in `text`.
fn string_field(text: &str, name: &str) -> Option<String> {
    let rest = &text[text.find(&format!("\"{name}\": \""))? + name.len() + 5..];
    Some(rest[..rest.find('"')?].to_string())
}

fn npm_ci(player: &Path, pinned: &Package) -> Result<(), String> {
    println!(
        "cargo::warning=installing rrweb {} from npm (`npm ci` in player/)",
        pinned.version
    );
    let needs = format!(
        "reel embeds rrweb {} from npm at build time, so building reel needs Node.js (18 or later) \
         and npm on PATH (Debian/Ubuntu: `sudo apt-get install -y nodejs npm`) and access to the npm \
         registry once; running reel needs neither",
        pinned.version
    );
    match Command::new("npm")
        .args(["ci", "--no-audit", "--no-fund", "--loglevel=error"])
        .current_dir(player)
        .status()
    {
        Ok(s) if s.success() => Ok(()),
        Ok(s) => Err(format!(
            "`npm ci` in {} failed ({s}). {needs}",
            player.display()
        )),
        Err(e) => Err(format!("cannot run `npm` ({e}). {needs}")),
    }
}

/// Stops the build with `message` shown as the error (no panic backtrace).
fn fail(message: &str) -> ! {
    println!("cargo::error={message}");
    std::process::exit(0)
}
