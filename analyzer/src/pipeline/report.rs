//! Stage 5, report: severities from the configuration, `off` findings dropped, the rest in
//! reading order.

use crate::config::Config;
use crate::finding::Finding;
use crate::severity::Severity;
use crate::source::SourceMap;

/// The findings a reader sees: configured severities, none `off`, sorted by file, position
/// and code (a stable sort, so ties keep the order the stages found them in).
pub(crate) fn report(
    mut findings: Vec<Finding>,
    config: &Config,
    sources: &SourceMap,
) -> Vec<Finding> {
    for finding in &mut findings {
        let dependency = sources.get(finding.span.file).dependency.as_deref();
        finding.severity = config.severity_in(finding.code, dependency);
    }
    findings.retain(|f| f.severity != Severity::Off);
    findings.sort_by(|a, b| {
        let key = |f: &Finding| {
            let name = sources.get(f.span.file).name.clone();
            (name, f.span.range.start, f.code.code())
        };
        key(a).cmp(&key(b))
    });
    findings
}
