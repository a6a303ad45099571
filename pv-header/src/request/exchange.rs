//! The `pvattest` exchange file, version 1 (se-format.md §4.4): how an attestation
//! request travels to the guest and the response back.
//!
//! A 0x40-byte header: magic `pvattest`, be32 version 0x0100, be32 total size, 8 reserved
//! bytes, then five `{be32 size, be32 offset}` entries: ARCB, measurement, additional data,
//! user data, CUID. An entry with size 0 is absent; offset 0 with a size means "expected
//! size, no data" (requests: measurement and additional data); an offset inside the header
//! is invalid. Data follows the header in entry order.
//!
//! Limits (those of the `/dev/uv` attestation ioctl, uv-spec.md §8.4): ARCB ≤ 1 MiB,
//! measurement 1..=32 KiB, additional data ≤ 32 KiB, user data ≤ 256, CUID = 16.

use alloc::vec::Vec;

use super::ExchangeField as F;
use super::measurement::{CUID_LEN, USER_DATA_MAX};
use super::{array_at, be32};
use crate::{Error, Result};

/// The magic.
pub const MAGIC: [u8; 8] = *b"pvattest";
/// The only version.
pub const VERSION_1: u32 = 0x0100;
/// Size of the header.
pub const HEADER_LEN: usize = 0x40;
/// Largest ARCB.
pub const ARCB_MAX: usize = 0x10_0000;
/// Largest measurement.
pub const MEASUREMENT_MAX: usize = 0x8000;
/// Largest additional data.
pub const ADDITIONAL_MAX: usize = 0x8000;

const ENTRIES_OFF: usize = 0x18;
const FIELDS: [F; 5] = [F::Arcb, F::Measurement, F::Additional, F::UserData, F::ConfigUid];

enum Entry<'a> {
    Absent,
    Expected(usize),
    Data(&'a [u8]),
}

impl Entry<'_> {
    fn size(&self) -> usize {
        match self {
            Self::Absent => 0,
            Self::Expected(n) => *n,
            Self::Data(d) => d.len(),
        }
    }
}

fn parse(b: &[u8]) -> Result<[Entry<'_>; 5]> {
    if b.len() < HEADER_LEN {
        return Err(Error::TooShort { need: HEADER_LEN, have: b.len() });
    }
    if b[..8] != MAGIC {
        return Err(Error::ExchangeMagic);
    }
    let version = be32(b, 8);
    if version != VERSION_1 {
        return Err(Error::ExchangeVersion { version });
    }
    let total = be32(b, 12) as usize;
    if total > b.len() {
        return Err(Error::TooShort { need: total, have: b.len() });
    }
    let entry = |i: usize| -> Result<Entry<'_>> {
        let size = be32(b, ENTRIES_OFF + 8 * i) as usize;
        let off = be32(b, ENTRIES_OFF + 8 * i + 4) as usize;
        match (size, off) {
            (0, _) => Ok(Entry::Absent),
            (n, 0) => Ok(Entry::Expected(n)),
            (n, o) if o >= HEADER_LEN && o.checked_add(n).is_some_and(|e| e <= b.len()) => {
                Ok(Entry::Data(&b[o..o + n]))
            }
            _ => Err(Error::ExchangeEntry { field: FIELDS[i] }),
        }
    };
    Ok([entry(0)?, entry(1)?, entry(2)?, entry(3)?, entry(4)?])
}

fn check(field: F, size: usize, min: usize, max: usize) -> Result<()> {
    if size < min || size > max {
        return Err(Error::ExchangeFieldSize { field, size });
    }
    Ok(())
}

fn header(total: usize, entries: [(usize, usize); 5]) -> Vec<u8> {
    let mut out = Vec::with_capacity(total);
    out.extend_from_slice(&MAGIC);
    out.extend_from_slice(&VERSION_1.to_be_bytes());
    // Every size is bounded by the limits above, so all of this fits u32.
    out.extend_from_slice(&(total as u32).to_be_bytes());
    out.extend_from_slice(&[0; 8]);
    for (size, off) in entries {
        out.extend_from_slice(&(size as u32).to_be_bytes());
        out.extend_from_slice(&(off as u32).to_be_bytes());
    }
    debug_assert_eq!(out.len(), HEADER_LEN);
    out
}

/// An exchange file holding a request: the ARCB and the sizes the guest must provide for
/// the measurement and the additional data (`pvattest create` output).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExchangeRequest {
    arcb: Vec<u8>,
    measurement_size: usize,
    additional_size: usize,
}

impl ExchangeRequest {
    /// A request; checks the limits.
    pub fn new(arcb: Vec<u8>, measurement_size: usize, additional_size: usize) -> Result<Self> {
        check(F::Arcb, arcb.len(), 1, ARCB_MAX)?;
        check(F::Measurement, measurement_size, 1, MEASUREMENT_MAX)?;
        check(F::Additional, additional_size, 0, ADDITIONAL_MAX)?;
        Ok(Self { arcb, measurement_size, additional_size })
    }

    /// Parses an exchange file as a request. It must hold ARCB data; the measurement and
    /// additional-data sizes come from their entries (expected or with data).
    pub fn from_bytes(b: &[u8]) -> Result<Self> {
        let [arcb, meas, add, _, _] = parse(b)?;
        let Entry::Data(arcb) = arcb else {
            return Err(Error::ExchangeMissing { field: F::Arcb });
        };
        Self::new(arcb.to_vec(), meas.size(), add.size())
    }

    /// The file bytes, laid out as `pvattest create` writes them: header, ARCB; user data
    /// and CUID absent; additional data absent when its size is 0.
    pub fn to_bytes(&self) -> Vec<u8> {
        let total = HEADER_LEN + self.arcb.len();
        let mut out = header(
            total,
            [
                (self.arcb.len(), HEADER_LEN),
                (self.measurement_size, 0),
                (self.additional_size, 0),
                (0, 0),
                (0, 0),
            ],
        );
        out.extend_from_slice(&self.arcb);
        out
    }

    /// The ARCB.
    pub fn arcb(&self) -> &[u8] {
        &self.arcb
    }

    /// The expected measurement size.
    pub fn measurement_size(&self) -> usize {
        self.measurement_size
    }

    /// The expected additional-data size.
    pub fn additional_size(&self) -> usize {
        self.additional_size
    }
}

/// An exchange file holding a response: the ARCB, the measurement, optional additional
/// and user data, and the CUID (`pvattest perform` output, `pvattest verify` input).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExchangeResponse {
    arcb: Vec<u8>,
    measurement: Vec<u8>,
    additional: Option<Vec<u8>>,
    user_data: Option<Vec<u8>>,
    cuid: [u8; CUID_LEN],
}

impl ExchangeResponse {
    /// A response; checks the limits.
    pub fn new(
        arcb: Vec<u8>,
        measurement: Vec<u8>,
        additional: Option<Vec<u8>>,
        user_data: Option<Vec<u8>>,
        cuid: [u8; CUID_LEN],
    ) -> Result<Self> {
        check(F::Arcb, arcb.len(), 1, ARCB_MAX)?;
        check(F::Measurement, measurement.len(), 1, MEASUREMENT_MAX)?;
        if let Some(a) = &additional {
            check(F::Additional, a.len(), 0, ADDITIONAL_MAX)?;
        }
        if let Some(u) = &user_data {
            check(F::UserData, u.len(), 0, USER_DATA_MAX)?;
        }
        Ok(Self { arcb, measurement, additional, user_data, cuid })
    }

    /// Parses an exchange file as a response. ARCB, measurement and a 16-byte CUID must
    /// have data; additional and user data are optional (an expected size counts as
    /// absent).
    pub fn from_bytes(b: &[u8]) -> Result<Self> {
        let [arcb, meas, add, user, cuid] = parse(b)?;
        let data = |e: Entry<'_>| match e {
            Entry::Data(d) => Some(d.to_vec()),
            _ => None,
        };
        let arcb = data(arcb).ok_or(Error::ExchangeMissing { field: F::Arcb })?;
        let measurement = data(meas).ok_or(Error::ExchangeMissing { field: F::Measurement })?;
        let cuid = match cuid {
            Entry::Data(d) if d.len() == CUID_LEN => array_at(d, 0),
            Entry::Data(d) => {
                return Err(Error::ExchangeFieldSize { field: F::ConfigUid, size: d.len() });
            }
            _ => return Err(Error::ExchangeMissing { field: F::ConfigUid }),
        };
        Self::new(arcb, measurement, data(add), data(user), cuid)
    }

    /// The file bytes: header, then ARCB, measurement, additional data, user data and CUID
    /// back to back, absent items taking no space.
    pub fn to_bytes(&self) -> Vec<u8> {
        let parts: [Option<&[u8]>; 5] = [
            Some(&self.arcb),
            Some(&self.measurement),
            self.additional.as_deref(),
            self.user_data.as_deref(),
            Some(&self.cuid),
        ];
        let mut entries = [(0, 0); 5];
        let mut off = HEADER_LEN;
        for (e, p) in entries.iter_mut().zip(parts) {
            if let Some(p) = p {
                *e = (p.len(), off);
                off += p.len();
            }
        }
        let mut out = header(off, entries);
        for p in parts.into_iter().flatten() {
            out.extend_from_slice(p);
        }
        out
    }

    /// The ARCB.
    pub fn arcb(&self) -> &[u8] {
        &self.arcb
    }

    /// The measurement.
    pub fn measurement(&self) -> &[u8] {
        &self.measurement
    }

    /// The additional data (empty if absent).
    pub fn additional(&self) -> &[u8] {
        self.additional.as_deref().unwrap_or_default()
    }

    /// The user data (empty if absent).
    pub fn user_data(&self) -> &[u8] {
        self.user_data.as_deref().unwrap_or_default()
    }

    /// The configuration unique id.
    pub fn cuid(&self) -> &[u8; CUID_LEN] {
        &self.cuid
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;

    #[test]
    fn request_round_trip_and_limits() {
        let r = ExchangeRequest::new(vec![0x11; 16], 64, 0).unwrap();
        let b = r.to_bytes();
        assert_eq!(b.len(), 0x50);
        assert_eq!(&b[0x28..0x30], &[0; 8]);
        assert_eq!(ExchangeRequest::from_bytes(&b).unwrap(), r);
        assert!(ExchangeRequest::new(vec![1], 0, 0).is_err());
        assert!(ExchangeRequest::new(vec![1], 64, ADDITIONAL_MAX + 1).is_err());
        assert!(ExchangeRequest::new(vec![], 64, 0).is_err());
        // Responses need a measurement and a CUID.
        assert_eq!(
            ExchangeResponse::from_bytes(&b).unwrap_err(),
            Error::ExchangeMissing { field: F::Measurement }
        );
    }

    #[test]
    fn malformed_files() {
        let r = ExchangeResponse::new(vec![1; 4], vec![2; 64], None, Some(vec![3; 5]), [4; 16])
            .unwrap();
        let b = r.to_bytes();
        assert_eq!(ExchangeResponse::from_bytes(&b).unwrap(), r);
        let mut bad = b.clone();
        bad[0] ^= 1;
        assert_eq!(ExchangeResponse::from_bytes(&bad).unwrap_err(), Error::ExchangeMagic);
        let mut bad = b.clone();
        bad[8] = 0xff;
        assert!(matches!(ExchangeResponse::from_bytes(&bad), Err(Error::ExchangeVersion { .. })));
        assert!(matches!(
            ExchangeResponse::from_bytes(&b[..b.len() - 1]),
            Err(Error::TooShort { .. })
        ));
        assert!(ExchangeResponse::from_bytes(&b[..12]).is_err());
        let mut bad = b.clone();
        bad[0x1f] = 0x10; // ARCB offset inside the header
        assert_eq!(
            ExchangeResponse::from_bytes(&bad).unwrap_err(),
            Error::ExchangeEntry { field: F::Arcb }
        );
        let mut bad = b.clone();
        bad[0x3b] = 0x0f; // CUID size 15
        assert_eq!(
            ExchangeResponse::from_bytes(&bad).unwrap_err(),
            Error::ExchangeFieldSize { field: F::ConfigUid, size: 15 }
        );
        let mut bad = b.clone();
        bad[0x18..0x20].fill(0); // no ARCB
        assert_eq!(
            ExchangeRequest::from_bytes(&bad).unwrap_err(),
            Error::ExchangeMissing { field: F::Arcb }
        );
        let mut bad = b;
        bad[0x3c..0x40].copy_from_slice(&0xffff_fff8u32.to_be_bytes()); // CUID past the end
        assert_eq!(
            ExchangeResponse::from_bytes(&bad).unwrap_err(),
            Error::ExchangeEntry { field: F::ConfigUid }
        );
    }
}
