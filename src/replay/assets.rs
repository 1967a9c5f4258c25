//! The player files embedded in the binary at compile time (see `build.rs`), and the private origin
//! they are served from.

/// The made-up origin the player page lives on. `.invalid` never resolves, so even a request that
/// escaped interception could not reach anything.
pub const ORIGIN: &str = "http://reel.invalid";

pub const PLAYER_HTML: &[u8] = include_bytes!(env!("REEL_PLAYER_HTML"));
pub const PLAYER_JS: &[u8] = include_bytes!(env!("REEL_PLAYER_JS"));
/// `player/locate.js`: ranks locators in the player, resolves them on live pages (`reel drive`).
pub const LOCATE_JS: &[u8] = include_bytes!(env!("REEL_LOCATE_JS"));
pub const RRWEB_JS: &[u8] = include_bytes!(env!("REEL_RRWEB_JS"));
pub const RRWEB_CSS: &[u8] = include_bytes!(env!("REEL_RRWEB_CSS"));

/// The static files of the player, by path.
pub fn player_files() -> [(&'static str, &'static str, &'static [u8]); 5] {
    [
        ("/player.html", "text/html; charset=utf-8", PLAYER_HTML),
        ("/player.js", "text/javascript; charset=utf-8", PLAYER_JS),
        ("/locate.js", "text/javascript; charset=utf-8", LOCATE_JS),
        ("/rrweb.js", "text/javascript; charset=utf-8", RRWEB_JS),
        ("/rrweb.css", "text/css; charset=utf-8", RRWEB_CSS),
    ]
}
