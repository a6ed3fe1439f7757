#!/bin/sh
# How samverkan-bot is installed: the two steps deploy/Dockerfile runs, that
# tests/test_deploy.py runs the same way, and that a server without containers can use.
#
#   deploy/install.sh wheels SOURCE WHEELS
#       The project's wheel, built from SOURCE (the repository), and a prebuilt wheel of
#       every dependency, all in the directory WHEELS. Dependencies are taken as wheels only
#       (--only-binary), so no compiler is ever needed.
#   deploy/install.sh venv WHEELS PREFIX
#       A virtual environment at PREFIX with samverkan-bot installed from WHEELS alone (no
#       package index, no build step), without pip itself: PREFIX/bin/samverkan-bot.
#
# PYTHON names the interpreter (default: python3, 3.11 or newer); it also runs pip for the
# second step. Both steps need only the standard Python installation.
set -eu

python=${PYTHON:-python3}

usage() {
    echo "usage: $0 wheels SOURCE WHEELS | venv WHEELS PREFIX" >&2
    exit 2
}

[ "$#" -eq 3 ] || usage

case $1 in
wheels)
    source_dir=$2
    wheels=$3
    mkdir -p "$wheels"
    "$python" -m pip wheel --no-deps --wheel-dir "$wheels" "$source_dir"
    set -- "$wheels"/samverkan_bot-*.whl
    if [ "$#" -ne 1 ] || [ ! -f "$1" ]; then
        echo "$0: expected one samverkan_bot wheel in $wheels, found: $*" >&2
        exit 1
    fi
    "$python" -m pip wheel --only-binary=:all: --wheel-dir "$wheels" "$1"
    ;;
venv)
    wheels=$2
    prefix=$3
    "$python" -m venv --without-pip "$prefix"
    "$python" -m pip --python "$prefix/bin/python" install \
        --no-index --find-links "$wheels" --only-binary=:all: samverkan-bot
    "$prefix/bin/samverkan-bot" --version
    ;;
*)
    usage
    ;;
esac
