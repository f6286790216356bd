//! TLS for every HTTPS client (GitHub, Pendo, PostgREST, the Management API) and the
//! system roots the database connection trusts.
//!
//! The system's root certificates (`SSL_CERT_FILE`, `SSL_CERT_DIR`, else the OS store)
//! are read once per process, at the first handshake that needs them. Reading them costs
//! about 3.7 ms (some 140 PEM files), and the bot used to read them once per client it
//! built: four times per Action run and three times per `check`, even when nothing
//! went to the network. The verification itself is webpki's, as before: the chain up to
//! a system root, the host name, and the handshake signatures by ring.

use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, RootCertStore, SignatureScheme};
use std::sync::{Arc, OnceLock};

/// What a handshake fails with when no root certificate could be read.
pub const NO_ROOTS: &str =
    "no usable root certificate in the system store (SSL_CERT_FILE, SSL_CERT_DIR)";

/// The crypto every TLS connection uses.
pub fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// The system's root certificates, read on first use, once per process. Certificates the
/// loader could not read are left out (as every TLS client does).
pub fn system_roots() -> &'static [CertificateDer<'static>] {
    static ROOTS: OnceLock<Vec<CertificateDer<'static>>> = OnceLock::new();
    ROOTS.get_or_init(|| rustls_native_certs::load_native_certs().certs)
}

/// The client configuration of every HTTPS client: TLS 1.2 and 1.3, HTTP/1.1 by ALPN,
/// server certificates verified against [`system_roots`] (read at the first handshake).
pub fn https() -> rustls::ClientConfig {
    config(Arc::new(Roots::default()))
}

/// [`https`] trusting `roots` instead of the system's (the tests' own CA).
pub fn https_trusting(roots: Vec<CertificateDer<'static>>) -> rustls::ClientConfig {
    config(Arc::new(Roots {
        roots: Some(roots),
        ..Roots::default()
    }))
}

fn config(verifier: Arc<Roots>) -> rustls::ClientConfig {
    let mut config = rustls::ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .expect("ring supports TLS 1.2 and 1.3")
        .dangerous()
        .with_custom_certificate_verifier(verifier)
        .with_no_client_auth();
    // The client is HTTP/1.1 only (reqwest says the same when it builds the config).
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    config
}

/// webpki's verifier over the roots, built at the first certificate to verify.
#[derive(Debug)]
struct Roots {
    provider: Arc<CryptoProvider>,
    /// `None`: the system's; tests give their own CA.
    roots: Option<Vec<CertificateDer<'static>>>,
    verifier: OnceLock<Result<Arc<WebPkiServerVerifier>, String>>,
}

impl Default for Roots {
    fn default() -> Self {
        Roots {
            provider: provider(),
            roots: None,
            verifier: OnceLock::new(),
        }
    }
}

impl Roots {
    fn verifier(&self) -> Result<&Arc<WebPkiServerVerifier>, rustls::Error> {
        self.verifier
            .get_or_init(|| {
                let mut store = RootCertStore::empty();
                let (added, _unusable) = store.add_parsable_certificates(
                    self.roots
                        .as_deref()
                        .unwrap_or_else(|| system_roots())
                        .iter()
                        .cloned(),
                );
                if added == 0 {
                    return Err(NO_ROOTS.to_string());
                }
                WebPkiServerVerifier::builder_with_provider(
                    Arc::new(store),
                    Arc::clone(&self.provider),
                )
                .build()
                .map_err(|e| format!("the system's root certificates: {e}"))
            })
            .as_ref()
            .map_err(|e| rustls::Error::General(e.clone()))
    }
}

impl ServerCertVerifier for Roots {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        self.verifier()?
            .verify_server_cert(end_entity, intermediates, server_name, ocsp, now)
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}
