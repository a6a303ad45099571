//! The layout, metadata, short PSW, IPIB and loader argument blocks against the bytes and
//! values of real `pvimg create` images (tests/assets/B1..B3, see PROVENANCE.md).

use pv_core::Psw;
use pv_header::component::ComponentKind::{self, *};
use pv_ipl::ipib::{Ipib, ParamBlock, PvComponent};
use pv_ipl::layout::{ImageLayout, default_ipl_psw};
use pv_ipl::loader_args::{LoadBlob, STAGE3A_ARGS_LEN, Stage3aArgs, Stage3bArgs};
use pv_ipl::metadata::ImageMetadata;
use serde_json::Value;

fn asset(path: &str) -> Vec<u8> {
    let p = format!("{}/tests/assets/{path}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&p).unwrap_or_else(|e| panic!("{p}: {e}"))
}

fn layout_json(set: &str) -> Value {
    serde_json::from_slice(&asset(&format!("{set}/layout.json"))).unwrap()
}

fn num(v: &Value) -> u64 {
    match v {
        Value::Number(n) => n.as_u64().unwrap(),
        Value::String(s) => {
            let s = s.trim_start_matches("0x");
            u64::from_str_radix(s, 16).unwrap()
        }
        _ => panic!("not a number: {v}"),
    }
}

fn kind_of(name: &str) -> ComponentKind {
    match name {
        "kernel" => Kernel,
        "ramdisk" => Ramdisk,
        "cmdline" => Cmdline,
        "stage3b" => Stage3b,
        _ => panic!("{name}"),
    }
}

/// The component list (kind, original size) of a B set, from its layout.json: original
/// sizes from the stage3b argument block, stage3b's own size from `stage3b_size`.
fn components(j: &Value) -> Vec<(ComponentKind, u64)> {
    let a = &j["stage3b_args"];
    j["ipib"]["components"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            let kind = kind_of(c["kind"].as_str().unwrap());
            let size = match kind {
                Kernel => num(&a["kernel_size"]),
                Ramdisk => num(&a["initrd_size"]),
                Cmdline => num(&a["cmdline_size"]),
                _ => num(&a["stage3b_size"]),
            };
            (kind, size)
        })
        .collect()
}

fn plan(set: &str) -> ImageLayout {
    let j = layout_json(set);
    let nks = num(&j["header"]["nks"]) as usize;
    let s3a = num(&j["stage3a_args"]["stage3a_size"]);
    ImageLayout::plan(nks, s3a, &components(&j)).unwrap()
}

#[test]
fn ipib_parses_to_layout_json_and_reserializes_identically() {
    for set in ["B1", "B2", "B3"] {
        let bytes = asset(&format!("{set}/ipib.bin"));
        let j = &layout_json(set)["ipib"];
        let ipib = Ipib::parse(&bytes).unwrap();
        assert_eq!(bytes.len() as u64, num(&j["len"]), "{set}");
        assert_eq!(ipib.len() as u64, num(&j["len"]));
        assert_eq!(u64::from(ipib.version), num(&j["hdr_version"]));
        assert_eq!(u64::from(ipib.block.pbt()), num(&j["pbt"]));
        assert_eq!(bytes.len() as u64 - 8, num(&j["pv_len"]));
        let ParamBlock::Pv(pv) = &ipib.block else { panic!("{set}: not PV") };
        assert_eq!(u64::from(pv.version), num(&j["pv_version"]));
        assert_eq!(pv.hdr_addr, num(&j["pv_hdr_addr"]));
        assert_eq!(pv.hdr_size, num(&j["pv_hdr_size"]));
        let want: Vec<PvComponent> = j["components"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| PvComponent {
                tweak_prefix: num(&c["tweak_prefix"]),
                addr: num(&c["addr"]),
                len: num(&c["len"]),
            })
            .collect();
        assert_eq!(pv.components.len() as u64, num(&j["num_comp"]));
        assert_eq!(pv.components, want, "{set}");
        pv.check_unpack_rules().unwrap();
        assert_eq!(ipib.to_bytes().unwrap(), bytes, "{set}");
    }
}

#[test]
fn plan_reproduces_every_b_layout() {
    for set in ["B1", "B2", "B3"] {
        let j = layout_json(set);
        let l = plan(set);
        assert_eq!(l.header.addr, num(&j["header"]["offset"]), "{set}");
        assert_eq!(l.header.size, num(&j["header"]["sehs"]));
        assert_eq!(l.ipib.addr, num(&j["ipib"]["offset"]));
        assert_eq!(l.image_size(), num(&j["image_file_size"]));
        assert_eq!(l.header_psw().addr, num(&j["header"]["psw_addr"]));
        assert_eq!(l.header_psw().mask, num(&j["header"]["psw_mask"]));
        for (c, want) in l.components.iter().zip(j["ipib"]["components"].as_array().unwrap()) {
            assert_eq!(c.kind, kind_of(want["kind"].as_str().unwrap()));
            assert_eq!(c.addr, num(&want["addr"]), "{set} {:?}", c.kind);
            assert_eq!(c.prepared_size, num(&want["len"]));
        }
        // The IPIB from the plan and the recorded tweak prefixes is the real one.
        let prefixes: Vec<u64> = Ipib::parse(&asset(&format!("{set}/ipib.bin")))
            .unwrap()
            .pv()
            .unwrap()
            .components
            .iter()
            .map(|c| c.tweak_prefix)
            .collect();
        let ipib = l.ipib(&prefixes).unwrap().to_bytes().unwrap();
        assert_eq!(ipib, asset(&format!("{set}/ipib.bin")), "{set}");
        // Metadata and short PSW bytes.
        assert_eq!(l.metadata().to_bytes().to_vec(), asset(&format!("{set}/metadata_0xc000.bin")));
        let short = default_ipl_psw().to_short().unwrap().to_be_bytes();
        assert_eq!(short.to_vec(), asset(&format!("{set}/short_psw_0x0.bin")));
        assert_eq!(hex::encode(short), j["short_psw_hex"].as_str().unwrap());
    }
}

#[test]
fn b1_addresses_exactly() {
    let l = ImageLayout::plan(
        1,
        0,
        &[(Kernel, 0x3011), (Ramdisk, 0x4000), (Cmdline, 53), (Stage3b, 0x2000)],
    )
    .unwrap();
    assert_eq!(l.header.addr, 0x14000);
    assert_eq!(l.header.end() - 1, 0x1427f);
    let addrs: Vec<u64> = l.components.iter().map(|c| c.addr).collect();
    assert_eq!(addrs, [0x15000, 0x19000, 0x1d000, 0x1e000]);
    assert_eq!((l.ipib.addr, l.ipib.end() - 1), (0x20000, 0x200e7));
    assert_eq!(l.image_size(), 0x200e8);
    assert_eq!(l.psw_addr(), 0x1e000);
    // Without stage3b (set A): the PSW points where stage3b would go.
    let a = ImageLayout::plan(1, 0, &[(Kernel, 0x3011), (Ramdisk, 0x4000), (Cmdline, 53)]).unwrap();
    assert_eq!(a.psw_addr(), 0x1e000);
    assert_eq!(a.ipib.addr, 0x1e000);
    assert!(a.stage3a.is_none() && a.stage3a_args().is_none());
}

#[test]
fn key_count_boundary_44_45() {
    let comps = [(Kernel, 1)];
    let l44 = ImageLayout::plan(44, 0, &comps).unwrap();
    let l45 = ImageLayout::plan(45, 0, &comps).unwrap();
    assert_eq!(l44.header.size, 560 + 80 * 44);
    assert_eq!(l44.components[0].addr, 0x15000);
    assert_eq!(l45.components[0].addr, 0x16000);
    assert_eq!(ImageLayout::plan(95, 0, &comps).unwrap().components[0].addr, 0x16000);
}

#[test]
fn loader_argument_blocks_equal_layout_json() {
    for set in ["B1", "B2", "B3"] {
        let j = layout_json(set);
        let l = plan(set);
        let a = &j["stage3a_args"];
        let s3a = l.stage3a.unwrap();
        assert_eq!(s3a.end() - STAGE3A_ARGS_LEN as u64, num(&a["args_addr"]), "{set}");
        let args = l.stage3a_args().unwrap();
        let want = Stage3aArgs {
            hdr_offs: num(&a["hdr_offs"]),
            hdr_size: num(&a["hdr_size"]),
            ipib_offs: num(&a["ipib_offs"]),
        };
        assert_eq!(args, want, "{set}");
        assert_eq!(Stage3aArgs::parse(&args.to_bytes()).unwrap(), want);
        let b = &j["stage3b_args"];
        let want = Stage3bArgs {
            kernel: LoadBlob { src: num(&b["kernel_src"]), size: num(&b["kernel_size"]) },
            cmdline: LoadBlob { src: num(&b["cmdline_src"]), size: num(&b["cmdline_size"]) },
            initrd: LoadBlob { src: num(&b["initrd_src"]), size: num(&b["initrd_size"]) },
            psw: Psw { mask: num(&b["psw_mask"]), addr: num(&b["psw_addr"]) },
        };
        assert_eq!(l.stage3b_args(), want, "{set}");
        assert_eq!(Stage3bArgs::parse(&want.to_bytes()).unwrap(), want);
    }
}

#[test]
fn metadata_files_parse() {
    for set in ["B1", "B2", "B3"] {
        let j = &layout_json(set)["metadata"];
        let m = ImageMetadata::parse(&asset(&format!("{set}/metadata_0xc000.bin"))).unwrap();
        assert_eq!(m.hdr_off, num(&j["hdr_off"]));
        assert_eq!(u64::from(m.version), num(&j["version"]));
        assert_eq!(m.ipib_off, num(&j["ipib_off"]));
        assert_eq!(hex::encode(m.to_bytes()), j["hex"].as_str().unwrap());
    }
}

#[test]
fn layout_table_matches_pvimg_verbose_output() {
    for set in ["B1", "B2", "B3"] {
        let log = String::from_utf8(asset(&format!("{set}/create.log"))).unwrap();
        let want: Vec<&str> = log
            .lines()
            .filter_map(|l| l.strip_prefix("DEBUG: "))
            .skip_while(|l| !l.starts_with("---"))
            .collect();
        let table = plan(set).to_string();
        let got: Vec<&str> = table.lines().collect();
        assert_eq!(got, want, "{set}");
    }
}
