//! Multi-row `INSERT`s on a raw SQLite handle.
//!
//! A one-row prepared `INSERT` runs its whole program per row: it opens a cursor on the table
//! and on each of its indexes, binds, inserts and closes them again. One statement of
//! [`ROWS`] rows opens the cursors once for all of them, which is most of what SQLite spends
//! per row beyond the B-tree inserts themselves (docs/benchmarks.md).
//!
//! The statements are `INSERT OR FAIL`. A plain `INSERT` of several rows may have to undo the
//! rows it already inserted when a later one breaks a constraint, so SQLite copies every page
//! the statement changes into a statement journal first: a 16 KiB copy per page and statement,
//! a tenth of the writer's time on a first ingest. `OR FAIL` stops at the failing row and keeps
//! the earlier ones, which needs no journal. Nothing is lost by it: the error fails the ingest,
//! and the ingest's transaction is rolled back whole.
//!
//! Values are bound in place (`SQLITE_STATIC`), not copied: rusqlite binds every text and blob
//! as `SQLITE_TRANSIENT`, which makes SQLite allocate, copy and free each of the 1,024 values of
//! a statement. The items outlive the statement, which is finalized before [`insert`] returns.

use rusqlite::ffi;
use rusqlite::{Connection, Error};
use std::ffi::{c_char, c_int};
use std::marker::PhantomData;
use std::ptr;

/// Rows per statement: 64 rows of the widest table (16 columns) bind 1,024 values, far below
/// SQLite's limit of 32,766; longer statements gain nothing measurable.
pub(crate) const ROWS: usize = 64;

/// `INSERT OR FAIL INTO {into} VALUES (?, ...), ...`: `rows` rows of `columns` anonymous
/// parameters.
fn values_sql(into: &str, columns: usize, rows: usize) -> String {
    let row = format!("({})", vec!["?"; columns].join(", "));
    format!(
        "INSERT OR FAIL INTO {into} VALUES {}",
        vec![row; rows].join(", ")
    )
}

/// The error SQLite reports for `code` on `db`, with its message.
fn failure(db: *mut ffi::sqlite3, code: c_int) -> Error {
    // SAFETY: `db` is an open connection; the message is copied before any other call on it.
    let message = unsafe {
        let text = ffi::sqlite3_errmsg(db);
        (!text.is_null()).then(|| {
            std::ffi::CStr::from_ptr(text)
                .to_string_lossy()
                .into_owned()
        })
    };
    Error::SqliteFailure(ffi::Error::new(code), message)
}

/// A prepared statement, finalized when dropped.
struct Prepared {
    db: *mut ffi::sqlite3,
    stmt: *mut ffi::sqlite3_stmt,
}

impl Prepared {
    fn new(db: *mut ffi::sqlite3, sql: &str) -> Result<Prepared, Error> {
        let mut stmt = ptr::null_mut();
        let len = c_int::try_from(sql.len()).map_err(|_| Error::InvalidQuery)?;
        // SAFETY: `sql` is valid for `len` bytes; `stmt` receives the statement or null.
        let rc = unsafe {
            ffi::sqlite3_prepare_v2(
                db,
                sql.as_ptr().cast::<c_char>(),
                len,
                &mut stmt,
                ptr::null_mut(),
            )
        };
        if rc != ffi::SQLITE_OK {
            return Err(failure(db, rc));
        }
        Ok(Prepared { db, stmt })
    }

    /// Runs the statement with the values bound to it, then resets it.
    fn run(&self) -> Result<(), Error> {
        // SAFETY: the statement is live; every parameter was bound to a value that outlives
        // this call.
        let rc = unsafe { ffi::sqlite3_step(self.stmt) };
        // SAFETY: as above; resetting leaves the bindings, which the next run replaces.
        unsafe { ffi::sqlite3_reset(self.stmt) };
        match rc {
            ffi::SQLITE_DONE => Ok(()),
            rc => Err(failure(self.db, rc)),
        }
    }
}

impl Drop for Prepared {
    fn drop(&mut self) {
        // SAFETY: finalized once, here; SQLite reads no bound value after this.
        unsafe { ffi::sqlite3_finalize(self.stmt) };
    }
}

/// The values of one row, bound in order from a statement's parameter `at`. Texts and blobs
/// borrow from data that outlives the statement (`'a`); a value made for the row is kept by
/// the row (`*_owned`) until the statement has run.
pub(crate) struct Row<'r, 'a> {
    stmt: *mut ffi::sqlite3_stmt,
    at: c_int,
    rc: c_int,
    owned: &'r mut Vec<Vec<u8>>,
    _values: PhantomData<&'a [u8]>,
}

/// A pointer SQLite may read `len` bytes at: never null or dangling, even when empty.
fn bytes_ptr(bytes: &[u8]) -> *const u8 {
    if bytes.is_empty() {
        c"".as_ptr().cast()
    } else {
        bytes.as_ptr()
    }
}

impl<'a> Row<'_, 'a> {
    fn next(&mut self) -> c_int {
        self.at += 1;
        self.at - 1
    }

    fn check(&mut self, rc: c_int) {
        if self.rc == ffi::SQLITE_OK {
            self.rc = rc;
        }
    }

    /// An integer.
    pub(crate) fn int(&mut self, value: i64) -> &mut Self {
        let at = self.next();
        // SAFETY: the statement is live and `at` is one of its parameters.
        let rc = unsafe { ffi::sqlite3_bind_int64(self.stmt, at, value) };
        self.check(rc);
        self
    }

    /// An integer, or NULL.
    pub(crate) fn opt_int(&mut self, value: Option<i64>) -> &mut Self {
        match value {
            Some(v) => self.int(v),
            None => {
                let at = self.next();
                // SAFETY: as in `int`.
                let rc = unsafe { ffi::sqlite3_bind_null(self.stmt, at) };
                self.check(rc);
                self
            }
        }
    }

    /// Binds `bytes` as a text or a blob, read in place.
    fn bind_bytes(&mut self, bytes: &[u8], text: bool) {
        let at = self.next();
        let Ok(len) = c_int::try_from(bytes.len()) else {
            self.check(ffi::SQLITE_TOOBIG);
            return;
        };
        let ptr = bytes_ptr(bytes);
        // SAFETY: `bytes` lives until the statement has run and is not changed meanwhile (`'a`
        // or the row's own values), so SQLite may read it in place.
        let rc = unsafe {
            if text {
                ffi::sqlite3_bind_text(self.stmt, at, ptr.cast(), len, ffi::SQLITE_STATIC())
            } else {
                ffi::sqlite3_bind_blob(self.stmt, at, ptr.cast(), len, ffi::SQLITE_STATIC())
            }
        };
        self.check(rc);
    }

    /// A text that outlives the statement.
    pub(crate) fn text(&mut self, value: &'a str) -> &mut Self {
        self.bind_bytes(value.as_bytes(), true);
        self
    }

    /// A text made for this row.
    pub(crate) fn text_owned(&mut self, value: String) -> &mut Self {
        self.owned.push(value.into_bytes());
        let last = self.owned.len() - 1;
        // The bytes stay where they are when `owned` grows: only the `Vec` headers move.
        let bytes: *const [u8] = self.owned[last].as_slice();
        // SAFETY: `owned` is cleared only after the statement has run.
        self.bind_bytes(unsafe { &*bytes }, true);
        self
    }

    /// A blob that outlives the statement.
    pub(crate) fn blob(&mut self, value: &'a [u8]) -> &mut Self {
        self.bind_bytes(value, false);
        self
    }

    /// A blob made for this row.
    pub(crate) fn blob_owned(&mut self, value: Vec<u8>) -> &mut Self {
        self.owned.push(value);
        let last = self.owned.len() - 1;
        let bytes: *const [u8] = self.owned[last].as_slice();
        // SAFETY: as in `text_owned`.
        self.bind_bytes(unsafe { &*bytes }, false);
        self
    }
}

/// Inserts one row per item of `items` with `INSERT OR FAIL INTO {into} VALUES ...`, where
/// `into` is the table and its columns (`t (a, b)`), [`ROWS`] rows per statement (the rest one
/// by one). `bind(row, item)` binds the item's `columns` values in order. Call it inside a
/// transaction that a failure rolls back: a failing statement keeps the rows before the one
/// that failed.
pub(crate) fn insert<'a, T>(
    db: &Connection,
    into: &str,
    columns: usize,
    items: &'a [T],
    bind: impl for<'r> Fn(&mut Row<'r, 'a>, &'a T),
) -> Result<(), Error> {
    // SAFETY: the handle is used only within this call, while `db` keeps it open, and by no
    // other thread meanwhile (a connection is used by one thread at a time).
    let handle = unsafe { db.handle() };
    let mut owned: Vec<Vec<u8>> = Vec::new();
    let mut run = |statement: &Prepared, chunk: &'a [T]| -> Result<(), Error> {
        owned.clear();
        let mut row = Row {
            stmt: statement.stmt,
            at: 1,
            rc: ffi::SQLITE_OK,
            owned: &mut owned,
            _values: PhantomData,
        };
        for item in chunk {
            let before = row.at;
            bind(&mut row, item);
            if row.at - before != columns as c_int {
                return Err(Error::InvalidParameterCount(
                    (row.at - before) as usize,
                    columns,
                ));
            }
        }
        if row.rc != ffi::SQLITE_OK {
            return Err(failure(handle, row.rc));
        }
        statement.run()
    };
    let mut chunks = items.chunks_exact(ROWS);
    if chunks.len() > 0 {
        let many = Prepared::new(handle, &values_sql(into, columns, ROWS))?;
        for chunk in &mut chunks {
            run(&many, chunk)?;
        }
    }
    let rest = chunks.remainder();
    if !rest.is_empty() {
        let one = Prepared::new(handle, &values_sql(into, columns, 1))?;
        for item in rest.chunks(1) {
            run(&one, item)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(db: &Connection) -> Vec<(i64, String, Option<i64>, Vec<u8>)> {
        db.prepare("SELECT id, name, n, b FROM t ORDER BY id")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap()
    }

    #[test]
    fn every_row_lands_once_in_order_whatever_the_count() {
        let db = Connection::open_in_memory().unwrap();
        db.execute_batch("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT, n INTEGER, b BLOB)")
            .unwrap();
        let mut first = 1;
        // Less than a statement, exactly one, and several with a rest.
        for count in [0, 5, ROWS, 3 * ROWS + 7] {
            let items: Vec<(i64, String)> = (first..first + count as i64)
                .map(|i| (i, format!("row {i}")))
                .collect();
            insert(&db, "t (id, name, n, b)", 4, &items, |row, (id, name)| {
                row.int(*id)
                    .text(name)
                    .opt_int((id % 3 != 0).then_some(id * 10))
                    .blob_owned(id.to_le_bytes().to_vec());
            })
            .unwrap();
            first += count as i64;
        }
        let rows = table(&db);
        assert_eq!(rows.len(), 5 + ROWS + 3 * ROWS + 7);
        for (i, (id, name, n, b)) in rows.iter().enumerate() {
            assert_eq!(*id, i as i64 + 1);
            assert_eq!(name, &format!("row {id}"));
            assert_eq!(*n, (id % 3 != 0).then_some(id * 10));
            assert_eq!(b, &id.to_le_bytes().to_vec());
        }
    }

    #[test]
    fn values_made_for_a_row_and_empty_values_read_back_as_bound() {
        let db = Connection::open_in_memory().unwrap();
        db.execute_batch("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT, n INTEGER, b BLOB)")
            .unwrap();
        let items: Vec<i64> = (1..=ROWS as i64 + 1).collect();
        insert(&db, "t (id, name, n, b)", 4, &items, |row, id| {
            // Texts made per row: each row keeps its own while the statement runs.
            row.int(*id)
                .text_owned(if id % 2 == 0 {
                    String::new()
                } else {
                    format!("n{id}")
                })
                .opt_int(None)
                .blob(if id % 2 == 0 { b"" } else { b"\x00\xff" });
        })
        .unwrap();
        let rows = table(&db);
        assert_eq!(rows.len(), ROWS + 1);
        for (id, name, n, b) in rows {
            let (text, blob): (String, &[u8]) = if id % 2 == 0 {
                (String::new(), b"")
            } else {
                (format!("n{id}"), b"\x00\xff")
            };
            assert_eq!((name, n, b.as_slice()), (text, None, blob));
        }
    }

    #[test]
    fn a_failing_row_fails_the_insert_with_sqlites_message() {
        let db = Connection::open_in_memory().unwrap();
        db.execute_batch("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT NOT NULL)")
            .unwrap();
        let items: Vec<i64> = (0..ROWS as i64).map(|i| i.min(10)).collect();
        let err = insert(&db, "t (id, name)", 2, &items, |row, id| {
            row.int(*id).text("x");
        })
        .expect_err("a duplicate key in the statement is an error");
        assert!(err.to_string().contains("UNIQUE"), "{err}");
        let err = insert(&db, "t (id, name)", 2, &[100i64], |row, id| {
            row.int(*id).opt_int(None);
        })
        .expect_err("a NULL in a NOT NULL column is an error");
        assert!(err.to_string().contains("NOT NULL"), "{err}");
    }

    #[test]
    fn a_row_that_binds_too_few_values_is_refused() {
        let db = Connection::open_in_memory().unwrap();
        db.execute_batch("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT)")
            .unwrap();
        let err = insert(&db, "t (id, name)", 2, &[1i64], |row, id| {
            row.int(*id);
        })
        .expect_err("one value of two");
        assert!(matches!(err, Error::InvalidParameterCount(1, 2)), "{err}");
        let none: i64 = db
            .query_row("SELECT count(*) FROM t", [], |r| r.get(0))
            .unwrap();
        assert_eq!(none, 0);
    }

    #[test]
    fn a_failed_insert_inside_a_transaction_rolls_back_whole() {
        let mut db = Connection::open_in_memory().unwrap();
        db.execute_batch("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT NOT NULL)")
            .unwrap();
        let tx = db.transaction().unwrap();
        // The 40th row repeats a key: `OR FAIL` keeps the 39 before it in the transaction.
        let items: Vec<i64> = (0..ROWS as i64)
            .map(|i| if i == 39 { 0 } else { i })
            .collect();
        insert(&tx, "t (id, name)", 2, &items, |row, id| {
            row.int(*id).text("x");
        })
        .expect_err("a duplicate key");
        drop(tx);
        let rows: i64 = db
            .query_row("SELECT count(*) FROM t", [], |r| r.get(0))
            .unwrap();
        assert_eq!(rows, 0, "the rolled-back transaction keeps nothing");
    }
}
