//! Placeholder: being written.

use crate::{Emitter, ParseContext, ParseError, ParseOutcome};
use std::io::BufRead;

/// Parses a report.
pub fn parse<R: BufRead>(
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
