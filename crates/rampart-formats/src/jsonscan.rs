//! Fast streaming over a large JSON report: walk the document's skeleton (objects, arrays,
//! keys) straight from a [`BufRead`], and deserialize each record from a slice.
//!
//! serde_json's reader-based deserializer pulls one byte at a time through the reader; on
//! report-shaped input it tops out around 100 MB/s even when it ignores everything, while
//! deserializing the same bytes from a slice is about six times faster. [`Scanner`] scans
//! the skeleton over the reader's own buffer, copies one value at a time into a reused buffer
//! and hands that slice to `serde_json::from_slice`. Memory grows with the largest single
//! record, never with the report; keys may come in any order; values a parser does not want
//! are skipped without being kept.
//!
//! Validation: every value a parser deserializes is fully checked by serde_json; values that
//! are skipped are only checked for balanced brackets and strings (and a nesting limit), as
//! they are never interpreted. Errors name the file, the line and column, the JSON pointer of
//! the value being read and what was expected, in the same words as [`crate::json`].

use crate::error::ParseError;
use crate::json;
use serde::de::DeserializeOwned;
use std::io::BufRead;

/// The deepest nesting accepted (serde_json's own limit for the values it deserializes).
const MAX_DEPTH: usize = 128;

/// A captured record larger than this does not keep its buffer capacity afterwards.
const KEEP_CAPACITY: usize = 1 << 20;

/// What [`Scanner::object`] or [`Scanner::array`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// The expected container, with this many members or elements.
    Container(usize),
    /// `null` (tools write it for "none").
    Null,
    /// Something else, which was skipped: `a string`, `a number`, `an object` ...
    Other(&'static str),
}

/// Walks a JSON document from a [`BufRead`]; see the module documentation.
pub struct Scanner<R> {
    reader: R,
    file: String,
    /// 1-based line of the next byte.
    line: usize,
    /// 1-based column (in bytes) of the next byte.
    col: usize,
    /// Containers entered with [`Scanner::object`] / [`Scanner::array`].
    depth: usize,
    /// Reused capture buffer.
    buf: Vec<u8>,
    /// Whether the start of the document (and a byte-order mark there) was looked at.
    started: bool,
}

impl<R: BufRead> Scanner<R> {
    /// A scanner over `reader`; `file` names the file in errors.
    pub fn new(file: &str, reader: R) -> Self {
        Scanner {
            reader,
            file: file.to_string(),
            line: 1,
            col: 1,
            depth: 0,
            buf: Vec::new(),
            started: false,
        }
    }

    /// The next non-white-space byte, not consumed; `None` at the end of the input.
    pub fn peek(&mut self) -> Result<Option<u8>, ParseError> {
        if !self.started {
            self.started = true;
            // A UTF-8 byte-order mark, possibly split across reads.
            if self.fill()?.first() == Some(&0xEF) {
                for expected in [0xEF, 0xBB, 0xBF] {
                    if self.fill()?.first() != Some(&expected) {
                        break;
                    }
                    self.reader.consume(1);
                }
            }
        }
        loop {
            let chunk = self.fill()?;
            if chunk.is_empty() {
                return Ok(None);
            }
            let ws = chunk
                .iter()
                .position(|b| !matches!(b, b' ' | b'\n' | b'\r' | b'\t'))
                .unwrap_or(chunk.len());
            let first = chunk.get(ws).copied();
            self.consume_counted(ws)?;
            if let Some(b) = first {
                return Ok(Some(b));
            }
        }
    }

    /// Visits the members of the object that comes next: `f(scanner, key)` must consume the
    /// member's value (with [`Scanner::value`], [`Scanner::skip`], [`Scanner::object`] or
    /// [`Scanner::array`]). `null` and other values are skipped and reported in the result.
    /// `pointer` is the object's JSON pointer, for errors.
    pub fn object<F>(&mut self, pointer: &str, mut f: F) -> Result<Shape, ParseError>
    where
        F: FnMut(&mut Self, String) -> Result<(), ParseError>,
    {
        if let Some(shape) = self.not_container(pointer, b'{')? {
            return Ok(shape);
        }
        self.enter(pointer)?;
        let mut n = 0usize;
        if self.peek()? == Some(b'}') {
            self.advance(1);
            self.depth -= 1;
            return Ok(Shape::Container(0));
        }
        loop {
            match self.peek()? {
                Some(b'"') => {}
                other => return Err(self.unexpected(pointer, "a key (a string)", other)),
            }
            let key = self.key(pointer)?;
            match self.peek()? {
                Some(b':') => self.advance(1),
                other => return Err(self.unexpected(pointer, "`:` after the key", other)),
            }
            f(self, key)?;
            n += 1;
            match self.peek()? {
                Some(b',') => self.advance(1),
                Some(b'}') => {
                    self.advance(1);
                    self.depth -= 1;
                    return Ok(Shape::Container(n));
                }
                other => return Err(self.unexpected(pointer, "`,` or `}`", other)),
            }
        }
    }

    /// Visits the elements of the array that comes next: `f(scanner, index)` must consume the
    /// element. `null` and other values are skipped and reported in the result.
    pub fn array<F>(&mut self, pointer: &str, mut f: F) -> Result<Shape, ParseError>
    where
        F: FnMut(&mut Self, usize) -> Result<(), ParseError>,
    {
        if let Some(shape) = self.not_container(pointer, b'[')? {
            return Ok(shape);
        }
        self.enter(pointer)?;
        if self.peek()? == Some(b']') {
            self.advance(1);
            self.depth -= 1;
            return Ok(Shape::Container(0));
        }
        let mut i = 0usize;
        loop {
            f(self, i)?;
            i += 1;
            match self.peek()? {
                Some(b',') => self.advance(1),
                Some(b']') => {
                    self.advance(1);
                    self.depth -= 1;
                    return Ok(Shape::Container(i));
                }
                other => return Err(self.unexpected(pointer, "`,` or `]`", other)),
            }
        }
    }

    /// Deserializes the next value as `T` (fully validated by serde_json). `pointer` is the
    /// value's JSON pointer, for errors.
    pub fn value<T: DeserializeOwned>(&mut self, pointer: &str) -> Result<T, ParseError> {
        let mut buf = std::mem::take(&mut self.buf);
        buf.clear();
        self.peek()?;
        let (line, col) = (self.line, self.col);
        let scanned = self.scan(pointer, Some(&mut buf));
        let result = scanned.and_then(|()| {
            serde_json::from_slice::<T>(&buf).map_err(|e| self.slice_error(&e, line, col, pointer))
        });
        if buf.capacity() > KEEP_CAPACITY {
            buf = Vec::new();
        }
        self.buf = buf;
        result
    }

    /// Skips the next value without keeping it.
    pub fn skip(&mut self, pointer: &str) -> Result<(), ParseError> {
        self.peek()?;
        self.scan(pointer, None)
    }

    /// Checks that nothing but white space follows the document.
    pub fn end(&mut self) -> Result<(), ParseError> {
        match self.peek()? {
            None => Ok(()),
            Some(_) => Err(self.error(
                "",
                "expected a single JSON document, found more content after it (JSON Lines?)",
            )),
        }
    }

    // -----------------------------------------------------------------------------------------

    /// The reader's buffered bytes (empty at the end of the input), retrying interrupted
    /// reads. The second `fill_buf` only returns the buffer the first one filled: returning the
    /// first call's slice from inside the loop is what the borrow checker refuses.
    fn fill(&mut self) -> Result<&[u8], ParseError> {
        loop {
            match self.reader.fill_buf() {
                Ok(_) => break,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(source) => {
                    return Err(ParseError::Io {
                        file: self.file.clone(),
                        source,
                    });
                }
            }
        }
        self.reader.fill_buf().map_err(|source| ParseError::Io {
            file: self.file.clone(),
            source,
        })
    }

    /// Consumes `n` bytes of the current chunk that contain no newline.
    fn advance(&mut self, n: usize) {
        self.reader.consume(n);
        self.col += n;
    }

    /// Consumes `chunk[..n]`, keeping the line and column right.
    fn consume_counted(&mut self, n: usize) -> Result<(), ParseError> {
        let (len, newlines, last) = {
            let chunk = self.fill()?;
            let part = &chunk[..n.min(chunk.len())];
            let newlines = part.iter().filter(|b| **b == b'\n').count();
            let last = match newlines {
                0 => 0,
                _ => part.iter().rposition(|b| *b == b'\n').unwrap_or(0),
            };
            (part.len(), newlines, last)
        };
        if newlines > 0 {
            self.line += newlines;
            self.col = len - last;
        } else {
            self.col += len;
        }
        self.reader.consume(len);
        Ok(())
    }

    fn enter(&mut self, pointer: &str) -> Result<(), ParseError> {
        if self.depth >= MAX_DEPTH {
            return Err(self.error(
                pointer,
                "nesting is too deep (more than 128 levels): expected a report",
            ));
        }
        self.depth += 1;
        self.advance(1);
        Ok(())
    }

    /// When the next value is not the container `open`, skips it and says what it was.
    fn not_container(&mut self, pointer: &str, open: u8) -> Result<Option<Shape>, ParseError> {
        let what = match self.peek()? {
            Some(b) if b == open => return Ok(None),
            None => {
                let expected = if open == b'{' {
                    "an object"
                } else {
                    "an array"
                };
                return Err(self.unexpected(pointer, expected, None));
            }
            Some(b'n') => None,
            Some(b) => Some(describe(b)),
        };
        self.skip(pointer)?;
        Ok(Some(match what {
            None => Shape::Null,
            Some(w) => Shape::Other(w),
        }))
    }

    /// Reads an object key (the next byte is `"`).
    fn key(&mut self, pointer: &str) -> Result<String, ParseError> {
        let mut raw = Vec::with_capacity(32);
        let (line, col) = (self.line, self.col);
        self.scan(pointer, Some(&mut raw))?;
        let inner = &raw[1..raw.len().saturating_sub(1)];
        if !inner.contains(&b'\\')
            && let Ok(s) = std::str::from_utf8(inner)
        {
            return Ok(s.to_string());
        }
        serde_json::from_slice::<String>(&raw).map_err(|e| self.slice_error(&e, line, col, pointer))
    }

    /// Scans one value (the next byte is its first), copying its bytes into `out` if given.
    /// Containers are checked for balanced brackets, strings for their closing quote.
    fn scan(&mut self, pointer: &str, mut out: Option<&mut Vec<u8>>) -> Result<(), ParseError> {
        let first = match self.fill()?.first() {
            Some(b) => *b,
            None => return Err(self.unexpected(pointer, "a value", None)),
        };
        if !matches!(
            first,
            b'{' | b'[' | b'"' | b'-' | b'0'..=b'9' | b't' | b'f' | b'n'
        ) {
            return Err(self.unexpected(pointer, "a value", Some(first)));
        }
        let scalar = !matches!(first, b'{' | b'[' | b'"');
        // Open containers, `true` for objects.
        let mut stack: Vec<bool> = Vec::new();
        let mut in_str = false;
        let mut escaped = false;
        let mut started = false;
        let base_depth = self.depth;
        loop {
            let chunk = self.fill()?;
            if chunk.is_empty() {
                if scalar && started {
                    return Ok(());
                }
                return Err(self.unexpected(pointer, "the rest of the value", None));
            }
            let mut i = 0usize;
            let mut done = false;
            let mut mismatch: Option<u8> = None;
            let mut too_deep = false;
            if !started {
                // The first byte opens the value.
                started = true;
                match first {
                    b'{' => stack.push(true),
                    b'[' => stack.push(false),
                    b'"' => in_str = true,
                    _ => {}
                }
                if !scalar {
                    i = 1;
                }
            }
            while i < chunk.len() {
                if in_str && !escaped {
                    // Most bytes are inside strings: jump to the next quote or backslash.
                    match quote_or_backslash(&chunk[i..]) {
                        Some(skip) => i += skip,
                        None => {
                            i = chunk.len();
                            break;
                        }
                    }
                }
                let b = chunk[i];
                if in_str {
                    if escaped {
                        escaped = false;
                    } else if b == b'\\' {
                        escaped = true;
                    } else if b == b'"' {
                        in_str = false;
                        if stack.is_empty() {
                            i += 1;
                            done = true;
                            break;
                        }
                    }
                } else if scalar {
                    if matches!(b, b',' | b'}' | b']' | b' ' | b'\n' | b'\r' | b'\t') {
                        done = true;
                        break;
                    }
                } else {
                    match b {
                        b'"' => in_str = true,
                        b'{' | b'[' => {
                            if base_depth + stack.len() >= MAX_DEPTH {
                                too_deep = true;
                                break;
                            }
                            stack.push(b == b'{');
                        }
                        b'}' | b']' => {
                            if stack.pop() != Some(b == b'}') {
                                mismatch = Some(b);
                                break;
                            }
                            if stack.is_empty() {
                                i += 1;
                                done = true;
                                break;
                            }
                        }
                        _ => {}
                    }
                }
                i += 1;
            }
            if let Some(o) = out.as_deref_mut() {
                o.extend_from_slice(&chunk[..i]);
            }
            self.consume_counted(i)?;
            if too_deep {
                return Err(self.error(
                    pointer,
                    "nesting is too deep (more than 128 levels): expected a report",
                ));
            }
            if let Some(b) = mismatch {
                let expected = if stack.last() == Some(&true) {
                    "`}`"
                } else {
                    "`]`"
                };
                return Err(self.error(
                    pointer,
                    format!("expected {expected}, found `{}`", b as char),
                ));
            }
            if done {
                return Ok(());
            }
        }
    }

    fn place(&self, pointer: &str, line: usize, col: usize) -> String {
        if pointer.is_empty() {
            format!("line {line}, column {col}")
        } else {
            format!("line {line}, column {col} (at {pointer})")
        }
    }

    /// An error at the current position: `file: line L, column C (at pointer): message`.
    pub fn error(&self, pointer: &str, message: impl Into<String>) -> ParseError {
        ParseError::Invalid {
            file: self.file.clone(),
            place: self.place(pointer, self.line, self.col),
            message: message.into(),
        }
    }

    fn unexpected(&self, pointer: &str, expected: &str, found: Option<u8>) -> ParseError {
        match found {
            None => self.error(
                pointer,
                format!(
                    "expected {expected}, found the end of the file: the document ends early \
                     (truncated file?)"
                ),
            ),
            Some(b) if b.is_ascii_graphic() => self.error(
                pointer,
                format!("expected {expected}, found `{}`", b as char),
            ),
            Some(b) => self.error(
                pointer,
                format!("expected {expected}, found byte 0x{b:02x}"),
            ),
        }
    }

    /// An error of serde_json in a slice that started at `line`, `col` of the file.
    fn slice_error(
        &self,
        e: &serde_json::Error,
        line: usize,
        col: usize,
        pointer: &str,
    ) -> ParseError {
        let (l, c) = if e.line() <= 1 {
            (line, col + e.column().saturating_sub(1))
        } else {
            (line + e.line() - 1, e.column())
        };
        match json::json_error(&self.file, e) {
            ParseError::Invalid { file, message, .. } => ParseError::Invalid {
                file,
                place: self.place(pointer, l, c),
                message,
            },
            other => other,
        }
    }
}

/// The JSON pointer of element `index` of the array at `pointer` (`/Results/0` + 3 →
/// `/Results/0/3`), without the formatting machinery: it is built once per record.
pub fn child(pointer: &str, index: usize) -> String {
    let mut digits = [0u8; 20];
    let mut n = index;
    let mut start = digits.len();
    loop {
        start -= 1;
        digits[start] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    let mut s = String::with_capacity(pointer.len() + 1 + digits.len() - start);
    s.push_str(pointer);
    s.push('/');
    for d in &digits[start..] {
        s.push(char::from(*d));
    }
    s
}

/// The index of the first `"` or `\\` in `s` (memchr: SIMD where the CPU has it).
fn quote_or_backslash(s: &[u8]) -> Option<usize> {
    memchr::memchr2(b'"', b'\\', s)
}

/// What a JSON value starting with byte `b` is (`an object`, `a string` ...).
pub fn describe(b: u8) -> &'static str {
    match b {
        b'{' => "an object",
        b'[' => "an array",
        b'"' => "a string",
        b't' | b'f' => "a boolean",
        b'n' => "null",
        _ => "a number",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::BufReader;

    /// A reader that hands out `n` bytes at a time, to cross chunk boundaries everywhere.
    struct Trickle<'a>(&'a [u8], usize);
    impl std::io::Read for Trickle<'_> {
        fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
            let n = self.0.len().min(self.1).min(out.len());
            out[..n].copy_from_slice(&self.0[..n]);
            self.0 = &self.0[n..];
            Ok(n)
        }
    }

    fn walk(doc: &str, chunk: usize) -> Result<Vec<String>, ParseError> {
        let mut sc = Scanner::new(
            "f.json",
            BufReader::with_capacity(chunk, Trickle(doc.as_bytes(), chunk)),
        );
        let mut seen = Vec::new();
        sc.object("", |sc, key| {
            match key.as_str() {
                "list" => {
                    sc.array("/list", |sc, i| {
                        let v: serde_json::Value = sc.value(&format!("/list/{i}"))?;
                        seen.push(format!("{i}={v}"));
                        Ok(())
                    })?;
                }
                _ => sc.skip(&format!("/{key}"))?,
            }
            Ok(())
        })?;
        sc.end()?;
        Ok(seen)
    }

    #[test]
    fn streams_across_chunk_boundaries() {
        let doc = "\u{feff}{\"skip\": {\"a\": [1, \"]}\\\"\", {}]}, \"n\": -1.5e3,\n \"list\": [{\"k\": \"v\\n\"}, 2, \"s\", null, true],\"t\":true}";
        for chunk in [1, 2, 3, 7, 64] {
            assert_eq!(
                walk(doc, chunk).unwrap(),
                ["0={\"k\":\"v\\n\"}", "1=2", "2=\"s\"", "3=null", "4=true"],
                "chunk {chunk}"
            );
        }
    }

    #[test]
    fn errors_name_line_column_and_pointer() {
        // The same line and column as serde_json gives on the whole document.
        let doc = "{\"list\": [1,\n  {\"a\": tru}]}";
        let whole = serde_json::from_str::<serde_json::Value>(doc).unwrap_err();
        let e = walk(doc, 4).unwrap_err().to_string();
        let place = format!(
            "f.json: line {}, column {} (at /list/1)",
            whole.line(),
            whole.column()
        );
        assert!(e.starts_with(&place), "{e} vs {place}");
        assert_eq!(whole.line(), 2);
        let e = walk("{\"list\": [1, 2", 4).unwrap_err().to_string();
        assert!(e.contains("truncated"), "{e}");
        let e = walk("{\"skip\": [1, 2}", 4).unwrap_err().to_string();
        assert!(
            e.contains("expected `]`, found `}`") && e.contains("(at /skip)"),
            "{e}"
        );
        let e = walk("{} {}", 4).unwrap_err().to_string();
        assert!(e.contains("JSON Lines"), "{e}");
        let e = walk("{\"a\" 1}", 4).unwrap_err().to_string();
        assert!(e.contains("expected `:` after the key, found `1`"), "{e}");
        let deep = format!("{{\"skip\": {}}}", "[".repeat(500));
        let e = walk(&deep, 64).unwrap_err().to_string();
        assert!(e.contains("too deep"), "{e}");
    }

    #[test]
    fn child_pointers() {
        assert_eq!(child("/Results", 0), "/Results/0");
        assert_eq!(child("", 1234567), "/1234567");
        assert_eq!(child("/a", usize::MAX), format!("/a/{}", usize::MAX));
    }

    #[test]
    fn finds_quotes_and_backslashes() {
        for (s, want) in [
            (&b"abcdefgh\"x"[..], Some(8)),
            (b"ab\\cdefghij\"", Some(2)),
            (b"\"", Some(0)),
            (b"no match at all here", None),
            (b"", None),
            (b"\xff\xfe\x80\x81\x22", Some(4)),
        ] {
            assert_eq!(quote_or_backslash(s), want, "{s:?}");
        }
    }

    #[test]
    fn shapes_other_than_containers_are_skipped_and_named() {
        let mut sc = Scanner::new("f", BufReader::new(&b"[null, \"x\", {\"a\":1}, 5]"[..]));
        let mut shapes = Vec::new();
        sc.array("", |sc, _| {
            shapes.push(sc.array("/x", |sc, _| sc.skip(""))?);
            Ok(())
        })
        .unwrap();
        assert_eq!(
            shapes,
            [
                Shape::Null,
                Shape::Other("a string"),
                Shape::Other("an object"),
                Shape::Other("a number")
            ]
        );
    }
}
