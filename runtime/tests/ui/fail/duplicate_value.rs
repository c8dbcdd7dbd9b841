#[derive(tallyho::LabelValue)]
enum Region {
    Eu,
    #[label(rename = "eu")]
    Europe,
}

fn main() {}
