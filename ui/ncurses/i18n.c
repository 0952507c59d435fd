/* kexboot-menu: gettext setup and run-time language switching. */
#include "config.h"

#include <locale.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "ui/ncurses/i18n.h"

#ifndef KB_LOCALEDIR
#define KB_LOCALEDIR "/usr/share/locale"
#endif

/* Bind the catalog; call after setlocale(). */
void ui_i18n_init(void)
{
	const char *dir = getenv("KEXBOOT_LOCALEDIR");
	bindtextdomain(KB_TEXT_DOMAIN, dir && *dir ? dir : KB_LOCALEDIR);
	bind_textdomain_codeset(KB_TEXT_DOMAIN, "UTF-8");
}

/* Switch the language ("fr", "de_DE", "" = back to the locale's). gettext
 * reads $LANGUAGE on every lookup once the cache is invalidated, which
 * setlocale() does; it works in the C.UTF-8 locale that firmware images
 * have, without a locale for each language. */
bool ui_i18n_set_language(const char *lang)
{
	static char *current;
	if (!lang)
		lang = "";
	if (current ? strcmp(current, lang) == 0 : !*lang)
		return false;
	free(current);
	current = strdup(lang);
	if (*lang)
		setenv("LANGUAGE", lang, 1);
	else
		unsetenv("LANGUAGE");
	setlocale(LC_MESSAGES, "");
	return true;
}
