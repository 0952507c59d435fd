/* kexboot-menu: drawing helpers (wide strings clipped to columns, frames). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include <curses.h>

#include "ui/ncurses/ui.h"

/* Draw UTF-8 (locale) string s at y,x in at most width columns; invalid bytes
 * show as '?'. Control characters are never sent to the terminal. Returns the
 * columns used. */
int ui_draw_str(int y, int x, int width, const char *s)
{
	if (width <= 0 || !s)
		return 0;
	mbstate_t st;
	memset(&st, 0, sizeof(st));
	int used = 0;
	move(y, x);
	size_t left = strlen(s);
	while (left > 0) {
		wchar_t wc;
		size_t n = mbrtowc(&wc, s, left, &st);
		if (n == (size_t)-1 || n == (size_t)-2) {
			memset(&st, 0, sizeof(st));
			wc = L'?';
			n = 1;
		} else if (n == 0) {
			break;
		}
		int w = wcwidth(wc);
		if (w < 0 || wc < 0x20) {
			wc = L'?';
			w = 1;
		}
		if (used + w > width)
			break;
		if (w > 0)
			addnwstr(&wc, 1);
		used += w;
		s += n;
		left -= n;
	}
	return used;
}

/* Display width in columns of a locale string. */
int ui_str_width(const char *s)
{
	mbstate_t st;
	memset(&st, 0, sizeof(st));
	int used = 0;
	size_t left = s ? strlen(s) : 0;
	while (left > 0) {
		wchar_t wc;
		size_t n = mbrtowc(&wc, s, left, &st);
		if (n == (size_t)-1 || n == (size_t)-2) {
			memset(&st, 0, sizeof(st));
			n = 1;
			used++;
		} else if (n == 0) {
			break;
		} else {
			int w = wcwidth(wc);
			used += w < 0 ? 1 : w;
		}
		s += n;
		left -= n;
	}
	return used;
}

static bool g_ascii;

/* Horizontal line of width columns. */
void ui_draw_hline(int y, int x, int width)
{
	if (width <= 0)
		return;
	mvhline(y, x, g_ascii ? '-' : ACS_HLINE, width);
}

/* A frame with its top-left corner at y,x, h rows by w columns. */
void ui_draw_box(int y, int x, int h, int w)
{
	if (h < 2 || w < 2)
		return;
	chtype hl = g_ascii ? '-' : ACS_HLINE, vl = g_ascii ? '|' : ACS_VLINE;
	chtype ul = g_ascii ? '+' : ACS_ULCORNER, ur = g_ascii ? '+' : ACS_URCORNER;
	chtype ll = g_ascii ? '+' : ACS_LLCORNER, lr = g_ascii ? '+' : ACS_LRCORNER;
	mvaddch(y, x, ul);
	mvhline(y, x + 1, hl, w - 2);
	mvaddch(y, x + w - 1, ur);
	mvvline(y + 1, x, vl, h - 2);
	mvvline(y + 1, x + w - 1, vl, h - 2);
	mvaddch(y + h - 1, x, ll);
	mvhline(y + h - 1, x + 1, hl, w - 2);
	/* The bottom-right cell of the screen cannot take addch without scrolling. */
	if (y + h < LINES || x + w < COLS)
		mvaddch(y + h - 1, x + w - 1, lr);
}

/* Clear line y. */
void ui_draw_clear_line(int y)
{
	move(y, 0);
	clrtoeol();
}

/* The title bar on line 0. */
void ui_draw_title(struct ui *ui, const char *title)
{
	g_ascii = ui->ascii;
	attron(A_REVERSE);
	mvhline(0, 0, ' ', COLS);
	int w = ui_draw_str(0, 1, COLS - 2, "kexboot " PACKAGE_VERSION);
	ui_draw_str(0, w + 1, COLS - w - 2, title && *title ? " - " : "");
	ui_draw_str(0, w + 4, COLS - w - 5, title);
	const char *conn = ui->conn ? (ui->flags & KB_HELLO_RESTRICTED) && !(ui->flags & KB_HELLO_AUTHED)
					      ? "[restricted]"
					      : ""
				    : "[disconnected]";
	char ab[64] = "";
	if (ui->autoboot && ui->autoboot->active && ui->screen && ui->screen->ops != &ui_main_ops) {
		/* the countdown is visible on every screen, not just the list */
		snprintf(ab, sizeof(ab), "[autoboot in %d s]", ui->autoboot->remaining_s);
		conn = ab;
	}
	int cw = ui_str_width(conn);
	if (cw && COLS > cw + 2)
		ui_draw_str(0, COLS - cw - 1, cw, conn);
	attroff(A_REVERSE);
}

/* The key help line on the last line. */
void ui_draw_keys(struct ui *ui, const char *keys)
{
	g_ascii = ui->ascii;
	ui_draw_clear_line(LINES - 1);
	attron(A_BOLD);
	ui_draw_str(LINES - 1, 0, COLS - 1, keys);
	attroff(A_BOLD);
}
