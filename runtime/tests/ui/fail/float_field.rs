#[derive(tallyho::LabelSet)]
struct Labels {
    ratio: f64,
}

fn main() {}
