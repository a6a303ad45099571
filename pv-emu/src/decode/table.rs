//! The opcode table: every instruction the decoder knows, with its format, opcode and
//! assembler operand syntax (z/Architecture Principles of Operation, chapter 7 onwards and
//! appendix B, "Lists of Instructions"). Built for pvsim from those facts.
//!
//! Opcode numbers: one-byte opcodes are `0xNN`; 16-bit opcodes are `0xNNNN` (first byte,
//! then bits 8-15 for E/RRE/RRF/S/SIL/SSE, or bits 40-47 for RXE/RXY/RSY/SIY/RIE/RIS/RRS/
//! RSL); 12-bit opcodes are `0xNNN` (first byte, then bits 12-15, for RI/RIL/SSF).
//!
//! Syntax tokens (comma separated, in assembler order): a kind letter and an operand
//! number. `R` general register, `F` floating-point register, `A` access register, `C`
//! control register, `M`/`U` unsigned immediate or mask, `I` signed immediate, `J`
//! relative-immediate target (RRD-format instructions use the RRF layout, so their R1
//! is the RRF R3 position and their R3 the RRF R1 position); `Dn(Xn,Bn)`, `Dn(Bn)`, `Dn(L,Bn)`, `Dn(Ln,Bn)` are storage
//! operands. A trailing `?` marks an operand that assemblers omit when it and every later
//! operand is zero. `_n` names a field that is neither printed nor required to be zero;
//! every other field the syntax does not name must be zero for binutils to recognise the
//! instruction.

use super::Format;

/// How the disassembler may replace the mnemonic (binutils' extended mnemonics).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Ext {
    /// No extended form.
    N,
    /// Branch relative on condition: `j<cond>`, `j`, `jnop`.
    Bj,
    /// Branch relative on condition long: `jg<cond>`, `jg`, `jgnop`.
    Bjg,
    /// Branch on condition: `b<cond>`, `b`, `nop`.
    Bb,
    /// Branch on condition register: `b<cond>r`, `br`, `nopr`.
    Bbr,
    /// Compare and branch/trap: mask 2/4/6/8/10/12 become `h/l/ne/e/nl/nh`.
    Cmp,
    /// On-condition instructions: masks 1-14 become condition suffixes.
    Cond,
    /// RISBG family: I4 bit 0 (zero remaining bits) becomes a `z` suffix.
    Z,
    /// Not in binutils' table: objdump prints the bytes as `.long`.
    Hid,
}

/// Static facts about one instruction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OpInfo {
    /// The instruction.
    pub op: Op,
    /// The base mnemonic.
    pub name: &'static str,
    /// The format.
    pub format: Format,
    /// The opcode (see the module documentation for the numbering).
    pub opcode: u16,
    /// The assembler operand syntax.
    pub syntax: &'static str,
    /// The extended-mnemonic rule.
    pub ext: Ext,
}

macro_rules! op_table {
    ($($var:ident $name:literal $fmt:ident $opc:literal $syn:literal $ext:ident;)*) => {
        /// Every instruction the decoder knows (base mnemonics).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[repr(u16)]
        pub enum Op {
            $(#[doc = concat!("`", $name, "`")] $var,)*
        }

        /// The table, indexed by `Op as usize`.
        pub static OPS: &[OpInfo] = OPS_CONST;

        pub(crate) const OPS_CONST: &[OpInfo] = &[
            $(OpInfo {
                op: Op::$var,
                name: $name,
                format: Format::$fmt,
                opcode: $opc,
                syntax: $syn,
                ext: Ext::$ext,
            },)*
        ];
    };
}

impl Op {
    /// The static facts about this instruction.
    pub fn info(self) -> &'static OpInfo {
        &OPS[self as usize]
    }

    /// The base mnemonic.
    pub fn name(self) -> &'static str {
        self.info().name
    }

    /// The format.
    pub fn format(self) -> Format {
        self.info().format
    }
}

op_table! {
    // ---- E
    Pr "pr" E 0x0101 "" N;
    Upt "upt" E 0x0102 "" N;
    Ptff "ptff" E 0x0104 "" N;
    Sckpf "sckpf" E 0x0107 "" N;
    Tam "tam" E 0x010b "" N;
    Sam24 "sam24" E 0x010c "" N;
    Sam31 "sam31" E 0x010d "" N;
    Sam64 "sam64" E 0x010e "" N;
    Trap2 "trap2" E 0x01ff "" N;
    // ---- I
    Svc "svc" I 0x0a "U1" N;
    // ---- RR
    Spm "spm" Rr 0x04 "R1" N;
    Balr "balr" Rr 0x05 "R1,R2" N;
    Bctr "bctr" Rr 0x06 "R1,R2" N;
    Bcr "bcr" Rr 0x07 "M1,R2" Bbr;
    Bsm "bsm" Rr 0x0b "R1,R2" N;
    Bassm "bassm" Rr 0x0c "R1,R2" N;
    Basr "basr" Rr 0x0d "R1,R2" N;
    Mvcl "mvcl" Rr 0x0e "R1,R2" N;
    Clcl "clcl" Rr 0x0f "R1,R2" N;
    Lpr "lpr" Rr 0x10 "R1,R2" N;
    Lnr "lnr" Rr 0x11 "R1,R2" N;
    Ltr "ltr" Rr 0x12 "R1,R2" N;
    Lcr "lcr" Rr 0x13 "R1,R2" N;
    Nr "nr" Rr 0x14 "R1,R2" N;
    Clr "clr" Rr 0x15 "R1,R2" N;
    Or "or" Rr 0x16 "R1,R2" N;
    Xr "xr" Rr 0x17 "R1,R2" N;
    Lr "lr" Rr 0x18 "R1,R2" N;
    Cr "cr" Rr 0x19 "R1,R2" N;
    Ar "ar" Rr 0x1a "R1,R2" N;
    Sr "sr" Rr 0x1b "R1,R2" N;
    Mr "mr" Rr 0x1c "R1,R2" N;
    Dr "dr" Rr 0x1d "R1,R2" N;
    Alr "alr" Rr 0x1e "R1,R2" N;
    Slr "slr" Rr 0x1f "R1,R2" N;
    Ldr "ldr" Rr 0x28 "F1,F2" N;
    Ler "ler" Rr 0x38 "F1,F2" N;
    // ---- RX
    Sth "sth" Rx 0x40 "R1,D2(X2,B2)" N;
    La "la" Rx 0x41 "R1,D2(X2,B2)" N;
    Stc "stc" Rx 0x42 "R1,D2(X2,B2)" N;
    Ic "ic" Rx 0x43 "R1,D2(X2,B2)" N;
    Ex "ex" Rx 0x44 "R1,D2(X2,B2)" N;
    Bal "bal" Rx 0x45 "R1,D2(X2,B2)" N;
    Bct "bct" Rx 0x46 "R1,D2(X2,B2)" N;
    Bc "bc" Rx 0x47 "M1,D2(X2,B2)" Bb;
    Lh "lh" Rx 0x48 "R1,D2(X2,B2)" N;
    Ch "ch" Rx 0x49 "R1,D2(X2,B2)" N;
    Ah "ah" Rx 0x4a "R1,D2(X2,B2)" N;
    Sh "sh" Rx 0x4b "R1,D2(X2,B2)" N;
    Mh "mh" Rx 0x4c "R1,D2(X2,B2)" N;
    Bas "bas" Rx 0x4d "R1,D2(X2,B2)" N;
    Cvd "cvd" Rx 0x4e "R1,D2(X2,B2)" N;
    Cvb "cvb" Rx 0x4f "R1,D2(X2,B2)" N;
    St "st" Rx 0x50 "R1,D2(X2,B2)" N;
    Lae "lae" Rx 0x51 "R1,D2(X2,B2)" N;
    N "n" Rx 0x54 "R1,D2(X2,B2)" N;
    Cl "cl" Rx 0x55 "R1,D2(X2,B2)" N;
    O "o" Rx 0x56 "R1,D2(X2,B2)" N;
    X "x" Rx 0x57 "R1,D2(X2,B2)" N;
    L "l" Rx 0x58 "R1,D2(X2,B2)" N;
    C "c" Rx 0x59 "R1,D2(X2,B2)" N;
    A "a" Rx 0x5a "R1,D2(X2,B2)" N;
    S "s" Rx 0x5b "R1,D2(X2,B2)" N;
    M "m" Rx 0x5c "R1,D2(X2,B2)" N;
    D "d" Rx 0x5d "R1,D2(X2,B2)" N;
    Al "al" Rx 0x5e "R1,D2(X2,B2)" N;
    Sl "sl" Rx 0x5f "R1,D2(X2,B2)" N;
    Std "std" Rx 0x60 "F1,D2(X2,B2)" N;
    Ld "ld" Rx 0x68 "F1,D2(X2,B2)" N;
    Ste "ste" Rx 0x70 "F1,D2(X2,B2)" N;
    Ms "ms" Rx 0x71 "R1,D2(X2,B2)" N;
    Le "le" Rx 0x78 "F1,D2(X2,B2)" N;
    Lra "lra" Rx 0xb1 "R1,D2(X2,B2)" N;
    // ---- S with one-byte opcode
    Ssm "ssm" S 0x80 "D2(B2)" N;
    Lpsw "lpsw" S 0x82 "D2(B2)" N;
    // ---- RS
    Diag "diag" Rs 0x83 "R1,R3,D2(B2)" N;
    Brxh "brxh" Rsi 0x84 "R1,R3,J2" N;
    Brxle "brxle" Rsi 0x85 "R1,R3,J2" N;
    Bxh "bxh" Rs 0x86 "R1,R3,D2(B2)" N;
    Bxle "bxle" Rs 0x87 "R1,R3,D2(B2)" N;
    Srl "srl" Rs 0x88 "R1,D2(B2)" N;
    Sll "sll" Rs 0x89 "R1,D2(B2)" N;
    Sra "sra" Rs 0x8a "R1,D2(B2)" N;
    Sla "sla" Rs 0x8b "R1,D2(B2)" N;
    Srdl "srdl" Rs 0x8c "R1,D2(B2)" N;
    Sldl "sldl" Rs 0x8d "R1,D2(B2)" N;
    Srda "srda" Rs 0x8e "R1,D2(B2)" N;
    Slda "slda" Rs 0x8f "R1,D2(B2)" N;
    Stm "stm" Rs 0x90 "R1,R3,D2(B2)" N;
    Lm "lm" Rs 0x98 "R1,R3,D2(B2)" N;
    Lam "lam" Rs 0x9a "A1,A3,D2(B2)" N;
    Stam "stam" Rs 0x9b "A1,A3,D2(B2)" N;
    Mvcle "mvcle" Rs 0xa8 "R1,R3,D2(B2)" N;
    Clcle "clcle" Rs 0xa9 "R1,R3,D2(B2)" N;
    Sigp "sigp" Rs 0xae "R1,R3,D2(B2)" N;
    Stctl "stctl" Rs 0xb6 "C1,C3,D2(B2)" N;
    Lctl "lctl" Rs 0xb7 "C1,C3,D2(B2)" N;
    Cs "cs" Rs 0xba "R1,R3,D2(B2)" N;
    Cds "cds" Rs 0xbb "R1,R3,D2(B2)" N;
    Clm "clm" Rs 0xbd "R1,M3,D2(B2)" N;
    Stcm "stcm" Rs 0xbe "R1,M3,D2(B2)" N;
    Icm "icm" Rs 0xbf "R1,M3,D2(B2)" N;
    // ---- SI
    Tm "tm" Si 0x91 "D1(B1),U2" N;
    Mvi "mvi" Si 0x92 "D1(B1),U2" N;
    Ni "ni" Si 0x94 "D1(B1),U2" N;
    Cli "cli" Si 0x95 "D1(B1),U2" N;
    Oi "oi" Si 0x96 "D1(B1),U2" N;
    Xi "xi" Si 0x97 "D1(B1),U2" N;
    Stnsm "stnsm" Si 0xac "D1(B1),U2" N;
    Stosm "stosm" Si 0xad "D1(B1),U2" N;
    // ---- RI (a5x, a7x)
    Iihh "iihh" Ri 0xa50 "R1,U2" N;
    Iihl "iihl" Ri 0xa51 "R1,U2" N;
    Iilh "iilh" Ri 0xa52 "R1,U2" N;
    Iill "iill" Ri 0xa53 "R1,U2" N;
    Nihh "nihh" Ri 0xa54 "R1,U2" N;
    Nihl "nihl" Ri 0xa55 "R1,U2" N;
    Nilh "nilh" Ri 0xa56 "R1,U2" N;
    Nill "nill" Ri 0xa57 "R1,U2" N;
    Oihh "oihh" Ri 0xa58 "R1,U2" N;
    Oihl "oihl" Ri 0xa59 "R1,U2" N;
    Oilh "oilh" Ri 0xa5a "R1,U2" N;
    Oill "oill" Ri 0xa5b "R1,U2" N;
    Llihh "llihh" Ri 0xa5c "R1,U2" N;
    Llihl "llihl" Ri 0xa5d "R1,U2" N;
    Llilh "llilh" Ri 0xa5e "R1,U2" N;
    Llill "llill" Ri 0xa5f "R1,U2" N;
    Tmlh "tmlh" Ri 0xa70 "R1,U2" N;
    Tmll "tmll" Ri 0xa71 "R1,U2" N;
    Tmhh "tmhh" Ri 0xa72 "R1,U2" N;
    Tmhl "tmhl" Ri 0xa73 "R1,U2" N;
    Brc "brc" Ri 0xa74 "M1,J2" Bj;
    Bras "bras" Ri 0xa75 "R1,J2" N;
    Brct "brct" Ri 0xa76 "R1,J2" N;
    Brctg "brctg" Ri 0xa77 "R1,J2" N;
    Lhi "lhi" Ri 0xa78 "R1,I2" N;
    Lghi "lghi" Ri 0xa79 "R1,I2" N;
    Ahi "ahi" Ri 0xa7a "R1,I2" N;
    Aghi "aghi" Ri 0xa7b "R1,I2" N;
    Mhi "mhi" Ri 0xa7c "R1,I2" N;
    Mghi "mghi" Ri 0xa7d "R1,I2" N;
    Chi "chi" Ri 0xa7e "R1,I2" N;
    Cghi "cghi" Ri 0xa7f "R1,I2" N;
    // ---- S (b2xx)
    Stidp "stidp" S 0xb202 "D2(B2)" N;
    Sck "sck" S 0xb204 "D2(B2)" N;
    Stck "stck" S 0xb205 "D2(B2)" N;
    Sckc "sckc" S 0xb206 "D2(B2)" N;
    Stckc "stckc" S 0xb207 "D2(B2)" N;
    Spt "spt" S 0xb208 "D2(B2)" N;
    Stpt "stpt" S 0xb209 "D2(B2)" N;
    Spka "spka" S 0xb20a "D2(B2)" N;
    Ptlb "ptlb" S 0xb20d "" N;
    Spx "spx" S 0xb210 "D2(B2)" N;
    Stpx "stpx" S 0xb211 "D2(B2)" N;
    Stap "stap" S 0xb212 "D2(B2)" N;
    Sie "sie" S 0xb214 "D2(B2)" N;
    Sac "sac" S 0xb219 "D2(B2)" N;
    Servc "servc" Rre 0xb220 "R1,R2" Hid;
    Ipte "ipte" Rrf 0xb221 "R1,R2,R3?,M4?" N;
    Ipm "ipm" Rre 0xb222 "R1" N;
    Iac "iac" Rre 0xb224 "R1" N;
    Iske "iske" Rre 0xb229 "R1,R2" N;
    Rrbe "rrbe" Rre 0xb22a "R1,R2" N;
    Sske "sske" Rrf 0xb22b "R1,R2,M3?" N;
    Tb "tb" Rre 0xb22c "R1,R2" N;
    Csch "csch" S 0xb230 "" N;
    Hsch "hsch" S 0xb231 "" N;
    Msch "msch" S 0xb232 "D2(B2)" N;
    Ssch "ssch" S 0xb233 "D2(B2)" N;
    Stsch "stsch" S 0xb234 "D2(B2)" N;
    Tsch "tsch" S 0xb235 "D2(B2)" N;
    Tpi "tpi" S 0xb236 "D2(B2)" N;
    Rsch "rsch" S 0xb238 "" N;
    Stcrw "stcrw" S 0xb239 "D2(B2)" N;
    Stcps "stcps" S 0xb23a "D2(B2)" N;
    Rchp "rchp" S 0xb23b "" N;
    Schm "schm" S 0xb23c "" N;
    Cksm "cksm" Rre 0xb241 "R1,R2" N;
    Stura "stura" Rre 0xb246 "R1,R2" N;
    Lura "lura" Rre 0xb24b "R1,R2" N;
    Sar "sar" Rre 0xb24e "A1,R2" N;
    Ear "ear" Rre 0xb24f "R1,A2" N;
    Msr "msr" Rre 0xb252 "R1,R2" N;
    Mvpg "mvpg" Rre 0xb254 "R1,R2" N;
    Mvst "mvst" Rre 0xb255 "R1,R2" N;
    Clst "clst" Rre 0xb25d "R1,R2" N;
    Srst "srst" Rre 0xb25e "R1,R2" N;
    Chsc "chsc" Rre 0xb25f "R1,R2" Hid;
    Xsch "xsch" S 0xb276 "" N;
    Stcke "stcke" S 0xb278 "D2(B2)" N;
    Sacf "sacf" S 0xb279 "D2(B2)" N;
    Stckf "stckf" S 0xb27c "D2(B2)" N;
    Stsi "stsi" S 0xb27d "D2(B2)" N;
    Srnm "srnm" S 0xb299 "D2(B2)" N;
    Stfpc "stfpc" S 0xb29c "D2(B2)" N;
    Lfpc "lfpc" S 0xb29d "D2(B2)" N;
    Stfle "stfle" S 0xb2b0 "D2(B2)" N;
    Stfl "stfl" S 0xb2b1 "D2(B2)" N;
    Lpswe "lpswe" S 0xb2b2 "D2(B2)" N;
    Srnmb "srnmb" S 0xb2b8 "D2(B2)" N;
    Lfas "lfas" S 0xb2bd "D2(B2)" N;
    Ppa "ppa" Rrf 0xb2e8 "R1,R2,M3" N;
    Etnd "etnd" Rre 0xb2ec "R1" N;
    Tend "tend" S 0xb2f8 "" N;
    Tabort "tabort" S 0xb2fc "D2(B2)" N;
    Trap4 "trap4" S 0xb2ff "D2(B2)" N;
    // ---- BFP (b3xx)
    Lpebr "lpebr" Rre 0xb300 "F1,F2" N;
    Lnebr "lnebr" Rre 0xb301 "F1,F2" N;
    Ltebr "ltebr" Rre 0xb302 "F1,F2" N;
    Lcebr "lcebr" Rre 0xb303 "F1,F2" N;
    Ldebr "ldebr" Rre 0xb304 "F1,F2" N;
    Lxdbr "lxdbr" Rre 0xb305 "F1,F2" N;
    Lxebr "lxebr" Rre 0xb306 "F1,F2" N;
    Maebr "maebr" Rrf 0xb30e "F3,F1,F2" N;
    Msebr "msebr" Rrf 0xb30f "F3,F1,F2" N;
    Kebr "kebr" Rre 0xb308 "F1,F2" N;
    Cebr "cebr" Rre 0xb309 "F1,F2" N;
    Aebr "aebr" Rre 0xb30a "F1,F2" N;
    Sebr "sebr" Rre 0xb30b "F1,F2" N;
    Debr "debr" Rre 0xb30d "F1,F2" N;
    Lpdbr "lpdbr" Rre 0xb310 "F1,F2" N;
    Lndbr "lndbr" Rre 0xb311 "F1,F2" N;
    Ltdbr "ltdbr" Rre 0xb312 "F1,F2" N;
    Lcdbr "lcdbr" Rre 0xb313 "F1,F2" N;
    Sqebr "sqebr" Rre 0xb314 "F1,F2" N;
    Sqdbr "sqdbr" Rre 0xb315 "F1,F2" N;
    Sqxbr "sqxbr" Rre 0xb316 "F1,F2" N;
    Meebr "meebr" Rre 0xb317 "F1,F2" N;
    Kdbr "kdbr" Rre 0xb318 "F1,F2" N;
    Cdbr "cdbr" Rre 0xb319 "F1,F2" N;
    Adbr "adbr" Rre 0xb31a "F1,F2" N;
    Sdbr "sdbr" Rre 0xb31b "F1,F2" N;
    Mdbr "mdbr" Rre 0xb31c "F1,F2" N;
    Ddbr "ddbr" Rre 0xb31d "F1,F2" N;
    Madbr "madbr" Rrf 0xb31e "F3,F1,F2" N;
    Msdbr "msdbr" Rrf 0xb31f "F3,F1,F2" N;
    Lpxbr "lpxbr" Rre 0xb340 "F1,F2" N;
    Lnxbr "lnxbr" Rre 0xb341 "F1,F2" N;
    Ltxbr "ltxbr" Rre 0xb342 "F1,F2" N;
    Lcxbr "lcxbr" Rre 0xb343 "F1,F2" N;
    Ledbr "ledbr" Rrf 0xb344 "F1,F2" N;
    Ldxbr "ldxbr" Rrf 0xb345 "F1,F2" N;
    Lexbr "lexbr" Rrf 0xb346 "F1,F2" N;
    Fixbr "fixbr" Rrf 0xb347 "F1,M3,F2" N;
    Kxbr "kxbr" Rre 0xb348 "F1,F2" N;
    Cxbr "cxbr" Rre 0xb349 "F1,F2" N;
    Axbr "axbr" Rre 0xb34a "F1,F2" N;
    Sxbr "sxbr" Rre 0xb34b "F1,F2" N;
    Mxbr "mxbr" Rre 0xb34c "F1,F2" N;
    Dxbr "dxbr" Rre 0xb34d "F1,F2" N;
    Fiebr "fiebr" Rrf 0xb357 "F1,M3,F2" N;
    Fidbr "fidbr" Rrf 0xb35f "F1,M3,F2" N;
    Lxr "lxr" Rre 0xb365 "F1,F2" N;
    Lpdfr "lpdfr" Rre 0xb370 "F1,F2" N;
    Lndfr "lndfr" Rre 0xb371 "F1,F2" N;
    Cpsdr "cpsdr" Rrf 0xb372 "F1,F3,F2" N;
    Lcdfr "lcdfr" Rre 0xb373 "F1,F2" N;
    Lzer "lzer" Rre 0xb374 "F1" N;
    Lzdr "lzdr" Rre 0xb375 "F1" N;
    Lzxr "lzxr" Rre 0xb376 "F1" N;
    Sfpc "sfpc" Rre 0xb384 "R1,R2?" N;
    Efpc "efpc" Rre 0xb38c "R1,R2?" N;
    Celfbr "celfbr" Rrf 0xb390 "F1,M3,R2,M4" N;
    Cdlfbr "cdlfbr" Rrf 0xb391 "F1,M3,R2,M4" N;
    Cxlfbr "cxlfbr" Rrf 0xb392 "F1,M3,R2,M4" N;
    Cefbr "cefbr" Rrf 0xb394 "F1,R2" N;
    Cdfbr "cdfbr" Rrf 0xb395 "F1,R2" N;
    Cxfbr "cxfbr" Rrf 0xb396 "F1,R2" N;
    Cfebr "cfebr" Rrf 0xb398 "R1,M3,F2" N;
    Cfdbr "cfdbr" Rrf 0xb399 "R1,M3,F2" N;
    Cfxbr "cfxbr" Rrf 0xb39a "R1,M3,F2" N;
    Clfebr "clfebr" Rrf 0xb39c "R1,M3,F2,M4" N;
    Clfdbr "clfdbr" Rrf 0xb39d "R1,M3,F2,M4" N;
    Clfxbr "clfxbr" Rrf 0xb39e "R1,M3,F2,M4" N;
    Celgbr "celgbr" Rrf 0xb3a0 "F1,M3,R2,M4" N;
    Cdlgbr "cdlgbr" Rrf 0xb3a1 "F1,M3,R2,M4" N;
    Cxlgbr "cxlgbr" Rrf 0xb3a2 "F1,M3,R2,M4" N;
    Cegbr "cegbr" Rrf 0xb3a4 "F1,R2" N;
    Cdgbr "cdgbr" Rrf 0xb3a5 "F1,R2" N;
    Cxgbr "cxgbr" Rrf 0xb3a6 "F1,R2" N;
    Cgebr "cgebr" Rrf 0xb3a8 "R1,M3,F2" N;
    Cgdbr "cgdbr" Rrf 0xb3a9 "R1,M3,F2" N;
    Cgxbr "cgxbr" Rrf 0xb3aa "R1,M3,F2" N;
    Clgebr "clgebr" Rrf 0xb3ac "R1,M3,F2,M4" N;
    Clgdbr "clgdbr" Rrf 0xb3ad "R1,M3,F2,M4" N;
    Clgxbr "clgxbr" Rrf 0xb3ae "R1,M3,F2,M4" N;
    Ldgr "ldgr" Rre 0xb3c1 "F1,R2" N;
    Lgdr "lgdr" Rre 0xb3cd "R1,F2" N;
    // ---- RRE/RRF (b9xx)
    Lpgr "lpgr" Rre 0xb900 "R1,R2" N;
    Lngr "lngr" Rre 0xb901 "R1,R2" N;
    Ltgr "ltgr" Rre 0xb902 "R1,R2" N;
    Lcgr "lcgr" Rre 0xb903 "R1,R2" N;
    Lgr "lgr" Rre 0xb904 "R1,R2" N;
    Lurag "lurag" Rre 0xb905 "R1,R2" N;
    Lgbr "lgbr" Rre 0xb906 "R1,R2" N;
    Lghr "lghr" Rre 0xb907 "R1,R2" N;
    Agr "agr" Rre 0xb908 "R1,R2" N;
    Sgr "sgr" Rre 0xb909 "R1,R2" N;
    Algr "algr" Rre 0xb90a "R1,R2" N;
    Slgr "slgr" Rre 0xb90b "R1,R2" N;
    Msgr "msgr" Rre 0xb90c "R1,R2" N;
    Dsgr "dsgr" Rre 0xb90d "R1,R2" N;
    Lrvgr "lrvgr" Rre 0xb90f "R1,R2" N;
    Lpgfr "lpgfr" Rre 0xb910 "R1,R2" N;
    Lngfr "lngfr" Rre 0xb911 "R1,R2" N;
    Ltgfr "ltgfr" Rre 0xb912 "R1,R2" N;
    Lcgfr "lcgfr" Rre 0xb913 "R1,R2" N;
    Lgfr "lgfr" Rre 0xb914 "R1,R2" N;
    Llgfr "llgfr" Rre 0xb916 "R1,R2" N;
    Llgtr "llgtr" Rre 0xb917 "R1,R2" N;
    Agfr "agfr" Rre 0xb918 "R1,R2" N;
    Sgfr "sgfr" Rre 0xb919 "R1,R2" N;
    Algfr "algfr" Rre 0xb91a "R1,R2" N;
    Slgfr "slgfr" Rre 0xb91b "R1,R2" N;
    Msgfr "msgfr" Rre 0xb91c "R1,R2" N;
    Dsgfr "dsgfr" Rre 0xb91d "R1,R2" N;
    Kmac "kmac" Rre 0xb91e "R1,R2" N;
    Lrvr "lrvr" Rre 0xb91f "R1,R2" N;
    Cgr "cgr" Rre 0xb920 "R1,R2" N;
    Clgr "clgr" Rre 0xb921 "R1,R2" N;
    Sturg "sturg" Rre 0xb925 "R1,R2" N;
    Lbr "lbr" Rre 0xb926 "R1,R2" N;
    Lhr "lhr" Rre 0xb927 "R1,R2" N;
    Pckmo "pckmo" Rre 0xb928 "" N;
    Kmf "kmf" Rre 0xb92a "R1,R2" N;
    Kmo "kmo" Rre 0xb92b "R1,R2" N;
    Pcc "pcc" Rre 0xb92c "" N;
    Kmctr "kmctr" Rrf 0xb92d "R1,R3,R2,_4" N;
    Km "km" Rre 0xb92e "R1,R2" N;
    Kmc "kmc" Rre 0xb92f "R1,R2" N;
    Cgfr "cgfr" Rre 0xb930 "R1,R2" N;
    Clgfr "clgfr" Rre 0xb931 "R1,R2" N;
    Prno "prno" Rre 0xb93c "R1,R2" N;
    Kimd "kimd" Rre 0xb93e "R1,R2" N;
    Klmd "klmd" Rre 0xb93f "R1,R2" N;
    Bctgr "bctgr" Rre 0xb946 "R1,R2" N;
    Cgrt "cgrt" Rrf 0xb960 "R1,R2,M3" Cmp;
    Clgrt "clgrt" Rrf 0xb961 "R1,R2,M3" Cmp;
    Crt "crt" Rrf 0xb972 "R1,R2,M3" Cmp;
    Clrt "clrt" Rrf 0xb973 "R1,R2,M3" Cmp;
    Ngr "ngr" Rre 0xb980 "R1,R2" N;
    Ogr "ogr" Rre 0xb981 "R1,R2" N;
    Xgr "xgr" Rre 0xb982 "R1,R2" N;
    Flogr "flogr" Rre 0xb983 "R1,R2" N;
    Llgcr "llgcr" Rre 0xb984 "R1,R2" N;
    Llghr "llghr" Rre 0xb985 "R1,R2" N;
    Mlgr "mlgr" Rre 0xb986 "R1,R2" N;
    Dlgr "dlgr" Rre 0xb987 "R1,R2" N;
    Alcgr "alcgr" Rre 0xb988 "R1,R2" N;
    Slbgr "slbgr" Rre 0xb989 "R1,R2" N;
    Cspg "cspg" Rre 0xb98a "R1,R2" N;
    Epsw "epsw" Rre 0xb98d "R1,R2" N;
    Idte "idte" Rrf 0xb98e "R1,R3,R2,M4?" N;
    Llcr "llcr" Rre 0xb994 "R1,R2" N;
    Llhr "llhr" Rre 0xb995 "R1,R2" N;
    Mlr "mlr" Rre 0xb996 "R1,R2" N;
    Dlr "dlr" Rre 0xb997 "R1,R2" N;
    Alcr "alcr" Rre 0xb998 "R1,R2" N;
    Slbr "slbr" Rre 0xb999 "R1,R2" N;
    Ptf "ptf" Rre 0xb9a2 "R1" N;
    Uvc "uvc" Rrf 0xb9a4 "R1,R2,M3" Hid;
    Essa "essa" Rrf 0xb9ab "R1,R2,M3" Hid;
    Pfmf "pfmf" Rre 0xb9af "R1,R2" N;
    Popcnt "popcnt" Rrf 0xb9e1 "R1,R2,M3?" N;
    Locgr "locgr" Rrf 0xb9e2 "R1,R2,M3" Cond;
    Ngrk "ngrk" Rrf 0xb9e4 "R1,R2,R3,_4" N;
    Ogrk "ogrk" Rrf 0xb9e6 "R1,R2,R3,_4" N;
    Xgrk "xgrk" Rrf 0xb9e7 "R1,R2,R3,_4" N;
    Agrk "agrk" Rrf 0xb9e8 "R1,R2,R3,_4" N;
    Sgrk "sgrk" Rrf 0xb9e9 "R1,R2,R3,_4" N;
    Algrk "algrk" Rrf 0xb9ea "R1,R2,R3,_4" N;
    Slgrk "slgrk" Rrf 0xb9eb "R1,R2,R3,_4" N;
    Locr "locr" Rrf 0xb9f2 "R1,R2,M3" Cond;
    Nrk "nrk" Rrf 0xb9f4 "R1,R2,R3,_4" N;
    Ork "ork" Rrf 0xb9f6 "R1,R2,R3,_4" N;
    Xrk "xrk" Rrf 0xb9f7 "R1,R2,R3,_4" N;
    Ark "ark" Rrf 0xb9f8 "R1,R2,R3,_4" N;
    Srk "srk" Rrf 0xb9f9 "R1,R2,R3,_4" N;
    Alrk "alrk" Rrf 0xb9fa "R1,R2,R3,_4" N;
    Slrk "slrk" Rrf 0xb9fb "R1,R2,R3,_4" N;
    // ---- RIL
    Larl "larl" Ril 0xc00 "R1,J2" N;
    Lgfi "lgfi" Ril 0xc01 "R1,I2" N;
    Brcl "brcl" Ril 0xc04 "M1,J2" Bjg;
    Brasl "brasl" Ril 0xc05 "R1,J2" N;
    Xihf "xihf" Ril 0xc06 "R1,U2" N;
    Xilf "xilf" Ril 0xc07 "R1,U2" N;
    Iihf "iihf" Ril 0xc08 "R1,U2" N;
    Iilf "iilf" Ril 0xc09 "R1,U2" N;
    Nihf "nihf" Ril 0xc0a "R1,U2" N;
    Nilf "nilf" Ril 0xc0b "R1,U2" N;
    Oihf "oihf" Ril 0xc0c "R1,U2" N;
    Oilf "oilf" Ril 0xc0d "R1,U2" N;
    Llihf "llihf" Ril 0xc0e "R1,U2" N;
    Llilf "llilf" Ril 0xc0f "R1,U2" N;
    Msgfi "msgfi" Ril 0xc20 "R1,I2" N;
    Msfi "msfi" Ril 0xc21 "R1,I2" N;
    Slgfi "slgfi" Ril 0xc24 "R1,U2" N;
    Slfi "slfi" Ril 0xc25 "R1,U2" N;
    Agfi "agfi" Ril 0xc28 "R1,I2" N;
    Afi "afi" Ril 0xc29 "R1,I2" N;
    Algfi "algfi" Ril 0xc2a "R1,U2" N;
    Alfi "alfi" Ril 0xc2b "R1,U2" N;
    Cgfi "cgfi" Ril 0xc2c "R1,I2" N;
    Cfi "cfi" Ril 0xc2d "R1,I2" N;
    Clgfi "clgfi" Ril 0xc2e "R1,U2" N;
    Clfi "clfi" Ril 0xc2f "R1,U2" N;
    Llhrl "llhrl" Ril 0xc42 "R1,J2" N;
    Lghrl "lghrl" Ril 0xc44 "R1,J2" N;
    Lhrl "lhrl" Ril 0xc45 "R1,J2" N;
    Llghrl "llghrl" Ril 0xc46 "R1,J2" N;
    Sthrl "sthrl" Ril 0xc47 "R1,J2" N;
    Lgrl "lgrl" Ril 0xc48 "R1,J2" N;
    Stgrl "stgrl" Ril 0xc4b "R1,J2" N;
    Lgfrl "lgfrl" Ril 0xc4c "R1,J2" N;
    Lrl "lrl" Ril 0xc4d "R1,J2" N;
    Llgfrl "llgfrl" Ril 0xc4e "R1,J2" N;
    Strl "strl" Ril 0xc4f "R1,J2" N;
    Exrl "exrl" Ril 0xc60 "R1,J2" N;
    Pfdrl "pfdrl" Ril 0xc62 "M1,J2" N;
    Cghrl "cghrl" Ril 0xc64 "R1,J2" N;
    Chrl "chrl" Ril 0xc65 "R1,J2" N;
    Clghrl "clghrl" Ril 0xc66 "R1,J2" N;
    Clhrl "clhrl" Ril 0xc67 "R1,J2" N;
    Cgrl "cgrl" Ril 0xc68 "R1,J2" N;
    Clgrl "clgrl" Ril 0xc6a "R1,J2" N;
    Cgfrl "cgfrl" Ril 0xc6c "R1,J2" N;
    Crl "crl" Ril 0xc6d "R1,J2" N;
    Clgfrl "clgfrl" Ril 0xc6e "R1,J2" N;
    Clrl "clrl" Ril 0xc6f "R1,J2" N;
    Brcth "brcth" Ril 0xcc6 "R1,J2" N;
    Aih "aih" Ril 0xcc8 "R1,I2" N;
    Alsih "alsih" Ril 0xcca "R1,I2" N;
    Alsihn "alsihn" Ril 0xccb "R1,I2" N;
    Cih "cih" Ril 0xccd "R1,I2" N;
    Clih "clih" Ril 0xccf "R1,U2" N;
    // ---- SSF
    Mvcos "mvcos" Ssf 0xc80 "D1(B1),D2(B2),R3" N;
    Ectg "ectg" Ssf 0xc81 "D1(B1),D2(B2),R3" N;
    Csst "csst" Ssf 0xc82 "D1(B1),D2(B2),R3" N;
    // ---- SS
    Mvn "mvn" Ss 0xd1 "D1(L,B1),D2(B2)" N;
    Mvc "mvc" Ss 0xd2 "D1(L,B1),D2(B2)" N;
    Mvz "mvz" Ss 0xd3 "D1(L,B1),D2(B2)" N;
    Nc "nc" Ss 0xd4 "D1(L,B1),D2(B2)" N;
    Clc "clc" Ss 0xd5 "D1(L,B1),D2(B2)" N;
    Oc "oc" Ss 0xd6 "D1(L,B1),D2(B2)" N;
    Xc "xc" Ss 0xd7 "D1(L,B1),D2(B2)" N;
    Tr "tr" Ss 0xdc "D1(L,B1),D2(B2)" N;
    Trt "trt" Ss 0xdd "D1(L,B1),D2(B2)" N;
    Mvcin "mvcin" Ss 0xe8 "D1(L,B1),D2(B2)" N;
    Srp "srp" Ss 0xf0 "D1(L1,B1),D2(B2),U3" N;
    // ---- SSE / SIL (e5xx)
    Tprot "tprot" Sse 0xe501 "D1(B1),D2(B2)" N;
    Mvcsk "mvcsk" Sse 0xe50e "D1(B1),D2(B2)" N;
    Mvcdk "mvcdk" Sse 0xe50f "D1(B1),D2(B2)" N;
    Mvhhi "mvhhi" Sil 0xe544 "D1(B1),I2" N;
    Mvghi "mvghi" Sil 0xe548 "D1(B1),I2" N;
    Mvhi "mvhi" Sil 0xe54c "D1(B1),I2" N;
    Chhsi "chhsi" Sil 0xe554 "D1(B1),I2" N;
    Clhhsi "clhhsi" Sil 0xe555 "D1(B1),U2" N;
    Cghsi "cghsi" Sil 0xe558 "D1(B1),I2" N;
    Clghsi "clghsi" Sil 0xe559 "D1(B1),U2" N;
    Chsi "chsi" Sil 0xe55c "D1(B1),I2" N;
    Clfhsi "clfhsi" Sil 0xe55d "D1(B1),U2" N;
    Tbegin "tbegin" Sil 0xe560 "D1(B1),U2" N;
    Tbeginc "tbeginc" Sil 0xe561 "D1(B1),U2" N;
    // ---- RXY (e3xx)
    Ltg "ltg" Rxy 0xe302 "R1,D2(X2,B2)" N;
    Lrag "lrag" Rxy 0xe303 "R1,D2(X2,B2)" N;
    Lg "lg" Rxy 0xe304 "R1,D2(X2,B2)" N;
    Ag "ag" Rxy 0xe308 "R1,D2(X2,B2)" N;
    Sg "sg" Rxy 0xe309 "R1,D2(X2,B2)" N;
    Alg "alg" Rxy 0xe30a "R1,D2(X2,B2)" N;
    Slg "slg" Rxy 0xe30b "R1,D2(X2,B2)" N;
    Msg "msg" Rxy 0xe30c "R1,D2(X2,B2)" N;
    Dsg "dsg" Rxy 0xe30d "R1,D2(X2,B2)" N;
    Lrvg "lrvg" Rxy 0xe30f "R1,D2(X2,B2)" N;
    Lt "lt" Rxy 0xe312 "R1,D2(X2,B2)" N;
    Lray "lray" Rxy 0xe313 "R1,D2(X2,B2)" N;
    Lgf "lgf" Rxy 0xe314 "R1,D2(X2,B2)" N;
    Lgh "lgh" Rxy 0xe315 "R1,D2(X2,B2)" N;
    Llgf "llgf" Rxy 0xe316 "R1,D2(X2,B2)" N;
    Llgt "llgt" Rxy 0xe317 "R1,D2(X2,B2)" N;
    Agf "agf" Rxy 0xe318 "R1,D2(X2,B2)" N;
    Sgf "sgf" Rxy 0xe319 "R1,D2(X2,B2)" N;
    Algf "algf" Rxy 0xe31a "R1,D2(X2,B2)" N;
    Slgf "slgf" Rxy 0xe31b "R1,D2(X2,B2)" N;
    Msgf "msgf" Rxy 0xe31c "R1,D2(X2,B2)" N;
    Dsgf "dsgf" Rxy 0xe31d "R1,D2(X2,B2)" N;
    Lrv "lrv" Rxy 0xe31e "R1,D2(X2,B2)" N;
    Lrvh "lrvh" Rxy 0xe31f "R1,D2(X2,B2)" N;
    Cg "cg" Rxy 0xe320 "R1,D2(X2,B2)" N;
    Clg "clg" Rxy 0xe321 "R1,D2(X2,B2)" N;
    Stg "stg" Rxy 0xe324 "R1,D2(X2,B2)" N;
    Strvg "strvg" Rxy 0xe32f "R1,D2(X2,B2)" N;
    Cgf "cgf" Rxy 0xe330 "R1,D2(X2,B2)" N;
    Clgf "clgf" Rxy 0xe331 "R1,D2(X2,B2)" N;
    Ltgf "ltgf" Rxy 0xe332 "R1,D2(X2,B2)" N;
    Cgh "cgh" Rxy 0xe334 "R1,D2(X2,B2)" N;
    Pfd "pfd" Rxy 0xe336 "M1,D2(X2,B2)" N;
    Strv "strv" Rxy 0xe33e "R1,D2(X2,B2)" N;
    Strvh "strvh" Rxy 0xe33f "R1,D2(X2,B2)" N;
    Bctg "bctg" Rxy 0xe346 "R1,D2(X2,B2)" N;
    Sty "sty" Rxy 0xe350 "R1,D2(X2,B2)" N;
    Msy "msy" Rxy 0xe351 "R1,D2(X2,B2)" N;
    Ny "ny" Rxy 0xe354 "R1,D2(X2,B2)" N;
    Cly "cly" Rxy 0xe355 "R1,D2(X2,B2)" N;
    Oy "oy" Rxy 0xe356 "R1,D2(X2,B2)" N;
    Xy "xy" Rxy 0xe357 "R1,D2(X2,B2)" N;
    Ly "ly" Rxy 0xe358 "R1,D2(X2,B2)" N;
    Cy "cy" Rxy 0xe359 "R1,D2(X2,B2)" N;
    Ay "ay" Rxy 0xe35a "R1,D2(X2,B2)" N;
    Sy "sy" Rxy 0xe35b "R1,D2(X2,B2)" N;
    Aly "aly" Rxy 0xe35e "R1,D2(X2,B2)" N;
    Sly "sly" Rxy 0xe35f "R1,D2(X2,B2)" N;
    Sthy "sthy" Rxy 0xe370 "R1,D2(X2,B2)" N;
    Lay "lay" Rxy 0xe371 "R1,D2(X2,B2)" N;
    Stcy "stcy" Rxy 0xe372 "R1,D2(X2,B2)" N;
    Icy "icy" Rxy 0xe373 "R1,D2(X2,B2)" N;
    Laey "laey" Rxy 0xe375 "R1,D2(X2,B2)" N;
    Lb "lb" Rxy 0xe376 "R1,D2(X2,B2)" N;
    Lgb "lgb" Rxy 0xe377 "R1,D2(X2,B2)" N;
    Lhy "lhy" Rxy 0xe378 "R1,D2(X2,B2)" N;
    Chy "chy" Rxy 0xe379 "R1,D2(X2,B2)" N;
    Ahy "ahy" Rxy 0xe37a "R1,D2(X2,B2)" N;
    Shy "shy" Rxy 0xe37b "R1,D2(X2,B2)" N;
    Ng "ng" Rxy 0xe380 "R1,D2(X2,B2)" N;
    Og "og" Rxy 0xe381 "R1,D2(X2,B2)" N;
    Xg "xg" Rxy 0xe382 "R1,D2(X2,B2)" N;
    Mlg "mlg" Rxy 0xe386 "R1,D2(X2,B2)" N;
    Dlg "dlg" Rxy 0xe387 "R1,D2(X2,B2)" N;
    Alcg "alcg" Rxy 0xe388 "R1,D2(X2,B2)" N;
    Slbg "slbg" Rxy 0xe389 "R1,D2(X2,B2)" N;
    Stpq "stpq" Rxy 0xe38e "R1,D2(X2,B2)" N;
    Lpq "lpq" Rxy 0xe38f "R1,D2(X2,B2)" N;
    Llgc "llgc" Rxy 0xe390 "R1,D2(X2,B2)" N;
    Llgh "llgh" Rxy 0xe391 "R1,D2(X2,B2)" N;
    Llc "llc" Rxy 0xe394 "R1,D2(X2,B2)" N;
    Llh "llh" Rxy 0xe395 "R1,D2(X2,B2)" N;
    Ml "ml" Rxy 0xe396 "R1,D2(X2,B2)" N;
    Dl "dl" Rxy 0xe397 "R1,D2(X2,B2)" N;
    Alc "alc" Rxy 0xe398 "R1,D2(X2,B2)" N;
    Slb "slb" Rxy 0xe399 "R1,D2(X2,B2)" N;
    // ---- RSY / SIY / RSL (ebxx)
    Lmg "lmg" Rsy 0xeb04 "R1,R3,D2(B2)" N;
    Srag "srag" Rsy 0xeb0a "R1,R3,D2(B2)" N;
    Slag "slag" Rsy 0xeb0b "R1,R3,D2(B2)" N;
    Srlg "srlg" Rsy 0xeb0c "R1,R3,D2(B2)" N;
    Sllg "sllg" Rsy 0xeb0d "R1,R3,D2(B2)" N;
    Csy "csy" Rsy 0xeb14 "R1,R3,D2(B2)" N;
    Rllg "rllg" Rsy 0xeb1c "R1,R3,D2(B2)" N;
    Rll "rll" Rsy 0xeb1d "R1,R3,D2(B2)" N;
    Clmh "clmh" Rsy 0xeb20 "R1,M3,D2(B2)" N;
    Clmy "clmy" Rsy 0xeb21 "R1,M3,D2(B2)" N;
    Stmg "stmg" Rsy 0xeb24 "R1,R3,D2(B2)" N;
    Stctg "stctg" Rsy 0xeb25 "C1,C3,D2(B2)" N;
    Stmh "stmh" Rsy 0xeb26 "R1,R3,D2(B2)" N;
    Stcmh "stcmh" Rsy 0xeb2c "R1,M3,D2(B2)" N;
    Stcmy "stcmy" Rsy 0xeb2d "R1,M3,D2(B2)" N;
    Lctlg "lctlg" Rsy 0xeb2f "C1,C3,D2(B2)" N;
    Csg "csg" Rsy 0xeb30 "R1,R3,D2(B2)" N;
    Cdsy "cdsy" Rsy 0xeb31 "R1,R3,D2(B2)" N;
    Cdsg "cdsg" Rsy 0xeb3e "R1,R3,D2(B2)" N;
    Bxhg "bxhg" Rsy 0xeb44 "R1,R3,D2(B2)" N;
    Bxleg "bxleg" Rsy 0xeb45 "R1,R3,D2(B2)" N;
    Ecag "ecag" Rsy 0xeb4c "R1,R3,D2(B2)" N;
    Tmy "tmy" Siy 0xeb51 "D1(B1),U2" N;
    Mviy "mviy" Siy 0xeb52 "D1(B1),U2" N;
    Niy "niy" Siy 0xeb54 "D1(B1),U2" N;
    Cliy "cliy" Siy 0xeb55 "D1(B1),U2" N;
    Oiy "oiy" Siy 0xeb56 "D1(B1),U2" N;
    Xiy "xiy" Siy 0xeb57 "D1(B1),U2" N;
    Asi "asi" Siy 0xeb6a "D1(B1),I2" N;
    Alsi "alsi" Siy 0xeb6e "D1(B1),I2" N;
    Agsi "agsi" Siy 0xeb7a "D1(B1),I2" N;
    Algsi "algsi" Siy 0xeb7e "D1(B1),I2" N;
    Icmh "icmh" Rsy 0xeb80 "R1,M3,D2(B2)" N;
    Icmy "icmy" Rsy 0xeb81 "R1,M3,D2(B2)" N;
    Stmy "stmy" Rsy 0xeb90 "R1,R3,D2(B2)" N;
    Lmh "lmh" Rsy 0xeb96 "R1,R3,D2(B2)" N;
    Lmy "lmy" Rsy 0xeb98 "R1,R3,D2(B2)" N;
    Lamy "lamy" Rsy 0xeb9a "A1,A3,D2(B2)" N;
    Stamy "stamy" Rsy 0xeb9b "A1,A3,D2(B2)" N;
    Tp "tp" Rsl 0xebc0 "D1(L1,B1)" N;
    Srak "srak" Rsy 0xebdc "R1,R3,D2(B2)" N;
    Slak "slak" Rsy 0xebdd "R1,R3,D2(B2)" N;
    Srlk "srlk" Rsy 0xebde "R1,R3,D2(B2)" N;
    Sllk "sllk" Rsy 0xebdf "R1,R3,D2(B2)" N;
    Locg "locg" Rsy 0xebe2 "R1,D2(B2),M3" Cond;
    Stocg "stocg" Rsy 0xebe3 "R1,D2(B2),M3" Cond;
    Lang "lang" Rsy 0xebe4 "R1,R3,D2(B2)" N;
    Laog "laog" Rsy 0xebe6 "R1,R3,D2(B2)" N;
    Laxg "laxg" Rsy 0xebe7 "R1,R3,D2(B2)" N;
    Laag "laag" Rsy 0xebe8 "R1,R3,D2(B2)" N;
    Laalg "laalg" Rsy 0xebea "R1,R3,D2(B2)" N;
    Loc "loc" Rsy 0xebf2 "R1,D2(B2),M3" Cond;
    Stoc "stoc" Rsy 0xebf3 "R1,D2(B2),M3" Cond;
    Lan "lan" Rsy 0xebf4 "R1,R3,D2(B2)" N;
    Lao "lao" Rsy 0xebf6 "R1,R3,D2(B2)" N;
    Lax "lax" Rsy 0xebf7 "R1,R3,D2(B2)" N;
    Laa "laa" Rsy 0xebf8 "R1,R3,D2(B2)" N;
    Laal "laal" Rsy 0xebfa "R1,R3,D2(B2)" N;
    // ---- RIE / RIS / RRS (ecxx)
    Lochi "lochi" RieG 0xec42 "R1,I2,M3" Cond;
    Brxhg "brxhg" RieE 0xec44 "R1,R3,J2" N;
    Brxlg "brxlg" RieE 0xec45 "R1,R3,J2" N;
    Locghi "locghi" RieG 0xec46 "R1,I2,M3" Cond;
    Risblg "risblg" RieF 0xec51 "R1,R2,U3,U4,U5" N;
    Rnsbg "rnsbg" RieF 0xec54 "R1,R2,U3,U4,U5" N;
    Risbg "risbg" RieF 0xec55 "R1,R2,U3,U4,U5" Z;
    Rosbg "rosbg" RieF 0xec56 "R1,R2,U3,U4,U5" N;
    Rxsbg "rxsbg" RieF 0xec57 "R1,R2,U3,U4,U5" N;
    Risbgn "risbgn" RieF 0xec59 "R1,R2,U3,U4,U5" Z;
    Risbhg "risbhg" RieF 0xec5d "R1,R2,U3,U4,U5" N;
    Cgrj "cgrj" RieB 0xec64 "R1,R2,M3,J4" Cmp;
    Clgrj "clgrj" RieB 0xec65 "R1,R2,M3,J4" Cmp;
    Cgit "cgit" RieA 0xec70 "R1,I2,M3" Cmp;
    Clgit "clgit" RieA 0xec71 "R1,U2,M3" Cmp;
    Cit "cit" RieA 0xec72 "R1,I2,M3" Cmp;
    Clfit "clfit" RieA 0xec73 "R1,U2,M3" Cmp;
    Crj "crj" RieB 0xec76 "R1,R2,M3,J4" Cmp;
    Clrj "clrj" RieB 0xec77 "R1,R2,M3,J4" Cmp;
    Cgij "cgij" RieC 0xec7c "R1,I2,M3,J4" Cmp;
    Clgij "clgij" RieC 0xec7d "R1,U2,M3,J4" Cmp;
    Cij "cij" RieC 0xec7e "R1,I2,M3,J4" Cmp;
    Clij "clij" RieC 0xec7f "R1,U2,M3,J4" Cmp;
    Ahik "ahik" RieD 0xecd8 "R1,R3,I2" N;
    Aghik "aghik" RieD 0xecd9 "R1,R3,I2" N;
    Alhsik "alhsik" RieD 0xecda "R1,R3,I2" N;
    Alghsik "alghsik" RieD 0xecdb "R1,R3,I2" N;
    Cgrb "cgrb" Rrs 0xece4 "R1,R2,M3,D4(B4)" Cmp;
    Clgrb "clgrb" Rrs 0xece5 "R1,R2,M3,D4(B4)" Cmp;
    Crb "crb" Rrs 0xecf6 "R1,R2,M3,D4(B4)" Cmp;
    Clrb "clrb" Rrs 0xecf7 "R1,R2,M3,D4(B4)" Cmp;
    Cgib "cgib" Ris 0xecfc "R1,I2,M3,D4(B4)" Cmp;
    Clgib "clgib" Ris 0xecfd "R1,U2,M3,D4(B4)" Cmp;
    Cib "cib" Ris 0xecfe "R1,I2,M3,D4(B4)" Cmp;
    Clib "clib" Ris 0xecff "R1,U2,M3,D4(B4)" Cmp;
    // ---- RXE / RXY (edxx)
    Ldeb "ldeb" Rxe 0xed04 "F1,D2(X2,B2)" N;
    Keb "keb" Rxe 0xed08 "F1,D2(X2,B2)" N;
    Ceb "ceb" Rxe 0xed09 "F1,D2(X2,B2)" N;
    Aeb "aeb" Rxe 0xed0a "F1,D2(X2,B2)" N;
    Seb "seb" Rxe 0xed0b "F1,D2(X2,B2)" N;
    Deb "deb" Rxe 0xed0d "F1,D2(X2,B2)" N;
    Tceb "tceb" Rxe 0xed10 "F1,D2(X2,B2)" N;
    Tcdb "tcdb" Rxe 0xed11 "F1,D2(X2,B2)" N;
    Tcxb "tcxb" Rxe 0xed12 "F1,D2(X2,B2)" N;
    Sqeb "sqeb" Rxe 0xed14 "F1,D2(X2,B2)" N;
    Sqdb "sqdb" Rxe 0xed15 "F1,D2(X2,B2)" N;
    Meeb "meeb" Rxe 0xed17 "F1,D2(X2,B2)" N;
    Kdb "kdb" Rxe 0xed18 "F1,D2(X2,B2)" N;
    Cdb "cdb" Rxe 0xed19 "F1,D2(X2,B2)" N;
    Adb "adb" Rxe 0xed1a "F1,D2(X2,B2)" N;
    Sdb "sdb" Rxe 0xed1b "F1,D2(X2,B2)" N;
    Mdb "mdb" Rxe 0xed1c "F1,D2(X2,B2)" N;
    Ddb "ddb" Rxe 0xed1d "F1,D2(X2,B2)" N;
    Ley "ley" Rxy 0xed64 "F1,D2(X2,B2)" N;
    Ldy "ldy" Rxy 0xed65 "F1,D2(X2,B2)" N;
    Stey "stey" Rxy 0xed66 "F1,D2(X2,B2)" N;
    Stdy "stdy" Rxy 0xed67 "F1,D2(X2,B2)" N;
}
