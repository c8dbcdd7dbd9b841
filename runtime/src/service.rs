//! The `service` label every exported series carries.
//!
//! It is fixed once per process: series label strings are rendered once and cached, so the
//! name cannot change after the first scrape.

use std::fmt;
use std::sync::OnceLock;

use crate::escape::escape_label_value;

struct Service {
    name: Box<str>,
    /// `service="<escaped name>"`, ready to copy into every series.
    label: Box<str>,
}

static SERVICE: OnceLock<Service> = OnceLock::new();

/// Sets the `service` label; call it at start-up, before anything is exported.
///
/// Without it the name comes from the `TALLYHO_SERVICE` environment variable, else from the
/// executable's file name.
pub fn set_service(name: &str) -> Result<(), ServiceAlreadySet> {
    let mut fresh = Some(name);
    let current = SERVICE.get_or_init(|| Service::new(fresh.take().unwrap_or_default()));
    if fresh.is_none() || *current.name == *name {
        Ok(())
    } else {
        Err(ServiceAlreadySet {
            current: &current.name,
        })
    }
}

/// The `service` label's value.
pub fn service() -> &'static str {
    &get().name
}

pub(crate) fn service_label() -> &'static str {
    &get().label
}

fn get() -> &'static Service {
    SERVICE.get_or_init(|| Service::new(&default_name()))
}

fn default_name() -> String {
    if let Ok(name) = std::env::var("TALLYHO_SERVICE") {
        if !name.is_empty() {
            return name;
        }
    }
    std::env::current_exe()
        .ok()
        .and_then(|path| Some(path.file_stem()?.to_string_lossy().into_owned()))
        .unwrap_or_else(|| "unknown_service".to_owned())
}

impl Service {
    fn new(name: &str) -> Service {
        let mut label = String::from("service=\"");
        escape_label_value(name, &mut label);
        label.push('"');
        Service {
            name: name.into(),
            label: label.into(),
        }
    }
}

/// The service name was already fixed, by an earlier call or by the first export.
#[derive(Debug)]
pub struct ServiceAlreadySet {
    current: &'static str,
}

impl fmt::Display for ServiceAlreadySet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "the service name is already set to {:?}", self.current)
    }
}

impl std::error::Error for ServiceAlreadySet {}
