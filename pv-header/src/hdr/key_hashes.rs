//! The Ultravisor's host-key hash list as `pvimg test --key-hashes` reads it
//! (se-format.md §6.2): exactly 15 lines of 64 hex digits; line 1 is the current host
//! key hash, line 2 the backup host key hash, 13 lines are reserved.

use crate::hdr::layout::SeHdr;
use crate::{Error, Result};

/// Number of lines in a key-hashes file.
pub const KEY_HASH_LINES: usize = 15;

/// The 15 host-key hashes the UV reports (`/sys/firmware/uv/keys/all`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UvKeyHashes {
    hashes: [[u8; 32]; KEY_HASH_LINES],
}

fn hex_digit(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

fn parse_line(line: &[u8]) -> Option<[u8; 32]> {
    if line.len() != 64 {
        return None;
    }
    let mut out = [0u8; 32];
    for (o, pair) in out.iter_mut().zip(line.chunks_exact(2)) {
        *o = hex_digit(pair[0])? << 4 | hex_digit(pair[1])?;
    }
    Some(out)
}

impl UvKeyHashes {
    /// Parses the file. Lines end in `\n` (a `\r` before it is allowed); one final line
    /// end is optional. Anything but exactly 15 lines of 64 hex digits (either case) is
    /// [`Error::InvalidKeyHashes`] ("Invalid UV key hashes").
    pub fn parse(text: &[u8]) -> Result<Self> {
        let body = text.strip_suffix(b"\n").unwrap_or(text);
        let mut hashes = [[0u8; 32]; KEY_HASH_LINES];
        let mut count = 0;
        for line in body.split(|&c| c == b'\n') {
            let line = line.strip_suffix(b"\r").unwrap_or(line);
            let slot = hashes.get_mut(count).ok_or(Error::InvalidKeyHashes)?;
            *slot = parse_line(line).ok_or(Error::InvalidKeyHashes)?;
            count += 1;
        }
        if count != KEY_HASH_LINES {
            return Err(Error::InvalidKeyHashes);
        }
        Ok(Self { hashes })
    }

    /// The hash of the current host key (line 1).
    pub fn current(&self) -> &[u8; 32] {
        &self.hashes[0]
    }

    /// The hash of the backup host key (line 2).
    pub fn backup(&self) -> &[u8; 32] {
        &self.hashes[1]
    }

    /// All 15 lines.
    pub fn all(&self) -> &[[u8; 32]; KEY_HASH_LINES] {
        &self.hashes
    }
}

impl SeHdr {
    /// Whether some key slot's phkh equals one of the listed hashes (`pvimg test
    /// --key-hashes`). All-zero lines (unused, reserved) never match *\[inferred\]*.
    pub fn matches_key_hashes(&self, hashes: &UvKeyHashes) -> bool {
        hashes.all().iter().any(|h| h.iter().any(|&b| b != 0) && self.contains_phkh(h))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::String;

    fn file(lines: usize, end: &str) -> String {
        let mut s = String::new();
        for i in 0..lines {
            let c = char::from_digit((i % 16) as u32, 16).unwrap_or('0');
            s.extend(core::iter::repeat_n(c, 64));
            s.push_str(end);
        }
        s
    }

    #[test]
    fn exactly_fifteen_lines() {
        let h = UvKeyHashes::parse(file(15, "\n").as_bytes()).unwrap();
        assert_eq!(h.current(), &[0; 32]);
        assert_eq!(h.backup(), &[0x11; 32]);
        assert!(UvKeyHashes::parse(file(15, "\r\n").as_bytes()).is_ok());
        let mut no_final = file(15, "\n");
        no_final.pop();
        assert!(UvKeyHashes::parse(no_final.as_bytes()).is_ok());
        for bad in [file(14, "\n"), file(16, "\n"), file(15, "\n\n"), file(15, " \n")] {
            assert_eq!(UvKeyHashes::parse(bad.as_bytes()), Err(Error::InvalidKeyHashes));
        }
        let mut not_hex = file(15, "\n");
        not_hex.replace_range(0..1, "g");
        assert_eq!(UvKeyHashes::parse(not_hex.as_bytes()), Err(Error::InvalidKeyHashes));
        assert_eq!(UvKeyHashes::parse(b""), Err(Error::InvalidKeyHashes));
    }
}
