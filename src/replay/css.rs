//! rrweb's stylesheet rewrite for replay, done by reel before the player needs it.
//!
//! When rrweb rebuilds a recorded `<style>` (or a `<link>` recorded with its `_cssText`), it runs
//! the text through PostCSS with two plugins: every rule with a `:hover` selector gets a copy of
//! that selector with `.\:hover` (a class the replayer sets on hovered elements), and
//! `min-/max-device-width/height` in at-rule parameters become `min-/max-width/height`. For a
//! large stylesheet that is most of the first seek (swagger-ui's 222 KB: 75-105 ms of a 1.1 s
//! replay), paid again by every page that replays the recording. rrweb keeps the results in a
//! cache keyed by the original text; [`adapted_stylesheets`] computes them here, in a few
//! milliseconds, and the player puts them in that cache before the first rebuild.
//!
//! The result must be byte for byte what rrweb would produce, so this is a port of the parts of
//! PostCSS 8.5.32 (the version rrweb 2.2.2 bundles) that decide it: the tokenizer, the parser's
//! segmentation into rules, at-rules and declarations (including every input on which the parser
//! throws, since rrweb then keeps the text as it was), the cleaning of selectors and parameters
//! (comments), `list.comma`, and the two plugins. PostCSS writes every node it did not change
//! back exactly as it was read, so the output is the input with the changed selectors and
//! parameters replaced. Where the port is not sure (a stylesheet PostCSS would reject, so rrweb
//! would log a warning; an escape before a character outside the BMP) it gives no result and rrweb
//! rewrites that text itself, as before. `tests/it/css.rs` compares the two in Chromium.

use std::collections::HashSet;

/// Most distinct stylesheet texts handed to the player per window; past it rrweb rewrites the
/// rest itself.
pub const MAX_ADAPTED: usize = 100_000;

/// rrweb's rewrites of every stylesheet text it may rewrite while replaying `events` (JSON of
/// each event, as the player receives it), as the player takes them: a JSON array of
/// `[length, hash, edits]`, where `length` and `hash` identify the original text (its length in
/// UTF-16 units and [`utf16_hash`], so the texts themselves, already in the events, are not sent
/// twice) and `edits` are `[start, end, replacement]` in UTF-16 offsets, in order (none: rrweb
/// would leave the text as it is). Texts the port is not sure about are left out.
pub fn adapted_stylesheets<'a>(events: impl IntoIterator<Item = &'a str>) -> Vec<u8> {
    let mut seen = HashSet::new();
    let mut entries = Vec::new();
    for json in events.into_iter().filter(|json| may_hold_stylesheets(json)) {
        let Ok(value) = serde_json::from_str::<serde_json::Value>(json) else {
            continue;
        };
        let mut texts = Vec::new();
        stylesheet_texts(&value, &mut texts);
        for text in texts {
            if text.is_empty() || entries.len() == MAX_ADAPTED {
                continue;
            }
            let (length, hash) = utf16_hash(&text);
            if !seen.insert((length, hash)) {
                continue;
            }
            let Some(edits) = edits_for_replay(&text) else {
                continue;
            };
            let edits: Vec<_> = utf16_edits(&text, &edits)
                .into_iter()
                .map(|(start, end, text)| serde_json::json!([start, end, text]))
                .collect();
            entries.push(serde_json::json!([length, format!("{hash:016x}"), edits]));
        }
    }
    serde_json::to_vec(&entries).unwrap_or_else(|_| b"[]".to_vec())
}

/// The length of `text` in UTF-16 units and a 64-bit hash of those units: 32-bit FNV-1a and the
/// 32-bit `31 * h + unit` hash side by side. `player/player.js` computes the same.
fn utf16_hash(text: &str) -> (usize, u64) {
    let (mut fnv, mut poly, mut length) = (0x811c_9dc5_u32, 0_u32, 0);
    for unit in text.encode_utf16() {
        fnv = (fnv ^ u32::from(unit)).wrapping_mul(0x0100_0193);
        poly = poly.wrapping_mul(31).wrapping_add(u32::from(unit));
        length += 1;
    }
    (length, (u64::from(fnv) << 32) | u64::from(poly))
}

/// `edits` (byte offsets into `text`) in UTF-16 offsets.
fn utf16_edits(text: &str, edits: &[Edit]) -> Vec<(usize, usize, String)> {
    let mut out = Vec::with_capacity(edits.len());
    let (mut byte, mut unit) = (0, 0);
    let to = |target: usize, byte: &mut usize, unit: &mut usize| {
        *unit += text[*byte..target].encode_utf16().count();
        *byte = target;
        *unit
    };
    for e in edits {
        let start = to(e.start, &mut byte, &mut unit);
        let end = to(e.end, &mut byte, &mut unit);
        out.push((start, end, e.text.clone()));
    }
    out
}

/// Whether the JSON of an event may carry stylesheet text (a cheap test before parsing it).
pub fn may_hold_stylesheets(json: &str) -> bool {
    json.contains("\"_cssText\"") || json.contains("\"isStyle\"")
}

/// The keys rrweb's cache is looked up with: each `_cssText` (as is, for a node rebuilt without
/// children, and without rrweb's `/* rr_split */` markers, for one with text children) and the
/// text of each text node marked `isStyle`.
fn stylesheet_texts(value: &serde_json::Value, out: &mut Vec<String>) {
    match value {
        serde_json::Value::Object(map) => {
            if let Some(serde_json::Value::String(css)) = map.get("_cssText") {
                out.push(css.clone());
                if css.contains(SPLIT_MARKER) {
                    out.push(css.replace(SPLIT_MARKER, ""));
                }
            }
            if map.get("isStyle") == Some(&serde_json::Value::Bool(true))
                && let Some(serde_json::Value::String(text)) = map.get("textContent")
            {
                out.push(text.clone());
            }
            for v in map.values() {
                if v.is_object() || v.is_array() {
                    stylesheet_texts(v, out);
                }
            }
        }
        serde_json::Value::Array(items) => {
            for v in items {
                stylesheet_texts(v, out);
            }
        }
        _ => {}
    }
}

const SPLIT_MARKER: &str = "/* rr_split */";

/// What rrweb's rewrite changes in `css`, in order, as byte ranges and their replacements.
fn edits_for_replay(css: &str) -> Option<Vec<Edit>> {
    const BOM: &str = "\u{feff}";
    if css.starts_with('\u{fffe}') {
        // PostCSS drops it and writes U+FEFF back.
        return None;
    }
    let body_start = if css.starts_with(BOM) { BOM.len() } else { 0 };
    Parser::new(css.as_bytes(), body_start).parse().ok()
}

/// Why the port gives no result.
#[derive(Debug, PartialEq, Eq)]
enum Fail {
    /// PostCSS would throw (rrweb keeps the text and warns).
    Throws,
    /// Outside what the port reproduces exactly.
    Unsure,
}

/// A replacement of `start..end` of the input.
#[derive(Debug)]
struct Edit {
    start: usize,
    end: usize,
    text: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Space,
    /// `[ ] { } : ; )` and a `(` that does not start a bracket token.
    Control(u8),
    Brackets,
    Str,
    AtWord,
    Word,
    Comment,
}

#[derive(Clone, Copy, Debug)]
struct Token {
    kind: Kind,
    start: usize,
    end: usize,
}

fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\n' | b'\t' | b'\r' | 0x0c)
}

/// PostCSS's tokenizer, on UTF-8 bytes (every decision it makes is on ASCII characters).
struct Tokenizer<'a> {
    css: &'a [u8],
    pos: usize,
    buffer: Vec<(usize, usize)>,
    returned: Vec<Token>,
    last_bad_paren: Option<usize>,
}

impl<'a> Tokenizer<'a> {
    fn at(&self, i: usize) -> Option<u8> {
        self.css.get(i).copied()
    }

    fn end_of_file(&self) -> bool {
        self.returned.is_empty() && self.pos >= self.css.len()
    }

    fn back(&mut self, t: Token) {
        self.returned.push(t);
    }

    fn find(&self, needle: u8, from: usize) -> Option<usize> {
        self.css
            .get(from..)?
            .iter()
            .position(|&b| b == needle)
            .map(|i| i + from)
    }

    /// Index of the closing `quote` (or `)`) at or after `from`, skipping escaped ones.
    fn closing(&self, quote: u8, mut next: usize) -> Option<usize> {
        loop {
            next = self.find(quote, next + 1)?;
            let mut escaped = false;
            let mut p = next;
            while p > 0 && self.css[p - 1] == b'\\' {
                p -= 1;
                escaped = !escaped;
            }
            if !escaped {
                return Some(next);
            }
        }
    }

    fn next_token(&mut self) -> Result<Option<Token>, Fail> {
        if let Some(t) = self.returned.pop() {
            return Ok(Some(t));
        }
        let len = self.css.len();
        if self.pos >= len {
            return Ok(None);
        }
        let pos = self.pos;
        let code = self.css[pos];
        let (kind, end, last) = match code {
            b' ' | b'\n' | b'\t' | b'\r' | 0x0c => {
                let mut next = pos + 1;
                while self.at(next).is_some_and(is_space) {
                    next += 1;
                }
                (Kind::Space, next, next - 1)
            }
            b'[' | b']' | b'{' | b'}' | b':' | b';' | b')' => (Kind::Control(code), pos + 1, pos),
            b'(' => {
                let prev = self.buffer.pop();
                let prev_is_url = prev.is_some_and(|(s, e)| &self.css[s..e] == b"url");
                let n = self.at(pos + 1);
                let plain_url =
                    !matches!(n, Some(b'\'' | b'"' | b' ' | b'\n' | b'\t' | 0x0c | b'\r'));
                if prev_is_url && plain_url {
                    let next = self.closing(b')', pos).ok_or(Fail::Throws)?;
                    (Kind::Brackets, next + 1, next)
                } else if self.last_bad_paren.is_some_and(|b| pos <= b) {
                    (Kind::Control(b'('), pos + 1, pos)
                } else {
                    match self.find(b')', pos + 1) {
                        Some(next) if !bad_bracket(&self.css[pos..=next]) => {
                            (Kind::Brackets, next + 1, next)
                        }
                        found => {
                            self.last_bad_paren = Some(found.unwrap_or(len));
                            (Kind::Control(b'('), pos + 1, pos)
                        }
                    }
                }
            }
            b'\'' | b'"' => {
                let next = self.closing(code, pos).ok_or(Fail::Throws)?;
                (Kind::Str, next + 1, next)
            }
            b'@' => {
                let stop = self.css[pos + 1..]
                    .iter()
                    .position(|&b| {
                        matches!(
                            b,
                            b'\t'
                                | b'\n'
                                | 0x0c
                                | b'\r'
                                | b' '
                                | b'"'
                                | b'#'
                                | b'\''
                                | b'('
                                | b')'
                                | b'/'
                                | b';'
                                | b'['
                                | b'\\'
                                | b']'
                                | b'{'
                                | b'}'
                        )
                    })
                    .map(|i| i + pos + 1);
                let next = stop.map_or(len - 1, |s| s - 1);
                (Kind::AtWord, next + 1, next)
            }
            b'\\' => {
                let mut next = pos;
                let mut escape = true;
                while self.at(next + 1) == Some(b'\\') {
                    next += 1;
                    escape = !escape;
                }
                let code = self.at(next + 1);
                if escape && !matches!(code, Some(b'/' | b' ' | b'\n' | b'\t' | b'\r' | 0x0c)) {
                    // One UTF-16 unit further in PostCSS.
                    next += match code {
                        None => 1,
                        Some(b) if b < 0x80 => 1,
                        Some(b) if b >= 0xf0 => return Err(Fail::Unsure),
                        Some(b) if b >= 0xe0 => 3,
                        Some(_) => 2,
                    };
                    if self.at(next).is_some_and(|b| b.is_ascii_hexdigit()) {
                        while self.at(next + 1).is_some_and(|b| b.is_ascii_hexdigit()) {
                            next += 1;
                        }
                        if self.at(next + 1) == Some(b' ') {
                            next += 1;
                        }
                    }
                }
                let end = (next + 1).min(len);
                (Kind::Word, end, next)
            }
            b'/' if self.at(pos + 1) == Some(b'*') => {
                let close = self.css[pos + 2..]
                    .windows(2)
                    .position(|w| w == b"*/")
                    .ok_or(Fail::Throws)?;
                let next = pos + 2 + close + 1;
                (Kind::Comment, next + 1, next)
            }
            _ => {
                let mut i = pos + 1;
                while i < len {
                    let b = self.css[i];
                    let ends = matches!(
                        b,
                        b'\t'
                            | b'\n'
                            | 0x0c
                            | b'\r'
                            | b' '
                            | b'!'
                            | b'"'
                            | b'#'
                            | b'\''
                            | b'('
                            | b')'
                            | b':'
                            | b';'
                            | b'@'
                            | b'['
                            | b'\\'
                            | b']'
                            | b'{'
                            | b'}'
                    ) || (b == b'/' && self.at(i + 1) == Some(b'*'));
                    if ends {
                        break;
                    }
                    i += 1;
                }
                self.buffer.push((pos, i));
                (Kind::Word, i, i - 1)
            }
        };
        self.pos = last + 1;
        Ok(Some(Token {
            kind,
            start: pos,
            end,
        }))
    }
}

/// PostCSS's `/.[\r\n"'(/\\]/` on the text of a parenthesis: one of those characters after any
/// character but a line terminator.
fn bad_bracket(content: &[u8]) -> bool {
    (1..content.len()).any(|i| {
        matches!(
            content[i],
            b'\r' | b'\n' | b'"' | b'\'' | b'(' | b'/' | b'\\'
        ) && !matches!(content[i - 1], b'\r' | b'\n')
            && !(i >= 3
                && content[i - 3..i - 1] == [0xe2, 0x80]
                && matches!(content[i - 1], 0xa8 | 0xa9))
    })
}

/// PostCSS's parser, keeping only what decides the output: where it throws, and the cleaned
/// selectors of rules and parameters of at-rules, which the two plugins change.
struct Parser<'a> {
    css: &'a [u8],
    tokens: Tokenizer<'a>,
    depth: usize,
    edits: Vec<Edit>,
}

impl<'a> Parser<'a> {
    fn new(css: &'a [u8], start: usize) -> Self {
        Parser {
            css,
            tokens: Tokenizer {
                css,
                pos: start,
                buffer: Vec::new(),
                returned: Vec::new(),
                last_bad_paren: None,
            },
            depth: 0,
            edits: Vec::new(),
        }
    }

    fn text(&self, t: &Token) -> &'a str {
        // Token boundaries fall on ASCII bytes or the end, so this is always valid UTF-8.
        std::str::from_utf8(&self.css[t.start..t.end]).unwrap_or("")
    }

    fn next(&mut self) -> Result<Option<Token>, Fail> {
        self.tokens.next_token()
    }

    fn parse(mut self) -> Result<Vec<Edit>, Fail> {
        while !self.tokens.end_of_file() {
            let Some(token) = self.next()? else { break };
            match token.kind {
                Kind::Space | Kind::Comment | Kind::Control(b';') => {}
                Kind::Control(b'}') => self.end()?,
                Kind::AtWord => self.at_rule(token)?,
                Kind::Control(b'{') => self.depth += 1,
                _ => self.other(token)?,
            }
        }
        if self.depth > 0 {
            return Err(Fail::Throws);
        }
        self.edits.sort_by_key(|e| e.start);
        Ok(self.edits)
    }

    fn end(&mut self) -> Result<(), Fail> {
        if self.depth == 0 {
            return Err(Fail::Throws);
        }
        self.depth -= 1;
        Ok(())
    }

    fn at_rule(&mut self, name: Token) -> Result<(), Fail> {
        if name.end - name.start <= 1 {
            return Err(Fail::Throws);
        }
        let mut params: Vec<Token> = Vec::new();
        let mut brackets: Vec<u8> = Vec::new();
        let mut open = false;
        while !self.tokens.end_of_file() {
            let Some(token) = self.next()? else { break };
            let kind = token.kind;
            match kind {
                Kind::Control(b'(') => brackets.push(b')'),
                Kind::Control(b'[') => brackets.push(b']'),
                Kind::Control(b'{') if !brackets.is_empty() => brackets.push(b'}'),
                Kind::Control(c) if brackets.last() == Some(&c) => {
                    brackets.pop();
                }
                _ => {}
            }
            if brackets.is_empty() {
                match kind {
                    Kind::Control(b';') => break,
                    Kind::Control(b'{') => {
                        open = true;
                        break;
                    }
                    Kind::Control(b'}') => {
                        self.end()?;
                        break;
                    }
                    _ => params.push(token),
                }
            } else {
                params.push(token);
            }
            if self.tokens.end_of_file() {
                break;
            }
        }
        trim_spaces_and_comments(&mut params);
        if !params.is_empty() {
            let (value, _clean) = self.raw(&params, false);
            if let Some(changed) = device_media_replaced(&value) {
                self.edits.push(Edit {
                    start: params[0].start,
                    end: params[params.len() - 1].end,
                    text: changed,
                });
            }
        }
        if open {
            self.depth += 1;
        }
        Ok(())
    }

    fn other(&mut self, start: Token) -> Result<(), Fail> {
        let mut end = false;
        let mut colon = false;
        let mut brackets: Vec<u8> = Vec::new();
        let custom_property = self.text(&start).starts_with("--");
        let mut tokens: Vec<Token> = Vec::new();
        let mut token = Some(start);
        while let Some(t) = token {
            tokens.push(t);
            match t.kind {
                Kind::Control(b'(') => brackets.push(b')'),
                Kind::Control(b'[') => brackets.push(b']'),
                Kind::Control(b'{') if custom_property && colon => brackets.push(b'}'),
                kind if brackets.is_empty() => match kind {
                    Kind::Control(b';') => {
                        if colon {
                            return self.decl(tokens, custom_property);
                        }
                        break;
                    }
                    Kind::Control(b'{') => return self.rule(tokens),
                    Kind::Control(b'}') => {
                        if let Some(t) = tokens.pop() {
                            self.tokens.back(t);
                        }
                        end = true;
                        break;
                    }
                    Kind::Control(b':') => colon = true,
                    _ => {}
                },
                Kind::Control(c) if brackets.last() == Some(&c) => {
                    brackets.pop();
                }
                _ => {}
            }
            token = self.next()?;
        }
        if self.tokens.end_of_file() {
            end = true;
        }
        if !(brackets.is_empty() && end && colon) {
            return Err(Fail::Throws);
        }
        if !custom_property {
            while let Some(last) = tokens.last() {
                if !matches!(last.kind, Kind::Space | Kind::Comment) {
                    break;
                }
                let t = tokens.pop().expect("a last token");
                self.tokens.back(t);
            }
        }
        self.decl(tokens, custom_property)
    }

    fn rule(&mut self, mut tokens: Vec<Token>) -> Result<(), Fail> {
        tokens.pop();
        trim_spaces_and_comments(&mut tokens);
        self.depth += 1;
        let (selector, _clean) = self.raw(&tokens, false);
        if !selector.contains(":hover") {
            return Ok(());
        }
        let mut changed = selector.clone();
        for part in comma_list(&selector) {
            if part.contains(":hover") {
                changed.push_str(",\n");
                changed.push_str(&part.replace(":hover", ".\\:hover"));
            }
        }
        if changed != selector
            && let (Some(first), Some(last)) = (tokens.first(), tokens.last())
        {
            let source = &self.css[first.start..last.end];
            // A selector without comments is its source: only the copies are new.
            let edit = if changed.as_bytes().starts_with(source) {
                Edit {
                    start: last.end,
                    end: last.end,
                    text: changed[source.len()..].to_string(),
                }
            } else {
                Edit {
                    start: first.start,
                    end: last.end,
                    text: changed,
                }
            };
            self.edits.push(edit);
        }
        Ok(())
    }

    /// Only whether PostCSS's `decl` throws matters: a declaration is written back unchanged.
    fn decl(&mut self, mut tokens: Vec<Token>, custom_property: bool) -> Result<(), Fail> {
        if tokens.last().is_some_and(|t| t.kind == Kind::Control(b';')) {
            tokens.pop();
        }
        let mut start = 0;
        loop {
            let Some(t) = tokens.get(start) else {
                return Err(Fail::Throws);
            };
            if t.kind == Kind::Word {
                break;
            }
            if start + 1 == tokens.len() {
                return Err(Fail::Throws);
            }
            start += 1;
        }
        while start < tokens.len()
            && !matches!(
                tokens[start].kind,
                Kind::Control(b':') | Kind::Space | Kind::Comment
            )
        {
            start += 1;
        }
        while start < tokens.len() {
            let t = tokens[start];
            start += 1;
            if t.kind == Kind::Control(b':') {
                break;
            }
            if t.kind == Kind::Word
                && self
                    .text(&t)
                    .bytes()
                    .any(|b| b.is_ascii_alphanumeric() || b == b'_')
            {
                return Err(Fail::Throws);
            }
        }
        let first_spaces_start = start;
        while start < tokens.len() && matches!(tokens[start].kind, Kind::Space | Kind::Comment) {
            start += 1;
        }
        let mut first_spaces: Vec<Token> = tokens[first_spaces_start..start].to_vec();
        let mut value_tokens: Vec<Token> = tokens[start..].to_vec();
        self.strip_important(&mut value_tokens);
        if value_tokens
            .iter()
            .any(|t| !matches!(t.kind, Kind::Space | Kind::Comment))
        {
            first_spaces.clear();
        }
        let mut all = first_spaces;
        all.extend_from_slice(&value_tokens);
        let (value, _clean) = self.raw(&all, custom_property);
        if value.contains(':') && !custom_property && self.has_colon(&value_tokens) {
            return Err(Fail::Throws);
        }
        Ok(())
    }

    /// PostCSS's `!important` detection, which takes tokens off the end of the value.
    fn strip_important(&self, tokens: &mut Vec<Token>) {
        let mut i = tokens.len();
        while i > 0 {
            i -= 1;
            let token = tokens[i];
            let lower = self.text(&token).to_ascii_lowercase();
            if lower == "!important" {
                tokens.truncate(i);
                while tokens.last().is_some_and(|t| t.kind == Kind::Space) {
                    tokens.pop();
                }
                break;
            } else if lower == "important" {
                let mut cache = tokens.clone();
                let mut s = String::new();
                let mut j = i;
                while j > 0 {
                    let Some(kind) = cache.get(j).map(|t| t.kind) else {
                        break;
                    };
                    if s.trim().starts_with('!') && kind != Kind::Space {
                        break;
                    }
                    if let Some(t) = cache.pop() {
                        s.insert_str(0, self.text(&t));
                    }
                    j -= 1;
                }
                if s.trim().starts_with('!') {
                    *tokens = cache;
                }
            }
            if !matches!(token.kind, Kind::Space | Kind::Comment) {
                break;
            }
        }
    }

    /// Whether PostCSS's `checkMissedSemicolon` throws: a `:` outside parentheses (a double
    /// colon when first), unless right after `progid`.
    fn has_colon(&self, tokens: &[Token]) -> bool {
        let mut brackets: i64 = 0;
        let mut prev: Option<&Token> = None;
        for t in tokens {
            match t.kind {
                Kind::Control(b'(') => brackets += 1,
                Kind::Control(b')') => brackets -= 1,
                _ => {}
            }
            if brackets == 0 && t.kind == Kind::Control(b':') {
                match prev {
                    Some(p) if p.kind == Kind::Word && self.text(p) == "progid" => continue,
                    _ => return true,
                }
            }
            prev = Some(t);
        }
        false
    }

    /// PostCSS's `raw`: the value of a selector, parameters or declaration value with comments
    /// next to spaces (or ends) dropped, and whether that equals the source.
    fn raw(&self, tokens: &[Token], custom_property: bool) -> (String, bool) {
        let mut value = String::new();
        let mut last: Option<char> = None;
        let mut clean = true;
        let safe = |t: Option<&Token>| t.is_none_or(|t| t.kind == Kind::Space);
        for (i, t) in tokens.iter().enumerate() {
            if t.kind == Kind::Space && i + 1 == tokens.len() && !custom_property {
                clean = false;
            } else if t.kind == Kind::Comment {
                let prev = if i > 0 { tokens.get(i - 1) } else { None };
                if !safe(prev) && !safe(tokens.get(i + 1)) {
                    if last == Some(',') {
                        clean = false;
                    } else {
                        let text = self.text(t);
                        value.push_str(text);
                        last = text.chars().last();
                    }
                } else {
                    clean = false;
                }
            } else {
                let text = self.text(t);
                value.push_str(text);
                last = text.chars().last();
            }
        }
        (value, clean)
    }
}

fn trim_spaces_and_comments(tokens: &mut Vec<Token>) {
    while tokens
        .last()
        .is_some_and(|t| matches!(t.kind, Kind::Space | Kind::Comment))
    {
        tokens.pop();
    }
    let leading = tokens
        .iter()
        .take_while(|t| matches!(t.kind, Kind::Space | Kind::Comment))
        .count();
    tokens.drain(..leading);
}

/// rrweb's media plugin: `(max|min)-device-(width|height)` → `$1-$2`, everywhere; `None` when
/// nothing matches.
fn device_media_replaced(params: &str) -> Option<String> {
    const FORMS: [(&str, &str); 4] = [
        ("max-device-width", "max-width"),
        ("min-device-width", "min-width"),
        ("max-device-height", "max-height"),
        ("min-device-height", "min-height"),
    ];
    if !params.contains("-device-") {
        return None;
    }
    let mut out = String::with_capacity(params.len());
    let mut rest = params;
    let mut changed = false;
    'scan: while !rest.is_empty() {
        for (from, to) in FORMS {
            if rest.starts_with(from) {
                out.push_str(to);
                rest = &rest[from.len()..];
                changed = true;
                continue 'scan;
            }
        }
        let c = rest.chars().next().expect("not empty");
        out.push(c);
        rest = &rest[c.len_utf8()..];
    }
    changed.then_some(out)
}

/// PostCSS's `list.comma`: `s` split at commas outside quotes, parentheses and comments, each
/// part trimmed (empty parts kept).
fn comma_list(s: &str) -> Vec<String> {
    let mut parts = Vec::new();
    let mut current = String::new();
    let mut func = 0usize;
    let mut in_quote: Option<char> = None;
    let mut escape = false;
    let mut in_comment = false;
    let chars: Vec<char> = s.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if in_comment {
            current.push(c);
            if c == '*' && chars.get(i + 1) == Some(&'/') {
                current.push('/');
                i += 1;
                in_comment = false;
            }
            i += 1;
            continue;
        }
        let mut split = false;
        if escape {
            escape = false;
        } else if c == '\\' {
            escape = true;
        } else if let Some(q) = in_quote {
            if c == q {
                in_quote = None;
            }
        } else if c == '"' || c == '\'' {
            in_quote = Some(c);
        } else if c == '/' && chars.get(i + 1) == Some(&'*') {
            current.push_str("/*");
            i += 2;
            in_comment = true;
            continue;
        } else if c == '(' {
            func += 1;
        } else if c == ')' {
            func = func.saturating_sub(1);
        } else if func == 0 && c == ',' {
            split = true;
        }
        if split {
            parts.push(js_trim(&current).to_string());
            current.clear();
        } else {
            current.push(c);
        }
        i += 1;
    }
    parts.push(js_trim(&current).to_string());
    parts
}

/// JavaScript's `String.prototype.trim`.
fn js_trim(s: &str) -> &str {
    s.trim_matches(|c: char| (c.is_whitespace() && c != '\u{85}') || c == '\u{feff}')
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What rrweb's `adaptCssForReplay` returns for `css`, when the port is sure of it.
    fn adapt(css: &str) -> Option<String> {
        let edits = edits_for_replay(css)?;
        let mut out = String::new();
        let mut at = 0;
        for e in &edits {
            out.push_str(&css[at..e.start]);
            out.push_str(&e.text);
            at = e.end;
        }
        out.push_str(&css[at..]);
        Some(out)
    }

    #[test]
    fn hover_rules_get_a_class_copy_of_each_hover_selector() {
        assert_eq!(
            adapt("a:hover { color: red }").as_deref(),
            Some("a:hover,\na.\\:hover { color: red }")
        );
        assert_eq!(
            adapt("p, a:hover b, .x:hover:hover{x:y}").as_deref(),
            Some("p, a:hover b, .x:hover:hover,\na.\\:hover b,\n.x.\\:hover.\\:hover{x:y}")
        );
        assert_eq!(
            adapt("@media (min-width: 1px) { .b:hover > i { x: y } }").as_deref(),
            Some("@media (min-width: 1px) { .b:hover > i,\n.b.\\:hover > i { x: y } }")
        );
    }

    #[test]
    fn unchanged_stylesheets_come_back_as_they_are() {
        let css = "/* c */\n.a { color: red; background: url(x.png) }\n@font-face{font-family:x}";
        assert_eq!(adapt(css).as_deref(), Some(css));
        assert_eq!(adapt("").as_deref(), Some(""));
    }

    #[test]
    fn device_media_features_become_viewport_ones() {
        assert_eq!(
            adapt("@media (max-device-width: 600px) and (min-device-height: 2px) { a { b: c } }")
                .as_deref(),
            Some("@media (max-width: 600px) and (min-height: 2px) { a { b: c } }")
        );
    }

    #[test]
    fn comments_in_a_changed_selector_are_dropped_as_postcss_drops_them() {
        // A comment next to a space is not part of the selector's value.
        assert_eq!(
            adapt("a:hover /* x */ b{c:d}").as_deref(),
            Some("a:hover  b,\na.\\:hover  b{c:d}")
        );
        // Between two words it stays.
        assert_eq!(
            adapt("a:hover/**/b{c:d}").as_deref(),
            Some("a:hover/**/b,\na.\\:hover/**/b{c:d}")
        );
    }

    #[test]
    fn commas_inside_parentheses_and_strings_do_not_split_selectors() {
        assert_eq!(
            adapt(":is(a, b):hover, [t=\"x,y\"]:hover{c:d}").as_deref(),
            Some(
                ":is(a, b):hover, [t=\"x,y\"]:hover,\n:is(a, b).\\:hover,\n[t=\"x,y\"].\\:hover{c:d}"
            )
        );
    }

    #[test]
    fn what_postcss_rejects_gets_no_result() {
        for bad in [
            "a:hover { color: red",               // unclosed block
            "a:hover { color: red } }",           // unexpected }
            "a:hover { color red }",              // unknown word
            "a:hover { color: red blue: green }", // missed semicolon
            "a:hover { b: \"open }",              // unclosed string
            "a:hover { b: c } /* open",           // unclosed comment
            "@ x; a:hover{b:c}",                  // at-rule without name
            "a:hover { b: url(x }",               // unclosed url(
            "a:hover[ { b: c }",                  // unclosed bracket
        ] {
            assert_eq!(adapt(bad), None, "{bad}");
        }
    }

    #[test]
    fn what_postcss_accepts_despite_appearances_is_rewritten() {
        assert_eq!(
            adapt("a:hover{filter:progid:DXImageTransform.Microsoft.gradient(x=1)}").as_deref(),
            Some("a:hover,\na.\\:hover{filter:progid:DXImageTransform.Microsoft.gradient(x=1)}")
        );
        assert_eq!(
            adapt("a:hover{*zoom:1;_height:1px;color:red!important;--x:{a:b}}").as_deref(),
            Some("a:hover,\na.\\:hover{*zoom:1;_height:1px;color:red!important;--x:{a:b}}")
        );
        assert_eq!(
            adapt("a:hover{b:url(data:image/png;base64,AAA=)}").as_deref(),
            Some("a:hover,\na.\\:hover{b:url(data:image/png;base64,AAA=)}")
        );
    }

    #[test]
    fn nested_rules_are_rewritten_too() {
        assert_eq!(
            adapt(".a { &:hover { b: c } }").as_deref(),
            Some(".a { &:hover,\n&.\\:hover { b: c } }")
        );
    }

    #[test]
    fn a_byte_order_mark_is_kept() {
        assert_eq!(
            adapt("\u{feff}a:hover{b:c}").as_deref(),
            Some("\u{feff}a:hover,\na.\\:hover{b:c}")
        );
        assert_eq!(adapt("\u{fffe}a{b:c}"), None);
    }

    #[test]
    fn texts_come_from_css_text_attributes_and_style_text_nodes() {
        let events = [
            r#"{"type":2,"data":{"node":{"type":0,"childNodes":[{"type":2,"tagName":"style","attributes":{"_cssText":"a:hover{b:c}/* rr_split */i{j:k}"},"childNodes":[{"type":3,"textContent":"","isStyle":true}]},{"type":3,"textContent":"é:hover{y:z}","isStyle":true},{"type":3,"textContent":"i{j:k}","isStyle":true}]}}}"#,
            r#"{"type":3,"data":{"source":2,"type":1}}"#,
        ];
        let entries: serde_json::Value =
            serde_json::from_slice(&adapted_stylesheets(events)).unwrap();
        let hash = |t: &str| format!("{:016x}", utf16_hash(t).1);
        let hover = ",\na.\\:hover";
        assert_eq!(
            entries,
            serde_json::json!([
                [
                    32,
                    hash("a:hover{b:c}/* rr_split */i{j:k}"),
                    [[7, 7, hover]]
                ],
                [18, hash("a:hover{b:c}i{j:k}"), [[7, 7, hover]]],
                [12, hash("é:hover{y:z}"), [[7, 7, ",\né.\\:hover"]]],
                [6, hash("i{j:k}"), []],
            ])
        );
    }

    #[test]
    fn any_text_gets_an_answer_without_panicking_and_only_hover_or_device_changes_it() {
        const PIECES: &str = "{|}|(|)|;|:|\"|'|/*|*/|\\|,|@|!|[|]| |\n|:hover|url(|--x|a|é|😀|\u{2028}|\
            progid:|!important|@media (max-device-width: 1px)|&|#|\\31 |\r\n|\u{feff}";
        let pieces: Vec<&str> = PIECES.split('|').collect();
        let mut seed = 0x2545_f491_u64;
        let mut next = |n: usize| {
            seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            (seed >> 33) as usize % n
        };
        for _ in 0..20_000 {
            let css: String = (0..1 + next(24))
                .map(|_| pieces[next(pieces.len())])
                .collect();
            if let Some(out) = adapt(&css)
                && !css.contains(":hover")
                && !css.contains("-device-")
            {
                assert_eq!(out, css);
            }
        }
    }

    #[test]
    fn the_hash_is_of_utf16_units() {
        assert_eq!(utf16_hash(""), (0, 0x811c_9dc5_0000_0000));
        // "a" is 97: FNV-1a of one unit, and 97 for the polynomial.
        assert_eq!(utf16_hash("a"), (1, (0xe40c_292c_u64 << 32) | 97));
        assert_eq!(utf16_hash("😀").0, 2);
    }
}
