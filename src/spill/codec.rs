//! A finding as bytes in the spill: written and read back by the same process, so the
//! format is private and carries no version. A record is its length (4 bytes, little
//! endian), then the insertion sequence number and the fields, lengths and numbers as
//! LEB128 varints.

use crate::finding::{Finding, Label, Position, Severity, Suppression};
use crate::source::Site;
use crate::text::Text;
use std::io;

/// The kinds a suppression can have; a record stores the kind's text.
const SUPPRESSION_KINDS: [&str; 3] = ["config", "metadata", "comment"];

/// Appends `f`'s record to `out`.
pub(super) fn encode(f: &Finding, seq: u64, out: &mut Vec<u8>) -> io::Result<()> {
    let at = out.len();
    out.extend_from_slice(&[0; 4]);
    varint(out, seq);
    string(out, &f.rule);
    string(out, &f.slug);
    out.push(match f.severity {
        Severity::Note => 0,
        Severity::Warning => 1,
        Severity::Error => 2,
    });
    string(out, &f.message);
    site(out, f.primary);
    string(out, &f.primary_label);
    varint(out, f.related.len() as u64);
    for l in &f.related {
        site(out, l.site);
        string(out, &l.message);
    }
    for o in [&f.help, &f.docs, &f.about, &f.context] {
        match o {
            None => out.push(0),
            Some(t) => {
                out.push(1);
                string(out, t);
            }
        }
    }
    match &f.suppression {
        None => out.push(0),
        Some(s) => {
            out.push(1);
            string(out, s.kind);
            string(out, &s.reason);
        }
    }
    match f.resource {
        None => out.push(0),
        Some(s) => {
            out.push(1);
            site(out, s);
        }
    }
    varint(out, f.places.len() as u64);
    for p in &f.places {
        varint(out, p.file as u64);
        varint(out, p.offset as u64);
        varint(out, u64::from(p.line));
        varint(out, u64::from(p.column));
    }
    let len = u32::try_from(out.len() - at - 4).map_err(|_| {
        out.truncate(at);
        invalid("a finding of more than 4 GiB")
    })?;
    out[at..at + 4].copy_from_slice(&len.to_le_bytes());
    Ok(())
}

/// The length of the record that starts `head` (its first 4 bytes).
pub(super) fn record_len(head: [u8; 4]) -> usize {
    u32::from_le_bytes(head) as usize
}

/// Reads a record's body (what follows its length).
pub(super) fn decode(body: &[u8]) -> io::Result<(u64, Finding)> {
    let mut r = Reader(body);
    let seq = r.varint()?;
    let rule = r.text()?;
    let slug = r.text()?;
    let severity = match r.byte()? {
        0 => Severity::Note,
        1 => Severity::Warning,
        2 => Severity::Error,
        _ => return Err(invalid("a severity out of range")),
    };
    let message = r.text()?;
    let primary = r.site()?;
    let primary_label = r.text()?;
    let related = r.list(|r| {
        Ok(Label {
            site: r.site()?,
            message: r.text()?,
        })
    })?;
    let mut optional = || -> io::Result<Option<Text>> {
        Ok(match r.byte()? {
            0 => None,
            _ => Some(r.text()?),
        })
    };
    let (help, docs, about, context) = (optional()?, optional()?, optional()?, optional()?);
    let suppression = match r.byte()? {
        0 => None,
        _ => {
            let kind = r.str()?;
            let kind = SUPPRESSION_KINDS
                .into_iter()
                .find(|k| *k == kind)
                .ok_or_else(|| invalid("an unknown suppression kind"))?;
            Some(Suppression {
                kind,
                reason: r.str()?.to_string(),
            })
        }
    };
    let resource = match r.byte()? {
        0 => None,
        _ => Some(r.site()?),
    };
    let places = r.list(|r| {
        Ok(Position {
            file: r.usize()?,
            offset: r.usize()?,
            line: r.u32()?,
            column: r.u32()?,
        })
    })?;
    if !r.0.is_empty() {
        return Err(invalid("a record longer than its finding"));
    }
    Ok((
        seq,
        Finding {
            rule,
            slug,
            severity,
            message,
            primary,
            primary_label,
            related,
            help,
            docs,
            about,
            context,
            suppression,
            resource,
            places,
        },
    ))
}

fn invalid(what: &str) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        format!("the findings' spill file is damaged: {what}"),
    )
}

fn varint(out: &mut Vec<u8>, mut n: u64) {
    while n >= 0x80 {
        out.push((n as u8) | 0x80);
        n >>= 7;
    }
    out.push(n as u8);
}

fn string(out: &mut Vec<u8>, s: &str) {
    varint(out, s.len() as u64);
    out.extend_from_slice(s.as_bytes());
}

fn site(out: &mut Vec<u8>, s: Site) {
    varint(out, s.file as u64);
    varint(out, s.start as u64);
    varint(out, s.end as u64);
}

struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn byte(&mut self) -> io::Result<u8> {
        let (&b, rest) = self
            .0
            .split_first()
            .ok_or_else(|| invalid("a short record"))?;
        self.0 = rest;
        Ok(b)
    }

    fn varint(&mut self) -> io::Result<u64> {
        let mut n = 0u64;
        for shift in (0..64).step_by(7) {
            let b = self.byte()?;
            n |= u64::from(b & 0x7f) << shift;
            if b < 0x80 {
                return Ok(n);
            }
        }
        Err(invalid("a number too long"))
    }

    /// A count, then that many items.
    fn list<T>(&mut self, mut item: impl FnMut(&mut Self) -> io::Result<T>) -> io::Result<Vec<T>> {
        let n = self.varint()?;
        // An item takes at least 3 bytes: a damaged count cannot reserve much.
        let mut out = Vec::with_capacity((n as usize).min(self.0.len() / 3));
        for _ in 0..n {
            out.push(item(self)?);
        }
        Ok(out)
    }

    fn u32(&mut self) -> io::Result<u32> {
        u32::try_from(self.varint()?).map_err(|_| invalid("a number too large"))
    }

    fn usize(&mut self) -> io::Result<usize> {
        usize::try_from(self.varint()?).map_err(|_| invalid("a number too large"))
    }

    fn str(&mut self) -> io::Result<&'a str> {
        let n = self.usize()?;
        if n > self.0.len() {
            return Err(invalid("a short record"));
        }
        let (s, rest) = self.0.split_at(n);
        self.0 = rest;
        std::str::from_utf8(s).map_err(|_| invalid("text that is not UTF-8"))
    }

    fn text(&mut self) -> io::Result<Text> {
        self.str().map(Text::from)
    }

    fn site(&mut self) -> io::Result<Site> {
        Ok(Site {
            file: self.usize()?,
            start: self.usize()?,
            end: self.usize()?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn full() -> Finding {
        Finding {
            rule: "AKS003".into(),
            slug: "udr-requires-azure-cni".into(),
            severity: Severity::Warning,
            message: "outboundType €userDefinedRouting\n needs azure".into(),
            primary: Site {
                file: 3,
                start: 130,
                end: 1 << 40,
            },
            primary_label: "kubenet".into(),
            related: vec![
                Label {
                    site: Site {
                        file: 0,
                        start: 0,
                        end: 0,
                    },
                    message: "".into(),
                },
                Label {
                    site: Site {
                        file: 7,
                        start: 12,
                        end: 19,
                    },
                    message: "set here".into(),
                },
            ],
            help: Some("set networkPlugin".into()),
            docs: None,
            about: Some("AKS007".into()),
            context: Some("aks.parameters.json".into()),
            suppression: Some(Suppression {
                kind: "metadata",
                reason: "accepted".into(),
            }),
            resource: Some(Site {
                file: 3,
                start: 100,
                end: 900,
            }),
            places: vec![
                Position {
                    file: 3,
                    offset: 130,
                    line: 7,
                    column: u32::MAX,
                },
                Position {
                    file: 7,
                    offset: 19,
                    line: 2,
                    column: 1,
                },
            ],
        }
    }

    fn round_trip(f: &Finding, seq: u64) -> (u64, Finding) {
        let mut out = vec![9, 9];
        encode(f, seq, &mut out).unwrap();
        let len = record_len(out[2..6].try_into().unwrap());
        assert_eq!(len, out.len() - 6);
        decode(&out[6..]).unwrap()
    }

    #[test]
    fn every_field_survives() {
        let f = full();
        assert_eq!(round_trip(&f, u64::MAX), (u64::MAX, f.clone()));
        let bare = Finding {
            related: vec![],
            help: None,
            about: None,
            context: None,
            suppression: None,
            resource: None,
            places: vec![],
            severity: Severity::Note,
            ..f
        };
        assert_eq!(round_trip(&bare, 0), (0, bare));
    }

    #[test]
    fn damage_is_an_error_not_a_panic() {
        let mut out = Vec::new();
        encode(&full(), 5, &mut out).unwrap();
        let body = &out[4..];
        for cut in 0..body.len() {
            assert!(decode(&body[..cut]).is_err(), "cut at {cut}");
        }
        let mut longer = body.to_vec();
        longer.push(0);
        assert!(decode(&longer).is_err());
        for i in 0..body.len() {
            let mut bad = body.to_vec();
            bad[i] ^= 0xff;
            let _ = decode(&bad);
        }
    }
}
