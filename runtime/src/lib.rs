//! Typed metrics for Rust services, declared as plain `static`s, checked at build time by
//! `tallyho-build`, and exported to Prometheus with near-zero overhead on the update path.
//!
//! ```
//! use tallyho::{CounterGroup, LabelSet, LabelValue};
//!
//! #[derive(LabelSet)]
//! pub struct OrderLabels { pub success: bool, pub region: Region }
//!
//! #[derive(LabelValue)]
//! pub enum Region { Eu, Us, Apac }
//!
//! /// Orders processed, by outcome and region.
//! pub static ORDERS: CounterGroup<OrderLabels> = CounterGroup::new("orders");
//!
//! ORDERS.with(OrderLabels { success: true, region: Region::Eu }).increment();
//! let text = tallyho::encode(tallyho::Format::Prometheus);
//! assert!(text.contains(r#"orders_total{service="#));
//! ```
//!
//! Updating a metric is an atomic add on a cell inline in the `static`; a labelled update
//! first turns the label struct into an array index (the derive's mixed-radix `index()`).
//! Each metric joins the global registry on first use, and [`Descriptor`]s let generated code
//! register untouched metrics up front. [`encode`] and [`serve`] export the registry as
//! Prometheus text 0.0.4 or OpenMetrics 1.0.

// The derives name `::tallyho`; this lets the runtime derive its own label sets.
extern crate self as tallyho;

mod build_info;
mod collect;
mod counter;
mod escape;
mod exposition;
mod family;
mod gauge;
mod histogram;
mod http;
mod interner;
mod labels;
mod metadata;
mod process;
#[cfg(feature = "_push")]
pub mod push;
mod registry;
pub mod requests;
mod series;
mod service;
mod shard;
mod value;

pub use build_info::{set_build_info, BuildInfo};
pub use collect::{collect, HistogramSample, Sample, Series, Visitor};
pub use counter::{Counter, CounterGroup, CounterRef};
pub use exposition::{encode, encode_into, scrape_response, Format, ScrapeResponse};
pub use gauge::{Gauge, GaugeGroup, GaugeRef, InFlight};
pub use histogram::{Histogram, HistogramGroup, HistogramRef, Timer, DEFAULT_BUCKETS};
pub use http::{
    serve, Builder as MetricsServerBuilder, MetricsServer, MAX_CONNECTIONS, MAX_REQUEST_BYTES,
    REQUEST_TIMEOUT,
};
pub use interner::Interner;
pub use labels::{Domain, Field, LabelSet, LabelValue, OVERFLOW_VALUE};
pub use metadata::{Kind, Meta, Unit};
pub use process::register_process_metrics;
pub use registry::Descriptor;
pub use service::{service, set_service, ServiceAlreadySet};
pub use tallyho_derive::{LabelSet, LabelValue};
pub use tallyho_spec::{ValueType, MAX_LABEL_VALUE_BYTES};
pub use value::{ConstZero, Value};

/// Includes the registry `tallyho-build` generated for this package and registers it, so
/// every metric the package links exports from the first scrape (HELP from doc comments, zero
/// values for every finite label combination) and the `service` label is the service's name.
///
/// Call it first thing in `main`, with `tallyho_build::Builder::new().compile()` in `build.rs`:
///
/// ```ignore
/// fn main() {
///     tallyho::include_registry!();
///     // ...
/// }
/// ```
///
/// The generated file names the runtime `tallyho`, which this macro binds to the runtime
/// however the dependency is named (`metrics = { package = "tallyho" }` works).
#[macro_export]
macro_rules! include_registry {
    () => {{
        #[allow(unused_imports)]
        use $crate as tallyho;
        include!(concat!(
            env!(
                "OUT_DIR",
                "tallyho::include_registry!() includes the registry tallyho-build writes: add \
                 `tallyho-build` to [build-dependencies] and a build.rs containing \
                 `fn main() { tallyho_build::Builder::new().compile().unwrap(); }`"
            ),
            "/tallyho_registry.rs"
        ))
    }};
}

/// Items the derives expand to; not a public API.
#[doc(hidden)]
pub mod __private {
    pub use crate::labels::cardinality;
    pub use crate::shard::{rows_for, Row};
}
