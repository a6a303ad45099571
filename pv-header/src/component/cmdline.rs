//! The command-line component (se-format.md §9 "the appended cmdline NUL"): pvimg encrypts
//! the kernel parameter line followed by one NUL byte (vectors: `inputs/parmline.txt` of
//! 52 bytes becomes the 53-byte `inputs/cmdline.bin`).
//!
//! The maximum command-line size is checked by the command-line tool, not here.

use alloc::vec::Vec;

/// The bytes of the command-line component for the parameter line `line`: `line` followed
/// by a NUL byte, unless `line` already ends in NUL.
pub fn cmdline_with_nul(line: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(line.len() + 1);
    out.extend_from_slice(line);
    if line.last() != Some(&0) {
        out.push(0);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn appends_one_nul_only_when_missing() {
        assert_eq!(cmdline_with_nul(b"root=/dev/vda1"), b"root=/dev/vda1\0");
        assert_eq!(cmdline_with_nul(b"quiet\0"), b"quiet\0");
        assert_eq!(cmdline_with_nul(b""), b"\0");
    }
}
