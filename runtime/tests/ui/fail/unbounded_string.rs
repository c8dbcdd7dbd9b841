#[derive(tallyho::LabelSet)]
struct Labels {
    customer: String,
}

fn main() {}
