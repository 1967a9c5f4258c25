//! Same-document references in recorded CSS. rrweb's recorder makes every `url(...)` in CSS
//! absolute, including fragment-only ones: an inline SVG's `clip-path: url(#clip)` is recorded as
//! `url("https://app.example/page#clip")`. In the replay the document has another URL, so the
//! reference turns external: the browser requests the page (blocked, offline) and draws the
//! element clipped or not depending on when that request fails — a flaky frame, and not what the
//! user saw. Here such references go back to `url(#clip)` for every page URL the window visited.

use crate::recording::{EventFacts, EventType, WindowStream};
use std::borrow::Cow;

/// Most page URLs taken into account: every event is searched for each, so a hostile recording
/// with millions of distinct Meta URLs must not make that quadratic.
const MAX_PAGE_URLS: usize = 64;

/// The URLs (without fragment) of the first [`MAX_PAGE_URLS`] pages recorded in `window`, from
/// its Meta events.
pub fn page_urls(window: &WindowStream) -> Vec<String> {
    let mut seen = std::collections::HashSet::new();
    let mut urls: Vec<String> = Vec::new();
    for e in window.events.iter().filter(|e| e.kind == EventType::Meta) {
        if let EventFacts::Meta {
            href: Some(href), ..
        } = e.facts()
        {
            for url in forms_of(&href) {
                if urls.len() == MAX_PAGE_URLS {
                    return urls;
                }
                if seen.insert(url.clone()) {
                    urls.push(url);
                }
            }
        }
    }
    urls
}

/// How rrweb may have written the page `href` in an absolutified `url(#id)`: the URL without
/// fragment, without query, and the page's directory (rrweb resolves `#id` against the
/// directory: `/swagger/index.html` gives `/swagger/#id`).
fn forms_of(href: &str) -> Vec<String> {
    let Some(scheme_end) = href.find("://") else {
        return Vec::new();
    };
    let without_fragment = href.split('#').next().unwrap_or_default();
    let without_query = without_fragment.split('?').next().unwrap_or_default();
    let mut forms = vec![without_fragment.to_string()];
    if without_query != without_fragment {
        forms.push(without_query.to_string());
    }
    let after_host = scheme_end + 3;
    if let Some(last_slash) = without_query[after_host..].rfind('/') {
        let directory = &without_query[..after_host + last_slash + 1];
        if directory != without_query {
            forms.push(directory.to_string());
        }
    }
    forms
}

/// `json` (an event as JSON text) with `url(<page>#id)` turned into `url(#id)` for each of
/// `pages`, whether the URL is bare, in single quotes or in (JSON-escaped) double quotes.
pub fn localize<'a>(json: &'a str, pages: &[String]) -> Cow<'a, str> {
    if pages.is_empty() || !json.contains("url(") {
        return Cow::Borrowed(json);
    }
    let mut out = Cow::Borrowed(json);
    for page in pages {
        if !out.contains(page.as_str()) {
            continue;
        }
        for quote in ["", "'", "\\\""] {
            let absolute = format!("url({quote}{page}#");
            if out.contains(&absolute) {
                out = Cow::Owned(out.replace(&absolute, &format!("url({quote}#")));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pages() -> Vec<String> {
        forms_of("http://127.0.0.1:8700/swagger/index.html?x=1#/pet")
    }

    #[test]
    fn a_page_is_known_by_its_url_and_its_directory() {
        assert_eq!(
            pages(),
            [
                "http://127.0.0.1:8700/swagger/index.html?x=1",
                "http://127.0.0.1:8700/swagger/index.html",
                "http://127.0.0.1:8700/swagger/"
            ]
        );
        assert_eq!(forms_of("https://app.example"), ["https://app.example"]);
        assert!(forms_of("about:blank").is_empty());
    }

    #[test]
    fn fragment_references_to_the_page_become_local() {
        let json = r##"{"style":"clip-path: url(\"http://127.0.0.1:8700/swagger/#clip-a\");"}"##;
        assert_eq!(
            localize(json, &pages()),
            r##"{"style":"clip-path: url(\"#clip-a\");"}"##
        );
        let bare = r##"{"style":"mask:url(http://127.0.0.1:8700/swagger/#m) ,fill: url('http://127.0.0.1:8700/swagger/#g')"}"##;
        assert_eq!(
            localize(bare, &pages()),
            r##"{"style":"mask:url(#m) ,fill: url('#g')"}"##
        );
    }

    #[test]
    fn page_urls_are_bounded() {
        let events = (0..1000)
            .map(|i| crate::recording::Event {
                kind: EventType::Meta,
                timestamp: i,
                source: None,
                json: serde_json::value::RawValue::from_string(format!(
                    r#"{{"type":4,"timestamp":{i},"data":{{"href":"http://x.test/p{i}/a.html","width":1,"height":1}}}}"#
                ))
                .unwrap(),
            })
            .collect();
        let window = WindowStream {
            id: "w".into(),
            events,
        };
        let urls = page_urls(&window);
        assert_eq!(urls.len(), MAX_PAGE_URLS);
        assert_eq!(urls[..2], ["http://x.test/p0/a.html", "http://x.test/p0/"]);
    }

    #[test]
    fn other_urls_are_left_alone() {
        for json in [
            r##"{"style":"background: url(\"http://127.0.0.1:8700/swagger/logo.png\")"}"##,
            r##"{"style":"clip-path: url(\"http://127.0.0.1:8700/other/#clip\")"}"##,
            r##"{"href":"http://127.0.0.1:8700/swagger/#section"}"##,
            r##"{"style":"clip-path: url(#already-local)"}"##,
        ] {
            assert!(
                matches!(localize(json, &pages()), Cow::Borrowed(_)),
                "{json}"
            );
        }
    }
}
