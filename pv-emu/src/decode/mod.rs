//! The pure instruction decoder (z/Architecture Principles of Operation, chapter 5,
//! "Instructions"): bytes in, one [`Insn`] (an [`Op`] plus its format's fields) out, and
//! one [`Visitor`] call per instruction. The executor and the disassembler are visitors.

pub mod format;
pub mod table;

pub use format::*;
pub use table::{Ext, OPS, Op, OpInfo};

use crate::Error;

/// The instruction formats (Principles of Operation, "Instruction Formats"). RIE has
/// sub-formats with different field positions, so each has its own variant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[allow(missing_docs)]
pub enum Format {
    E,
    I,
    Rr,
    Rre,
    Rrf,
    Rx,
    Rxe,
    Rxy,
    Rs,
    Rsi,
    Rsy,
    Rsl,
    Ri,
    RieA,
    RieB,
    RieC,
    RieD,
    RieE,
    RieF,
    RieG,
    Ril,
    Ris,
    Rrs,
    S,
    Si,
    Sil,
    Siy,
    Ss,
    Sse,
    Ssf,
}

// An instruction is never empty, so `is_empty` would be meaningless.
#[allow(clippy::len_without_is_empty)]
impl Format {
    /// The instruction length in bytes.
    pub const fn len(self) -> usize {
        match self {
            Self::E | Self::I | Self::Rr => 2,
            Self::Rre
            | Self::Rrf
            | Self::Rx
            | Self::Rs
            | Self::Rsi
            | Self::Ri
            | Self::S
            | Self::Si => 4,
            _ => 6,
        }
    }
}

/// Where an opcode's second part sits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ExtKind {
    /// One-byte opcode.
    None,
    /// Bits 8-15.
    Byte1,
    /// Bits 12-15.
    Nibble1,
    /// Bits 40-47.
    Byte5,
}

const fn ext_kind(format: Format, opcode: u16) -> ExtKind {
    if opcode <= 0xff {
        return ExtKind::None;
    }
    match format {
        Format::Ri | Format::Ril | Format::Ssf => ExtKind::Nibble1,
        Format::Rxe
        | Format::Rxy
        | Format::Rsy
        | Format::Rsl
        | Format::Siy
        | Format::RieA
        | Format::RieB
        | Format::RieC
        | Format::RieD
        | Format::RieE
        | Format::RieF
        | Format::RieG
        | Format::Ris
        | Format::Rrs => ExtKind::Byte5,
        _ => ExtKind::Byte1,
    }
}

const fn first_byte(opcode: u16, kind: ExtKind) -> u8 {
    match kind {
        ExtKind::None => opcode as u8,
        ExtKind::Nibble1 => (opcode >> 4) as u8,
        ExtKind::Byte1 | ExtKind::Byte5 => (opcode >> 8) as u8,
    }
}

const fn second_part(opcode: u16, kind: ExtKind) -> u8 {
    match kind {
        ExtKind::None => 0,
        ExtKind::Nibble1 => (opcode & 0xf) as u8,
        ExtKind::Byte1 | ExtKind::Byte5 => opcode as u8,
    }
}

const NO_OP: u16 = u16::MAX;

struct Lookup {
    kinds: [ExtKind; 256],
    ops: [u16; 65536],
}

const fn build_lookup() -> Lookup {
    let mut kinds = [ExtKind::None; 256];
    let mut ops = [NO_OP; 65536];
    let table = table::OPS_CONST;
    let mut i = 0;
    while i < table.len() {
        let info = &table[i];
        let kind = ext_kind(info.format, info.opcode);
        let b0 = first_byte(info.opcode, kind);
        kinds[b0 as usize] = kind;
        let key = ((b0 as usize) << 8) | second_part(info.opcode, kind) as usize;
        ops[key] = i as u16;
        i += 1;
    }
    Lookup { kinds, ops }
}

static LOOKUP: Lookup = build_lookup();

/// The length of the instruction whose first byte is `b0` (bits 0-1 of the opcode).
pub const fn insn_len(b0: u8) -> usize {
    match b0 >> 6 {
        0 => 2,
        1 | 2 => 4,
        _ => 6,
    }
}

/// Looks up the instruction in `bytes` (which must hold the whole instruction).
pub fn lookup(bytes: &[u8]) -> Option<Op> {
    let b0 = *bytes.first()?;
    let len = insn_len(b0);
    if bytes.len() < len {
        return None;
    }
    let second = match LOOKUP.kinds[b0 as usize] {
        ExtKind::None => 0,
        ExtKind::Byte1 => bytes[1],
        ExtKind::Nibble1 => bytes[1] & 0x0f,
        ExtKind::Byte5 => bytes[5],
    };
    let idx = LOOKUP.ops[((b0 as usize) << 8) | second as usize];
    if idx == NO_OP {
        return None;
    }
    Some(OPS[idx as usize].op)
}

/// The fields of a decoded instruction, by format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[allow(missing_docs)]
pub enum Fields {
    E(E),
    I(I),
    Rr(Rr),
    Rre(Rre),
    Rrf(Rrf),
    Rx(Rx),
    Rxe(Rxe),
    Rxy(Rxy),
    Rs(Rs),
    Rsi(Rsi),
    Rsy(Rsy),
    Rsl(Rsl),
    Ri(Ri),
    RieA(RieA),
    RieB(RieB),
    RieC(RieC),
    RieD(RieD),
    RieE(RieE),
    RieF(RieF),
    RieG(RieG),
    Ril(Ril),
    Ris(Ris),
    Rrs(Rrs),
    S(S),
    Si(Si),
    Sil(Sil),
    Siy(Siy),
    Ss(Ss),
    Sse(Sse),
    Ssf(Ssf),
}

macro_rules! each_format {
    ($m:ident) => {
        $m! {E e, I i, Rr rr, Rre rre, Rrf rrf, Rx rx, Rxe rxe, Rxy rxy, Rs rs, Rsi rsi, Rsy rsy,
        Rsl rsl, Ri ri, RieA rie_a, RieB rie_b, RieC rie_c, RieD rie_d, RieE rie_e,
        RieF rie_f, RieG rie_g, Ril ril, Ris ris, Rrs rrs, S s, Si si, Sil sil, Siy siy,
        Ss ss, Sse sse, Ssf ssf}
    };
}

macro_rules! fields_impl {
    ($($f:ident $m:ident),*) => {
        impl Fields {
            /// Decodes the fields of format `format` from `b` (at least `format.len()` bytes).
            pub fn decode(format: Format, b: &[u8]) -> Self {
                match format {
                    $(Format::$f => Self::$f($f::decode(b)),)*
                }
            }

            /// The format of these fields.
            pub fn format(&self) -> Format {
                match self {
                    $(Self::$f(_) => Format::$f,)*
                }
            }

            fn encode_into(&self, b: &mut [u8]) {
                match self {
                    $(Self::$f(x) => x.encode(b),)*
                }
            }
        }

        /// One method per instruction format; the decoder calls exactly one of them for each
        /// instruction, with the instruction's [`Op`] and its fields.
        pub trait Visitor {
            /// What a visit produces.
            type Output;
            $(
                #[doc = concat!("An instruction of format ", stringify!($f), ".")]
                fn $m(&mut self, op: Op, f: $f) -> Self::Output;
            )*
        }

        impl Insn {
            /// Calls the visitor method of this instruction's format.
            #[inline]
            pub fn accept<V: Visitor + ?Sized>(&self, v: &mut V) -> V::Output {
                match self.fields {
                    $(Fields::$f(x) => v.$m(self.op, x),)*
                }
            }
        }
    };
}

each_format!(fields_impl);

/// A decoded instruction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Insn {
    /// The instruction.
    pub op: Op,
    /// Its fields.
    pub fields: Fields,
}

#[allow(clippy::len_without_is_empty)]
impl Insn {
    /// A placeholder (BCR 0,0) for empty cache slots.
    pub(crate) const BLANK: Self = Self { op: Op::Bcr, fields: Fields::Rr(Rr { r1: 0, r2: 0 }) };

    /// Builds an instruction; `None` if `fields` is not of `op`'s format.
    pub fn new(op: Op, fields: Fields) -> Option<Self> {
        (fields.format() == op.format()).then_some(Self { op, fields })
    }

    /// Decodes the instruction at the start of `bytes`.
    pub fn decode(bytes: &[u8]) -> Result<Self, Error> {
        let b0 = *bytes.first().ok_or(Error::Truncated { needed: 2 })?;
        let len = insn_len(b0);
        if bytes.len() < len {
            return Err(Error::Truncated { needed: len });
        }
        let op = lookup(bytes).ok_or(Error::UnknownOpcode { len })?;
        Ok(Self { op, fields: Fields::decode(op.format(), bytes) })
    }

    /// The length in bytes.
    #[inline]
    pub fn len(&self) -> usize {
        self.op.format().len()
    }

    /// Encodes into a 6-byte buffer; the instruction occupies the first [`Insn::len`] bytes.
    pub fn encode(&self) -> [u8; 6] {
        let info = self.op.info();
        let kind = ext_kind(info.format, info.opcode);
        let mut b = [0u8; 6];
        b[0] = first_byte(info.opcode, kind);
        let second = second_part(info.opcode, kind);
        match kind {
            ExtKind::None => {}
            ExtKind::Byte1 => b[1] = second,
            ExtKind::Nibble1 => b[1] = second,
            ExtKind::Byte5 => b[5] = second,
        }
        self.fields.encode_into(&mut b);
        b
    }
}

/// Decodes the instruction at the start of `bytes` and calls the visitor once for it.
pub fn decode_with<V: Visitor + ?Sized>(bytes: &[u8], v: &mut V) -> Result<V::Output, Error> {
    Ok(Insn::decode(bytes)?.accept(v))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_consistent() {
        let mut seen = alloc::collections::BTreeSet::new();
        for (i, info) in OPS.iter().enumerate() {
            assert_eq!(info.op as usize, i, "{}", info.name);
            let kind = ext_kind(info.format, info.opcode);
            let b0 = first_byte(info.opcode, kind);
            assert_eq!(insn_len(b0), info.format.len(), "length of {}", info.name);
            assert_eq!(LOOKUP.kinds[b0 as usize], kind, "ext kind of {}", info.name);
            assert!(seen.insert((b0, second_part(info.opcode, kind))), "dup {}", info.name);
            let insn = Insn { op: info.op, fields: Fields::decode(info.format, &[0; 6]) };
            assert_eq!(Insn::decode(&insn.encode()), Ok(insn), "{}", info.name);
        }
    }

    #[test]
    fn decodes_known_bytes() {
        let i = Insn::decode(&[0xe3, 0x10, 0xff, 0xf8, 0xff, 0x71]).unwrap();
        assert_eq!(i.op, Op::Lay);
        assert_eq!(i.fields, Fields::Rxy(Rxy { r1: 1, x2: 0, b2: 15, d2: -8 }));
        let i = Insn::decode(&[0xa7, 0xf4, 0xff, 0xf1]).unwrap();
        assert_eq!((i.op, i.len()), (Op::Brc, 4));
        assert_eq!(Insn::decode(&[0xc0, 0x10, 0, 0, 0]), Err(Error::Truncated { needed: 6 }));
        assert_eq!(Insn::decode(&[0x00, 0x00]), Err(Error::UnknownOpcode { len: 2 }));
        assert_eq!(Insn::decode(&[]), Err(Error::Truncated { needed: 2 }));
    }
}
