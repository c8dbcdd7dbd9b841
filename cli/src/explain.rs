//! `cargo tallyho explain`: the rule list, or one rule's page.

use std::process::ExitCode;

use tallyho_analyzer::Rule;

/// Prints every rule, or the page of the rule `code`.
pub(crate) fn run(code: Option<&str>) -> ExitCode {
    let Some(code) = code else {
        let mut out = String::from("tallyho rules (cargo tallyho explain CODE for one):\n\n");
        for rule in Rule::ALL {
            out.push_str(&format!(
                "  {:<26} {:<7} {}\n",
                rule.code(),
                rule.default_severity().as_str(),
                rule.summary()
            ));
        }
        print!("{out}");
        return ExitCode::SUCCESS;
    };
    match Rule::from_code(code) {
        Some(rule) => {
            print!("{}", page(rule));
            ExitCode::SUCCESS
        }
        None => {
            eprintln!("error: no rule `{code}`; `cargo tallyho explain` lists them");
            ExitCode::from(2)
        }
    }
}

fn page(rule: Rule) -> String {
    let indent = |text: &str| {
        text.lines()
            .map(|l| format!("    {l}\n"))
            .collect::<String>()
    };
    format!(
        "{code} (default: {severity})\n\n{summary}.\n\nWhy: {why}\n\nFails:\n\n{bad}\nPasses:\n\n{good}\nSet its severity in tallyho.yaml: `rules: {{ {code}: warn }}` (error, warn, off).\n",
        code = rule.code(),
        severity = rule.default_severity().as_str(),
        summary = capitalize(rule.summary()),
        why = rule.why().split_whitespace().collect::<Vec<_>>().join(" "),
        bad = indent(rule.bad()),
        good = indent(rule.good()),
    )
}

fn capitalize(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}
