//! Serde for the `tallyho-spec` enums (std-only, so without serde of their own): each is
//! written as its `as_str` spelling and read back with `from_name`, so the manifest's text
//! is the spec's and a misspelling is an error naming what is accepted.

use std::fmt;

use serde::{Deserialize, Deserializer, Serializer};
use tallyho_spec::{Kind, Unit, ValueType};

/// A spec enum with one spelling per variant.
pub(crate) trait Spelled: Sized + Copy + 'static {
    /// What the field holds, for errors.
    const WHAT: &'static str;
    /// Every variant.
    const ALL: &'static [Self];
    /// The spelling.
    fn spelling(self) -> &'static str;
}

impl Spelled for Kind {
    const WHAT: &'static str = "kind";
    const ALL: &'static [Kind] = Kind::ALL;
    fn spelling(self) -> &'static str {
        self.as_str()
    }
}

impl Spelled for ValueType {
    const WHAT: &'static str = "value type";
    const ALL: &'static [ValueType] = ValueType::ALL;
    fn spelling(self) -> &'static str {
        self.as_str()
    }
}

impl Spelled for Unit {
    const WHAT: &'static str = "unit";
    const ALL: &'static [Unit] = Unit::ALL;
    fn spelling(self) -> &'static str {
        self.as_str()
    }
}

/// The variant spelled `name`, or an error listing the spellings.
fn parse<T: Spelled, E: serde::de::Error>(name: &str) -> Result<T, E> {
    T::ALL
        .iter()
        .copied()
        .find(|v| v.spelling() == name)
        .ok_or_else(|| E::custom(Unknown::<T>(name, std::marker::PhantomData)))
}

/// "unknown kind `x`, expected one of counter, gauge, histogram".
struct Unknown<'a, T>(&'a str, std::marker::PhantomData<T>);

impl<T: Spelled> fmt::Display for Unknown<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let expected: Vec<&str> = T::ALL.iter().map(|v| v.spelling()).collect();
        write!(
            f,
            "unknown {} `{}`, expected one of {}",
            T::WHAT,
            self.0,
            expected.join(", ")
        )
    }
}

/// `#[serde(with = "spelling")]` on a required field.
pub(crate) fn serialize<T: Spelled, S: Serializer>(value: &T, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(value.spelling())
}

/// `#[serde(with = "spelling")]` on a required field.
pub(crate) fn deserialize<'de, T: Spelled, D: Deserializer<'de>>(d: D) -> Result<T, D::Error> {
    parse(&String::deserialize(d)?)
}

/// `#[serde(with = "spelling::option")]` on an optional field.
pub(crate) mod option {
    use super::*;

    /// Writes the spelling; `skip_serializing_if` leaves `None` out.
    pub(crate) fn serialize<T: Spelled, S: Serializer>(
        value: &Option<T>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        match value {
            Some(v) => s.serialize_some(v.spelling()),
            None => s.serialize_none(),
        }
    }

    /// Reads the spelling, if present.
    pub(crate) fn deserialize<'de, T: Spelled, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<T>, D::Error> {
        Option::<String>::deserialize(d)?
            .map(|name| parse(&name))
            .transpose()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, PartialEq, serde::Serialize, serde::Deserialize)]
    struct Typed {
        #[serde(with = "super")]
        kind: Kind,
        #[serde(with = "super::option", default)]
        unit: Option<Unit>,
    }

    #[test]
    fn spellings_round_trip_and_misspellings_are_errors() {
        let typed = Typed {
            kind: Kind::Histogram,
            unit: Some(Unit::Seconds),
        };
        let json = serde_json::to_string(&typed).unwrap();
        assert_eq!(json, r#"{"kind":"histogram","unit":"seconds"}"#);
        assert_eq!(serde_json::from_str::<Typed>(&json).unwrap(), typed);
        let error = serde_json::from_str::<Typed>(r#"{"kind":"summary"}"#).unwrap_err();
        assert!(
            error
                .to_string()
                .contains("unknown kind `summary`, expected one of counter, gauge, histogram"),
            "{error}"
        );
        assert_eq!(
            serde_json::from_str::<Typed>(r#"{"kind":"gauge"}"#)
                .unwrap()
                .unit,
            None
        );
    }
}
