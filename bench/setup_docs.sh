#!/usr/bin/env bash
# Idempotent: the large docs page the benchmarks snapshot, Rust's std::Vec page from Debian's rust-doc.
#
# The package is downloaded (`apt-get download`, no install: installing would pull mathjax and more) into
# a cache directory and only what the page needs is unpacked from it: the top-level files of the HTML tree
# (style sheets, scripts, fonts, icons) and std/vec/. The whole package unpacks to ~580 MB.
#
#   bench/setup_docs.sh            # prints the directory that holds html/std/vec/struct.Vec.html
#
# The cache is bench/.cache/rust-doc (BENCH_DOCS_CACHE overrides it); it ignores itself in git.
set -euo pipefail
cd "$(dirname "$0")"

cache="${BENCH_DOCS_CACHE:-$PWD/.cache/rust-doc}"
html_in_deb="./usr/share/doc/rust-doc/html"
page="$cache/html/std/vec/struct.Vec.html"

if [ -f "$page" ]; then
    echo "$cache"
    exit 0
fi

mkdir -p "$cache"
# The cache is not part of the repository: a .gitignore of its own keeps it out of `git status`.
[ -f "$cache/.gitignore" ] || printf '# Downloaded by bench/setup_docs.sh\n*\n' >"$cache/.gitignore"

deb="$(find "$cache" -maxdepth 1 -name 'rust-doc_*.deb' -print -quit)"
if [ -z "$deb" ]; then
    echo "setup_docs: downloading Debian's rust-doc into $cache" >&2
    # apt-get download writes into the current directory.
    (cd "$cache" && apt-get download -q rust-doc >&2)
    deb="$(find "$cache" -maxdepth 1 -name 'rust-doc_*.deb' -print -quit)"
    [ -n "$deb" ] || { echo "setup_docs: apt-get download rust-doc left no .deb" >&2; exit 1; }
fi

echo "setup_docs: unpacking the std::Vec page and the files it loads from $(basename "$deb")" >&2
unpacked="$cache/unpacked.tmp"
rm -rf "$unpacked"
mkdir -p "$unpacked"
dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$unpacked" --wildcards --no-wildcards-match-slash \
    "$html_in_deb/*.*" "$html_in_deb/std/vec/*"
rm -rf "$cache/html"
mv "$unpacked/$html_in_deb" "$cache/html"
rm -rf "$unpacked"
[ -f "$page" ] || { echo "setup_docs: $page is missing after unpacking" >&2; exit 1; }
echo "$cache"
