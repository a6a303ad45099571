//! Secret byte strings: zeroized on drop, and `Debug` never shows them (DESIGN.md "Style").

use zeroize::{Zeroize, ZeroizeOnDrop};

/// A fixed-size secret (keys, CCK, nonces). Zeroized on drop; `Debug` is redacted.
#[derive(Clone, PartialEq, Eq, Zeroize, ZeroizeOnDrop)]
pub struct Secret<const N: usize>([u8; N]);

impl<const N: usize> Secret<N> {
    /// Wraps the bytes.
    pub const fn new(bytes: [u8; N]) -> Self {
        Self(bytes)
    }

    /// Copies from a slice of exactly `N` bytes.
    pub fn from_slice(b: &[u8]) -> crate::Result<Self> {
        let arr: [u8; N] =
            b.try_into().map_err(|_| crate::Error::WrongSize { expected: N, actual: b.len() })?;
        Ok(Self(arr))
    }

    /// The secret bytes. Callers must not log them.
    pub fn expose(&self) -> &[u8; N] {
        &self.0
    }

    /// Mutable access to the secret bytes.
    pub fn expose_mut(&mut self) -> &mut [u8; N] {
        &mut self.0
    }
}

impl<const N: usize> core::fmt::Debug for Secret<N> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "Secret<{N}>(<redacted>)")
    }
}

/// A variable-length secret. Zeroized on drop; `Debug` is redacted.
#[derive(Clone, PartialEq, Eq, Default, Zeroize, ZeroizeOnDrop)]
pub struct SecretVec(alloc::vec::Vec<u8>);

impl SecretVec {
    /// Wraps the bytes.
    pub fn new(bytes: alloc::vec::Vec<u8>) -> Self {
        Self(bytes)
    }

    /// The secret bytes. Callers must not log them.
    pub fn expose(&self) -> &[u8] {
        &self.0
    }

    /// Mutable access.
    pub fn expose_mut(&mut self) -> &mut alloc::vec::Vec<u8> {
        &mut self.0
    }
}

impl core::fmt::Debug for SecretVec {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "SecretVec(len {}, <redacted>)", self.0.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    extern crate std;
    use std::format;

    #[test]
    fn debug_is_redacted() {
        let s = Secret::new([0x41u8; 4]);
        assert!(!format!("{s:?}").contains("41"));
        let v = SecretVec::new(alloc::vec![0x41; 3]);
        assert!(!format!("{v:?}").contains("65"));
        assert!(Secret::<4>::from_slice(&[1, 2, 3]).is_err());
    }
}
