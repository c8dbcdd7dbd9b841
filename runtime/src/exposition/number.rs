//! Sample values in exposition syntax, written without going through `fmt` for integers,
//! which dominate scrapes.

use std::fmt::Write;

pub(crate) fn write_u64(mut v: u64, out: &mut String) {
    let mut buf = [0u8; 20];
    let mut at = buf.len();
    loop {
        at -= 1;
        buf[at] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    // SAFETY: the buffer holds only ASCII digits.
    out.push_str(unsafe { std::str::from_utf8_unchecked(&buf[at..]) });
}

pub(crate) fn write_i64(v: i64, out: &mut String) {
    if v < 0 {
        out.push('-');
    }
    write_u64(v.unsigned_abs(), out);
}

/// Shortest round-trip form; `+Inf`, `-Inf` and `NaN` as both formats spell them.
pub(crate) fn write_f64(v: f64, out: &mut String) {
    if v.is_nan() {
        out.push_str("NaN");
    } else if v.is_infinite() {
        out.push_str(if v > 0.0 { "+Inf" } else { "-Inf" });
    } else {
        let _ = write!(out, "{v:?}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn show(f: impl Fn(&mut String)) -> String {
        let mut s = String::new();
        f(&mut s);
        s
    }

    #[test]
    fn formats_numbers() {
        assert_eq!(show(|s| write_u64(0, s)), "0");
        assert_eq!(show(|s| write_u64(u64::MAX, s)), "18446744073709551615");
        assert_eq!(show(|s| write_i64(i64::MIN, s)), "-9223372036854775808");
        assert_eq!(show(|s| write_f64(0.25, s)), "0.25");
        assert_eq!(show(|s| write_f64(1e300, s)), "1e300");
        assert_eq!(show(|s| write_f64(f64::NEG_INFINITY, s)), "-Inf");
        assert_eq!(show(|s| write_f64(f64::NAN, s)), "NaN");
    }
}
