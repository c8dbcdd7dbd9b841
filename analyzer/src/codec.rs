//! The binary encoding of the on-disk caches (the scan cache, `cargo tallyho check`'s repeat
//! cache, the build step's cache in `OUT_DIR`): compact, fast, and without serde, so a build
//! script compiles no derive macros for them.
//!
//! Integers and lengths are LEB128 varints (canonical: no padding bytes), `f64` its 8 bits,
//! strings a length and UTF-8 (checked), a sequence its length and the items, an enum its
//! variant's tag and the fields, a struct its fields in order. Hash maps and sets are written
//! in the order of their encoded keys, so one value always encodes to the same bytes.
//!
//! Types implement [`Encode`] and [`Decode`] with [`codec_struct!`](crate::codec_struct) and
//! [`codec_enum!`](crate::codec_enum), which destructure every field: a field added to a
//! cached type without its codec is a compile error.
//!
//! A cache file may be anything (an older format, a damaged disk, another program's file),
//! so decoding never panics, allocates in proportion to the input, recurses at most
//! [`MAX_DEPTH`] levels and answers `None` for anything but one whole value; a file also
//! carries a magic string and a checksum ([`encode_file`], [`decode_file`]).

use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasher, Hash};
use std::ops::Range;
use std::path::PathBuf;

use tallyho_spec::{Kind, Unit, ValueType};

use crate::catalogue::Rule;
use crate::severity::Severity;

/// How many structs and enums deep a value may nest: bounds the decoder's recursion (and
/// its stack) on a hostile file. Scans nest far less (routers inside routers, `Option`s of
/// label types); a deeper one only makes its cache unreadable, so it is analyzed again.
pub const MAX_DEPTH: usize = 128;

/// A value that can be written into a cache.
pub trait Encode {
    /// Appends the value's encoding to `out`.
    fn encode(&self, out: &mut Vec<u8>);
}

/// A value that can be read back from a cache: `None` for any input that is not an encoding
/// of one, never a panic.
pub trait Decode: Sized {
    /// Reads one value from the front of `input`.
    fn decode(input: &mut Reader<'_>) -> Option<Self>;
}

/// The bytes still to decode, and how deep the decoder is.
#[derive(Debug)]
pub struct Reader<'a> {
    bytes: &'a [u8],
    depth: usize,
}

impl<'a> Reader<'a> {
    /// A reader at the start of `bytes`.
    pub fn new(bytes: &'a [u8]) -> Reader<'a> {
        Reader { bytes, depth: 0 }
    }

    /// How many bytes are left: no length read later can be larger.
    pub fn remaining(&self) -> usize {
        self.bytes.len()
    }

    /// One byte.
    #[inline]
    pub fn byte(&mut self) -> Option<u8> {
        let (&first, rest) = self.bytes.split_first()?;
        self.bytes = rest;
        Some(first)
    }

    /// The next `len` bytes, if there are as many.
    #[inline]
    pub fn bytes(&mut self, len: usize) -> Option<&'a [u8]> {
        if len > self.bytes.len() {
            return None;
        }
        let (taken, rest) = self.bytes.split_at(len);
        self.bytes = rest;
        Some(taken)
    }

    /// A string: its length, then UTF-8.
    #[inline]
    pub fn str(&mut self) -> Option<&'a str> {
        let len = self.length()?;
        std::str::from_utf8(self.bytes(len)?).ok()
    }

    /// An unsigned LEB128 varint of at most 64 bits, in its shortest form.
    #[inline]
    pub fn varint(&mut self) -> Option<u64> {
        let mut value = 0u64;
        let mut shift = 0;
        loop {
            let byte = self.byte()?;
            let bits = u64::from(byte & 0x7f);
            // The tenth byte holds bit 63 only.
            if shift == 63 && bits > 1 {
                return None;
            }
            value |= bits << shift;
            if byte & 0x80 == 0 {
                // A last byte of zero would be padding (but `0` itself is one zero byte).
                return (byte != 0 || shift == 0).then_some(value);
            }
            shift += 7;
            if shift > 63 {
                return None;
            }
        }
    }

    /// An unsigned LEB128 varint of at most 128 bits, in its shortest form.
    pub fn varint128(&mut self) -> Option<u128> {
        let mut value = 0u128;
        let mut shift = 0;
        loop {
            let byte = self.byte()?;
            let bits = u128::from(byte & 0x7f);
            // The nineteenth byte holds bits 126 and 127 only.
            if shift == 126 && bits > 3 {
                return None;
            }
            value |= bits << shift;
            if byte & 0x80 == 0 {
                return (byte != 0 || shift == 0).then_some(value);
            }
            shift += 7;
            if shift > 126 {
                return None;
            }
        }
    }

    /// A length or a count of items, refused when larger than the bytes left: every byte
    /// string has that many bytes to come, and every item this codec writes takes a byte or
    /// more. Bounds both what a decoder allocates and how long it loops.
    #[inline]
    pub fn length(&mut self) -> Option<usize> {
        let len = usize::try_from(self.varint()?).ok()?;
        (len <= self.bytes.len()).then_some(len)
    }

    /// Runs `decode` one level deeper, refused past [`MAX_DEPTH`]: what every struct and
    /// enum decoder goes through, so a hostile file cannot exhaust the stack.
    #[inline]
    pub fn nested<T>(&mut self, decode: impl FnOnce(&mut Self) -> Option<T>) -> Option<T> {
        if self.depth >= MAX_DEPTH {
            return None;
        }
        self.depth += 1;
        let value = decode(self);
        self.depth -= 1;
        value
    }

    /// Room to reserve for `len` items of `T` before they are decoded: no more than the
    /// bytes left could hold, so a large length in a short file allocates little.
    fn capacity<T>(&self, len: usize) -> usize {
        len.min(self.bytes.len() / std::mem::size_of::<T>().max(1))
    }
}

/// Appends `value` as an unsigned LEB128 varint.
#[inline]
fn put_varint(out: &mut Vec<u8>, mut value: u64) {
    while value >= 0x80 {
        out.push(value as u8 | 0x80);
        value >>= 7;
    }
    out.push(value as u8);
}

/// The encoding of `value`.
pub fn encode<T: Encode + ?Sized>(value: &T) -> Vec<u8> {
    let mut out = Vec::new();
    value.encode(&mut out);
    out
}

/// The value `bytes` encode, if they are exactly one encoding of a `T` (nothing left over).
pub fn decode<T: Decode>(bytes: &[u8]) -> Option<T> {
    let mut input = Reader::new(bytes);
    let value = T::decode(&mut input)?;
    (input.remaining() == 0).then_some(value)
}

/// A cache file's contents: `magic` (which cache, which format), a checksum of the rest, and
/// the value. Another cache, an older format or a damaged file is then refused as a whole
/// by [`decode_file`], before any of it is believed.
pub fn encode_file<T: Encode + ?Sized>(magic: &[u8; 8], value: &T) -> Vec<u8> {
    let mut out = Vec::with_capacity(1 << 12);
    out.extend_from_slice(magic);
    out.extend_from_slice(&[0; 8]);
    value.encode(&mut out);
    let sum = checksum(&out[16..]);
    out[8..16].copy_from_slice(&sum.to_le_bytes());
    out
}

/// The value of a file [`encode_file`] wrote with the same `magic`; `None` for anything
/// else (a JSON cache of an older tallyho, a truncated or damaged file).
pub fn decode_file<T: Decode>(magic: &[u8; 8], bytes: &[u8]) -> Option<T> {
    if bytes.len() < 16 || bytes[..8] != magic[..] {
        return None;
    }
    let (sum, payload) = bytes[8..].split_at(8);
    if sum != checksum(payload).to_le_bytes() {
        return None;
    }
    decode(payload)
}

/// A 64-bit checksum of `bytes`, a word at a time. Every step is a bijection of the state, so
/// a change within one word (any flipped bits) always changes the sum, and a change of length
/// too; other damage goes unnoticed with odds of 2^-64.
fn checksum(bytes: &[u8]) -> u64 {
    const MULTIPLIER: u64 = 0x9e37_79b9_7f4a_7c15;
    let step = |hash: u64, word: u64| (hash ^ word).wrapping_mul(MULTIPLIER).rotate_left(29);
    let mut hash = step(0x243f_6a88_85a3_08d3, bytes.len() as u64);
    let mut words = bytes.chunks_exact(8);
    for word in &mut words {
        let mut buf = [0; 8];
        buf.copy_from_slice(word);
        hash = step(hash, u64::from_le_bytes(buf));
    }
    let mut tail = [0; 8];
    tail[..words.remainder().len()].copy_from_slice(words.remainder());
    hash = step(hash, u64::from_le_bytes(tail));
    hash ^ (hash >> 32)
}

/// Implements [`Encode`] and [`Decode`] for a struct, its fields in the order listed.
///
/// Every field must be listed (`Span { file, range }`, or `FileId(index)` for a tuple
/// struct, any names): the struct is destructured without `..`, so a field added later is a
/// compile error here until the codec writes it.
#[macro_export]
macro_rules! codec_struct {
    ($name:ident { $($field:ident),* $(,)? }) => {
        impl $crate::codec::Encode for $name {
            fn encode(&self, out: &mut ::std::vec::Vec<u8>) {
                let $name { $($field),* } = self;
                $($crate::codec::Encode::encode($field, out);)*
            }
        }

        impl $crate::codec::Decode for $name {
            fn decode(input: &mut $crate::codec::Reader<'_>) -> ::std::option::Option<Self> {
                input.nested(|input| {
                    $(let $field = $crate::codec::Decode::decode(input)?;)*
                    ::std::option::Option::Some($name { $($field),* })
                })
            }
        }
    };
    ($name:ident ( $($field:ident),* $(,)? )) => {
        impl $crate::codec::Encode for $name {
            fn encode(&self, out: &mut ::std::vec::Vec<u8>) {
                let $name($($field),*) = self;
                $($crate::codec::Encode::encode($field, out);)*
            }
        }

        impl $crate::codec::Decode for $name {
            fn decode(input: &mut $crate::codec::Reader<'_>) -> ::std::option::Option<Self> {
                input.nested(|input| {
                    $(let $field = $crate::codec::Decode::decode(input)?;)*
                    ::std::option::Option::Some($name($($field),*))
                })
            }
        }
    };
}

/// Implements [`Encode`] and [`Decode`] for an enum: each variant with an explicit tag (a
/// varint, written first) and its fields, named, in order.
///
/// ```text
/// codec_enum!(Domain {
///     0 => Finite(values),
///     1 => Bounded { max_values, open_type },
///     2 => Unbounded,
/// });
/// ```
///
/// Every variant must be listed (the encoder's `match` is exhaustive) and every field (the
/// patterns have no `..`). A tag, once written to caches, keeps its meaning: a new variant
/// takes a new tag.
#[macro_export]
macro_rules! codec_enum {
    ($name:ident { $($body:tt)* }) => {
        $crate::codec_enum!(@variants $name [] $($body)*);
    };
    // Each variant in turn, put in one shape: `(tag Variant)`, with `{..}` or `(..)` fields.
    (@variants $name:ident [$($done:tt)*]
        $tag:literal => $variant:ident { $($field:ident),* $(,)? } $(, $($rest:tt)*)?) => {
        $crate::codec_enum!(@variants $name [$($done)* ($tag $variant { $($field),* })] $($($rest)*)?);
    };
    (@variants $name:ident [$($done:tt)*]
        $tag:literal => $variant:ident ( $($field:ident),* $(,)? ) $(, $($rest:tt)*)?) => {
        $crate::codec_enum!(@variants $name [$($done)* ($tag $variant ( $($field),* ))] $($($rest)*)?);
    };
    (@variants $name:ident [$($done:tt)*] $tag:literal => $variant:ident $(, $($rest:tt)*)?) => {
        $crate::codec_enum!(@variants $name [$($done)* ($tag $variant)] $($($rest)*)?);
    };
    (@variants $name:ident [$(($tag:literal $variant:ident $($fields:tt)?))*]) => {
        impl $crate::codec::Encode for $name {
            fn encode(&self, out: &mut ::std::vec::Vec<u8>) {
                match self {
                    $($crate::codec_enum!(@pattern $name $variant $($fields)?) => {
                        let tag: u64 = $tag;
                        $crate::codec::Encode::encode(&tag, out);
                        $crate::codec_enum!(@encode out $($fields)?);
                    })*
                }
            }
        }

        impl $crate::codec::Decode for $name {
            fn decode(input: &mut $crate::codec::Reader<'_>) -> ::std::option::Option<Self> {
                input.nested(|input| match input.varint()? {
                    $($tag => $crate::codec_enum!(@decode input $name $variant $($fields)?),)*
                    _ => ::std::option::Option::None,
                })
            }
        }
    };
    (@pattern $name:ident $variant:ident) => { $name::$variant };
    (@pattern $name:ident $variant:ident { $($field:ident),* $(,)? }) => {
        $name::$variant { $($field),* }
    };
    (@pattern $name:ident $variant:ident ( $($field:ident),* $(,)? )) => {
        $name::$variant($($field),*)
    };
    (@encode $out:ident) => {};
    (@encode $out:ident { $($field:ident),* $(,)? }) => {
        $($crate::codec::Encode::encode($field, $out);)*
    };
    (@encode $out:ident ( $($field:ident),* $(,)? )) => {
        $($crate::codec::Encode::encode($field, $out);)*
    };
    (@decode $input:ident $name:ident $variant:ident) => {
        ::std::option::Option::Some($name::$variant)
    };
    (@decode $input:ident $name:ident $variant:ident { $($field:ident),* $(,)? }) => {{
        $(let $field = $crate::codec::Decode::decode($input)?;)*
        ::std::option::Option::Some($name::$variant { $($field),* })
    }};
    (@decode $input:ident $name:ident $variant:ident ( $($field:ident),* $(,)? )) => {{
        $(let $field = $crate::codec::Decode::decode($input)?;)*
        ::std::option::Option::Some($name::$variant($($field),*))
    }};
}

impl Encode for bool {
    fn encode(&self, out: &mut Vec<u8>) {
        out.push(u8::from(*self));
    }
}

impl Decode for bool {
    fn decode(input: &mut Reader<'_>) -> Option<Self> {
        match input.byte()? {
            0 => Some(false),
            1 => Some(true),
            _ => None,
        }
    }
}

impl Encode for u64 {
    #[inline]
    fn encode(&self, out: &mut Vec<u8>) {
        put_varint(out, *self);
    }
}

impl Decode for u64 {
    #[inline]
    fn decode(input: &mut Reader<'_>) -> Option<Self> {
        input.varint()
    }
}

impl Encode for u32 {
    fn encode(&self, out: &mut Vec<u8>) {
        put_varint(out, u64::from(*self));
    }
}

impl Decode for u32 {
    fn decode(input: &mut Reader<'_>) -> Option<Self> {
        u32::try_from(input.varint()?).ok()
    }
}

impl Encode for usize {
    #[inline]
    fn encode(&self, out: &mut Vec<u8>) {
        put_varint(out, *self as u64);
    }
}

impl Decode for usize {
    #[inline]
    fn decode(input: &mut Reader<'_>) -> Option<Self> {
        usize::try_from(input.varint()?).ok()
    }
}

impl Encode for u128 {
    fn encode(&self, out: &mut Vec<u8>) {
        let mut value = *self;
        while value >= 0x80 {
            out.push(value as u8 | 0x80);
            value >>= 7;
        }
        out.push(value as u8);
    }
}

impl Decode for u128 {
    fn decode(input: &mut Reader<'_>) -> Option<Self> {
        input.varint128()
    }
}

/// Its 8 bits, little-endian: every value (`-0.0`, NaNs) comes back as it was.
impl Encode for f64 {
    fn encode(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.to_bits().to_le_bytes());
    }
}

impl Decode for f64 {
    fn decode(input: &mut Reader<'_>) -> Option<Self> {
        let mut bits = [0; 8];
        bits.copy_from_slice(input.bytes(8)?);
        Some(f64::from_bits(u64::from_le_bytes(bits)))
    }
}

impl Encode for str {
    #[inline]
    fn encode(&self, out: &mut Vec<u8>) {
        self.len().encode(out);
        out.extend_from_slice(self.as_bytes());
    }
}

impl Encode for String {
    #[inline]
    fn encode(&self, out: &mut Vec<u8>) {
        self.as_str().encode(out);
    }
}

impl Decode for String {
    #[inline]
    fn decode(input: &mut Reader<'_>) -> Option<Self> {
        input.str().map(str::to_owned)
    }
}

/// On Unix the path's bytes as the OS gave them, so every path comes back exactly. Elsewhere
/// its UTF-8 text: a path that is not valid Unicode comes back altered, names no file, and
/// that file is only analyzed again (its cache entry never matches).
impl Encode for PathBuf {
    fn encode(&self, out: &mut Vec<u8>) {
        #[cfg(unix)]
        {
            use std::os::unix::ffi::OsStrExt;
            let bytes = self.as_os_str().as_bytes();
            bytes.len().encode(out);
            out.extend_from_slice(bytes);
        }
        #[cfg(not(unix))]
        self.to_string_lossy().encode(out);
    }
}

impl Decode for PathBuf {
    fn decode(input: &mut Reader<'_>) -> Option<Self> {
        #[cfg(unix)]
        {
            use std::os::unix::ffi::OsStrExt;
            let len = input.length()?;
            Some(std::ffi::OsStr::from_bytes(input.bytes(len)?).into())
        }
        #[cfg(not(unix))]
        input.str().map(PathBuf::from)
    }
}

impl<T: Encode> Encode for Option<T> {
    fn encode(&self, out: &mut Vec<u8>) {
        match self {
            None => out.push(0),
            Some(value) => {
                out.push(1);
                value.encode(out);
            }
        }
    }
}

impl<T: Decode> Decode for Option<T> {
    fn decode(input: &mut Reader<'_>) -> Option<Self> {
        match input.byte()? {
            0 => Some(None),
            1 => T::decode(input).map(Some),
            _ => None,
        }
    }
}

impl<T: Encode, E: Encode> Encode for Result<T, E> {
    fn encode(&self, out: &mut Vec<u8>) {
        match self {
            Ok(value) => {
                out.push(0);
                value.encode(out);
            }
            Err(error) => {
                out.push(1);
                error.encode(out);
            }
        }
    }
}

impl<T: Decode, E: Decode> Decode for Result<T, E> {
    fn decode(input: &mut Reader<'_>) -> Option<Self> {
        match input.byte()? {
            0 => T::decode(input).map(Ok),
            1 => E::decode(input).map(Err),
            _ => None,
        }
    }
}

impl<T: Encode> Encode for Box<T> {
    fn encode(&self, out: &mut Vec<u8>) {
        (**self).encode(out);
    }
}

impl<T: Decode> Decode for Box<T> {
    fn decode(input: &mut Reader<'_>) -> Option<Self> {
        T::decode(input).map(Box::new)
    }
}

impl<T: Encode> Encode for [T] {
    #[inline]
    fn encode(&self, out: &mut Vec<u8>) {
        self.len().encode(out);
        for item in self {
            item.encode(out);
        }
    }
}

impl<T: Encode> Encode for Vec<T> {
    #[inline]
    fn encode(&self, out: &mut Vec<u8>) {
        self.as_slice().encode(out);
    }
}

impl<T: Decode> Decode for Vec<T> {
    #[inline]
    fn decode(input: &mut Reader<'_>) -> Option<Self> {
        let len = input.length()?;
        let mut items = Vec::with_capacity(input.capacity::<T>(len));
        for _ in 0..len {
            items.push(T::decode(input)?);
        }
        Some(items)
    }
}

impl<A: Encode, B: Encode> Encode for (A, B) {
    fn encode(&self, out: &mut Vec<u8>) {
        self.0.encode(out);
        self.1.encode(out);
    }
}

impl<A: Decode, B: Decode> Decode for (A, B) {
    fn decode(input: &mut Reader<'_>) -> Option<Self> {
        Some((A::decode(input)?, B::decode(input)?))
    }
}

/// Start and end; a range that ends before it starts is refused, as no scan makes one.
impl Encode for Range<usize> {
    fn encode(&self, out: &mut Vec<u8>) {
        self.start.encode(out);
        self.end.encode(out);
    }
}

impl Decode for Range<usize> {
    fn decode(input: &mut Reader<'_>) -> Option<Self> {
        let start = usize::decode(input)?;
        let end = usize::decode(input)?;
        (start <= end).then_some(start..end)
    }
}

/// Writes `entries` (`len` of them) sorted by their keys' encodings: the same map always
/// gives the same bytes, whatever order it iterates in.
fn encode_sorted<'a, K, V>(
    len: usize,
    entries: impl Iterator<Item = (&'a K, Option<&'a V>)>,
    out: &mut Vec<u8>,
) where
    K: Encode + 'a,
    V: Encode + 'a,
{
    len.encode(out);
    let mut keys = Vec::new();
    let mut sorted = Vec::with_capacity(len);
    for (key, value) in entries {
        let start = keys.len();
        key.encode(&mut keys);
        sorted.push((start..keys.len(), value));
    }
    sorted.sort_unstable_by(|(a, _), (b, _)| keys[a.clone()].cmp(&keys[b.clone()]));
    for (key, value) in sorted {
        out.extend_from_slice(&keys[key]);
        if let Some(value) = value {
            value.encode(out);
        }
    }
}

/// In the order of the keys' encodings.
impl<K: Encode, V: Encode, S> Encode for HashMap<K, V, S> {
    fn encode(&self, out: &mut Vec<u8>) {
        encode_sorted(self.len(), self.iter().map(|(k, v)| (k, Some(v))), out);
    }
}

/// A key given twice is refused.
impl<K, V, S> Decode for HashMap<K, V, S>
where
    K: Decode + Eq + Hash,
    V: Decode,
    S: BuildHasher + Default,
{
    fn decode(input: &mut Reader<'_>) -> Option<Self> {
        let len = input.length()?;
        let capacity = input.capacity::<(K, V)>(len);
        let mut map = HashMap::with_capacity_and_hasher(capacity, S::default());
        for _ in 0..len {
            let key = K::decode(input)?;
            let value = V::decode(input)?;
            if map.insert(key, value).is_some() {
                return None;
            }
        }
        Some(map)
    }
}

/// In the order of the items' encodings.
impl<T: Encode, S> Encode for HashSet<T, S> {
    fn encode(&self, out: &mut Vec<u8>) {
        encode_sorted::<T, T>(self.len(), self.iter().map(|item| (item, None)), out);
    }
}

/// An item given twice is refused.
impl<T, S> Decode for HashSet<T, S>
where
    T: Decode + Eq + Hash,
    S: BuildHasher + Default,
{
    fn decode(input: &mut Reader<'_>) -> Option<Self> {
        let len = input.length()?;
        let capacity = input.capacity::<T>(len);
        let mut set = HashSet::with_capacity_and_hasher(capacity, S::default());
        for _ in 0..len {
            if !set.insert(T::decode(input)?) {
                return None;
            }
        }
        Some(set)
    }
}

/// Implements the codec for an enum of fixed words by its stable spelling (`counter`,
/// `seconds`, `name.duplicate`): reordering or adding variants changes no cache.
macro_rules! by_spelling {
    ($($name:ty: $spell:expr, $parse:expr;)*) => {$(
        impl Encode for $name {
            fn encode(&self, out: &mut Vec<u8>) {
                let spell: fn(&$name) -> &'static str = $spell;
                spell(self).encode(out);
            }
        }

        impl Decode for $name {
            fn decode(input: &mut Reader<'_>) -> Option<Self> {
                let parse: fn(&str) -> Option<$name> = $parse;
                parse(input.str()?)
            }
        }
    )*};
}

by_spelling! {
    Kind: |k| k.as_str(), Kind::from_name;
    ValueType: |v| v.as_str(), ValueType::from_name;
    Unit: |u| u.as_str(), Unit::from_name;
    Rule: |r| r.code(), Rule::from_code;
    Severity: |s| s.as_str(), |word| {
        [Severity::Error, Severity::Warning, Severity::Off]
            .into_iter()
            .find(|s| s.as_str() == word)
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Clone, PartialEq)]
    struct Point {
        x: u64,
        label: String,
        tags: Vec<String>,
    }
    crate::codec_struct!(Point { x, label, tags });

    #[derive(Debug, Clone, PartialEq)]
    struct Wrapper(u32, Option<bool>);
    crate::codec_struct!(Wrapper(id, flag));

    #[derive(Debug, Clone, PartialEq)]
    enum Shape {
        Empty,
        Pair(u64, String),
        Named { point: Point, nested: Box<Shape> },
    }
    crate::codec_enum!(Shape {
        0 => Empty,
        1 => Pair(count, name),
        2 => Named { point, nested },
    });

    fn round_trip<T: Encode + Decode + PartialEq + std::fmt::Debug>(value: T) -> Vec<u8> {
        let bytes = encode(&value);
        assert_eq!(decode::<T>(&bytes).as_ref(), Some(&value), "{bytes:?}");
        bytes
    }

    #[test]
    fn varints_are_leb128_and_canonical() {
        assert_eq!(round_trip(0u64), [0]);
        assert_eq!(round_trip(127u64), [0x7f]);
        assert_eq!(round_trip(128u64), [0x80, 0x01]);
        assert_eq!(round_trip(300u64), [0xac, 0x02]);
        assert_eq!(round_trip(u64::MAX).len(), 10);
        assert_eq!(round_trip(u128::MAX).len(), 19);
        round_trip(u64::from(u32::MAX));
        round_trip(u32::MAX);
        round_trip(usize::MAX);
        round_trip(1_700_000_000_123_456_789u128);
        // Padding, an eleventh byte, bits past 64 and truncation are refused.
        assert_eq!(decode::<u64>(&[0x80, 0x00]), None);
        assert_eq!(decode::<u64>(&[0xff; 11]), None);
        let mut past = vec![0xff; 9];
        past.push(0x02);
        assert_eq!(decode::<u64>(&past), None);
        assert_eq!(decode::<u64>(&[0x80]), None);
        assert_eq!(decode::<u32>(&encode(&(u64::from(u32::MAX) + 1))), None);
        let mut past = vec![0xff; 18];
        past.push(0x04);
        assert_eq!(decode::<u128>(&past), None);
    }

    #[test]
    fn primitives_and_std_types_round_trip() {
        round_trip(true);
        round_trip(false);
        assert_eq!(decode::<bool>(&[2]), None);
        round_trip(String::new());
        round_trip("héllo".to_owned());
        round_trip(PathBuf::from("/tmp/some dir/ä.rs"));
        round_trip(vec![1.5f64, -0.0, f64::INFINITY, f64::MIN_POSITIVE]);
        let nan = decode::<f64>(&encode(&f64::NAN)).expect("decodes");
        assert!(nan.is_nan());
        round_trip(Some((3u64, 4u128)));
        round_trip(None::<String>);
        round_trip::<Result<Vec<String>, u32>>(Ok(vec!["a".into()]));
        round_trip::<Result<Vec<String>, u32>>(Err(7));
        round_trip(3usize..9);
        assert_eq!(decode::<Range<usize>>(&[9, 3]), None, "reversed");
        round_trip(Kind::Histogram);
        round_trip(ValueType::I64);
        round_trip(Unit::Celsius);
        round_trip(Severity::Warning);
        for rule in Rule::ALL {
            round_trip(*rule);
        }
        assert_eq!(decode::<Kind>(&encode("bucket")), None);
    }

    #[cfg(unix)]
    #[test]
    fn unix_paths_keep_every_byte() {
        use std::os::unix::ffi::OsStrExt;
        let path = PathBuf::from(std::ffi::OsStr::from_bytes(b"/tmp/not\xffutf8.rs"));
        round_trip(path);
    }

    #[test]
    fn strings_must_be_utf8() {
        assert_eq!(decode::<String>(&[2, 0xc3, 0x28]), None);
        assert_eq!(
            decode::<String>(&[3, b'a']),
            None,
            "shorter than its length"
        );
    }

    #[test]
    fn maps_and_sets_encode_in_one_order_and_refuse_repeats() {
        let mut map = HashMap::new();
        let mut other = HashMap::new();
        for i in 0..50u64 {
            map.insert(format!("k{i}"), vec![i]);
        }
        for i in (0..50u64).rev() {
            other.insert(format!("k{i}"), vec![i]);
        }
        assert_eq!(round_trip(map.clone()), encode(&other));
        let set: HashSet<String> = map.keys().cloned().collect();
        let bytes = round_trip(set);
        assert_eq!(decode::<HashSet<String>>(&bytes), decode(&bytes));
        // Two entries with one key.
        let repeated = [2, 1, b'a', 0, 1, b'a', 0];
        assert_eq!(decode::<HashMap<String, Vec<u64>>>(&repeated), None);
        assert_eq!(decode::<HashSet<String>>(&[2, 1, b'a', 1, b'a']), None);
    }

    #[test]
    fn structs_and_enums_round_trip_by_their_macros() {
        let point = Point {
            x: 5,
            label: "p".into(),
            tags: vec!["a".into(), "b".into()],
        };
        round_trip(point.clone());
        round_trip(Wrapper(9, Some(true)));
        round_trip(Shape::Empty);
        round_trip(Shape::Pair(2, "two".into()));
        let bytes = round_trip(Shape::Named {
            point,
            nested: Box::new(Shape::Pair(1, String::new())),
        });
        assert_eq!(bytes[0], 2, "the tag comes first");
        assert_eq!(decode::<Shape>(&[3]), None, "an unknown tag");
    }

    #[test]
    fn trailing_bytes_are_refused() {
        let mut bytes = encode(&Shape::Pair(2, "two".into()));
        bytes.push(0);
        assert_eq!(decode::<Shape>(&bytes), None);
    }

    #[test]
    fn a_huge_length_allocates_nothing() {
        // u64::MAX as a length, of strings, of structs, of map entries: refused before any
        // allocation, since the input has not that many bytes left.
        let mut huge = encode(&u64::MAX);
        huge.extend_from_slice(&[0; 32]);
        assert_eq!(decode::<Vec<String>>(&huge), None);
        assert_eq!(decode::<Vec<Point>>(&huge), None);
        assert_eq!(decode::<String>(&huge), None);
        assert_eq!(decode::<PathBuf>(&huge), None);
        assert_eq!(decode::<HashMap<String, u64>>(&huge), None);
        assert_eq!(decode::<HashSet<u64>>(&huge), None);
        // A length the input could hold reserves no more than the input's size.
        let reader = Reader::new(&[0; 1000]);
        assert!(reader.capacity::<Point>(1000) * std::mem::size_of::<Point>() <= 1000);
    }

    #[test]
    fn nesting_is_bounded() {
        // A chain of `Named` nested `depth` times, with `Empty` inside.
        let nested = |depth: usize| {
            let mut bytes = Vec::new();
            for _ in 0..depth {
                bytes.push(2);
                bytes.extend(encode(&Point {
                    x: 0,
                    label: String::new(),
                    tags: Vec::new(),
                }));
            }
            bytes.push(0);
            bytes
        };
        // Each `Named` one level below the last; its `Point`, and the `Empty` inside, one
        // more.
        let deepest = MAX_DEPTH - 1;
        assert!(decode::<Shape>(&nested(deepest)).is_some());
        assert_eq!(decode::<Shape>(&nested(deepest + 1)), None);
        // Far deeper input, on this test thread's small stack: refused, no overflow.
        assert_eq!(decode::<Shape>(&nested(1_000_000)), None);
    }

    #[test]
    fn the_cached_types_that_nest_are_bounded_too() {
        use crate::scan::{FieldKind, Inner, RouteEntry};
        use crate::source::{FileId, Span};
        // Routers merged into routers, `depth` deep: each two levels (the entry, its inner
        // router), and the innermost span two more.
        let routers = |depth: usize| {
            let span = Span {
                file: FileId(0),
                range: 0..1,
            };
            let mut entry = RouteEntry::Merge {
                inner: Inner::Opaque(span.clone()),
                span: span.clone(),
            };
            for _ in 1..depth {
                entry = RouteEntry::Merge {
                    inner: Inner::Inline(vec![entry]),
                    span: span.clone(),
                };
            }
            encode(&entry)
        };
        let deepest = (MAX_DEPTH - 2) / 2;
        assert!(decode::<RouteEntry>(&routers(deepest)).is_some());
        assert!(decode::<RouteEntry>(&routers(deepest + 1)).is_none());
        // `Option<Option<..>>` a million deep.
        let mut options = vec![3; 1_000_000];
        options.push(0);
        assert!(decode::<FieldKind>(&options).is_none());
    }

    #[test]
    fn files_carry_magic_and_checksum() {
        let value = vec!["one".to_owned(), "two".to_owned()];
        let file = encode_file(b"TEST\0\0\0\x01", &value);
        assert_eq!(decode_file(b"TEST\0\0\0\x01", &file), Some(value.clone()));
        assert_eq!(decode_file::<Vec<String>>(b"TEST\0\0\0\x02", &file), None);
        assert_eq!(decode_file::<Vec<String>>(b"TEST\0\0\0\x01", b"{}"), None);
        for len in 0..file.len() {
            assert_eq!(
                decode_file::<Vec<String>>(b"TEST\0\0\0\x01", &file[..len]),
                None
            );
        }
        for at in 0..file.len() {
            for bit in 0..8 {
                let mut damaged = file.clone();
                damaged[at] ^= 1 << bit;
                assert_eq!(
                    decode_file::<Vec<String>>(b"TEST\0\0\0\x01", &damaged),
                    None,
                    "byte {at}, bit {bit}"
                );
            }
        }
    }
}
