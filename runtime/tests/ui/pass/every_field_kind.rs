use tallyho::{CounterGroup, LabelSet, LabelValue};

#[derive(LabelValue)]
enum Tier {
    Free,
    #[label(rename = "paid-pro")]
    PaidPro,
}

#[derive(LabelSet)]
struct Labels {
    cached: bool,
    tier: Option<Tier>,
    #[label(rename = "kind")]
    r#type: Tier,
    #[label(max_values = 10)]
    route: &'static str,
    #[label(max_values = 3)]
    user: String,
    #[label(max_values = 4)]
    shard: u8,
}

static HITS: CounterGroup<Labels> = CounterGroup::new("hits");

fn main() {
    assert_eq!(<Labels as LabelSet>::CARDINALITY, 2 * 3 * 2 * 11 * 4 * 5);
    assert_eq!(<Tier as LabelValue>::VALUES, &["free", "paid-pro"]);
    let labels = Labels { cached: true, tier: None, r#type: Tier::PaidPro, route: "/", user: "u".into(), shard: 1 };
    HITS.with(&labels).increment();
    assert_eq!(HITS.with(labels).get(), 1);
}
