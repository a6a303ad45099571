/* Sieve of Eratosthenes over a byte array of param0 entries at 16 MiB, param1 passes,
 * with DAT on (machine.md, "Speed of the peer": sieve 10^8 x 3, DAT on). The first
 * 1 GiB is mapped 1:1 through one segment table (2048 entries) and page tables of 4 KiB
 * pages built here; the last pass's prime count is stored at `result`. */
#include "common.h"
        .set    SEGTAB, 0x100000        /* 16 KiB segment table */
        .set    PAGETABS, 0x200000      /* 2 KiB page table per MiB */
        .set    ARRAY, 0x1000000
        ENTRY_HEADER
        .text
main:
        /* Segment table: entries for the first param2 MiB point at page tables, the
         * rest are invalid (bit 58). */
        llilf   %r1,SEGTAB
        llilf   %r2,PAGETABS
        lghi    %r3,2048
        lg      %r4,param2              /* mapped MiB */
        lghi    %r0,0                   /* real page address */
1:      lghi    %r5,0x20                /* invalid */
        ltgr    %r4,%r4
        jz      3f
        lgr     %r5,%r2                 /* valid: page-table origin, TT 0 */
        lghi    %r6,256
2:      stg     %r0,0(%r2)              /* PTE: frame, valid, unprotected */
        aghi    %r2,8
        aghi    %r0,4096
        brctg   %r6,2b
        aghi    %r4,-1
3:      stg     %r5,0(%r1)
        aghi    %r1,8
        brctg   %r3,1b
        /* CR1: segment-table designation, DT 0, TL 3 (16 KiB). */
        llilf   %r1,SEGTAB+3
        stg     %r1,result
        lctlg   %c1,%c1,result
        larl    %r1,result
        stosm   0(%r1),0x04             /* DAT on */

        llilf   %r2,ARRAY
        lg      %r3,param0              /* N */
        lg      %r10,param1             /* passes */
        lghi    %r8,1
pass:   /* clear N bytes (rounded up to 256) */
        lgr     %r7,%r2
        lgr     %r9,%r3
        aghi    %r9,255
        srlg    %r9,%r9,8
0:      xc      0(256,%r7),0(%r7)
        la      %r7,256(%r7)
        brctg   %r9,0b
        lghi    %r4,2
1:      la      %r5,0(%r4,%r2)
        cli     0(%r5),0
        jne     3f
        lgr     %r6,%r4
        msgr    %r6,%r4
        clgr    %r6,%r3
        jhe     4f
2:      stc     %r8,0(%r6,%r2)
        agr     %r6,%r4
        clgr    %r6,%r3
        jl      2b
3:      aghi    %r4,1
        j       1b
4:      /* count primes 2..N-1 */
        lghi    %r11,0
        lghi    %r4,2
5:      clgr    %r4,%r3
        jhe     6f
        llgc    %r5,0(%r4,%r2)
        aghi    %r4,1
        ltr     %r5,%r5
        jnz     5b
        aghi    %r11,1
        j       5b
6:      brctg   %r10,pass
        stg     %r11,result
        FINISH
