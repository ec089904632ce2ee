#!/bin/sh
# check-translations.sh — every translatable string of the app is in every
# language of po/, and every .po file passes msgfmt --check.
#
# Copyright 2026 The Switchyard developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
#   check-translations.sh SOURCE_ROOT
#
# The template is made afresh from po/POTFILES.in with the keywords of
# meson's "glib" gettext preset, so a string added to the code and not to
# the translations fails here, not months later.
set -eu

root=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
status=0

# A source file with translatable strings must be listed for xgettext.
for file in "$root"/app/*.c "$root"/app/*.ui; do
    relative=${file#"$root"/}
    if grep -qE '(^|[^A-Za-z0-9_])(_|N_|C_|NC_|g_dngettext) \(|translatable="yes"' "$file" &&
       ! grep -qx "$relative" "$root/po/POTFILES.in"; then
        echo "$relative has translatable strings but is not in po/POTFILES.in"
        status=1
    fi
done

grep -v '^#' "$root/po/POTFILES.in" | sed '/^$/d' > "$work/files"
(cd "$root" && xgettext --package-name=switchyard --from-code=UTF-8 \
    --add-comments=Translators \
    --keyword=_ --keyword=N_ --keyword=C_:1c,2 --keyword=NC_:1c,2 \
    --keyword=g_dcgettext:2 --keyword=g_dngettext:2,3 --keyword=g_dpgettext2:2c,3 \
    --flag=N_:1:pass-c-format --flag=C_:2:pass-c-format --flag=NC_:2:pass-c-format \
    --flag=g_dngettext:2:pass-c-format --flag=g_strdup_printf:1:c-format \
    --flag=g_set_error:4:c-format \
    -f "$work/files" -o "$work/switchyard.pot")

for lang in $(sed 's/#.*//' "$root/po/LINGUAS"); do
    po="$root/po/$lang.po"
    if ! msgfmt --check -o /dev/null "$po"; then
        echo "$lang: msgfmt --check failed"
        status=1
        continue
    fi
    msgmerge --quiet --no-fuzzy-matching -o "$work/$lang.po" "$po" "$work/switchyard.pot"
    stats=$(msgfmt --check --statistics -o /dev/null "$work/$lang.po" 2>&1)
    echo "$lang: $stats"
    untranslated=$(msgattrib --untranslated --no-obsolete "$work/$lang.po" | grep -c '^msgid ' || true)
    fuzzy=$(msgattrib --only-fuzzy --no-obsolete "$work/$lang.po" | grep -c '^msgid ' || true)
    # msgattrib prints the header entry too when there is anything to print.
    if [ "$untranslated" -gt 0 ] || [ "$fuzzy" -gt 0 ]; then
        echo "$lang: missing or fuzzy translations:"
        msgattrib --untranslated --no-obsolete "$work/$lang.po" | grep -A1 '^msgid ' | grep -v '^msgid ""$' || true
        msgattrib --only-fuzzy --no-obsolete "$work/$lang.po" | grep -A1 '^msgid ' || true
        status=1
    fi
done

exit $status
