//! Loading and verifying host-key documents from the certificate options (pvimg's
//! `-k`, `--no-verify`, `-C`, `--crl`, `--offline`, `--root-ca`).

use std::path::Path;

use pv_header::hkd::{CertVerifier, HkdVerifier, HostKeyDocument, NoVerify, VerifyOptions};

use crate::cli::CertificateOptions;
use crate::error::CliError;
use crate::files::read_file;

/// Reads one host-key document (PEM or DER).
pub fn read_hkd(path: &Path) -> Result<HostKeyDocument, CliError> {
    let bytes = read_file(path)?;
    HostKeyDocument::read(&bytes)
        .map_err(|e| CliError::HostKeyDocument { path: path.to_path_buf(), source: e })
}

/// Reads every `-k` document and verifies it unless `--no-verify` was given. Keeps the
/// command-line order (it is the key-slot order).
pub fn load_verified(opts: &CertificateOptions) -> Result<Vec<HostKeyDocument>, CliError> {
    let verifier: Box<dyn HkdVerifier> = if opts.no_verify {
        eprintln!(
            "WARNING: Host-key document verification is disabled. The Secure Execution image \
             may not be protected."
        );
        Box::new(NoVerify)
    } else {
        let certs = opts.certs.iter().map(|p| read_file(p)).collect::<Result<Vec<_>, _>>()?;
        let crls = opts.crls.iter().map(|p| read_file(p)).collect::<Result<Vec<_>, _>>()?;
        let root = opts.root_ca.as_deref().map(read_file).transpose()?;
        let cert_refs: Vec<&[u8]> = certs.iter().map(Vec::as_slice).collect();
        let crl_refs: Vec<&[u8]> = crls.iter().map(Vec::as_slice).collect();
        Box::new(CertVerifier::new(
            &cert_refs,
            &crl_refs,
            root.as_deref(),
            VerifyOptions::now(opts.offline),
        )?)
    };
    let mut out = Vec::with_capacity(opts.host_key_documents.len());
    for path in &opts.host_key_documents {
        let hkd = read_hkd(path)?;
        verifier
            .verify(&hkd)
            .map_err(|e| CliError::HostKeyDocument { path: path.clone(), source: e })?;
        out.push(hkd);
    }
    Ok(out)
}
