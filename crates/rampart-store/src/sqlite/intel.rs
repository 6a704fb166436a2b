//! Vulnerability intelligence on SQLite: multi-row statements in one transaction per call;
//! lists of ids are passed as one JSON array (`json_each`), never as a query per id.

use super::SqliteStore;
use crate::Result;
use crate::codec::{pack_json, split};
use crate::intel::{
    AdvisoryRow, CweInfo, CweRow, IntelCounts, IntelStore, InventoryComponent, NewInventory,
    StoredInventory, VulnIntel,
};
use async_trait::async_trait;
use rampart_model::{EpssScore, KevFacts};
use sqlx::{QueryBuilder, Row, Sqlite};
use std::collections::HashMap;

/// Rows per multi-row statement (SQLite allows 32,766 bound values; the widest row has 11).
const CHUNK: usize = 2000;

fn json_list<T: serde::Serialize>(items: &[T]) -> String {
    serde_json::to_string(items).unwrap_or_else(|_| "[]".into())
}

#[async_trait]
impl IntelStore for SqliteStore {
    async fn advisory_modified(&self) -> Result<HashMap<String, Option<String>>> {
        let rows = sqlx::query("SELECT id, modified FROM advisories")
            .fetch_all(&self.pool)
            .await?;
        Ok(rows
            .iter()
            .map(|r| (r.get::<String, _>(0), r.get::<Option<String>, _>(1)))
            .collect())
    }

    async fn put_advisories(&self, rows: Vec<AdvisoryRow>) -> Result<()> {
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        for chunk in rows.chunks(CHUNK) {
            let ids: Vec<&str> = chunk.iter().map(|r| r.id.as_str()).collect();
            sqlx::query(
                "DELETE FROM advisory_packages WHERE advisory_id IN (SELECT value FROM json_each($1))",
            )
            .bind(json_list(&ids))
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
            let packages: Vec<(&str, &str, &str)> = chunk
                .iter()
                .filter(|r| r.withdrawn.is_none())
                .flat_map(|r| {
                    r.packages
                        .iter()
                        .map(move |(e, n)| (e.as_str(), n.as_str(), r.id.as_str()))
                })
                .collect();
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

    async fn advisory_alias_lists(&self) -> Result<Vec<(String, Vec<String>)>> {
        let rows = sqlx::query("SELECT id, aliases FROM advisories WHERE withdrawn IS NULL")
            .fetch_all(&self.pool)
            .await?;
        Ok(rows
            .iter()
            .map(|r| (r.get::<String, _>(0), split(&r.get::<String, _>(1))))
            .collect())
    }

    async fn replace_alias_groups(&self, members: Vec<(String, String)>) -> Result<()> {
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        sqlx::query("DELETE FROM vuln_aliases")
            .execute(&mut *tx)
            .await?;
        for chunk in members.chunks(CHUNK * 4) {
            let mut q = QueryBuilder::<Sqlite>::new(
                "INSERT OR REPLACE INTO vuln_aliases (vuln_id, group_id) ",
            );
            q.push_values(chunk, |mut b, (id, group)| {
                b.push_bind(id).push_bind(group);
            });
            q.build().execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn alias_groups_of(&self, ids: &[String]) -> Result<Vec<(String, String)>> {
        let rows = sqlx::query(
            "SELECT m.vuln_id, m.group_id FROM vuln_aliases m WHERE m.group_id IN \
             (SELECT g.group_id FROM vuln_aliases g WHERE g.vuln_id IN (SELECT value FROM json_each($1)))",
        )
        .bind(json_list(ids))
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .iter()
            .map(|r| (r.get::<String, _>(0), r.get::<String, _>(1)))
            .collect())
    }

    async fn put_kev(&self, entries: Vec<KevFacts>) -> Result<u64> {
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        let mut n = 0;
        for chunk in entries.chunks(CHUNK) {
            let mut q = QueryBuilder::<Sqlite>::new(
                "INSERT OR REPLACE INTO kev (cve_id, vendor_project, product, name, date_added, due_date, known_ransomware, required_action) ",
            );
            q.push_values(chunk, |mut b, k| {
                b.push_bind(&k.cve)
                    .push_bind(&k.vendor_project)
                    .push_bind(&k.product)
                    .push_bind(&k.name)
                    .push_bind(&k.date_added)
                    .push_bind(&k.due_date)
                    .push_bind(k.known_ransomware_campaign_use)
                    .push_bind(&k.required_action);
            });
            n += q.build().execute(&mut *tx).await?.rows_affected();
        }
        tx.commit().await?;
        Ok(n)
    }

    async fn put_epss(&self, scores: Vec<EpssScore>) -> Result<u64> {
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        let mut n = 0;
        for chunk in scores.chunks(CHUNK) {
            let mut q = QueryBuilder::<Sqlite>::new(
                "INSERT INTO epss (cve_id, probability, percentile, score_date, model_version) ",
            );
            q.push_values(chunk, |mut b, s| {
                b.push_bind(&s.cve)
                    .push_bind(s.probability)
                    .push_bind(s.percentile)
                    .push_bind(s.score_date.clone().unwrap_or_default())
                    .push_bind(&s.model_version);
            });
            q.push(
                " ON CONFLICT (cve_id) DO UPDATE SET probability = excluded.probability, \
                 percentile = excluded.percentile, score_date = excluded.score_date, \
                 model_version = excluded.model_version WHERE excluded.score_date >= epss.score_date",
            );
            n += q.build().execute(&mut *tx).await?.rows_affected();
        }
        tx.commit().await?;
        Ok(n)
    }

    async fn put_cwes(&self, entries: Vec<CweRow>) -> Result<u64> {
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        let mut n = 0;
        for chunk in entries.chunks(CHUNK) {
            let mut q = QueryBuilder::<Sqlite>::new(
                "INSERT OR REPLACE INTO cwe (id, name, kind, abstraction, status, parent) ",
            );
            q.push_values(chunk, |mut b, c| {
                b.push_bind(c.id as i64)
                    .push_bind(&c.name)
                    .push_bind(&c.kind)
                    .push_bind(&c.abstraction)
                    .push_bind(&c.status)
                    .push_bind(c.parent.map(i64::from));
            });
            n += q.build().execute(&mut *tx).await?.rows_affected();
        }
        tx.commit().await?;
        Ok(n)
    }

    async fn cwe_names(&self, ids: &[u32]) -> Result<Vec<CweInfo>> {
        let rows = sqlx::query(
            "SELECT id, name, kind FROM cwe WHERE id IN (SELECT value FROM json_each($1)) ORDER BY id",
        )
        .bind(json_list(ids))
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .iter()
            .map(|r| CweInfo {
                id: r.get::<i64, _>(0) as u32,
                name: r.get(1),
                kind: r.get(2),
            })
            .collect())
    }

    async fn vuln_intel(&self, ids: &[String]) -> Result<HashMap<String, VulnIntel>> {
        // Each asked id with every id of its group (itself when it is in no group).
        let rows = sqlx::query(
            "WITH asked(id) AS (SELECT DISTINCT value FROM json_each($1)), \
             members(asked, cve) AS ( \
               SELECT a.id, COALESCE(m.vuln_id, a.id) FROM asked a \
               LEFT JOIN vuln_aliases g ON g.vuln_id = a.id \
               LEFT JOIN vuln_aliases m ON m.group_id = g.group_id) \
             SELECT x.asked, e.cve_id, e.probability, e.percentile, e.score_date, e.model_version, \
                    k.cve_id, k.vendor_project, k.product, k.name, k.date_added, k.due_date, \
                    k.known_ransomware, k.required_action \
             FROM members x LEFT JOIN epss e ON e.cve_id = x.cve LEFT JOIN kev k ON k.cve_id = x.cve \
             WHERE e.cve_id IS NOT NULL OR k.cve_id IS NOT NULL",
        )
        .bind(json_list(ids))
        .fetch_all(&self.pool)
        .await?;
        Ok(crate::intel::vuln_intel_from_rows!(&rows))
    }

    async fn put_inventory(&self, inv: NewInventory) -> Result<i64> {
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        let target_id: i64 = sqlx::query_scalar(
            "SELECT t.id FROM targets t JOIN applications a ON a.id = t.application_id \
             WHERE a.name = $1 AND t.name = $2",
        )
        .bind(&inv.application)
        .bind(&inv.target)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(|| {
            crate::StoreError::NotFound(format!(
                "target {} of application {}",
                inv.target, inv.application
            ))
        })?;
        let (id, _) = write_inventory(&mut tx, target_id, &inv, None).await?;
        tx.commit().await?;
        Ok(id)
    }

    async fn inventory_ids(&self, packages: Option<&[(String, String)]>) -> Result<Vec<i64>> {
        let rows: Vec<i64> = match packages {
            None => {
                sqlx::query_scalar("SELECT id FROM inventories ORDER BY id")
                    .fetch_all(&self.pool)
                    .await?
            }
            Some(keys) => {
                sqlx::query_scalar(
                    "SELECT DISTINCT c.inventory_id FROM \
                     (SELECT DISTINCT value ->> 0 AS e, value ->> 1 AS n FROM json_each($1)) k \
                     JOIN inventory_components c ON c.ecosystem = k.e AND c.package = k.n \
                     ORDER BY c.inventory_id",
                )
                .bind(json_list(keys))
                .fetch_all(&self.pool)
                .await?
            }
        };
        Ok(rows)
    }

    async fn inventories_in(&self, ids: &[i64]) -> Result<Vec<StoredInventory>> {
        let list = json_list(ids);
        let heads = sqlx::query(
            "SELECT i.id, a.name, t.name, i.branch, i.match_digest FROM inventories i \
             JOIN targets t ON t.id = i.target_id JOIN applications a ON a.id = t.application_id \
             WHERE i.id IN (SELECT value FROM json_each($1)) ORDER BY i.id",
        )
        .bind(&list)
        .fetch_all(&self.pool)
        .await?;
        let mut out: Vec<StoredInventory> = heads
            .iter()
            .map(|r| StoredInventory {
                id: r.get(0),
                application: r.get(1),
                target: r.get(2),
                branch: r.get(3),
                match_digest: r.get(4),
                components: Vec::new(),
            })
            .collect();
        let rows = sqlx::query(
            "SELECT inventory_id, bom_ref, name, version, purl, component_type, licenses, ecosystem, package, direct \
             FROM inventory_components WHERE inventory_id IN (SELECT value FROM json_each($1)) \
             ORDER BY inventory_id, position",
        )
        .bind(&list)
        .fetch_all(&self.pool)
        .await?;
        crate::intel::components_into_inventories!(&rows, out);
        Ok(out)
    }

    async fn advisories_for_packages(&self, packages: &[(String, String)]) -> Result<Vec<String>> {
        let rows = sqlx::query(
            "SELECT a.data FROM advisories a WHERE a.withdrawn IS NULL AND a.id IN ( \
               SELECT p.advisory_id FROM \
               (SELECT DISTINCT value ->> 0 AS e, value ->> 1 AS n FROM json_each($1)) k \
               JOIN advisory_packages p ON p.ecosystem = k.e AND p.name = k.n)",
        )
        .bind(json_list(packages))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| crate::codec::unpack_str(&r.get::<Vec<u8>, _>(0)))
            .collect()
    }

    async fn advisory_packages_of(&self, ids: &[String]) -> Result<Vec<(String, String)>> {
        let rows = sqlx::query(
            "SELECT DISTINCT ecosystem, name FROM advisory_packages \
             WHERE advisory_id IN (SELECT value FROM json_each($1))",
        )
        .bind(json_list(ids))
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .iter()
            .map(|r| (r.get::<String, _>(0), r.get::<String, _>(1)))
            .collect())
    }

    async fn advisories_for_inventories(&self, only: Option<i64>) -> Result<Vec<String>> {
        let rows = sqlx::query(
            "SELECT a.data FROM advisories a WHERE a.withdrawn IS NULL AND a.id IN ( \
               SELECT p.advisory_id FROM advisory_packages p WHERE EXISTS ( \
                 SELECT 1 FROM inventory_components c WHERE c.ecosystem = p.ecosystem \
                 AND c.package = p.name AND ($1 IS NULL OR c.inventory_id = $1)))",
        )
        .bind(only)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| crate::codec::unpack_str(&r.get::<Vec<u8>, _>(0)))
            .collect()
    }

    async fn set_match_digests(&self, digests: Vec<(i64, String)>) -> Result<()> {
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        for chunk in digests.chunks(CHUNK) {
            let list: Vec<(i64, &str)> = chunk.iter().map(|(i, d)| (*i, d.as_str())).collect();
            sqlx::query(
                "UPDATE inventories SET match_digest = d.value ->> 1 FROM json_each($1) d \
                 WHERE inventories.id = d.value ->> 0",
            )
            .bind(json_list(&list))
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn intel_counts(&self) -> Result<IntelCounts> {
        let r = sqlx::query(
            "SELECT (SELECT COUNT(*) FROM advisories), \
                    (SELECT COUNT(*) FROM advisories WHERE withdrawn IS NOT NULL), \
                    (SELECT COUNT(*) FROM vuln_aliases), (SELECT COUNT(*) FROM kev), \
                    (SELECT COUNT(*) FROM epss), (SELECT COUNT(*) FROM cwe), \
                    (SELECT COUNT(*) FROM inventories), (SELECT COUNT(*) FROM inventory_components)",
        )
        .fetch_one(&self.pool)
        .await?;
        let n = |i: usize| r.get::<i64, _>(i) as u64;
        Ok(IntelCounts {
            advisories: n(0),
            withdrawn: n(1),
            alias_ids: n(2),
            kev: n(3),
            epss: n(4),
            cwe: n(5),
            inventories: n(6),
            components: n(7),
        })
    }
}

/// Writes inventory `inv` of target `target_id` on `conn` (inside the caller's transaction),
/// replacing the target × branch's previous one; `digest`, when given, becomes its match
/// digest. Returns the inventory's id and its previous match digest (empty when new).
pub(crate) async fn write_inventory(
    conn: &mut sqlx::SqliteConnection,
    target_id: i64,
    inv: &NewInventory,
    digest: Option<&str>,
) -> Result<(i64, String)> {
    let previous: String = sqlx::query_scalar(
        "SELECT match_digest FROM inventories WHERE target_id = $1 AND branch = $2",
    )
    .bind(target_id)
    .bind(&inv.branch)
    .fetch_optional(&mut *conn)
    .await?
    .unwrap_or_default();
    let root = inv
        .root
        .as_ref()
        .map(|r| serde_json::to_string(r).unwrap_or_default());
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO inventories (target_id, branch, scan_id, updated_at, root) VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (target_id, branch) DO UPDATE SET scan_id = excluded.scan_id, \
         updated_at = excluded.updated_at, root = excluded.root RETURNING id",
    )
    .bind(target_id)
    .bind(&inv.branch)
    .bind(inv.scan_id)
    .bind(inv.at)
    .bind(root)
    .fetch_one(&mut *conn)
    .await?;
    sqlx::query("DELETE FROM inventory_components WHERE inventory_id = $1")
        .bind(id)
        .execute(&mut *conn)
        .await?;
    sqlx::query("DELETE FROM inventory_edges WHERE inventory_id = $1")
        .bind(id)
        .execute(&mut *conn)
        .await?;
    let rows: Vec<(usize, &InventoryComponent)> = inv.components.iter().enumerate().collect();
    for chunk in rows.chunks(CHUNK) {
        let mut q = QueryBuilder::<Sqlite>::new(
            "INSERT INTO inventory_components (inventory_id, position, bom_ref, name, version, purl, component_type, licenses, ecosystem, package, direct) ",
        );
        q.push_values(chunk, |mut b, (i, c)| {
            let (eco, pkg) = c.key.clone().unzip();
            b.push_bind(id)
                .push_bind(*i as i64)
                .push_bind(&c.component.bom_ref)
                .push_bind(&c.component.name)
                .push_bind(&c.component.version)
                .push_bind(&c.component.purl)
                .push_bind(&c.component.component_type)
                .push_bind(c.component.licenses.join("\n"))
                .push_bind(eco)
                .push_bind(pkg)
                .push_bind(c.direct);
        });
        q.build().execute(&mut *conn).await?;
    }
    for chunk in inv.edges.chunks(CHUNK * 4) {
        let mut q = QueryBuilder::<Sqlite>::new(
            "INSERT INTO inventory_edges (inventory_id, from_ref, to_ref) ",
        );
        q.push_values(chunk, |mut b, e| {
            b.push_bind(id).push_bind(&e.from).push_bind(&e.to);
        });
        q.build().execute(&mut *conn).await?;
    }
    if let Some(d) = digest {
        sqlx::query("UPDATE inventories SET match_digest = $1 WHERE id = $2")
            .bind(d)
            .bind(id)
            .execute(&mut *conn)
            .await?;
    }
    Ok((id, previous))
}
