#!/bin/sh
# cbolt as a peer of tests/diff while build/cbolt has no `replay` command:
# replay through the stand-alone replayer (tests/diff/cbolt_replay_main.c +
# src/tool/replay.c), dump and check through the cbolt tool. run.sh points
# CBOLT_TOOL and CBOLT_REPLAY at private copies of both.
root=$(cd "$(dirname "$0")/../.." && pwd)
case "$1" in
replay) exec "${CBOLT_REPLAY:-$root/build/diff/cbolt-replay}" "$@" ;;
*) exec "${CBOLT_TOOL:-$root/build/cbolt}" "$@" ;;
esac
