//! A validating JSON byte scanner over a [`BufRead`], for the structure of a SARIF log.
//!
//! serde_json's reader interface reads one byte per call, which caps a streamed SARIF log
//! at about 80,000 results per second. This scanner walks the log's outer structure
//! (top-level object, `runs`, run members, `results`) directly on its own read buffer,
//! copies each value the parser uses (a result, a tool ...) into one reused buffer, and
//! skips the rest; the copied values are then deserialized with `serde_json::from_slice`.
//! It checks the JSON grammar as it goes, including in skipped values, and limits nesting
//! to [`MAX_DEPTH`], so a broken document is an error naming the line, the column, the JSON
//! pointer and what was expected.

use crate::error::ParseError;
use std::io::{self, Read};

/// Deepest nesting accepted (as serde_json).
pub(crate) const MAX_DEPTH: usize = 128;

/// A scan failure: IO, or malformed JSON at a position.
#[derive(Debug)]
pub(crate) enum ScanError {
    /// The reader failed.
    Io(io::Error),
    /// Malformed JSON: line, column (1-based, in bytes) and what was expected.
    Syntax {
        line: u64,
        column: u64,
        message: String,
    },
}

impl From<io::Error> for ScanError {
    fn from(e: io::Error) -> Self {
        ScanError::Io(e)
    }
}

impl ScanError {
    /// A [`ParseError`] naming `file` and, when known, the JSON `pointer` being read.
    pub fn into_parse_error(self, file: &str, pointer: &str) -> ParseError {
        match self {
            ScanError::Io(source) => ParseError::Io {
                file: file.to_string(),
                source,
            },
            ScanError::Syntax {
                line,
                column,
                message,
            } => {
                let place = if pointer.is_empty() {
                    format!("line {line}, column {column}")
                } else {
                    format!("line {line}, column {column} (at {pointer})")
                };
                ParseError::invalid(file, place, message)
            }
        }
    }
}

/// Where a value starts in the document.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Pos {
    /// Line, 1-based.
    pub line: u64,
    /// Column, 1-based, in bytes.
    pub column: u64,
}

impl Pos {
    /// A serde_json error met while reading a value captured at `self`, placed in the
    /// document.
    pub fn error(self, e: &serde_json::Error) -> ScanError {
        let (line, column) = match e.line() {
            0 => (self.line, self.column),
            1 => (self.line, self.column + e.column() as u64 - 1),
            l => (self.line + l as u64 - 1, e.column() as u64),
        };
        let mut message = crate::json::strip_position(&e.to_string());
        if e.classify() == serde_json::error::Category::Eof {
            message.push_str(": the document ends early (truncated file?)");
        }
        ScanError::Syntax {
            line,
            column,
            message,
        }
    }
}

/// Result of the scanner's operations.
pub(crate) type ScanResult<T> = Result<T, ScanError>;

/// Size of the scanner's read buffer: as large as the `BufReader` of [`crate::parse`], which
/// then hands its input over without copying it into its own buffer first.
const BUF_LEN: usize = crate::READ_BUFFER;

/// The scanner. `capture` holds the last value copied by [`Scanner::capture_value`].
pub(crate) struct Scanner<R> {
    reader: R,
    buf: Box<[u8]>,
    pos: usize,
    len: usize,
    /// Bytes of the input before `buf[0]`.
    consumed: u64,
    line: u64,
    line_start: u64,
    capturing: bool,
    capture: Vec<u8>,
    scratch: Vec<u8>,
}

impl<R: Read> Scanner<R> {
    /// A scanner at the start of `reader`.
    pub fn new(reader: R) -> Self {
        Scanner {
            reader,
            buf: vec![0u8; BUF_LEN].into_boxed_slice(),
            pos: 0,
            len: 0,
            consumed: 0,
            line: 1,
            line_start: 0,
            capturing: false,
            capture: Vec::with_capacity(4096),
            scratch: Vec::new(),
        }
    }

    fn offset(&self) -> u64 {
        self.consumed + self.pos as u64
    }

    /// An error at the current position.
    pub fn error(&self, message: impl Into<String>) -> ScanError {
        ScanError::Syntax {
            line: self.line,
            column: self.offset() - self.line_start + 1,
            message: message.into(),
        }
    }

    fn eof(&self, what: &str) -> ScanError {
        self.error(format!(
            "EOF while parsing {what}: the document ends early (truncated file?)"
        ))
    }

    /// The current byte, reading more input when the buffer is used up (`None` at the end).
    #[inline]
    fn byte(&mut self) -> ScanResult<Option<u8>> {
        if self.pos < self.len {
            return Ok(Some(self.buf[self.pos]));
        }
        self.refill()
    }

    #[cold]
    fn refill(&mut self) -> ScanResult<Option<u8>> {
        self.consumed += self.len as u64;
        self.pos = 0;
        self.len = 0;
        loop {
            match self.reader.read(&mut self.buf) {
                Ok(0) => return Ok(None),
                Ok(n) => {
                    self.len = n;
                    return Ok(Some(self.buf[0]));
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e.into()),
            }
        }
    }

    /// Consumes the current byte `b` (copying it when capturing).
    #[inline]
    fn advance(&mut self, b: u8) {
        self.pos += 1;
        if self.capturing {
            self.capture.push(b);
        }
    }

    /// Skips a UTF-8 byte order mark (Windows tools, the SARIF SDK among them, write one).
    pub fn skip_bom(&mut self) -> ScanResult<()> {
        if self.byte()? != Some(0xEF) {
            return Ok(());
        }
        self.pos += 1;
        for want in [0xBB, 0xBF] {
            if self.byte()? != Some(want) {
                return Err(self.error("invalid byte order mark: expected a UTF-8 JSON document"));
            }
            self.pos += 1;
        }
        self.line_start = self.offset();
        Ok(())
    }

    /// Skips white space and returns the next byte without consuming it (`None` at the end).
    pub fn peek(&mut self) -> ScanResult<Option<u8>> {
        loop {
            while self.pos < self.len {
                match self.buf[self.pos] {
                    b' ' | b'\t' | b'\r' => self.pos += 1,
                    b'\n' => {
                        self.pos += 1;
                        self.line += 1;
                        self.line_start = self.offset();
                    }
                    b => return Ok(Some(b)),
                }
            }
            if self.refill()?.is_none() {
                return Ok(None);
            }
        }
    }

    /// Consumes `want` (after white space) or fails with `expected`.
    pub fn expect(&mut self, want: u8, expected: &str) -> ScanResult<()> {
        match self.peek()? {
            Some(b) if b == want => {
                self.advance(b);
                Ok(())
            }
            Some(_) => Err(self.error(format!("expected {expected}"))),
            None => Err(self.eof(expected)),
        }
    }

    /// After an element of an object (`close` = `}`) or array (`]`): consumes `,` and
    /// returns `true` for another element, or consumes `close` and returns `false`.
    pub fn next_or_close(&mut self, close: u8) -> ScanResult<bool> {
        match self.peek()? {
            Some(b',') => {
                self.advance(b',');
                match self.peek()? {
                    Some(b) if b == close => Err(self.error("trailing comma")),
                    _ => Ok(true),
                }
            }
            Some(b) if b == close => {
                self.advance(b);
                Ok(false)
            }
            Some(_) if close == b'}' => Err(self.error("expected `,` or `}`")),
            Some(_) => Err(self.error("expected `,` or `]`")),
            None => Err(self.eof(if close == b'}' { "an object" } else { "a list" })),
        }
    }

    /// Opens an object or array (`open` = `{` or `[`) and returns whether it has elements
    /// (`false`: it was empty and is closed).
    pub fn open(&mut self, open: u8) -> ScanResult<bool> {
        let close = if open == b'{' { b'}' } else { b']' };
        self.expect(open, if open == b'{' { "an object" } else { "a list" })?;
        if self.peek()? == Some(close) {
            self.advance(close);
            return Ok(false);
        }
        Ok(true)
    }

    /// Reads an object key and the `:` after it (outside captured values).
    pub fn key(&mut self) -> ScanResult<String> {
        match self.peek()? {
            Some(b'"') => {}
            Some(_) => return Err(self.error("key must be a string")),
            None => return Err(self.eof("an object")),
        }
        self.capture.clear();
        self.capturing = true;
        let r = self.string();
        self.capturing = false;
        r?;
        let raw = &self.capture;
        let key = match std::str::from_utf8(raw) {
            Ok(s) if !s.contains('\\') && s.len() >= 2 => s[1..s.len() - 1].to_string(),
            _ => serde_json::from_slice::<String>(raw)
                .map_err(|e| self.error(format!("invalid key: {e}")))?,
        };
        self.expect(b':', "`:`")?;
        Ok(key)
    }

    /// Whether the next value is `null`; if so it is consumed.
    pub fn null(&mut self) -> ScanResult<bool> {
        if self.peek()? == Some(b'n') {
            self.literal(b"null")?;
            return Ok(true);
        }
        Ok(false)
    }

    /// Copies the next value (without insignificant white space) and returns it. `depth` is
    /// the nesting level the value's own brackets would have.
    pub fn capture_value(&mut self, depth: usize) -> ScanResult<&[u8]> {
        self.capture.clear();
        self.capturing = true;
        let r = self.value(depth);
        self.capturing = false;
        r?;
        Ok(&self.capture)
    }

    /// Copies the next value verbatim, for values that are parsed right after with
    /// `serde_json::from_slice`, which checks their grammar: only strings and bracket nesting
    /// are followed here (fast), so malformed JSON inside shows up as a serde_json error,
    /// which [`Pos::error`] places in the document. Returns the value and where it starts.
    pub fn capture_verbatim(&mut self, depth: usize) -> ScanResult<(&[u8], Pos)> {
        let first = self.peek()?;
        let pos = Pos {
            line: self.line,
            column: self.offset() - self.line_start + 1,
        };
        if !matches!(first, Some(b'{' | b'[')) {
            return Ok((self.capture_value(depth)?, pos));
        }
        self.capture.clear();
        let mut open = 0usize;
        let mut in_string = false;
        let mut escaped = false;
        loop {
            if self.pos == self.len && self.refill()?.is_none() {
                return Err(self.eof(if in_string { "a string" } else { "a value" }));
            }
            let start = self.pos;
            let mut i = start;
            let mut done = false;
            while i < self.len {
                let b = self.buf[i];
                if in_string {
                    if escaped {
                        escaped = false;
                    } else if b == b'\\' {
                        escaped = true;
                    } else if b == b'"' {
                        in_string = false;
                    } else if let Some(n) =
                        memchr::memchr3(b'"', b'\\', b'\n', &self.buf[i..self.len])
                    {
                        // Jump to the next byte that matters inside the string.
                        if n > 0 {
                            i += n;
                            continue;
                        }
                    } else {
                        i = self.len;
                        continue;
                    }
                } else {
                    match b {
                        b'"' => in_string = true,
                        b'{' | b'[' => {
                            open += 1;
                            if depth + open - 1 > MAX_DEPTH {
                                self.capture.extend_from_slice(&self.buf[start..i]);
                                self.pos = i;
                                return Err(self.error(format!(
                                    "nesting is too deep (more than {MAX_DEPTH} levels): expected a report"
                                )));
                            }
                        }
                        b'}' | b']' => {
                            open = open.saturating_sub(1);
                            if open == 0 {
                                i += 1;
                                done = true;
                                break;
                            }
                        }
                        _ => {}
                    }
                }
                if b == b'\n' {
                    self.line += 1;
                    self.line_start = self.consumed + i as u64 + 1;
                }
                i += 1;
            }
            self.capture.extend_from_slice(&self.buf[start..i]);
            self.pos = i;
            if done {
                return Ok((&self.capture, pos));
            }
        }
    }

    /// Skips the next value, checking its grammar.
    pub fn skip_value(&mut self, depth: usize) -> ScanResult<()> {
        self.capturing = false;
        self.value(depth)
    }

    /// After the document: only white space may follow.
    pub fn end(&mut self) -> ScanResult<()> {
        match self.peek()? {
            None => Ok(()),
            Some(_) => Err(self.error(
                "expected a single JSON document, found more content after it (JSON Lines?)",
            )),
        }
    }

    fn value(&mut self, depth: usize) -> ScanResult<()> {
        let Some(b) = self.peek()? else {
            return Err(self.eof("a value"));
        };
        match b {
            b'{' | b'[' => self.container(b, depth),
            b'"' => self.string(),
            b't' => self.literal(b"true"),
            b'f' => self.literal(b"false"),
            b'n' => self.literal(b"null"),
            b'-' | b'0'..=b'9' => self.number(),
            _ => Err(self.error("expected value")),
        }
    }

    fn container(&mut self, open: u8, depth: usize) -> ScanResult<()> {
        if depth > MAX_DEPTH {
            return Err(self.error(format!(
                "nesting is too deep (more than {MAX_DEPTH} levels): expected a report"
            )));
        }
        let close = if open == b'{' { b'}' } else { b']' };
        if !self.open(open)? {
            return Ok(());
        }
        loop {
            if open == b'{' {
                match self.peek()? {
                    Some(b'"') => self.string()?,
                    Some(_) => return Err(self.error("key must be a string")),
                    None => return Err(self.eof("an object")),
                }
                self.expect(b':', "`:`")?;
            }
            self.value(depth + 1)?;
            if !self.next_or_close(close)? {
                return Ok(());
            }
        }
    }

    fn literal(&mut self, word: &[u8]) -> ScanResult<()> {
        for &want in word {
            match self.byte()? {
                Some(b) if b == want => self.advance(b),
                Some(_) => return Err(self.error("expected value")),
                None => return Err(self.eof("a value")),
            }
        }
        Ok(())
    }

    fn number(&mut self) -> ScanResult<()> {
        self.scratch.clear();
        while let Some(b @ (b'0'..=b'9' | b'-' | b'+' | b'.' | b'e' | b'E')) = self.byte()? {
            self.scratch.push(b);
            self.advance(b);
        }
        if valid_number(&self.scratch) {
            Ok(())
        } else {
            Err(self.error("invalid number"))
        }
    }

    /// A string, from its opening quote.
    fn string(&mut self) -> ScanResult<()> {
        self.advance(b'"');
        loop {
            let start = self.pos;
            let end = self.buf[start..self.len]
                .iter()
                .position(|&b| b == b'"' || b == b'\\' || b < 0x20)
                .map_or(self.len, |n| start + n);
            if self.capturing {
                self.capture.extend_from_slice(&self.buf[start..end]);
            }
            self.pos = end;
            let Some(b) = self.byte()? else {
                return Err(self.eof("a string"));
            };
            match b {
                b'"' => {
                    self.advance(b);
                    return Ok(());
                }
                b'\\' => {
                    self.advance(b);
                    self.escape()?;
                }
                _ if b < 0x20 => {
                    return Err(self.error(
                        "control character (\\u0000-\\u001F) found while parsing a string",
                    ));
                }
                _ => {}
            }
        }
    }

    fn escape(&mut self) -> ScanResult<()> {
        match self.byte()? {
            Some(b @ (b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't')) => {
                self.advance(b);
                Ok(())
            }
            Some(b'u') => {
                self.advance(b'u');
                for _ in 0..4 {
                    match self.byte()? {
                        Some(h) if h.is_ascii_hexdigit() => self.advance(h),
                        Some(_) => return Err(self.error("invalid escape")),
                        None => return Err(self.eof("a string")),
                    }
                }
                Ok(())
            }
            Some(_) => Err(self.error("invalid escape")),
            None => Err(self.eof("a string")),
        }
    }
}

/// The JSON number grammar: `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`.
fn valid_number(s: &[u8]) -> bool {
    let mut i = 0;
    let digits = |i: &mut usize| {
        let start = *i;
        while *i < s.len() && s[*i].is_ascii_digit() {
            *i += 1;
        }
        *i > start
    };
    if s.first() == Some(&b'-') {
        i += 1;
    }
    if s.get(i) == Some(&b'0') {
        i += 1;
    } else if !digits(&mut i) {
        return false;
    }
    if s.get(i) == Some(&b'.') {
        i += 1;
        if !digits(&mut i) {
            return false;
        }
    }
    if matches!(s.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(s.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        if !digits(&mut i) {
            return false;
        }
    }
    i == s.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn capture(s: &str) -> Result<String, String> {
        let mut sc = Scanner::new(s.as_bytes());
        let v = sc
            .capture_value(1)
            .map(|v| String::from_utf8_lossy(v).into_owned());
        let v = v.and_then(|v| sc.end().map(|_| v));
        v.map_err(|e| format!("{:?}", e))
    }

    #[test]
    fn captures_values_without_white_space() {
        assert_eq!(
            capture(" { \"a\" : [1, -2.5e3, true, null, \"x\\\"y\\u00e9 \"] } ").unwrap(),
            r#"{"a":[1,-2.5e3,true,null,"x\"y\u00e9 "]}"#
        );
        assert_eq!(capture("\"é\"").unwrap(), "\"é\"");
    }

    #[test]
    fn rejects_malformed_json() {
        for (bad, why) in [
            ("{\"a\":1,}", "trailing comma"),
            ("[1 2]", "expected `,` or `]`"),
            ("{\"a\" 1}", "expected `:`"),
            ("{1:2}", "key must be a string"),
            ("[tru]", "expected value"),
            ("[01]", "invalid number"),
            ("[1.]", "invalid number"),
            ("\"a\\x\"", "invalid escape"),
            ("\"a\nb\"", "control character"),
            ("[1", "truncated"),
            ("{\"a\":\"b", "truncated"),
            ("{} {}", "JSON Lines"),
        ] {
            let e = capture(bad).unwrap_err();
            assert!(e.contains(why), "{bad}: {e}");
        }
        let deep = format!("{}{}", "[".repeat(200), "]".repeat(200));
        assert!(capture(&deep).unwrap_err().contains("too deep"));
        assert!(capture(&format!("{}{}", "[".repeat(127), "]".repeat(127))).is_ok());
    }

    #[test]
    fn positions_count_lines_and_columns() {
        let mut sc = Scanner::new(&b"{\n  \"a\": [\n    1,\n    x]}"[..]);
        let e = sc.skip_value(1).unwrap_err();
        match e {
            ScanError::Syntax { line, column, .. } => assert_eq!((line, column), (4, 5)),
            other => panic!("{other:?}"),
        }
        for n in [0usize, 1, 2, 3, 7, 100] {
            assert!(valid_number(format!("{n}").as_bytes()));
        }
    }
}
