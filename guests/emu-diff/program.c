/* A freestanding program for the differential test: gcc-compiled code run by both
 * qemu-s390x (through harness.S) and pv-emu. `run` writes its results to `out`
 * (the 4 KiB memory area); the test compares memory and registers.
 * Built by pv-emu/tests/diff_qemu.rs (`gcc_program_matches_qemu`) with -march=zEC12 (no
 * vector facility), linked at 0x30000. */
#include <stdint.h>
#include <stddef.h>

static uint64_t seed = 0x243f6a8885a308d3ull;

static uint64_t next(void) {
    seed ^= seed << 13;
    seed ^= seed >> 7;
    seed ^= seed << 17;
    return seed;
}

static unsigned fib(unsigned n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }

static void isort(int32_t *v, int n) {
    for (int i = 1; i < n; i++) {
        int32_t x = v[i];
        int j = i - 1;
        while (j >= 0 && v[j] > x) { v[j + 1] = v[j]; j--; }
        v[j + 1] = x;
    }
}

static size_t slen(const char *s) { size_t n = 0; while (s[n]) n++; return n; }

static int fmt_i64(char *buf, int64_t v) {
    char tmp[24];
    int n = 0, neg = v < 0;
    uint64_t u = neg ? -(uint64_t)v : (uint64_t)v;
    do { tmp[n++] = '0' + u % 10; u /= 10; } while (u);
    int k = 0;
    if (neg) buf[k++] = '-';
    while (n) buf[k++] = tmp[--n];
    buf[k] = 0;
    return k;
}

static int classify(int x) {
    switch (x & 15) {
    case 0: return 11; case 1: return 23; case 2: return 35; case 3: return 47;
    case 5: return 59; case 8: return 61; case 13: return 73; default: return -x;
    }
}

struct bits { unsigned a : 3, b : 7, c : 13, d : 9; };

static const char greeting[] = "pvsim differential program";

void run(uint64_t *out) {
    int k = 0;
    out[k++] = fib(8);
    int32_t v[40];
    for (int i = 0; i < 40; i++) v[i] = (int32_t)next();
    isort(v, 40);
    for (int i = 0; i < 40; i += 4) out[k++] = (uint64_t)(int64_t)v[i];
    for (int i = 0; i < 12; i++) {
        uint64_t a = next(), b = next() | 1;
        int64_t sa = (int64_t)a, sb = (int64_t)b;
        out[k++] = a / b + a % b;
        out[k++] = (uint64_t)(sa / sb) ^ (uint64_t)(sa % sb);
        out[k++] = (uint64_t)((unsigned __int128)a * b >> 64);
        out[k++] = (uint64_t)((__int128)sa * sb >> 64);
        out[k++] = (uint32_t)a / ((uint32_t)b | 1) + (int32_t)a % ((int32_t)b | 1);
        out[k++] = __builtin_popcountll(a) + (__builtin_clzll(a | 1) << 8) + (__builtin_ctzll(b) << 16);
        out[k++] = (a << (b & 63)) | (a >> (64 - (b & 63)) % 64);
        out[k++] = classify((int)a);
        double x = (double)(int64_t)a / 1e9, y = (double)(b >> 11) * 0.5;
        out[k++] = (uint64_t)(int64_t)(x * y + x / (y + 1.0));
        out[k++] = x < y ? 1 : (x > y ? 2 : 3);
        float f = (float)(int32_t)a / 3.0f;
        out[k++] = (uint64_t)(int64_t)(f * 1000.0f);
        struct bits bb = { .a = a, .b = a >> 3, .c = a >> 10, .d = b };
        out[k++] = bb.a * 1000000 + bb.b * 10000 + bb.c + bb.d * 7;
    }
    char *s = (char *)&out[k];
    int n = 0;
    for (int i = 0; i < 8; i++) {
        n += fmt_i64(s + n, (int64_t)next() >> (i * 7));
        s[n++] = ',';
    }
    s[n] = 0;
    k += (n + 8) / 8;
    out[k++] = slen(greeting);
    out[k++] = slen(s);
    uint8_t *p = (uint8_t *)&out[k];
    for (int i = 0; i < 64; i++) p[i] = greeting[i % sizeof greeting];
    for (int i = 63; i > 0; i--) p[i] ^= p[i - 1];
    k += 8;
    out[k++] = seed;
}
