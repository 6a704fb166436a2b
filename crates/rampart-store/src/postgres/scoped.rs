//! [`ScopedReads`](crate::ScopedReads) on PostgreSQL: the shared implementation in `scoped.rs`.

use super::PgStore;

crate::scoped::scoped_reads_impl!(PgStore, sqlx::Postgres);

impl PgStore {
    /// Refreshes the planner's statistics of the catalog (`app_profiles`) now, instead of at
    /// autovacuum's next pass: after a bulk catalog apply, the team filter's row estimate
    /// decides whether a team's top issues walk the risk index (milliseconds) or sort every
    /// issue of the team's applications.
    pub async fn analyze_catalog(&self) -> crate::Result<()> {
        sqlx::query("ANALYZE app_profiles")
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}
