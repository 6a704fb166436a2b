//! Reading stored observation documents: the dictionaries of the scans that packed them
//! (`scan_dictionaries`, migration 0021), loaded once per read for the scans it meets.

use crate::Result;
use crate::codec::{Unpacker, is_scan_packed};
use sqlx::sqlite::SqliteRow;
use sqlx::{QueryBuilder, Row, Sqlite};

/// The (scan, document bytes) of each of `rows`, read from its columns `scan` and `data`, with
/// the dictionaries their documents need loaded into `unpacker` ([`load`]).
pub(crate) async fn of_rows<'c, E>(
    exec: E,
    unpacker: &mut Unpacker,
    rows: &[SqliteRow],
    (scan, data): (usize, usize),
) -> Result<Vec<(i64, Vec<u8>)>>
where
    E: sqlx::Executor<'c, Database = Sqlite>,
{
    let documents = rows
        .iter()
        .map(|r| Ok((r.try_get::<i64, _>(scan)?, r.try_get::<Vec<u8>, _>(data)?)))
        .collect::<Result<Vec<_>>>()?;
    load(
        exec,
        unpacker,
        documents.iter().map(|(scan, d)| (*scan, d.as_slice())),
    )
    .await?;
    Ok(documents)
}

/// Loads into `unpacker` the dictionaries it lacks of the scans in `needed` (scan, document
/// bytes) whose documents need one: one query for all of them.
async fn load<'a, 'c, E>(
    exec: E,
    unpacker: &mut Unpacker,
    needed: impl IntoIterator<Item = (i64, &'a [u8])>,
) -> Result<()>
where
    E: sqlx::Executor<'c, Database = Sqlite>,
{
    let mut scans: Vec<i64> = needed
        .into_iter()
        .filter(|(scan, data)| is_scan_packed(data) && !unpacker.has_dictionary(*scan))
        .map(|(scan, _)| scan)
        .collect();
    if scans.is_empty() {
        return Ok(());
    }
    scans.sort_unstable();
    scans.dedup();
    let mut qb = QueryBuilder::<Sqlite>::new(
        "SELECT scan_id, dictionary FROM scan_dictionaries WHERE scan_id IN (",
    );
    let mut sep = qb.separated(", ");
    for scan in &scans {
        sep.push_bind(*scan);
    }
    qb.push(")");
    for r in qb.build().fetch_all(exec).await? {
        let dictionary: Vec<u8> = r.try_get(1)?;
        unpacker.add_dictionary(r.try_get(0)?, &dictionary)?;
    }
    Ok(())
}

/// [`load`] for one scan on a raw connection, when a loop over rows meets a packed document of
/// a scan not loaded yet.
pub(crate) fn load_one(
    db: &rusqlite::Connection,
    unpacker: &mut Unpacker,
    scan: i64,
) -> Result<()> {
    if unpacker.has_dictionary(scan) {
        return Ok(());
    }
    use rusqlite::OptionalExtension;
    let dictionary: Option<Vec<u8>> = db
        .prepare_cached("SELECT dictionary FROM scan_dictionaries WHERE scan_id = ?1")?
        .query_row([scan], |r| r.get(0))
        .optional()?;
    if let Some(dictionary) = dictionary {
        unpacker.add_dictionary(scan, &dictionary)?;
    }
    Ok(())
}
