//! OpenVEX (v0.0.1 .. v0.2.0): `statements[]` with `vulnerability` (an object with `name` or
//! `@id` and `aliases`, or a bare string), `products[]` (objects with `@id`, `identifiers.purl`
//! and `subcomponents`, or bare strings), `status`, `justification`, `impact_statement`,
//! `action_statement` and an optional per-statement `timestamp`.

use super::{VexDocument, VexFormat, time_of};
use crate::ParseError;
use rampart_model::{VexStatement, VexStatus};
use serde_json::Value;

fn str_of(v: Option<&Value>) -> Option<String> {
    v.and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(String::from)
}

/// The ids a product names: its `@id`, `identifiers.purl`, and its subcomponents'.
fn product_ids(p: &Value, out: &mut Vec<String>) {
    if let Some(s) = p.as_str() {
        out.push(s.to_string());
        return;
    }
    for id in [str_of(p.get("@id")), str_of(p.pointer("/identifiers/purl"))]
        .into_iter()
        .flatten()
    {
        if !out.contains(&id) {
            out.push(id);
        }
    }
    for sub in p
        .get("subcomponents")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        product_ids(sub, out);
    }
}

pub(super) fn parse(file: &str, doc: &Value) -> Result<VexDocument, ParseError> {
    let id = str_of(doc.get("@id")).unwrap_or_else(|| file.to_string());
    let doc_time = time_of(doc.get("timestamp")).or_else(|| time_of(doc.get("last_updated")));
    let statements = match doc.get("statements") {
        Some(Value::Array(a)) => a,
        Some(_) => {
            return Err(ParseError::invalid(
                file,
                "/statements",
                "expected an array of statements",
            ));
        }
        None => {
            return Err(ParseError::invalid(
                file,
                "/",
                "expected OpenVEX `statements`",
            ));
        }
    };
    let mut out = Vec::new();
    for (i, s) in statements.iter().enumerate() {
        let at = format!("/statements/{i}");
        let vuln = s.get("vulnerability");
        let name = match vuln {
            Some(Value::String(v)) => Some(v.trim().to_string()),
            Some(v) => str_of(v.get("name")).or_else(|| str_of(v.get("@id"))),
            None => None,
        }
        .filter(|n| !n.is_empty())
        .ok_or_else(|| {
            ParseError::invalid(
                file,
                format!("{at}/vulnerability"),
                "expected the vulnerability's `name` (or `@id`)",
            )
        })?;
        let aliases: Vec<String> = vuln
            .and_then(|v| v.get("aliases"))
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|a| str_of(Some(a)))
            .collect();
        let raw_status = str_of(s.get("status")).unwrap_or_default();
        let status = VexStatus::parse(&raw_status).ok_or_else(|| {
            ParseError::invalid(
                file,
                format!("{at}/status"),
                format!(
                    "`{raw_status}`: expected not_affected, affected, fixed or under_investigation"
                ),
            )
        })?;
        let mut products = Vec::new();
        for p in s
            .get("products")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            product_ids(p, &mut products);
        }
        out.push(VexStatement {
            vulnerability: name,
            aliases,
            products,
            status,
            justification: str_of(s.get("justification")),
            detail: str_of(s.get("impact_statement"))
                .or_else(|| str_of(s.get("action_statement")))
                .or_else(|| str_of(s.get("status_notes"))),
            timestamp: time_of(s.get("timestamp"))
                .or_else(|| time_of(s.get("last_updated")))
                .or(doc_time),
            document: id.clone(),
            source_ref: at,
        });
    }
    Ok(VexDocument {
        format: VexFormat::OpenVex,
        id,
        statements: out,
    })
}
