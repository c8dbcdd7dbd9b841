//! What every metric family declares about itself: name, kind, help text and unit.

pub use tallyho_spec::{Kind, Unit};

/// The descriptive half of a metric family, shared by live metrics and [`Descriptor`]s.
///
/// [`Descriptor`]: crate::Descriptor
#[derive(Debug, Clone, Copy)]
pub struct Meta {
    pub(crate) name: &'static str,
    pub(crate) kind: Kind,
    pub(crate) help: &'static str,
    pub(crate) unit: Option<Unit>,
}

impl Meta {
    /// Checks `name` at compile time: a declaration with an invalid name does not build.
    pub(crate) const fn new(name: &'static str, kind: Kind) -> Meta {
        // The analyzer gives the same verdict at build time: one rule, in tallyho-spec.
        if let Err(problem) = tallyho_spec::check_name(name) {
            panic!("{}", problem.message());
        }
        Meta {
            name,
            kind,
            help: "",
            unit: None,
        }
    }

    /// The same metadata with `help`, for a live metric borrowing a descriptor's doc comment.
    pub(crate) const fn with_help(mut self, help: &'static str) -> Meta {
        self.help = help;
        self
    }

    /// The same metadata with `unit`.
    pub(crate) const fn with_unit(mut self, unit: Unit) -> Meta {
        self.unit = Some(unit);
        self
    }

    /// The family name, without the `_total` a counter is exported with.
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// The family kind.
    pub fn kind(&self) -> Kind {
        self.kind
    }

    /// The help text (empty when none was given).
    pub fn help(&self) -> &'static str {
        self.help
    }

    /// The declared unit.
    pub fn unit(&self) -> Option<Unit> {
        self.unit
    }
}

/// Checks at compile time that bucket bounds are finite and strictly increasing.
pub(crate) const fn checked_buckets(bounds: &'static [f64]) -> &'static [f64] {
    let mut i = 0;
    while i < bounds.len() {
        assert!(
            bounds[i].is_finite(),
            "histogram bucket bounds must be finite"
        );
        assert!(
            i == 0 || bounds[i - 1] < bounds[i],
            "histogram bucket bounds must increase"
        );
        i += 1;
    }
    bounds
}
