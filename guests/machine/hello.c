/*
 * hello: the SCLP console and what a program learns about its machine at boot
 * (machine.md "Console: SCLP", "Host detection: STSI", "Facilities"): the command
 * line, STSI, READ SCP INFO against TPROT probing, STFLE, SCLP error responses and
 * program exceptions, and (with "input" on the command line) READ EVENT DATA.
 */
#include "guest.h"

const char program_name[] = "machine/hello.elf";

static u8 sysib[4096] __attribute__((aligned(4096)));

static int tprot(u64 addr)
{
	int cc;
	asm volatile("tprot 0(%[a]),0\n"
		     "ipm %[cc]\n"
		     "srl %[cc],28\n"
		     : [cc] "=d"(cc)
		     : [a] "a"(addr)
		     : "cc");
	return cc;
}

static const u8 ebcdic_pvsim[5] = { 0xd7, 0xe5, 0xe2, 0xc9, 0xd4 };

static void test_stsi(void)
{
	u64 r0;

	report_prefix("stsi");
	report(stsi(sysib, 0, 0, 0, &r0) == 0 && (r0 >> 28) == 3, "current level is 3 (VM)");
	report(stsi(sysib, 1, 1, 1, NULL) == 0 && !memcmp(sysib + 32, ebcdic_pvsim, 5),
	       "1.1.1 manufacturer PVSIM");
	report(stsi(sysib, 3, 2, 2, NULL) == 0 && sysib[31] == 1 &&
		       *(u16 *)(sysib + 36) == 1 && !memcmp(sysib + 44, ebcdic_pvsim, 5),
	       "3.2.2 one VM with one CPU");
	report(stsi(sysib, 2, 2, 2, NULL) == 0 && *(u16 *)(sysib + 38) == 1, "2.2.2 CPU count");
	report(stsi(sysib, 1, 1, 2, NULL) == 3, "1.1.2 is not available (cc 3)");
	report(stsi(sysib, 4, 1, 1, NULL) == 3, "function code 4 is not available (cc 3)");
	expect_pgm_int();
	stsi(sysib + 8, 1, 1, 1, NULL);
	report(clear_pgm_int() == 6, "unaligned block: specification exception");
}

static void test_memory(void)
{
	u64 size = sclp_memory_size();

	report_prefix("memory");
	report(size == 64UL << 20, "READ SCP INFO reports %lu MiB", size >> 20);
	report(tprot(size - 1) == 0, "last byte is accessible");
	expect_pgm_int();
	tprot(size);
	report(clear_pgm_int() == 5, "first byte past the end: addressing exception");
}

static int servc(u32 command, u64 addr)
{
	int cc = -1;
	asm volatile(".insn rre,0xb2200000,%[cmd],%[sccb]\n"
		     "ipm %[cc]\n"
		     "srl %[cc],28\n"
		     : [cc] "+d"(cc)
		     : [cmd] "d"((u64)command), [sccb] "a"(addr)
		     : "cc", "memory");
	return cc;
}

static void test_sclp(void)
{
	struct sccb_header *h = (void *)sccb_page;

	report_prefix("sclp");
	memset(sccb_page, 0, 4096);
	h->length = 4096;
	report(sclp_call(0x00030001, sccb_page) == 0x01f0, "invalid command: 0x01f0");
	memset(sccb_page, 0, 4096);
	h->length = 16;
	report(sclp_call(0x00020001, sccb_page) == 0x0300, "short READ SCP INFO: 0x0300");
	h = (void *)(sccb_page + 0xff8);
	h->length = 16;
	report(sclp_call(0x00760005, h) == 0x0100, "SCCB across a page: 0x0100");
	expect_pgm_int();
	servc(0x00020001, 0x1000);
	report(clear_pgm_int() == 6, "SCCB in low core: specification exception");
	expect_pgm_int();
	servc(0x00020001, (u64)sccb_page + 4);
	report(clear_pgm_int() == 6, "unaligned SCCB: specification exception");
	expect_pgm_int();
	servc(0x00020001, sclp_memory_size());
	report(clear_pgm_int() == 5, "SCCB past the end: addressing exception");
}

static void test_facilities(void)
{
	report_prefix("facilities");
	report(has_facility(7), "STFLE (7) installed");
	report(has_facility(17), "MSA (17) installed");
	report(!has_facility(158), "no ultravisor (158)");
}

int main(int argc, char **argv)
{
	printf("Hello from a pvsim guest (%s)\n", argv[0]);
	report_prefix("args");
	report(argc >= 3 && !strcmp(argv[1], "test") && !strcmp(argv[2], "123"),
	       "command line \"test 123\" (%d arguments)", argc);
	test_stsi();
	test_memory();
	test_sclp();
	test_facilities();
	if (argc > 3 && !strcmp(argv[3], "input")) {
		int c1, c2;
		report_prefix("console");
		printf("waiting for input\n");
		c1 = getchar();
		c2 = getchar();
		report(c1 == 'o' && c2 == 'k', "READ EVENT DATA got \"%c%c\"", c1, c2);
	}
	report_prefix(NULL);
	return report_summary();
}
