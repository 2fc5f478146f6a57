# lib.sh: what the workbook's scripts share: colours, the manifest, bars.
# Sourced, never run. Scripts run from the top of the workbook.

MANIFEST=${MANIFEST:-harness/manifest}

# Colour only on a terminal, and never when NO_COLOR is set (no-color.org).
wb_colors() {
    if [ -t 1 ] && [ -z "${NO_COLOR:-}" ] && [ "${TERM:-dumb}" != dumb ]; then
        C_RED=$'\e[31m' C_GREEN=$'\e[32m' C_YELLOW=$'\e[33m' C_DIM=$'\e[2m' C_BOLD=$'\e[1m'
        C_RESET=$'\e[0m'
    else
        C_RED='' C_GREEN='' C_YELLOW='' C_DIM='' C_BOLD='' C_RESET=''
    fi
}

# The exercises, in manifest order.
wb_exercises() {
    awk '$1 == "level" && !seen[$2]++ { print $2 }' "$MANIFEST"
}

# One exercise's levels: "N<TAB>POINTS<TAB>DAY<TAB>TITLE" per line.
wb_levels() {
    awk -v ex="$1" '$1 == "level" && $2 == ex {
        title = $0
        for (i = 1; i <= 5; i++) sub(/^[ \t]*[^ \t]+/, "", title)
        sub(/^[ \t]+/, "", title)
        printf "%s\t%s\t%s\t%s\n", $3, $4, $5, title }' "$MANIFEST"
}

# The exercises EX links in (manifest `needs` lines).
wb_needs() {
    awk -v ex="$1" '$1 == "needs" && $2 == ex { print $3 }' "$MANIFEST"
}

wb_is_exercise() {
    wb_exercises | grep -qx -- "$1"
}

# A bar of WIDTH cells for PASSED of TOTAL: "█████░░░░░".
wb_bar() {
    local passed=$1 total=$2 width=${3:-10} full=0 i out=''
    [ "$total" -gt 0 ] && full=$(( (passed * width + total - 1) / total ))
    [ "$passed" -lt "$total" ] && [ "$full" -ge "$width" ] && full=$((width - 1))
    for ((i = 0; i < width; i++)); do
        if [ "$i" -lt "$full" ]; then out+='█'; else out+='░'; fi
    done
    printf '%s' "$out"
}

# Prints the build directory's name for the current compiler.
wb_ccname() {
    basename "${CC:-gcc}" | awk '{ print $1 }'
}
