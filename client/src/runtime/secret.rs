//! [`Secret`]: a value that never shows itself in `Debug` output.

use std::cell::RefCell;
use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A secret value: app keys, access tokens, anonymous and exchange tokens.
///
/// `Debug` prints `Secret(***)`, there is no `Display`, and the value is read
/// only through [`Secret::expose`], so a secret never ends up in a log line or
/// an error message by accident. On the wire (serde) it is the plain value.
///
/// ```
/// use kdocs_client::Secret;
///
/// let token = Secret::new(String::from("Anonymous-abc"));
/// assert_eq!(format!("{token:?}"), "Secret(***)");
/// assert_eq!(token.expose(), "Anonymous-abc");
/// ```
#[derive(Clone, Default, PartialEq, Eq, Hash)]
pub struct Secret<T>(T);

impl<T> Secret<T> {
    /// Wraps a secret value.
    pub fn new(value: T) -> Self {
        Self(value)
    }

    /// The secret value itself. Call it only where the value must be used.
    pub fn expose(&self) -> &T {
        &self.0
    }

    /// Unwraps the secret value.
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl Secret<String> {
    /// The secret as `&str`.
    pub fn expose_str(&self) -> &str {
        &self.0
    }
}

impl From<String> for Secret<String> {
    fn from(value: String) -> Self {
        Self(value)
    }
}

impl From<&str> for Secret<String> {
    fn from(value: &str) -> Self {
        Self(value.to_owned())
    }
}

impl<T> fmt::Debug for Secret<T> {
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
pub(crate) fn collecting<R>(f: impl FnOnce() -> R) -> (R, Vec<String>) {
    let outer = SERIALIZED.with(|c| c.replace(Some(Vec::new())));
    let result = f();
    let found = SERIALIZED.with(|c| c.replace(outer)).unwrap_or_default();
    (result, found)
}

impl<T: Serialize> Serialize for Secret<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        if SERIALIZED.with(|c| c.borrow().is_some()) {
            if let Ok(serde_json::Value::String(text)) = serde_json::to_value(&self.0) {
                SERIALIZED.with(|c| {
                    if let Some(found) = c.borrow_mut().as_mut() {
                        found.push(text);
                    }
                });
            }
        }
        self.0.serialize(serializer)
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Secret<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        T::deserialize(deserializer).map(Self)
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
}
