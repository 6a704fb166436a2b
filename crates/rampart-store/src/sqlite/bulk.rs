//! Multi-row `INSERT`s on a raw SQLite handle.
//!
//! A one-row prepared `INSERT` runs its whole program per row: it opens a cursor on the table
//! and on each of its indexes, binds, inserts and closes them again. One statement of
//! [`ROWS`] rows opens the cursors once for all of them, which is most of what SQLite spends
//! per row beyond the B-tree inserts themselves (docs/benchmarks.md).

use rusqlite::{Connection, Statement};

/// Rows per statement: 64 rows of the widest table (16 columns) bind 1,024 values, far below
/// SQLite's limit of 32,766; longer statements gain nothing measurable.
pub(crate) const ROWS: usize = 64;

/// `{head} VALUES (?, ...), ...`: `rows` rows of `columns` anonymous parameters.
fn values_sql(head: &str, columns: usize, rows: usize) -> String {
    let row = format!("({})", vec!["?"; columns].join(", "));
    format!("{head} VALUES {}", vec![row; rows].join(", "))
}

/// Inserts one row per item of `items` with `INSERT {head} VALUES ...`, [`ROWS`] rows per
/// statement (the rest one by one). `bind(statement, first, item)` binds the item's `columns`
/// values at the 1-based parameter indexes `first..first + columns`.
pub(crate) fn insert<T>(
    db: &Connection,
    head: &str,
    columns: usize,
    items: &[T],
    bind: impl Fn(&mut Statement<'_>, usize, &T) -> rusqlite::Result<()>,
) -> rusqlite::Result<()> {
    let mut chunks = items.chunks_exact(ROWS);
    if chunks.len() > 0 {
        let mut many = db.prepare_cached(&values_sql(head, columns, ROWS))?;
        for chunk in &mut chunks {
            for (row, item) in chunk.iter().enumerate() {
                bind(&mut many, row * columns + 1, item)?;
            }
            many.raw_execute()?;
        }
    }
    if !chunks.remainder().is_empty() {
        let mut one = db.prepare_cached(&values_sql(head, columns, 1))?;
        for item in chunks.remainder() {
            bind(&mut one, 1, item)?;
            one.raw_execute()?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_row_lands_once_in_order_whatever_the_count() {
        let db = Connection::open_in_memory().unwrap();
        db.execute_batch("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT, n INTEGER)")
            .unwrap();
        let mut first = 1;
        // Less than a statement, exactly one, and several with a rest.
        for count in [0, 5, ROWS, 3 * ROWS + 7] {
            let items: Vec<(i64, String)> = (first..first + count as i64)
                .map(|i| (i, format!("row {i}")))
                .collect();
            insert(
                &db,
                "INSERT INTO t (id, name, n)",
                3,
                &items,
                |s, at, (id, name)| {
                    s.raw_bind_parameter(at, id)?;
                    s.raw_bind_parameter(at + 1, name)?;
                    s.raw_bind_parameter(at + 2, id * 10)
                },
            )
            .unwrap();
            first += count as i64;
        }
        let rows: Vec<(i64, String, i64)> = db
            .prepare("SELECT id, name, n FROM t ORDER BY id")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(rows.len(), 5 + ROWS + 3 * ROWS + 7);
        for (i, (id, name, n)) in rows.iter().enumerate() {
            assert_eq!(*id, i as i64 + 1);
            assert_eq!(name, &format!("row {id}"));
            assert_eq!(*n, id * 10);
        }
    }

    #[test]
    fn a_failing_row_fails_the_insert() {
        let db = Connection::open_in_memory().unwrap();
        db.execute_batch("CREATE TABLE t (id INTEGER PRIMARY KEY)")
            .unwrap();
        let items: Vec<i64> = (0..ROWS as i64).map(|i| i.min(10)).collect();
        let err = insert(&db, "INSERT INTO t (id)", 1, &items, |s, at, id| {
            s.raw_bind_parameter(at, id)
        });
        assert!(err.is_err(), "a duplicate key in the statement is an error");
    }
}
