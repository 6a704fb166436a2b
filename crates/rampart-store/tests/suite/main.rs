//! The store test suite: every test runs against SQLite and against PostgreSQL.
//!
//! PostgreSQL: `RAMPART_TEST_POSTGRES` (default `postgres://postgres@127.0.0.1:5432/test`);
//! each test works in its own schema, dropped at the end, so tests run in parallel. When the
//! server is unreachable the PostgreSQL runs are skipped with a notice, unless
//! `RAMPART_REQUIRE_POSTGRES=1` (CI), which makes them fail.

mod auth;
mod backend;
mod blobs;
mod build;
mod concurrency;
mod context;
mod correlation;
mod dashboard;
mod gate;
mod intel;
mod inventory_tx;
mod jobs;
mod lifecycle;
mod queries;
mod risk_scope;
mod scoped;
mod sla;
mod summaries;

/// Instantiates each `module::test(&Backend)` once per backend, as `sqlite::test` and
/// `postgres::test`.
macro_rules! suite {
    ($($module:ident :: $name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let b = crate::backend::Backend::sqlite().await;
                    crate::$module::$name(&b).await;
                    b.cleanup().await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let Some(b) = crate::backend::Backend::postgres().await else { return };
                    crate::$module::$name(&b).await;
                    b.cleanup().await;
                }
            )*
        }
    };
}

suite!(
    lifecycle::a_known_report_is_recorded_once,
    lifecycle::new_unchanged_fixed_reopened,
    lifecycle::same_observations_twice_change_nothing,
    lifecycle::moved_code_stays_one_issue,
    lifecycle::two_tools_same_key_one_issue,
    lifecycle::empty_rescan_fixes_only_the_named_tool,
    lifecycle::triage_survives_rescans,
    lifecycle::failed_ingest_stores_nothing,
    lifecycle::batches_and_duplicates_within_a_report,
    queries::list_issues_filters,
    queries::issue_detail_has_everything,
    queries::applications_scans_and_portfolio,
    queries::installation_key_is_stable,
    queries::open_by_url_reaches_the_same_store,
    jobs::claims_are_exclusive,
    jobs::failures_retry_with_backoff,
    jobs::leases_and_visibility,
    jobs::waiting_workers_wake_on_enqueue,
    concurrency::eight_writers_500_reports,
    context::catalog_is_versioned,
    context::risk_orders_the_queue,
    context::triage_history_undo_and_expiry,
    context::vex_statements_are_stored_once,
    correlation::renamed_file_keeps_its_issues,
    correlation::correlation_notes_cover_every_observation,
    intel::advisories_aliases_kev_epss,
    intel::inventories_and_digests,
    inventory_tx::failed_sbom_ingest_stores_no_inventory,
    inventory_tx::rematch_reads_by_package,
    blobs::report_blobs_round_trip_and_release,
    blobs::progress_release_and_give_up,
    dashboard::counts_and_issues_are_scoped,
    dashboard::application_view_components_and_search,
    dashboard::posture_is_recorded_and_backfilled,
    summaries::summaries_equal_a_recount,
    auth::users_teams_and_memberships,
    auth::tokens_revoke_and_expire,
    auth::sessions_end_on_logout_expiry_and_disable,
    scoped::scope_filters_every_read,
    scoped::keyset_pages_follow_risk_order,
    scoped::team_risk_queue_per_application_equals_the_whole_queue,
    scoped::team_risk_queue_merges_many_applications,
    scoped::inventories_and_package_uses_by_team,
    sla::sla_facts_in_bulk,
    sla::coverage_by_tool_and_kind,
    gate::branch_presence_new_unchanged_fixed,
    gate::gate_decisions_latest_per_application,
    risk_scope::scope_names_the_issues_a_scan_touched_but_did_not_open_alone,
);
