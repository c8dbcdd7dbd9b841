//! The label sets of the request metrics, over slots resolved once per request: the route
//! and method are looked up when the request arrives and reused for all three metrics.

use tallyho_spec::builtin::http::{
    MAX_ROUTES, MAX_STATUS_CODES, METHODS, METHOD_LABEL, ROUTE_LABEL, STATUS_CLASSES,
    STATUS_CLASS_LABEL, STATUS_CODE_LABEL,
};

use crate::interner::Interner;
use crate::labels::{cardinality, Domain, Field, LabelSet};
use crate::shard::{rows_for, Row};
use crate::value::ConstZero;

/// Route templates seen or declared; bounded by the service's declared routes.
pub(super) static ROUTES: Interner = Interner::new(MAX_ROUTES);
/// The methods recorded by name; any other is the `_OTHER` value, interned with them.
pub(super) static METHOD_NAMES: Interner = Interner::new(METHODS.len() + 1);
/// Status codes, as three digits.
pub(super) static STATUS_CODES: Interner = Interner::new(MAX_STATUS_CODES);
/// Status classes, interned as they occur so only `2xx` exports ahead of use.
pub(super) static STATUS_CLASS_NAMES: Interner = Interner::new(STATUS_CLASSES.len());

// Each bound is written again beside its interner: constant evaluation cannot read it there.
const ROUTE: Field = bounded(ROUTE_LABEL, MAX_ROUTES, &ROUTES);
const METHOD: Field = bounded(METHOD_LABEL, METHODS.len() + 1, &METHOD_NAMES);
const STATUS_CODE: Field = bounded(STATUS_CODE_LABEL, MAX_STATUS_CODES, &STATUS_CODES);
const STATUS_CLASS: Field = bounded(
    STATUS_CLASS_LABEL,
    STATUS_CLASSES.len(),
    &STATUS_CLASS_NAMES,
);

const fn bounded(key: &'static str, max_values: usize, interner: &'static Interner) -> Field {
    Field {
        key,
        domain: Domain::Bounded {
            max_values,
            interner,
        },
    }
}

/// Mixed-radix index over slots, in field order.
fn index(fields: &[Field], slots: &[usize]) -> usize {
    fields
        .iter()
        .zip(slots)
        .fold(0, |index, (field, slot)| index * field.domain.size() + slot)
}

/// Declares a label set whose fields are already slots.
macro_rules! slot_label_set {
    ($(#[$doc:meta])* $name:ident { $($field:ident: $descriptor:ident),+ }) => {
        $(#[$doc])*
        #[derive(Clone, Copy)]
        pub(super) struct $name {
            $(pub(super) $field: usize,)+
        }

        impl LabelSet for $name {
            const FIELDS: &'static [Field] = &[$($descriptor),+];
            const CARDINALITY: usize = cardinality(Self::FIELDS);
            type Cells<C: ConstZero> = [C; <$name as LabelSet>::CARDINALITY];
            type Shards<C: ConstZero> =
                [Row<[C; <$name as LabelSet>::CARDINALITY]>; rows_for(<$name as LabelSet>::CARDINALITY)];

            #[inline]
            fn index(&self) -> usize {
                index(Self::FIELDS, &[$(self.$field),+])
            }
        }
    };
}

slot_label_set! {
    /// `http_server_requests_total`'s labels.
    RequestKey { route: ROUTE, method: METHOD, status_code: STATUS_CODE }
}

slot_label_set! {
    /// `http_server_request_duration_seconds`'s labels.
    DurationKey { route: ROUTE, method: METHOD, status_class: STATUS_CLASS }
}

slot_label_set! {
    /// `http_server_active_requests`'s labels.
    ActiveKey { route: ROUTE, method: METHOD }
}
