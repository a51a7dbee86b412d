/*
 * lwip_names.c - a program that defines functions with lwIP's names
 * (tcp_input, ip_output, ...), the same names Tern's network stack uses
 * internally, and links the whole stack beside them. It builds only while
 * the components are sealed (cmake/tern.cmake, tern_sealed_library): with
 * Tern's internal names global, the link fails with multiple definitions,
 * or worse, binds the program's calls to Tern's functions. At run time it
 * checks that its own definitions are the ones its calls reach.
 */
#include <stdio.h>

#include "tern/net.h"

int tcp_input(void);
int tcp_output(void);
int ip_output(void);
int arp_input(void);
int udp_input(void);
int icmp_input(void);

/* Each returns its own number, so a call that reached Tern's function of
 * the same name would show. */
int tcp_input(void)
{
	return 1;
}
int tcp_output(void)
{
	return 2;
}
int ip_output(void)
{
	return 3;
}
int arp_input(void)
{
	return 4;
}
int udp_input(void)
{
	return 5;
}
int icmp_input(void)
{
	return 6;
}

int main(void)
{
	/* Referencing the API pulls the stack's sealed object into the link. */
	int (*volatile init)(struct tern_net *,
			     const struct tern_net_config *) = tern_net_init;
	int sum = tcp_input() + tcp_output() + ip_output() + arp_input() +
		  udp_input() + icmp_input();

	if (!init || sum != 21) {
		printf("lwip_names: a call reached the wrong function (sum "
		       "%d)\n",
		       sum);
		return 1;
	}
	printf("lwip_names: lwIP's names and Tern's stack link side by side\n");
	return 0;
}
