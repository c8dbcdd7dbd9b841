//! Serde for the spec's enums by their spelling (`counter`, `u64`, `seconds`): the spec crate
//! is std-only, and the scan cache and manifest keep the words they always had.

use serde::{Deserialize, Deserializer, Serializer};
use tallyho_spec::{Kind, Unit, ValueType};

/// A spec enum with one word per value.
pub(crate) trait Spelled: Sized + Copy {
    /// The word for `self`.
    fn spelling(self) -> &'static str;
    /// The value spelled `word`.
    fn from_spelling(word: &str) -> Option<Self>;
}

impl Spelled for Kind {
    fn spelling(self) -> &'static str {
        self.as_str()
    }
    fn from_spelling(word: &str) -> Option<Self> {
        Kind::from_name(word)
    }
}

impl Spelled for ValueType {
    fn spelling(self) -> &'static str {
        self.as_str()
    }
    fn from_spelling(word: &str) -> Option<Self> {
        ValueType::from_name(word)
    }
}

impl Spelled for Unit {
    fn spelling(self) -> &'static str {
        self.as_str()
    }
    fn from_spelling(word: &str) -> Option<Self> {
        Unit::from_name(word)
    }
}

/// `#[serde(with = "spelled")]`.
pub(crate) fn serialize<T: Spelled, S: Serializer>(value: &T, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(value.spelling())
}

/// `#[serde(with = "spelled")]`.
pub(crate) fn deserialize<'de, T: Spelled, D: Deserializer<'de>>(d: D) -> Result<T, D::Error> {
    let word = String::deserialize(d)?;
    T::from_spelling(&word).ok_or_else(|| serde::de::Error::custom(format!("unknown `{word}`")))
}

/// `#[serde(with = "spelled::option")]`.
pub(crate) mod option {
    use super::Spelled;
    use serde::{Deserialize, Deserializer, Serializer};

    /// `None` as null, else the word.
    pub(crate) fn serialize<T: Spelled, S: Serializer>(
        value: &Option<T>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        match value {
            Some(value) => s.serialize_some(value.spelling()),
            None => s.serialize_none(),
        }
    }

    /// Null as `None`, else the value the word spells.
    pub(crate) fn deserialize<'de, T: Spelled, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<T>, D::Error> {
        Option::<String>::deserialize(d)?
            .map(|word| {
                T::from_spelling(&word)
                    .ok_or_else(|| serde::de::Error::custom(format!("unknown `{word}`")))
            })
            .transpose()
    }
}
