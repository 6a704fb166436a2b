//! Report and SBOM parsers: bytes in, normalized observations (and inventories) out.
//!
//! This crate owns every input format Rampart understands, the detection of a report's format
//! from its content (never its file name), and the streaming machinery that lets a
//! million-result report be parsed in memory that grows with one record, not the report.
//!
//! It must never touch a database, the network or the terminal, never panic on any input, and
//! never let a secret value out: secret parsers hash the value with the installation key
//! ([`ParseContext::secret_key`]) and keep a redacted preview only.

pub mod bandit;
pub mod catalog;
pub mod checkov;
pub mod corpus;
pub mod cyclonedx;
pub mod detect;
pub mod detect_secrets;
pub mod emit;
pub mod error;
pub mod gate_out;
pub mod gitleaks;
pub mod grype;
pub mod json;
pub mod jsonscan;
pub mod sarif;
pub mod secret;
pub mod semgrep;
pub mod spdx;
pub mod trivy;
pub mod vex;
pub mod vex_out;

pub use detect::{Format, detect};
pub use emit::{Diagnostic, Emitter, ParseContext, ParseOutcome};
pub use error::ParseError;

use rampart_model::Observation;
use std::io::{BufRead, BufReader, Cursor, Read};

/// Size of the read buffer parsers stream through.
pub const READ_BUFFER: usize = 256 * 1024;

/// Parses a report of a known format, streaming each observation into `emitter`.
pub fn parse_as<R: BufRead>(
    format: Format,
    reader: R,
    ctx: &ParseContext,
    emitter: &mut Emitter<'_>,
) -> Result<ParseOutcome, ParseError> {
    let mut outcome = match format {
        Format::Sarif => sarif::parse(reader, ctx, emitter),
        Format::CycloneDxJson => cyclonedx::parse_json(reader, ctx, emitter),
        Format::CycloneDxXml => cyclonedx::parse_xml(reader, ctx, emitter),
        Format::Trivy => trivy::parse(reader, ctx, emitter),
        Format::Grype => grype::parse(reader, ctx, emitter),
        Format::Semgrep => semgrep::parse(reader, ctx, emitter),
        Format::Gitleaks => gitleaks::parse(reader, ctx, emitter),
        Format::Bandit => bandit::parse(reader, ctx, emitter),
        Format::Checkov => checkov::parse(reader, ctx, emitter),
        Format::DetectSecrets => detect_secrets::parse(reader, ctx, emitter),
        Format::SpdxJson => spdx::parse_json(reader, ctx, emitter),
        Format::SpdxTagValue => spdx::parse_tag_value(reader, ctx, emitter),
    }
    .map_err(|e| match emitter.sink_error() {
        Some(msg) => ParseError::Sink {
            file: ctx.file_name.clone(),
            message: msg.to_string(),
        },
        None => e,
    })?;
    outcome.format = Some(format);
    if outcome.tool_kind.is_none() {
        outcome.tool_kind = format.tool_kind();
    }
    emitter.finish_into(&mut outcome);
    Ok(outcome)
}

/// Detects the format from the content of `reader` (or takes `format` when given) and parses,
/// streaming each observation into `emitter`.
pub fn parse<R: Read>(
    mut reader: R,
    format: Option<Format>,
    ctx: &ParseContext,
    emitter: &mut Emitter<'_>,
) -> Result<ParseOutcome, ParseError> {
    let head = detect::read_head(&mut reader, ctx)?;
    let format = match format {
        Some(f) => f,
        None => detect::detect(&head).map_err(|hint| ParseError::UnknownFormat {
            file: ctx.file_name.clone(),
            hint,
        })?,
    };
    let chained = BufReader::with_capacity(READ_BUFFER, Cursor::new(head).chain(reader));
    parse_as(format, chained, ctx, emitter)
}

/// Parses bytes held in memory and collects the observations: for tests and small inputs.
pub fn parse_bytes(
    bytes: &[u8],
    format: Option<Format>,
    ctx: &ParseContext,
) -> Result<(ParseOutcome, Vec<Observation>), ParseError> {
    let mut all = Vec::new();
    let mut sink = |o: Observation| {
        all.push(o);
        Ok(())
    };
    let mut emitter = Emitter::new(&mut sink);
    let outcome = parse(bytes, format, ctx, &mut emitter)?;
    drop(emitter);
    Ok((outcome, all))
}
