//! HCL text to a syntax tree (`hcl-edit`, which keeps byte spans and bounds nesting),
//! and the comments of the text, for inline suppressions.

use crate::json::{Comment, Span};
use hcl_edit::structure::Body;

/// A syntax error: its message and where it is.
pub(crate) struct SyntaxError {
    pub message: String,
    pub span: Span,
}

thread_local! {
    /// The trees of the texts this thread parsed last, with their texts: lowering one
    /// `.tf` file evaluates its whole folder, so a folder of n files had each file parsed
    /// n times (parsing was most of a Terraform scan's profile). Keyed by the whole text,
    /// so a hit is the tree of exactly this text.
    static RECENT: std::cell::RefCell<std::collections::VecDeque<(String, Body)>> =
        const { std::cell::RefCell::new(std::collections::VecDeque::new()) };
}

/// How many trees, and how many bytes of text, [`RECENT`] keeps per thread.
const RECENT_TREES: usize = 64;
const RECENT_BYTES: usize = 8 << 20;

pub(crate) fn parse(text: &str) -> Result<Body, SyntaxError> {
    let hit = RECENT.with(|r| {
        r.borrow()
            .iter()
            .find(|(t, _)| t == text)
            .map(|(_, b)| b.clone())
    });
    if let Some(body) = hit {
        return Ok(body);
    }
    let body = parse_text(text)?;
    if text.len() <= RECENT_BYTES {
        RECENT.with(|r| {
            let mut r = r.borrow_mut();
            r.push_back((text.to_string(), body.clone()));
            let mut bytes: usize = r.iter().map(|(t, _)| t.len()).sum();
            while r.len() > RECENT_TREES || bytes > RECENT_BYTES {
                if let Some((t, _)) = r.pop_front() {
                    bytes -= t.len();
                }
            }
        });
    }
    Ok(body)
}

fn parse_text(text: &str) -> Result<Body, SyntaxError> {
    hcl_edit::parser::parse_body(text).map_err(|e| {
        // The crate's offset may fall inside a multi-byte character.
        let mut at = e.location().offset().min(text.len());
        while !text.is_char_boundary(at) {
            at -= 1;
        }
        let end = text[at..]
            .char_indices()
            .nth(1)
            .map_or(text.len(), |(i, _)| at + i);
        let message = e.message().lines().next().unwrap_or("syntax error").trim();
        SyntaxError {
            message: if message.is_empty() {
                "syntax error".into()
            } else {
                message.to_string()
            },
            span: Span::new(at, end),
        }
    })
}

/// The `#`, `//` and `/* */` comments outside strings and heredocs, with their text
/// (markers removed, trimmed): `# aksgate-ignore AKS007: reason` suppresses as a JSON
/// comment does.
pub(crate) fn comments(text: &str) -> Vec<Comment> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    // Inside `${ ... }` of a string, strings nest: depth counts open strings.
    while i < b.len() {
        match b[i] {
            b'"' => i = skip_string(b, i + 1),
            b'<' if b.get(i + 1) == Some(&b'<') => i = skip_heredoc(text, i + 2),
            b'#' => i = line_comment(text, i, 1, &mut out),
            b'/' if b.get(i + 1) == Some(&b'/') => i = line_comment(text, i, 2, &mut out),
            b'/' if b.get(i + 1) == Some(&b'*') => {
                let end = text[i + 2..].find("*/").map_or(b.len(), |e| i + 2 + e + 2);
                let inner = &text[i + 2..end.saturating_sub(2).max(i + 2)];
                out.push(Comment {
                    span: Span::new(i, end),
                    text: inner.trim().to_string(),
                });
                i = end;
            }
            _ => i += 1,
        }
    }
    out
}

fn line_comment(text: &str, at: usize, marker: usize, out: &mut Vec<Comment>) -> usize {
    let end = text[at..].find('\n').map_or(text.len(), |e| at + e);
    out.push(Comment {
        span: Span::new(at, end),
        text: text[at + marker..end].trim().to_string(),
    });
    end
}

/// Past the closing quote of a string starting at `i` (after its opening quote); an
/// interpolation's own strings are skipped too.
fn skip_string(b: &[u8], mut i: usize) -> usize {
    let mut depth = 0usize;
    while i < b.len() {
        match b[i] {
            b'\\' => i += 2,
            b'$' | b'%' if b.get(i + 1) == Some(&b'{') => {
                depth += 1;
                i += 2;
            }
            b'}' if depth > 0 => {
                depth -= 1;
                i += 1;
            }
            b'"' if depth > 0 => i = skip_string(b, i + 1).min(b.len()),
            b'"' => return i + 1,
            b'\n' if depth == 0 => return i + 1,
            _ => i += 1,
        }
    }
    b.len()
}

/// Past the end of a heredoc whose `<<` ends at `i`; not a heredoc: just past `<<`.
fn skip_heredoc(text: &str, i: usize) -> usize {
    let rest = &text[i..];
    let rest_trim = rest.strip_prefix('-').unwrap_or(rest);
    let name: String = rest_trim
        .chars()
        .take_while(|c| c.is_alphanumeric() || *c == '_')
        .collect();
    if name.is_empty() {
        return i;
    }
    let Some(nl) = rest.find('\n') else {
        return text.len();
    };
    let mut at = i + nl + 1;
    while at < text.len() {
        let end = text[at..].find('\n').map_or(text.len(), |e| at + e);
        if text[at..end].trim() == name {
            return end;
        }
        at = end + 1;
    }
    text.len()
}

#[cfg(test)]
mod tests {
    #[test]
    fn comments_outside_strings_and_heredocs() {
        let t = "# aksgate-ignore AKS007: ok\nx = \"# not\" // tail\ny = <<EOT\n# no\nEOT\n/* b */\nz = \"${\"#\"}\" # last";
        let c: Vec<String> = super::comments(t).into_iter().map(|c| c.text).collect();
        assert_eq!(c, vec!["aksgate-ignore AKS007: ok", "tail", "b", "last"]);
    }

    #[test]
    fn a_syntax_error_has_a_span_in_the_text() {
        let e = super::parse("resource \"a\" \"b\" {\n  x = \n}\n")
            .err()
            .unwrap();
        assert!(e.span.start <= 30 && e.span.end > e.span.start);
        assert!(super::parse("a = \"é").is_err());
    }
}

#[cfg(test)]
mod cache_tests {
    /// A tree from the cache is the tree of that very text: the same spans, the same
    /// printed text, for texts that differ only slightly (generated, not hand-picked).
    #[test]
    fn a_cached_tree_is_the_tree_of_its_text() {
        let texts: Vec<String> = (0..200)
            .map(|i| {
                format!(
                    "resource \"azurerm_public_ip\" \"p{}\" {{\n  name = \"{}\"\n{}}}\n",
                    i % 7,
                    "x".repeat(i % 5),
                    "  # c\n".repeat(i % 3)
                )
            })
            .collect();
        for round in 0..2 {
            for t in &texts {
                let cached = super::parse(t).ok().unwrap();
                let fresh = super::parse_text(t).ok().unwrap();
                assert_eq!(cached.to_string(), fresh.to_string(), "round {round}");
                assert_eq!(format!("{cached:?}"), format!("{fresh:?}"), "round {round}");
            }
        }
    }
}
