use std::marker::PhantomData;

#[derive(tallyho::LabelValue)]
enum Region<T> {
    Eu,
    Us,
    #[allow(dead_code)]
    Never(PhantomData<T>),
}

fn main() {}
