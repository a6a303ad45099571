/*
 * dat: dynamic address translation (segment and page tables, invalid entries, DAT
 * protection, IPTE) and storage keys (SSKE, ISKE, RRBE, key-controlled and fetch
 * protection, TPROT with an access key).
 */
#include "guest.h"

const char program_name[] = "machine/dat.elf";

#define MAPPED_MB 16
#define SEG_INVALID 0x20UL
#define PAGE_INVALID 0x400UL
#define PAGE_PROTECT 0x200UL

static u64 segtab[512] __attribute__((aligned(4096)));
static u64 pagetab[MAPPED_MB][256] __attribute__((aligned(4096)));
static u8 frame_a[4096] __attribute__((aligned(4096)));
static u8 frame_k[4096] __attribute__((aligned(4096)));

static inline void dat_on(void)
{
	u8 old;
	asm volatile("stosm %0,0x04" : "=Q"(old) : : "memory");
}

static inline void dat_off(void)
{
	u8 old;
	asm volatile("stnsm %0,0xfb" : "=Q"(old) : : "memory");
}

static inline void ptlb(void)
{
	asm volatile("ptlb" : : : "memory");
}

static u8 read_byte(u64 addr)
{
	u8 v;
	asm volatile("llgc %0,0(%1)" : "=d"(v) : "a"(addr) : "memory");
	return v;
}

static void write_byte(u64 addr, u8 v)
{
	asm volatile("stc %0,0(%1)" : : "d"(v), "a"(addr) : "memory");
}

static void setup_tables(void)
{
	for (int s = 0; s < 512; s++)
		segtab[s] = s < MAPPED_MB ? (u64)pagetab[s] : SEG_INVALID;
	for (int s = 0; s < MAPPED_MB; s++)
		for (int p = 0; p < 256; p++)
			pagetab[s][p] = ((u64)s << 20) | ((u64)p << 12);
	/* CR1: primary ASCE, segment table, length 0 (512 entries). */
	{
		u64 asce = (u64)segtab;
		asm volatile("lctlg %%c1,%%c1,%0" : : "Q"(asce) : "memory");
	}
}

static void test_dat(void)
{
	const u64 va = 8UL << 20, seg20 = 20UL << 20;
	u64 *pte = &pagetab[8][0];

	report_prefix("dat");
	setup_tables();
	frame_a[5] = 0xa5;
	*pte = (u64)frame_a;
	ptlb();
	dat_on();
	report(read_byte(va + 5) == 0xa5, "virtual page maps to another frame");
	write_byte(va + 6, 0x5a);
	dat_off();
	report(frame_a[6] == 0x5a, "store through the mapping reaches the frame");

	dat_on();
	asm volatile("ipte %0,%1" : : "a"((u64)pagetab[8]), "a"(va) : "memory");
	expect_pgm_int();
	read_byte(va + 5);
	dat_off();
	report(clear_pgm_int() == 0x11 && (pgm.teid & ~0xfffUL) == va,
	       "IPTE: page-translation exception, TEID %#lx", pgm.teid);
	report((*pte & PAGE_INVALID) != 0, "IPTE set the invalid bit");

	*pte = (u64)frame_a | PAGE_PROTECT;
	ptlb();
	dat_on();
	report(read_byte(va + 5) == 0xa5, "protected page can be read");
	expect_pgm_int();
	write_byte(va + 5, 0);
	dat_off();
	report(clear_pgm_int() == 4 && frame_a[5] == 0xa5, "store: protection exception");

	dat_on();
	expect_pgm_int();
	read_byte(seg20 + 0x123);
	dat_off();
	report(clear_pgm_int() == 0x10 && (pgm.teid & ~0xfffUL) == seg20,
	       "invalid segment: segment-translation exception");
}

static u8 iske(u64 addr)
{
	u64 k = 0;
	asm volatile("iske %0,%1" : "+d"(k) : "a"(addr));
	return (u8)k;
}

static void sske(u64 addr, u8 key)
{
	asm volatile("sske %0,%1" : : "d"((u64)key), "a"(addr) : "memory");
}

static int rrbe(u64 addr)
{
	int cc;
	asm volatile("rrbe 0,%1\nipm %0\nsrl %0,28" : "=d"(cc) : "a"(addr) : "cc");
	return cc;
}

static int tprot_key(u64 addr, u8 key)
{
	int cc;
	asm volatile("tprot 0(%1),0(%2)\nipm %0\nsrl %0,28"
		     : "=d"(cc)
		     : "a"(addr), "a"((u64)key << 4)
		     : "cc");
	return cc;
}

/* Stores one byte with PSW key `key` (nothing else runs under that key). */
static void store_with_key(u64 addr, u8 key)
{
	asm volatile("spka 0(%0)\nmvi 0(%1),0x77\nspka 0" : : "a"((u64)key << 4), "a"(addr)
		     : "memory");
}

static u8 fetch_with_key(u64 addr, u8 key)
{
	u64 v = 0;
	asm volatile("spka 0(%1)\nllgc %0,0(%2)\nspka 0"
		     : "+d"(v)
		     : "a"((u64)key << 4), "a"(addr)
		     : "memory");
	return (u8)v;
}

static void test_keys(void)
{
	u64 f = (u64)frame_k;

	report_prefix("keys");
	sske(f, 0x30);
	report(iske(f) == 0x30, "SSKE/ISKE: key 3, reference and change clear");
	frame_k[0] = 1;
	report(iske(f) == 0x36, "a store sets reference and change (key %#x)", iske(f));
	report(rrbe(f) == 3 && iske(f) == 0x32, "RRBE: cc 3, reference bit reset");
	expect_pgm_int();
	store_with_key(f, 2);
	report(clear_pgm_int() == 4 && frame_k[0] == 1, "store with key 2: protection exception");
	store_with_key(f, 3);
	report(frame_k[0] == 0x77, "store with the matching key 3");
	report(fetch_with_key(f, 2) == 0x77, "fetch with key 2 allowed (no fetch protection)");
	sske(f, 0x38);
	expect_pgm_int();
	fetch_with_key(f, 2);
	report(clear_pgm_int() == 4, "fetch-protected frame: protection exception");
	report(tprot_key(f, 2) == 2 && tprot_key(f, 3) == 0 && tprot_key(f, 0) == 0,
	       "TPROT with keys 2/3/0: cc 2/0/0");
	sske(f, 0x30);
	report(tprot_key(f, 2) == 1, "TPROT key 2 without fetch protection: cc 1");
	sske(f, 0);
}

int main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	test_dat();
	test_keys();
	report_prefix(NULL);
	return report_summary();
}
