//! The spill's storage: an anonymous temporary file written by appending and read by
//! position, so that several readers (one per sorted run) share it without seeking.

use super::codec;
use crate::finding::Finding;
use std::fs::File;
use std::io;
use std::ops::Range;
use std::sync::Arc;

/// An anonymous temporary file: the system removes it when it is closed, even when
/// aksgate is killed.
#[derive(Debug)]
pub(crate) struct Disk {
    file: File,
    len: u64,
}

impl Disk {
    /// `what` it is for, said if it cannot be created (`the findings`).
    pub(crate) fn create(what: &str) -> io::Result<Disk> {
        let file = tempfile::tempfile().map_err(|e| {
            io::Error::new(
                e.kind(),
                format!(
                    "cannot create a temporary file in {} for {what}: {e}",
                    std::env::temp_dir().display()
                ),
            )
        })?;
        Ok(Disk { file, len: 0 })
    }

    pub(crate) fn len(&self) -> u64 {
        self.len
    }

    pub(crate) fn append(&mut self, bytes: &[u8]) -> io::Result<()> {
        write_all_at(&self.file, bytes, self.len)?;
        self.len += bytes.len() as u64;
        Ok(())
    }

    /// Fills `buf` from `offset`; fewer bytes only at the end of the file.
    pub(crate) fn read_at(&self, mut buf: &mut [u8], mut offset: u64) -> io::Result<usize> {
        let want = buf.len();
        while !buf.is_empty() {
            match read_at(&self.file, buf, offset) {
                Ok(0) => break,
                Ok(n) => {
                    buf = &mut buf[n..];
                    offset += n as u64;
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        Ok(want - buf.len())
    }
}

#[cfg(unix)]
fn read_at(f: &File, buf: &mut [u8], offset: u64) -> io::Result<usize> {
    std::os::unix::fs::FileExt::read_at(f, buf, offset)
}

#[cfg(unix)]
fn write_all_at(f: &File, bytes: &[u8], offset: u64) -> io::Result<()> {
    std::os::unix::fs::FileExt::write_all_at(f, bytes, offset)
}

#[cfg(windows)]
fn read_at(f: &File, buf: &mut [u8], offset: u64) -> io::Result<usize> {
    std::os::windows::fs::FileExt::seek_read(f, buf, offset)
}

#[cfg(windows)]
fn write_all_at(f: &File, mut bytes: &[u8], mut offset: u64) -> io::Result<()> {
    while !bytes.is_empty() {
        let n = std::os::windows::fs::FileExt::seek_write(f, bytes, offset)?;
        if n == 0 {
            return Err(io::ErrorKind::WriteZero.into());
        }
        bytes = &bytes[n..];
        offset += n as u64;
    }
    Ok(())
}

enum Source<'a> {
    Memory(&'a [u8]),
    Disk(Arc<Disk>, Range<u64>),
}

/// Reads the records of a byte range one at a time, through a buffer of about `chunk`
/// bytes (more when a record is longer).
pub(super) struct Records<'a> {
    source: Source<'a>,
    buf: Vec<u8>,
    /// Where the unread part of `buf` starts.
    at: usize,
    chunk: usize,
}

impl<'a> Records<'a> {
    pub(super) fn new(disk: Arc<Disk>, range: Range<u64>, chunk: usize) -> Records<'a> {
        Records {
            source: Source::Disk(disk, range),
            buf: Vec::new(),
            at: 0,
            chunk,
        }
    }

    pub(super) fn in_memory(bytes: &'a [u8]) -> Records<'a> {
        Records {
            source: Source::Memory(bytes),
            buf: Vec::new(),
            at: 0,
            chunk: 0,
        }
    }

    /// The next `n` bytes, or `None` at the end of the range; an error when the range
    /// ends inside them.
    fn take(&mut self, n: usize) -> io::Result<Option<&[u8]>> {
        match &mut self.source {
            Source::Memory(bytes) => {
                if bytes.is_empty() {
                    return Ok(None);
                }
                if bytes.len() < n {
                    return Err(truncated());
                }
                let (head, rest) = bytes.split_at(n);
                *bytes = rest;
                Ok(Some(head))
            }
            Source::Disk(disk, range) => {
                if self.buf.len() - self.at < n {
                    self.buf.drain(..self.at);
                    self.at = 0;
                    let have = self.buf.len();
                    let left = range.end - range.start;
                    let want =
                        (n.max(self.chunk) - have).min(usize::try_from(left).unwrap_or(usize::MAX));
                    self.buf.resize(have + want, 0);
                    let got = disk.read_at(&mut self.buf[have..], range.start)?;
                    self.buf.truncate(have + got);
                    range.start += got as u64;
                    if self.buf.is_empty() {
                        return Ok(None);
                    }
                    if self.buf.len() < n {
                        return Err(truncated());
                    }
                }
                let head = &self.buf[self.at..self.at + n];
                self.at += n;
                Ok(Some(head))
            }
        }
    }

    fn read(&mut self) -> io::Result<Option<(u64, Finding)>> {
        let Some(head) = self.take(4)? else {
            return Ok(None);
        };
        let len = codec::record_len(head.try_into().expect("4 bytes"));
        let body = self.take(len)?.ok_or_else(truncated)?;
        codec::decode(body).map(Some)
    }
}

fn truncated() -> io::Error {
    io::Error::new(
        io::ErrorKind::UnexpectedEof,
        "the findings' spill file is damaged: a record is cut short",
    )
}

impl Iterator for Records<'_> {
    type Item = io::Result<(u64, Finding)>;

    fn next(&mut self) -> Option<Self::Item> {
        self.read().transpose()
    }
}
