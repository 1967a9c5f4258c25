//! `--url [FROM=]TO`: which recorded origins are served by the build under test, and where.
//! A mapped URL keeps its path, query and hash; only the origin changes. Without `FROM`, the
//! recorded origin is the one the recording's page loads (Meta hrefs) come from.

use url::Url;

/// What is wrong with a `--url` value or its fit to a recording.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UrlMapError {
    #[error(
        "--url {value:?}: {what} (expected an http(s) origin such as http://127.0.0.1:3000, or FROM=TO such as https://app.example.com=http://127.0.0.1:3000)"
    )]
    Invalid { value: String, what: String },
    #[error("--url: {origin} is mapped twice")]
    Duplicate { origin: String },
    #[error("no --url given: name the build under test, e.g. --url http://127.0.0.1:3000")]
    Missing,
    #[error(
        "--url {to} has no FROM and the recording loads pages from several origins ({origins}): map each with --url FROM=TO"
    )]
    Ambiguous { to: String, origins: String },
    #[error(
        "--url {to} has no FROM and the recording has no page loads (no Meta event with a URL)"
    )]
    NoPageLoads { to: String },
}

/// One `--url` value as given: an optional recorded origin and the origin of the build.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UrlSpec {
    pub from: Option<String>,
    pub to: String,
}

impl std::str::FromStr for UrlSpec {
    type Err = UrlMapError;

    fn from_str(value: &str) -> Result<Self, Self::Err> {
        let (from, to) = match value.split_once('=') {
            Some((from, to)) => (Some(origin_of(value, from)?), to),
            None => (None, value),
        };
        Ok(UrlSpec {
            from,
            to: origin_of(value, to)?,
        })
    }
}

/// `text` as an origin (`scheme://host[:port]`), refusing anything with a path, query or hash.
fn origin_of(value: &str, text: &str) -> Result<String, UrlMapError> {
    let invalid = |what: &str| UrlMapError::Invalid {
        value: value.to_string(),
        what: what.to_string(),
    };
    let url =
        Url::parse(text.trim()).map_err(|e| invalid(&format!("{text:?} is not a URL ({e})")))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(invalid(&format!("{text:?} is not http or https")));
    }
    if url.host().is_none() {
        return Err(invalid(&format!("{text:?} has no host")));
    }
    if url.path() != "/" || url.query().is_some() || url.fragment().is_some() {
        return Err(invalid(&format!(
            "{text:?} has a path, query or hash; give the origin only"
        )));
    }
    Ok(url.origin().ascii_serialization())
}

/// The origin of `url`, if it is an http(s) URL.
pub fn origin(url: &str) -> Option<String> {
    let u = Url::parse(url).ok()?;
    matches!(u.scheme(), "http" | "https").then(|| u.origin().ascii_serialization())
}

/// The recorded origins of one recording and the live origins they map to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UrlMap {
    pairs: Vec<(String, String)>,
}

impl UrlMap {
    /// The map for a recording whose page loads are `page_urls`: a spec without `FROM` takes
    /// the one origin those come from.
    pub fn resolve(specs: &[UrlSpec], page_urls: &[String]) -> Result<UrlMap, UrlMapError> {
        if specs.is_empty() {
            return Err(UrlMapError::Missing);
        }
        let mut pairs: Vec<(String, String)> = Vec::new();
        for spec in specs {
            let from = match &spec.from {
                Some(f) => f.clone(),
                None => {
                    let mut origins: Vec<String> =
                        page_urls.iter().filter_map(|u| origin(u)).collect();
                    origins.sort();
                    origins.dedup();
                    match origins.as_slice() {
                        [] => {
                            return Err(UrlMapError::NoPageLoads {
                                to: spec.to.clone(),
                            });
                        }
                        [one] => one.clone(),
                        many => {
                            return Err(UrlMapError::Ambiguous {
                                to: spec.to.clone(),
                                origins: many.join(", "),
                            });
                        }
                    }
                }
            };
            if pairs.iter().any(|(f, _)| *f == from) {
                return Err(UrlMapError::Duplicate { origin: from });
            }
            pairs.push((from, spec.to.clone()));
        }
        Ok(UrlMap { pairs })
    }

    /// `url` on the build under test, when its origin is a recorded one.
    pub fn to_live(&self, url: &str) -> Option<String> {
        let (o, rest) = split_origin(url)?;
        let (_, to) = self.pairs.iter().find(|(from, _)| *from == o)?;
        Some(format!("{to}{rest}"))
    }

    /// The recorded URL a live request stands for, when its origin is a live one.
    pub fn to_recorded(&self, url: &str) -> Option<String> {
        let (o, rest) = split_origin(url)?;
        let (from, _) = self.pairs.iter().find(|(_, to)| *to == o)?;
        Some(format!("{from}{rest}"))
    }

    pub fn is_live(&self, url: &str) -> bool {
        origin(url).is_some_and(|o| self.pairs.iter().any(|(_, to)| *to == o))
    }

    pub fn is_recorded(&self, url: &str) -> bool {
        origin(url).is_some_and(|o| self.pairs.iter().any(|(from, _)| *from == o))
    }

    /// The live origin a recorded one maps to.
    pub fn live_origin(&self, recorded_origin: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(from, _)| from == recorded_origin)
            .map(|(_, to)| to.as_str())
    }

    pub fn pairs(&self) -> &[(String, String)] {
        &self.pairs
    }
}

/// The origin of `url` and everything after it (path, query, hash), exactly as written.
fn split_origin(url: &str) -> Option<(String, &str)> {
    let u = Url::parse(url).ok()?;
    if !matches!(u.scheme(), "http" | "https") {
        return None;
    }
    let o = u.origin().ascii_serialization();
    // The text after `scheme://authority`: the first '/', '?' or '#' after the "//".
    let after_scheme = url.find("//")? + 2;
    let rest_at = url[after_scheme..]
        .find(['/', '?', '#'])
        .map_or(url.len(), |i| after_scheme + i);
    Some((o, &url[rest_at..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(s: &str) -> UrlSpec {
        s.parse().unwrap()
    }

    #[test]
    fn specs_are_origins_with_an_optional_from() {
        assert_eq!(
            spec("http://127.0.0.1:3000"),
            UrlSpec {
                from: None,
                to: "http://127.0.0.1:3000".into()
            }
        );
        assert_eq!(
            spec("https://App.Example.com/=http://localhost:8080/"),
            UrlSpec {
                from: Some("https://app.example.com".into()),
                to: "http://localhost:8080".into()
            }
        );
        for bad in [
            "127.0.0.1:3000",
            "ftp://x.test",
            "http://x.test/app",
            "http://x.test?a=1",
            "http://a.test=",
            "=http://a.test",
            "",
        ] {
            let err = bad.parse::<UrlSpec>().unwrap_err();
            assert!(matches!(err, UrlMapError::Invalid { .. }), "{bad}: {err}");
            assert!(err.to_string().starts_with("--url "), "{err}");
        }
    }

    #[test]
    fn without_from_the_page_loads_name_the_recorded_origin() {
        let pages = vec![
            "http://127.0.0.1:8700/todomvc/examples/backbone/index.html".to_string(),
            "http://127.0.0.1:8700/todomvc/examples/backbone/index.html#/".to_string(),
        ];
        let map = UrlMap::resolve(&[spec("http://127.0.0.1:5555")], &pages).unwrap();
        assert_eq!(
            map.to_live("http://127.0.0.1:8700/todomvc/examples/backbone/index.html#/active"),
            Some("http://127.0.0.1:5555/todomvc/examples/backbone/index.html#/active".into())
        );
        assert_eq!(
            map.to_recorded("http://127.0.0.1:5555/api/v1/pets?status=available&limit=5"),
            Some("http://127.0.0.1:8700/api/v1/pets?status=available&limit=5".into())
        );
        assert_eq!(map.to_live("http://127.0.0.1:8701/static/array.js"), None);
        assert_eq!(map.to_recorded("http://127.0.0.1:8700/x"), None);
        assert!(map.is_live("http://127.0.0.1:5555/"));
        assert!(map.is_recorded("http://127.0.0.1:8700"));
        assert!(!map.is_live("http://127.0.0.1:8701/"));

        let two = vec![pages[0].clone(), "https://other.test/".to_string()];
        assert!(matches!(
            UrlMap::resolve(&[spec("http://127.0.0.1:5555")], &two),
            Err(UrlMapError::Ambiguous { .. })
        ));
        assert!(matches!(
            UrlMap::resolve(&[spec("http://127.0.0.1:5555")], &[]),
            Err(UrlMapError::NoPageLoads { .. })
        ));
        assert_eq!(UrlMap::resolve(&[], &pages), Err(UrlMapError::Missing));
    }

    #[test]
    fn several_from_origins_map_independently() {
        let map = UrlMap::resolve(
            &[
                spec("https://app.example.com=http://127.0.0.1:3000"),
                spec("https://api.example.com=http://127.0.0.1:3001"),
            ],
            &[],
        )
        .unwrap();
        assert_eq!(
            map.to_live("https://api.example.com/v1/items?q=a%20b#frag"),
            Some("http://127.0.0.1:3001/v1/items?q=a%20b#frag".into())
        );
        assert_eq!(
            map.to_live("https://app.example.com"),
            Some("http://127.0.0.1:3000".into())
        );
        assert_eq!(
            map.to_live("https://app.example.com?x=1"),
            Some("http://127.0.0.1:3000?x=1".into())
        );
        assert_eq!(
            map.to_recorded("http://127.0.0.1:3000/a"),
            Some("https://app.example.com/a".into())
        );
        assert_eq!(
            map.live_origin("https://api.example.com"),
            Some("http://127.0.0.1:3001")
        );
        assert!(matches!(
            UrlMap::resolve(
                &[
                    spec("https://app.example.com=http://127.0.0.1:3000"),
                    spec("https://app.example.com=http://127.0.0.1:3001"),
                ],
                &[]
            ),
            Err(UrlMapError::Duplicate { .. })
        ));
    }
}
