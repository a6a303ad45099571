//! Instruction formats (z/Architecture Principles of Operation, chapter 5, "Instruction
//! Formats"). One struct per format; fields keep the names the Principles of Operation
//! give them. Where sub-formats put a mask in a register position (RR for BCR, RI-c,
//! RIL-c, RRF-c, RS-b, RSY-b), the register-named field holds the mask.
//!
//! Every struct can `decode` its fields from the instruction bytes and `encode` them into
//! a buffer that already holds the opcode bits. Bits the format leaves unused are ignored
//! on decode and written as zero on encode, so `decode(encode(x)) == x`.

/// Reads the 12-bit displacement in bits 4-15 of `b[i..i + 2]`.
fn d12(b: &[u8], i: usize) -> u16 {
    (u16::from(b[i] & 0x0f) << 8) | u16::from(b[i + 1])
}

/// Reads the 20-bit signed long displacement (DL at `b[i..i + 2]` bits 4-15, DH at `b[i + 2]`).
fn d20(b: &[u8], i: usize) -> i32 {
    let dl = i32::from(d12(b, i));
    let dh = i32::from(b[i + 2] as i8);
    (dh << 12) | dl
}

fn put_d12(b: &mut [u8], i: usize, base: u8, d: u16) {
    b[i] = (base << 4) | ((d >> 8) as u8 & 0x0f);
    b[i + 1] = d as u8;
}

fn put_d20(b: &mut [u8], i: usize, base: u8, d: i32) {
    put_d12(b, i, base, (d & 0xfff) as u16);
    b[i + 2] = (d >> 12) as u8;
}

fn hi(b: u8) -> u8 {
    b >> 4
}

fn lo(b: u8) -> u8 {
    b & 0x0f
}

fn nib(h: u8, l: u8) -> u8 {
    ((h & 0x0f) << 4) | (l & 0x0f)
}

fn u16_at(b: &[u8], i: usize) -> u16 {
    u16::from_be_bytes([b[i], b[i + 1]])
}

macro_rules! format_struct {
    ($(#[$m:meta])* $name:ident { $($(#[$fm:meta])* $f:ident : $t:ty),* $(,)? }
     decode($db:ident) $dec:block encode($s:ident, $eb:ident) $enc:block) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
        pub struct $name {
            $($(#[$fm])* pub $f: $t,)*
        }

        impl $name {
            /// Extracts the fields from the instruction bytes (at least the format's length).
            pub fn decode($db: &[u8]) -> Self $dec

            /// Writes the fields into `b`, which already holds the opcode bits. Field values
            /// wider than their field are truncated.
            pub fn encode(&self, $eb: &mut [u8]) {
                let $s = self;
                $enc
            }
        }
    };
}

format_struct!(
    /// E format: a 16-bit opcode and nothing else.
    E {}
    decode(_b) { E {} }
    encode(_s, _b) {}
);

format_struct!(
    /// I format: 8-bit opcode, 8-bit immediate (SVC).
    I {
        /// I1: the immediate.
        i1: u8,
    }
    decode(b) { I { i1: b[1] } }
    encode(s, b) { b[1] = s.i1; }
);

format_struct!(
    /// RR format: 8-bit opcode, R1, R2 (R1 is M1 for BCR).
    Rr {
        /// R1 (or M1).
        r1: u8,
        /// R2.
        r2: u8,
    }
    decode(b) { Rr { r1: hi(b[1]), r2: lo(b[1]) } }
    encode(s, b) { b[1] = nib(s.r1, s.r2); }
);

format_struct!(
    /// RRE format: 16-bit opcode, 8 unused bits, R1, R2.
    Rre {
        /// R1.
        r1: u8,
        /// R2.
        r2: u8,
    }
    decode(b) { Rre { r1: hi(b[3]), r2: lo(b[3]) } }
    encode(s, b) { b[2] = 0; b[3] = nib(s.r1, s.r2); }
);

format_struct!(
    /// RRF format (a-e): 16-bit opcode, R3 (or M3), M4, R1, R2.
    Rrf {
        /// R1.
        r1: u8,
        /// R2.
        r2: u8,
        /// R3, or M3 in RRF-b/c/e.
        r3: u8,
        /// M4.
        m4: u8,
    }
    decode(b) { Rrf { r3: hi(b[2]), m4: lo(b[2]), r1: hi(b[3]), r2: lo(b[3]) } }
    encode(s, b) { b[2] = nib(s.r3, s.m4); b[3] = nib(s.r1, s.r2); }
);

format_struct!(
    /// RX format (a/b): 8-bit opcode, R1 (or M1), X2, B2, D2.
    Rx {
        /// R1 (or M1).
        r1: u8,
        /// X2.
        x2: u8,
        /// B2.
        b2: u8,
        /// D2 (12 bits, unsigned).
        d2: u16,
    }
    decode(b) { Rx { r1: hi(b[1]), x2: lo(b[1]), b2: hi(b[2]), d2: d12(b, 2) } }
    encode(s, b) { b[1] = nib(s.r1, s.x2); put_d12(b, 2, s.b2 & 0xf, s.d2); }
);

format_struct!(
    /// RXE format: 8-bit opcode, R1, X2, B2, D2, M3, 4 unused bits, second opcode byte.
    Rxe {
        /// R1.
        r1: u8,
        /// X2.
        x2: u8,
        /// B2.
        b2: u8,
        /// D2 (12 bits, unsigned).
        d2: u16,
        /// M3.
        m3: u8,
    }
    decode(b) { Rxe { r1: hi(b[1]), x2: lo(b[1]), b2: hi(b[2]), d2: d12(b, 2), m3: hi(b[4]) } }
    encode(s, b) { b[1] = nib(s.r1, s.x2); put_d12(b, 2, s.b2 & 0xf, s.d2); b[4] = nib(s.m3, 0); }
);

format_struct!(
    /// RXY format (a/b): 8-bit opcode, R1 (or M1), X2, B2, DL2, DH2, second opcode byte.
    Rxy {
        /// R1 (or M1).
        r1: u8,
        /// X2.
        x2: u8,
        /// B2.
        b2: u8,
        /// D2: the 20-bit signed displacement DH2 || DL2.
        d2: i32,
    }
    decode(b) { Rxy { r1: hi(b[1]), x2: lo(b[1]), b2: hi(b[2]), d2: d20(b, 2) } }
    encode(s, b) { b[1] = nib(s.r1, s.x2); put_d20(b, 2, s.b2 & 0xf, s.d2); }
);

format_struct!(
    /// RS format (a/b): 8-bit opcode, R1, R3 (or M3), B2, D2.
    Rs {
        /// R1.
        r1: u8,
        /// R3 (or M3).
        r3: u8,
        /// B2.
        b2: u8,
        /// D2 (12 bits, unsigned).
        d2: u16,
    }
    decode(b) { Rs { r1: hi(b[1]), r3: lo(b[1]), b2: hi(b[2]), d2: d12(b, 2) } }
    encode(s, b) { b[1] = nib(s.r1, s.r3); put_d12(b, 2, s.b2 & 0xf, s.d2); }
);

format_struct!(
    /// RSI format: 8-bit opcode, R1, R3, RI2 (branch relative on index).
    Rsi {
        /// R1.
        r1: u8,
        /// R3.
        r3: u8,
        /// RI2: signed halfword offset.
        ri2: i16,
    }
    decode(b) { Rsi { r1: hi(b[1]), r3: lo(b[1]), ri2: u16_at(b, 2) as i16 } }
    encode(s, b) { b[1] = nib(s.r1, s.r3); b[2..4].copy_from_slice(&s.ri2.to_be_bytes()); }
);

format_struct!(
    /// RSY format (a/b): 8-bit opcode, R1, R3 (or M3), B2, DL2, DH2, second opcode byte.
    Rsy {
        /// R1.
        r1: u8,
        /// R3 (or M3).
        r3: u8,
        /// B2.
        b2: u8,
        /// D2: the 20-bit signed displacement.
        d2: i32,
    }
    decode(b) { Rsy { r1: hi(b[1]), r3: lo(b[1]), b2: hi(b[2]), d2: d20(b, 2) } }
    encode(s, b) { b[1] = nib(s.r1, s.r3); put_d20(b, 2, s.b2 & 0xf, s.d2); }
);

format_struct!(
    /// RSL-a format: 8-bit opcode, L1, 4 unused bits, B1, D1, 8 unused bits, second opcode byte.
    Rsl {
        /// L1 (length code: operand length minus one).
        l1: u8,
        /// B1.
        b1: u8,
        /// D1 (12 bits).
        d1: u16,
    }
    decode(b) { Rsl { l1: hi(b[1]), b1: hi(b[2]), d1: d12(b, 2) } }
    encode(s, b) { b[1] = nib(s.l1, 0); put_d12(b, 2, s.b1 & 0xf, s.d1); b[4] = 0; }
);

format_struct!(
    /// RI format (a/b/c): 8-bit opcode, R1 (or M1), 4-bit opcode extension, I2 (or RI2).
    Ri {
        /// R1 (or M1).
        r1: u8,
        /// I2: 16 bits, signed or unsigned as the instruction says; RI2 is signed halfwords.
        i2: u16,
    }
    decode(b) { Ri { r1: hi(b[1]), i2: u16_at(b, 2) } }
    encode(s, b) { b[1] = nib(s.r1, lo(b[1])); b[2..4].copy_from_slice(&s.i2.to_be_bytes()); }
);

format_struct!(
    /// RIE-a format (compare immediate and trap): R1, M3, I2.
    RieA {
        /// R1.
        r1: u8,
        /// M3.
        m3: u8,
        /// I2 (16 bits).
        i2: u16,
    }
    decode(b) { RieA { r1: hi(b[1]), m3: hi(b[4]), i2: u16_at(b, 2) } }
    encode(s, b) { b[1] = nib(s.r1, 0); b[2..4].copy_from_slice(&s.i2.to_be_bytes()); b[4] = nib(s.m3, 0); }
);

format_struct!(
    /// RIE-b format (compare and branch relative): R1, R2, RI4, M3.
    RieB {
        /// R1.
        r1: u8,
        /// R2.
        r2: u8,
        /// RI4: signed halfword offset.
        ri4: i16,
        /// M3.
        m3: u8,
    }
    decode(b) { RieB { r1: hi(b[1]), r2: lo(b[1]), ri4: u16_at(b, 2) as i16, m3: hi(b[4]) } }
    encode(s, b) { b[1] = nib(s.r1, s.r2); b[2..4].copy_from_slice(&s.ri4.to_be_bytes()); b[4] = nib(s.m3, 0); }
);

format_struct!(
    /// RIE-c format (compare immediate and branch relative): R1, M3, RI4, I2.
    RieC {
        /// R1.
        r1: u8,
        /// M3.
        m3: u8,
        /// RI4: signed halfword offset.
        ri4: i16,
        /// I2 (8 bits).
        i2: u8,
    }
    decode(b) { RieC { r1: hi(b[1]), m3: lo(b[1]), ri4: u16_at(b, 2) as i16, i2: b[4] } }
    encode(s, b) { b[1] = nib(s.r1, s.m3); b[2..4].copy_from_slice(&s.ri4.to_be_bytes()); b[4] = s.i2; }
);

format_struct!(
    /// RIE-d format (add immediate, three operands): R1, R3, I2.
    RieD {
        /// R1.
        r1: u8,
        /// R3.
        r3: u8,
        /// I2 (16 bits).
        i2: u16,
    }
    decode(b) { RieD { r1: hi(b[1]), r3: lo(b[1]), i2: u16_at(b, 2) } }
    encode(s, b) { b[1] = nib(s.r1, s.r3); b[2..4].copy_from_slice(&s.i2.to_be_bytes()); b[4] = 0; }
);

format_struct!(
    /// RIE-e format (branch relative on index): R1, R3, RI2.
    RieE {
        /// R1.
        r1: u8,
        /// R3.
        r3: u8,
        /// RI2: signed halfword offset.
        ri2: i16,
    }
    decode(b) { RieE { r1: hi(b[1]), r3: lo(b[1]), ri2: u16_at(b, 2) as i16 } }
    encode(s, b) { b[1] = nib(s.r1, s.r3); b[2..4].copy_from_slice(&s.ri2.to_be_bytes()); b[4] = 0; }
);

format_struct!(
    /// RIE-f format (rotate then operate on selected bits): R1, R2, I3, I4, I5.
    RieF {
        /// R1.
        r1: u8,
        /// R2.
        r2: u8,
        /// I3 (start bit, with a control bit).
        i3: u8,
        /// I4 (end bit, with a control bit).
        i4: u8,
        /// I5 (rotate amount).
        i5: u8,
    }
    decode(b) { RieF { r1: hi(b[1]), r2: lo(b[1]), i3: b[2], i4: b[3], i5: b[4] } }
    encode(s, b) { b[1] = nib(s.r1, s.r2); b[2] = s.i3; b[3] = s.i4; b[4] = s.i5; }
);

format_struct!(
    /// RIE-g format (load halfword immediate on condition): R1, M3, I2.
    RieG {
        /// R1.
        r1: u8,
        /// M3.
        m3: u8,
        /// I2 (16 bits).
        i2: u16,
    }
    decode(b) { RieG { r1: hi(b[1]), m3: lo(b[1]), i2: u16_at(b, 2) } }
    encode(s, b) { b[1] = nib(s.r1, s.m3); b[2..4].copy_from_slice(&s.i2.to_be_bytes()); b[4] = 0; }
);

format_struct!(
    /// RIL format (a/b/c): 8-bit opcode, R1 (or M1), 4-bit opcode extension, I2 (or RI2).
    Ril {
        /// R1 (or M1).
        r1: u8,
        /// I2: 32 bits; RI2 is a signed halfword offset.
        i2: u32,
    }
    decode(b) { Ril { r1: hi(b[1]), i2: u32::from_be_bytes([b[2], b[3], b[4], b[5]]) } }
    encode(s, b) { b[1] = nib(s.r1, lo(b[1])); b[2..6].copy_from_slice(&s.i2.to_be_bytes()); }
);

format_struct!(
    /// RIS format (compare immediate and branch): R1, M3, B4, D4, I2.
    Ris {
        /// R1.
        r1: u8,
        /// M3.
        m3: u8,
        /// B4.
        b4: u8,
        /// D4 (12 bits).
        d4: u16,
        /// I2 (8 bits).
        i2: u8,
    }
    decode(b) { Ris { r1: hi(b[1]), m3: lo(b[1]), b4: hi(b[2]), d4: d12(b, 2), i2: b[4] } }
    encode(s, b) { b[1] = nib(s.r1, s.m3); put_d12(b, 2, s.b4 & 0xf, s.d4); b[4] = s.i2; }
);

format_struct!(
    /// RRS format (compare and branch): R1, R2, B4, D4, M3.
    Rrs {
        /// R1.
        r1: u8,
        /// R2.
        r2: u8,
        /// B4.
        b4: u8,
        /// D4 (12 bits).
        d4: u16,
        /// M3.
        m3: u8,
    }
    decode(b) { Rrs { r1: hi(b[1]), r2: lo(b[1]), b4: hi(b[2]), d4: d12(b, 2), m3: hi(b[4]) } }
    encode(s, b) { b[1] = nib(s.r1, s.r2); put_d12(b, 2, s.b4 & 0xf, s.d4); b[4] = nib(s.m3, 0); }
);

format_struct!(
    /// S format: 16-bit (or 8-bit) opcode, B2, D2.
    S {
        /// B2.
        b2: u8,
        /// D2 (12 bits).
        d2: u16,
    }
    decode(b) { S { b2: hi(b[2]), d2: d12(b, 2) } }
    encode(s, b) { put_d12(b, 2, s.b2 & 0xf, s.d2); }
);

format_struct!(
    /// SI format: 8-bit opcode, I2, B1, D1.
    Si {
        /// I2 (8 bits).
        i2: u8,
        /// B1.
        b1: u8,
        /// D1 (12 bits).
        d1: u16,
    }
    decode(b) { Si { i2: b[1], b1: hi(b[2]), d1: d12(b, 2) } }
    encode(s, b) { b[1] = s.i2; put_d12(b, 2, s.b1 & 0xf, s.d1); }
);

format_struct!(
    /// SIL format: 16-bit opcode, B1, D1, I2.
    Sil {
        /// B1.
        b1: u8,
        /// D1 (12 bits).
        d1: u16,
        /// I2 (16 bits).
        i2: u16,
    }
    decode(b) { Sil { b1: hi(b[2]), d1: d12(b, 2), i2: u16_at(b, 4) } }
    encode(s, b) { put_d12(b, 2, s.b1 & 0xf, s.d1); b[4..6].copy_from_slice(&s.i2.to_be_bytes()); }
);

format_struct!(
    /// SIY format: 8-bit opcode, I2, B1, DL1, DH1, second opcode byte.
    Siy {
        /// I2 (8 bits).
        i2: u8,
        /// B1.
        b1: u8,
        /// D1: the 20-bit signed displacement.
        d1: i32,
    }
    decode(b) { Siy { i2: b[1], b1: hi(b[2]), d1: d20(b, 2) } }
    encode(s, b) { b[1] = s.i2; put_d20(b, 2, s.b1 & 0xf, s.d1); }
);

format_struct!(
    /// SS format (a-f): 8-bit opcode, an 8-bit length byte (L, or L1/L2, R1/R3, L1/I3),
    /// B1, D1, B2, D2.
    Ss {
        /// The second byte: L in SS-a, L1 || L2 in SS-b, R1 || R3 in SS-d/e.
        l: u8,
        /// B1.
        b1: u8,
        /// D1 (12 bits).
        d1: u16,
        /// B2.
        b2: u8,
        /// D2 (12 bits).
        d2: u16,
    }
    decode(b) { Ss { l: b[1], b1: hi(b[2]), d1: d12(b, 2), b2: hi(b[4]), d2: d12(b, 4) } }
    encode(s, b) { b[1] = s.l; put_d12(b, 2, s.b1 & 0xf, s.d1); put_d12(b, 4, s.b2 & 0xf, s.d2); }
);

impl Ss {
    /// The high nibble of the length byte (L1 or R1).
    pub const fn l1(&self) -> u8 {
        self.l >> 4
    }

    /// The low nibble of the length byte (L2, R3 or I3).
    pub const fn l2(&self) -> u8 {
        self.l & 0x0f
    }
}

format_struct!(
    /// SSE format: 16-bit opcode, B1, D1, B2, D2.
    Sse {
        /// B1.
        b1: u8,
        /// D1 (12 bits).
        d1: u16,
        /// B2.
        b2: u8,
        /// D2 (12 bits).
        d2: u16,
    }
    decode(b) { Sse { b1: hi(b[2]), d1: d12(b, 2), b2: hi(b[4]), d2: d12(b, 4) } }
    encode(s, b) { put_d12(b, 2, s.b1 & 0xf, s.d1); put_d12(b, 4, s.b2 & 0xf, s.d2); }
);

format_struct!(
    /// SSF format: 8-bit opcode, R3, 4-bit opcode extension, B1, D1, B2, D2.
    Ssf {
        /// R3.
        r3: u8,
        /// B1.
        b1: u8,
        /// D1 (12 bits).
        d1: u16,
        /// B2.
        b2: u8,
        /// D2 (12 bits).
        d2: u16,
    }
    decode(b) { Ssf { r3: hi(b[1]), b1: hi(b[2]), d1: d12(b, 2), b2: hi(b[4]), d2: d12(b, 4) } }
    encode(s, b) { b[1] = nib(s.r3, lo(b[1])); put_d12(b, 2, s.b1 & 0xf, s.d1); put_d12(b, 4, s.b2 & 0xf, s.d2); }
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_displacement_sign() {
        // lay %r1,-8(%r15): e3 10 ff f8 ff 71
        let b = [0xe3, 0x10, 0xff, 0xf8, 0xff, 0x71];
        let f = Rxy::decode(&b);
        assert_eq!(f, Rxy { r1: 1, x2: 0, b2: 15, d2: -8 });
        let mut e = [0xe3, 0, 0, 0, 0, 0x71];
        f.encode(&mut e);
        assert_eq!(e, b);
    }

    #[test]
    fn ss_lengths() {
        // mvc 0(8,%r1),0(%r2): d2 07 10 00 20 00
        let f = Ss::decode(&[0xd2, 0x07, 0x10, 0x00, 0x20, 0x00]);
        assert_eq!(f, Ss { l: 7, b1: 1, d1: 0, b2: 2, d2: 0 });
        assert_eq!((Ss { l: 0x3a, ..f }.l1(), Ss { l: 0x3a, ..f }.l2()), (3, 10));
    }

    #[test]
    fn rie_c_fields() {
        // cije %r1,5,... : ec 18 ff d1 05 7e
        let f = RieC::decode(&[0xec, 0x18, 0xff, 0xd1, 0x05, 0x7e]);
        assert_eq!(f, RieC { r1: 1, m3: 8, ri4: -47, i2: 5 });
    }
}
