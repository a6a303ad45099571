//! `pvsim image test`: does the image carry a key slot for one of these hosts?
//! (se-format.md §6.2: `-k HKD` compares SHA-256 of the key's coordinates with each slot's
//! phkh; `--key-hashes` reads the UV's list of 15 hashes.)

use pv_header::hdr::UvKeyHashes;

use crate::cli::TestArgs;
use crate::cmd::hkd::read_hkd;
use crate::cmd::info::read_header;
use crate::error::CliError;
use crate::files::read_file;

/// Runs `image test`. Success prints which host key matched; no match is an error (exit 1).
pub fn run(a: &TestArgs) -> Result<(), CliError> {
    let hdr = read_header(&a.input)?;
    if let Some(path) = &a.key_hashes {
        let hashes = UvKeyHashes::parse(&read_file(path)?)
            .map_err(|e| CliError::Key { path: path.clone(), source: e })?;
        if hdr.matches_key_hashes(&hashes) {
            crate::out::outln!(
                "The image is included for one of the key hashes in {}",
                path.display()
            )?;
            return Ok(());
        }
        return Err(CliError::NotIncluded);
    }
    for path in &a.host_key_documents {
        let hkd = read_hkd(path)?;
        if hdr.contains_phkh(&hkd.phkh()) {
            crate::out::outln!(
                "The image is included for the host-key document {}",
                path.display()
            )?;
            return Ok(());
        }
    }
    Err(CliError::NotIncluded)
}
