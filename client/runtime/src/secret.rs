//! [`Secret`]: a value that never shows itself in `Debug` output and is wiped
//! from memory when dropped.

use std::cell::RefCell;
use std::fmt;
use std::hash::{Hash, Hasher};

use secrecy::zeroize::Zeroize;
use secrecy::{ExposeSecret, ExposeSecretMut, SecretBox};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A secret value: app keys, access tokens, anonymous and exchange tokens,
/// presigned URLs.
///
/// `Debug` prints `Secret(***)`, there is no `Display`, and the value is read
/// only through [`Secret::expose`], so a secret never ends up in a log line or
/// an error message by accident. On the wire (serde) it is the plain value.
///
/// The value lives in a [`secrecy::SecretBox`]: one heap place that is
/// overwritten with zeros ([`zeroize`](secrecy::zeroize)) when the `Secret` is
/// dropped. Copies made from [`expose`](Secret::expose) (a request URL or body,
/// a clone of the string) are ordinary memory and are not wiped.
///
/// Unlike `SecretBox`, a `Secret` is `Clone`, `PartialEq`, `Eq` and `Hash`
/// (comparing and hashing the value; the comparison is not constant-time), so
/// the response types that hold one can derive them.
///
/// ```
/// use kdocs_runtime::Secret;
///
/// let token = Secret::new(String::from("Anonymous-abc"));
/// assert_eq!(format!("{token:?}"), "Secret(***)");
/// assert_eq!(token.expose(), "Anonymous-abc");
/// ```
pub struct Secret<T: Zeroize>(SecretBox<T>);

impl<T: Zeroize> Secret<T> {
    /// Wraps a secret value.
    pub fn new(value: T) -> Self {
        Self(SecretBox::new(Box::new(value)))
    }

    /// The secret value itself. Call it only where the value must be used.
    pub fn expose(&self) -> &T {
        self.0.expose_secret()
    }

    /// Unwraps the secret value: it moves out (nothing is copied) and is no
    /// longer wiped on drop; the emptied place left behind is.
    pub fn into_inner(mut self) -> T
    where
        T: Default,
    {
        std::mem::take(self.0.expose_secret_mut())
    }
}

impl Secret<String> {
    /// The secret as `&str`.
    pub fn expose_str(&self) -> &str {
        self.expose()
    }
}

impl<T: Zeroize + Clone> Clone for Secret<T> {
    fn clone(&self) -> Self {
        Self::new(self.expose().clone())
    }
}

impl<T: Zeroize + Default> Default for Secret<T> {
    fn default() -> Self {
        Self::new(T::default())
    }
}

impl<T: Zeroize + PartialEq> PartialEq for Secret<T> {
    fn eq(&self, other: &Self) -> bool {
        self.expose() == other.expose()
    }
}

impl<T: Zeroize + Eq> Eq for Secret<T> {}

impl<T: Zeroize + Hash> Hash for Secret<T> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.expose().hash(state);
    }
}

impl From<String> for Secret<String> {
    fn from(value: String) -> Self {
        Self::new(value)
    }
}

impl From<&str> for Secret<String> {
    fn from(value: &str) -> Self {
        Self::new(value.to_owned())
    }
}

impl<T: Zeroize> fmt::Debug for Secret<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

thread_local! {
    /// Secret strings serialized on this thread while [`collecting`] runs.
    static SERIALIZED: RefCell<Option<Vec<String>>> = const { RefCell::new(None) };
}

/// Runs `f` and returns, with its result, the text of every [`Secret`] that
/// was serialized during it (on this thread). The request builder uses it to
/// learn which body values are secrets, so that a service echoing them back in
/// an error does not put them in the error message.
///
/// Generic over `f` only in this shell: the thread-local work is in two plain
/// functions, compiled once rather than for every value type a generated
/// request serializes.
pub(crate) fn collecting<R>(f: impl FnOnce() -> R) -> (R, Vec<String>) {
    let outer = start_collecting();
    let result = f();
    (result, stop_collecting(outer))
}

fn start_collecting() -> Option<Vec<String>> {
    SERIALIZED.with(|c| c.replace(Some(Vec::new())))
}

fn stop_collecting(outer: Option<Vec<String>>) -> Vec<String> {
    SERIALIZED.with(|c| c.replace(outer)).unwrap_or_default()
}

impl<T: Zeroize + Serialize> Serialize for Secret<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        if SERIALIZED.with(|c| c.borrow().is_some()) {
            if let Ok(serde_json::Value::String(text)) = serde_json::to_value(self.expose()) {
                SERIALIZED.with(|c| {
                    if let Some(found) = c.borrow_mut().as_mut() {
                        found.push(text);
                    }
                });
            }
        }
        self.expose().serialize(serializer)
    }
}

impl<'de, T: Zeroize + Deserialize<'de>> Deserialize<'de> for Secret<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        T::deserialize(deserializer).map(Self::new)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_is_redacted_and_serde_is_transparent() {
        let s = Secret::new("hunter2".to_owned());
        assert_eq!(format!("{s:?}"), "Secret(***)");
        assert_eq!(format!("{:?}", Some(&s)), "Some(Secret(***))");
        assert_eq!(serde_json::to_string(&s).unwrap(), "\"hunter2\"");
        let back: Secret<String> = serde_json::from_str("\"x\"").unwrap();
        assert_eq!(back.expose(), "x");
    }

    /// Counts how often it was wiped; its clones share the counter.
    #[derive(Clone, Default, PartialEq, Debug)]
    struct Probe {
        text: String,
        wiped: std::rc::Rc<std::cell::Cell<u32>>,
    }

    impl Zeroize for Probe {
        fn zeroize(&mut self) {
            self.text.zeroize();
            self.wiped.set(self.wiped.get() + 1);
        }
    }

    #[test]
    fn the_value_is_wiped_on_drop_and_not_when_taken_out() {
        let probe = Probe {
            text: "hunter2".into(),
            ..Probe::default()
        };
        let wiped = probe.wiped.clone();
        let secret = Secret::new(probe.clone());
        let copy = secret.clone();
        drop(secret);
        assert_eq!(wiped.get(), 1);
        assert_eq!(copy.expose().text, "hunter2");

        // `into_inner` moves the value out (what is wiped then is the empty
        // default left in its place, which has its own counter).
        let inner = copy.into_inner();
        assert_eq!(wiped.get(), 1);
        assert_eq!(inner.text, "hunter2");
    }

    #[test]
    fn equality_hashing_and_defaults_look_at_the_value() {
        use std::collections::HashSet;

        let a = Secret::from("same");
        assert_eq!(a, Secret::new("same".to_owned()));
        assert_ne!(a, Secret::from("other"));
        let set: HashSet<_> = [a.clone(), Secret::from("same"), Secret::from("other")].into();
        assert_eq!(set.len(), 2);
        assert_eq!(Secret::<String>::default().expose_str(), "");
        assert_eq!(a.into_inner(), "same");
    }
}
