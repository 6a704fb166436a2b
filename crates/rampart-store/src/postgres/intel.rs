//! Vulnerability intelligence on PostgreSQL: advisories as jsonb, lists of ids passed as one
//! array parameter (`= ANY($1)`), multi-row statements in one transaction per call. The shared
//! body is [`intel_store_impl`](crate::intel_sql::intel_store_impl); here is what differs.

use super::PgStore;
use crate::Result;
use crate::intel::AdvisoryRow;
use sqlx::{PgPool, Postgres, QueryBuilder, Row};

/// Rows per multi-row statement (PostgreSQL allows 65,535 bound values; the widest row has 11).
const CHUNK: usize = 2000;

/// A list of ids, bound as one array parameter.
fn list<T>(items: &[T]) -> &[T] {
    items
}

/// An advisory's JSON (the `jsonb` column read as text).
fn advisory_text(r: &sqlx::postgres::PgRow) -> Result<String> {
    Ok(r.get::<String, _>(0))
}

crate::intel_sql::intel_store_impl!(
    PgStore,
    Postgres,
    begin = "BEGIN",
    in_list = "= ANY($1)",
    asked = "SELECT DISTINCT UNNEST($1::text[])",
    data = "a.data::text",
);

/// Inserts or replaces advisories with their package index rows (`IntelStore::put_advisories`).
async fn put_advisories(pool: &PgPool, rows: Vec<AdvisoryRow>) -> Result<()> {
    let mut tx = pool.begin().await?;
    for chunk in rows.chunks(CHUNK) {
        let ids: Vec<String> = chunk.iter().map(|r| r.id.clone()).collect();
        sqlx::query("DELETE FROM advisory_packages WHERE advisory_id = ANY($1)")
            .bind(&ids)
            .execute(&mut *tx)
            .await?;
        let mut q = QueryBuilder::<Postgres>::new(
            "INSERT INTO advisories (id, modified, withdrawn, aliases, source, data) ",
        );
        q.push_values(chunk, |mut b, r| {
            b.push_bind(&r.id)
                .push_bind(&r.modified)
                .push_bind(&r.withdrawn)
                .push_bind(&r.aliases)
                .push_bind(&r.source)
                .push_bind(&r.json)
                .push_unseparated("::jsonb");
        });
        q.push(
            " ON CONFLICT (id) DO UPDATE SET modified = excluded.modified, \
             withdrawn = excluded.withdrawn, aliases = excluded.aliases, \
             source = excluded.source, data = excluded.data",
        );
        q.build().execute(&mut *tx).await?;
        let packages = crate::intel::package_index_rows(chunk);
        for part in packages.chunks(CHUNK * 3) {
            let mut q = QueryBuilder::<Postgres>::new(
                "INSERT INTO advisory_packages (ecosystem, name, advisory_id) ",
            );
            q.push_values(part, |mut b, (e, n, id)| {
                b.push_bind(*e).push_bind(*n).push_bind(*id);
            });
            q.push(" ON CONFLICT DO NOTHING");
            q.build().execute(&mut *tx).await?;
        }
    }
    tx.commit().await?;
    Ok(())
}

/// Every advisory not withdrawn, with its own aliases (`IntelStore::advisory_alias_lists`).
async fn advisory_alias_lists(pool: &PgPool) -> Result<Vec<(String, Vec<String>)>> {
    let rows = sqlx::query("SELECT id, aliases FROM advisories WHERE withdrawn IS NULL")
        .fetch_all(pool)
        .await?;
    Ok(rows
        .iter()
        .map(|r| (r.get::<String, _>(0), r.get::<Vec<String>, _>(1)))
        .collect())
}

/// Replaces every alias group (`IntelStore::replace_alias_groups`).
async fn replace_alias_groups(pool: &PgPool, members: Vec<(String, String)>) -> Result<()> {
    let mut tx = pool.begin().await?;
    sqlx::query("DELETE FROM vuln_aliases")
        .execute(&mut *tx)
        .await?;
    for chunk in members.chunks(CHUNK * 4) {
        let (ids, groups): (Vec<String>, Vec<String>) = chunk.iter().cloned().unzip();
        sqlx::query(
            "INSERT INTO vuln_aliases (vuln_id, group_id) SELECT * FROM UNNEST($1::text[], $2::text[]) \
             ON CONFLICT (vuln_id) DO UPDATE SET group_id = excluded.group_id",
        )
        .bind(&ids)
        .bind(&groups)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Inventory ids, all or of those naming `packages` (`IntelStore::inventory_ids`).
async fn inventory_ids(pool: &PgPool, packages: Option<&[(String, String)]>) -> Result<Vec<i64>> {
    let rows: Vec<i64> = match packages {
        None => {
            sqlx::query_scalar("SELECT id FROM inventories ORDER BY id")
                .fetch_all(pool)
                .await?
        }
        Some(keys) => {
            let (ecosystems, names): (Vec<&str>, Vec<&str>) =
                keys.iter().map(|(e, n)| (e.as_str(), n.as_str())).unzip();
            sqlx::query_scalar(
                "SELECT DISTINCT c.inventory_id FROM \
                 (SELECT DISTINCT e, n FROM UNNEST($1::text[], $2::text[]) AS k(e, n)) k \
                 JOIN inventory_components c ON c.ecosystem = k.e AND c.package = k.n \
                 ORDER BY c.inventory_id",
            )
            .bind(&ecosystems)
            .bind(&names)
            .fetch_all(pool)
            .await?
        }
    };
    Ok(rows)
}

/// Advisories naming one of `packages` (`IntelStore::advisories_for_packages`).
async fn advisories_for_packages(
    pool: &PgPool,
    packages: &[(String, String)],
) -> Result<Vec<String>> {
    let (ecosystems, names): (Vec<&str>, Vec<&str>) = packages
        .iter()
        .map(|(e, n)| (e.as_str(), n.as_str()))
        .unzip();
    let rows = sqlx::query(
        "SELECT a.data::text FROM advisories a WHERE a.withdrawn IS NULL AND a.id IN ( \
           SELECT p.advisory_id FROM \
           (SELECT DISTINCT e, n FROM UNNEST($1::text[], $2::text[]) AS k(e, n)) k \
           JOIN advisory_packages p ON p.ecosystem = k.e AND p.name = k.n)",
    )
    .bind(&ecosystems)
    .bind(&names)
    .fetch_all(pool)
    .await?;
    rows.iter().map(advisory_text).collect()
}

/// Records match digests (`IntelStore::set_match_digests`).
async fn set_match_digests(pool: &PgPool, digests: Vec<(i64, String)>) -> Result<()> {
    let mut tx = pool.begin().await?;
    for chunk in digests.chunks(CHUNK * 4) {
        let (ids, values): (Vec<i64>, Vec<String>) = chunk.iter().cloned().unzip();
        sqlx::query(
            "UPDATE inventories SET match_digest = d.digest \
             FROM UNNEST($1::bigint[], $2::text[]) AS d(id, digest) WHERE inventories.id = d.id",
        )
        .bind(&ids)
        .bind(&values)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(())
}
