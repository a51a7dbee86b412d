/*
 * start.S - the PVH entry point: from the 32-bit protected mode that QEMU's
 * PVH boot (and Firecracker, cloud-hypervisor, Xen) leaves us in, to long
 * mode with identity-mapped paging, then into C (tern_guest_main).
 *
 * The PVH ABI (Xen's "HVM direct boot"): the loader finds the 32-bit entry
 * point in the XEN_ELFNOTE_PHYS32_ENTRY note, enters it with paging off,
 * flat 32-bit segments, interrupts off, no valid stack, and %ebx holding
 * the physical address of struct hvm_start_info (memory map, command line).
 *
 * The boot page tables map the first 4 GiB one to one with 2 MiB pages
 * (6 pages of tables; the PML4 and PDPT in .bss, the four page directories
 * in the boot scratch after the image, guest.ld): enough for the image, every RAM page of a guest up
 * to ~3 GiB, the LAPIC and the PCI hole where firmware puts BARs. paging.c
 * refines them (uncached MMIO, RAM or BARs above 4 GiB) once C runs.
 */
#define XEN_ELFNOTE_PHYS32_ENTRY 18

#define CR0_PE (1 << 0)
#define CR0_MP (1 << 1)
#define CR0_EM (1 << 2)
#define CR0_PG (1 << 31)
#define CR4_PAE (1 << 5)
#define CR4_OSFXSR (1 << 9)
#define CR4_OSXMMEXCPT (1 << 10)
#define MSR_EFER 0xc0000080
#define EFER_LME (1 << 8)

#define PTE_P 0x1
#define PTE_W 0x2
#define PTE_PS 0x80

/* The PVH note. QEMU 7.2 reads the descriptor as a 64-bit value for an
 * ELF64 image, and aligns the name by the note segment's alignment, so the
 * note is 4-aligned (its own PT_NOTE) and the address is a .quad. */
	.section .note.Xen, "a"
	.balign 4
	.long 4				/* namesz: "Xen\0" */
	.long 8				/* descsz */
	.long XEN_ELFNOTE_PHYS32_ENTRY
	.asciz "Xen"
	.balign 4
	.quad pvh_start

	.section .text.boot, "ax"
	.code32
	.globl pvh_start
	.type pvh_start, @function
pvh_start:
	/* The very first instruction: the TSC at entry, for the boot-time
	 * figure (first instruction to main) that the guest prints. */
	rdtsc
	movl %eax, guest_boot_tsc
	movl %edx, guest_boot_tsc + 4
	movl %ebx, guest_start_info
	cli
	cld

	/* .bss is not zeroed here: an ELF loader must zero-fill a segment's
	 * bytes past p_filesz (System V ABI), and QEMU's and Firecracker's
	 * do. Zeroing it again cost 11 ms under TCG, where REP STOSB runs a
	 * byte per translated-block exit (the echo image's .bss is 420 KiB). */
	movl $boot_stack_top, %esp

	/* PML4[0] -> PDPT; PDPT[0..3] -> four page directories. */
	movl $boot_pdpt + (PTE_P | PTE_W), %eax
	movl %eax, boot_pml4
	movl $boot_pd + (PTE_P | PTE_W), %eax
	xorl %ecx, %ecx
1:	movl %eax, boot_pdpt(, %ecx, 8)
	addl $4096, %eax
	incl %ecx
	cmpl $4, %ecx
	jb 1b
	/* PD entries: 2048 pages of 2 MiB, physical == virtual. The
	 * directories are scratch, not .bss: both halves are written. */
	movl $(PTE_P | PTE_W | PTE_PS), %eax
	xorl %ecx, %ecx
	xorl %edx, %edx
2:	movl %eax, boot_pd(, %ecx, 8)
	movl %edx, boot_pd + 4(, %ecx, 8)
	addl $0x200000, %eax
	incl %ecx
	cmpl $2048, %ecx
	jb 2b

	/* PAE, the page tables, EFER.LME, then paging: long mode (still
	 * in 32-bit compatibility code until the far jump). */
	movl %cr4, %eax
	orl $(CR4_PAE | CR4_OSFXSR | CR4_OSXMMEXCPT), %eax
	movl %eax, %cr4
	movl $boot_pml4, %eax
	movl %eax, %cr3
	movl $MSR_EFER, %ecx
	rdmsr
	orl $EFER_LME, %eax
	wrmsr
	movl %cr0, %eax
	andl $~CR0_EM, %eax		/* SSE: no FPU emulation ... */
	orl $(CR0_PG | CR0_PE | CR0_MP), %eax /* ... and WAIT honours TS */
	movl %eax, %cr0

	lgdt boot_gdt_ptr
	ljmp $0x08, $long_mode

	.code64
long_mode:
	movl $0x10, %eax
	movl %eax, %ds
	movl %eax, %es
	movl %eax, %ss
	xorl %eax, %eax
	movl %eax, %fs
	movl %eax, %gs
	movq $boot_stack_top, %rsp
	fninit
	/* rbp = 0 ends every frame-pointer backtrace here. */
	xorl %ebp, %ebp
	movl guest_start_info, %edi
	call tern_guest_main
3:	cli
	hlt
	jmp 3b
	.size pvh_start, . - pvh_start

/* The GDT: null, 64-bit code (0x08), data (0x10), and room for the 16-byte
 * TSS descriptor (0x18) that cpu.c fills in. Writable: the CPU sets the
 * accessed bits. */
	.data
	.balign 16
	.globl guest_gdt
guest_gdt:
	.quad 0
	.quad 0x00af9a000000ffff	/* code: long mode, DPL 0 */
	.quad 0x00cf92000000ffff	/* data: flat, writable */
	.quad 0, 0			/* TSS, filled by cpu.c */
guest_gdt_end:
boot_gdt_ptr:
	.word guest_gdt_end - guest_gdt - 1
	.long guest_gdt

	.balign 8
	.globl guest_boot_tsc
guest_boot_tsc:
	.quad 0
	.globl guest_start_info
guest_start_info:
	.long 0

	.bss
	.balign 4096
	.globl boot_pml4
boot_pml4:
	.skip 4096
boot_pdpt:
	.skip 4096
	/* boot_pd and the boot stack are in the boot scratch (guest.ld). */

	.section .note.GNU-stack, "", @progbits
