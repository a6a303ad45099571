/* A grab-bag of C that gcc turns into the general instructions pv-emu decodes; its
 * object file is disassembled by objdump and by pv-emu in the whole-binary test. */
#include <stddef.h>
#include <stdint.h>

struct node { struct node *next; int64_t key; uint32_t flags; uint16_t kind; uint8_t tag; };

uint64_t mix64(uint64_t a, uint64_t b) { return (a ^ (b >> 7)) * 0x9e3779b97f4a7c15ull + (a << 13); }
int64_t divmod(int64_t a, int64_t b, int64_t *rem) { *rem = a % b; return a / b; }
uint64_t udiv(uint64_t a, uint64_t b) { return b ? a / b : 0; }
uint32_t rot32(uint32_t v, unsigned n) { return (v << (n & 31)) | (v >> ((32 - n) & 31)); }
int clz64(uint64_t v) { return v ? __builtin_clzll(v) : 64; }
int popc(uint64_t v) { return __builtin_popcountll(v); }
uint64_t bswap(uint64_t v) { return __builtin_bswap64(v); }

size_t my_strlen(const char *s) { size_t n = 0; while (s[n]) n++; return n; }
void *my_memcpy(void *d, const void *s, size_t n) {
    unsigned char *dp = d; const unsigned char *sp = s;
    while (n--) *dp++ = *sp++;
    return d;
}
int my_memcmp(const void *a, const void *b, size_t n) {
    const unsigned char *x = a, *y = b;
    for (size_t i = 0; i < n; i++) if (x[i] != y[i]) return x[i] < y[i] ? -1 : 1;
    return 0;
}

struct node *find(struct node *n, int64_t key) {
    for (; n; n = n->next) if (n->key == key && (n->flags & 4) && n->tag != 0xff) return n;
    return NULL;
}

int classify(int x) {
    switch (x) {
    case 0: return 10; case 1: return 20; case 2: return 37; case 3: return 41;
    case 5: return 59; case 8: return 61; case 13: return 71; default: return -1;
    }
}

int64_t sum_sat(const int32_t *v, size_t n) {
    int64_t s = 0;
    for (size_t i = 0; i < n; i++) { s += v[i]; if (s > 1000000) s = 1000000; if (s < -1000000) s = -1000000; }
    return s;
}

uint32_t bits(uint64_t v) { return (uint32_t)((v >> 17) & 0x3ff) | ((uint32_t)(v & 0xf) << 20); }
int16_t narrow(int64_t v) { return (int16_t)v; }
uint8_t lowbyte(uint32_t v) { return (uint8_t)v; }
int cmp_u(uint64_t a, uint64_t b) { return a < b ? -1 : a > b; }
long sel(long a, long b, int c) { return c > 3 ? a : b; }
double dadd(double a, double b) { return a + b * 2.0; }
int dcmp(double a, double b) { return a < b; }
long d2l(double a) { return (long)a; }
double l2d(long a) { return (double)a; }
static volatile uint64_t counter;
void bump(void) { counter += 3; }
uint64_t atomic_inc(uint64_t *p) { return __atomic_add_fetch(p, 1, __ATOMIC_SEQ_CST); }
int cas(int *p, int o, int n) { return __atomic_compare_exchange_n(p, &o, n, 0, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST); }
void fill(uint64_t *p, size_t n) { for (size_t i = 0; i < n; i++) p[i] = i * 0x0101010101010101ull; }
void zero(char *p) { __builtin_memset(p, 0, 200); }
void copy(char *d, const char *s) { __builtin_memcpy(d, s, 100); }
