//! Rampart's catalog YAML: an `applications:` list (other top-level keys such as
//! `organization:` and `teams:` are allowed and ignored). The demo's `demo/catalog.yaml` is
//! one; `docs/catalog.md` documents every field.

use super::{CatalogFile, control, data_classification, sla_days, tier_of_criticality, yaml_error};
use crate::ParseError;
use rampart_model::{AppProfile, Deployment, EnvironmentRule, Exposure};
use serde::Deserialize;

#[derive(Deserialize)]
struct RawCatalog {
    #[serde(default)]
    applications: Vec<RawApp>,
}

/// A string or a list of strings.
#[derive(Deserialize)]
#[serde(untagged)]
enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

impl OneOrMany {
    fn items(self) -> Vec<String> {
        match self {
            OneOrMany::One(s) => vec![s],
            OneOrMany::Many(v) => v,
        }
    }
}

#[derive(Deserialize)]
struct RawApp {
    id: Option<String>,
    name: Option<String>,
    description: Option<String>,
    tier: Option<u8>,
    criticality: Option<String>,
    data_classification: Option<OneOrMany>,
    #[serde(default)]
    data_tags: Vec<String>,
    exposure: Option<String>,
    owner: Option<String>,
    team: Option<String>,
    #[serde(default)]
    owners: Vec<String>,
    security_champion: Option<String>,
    repository: Option<String>,
    #[serde(default)]
    default_branches: Vec<String>,
    #[serde(default)]
    targets: Vec<RawTarget>,
    #[serde(default)]
    environments: Vec<RawEnvironment>,
    #[serde(default)]
    compensating_controls: Vec<RawControl>,
    distributed: Option<bool>,
    #[serde(default)]
    sla: std::collections::BTreeMap<String, u32>,
}

#[derive(Deserialize)]
struct RawTarget {
    kind: Option<String>,
    name: Option<String>,
    url: Option<String>,
    default_branch: Option<String>,
}

#[derive(Deserialize)]
struct RawEnvironment {
    name: String,
    target: Option<String>,
    branch: Option<String>,
    #[serde(default)]
    branches: Vec<String>,
}

#[derive(Deserialize)]
struct RawControl {
    name: String,
    #[serde(default)]
    mitigates: Vec<String>,
    description: Option<String>,
}

pub(super) fn parse(file: &str, text: &str) -> Result<CatalogFile, ParseError> {
    let raw: RawCatalog = yaml_serde::from_str(text).map_err(|e| yaml_error(file, &e))?;
    let mut out = CatalogFile::default();
    for (i, app) in raw.applications.into_iter().enumerate() {
        out.profiles.push(profile(file, i, app)?);
    }
    Ok(out)
}

fn profile(file: &str, i: usize, app: RawApp) -> Result<AppProfile, ParseError> {
    let Some(name) = app
        .id
        .clone()
        .or_else(|| app.name.clone())
        .filter(|n| !n.trim().is_empty())
    else {
        return Err(ParseError::invalid(
            file,
            format!("applications[{i}]"),
            "expected an `id` (the application's name in Rampart, as given to `ingest --app`)",
        ));
    };
    let place = |field: &str| format!("applications[{i}] ({name}).{field}");
    let tier = match (app.tier, app.criticality.as_deref()) {
        (Some(t), _) if (1..=4).contains(&t) => Some(t),
        (Some(t), _) => {
            return Err(ParseError::invalid(
                file,
                place("tier"),
                format!("tier {t}: expected 1 (most critical) to 4"),
            ));
        }
        (None, Some(c)) => Some(tier_of_criticality(c).ok_or_else(|| {
            ParseError::invalid(
                file,
                place("criticality"),
                format!("`{c}`: expected critical, high, medium or low"),
            )
        })?),
        (None, None) => None,
    };
    let (data_class, mut data_tags) = data_classification(
        &app.data_classification
            .map(OneOrMany::items)
            .unwrap_or_default(),
    );
    for t in &app.data_tags {
        let t = t.trim().to_ascii_uppercase();
        if !t.is_empty() && !data_tags.contains(&t) {
            data_tags.push(t);
        }
    }
    let exposure = match app.exposure.as_deref() {
        Some(e) => Some(Exposure::parse(e).ok_or_else(|| {
            ParseError::invalid(
                file,
                place("exposure"),
                format!("`{e}`: expected internet, partner, internal or isolated"),
            )
        })?),
        None => None,
    };
    let mut owners = app.owners.clone();
    if let Some(c) = &app.security_champion {
        owners.push(c.clone());
    }
    let repository = app.repository.clone().or_else(|| {
        app.targets
            .iter()
            .find(|t| t.kind.as_deref().is_none_or(|k| k == "repository"))
            .and_then(|t| t.url.clone().or_else(|| t.name.clone()))
    });
    let mut default_branches = app.default_branches.clone();
    for t in &app.targets {
        if let Some(b) = &t.default_branch
            && !default_branches.contains(b)
        {
            default_branches.push(b.clone());
        }
    }
    let mut environments = Vec::new();
    for (j, e) in app.environments.into_iter().enumerate() {
        let environment = Deployment::parse(&e.name).ok_or_else(|| {
            ParseError::invalid(
                file,
                place(&format!("environments[{j}].name")),
                format!(
                    "`{}`: expected production, staging, dev or feature_branch",
                    e.name
                ),
            )
        })?;
        let mut branches = e.branches;
        branches.extend(e.branch);
        environments.push(EnvironmentRule {
            environment,
            target: e.target,
            branches,
        });
    }
    let mut controls = Vec::new();
    for (j, c) in app.compensating_controls.into_iter().enumerate() {
        controls.push(control(&c.name, &c.mitigates, c.description).map_err(|m| {
            ParseError::invalid(file, place(&format!("compensating_controls[{j}]")), m)
        })?);
    }
    let sla = sla_days(app.sla.iter().map(|(k, v)| (k.as_str(), *v)))
        .map_err(|m| ParseError::invalid(file, place("sla"), m))?;
    Ok(AppProfile {
        title: app.name.filter(|n| *n != name),
        name,
        description: app.description,
        tier,
        data_class,
        data_tags,
        exposure,
        team: app.owner.or(app.team),
        owners,
        repository,
        default_branches,
        environments,
        controls,
        distributed: app.distributed,
        sla,
    })
}
