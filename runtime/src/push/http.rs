//! HTTPS for the HTTP exporters: one synchronous `ureq` agent on rustls per exporter, whose
//! answers become a [`Failure`] reason the engine knows how to treat.

use std::sync::Arc;
use std::time::Duration;

use ureq::tls::{Certificate, PemItem, RootCerts, TlsConfig};

use super::engine::Failure;
use super::metrics::Reason;
use super::options::{Common, ConfigError};

/// The `User-Agent` every exporter sends.
pub(crate) const USER_AGENT: &str = concat!("tallyho/", env!("CARGO_PKG_VERSION"));

/// A POST-only client with a whole-request timeout.
pub(crate) struct Client {
    agent: ureq::Agent,
}

impl Client {
    pub(crate) fn new(common: &Common) -> Result<Client, ConfigError> {
        let mut tls = TlsConfig::builder();
        if let Some(pem) = &common.roots_pem {
            tls = tls.root_certs(parse_roots(pem)?);
        }
        let config = ureq::Agent::config_builder()
            .timeout_global(Some(common.timeout))
            .http_status_as_error(false)
            .user_agent(USER_AGENT)
            .tls_config(tls.build())
            .build();
        Ok(Client {
            agent: config.into(),
        })
    }

    /// POSTs `body`; `Ok` on 2xx. The answer's body is not read beyond what ureq needs.
    pub(crate) fn post(
        &self,
        url: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> Result<(), Failure> {
        let mut request = self.agent.post(url);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let response = request.send(body).map_err(classify)?;
        let status = response.status().as_u16();
        match Reason::from_status(status) {
            None => Ok(()),
            Some(reason) => Err(Failure {
                reason,
                retry_after: response
                    .headers()
                    .get("retry-after")
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| v.trim().parse::<u64>().ok())
                    .map(Duration::from_secs),
            }),
        }
    }
}

fn classify(error: ureq::Error) -> Failure {
    use ureq::Error;
    let reason = match &error {
        Error::Timeout(_) => Reason::Timeout,
        Error::HostNotFound
        | Error::ConnectionFailed
        | Error::Tls(_)
        | Error::Rustls(_)
        | Error::BadUri(_) => Reason::Connect,
        Error::Io(e) => match e.kind() {
            std::io::ErrorKind::TimedOut | std::io::ErrorKind::WouldBlock => Reason::Timeout,
            std::io::ErrorKind::ConnectionRefused
            | std::io::ErrorKind::NotFound
            | std::io::ErrorKind::AddrNotAvailable => Reason::Connect,
            _ => Reason::Transport,
        },
        _ => Reason::Transport,
    };
    reason.into()
}

fn parse_roots(pem: &[u8]) -> Result<RootCerts, ConfigError> {
    let mut certs: Vec<Certificate<'static>> = Vec::new();
    for item in ureq::tls::parse_pem(pem) {
        match item {
            Ok(PemItem::Certificate(cert)) => certs.push(cert),
            Ok(_) => {}
            Err(e) => return Err(ConfigError::new(format!("root certificates: {e}"))),
        }
    }
    if certs.is_empty() {
        return Err(ConfigError::new(
            "root certificates: no certificate in the PEM",
        ));
    }
    Ok(RootCerts::Specific(Arc::new(certs)))
}

/// `Basic <base64(user:password)>`, for the `Authorization` header.
pub(crate) fn basic_auth(user: &str, password: &str) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let input = format!("{user}:{password}");
    let mut out = String::from("Basic ");
    for chunk in input.as_bytes().chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = u32::from(b[0]) << 16 | u32::from(b[1]) << 8 | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn basic_auth_is_rfc_7617() {
        assert_eq!(
            super::basic_auth("Aladdin", "open sesame"),
            "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ=="
        );
        assert_eq!(super::basic_auth("a", ""), "Basic YTo=");
    }
}
