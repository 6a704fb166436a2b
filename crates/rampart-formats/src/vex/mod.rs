//! VEX documents in: OpenVEX, CSAF 2.0 (`product_status`, `flags`, `remediations`, `threats`)
//! and CycloneDX VEX (`vulnerabilities[].analysis`, read by the CycloneDX parser). Each becomes
//! a list of [`VexStatement`]s: a vulnerability (with its aliases), the products it is about
//! (purls where the document gives them), a status, a justification and a time.
//!
//! Matching statements to issues, and choosing the newest, is `rampart_engine::vex`.

mod csaf;
mod cyclonedx;
mod openvex;

use crate::{ParseContext, ParseError};
use rampart_model::VexStatement;
use time::OffsetDateTime;

/// Which VEX dialect a document is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VexFormat {
    /// OpenVEX (`@context` openvex, `statements`).
    OpenVex,
    /// CSAF 2.0 (`document.csaf_version`).
    Csaf,
    /// CycloneDX (JSON or XML) with `vulnerabilities[].analysis`.
    CycloneDx,
}

/// A parsed VEX document.
#[derive(Debug, Clone, PartialEq)]
pub struct VexDocument {
    /// Its dialect.
    pub format: VexFormat,
    /// Its id (`@id`, `document.tracking.id`, CycloneDX `serialNumber`) or the file name.
    pub id: String,
    /// Its statements, in document order.
    pub statements: Vec<VexStatement>,
}

/// Parses a VEX document, detecting its dialect from the content.
pub fn parse(bytes: &[u8], ctx: &ParseContext) -> Result<VexDocument, ParseError> {
    let file = ctx.file_name.as_str();
    let head = String::from_utf8_lossy(&bytes[..bytes.len().min(4096)]);
    let trimmed = head.trim_start();
    if trimmed.is_empty() {
        return Err(ParseError::Empty { file: file.into() });
    }
    if trimmed.starts_with('<') {
        return cyclonedx::parse(bytes, ctx);
    }
    let value: serde_json::Value = serde_json::from_slice(bytes).map_err(|e| {
        ParseError::invalid(
            file,
            format!("line {}, column {}", e.line(), e.column()),
            format!("{e}: expected a JSON VEX document"),
        )
    })?;
    if value.get("statements").is_some() || value.get("@context").is_some() {
        openvex::parse(file, &value)
    } else if value.pointer("/document/csaf_version").is_some() {
        csaf::parse(file, &value)
    } else if value.get("bomFormat").is_some() || value.get("vulnerabilities").is_some() {
        cyclonedx::parse(bytes, ctx)
    } else {
        Err(ParseError::UnknownFormat {
            file: file.into(),
            hint: "expected OpenVEX (`statements`), CSAF 2.0 (`document.csaf_version`) or CycloneDX VEX (`bomFormat`)".into(),
        })
    }
}

/// An RFC 3339 time, when `v` holds one.
pub(crate) fn time_of(v: Option<&serde_json::Value>) -> Option<OffsetDateTime> {
    v.and_then(|t| t.as_str())
        .and_then(|t| OffsetDateTime::parse(t, &time::format_description::well_known::Rfc3339).ok())
}

#[cfg(test)]
mod tests;
