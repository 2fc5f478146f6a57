#!/usr/bin/env bash
# setup.sh: Gradescope runs this once, as root, when it builds the autograder
# image (Ubuntu). It installs what the workbook's grader needs.
set -eu
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends \
    build-essential pkg-config libcriterion-dev clang valgrind \
    patch unzip zip jq procps util-linux >/dev/null
