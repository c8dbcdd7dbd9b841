#[derive(tallyho::LabelSet)]
struct Labels {
    region: bool,
    #[label(rename = "region")]
    zone: bool,
}

fn main() {}
