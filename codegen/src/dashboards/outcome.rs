//! Which counters count failures: a counter with an *outcome label* gets an error-ratio panel,
//! recording rule and alert.
//!
//! The rule: the first label whose key is one of [`OUTCOME_KEYS`], with a finite value set
//! that holds at least one error value and one other value. Error values are `false` for
//! `success` and `ok`; for the other keys, the values in [`ERROR_VALUES`] and HTTP server
//! errors (`5xx` or a three-digit code starting with 5).

use tallyho_spec::builtin::http;

use crate::manifest::Metric;

/// Label keys that carry an outcome.
pub const OUTCOME_KEYS: &[&str] = &["success", "ok", "outcome", "status", "result", "code"];

/// Values that mean failure under `outcome`, `status`, `result` and `code`.
pub const ERROR_VALUES: &[&str] = &[
    "error",
    "err",
    "errors",
    "failure",
    "failed",
    "fail",
    "fatal",
    "timeout",
    "timed_out",
    "timed-out",
    "unavailable",
    "internal",
    "rejected",
];

/// A metric's outcome label and the values of it that are errors.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Outcome<'m> {
    /// The label key.
    pub key: &'m str,
    /// Its error values, in declaration order; for an open label, one example value.
    pub errors: Vec<&'m str>,
    /// For an open label, the regular expression its error values match (`5..`).
    pub pattern: Option<&'static str>,
}

impl Outcome<'_> {
    /// `success=false`, `status=error or status=failed`: for descriptions.
    pub(crate) fn describe(&self) -> String {
        if self.pattern.is_some() {
            return format!("{}=5xx", self.key);
        }
        self.errors
            .iter()
            .map(|e| format!("{}={e}", self.key))
            .collect::<Vec<_>>()
            .join(" or ")
    }

    /// The PromQL matcher selecting the error series.
    pub(crate) fn matcher(&self) -> String {
        if let Some(pattern) = self.pattern {
            return format!("{}=~\"{pattern}\"", self.key);
        }
        match self.errors.as_slice() {
            [one] => format!("{}=\"{one}\"", self.key),
            many => format!("{}=~\"{}\"", self.key, many.join("|")),
        }
    }
}

/// The outcome label of `metric`, if it has one.
pub(crate) fn outcome(metric: &Metric) -> Option<Outcome<'_>> {
    if metric.builtin && metric.name == http::REQUESTS.name {
        return Some(server_errors());
    }
    metric.labels.iter().find_map(|label| {
        let key = label.key.as_str();
        let values = label.values.as_ref()?;
        if !OUTCOME_KEYS.contains(&key) {
            return None;
        }
        let errors: Vec<&str> = values
            .iter()
            .map(String::as_str)
            .filter(|v| is_error(key, v))
            .collect();
        (!errors.is_empty() && errors.len() < values.len()).then_some(Outcome {
            key,
            errors,
            pattern: None,
        })
    })
}

/// The request counter's outcome: its status code, where any 5xx is a server error (the
/// codes are an open label, so the errors are a pattern; 500 stands for them in rule tests).
pub(crate) fn server_errors() -> Outcome<'static> {
    Outcome {
        key: http::STATUS_CODE_LABEL,
        errors: vec!["500"],
        pattern: Some("5.."),
    }
}

/// Whether `value` of the outcome label `key` is a failure.
fn is_error(key: &str, value: &str) -> bool {
    if matches!(key, "success" | "ok") {
        return value == "false";
    }
    let lower = value.to_ascii_lowercase();
    let server_error = lower == "5xx"
        || (lower.len() == 3
            && lower.starts_with('5')
            && lower.bytes().all(|b| b.is_ascii_digit()));
    ERROR_VALUES.contains(&lower.as_str()) || server_error
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_values_by_key() {
        assert!(is_error("success", "false"));
        assert!(!is_error("success", "true"));
        assert!(is_error("code", "503"));
        assert!(is_error("status", "5xx"));
        assert!(!is_error("code", "404"));
        assert!(is_error("result", "Failed"));
        assert!(!is_error("outcome", "ok"));
    }
}
