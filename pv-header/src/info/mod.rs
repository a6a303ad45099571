//! `pvimg info` output (se-format.md §5): the JSON document (schema `info-v1`: `meta` and
//! `data`, with pvimg's field set, values and key order) and the text forms. The data
//! comes in as an [`InfoView`], a plain copy of the header fields (and, if the header was
//! opened and the caller asks for them, its decrypted secrets); [`InfoView::new`] makes it
//! from a parsed [`SeHdr`].

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

use base64::Engine as _;
use serde_json::{Map, Value, json};

use crate::hdr::{DecryptedSeHdr, SeHdr};
use crate::pcf::PlaintextControlFlags;
use crate::scf::SecretControlFlags;

/// The JSON schema of the document [`to_json`] writes (`--print-schema json`), written
/// for pvsim from se-format.md §5.
pub const SCHEMA_V1: &str = include_str!("schema-v1.json");

/// The decrypted part of a header, shown only with `--show-secrets`.
#[derive(Clone)]
pub struct SecretView {
    /// Customer communication key.
    pub cck: zeroize::Zeroizing<Vec<u8>>,
    /// AES-XTS component key.
    pub xts: zeroize::Zeroizing<Vec<u8>>,
    /// PSW mask.
    pub psw_mask: u64,
    /// PSW address.
    pub psw_addr: u64,
    /// Secret control flags.
    pub scf: u64,
}

/// Every header field `info` shows.
pub struct InfoView {
    /// Whether the header was authenticated with the header key.
    pub verified: bool,
    /// Magic (`IBMSecEx`).
    pub magic: [u8; 8],
    /// Header version word (0x100 = V1).
    pub version: u32,
    /// Header size.
    pub sehs: u32,
    /// GCM IV.
    pub iv: [u8; 12],
    /// Number of key slots.
    pub nks: u64,
    /// Size of the encrypted area.
    pub sea: u64,
    /// Number of encrypted pages.
    pub nep: u64,
    /// Plaintext control flags.
    pub pcf: u64,
    /// Customer public key coordinates (160 bytes).
    pub cust_pub: [u8; 160],
    /// Page list digest.
    pub pld: [u8; 64],
    /// Address list digest.
    pub ald: [u8; 64],
    /// Tweak list digest.
    pub tld: [u8; 64],
    /// Key slots: (phkh, wrpk, kst).
    pub keyslots: Vec<([u8; 32], [u8; 32], [u8; 16])>,
    /// The encrypted area as stored.
    pub cipher_data: Vec<u8>,
    /// GCM tag.
    pub tag: [u8; 16],
    /// The decrypted secrets, present only when the user asked to see them.
    pub secrets: Option<SecretView>,
}

impl InfoView {
    /// A copy of `hdr`'s fields. `verified` says whether the header was authenticated;
    /// `secrets` is shown only if given (pvimg: `--hdr-key` with `--show-secrets`).
    pub fn new(hdr: &SeHdr, verified: bool, secrets: Option<&DecryptedSeHdr>) -> Self {
        Self {
            verified,
            magic: hdr.magic(),
            version: hdr.version(),
            sehs: hdr.sehs(),
            iv: *hdr.iv(),
            nks: hdr.nks(),
            sea: hdr.sea(),
            nep: hdr.nep(),
            pcf: hdr.pcf().bits(),
            cust_pub: hdr.cust_pub_key().0,
            pld: *hdr.pld(),
            ald: *hdr.ald(),
            tld: *hdr.tld(),
            keyslots: hdr.keyslots().iter().map(|k| (k.phkh, k.wrpk, k.kst)).collect(),
            cipher_data: hdr.encrypted_area().to_vec(),
            tag: *hdr.tag(),
            secrets: secrets.map(|d| {
                let s = d.secrets();
                SecretView {
                    cck: zeroize::Zeroizing::new(s.cck().expose().to_vec()),
                    xts: zeroize::Zeroizing::new(s.xts_key().expose().to_vec()),
                    psw_mask: s.psw().mask,
                    psw_addr: s.psw().addr,
                    scf: s.scf().bits(),
                }
            }),
        }
    }
}

/// `--format`: which output.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Short text.
    Text,
    /// Every field as text.
    TextFull,
    /// Pretty JSON (`json`, `json:pretty`).
    JsonPretty,
    /// One-line JSON.
    JsonMinify,
}

impl Format {
    /// Parses pvimg's format names; `None` if unknown.
    pub fn parse(s: &str) -> Option<Self> {
        match s.to_ascii_lowercase().as_str() {
            "text" | "text:default" => Some(Self::Text),
            "text:full" => Some(Self::TextFull),
            "json" | "json:default" | "json:pretty" => Some(Self::JsonPretty),
            "json:minify" => Some(Self::JsonMinify),
            _ => None,
        }
    }
}

/// The warning pvimg prints (to stderr) when the header was not authenticated.
pub const NOT_VERIFIED_WARNING: &str = "WARNING: The Secure Execution header integrity and \
authenticity was not verified. Specify '--hdr-key' to authenticate it. Do not trust the data \
without verification.";

fn hexs(b: &[u8]) -> String {
    hex::encode(b)
}

/// The `meta` object: API level 1, the tool's version, host name and time (UTC).
pub fn meta(now_epoch: u64, host: &str, version: &str) -> Value {
    json!({
        "api_level": 1,
        "version": version,
        "host": host,
        "time_epoch": now_epoch,
        "time": format_utc(now_epoch),
    })
}

/// Formats seconds since the epoch as `YYYY-MM-DD HH:MM:SS+0000`.
pub fn format_utc(epoch: u64) -> String {
    let days = (epoch / 86_400) as i64;
    let secs = epoch % 86_400;
    // Civil date from days since 1970-01-01 (proleptic Gregorian calendar).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02}+0000",
        secs / 3600,
        (secs / 60) % 60,
        secs % 60
    )
}

/// The `data` object, with pvimg's key order.
pub fn data_json(v: &InfoView) -> Value {
    let mut m = Map::new();
    let kind = if v.secrets.is_some() { "decrypted_se_hdr" } else { "se_hdr" };
    m.insert("kind".into(), kind.into());
    m.insert("verified".into(), v.verified.into());
    m.insert("magic_hex".into(), hexs(&v.magic).into());
    m.insert("version".into(), version_name(v.version).into());
    m.insert("sehs".into(), v.sehs.into());
    m.insert("iv_hex".into(), hexs(&v.iv).into());
    m.insert("nks".into(), v.nks.into());
    m.insert("sea".into(), v.sea.into());
    m.insert("nep".into(), v.nep.into());
    m.insert("pcf_hex".into(), format!("{:016x}", v.pcf).into());
    m.insert("cust_pub_key".into(), json!({ "coord_hex": hexs(&v.cust_pub) }));
    m.insert("pld_hex".into(), hexs(&v.pld).into());
    m.insert("ald_hex".into(), hexs(&v.ald).into());
    m.insert("tld_hex".into(), hexs(&v.tld).into());
    let slots: Vec<Value> = v
        .keyslots
        .iter()
        .map(|(p, w, k)| json!({"phkh_hex": hexs(p), "wrpk_hex": hexs(w), "kst_hex": hexs(k)}))
        .collect();
    m.insert("keyslots".into(), slots.into());
    match &v.secrets {
        None => {
            let b64 = base64::engine::general_purpose::STANDARD.encode(&v.cipher_data);
            m.insert("cipher_data_b64".into(), b64.into());
        }
        Some(s) => {
            m.insert("cck_hex".into(), hexs(&s.cck).into());
            m.insert("xts_hex".into(), hexs(&s.xts).into());
            m.insert(
                "psw".into(),
                json!({"mask_hex": format!("{:016x}", s.psw_mask),
                       "addr_hex": format!("{:016x}", s.psw_addr)}),
            );
            m.insert("scf_hex".into(), format!("{:016x}", s.scf).into());
        }
    }
    m.insert("tag_hex".into(), hexs(&v.tag).into());
    Value::Object(m)
}

fn version_name(v: u32) -> String {
    match v {
        0x100 => "V1".into(),
        other => format!("{other:#x}"),
    }
}

/// The whole JSON document.
pub fn to_json(v: &InfoView, meta: Value, format: Format) -> String {
    let doc = json!({ "meta": meta, "data": data_json(v) });
    let s = match format {
        Format::JsonMinify => serde_json::to_string(&doc),
        _ => serde_json::to_string_pretty(&doc),
    };
    // Serializing a `Value` cannot fail.
    s.unwrap_or_default()
}

/// Text lines for a flag word, as pvimg prints them: one ` - name` line per known flag,
/// then ` - unknown flags 0b…` for the rest; an empty word prints an empty line.
fn flag_lines(names: crate::pcf::FlagNames, out: &mut String) {
    let mut lines: Vec<String> = names.known.iter().map(|n| format!("   - {n}")).collect();
    if names.unknown != 0 {
        lines.push(format!("   - unknown flags {:#066b}", names.unknown));
    }
    if lines.is_empty() {
        out.push_str("  \n");
    } else {
        for l in lines {
            out.push_str(&l);
            out.push('\n');
        }
    }
}

/// The text form (`text` or `text:full`).
pub fn to_text(v: &InfoView, full: bool) -> String {
    let mut o = String::new();
    let title = match (v.verified, v.secrets.is_some()) {
        (true, true) => "decrypted, integrity and authenticity verified Secure Execution header:",
        (true, false) => "integrity and authenticity verified Secure Execution header:",
        (false, _) => "Secure Execution header",
    };
    o.push_str(title);
    o.push('\n');
    o.push_str(&format!("  version: {}\n", v.version >> 8));
    if full {
        o.push_str(&format!("  size: {} bytes\n", v.sehs));
        o.push_str(&format!("  number of key slots: {}\n", v.nks));
    }
    o.push_str("  key slots:\n");
    for (p, _, _) in &v.keyslots {
        o.push_str(&format!("   - target key hash: {}\n", hexs(p)));
    }
    if full {
        let b64 = base64::engine::general_purpose::STANDARD.encode(v.cust_pub);
        o.push_str(&format!("  customer public key:\n    coordinate: {b64}\n"));
        o.push_str(&format!("  number of component pages: {}\n", v.nep));
        o.push_str(&format!("  components content hash: {}\n", hexs(&v.pld)));
        o.push_str(&format!("  components address hash: {}\n", hexs(&v.ald)));
        o.push_str(&format!("  components tweak hash: {}\n", hexs(&v.tld)));
    }
    o.push_str("  plaintext control flags:\n");
    flag_lines(PlaintextControlFlags::from_bits_retain(v.pcf).names(), &mut o);
    if let Some(s) = &v.secrets {
        o.push_str("  secret control flags:\n");
        flag_lines(SecretControlFlags::from_bits_retain(s.scf).names(), &mut o);
        if full {
            o.push_str(&format!("  CCK: {}\n", hexs(&s.cck)));
            o.push_str(&format!("  XTS key: {}\n", hexs(&s.xts)));
            o.push_str(&format!(
                "  PSW:\n    address: {:#016x}\n    mask: {:#016x}\n",
                s.psw_addr, s.psw_mask
            ));
        }
    }
    if full {
        o.push_str(&format!("  GCM tag: {}\n", hexs(&v.tag)));
    }
    o
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utc_formatting() {
        // The pvimg vectors' meta: 1795394183 -> 2026-11-23 00:36:23+0000.
        assert_eq!(format_utc(1_795_394_183), "2026-11-23 00:36:23+0000");
        assert_eq!(format_utc(0), "1970-01-01 00:00:00+0000");
        assert_eq!(format_utc(951_782_400), "2000-02-29 00:00:00+0000");
    }

    #[test]
    fn flag_text() {
        let mut s = String::new();
        flag_lines(PlaintextControlFlags::from_bits_retain(0xe1).names(), &mut s);
        assert!(s.ends_with(
            "   - unknown flags 0b0000000000000000000000000000000000000000000000000000000000000001\n"
        ));
        let mut e = String::new();
        flag_lines(SecretControlFlags::empty().names(), &mut e);
        assert_eq!(e, "  \n");
    }

    /// Checks `data` against the schema variant's `required` list and
    /// `additionalProperties: false` (the key set; the values are checked by the vectors).
    fn keys_follow_schema(data: &Value, variant: &str) {
        let schema: Value = serde_json::from_str(SCHEMA_V1).unwrap();
        let req: Vec<&str> = schema["$defs"][variant]["required"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect();
        let got: Vec<&str> = data.as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(got, req, "{variant}: same keys, same order");
        let props = schema["$defs"][variant]["properties"].as_object().unwrap();
        assert!(got.iter().all(|k| props.contains_key(*k)));
    }

    fn sample(secrets: bool) -> InfoView {
        InfoView {
            verified: secrets,
            magic: *b"IBMSecEx",
            version: 0x100,
            sehs: 640,
            iv: [1; 12],
            nks: 1,
            sea: 128,
            nep: 9,
            pcf: 0xe0,
            cust_pub: [2; 160],
            pld: [3; 64],
            ald: [4; 64],
            tld: [5; 64],
            keyslots: alloc::vec![([6; 32], [7; 32], [8; 16])],
            cipher_data: alloc::vec![9; 128],
            tag: [10; 16],
            secrets: secrets.then(|| SecretView {
                cck: zeroize::Zeroizing::new(alloc::vec![11; 32]),
                xts: zeroize::Zeroizing::new(alloc::vec![12; 64]),
                psw_mask: 0x1_8000_0000,
                psw_addr: 0x1e000,
                scf: 0,
            }),
        }
    }

    #[test]
    fn output_follows_the_schema() {
        keys_follow_schema(&data_json(&sample(false)), "encrypted");
        keys_follow_schema(&data_json(&sample(true)), "decrypted");
        let doc: Value =
            serde_json::from_str(&to_json(&sample(false), meta(0, "h", "v"), Format::JsonMinify))
                .unwrap();
        let schema: Value = serde_json::from_str(SCHEMA_V1).unwrap();
        let meta_req = schema["properties"]["meta"]["required"].as_array().unwrap();
        let meta_keys: Vec<&String> = doc["meta"].as_object().unwrap().keys().collect();
        assert_eq!(meta_keys.len(), meta_req.len());
    }

    #[test]
    fn formats() {
        assert_eq!(Format::parse("json:minify"), Some(Format::JsonMinify));
        assert_eq!(Format::parse("JSON"), Some(Format::JsonPretty));
        assert_eq!(Format::parse("text:full"), Some(Format::TextFull));
        assert_eq!(Format::parse("yaml"), None);
    }
}
