#[derive(tallyho::LabelSet)]
struct Labels {
    #[label(rename = "service")]
    owner: bool,
}

fn main() {}
