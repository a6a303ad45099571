//! Reading certificates and CRLs from PEM or DER bytes, as pvimg reads its `--cert`,
//! `--crl`, `--root-ca` and host-key-document files (se-format.md §6.3).
//!
//! The rules follow OpenSSL's readers that pvimg uses:
//! - the input is first tried as one DER object;
//! - otherwise it is read as PEM: every block with the wanted label is decoded, blocks
//!   with other labels and text outside blocks are skipped (so one file can hold
//!   certificates and CRLs, like IBM's `*.chained.crt`);
//! - a PEM block with the wanted label that does not decode is an error; PEM without
//!   any block of the wanted kind gives an empty list.
//!
//! Base64 inside a block is read leniently (any line width, whitespace ignored, RFC 1421
//! header lines skipped), as OpenSSL does.

use alloc::string::String;
use alloc::vec::Vec;

use super::cert::Cert;
use super::crl::Crl;
use crate::{Error, Result};

/// PEM labels of an X.509 certificate that OpenSSL's certificate reader accepts.
const CERT_LABELS: [&str; 2] = ["CERTIFICATE", "X509 CERTIFICATE"];
/// PEM label of an X.509 CRL.
const CRL_LABEL: &str = "X509 CRL";

/// One decoded PEM block.
pub(crate) struct PemBlock {
    /// The label between `-----BEGIN ` and `-----`.
    pub(crate) label: String,
    /// The decoded contents.
    pub(crate) der: Vec<u8>,
}

/// Splits `input` into PEM blocks. `Ok(empty)` if there is no `-----BEGIN` line;
/// `Err(())` if a block is not terminated or its base64 is invalid.
pub(crate) fn pem_blocks(input: &[u8]) -> core::result::Result<Vec<PemBlock>, ()> {
    let mut blocks = Vec::new();
    let mut lines = input.split(|&b| b == b'\n').map(trim_ascii);
    while let Some(line) = lines.next() {
        let Some(label) = boundary(line, b"-----BEGIN ") else {
            continue;
        };
        let mut b64 = Vec::new();
        let mut closed = false;
        for inner in lines.by_ref() {
            if let Some(end) = boundary(inner, b"-----END ") {
                if end != label {
                    return Err(());
                }
                closed = true;
                break;
            }
            // RFC 1421 headers ("Proc-Type: ...") carry no base64.
            if inner.contains(&b':') {
                continue;
            }
            b64.extend(inner.iter().copied().filter(|b| !b.is_ascii_whitespace()));
        }
        if !closed {
            return Err(());
        }
        let der = base64_decode(&b64).ok_or(())?;
        let label = String::from_utf8(label.to_vec()).map_err(|_| ())?;
        blocks.push(PemBlock { label, der });
    }
    Ok(blocks)
}

fn trim_ascii(line: &[u8]) -> &[u8] {
    line.trim_ascii()
}

/// `-----BEGIN LABEL-----` → `LABEL` (for `prefix` = `-----BEGIN `).
fn boundary<'a>(line: &'a [u8], prefix: &[u8]) -> Option<&'a [u8]> {
    line.strip_prefix(prefix)?.strip_suffix(b"-----")
}

/// Standard base64 with optional `=` padding. `None` on any invalid character.
fn base64_decode(input: &[u8]) -> Option<Vec<u8>> {
    fn val(c: u8) -> Option<u32> {
        Some(match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        } as u32)
    }
    let data = match input.iter().position(|&c| c == b'=') {
        Some(p) if input[p..].iter().all(|&c| c == b'=') && input.len() - p <= 2 => &input[..p],
        Some(_) => return None,
        None => input,
    };
    if data.len() % 4 == 1 {
        return None;
    }
    let mut out = Vec::with_capacity(data.len() / 4 * 3 + 2);
    for chunk in data.chunks(4) {
        let mut acc = 0u32;
        for &c in chunk {
            acc = (acc << 6) | val(c)?;
        }
        acc <<= 6 * (4 - chunk.len() as u32);
        let bytes = acc.to_be_bytes();
        out.extend_from_slice(&bytes[1..chunk.len()]);
    }
    Some(out)
}

/// Reads every certificate from DER or PEM bytes (pvimg `read_certs`).
///
/// # Errors
/// [`Error::CertDecode`] if the bytes are neither a DER certificate nor PEM, or if a PEM
/// certificate block does not decode.
pub fn read_certs(input: &[u8]) -> Result<Vec<Cert>> {
    if let Ok(cert) = Cert::from_der(input) {
        return Ok(alloc::vec![cert]);
    }
    let blocks = pem_blocks(input).map_err(|()| Error::CertDecode)?;
    if blocks.is_empty() {
        return Err(Error::CertDecode);
    }
    blocks
        .iter()
        .filter(|b| CERT_LABELS.contains(&b.label.as_str()))
        .map(|b| Cert::from_der(&b.der))
        .collect()
}

/// Reads every CRL from DER or PEM bytes (pvimg `read_crls`).
///
/// # Errors
/// [`Error::CrlDecode`] if the bytes are neither a DER CRL nor PEM, or if a PEM CRL block
/// does not decode.
pub fn read_crls(input: &[u8]) -> Result<Vec<Crl>> {
    if let Ok(crl) = Crl::from_der(input) {
        return Ok(alloc::vec![crl]);
    }
    let blocks = pem_blocks(input).map_err(|()| Error::CrlDecode)?;
    if blocks.is_empty() {
        return Err(Error::CrlDecode);
    }
    blocks.iter().filter(|b| b.label == CRL_LABEL).map(|b| Crl::from_der(&b.der)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_known_answers() {
        assert_eq!(base64_decode(b"").unwrap(), b"");
        assert_eq!(base64_decode(b"Zg==").unwrap(), b"f");
        assert_eq!(base64_decode(b"Zm8=").unwrap(), b"fo");
        assert_eq!(base64_decode(b"Zm9v").unwrap(), b"foo");
        assert_eq!(base64_decode(b"Zm9vYg").unwrap(), b"foob");
        assert!(base64_decode(b"Zm9vY").is_none());
        assert!(base64_decode(b"Zm=9v").is_none());
        assert!(base64_decode(b"Zm9v!").is_none());
        assert!(base64_decode(b"Z===").is_none());
    }

    #[test]
    fn blocks_skip_text_and_headers() {
        let pem =
            b"junk\n-----BEGIN FOO-----\r\nProc-Type: 4\nZm9v\n YmFy \n-----END FOO-----\ntail";
        let blocks = pem_blocks(pem).unwrap();
        assert_eq!(blocks.len(), 1);
        assert_eq!(blocks[0].label, "FOO");
        assert_eq!(blocks[0].der, b"foobar");
        assert!(pem_blocks(b"no pem here").unwrap().is_empty());
    }

    #[test]
    fn malformed_blocks_are_errors() {
        assert!(pem_blocks(b"-----BEGIN FOO-----\nZm9v\n").is_err());
        assert!(pem_blocks(b"-----BEGIN FOO-----\nZm9v\n-----END BAR-----\n").is_err());
        assert!(pem_blocks(b"-----BEGIN FOO-----\nZm9*\n-----END FOO-----\n").is_err());
    }

    #[test]
    fn garbage_is_not_a_certificate() {
        assert_eq!(read_certs(b"hello").unwrap_err(), Error::CertDecode);
        assert_eq!(read_crls(b"").unwrap_err(), Error::CrlDecode);
        // PEM with only other blocks: no certificates, no error (pvimg: empty list).
        assert!(read_certs(b"-----BEGIN X-----\nZm9v\n-----END X-----\n").unwrap().is_empty());
    }
}
