/*
 * The freestanding runtime of the pvsim machine test programs: string functions, a
 * printf over the SCLP ASCII console, PASS/FAIL reporting, interruption handlers and
 * the C entry point. The console protocol is the one machine.md describes (SERVC, then
 * wait with external interruptions enabled for the service signal 0x2401).
 */
#include <stdarg.h>
#include "guest.h"

/* ---- string functions ---------------------------------------------------------- */

void *memset(void *s, int c, size_t n)
{
	u8 *p = s;
	while (n--)
		*p++ = (u8)c;
	return s;
}

void *memcpy(void *d, const void *s, size_t n)
{
	u8 *dp = d;
	const u8 *sp = s;
	while (n--)
		*dp++ = *sp++;
	return d;
}

int memcmp(const void *a, const void *b, size_t n)
{
	const u8 *x = a, *y = b;
	for (; n; n--, x++, y++)
		if (*x != *y)
			return *x - *y;
	return 0;
}

size_t strlen(const char *s)
{
	size_t n = 0;
	while (s[n])
		n++;
	return n;
}

int strcmp(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return (u8)*a - (u8)*b;
}

/* ---- machine information ------------------------------------------------------- */

int stsi(void *addr, int fc, int sel1, int sel2, u64 *r0_out)
{
	register u64 r0 asm("0") = ((u64)fc << 28) | sel1;
	register u64 r1 asm("1") = sel2;
	int cc;
	asm volatile("stsi 0(%[a])\n"
		     "ipm %[cc]\n"
		     "srl %[cc],28\n"
		     : [cc] "=d"(cc), "+d"(r0)
		     : "d"(r1), [a] "a"(addr)
		     : "cc", "memory");
	if (r0_out)
		*r0_out = r0;
	return cc;
}

int has_facility(int nr)
{
	static u64 list[4] __attribute__((aligned(8)));
	register u64 r0 asm("0") = 3;
	asm volatile("stfle %0" : "=Q"(list), "+d"(r0) : : "cc");
	return (list[nr / 64] >> (63 - nr % 64)) & 1;
}

int uv_call(void *uvcb)
{
	int cc;
	/* UVC R1,R2 (RRF-c, opcode 0xb9a4): R2 holds the UVCB address. */
	asm volatile(".insn rrf,0xb9a40000,%%r0,%[u],0,0\n"
		     "ipm %[cc]\n"
		     "srl %[cc],28\n"
		     : [cc] "=d"(cc)
		     : [u] "a"(uvcb)
		     : "cc", "memory");
	return cc;
}

/* ---- SCLP console -------------------------------------------------------------- */

u8 sccb_page[4096] __attribute__((aligned(4096)));
static u8 sccb_io[4096] __attribute__((aligned(4096)));
static volatile int sclp_lock;
static volatile int sclp_busy;
volatile int sclp_attention;
static u64 memory_size;

static void lock(volatile int *l)
{
	while (__atomic_exchange_n(l, 1, __ATOMIC_ACQUIRE))
		;
}

static void unlock(volatile int *l)
{
	__atomic_store_n(l, 0, __ATOMIC_RELEASE);
}

int sclp_call(u32 command, void *sccb)
{
	int cc;
	u8 old;

	sclp_busy = 1;
	asm volatile(".insn rre,0xb2200000,%[cmd],%[sccb]\n"
		     "ipm %[cc]\n"
		     "srl %[cc],28\n"
		     : [cc] "=d"(cc)
		     : [cmd] "d"((u64)command), [sccb] "a"((u64)sccb)
		     : "cc", "memory");
	if (cc) {
		sclp_busy = 0;
		return -1;
	}
	/* Enable external interruptions until the service signal arrives. */
	asm volatile("stosm %0,0x01" : "=Q"(old) : : "memory");
	while (sclp_busy)
		asm volatile("" : : : "memory");
	asm volatile("ssm %0" : : "Q"(old) : "memory");
	return ((struct sccb_header *)sccb)->response_code;
}

u64 sclp_memory_size(void)
{
	return memory_size;
}

void sclp_setup(void)
{
	struct sccb_header *h = (void *)sccb_io;
	u8 *b = sccb_io;
	int rc;

	memset(sccb_io, 0, sizeof(sccb_io));
	h->length = 4096;
	rc = sclp_call(0x00120001, sccb_io);
	if (rc == 0x01f0) {
		memset(sccb_io, 0, sizeof(sccb_io));
		h->length = 4096;
		rc = sclp_call(0x00020001, sccb_io);
	}
	if (rc == 0x0010) {
		u64 rnmax = *(u16 *)(b + 8), rnsize = b[10];
		if (!rnsize)
			rnsize = *(u32 *)(b + 100);
		if (!rnmax)
			rnmax = *(u64 *)(b + 104);
		memory_size = (rnmax * rnsize) << 20;
	}
	/* WRITE EVENT MASK: receive and send ASCII console data (mask length 4). */
	memset(sccb_io, 0, sizeof(sccb_io));
	h->length = 8 + 4 + 16;
	*(u16 *)(b + 10) = 4;
	*(u32 *)(b + 12) = 0x00000040;
	*(u32 *)(b + 16) = 0x00000040;
	sclp_call(0x00780005, sccb_io);
}

static void write_console(const char *s, size_t n)
{
	struct sccb_header *h = (void *)sccb_io;
	u8 *b = sccb_io;

	lock(&sclp_lock);
	while (n) {
		size_t k = n > 2000 ? 2000 : n;
		memset(sccb_io, 0, 8 + 6);
		h->length = 8 + 6 + k;
		*(u16 *)(b + 8) = 6 + k;
		b[10] = 0x1a;
		memcpy(b + 14, s, k);
		sclp_call(0x00760005, sccb_io);
		s += k;
		n -= k;
	}
	unlock(&sclp_lock);
}

void puts(const char *s)
{
	write_console(s, strlen(s));
}

static u8 inbuf[4096];
static int inpos, inlen;

int getchar(void)
{
	struct sccb_header *h = (void *)sccb_io;
	u8 *b = sccb_io;
	int rc;

	for (;;) {
		if (inpos < inlen)
			return inbuf[inpos++];
		lock(&sclp_lock);
		memset(sccb_io, 0, sizeof(sccb_io));
		h->length = 4096;
		rc = sclp_call(0x00770005, sccb_io);
		if (rc == 0x0020 && b[10] == 0x1a) {
			inlen = *(u16 *)(b + 8) - 6;
			inpos = 0;
			memcpy(inbuf, b + 14, inlen);
		}
		unlock(&sclp_lock);
		if (rc == 0x60f0) {
			while (!sclp_attention)
				enabled_wait();
			sclp_attention = 0;
		}
	}
}

/* ---- printf -------------------------------------------------------------------- */

struct out {
	char *p;
	size_t left;
};

static void put(struct out *o, char c)
{
	if (o->left > 1) {
		*o->p++ = c;
		o->left--;
	}
}

static void put_num(struct out *o, u64 v, int base, int width, char pad, int neg)
{
	char tmp[24];
	int n = 0;
	do {
		tmp[n++] = "0123456789abcdef"[v % base];
		v /= base;
	} while (v);
	if (neg)
		tmp[n++] = '-';
	while (width-- > n)
		put(o, pad);
	while (n)
		put(o, tmp[--n]);
}

static int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct out o = { buf, size };
	for (; *fmt; fmt++) {
		int lng = 0, width = 0;
		char pad = ' ';
		if (*fmt != '%') {
			put(&o, *fmt);
			continue;
		}
		fmt++;
		if (*fmt == '#') {
			put(&o, '0');
			put(&o, 'x');
			fmt++;
		}
		if (*fmt == '0')
			pad = '0';
		while (*fmt >= '0' && *fmt <= '9')
			width = width * 10 + *fmt++ - '0';
		while (*fmt == 'l')
			lng = 1, fmt++;
		switch (*fmt) {
		case 'd':
		case 'i': {
			s64 v = lng ? va_arg(ap, long) : va_arg(ap, int);
			put_num(&o, v < 0 ? -(u64)v : (u64)v, 10, width, pad, v < 0);
			break;
		}
		case 'u':
			put_num(&o, lng ? va_arg(ap, u64) : va_arg(ap, u32), 10, width, pad, 0);
			break;
		case 'x':
			put_num(&o, lng ? va_arg(ap, u64) : va_arg(ap, u32), 16, width, pad, 0);
			break;
		case 'p':
			put(&o, '0');
			put(&o, 'x');
			put_num(&o, (u64)va_arg(ap, void *), 16, width, pad, 0);
			break;
		case 'c':
			put(&o, (char)va_arg(ap, int));
			break;
		case 's': {
			const char *s = va_arg(ap, const char *);
			while (*s)
				put(&o, *s++);
			break;
		}
		default:
			put(&o, *fmt);
		}
	}
	*o.p = 0;
	return o.p - buf;
}

int printf(const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	write_console(buf, n);
	return n;
}

/* ---- reporting ----------------------------------------------------------------- */

static int tests, failures;
static const char *prefix;

void report_prefix(const char *p)
{
	prefix = p;
}

void report(int pass, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	tests++;
	if (!pass)
		failures++;
	printf("%s: %s%s%s\n", pass ? "PASS" : "FAIL", prefix ? prefix : "", prefix ? ": " : "",
	       msg);
}

int report_summary(void)
{
	if (failures)
		printf("SUMMARY: %d tests, %d unexpected failures\n", tests, failures);
	else
		printf("SUMMARY: %d tests\n", tests);
	return failures ? 1 : 0;
}

void exit(int code)
{
	u16 self = stap();
	printf("EXIT: STATUS=%d\n", (code << 1) | 1);
	for (u16 a = 0; a < MAX_CPUS; a++)
		if (a != self)
			sigp(a, SIGP_STOP, 0, NULL);
	stop_self();
}

void abort(void)
{
	exit(63);
}

/* ---- interruptions ------------------------------------------------------------- */

struct pgm_record pgm;
volatile u16 svc_code, svc_ilc;
volatile u16 ext_code[MAX_CPUS], ext_cpu[MAX_CPUS];
volatile u32 ext_param[MAX_CPUS];
volatile int ext_count[MAX_CPUS];
static volatile int in_pgm;

void expect_pgm_int(void)
{
	pgm.code = 0;
	pgm.expected = 1;
	asm volatile("" : : : "memory");
}

u16 clear_pgm_int(void)
{
	u16 c = pgm.code;
	pgm.code = 0;
	pgm.expected = 0;
	return c;
}

void handle_pgm(void)
{
	u16 code = LC_U16(LC_PGM_CODE) & 0x7fff;
	u16 ilc = LC_U16(LC_PGM_ILC);
	u64 addr = LC_U64(LC_PGM_OLD + 8);

	if (!pgm.expected || in_pgm) {
		static const u64 wait[2] __attribute__((aligned(8))) = { 0x0002000180000000UL,
									 0x0000000000fa12ecUL };
		if (in_pgm)
			asm volatile("lpswe %0" : : "Q"(wait));
		in_pgm = 1;
		printf("ABORT: unexpected program interruption 0x%x (ILC %u) at 0x%lx\n", code,
		       ilc, addr);
		abort();
	}
	pgm.code = code;
	pgm.ilc = ilc;
	pgm.addr = addr;
	pgm.teid = LC_U64(LC_TEID);
	pgm.expected = 0;
	/* Nullifying translation exceptions leave the PSW at the instruction: skip it. */
	if (code == 0x10 || code == 0x11 || (code >= 0x38 && code <= 0x3b))
		LC_U64(LC_PGM_OLD + 8) = addr + ilc;
}

void handle_svc(void)
{
	svc_code = LC_U16(LC_SVC_CODE);
	svc_ilc = LC_U16(LC_SVC_ILC);
	/* SVC 1 leaves the problem state. */
	if (svc_code == 1)
		LC_U64(LC_SVC_OLD) &= ~PSW_MASK_PSTATE;
}

void handle_ext(void)
{
	u16 cpu = stap() % MAX_CPUS;
	u16 code = LC_U16(LC_EXT_CODE);
	u32 param = LC_U32(LC_EXT_PARAM);
	u64 never = ~0UL, far = 0x7fffffffffffffffUL;

	/* Leave a wait state. */
	LC_U64(LC_EXT_OLD) &= ~PSW_MASK_WAIT;
	/* Service signals belong to the console; tests see the other interruptions. */
	if (code == 0x2401) {
		if (param & ~7u)
			sclp_busy = 0;
		if (param & 1)
			sclp_attention = 1;
		return;
	}
	ext_code[cpu] = code;
	ext_param[cpu] = param;
	ext_cpu[cpu] = LC_U16(LC_CPU_ADDR);
	ext_count[cpu]++;
	/* Timer sources stay pending until reset: push them out of reach. */
	if (code == 0x1004)
		asm volatile("sckc %0" : : "Q"(never));
	if (code == 0x1005)
		asm volatile("spt %0" : : "Q"(far));
}

/* ---- entry --------------------------------------------------------------------- */

extern char ipl_args[];
static char *argv[16];

void cstart(void)
{
	int argc = 0;
	char *p = ipl_args;
	char *end = ipl_args + 0xb80;

	sclp_setup();
	argv[argc++] = (char *)program_name;
	while (p < end && *p && argc < 15) {
		while (*p == ' ')
			*p++ = 0;
		if (!*p)
			break;
		argv[argc++] = p;
		while (p < end && *p && *p != ' ')
			p++;
	}
	exit(main(argc, argv));
}
