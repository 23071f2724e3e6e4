#!/usr/bin/env bash
# Builds ctnn's API reference from the headers with Doxygen (Debian's doxygen package) into
# build/docs/html/index.html. Fails, printing them, if Doxygen warns about anything (Doxyfile:
# WARN_AS_ERROR), so the reference stays free of broken comments and of undocumented public
# names (WARN_IF_UNDOCUMENTED).
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v doxygen >/dev/null; then
    echo "docs.sh: installing Debian's doxygen"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends doxygen >/dev/null
fi
mkdir -p build/docs
rm -f build/docs/warnings.log
if ! doxygen Doxyfile; then
    echo "docs.sh: doxygen failed; its warnings:" >&2
    cat build/docs/warnings.log >&2
    exit 1
fi
if [ -s build/docs/warnings.log ]; then
    cat build/docs/warnings.log >&2
    exit 1
fi
echo "API reference: build/docs/html/index.html"
