//! CycloneDX VEX: the CycloneDX parser reads `vulnerabilities[].analysis` into a `vex`
//! suppression on each observation; every observation with one is a statement about its
//! package.

use super::{VexDocument, VexFormat};
use crate::{ParseContext, ParseError, parse_bytes};
use rampart_model::{Location, VexStatement, VexStatus};

pub(super) fn parse(bytes: &[u8], ctx: &ParseContext) -> Result<VexDocument, ParseError> {
    let (_, observations) = parse_bytes(bytes, None, ctx)?;
    let mut out = Vec::new();
    for o in observations {
        let Some(s) = o.suppression.as_ref().filter(|s| s.kind == "vex") else {
            continue;
        };
        let Some(status) = s.status.as_deref().and_then(VexStatus::parse) else {
            continue;
        };
        let (justification, detail) = match s.justification.as_deref() {
            Some(j) => match j.split_once(": ") {
                Some((a, b)) if !a.contains(' ') => (Some(a.to_string()), Some(b.to_string())),
                _ if !j.contains(' ') => (Some(j.to_string()), None),
                _ => (None, Some(j.to_string())),
            },
            None => (None, None),
        };
        let product = match &o.location {
            Location::Package(p) => p.purl.clone().unwrap_or_else(|| p.name.clone()),
            other => other.display(),
        };
        let mut ids = o.vuln_ids.iter().map(|v| v.0.clone());
        let vulnerability = ids.next().unwrap_or_else(|| o.rule_id.clone());
        out.push(VexStatement {
            vulnerability,
            aliases: ids.collect(),
            products: vec![product],
            status,
            justification,
            detail,
            timestamp: None,
            document: ctx.file_name.clone(),
            source_ref: o.source_ref.clone(),
        });
    }
    Ok(VexDocument {
        format: VexFormat::CycloneDx,
        id: ctx.file_name.clone(),
        statements: out,
    })
}
