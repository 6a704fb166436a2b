//! CSAF 2.0: every `vulnerabilities[].product_status` entry becomes one statement per product
//! (`known_not_affected` → not_affected, `known_affected` / `first_affected` /
//! `last_affected` → affected, `fixed` / `first_fixed` → fixed, `under_investigation`);
//! products resolve through `product_tree` (branches, `full_product_names`, relationships) to
//! their purl when the tree gives one (`product_identification_helper.purl`, or the purl of a
//! relationship's `product_reference`), else their name. The justification of a not-affected
//! product comes from `flags[].label`; the detail from `threats` (category `impact`) or
//! `remediations` (category and details) naming the product.

use super::{VexDocument, VexFormat, time_of};
use crate::ParseError;
use rampart_model::{VexStatement, VexStatus};
use serde_json::Value;
use std::collections::HashMap;

/// product_id → (name, purl).
type Products = HashMap<String, (String, Option<String>)>;

fn collect_product(p: &Value, out: &mut Products) {
    let Some(id) = p.get("product_id").and_then(Value::as_str) else {
        return;
    };
    let name = p
        .get("name")
        .and_then(Value::as_str)
        .unwrap_or(id)
        .to_string();
    let purl = p
        .pointer("/product_identification_helper/purl")
        .and_then(Value::as_str)
        .map(String::from);
    out.insert(id.to_string(), (name, purl));
}

fn walk(branches: &Value, out: &mut Products) {
    for b in branches.as_array().into_iter().flatten() {
        if let Some(p) = b.get("product") {
            collect_product(p, out);
        }
        if let Some(sub) = b.get("branches") {
            walk(sub, out);
        }
    }
}

fn products(tree: Option<&Value>) -> Products {
    let mut out = Products::new();
    let Some(tree) = tree else { return out };
    if let Some(b) = tree.get("branches") {
        walk(b, &mut out);
    }
    for p in tree
        .get("full_product_names")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        collect_product(p, &mut out);
    }
    for r in tree
        .get("relationships")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let Some(full) = r.get("full_product_name") else {
            continue;
        };
        collect_product(full, &mut out);
        let referenced = r
            .get("product_reference")
            .and_then(Value::as_str)
            .and_then(|id| out.get(id))
            .and_then(|(_, purl)| purl.clone());
        if let (Some(id), Some(purl)) = (full.get("product_id").and_then(Value::as_str), referenced)
            && let Some(entry) = out.get_mut(id)
            && entry.1.is_none()
        {
            entry.1 = Some(purl);
        }
    }
    out
}

/// `product_id` → text, from a list of objects with `product_ids` (flags, remediations, threats).
fn per_product(
    list: Option<&Value>,
    text: impl Fn(&Value) -> Option<String>,
) -> HashMap<String, String> {
    let mut out = HashMap::new();
    for item in list.and_then(Value::as_array).into_iter().flatten() {
        let Some(t) = text(item) else { continue };
        for id in item
            .get("product_ids")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
        {
            out.entry(id.to_string()).or_insert_with(|| t.clone());
        }
    }
    out
}

pub(super) fn parse(file: &str, doc: &Value) -> Result<VexDocument, ParseError> {
    let version = doc
        .pointer("/document/csaf_version")
        .and_then(Value::as_str)
        .unwrap_or("");
    if !version.starts_with("2.") {
        return Err(ParseError::invalid(
            file,
            "/document/csaf_version",
            format!("`{version}`: expected CSAF 2.0"),
        ));
    }
    let id = doc
        .pointer("/document/tracking/id")
        .and_then(Value::as_str)
        .unwrap_or(file)
        .to_string();
    let when = time_of(doc.pointer("/document/tracking/current_release_date"))
        .or_else(|| time_of(doc.pointer("/document/tracking/initial_release_date")));
    let tree = products(doc.get("product_tree"));
    let mut out = Vec::new();
    for (i, v) in doc
        .get("vulnerabilities")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
    {
        let at = format!("/vulnerabilities/{i}");
        let mut ids: Vec<String> = v
            .get("cve")
            .and_then(Value::as_str)
            .map(String::from)
            .into_iter()
            .collect();
        ids.extend(
            v.get("ids")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(|x| x.get("text").and_then(Value::as_str))
                .filter(|t| !t.starts_with("http"))
                .map(String::from),
        );
        let Some(vulnerability) = ids.first().cloned() else {
            return Err(ParseError::invalid(
                file,
                at,
                "expected a `cve` or an `ids[].text` naming the vulnerability",
            ));
        };
        let flags = per_product(v.get("flags"), |f| {
            f.get("label").and_then(Value::as_str).map(String::from)
        });
        let impacts = per_product(v.get("threats"), |t| {
            (t.get("category").and_then(Value::as_str) == Some("impact"))
                .then(|| t.get("details").and_then(Value::as_str).map(String::from))
                .flatten()
        });
        let remediations = per_product(v.get("remediations"), |r| {
            let cat = r.get("category").and_then(Value::as_str)?;
            let details = r.get("details").and_then(Value::as_str).unwrap_or("");
            Some(format!("{cat}: {details}"))
        });
        let Some(status_map) = v.get("product_status").and_then(Value::as_object) else {
            continue;
        };
        for (key, list) in status_map {
            let Some(status) = VexStatus::parse(key) else {
                continue; // `recommended`: not a status
            };
            for (j, pid) in list
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .enumerate()
            {
                let (name, purl) = tree
                    .get(pid)
                    .cloned()
                    .unwrap_or_else(|| (pid.to_string(), None));
                let detail = match status {
                    VexStatus::NotAffected => impacts.get(pid).cloned(),
                    _ => remediations.get(pid).cloned(),
                };
                out.push(VexStatement {
                    vulnerability: vulnerability.clone(),
                    aliases: ids[1..].to_vec(),
                    products: vec![purl.unwrap_or(name)],
                    status,
                    justification: if status == VexStatus::NotAffected {
                        flags.get(pid).cloned()
                    } else {
                        None
                    },
                    detail,
                    timestamp: when,
                    document: id.clone(),
                    source_ref: format!("{at}/product_status/{key}/{j}"),
                });
            }
        }
    }
    Ok(VexDocument {
        format: VexFormat::Csaf,
        id,
        statements: out,
    })
}
