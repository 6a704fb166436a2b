//! CycloneDX SBOMs, VDRs and VEX documents, JSON and XML, spec versions 1.0–1.7.
//!
//! Output: an [`Inventory`](rampart_model::Inventory) (`metadata.component` as the root, every
//! component with nested `components` flattened, dependency edges) and one observation of
//! kind `dependency` per vulnerability × affected component.
//!
//! # What is rejected and what is accepted
//!
//! Rampart is not a schema validator. A document is **rejected** (a [`ParseError`] naming the
//! place) only when it cannot be read as a CycloneDX BOM at all:
//! * it is not well-formed JSON / XML (truncated, two XML declarations, mismatched tags,
//!   nesting deeper than [`xml::MAX_DEPTH`] or serde_json's limit);
//! * JSON: the top level is not an object, `bomFormat` is missing or is not `CycloneDX`, or
//!   `components` / `dependencies` / `vulnerabilities` is not an array;
//! * XML: the root is not `<bom>` in a `http://cyclonedx.org/schema/bom/1.x` namespace.
//!
//! Everything else that breaks the schema is **accepted**, and each record Rampart had to
//! skip or repair gets a diagnostic: a component without a name (skipped), an empty
//! `bom-ref` (one is generated), duplicate `bom-ref`s (the first wins), a license without id,
//! name or expression (skipped), a hash that is not hexadecimal (dropped), a dependency
//! without `ref` (skipped), edges to refs that are no component (dropped), a vulnerability
//! without `id` (skipped), an unknown `specVersion` (read as the latest). Unknown fields,
//! enum values outside the schema (component `type`, `scope`, hash `alg`, license ids that
//! are not SPDX), numbers written as strings and the reverse are taken as they are.
//!
//! # Choices
//!
//! * **Names**: a component's `group` is joined into its name the way the ecosystem's
//!   advisories spell packages (the OSV convention), so that `intel` can match by name:
//!   Maven `group:artifact`, npm `@scope/name`, Composer and Go `group/name`; distribution
//!   packages (deb, rpm, apk) keep the bare name. The ecosystem is the purl type; without a
//!   purl, `group/name`.
//! * **bom-ref**: when missing, the purl, else `name@version`, made unique with `#2`, `#3`.
//! * **Tool**: `ParseOutcome::tools` lists every tool `metadata.tools` names (1.2–1.4 array or
//!   1.5+ `components` / `services`); observations carry the first; `cyclonedx` when none.
//! * **Affected component**: `affects[].ref` is resolved against `bom-ref`s, component purls
//!   and the fragment of a BOM-Link (`urn:cdx:serial/version#ref`); an unresolved ref that is
//!   a purl gives the package from the purl; anything else is kept as the package name. A
//!   vulnerability without `affects` points at its own `bom-ref` when that is a purl (JFrog
//!   Xray), else at the BOM's subject, else nowhere.
//! * **VEX**: `analysis.state` becomes a `vex` suppression whose justification is
//!   `justification: detail`; responses become `vex-response:` tags.
//! * **Order and memory**: components, dependencies and vulnerabilities are streamed one
//!   record at a time. A vulnerability is emitted as soon as the references it names are
//!   settled (after `metadata` and `components`, the order every producer writes); if it
//!   comes earlier it is held until the end of the document. Edges are resolved at the end.
//!   Component order is document order for JSON (parents first) and end-tag order for XML.

mod builder;
pub mod json;
pub(crate) mod purl;
mod raw;
mod vex;
pub mod xml;

#[cfg(test)]
mod tests;

use crate::{Emitter, ParseContext, ParseError, ParseOutcome};
use std::io::BufRead;

/// Spec versions this parser knows.
const KNOWN_SPEC_VERSIONS: [&str; 8] = ["1.0", "1.1", "1.2", "1.3", "1.4", "1.5", "1.6", "1.7"];

/// Parses a CycloneDX JSON document, streaming observations into `emitter`; the inventory is
/// in the returned outcome.
pub fn parse_json<R: BufRead>(
    reader: R,
    ctx: &ParseContext,
    emitter: &mut Emitter<'_>,
) -> Result<ParseOutcome, ParseError> {
    json::parse(reader, ctx, emitter)
}

/// Parses a CycloneDX XML document, streaming observations into `emitter`; the inventory is
/// in the returned outcome.
pub fn parse_xml<R: BufRead>(
    reader: R,
    ctx: &ParseContext,
    emitter: &mut Emitter<'_>,
) -> Result<ParseOutcome, ParseError> {
    xml::parse(reader, ctx, emitter)
}

/// Diagnoses a missing or unknown `specVersion` (the document is still read).
fn check_spec_version(v: Option<&str>, place: &str, emitter: &mut Emitter<'_>) {
    match v.map(str::trim) {
        Some(v) if KNOWN_SPEC_VERSIONS.contains(&v) => {}
        Some(v) => emitter.diagnose(
            place,
            format!("unknown specVersion `{v}`: read as CycloneDX 1.7"),
        ),
        None => emitter.diagnose(place, "missing specVersion: read as CycloneDX 1.7"),
    }
}
