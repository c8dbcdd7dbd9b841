#[derive(tallyho::LabelSet)]
struct Labels {
    #[label(rename = "http-method")]
    method: bool,
}

fn main() {}
