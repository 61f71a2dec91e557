//! Raw file bytes to text.

use super::{ParseError, Span};

/// How the bytes given to [`decode`] were encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Encoding {
    /// UTF-8 without a byte order mark.
    Utf8,
    /// UTF-8 with a byte order mark (removed from the text).
    Utf8Bom,
    /// UTF-16 little endian, with a byte order mark.
    Utf16Le,
    /// UTF-16 big endian, with a byte order mark.
    Utf16Be,
}

/// Decoded text (without any BOM) and the encoding it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decoded {
    pub text: String,
    pub encoding: Encoding,
}

const UTF8_BOM: &[u8] = &[0xEF, 0xBB, 0xBF];

/// Decode raw file bytes to text.
///
/// * `EF BB BF` (UTF-8 BOM): removed; the rest must be UTF-8.
/// * `FF FE` / `FE FF` (UTF-16 BOM): the rest is decoded as UTF-16 LE / BE.
/// * otherwise: must be UTF-8.
///
/// Spans of errors are byte offsets into the input after the BOM: for invalid
/// UTF-8 the first bad byte(s); for UTF-16, the bad code unit (or the odd
/// trailing byte).
pub fn decode(bytes: &[u8]) -> Result<Decoded, ParseError> {
    if let Some(rest) = bytes.strip_prefix(UTF8_BOM) {
        return Ok(Decoded {
            text: utf8(rest)?,
            encoding: Encoding::Utf8Bom,
        });
    }
    if let Some(rest) = bytes.strip_prefix(&[0xFF, 0xFE]) {
        return Ok(Decoded {
            text: utf16(rest, u16::from_le_bytes, "UTF-16 LE")?,
            encoding: Encoding::Utf16Le,
        });
    }
    if let Some(rest) = bytes.strip_prefix(&[0xFE, 0xFF]) {
        return Ok(Decoded {
            text: utf16(rest, u16::from_be_bytes, "UTF-16 BE")?,
            encoding: Encoding::Utf16Be,
        });
    }
    Ok(Decoded {
        text: utf8(bytes)?,
        encoding: Encoding::Utf8,
    })
}

fn utf8(bytes: &[u8]) -> Result<String, ParseError> {
    match std::str::from_utf8(bytes) {
        Ok(s) => Ok(s.to_owned()),
        Err(e) => {
            let at = e.valid_up_to();
            let len = e.error_len().unwrap_or(bytes.len() - at).max(1);
            let shown: Vec<String> = bytes[at..(at + len).min(bytes.len())]
                .iter()
                .map(|b| format!("0x{b:02X}"))
                .collect();
            let what = if e.error_len().is_none() {
                "truncated UTF-8 sequence at end of file"
            } else {
                "invalid UTF-8"
            };
            Err(ParseError::new(
                format!(
                    "file is not valid UTF-8: {what} (byte {} at offset {at}); \
                     save the file as UTF-8",
                    shown.join(" ")
                ),
                Span::new(at, at + len),
            ))
        }
    }
}

fn utf16(bytes: &[u8], unit: fn([u8; 2]) -> u16, name: &str) -> Result<String, ParseError> {
    let units = bytes.chunks_exact(2).map(|c| unit([c[0], c[1]]));
    let mut text = String::with_capacity(bytes.len() / 2 + bytes.len() / 8);
    let mut offset = 0;
    for r in char::decode_utf16(units) {
        match r {
            Ok(c) => {
                text.push(c);
                offset += c.len_utf16() * 2;
            }
            Err(e) => {
                return Err(ParseError::new(
                    format!(
                        "file is not valid {name}: unpaired surrogate 0x{:04X} at offset {offset}",
                        e.unpaired_surrogate()
                    ),
                    Span::new(offset, offset + 2),
                ))
            }
        }
    }
    if bytes.len() % 2 == 1 {
        let at = bytes.len() - 1;
        return Err(ParseError::new(
            format!("file is not valid {name}: odd number of bytes (stray byte at offset {at})"),
            Span::new(at, at + 1),
        ));
    }
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::super::parse;
    use super::*;

    fn utf16le(s: &str) -> Vec<u8> {
        let mut v = vec![0xFF, 0xFE];
        v.extend(s.encode_utf16().flat_map(u16::to_le_bytes));
        v
    }

    fn utf16be(s: &str) -> Vec<u8> {
        let mut v = vec![0xFE, 0xFF];
        v.extend(s.encode_utf16().flat_map(u16::to_be_bytes));
        v
    }

    #[test]
    fn plain_utf8() {
        let d = decode("{\"é\": 1}".as_bytes()).unwrap();
        assert_eq!(d.encoding, Encoding::Utf8);
        assert_eq!(d.text, "{\"é\": 1}");
        let d = decode(b"").unwrap();
        assert_eq!(d.text, "");
    }

    #[test]
    fn utf8_bom_is_removed() {
        let mut bytes = UTF8_BOM.to_vec();
        bytes.extend_from_slice(b"{\"a\": [1]}");
        let d = decode(&bytes).unwrap();
        assert_eq!(d.encoding, Encoding::Utf8Bom);
        assert_eq!(d.text, "{\"a\": [1]}");
        let doc = parse(&d.text).unwrap();
        assert_eq!(doc.root.span, Span::new(0, 10));
        assert_eq!(doc.root.get("a").unwrap().span, Span::new(6, 9));
        let d = decode(UTF8_BOM).unwrap();
        assert_eq!((d.text.as_str(), d.encoding), ("", Encoding::Utf8Bom));
    }

    #[test]
    fn utf16_le_and_be() {
        let src = "{\r\n  \"name\": \"aks-€-😀\" // c\r\n}";
        for (bytes, enc) in [
            (utf16le(src), Encoding::Utf16Le),
            (utf16be(src), Encoding::Utf16Be),
        ] {
            let d = decode(&bytes).unwrap();
            assert_eq!(d.encoding, enc);
            assert_eq!(d.text, src);
            let doc = parse(&d.text).unwrap();
            assert_eq!(doc.root.get("NAME").unwrap().as_str(), Some("aks-€-😀"));
            assert_eq!(doc.comments[0].text, "c");
        }
    }

    #[test]
    fn utf16_errors() {
        // odd trailing byte
        let mut bytes = utf16le("[1]");
        bytes.push(b' ');
        let e = decode(&bytes).unwrap_err();
        assert_eq!(e.span, Span::new(6, 7));
        assert!(e.message.contains("odd number of bytes"), "{}", e.message);
        // unpaired surrogate after "[" (2 bytes)
        let mut bytes = vec![0xFF, 0xFE, b'[', 0];
        bytes.extend_from_slice(&0xD800u16.to_le_bytes());
        bytes.extend_from_slice(&u16::from(b']').to_le_bytes());
        let e = decode(&bytes).unwrap_err();
        assert_eq!(e.span, Span::new(2, 4));
        assert!(
            e.message.contains("unpaired surrogate 0xD800"),
            "{}",
            e.message
        );
        // after a surrogate pair (4 bytes) the offset still counts bytes
        let mut bytes = utf16be("😀");
        bytes.extend_from_slice(&0xDC00u16.to_be_bytes());
        let e = decode(&bytes).unwrap_err();
        assert_eq!(e.span, Span::new(4, 6));
    }

    #[test]
    fn invalid_utf8_reports_first_bad_byte() {
        let e = decode(b"{\"a\": \"x\xFFy\"}").unwrap_err();
        assert_eq!(e.span, Span::new(8, 9));
        assert!(e.message.contains("0xFF"), "{}", e.message);
        assert!(e.message.contains("offset 8"), "{}", e.message);
        // offsets are relative to the input without its BOM
        let e = decode(b"\xEF\xBB\xBF[\"\xC3\x28\"]").unwrap_err();
        assert_eq!(e.span, Span::new(2, 3));
        // valid multibyte chars before the bad byte are counted in bytes
        let e = decode(
            "[\"é€\""
                .as_bytes()
                .iter()
                .chain(b"\x80]")
                .copied()
                .collect::<Vec<_>>()
                .as_slice(),
        )
        .unwrap_err();
        assert_eq!(e.span, Span::new(8, 9));
        // truncated sequence at the end
        let e = decode(b"[1]\xE2\x82").unwrap_err();
        assert_eq!(e.span, Span::new(3, 5));
        assert!(e.message.contains("truncated"), "{}", e.message);
    }
}
