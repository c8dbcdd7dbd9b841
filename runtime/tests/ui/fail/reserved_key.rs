#[derive(tallyho::LabelSet)]
struct Labels {
    le: bool,
}

fn main() {}
