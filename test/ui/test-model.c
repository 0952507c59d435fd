/* Unit tests for the menu's model (ui/ncurses/model.c): grouping, ordering,
 * updates, removal with a cursor on the removed row, id lookups at scale. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <talloc.h>

#include "ui/ncurses/model.h"

static struct kb_option *mkopt(const char *id, const char *dev, uint32_t order)
{
	struct kb_option *o = talloc_zero(NULL, struct kb_option);
	o->id = talloc_strdup(o, id);
	o->device_id = talloc_strdup(o, dev);
	o->name = talloc_strdup(o, id);
	o->order = order;
	return o;
}

static struct kb_device *mkdev(const char *id)
{
	struct kb_device *d = talloc_zero(NULL, struct kb_device);
	d->id = talloc_strdup(d, id);
	return d;
}

/* The rows as "h:dev" / "o:id" joined by spaces. */
static char *rows(void *ctx, const struct ui_model *m)
{
	char *s = talloc_strdup(ctx, "");
	for (struct ui_row r = ui_row_first(m); ui_row_valid(r); r = ui_row_next(r))
		s = talloc_asprintf_append(s, "%s%s:%s", *s ? " " : "", r.opt ? "o" : "h",
					   r.opt ? r.opt->opt->id : r.dev->id);
	return s;
}

static void test_grouping_and_order(void **state)
{
	void *ctx = talloc_new(NULL);
	struct ui_model *m = ui_model_new(ctx);
	ui_model_device_add(m, mkdev("sda1"));
	ui_model_option_add(m, mkopt("a0", "sda1", 0));
	ui_model_option_add(m, mkopt("b0", "sdb1", 0)); /* device not announced yet */
	ui_model_option_add(m, mkopt("a2", "sda1", 2));
	ui_model_option_add(m, mkopt("a1", "sda1", 1)); /* out of order */
	ui_model_device_add(m, mkdev("sdc1"));          /* no options: no rows */
	assert_string_equal(rows(ctx, m), "h:sda1 o:a0 o:a1 o:a2 h:sdb1 o:b0");
	assert_int_equal(m->n_opts, 4);
	assert_int_equal(m->n_devs, 3);
	/* backwards walk mirrors the forward one */
	char *back = talloc_strdup(ctx, "");
	for (struct ui_row r = ui_opt_last(m); ui_row_valid(r); r = ui_row_prev(r))
		back = talloc_asprintf_append(back, "%s%s", *back ? " " : "",
					      r.opt ? r.opt->opt->id : r.dev->id);
	assert_string_equal(back, "b0 sdb1 a2 a1 a0 sda1");
	talloc_free(ctx);
}

static void test_update_keeps_entry(void **state)
{
	void *ctx = talloc_new(NULL);
	struct ui_model *m = ui_model_new(ctx);
	struct ui_opt *o = ui_model_option_add(m, mkopt("x", "d", 0));
	ui_model_option_add(m, mkopt("y", "d", 1));
	struct kb_option *upd = mkopt("x", "d", 0);
	talloc_free(upd->name);
	upd->name = talloc_strdup(upd, "renamed");
	assert_ptr_equal(ui_model_option_add(m, upd), o); /* same row object */
	assert_string_equal(o->opt->name, "renamed");
	assert_int_equal(m->n_opts, 2);
	/* a changed order moves it */
	ui_model_option_add(m, mkopt("x", "d", 5));
	assert_string_equal(rows(ctx, m), "h:d o:y o:x");
	/* a changed device moves it to that group */
	ui_model_option_add(m, mkopt("x", "e", 0));
	assert_string_equal(rows(ctx, m), "h:d o:y h:e o:x");
	assert_ptr_equal(ui_model_option_find(m, "x")->dev, ui_model_device_find(m, "e"));
	talloc_free(ctx);
}

struct cursor {
	struct ui_row sel, top;
	int calls;
};

static void before_remove(struct ui_model *m, struct ui_row row, void *data)
{
	struct cursor *c = data;
	c->calls++;
	if (ui_row_eq(c->sel, row)) {
		struct ui_row n = ui_opt_next(row);
		c->sel = ui_row_valid(n) ? n : ui_opt_prev(row);
	}
	if (ui_row_eq(c->top, row)) {
		struct ui_row after = row.opt ? row : (struct ui_row){ row.dev, row.dev->last };
		struct ui_row n = ui_row_next(after);
		c->top = ui_row_valid(n) ? n : ui_row_prev(row);
	}
}

static void test_remove_moves_cursor(void **state)
{
	void *ctx = talloc_new(NULL);
	struct ui_model *m = ui_model_new(ctx);
	struct cursor c = { 0 };
	m->before_remove = before_remove;
	m->data = &c;
	ui_model_option_add(m, mkopt("a0", "a", 0));
	struct ui_opt *b0 = ui_model_option_add(m, mkopt("b0", "b", 0));
	struct ui_opt *c0 = ui_model_option_add(m, mkopt("c0", "c", 0));
	c.sel = (struct ui_row){ b0->dev, b0 };
	c.top = (struct ui_row){ b0->dev, NULL };
	assert_int_equal(ui_model_option_remove(m, "b0"), 0);
	assert_int_equal(c.calls, 2); /* the option, then its now empty header */
	assert_ptr_equal(c.sel.opt, c0);
	assert_true(ui_row_eq(c.top, (struct ui_row){ c0->dev, NULL }));
	assert_string_equal(rows(ctx, m), "h:a o:a0 h:c o:c0");
	/* removing the last device moves the cursor backwards */
	assert_int_equal(ui_model_device_remove(m, "c"), 0);
	assert_string_equal(c.sel.opt->opt->id, "a0");
	assert_int_equal(ui_model_option_remove(m, "nope"), -ENOENT);
	ui_model_clear(m);
	assert_false(ui_row_valid(ui_row_first(m)));
	assert_int_equal(m->n_opts, 0);
	talloc_free(ctx);
}

#define MANY 20000
static void test_many_lookups(void **state)
{
	void *ctx = talloc_new(NULL);
	struct ui_model *m = ui_model_new(ctx);
	char id[64];
	for (int i = 0; i < MANY; i++) {
		snprintf(id, sizeof(id), "dev%d:grub2:%d", i % 7, i);
		char dev[16];
		snprintf(dev, sizeof(dev), "dev%d", i % 7);
		assert_non_null(ui_model_option_add(m, mkopt(id, dev, (uint32_t)i)));
	}
	assert_int_equal(m->n_opts, MANY);
	for (int i = 0; i < MANY; i += 97) {
		snprintf(id, sizeof(id), "dev%d:grub2:%d", i % 7, i);
		struct ui_opt *o = ui_model_option_find(m, id);
		assert_non_null(o);
		assert_string_equal(o->opt->id, id);
	}
	for (int i = 0; i < MANY; i += 2) {
		snprintf(id, sizeof(id), "dev%d:grub2:%d", i % 7, i);
		assert_int_equal(ui_model_option_remove(m, id), 0);
	}
	assert_int_equal(m->n_opts, MANY / 2);
	size_t n = 0;
	for (struct ui_row r = ui_opt_first(m); ui_row_valid(r); r = ui_opt_next(r))
		n++;
	assert_int_equal(n, MANY / 2);
	talloc_free(ctx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_grouping_and_order),
		cmocka_unit_test(test_update_keeps_entry),
		cmocka_unit_test(test_remove_moves_cursor),
		cmocka_unit_test(test_many_lookups),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
