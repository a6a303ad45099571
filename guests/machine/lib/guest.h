/* The freestanding runtime of the pvsim machine test programs. */
#ifndef GUEST_H
#define GUEST_H

typedef unsigned char u8;
typedef unsigned short u16;
typedef unsigned int u32;
typedef unsigned long u64;
typedef long s64;
typedef unsigned long size_t;

#define NULL ((void *)0)
#define PAGE_SIZE 4096UL

/* Lowcore fields (real addresses, machine.md "Lowcore usage"). */
#define LC_U16(off) (*(volatile u16 *)(u64)(off))
#define LC_U32(off) (*(volatile u32 *)(u64)(off))
#define LC_U64(off) (*(volatile u64 *)(u64)(off))
#define LC_EXT_PARAM 0x80
#define LC_CPU_ADDR 0x84
#define LC_EXT_CODE 0x86
#define LC_SVC_ILC 0x88
#define LC_SVC_CODE 0x8a
#define LC_PGM_ILC 0x8c
#define LC_PGM_CODE 0x8e
#define LC_TEID 0xa8
#define LC_RESTART_NEW 0x1a0
#define LC_EXT_OLD 0x130
#define LC_SVC_OLD 0x140
#define LC_PGM_OLD 0x150

#define PSW_MASK_DAT 0x0400000000000000UL
#define PSW_MASK_IO 0x0200000000000000UL
#define PSW_MASK_EXT 0x0100000000000000UL
#define PSW_MASK_WAIT 0x0002000000000000UL
#define PSW_MASK_PSTATE 0x0001000000000000UL
#define PSW_MASK_64 0x0000000180000000UL

/* CR0 external subclass masks. */
#define CR0_EMERGENCY (1UL << (63 - 49))
#define CR0_EXTERNAL_CALL (1UL << (63 - 50))
#define CR0_CLOCK_COMPARATOR (1UL << (63 - 52))
#define CR0_CPU_TIMER (1UL << (63 - 53))
#define CR0_SERVICE_SIGNAL (1UL << (63 - 54))

/* libc */
void *memset(void *s, int c, size_t n);
void *memcpy(void *d, const void *s, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
int strcmp(const char *a, const char *b);
int printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void puts(const char *s);
int getchar(void);

/* reporting (kvm-unit-tests style lines) */
void report(int pass, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void report_prefix(const char *p);
int report_summary(void);
void exit(int code) __attribute__((noreturn));
void abort(void) __attribute__((noreturn));

/* SCLP */
struct sccb_header {
	u16 length;
	u8 function_code;
	u8 control_mask[3];
	u16 response_code;
} __attribute__((packed));
/* STORE SYSTEM INFORMATION of (fc, sel1, sel2) into the 4 KiB block at addr: the CC
 * (GR0 after the instruction in *r0_out if not NULL). */
int stsi(void *addr, int fc, int sel1, int sel2, u64 *r0_out);
/* Whether STFLE lists facility nr. */
int has_facility(int nr);
/* ULTRAVISOR CALL with the UVCB at uvcb: the CC. */
int uv_call(void *uvcb);

extern u8 sccb_page[];
int sclp_call(u32 command, void *sccb);
void sclp_setup(void);
u64 sclp_memory_size(void);
extern volatile int sclp_attention;

/* interruptions */
struct pgm_record {
	volatile int expected;
	volatile u16 code;
	volatile u16 ilc;
	volatile u64 addr;
	volatile u64 teid;
};
extern struct pgm_record pgm;
void expect_pgm_int(void);
u16 clear_pgm_int(void);
extern volatile u16 svc_code, svc_ilc;
/* The last external interruption other than the service signal, per CPU (0-3). */
#define MAX_CPUS 4
extern volatile u16 ext_code[MAX_CPUS], ext_cpu[MAX_CPUS];
extern volatile u32 ext_param[MAX_CPUS];
extern volatile int ext_count[MAX_CPUS];

void enabled_wait(void);
void enter_pstate(void);
void stop_self(void) __attribute__((noreturn));

/* the entry point of each test program */
int main(int argc, char **argv);
extern const char program_name[];

/* instruction helpers */
static inline u64 stctg0(void)
{
	u64 v;
	asm volatile("stctg %%c0,%%c0,%0" : "=Q"(v));
	return v;
}
static inline void lctlg0(u64 v)
{
	asm volatile("lctlg %%c0,%%c0,%0" : : "Q"(v));
}
static inline void ctl0_set(u64 bits)
{
	lctlg0(stctg0() | bits);
}
static inline u16 stap(void)
{
	u16 a;
	asm volatile("stap %0" : "=Q"(a));
	return a;
}
static inline u32 stpx(void)
{
	u32 p;
	asm volatile("stpx %0" : "=Q"(p));
	return p;
}
static inline u64 stck(void)
{
	u64 t;
	asm volatile("stck %0" : "=Q"(t) : : "cc");
	return t;
}
static inline int sigp(u16 addr, u8 order, u64 param, u32 *status)
{
	register u64 r2 asm("2") = 0;
	register u64 r3 asm("3") = param;
	int cc;
	asm volatile("sigp %%r2,%[addr],0(%[order])\n"
		     "ipm %[cc]\n"
		     "srl %[cc],28\n"
		     : [cc] "=d"(cc), "+d"(r2)
		     : "d"(r3), [addr] "d"((u64)addr), [order] "a"((u64)order)
		     : "cc", "memory");
	if (status)
		*status = (u32)r2;
	return cc;
}
/* SIGP, repeated while the CPU is busy (condition code 2). */
static inline int sigp_retry(u16 addr, u8 order, u64 param, u32 *status)
{
	int cc;
	do
		cc = sigp(addr, order, param, status);
	while (cc == 2);
	return cc;
}

#define SIGP_SENSE 1
#define SIGP_EXTERNAL_CALL 2
#define SIGP_EMERGENCY_SIGNAL 3
#define SIGP_START 4
#define SIGP_STOP 5
#define SIGP_RESTART 6
#define SIGP_STOP_AND_STORE_STATUS 9
#define SIGP_INITIAL_CPU_RESET 11
#define SIGP_CPU_RESET 12
#define SIGP_SET_PREFIX 13
#define SIGP_STORE_STATUS_AT_ADDRESS 14
#define SIGP_SET_ARCHITECTURE 18
#define SIGP_COND_EMERGENCY_SIGNAL 19
#define SIGP_SENSE_RUNNING 21

#endif
