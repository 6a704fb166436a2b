//! SPDX 2.x JSON, read with lenient serde structs: a package or relationship of the wrong shape
//! is skipped with a diagnostic, the rest of the document is kept.

use super::{Document, Package, Relationship, check_version};
use crate::{Emitter, ParseContext, ParseError};
use serde::Deserialize;
use serde_json::Value;
use std::io::BufRead;

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct RawDoc {
    spdx_version: Option<String>,
    document_describes: Vec<String>,
    creation_info: Option<RawCreation>,
    packages: Vec<Value>,
    relationships: Vec<Value>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct RawCreation {
    /// Strings by the spec; some producers write objects (`{"Person": "..."}`): ignored.
    creators: Vec<Value>,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct RawPackage {
    #[serde(rename = "SPDXID")]
    spdx_id: String,
    name: String,
    version_info: Option<String>,
    license_concluded: Option<String>,
    license_declared: Option<String>,
    primary_package_purpose: Option<String>,
    external_refs: Vec<RawRef>,
    checksums: Vec<RawChecksum>,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct RawRef {
    reference_category: String,
    reference_type: String,
    reference_locator: String,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct RawChecksum {
    algorithm: String,
    checksum_value: String,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct RawRelationship {
    spdx_element_id: String,
    relationship_type: String,
    related_spdx_element: String,
}

pub(crate) fn read<R: BufRead>(
    reader: R,
    ctx: &ParseContext,
    emitter: &mut Emitter<'_>,
) -> Result<Document, ParseError> {
    let value: Value = serde_json::from_reader(reader).map_err(|e| ParseError::Invalid {
        file: ctx.file_name.clone(),
        place: format!("line {}, column {}", e.line(), e.column()),
        message: format!("not well-formed JSON: {e}"),
    })?;
    if !value.is_object() {
        return Err(ParseError::Invalid {
            file: ctx.file_name.clone(),
            place: "/".into(),
            message: "expected an SPDX document object".into(),
        });
    }
    let raw: RawDoc = serde_json::from_value(value).map_err(|e| ParseError::Invalid {
        file: ctx.file_name.clone(),
        place: "/".into(),
        message: format!("not an SPDX 2 JSON document: {e}"),
    })?;
    let version = check_version(ctx, "/spdxVersion", raw.spdx_version.as_deref())?;
    let mut doc = Document {
        version,
        describes: raw.document_describes,
        creators: raw
            .creation_info
            .map(|c| {
                c.creators
                    .into_iter()
                    .filter_map(|v| v.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default(),
        ..Document::default()
    };
    for (i, v) in raw.packages.into_iter().enumerate() {
        let place = format!("/packages/{i}");
        match serde_json::from_value::<RawPackage>(v) {
            Ok(p) => {
                let purl = p
                    .external_refs
                    .iter()
                    .find(|r| {
                        r.reference_type.eq_ignore_ascii_case("purl")
                            && r.reference_category
                                .replace('_', "-")
                                .eq_ignore_ascii_case("PACKAGE-MANAGER")
                    })
                    .or_else(|| {
                        p.external_refs
                            .iter()
                            .find(|r| r.reference_type.eq_ignore_ascii_case("purl"))
                    })
                    .map(|r| r.reference_locator.trim().to_owned())
                    .filter(|l| !l.is_empty());
                doc.packages.push(Package {
                    spdx_id: p.spdx_id,
                    name: p.name,
                    version: p.version_info,
                    purl,
                    purpose: p.primary_package_purpose,
                    license_concluded: p.license_concluded,
                    license_declared: p.license_declared,
                    checksums: p
                        .checksums
                        .into_iter()
                        .map(|c| (c.algorithm, c.checksum_value))
                        .collect(),
                    place,
                });
            }
            Err(e) => emitter.diagnose(place, format!("package of the wrong shape: {e}; skipped")),
        }
    }
    for (i, v) in raw.relationships.into_iter().enumerate() {
        let place = format!("/relationships/{i}");
        match serde_json::from_value::<RawRelationship>(v) {
            Ok(r) => doc.relationships.push(Relationship {
                from: r.spdx_element_id,
                kind: r.relationship_type,
                to: r.related_spdx_element,
                place,
            }),
            Err(e) => emitter.diagnose(
                place,
                format!("relationship of the wrong shape: {e}; skipped"),
            ),
        }
    }
    Ok(doc)
}
