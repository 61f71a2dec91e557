//! [`Text`]: an immutable string that is cheap to clone and share.
//!
//! A scan keeps every finding until the report, and most of a finding's text repeats:
//! its rule's id, slug and documentation link, the rule's help, the parameter file it
//! was evaluated with. Shared, those cost a pointer per finding instead of a copy;
//! a message is stored at its exact length rather than with a `String`'s spare capacity.

use serde::{Serialize, Serializer};
use std::borrow::Borrow;
use std::collections::HashSet;
use std::fmt;
use std::ops::Deref;
use std::sync::{Arc, Mutex};

#[derive(Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Text(Arc<str>);

impl Text {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Deref for Text {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for Text {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl Borrow<str> for Text {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl From<&str> for Text {
    fn from(s: &str) -> Text {
        Text(Arc::from(s))
    }
}

impl From<String> for Text {
    fn from(s: String) -> Text {
        Text(Arc::from(s))
    }
}

impl From<&String> for Text {
    fn from(s: &String) -> Text {
        Text(Arc::from(s.as_str()))
    }
}

impl From<Text> for String {
    fn from(t: Text) -> String {
        t.0.to_string()
    }
}

impl PartialEq<str> for Text {
    fn eq(&self, other: &str) -> bool {
        &*self.0 == other
    }
}

impl PartialEq<&str> for Text {
    fn eq(&self, other: &&str) -> bool {
        &*self.0 == *other
    }
}

impl PartialEq<String> for Text {
    fn eq(&self, other: &String) -> bool {
        *self.0 == **other
    }
}

impl PartialEq<Text> for &str {
    fn eq(&self, other: &Text) -> bool {
        **self == *other.0
    }
}

impl PartialEq<Text> for str {
    fn eq(&self, other: &Text) -> bool {
        *self == *other.0
    }
}

impl PartialEq<Text> for String {
    fn eq(&self, other: &Text) -> bool {
        **self == *other.0
    }
}

impl From<Text> for serde_json::Value {
    fn from(t: Text) -> serde_json::Value {
        serde_json::Value::String(t.0.to_string())
    }
}

impl fmt::Display for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // `pad`, not `write_str`: `{:<8}` must align a Text as it does a `str`.
        f.pad(&self.0)
    }
}

impl fmt::Debug for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.0, f)
    }
}

impl Serialize for Text {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

/// Hands out one shared [`Text`] per distinct string, for strings that repeat across
/// findings (a rule's help). Bounded: past `LIMIT` distinct strings (a policy that puts
/// unique text where repeated text is expected) new ones are simply not shared.
#[derive(Default)]
pub struct Interner {
    seen: Mutex<HashSet<Text>>,
}

impl Clone for Interner {
    fn clone(&self) -> Interner {
        let seen = self.seen.lock().map(|s| s.clone()).unwrap_or_default();
        Interner {
            seen: Mutex::new(seen),
        }
    }
}

impl Interner {
    const LIMIT: usize = 4096;

    pub fn get(&self, s: &str) -> Text {
        let Ok(mut seen) = self.seen.lock() else {
            return Text::from(s);
        };
        if let Some(t) = seen.get(s) {
            return t.clone();
        }
        let t = Text::from(s);
        if seen.len() < Self::LIMIT {
            seen.insert(t.clone());
        }
        t
    }
}

/// One copy of each distinct text, shared in place by those who hold copies of their
/// own. Unbounded, unlike [`Interner`]: it holds only texts its users keep anyway.
#[derive(Default)]
pub struct Pool(HashSet<Text>);

impl Pool {
    /// Makes `t` the pool's copy of its text, adding it when the pool lacks it.
    pub fn share(&mut self, t: &mut Text) {
        match self.0.get(t) {
            Some(same) => *t = same.clone(),
            None => {
                self.0.insert(t.clone());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interned_strings_are_shared_and_compare_as_strings() {
        let i = Interner::default();
        let (a, b) = (i.get("pass the subnet id"), i.get("pass the subnet id"));
        assert!(Arc::ptr_eq(&a.0, &b.0));
        assert_eq!(a, "pass the subnet id");
        assert_eq!(a.to_string(), "pass the subnet id");
        assert_eq!(format!("[{:<6}]", Text::from("AKS1")), "[AKS1  ]");
        assert_eq!(serde_json::to_string(&a).unwrap(), "\"pass the subnet id\"");
        assert!(!Arc::ptr_eq(&i.get("other").0, &a.0));
    }

    #[test]
    fn the_pool_shares_equal_texts_in_place() {
        let mut pool = Pool::default();
        let (mut a, mut b, mut c) = (Text::from("x"), Text::from("x"), Text::from("y"));
        assert!(!Arc::ptr_eq(&a.0, &b.0));
        for t in [&mut a, &mut b, &mut c] {
            pool.share(t);
        }
        assert!(Arc::ptr_eq(&a.0, &b.0));
        assert!(!Arc::ptr_eq(&a.0, &c.0));
        assert_eq!((a.as_str(), c.as_str()), ("x", "y"));
    }

    #[test]
    fn the_interner_stops_sharing_at_its_limit_but_still_answers() {
        let i = Interner::default();
        for n in 0..Interner::LIMIT + 10 {
            assert_eq!(i.get(&n.to_string()), n.to_string());
        }
        assert_eq!(i.seen.lock().unwrap().len(), Interner::LIMIT);
    }
}
