//! The checks by area: names, labels, cardinality. What each rule is (code, severity, page)
//! lives in the catalogue; these modules decide where it is broken.

mod builtin;
mod cardinality;
mod labels;
mod names;

pub use builtin::{Builtin, BuiltinLabel, RouteSet};
pub(crate) use cardinality::check_cardinality;
pub use cardinality::Service;
pub(crate) use labels::check_labels;
pub(crate) use names::check_names;
