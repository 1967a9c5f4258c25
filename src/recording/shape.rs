//! What the player needs of an event, checked when the recording is read: a malformed recording
//! is then an input error naming the file and the event, not a player failure in the middle of a
//! replay (reported as the browser's fault).
//!
//! - Meta and ViewportResize: `width` and `height`, when given, are numbers from 0 to
//!   [`MAX_VIEWPORT`] (the replay sizes its frame from them).
//! - FullSnapshot: `data` is an object (unless it is still compressed with an unknown `cv`) whose
//!   `node` is a DOM node, and `initialOffset`, when given, an object. Every node of the tree is
//!   an object with an integer `type`; documents and elements have a `childNodes` array of nodes;
//!   elements have an `attributes` object and a `tagName` the browser can create (custom elements
//!   a valid custom element name); a doctype's `name` is one the browser accepts. rrweb rebuilds
//!   a snapshot without catching errors, so each of these would end the replay. (Mutations are
//!   applied inside a `try`: a bad one is a replay warning, not checked here.)
//!
//! The tree is walked in one pass over the JSON text with an explicit stack: no recursion (depth
//! is bounded only by `--max-depth`) and no part of the text read twice.

use super::convert::{kind_of, members};
use super::error::Problem;
use serde_json::value::RawValue;
use std::borrow::Cow;

/// The largest viewport width or height accepted.
pub const MAX_VIEWPORT: f64 = 100_000.0;

/// Checks one event: `code` its type, `source` its incremental source, `data` its `data` (as the
/// replay will get it: decompressed).
pub(crate) fn check(
    code: i64,
    source: Option<i64>,
    data: Option<&RawValue>,
) -> Result<(), Problem> {
    let what = match (code, source) {
        (4, _) => "Meta",
        (3, Some(4)) => "ViewportResize",
        (2, _) => "FullSnapshot",
        _ => return Ok(()),
    };
    let Some(data) = data else {
        return Ok(());
    };
    if code == 2 {
        if data.get().starts_with('"') {
            // Compressed with a `cv` reel does not know: kept as it is, with a warning.
            return Ok(());
        }
        return check_snapshot(data.get())
            .map_err(|m| Problem::invalid(format!("FullSnapshot {m}")));
    }
    let data = members(data, &format!("{what} \"data\""))?;
    for key in ["width", "height"] {
        if let Some(v) = data.get(key) {
            viewport_size(v).map_err(|m| Problem::invalid(format!("{what} data.{key} {m}")))?;
        }
    }
    Ok(())
}

/// A FullSnapshot's `data` (JSON text): an object with a `node` tree and an optional
/// `initialOffset` object, read in one pass.
fn check_snapshot(text: &str) -> Result<(), String> {
    let mut s = Scanner {
        b: text.as_bytes(),
        i: 0,
    };
    s.ws();
    if !s.eat(b'{') {
        return Err(format!("data is {}, not an object", s.kind()));
    }
    let mut node = false;
    loop {
        s.ws();
        if s.eat(b'}') {
            break;
        }
        s.eat(b',');
        s.ws();
        let key = s.string()?;
        s.ws();
        if !s.eat(b':') {
            return Err(s.broken());
        }
        s.ws();
        match key.as_ref() {
            "node" => {
                check_tree(&mut s)?;
                node = true;
            }
            "initialOffset" if !matches!(s.peek(), Some(b'{' | b'n')) => {
                return Err(format!("data.initialOffset is {}, not an object", s.kind()));
            }
            _ => s.skip_value()?,
        }
    }
    if node {
        Ok(())
    } else {
        Err("has no data.node".into())
    }
}

fn viewport_size(v: &RawValue) -> Result<(), String> {
    if v.get() == "null" {
        return Ok(());
    }
    match serde_json::from_str::<f64>(v.get()) {
        Ok(x) if (0.0..=MAX_VIEWPORT).contains(&x) => Ok(()),
        Ok(_) => Err(format!(
            "{} is not a viewport size (0 to {MAX_VIEWPORT} pixels)",
            super::convert::excerpt(v.get())
        )),
        Err(_) => Err(format!("is {}, not a number", kind_of(v))),
    }
}

/// One node being read: what the player needs of it, as far as seen.
#[derive(Default)]
struct NodeSeen<'a> {
    kind: Option<Result<i64, String>>,
    children: Option<Result<(), &'static str>>,
    attributes: Option<&'static str>,
    tag: Option<Result<Cow<'a, str>, &'static str>>,
    name: Option<Result<Cow<'a, str>, &'static str>>,
    back_compat: bool,
    svg: bool,
    custom: bool,
    child_count: usize,
}

enum Frame<'a> {
    Node(NodeSeen<'a>),
    /// Inside a `childNodes` array: how many children so far.
    Children(usize),
}

/// Checks the node tree at the cursor (valid JSON: it was parsed before) and moves past it.
fn check_tree<'a>(s: &mut Scanner<'a>) -> Result<(), String> {
    let mut stack: Vec<Frame<'a>> = Vec::new();
    s.ws();
    if !s.eat(b'{') {
        return Err(format!("data.node is {}, not an object", s.kind()));
    }
    stack.push(Frame::Node(NodeSeen::default()));
    while let Some(top) = stack.last_mut() {
        match top {
            Frame::Node(seen) => {
                s.ws();
                if s.eat(b'}') {
                    let node = match stack.pop() {
                        Some(Frame::Node(n)) => n,
                        _ => unreachable!("the top frame is a node"),
                    };
                    finish(&node).map_err(|m| format!("{}: {m}", path(&stack)))?;
                    continue;
                }
                s.eat(b',');
                s.ws();
                let key = s.string()?;
                s.ws();
                if !s.eat(b':') {
                    return Err(s.broken());
                }
                s.ws();
                match key.as_ref() {
                    "childNodes" if s.peek() == Some(b'[') => {
                        s.i += 1;
                        seen.children = Some(Ok(()));
                        stack.push(Frame::Children(0));
                    }
                    "childNodes" => {
                        seen.children = Some(Err(s.kind()));
                        s.skip_value()?;
                    }
                    "type" => {
                        let v = s.raw_value()?;
                        seen.kind = Some(v.parse::<i64>().map_err(|_| super::convert::excerpt(v)));
                    }
                    "attributes" => {
                        seen.attributes = Some(s.kind());
                        s.skip_value()?;
                    }
                    "tagName" | "name" => {
                        let v = if s.peek() == Some(b'"') {
                            Ok(s.string()?)
                        } else {
                            let kind = s.kind();
                            s.skip_value()?;
                            Err(kind)
                        };
                        if key == "tagName" {
                            seen.tag = Some(v);
                        } else {
                            seen.name = Some(v);
                        }
                    }
                    "compatMode" if s.peek() == Some(b'"') => {
                        seen.back_compat = s.string()? == "BackCompat";
                    }
                    "isSVG" => seen.svg = s.scalar()? == "true",
                    "isCustom" => seen.custom = s.scalar()? == "true",
                    _ => s.skip_value()?,
                }
            }
            Frame::Children(count) => {
                s.ws();
                if s.eat(b']') {
                    let count = *count;
                    stack.pop();
                    if let Some(Frame::Node(parent)) = stack.last_mut() {
                        parent.child_count = count;
                    }
                    continue;
                }
                s.eat(b',');
                s.ws();
                let index = *count;
                if !s.eat(b'{') {
                    let kind = s.kind();
                    return Err(format!(
                        "{}.childNodes[{index}] is {kind}, not a node object",
                        path(&stack[..stack.len() - 1])
                    ));
                }
                *count += 1;
                stack.push(Frame::Node(NodeSeen::default()));
            }
        }
    }
    Ok(())
}

/// `data.node.childNodes[2].childNodes[0]` for the node whose frames (below its own) are `stack`;
/// long paths keep their end.
fn path(stack: &[Frame]) -> String {
    let steps: Vec<String> = stack
        .iter()
        .filter_map(|f| match f {
            Frame::Children(n) => Some(format!(".childNodes[{}]", n.saturating_sub(1))),
            Frame::Node(_) => None,
        })
        .collect();
    const SHOWN: usize = 6;
    if steps.len() > SHOWN {
        format!("data.node…{}", steps[steps.len() - SHOWN..].concat())
    } else {
        format!("data.node{}", steps.concat())
    }
}

/// What a whole node must satisfy.
fn finish(n: &NodeSeen<'_>) -> Result<(), String> {
    let kind = match &n.kind {
        None => return Err("has no \"type\"".into()),
        Some(Err(v)) => return Err(format!("\"type\" {v} is not an integer")),
        Some(Ok(k)) => *k,
    };
    if matches!(kind, 0 | 2) {
        match n.children {
            None => return Err("has no \"childNodes\"".into()),
            Some(Err(k)) => return Err(format!("\"childNodes\" is {k}, not an array")),
            Some(Ok(())) => {}
        }
    }
    if kind == 0 && n.back_compat && n.child_count == 0 {
        return Err("is a quirks-mode document without children".into());
    }
    if kind == 1
        && let Some(name) = &n.name
    {
        match name {
            Err(k) => return Err(format!("doctype \"name\" is {k}, not a string")),
            Ok(name) if !valid_doctype_name(name) => {
                return Err(format!(
                    "doctype name {:?} is not one a browser accepts",
                    super::convert::excerpt(name)
                ));
            }
            Ok(_) => {}
        }
    }
    if kind == 2 {
        match n.attributes {
            None => return Err("element has no \"attributes\"".into()),
            Some(k) if k != "an object" => {
                return Err(format!("element \"attributes\" is {k}, not an object"));
            }
            Some(_) => {}
        }
        let tag = match &n.tag {
            None => return Err("element has no \"tagName\"".into()),
            Some(Err(k)) => return Err(format!("element \"tagName\" is {k}, not a string")),
            Some(Ok(t)) => t,
        };
        let ok = if n.svg {
            valid_svg_name(tag)
        } else {
            valid_element_name(tag) && (!n.custom || valid_custom_element_name(tag))
        };
        if !ok || INHERITED_NAMES.contains(&tag.as_ref()) {
            return Err(format!(
                "element tagName {:?} is not one a browser can create",
                super::convert::excerpt(tag)
            ));
        }
    }
    Ok(())
}

/// Names rrweb would look up in a plain JavaScript object and find on its prototype.
const INHERITED_NAMES: [&str; 12] = [
    "__proto__",
    "constructor",
    "hasOwnProperty",
    "isPrototypeOf",
    "propertyIsEnumerable",
    "toLocaleString",
    "toString",
    "valueOf",
    "__defineGetter__",
    "__defineSetter__",
    "__lookupGetter__",
    "__lookupSetter__",
];

/// `document.createElement` accepts it (the DOM's "valid element local name").
fn valid_element_name(name: &str) -> bool {
    let mut chars = name.chars();
    match chars.next() {
        Some(c) if c.is_ascii_alphabetic() => {
            chars.all(|c| !matches!(c, '\t' | '\n' | '\u{c}' | '\r' | ' ' | '\0' | '/' | '>'))
        }
        Some(c) if c == ':' || c == '_' || c >= '\u{80}' => chars.all(|c| {
            c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | ':' | '_') || c >= '\u{80}'
        }),
        _ => false,
    }
}

/// `document.createElementNS(svg, name)` accepts it: a prefix (if any) and a local name, neither
/// empty nor reserved for the XML namespaces.
fn valid_svg_name(name: &str) -> bool {
    let (prefix, local) = match name.split_once(':') {
        Some((p, l)) => (Some(p), l),
        None => (None, name),
    };
    if name == "xmlns" || matches!(prefix, Some("xml" | "xmlns")) || local.contains(':') {
        return false;
    }
    let prefix_ok = prefix.is_none_or(|p| {
        !p.is_empty() && !p.contains(['\t', '\n', '\u{c}', '\r', ' ', '\0', '/', '>'])
    });
    prefix_ok && valid_element_name(local)
}

/// `customElements.define` accepts it.
fn valid_custom_element_name(name: &str) -> bool {
    const RESERVED: [&str; 8] = [
        "annotation-xml",
        "color-profile",
        "font-face",
        "font-face-src",
        "font-face-uri",
        "font-face-format",
        "font-face-name",
        "missing-glyph",
    ];
    name.starts_with(|c: char| c.is_ascii_lowercase())
        && name.contains('-')
        && name.chars().all(|c| {
            c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '-' | '.' | '_') || {
                c >= '\u{b7}'
            }
        })
        && !RESERVED.contains(&name)
}

/// `document.implementation.createDocumentType` accepts it.
fn valid_doctype_name(name: &str) -> bool {
    !name.contains(['\t', '\n', '\u{c}', '\r', ' ', '\0', '>'])
}

/// A cursor over JSON text known to be valid; never panics on anything else.
struct Scanner<'a> {
    b: &'a [u8],
    i: usize,
}

impl<'a> Scanner<'a> {
    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    fn ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.i += 1;
        }
    }

    fn eat(&mut self, c: u8) -> bool {
        let hit = self.peek() == Some(c);
        if hit {
            self.i += 1;
        }
        hit
    }

    fn broken(&self) -> String {
        format!("data.node is not well-formed JSON near byte {}", self.i)
    }

    /// "an object", "a string", … for the value at the cursor.
    fn kind(&self) -> &'static str {
        match self.peek() {
            Some(b'{') => "an object",
            Some(b'[') => "an array",
            Some(b'"') => "a string",
            Some(b't' | b'f') => "a boolean",
            Some(b'n') => "null",
            Some(_) => "a number",
            None => "nothing",
        }
    }

    /// Moves past the string at the cursor; whether it has escapes.
    fn skip_string(&mut self) -> Result<bool, String> {
        if !self.eat(b'"') {
            return Err(self.broken());
        }
        let mut escaped = false;
        loop {
            match self
                .b
                .get(self.i..)
                .and_then(|rest| memchr::memchr2(b'"', b'\\', rest))
            {
                Some(n) if self.b[self.i + n] == b'\\' => {
                    escaped = true;
                    self.i += n + 2;
                }
                Some(n) => {
                    self.i += n + 1;
                    return Ok(escaped);
                }
                None => return Err(self.broken()),
            }
        }
    }

    /// The string at the cursor, unescaped when it has escapes.
    fn string(&mut self) -> Result<Cow<'a, str>, String> {
        let start = self.i;
        let escaped = self.skip_string()?;
        let raw = std::str::from_utf8(&self.b[start..self.i]).map_err(|_| self.broken())?;
        if escaped {
            serde_json::from_str::<String>(raw)
                .map(Cow::Owned)
                .map_err(|_| self.broken())
        } else {
            Ok(Cow::Borrowed(&raw[1..raw.len() - 1]))
        }
    }

    /// A number, `true`, `false` or `null` at the cursor, as text; containers and strings are
    /// skipped and give "".
    fn scalar(&mut self) -> Result<&'a str, String> {
        if matches!(self.peek(), Some(b'{' | b'[' | b'"')) {
            self.skip_value()?;
            return Ok("");
        }
        let start = self.i;
        while matches!(self.peek(), Some(c) if !matches!(c, b',' | b'}' | b']' | b' ' | b'\t' | b'\n' | b'\r'))
        {
            self.i += 1;
        }
        std::str::from_utf8(&self.b[start..self.i]).map_err(|_| self.broken())
    }

    /// The text of the value at the cursor (skipped).
    fn raw_value(&mut self) -> Result<&'a str, String> {
        let start = self.i;
        self.skip_value()?;
        std::str::from_utf8(&self.b[start..self.i]).map_err(|_| self.broken())
    }

    /// Skips the value at the cursor, however deep, without recursion.
    fn skip_value(&mut self) -> Result<(), String> {
        let mut depth = 0usize;
        loop {
            self.ws();
            match self.peek() {
                Some(b'"') => {
                    self.skip_string()?;
                }
                Some(b'{' | b'[') => {
                    self.i += 1;
                    depth += 1;
                    continue;
                }
                Some(b'}' | b']') if depth > 0 => {
                    self.i += 1;
                    depth -= 1;
                }
                Some(b',' | b':') if depth > 0 => {
                    self.i += 1;
                    continue;
                }
                Some(_) => {
                    self.scalar()?;
                }
                None => return Err(self.broken()),
            }
            if depth == 0 {
                return Ok(());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(json: serde_json::Value) -> Result<(), String> {
        let code = json["type"].as_i64().unwrap();
        let source = json["data"]["source"].as_i64();
        let data = json
            .get("data")
            .map(|d| RawValue::from_string(d.to_string()).unwrap());
        check(code, source, data.as_deref()).map_err(|p| match p {
            Problem::Invalid(m) => m,
            Problem::TooLarge { message, .. } => message,
        })
    }

    fn snapshot(node: serde_json::Value) -> Result<(), String> {
        event(serde_json::json!({"type": 2, "timestamp": 1,
            "data": {"node": node, "initialOffset": {"left": 0, "top": 0}}}))
    }

    fn element(tag: &str, children: serde_json::Value) -> serde_json::Value {
        serde_json::json!({"type": 2, "id": 3, "tagName": tag, "attributes": {"class": "a"}, "childNodes": children})
    }

    fn document(children: serde_json::Value) -> serde_json::Value {
        serde_json::json!({"type": 0, "id": 1, "childNodes": children})
    }

    #[test]
    fn viewport_sizes() {
        let meta = |w: serde_json::Value| {
            event(
                serde_json::json!({"type": 4, "timestamp": 1, "data": {"href": "x", "width": w, "height": 600}}),
            )
        };
        assert!(meta(serde_json::json!(1280)).is_ok());
        assert!(meta(serde_json::json!(1280.5)).is_ok());
        assert!(meta(serde_json::json!(0)).is_ok());
        assert!(meta(serde_json::Value::Null).is_ok());
        let e = meta(serde_json::json!(-800)).unwrap_err();
        assert!(
            e.contains("Meta data.width -800 is not a viewport size"),
            "{e}"
        );
        assert!(meta(serde_json::json!(5e9)).is_err());
        assert!(
            meta(serde_json::json!("800"))
                .unwrap_err()
                .contains("a string")
        );
        let resize = event(
            serde_json::json!({"type": 3, "timestamp": 1, "data": {"source": 4, "width": 390, "height": -1}}),
        );
        assert!(resize.unwrap_err().contains("ViewportResize data.height"));
        // Other incremental events are not looked at.
        assert!(
            event(
                serde_json::json!({"type": 3, "timestamp": 1, "data": {"source": 1, "width": -1}})
            )
            .is_ok()
        );
    }

    #[test]
    fn good_trees_pass() {
        let tree = document(serde_json::json!([
            {"type": 1, "name": "html", "publicId": "", "systemId": "", "id": 2},
            element("html", serde_json::json!([
                element("body", serde_json::json!([
                    {"type": 3, "textContent": "hi \" } ] {", "id": 5},
                    {"type": 5, "textContent": "c", "id": 6},
                    {"type": 2, "tagName": "svg", "isSVG": true, "attributes": {}, "childNodes": [], "id": 7},
                    {"type": 2, "tagName": "my-widget", "isCustom": true, "attributes": {}, "childNodes": [], "id": 8},
                    {"type": 2, "tagName": "a@b", "attributes": {"x": {"nested": [1, {"y": "]"}]}}, "childNodes": [], "id": 9},
                ]))
            ]))
        ]));
        assert_eq!(snapshot(tree), Ok(()));
        // Keys with escapes are read as keys.
        let raw = r#"{"node":{"type":0,"child\u004eodes":{},"id":1}}"#;
        let e = check(2, None, Some(&RawValue::from_string(raw.into()).unwrap()));
        assert!(e.is_err());
        // Compressed with an unknown cv: not looked into.
        assert!(event(serde_json::json!({"type": 2, "timestamp": 1, "data": "H4sI..."})).is_ok());
    }

    #[test]
    fn bad_trees_are_named() {
        let bad = |node: serde_json::Value, want: &str| {
            let e = snapshot(node.clone()).unwrap_err();
            assert!(e.contains(want), "{node}: {e}");
        };
        bad(
            serde_json::json!({"type": 0, "id": 1, "childNodes": {"0": {}}}),
            "data.node: \"childNodes\" is an object, not an array",
        );
        bad(
            serde_json::json!([]),
            "data.node is an array, not an object",
        );
        bad(
            document(serde_json::json!([element(
                "html",
                serde_json::json!([null])
            )])),
            "data.node.childNodes[0].childNodes[0] is null, not a node object",
        );
        bad(
            document(serde_json::json!([{"type": "2", "id": 2}])),
            "data.node.childNodes[0]: \"type\" \"2\" is not an integer",
        );
        bad(
            document(serde_json::json!([{"id": 2}])),
            "data.node.childNodes[0]: has no \"type\"",
        );
        bad(
            document(serde_json::json!([{"type": 2, "tagName": "div", "attributes": {}}])),
            "has no \"childNodes\"",
        );
        bad(
            document(
                serde_json::json!([{"type": 2, "tagName": "div", "attributes": null, "childNodes": []}]),
            ),
            "\"attributes\" is null",
        );
        bad(
            document(
                serde_json::json!([{"type": 2, "tagName": {"x": 1}, "attributes": {}, "childNodes": []}]),
            ),
            "\"tagName\" is an object",
        );
        for tag in ["a b", "1a", "", "a/b", "constructor", "__proto__"] {
            bad(
                document(serde_json::json!([element(tag, serde_json::json!([]))])),
                "tagName",
            );
        }
        bad(
            document(
                serde_json::json!([{"type": 2, "tagName": "Bad", "isCustom": true, "attributes": {}, "childNodes": []}]),
            ),
            "tagName",
        );
        bad(
            document(
                serde_json::json!([{"type": 2, "tagName": ":a", "isSVG": true, "attributes": {}, "childNodes": []}]),
            ),
            "tagName",
        );
        bad(
            document(serde_json::json!([{"type": 1, "name": "a b", "id": 2}])),
            "doctype name",
        );
        bad(
            serde_json::json!({"type": 0, "compatMode": "BackCompat", "childNodes": []}),
            "quirks-mode",
        );
        let e = event(
            serde_json::json!({"type": 2, "timestamp": 1, "data": {"node": document(serde_json::json!([])), "initialOffset": 5}}),
        );
        assert!(e.unwrap_err().contains("initialOffset is a number"));
        let e = event(serde_json::json!({"type": 2, "timestamp": 1, "data": {}}));
        assert!(e.unwrap_err().contains("no data.node"));
    }

    #[test]
    fn deep_trees_need_no_stack() {
        let depth = 100_000;
        let mut text = String::new();
        for _ in 0..depth {
            text.push_str(r#"{"type":2,"tagName":"div","attributes":{},"childNodes":["#);
        }
        for _ in 0..depth {
            text.push_str("]}");
        }
        assert_eq!(check_snapshot(&format!("{{\"node\":{text}}}")), Ok(()));
        let innermost = text.find("]}").unwrap();
        let long = format!(
            "{{\"node\":{}null{}}}",
            &text[..innermost],
            &text[innermost..]
        );
        let e = check_snapshot(&long).unwrap_err();
        assert!(e.starts_with("data.node…"), "{}", &e[..80.min(e.len())]);
    }
}
