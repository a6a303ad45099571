//! Reading input files with the path in every error, and key files with their exact size.
//! (Outputs are written by `pv_ipl::image::write_image_file`: `<output>.part`, then rename.)

use std::path::Path;

use crate::error::CliError;

/// Reads a whole file, naming it in the error.
pub fn read_file(path: &Path) -> Result<Vec<u8>, CliError> {
    std::fs::read(path).map_err(|e| CliError::io(path, e))
}

/// Reads a key file that must hold exactly `N` bytes (pvimg: "Expected size N, actual M").
/// The read buffer is zeroized.
pub fn read_key<const N: usize>(path: &Path) -> Result<pv_header::secret::Secret<N>, CliError> {
    let data = zeroize::Zeroizing::new(read_file(path)?);
    pv_header::secret::Secret::<N>::from_slice(&data)
        .map_err(|e| CliError::Key { path: path.to_path_buf(), source: e })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_sizes_are_exact() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("k");
        std::fs::write(&p, [7u8; 31]).unwrap();
        let e = read_key::<32>(&p).unwrap_err();
        assert!(e.to_string().contains("Expected size 32, actual 31"), "{e}");
        std::fs::write(&p, [7u8; 32]).unwrap();
        assert_eq!(read_key::<32>(&p).unwrap().expose(), &[7u8; 32]);
        assert!(matches!(read_file(&dir.path().join("missing")), Err(CliError::Io { .. })));
    }
}
