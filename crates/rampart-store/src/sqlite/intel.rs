//! Vulnerability intelligence on SQLite: multi-row statements in one transaction per call;
//! lists of ids are passed as one JSON array (`json_each`), never as a query per id. The shared
//! body is [`intel_store_impl`](crate::intel_sql::intel_store_impl); here is what differs.

use super::SqliteStore;
use crate::Result;
use crate::codec::{pack_json, split};
use crate::intel::AdvisoryRow;
use sqlx::{QueryBuilder, Row, Sqlite, SqlitePool};

/// Rows per multi-row statement (SQLite allows 32,766 bound values; the widest row has 11).
const CHUNK: usize = 2000;

/// A list of ids, bound as one JSON array (read with `json_each`).
fn list<T: serde::Serialize>(items: &[T]) -> String {
    serde_json::to_string(items).unwrap_or_else(|_| "[]".into())
}

/// An advisory's JSON, stored compressed ([`pack_json`]).
fn advisory_text(r: &sqlx::sqlite::SqliteRow) -> Result<String> {
    crate::codec::unpack_str(&r.get::<Vec<u8>, _>(0))
}

crate::intel_sql::intel_store_impl!(
    SqliteStore,
    Sqlite,
    begin = "BEGIN IMMEDIATE",
    in_list = "IN (SELECT value FROM json_each($1))",
    asked = "SELECT DISTINCT value FROM json_each($1)",
    data = "a.data",
);

/// Inserts or replaces advisories with their package index rows (`IntelStore::put_advisories`).
async fn put_advisories(pool: &SqlitePool, rows: Vec<AdvisoryRow>) -> Result<()> {
    let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
    for chunk in rows.chunks(CHUNK) {
        let ids: Vec<&str> = chunk.iter().map(|r| r.id.as_str()).collect();
        sqlx::query(
            "DELETE FROM advisory_packages WHERE advisory_id IN (SELECT value FROM json_each($1))",
        )
        .bind(list(&ids))
        .execute(&mut *tx)
        .await?;
        let mut q = QueryBuilder::<Sqlite>::new(
            "INSERT OR REPLACE INTO advisories (id, modified, withdrawn, aliases, source, data) ",
        );
        q.push_values(chunk, |mut b, r| {
            b.push_bind(&r.id)
                .push_bind(&r.modified)
                .push_bind(&r.withdrawn)
                .push_bind(r.aliases.join(","))
                .push_bind(&r.source)
                .push_bind(pack_json(&r.json));
        });
        q.build().execute(&mut *tx).await?;
        let packages = crate::intel::package_index_rows(chunk);
        for part in packages.chunks(CHUNK * 3) {
            let mut q = QueryBuilder::<Sqlite>::new(
                "INSERT OR IGNORE INTO advisory_packages (ecosystem, name, advisory_id) ",
            );
            q.push_values(part, |mut b, (e, n, id)| {
                b.push_bind(*e).push_bind(*n).push_bind(*id);
            });
            q.build().execute(&mut *tx).await?;
        }
    }
    tx.commit().await?;
    Ok(())
}

/// Every advisory not withdrawn, with its own aliases (`IntelStore::advisory_alias_lists`).
async fn advisory_alias_lists(pool: &SqlitePool) -> Result<Vec<(String, Vec<String>)>> {
    let rows = sqlx::query("SELECT id, aliases FROM advisories WHERE withdrawn IS NULL")
        .fetch_all(pool)
        .await?;
    Ok(rows
        .iter()
        .map(|r| (r.get::<String, _>(0), split(&r.get::<String, _>(1))))
        .collect())
}

/// Replaces every alias group (`IntelStore::replace_alias_groups`).
async fn replace_alias_groups(pool: &SqlitePool, members: Vec<(String, String)>) -> Result<()> {
    let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
    sqlx::query("DELETE FROM vuln_aliases")
        .execute(&mut *tx)
        .await?;
    for chunk in members.chunks(CHUNK * 4) {
        let mut q =
            QueryBuilder::<Sqlite>::new("INSERT OR REPLACE INTO vuln_aliases (vuln_id, group_id) ");
        q.push_values(chunk, |mut b, (id, group)| {
            b.push_bind(id).push_bind(group);
        });
        q.build().execute(&mut *tx).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Inventory ids, all or of those naming `packages` (`IntelStore::inventory_ids`).
async fn inventory_ids(
    pool: &SqlitePool,
    packages: Option<&[(String, String)]>,
) -> Result<Vec<i64>> {
    let rows: Vec<i64> = match packages {
        None => {
            sqlx::query_scalar("SELECT id FROM inventories ORDER BY id")
                .fetch_all(pool)
                .await?
        }
        Some(keys) => {
            sqlx::query_scalar(
                "SELECT DISTINCT c.inventory_id FROM \
                 (SELECT DISTINCT value ->> 0 AS e, value ->> 1 AS n FROM json_each($1)) k \
                 JOIN inventory_components c ON c.ecosystem = k.e AND c.package = k.n \
                 ORDER BY c.inventory_id",
            )
            .bind(list(keys))
            .fetch_all(pool)
            .await?
        }
    };
    Ok(rows)
}

/// Advisories naming one of `packages` (`IntelStore::advisories_for_packages`).
async fn advisories_for_packages(
    pool: &SqlitePool,
    packages: &[(String, String)],
) -> Result<Vec<String>> {
    let rows = sqlx::query(
        "SELECT a.data FROM advisories a WHERE a.withdrawn IS NULL AND a.id IN ( \
           SELECT p.advisory_id FROM \
           (SELECT DISTINCT value ->> 0 AS e, value ->> 1 AS n FROM json_each($1)) k \
           JOIN advisory_packages p ON p.ecosystem = k.e AND p.name = k.n)",
    )
    .bind(list(packages))
    .fetch_all(pool)
    .await?;
    rows.iter().map(advisory_text).collect()
}

/// Records match digests (`IntelStore::set_match_digests`).
async fn set_match_digests(pool: &SqlitePool, digests: Vec<(i64, String)>) -> Result<()> {
    let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
    for chunk in digests.chunks(CHUNK) {
        let pairs: Vec<(i64, &str)> = chunk.iter().map(|(i, d)| (*i, d.as_str())).collect();
        sqlx::query(
            "UPDATE inventories SET match_digest = d.value ->> 1 FROM json_each($1) d \
             WHERE inventories.id = d.value ->> 0",
        )
        .bind(list(&pairs))
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(())
}
