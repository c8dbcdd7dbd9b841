//! Rendering registered metrics as Prometheus text 0.0.4 or OpenMetrics 1.0.

pub(crate) mod escape;
mod format;
pub(crate) mod number;

pub use format::Format;

use crate::metadata::{Kind, Meta};
use crate::registry;
use crate::value::Value;

/// Encodes every registered metric in `format`.
pub fn encode(format: Format) -> String {
    let mut out = String::new();
    encode_into(format, &mut out);
    out
}

/// Appends every registered metric in `format` to `out`, for serving from any HTTP stack
/// (set the response's `Content-Type` to [`Format::content_type`]).
pub fn encode_into(format: Format, out: &mut String) {
    let mut families = registry::families();
    // Sorted for stable output; live metrics before descriptors of the same name.
    families.sort_by(|a, b| {
        (a.meta().name, a.is_descriptor()).cmp(&(b.meta().name, b.is_descriptor()))
    });
    let mut rest = &families[..];
    while let Some((first, _)) = rest.split_first() {
        let name = first.meta().name;
        let same = rest.iter().take_while(|f| f.meta().name == name).count();
        let mut meta = *first.meta();
        if meta.help.is_empty() {
            meta.help = rest[..same]
                .iter()
                .map(|f| f.meta().help)
                .find(|h| !h.is_empty())
                .unwrap_or("");
        }
        let mut encoder = FamilyEncoder::new(out, format, &meta);
        encoder.header();
        first.encode(&mut encoder);
        rest = &rest[same..];
    }
    if format == Format::OpenMetrics {
        out.push_str("# EOF\n");
    }
}

/// Writes one family: its header lines, then its samples.
pub(crate) struct FamilyEncoder<'a> {
    out: &'a mut String,
    format: Format,
    meta: &'a Meta,
    /// The family's base name, which histogram lines extend with `_bucket`, `_sum`, `_count`.
    sample_name: &'a str,
}

/// The name a counter's or gauge's samples carry, the same in both formats: a counter's ends
/// in `_total` (once, even when the declared name already does).
pub(crate) fn sample_name(meta: &Meta) -> String {
    match meta.kind {
        Kind::Counter => format!(
            "{}_total",
            meta.name.strip_suffix("_total").unwrap_or(meta.name)
        ),
        _ => meta.name.to_owned(),
    }
}

fn has_unit_suffix(name: &str, unit: &str) -> bool {
    name.strip_suffix(unit)
        .is_some_and(|rest| rest.ends_with('_'))
}

impl<'a> FamilyEncoder<'a> {
    fn new(out: &'a mut String, format: Format, meta: &'a Meta) -> Self {
        FamilyEncoder {
            out,
            format,
            meta,
            sample_name: meta.name,
        }
    }

    fn header(&mut self) {
        let meta = self.meta;
        // OpenMetrics names a counter family without `_total`; 0.0.4 names it as its samples.
        let base = match meta.kind {
            Kind::Counter => meta.name.strip_suffix("_total").unwrap_or(meta.name),
            _ => meta.name,
        };
        self.sample_name = base;
        let family_suffix = match (meta.kind, self.format) {
            (Kind::Counter, Format::Prometheus) => "_total",
            _ => "",
        };
        let out = &mut *self.out;
        let comment = |out: &mut String, what: &str| {
            out.push_str("# ");
            out.push_str(what);
            out.push(' ');
            out.push_str(base);
            out.push_str(family_suffix);
            out.push(' ');
        };
        match self.format {
            Format::Prometheus => {
                if !meta.help.is_empty() {
                    comment(out, "HELP");
                    escape::escape_help(meta.help, false, out);
                    out.push('\n');
                }
                comment(out, "TYPE");
                out.push_str(meta.kind.as_str());
                out.push('\n');
            }
            Format::OpenMetrics => {
                comment(out, "TYPE");
                out.push_str(meta.kind.as_str());
                out.push('\n');
                // A unit is only declared when the name carries it, as OpenMetrics requires.
                if let Some(unit) = meta.unit.filter(|u| has_unit_suffix(base, u.as_str())) {
                    comment(out, "UNIT");
                    out.push_str(unit.as_str());
                    out.push('\n');
                }
                if !meta.help.is_empty() {
                    comment(out, "HELP");
                    escape::escape_help(meta.help, true, out);
                    out.push('\n');
                }
            }
        }
    }

    /// A counter or gauge sample after its pre-rendered line prefix (see [`sample_name`]).
    pub(crate) fn sample<V: Value>(&mut self, prefix: &str, value: V) {
        self.out.push_str(prefix);
        value.write(self.out);
        self.out.push('\n');
    }

    /// A histogram's samples: cumulative buckets, `+Inf`, sum and count.
    pub(crate) fn histogram(
        &mut self,
        labels: &str,
        bounds: &[f64],
        bucket: impl Fn(usize) -> u64,
        sum: f64,
    ) {
        let mut cumulative = 0u64;
        for (i, &bound) in bounds.iter().enumerate() {
            cumulative = cumulative.wrapping_add(bucket(i));
            self.line("_bucket", labels, Some(bound), |out| cumulative.write(out));
        }
        cumulative = cumulative.wrapping_add(bucket(bounds.len()));
        self.line("_bucket", labels, Some(f64::INFINITY), |out| {
            cumulative.write(out)
        });
        self.line("_sum", labels, None, |out| sum.write(out));
        self.line("_count", labels, None, |out| cumulative.write(out));
    }

    #[inline]
    fn line(
        &mut self,
        suffix: &str,
        labels: &str,
        le: Option<f64>,
        value: impl FnOnce(&mut String),
    ) {
        let out = &mut *self.out;
        out.push_str(self.sample_name);
        out.push_str(suffix);
        out.push('{');
        out.push_str(labels);
        if let Some(le) = le {
            out.push_str(",le=\"");
            number::write_f64(le, out);
            out.push('"');
        }
        out.push_str("} ");
        value(out);
        out.push('\n');
    }
}
