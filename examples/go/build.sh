#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Builds the cgo runner against the build tree's libkrun, offline.
# Usage: build.sh OUTPUT SOURCE_DIR WORK_DIR   (WORK_DIR holds libkrun.pc)
set -eu
out=$1 src=$2 work=$3
export PKG_CONFIG_PATH="$work" PKG_CONFIG_SYSROOT_DIR=
export GOCACHE="$work/gocache" GOPATH="$work/gopath" GOMODCACHE="$work/gopath/mod"
export GOFLAGS=-mod=mod GOPROXY=off GOSUMDB=off GO111MODULE=on CGO_ENABLED=1
case "$out" in /*) ;; *) out="$PWD/$out" ;; esac
cd "$src"
exec go build -o "$out" .
