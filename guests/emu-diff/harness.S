/*
 * pv-emu differential harness (s390x Linux user mode, run under qemu-s390x).
 *
 * stdin carries test cases, each:
 *   u16 code length (0 ends the run), 16 x u64 GRs, u64 (CC in the low 2 bits),
 *   16 x u64 FPRs, u64 pad, u64 (FPC in the low word), 4096 bytes for the memory area at
 *   0x20000, then the code bytes.
 * The code is copied to 0x30000 and followed by a branch back; FPRs, FPC, GRs and CC
 * are loaded, the code runs, and stdout receives 16 x u64 GRs, u32 IPM word, u32 pad,
 * 16 x u64 FPRs, u32 pad, u32 FPC, then the 4096-byte memory area.
 *
 * Link with: -nostdlib -static -Wl,--section-start=.fixed=0x20000
 *            -Wl,--section-start=.codearea=0x30000
 */
        .section .text
        .globl  _start
_start:
        larl    %r15,stack_top
        aghi    %r15,-160
case_loop:
        larl    %r3,hdr
        lghi    %r4,2
        brasl   %r14,read_full
        ltgr    %r2,%r2
        jz      done
        larl    %r1,hdr
        llgh    %r6,0(%r1)
        ltgr    %r6,%r6
        jz      done
        larl    %r3,in_state
        lghi    %r4,280
        brasl   %r14,read_full
        larl    %r3,mem_area
        lghi    %r4,4096
        brasl   %r14,read_full
        larl    %r3,code_area
        lgr     %r4,%r6
        brasl   %r14,read_full
        /* brcl 15,after at the end of the code */
        larl    %r1,code_area
        la      %r2,0(%r6,%r1)
        larl    %r3,after
        sgr     %r3,%r2
        srag    %r3,%r3,1
        mvhhi   0(%r2),-16140
        st      %r3,2(%r2)
        larl    %r1,saved_sp
        stg     %r15,0(%r1)
        larl    %r1,in_state
        lfpc    276(%r1)
        ld      %f0,136(%r1)
        ld      %f1,144(%r1)
        ld      %f2,152(%r1)
        ld      %f3,160(%r1)
        ld      %f4,168(%r1)
        ld      %f5,176(%r1)
        ld      %f6,184(%r1)
        ld      %f7,192(%r1)
        ld      %f8,200(%r1)
        ld      %f9,208(%r1)
        ld      %f10,216(%r1)
        ld      %f11,224(%r1)
        ld      %f12,232(%r1)
        ld      %f13,240(%r1)
        ld      %f14,248(%r1)
        ld      %f15,256(%r1)
        l       %r2,132(%r1)
        sll     %r2,28
        spm     %r2
        lmg     %r0,%r15,0(%r1)
        jg      code_area
after:
        stmg    %r0,%r15,0x21000
        ipm     %r0
        sty     %r0,0x21080
        stdy    %f0,0x21088
        stdy    %f1,0x21090
        stdy    %f2,0x21098
        stdy    %f3,0x210a0
        stdy    %f4,0x210a8
        stdy    %f5,0x210b0
        stdy    %f6,0x210b8
        stdy    %f7,0x210c0
        stdy    %f8,0x210c8
        stdy    %f9,0x210d0
        stdy    %f10,0x210d8
        stdy    %f11,0x210e0
        stdy    %f12,0x210e8
        stdy    %f13,0x210f0
        stdy    %f14,0x210f8
        stdy    %f15,0x21100
        larl    %r15,saved_sp
        lg      %r15,0(%r15)
        larl    %r3,out_area
        stfpc   276(%r3)
        lghi    %r4,280
        brasl   %r14,write_full
        larl    %r3,mem_area
        lghi    %r4,4096
        brasl   %r14,write_full
        j       case_loop
done:
        lghi    %r2,0
        svc     1

/* read_full(r3 = buffer, r4 = length): r2 = 1 when all bytes arrived, else 0 */
read_full:
        ltgr    %r4,%r4
        jz      1f
        lghi    %r2,0
        svc     3
        ltgr    %r2,%r2
        jnh     2f
        agr     %r3,%r2
        sgr     %r4,%r2
        j       read_full
1:      lghi    %r2,1
        br      %r14
2:      lghi    %r2,0
        br      %r14

/* write_full(r3 = buffer, r4 = length) */
write_full:
        ltgr    %r4,%r4
        jz      1f
        lghi    %r2,1
        svc     4
        ltgr    %r2,%r2
        jnh     1f
        agr     %r3,%r2
        sgr     %r4,%r2
        j       write_full
1:      br      %r14

        .section .data
        .align  8
hdr:    .space  8
in_state:
        .space  280
saved_sp:
        .space  8
        .align  8
stack:  .space  16384
stack_top:

        .section .fixed,"aw",@nobits
mem_area:
        .space  4096
out_area:
        .space  4096

        .section .codearea,"awx",@progbits
code_area:
        .space  65536
