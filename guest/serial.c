/*
 * serial.c - the console: COM1 (an 8250/16550 UART at I/O port 0x3f8),
 * which QEMU connects to -serial stdio / file: / a socket.
 *
 * Writes wait for the transmit FIFO to drain, with a bound so that a
 * missing or stuck UART drops bytes instead of hanging the guest, then put
 * up to FIFO_SIZE bytes into it: THRE set means the 16550's 16-byte FIFO
 * is empty. Under TCG every port access is an exit to QEMU, so this makes
 * a line about 1 + 1/16 exits a byte instead of 2.
 * Line feeds go out as CR LF so that a raw terminal shows lines properly;
 * test scripts strip the CRs.
 *
 * Input is read for one thing only: a Ctrl-C byte (0x03) is the guest's
 * stop request (tern_stop_requested(), the hosted runner's SIGINT). The
 * receive interrupt (IRQ 4, through the IOAPIC) only ends a HLT; the bytes
 * are read by serial_poll_stop() from tern_wait() and, at most every
 * STOP_POLL_NS, from tern_stop_requested().
 */
#include "guest.h"
#include "x86.h"

#define COM1 0x3f8
#define UART_THR 0 /* transmit holding register (DLAB=0) */
#define UART_DLL 0 /* divisor latch low (DLAB=1) */
#define UART_IER 1
#define UART_DLH 1
#define UART_FCR 2
#define UART_LCR 3
#define UART_MCR 4
#define UART_LSR 5
#define LSR_DR 0x01   /* data ready */
#define LSR_THRE 0x20 /* transmit holding register empty */
#define IER_RDA 0x01  /* interrupt on received data */
#define MCR_OUT2 0x08 /* gates the UART's interrupt onto the ISA line */
#define COM1_IRQ 4
#define CTRL_C 0x03
#define LCR_DLAB 0x80
#define LCR_8N1 0x03

/* About 1 ms at 115200 baud on real hardware; QEMU is always ready. */
#define THRE_SPINS 100000
#define FIFO_SIZE 16

static bool serial_ready;

void serial_init(void)
{
	outb(COM1 + UART_IER, 0); /* no UART interrupts */
	outb(COM1 + UART_LCR, LCR_DLAB);
	outb(COM1 + UART_DLL, 1); /* 115200 baud */
	outb(COM1 + UART_DLH, 0);
	outb(COM1 + UART_LCR, LCR_8N1);
	outb(COM1 + UART_FCR, 0xc7); /* FIFOs on, cleared */
	outb(COM1 + UART_MCR, 0x03); /* DTR, RTS */
	serial_ready = true;
}

/* Waits until the transmit FIFO is empty; false if the UART stays busy
 * THRE_SPINS polls. */
static bool fifo_empty(void)
{
	for (unsigned i = 0; i < THRE_SPINS; i++) {
		if (inb(COM1 + UART_LSR) & LSR_THRE)
			return true;
		pause();
	}
	return false;
}

void serial_rx_init(void)
{
	ioapic_route(COM1_IRQ, VEC_SERIAL);
	outb(COM1 + UART_MCR, 0x03 | MCR_OUT2);
	outb(COM1 + UART_IER, IER_RDA);
}

bool serial_poll_stop(void)
{
	bool stop = false;

	/* Bounded: a stuck UART reporting data forever cannot hang us. */
	for (int i = 0; i < 256 && (inb(COM1 + UART_LSR) & LSR_DR); i++)
		if (inb(COM1 + UART_THR) == CTRL_C)
			stop = true;
	return stop;
}

void tern_console_write(const char *buf, size_t len)
{
	size_t i = 0;
	bool cr_sent = false; /* the CR before buf[i] ('\n') is out */

	if (!serial_ready)
		serial_init();
	while (i < len && fifo_empty()) {
		for (unsigned room = FIFO_SIZE; room > 0 && i < len; room--) {
			if (buf[i] == '\n' && !cr_sent) {
				outb(COM1 + UART_THR, '\r');
				cr_sent = true;
				continue;
			}
			outb(COM1 + UART_THR, (uint8_t)buf[i++]);
			cr_sent = false;
		}
	}
}
