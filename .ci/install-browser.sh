#!/bin/sh
# Install Debian's Chromium (board-pack PDF, browser tests), poppler-utils (pdftotext, used
# by the tests to read the PDF) and LibreOffice Writer without a GUI (soffice: the tests convert
# the Word copy to PDF with it). Idempotent, non-interactive; run as root (or with sudo).
set -eu

missing=""
command -v chromium >/dev/null 2>&1 || missing="$missing chromium"
command -v pdftotext >/dev/null 2>&1 || missing="$missing poppler-utils"
command -v soffice >/dev/null 2>&1 || missing="$missing libreoffice-writer-nogui"
if [ -z "$missing" ]; then
    echo "install-browser: chromium, pdftotext and soffice already installed"
    exit 0
fi

if [ "$(id -u)" -eq 0 ]; then
    as_root=""
elif command -v sudo >/dev/null 2>&1; then
    as_root="sudo"
else
    echo "install-browser: need root to install:$missing (apt-get install -y$missing)" >&2
    exit 1
fi
if ! command -v apt-get >/dev/null 2>&1; then
    echo "install-browser: apt-get not found; install$missing with your package manager" >&2
    exit 1
fi

export DEBIAN_FRONTEND=noninteractive
echo "install-browser: installing$missing"
$as_root apt-get update -qq
# shellcheck disable=SC2086
$as_root apt-get install -y -qq $missing
command -v chromium >/dev/null 2>&1
command -v soffice >/dev/null 2>&1
echo "install-browser: $(chromium --version 2>/dev/null); $(soffice --version 2>/dev/null)"
