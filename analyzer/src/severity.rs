//! How much a finding matters: a leaf module, so the catalogue and findings can both use it.

/// How much a finding matters. Per-rule severities come from the catalogue and `tallyho.yaml`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// Reported, and fails `cargo tallyho check` and the build.
    Error,
    /// Reported only.
    Warning,
    /// Not reported (configuration only).
    Off,
}

impl Severity {
    /// The severity `tallyho.yaml` names: `error`, `warning` (or `warn`), `off` (or
    /// `allow`).
    pub fn from_word(word: &str) -> Option<Severity> {
        match word {
            "error" => Some(Severity::Error),
            "warning" | "warn" => Some(Severity::Warning),
            "off" | "allow" => Some(Severity::Off),
            _ => None,
        }
    }

    /// The word `tallyho.yaml` and `explain` use for it.
    pub const fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Off => "off",
        }
    }
}
