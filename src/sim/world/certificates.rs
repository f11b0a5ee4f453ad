//! The TLS Secrets' certificates: real PEM, as cert-manager or a hand renewal leaves them, for
//! the Ingress's hosts, expiring when the scenario says (the sim's certificate metric and its
//! `MS5CertificateExpiringSoon` alert read the same date), so a validation can parse them.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono::{DateTime, Utc};
use rcgen::{CertificateParams, DnType, KeyPair};

/// A `kubernetes.io/tls` Secret's `data`: `tls.crt` and `tls.key`, base64 as the API stores
/// them, for `hosts`, valid from 90 days before `not_after`. Empty when generation fails (it
/// does not, for these inputs): the Secret then holds no certificate, which a check reports.
pub fn tls_data(hosts: &[&str], not_after: DateTime<Utc>) -> serde_json::Value {
    match certificate(hosts, not_after) {
        Some((cert, key)) => serde_json::json!({
            "tls.crt": STANDARD.encode(cert),
            "tls.key": STANDARD.encode(key),
        }),
        None => serde_json::json!({}),
    }
}

fn certificate(hosts: &[&str], not_after: DateTime<Utc>) -> Option<(String, String)> {
    let names: Vec<String> = hosts.iter().map(|h| h.to_string()).collect();
    let mut params = CertificateParams::new(names).ok()?;
    if let Some(first) = hosts.first() {
        params.distinguished_name.push(DnType::CommonName, *first);
    }
    let at = |t: DateTime<Utc>| time::OffsetDateTime::from_unix_timestamp(t.timestamp()).ok();
    params.not_after = at(not_after)?;
    params.not_before = at(not_after - chrono::Duration::days(90))?;
    let key = KeyPair::generate().ok()?;
    let cert = params.self_signed(&key).ok()?;
    Some((cert.pem(), key.serialize_pem()))
}
