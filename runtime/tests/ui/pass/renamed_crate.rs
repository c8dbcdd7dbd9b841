//! The derives name tallyho by the path `#[label(crate = "...")]` gives, as where the
//! dependency is renamed (`metrics = { package = "tallyho" }`) or re-exported by a facade.

mod facade {
    pub use tallyho as metrics;
}

#[derive(facade::metrics::LabelSet)]
#[label(crate = "facade::metrics")]
struct Labels {
    region: Region,
}

#[derive(facade::metrics::LabelValue)]
#[label(crate = "facade::metrics")]
enum Region {
    Eu,
    Us,
}

static ORDERS: facade::metrics::CounterGroup<Labels> =
    facade::metrics::CounterGroup::new("orders");

fn main() {
    ORDERS.with(Labels { region: Region::Us }).increment();
    assert_eq!(ORDERS.with(Labels { region: Region::Us }).get(), 1);
}
