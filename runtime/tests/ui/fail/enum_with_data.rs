#[derive(tallyho::LabelValue)]
enum Outcome {
    Ok,
    Failed(String),
}

fn main() {}
