//! The certificates the test PostgreSQL serves TLS with: a test CA and a server
//! certificate it signed for `localhost` and `127.0.0.1`. A real chain, because rustls
//! (webpki) rejects a self-signed CA certificate used directly as the end-entity one.
//! Valid from 1975 to 4000, so the suite passes with the clock moved years ahead.

use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa,
    Issuer, KeyPair, KeyUsagePurpose, date_time_ymd,
};

/// PEM texts: the CA certificate (for `sslrootcert`), the server certificate and its key.
pub struct TlsFiles {
    pub ca_pem: String,
    pub server_cert_pem: String,
    pub server_key_pem: String,
}

/// Makes a fresh CA and a server certificate signed by it.
pub fn make_chain() -> TlsFiles {
    let ca_key = KeyPair::generate().expect("generate the test CA key");
    let ca_params = ca_params();
    let ca_cert = ca_params
        .self_signed(&ca_key)
        .expect("self-sign the test CA");
    let issuer = Issuer::new(ca_params, ca_key);

    let server_key = KeyPair::generate().expect("generate the server key");
    let server_cert = server_params()
        .signed_by(&server_key, &issuer)
        .expect("sign the server certificate with the test CA");
    TlsFiles {
        ca_pem: ca_cert.pem(),
        server_cert_pem: server_cert.pem(),
        server_key_pem: server_key.serialize_pem(),
    }
}

fn ca_params() -> CertificateParams {
    let mut params = CertificateParams::default();
    params.distinguished_name = name("pendo-triage test CA (fake, tests only)");
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    long_validity(&mut params);
    params
}

fn server_params() -> CertificateParams {
    let mut params = CertificateParams::new(vec!["localhost".to_string(), "127.0.0.1".to_string()])
        .expect("SANs localhost and 127.0.0.1 are valid");
    params.distinguished_name = name("localhost");
    params.is_ca = IsCa::ExplicitNoCa;
    params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    long_validity(&mut params);
    params
}

fn name(common_name: &str) -> DistinguishedName {
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CommonName, common_name);
    dn.push(DnType::OrganizationName, "pendo-triage tests");
    dn
}

fn long_validity(params: &mut CertificateParams) {
    params.not_before = date_time_ymd(1975, 1, 1);
    params.not_after = date_time_ymd(4000, 1, 1);
}
