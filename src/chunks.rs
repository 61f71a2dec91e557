//! Tables that a scan fills one file at a time and keeps to the end, stored in
//! fixed-size blocks. A `Vec` grown by doubling holds up to twice its room, and copies
//! everything when it grows or is shrunk (old and new copies both live for a moment);
//! a `String` a path is one small allocation a file, and the allocator cannot give back
//! a page that one of them pins among freed parse trees. Blocks never move, hold at
//! most one block of spare room, and are few.

/// A list in blocks of [`Chunks::BLOCK`] items.
#[derive(Debug, Clone)]
pub struct Chunks<T> {
    blocks: Vec<Vec<T>>,
    len: usize,
}

impl<T> Default for Chunks<T> {
    fn default() -> Self {
        Chunks {
            blocks: Vec::new(),
            len: 0,
        }
    }
}

impl<T> Chunks<T> {
    pub const BLOCK: usize = 4096;

    pub fn push(&mut self, item: T) {
        match self.blocks.last_mut() {
            Some(b) if b.len() < Self::BLOCK => b.push(item),
            _ => {
                let mut b = Vec::with_capacity(Self::BLOCK);
                b.push(item);
                self.blocks.push(b);
            }
        }
        self.len += 1;
    }

    pub fn get(&self, i: usize) -> Option<&T> {
        self.blocks.get(i / Self::BLOCK)?.get(i % Self::BLOCK)
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub fn iter(&self) -> impl Iterator<Item = &T> {
        self.blocks.iter().flatten()
    }

    /// Gives back the last block's spare room (the only block that has any).
    pub fn shrink_to_fit(&mut self) {
        if let Some(b) = self.blocks.last_mut() {
            b.shrink_to_fit();
        }
        self.blocks.shrink_to_fit();
    }
}

impl<T> std::ops::Index<usize> for Chunks<T> {
    type Output = T;
    fn index(&self, i: usize) -> &T {
        match self.get(i) {
            Some(item) => item,
            None => panic!("index {i} out of a table of {}", self.len),
        }
    }
}

/// Strings stored end to end in blocks of [`Strings::BLOCK`] bytes (a longer string has
/// a block of its own), each found again by its [`StrAt`].
#[derive(Debug, Default, Clone)]
pub struct Strings {
    blocks: Vec<String>,
}

/// Where [`Strings::push`] put a string: 12 bytes, against 24 for a `String` and its
/// allocation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StrAt {
    block: u32,
    start: u32,
    len: u32,
}

impl Strings {
    pub const BLOCK: usize = 64 * 1024;

    /// Stores `s`: a path, so well under 4 GiB, and a scan's paths fill far fewer than
    /// 2^32 blocks.
    pub fn push(&mut self, s: &str) -> StrAt {
        let fits = self
            .blocks
            .last()
            .is_some_and(|b| b.capacity() - b.len() >= s.len());
        if !fits {
            self.blocks
                .push(String::with_capacity(s.len().max(Self::BLOCK)));
        }
        let block = self.blocks.len() - 1;
        let b = &mut self.blocks[block];
        let small = |n: usize| {
            u32::try_from(n).expect("a path table under 2^32 blocks of paths under 4 GiB")
        };
        let at = StrAt {
            block: small(block),
            start: small(b.len()),
            len: small(s.len()),
        };
        b.push_str(s);
        at
    }

    pub fn get(&self, at: StrAt) -> &str {
        let start = at.start as usize;
        &self.blocks[at.block as usize][start..start + at.len as usize]
    }

    /// Gives back the last block's spare room.
    pub fn shrink_to_fit(&mut self) {
        if let Some(b) = self.blocks.last_mut() {
            b.shrink_to_fit();
        }
        self.blocks.shrink_to_fit();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_keep_order_across_blocks() {
        let n = Chunks::<usize>::BLOCK * 2 + 7;
        let mut c = Chunks::default();
        (0..n).for_each(|i| c.push(i * 3));
        c.shrink_to_fit();
        assert_eq!(c.len(), n);
        assert!((0..n).all(|i| c[i] == i * 3 && c.get(i) == Some(&(i * 3))));
        assert_eq!(c.get(n), None);
        assert!(c.iter().copied().eq((0..n).map(|i| i * 3)));
        assert!(Chunks::<u8>::default().is_empty());
    }

    #[test]
    fn strings_are_given_back_exactly_across_blocks() {
        let mut s = Strings::default();
        let long = "x".repeat(Strings::BLOCK + 10);
        let inputs: Vec<String> = (0..20_000)
            .map(|i| match i {
                5 => String::new(),
                777 => long.clone(),
                _ => format!("dir-{i}/é/{}.json", "a".repeat(i % 50)),
            })
            .collect();
        let at: Vec<StrAt> = inputs.iter().map(|i| s.push(i)).collect();
        s.shrink_to_fit();
        assert!(s.blocks.len() > 2, "spans several blocks");
        for (i, a) in inputs.iter().zip(at) {
            assert_eq!(s.get(a), i);
        }
    }
}
