#[derive(tallyho::LabelSet)]
struct Labels {
    #[label(max_values = 5)]
    cached: bool,
}

fn main() {}
