//! SPDX 2.x tag-value: `Tag: value` lines, multi-line values in `<text>...</text>`. A package
//! starts at `PackageName:` and ends at the next `PackageName:`, `FileName:`, `SnippetSPDXID:`
//! or `LicenseID:`; `Relationship:` lines may appear anywhere.

use super::{Document, Package, Relationship, check_version};
use crate::{Emitter, ParseContext, ParseError};
use std::io::BufRead;

pub(crate) fn read<R: BufRead>(
    reader: R,
    ctx: &ParseContext,
    emitter: &mut Emitter<'_>,
) -> Result<Document, ParseError> {
    let mut doc = Document::default();
    let mut version: Option<String> = None;
    let mut current: Option<Package> = None;
    // A `<text>` value that spans lines: (tag, text so far, line it started on).
    let mut open_text: Option<(String, String, usize)> = None;
    for (i, line) in reader.lines().enumerate() {
        let n = i + 1;
        let line = line.map_err(|source| ParseError::Io {
            file: ctx.file_name.clone(),
            source,
        })?;
        if let Some((tag, mut text, start)) = open_text.take() {
            match line.find("</text>") {
                Some(end) => {
                    text.push('\n');
                    text.push_str(&line[..end]);
                    apply(&mut doc, &mut current, &tag, &text, start, &mut version);
                }
                None => {
                    text.push('\n');
                    text.push_str(&line);
                    open_text = Some((tag, text, start));
                }
            }
            continue;
        }
        let trimmed = line.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let Some((tag, value)) = trimmed.split_once(':') else {
            emitter.diagnose(
                format!("line {n}"),
                format!("expected `Tag: value`, found `{trimmed}`"),
            );
            continue;
        };
        let (tag, value) = (tag.trim(), value.trim());
        if let Some(rest) = value.strip_prefix("<text>") {
            match rest.find("</text>") {
                Some(end) => apply(&mut doc, &mut current, tag, &rest[..end], n, &mut version),
                None => open_text = Some((tag.to_owned(), rest.to_owned(), n)),
            }
            continue;
        }
        apply(&mut doc, &mut current, tag, value, n, &mut version);
    }
    if let Some((tag, _, start)) = open_text {
        return Err(ParseError::Invalid {
            file: ctx.file_name.clone(),
            place: format!("line {start}"),
            message: format!("`{tag}: <text>` is never closed: expected `</text>`"),
        });
    }
    if let Some(p) = current.take() {
        doc.packages.push(p);
    }
    doc.version = check_version(ctx, "line 1 (SPDXVersion)", version.as_deref())?;
    Ok(doc)
}

fn apply(
    doc: &mut Document,
    current: &mut Option<Package>,
    tag: &str,
    value: &str,
    line: usize,
    version: &mut Option<String>,
) {
    let value = value.trim();
    match tag {
        "SPDXVersion" => *version = Some(value.to_owned()),
        "Creator" => doc.creators.push(value.to_owned()),
        "PackageName" => {
            if let Some(p) = current.take() {
                doc.packages.push(p);
            }
            *current = Some(Package {
                name: value.to_owned(),
                place: format!("line {line}"),
                ..Package::default()
            });
        }
        "FileName" | "SnippetSPDXID" | "LicenseID" => {
            if let Some(p) = current.take() {
                doc.packages.push(p);
            }
        }
        "Relationship" => {
            let mut parts = value.split_whitespace();
            if let (Some(from), Some(kind), Some(to)) = (parts.next(), parts.next(), parts.next()) {
                doc.relationships.push(Relationship {
                    from: from.to_owned(),
                    kind: kind.to_owned(),
                    to: to.to_owned(),
                    place: format!("line {line}"),
                });
            }
        }
        _ => {
            let Some(p) = current.as_mut() else {
                return;
            };
            match tag {
                "SPDXID" => p.spdx_id = value.to_owned(),
                "PackageVersion" => p.version = Some(value.to_owned()),
                "PackageLicenseConcluded" => p.license_concluded = Some(value.to_owned()),
                "PackageLicenseDeclared" => p.license_declared = Some(value.to_owned()),
                "PrimaryPackagePurpose" => p.purpose = Some(value.to_owned()),
                "PackageChecksum" => {
                    if let Some((alg, v)) = value.split_once(':') {
                        p.checksums
                            .push((alg.trim().to_owned(), v.trim().to_owned()));
                    }
                }
                "ExternalRef" => {
                    let mut parts = value.split_whitespace();
                    if let (Some(_category), Some(ty), Some(loc)) =
                        (parts.next(), parts.next(), parts.next())
                        && ty.eq_ignore_ascii_case("purl")
                    {
                        p.purl.get_or_insert_with(|| loc.to_owned());
                    }
                }
                _ => {}
            }
        }
    }
}
