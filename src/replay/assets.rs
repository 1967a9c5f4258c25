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

/// `reel drive`'s init script of every live page (virtual clock, seeded randomness).
pub const LIVE_JS: &str = include_str!(env!("REEL_LIVE_JS"));
/// `reel drive`'s helpers in the live page's isolated world (targets, input, screenshots).
pub const DRIVE_JS: &str = include_str!(env!("REEL_DRIVE_JS"));

/// The static files of the player, by path: the player page, with everything it loads inline.
pub fn player_files() -> [(&'static str, &'static str, &'static [u8]); 1] {
    [("/player.html", "text/html; charset=utf-8", player_page())]
}

/// `player/index.html` with rrweb's stylesheet and the three scripts inline: one response
/// instead of five, each of which was a round trip through the DevTools protocol for every page
/// opened. The page's policy allows exactly those scripts, by their SHA-256, besides its own
/// origin; recorded scripts still match neither.
pub fn player_page() -> &'static [u8] {
    static PAGE: std::sync::OnceLock<Vec<u8>> = std::sync::OnceLock::new();
    PAGE.get_or_init(|| {
        inline_player(
            &String::from_utf8_lossy(PLAYER_HTML),
            &String::from_utf8_lossy(RRWEB_CSS),
            &[
                ("/rrweb.js", &String::from_utf8_lossy(RRWEB_JS)),
                ("/locate.js", &String::from_utf8_lossy(LOCATE_JS)),
                ("/player.js", &String::from_utf8_lossy(PLAYER_JS)),
            ],
        )
        .into_bytes()
    })
}

const POLICY_SCRIPTS: &str = "script-src 'self'";

fn inline_player(html: &str, css: &str, scripts: &[(&str, &str)]) -> String {
    use base64::Engine;
    use sha2::Digest;
    let mut page = html.replace(
        r#"<link rel="stylesheet" href="/rrweb.css">"#,
        &format!("<style>\n{css}\n</style>"),
    );
    let mut hashes = String::new();
    for (path, js) in scripts {
        page = page.replace(
            &format!(r#"<script src="{path}"></script>"#),
            &format!("<script>{js}</script>"),
        );
        let digest = sha2::Sha256::digest(js.as_bytes());
        hashes.push_str(&format!(
            " 'sha256-{}'",
            base64::engine::general_purpose::STANDARD.encode(digest)
        ));
    }
    page.replacen(POLICY_SCRIPTS, &format!("{POLICY_SCRIPTS}{hashes}"), 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_player_page_carries_everything_it_loads() {
        let page = String::from_utf8(player_page().to_vec()).unwrap();
        assert!(!page.contains(" src=\"/"), "no script left to fetch");
        assert!(!page.contains("href=\"/"), "no stylesheet left to fetch");
        for (part, what) in [
            (RRWEB_JS, "rrweb"),
            (LOCATE_JS, "locate.js"),
            (PLAYER_JS, "player.js"),
            (RRWEB_CSS, "rrweb's stylesheet"),
        ] {
            let text = std::str::from_utf8(part).unwrap();
            assert!(page.contains(text), "{what} is inline");
            // An inline script's text ends at the first `</script`.
            assert!(!text.contains("</script"), "{what} can be inline");
        }
        assert_eq!(page.matches("'sha256-").count(), 3, "one hash per script");
    }

    #[test]
    fn the_policy_names_each_inline_script_by_its_hash() {
        let html = r#"<meta http-equiv="Content-Security-Policy" content="script-src 'self'; object-src 'none'"><link rel="stylesheet" href="/rrweb.css"><script src="/a.js"></script>"#;
        let page = inline_player(html, "p{}", &[("/a.js", "x")]);
        // printf x | openssl dgst -sha256 -binary | base64
        assert_eq!(
            page,
            "<meta http-equiv=\"Content-Security-Policy\" content=\"script-src 'self' \
             'sha256-LXEWQrcmsEQBYnyp+6wy9chTD7GQPMTbAiWHF5IaSIE='; object-src 'none'\">\
             <style>\np{}\n</style><script>x</script>"
        );
    }
}
