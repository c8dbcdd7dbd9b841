#[derive(tallyho::LabelSet)]
struct Labels {
    #[label(max_values = 5)]
    user: Option<String>,
}

fn main() {}
