/* kexboot-menu: shared state of the ncurses client.
 *
 * One `struct ui` per process. Screens form a stack (main menu at the
 * bottom); each screen draws itself and handles keys. Server messages update
 * the model and mark the UI dirty; drawing happens once per event-loop
 * iteration (rate-limited), so a burst of N messages costs O(N) model work
 * plus a bounded number of redraws of the visible rows only.
 */
#ifndef KB_UI_H
#define KB_UI_H

#include <stdbool.h>
#include <stdint.h>
#include <wchar.h>

#include "lib/conn.h"
#include "lib/event.h"
#include "lib/protocol.h"
#include "ui/ncurses/model.h"

#define UI_STATUS_LOG_MAX 500     /* STATUS lines kept for the log screen */
#define UI_REDRAW_MIN_MS 30       /* at most one redraw per this interval during bursts */
#define UI_RECONNECT_MS 1000      /* retry interval while the daemon is unreachable */
#define UI_CONNECT_TIMEOUT_MS 2000
#define UI_ESCDELAY_MS 50

struct ui;
struct ui_screen;

/* A key as read by get_wch: is_key for KEY_* codes, else a character. */
struct ui_key {
	bool is_key;
	wint_t ch;
};

struct ui_screen_ops {
	const char *name;
	void (*draw)(struct ui *ui, struct ui_screen *s);
	/* Handle a key; the screen may pop itself (ui_screen_pop). */
	void (*key)(struct ui *ui, struct ui_screen *s, struct ui_key k);
	/* The terminal changed size (optional; draw follows). */
	void (*resize)(struct ui *ui, struct ui_screen *s);
	const char *help; /* help text for this screen */
	bool overlay;     /* a dialog: the screen below is drawn first */
	/* After stdscr is refreshed: windows of its own (forms), the cursor. */
	void (*post_refresh)(struct ui *ui, struct ui_screen *s);
};

struct ui_screen {
	const struct ui_screen_ops *ops;
	struct ui_screen *below;
	void *priv;
};

/* A request waiting for its RESULT. */
struct ui_req;
typedef void (*ui_req_done_fn)(struct ui *ui, struct ui_req *req, const struct kb_msg_result *res);
struct ui_req {
	uint32_t id;
	struct kb_msg *msg; /* owned: resent after AUTH in restricted mode */
	ui_req_done_fn done;
	void *data;
	struct kb_msg_checks *checks; /* CHECK: results received so far (owned) */
	struct ui_req *next;
};

struct ui_status_line {
	uint32_t type;
	char *text;
};

struct ui {
	void *ctx;
	struct kb_loop *loop;
	const char *socket_path;
	struct kb_conn *conn;       /* NULL while disconnected */
	struct kb_source *reconnect;
	uint32_t flags;             /* server's KB_HELLO_* */
	bool synced;                /* SYNC_DONE seen */
	uint32_t next_req;
	struct ui_req *reqs;

	struct ui_model *model;
	struct kb_msg_config config;  /* latest CONFIG, merged (owned) */
	struct kb_msg_config sysinfo; /* latest SYSINFO (owned) */
	struct kb_autoboot_state *autoboot;
	bool cancel_sent;
	struct kb_source *countdown;

	struct ui_status_line log[UI_STATUS_LOG_MAX]; /* ring */
	unsigned log_head, log_n;

	/* main list view */
	struct ui_row top, sel;
	bool user_moved;

	struct ui_screen *screen; /* top of the stack */
	struct kb_source *input;
	bool ascii;               /* draw frames with ASCII characters */
	bool dirty;
	bool suspended;           /* a shell owns the terminal */
	uint64_t last_draw_ms;
	struct kb_source *redraw_timer;
	bool quit;
	int exit_code;
	struct ui_boot *boot; /* the boot in progress (preflight screen), or NULL */
};

struct ui_boot;

/* ui.c */
void ui_mark_dirty(struct ui *ui);
void ui_screen_push(struct ui *ui, const struct ui_screen_ops *ops, void *priv);
void ui_screen_pop(struct ui *ui);
void ui_status_add(struct ui *ui, uint32_t type, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
const char *ui_status_latest(const struct ui *ui);
const char *ui_config_get(const struct ui *ui, const char *key);
void ui_suspend_for_shell(struct ui *ui);
uint64_t ui_now_ms(void);

/* draw.c: terminal helpers */
int ui_draw_str(int y, int x, int width, const char *s);
int ui_str_width(const char *s);
void ui_draw_hline(int y, int x, int width);
void ui_draw_box(int y, int x, int h, int w);
void ui_draw_title(struct ui *ui, const char *title);
void ui_draw_keys(struct ui *ui, const char *keys);
void ui_draw_clear_line(int y);

/* client.c: the daemon connection */
int ui_client_connect(struct ui *ui);
struct ui_req *ui_request(struct ui *ui, struct kb_msg *msg, ui_req_done_fn done, void *data);
uint32_t ui_new_req_id(struct ui *ui);
void ui_cancel_autoboot(struct ui *ui);

/* screens */
void ui_main_init(struct ui *ui);
void ui_main_before_remove(struct ui_model *m, struct ui_row row, void *data);
void ui_main_option_added(struct ui *ui, struct ui_opt *o);
void ui_main_autoboot_changed(struct ui *ui);
bool ui_main_is_default(const struct ui *ui, const struct kb_option *opt);
extern const struct ui_screen_ops ui_main_ops;
void ui_text_push(struct ui *ui, const char *title, char **text, size_t n, const char *help);
void ui_text_draw_lines(char **text, size_t n, size_t scroll, int y, int h);
void ui_show_help(struct ui *ui);
void ui_show_sysinfo(struct ui *ui);
void ui_show_log(struct ui *ui);
void ui_message(struct ui *ui, const char *title, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void ui_boot_start(struct ui *ui, const char *option_id, struct kb_option *override);
void ui_editor_open(struct ui *ui, const struct kb_option *opt);
void ui_config_open(struct ui *ui);
void ui_add_open(struct ui *ui);
void ui_password_prompt(struct ui *ui, void (*done)(struct ui *ui, const char *pw, void *data),
			void *data);
void ui_confirm(struct ui *ui, const char *question, void (*yes)(struct ui *ui, void *data),
		void *data);

#endif
