struct Region;

#[derive(tallyho::LabelSet)]
struct Labels {
    region: Region,
}

fn main() {}
