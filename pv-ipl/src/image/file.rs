//! Writing an image file the way `pvimg create` does (se-format.md §6.3): into
//! `<output>.part`, renamed to `<output>` only when complete; an existing output is
//! refused unless overwriting is allowed.

use std::fs::{self, File, OpenOptions};
use std::io::{BufWriter, ErrorKind};
use std::path::{Path, PathBuf};

use crate::{Error, Result};

/// The temporary path for `output`: `<output>.part`.
pub fn part_path(output: &Path) -> PathBuf {
    let mut s = std::ffi::OsString::from(output.as_os_str());
    s.push(".part");
    PathBuf::from(s)
}

/// Creates `<output>.part`, lets `write` fill it, then renames it to `output`. Fails with
/// an [`ErrorKind::AlreadyExists`] I/O error if `output` exists and `overwrite` is false.
/// On any error the `.part` file is removed and `output` is left untouched.
pub fn write_image_file<T>(
    output: &Path,
    overwrite: bool,
    write: impl FnOnce(&mut BufWriter<File>) -> Result<T>,
) -> Result<T> {
    if !overwrite && output.exists() {
        return Err(Error::Io(std::io::Error::new(
            ErrorKind::AlreadyExists,
            "the output file exists (use overwrite)",
        )));
    }
    let part = part_path(output);
    let file = OpenOptions::new().write(true).create(true).truncate(true).open(&part)?;
    let mut w = BufWriter::new(file);
    let result = write(&mut w).and_then(|v| {
        let file = w.into_inner().map_err(|e| Error::Io(e.into_error()))?;
        file.sync_all()?;
        fs::rename(&part, output)?;
        Ok(v)
    });
    if result.is_err() {
        let _ = fs::remove_file(&part);
    }
    result
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    #[test]
    fn part_then_rename_and_overwrite_rule() {
        let dir = std::env::temp_dir().join(std::format!("pv-ipl-file-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        let out = dir.join("img.se");
        let _ = fs::remove_file(&out);
        assert_eq!(part_path(&out), dir.join("img.se.part"));
        write_image_file(&out, false, |w| {
            assert!(part_path(&out).exists() && !out.exists());
            Ok(w.write_all(b"abc")?)
        })
        .unwrap();
        assert_eq!(fs::read(&out).unwrap(), b"abc");
        let e = write_image_file(&out, false, |_| Ok(())).unwrap_err();
        assert!(matches!(e, Error::Io(ref io) if io.kind() == ErrorKind::AlreadyExists));
        let e = write_image_file(&out, true, |_| -> Result<()> { Err(Error::NoMetadata) });
        assert!(matches!(e, Err(Error::NoMetadata)));
        assert!(!part_path(&out).exists());
        assert_eq!(fs::read(&out).unwrap(), b"abc");
        write_image_file(&out, true, |w| Ok(w.write_all(b"xy")?)).unwrap();
        assert_eq!(fs::read(&out).unwrap(), b"xy");
        fs::remove_dir_all(&dir).unwrap();
    }
}
