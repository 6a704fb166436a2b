//! The one implementation of [`IntelStore`](crate::intel::IntelStore) for both backends, as
//! the macro [`intel_store_impl`], expanded in `sqlite/intel.rs` and `postgres/intel.rs`.

/// Implements [`IntelStore`](crate::intel::IntelStore) for `$store` and defines
/// `write_inventory` (the inventory write an SBOM ingest makes in its own transaction).
///
/// `intel_store_impl!(Store, Database, begin = "BEGIN ...", in_list = "...", asked = "...",
/// data = "...")`: the write transaction's `BEGIN`; how a column is compared with the list of
/// ids bound as `$1` (`IN (SELECT value FROM json_each($1))` or `= ANY($1)`); the query giving
/// that list's distinct values; the expression selecting an advisory's stored JSON.
///
/// The expanding module imports `sqlx::Row` and defines what differs by more than a fragment of SQL:
/// `CHUNK` (rows per multi-row statement); `list(&[T])`, the list of ids to bind as `$1`;
/// `advisory_text(&Row)`, an advisory's JSON text from the row of `data`; and the backend's
/// own `put_advisories`, `advisory_alias_lists`, `replace_alias_groups`, `inventory_ids`,
/// `advisories_for_packages` and `set_match_digests`, each taking the pool first and then the
/// trait method's arguments.
macro_rules! intel_store_impl {
    (
        $store:ty,
        $db:ty,
        begin = $begin:literal,
        in_list = $in_list:literal,
        asked = $asked:literal,
        data = $data:literal $(,)?
    ) => {
        /// Writes `items` with multi-row statements of `CHUNK` rows in one transaction: `insert`
        /// (up to `VALUES`), a row per item by `row`, then `conflict`. Returns the rows written.
        async fn upsert<'a, T: Sync>(
            pool: &sqlx::Pool<$db>,
            items: &'a [T],
            insert: &'static str,
            conflict: &'static str,
            mut row: impl FnMut(sqlx::query_builder::Separated<'_, 'a, $db, &'static str>, &'a T) + Send,
        ) -> $crate::Result<u64> {
            let mut tx = pool.begin_with($begin).await?;
            let mut n = 0;
            for chunk in items.chunks(CHUNK) {
                let mut q = sqlx::QueryBuilder::<$db>::new(insert);
                q.push_values(chunk, &mut row);
                q.push(conflict);
                n += q.build().execute(&mut *tx).await?.rows_affected();
            }
            tx.commit().await?;
            Ok(n)
        }

        /// The two text columns of the rows of `sql`, with `ids` bound as the list `$1`.
        async fn text_pairs(
            pool: &sqlx::Pool<$db>,
            sql: &'static str,
            ids: &[String],
        ) -> $crate::Result<Vec<(String, String)>> {
            let rows = sqlx::query(sql).bind(list(ids)).fetch_all(pool).await?;
            Ok(rows
                .iter()
                .map(|r| (r.get::<String, _>(0), r.get::<String, _>(1)))
                .collect())
        }

        #[async_trait::async_trait]
        impl $crate::intel::IntelStore for $store {
            async fn advisory_modified(
                &self,
            ) -> $crate::Result<std::collections::HashMap<String, Option<String>>> {
                let rows = sqlx::query("SELECT id, modified FROM advisories")
                    .fetch_all(&self.pool)
                    .await?;
                Ok(rows
                    .iter()
                    .map(|r| (r.get::<String, _>(0), r.get::<Option<String>, _>(1)))
                    .collect())
            }

            async fn put_advisories(
                &self,
                rows: Vec<$crate::intel::AdvisoryRow>,
            ) -> $crate::Result<()> {
                put_advisories(&self.pool, rows).await
            }

            async fn advisory_alias_lists(&self) -> $crate::Result<Vec<(String, Vec<String>)>> {
                advisory_alias_lists(&self.pool).await
            }

            async fn replace_alias_groups(
                &self,
                members: Vec<(String, String)>,
            ) -> $crate::Result<()> {
                replace_alias_groups(&self.pool, members).await
            }

            async fn alias_groups_of(&self, ids: &[String]) -> $crate::Result<Vec<(String, String)>> {
                text_pairs(
                    &self.pool,
                    concat!(
                        "SELECT m.vuln_id, m.group_id FROM vuln_aliases m WHERE m.group_id IN \
                         (SELECT g.group_id FROM vuln_aliases g WHERE g.vuln_id ",
                        $in_list,
                        ")"
                    ),
                    ids,
                )
                .await
            }

            async fn put_kev(&self, entries: Vec<rampart_model::KevFacts>) -> $crate::Result<u64> {
                upsert(
                    &self.pool,
                    &entries,
                    "INSERT INTO kev (cve_id, vendor_project, product, name, date_added, due_date, known_ransomware, required_action) ",
                    " ON CONFLICT (cve_id) DO UPDATE SET vendor_project = excluded.vendor_project, \
                     product = excluded.product, name = excluded.name, date_added = excluded.date_added, \
                     due_date = excluded.due_date, known_ransomware = excluded.known_ransomware, \
                     required_action = excluded.required_action",
                    |mut b, k| {
                        b.push_bind(&k.cve)
                            .push_bind(&k.vendor_project)
                            .push_bind(&k.product)
                            .push_bind(&k.name)
                            .push_bind(&k.date_added)
                            .push_bind(&k.due_date)
                            .push_bind(k.known_ransomware_campaign_use)
                            .push_bind(&k.required_action);
                    },
                )
                .await
            }

            async fn put_epss(&self, scores: Vec<rampart_model::EpssScore>) -> $crate::Result<u64> {
                upsert(
                    &self.pool,
                    &scores,
                    "INSERT INTO epss (cve_id, probability, percentile, score_date, model_version) ",
                    " ON CONFLICT (cve_id) DO UPDATE SET probability = excluded.probability, \
                     percentile = excluded.percentile, score_date = excluded.score_date, \
                     model_version = excluded.model_version WHERE excluded.score_date >= epss.score_date",
                    |mut b, s| {
                        b.push_bind(&s.cve)
                            .push_bind(s.probability)
                            .push_bind(s.percentile)
                            .push_bind(s.score_date.clone().unwrap_or_default())
                            .push_bind(&s.model_version);
                    },
                )
                .await
            }

            async fn put_cwes(&self, entries: Vec<$crate::intel::CweRow>) -> $crate::Result<u64> {
                upsert(
                    &self.pool,
                    &entries,
                    "INSERT INTO cwe (id, name, kind, abstraction, status, parent) ",
                    " ON CONFLICT (id) DO UPDATE SET name = excluded.name, kind = excluded.kind, \
                     abstraction = excluded.abstraction, status = excluded.status, parent = excluded.parent",
                    |mut b, c| {
                        b.push_bind(i64::from(c.id))
                            .push_bind(&c.name)
                            .push_bind(&c.kind)
                            .push_bind(&c.abstraction)
                            .push_bind(&c.status)
                            .push_bind(c.parent.map(i64::from));
                    },
                )
                .await
            }

            async fn cwe_names(&self, ids: &[u32]) -> $crate::Result<Vec<$crate::intel::CweInfo>> {
                let ids: Vec<i64> = ids.iter().map(|&i| i64::from(i)).collect();
                let rows = sqlx::query(concat!(
                    "SELECT id, name, kind FROM cwe WHERE id ",
                    $in_list,
                    " ORDER BY id"
                ))
                .bind(list(&ids))
                .fetch_all(&self.pool)
                .await?;
                Ok(rows
                    .iter()
                    .map(|r| $crate::intel::CweInfo {
                        id: r.get::<i64, _>(0) as u32,
                        name: r.get(1),
                        kind: r.get(2),
                    })
                    .collect())
            }

            async fn has_exploit_facts(&self) -> $crate::Result<bool> {
                Ok(sqlx::query_scalar(
                    "SELECT EXISTS (SELECT 1 FROM epss) OR EXISTS (SELECT 1 FROM kev)",
                )
                .fetch_one(&self.pool)
                .await?)
            }

            async fn vuln_intel(
                &self,
                ids: &[String],
            ) -> $crate::Result<std::collections::HashMap<String, $crate::intel::VulnIntel>> {
                // Each asked id with every id of its group (itself when it is in no group).
                let rows = sqlx::query(concat!(
                    "WITH asked(id) AS (",
                    $asked,
                    "), \
                     members(asked, cve) AS ( \
                       SELECT a.id, COALESCE(m.vuln_id, a.id) FROM asked a \
                       LEFT JOIN vuln_aliases g ON g.vuln_id = a.id \
                       LEFT JOIN vuln_aliases m ON m.group_id = g.group_id) \
                     SELECT x.asked, e.cve_id, e.probability, e.percentile, e.score_date, e.model_version, \
                            k.cve_id, k.vendor_project, k.product, k.name, k.date_added, k.due_date, \
                            k.known_ransomware, k.required_action \
                     FROM members x LEFT JOIN epss e ON e.cve_id = x.cve LEFT JOIN kev k ON k.cve_id = x.cve \
                     WHERE e.cve_id IS NOT NULL OR k.cve_id IS NOT NULL"
                ))
                .bind(list(ids))
                .fetch_all(&self.pool)
                .await?;
                Ok($crate::intel::vuln_intel_from_rows!(&rows))
            }

            async fn put_inventory(&self, inv: $crate::intel::NewInventory) -> $crate::Result<i64> {
                let mut tx = self.pool.begin_with($begin).await?;
                let target_id: i64 = sqlx::query_scalar(
                    "SELECT t.id FROM targets t JOIN applications a ON a.id = t.application_id \
                     WHERE a.name = $1 AND t.name = $2",
                )
                .bind(&inv.application)
                .bind(&inv.target)
                .fetch_optional(&mut *tx)
                .await?
                .ok_or_else(|| {
                    $crate::StoreError::NotFound(format!(
                        "target {} of application {}",
                        inv.target, inv.application
                    ))
                })?;
                let (id, _) = write_inventory(&mut tx, target_id, &inv, None).await?;
                tx.commit().await?;
                Ok(id)
            }

            async fn inventory_ids(
                &self,
                packages: Option<&[(String, String)]>,
            ) -> $crate::Result<Vec<i64>> {
                inventory_ids(&self.pool, packages).await
            }

            async fn inventories_in(
                &self,
                ids: &[i64],
            ) -> $crate::Result<Vec<$crate::intel::StoredInventory>> {
                let ids = list(ids);
                let heads = sqlx::query(concat!(
                    "SELECT i.id, a.name, t.name, i.branch, i.match_digest FROM inventories i \
                     JOIN targets t ON t.id = i.target_id JOIN applications a ON a.id = t.application_id \
                     WHERE i.id ",
                    $in_list,
                    " ORDER BY i.id"
                ))
                .bind(&ids)
                .fetch_all(&self.pool)
                .await?;
                let mut out: Vec<$crate::intel::StoredInventory> = heads
                    .iter()
                    .map(|r| $crate::intel::StoredInventory {
                        id: r.get(0),
                        application: r.get(1),
                        target: r.get(2),
                        branch: r.get(3),
                        match_digest: r.get(4),
                        components: Vec::new(),
                    })
                    .collect();
                let rows = sqlx::query(concat!(
                    "SELECT inventory_id, bom_ref, name, version, purl, component_type, licenses, ecosystem, package, direct \
                     FROM inventory_components WHERE inventory_id ",
                    $in_list,
                    " ORDER BY inventory_id, position"
                ))
                .bind(&ids)
                .fetch_all(&self.pool)
                .await?;
                $crate::intel::components_into_inventories!(&rows, out);
                Ok(out)
            }

            async fn advisories_for_packages(
                &self,
                packages: &[(String, String)],
            ) -> $crate::Result<Vec<String>> {
                advisories_for_packages(&self.pool, packages).await
            }

            async fn advisory_packages_of(
                &self,
                ids: &[String],
            ) -> $crate::Result<Vec<(String, String)>> {
                text_pairs(
                    &self.pool,
                    concat!(
                        "SELECT DISTINCT ecosystem, name FROM advisory_packages WHERE advisory_id ",
                        $in_list
                    ),
                    ids,
                )
                .await
            }

            async fn advisories_for_inventories(
                &self,
                only: Option<i64>,
            ) -> $crate::Result<Vec<String>> {
                let rows = sqlx::query(concat!(
                    "SELECT ",
                    $data,
                    " FROM advisories a WHERE a.withdrawn IS NULL AND a.id IN ( \
                       SELECT p.advisory_id FROM advisory_packages p WHERE EXISTS ( \
                         SELECT 1 FROM inventory_components c WHERE c.ecosystem = p.ecosystem \
                         AND c.package = p.name AND (CAST($1 AS BIGINT) IS NULL OR c.inventory_id = $1)))"
                ))
                .bind(only)
                .fetch_all(&self.pool)
                .await?;
                rows.iter().map(advisory_text).collect()
            }

            async fn set_match_digests(&self, digests: Vec<(i64, String)>) -> $crate::Result<()> {
                set_match_digests(&self.pool, digests).await
            }

            async fn intel_counts(&self) -> $crate::Result<$crate::intel::IntelCounts> {
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
                Ok($crate::intel::IntelCounts {
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
            conn: &mut <$db as sqlx::Database>::Connection,
            target_id: i64,
            inv: &$crate::intel::NewInventory,
            digest: Option<&str>,
        ) -> $crate::Result<(i64, String)> {
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
            let rows: Vec<(usize, &$crate::intel::InventoryComponent)> =
                inv.components.iter().enumerate().collect();
            for chunk in rows.chunks(CHUNK) {
                let mut q = sqlx::QueryBuilder::<$db>::new(
                    "INSERT INTO inventory_components (inventory_id, position, bom_ref, name, version, purl, component_type, licenses, ecosystem, package, direct) ",
                );
                q.push_values(chunk, |mut b, (i, c)| {
                    let (eco, pkg) = c.key.clone().unzip();
                    b.push_bind(id)
                        .push_bind(*i as i32)
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
                let mut q = sqlx::QueryBuilder::<$db>::new(
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
    };
}
pub(crate) use intel_store_impl;
