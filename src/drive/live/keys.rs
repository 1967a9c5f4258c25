//! The key events that type one character, as a US keyboard sends them (`key`, `code`, the
//! Windows virtual key code Chromium wants, whether Shift is held).

/// One key press.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Key {
    pub key: String,
    pub code: String,
    pub key_code: i64,
    /// The text the press inserts (`\r` for Enter).
    pub text: String,
    pub shift: bool,
}

pub fn enter() -> Key {
    Key {
        key: "Enter".into(),
        code: "Enter".into(),
        key_code: 13,
        text: "\r".into(),
        shift: false,
    }
}

/// US-layout punctuation: (unshifted, shifted, code, virtual key code).
const PUNCTUATION: [(char, char, &str, i64); 11] = [
    ('-', '_', "Minus", 189),
    ('=', '+', "Equal", 187),
    ('[', '{', "BracketLeft", 219),
    (']', '}', "BracketRight", 221),
    ('\\', '|', "Backslash", 220),
    (';', ':', "Semicolon", 186),
    ('\'', '"', "Quote", 222),
    (',', '<', "Comma", 188),
    ('.', '>', "Period", 190),
    ('/', '?', "Slash", 191),
    ('`', '~', "Backquote", 192),
];

const SHIFTED_DIGITS: [char; 10] = [')', '!', '@', '#', '$', '%', '^', '&', '*', '('];

/// The key press that types `c` (characters off the US layout get no code: Chromium still
/// inserts their text).
pub fn for_char(c: char) -> Key {
    if c == '\n' || c == '\r' {
        return enter();
    }
    let key = |code: String, key_code: i64, shift: bool| Key {
        key: c.to_string(),
        code,
        key_code,
        text: c.to_string(),
        shift,
    };
    if c.is_ascii_lowercase() {
        return key(
            format!("Key{}", c.to_ascii_uppercase()),
            c.to_ascii_uppercase() as i64,
            false,
        );
    }
    if c.is_ascii_uppercase() {
        return key(format!("Key{c}"), c as i64, true);
    }
    if c.is_ascii_digit() {
        return key(format!("Digit{c}"), c as i64, false);
    }
    if let Some(d) = SHIFTED_DIGITS.iter().position(|s| *s == c) {
        return key(format!("Digit{d}"), 48 + d as i64, true);
    }
    if c == ' ' {
        return key("Space".into(), 32, false);
    }
    if c == '\t' {
        return key("Tab".into(), 9, false);
    }
    for (plain, shifted, code, vk) in PUNCTUATION {
        if c == plain {
            return key(code.into(), vk, false);
        }
        if c == shifted {
            return key(code.into(), vk, true);
        }
    }
    key(String::new(), 0, false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn us_layout_keys() {
        let a = for_char('a');
        assert_eq!((a.code.as_str(), a.key_code, a.shift), ("KeyA", 65, false));
        let big = for_char('Q');
        assert_eq!(
            (big.code.as_str(), big.key_code, big.shift),
            ("KeyQ", 81, true)
        );
        assert_eq!(for_char('7').code, "Digit7");
        let bang = for_char('!');
        assert_eq!(
            (bang.code.as_str(), bang.key_code, bang.shift),
            ("Digit1", 49, true)
        );
        assert_eq!(for_char(' ').key_code, 32);
        let quote = for_char('"');
        assert_eq!((quote.code.as_str(), quote.shift), ("Quote", true));
        let e = for_char('é');
        assert_eq!((e.code.as_str(), e.text.as_str()), ("", "é"));
        assert_eq!(for_char('\n'), enter());
    }
}
