/* kexboot-menu: message translation (gettext, text domain "kexboot").
 * The catalog directory is KB_LOCALEDIR, or $KEXBOOT_LOCALEDIR (tests run
 * from the build tree); the language follows the locale, $LANGUAGE, or the
 * daemon's "language" setting. */
#ifndef KB_UI_I18N_H
#define KB_UI_I18N_H

#include <libintl.h>

#define KB_TEXT_DOMAIN "kexboot"
#define _(s) dgettext(KB_TEXT_DOMAIN, s)
#define N_(s) (s)

/* Bind the catalog; call after setlocale(). */
void ui_i18n_init(void);
/* Switch the language ("fr", "de_DE", "" = the locale's). Returns true when
 * it changed (redraw). */
_Bool ui_i18n_set_language(const char *lang);

#endif
