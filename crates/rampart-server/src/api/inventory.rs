//! Inventories (a target × branch's components), their components, and "which applications
//! use this package" (a purl and an optional version range, compared with the package
//! ecosystem's own version ordering from `rampart-intel`).

use crate::AppState;
use crate::auth::Caller;
use crate::error::{ApiError, ErrorBody};
use axum::Json;
use axum::extract::{Path, Query, State};
use rampart_intel::ecosystem::{from_purl, normalize_name};
use rampart_intel::version::Scheme;
use rampart_model::Role;
use rampart_store::{ComponentUse, InventorySummary};
use serde::{Deserialize, Serialize};
use std::cmp::Ordering;
use utoipa::{IntoParams, ToSchema};

/// Which inventories.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct InventoryParams {
    /// Only this application.
    pub application: Option<String>,
}

/// The inventories of the caller's applications.
#[utoipa::path(get, path = "/api/v1/inventories", tag = "components", params(InventoryParams),
    responses((status = 200, body = Vec<Object>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Query(p): Query<InventoryParams>,
) -> Result<Json<Vec<InventorySummary>>, ApiError> {
    caller.require(Role::Read)?;
    Ok(Json(
        // `IntelStore` has an `inventories_in` too (by inventory id): name the scoped one.
        rampart_store::ScopedReads::inventories_in(
            state.store.as_ref(),
            &caller.scope_for(Role::Read),
            p.application.as_deref(),
        )
        .await?,
    ))
}

/// A page of components.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ComponentParams {
    /// Page size (default 200, at most 1000).
    pub limit: Option<u32>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<i64>,
}

/// Components of one inventory, a page at a time.
#[derive(Debug, Serialize, ToSchema)]
pub struct ComponentPage {
    /// Components, in inventory order.
    #[schema(value_type = Vec<Object>)]
    pub items: Vec<ComponentUse>,
    /// Pass as `cursor` for the next page.
    pub next_cursor: Option<i64>,
}

/// The components of an inventory.
#[utoipa::path(get, path = "/api/v1/inventories/{id}/components", tag = "components",
    params(("id" = i64, Path), ComponentParams),
    responses((status = 200, body = ComponentPage), (status = 404, body = ErrorBody)))]
pub async fn components(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Query(p): Query<ComponentParams>,
) -> Result<Json<ComponentPage>, ApiError> {
    caller.require(Role::Read)?;
    let limit = p.limit.unwrap_or(200).clamp(1, 1000);
    let rows = state
        .store
        .inventory_components(
            id,
            &caller.scope_for(Role::Read),
            p.cursor.unwrap_or(-1),
            limit,
        )
        .await?
        .ok_or_else(|| ApiError::not_found(format!("inventory {id}")))?;
    let next_cursor = (rows.len() == limit as usize)
        .then(|| rows.last().map(|r| r.0))
        .flatten();
    Ok(Json(ComponentPage {
        items: rows.into_iter().map(|r| r.1).collect(),
        next_cursor,
    }))
}

/// The package asked about.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PackageParams {
    /// The package's purl; a version in it is ignored (use `range`):
    /// `pkg:maven/org.apache.logging.log4j/log4j-core`.
    pub purl: String,
    /// Versions to match, comma-separated comparisons: `>=2.0.0,<2.17.1`, `=2.14.1`, `!=2.15.0`.
    pub range: Option<String>,
}

/// Who uses a package.
#[derive(Debug, Serialize, ToSchema)]
pub struct PackageUsers {
    /// The OSV ecosystem.
    pub ecosystem: String,
    /// The package name as advisories spell it.
    pub package: String,
    /// The applications using a matching version, by name.
    pub applications: Vec<String>,
    /// Each use: application, target, branch, version, direct or not.
    #[schema(value_type = Vec<Object>)]
    pub uses: Vec<ComponentUse>,
}

/// A parsed version range: every comparison must hold.
struct Range(Vec<(Ordering, bool, String)>);

impl Range {
    /// `>=1.2,<2` → (ordering wanted, negated, version).
    fn parse(s: &str) -> Result<Range, String> {
        let mut out = Vec::new();
        for term in s.split(',').map(str::trim).filter(|t| !t.is_empty()) {
            let (op, v) = ["<=", ">=", "!=", "==", "<", ">", "="]
                .iter()
                .find_map(|op| term.strip_prefix(op).map(|v| (*op, v.trim())))
                .ok_or_else(|| format!("`{term}`: expected a comparison like >=1.2.0 or <2.0"))?;
            if v.is_empty() {
                return Err(format!("`{term}`: no version after `{op}`"));
            }
            out.push(match op {
                "<" => (Ordering::Less, false, v.into()),
                ">" => (Ordering::Greater, false, v.into()),
                "<=" => (Ordering::Greater, true, v.into()),
                ">=" => (Ordering::Less, true, v.into()),
                "!=" => (Ordering::Equal, true, v.into()),
                _ => (Ordering::Equal, false, v.into()),
            });
        }
        Ok(Range(out))
    }

    /// Whether `version` satisfies every comparison under `scheme` (`Err`: it does not parse).
    fn contains(&self, scheme: Scheme, version: &str) -> Result<bool, String> {
        for (want, negated, bound) in &self.0 {
            let got = scheme.compare(version, bound).map_err(|e| e.to_string())?;
            if (got == *want) == *negated {
                return Ok(false);
            }
        }
        Ok(true)
    }
}

/// Which of the caller's applications use a package, optionally within a version range.
#[utoipa::path(get, path = "/api/v1/packages/uses", tag = "components", params(PackageParams),
    responses((status = 200, body = PackageUsers), (status = 400, body = ErrorBody)))]
pub async fn uses(
    State(state): State<AppState>,
    caller: Caller,
    Query(p): Query<PackageParams>,
) -> Result<Json<PackageUsers>, ApiError> {
    caller.require(Role::Read)?;
    let pkg = from_purl(&p.purl).map_err(|e| ApiError::bad_request(e.to_string()))?;
    let range = p
        .range
        .as_deref()
        .map(Range::parse)
        .transpose()
        .map_err(|e| ApiError::bad_request(format!("range: {e}")))?;
    let ecosystem = pkg.ecosystem.base.osv_name().to_owned();
    let package = normalize_name(&pkg.ecosystem.base, pkg.advisory_name());
    let scheme = pkg.ecosystem.scheme();
    let mut uses = state
        .store
        .package_uses(&ecosystem, &package, &caller.scope_for(Role::Read))
        .await?;
    if let Some(r) = &range {
        // A version the scheme cannot read is not claimed to be in the range.
        uses.retain(|u| {
            u.version
                .as_deref()
                .is_some_and(|v| r.contains(scheme, v).unwrap_or(false))
        });
    }
    let mut applications: Vec<String> = uses.iter().map(|u| u.application.clone()).collect();
    applications.dedup();
    Ok(Json(PackageUsers {
        ecosystem,
        package,
        applications,
        uses,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_compare_in_the_ecosystem_scheme() {
        let r = Range::parse(">=2.0.0, <2.17.1").unwrap();
        let maven = from_purl("pkg:maven/a/b@1").unwrap().ecosystem.scheme();
        assert!(r.contains(maven, "2.14.1").unwrap());
        assert!(r.contains(maven, "2.0.0").unwrap());
        assert!(!r.contains(maven, "2.17.1").unwrap());
        assert!(!r.contains(maven, "1.2.17").unwrap());
        // Numeric, not text, ordering.
        assert!(
            Range::parse("<2.10")
                .unwrap()
                .contains(maven, "2.9")
                .unwrap()
        );
        assert!(
            !Range::parse("!=2.9")
                .unwrap()
                .contains(maven, "2.9")
                .unwrap()
        );
        assert!(
            Range::parse("=2.9")
                .unwrap()
                .contains(maven, "2.9")
                .unwrap()
        );
        assert!(
            Range::parse("<=2.9")
                .unwrap()
                .contains(maven, "2.9")
                .unwrap()
        );
        assert!(
            !Range::parse(">2.9")
                .unwrap()
                .contains(maven, "2.9")
                .unwrap()
        );
        assert!(Range::parse("~2").is_err());
        assert!(Range::parse(">=").is_err());
    }
}
