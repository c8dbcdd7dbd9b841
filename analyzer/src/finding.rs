//! Findings: what a rule reports, with the spans and help a reader needs to fix it.

use serde::{Deserialize, Serialize};

use crate::source::Span;

/// How much a finding matters. Per-rule severities come from the catalogue and `tallyho.yaml`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Reported, and fails `cargo tallyho check` and the build.
    Error,
    /// Reported only.
    #[serde(alias = "warn")]
    Warning,
    /// Not reported (configuration only).
    #[serde(alias = "allow")]
    Off,
}

/// One problem found, pointing at the source that causes it.
#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    /// The rule's stable code (`name.duplicate`); `cargo tallyho explain` takes it.
    pub code: &'static str,
    /// Set from the rule's default and the configuration.
    pub severity: Severity,
    /// One sentence saying what is wrong.
    pub message: String,
    /// Where it is wrong.
    pub span: Span,
    /// What the primary span shows, in a few words.
    pub label: String,
    /// Other places that take part (the first declaration of a duplicate name, a wide field).
    pub related: Vec<(Span, String)>,
    /// How to fix it.
    pub help: String,
}

impl Finding {
    pub(crate) fn new(code: &'static str, span: Span, message: impl Into<String>) -> Finding {
        let severity =
            crate::rules::rule(code).map_or(Severity::Error, |rule| rule.default_severity);
        Finding {
            code,
            severity,
            message: message.into(),
            span,
            label: String::new(),
            related: Vec::new(),
            help: String::new(),
        }
    }

    pub(crate) fn label(mut self, label: impl Into<String>) -> Finding {
        self.label = label.into();
        self
    }

    pub(crate) fn help(mut self, help: impl Into<String>) -> Finding {
        self.help = help.into();
        self
    }

    pub(crate) fn related(mut self, span: Span, label: impl Into<String>) -> Finding {
        self.related.push((span, label.into()));
        self
    }
}

/// A finding as read back from a cache: its code becomes the catalogue's `&'static str` again.
#[derive(Deserialize)]
struct OwnedFinding {
    code: String,
    severity: Severity,
    message: String,
    span: Span,
    label: String,
    related: Vec<(Span, String)>,
    help: String,
}

// By hand: a derived impl would demand `'de: 'static` for the `&'static str` code.
impl<'de> Deserialize<'de> for Finding {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Finding, D::Error> {
        let f = OwnedFinding::deserialize(deserializer)?;
        let rule = crate::rules::rule(&f.code)
            .ok_or_else(|| serde::de::Error::custom(format!("unknown rule code `{}`", f.code)))?;
        Ok(Finding {
            code: rule.code,
            severity: f.severity,
            message: f.message,
            span: f.span,
            label: f.label,
            related: f.related,
            help: f.help,
        })
    }
}
