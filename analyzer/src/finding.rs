//! Findings: what a rule reports, with the spans and help a reader needs to fix it.

use crate::catalogue::Rule;
use crate::severity::Severity;
use crate::source::Span;

/// One problem found, pointing at the source that causes it.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Finding {
    /// The rule broken; serialized as its stable code (`name.duplicate`).
    pub code: Rule,
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

crate::codec_struct!(Finding {
    code,
    severity,
    message,
    span,
    label,
    related,
    help,
});

impl Finding {
    /// A finding of `code` at its default severity; `tallyho.yaml` may change it later.
    pub(crate) fn new(code: Rule, span: Span, message: impl Into<String>) -> Finding {
        Finding {
            code,
            severity: code.default_severity(),
            message: message.into(),
            span,
            label: String::new(),
            related: Vec::new(),
            help: String::new(),
        }
    }

    /// What the primary span shows.
    pub(crate) fn label(mut self, label: impl Into<String>) -> Finding {
        self.label = label.into();
        self
    }

    /// How to fix it.
    pub(crate) fn help(mut self, help: impl Into<String>) -> Finding {
        self.help = help.into();
        self
    }

    /// Another place that takes part, with what it shows.
    pub(crate) fn related(mut self, span: Span, label: impl Into<String>) -> Finding {
        self.related.push((span, label.into()));
        self
    }
}
