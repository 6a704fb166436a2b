//! Placeholder: being written.

use crate::{Emitter, ParseContext, ParseError, ParseOutcome};
use std::io::BufRead;

/// Parses a CycloneDX JSON document.
pub fn parse_json<R: BufRead>(
    _reader: R,
    ctx: &ParseContext,
    _emitter: &mut Emitter<'_>,
) -> Result<ParseOutcome, ParseError> {
    Err(ParseError::invalid(
        &ctx.file_name,
        "-",
        "parser not written yet",
    ))
}
/// Parses a CycloneDX XML document.
pub fn parse_xml<R: BufRead>(
    _reader: R,
    ctx: &ParseContext,
    _emitter: &mut Emitter<'_>,
) -> Result<ParseOutcome, ParseError> {
    Err(ParseError::invalid(
        &ctx.file_name,
        "-",
        "parser not written yet",
    ))
}
