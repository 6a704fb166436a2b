//! `COPY ... FROM STDIN (FORMAT binary)`: the bulk path for rows that need no conflict
//! handling and no ids back (an ingest's new observations). The server reads the values in
//! their binary form, without parsing parameters or unnesting arrays.
//!
//! The format: a signature and two zero words, then per row a field count and per field its
//! length and bytes (-1 for NULL), then -1.
//! (<https://www.postgresql.org/docs/current/sql-copy.html#id-1.9.3.55.9.4>)

use crate::Result;
use sqlx::PgConnection;

/// The rows of one binary `COPY`, built in memory, then sent in one call.
pub(crate) struct BinaryRows {
    buf: Vec<u8>,
    fields: i16,
}

impl BinaryRows {
    /// Rows of `fields` fields each, about `capacity` bytes in all.
    pub fn new(fields: i16, capacity: usize) -> BinaryRows {
        let mut buf = Vec::with_capacity(capacity + 19);
        buf.extend_from_slice(b"PGCOPY\n\xff\r\n\0");
        buf.extend_from_slice(&0i32.to_be_bytes()); // flags: no OIDs
        buf.extend_from_slice(&0i32.to_be_bytes()); // no header extension
        BinaryRows { buf, fields }
    }

    /// Starts a row; its `fields` values must follow.
    pub fn row(&mut self) -> &mut Self {
        self.buf.extend_from_slice(&self.fields.to_be_bytes());
        self
    }

    fn field(&mut self, bytes: &[u8]) -> &mut Self {
        // Fields are far below 2 GiB (a report's values), so the length fits.
        self.buf
            .extend_from_slice(&(bytes.len() as i32).to_be_bytes());
        self.buf.extend_from_slice(bytes);
        self
    }

    /// A `bigint`.
    pub fn int8(&mut self, v: i64) -> &mut Self {
        self.field(&v.to_be_bytes())
    }

    /// A `smallint`.
    pub fn int2(&mut self, v: i16) -> &mut Self {
        self.field(&v.to_be_bytes())
    }

    /// A `text`.
    pub fn text(&mut self, v: &str) -> &mut Self {
        self.field(v.as_bytes())
    }

    /// A `jsonb` given as JSON text (format version 1 followed by the text).
    pub fn jsonb(&mut self, json: &str) -> &mut Self {
        self.buf
            .extend_from_slice(&(json.len() as i32 + 1).to_be_bytes());
        self.buf.push(1);
        self.buf.extend_from_slice(json.as_bytes());
        self
    }

    /// Sends the rows with `statement` (a `COPY table (columns) FROM STDIN (FORMAT binary)`);
    /// returns the rows the server stored.
    pub async fn send(mut self, conn: &mut PgConnection, statement: &str) -> Result<u64> {
        self.buf.extend_from_slice(&(-1i16).to_be_bytes());
        let mut copy = conn.copy_in_raw(statement).await?;
        if let Err(e) = copy.send(self.buf).await {
            copy.abort(e.to_string()).await?;
            return Err(e.into());
        }
        Ok(copy.finish().await?)
    }
}

#[cfg(test)]
mod tests {
    use super::BinaryRows;

    #[test]
    fn rows_are_framed_as_postgres_reads_them() {
        let mut rows = BinaryRows::new(3, 0);
        rows.row().int8(7).text("ab").jsonb("{}");
        let buf = &rows.buf;
        assert_eq!(&buf[..11], b"PGCOPY\n\xff\r\n\0");
        let row = &buf[19..];
        assert_eq!(&row[..2], &3i16.to_be_bytes());
        assert_eq!(&row[2..6], &8i32.to_be_bytes());
        assert_eq!(&row[6..14], &7i64.to_be_bytes());
        assert_eq!(&row[14..18], &2i32.to_be_bytes());
        assert_eq!(&row[18..20], b"ab");
        assert_eq!(&row[20..24], &3i32.to_be_bytes());
        assert_eq!(&row[24..], b"\x01{}");
    }
}
