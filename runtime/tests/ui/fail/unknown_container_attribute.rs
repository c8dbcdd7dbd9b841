#[derive(tallyho::LabelSet)]
#[label(krate = "tallyho")]
struct Labels {
    ok: bool,
}

fn main() {}
