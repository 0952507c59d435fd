/* kexboot-menu: the client-side model of the daemon's devices and options.
 *
 * Options are grouped under their device (devices in arrival order, options
 * by their config order). Every operation costs O(1) amortised (id lookups
 * through a hash table, insertion scanning back from the tail, which is where
 * options in config order land), so N options arriving cost O(N) in total.
 * Rows for display are walked with ui_row_next/prev from any row: the view
 * never needs a flattened array, so drawing costs only the visible rows.
 */
#ifndef KB_UI_MODEL_H
#define KB_UI_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/types.h"

struct ui_dev;

struct ui_opt {
	struct kb_option *opt; /* owned (talloc child of this ui_opt) */
	struct ui_dev *dev;
	struct ui_opt *prev, *next; /* within dev, by order */
};

struct ui_dev {
	char *id;
	struct kb_device *dev; /* NULL until DEVICE_ADD arrives (options may come first) */
	struct ui_opt *first, *last;
	size_t n_opts;
	struct ui_dev *prev, *next; /* arrival order */
};

/* A display row: a device header (opt == NULL) or an option. */
struct ui_row {
	struct ui_dev *dev;
	struct ui_opt *opt;
};

struct ui_hash;

struct ui_model {
	struct ui_dev *first, *last;
	size_t n_devs, n_opts;
	struct ui_hash *devs; /* id -> ui_dev */
	struct ui_hash *opts; /* id -> ui_opt */
	/* Called before an option or a device header disappears so a view can
	 * move its cursor off it (row.opt == NULL: the device header). */
	void (*before_remove)(struct ui_model *m, struct ui_row row, void *data);
	void *data;
};

/* A new empty model under ctx; NULL on allocation failure. */
struct ui_model *ui_model_new(void *ctx);
/* Drop everything (reconnect). */
void ui_model_clear(struct ui_model *m);

/* Add or update a device; dev is stolen. 0 or -ENOMEM. */
int ui_model_device_add(struct ui_model *m, struct kb_device *dev);
/* Remove a device and its options. 0 or -ENOENT. */
int ui_model_device_remove(struct ui_model *m, const char *id);
/* Add or update an option; opt is stolen. Returns its ui_opt or NULL (ENOMEM/EINVAL). */
struct ui_opt *ui_model_option_add(struct ui_model *m, struct kb_option *opt);
/* Remove an option. 0 or -ENOENT. */
int ui_model_option_remove(struct ui_model *m, const char *id);
/* Look an option up by id; NULL if absent. */
struct ui_opt *ui_model_option_find(const struct ui_model *m, const char *id);
struct ui_dev *ui_model_device_find(const struct ui_model *m, const char *id);

/* Rows: device headers of devices with options, and their options. */
bool ui_row_valid(struct ui_row r);
bool ui_row_eq(struct ui_row a, struct ui_row b);
struct ui_row ui_row_first(const struct ui_model *m);
struct ui_row ui_row_next(struct ui_row r);
struct ui_row ui_row_prev(struct ui_row r);
/* The header row of an option's device. */
struct ui_row ui_row_header(struct ui_row r);
/* Next / previous option row (skipping headers); invalid row at the ends. */
struct ui_row ui_opt_next(struct ui_row r);
struct ui_row ui_opt_prev(struct ui_row r);
struct ui_row ui_opt_first(const struct ui_model *m);
struct ui_row ui_opt_last(const struct ui_model *m);

#endif
