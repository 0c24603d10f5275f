//! Rows written into PostgreSQL by `copy … from stdin` (`Tx::insert_rows`' plain inserts).

use super::{Arg, trace_sql};

/// Bytes of rows sent to PostgreSQL at a time by `copy_rows`.
const COPY_CHUNK: usize = 1 << 20;

/// Writes rows into `target` (`table (columns)`) by `copy … from stdin` in PostgreSQL's text
/// format, a megabyte at a time. A row the table refuses (a key taken, a foreign key pointing
/// nowhere) fails the copy with the same error as an insert would, and the transaction with it.
/// With this and the demo's counting triggers dropped, `annex demo --size huge` wrote its
/// million risks in 73–79 s instead of 126 s, on a slow two-core machine (inserts of
/// thousands of parameters, which PostgreSQL parsed and planned each time).
pub(super) async fn copy_rows(
    c: &mut sqlx::PgConnection,
    target: &str,
    rows: Vec<Vec<Arg>>,
) -> std::result::Result<(), sqlx::Error> {
    use std::io::Write;
    let sql = format!("copy {target} from stdin");
    trace_sql(&sql);
    let mut copy = c.copy_in_raw(&sql).await?;
    let sent: std::result::Result<(), sqlx::Error> = async {
        let mut buf = Vec::with_capacity(COPY_CHUNK + (64 << 10));
        for row in rows {
            for (i, arg) in row.into_iter().enumerate() {
                if i > 0 {
                    buf.push(b'\t');
                }
                match arg {
                    Arg::Text(s) | Arg::OptText(Some(s)) => copy_text(&mut buf, &s),
                    Arg::Int(n) | Arg::OptInt(Some(n)) => {
                        let _ = write!(buf, "{n}");
                    }
                    Arg::OptText(None) | Arg::OptInt(None) => buf.extend_from_slice(b"\\N"),
                }
            }
            buf.push(b'\n');
            if buf.len() >= COPY_CHUNK {
                copy.send(buf.as_slice()).await?;
                buf.clear();
            }
        }
        if !buf.is_empty() {
            copy.send(buf.as_slice()).await?;
        }
        Ok(())
    }
    .await;
    match sent {
        Ok(()) => copy.finish().await.map(|_| ()),
        Err(e) => {
            // The connection is put out of copying (PostgreSQL answers the abort with an
            // error of its own, which is not the one to report).
            let _ = copy.abort(e.to_string()).await;
            Err(e)
        }
    }
}

/// A value in PostgreSQL's copy text format: the backslash, and the tab, newline and carriage
/// return that would end the value or the row, written as escapes; everything else as it is.
fn copy_text(buf: &mut Vec<u8>, s: &str) {
    let bytes = s.as_bytes();
    if !bytes
        .iter()
        .any(|b| matches!(b, b'\\' | b'\t' | b'\n' | b'\r'))
    {
        buf.extend_from_slice(bytes);
        return;
    }
    for &b in bytes {
        match b {
            b'\\' => buf.extend_from_slice(b"\\\\"),
            b'\t' => buf.extend_from_slice(b"\\t"),
            b'\n' => buf.extend_from_slice(b"\\n"),
            b'\r' => buf.extend_from_slice(b"\\r"),
            _ => buf.push(b),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::copy_text;

    #[test]
    fn copy_text_escapes_what_would_end_a_value_and_keeps_every_script() {
        let mut buf = Vec::new();
        copy_text(&mut buf, "Διακομιστής 給与 č");
        assert_eq!(buf, "Διακομιστής 給与 č".as_bytes());
        buf.clear();
        copy_text(&mut buf, "a\tb\nc\r\nd\\N e\\");
        assert_eq!(buf, b"a\\tb\\nc\\r\\nd\\\\N e\\\\");
    }
}
