/* kexboot-menu: devices and options grouped for display, O(1) per change. */
#include <errno.h>
#include <string.h>

#include <talloc.h>

#include "ui/ncurses/model.h"

/* Chained hash table from id strings to pointers; doubles when loaded. */
#define UI_HASH_INITIAL 64u

struct ui_hash_ent {
	const char *key; /* points into the value's own id (not owned) */
	void *value;
	struct ui_hash_ent *next;
};

struct ui_hash {
	struct ui_hash_ent **buckets;
	size_t n_buckets, n;
};

static uint32_t hash_str(const char *s)
{
	uint32_t h = 2166136261u; /* FNV-1a */
	for (; *s; s++)
		h = (h ^ (uint8_t)*s) * 16777619u;
	return h;
}

static struct ui_hash *hash_new(void *ctx)
{
	struct ui_hash *h = talloc_zero(ctx, struct ui_hash);
	if (!h)
		return NULL;
	h->n_buckets = UI_HASH_INITIAL;
	h->buckets = talloc_zero_array(h, struct ui_hash_ent *, h->n_buckets);
	if (!h->buckets) {
		talloc_free(h);
		return NULL;
	}
	return h;
}

static struct ui_hash_ent **hash_slot(struct ui_hash *h, const char *key)
{
	struct ui_hash_ent **p = &h->buckets[hash_str(key) & (h->n_buckets - 1)];
	while (*p && strcmp((*p)->key, key) != 0)
		p = &(*p)->next;
	return p;
}

static void *hash_get(const struct ui_hash *h, const char *key)
{
	struct ui_hash_ent **p = hash_slot((struct ui_hash *)h, key);
	return *p ? (*p)->value : NULL;
}

static int hash_grow(struct ui_hash *h)
{
	size_t nb = h->n_buckets * 2;
	struct ui_hash_ent **b = talloc_zero_array(h, struct ui_hash_ent *, nb);
	if (!b)
		return -ENOMEM;
	for (size_t i = 0; i < h->n_buckets; i++) {
		struct ui_hash_ent *e = h->buckets[i], *next;
		for (; e; e = next) {
			next = e->next;
			size_t j = hash_str(e->key) & (nb - 1);
			e->next = b[j];
			b[j] = e;
		}
	}
	talloc_free(h->buckets);
	h->buckets = b;
	h->n_buckets = nb;
	return 0;
}

/* Insert or replace key; key must stay valid while present. */
static int hash_put(struct ui_hash *h, const char *key, void *value)
{
	struct ui_hash_ent **p = hash_slot(h, key);
	if (*p) {
		(*p)->key = key;
		(*p)->value = value;
		return 0;
	}
	if (h->n >= h->n_buckets) {
		if (hash_grow(h) < 0)
			return -ENOMEM;
		p = hash_slot(h, key);
	}
	struct ui_hash_ent *e = talloc(h, struct ui_hash_ent);
	if (!e)
		return -ENOMEM;
	e->key = key;
	e->value = value;
	e->next = NULL;
	*p = e;
	h->n++;
	return 0;
}

static void hash_del(struct ui_hash *h, const char *key)
{
	struct ui_hash_ent **p = hash_slot(h, key);
	if (!*p)
		return;
	struct ui_hash_ent *e = *p;
	*p = e->next;
	talloc_free(e);
	h->n--;
}

/* A new empty model under ctx; NULL on allocation failure. */
struct ui_model *ui_model_new(void *ctx)
{
	struct ui_model *m = talloc_zero(ctx, struct ui_model);
	if (!m)
		return NULL;
	m->devs = hash_new(m);
	m->opts = hash_new(m);
	if (!m->devs || !m->opts) {
		talloc_free(m);
		return NULL;
	}
	return m;
}

/* Drop everything (reconnect). */
void ui_model_clear(struct ui_model *m)
{
	while (m->first)
		ui_model_device_remove(m, m->first->id);
}

/* Look an option up by id; NULL if absent. */
struct ui_opt *ui_model_option_find(const struct ui_model *m, const char *id)
{
	return id ? hash_get(m->opts, id) : NULL;
}

/* Look a device up by id; NULL if absent. */
struct ui_dev *ui_model_device_find(const struct ui_model *m, const char *id)
{
	return id ? hash_get(m->devs, id) : NULL;
}

static struct ui_dev *dev_get(struct ui_model *m, const char *id)
{
	struct ui_dev *d = hash_get(m->devs, id);
	if (d)
		return d;
	d = talloc_zero(m, struct ui_dev);
	if (!d)
		return NULL;
	d->id = talloc_strdup(d, id);
	if (!d->id || hash_put(m->devs, d->id, d) < 0) {
		talloc_free(d);
		return NULL;
	}
	d->prev = m->last;
	if (m->last)
		m->last->next = d;
	else
		m->first = d;
	m->last = d;
	m->n_devs++;
	return d;
}

/* Add or update a device; dev is stolen. 0 or -ENOMEM. */
int ui_model_device_add(struct ui_model *m, struct kb_device *dev)
{
	if (!dev || !dev->id)
		return -EINVAL;
	struct ui_dev *d = dev_get(m, dev->id);
	if (!d)
		return -ENOMEM;
	talloc_free(d->dev);
	d->dev = talloc_steal(d, dev);
	return 0;
}

static void opt_unlink(struct ui_model *m, struct ui_opt *o)
{
	struct ui_dev *d = o->dev;
	if (m->before_remove) {
		m->before_remove(m, (struct ui_row){ d, o }, m->data);
		if (d->n_opts == 1)
			m->before_remove(m, (struct ui_row){ d, NULL }, m->data);
	}
	if (o->prev)
		o->prev->next = o->next;
	else
		d->first = o->next;
	if (o->next)
		o->next->prev = o->prev;
	else
		d->last = o->prev;
	o->prev = o->next = NULL;
	d->n_opts--;
	m->n_opts--;
}

/* Remove a device and its options. 0 or -ENOENT. */
int ui_model_device_remove(struct ui_model *m, const char *id)
{
	struct ui_dev *d = hash_get(m->devs, id);
	if (!d)
		return -ENOENT;
	while (d->last) {
		struct ui_opt *o = d->last;
		opt_unlink(m, o);
		hash_del(m->opts, o->opt->id);
		talloc_free(o);
	}
	hash_del(m->devs, d->id);
	if (d->prev)
		d->prev->next = d->next;
	else
		m->first = d->next;
	if (d->next)
		d->next->prev = d->prev;
	else
		m->last = d->prev;
	m->n_devs--;
	talloc_free(d);
	return 0;
}

static void opt_link(struct ui_model *m, struct ui_dev *d, struct ui_opt *o)
{
	/* Options arrive in config order, so scanning back from the tail is O(1). */
	struct ui_opt *after = d->last;
	while (after && after->opt->order > o->opt->order)
		after = after->prev;
	o->dev = d;
	o->prev = after;
	o->next = after ? after->next : d->first;
	if (o->next)
		o->next->prev = o;
	else
		d->last = o;
	if (after)
		after->next = o;
	else
		d->first = o;
	d->n_opts++;
	m->n_opts++;
}

/* Add or update an option; opt is stolen. Returns its ui_opt or NULL. */
struct ui_opt *ui_model_option_add(struct ui_model *m, struct kb_option *opt)
{
	if (!opt || !opt->id) {
		errno = EINVAL;
		return NULL;
	}
	const char *dev_id = opt->device_id ? opt->device_id : "";
	struct ui_opt *o = hash_get(m->opts, opt->id);
	if (o) {
		/* An update keeps the entry (and any cursor on it) unless it moved. */
		bool moved = strcmp(o->dev->id, dev_id) != 0 || o->opt->order != opt->order;
		if (moved)
			opt_unlink(m, o);
		hash_del(m->opts, o->opt->id); /* its key is about to be freed */
		talloc_free(o->opt);
		o->opt = talloc_steal(o, opt);
		if (hash_put(m->opts, o->opt->id, o) < 0) {
			if (!moved)
				opt_unlink(m, o);
			talloc_free(o);
			errno = ENOMEM;
			return NULL;
		}
		if (moved) {
			struct ui_dev *d = dev_get(m, dev_id);
			if (!d) {
				hash_del(m->opts, o->opt->id);
				talloc_free(o);
				errno = ENOMEM;
				return NULL;
			}
			opt_link(m, d, o);
		}
		return o;
	}
	struct ui_dev *d = dev_get(m, dev_id);
	o = talloc_zero(m, struct ui_opt);
	if (!d || !o) {
		talloc_free(o);
		errno = ENOMEM;
		return NULL;
	}
	o->opt = talloc_steal(o, opt);
	if (hash_put(m->opts, o->opt->id, o) < 0) {
		talloc_free(o);
		errno = ENOMEM;
		return NULL;
	}
	opt_link(m, d, o);
	return o;
}

/* Remove an option. 0 or -ENOENT. */
int ui_model_option_remove(struct ui_model *m, const char *id)
{
	struct ui_opt *o = id ? hash_get(m->opts, id) : NULL;
	if (!o)
		return -ENOENT;
	opt_unlink(m, o);
	hash_del(m->opts, o->opt->id);
	talloc_free(o);
	return 0;
}

/* True when r names a row. */
bool ui_row_valid(struct ui_row r)
{
	return r.dev != NULL;
}

/* True when a and b name the same row. */
bool ui_row_eq(struct ui_row a, struct ui_row b)
{
	return a.dev == b.dev && a.opt == b.opt;
}

static struct ui_dev *dev_nonempty(struct ui_dev *d, bool forward)
{
	while (d && d->n_opts == 0)
		d = forward ? d->next : d->prev;
	return d;
}

/* The first row (a header), invalid when there are no options. */
struct ui_row ui_row_first(const struct ui_model *m)
{
	return (struct ui_row){ dev_nonempty(m->first, true), NULL };
}

/* The row after r; invalid at the end. */
struct ui_row ui_row_next(struct ui_row r)
{
	if (!r.dev)
		return r;
	if (!r.opt)
		return (struct ui_row){ r.dev, r.dev->first };
	if (r.opt->next)
		return (struct ui_row){ r.dev, r.opt->next };
	return (struct ui_row){ dev_nonempty(r.dev->next, true), NULL };
}

/* The row before r; invalid at the start. */
struct ui_row ui_row_prev(struct ui_row r)
{
	if (!r.dev)
		return r;
	if (r.opt)
		return r.opt->prev ? (struct ui_row){ r.dev, r.opt->prev }
				   : (struct ui_row){ r.dev, NULL };
	struct ui_dev *d = dev_nonempty(r.dev->prev, false);
	return (struct ui_row){ d, d ? d->last : NULL };
}

/* The header row of r's device. */
struct ui_row ui_row_header(struct ui_row r)
{
	return (struct ui_row){ r.dev, NULL };
}

/* The next option row after r (skipping headers). */
struct ui_row ui_opt_next(struct ui_row r)
{
	do
		r = ui_row_next(r);
	while (r.dev && !r.opt);
	return r;
}

/* The previous option row before r (skipping headers). */
struct ui_row ui_opt_prev(struct ui_row r)
{
	do
		r = ui_row_prev(r);
	while (r.dev && !r.opt);
	return r;
}

/* The first option row, invalid when there is none. */
struct ui_row ui_opt_first(const struct ui_model *m)
{
	return ui_opt_next(ui_row_first(m));
}

/* The last option row, invalid when there is none. */
struct ui_row ui_opt_last(const struct ui_model *m)
{
	struct ui_dev *d = dev_nonempty(m->last, false);
	return (struct ui_row){ d, d ? d->last : NULL };
}
