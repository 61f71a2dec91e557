//! Where a rendered audit goes: each part is written as it is made. The table, Markdown
//! and HTML reports built whole as one `String` first were the audit's peak (HTML at
//! 10,010 files: 30 MB of page, grown by doubling).

use std::io;

/// A report being written. Formats push text and `write!` to it as to a `String`; the
/// first write error stops the writing and is returned by [`Out::finish`].
pub struct Out<'w> {
    w: &'w mut dyn io::Write,
    err: Option<io::Error>,
}

impl<'w> Out<'w> {
    pub fn new(w: &'w mut dyn io::Write) -> Out<'w> {
        Out { w, err: None }
    }

    pub fn push_str(&mut self, s: &str) {
        if self.err.is_none() {
            if let Err(e) = self.w.write_all(s.as_bytes()) {
                self.err = Some(e);
            }
        }
    }

    pub fn push(&mut self, c: char) {
        self.push_str(c.encode_utf8(&mut [0; 4]));
    }

    /// The first write error, if any.
    pub fn finish(self) -> io::Result<()> {
        self.err.map_or(Ok(()), Err)
    }
}

impl std::fmt::Write for Out<'_> {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        self.push_str(s);
        Ok(())
    }
}

/// A whole report as a string (tests, and callers that want it whole).
pub fn to_string(write: impl FnOnce(&mut Out)) -> String {
    let mut bytes = Vec::new();
    let mut out = Out::new(&mut bytes);
    write(&mut out);
    out.finish().expect("writing to memory cannot fail");
    String::from_utf8(bytes).expect("reports are UTF-8")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fmt::Write as _;

    /// A writer that takes `room` bytes, then fails.
    struct Full {
        room: usize,
        taken: Vec<u8>,
    }

    impl io::Write for Full {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            if self.room == 0 {
                return Err(io::Error::other("disk full"));
            }
            let n = buf.len().min(self.room);
            self.room -= n;
            self.taken.extend_from_slice(&buf[..n]);
            Ok(n)
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn writes_text_and_formats_in_order() {
        let s = to_string(|o| {
            o.push_str("a");
            o.push('é');
            let n = 1;
            let _ = write!(o, "{n}-{}", char::from(b'b'));
        });
        assert_eq!(s, "aé1-b");
    }

    #[test]
    fn the_first_write_error_stops_the_writing_and_is_returned() {
        let mut full = Full {
            room: 3,
            taken: Vec::new(),
        };
        let mut out = Out::new(&mut full);
        out.push_str("abcdef");
        out.push_str("more");
        let e = out.finish().unwrap_err();
        assert_eq!(e.to_string(), "disk full");
        assert_eq!(full.taken, b"abc");
    }
}
