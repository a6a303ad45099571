//! The add-secret request control block, version 1 (se-format.md §4.5;
//! crypto-perf-and-oracle.md §6.3).
//!
//! | offset | size | field |
//! |---|---|---|
//! | 0x000 | 48 | envelope header, magic `asrcbM` + be16 user-data type |
//! | 0x030 | 8 | flags (MSB0 bit 0: disable dump) |
//! | 0x038 | 208 | boot-header tags of the target image |
//! | 0x108 | 16 | configuration unique id (zero if not given) |
//! | 0x118 | 256 | reserved |
//! | 0x218 | 512 | user-data area |
//! | 0x418 | 160 | customer public key |
//! | 0x4b8 | 80·nks | key slots |
//! | … | 16 or 48 | secret header (type, length, id) |
//! | … | len + 32 | encrypted: secret value ‖ extension secret |
//! | … | 16 | tag |
//!
//! The secret id of a listable secret is at `0x4b8 + 80·nks + 0x10` (s390_pv's `bin_id`
//! reads a wrong offset; crypto-perf-and-oracle.md §6.6).

use alloc::vec::Vec;
use hkdf::Hkdf;
use p521::PublicKey;
use sha2::Sha512;

use super::envelope::{self, Envelope, RequestKeys, RequestOpener, TAG_LEN};
use super::measurement::{BOOT_HDR_TAGS_LEN, BootHdrTags, CUID_LEN};
use super::secret_kind::{GuestSecret, SecretId, SecretKind};
use super::user_data::{USER_DATA_AREA_LEN, UserData, UserDataType};
use super::{RequestKind, array_at, be16, be32, be64};
use crate::ecc::EcPubCoords;
use crate::secret::{Secret, SecretVec};
use crate::{Error, Result};

/// The first six magic bytes; the last two are the user-data type.
pub const MAGIC_PREFIX: [u8; 6] = *b"asrcbM";
/// Offset of the flags.
pub const FLAGS_OFFSET: usize = 0x30;
/// Offset of the boot-header tags.
pub const TAGS_OFFSET: usize = 0x38;
/// Offset of the configuration unique id.
pub const CUID_OFFSET: usize = 0x108;
/// Offset of the user-data area.
pub const USER_DATA_OFFSET: usize = 0x218;
/// Offset of the customer public key.
pub const CUSTOMER_KEY_OFFSET: usize = 0x418;
/// Size of the extension secret.
pub const EXTENSION_SECRET_LEN: usize = 32;
/// HKDF info of the CCK-derived extension secret.
pub const EXTENSION_SECRET_INFO: &[u8] = b"IBM Z Ultravisor Add-Secret";

const _: () = assert!(TAGS_OFFSET + BOOT_HDR_TAGS_LEN == CUID_OFFSET);
const _: () = assert!(CUID_OFFSET + CUID_LEN + 256 == USER_DATA_OFFSET);
const _: () = assert!(USER_DATA_OFFSET + USER_DATA_AREA_LEN == CUSTOMER_KEY_OFFSET);

bitflags::bitflags! {
    /// Add-secret flags at 0x30, MSB0 bit numbering (§4.5).
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
    pub struct AddSecretFlags: u64 {
        /// Bit 0: after this request, the Ultravisor refuses host-initiated dumps of the
        /// guest.
        const DISABLE_DUMP = 1 << 63;
    }
}

impl AddSecretFlags {
    /// Parses the flag word; unknown bits give [`Error::AddSecretFlags`].
    pub fn from_word(word: u64) -> Result<Self> {
        Self::from_bits(word).ok_or(Error::AddSecretFlags { flags: word & !Self::all().bits() })
    }
}

/// The extension secret sent along with every secret (§4.5).
#[derive(Debug, Clone, Default)]
pub enum ExtensionSecret {
    /// 32 zero bytes (the default).
    #[default]
    Zero,
    /// A given value.
    Simple(Secret<EXTENSION_SECRET_LEN>),
    /// Derived from the customer communication key and the target image's header tag;
    /// the Ultravisor demands this form when the image sets SCF bit 1.
    DerivedFromCck(Secret<32>),
}

impl ExtensionSecret {
    /// The 32 bytes for an image with these boot-header tags.
    pub fn resolve(&self, tags: &BootHdrTags) -> Secret<EXTENSION_SECRET_LEN> {
        match self {
            Self::Zero => Secret::new([0; EXTENSION_SECRET_LEN]),
            Self::Simple(s) => s.clone(),
            Self::DerivedFromCck(cck) => derive_extension_secret(cck, &tags.tag),
        }
    }
}

/// `HKDF-SHA512(IKM = CCK, salt = SE-header tag, info = "IBM Z Ultravisor Add-Secret",
/// L = 32)`.
pub fn derive_extension_secret(cck: &Secret<32>, header_tag: &[u8; 16]) -> Secret<32> {
    let hk = Hkdf::<Sha512>::new(Some(header_tag), cck.expose());
    let mut out = Secret::new([0; EXTENSION_SECRET_LEN]);
    // 32 bytes is far below HKDF-SHA512's limit of 255·64, so expand cannot fail.
    let _ = hk.expand(EXTENSION_SECRET_INFO, out.expose_mut());
    out
}

/// An add-secret request before sealing.
#[derive(Debug, Clone)]
pub struct AddSecretRequest {
    flags: AddSecretFlags,
    tags: BootHdrTags,
    cuid: [u8; CUID_LEN],
    user_data: UserData,
    secret: GuestSecret,
    extension: ExtensionSecret,
}

impl AddSecretRequest {
    /// A request for the image with `tags`: no flags, zero CUID, no user data, zero
    /// extension secret.
    pub fn new(secret: GuestSecret, tags: BootHdrTags) -> Self {
        Self {
            flags: AddSecretFlags::empty(),
            tags,
            cuid: [0; CUID_LEN],
            user_data: UserData::None,
            secret,
            extension: ExtensionSecret::Zero,
        }
    }

    /// Sets the flags.
    pub fn with_flags(mut self, flags: AddSecretFlags) -> Self {
        self.flags = flags;
        self
    }

    /// Binds the request to one configuration (`--cuid`).
    pub fn with_cuid(mut self, cuid: [u8; CUID_LEN]) -> Self {
        self.cuid = cuid;
        self
    }

    /// Sets the user data (size limits are checked when sealing).
    pub fn with_user_data(mut self, user_data: UserData) -> Self {
        self.user_data = user_data;
        self
    }

    /// Sets the extension secret.
    pub fn with_extension_secret(mut self, ext: ExtensionSecret) -> Self {
        self.extension = ext;
        self
    }

    /// The secret.
    pub fn secret(&self) -> &GuestSecret {
        &self.secret
    }

    /// Builds the ASRCB bytes for `hosts` (1 to 255 host keys). With signed user data the
    /// request is sealed, signed and sealed again (only the tag changes).
    pub fn seal(&self, hosts: &[PublicKey], keys: &RequestKeys) -> Result<Vec<u8>> {
        AddSecretFlags::from_word(self.flags.bits())?;
        let area = self.user_data.area()?;
        let mut magic = [0u8; 8];
        magic[..6].copy_from_slice(&MAGIC_PREFIX);
        magic[6..].copy_from_slice(&self.user_data.data_type().code().to_be_bytes());

        let mut specific = Vec::with_capacity(CUSTOMER_KEY_OFFSET - FLAGS_OFFSET);
        specific.extend_from_slice(&self.flags.bits().to_be_bytes());
        specific.extend_from_slice(&self.tags.to_bytes());
        specific.extend_from_slice(&self.cuid);
        specific.resize(USER_DATA_OFFSET - FLAGS_OFFSET, 0);
        specific.extend_from_slice(&area);

        let value = self.secret.value().expose();
        let mut plain = SecretVec::new(Vec::with_capacity(value.len() + EXTENSION_SECRET_LEN));
        plain.expose_mut().extend_from_slice(value);
        plain.expose_mut().extend_from_slice(self.extension.resolve(&self.tags).expose());

        let header = self.secret.header_bytes();
        let sea = plain.expose().len();
        let aad = envelope::build_aad(&magic, &specific, &header, sea, hosts, keys)?;
        let aad_len = aad.len();
        if matches!(self.user_data, UserData::None | UserData::Unsigned(_)) {
            return Ok(envelope::seal(aad, plain.expose(), keys));
        }
        let first = envelope::seal(aad, plain.expose(), keys);
        let msg = &first[..first.len() - TAG_LEN];
        let mut aad = first[..aad_len].to_vec();
        self.user_data.sign_into(msg, &mut aad[USER_DATA_OFFSET..CUSTOMER_KEY_OFFSET])?;
        Ok(envelope::seal(aad, plain.expose(), keys))
    }

    /// Opens an ASRCB as the Ultravisor does (or as the customer).
    ///
    /// Checks in the Ultravisor's order (uv-spec.md §1.6, Add Secret): magic and user-data
    /// type, version, size, nks, the secret-header size (16 or 48) and sea (≥ 32), the
    /// flags, then key slot and tag, then the secret type and its length.
    pub fn open(bytes: &[u8], opener: &RequestOpener<'_>) -> Result<OpenedAddSecretRequest> {
        let env = Envelope::parse(bytes, RequestKind::AddSecret)?;
        let user_data_type = UserDataType::from_code(be16(bytes, 6))?;
        let header = env.trailing();
        if header.len() != 16 && header.len() != 48 {
            return Err(Error::RequestLength { rql: env.rql() as u32, available: bytes.len() });
        }
        if env.sea() < EXTENSION_SECRET_LEN {
            return Err(Error::RequestEncryptedSize { sea: env.sea() as u32 });
        }
        let flags = AddSecretFlags::from_word(be64(bytes, FLAGS_OFFSET))?;
        let customer_key = env.customer_key()?;
        let (protection_key, plain) = env.open(opener)?;

        let kind = SecretKind::from_code(be16(header, 2))?;
        if kind.header_len() != header.len() {
            return Err(Error::SecretType { kind: kind.code() });
        }
        let secret_len = be32(header, 4) as usize;
        if secret_len != env.sea() - EXTENSION_SECRET_LEN {
            return Err(Error::SecretLength { kind: kind.code(), len: secret_len });
        }
        let id = kind.has_id().then(|| SecretId(array_at(header, 16)));
        let p = plain.expose();
        let value = SecretVec::new(p[..secret_len].to_vec());
        let secret = GuestSecret::from_parts(kind, id, value)?;
        let extension_secret = Secret::from_slice(&p[secret_len..])?;
        Ok(OpenedAddSecretRequest {
            user_data_type,
            flags,
            tags: BootHdrTags::from_slice(&bytes[TAGS_OFFSET..CUID_OFFSET])?,
            cuid: array_at(bytes, CUID_OFFSET),
            user_data_area: array_at(bytes, USER_DATA_OFFSET),
            nks: env.nks(),
            iv: env.iv(),
            customer_key,
            protection_key,
            secret,
            extension_secret,
        })
    }
}

/// Reads the secret type and id of a sealed request without decrypting it (unauthenticated,
/// like `pvsecret verify` prints them): the id sits at `0x4b8 + 80·nks + 0x10`. `None` for
/// types without an id.
pub fn peek_secret_id(request: &[u8]) -> Result<(SecretKind, Option<SecretId>)> {
    let env = Envelope::parse(request, RequestKind::AddSecret)?;
    let header = env.trailing();
    if header.len() < 16 {
        return Err(Error::RequestLength { rql: env.rql() as u32, available: request.len() });
    }
    let kind = SecretKind::from_code(be16(header, 2))?;
    if kind.header_len() != header.len() {
        return Err(Error::SecretType { kind: kind.code() });
    }
    Ok((kind, kind.has_id().then(|| SecretId(array_at(header, 16)))))
}

/// A decrypted ASRCB: the secret, the extension secret and every authenticated field.
#[derive(Debug, Clone)]
pub struct OpenedAddSecretRequest {
    /// The user-data type from the magic.
    pub user_data_type: UserDataType,
    /// The flags.
    pub flags: AddSecretFlags,
    /// The boot-header tags of the target image.
    pub tags: BootHdrTags,
    /// The configuration unique id (zero if not given).
    pub cuid: [u8; CUID_LEN],
    /// The 512-byte user-data area.
    pub user_data_area: [u8; USER_DATA_AREA_LEN],
    /// Number of key slots.
    pub nks: usize,
    /// The GCM IV.
    pub iv: [u8; 12],
    /// The customer public key of the request.
    pub customer_key: EcPubCoords,
    /// The request protection key.
    pub protection_key: Secret<32>,
    /// The secret (type, id, value).
    pub secret: GuestSecret,
    /// The extension secret.
    pub extension_secret: Secret<EXTENSION_SECRET_LEN>,
}

impl OpenedAddSecretRequest {
    /// The user data part of the area (unsigned: all 512 bytes, zero-padded; signed: the
    /// data part; none: empty).
    pub fn user_data(&self) -> &[u8] {
        self.user_data_type.split_area(&self.user_data_area).0
    }

    /// The user-data signature, for signed types.
    pub fn user_data_signature(&self) -> Option<&[u8]> {
        self.user_data_type.split_area(&self.user_data_area).1
    }

    /// Whether the extension secret is the one derived from `cck` for this request's
    /// image (what the Ultravisor demands when the image sets SCF bit 1). Constant time.
    pub fn extension_secret_is_derived_from(&self, cck: &Secret<32>) -> bool {
        let want = derive_extension_secret(cck, &self.tags.tag);
        let diff = want
            .expose()
            .iter()
            .zip(self.extension_secret.expose())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b));
        core::hint::black_box(diff) == 0
    }

    /// Whether the CUID was set (non-zero).
    pub fn has_cuid(&self) -> bool {
        self.cuid != [0; CUID_LEN]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ecc::CustomerKey;
    use crate::rand::CounterRandom;

    fn tags() -> BootHdrTags {
        BootHdrTags::new([1; 64], [2; 64], [3; 64], [4; 16])
    }

    #[test]
    fn derive_known_answer() {
        // CCK 0x00*32 and tag 0x04*16 (s390_pv exp/asrcb/*_derived_*); value computed
        // independently with Python `cryptography` HKDF.
        let a = derive_extension_secret(&Secret::new([0; 32]), &[4; 16]);
        let want = [
            0xb7, 0xe2, 0x8c, 0x1e, 0xd1, 0xec, 0xd0, 0x63, 0xaf, 0xe5, 0xeb, 0x9b, 0x54, 0xc6,
            0x68, 0x5a, 0xca, 0x5c, 0x19, 0x31, 0x63, 0xe8, 0x2e, 0x20, 0x71, 0xc3, 0x15, 0x0e,
            0xd6, 0xff, 0x64, 0x73,
        ];
        assert_eq!(a.expose(), &want);
        assert_eq!(ExtensionSecret::Zero.resolve(&tags()).expose(), &[0; 32]);
    }

    #[test]
    fn seal_open_and_checks() {
        let mut rng = CounterRandom::new(b"asrcb");
        let keys = RequestKeys::generate(&mut rng).unwrap();
        let host = CustomerKey::generate(&mut rng).unwrap();
        let id = SecretId::from_name("p");
        let req = AddSecretRequest::new(GuestSecret::plaintext(id, b"hello").unwrap(), tags())
            .with_flags(AddSecretFlags::DISABLE_DUMP)
            .with_user_data(UserData::Unsigned(b"ud".to_vec()));
        let bytes = req.seal(&[host.public_key()], &keys).unwrap();
        let o = AddSecretRequest::open(&bytes, &RequestOpener::HostKey(&host)).unwrap();
        assert_eq!(o.secret, *req.secret());
        assert_eq!(o.secret.plaintext_data().unwrap().expose(), b"hello");
        assert_eq!(o.flags, AddSecretFlags::DISABLE_DUMP);
        assert_eq!(&o.user_data()[..3], b"ud\0");
        assert!(!o.has_cuid());
        let mut bad = bytes.clone();
        bad[FLAGS_OFFSET + 7] = 1;
        assert_eq!(
            AddSecretRequest::open(&bad, &RequestOpener::HostKey(&host)).unwrap_err(),
            Error::AddSecretFlags { flags: 1 }
        );
        let mut bad = bytes.clone();
        bad[7] = 9;
        assert_eq!(
            AddSecretRequest::open(&bad, &RequestOpener::HostKey(&host)).unwrap_err(),
            Error::UserDataType { code: 9 }
        );
        let too_long = req.clone().with_user_data(UserData::Unsigned(alloc::vec![0; 513]));
        assert!(matches!(
            too_long.seal(&[host.public_key()], &keys),
            Err(Error::UserDataTooLong { .. })
        ));
    }
}
