#[derive(tallyho::LabelSet)]
struct Labels<T> {
    flag: bool,
    other: T,
}

fn main() {}
