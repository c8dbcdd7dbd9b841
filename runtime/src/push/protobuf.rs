//! The few protobuf wire-format writers remote write and OTLP need, so neither pulls in a
//! protobuf code generator. Nested messages are length-prefixed after the fact: one byte is
//! reserved and, for the rare message of 128 bytes or more, the length is spliced in.

const VARINT: u32 = 0;
const FIXED64: u32 = 1;
const LEN: u32 = 2;

pub(crate) fn varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push(v as u8 | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

fn key(out: &mut Vec<u8>, field: u32, wire: u32) {
    varint(out, u64::from(field << 3 | wire));
}

/// A varint field (`int64`, `uint32`, `bool`, enums): negative `int64`s as ten bytes.
pub(crate) fn uint(out: &mut Vec<u8>, field: u32, v: u64) {
    key(out, field, VARINT);
    varint(out, v);
}

/// A `double` field.
pub(crate) fn double(out: &mut Vec<u8>, field: u32, v: f64) {
    fixed64(out, field, v.to_bits());
}

/// A `fixed64` or `sfixed64` field.
pub(crate) fn fixed64(out: &mut Vec<u8>, field: u32, v: u64) {
    key(out, field, FIXED64);
    out.extend_from_slice(&v.to_le_bytes());
}

/// A `string` or `bytes` field.
pub(crate) fn bytes(out: &mut Vec<u8>, field: u32, v: &[u8]) {
    key(out, field, LEN);
    varint(out, v.len() as u64);
    out.extend_from_slice(v);
}

/// A `string` field.
pub(crate) fn string(out: &mut Vec<u8>, field: u32, v: &str) {
    bytes(out, field, v.as_bytes());
}

/// Opens an embedded message; close it with [`end`], innermost first.
#[must_use]
pub(crate) fn begin(out: &mut Vec<u8>, field: u32) -> usize {
    key(out, field, LEN);
    out.push(0);
    out.len() - 1
}

/// Closes the message [`begin`] opened at `at`, writing its length.
pub(crate) fn end(out: &mut Vec<u8>, at: usize) {
    let len = out.len() - at - 1;
    if len < 0x80 {
        out[at] = len as u8;
    } else {
        let mut prefix = Vec::with_capacity(10);
        varint(&mut prefix, len as u64);
        out.splice(at..at + 1, prefix);
    }
}

/// An embedded message written by `body`.
pub(crate) fn message(out: &mut Vec<u8>, field: u32, body: impl FnOnce(&mut Vec<u8>)) {
    let at = begin(out, field);
    body(out);
    end(out, at);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_the_wire_format() {
        let mut out = Vec::new();
        uint(&mut out, 1, 150);
        assert_eq!(out, [0x08, 0x96, 0x01]);
        out.clear();
        string(&mut out, 2, "testing");
        assert_eq!(out, b"\x12\x07testing");
        out.clear();
        double(&mut out, 1, 1.0);
        assert_eq!(out, [0x09, 0, 0, 0, 0, 0, 0, 0xf0, 0x3f]);
    }

    #[test]
    fn long_messages_get_multi_byte_lengths() {
        let mut out = Vec::new();
        message(&mut out, 3, |out| {
            message(&mut out.clone(), 1, |_| {});
            bytes(out, 1, &[7; 200]);
        });
        // key, length 203 as two bytes, inner key, inner length 200 as two bytes, payload.
        assert_eq!(&out[..6], &[0x1a, 0xcb, 0x01, 0x0a, 0xc8, 0x01]);
        assert_eq!(out.len(), 6 + 200);
    }
}
