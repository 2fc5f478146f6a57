#!/usr/bin/env bash
# gate: links: every relative link in the workbook's Markdown files leads to a file that exists
#
# Reads [text](target) links in every tracked *.md file (and untracked ones
# not ignored), skips web addresses and mail, and checks that the target, taken
# relative to the file, exists. An anchor (#...) is checked too when the
# target is a Markdown file: some heading must produce it, GitHub-style.
set -u
cd "$(dirname "$0")/../.." || exit 2
files=$(git ls-files --cached --others --exclude-standard '*.md' 2>/dev/null || find . -name '*.md' -not -path './build/*')
bad=0 n=0
# GitHub's anchor for a heading: lower case, spaces to dashes, most punctuation dropped.
anchors() {
    awk '/^```/ { code = !code } !code && /^#+ / { sub(/^#+ +/, ""); print }' "$1" |
        tr 'A-Z' 'a-z' | sed -e 's/[^a-z0-9 _-]//g' -e 's/ /-/g'
}
for f in $files; do
    dir=$(dirname "$f")
    while IFS= read -r link; do
        n=$((n + 1))
        target=${link%%#*}
        anchor=''
        case $link in *'#'*) anchor=${link#*#} ;; esac
        if [ -z "$target" ]; then
            path=$f
        else
            path=$dir/$target
        fi
        if [ ! -e "$path" ]; then
            echo "$f: broken link ($link): $path does not exist"
            bad=1
        elif [ -n "$anchor" ] && [ "${path%.md}" != "$path" ] && ! anchors "$path" | grep -qx -- "$anchor"; then
            echo "$f: broken link ($link): no heading in $path makes #$anchor"
            bad=1
        fi
    done < <(awk '/^```/ { code = !code; next } !code' "$f" |
        grep -o '\](\([^)]*\))' | sed -e 's/^](//' -e 's/)$//' -e 's/ .*//' |
        grep -v -E '^(https?:|mailto:|ftp:)' | grep -v '^$')
done
echo "$n relative links checked"
exit "$bad"
