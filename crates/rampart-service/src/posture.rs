//! Daily posture snapshots for the dashboard's trend: today's open issues per application are
//! recorded (`record`: the server does so when it starts and every hour), and days before the
//! first record are estimated once from issue first-seen and fixed times (`backfill`).

use rampart_store::{Store, StoreError};
use time::{Duration, OffsetDateTime, Time};

/// `YYYY-MM-DD` of `t` (UTC).
pub fn day_of(t: OffsetDateTime) -> String {
    let d = t.date();
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

/// Records today's posture (replacing an earlier record of today). Returns the rows written.
pub async fn record(store: &dyn Store, now: OffsetDateTime) -> Result<u64, StoreError> {
    store.record_posture(&day_of(now)).await
}

/// Estimates each of the `days` days before today that has no record (the end of each day
/// is the moment counted). Returns the rows written.
pub async fn backfill(
    store: &dyn Store,
    now: OffsetDateTime,
    days: i64,
) -> Result<u64, StoreError> {
    let today = now.to_offset(time::UtcOffset::UTC).date();
    let list: Vec<(String, OffsetDateTime)> = (1..=days)
        .rev()
        .map(|k| {
            let d = today - Duration::days(k);
            let end = (d + Duration::days(1))
                .with_time(Time::MIDNIGHT)
                .assume_utc();
            (day_of(end - Duration::seconds(1)), end)
        })
        .collect();
    store.backfill_posture(&list).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_are_utc_dates() {
        assert_eq!(
            day_of(time::macros::datetime!(2026-11-27 23:59:59 UTC)),
            "2026-11-27"
        );
        assert_eq!(
            day_of(time::macros::datetime!(2026-01-02 00:00 UTC)),
            "2026-01-02"
        );
    }
}
