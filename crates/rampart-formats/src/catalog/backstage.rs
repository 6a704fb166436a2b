//! Backstage descriptor files (`catalog-info.yaml`): every `Component` entity becomes an
//! application; other kinds are listed as skipped. What Backstage has no field for comes from
//! annotations:
//!
//! | annotation | value |
//! |---|---|
//! | `rampart.dev/application` | the application's name in Rampart (default: `metadata.name`) |
//! | `rampart.dev/tier` | 1..4 |
//! | `rampart.dev/data-classification` | a level and/or tags: `restricted, PCI, PII` |
//! | `rampart.dev/exposure` | internet, partner, internal, isolated |
//! | `rampart.dev/environments` | `production=main; staging=release/*; dev=develop` |
//! | `rampart.dev/compensating-controls` | `waf=CWE-79,CWE-89; egress-proxy=CWE-918` |
//! | `rampart.dev/owners` | extra owners, comma-separated |
//!
//! The owner team is `spec.owner` (without its `group:` prefix); the repository comes from
//! `github.com/project-slug`, `gitlab.com/project-slug` or `backstage.io/source-location`.

use super::{CatalogFile, control, data_classification, sla_days, yaml_error, yes_no};
use crate::ParseError;
use rampart_model::{AppProfile, Deployment, EnvironmentRule, Exposure};
use serde::Deserialize;
use std::collections::BTreeMap;
use yaml_serde::Value;

#[derive(Deserialize, Default)]
struct Entity {
    #[serde(rename = "apiVersion")]
    api_version: Option<String>,
    kind: Option<String>,
    #[serde(default)]
    metadata: Metadata,
    #[serde(default)]
    spec: Spec,
}

#[derive(Deserialize, Default)]
struct Metadata {
    name: Option<Value>,
    title: Option<String>,
    description: Option<String>,
    #[serde(default)]
    annotations: BTreeMap<String, Value>,
}

#[derive(Deserialize, Default)]
struct Spec {
    owner: Option<String>,
}

/// Backstage's entity name rule: 1..63 characters of `[A-Za-z0-9-_.]`, starting and ending
/// with a letter or digit.
fn valid_name(n: &str) -> bool {
    let b = n.as_bytes();
    !b.is_empty()
        && b.len() <= 63
        && b[0].is_ascii_alphanumeric()
        && b[b.len() - 1].is_ascii_alphanumeric()
        && b.iter()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.'))
}

/// The 1-based line each YAML document of `text` starts on.
fn document_lines(text: &str) -> Vec<usize> {
    let mut starts = vec![1];
    for (i, l) in text.lines().enumerate() {
        if l.trim_end() == "---" && i > 0 {
            starts.push(i + 2);
        }
    }
    starts
}

pub(super) fn parse(file: &str, text: &str) -> Result<CatalogFile, ParseError> {
    let mut out = CatalogFile::default();
    let lines = document_lines(text);
    let mut index = 0usize;
    for doc in yaml_serde::Deserializer::from_str(text) {
        let value = Value::deserialize(doc).map_err(|e| yaml_error(file, &e))?;
        if value.is_null() {
            continue; // an empty document (a leading or trailing `---`)
        }
        let n = index;
        index += 1;
        let line = lines.get(n).copied().unwrap_or(1);
        let at = |field: &str| format!("document {} (line {line}): {field}", n + 1);
        let entity: Entity = yaml_serde::from_value(value)
            .map_err(|e| ParseError::invalid(file, at("entity"), e.to_string()))?;
        if entity.api_version.is_none() {
            return Err(ParseError::invalid(
                file,
                at("apiVersion"),
                "expected a Backstage entity (`apiVersion: backstage.io/v1alpha1`)",
            ));
        }
        let kind = entity.kind.clone().unwrap_or_default();
        let name = match &entity.metadata.name {
            Some(Value::String(s)) => s.clone(),
            Some(other) => {
                return Err(ParseError::invalid(
                    file,
                    at("metadata.name"),
                    format!("{other:?}: expected a string"),
                ));
            }
            None => {
                return Err(ParseError::invalid(
                    file,
                    at("metadata.name"),
                    "missing: expected the entity's name",
                ));
            }
        };
        if kind != "Component" {
            out.skipped
                .push(format!("document {}: {kind} {name}", n + 1));
            continue;
        }
        if !valid_name(&name) {
            return Err(ParseError::invalid(
                file,
                at("metadata.name"),
                format!(
                    "`{name}` is not a valid entity name (an unrendered template?): expected 1-63 letters, digits, `-`, `_` or `.`"
                ),
            ));
        }
        out.profiles.push(profile(file, &at, name, entity)?);
    }
    Ok(out)
}

fn profile(
    file: &str,
    at: &dyn Fn(&str) -> String,
    name: String,
    e: Entity,
) -> Result<AppProfile, ParseError> {
    let ann = |key: &str| -> Option<String> {
        e.metadata.annotations.get(key).and_then(|v| match v {
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            Value::Bool(b) => Some(b.to_string()),
            _ => None,
        })
    };
    let place = |key: &str| at(&format!("metadata.annotations.{key}"));
    let tier = match ann("rampart.dev/tier") {
        Some(t) => match t.trim().parse::<u8>() {
            Ok(n) if (1..=4).contains(&n) => Some(n),
            _ => {
                return Err(ParseError::invalid(
                    file,
                    place("rampart.dev/tier"),
                    format!("`{t}`: expected 1 (most critical) to 4"),
                ));
            }
        },
        None => None,
    };
    let (data_class, data_tags) = data_classification(
        &ann("rampart.dev/data-classification")
            .into_iter()
            .collect::<Vec<_>>(),
    );
    let exposure = match ann("rampart.dev/exposure") {
        Some(x) => Some(Exposure::parse(&x).ok_or_else(|| {
            ParseError::invalid(
                file,
                place("rampart.dev/exposure"),
                format!("`{x}`: expected internet, partner, internal or isolated"),
            )
        })?),
        None => None,
    };
    let mut environments = Vec::new();
    for part in ann("rampart.dev/environments")
        .unwrap_or_default()
        .split(';')
    {
        let part = part.trim();
        if part.is_empty() {
            continue;
        }
        let (env, branches) = part.split_once('=').unwrap_or((part, ""));
        let environment = Deployment::parse(env).ok_or_else(|| {
            ParseError::invalid(
                file,
                place("rampart.dev/environments"),
                format!("`{env}`: expected production, staging, dev or feature_branch (as `production=main; staging=release/*`)"),
            )
        })?;
        environments.push(EnvironmentRule {
            environment,
            target: None,
            branches: branches
                .split(',')
                .map(str::trim)
                .filter(|b| !b.is_empty())
                .map(String::from)
                .collect(),
        });
    }
    let mut controls = Vec::new();
    for part in ann("rampart.dev/compensating-controls")
        .unwrap_or_default()
        .split(';')
    {
        let part = part.trim();
        if part.is_empty() {
            continue;
        }
        let (cname, cwes) = part.split_once('=').unwrap_or((part, ""));
        let cwes: Vec<String> = cwes
            .split(',')
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .map(String::from)
            .collect();
        controls.push(control(cname, &cwes, None).map_err(|m| {
            ParseError::invalid(file, place("rampart.dev/compensating-controls"), m)
        })?);
    }
    let repository = ann("github.com/project-slug")
        .map(|s| format!("github.com/{s}"))
        .or_else(|| ann("gitlab.com/project-slug").map(|s| format!("gitlab.com/{s}")))
        .or_else(|| {
            ann("backstage.io/source-location").map(|s| s.trim_start_matches("url:").to_string())
        });
    let team = e.spec.owner.as_deref().map(|o| {
        o.strip_prefix("group:")
            .or_else(|| o.strip_prefix("user:"))
            .unwrap_or(o)
            .to_string()
    });
    let owners: Vec<String> = ann("rampart.dev/owners")
        .unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|o| !o.is_empty())
        .map(String::from)
        .collect();
    let distributed = match ann("rampart.dev/distributed") {
        Some(d) => Some(yes_no(&d).ok_or_else(|| {
            ParseError::invalid(
                file,
                place("rampart.dev/distributed"),
                format!("`{d}`: expected \"true\" or \"false\""),
            )
        })?),
        None => None,
    };
    let mut pairs = Vec::new();
    for part in ann("rampart.dev/sla").unwrap_or_default().split(';') {
        let part = part.trim();
        if part.is_empty() {
            continue;
        }
        let days = part
            .split_once('=')
            .and_then(|(s, d)| Some((s.trim().to_string(), d.trim().parse::<u32>().ok()?)))
            .ok_or_else(|| {
                ParseError::invalid(
                    file,
                    place("rampart.dev/sla"),
                    format!("`{part}`: expected severity=days, as `critical=3; high=14`"),
                )
            })?;
        pairs.push(days);
    }
    let sla = sla_days(pairs.iter().map(|(s, d)| (s.as_str(), *d)))
        .map_err(|m| ParseError::invalid(file, place("rampart.dev/sla"), m))?;
    Ok(AppProfile {
        name: ann("rampart.dev/application").unwrap_or(name),
        title: e.metadata.title,
        description: e.metadata.description,
        tier,
        data_class,
        data_tags,
        exposure,
        team,
        owners,
        repository,
        default_branches: Vec::new(),
        environments,
        controls,
        distributed,
        sla,
    })
}
