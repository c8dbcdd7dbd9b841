//! The 18 series of the labelled benchmarks, 3 methods x 6 routes, as each peer's label types.
//! Shared by `peers.rs` and `contended.rs` (`#[path]`), so both time the same labels.

#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Hash,
    tallyho::LabelValue,
    measured::FixedCardinalityLabel,
    prometheus_client::encoding::EncodeLabelValue,
)]
pub enum Method {
    Get,
    Post,
    Delete,
}

#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Hash,
    tallyho::LabelValue,
    measured::FixedCardinalityLabel,
    prometheus_client::encoding::EncodeLabelValue,
)]
pub enum Route {
    Users,
    User,
    Products,
    Product,
    Owner,
    Purchase,
}

pub const METHODS: [Method; 3] = [Method::Get, Method::Post, Method::Delete];
pub const ROUTES: [Route; 6] = [
    Route::Users,
    Route::User,
    Route::Products,
    Route::Product,
    Route::Owner,
    Route::Purchase,
];

impl Method {
    pub fn as_str(self) -> &'static str {
        ["get", "post", "delete"][self as usize]
    }
}

impl Route {
    pub fn as_str(self) -> &'static str {
        ["users", "user", "products", "product", "owner", "purchase"][self as usize]
    }
}

#[derive(tallyho::LabelSet)]
pub struct Tallyho {
    pub method: Method,
    pub route: Route,
}

#[derive(Clone, Copy, measured::LabelGroup)]
#[label(set = MeasuredSet)]
pub struct Measured {
    pub method: Method,
    pub route: Route,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, prometheus_client::encoding::EncodeLabelSet)]
pub struct PrometheusClient {
    pub method: Method,
    pub route: Route,
}
