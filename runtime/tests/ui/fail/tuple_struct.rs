#[derive(tallyho::LabelSet)]
struct Labels(bool);

fn main() {}
