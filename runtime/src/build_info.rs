//! `tallyho_build_info`: one gauge series of value 1 whose labels say which build of the
//! service is running (version, VCS revision, compiler, target, profile), so a dashboard or
//! an alert can join any metric to the build that produced it.

use std::sync::OnceLock;

use tallyho_spec::builtin::build_info::{LABELS, METRIC};

use crate::interner::Interner;
use crate::labels::{cardinality, Domain, Field, LabelSet};
use crate::shard::{rows_for, Row};
use crate::value::ConstZero;
use crate::GaugeGroup;

/// What was built: the generated registry fills it in from the build step's environment.
#[derive(Debug, Clone, Copy, Default)]
pub struct BuildInfo {
    /// The package version (`CARGO_PKG_VERSION`).
    pub version: &'static str,
    /// The VCS revision the build came from; empty when unknown.
    pub revision: &'static str,
    /// `rustc -V` of the compiler.
    pub rustc_version: &'static str,
    /// The target triple.
    pub target: &'static str,
    /// The cargo profile (`debug`, `release`).
    pub profile: &'static str,
}

/// Sets the build information and registers `tallyho_build_info`; the first call stands.
pub fn set_build_info(info: BuildInfo) {
    static SET: OnceLock<()> = OnceLock::new();
    SET.get_or_init(|| {
        let values = [
            info.version,
            info.revision,
            info.rustc_version,
            info.target,
            info.profile,
        ];
        for (interner, value) in VALUES.iter().zip(values) {
            interner.intern(value);
        }
        BUILD_INFO.with(OneBuild).set(1);
    });
}

/// Each label holds one value, interned once: the series is slot 0 of every label.
static VALUES: [Interner; LABELS.len()] = [const { Interner::new(1) }; LABELS.len()];

static BUILD_INFO: GaugeGroup<OneBuild, u64> = GaugeGroup::new(METRIC.name).help(METRIC.help);

const fn field(i: usize) -> Field {
    Field {
        key: LABELS[i],
        domain: Domain::Bounded {
            max_values: 1,
            interner: &VALUES[i],
        },
    }
}

/// The label set of the one build: every label at its first (only) slot.
struct OneBuild;

impl LabelSet for OneBuild {
    const FIELDS: &'static [Field] = &[field(0), field(1), field(2), field(3), field(4)];
    const CARDINALITY: usize = cardinality(Self::FIELDS);
    type Cells<C: ConstZero> = [C; <OneBuild as LabelSet>::CARDINALITY];
    type Shards<C: ConstZero> = [Row<[C; <OneBuild as LabelSet>::CARDINALITY]>;
        rows_for(<OneBuild as LabelSet>::CARDINALITY)];

    fn index(&self) -> usize {
        0
    }
}
