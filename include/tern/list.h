/*
 * list.h - intrusive doubly linked lists (in the manner of Linux list.h).
 *
 * A list head is a node linked to itself. Nodes live inside the structures
 * they link, so putting a structure on a list never allocates. All
 * operations are O(1) except tern_list_len().
 */
#ifndef TERN_LIST_H
#define TERN_LIST_H

#include <stdbool.h>
#include <stddef.h>

#include "tern/base.h"

struct tern_list {
	struct tern_list *next;
	struct tern_list *prev;
};

#define TERN_LIST_INIT(name)     \
	{                        \
		&(name), &(name) \
	}

/* Makes l an empty list (or an unlinked node). */
static inline void tern_list_init(struct tern_list *l)
{
	l->next = l;
	l->prev = l;
}

static inline bool tern_list_empty(const struct tern_list *l)
{
	return l->next == l;
}

/* True if node is on some list (it was initialised or removed with
 * tern_list_del_init otherwise). */
static inline bool tern_list_linked(const struct tern_list *node)
{
	return node->next != node;
}

static inline void tern_list_link_between(struct tern_list *node,
					  struct tern_list *prev,
					  struct tern_list *next)
{
	node->prev = prev;
	node->next = next;
	prev->next = node;
	next->prev = node;
}

/* Inserts node right after head (at the front). */
static inline void tern_list_add(struct tern_list *head, struct tern_list *node)
{
	tern_list_link_between(node, head, head->next);
}

/* Inserts node right before head (at the back). */
static inline void tern_list_add_tail(struct tern_list *head,
				      struct tern_list *node)
{
	tern_list_link_between(node, head->prev, head);
}

/* Unlinks node and leaves it as an empty, unlinked node. */
static inline void tern_list_del_init(struct tern_list *node)
{
	node->prev->next = node->next;
	node->next->prev = node->prev;
	tern_list_init(node);
}

/* The first node, or NULL if the list is empty. */
static inline struct tern_list *tern_list_first(const struct tern_list *head)
{
	return tern_list_empty(head) ? NULL : head->next;
}

/* Unlinks and returns the first node, or NULL if the list is empty. */
static inline struct tern_list *tern_list_pop(struct tern_list *head)
{
	struct tern_list *node = tern_list_first(head);

	if (node)
		tern_list_del_init(node);
	return node;
}

/* Moves every node of from to the back of to, leaving from empty. */
static inline void tern_list_splice_tail(struct tern_list *to,
					 struct tern_list *from)
{
	if (tern_list_empty(from))
		return;
	from->next->prev = to->prev;
	to->prev->next = from->next;
	from->prev->next = to;
	to->prev = from->prev;
	tern_list_init(from);
}

/* Number of nodes. O(n). */
static inline size_t tern_list_len(const struct tern_list *head)
{
	size_t n = 0;

	for (const struct tern_list *it = head->next; it != head; it = it->next)
		n++;
	return n;
}

#define tern_list_entry(node, type, member) \
	tern_container_of(node, type, member)

/* Iterates over nodes; the body must not unlink it (use _safe). */
#define tern_list_for_each(it, head) \
	for (struct tern_list *it = (head)->next; it != (head); it = it->next)

/* Iterates over nodes; the body may unlink it. */
#define tern_list_for_each_safe(it, head)                                \
	for (struct tern_list *it = (head)->next, *it##_next = it->next; \
	     it != (head); it = it##_next, it##_next = it->next)

#endif
