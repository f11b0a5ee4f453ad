//! `--tls`: a throwaway certificate authority and a server certificate for 127.0.0.1 and
//! localhost, as AKS serves its API over HTTPS with its own CA; the CA goes into the kubeconfig.

use color_eyre::eyre::{Result, WrapErr};
use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair, KeyUsagePurpose,
};

pub struct ServerTls {
    pub ca_pem: String,
    pub cert_pem: String,
    pub key_pem: String,
}

pub fn generate() -> Result<ServerTls> {
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).wrap_err("CA parameters")?;
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "ms5-sim cluster CA");
    ca_params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    let ca = CertifiedIssuer::self_signed(ca_params, KeyPair::generate().wrap_err("CA key")?)
        .wrap_err("CA certificate")?;

    let mut params = CertificateParams::new(vec![
        "127.0.0.1".to_string(),
        "localhost".to_string(),
        "kubernetes.default.svc".to_string(),
    ])
    .wrap_err("server certificate parameters")?;
    params
        .distinguished_name
        .push(DnType::CommonName, "kube-apiserver");
    let key = KeyPair::generate().wrap_err("server key")?;
    let cert = params.signed_by(&key, &ca).wrap_err("server certificate")?;
    Ok(ServerTls {
        ca_pem: ca.pem(),
        cert_pem: cert.pem(),
        key_pem: key.serialize_pem(),
    })
}
