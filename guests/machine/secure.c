/*
 * secure: what a guest learns about Protected Virtualization (uv-spec.md, the Linux
 * guest side): whether it runs as a secure guest -- facility 158 and an ULTRAVISOR CALL
 * Query whose installed calls include Set and Remove Shared Access (bits 8 and 9), the
 * test Linux's is_prot_virt_guest() makes -- and, as a secure guest, how many calls the
 * ultravisor offers it. It prints the command line it was given (a secure guest gets it
 * from stage3b at 0x10480), its memory size and its STSI 3.2.2 VM name. With
 * `expect=secure` or `expect=normal` on the command line the answer is also a PASS/FAIL
 * line. With `reboot` it ends with DIAG 308 subcode 3 (re-IPL: a secure guest leaves
 * secure mode and the machine IPLs again) instead of stopping.
 */
#include "guest.h"

const char program_name[] = "machine/secure.elf";

static u8 sysib[4096] __attribute__((aligned(4096)));
/* The Query UVCB (0x120 bytes): length, command 0x0001, rc, rrc, installed calls at 0x10. */
static u64 uvcb[0x120 / 8] __attribute__((aligned(8)));

static int installed(int bit)
{
	return (uvcb[2 + bit / 64] >> (63 - bit % 64)) & 1;
}

static int query(void)
{
	u16 *h = (u16 *)uvcb;

	memset(uvcb, 0, sizeof(uvcb));
	h[0] = sizeof(uvcb);
	h[1] = 0x0001;
	return uv_call(uvcb) == 0 && h[2] == 0x0001;
}

/* EBCDIC letters, digits and blanks of an architected name, blanks trimmed. */
static void name_of(char *out, const u8 *in, int n)
{
	static const char letters[] = "ABCDEFGHI.......JKLMNOPQR........STUVWXYZ";
	int i, end = 0;

	for (i = 0; i < n; i++) {
		u8 c = in[i];
		char a = '?';
		if (c == 0x40)
			a = ' ';
		else if (c >= 0xf0 && c <= 0xf9)
			a = '0' + (c - 0xf0);
		else if (c >= 0xc1 && c <= 0xe9 && letters[c - 0xc1] != '.')
			a = letters[c - 0xc1];
		out[i] = a;
		if (a != ' ')
			end = i + 1;
	}
	out[end] = 0;
}

/* DIAG 308 subcode 3: re-IPL (load clear). */
static void reipl(void)
{
	register u64 r2 asm("2") = 0;
	register u64 r4 asm("4") = 3;
	asm volatile("diag %%r2,%%r4,0x308" : "+d"(r2) : "d"(r4) : "cc", "memory");
}

int main(int argc, char **argv)
{
	int secure = 0, calls = 0, i;
	char name[9];

	if (has_facility(158) && query())
		secure = installed(8) && installed(9);
	printf("hello from a %s guest\n", secure ? "secure" : "non-secure");
	printf("command line:");
	for (i = 1; i < argc; i++)
		printf(" %s", argv[i]);
	printf("\nmemory: %lu MiB\n", sclp_memory_size() >> 20);
	if (stsi(sysib, 3, 2, 2, NULL) == 0 && sysib[31] > 0) {
		name_of(name, sysib + 44, 8);
		printf("STSI 3.2.2: VM %s\n", name);
	}
	if (secure) {
		for (i = 0; i < 256; i++)
			calls += installed(i);
		printf("ultravisor calls offered to this guest: %d (attestation: %s)\n", calls,
		       installed(28) ? "yes" : "no");
	}
	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "reboot")) {
			printf("re-IPL\n");
			reipl();
			printf("FAIL: DIAG 308 subcode 3 returned\n");
		}
		if (!strcmp(argv[i], "expect=secure"))
			report(secure, "runs as a secure guest");
		if (!strcmp(argv[i], "expect=normal"))
			report(!secure, "runs as a non-secure guest");
	}
	return report_summary();
}
