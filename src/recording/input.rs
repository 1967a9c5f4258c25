//! Opening an input: a file or bytes, transparently gunzipped when it starts with the gzip magic,
//! read through a cap so neither a huge file nor a gzip bomb can exhaust memory.

use flate2::read::MultiGzDecoder;
use std::cell::Cell;
use std::io::{self, BufRead, BufReader, Read};
use std::rc::Rc;

const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];

/// The marker inside the `io::Error` a [`Capped`] reader returns past its limit.
#[derive(Debug)]
pub(crate) struct LimitExceeded;

impl std::fmt::Display for LimitExceeded {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("input exceeds the size limit")
    }
}

impl std::error::Error for LimitExceeded {}

/// Whether an I/O error is a [`Capped`] reader's limit.
pub(crate) fn is_limit(e: &io::Error) -> bool {
    e.get_ref()
        .is_some_and(|inner| inner.downcast_ref::<LimitExceeded>().is_some())
}

/// Counts bytes read (shared with the caller) and fails past `limit`.
struct Capped<R> {
    inner: R,
    limit: u64,
    count: Rc<Cell<u64>>,
}

impl<R: Read> Read for Capped<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        let total = self.count.get() + n as u64;
        self.count.set(total);
        if total > self.limit {
            return Err(io::Error::other(LimitExceeded));
        }
        Ok(n)
    }
}

/// An opened input, positioned at its first (decompressed) byte.
pub(crate) struct Opened<'a> {
    pub reader: Box<dyn BufRead + 'a>,
    pub gzipped: bool,
    /// Bytes handed out so far (decompressed), for budgets and benchmarks.
    pub count: Rc<Cell<u64>>,
}

/// Wraps `source`, sniffing the gzip magic; at most `limit` (decompressed) bytes will be read.
pub(crate) fn open<'a>(source: impl Read + 'a, limit: usize) -> io::Result<Opened<'a>> {
    let mut raw = BufReader::with_capacity(1 << 16, source);
    let gzipped = raw.fill_buf()?.starts_with(&GZIP_MAGIC);
    let count = Rc::new(Cell::new(0));
    let limit = limit as u64;
    let reader: Box<dyn BufRead + 'a> = if gzipped {
        Box::new(BufReader::with_capacity(
            1 << 16,
            Capped {
                inner: MultiGzDecoder::new(raw),
                limit,
                count: count.clone(),
            },
        ))
    } else {
        Box::new(BufReader::with_capacity(
            1 << 16,
            Capped {
                inner: raw,
                limit,
                count: count.clone(),
            },
        ))
    };
    Ok(Opened {
        reader,
        gzipped,
        count,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use flate2::{Compression, write::GzEncoder};
    use std::io::Write;

    #[test]
    fn gunzips_by_magic_and_caps() {
        let mut enc = GzEncoder::new(Vec::new(), Compression::default());
        enc.write_all(&[b'x'; 10_000]).unwrap();
        let gz = enc.finish().unwrap();
        let mut o = open(&gz[..], 20_000).unwrap();
        assert!(o.gzipped);
        let mut out = Vec::new();
        o.reader.read_to_end(&mut out).unwrap();
        assert_eq!(out.len(), 10_000);

        let mut o = open(&gz[..], 5_000).unwrap();
        let err = o.reader.read_to_end(&mut Vec::new()).unwrap_err();
        assert!(is_limit(&err));

        let mut o = open(&b"[1]"[..], 10).unwrap();
        assert!(!o.gzipped);
        let mut s = String::new();
        o.reader.read_to_string(&mut s).unwrap();
        assert_eq!(s, "[1]");
    }
}
