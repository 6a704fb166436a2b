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

    /// A `bigint` or NULL.
    pub fn opt_int8(&mut self, v: Option<i64>) -> &mut Self {
        match v {
            Some(v) => self.int8(v),
            None => {
                self.buf.extend_from_slice(&(-1i32).to_be_bytes());
                self
            }
        }
    }

    /// A `text`.
    pub fn text(&mut self, v: &str) -> &mut Self {
        self.field(v.as_bytes())
    }

    /// A `timestamptz`: microseconds since 2000-01-01 00:00 UTC.
    pub fn timestamptz(&mut self, v: time::OffsetDateTime) -> &mut Self {
        const PG_EPOCH_MICROS: i128 = 946_684_800_000_000;
        let micros = v.unix_timestamp_nanos() / 1000 - PG_EPOCH_MICROS;
        self.int8(micros as i64)
    }

    /// A one-dimensional array of `element_oid` elements, each given as its binary value.
    fn array<'a>(
        &mut self,
        element_oid: u32,
        items: impl ExactSizeIterator<Item = &'a [u8]>,
    ) -> &mut Self {
        let n = items.len();
        let at = self.buf.len();
        self.buf.extend_from_slice(&0i32.to_be_bytes()); // length, set below
        let dims: i32 = if n == 0 { 0 } else { 1 };
        self.buf.extend_from_slice(&dims.to_be_bytes());
        self.buf.extend_from_slice(&0i32.to_be_bytes()); // no NULL element
        self.buf.extend_from_slice(&element_oid.to_be_bytes());
        if n > 0 {
            self.buf.extend_from_slice(&(n as i32).to_be_bytes());
            self.buf.extend_from_slice(&1i32.to_be_bytes()); // lower bound
            for item in items {
                self.buf
                    .extend_from_slice(&(item.len() as i32).to_be_bytes());
                self.buf.extend_from_slice(item);
            }
        }
        let len = (self.buf.len() - at - 4) as i32;
        self.buf[at..at + 4].copy_from_slice(&len.to_be_bytes());
        self
    }

    /// A `text[]`.
    pub fn text_array<'a>(&mut self, items: impl ExactSizeIterator<Item = &'a str>) -> &mut Self {
        self.array(25, items.map(str::as_bytes))
    }

    /// An `integer[]`.
    pub fn int4_array(&mut self, items: &[i32]) -> &mut Self {
        let bytes: Vec<[u8; 4]> = items.iter().map(|v| v.to_be_bytes()).collect();
        self.array(23, bytes.iter().map(|b| b.as_slice()))
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

    #[test]
    fn arrays_nulls_and_times_are_framed_as_postgres_reads_them() {
        let mut rows = BinaryRows::new(4, 0);
        let at = time::OffsetDateTime::from_unix_timestamp(946_684_801).unwrap();
        rows.row()
            .text_array(["a", "bc"].into_iter())
            .int4_array(&[])
            .opt_int8(None)
            .timestamptz(at);
        let row = &rows.buf[19 + 2..];
        // text[] {a,bc}: length, 1 dimension, no NULL, oid 25, 2 elements from 1, elements.
        let mut text = Vec::new();
        for w in [1i32, 0, 25, 2, 1, 1] {
            text.extend_from_slice(&w.to_be_bytes());
        }
        text.push(b'a');
        text.extend_from_slice(&2i32.to_be_bytes());
        text.extend_from_slice(b"bc");
        assert_eq!(&row[..4], &(text.len() as i32).to_be_bytes());
        assert_eq!(&row[4..4 + text.len()], text.as_slice());
        let row = &row[4 + text.len()..];
        // integer[] {}: no dimension.
        assert_eq!(&row[..4], &12i32.to_be_bytes());
        assert_eq!(&row[4..16], &[0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 23]);
        // NULL, then one second after 2000-01-01 in microseconds.
        assert_eq!(&row[16..20], &(-1i32).to_be_bytes());
        assert_eq!(&row[20..24], &8i32.to_be_bytes());
        assert_eq!(&row[24..32], &1_000_000i64.to_be_bytes());
    }
}
